"""Content loading: content/posts, content/pages, content/comments → records.

Reading files (`load_content`) is kept apart from parsing them (`parse_post`,
`parse_page`; comments.parse_comments, through commentfiles.py), which are pure
functions of (path, text) so that tests and the dev server can drive them directly.
Problems are collected, never raised one by one.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import typing
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from types import MappingProxyType

from .aliases import alias_collisions, aliases_field
from .commentfiles import load_comment_files
from .comments import Comment
from .config import SiteConfig
from .contentcache import ContentCache, control_characters
from .frontmatter import (
    FrontMatterError,
    date_field,
    decoded_entities,
    fenced_body,
    key_named,
    name_field,
    parse_date,
    slug_as_written,
    split_front_matter,
    text_field,
)
from .problems import Problem, described, misspelt_as, relative_name
from .sources import content_sources


@dataclass(frozen=True)
class Post:
    """One post, as its author wrote it (not yet rendered)."""

    source: str
    """File path relative to the site folder, for messages."""
    slug: str
    """URL name; front matter `slug`, else the file name without date prefix and `.md`
    (a bundle's `index.md`: its folder's name, file_name)."""
    title: str
    date: datetime
    """Publication time, aware, in the site's time zone unless an offset was written."""
    body: str
    """The Markdown after the front matter."""
    body_line: int
    """1-based line of the body's first line in `source`."""
    author: str
    tags: tuple[str, ...] = ()
    category: str | None = None
    series: str | None = None
    views: int | None = None
    """Archived reader count, shown as "N位读者"."""
    draft: bool = False
    updated: datetime | None = None
    summary: str | None = None
    """Front matter `summary`: Markdown that replaces the excerpt."""
    title_line: int = 2
    """Line of `title:` in `source`, for problems in the title's formulas."""
    slug_line: int = 0
    """Line of `slug:` in `source`; 0 when the slug is the file name's."""
    extra: typing.Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    """Front-matter keys the SPEC does not name, kept for templates."""
    aliases: tuple[str, ...] = ()
    """Old addresses that redirect here (front matter `aliases`), as output paths:
    "archives/9881/index.html", "old.html" (alias_output)."""
    aliases_line: int = 0
    """Line of `aliases:` in `source`; 0 without aliases."""

    def __reduce__(self):  # the caches pickle posts; a mappingproxy does not pickle
        return _with_extra, (type(self), _fields_of(self))


@dataclass(frozen=True)
class Page:
    """A standalone page from content/pages (about, links)."""

    source: str
    slug: str
    title: str
    body: str
    body_line: int
    date: datetime | None = None
    extra: typing.Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    title_line: int = 2
    slug_line: int = 0
    """As Post.slug_line."""
    draft: bool = False
    """Left out of the site, as a draft post is, unless drafts are built."""
    weight: int = 0
    """Its place in the site's menu: lighter first, then by slug (Hugo's `weight`)."""
    aliases: tuple[str, ...] = ()
    """As Post.aliases."""
    aliases_line: int = 0
    """As Post.aliases_line."""

    def __reduce__(self):
        return _with_extra, (type(self), _fields_of(self))


def _fields_of(record) -> dict:
    """A record's fields for pickling (a mappingproxy cannot be pickled as it is)."""
    fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    fields["extra"] = dict(fields["extra"])
    return fields


def _with_extra(kind: type, fields: dict):
    return kind(**{**fields, "extra": MappingProxyType(fields["extra"])})


@dataclass(frozen=True)
class Content:
    """Everything under content/, loaded; `problems` includes warnings."""

    posts: tuple[Post, ...]
    pages: tuple[Page, ...]
    comments: tuple[Comment, ...]
    problems: tuple[Problem, ...]
    drafts: int = 0
    """Posts and pages marked `draft: true` that were left out (none are when drafts are
    built)."""
    rejected: tuple[RejectedPost, ...] = ()
    """Posts left out for errors in their front matter, or for a slug another post has.
    `comments` holds theirs too: content with a rejected post is never built, only
    checked."""
    origins: typing.Mapping[str, str] = field(default_factory=dict)
    """Post source → a digest of everything its record was parsed from
    (ContentCache.origin), for the posts loaded with a store: pages that show a post
    are digested by it (pagedeps.py)."""
    unowned: tuple[Comment, ...] = ()
    """The comments of files that name no post (an error): rendered for their problems
    only, so that naming the file right reveals none. Their ids may be the posts'
    comments' own (an old copy of a renamed post's file)."""


