"""Content loading: content/posts, content/pages, content/comments → records.

Reading files (`load_content`) is kept apart from parsing them (`parse_post`,
`parse_comments`), which are pure functions of (path, text) so that tests and the
dev server can drive them directly. Problems are collected, never raised one by one.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

import yaml

from .config import SiteConfig
from .frontmatter import (FrontMatterError, YamlError, load_yaml, mapping_key_lines,
                          parse_date, split_front_matter)
from .problems import Problem, relative_name


@dataclass(frozen=True)
class Post:
    """One post, as its author wrote it (not yet rendered)."""

    source: str
    """File path relative to the site folder, for messages."""
    slug: str
    """URL name; front matter `slug`, else the file name without date prefix and `.md`."""
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
    extra: typing.Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    """Front-matter keys the SPEC does not name, kept for templates."""


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


@dataclass(frozen=True)
class Comment:
    """One archived reader comment. Its `author`, `url` and `body` are untrusted."""

    id: int
    post_slug: str
    author: str
    date: datetime
    body: str
    """Markdown written by a reader."""
    source: str
    line: int
    """1-based line of this comment's entry in `source`."""
    body_line: int = 0
    """1-based line where the body's text starts in `source`."""
    url: str | None = None
    parent: int | None = None
    """Id of the comment this one replies to."""


@dataclass(frozen=True)
class Content:
    """Everything under content/, loaded; `problems` includes warnings."""

    posts: tuple[Post, ...]
    pages: tuple[Page, ...]
    comments: tuple[Comment, ...]
    problems: tuple[Problem, ...]


POST_KEYS = frozenset({"title", "date", "slug", "author", "tags", "category", "series",
                       "views", "draft", "updated", "summary"})
_DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})-(.+)$")
_BAD_SLUG = re.compile(r"[/\\?#%\"<>|*:\s]|^\.|^$")


class ContentCache:
    """File texts (known by modification time and size) and parse results (known by
    text), kept between loads: the dev server re-reads and re-parses only what changed,
    and an unchanged file gives back the very same records. A build uses a fresh one."""

    def __init__(self) -> None:
        self._texts: dict[Path, tuple[tuple[int, int], str | None, tuple[Problem, ...]]] = {}
        self._parsed: dict[tuple, tuple[object, tuple[Problem, ...]]] = {}
        self._used: dict[tuple, tuple[object, tuple[Problem, ...]]] = {}

    def text(self, path: Path, site_dir: Path, problems: list[Problem]) -> str | None:
        try:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = (-1, -1)
        known = self._texts.get(path)
        if known is None or known[0] != stamp:
            found: list[Problem] = []
            known = (stamp, read_text(path, site_dir, found), tuple(found))
            self._texts[path] = known
        problems.extend(known[2])
        return known[1]

    def parse(self, key: tuple, parse, problems: list[Problem]):
        """`parse(problems)` once per key; its problems are replayed on every later use."""
        if key not in self._parsed:
            found: list[Problem] = []
            self._parsed[key] = (parse(found), tuple(found))
        self._used[key] = self._parsed[key]
        value, found = self._parsed[key]
        problems.extend(found)
        return value

    def forget(self, path: Path) -> None:
        """Re-read `path` next time even if its modification time looks the same."""
        self._texts.pop(path, None)

    def end_load(self) -> None:
        """Drop the parses of files that are gone or changed."""
        self._parsed, self._used = self._used, {}


