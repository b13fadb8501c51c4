"""Pages: the site model → HTML files, through the theme's Jinja templates.

Each template kind gets one typed context built here (templates stay small and
dumb); `render_pages` returns every page as an `OutputFile` without writing it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from jinja2.defaults import DEFAULT_NAMESPACE

from .archive import PostLink
from .config import SiteConfig
from .content import Content, page_file
from .citation import bibtex, citation_meta
from .katex import AUTHOR_MACROS, READER_MACROS, READER_MAX_SIZE
from .labels import labels_for
from .problems import ContentErrors
from .rendercache import code_fingerprint
from .site import PageEntry, PostEntry, RecentComment, Site, absolute_url, url_path
from .templateerrors import (PageNames, template_errors, template_problems,
                             template_runtime_problem, template_syntax_problem)
from .theme import theme_dir

COMPILED_TEMPLATES = "templates"
"""In the cache folder: compiled templates (template_environment)."""
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class OutputFile:
    """One file of the built site."""

    path: str
    """Path below the output folder, with "/" separators."""
    data: bytes | None
    """None: not held here; unchanged since the last build, taken over from the output
    folder, or else `staged`."""
    source: str
    """What produced it (a content file or "theme"), for collision messages."""
    staged: bool = False
    """Already written into the folder the new output is built in, by the process that
    rendered it (output.stage_file; write_site's `staging`)."""


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
    search: bool
    """Pagefind's search box is on the page."""
    client_math: bool
    """KaTeX runs in the browser (render = "client"); else the pages carry its HTML."""
    math_config: dict
    """Handed to the browser's KaTeX: site macros, and those authors and readers get
    besides, and the largest size a reader's formula may ask for (katex.py)."""
    favicon: str | None = None
    """The site's icon, a path below the site root (Site.favicon)."""
    extra: Mapping[str, object] = field(default_factory=dict)
    """site.toml's `[extra]` table, for the site's own templates."""


@dataclass(frozen=True)
class ListingPage:
    """One page of a paginated list of posts."""

    heading: str
    number: int
    total: int
    posts: tuple[PostEntry, ...]
    previous_path: str | None
    """The page before this one (page number - 1)."""
    next_path: str | None
    oldest_first: bool
    """The posts are in reading order (a series): the next page holds newer ones."""
    page_links: tuple[tuple[int, str] | None, ...]
    """(number, path) of the first and last pages and those within PAGER_WINDOW of this
    one, in order; None where numbers are left out (shown as "…"), never for one
    number alone (_window)."""


def template_environment(site_dir: Path, config: SiteConfig, cache_dir: Path | None = None
                         ) -> jinja2.Environment:
    """Site templates override the default theme's file by file. With `cache_dir`,
    compiled templates are kept there between builds (Jinja checks each against its
    source; the file names carry Jinja's version and blogbuild's code, which set the
    compiler's options). A template once loaded is never read again: an environment
    serves one build (no file is looked at again for each of its thousands of pages),
    or one snapshot of the dev server (which keeps its templates while a new one is
    broken)."""
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(site_dir / "templates"),
                                  jinja2.FileSystemLoader(theme_dir("templates"))])
    compiled = None
    if cache_dir is not None:
        folder = cache_dir / COMPILED_TEMPLATES
        folder.mkdir(parents=True, exist_ok=True)
        salt = f"{jinja2.__version__}-{code_fingerprint()[:16]}"
        compiled = jinja2.FileSystemBytecodeCache(str(folder), f"{salt}-%s.cache")
    env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             bytecode_cache=compiled, auto_reload=False)
    env.globals["url"] = functools.lru_cache(maxsize=None)(lambda path: url_path(config, path))
    env.globals["absolute_url"] = lambda path: absolute_url(config, path)
    env.globals["labels"] = labels_for(config.language)
    # derived from a post and the configuration: computed where shown, so that a page's
    # context holds records only (pagedeps.py digests the context)
    env.globals["bibtex"] = lambda entry: bibtex(config, entry)
    env.globals["citation_meta"] = lambda entry: citation_meta(config, entry)
    env.globals["series_window"] = series_window
    env.filters["ymd"] = lambda moment: moment.strftime("%Y-%m-%d")
    env.filters["ymdhm"] = lambda moment: moment.strftime("%Y-%m-%d %H:%M")
    env.filters["month_abbr"] = lambda moment: _MONTHS[moment.month - 1]
    env.filters["groupby_year"] = lambda months: [
        (year, [m for m in months if m.year == year]) for year in dict.fromkeys(m.year for m in months)]
    return env