@dataclass(frozen=True)
class RejectedPost:
    """What is checked of a post file whose front matter has errors (or whose slug an
    earlier post has), so that one run reports every problem the file and its comments
    have (and its comments are not taken for lost ones): its body, and the slug its
    comments file is named after."""

    source: str
    slug: str
    body: str
    body_line: int


POST_KEYS = frozenset({"title", "date", "slug", "author", "tags", "category", "series",
                       "views", "draft", "updated", "summary", "aliases"})
PAGE_KEYS = frozenset({"title", "slug", "date", "draft", "weight", "aliases"})
"""The keys a standalone page reads (the rest are kept for templates)."""
OTHER_GENERATORS_KEYS = {
    "categories": "a list in Hugo, Jekyll and Hexo; a post here has one `category`",
    "taxonomies": "Zola's; here `tags` and `category` are keys of their own",
    "description": "a page's meta description in Hugo and Zola; here `summary` is both "
                   "that and the excerpt on listings",
    "excerpt": "here `summary` replaces the excerpt, or `<!--more-->` in the body ends it",
    "authors": "blogbuild's is `author`, one name",
    "lastmod": "blogbuild's is `updated`",
    "modified": "blogbuild's is `updated`",
    "publishdate": "blogbuild's is `date`",
    "math": "formulas render on every page without it",
    "mathjax": "formulas render on every page without it",
    "katex": "formulas render on every page without it",
}
"""Keys that posts moved from another generator have (lowercased), with what to write
here instead: "did you mean" cannot guess these."""
_DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})-(.+)$")
_TAG_COMMAS = re.compile("[,，、]")
_BAD_SLUG = re.compile(r"[/\\?#%\"<>|*:\s]|^\.|^$")