def load_content(site_dir: Path, config: SiteConfig, *, drafts: bool = False,
                 cache: ContentCache | None = None) -> Content:
    """Read and parse every post, page and comment file of the site."""
    cache = cache or ContentCache()
    problems: list[Problem] = []
    root = site_dir / "content"
    posts: list[Post] = []
    draft_slugs: set[str] = set()
    first_unknown: dict[str, tuple[str, int]] = {}
    for path in content_files(root / "posts", "**/*.md"):
        if (text := cache.text(path, site_dir, problems)) is None:
            continue
        source = relative_name(path, site_dir)

        def parse(found, source=source, text=text):
            unknown: dict[str, tuple[str, int]] = {}
            return parse_post(source, text, config, found, unknown), unknown

        post, unknown = cache.parse(("post", source, text), parse, problems)
        for key, where in unknown.items():
            first_unknown.setdefault(key, where)
        if post is not None and (drafts or not post.draft):
            posts.append(post)
        elif post is not None:
            draft_slugs.add(post.slug)
    pages = []
    for path in content_files(root / "pages", "*.md"):
        if (text := cache.text(path, site_dir, problems)) is None:
            continue
        source = relative_name(path, site_dir)
        page = cache.parse(("page", source, text),
                           lambda found, s=source, t=text: parse_page(s, t, config, found),
                           problems)
        if page is not None:
            pages.append(page)
    for key, (source, line) in sorted(first_unknown.items()):
        problems.append(Problem(source, line, f"unknown front-matter key `{key}` (first seen "
                                f"here); kept for templates. Known keys: "
                                f"{', '.join(sorted(POST_KEYS))}", warning=True))
    check_unique_slugs(posts, problems)
    check_unique_slugs(pages, problems)
    comments = _load_comments(root / "comments", site_dir, config, {post.slug for post in posts},
                              draft_slugs, problems, cache)
    posts.sort(key=lambda p: (p.date, p.slug))
    cache.end_load()
    return Content(tuple(posts), tuple(pages), comments, tuple(problems))


def content_files(folder: Path, pattern: str) -> list[Path]:
    """Files under `folder` matching `pattern`, in a fixed order; hidden files (an
    editor's `.#post.md` lock, `.post.md.swp`) are never content."""
    return sorted(path for path in folder.glob(pattern)
                  if not any(part.startswith(".") for part in path.relative_to(folder).parts))


def read_text(path: Path, site_dir: Path, problems: list[Problem]) -> str | None:
    """The file's text (UTF-8, BOM and CRLF removed), or None with a problem."""
    name = relative_name(path, site_dir)
    try:
        data = path.read_bytes()
    except OSError as error:
        problems.append(Problem(name, 0, f"cannot read file: {error.strerror}"))
        return None
    try:
        return data.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        problems.append(Problem(name, line, "not UTF-8 text: save the file as UTF-8"))
        return None


def parse_post(source: str, text: str, config: SiteConfig, problems: list[Problem],
               first_unknown: dict[str, tuple[str, int]] | None = None) -> Post | None:
    """Parse one post file; appends to `problems` and returns None if it is unusable."""
    try:
        header = split_front_matter(text)
    except FrontMatterError as error:
        problems.append(Problem(source, error.line, str(error)))
        return None
    fields, lines = header.fields, header.key_lines
    found: list[Problem] = []

    def report(key: str, message: str) -> None:
        found.append(Problem(source, lines.get(key, 1), message))

    stem = Path(source).stem
    dated = _DATE_PREFIX.match(stem)
    title = _text(fields, "title", report, required=True)
    date = _date(fields, "date", config, report, required=not dated)
    if date is None and dated and "date" not in fields:
        try:
            date = parse_date(dated.group(1), config.zone)
        except ValueError:
            report("date", f"the file name starts with {dated.group(1)!r}, which is not a "
                           "date; add `date:` to the front matter")
    slug = _slug(fields, (dated.group(2) if dated else stem), report)
    post_fields = dict(
        author=_text(fields, "author", report) or config.author,
        tags=_tags(fields, report), category=_text(fields, "category", report),
        series=_text(fields, "series", report), views=_views(fields, report),
        draft=_flag(fields, "draft", report), updated=_date(fields, "updated", config, report),
        summary=_text(fields, "summary", report))
    for key in fields:
        if key not in POST_KEYS and first_unknown is not None:
            first_unknown.setdefault(str(key), (source, lines.get(str(key), 1)))
    problems.extend(found)
    if found or title is None or date is None:
        return None
    extra = MappingProxyType({str(k): v for k, v in fields.items() if k not in POST_KEYS})
    return Post(source=source, slug=slug, title=title, date=date, body=header.body,
                body_line=header.body_line, extra=extra, title_line=lines.get("title", 2),
                **post_fields)


