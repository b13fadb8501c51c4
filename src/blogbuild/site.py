"""The site model: loaded content and rendered bodies assembled into what pages show.

`assemble` is the one place where posts, comments and configuration meet: URLs,
order, comment threads and the "最近评论" sidebar are decided here, so templates and
feeds only read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from markdown_it.common.utils import escapeHtml

from .archive import Archive, build_archive
from .config import SiteConfig
from .comments import Comment
from .content import Content, Page, Post, post_path
from .labels import labels_for
from .markdown import Rendered, comment_tokens, joins_wide
from .mathtokens import MATH_BLOCKS
from .packed import Html
from .urlparts import split_url

EXTRACT_LENGTH = 60
"""Visible characters of a comment's extract in the sidebar."""

InlineMath = Callable[..., str]
"""inline_math(tex, before=()) → what goes inside an inline formula's span, `before`
being the formulas of the same comment before it (their definitions are in force)."""


@dataclass(frozen=True)
class CommentNode:
    """A comment with its rendered body and its replies, oldest first."""

    comment: Comment
    html: str
    replies: tuple[CommentNode, ...]
    author_url: str | None
    """The reader's `url` if it is a plain http(s) link; anything else is dropped."""
    reply_to: str | None = None
    """The author of the comment it replies to (the theme names them where replies are
    no longer indented, and past THREAD_DEPTH)."""

    @property
    def anchor(self) -> str:
        return f"comment-{self.comment.id}"


@dataclass(frozen=True)
class PostEntry:
    """A post as pages and feeds show it."""

    post: Post
    path: str
    """URL path below the site root, without leading slash: "archives/slug/"."""
    title_html: str
    """The title with its formulas rendered; `post.title` is the plain text."""
    body: Html
    """The body's HTML, kept packed (packed.py) until its page shows it: `html`."""
    excerpt_html: str
    feed_body: Html
    """`body` with formulas as TeX, whatever the render mode: `feed_html`."""
    feed_excerpt_html: str
    has_more: bool
    comments: tuple[CommentNode, ...]
    """Top-level comments, oldest first; replies nested."""
    comment_count: int

    @property
    def html(self) -> str:
        """The body's HTML, as a template shows it."""
        return str(self.body)

    @property
    def feed_html(self) -> str:
        """The body's HTML with formulas as TeX: what feeds carry."""
        return str(self.feed_body)


@dataclass(frozen=True)
class PageEntry:
    """A standalone page (about, links)."""

    page: Page
    path: str
    title_html: str
    """The title with its formulas rendered; `page.title` is the plain text."""
    html: str


@dataclass(frozen=True)
class RecentComment:
    """One line of the "最近评论" sidebar."""

    author: str
    extract_html: str
    """Plain text of at most EXTRACT_LENGTH characters, HTML-escaped; whole formulas only."""
    path: str
    """URL path of the comment: "archives/slug/#comment-23455"."""
    post_title: str


@dataclass(frozen=True)
class Site:
    """Everything a build writes, decided."""

    config: SiteConfig
    posts: tuple[PostEntry, ...]
    """Newest first; ties broken by slug so the order never depends on the file system."""
    pages: tuple[PageEntry, ...]
    recent_comments: tuple[RecentComment, ...]
    archive: Archive
    """Tags, categories, series, months and each post's neighbours."""
    favicon: str | None = None
    """The path below the site root of its icon (output.site_favicon), which every page
    links; None if it has none."""


URL_SAFE = "/#%:@!$&'()*+,;=-._~"
"""What url_path leaves as it is: the rest is percent-encoded."""


def url_path(config: SiteConfig, path: str) -> str:
    """Absolute URL path for a site path, percent-encoded: "/blog/archives/%E4%B8%AD/"."""
    return quote(config.base_path + path, safe=URL_SAFE)


def origin(config: SiteConfig) -> str:
    """Scheme and host of base_url: "https://user.github.io"."""
    return config.base_url[: len(config.base_url) - len(config.base_path)]


def absolute_url(config: SiteConfig, path: str) -> str:
    """The full, percent-encoded URL of a site path, for feeds, sitemaps and <head>."""
    return origin(config) + url_path(config, path)