def load_content(site_dir: Path, config: SiteConfig, *, drafts: bool = False,
                 cache: ContentCache | None = None,
                 on_post: typing.Callable[[Post, int], None] | None = None) -> Content:
    """Read and parse every post, page and comment file of the site. `on_post` is
    given each post to be built as soon as it is parsed, with the number of post files
    still to parse (the site may still turn out to have errors)."""
    cache = cache or ContentCache()
    problems: list[Problem] = []
    files = _ContentFiles.under(site_dir / "content")
    if cache.stored:
        cache.prefetch(_parse_keys(files, site_dir, cache))
    posts: list[Post] = []
    rejected: list[RejectedPost] = []
    draft_slugs: set[str] = set()
    drafts_left_out = 0
    origins: dict[str, str] = {}
    first_unknown: dict[str, tuple[str, int]] = {}
    unknown_in: Counter[str] = Counter()  # posts that have the key
    for index, path in enumerate(files.posts):
        if (text := cache.text(path, site_dir, problems)) is None:
            continue
        source = relative_name(path, site_dir)

        def parse(found, source=source, text=text):
            unknown: dict[str, tuple[str, int]] = {}
            post = parse_post(source, text, config, found, unknown)
            return post, unknown, None if post else rejected_post(source, text)

        parse_key = ("post", source, text)
        post, unknown, unusable = cache.parse(parse_key, parse, problems)
        for key, where in unknown.items():
            first_unknown.setdefault(key, where)
        unknown_in.update(unknown.keys())
        if unusable is not None:
            rejected.append(unusable)
        if post is not None and (drafts or not post.draft):
            posts.append(post)
            if (origin := cache.origin(parse_key)) is not None:
                origins[source] = origin
            if on_post:
                on_post(post, len(files.posts) - index - 1)
        elif post is not None:
            draft_slugs.add(post.slug)
            drafts_left_out += 1
    pages = []
    page_slugs: set[str] = set()  # drafts' too: a comments file named so is no lost post's
    for path in files.pages:
        if (text := cache.text(path, site_dir, problems)) is None:
            continue
        source = relative_name(path, site_dir)
        page = cache.parse(("page", source, text),
                           lambda found, s=source, t=text: parse_page(s, t, config, found),
                           problems)
        if page is not None:
            page_slugs.add(page.slug)
        if page is not None and (drafts or not page.draft):
            pages.append(page)
        elif page is not None:
            drafts_left_out += 1
    for key, (source, line) in sorted(first_unknown.items()):
        where = "first seen here" if unknown_in[key] == 1 else \
            f"in {unknown_in[key]} posts, first seen here"
        problems.append(_unknown_key(source, line, key, where))
    for post in check_unique_slugs(posts, problems):  # its body is checked all the same
        posts.remove(post)
        rejected.append(RejectedPost(post.source, post.slug, post.body, post.body_line))
    check_unique_slugs(pages, problems)
    if any(record.aliases for record in (*posts, *pages)):
        problems += alias_collisions([(record, page_file(path)) for record, path in (
            *((post, post_path(config, post)) for post in posts),
            *((page, f"{page.slug}/") for page in pages))])
    comments, unowned = load_comment_files(
        files.comments, site_dir, config,
        {post.slug: _file_slug(post.source) for post in (*posts, *rejected)}, draft_slugs,
        page_slugs, problems, cache)
    # a file in a bundle's folder is told where its post's relative links find it
    bundles = {PurePosixPath(post.source).parent: post_path(config, post)
               for post in posts if _named_by(post.source) == "folder"} if files.unread else {}
    for path in files.unread:
        source = relative_name(path, site_dir)
        bundle = next((folder for folder in PurePosixPath(source).parents if folder in bundles),
                      None)
        problems.append(_unread_file(source, path.relative_to(site_dir / "content"),
                                     bundle and (bundles[bundle], PurePosixPath(source)
                                                 .relative_to(bundle).as_posix())))
    posts.sort(key=lambda p: (p.date, p.slug))
    cache.end_load()
    return Content(tuple(posts), tuple(pages), comments, tuple(problems), drafts_left_out,
                   tuple(rejected), origins, unowned)


@dataclass(frozen=True)
class _ContentFiles:
    """The content files of one load, content/ walked once."""

    posts: list[Path]
    pages: list[Path]
    comments: list[Path]
    unread: list[Path]
    """Files under content/ that are none of those (an editor's litter left out)."""

    @classmethod
    def under(cls, root: Path) -> _ContentFiles:
        found: dict[str, list[Path]] = {kind: [] for kind in ("posts", "pages", "comments",
                                                              "unread")}
        for path, kind in content_sources(root):
            found[kind].append(path)
        return cls(**{kind: sorted(paths) for kind, paths in found.items()})


_MARKDOWN_SUFFIXES = (".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn", ".mdtxt", ".Rmd", ".MD")


def _unread_file(source: str, relative: Path, in_bundle: tuple[str, str] | None) -> Problem:
    """A warning for a file under content/ that no build reads: a migrated post with
    another extension is not silently missing from the site, nor an image beside a post
    (Hugo's page bundles) silently missing from the output. `in_bundle`: (the URL path
    of the post in whose folder the file is, the file's path from that folder)."""
    if in_bundle and relative.suffix not in (".md", ".yaml", ".yml", *_MARKDOWN_SUFFIXES):
        post, name = in_bundle
        message = (f"not copied to the site: a post's folder is not published with it; put "
                   f"the file in static/{post}{name}, where the post's link `{name}` finds it")
    elif relative.suffix in _MARKDOWN_SUFFIXES:
        message = f"not read: a post or page is a `.md` file; rename it {relative.stem}.md"
    elif relative.name == "_index.md":
        message = ("not read: Hugo's text for a list page; blogbuild makes the listings "
                   "itself (the site's `description` in site.toml is shown on them)")
    elif relative.suffix in (".md", ".yaml", ".yml"):
        message = ("not read: posts go in content/posts/ (subfolders too), pages in "
                   "content/pages/, comments in content/comments/ (no subfolders)")
    else:
        tail = PurePosixPath(*relative.parts[1:] or relative.parts).as_posix()
        message = (f"not copied to the site: content/ holds posts, pages and comments; put "
                   f"files that pages link to in static/ (static/{tail} is published as "
                   f"{tail} at the site's address)")
    return Problem(source, 0, message, warning=True)