def parse_page(source: str, text: str, config: SiteConfig,
               problems: list[Problem]) -> Page | None:
    """Parse one standalone page; its front matter needs only a title."""
    try:
        header = split_front_matter(text)
    except FrontMatterError as error:
        problems.append(Problem(source, error.line, str(error)))
        return None
    found: list[Problem] = []

    def report(key: str, message: str) -> None:
        found.append(Problem(source, header.key_lines.get(key, 1), message))

    title = _text(header.fields, "title", report, required=True)
    slug = _slug(header.fields, Path(source).stem, report)
    date = _date(header.fields, "date", config, report)
    problems.extend(found)
    if found or title is None:
        return None
    extra = MappingProxyType({str(k): v for k, v in header.fields.items()
                              if k not in ("title", "slug", "date")})
    return Page(source=source, slug=slug, title=title, body=header.body,
                body_line=header.body_line, date=date, extra=extra)


def _text(fields: dict, key: str, report, *, required: bool = False) -> str | None:
    value = fields.get(key)
    if value is None or value == "":
        if required:
            report(key, f"missing `{key}:` in the front matter; add e.g. `{key}: ...`")
        return None
    if isinstance(value, (dict, list)):
        report(key, f"`{key}` must be a single text value, not {type(value).__name__}")
        return None
    return str(value).strip()


def _date(fields: dict, key: str, config: SiteConfig, report, *,
          required: bool = False) -> datetime | None:
    if fields.get(key) in (None, ""):
        if required:
            report(key, f"missing `{key}:`; add e.g. `{key}: 2024-01-14 10:30`, or start the "
                        "file name with the date (2024-01-14-slug.md)")
        return None
    try:
        return parse_date(fields[key], config.zone)
    except ValueError as error:
        report(key, f"`{key}`: {error}")
        return None


def _slug(fields: dict, default: str, report) -> str:
    value = fields.get("slug")
    slug = default if value in (None, "") else str(value).strip()
    slug = re.sub(r"\s+", "-", slug.strip())
    if _BAD_SLUG.search(slug):
        report("slug", f"slug {slug!r} cannot be part of a URL: use letters, digits, "
                       "Chinese characters, '-', '_' and '.' (no '/', '?', '#', '%' or spaces)")
    return slug


def _tags(fields: dict, report) -> tuple[str, ...]:
    value = fields.get("tags")
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        # Jekyll's habit: one string, separated by commas or else by spaces
        parts = value.split(",") if "," in value else value.split()
    elif isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        parts = [str(v) for v in value if v is not None]
    else:
        report("tags", "`tags` must be a list such as [扩散模型, ODE]")
        return ()
    return tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))


def _views(fields: dict, report) -> int | None:
    value = fields.get("views")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        report("views", f"`views` must be a whole number of readers, not {value!r}")
        return None
    return value


def _flag(fields: dict, key: str, report) -> bool:
    value = fields.get(key, False)
    if not isinstance(value, bool):
        report(key, f"`{key}` must be true or false, not {value!r}")
        return False
    return value


def check_unique_slugs(items: list[Post] | list[Page], problems: list[Problem]) -> None:
    seen: dict[str, str] = {}
    for item in items:
        if item.slug in seen:
            problems.append(Problem(item.source, 1, f"slug {item.slug!r} is already used by "
                                    f"{seen[item.slug]}; give one of them another `slug:`"))
        else:
            seen[item.slug] = item.source


_COMMENT_KEYS = frozenset({"id", "author", "url", "date", "parent", "body"})