@dataclass(frozen=True)
class PageJob:
    """One HTML page to render: where it goes, with which template and context."""

    output: str
    """Path below the output folder: "archives/slug/index.html"."""
    template: str
    title: str
    """Shown in <title> before the site's name; "" for the front page."""
    source: str
    """What it comes from, for collision messages."""
    context: dict
    """The template's own variables (besides `layout`)."""


Pairs = list[tuple["PageJob", "Layout"]]
Stage = Callable[[str, bytes], None]
"""stage(output path, bytes) writes a page into the folder the new output is built in
(output.stage_file)."""
Offload = Callable[[Pairs, Callable[[Pairs], list[bytes | None]],
                    Callable[[], dict[int, bytes | None]], Stage | None],
                   tuple[list[bytes | None], dict[int, bytes | None] | None]]
"""offload(pairs, render_here, meanwhile, stage) renders (job, layout) pairs on other
processes and, once `meanwhile` has run here, with `render_here` here too; returns
the pairs' pages in order (None: written by `stage` where it was rendered) and what
`meanwhile` returned (parallel.Workers.render_pages)."""
OFFLOAD_FROM = 64
"""Fewer post pages than this to render are rendered here: handing them over costs more."""


def render_pages(site: Site, env: jinja2.Environment,
                 unchanged: Callable[[PageJob, Layout], bool] | None = None,
                 offload: Offload | None = None,
                 alongside: Callable[[], None] | None = None,
                 stage: Stage | None = None) -> list[OutputFile]:
    """Every HTML page of the site: listings, posts, standalone pages, 404. A page for
    which `unchanged(job, layout)` holds is not rendered (its data is None). With
    `offload`, post pages render on other processes while the rest render here, then
    `alongside` runs here (work that need not hold up the pages), then this process
    takes its share of the post pages not yet handed out. With `stage`, each page is
    written by it as soon as it is rendered, on whichever process, and its file is
    `staged` (its data None)."""
    jobs = plan_pages(site)
    # every syntax error of the templates in use at once, before any page renders
    if problems := template_problems(env, {job.template for job in jobs}):
        raise ContentErrors(problems)
    layouts = [page_layout(site, job) for job in jobs]
    todo = [i for i, job in enumerate(jobs) if not (unchanged and unchanged(job, layouts[i]))]
    away = [i for i in todo if jobs[i].template == "post.html"]
    if offload is None or len(away) < OFFLOAD_FROM:
        away = []
    here = sorted(set(todo) - set(away))

    def render_the_rest() -> dict[int, bytes | None]:
        data = {i: render_and_stage(env, jobs[i], layouts[i], stage) for i in here}
        if alongside:
            alongside()
        return data

    try:
        if away:
            rendered, data = offload([(jobs[i], layouts[i]) for i in away],
                                     lambda pairs: [render_and_stage(env, *pair, stage)
                                                    for pair in pairs],
                                     render_the_rest, stage)
            data = {**(data or {}), **dict(zip(away, rendered, strict=True))}
        else:
            data = render_the_rest()
    except ContentErrors as failed:
        # a template failed on a page (or a worker's): every error of every template,
        # in this one run (a field only some posts have fails on those pages only, and
        # the next run would show the next error). The pages to render are rendered
        # again: one taken over from the last build was rendered with the same
        # templates (its salt says so) and did not fail.
        raise ContentErrors(template_errors(
            todo, lambda i: render_page(env, jobs[i], layouts[i])) or failed.problems) from None
    return [OutputFile(job.output, data.get(i), job.source, staged=i in data and data[i] is None)
            for i, job in enumerate(jobs)]