def _parse_keys(files: _ContentFiles, site_dir: Path, cache: ContentCache) -> list[tuple]:
    """The keys load_content will parse under, as it builds them below."""
    keys = []
    for kind, paths in (("post", files.posts), ("page", files.pages),
                        ("comments", files.comments)):
        for path in paths:
            text = cache.text(path, site_dir, [])
            if text is not None:
                source = relative_name(path, site_dir)
                keys.append((kind, source, text, path.stem) if kind == "comments"
                            else (kind, source, text))
    return keys


def parse_post(source: str, text: str, config: SiteConfig, problems: list[Problem],
               first_unknown: dict[str, tuple[str, int]] | None = None) -> Post | None:
    """Parse one post file; appends to `problems` and returns None if it is unusable."""
    problems += control_characters(source, text)
    try:
        header = split_front_matter(text)
    except FrontMatterError as error:
        problems.append(Problem(source, error.line, str(error)))
        return None
    fields, lines = header.fields, header.key_lines
    found = [Problem(source, fault.line, str(fault)) for fault in header.faults]

    def report(key: str, message: str) -> None:
        found.append(Problem(source, lines.get(key, 1), message))

    dated = _DATE_PREFIX.match(file_name(source))
    named_by = _named_by(source)
    example = "2024-01-14-slug/index.md" if named_by == "folder" else "2024-01-14-slug.md"
    title = name_field(fields, "title", report, required=True, toml=header.toml)
    date = date_field(fields, "date", config.zone, report, required=not dated,
                      or_else=f", or start the {named_by} name with the date ({example})",
                      toml=header.toml)
    if date is None and dated and "date" not in fields:
        try:
            date = parse_date(dated.group(1), config.zone)
        except ValueError:
            report("date", f"the {named_by} name starts with {dated.group(1)!r}, which is not "
                           f"a date; add {key_named('date', header.toml)} to the front matter")
    slug = _slug(fields, _file_slug(source), report)
    post_fields = dict(
        author=name_field(fields, "author", report) or config.author,
        tags=_tags(fields, report), category=name_field(fields, "category", report),
        series=name_field(fields, "series", report), views=_views(fields, report),
        draft=_flag(fields, "draft", report), updated=date_field(fields, "updated", config.zone, report),
        summary=text_field(fields, "summary", report),
        aliases=aliases_field(fields, report, lambda: _folder(permalink_path(config, slug, date))
                              if date else ""))
    for key in fields:
        if key not in POST_KEYS and first_unknown is not None:
            first_unknown.setdefault(str(key), (source, lines.get(str(key), 1)))
    problems.extend(found)
    if found or title is None or date is None:
        return None
    # by day in the site's time zone, as the page shows them (`updated: 2024-03-01`
    # under a post of 2024-03-01 10:00 is the same day, and shown as no update)
    updated_day = post_fields["updated"] and post_fields["updated"].astimezone(config.zone).date()
    if updated_day and updated_day < date.astimezone(config.zone).date():
        problems.append(Problem(source, lines.get("updated", 1), f"`updated` ({updated_day}) is "
                                f"before `date` ({date.astimezone(config.zone).date()}): the post "
                                "shows it as updated before it was published; a typo in either?",
                                warning=True))
    extra = MappingProxyType({str(k): v for k, v in fields.items() if k not in POST_KEYS})
    return Post(source=source, slug=slug, title=title, date=date, body=header.body,
                body_line=header.body_line, extra=extra, title_line=lines.get("title", 2),
                slug_line=_slug_line(fields, lines), aliases_line=lines.get("aliases", 0),
                **post_fields)