def _load_comments(folder: Path, site_dir: Path, config: SiteConfig, slugs: set[str],
                   draft_slugs: set[str], problems: list[Problem],
                   cache: ContentCache) -> tuple[Comment, ...]:
    """Read content/comments/<slug>.yaml for the posts that are built."""
    comments: list[Comment] = []
    for path in sorted([*content_files(folder, "*.yaml"), *content_files(folder, "*.yml")]):
        source = relative_name(path, site_dir)
        if path.stem not in slugs:
            # a draft's comments stay hidden with it; any other file names no post
            if path.stem not in draft_slugs:
                problems.append(Problem(source, 0, f"no post has the slug {path.stem!r}; "
                                        "name the file after its post's slug", warning=True))
            continue
        text = cache.text(path, site_dir, problems)
        if text is not None:
            comments.extend(cache.parse(
                ("comments", source, text, path.stem),
                lambda found, s=source, t=text, slug=path.stem: parse_comments(
                    s, t, slug, config, found), problems))
    check_comment_ids(comments, problems)
    return tuple(sorted(comments, key=lambda c: (c.date, c.id)))


def parse_comments(source: str, text: str, post_slug: str, config: SiteConfig,
                   problems: list[Problem]) -> list[Comment]:
    """Parse one comments file: a YAML list of comments for the post `post_slug`."""
    try:
        value, node = load_yaml(text)
    except YamlError as error:
        problems.append(Problem(source, error.line, str(error)))
        return []
    if value is None:
        return []
    if not isinstance(value, list) or not isinstance(node, yaml.SequenceNode):
        problems.append(Problem(source, 1, "a comments file is a YAML list: each comment "
                                "starts with `- id: ...`"))
        return []
    comments = []
    for item, item_node in zip(value, node.value):
        line = item_node.start_mark.line + 1
        if not isinstance(item, dict) or not isinstance(item_node, yaml.MappingNode):
            problems.append(Problem(source, line, "a comment must be `key: value` lines "
                                    "(id, author, date, body, optional url and parent)"))
            continue
        lines = mapping_key_lines(item_node)
        found: list[Problem] = []

        def report(key: str, message: str) -> None:
            found.append(Problem(source, lines.get(key, line), message))

        ident, parent = item.get("id"), item.get("parent")
        if isinstance(ident, bool) or not isinstance(ident, int):
            report("id", f"comment `id` must be a whole number, not {ident!r}")
        if parent is not None and (isinstance(parent, bool) or not isinstance(parent, int)):
            report("parent", f"`parent` must be the id of another comment, not {parent!r}")
        author = _text(item, "author", report, required=True)
        date = _date(item, "date", config, report, required=True)
        body = item.get("body")
        if not isinstance(body, str):
            report("body", "comment `body` must be text; use `body: |` and indent the text")
        url = _text(item, "url", report)
        for key in sorted(set(map(str, item)) - _COMMENT_KEYS):
            report(key, f"unknown comment key `{key}`; known: {', '.join(sorted(_COMMENT_KEYS))}")
        problems.extend(found)
        if not found and author is not None and date is not None:
            comments.append(Comment(id=ident, post_slug=post_slug, author=author, date=date,
                                    body=body, source=source, line=line, url=url,
                                    parent=parent, body_line=_value_line(item_node, "body")))
    return comments


def _value_line(node: yaml.MappingNode, key: str) -> int:
    """1-based line where the text of `key`'s value starts (after `|` or `>`)."""
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            block = isinstance(value_node, yaml.ScalarNode) and value_node.style in ("|", ">")
            return value_node.start_mark.line + 1 + (1 if block else 0)
    return node.start_mark.line + 1


def check_comment_ids(comments: list[Comment], problems: list[Problem]) -> None:
    """Ids are unique site-wide (they are page anchors); parents exist on the same post."""
    by_id: dict[int, Comment] = {}
    for comment in comments:
        if (other := by_id.get(comment.id)) is not None:
            problems.append(Problem(comment.source, comment.line, f"comment id {comment.id} "
                                    f"is also used at {other.source}:{other.line}; ids must "
                                    "be unique"))
        else:
            by_id[comment.id] = comment
    for comment in comments:
        parent = by_id.get(comment.parent) if comment.parent is not None else None
        if comment.parent is not None and (parent is None or parent.post_slug != comment.post_slug):
            problems.append(Problem(comment.source, comment.line, f"comment {comment.id} "
                                    f"replies to comment {comment.parent}, which is not in this "
                                    "file; fix `parent` or remove it"))
