"""Ways through the archive: tags, categories, series, months, and each post's
neighbours (previous/next, its series, related posts).

URL rule for a name (documented in the README): trimmed, ASCII letters lowercased,
runs of spaces and `/ \\ ? # % " < > | * :` become one "-", everything else — Chinese
included — kept as written. Names that differ only in those respects share one URL,
so they are listed together under the most used spelling, with a warning; never does
one page silently overwrite another.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from itertools import chain
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING

from .problems import Problem, did_you_mean

if TYPE_CHECKING:
    from .site import PostEntry

RELATED_POSTS = 5
"""How many related posts a post page shows."""

_UNSAFE = re.compile(r"[\s/\\?#%\"<>|*:]+")


@dataclass(frozen=True)
class Term:
    """A tag, a category or a series, with its posts."""

    kind: str
    """"tag", "category" or "series"."""
    name: str
    path: str
    """URL path below the site root: "tags/扩散模型/"."""
    posts: tuple[PostEntry, ...]
    """Newest first; a series' parts oldest first (reading order)."""


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    path: str
    """"archives/2024/01/"."""
    posts: tuple[PostEntry, ...]
    """Newest first."""


@dataclass(frozen=True)
class PostLink:
    """Another post as a post page links to it. Only what a link shows: a page holds
    these instead of whole entries, so editing one post's body changes the pages that
    show its body or excerpt, not every page that links to it (pagedeps.py)."""

    slug: str
    path: str
    title_html: str
    date: datetime


@dataclass(frozen=True)
class TermLink:
    """A tag or category as a post page links to it."""

    kind: str
    name: str
    path: str


@dataclass(frozen=True)
class SeriesNav:
    """A post's series as its page shows it: every part, in reading order."""

    name: str
    path: str
    posts: tuple[PostLink, ...]


@dataclass(frozen=True)
class PostNav:
    """Everything a post page links to besides itself."""

    newer: PostLink | None
    older: PostLink | None
    tags: tuple[TermLink, ...]
    category: TermLink | None
    series: SeriesNav | None
    related: tuple[PostLink, ...]
    """Posts sharing the most tags: more shared tags first, then newer, then by slug."""


@dataclass(frozen=True)
class Archive:
    tags: tuple[Term, ...]
    """By number of posts, then name."""
    categories: tuple[Term, ...]
    series: tuple[Term, ...]
    months: tuple[Month, ...]
    """Newest first."""
    nav: Mapping[str, PostNav]
    """Post slug → its navigation."""
    problems: tuple[Problem, ...]
    """Warnings: names merged because they share a URL."""


def term_slug(name: str) -> str:
    """The URL segment of a tag, category or series name (see the module docstring)."""
    slug = _UNSAFE.sub("-", name.strip()).strip("-")
    if set(slug) <= {"."}:  # "." and ".." are not folder names a URL can have
        return "-"
    return "".join(c.lower() if c.isascii() else c for c in slug)


Memo = Callable[[tuple, Callable[[], dict[str, tuple[str, ...]]]], dict[str, tuple[str, ...]]]
"""memo(key, compute): what `compute()` returns for `key`, from an earlier build where
one is kept (a JSON-able key naming everything the value depends on)."""


def build_archive(posts: tuple[PostEntry, ...], memo: Memo | None = None) -> Archive:
    """`posts` newest first, as the site lists them. Related posts compare every post
    with every post sharing a tag (seconds at 5000 posts) and depend only on the posts'
    order and tags, so with `memo` they are kept between builds under those."""
    problems: list[Problem] = []
    tags = _terms("tag", "tags", posts, lambda p: p.post.tags, problems)
    categories = _terms("category", "category", posts,
                        lambda p: (p.post.category,) if p.post.category else (), problems)
    series = _terms("series", "series", posts,
                    lambda p: (p.post.series,) if p.post.series else (), problems)
    series = tuple(Term(t.kind, t.name, t.path, tuple(reversed(t.posts))) for t in series)
    problems += _lone_misspelt_series(series)
    by_post: dict[str, dict[str, list[Term]]] = {}
    for kind, terms in (("tag", tags), ("category", categories), ("series", series)):
        for term in terms:
            for entry in term.posts:
                by_post.setdefault(entry.post.slug, {}).setdefault(kind, []).append(term)
    nav = {}

    def related_posts() -> dict[str, tuple[str, ...]]:
        order = {entry.post.slug: index for index, entry in enumerate(posts)}
        members = {term.path: tuple(e.post.slug for e in term.posts) for term in tags}
        return {slug: _related(slug, [members[t.path] for t in own.get("tag", [])], order)
                for slug, own in by_post.items()}

    related = memo(("related", [(e.post.slug, e.post.tags) for e in posts]), related_posts) \
        if memo else related_posts()
    links = {entry.post.slug: post_link(entry) for entry in posts}
    series_navs = {term.path: SeriesNav(term.name, term.path,
                                        tuple(links[e.post.slug] for e in term.posts))
                   for term in series}
    for index, entry in enumerate(posts):
        own = by_post.get(entry.post.slug, {})
        # in the post's own order, by URL: the page may be named by another spelling
        written = [f"tags/{term_slug(name)}/" for name in entry.post.tags]
        own_tags = sorted(own.get("tag", []), key=lambda t: written.index(t.path))
        category, part_of = (own.get("category") or [None])[0], (own.get("series") or [None])[0]
        nav[entry.post.slug] = PostNav(
            newer=links[posts[index - 1].post.slug] if index > 0 else None,
            older=links[posts[index + 1].post.slug] if index + 1 < len(posts) else None,
            tags=tuple(term_link(t) for t in own_tags),
            category=term_link(category) if category else None,
            series=series_navs[part_of.path] if part_of else None,
            related=tuple(links[slug] for slug in related.get(entry.post.slug, ())))
    return Archive(tags=_by_size(tags), categories=_by_size(categories),
                   series=tuple(sorted(series, key=lambda t: t.name)), months=_months(posts),
                   nav=MappingProxyType(nav), problems=tuple(problems))