def rejected_post(source: str, text: str) -> RejectedPost | None:
    """What is checked of a post file parse_post rejected; None if its front matter is
    not even fenced (then where its body starts is unknown). Its slug is the one its
    front matter sets (read from its own line where the header is broken elsewhere), else
    the file name's."""
    body = fenced_body(text)
    if body is None:
        return None
    try:
        fields = split_front_matter(text).fields
    except FrontMatterError:
        written = slug_as_written(text)
        fields = {"slug": written} if written else {}
    slug = _slug(fields, _file_slug(source), lambda key, message: None)
    return RejectedPost(source, slug, *body)


def _unknown_key(source: str, line: int, key: str, where: str) -> Problem:
    """The warning for a front-matter key no post or page reads (`tittle`), `where`
    saying which files have it."""
    # another generator's key, as written or misspelt (`categoires`), is told what to
    # write here
    if key.lower() in OTHER_GENERATORS_KEYS:
        hint = f": {OTHER_GENERATORS_KEYS[key.lower()]}"
    elif (meant := misspelt_as(key, POST_KEYS | OTHER_GENERATORS_KEYS.keys())) is None:
        hint = ""
    else:
        hint = f" (did you mean `{meant}`?)" + \
            (f": {OTHER_GENERATORS_KEYS[meant]}" if meant in OTHER_GENERATORS_KEYS else "")
    return Problem(source, line, f"unknown front-matter key `{key}` ({where}){hint}; kept for "
                   f"templates. Known keys: {', '.join(sorted(POST_KEYS))}", warning=True)


def parse_page(source: str, text: str, config: SiteConfig,
               problems: list[Problem]) -> Page | None:
    """Parse one standalone page; its front matter needs only a title. It is written as
    a post is: a key no post knows either is reported (a page uses PAGE_KEYS: title,
    slug, date, draft and aliases of those a post knows, and its own `weight`)."""
    problems += control_characters(source, text)
    try:
        header = split_front_matter(text)
    except FrontMatterError as error:
        problems.append(Problem(source, error.line, str(error)))
        return None
    found = [Problem(source, fault.line, str(fault)) for fault in header.faults]

    def report(key: str, message: str) -> None:
        found.append(Problem(source, header.key_lines.get(key, 1), message))

    title = name_field(header.fields, "title", report, required=True, toml=header.toml)
    slug = _slug(header.fields, Path(source).stem, report)
    date = date_field(header.fields, "date", config.zone, report)
    draft = _flag(header.fields, "draft", report)
    weight = _weight(header.fields, report)
    aliases = aliases_field(header.fields, report, lambda: "")  # a page is at /slug/
    problems.extend(found)
    problems += [_unknown_key(source, header.key_lines.get(str(key), 1), str(key), "in this page")
                 for key in header.fields if key not in POST_KEYS | PAGE_KEYS]
    if found or title is None:
        return None
    extra = MappingProxyType({str(k): v for k, v in header.fields.items()
                              if k not in PAGE_KEYS})
    return Page(source=source, slug=slug, title=title, body=header.body,
                body_line=header.body_line, date=date, extra=extra, draft=draft, weight=weight,
                aliases=aliases, aliases_line=header.key_lines.get("aliases", 0),
                title_line=header.key_lines.get("title", 2),
                slug_line=_slug_line(header.fields, header.key_lines))


def _slug_line(fields: dict, lines: dict[str, int]) -> int:
    """Where the slug _slug took from `fields` is set; 0 if it is the file name's."""
    return lines.get("slug", 0) if fields.get("slug") not in (None, "") else 0


def _slug(fields: dict, default: str, report) -> str:
    value = fields.get("slug")
    slug = default if value in (None, "") else str(value).strip()
    slug = re.sub(r"\s+", "-", slug.strip())
    if wrong := slug_problem(slug):
        report("slug", wrong)
    return slug


def slug_problem(slug: str) -> str | None:
    """Why `slug` cannot name a post or page in a URL, if it cannot."""
    if _BAD_SLUG.search(slug):
        return (f"slug {slug!r} cannot be part of a URL: use letters, digits, Chinese "
                "characters, '-', '_' and '.' (no '/', '?', '#', '%' or spaces)")
    return None