def page_layout(site: Site, job: PageJob) -> Layout:
    return _layout(site, job.title, job.output.removesuffix("index.html"))


def render_page(env: jinja2.Environment, job: PageJob, layout: Layout) -> bytes:
    return _render(env, job, layout=layout, **job.context).encode("utf-8")


def render_and_stage(env: jinja2.Environment, job: PageJob, layout: Layout,
                     stage: Stage | None) -> bytes | None:
    """render_page; with `stage`, the page is written by it at once and None returned
    (then its bytes need not be held, nor sent back from a worker)."""
    data = render_page(env, job, layout)
    if stage is None:
        return data
    stage(job.output, data)
    return None


NOT_FOUND_PAGE = "404.html"
"""The page a host serves at any missing URL (GitHub Pages, Netlify, `serve`)."""
PAGE_TEMPLATES = ("listing.html", "archive.html", "terms.html", "post.html", "page.html",
                  "404.html", "alias.html")
"""The templates plan_pages renders pages with (a site's pages use some or all)."""


def templates_in_use(content: Content) -> tuple[str, ...]:
    """The PAGE_TEMPLATES that plan_pages uses for a site of this content: every site
    has listings, the archive, the terms and a 404; posts, standalone pages and old
    addresses (`aliases`) their own."""
    unused = {"post.html": not content.posts, "page.html": not content.pages,
              "alias.html": not any(record.aliases for record in (*content.posts, *content.pages))}
    return tuple(name for name in PAGE_TEMPLATES if not unused.get(name))


PAGE_VARIABLES = frozenset({"layout", "listing", "archive", "entry", "nav", "latest_posts",
                            "target"})
"""Every variable plan_pages gives some kind of page (`layout`: every page)."""


def plan_pages(site: Site) -> list[PageJob]:
    """Every page the site has, without rendering any (cheap: the dev server plans
    all and renders what is asked for)."""
    config = site.config
    labels = labels_for(config.language)
    jobs: list[PageJob] = []

    def page(path: str, template: str, title: str, source: str, **context) -> None:
        jobs.append(PageJob(page_file(path), template, title, source, context))

    def listings(posts: tuple[PostEntry, ...], base: str, heading: str, source: str,
                 oldest_first: bool = False) -> None:
        for listing, path in paginate(posts, config.per_page, base, heading, oldest_first):
            number = "" if listing.number == 1 else labels["page"].format(n=listing.number)
            title = " - ".join(part for part in (heading, number) if part)
            page(path, "listing.html", title, source, listing=listing)

    archive = site.archive
    listings(site.posts, "", "", "index")
    for term in (*archive.tags, *archive.categories, *archive.series):
        listings(term.posts, term.path, f"{labels[term.kind]}: {term.name}",
                 term.posts[0].post.source, oldest_first=term.kind == "series")
    for month in archive.months:
        heading = labels["month"].format(year=month.year, month=month.month)
        listings(month.posts, month.path, heading, month.posts[0].post.source)
    page("archives/", "archive.html", labels["archives"], "archive", archive=archive)
    page("tags/", "terms.html", labels["terms"], "tags", archive=archive)
    for entry in site.posts:
        page(entry.path, "post.html", entry.post.title, entry.post.source, entry=entry,
             nav=archive.nav[entry.post.slug])
    for entry in site.pages:
        page(entry.path, "page.html", entry.page.title, entry.page.source, entry=entry)
    for record, path in [*((entry.post, entry.path) for entry in site.posts),
                         *((entry.page, entry.path) for entry in site.pages)]:
        for alias in record.aliases:
            page(alias, "alias.html", record.title, record.source, target=path)
    page(NOT_FOUND_PAGE, "404.html", "404", "theme", latest_posts=site.posts[:10])
    return jobs


PAGER_WINDOW = 2
"""A listing's pager links the pages this many numbers either side of the current one."""