@dataclass(frozen=True)
class RenderedContent:
    """What the Markdown stage made of the content."""

    bodies: dict[str, Rendered]
    """Post slug → body."""
    titles: dict[str, Rendered]
    """Post slug → title."""
    pages: dict[str, Rendered]
    """Page slug → body."""
    page_titles: dict[str, Rendered]
    """Page slug → title."""
    comments: dict[int, Rendered]
    """Comment id → body."""
    rejected: dict[str, Rendered] = field(default_factory=dict)
    """Source → body of a post rejected for its front matter (content.RejectedPost),
    rendered for its problems only."""
    unowned: tuple[Rendered, ...] = ()
    """The bodies of Content.unowned, in its order, rendered for their problems only."""

    @property
    def problems(self) -> list:
        """Every problem the Markdown stage found, in all of it."""
        return [problem for rendered in (*self.bodies.values(), *self.titles.values(),
                                         *self.pages.values(), *self.page_titles.values(),
                                         *self.comments.values(),
                                         *self.rejected.values(), *self.unowned)
                for problem in rendered.problems]


def assemble(config: SiteConfig, content: Content, rendered: RenderedContent,
             inline_math: InlineMath,
             archive_of: Callable[[tuple[PostEntry, ...]], Archive] = build_archive,
             favicon: str | None = None) -> Site:
    """Put posts, their rendered bodies and comments together. `inline_math` turns the
    TeX of an inline formula into what goes inside its span (for sidebar extracts);
    `archive_of` builds the archive navigation (the dev server reuses its last one);
    `favicon` is the site's icon (output.site_favicon)."""
    by_post: dict[str, list[Comment]] = {}
    for comment in content.comments:
        by_post.setdefault(comment.post_slug, []).append(comment)
    newest_first = sorted(content.posts, key=lambda p: (p.date, p.slug), reverse=True)
    entries = []
    for post in newest_first:
        body = rendered.bodies[post.slug]
        comments = by_post.get(post.slug, [])
        entries.append(PostEntry(post=post, path=post_path(config, post),
                                 title_html=rendered.titles[post.slug].html, body=body.html,
                                 excerpt_html=body.excerpt_html, feed_body=body.tex_html,
                                 feed_excerpt_html=body.tex_excerpt_html, has_more=body.has_more,
                                 comments=thread_comments(comments, rendered.comments),
                                 comment_count=len(comments)))
    pages = tuple(PageEntry(page=page, path=f"{page.slug}/",
                            title_html=rendered.page_titles[page.slug].html,
                            html=rendered.pages[page.slug].html)
                  for page in sorted(content.pages, key=lambda p: (p.weight, p.slug)))
    paths = {entry.post.slug: entry for entry in entries}
    labels = labels_for(config.language)
    newest_comments = sorted(content.comments, key=lambda c: (c.date, c.id), reverse=True)
    recent = tuple(RecentComment(author=c.author,
                                 extract_html=comment_extract(c.body, inline_math, labels),
                                 path=f"{paths[c.post_slug].path}#comment-{c.id}",
                                 post_title=paths[c.post_slug].post.title)
                   for c in newest_comments[:config.recent_comments])
    posts = tuple(entries)
    return Site(config=config, posts=posts, pages=pages, recent_comments=recent,
                archive=archive_of(posts), favicon=favicon)


THREAD_DEPTH = 8
"""Levels of replies a thread nests. A comment at the last level has as its replies
every comment below it in the thread, oldest first, as WordPress shows a thread deeper
than its limit (each naming whom it answers: CommentNode.reply_to): the theme indents
four levels, and a long back-and-forth of two readers would otherwise nest hundreds
deep (and every walk of the thread with it)."""


def thread_comments(comments: list[Comment], bodies: dict[int, Rendered]
                    ) -> tuple[CommentNode, ...]:
    """Nest comments by `parent` (at most THREAD_DEPTH levels of replies); siblings
    oldest first (date, then id)."""
    replies: dict[int | None, list[Comment]] = {}
    by_id = {c.id: c for c in comments}
    for comment in sorted(comments, key=lambda c: (c.date, c.id)):
        parent = comment.parent if comment.parent in by_id else None
        replies.setdefault(parent, []).append(comment)

    def node(comment: Comment, replies_shown: tuple[CommentNode, ...]) -> CommentNode:
        answered = by_id.get(comment.parent) if comment.parent is not None else None
        return CommentNode(comment, bodies[comment.id].html, replies_shown,
                           reader_link(comment.url), answered.author if answered else None)

    def nodes(parent: int | None, seen: frozenset[int], depth: int) -> tuple[CommentNode, ...]:
        if depth == THREAD_DEPTH:
            return tuple(node(c, ()) for c in descendants(parent, seen))
        return tuple(node(c, nodes(c.id, seen | {c.id}, depth + 1))
                     for c in replies.get(parent, []) if c.id not in seen)

    def descendants(parent: int, seen: frozenset[int]) -> list[Comment]:
        found, waiting, known = [], [parent], set(seen)
        while waiting:
            for reply in replies.get(waiting.pop(), []):
                if reply.id not in known:
                    known.add(reply.id)
                    found.append(reply)
                    waiting.append(reply.id)
        return sorted(found, key=lambda c: (c.date, c.id))

    return nodes(None, frozenset(), 0)