def _tags(fields: dict, report) -> tuple[str, ...]:
    value = fields.get("tags")
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        # Jekyll's habit: one string, separated by commas (a Chinese author's too: ，、)
        # or else by spaces
        parts = _TAG_COMMAS.split(value) if _TAG_COMMAS.search(value) else value.split()
    elif isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        parts = [str(v) for v in value if v is not None]
    else:
        report("tags", "`tags` must be a list such as [扩散模型, ODE]")
        return ()
    return tuple(dict.fromkeys(decoded_entities(p.strip()) for p in parts if p.strip()))



def _views(fields: dict, report) -> int | None:
    value = fields.get("views")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        report("views", f"`views` must be a whole number of readers, not {described(value)}")
        return None
    return value


def _weight(fields: dict, report) -> int:
    value = fields.get("weight", 0)
    if isinstance(value, bool) or not isinstance(value, int):
        report("weight", f"`weight` must be a whole number (the menu lists lighter pages "
                         f"first), not {described(value)}")
        return 0
    return value


def _flag(fields: dict, key: str, report) -> bool:
    value = fields.get(key, False)
    if not isinstance(value, bool):
        report(key, f"`{key}` must be true or false, not {described(value)}")
        return False
    return value


def check_unique_slugs(items: list[Post] | list[Page], problems: list[Problem]) -> list:
    """The items whose slug one before them has (reported), upper and lower case
    alike: `MyPost` and `mypost` would be one folder where the site is checked out or
    previewed on macOS or Windows (output.find_collisions)."""
    seen: dict[str, Post | Page] = {}
    again = []
    for item in items:
        if (first := seen.get(item.slug.lower())) is not None:
            # at its `slug:` line; a slug from the file name, where the front matter starts
            whose = "" if item.slug_line else f" (from the {_named_by(item.source)} name)"
            case = "" if first.slug == item.slug else \
                f" as {first.slug!r} (URLs differing only in case are one folder on macOS and Windows)"
            problems.append(Problem(item.source, item.slug_line or 1,
                                    f"slug {item.slug!r}{whose} is already used by "
                                    f"{first.source}{case}; give one of them another `slug:`"))
            again.append(item)
        else:
            seen[item.slug.lower()] = item
    return again


def _file_slug(source: str) -> str:
    """The slug a post's file name gives it, which its `slug:` replaces:
    "2024-01-14-diffusion-3.md" → "diffusion-3"."""
    name = file_name(source)
    dated = _DATE_PREFIX.match(name)
    return dated.group(2) if dated else name


def post_path(config: SiteConfig, post: Post) -> str:
    """The post's URL path below the site root (permalink with its fields filled in)."""
    return permalink_path(config, post.slug, post.date)


def permalink_path(config: SiteConfig, slug: str, date: datetime) -> str:
    """post_path of a post of this slug and date."""
    filled = config.permalink.format(slug=slug, year=f"{date.year:04d}",
                                     month=f"{date.month:02d}", day=f"{date.day:02d}")
    return filled.lstrip("/")


def page_file(path: str) -> str:
    """The file a page at the URL path `path` (below the site root, "" the root) is
    written to: a folder's index.html, else the path itself (`archives/x.html`)."""
    return path + "index.html" if path.endswith("/") or not path else path


def _folder(path: str) -> str:
    """The folder a page's URL path is in: "archives/" for archives/slug/ or
    archives/slug.html, "" at the site's root."""
    parent = posixpath.dirname(path.rstrip("/"))
    return f"{parent}/" if parent else ""


def _named_by(source: str) -> str:
    """"folder" for a bundle's index.md (file_name), else "file"."""
    return "file" if file_name(source) == PurePosixPath(source).stem else "folder"


def file_name(source: str) -> str:
    """The name a post's file gives it (its slug and date, unless the front matter sets
    them): the file name without `.md`, or for an `index.md` in a folder of its own,
    that folder's name, as Hugo names a page bundle and Zola a page with its assets:
    content/posts/2024-07-01-rope/index.md is "2024-07-01-rope"."""
    path = PurePosixPath(source)
    # content/posts/index.md is in no folder of its own
    return path.parent.name if path.stem == "index" and len(path.parts) > 3 else path.stem