def paginate(posts: tuple[PostEntry, ...], per_page: int, base: str, heading: str,
             oldest_first: bool = False) -> list[tuple[ListingPage, str]]:
    """Split posts into listing pages at `base` ("" for the index): base, base/page/2/, …"""
    chunks = [posts[i:i + per_page] for i in range(0, len(posts), per_page)] or [()]
    paths = [base] + [f"{base}page/{n}/" for n in range(2, len(chunks) + 1)]  # see first_page
    return [(ListingPage(heading=heading, number=n + 1, total=len(chunks), posts=chunk,
                         previous_path=paths[n - 1] if n else None,
                         next_path=paths[n + 1] if n + 1 < len(chunks) else None,
                         oldest_first=oldest_first, page_links=_pager(n + 1, paths)), paths[n])
            for n, chunk in enumerate(chunks)]


_LATER_PAGE = re.compile(r"page/\d+/$")


def first_page(path: str) -> str:
    """The path of the first page of the listing a page's path is of (paginate's
    paths): "tags/x/page/2/" → "tags/x/"; any other path as it is."""
    return _LATER_PAGE.sub("", path)


def _pager(number: int, paths: list[str]) -> tuple[tuple[int, str] | None, ...]:
    return tuple(shown and (shown, paths[shown - 1]) for shown in _window(number, len(paths)))


def _window(number: int, total: int) -> list[int | None]:
    """The numbers of 1…total shown around `number`: the first, the last and those
    within PAGER_WINDOW of it, in order; None where numbers are left out (shown as
    "…"). A gap of one number shows that number instead: it takes no more room than
    the "…", and a reader on page 6 of 10 sees the link to page 9."""
    shown = {1, total, *range(max(1, number - PAGER_WINDOW), min(total, number + PAGER_WINDOW) + 1)}
    shown |= {known + 1 for known in shown if known + 2 in shown}
    window: list[int | None] = []
    for known in sorted(shown):
        if window and window[-1] is not None and known > window[-1] + 1:
            window.append(None)
        window.append(known)
    return window


SERIES_LISTED = 9
"""A series of more parts lists above each of its posts only the first and last parts
and those within PAGER_WINDOW of the post (its series page lists all): a 21-part
series pushed the post below the first screen."""


def series_window(parts: Sequence[PostLink], slug: str) -> tuple[tuple[int, PostLink] | None, ...]:
    """(number, part) of the parts the series box of the post `slug` lists, in order;
    None where parts are left out (_window)."""
    here = next((number for number, part in enumerate(parts, 1) if part.slug == slug), None)
    if here is None:
        raise ValueError(f"series_window: {slug!r} is not a part of this series")
    if len(parts) <= SERIES_LISTED:
        return tuple(enumerate(parts, 1))
    return tuple(shown and (shown, parts[shown - 1]) for shown in _window(here, len(parts)))


def _layout(site: Site, title: str, path: str) -> Layout:
    config = site.config
    return Layout(site_title=config.title, description=config.description,
                  language=config.language, page_title=title,
                  canonical=absolute_url(config, path),
                  nav_pages=site.pages, recent_comments=site.recent_comments,
                  search=config.search.enabled,
                  client_math=not config.math.at_build,
                  math_config={"macros": dict(config.math.macros), "author": AUTHOR_MACROS,
                               "reader": READER_MACROS, "reader_max_size": READER_MAX_SIZE},
                  favicon=site.favicon, extra=dict(config.extra))  # sent to workers: a plain dict


def _render(env: jinja2.Environment, job: PageJob, **context) -> str:
    try:
        return env.get_template(job.template).render(**context)
    except jinja2.TemplateSyntaxError as error:
        raise ContentErrors([template_syntax_problem(error, job.template)]) from None
    except Exception as error:  # Jinja's, or Python's own: `{{ views + 1 }}` with no views
        functions = tuple(set(env.globals) - set(DEFAULT_NAMESPACE))
        raise ContentErrors([template_runtime_problem(
            error, job.template, f"rendering {job.output}, from {job.source}",
            PageNames(tuple(context), functions, PAGE_VARIABLES))]) from None

