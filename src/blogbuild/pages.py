"""Pages: the site model → HTML files, through the theme's Jinja templates.

Each template kind gets one typed context built here (templates stay small and
dumb); `render_pages` returns every page as an `OutputFile` without writing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from .config import SiteConfig
from .problems import ContentErrors, Problem
from .site import PageEntry, PostEntry, RecentComment, Site, url_path
from .theme import theme_dir

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

LABELS = {
    "zh": {"home": "首页", "read_more": "点击阅读全文...", "readers": "位读者", "cite": "引用",
           "recent_comments": "最近评论", "no_comments": "暂无评论", "comments": "评论",
           "comments_count": "条评论", "newer": "较新文章", "older": "较早文章",
           "cite_heading": "引用本文", "not_found": "这个页面不存在。",
           "latest_posts": "最新文章", "powered_by": "由", "page": "第 {n} 页"},
    "en": {"home": "Home", "read_more": "Read more...", "readers": " readers", "cite": "Cite",
           "recent_comments": "Recent comments", "no_comments": "No comments yet",
           "comments": "Comments", "comments_count": " comments", "newer": "Newer",
           "older": "Older", "cite_heading": "Cite this post",
           "not_found": "This page does not exist.", "latest_posts": "Latest posts",
           "powered_by": "built with", "page": "Page {n}"},
}


@dataclass(frozen=True)
class OutputFile:
    """One file of the built site."""

    path: str
    """Path below the output folder, with "/" separators."""
    data: bytes
    source: str
    """What produced it (a content file or "theme"), for collision messages."""


@dataclass(frozen=True)
class Layout:
    """What base.html needs on every page."""

    site_title: str
    description: str
    language: str
    page_title: str
    canonical: str
    nav_pages: tuple[PageEntry, ...]
    recent_comments: tuple[RecentComment, ...]
    client_math: bool
    """KaTeX runs in the browser (render = "client"); else the pages carry its HTML."""
    math_config: dict
    """Handed to the browser's KaTeX: site macros."""


@dataclass(frozen=True)
class ListingPage:
    """One page of a paginated list of posts."""

    heading: str
    number: int
    total: int
    posts: tuple[PostEntry, ...]
    newer_path: str | None
    older_path: str | None
    page_links: tuple[tuple[int, str], ...]


def labels_for(language: str) -> dict[str, str]:
    return LABELS["zh" if language.lower().startswith("zh") else "en"]


def template_environment(site_dir: Path, config: SiteConfig) -> jinja2.Environment:
    """Site templates override the default theme's file by file."""
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(site_dir / "templates"),
                                  jinja2.FileSystemLoader(theme_dir("templates"))])
    env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.globals["url"] = lambda path: url_path(config, path)
    env.globals["labels"] = labels_for(config.language)
    env.filters["ymd"] = lambda moment: moment.strftime("%Y-%m-%d")
    env.filters["ymdhm"] = lambda moment: moment.strftime("%Y-%m-%d %H:%M")
    env.filters["month_abbr"] = lambda moment: _MONTHS[moment.month - 1]
    return env


def render_pages(site: Site, env: jinja2.Environment) -> list[OutputFile]:
    """Every HTML page of the site: listings, posts, standalone pages, 404."""
    config = site.config
    files: list[OutputFile] = []

    def page(path: str, template: str, title: str, source: str, **context) -> None:
        layout = _layout(site, title, path)
        html = _render(env, template, layout=layout, **context)
        output = path + "index.html" if path.endswith("/") or not path else path
        files.append(OutputFile(output, html.encode("utf-8"), source))

    for listing, path in paginate(site.posts, config.per_page, "", ""):
        title = "" if listing.number == 1 else labels_for(config.language)["page"].format(n=listing.number)
        page(path, "listing.html", title, "index", listing=listing)
    for entry in site.posts:
        page(entry.path, "post.html", entry.post.title, entry.post.source, entry=entry,
             bibtex=bibtex(config, entry))
    for entry in site.pages:
        page(entry.path, "page.html", entry.page.title, entry.page.source, entry=entry)
    page("404.html", "404.html", "404", "theme", latest_posts=site.posts[:10])
    return files


def paginate(posts: tuple[PostEntry, ...], per_page: int, base: str,
             heading: str) -> list[tuple[ListingPage, str]]:
    """Split posts into listing pages at `base` ("" for the index): base, base/page/2/, …"""
    chunks = [posts[i:i + per_page] for i in range(0, len(posts), per_page)] or [()]
    paths = [base] + [f"{base}page/{n}/" for n in range(2, len(chunks) + 1)]
    links = tuple(zip(range(1, len(chunks) + 1), paths))
    return [(ListingPage(heading=heading, number=n + 1, total=len(chunks), posts=chunk,
                         newer_path=paths[n - 1] if n else None,
                         older_path=paths[n + 1] if n + 1 < len(chunks) else None,
                         page_links=links), paths[n])
            for n, chunk in enumerate(chunks)]


def _layout(site: Site, title: str, path: str) -> Layout:
    config = site.config
    return Layout(site_title=config.title, description=config.description,
                  language=config.language, page_title=title,
                  canonical=config.base_url + path,
                  nav_pages=site.pages, recent_comments=site.recent_comments,
                  client_math=config.math.render == "client",
                  math_config={"macros": dict(config.math.macros)})


def _render(env: jinja2.Environment, template: str, **context) -> str:
    try:
        return env.get_template(template).render(**context)
    except jinja2.TemplateSyntaxError as error:
        raise ContentErrors([Problem(error.filename or template, error.lineno or 0,
                                     f"template syntax error: {error.message}")]) from None
    except jinja2.TemplateError as error:
        raise ContentErrors([Problem(f"templates/{template}", _template_line(error),
                                     f"template error: {error}")]) from None


def _template_line(error: Exception) -> int:
    trace = error.__traceback__
    line = 0
    while trace is not None:
        if trace.tb_frame.f_code.co_filename.endswith(".html"):
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def bibtex(config: SiteConfig, entry: PostEntry) -> str:
    """A ready-to-copy BibTeX @online entry for a post."""
    post = entry.post
    key = f"{post.author}-{post.date.year}-{post.slug}".replace(" ", "")
    url = config.base_url + entry.path
    fields = [("title", post.title), ("author", post.author), ("year", str(post.date.year)),
              ("month", str(post.date.month)), ("url", url)]
    body = ",\n".join(f"  {name} = {{{_bibtex_escape(value)}}}" for name, value in fields)
    return f"@online{{{key},\n{body}\n}}"


def _bibtex_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}")