def _terms(kind: str, folder: str, posts: Iterable[PostEntry],
           names_of: Callable[[PostEntry], Iterable[str]], problems: list[Problem]
           ) -> tuple[Term, ...]:
    spellings: dict[str, Counter] = {}
    members: dict[str, list[PostEntry]] = {}
    first_use: dict[tuple[str, str], str] = {}
    for entry in posts:
        for name in dict.fromkeys(names_of(entry)):
            slug = term_slug(name)
            spellings.setdefault(slug, Counter())[name] += 1
            first_use.setdefault((slug, name), entry.post.source)
            listed = members.setdefault(slug, [])
            if not listed or listed[-1] is not entry:  # two spellings on one post
                listed.append(entry)
    terms = []
    for slug, counts in sorted(spellings.items()):
        # the most used spelling names the page; ties go to the first in sort order
        name = sorted(counts, key=lambda n: (-counts[n], n))[0]
        for other in sorted(set(counts) - {name}):
            problems.append(Problem(first_use[(slug, other)], 0, f"{kind} {other!r} has the "
                                    f"same URL as {name!r} ({folder}/{slug}/); they are listed "
                                    f"together as {name!r}. Spell them the same way", warning=True))
        terms.append(Term(kind, name, f"{folder}/{slug}/", tuple(members[slug])))
    return tuple(terms)


def _lone_misspelt_series(series: tuple[Term, ...]) -> list[Problem]:
    """A series of one post named nearly as a longer one: a typo (模形 for 模型) that
    starts a series of its own, and takes the post out of the one it belongs to."""
    longer = [term.name for term in series if len(term.posts) > 1]
    return [Problem(term.posts[0].post.source, 0, f"series {term.name!r} has this post "
                    f"alone{hint}; a series named differently is another series", warning=True)
            for term in series
            if len(term.posts) == 1 and (hint := did_you_mean(term.name, longer))]


def _by_size(terms: tuple[Term, ...]) -> tuple[Term, ...]:
    return tuple(sorted(terms, key=lambda t: (-len(t.posts), t.name)))


def _months(posts: tuple[PostEntry, ...]) -> tuple[Month, ...]:
    months: dict[tuple[int, int], list[PostEntry]] = {}
    for entry in posts:
        months.setdefault((entry.post.date.year, entry.post.date.month), []).append(entry)
    return tuple(Month(year, month, f"archives/{year:04d}/{month:02d}/", tuple(entries))
                 for (year, month), entries in sorted(months.items(), reverse=True))


def post_link(entry: PostEntry) -> PostLink:
    return PostLink(entry.post.slug, entry.path, entry.title_html, entry.post.date)


def term_link(term: Term) -> TermLink:
    return TermLink(term.kind, term.name, term.path)


def _related(slug: str, tag_members: list[tuple[str, ...]], order: Mapping[str, int]
             ) -> tuple[str, ...]:
    """The slugs of the related posts, from the slugs of each of the post's tags' posts;
    `order`: slug → position, newest first."""
    # this runs for every post of the site, over every post sharing a tag with it (a
    # few thousand at 5000 posts): counting and picking stay in C where they can
    shared = Counter(chain.from_iterable(tag_members))
    shared.pop(slug, None)
    best: list[str] = []
    for count in sorted(set(shared.values()), reverse=True):
        tied = [other for other, n in shared.items() if n == count]
        best += heapq.nsmallest(RELATED_POSTS - len(best), tied, key=order.__getitem__)
        if len(best) == RELATED_POSTS:
            break
    return tuple(best)