def reader_link(url: str | None) -> str | None:
    """A link a reader gave, if it is safe to put in an href: http(s) with a host."""
    if not url:
        return None
    parts = split_url(url.strip())
    return url.strip() if parts and parts.scheme.lower() in ("http", "https") and parts.netloc \
        else None


def comment_extract(body: str, inline_math: InlineMath, labels: Mapping[str, str],
                    limit: int = EXTRACT_LENGTH) -> str:
    """A comment's first words as HTML: escaped text and whole inline formulas.

    Counted in visible characters; a formula counts as its TeX and is dropped whole
    rather than cut, so the sidebar never shows half a formula. A display formula
    after some words ends the extract: an environment cannot be set inline (KaTeX
    refuses it), and no display fits a line of the sidebar. What cannot be shown
    before any words (a display, a code block, an image without alt text, a formula
    longer than the extract) is named instead ("[公式]", `labels`), so that a comment
    opening with one still has a link to click.
    """
    pieces: list[str] = []
    formulas: list[str] = []
    used = 0

    def words() -> str:
        return "".join(pieces).strip()

    def named(what: str) -> None:
        nonlocal used
        if not words():
            pieces.append(labels[what] + " ")
            used += len(labels[what]) + 1

    for token in comment_tokens(body):
        if token.type in MATH_BLOCKS or token.type in ("fence", "code_block"):
            if words():
                return words() + "…"
            named("formula" if token.type in MATH_BLOCKS else "code")
        for index, child in enumerate(token.children or []):
            if child.type in ("text", "code_inline", "math_ref"):
                piece, size = escapeHtml(child.content), len(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                piece, size = ("", 0) if joins_wide(token.children, index) else (" ", 1)
            elif child.type == "image":
                if not child.content:
                    named("image")
                    continue
                piece, size = escapeHtml(child.content), len(child.content)  # its alt text
            elif child.type == "math_display":  # glued to the words before it
                if words():
                    return words() + "…"
                named("formula")
                continue
            elif child.type.startswith("math_"):
                tex = child.content.strip()
                if used + len(tex) > limit:
                    if words():
                        return words() + "…"
                    named("formula")
                    continue
                piece = f'<span class="math inline">{inline_math(tex, tuple(formulas))}</span>'
                formulas.append(tex)
                size = len(tex)
            else:
                continue
            if used + size > limit:
                room = limit - used
                shown = "".join(pieces) + escapeHtml(_cut(child.content, room))
                # (a comment of one long word is still cut in it: its link needs words)
                return (shown.rstrip() or escapeHtml(child.content[:room])) + "…"
            pieces.append(piece)
            used += size
        # a paragraph, heading or list item ends: a space before the next one's words
        if token.nesting == -1 and pieces and not pieces[-1].endswith(" "):
            pieces.append(" ")
            used += 1
    return words()


_LATIN = re.compile(r"[A-Za-z0-9\u00c0-\u024f]")
_WORD_LIMIT = 20
"""A Latin word longer than this is cut where the room ends (a URL, a hash)."""


def _cut(text: str, room: int) -> str:
    """The first `room` characters of `text`, less a Latin word they would cut in two
    ("the lo…" is "the…"; it may leave nothing); Chinese is cut anywhere, as it
    breaks anywhere."""
    start, end = room, room
    while 0 < start and _LATIN.match(text, start - 1) and room - start <= _WORD_LIMIT:
        start -= 1
    while end < len(text) and _LATIN.match(text, end) and end - start <= _WORD_LIMIT:
        end += 1
    inside_a_word = start < room < end
    return (text[:start] if inside_a_word and end - start <= _WORD_LIMIT else text[:room]).rstrip()


def latest(posts: tuple[PostEntry, ...]) -> datetime | None:
    """Date of the newest post or update, for feeds and the sitemap (never the clock)."""
    moments = [p.post.updated or p.post.date for p in posts]
    return max(moments) if moments else None
