"""The build, as one pipeline: config → content → bodies → site → pages → output.

Each stage takes records and returns records; this module only passes them along
and decides when problems stop the build (before anything is written).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import jinja2
from markdown_it.common.utils import escapeHtml

from .archive import Archive, Memo, build_archive
from .config import SiteConfig, load_config_to_check
from .comments import Comment
from .content import Content, Post, RejectedPost, load_content
from .contentcache import ContentCache
from .feeds import render_feeds, render_sitemap
from .katex import KatexEngine, Typesetter
from .markdown import HIGHLIGHT_CSS, RenderContext, Rendered, highlight_css, render_comment
from .mathrender import scoped, typeset_formulas
from .outfolder import output_refusal, staging_folder, temporary_leftovers
from .output import Generated, collect_static, site_favicon, stage_file, write_site
from .pagedeps import PageDigester, PreviousPages, page_salt, remember_pages
from .pages import (Layout, OutputFile, PageJob, page_layout, plan_pages, render_page,
                    render_pages, template_environment, templates_in_use)
from .parallel import (PostJob, Workers, chunks, render_post_body, render_post_job,
                       render_posts_together)
from .prestart import PARALLEL_FROM, is_cold
from .rendercache import RenderCache
from .unchanged import (LastBuild, fingerprint, output_files, output_listing, read_last_build,
                        write_last_build)
from .problems import ContentErrors, Problem, UsageError
from .search import INDEX_FOLDER, index_site, indexed_pages, is_indexed
from .site import InlineMath, RenderedContent, Site, assemble
from .sources import CACHE_FOLDER, PARSED, RENDERED, template_files
from .templateerrors import template_errors, template_problems

K = TypeVar("K")

Progress = Callable[[int, int], None]
"""Called as progress(done, total) while posts are rendered."""


@dataclass(frozen=True)
class SitePlan:
    """Everything a build decided, before anything is written."""

    files: list[OutputFile]
    page_digests: dict[str, str]
    """Output path → digest of what the page was made from (pagedeps.py)."""
    config: SiteConfig
    content: Content
    formulas: int
    """Formulas found in posts."""
    warnings: tuple[Problem, ...]


@dataclass(frozen=True)
class BuildReport:
    posts: int
    pages: int
    """HTML files written."""
    formulas: int
    seconds: float
    warnings: tuple[Problem, ...]
    drafts: int = 0
    """Posts and pages marked `draft: true` left out."""
    unchanged: bool = False
    """Nothing had changed since the last build into the same folder: nothing was done."""
    sources: Mapping[str, str] = field(default_factory=dict)
    """Output path → what it was made from (OutputFile.source); when `unchanged`, as the
    last build recorded it."""


def build_site(site_dir: Path, out_dir: Path | None = None, *, drafts: bool = False,
               base_url: str | None = None, progress: Progress | None = None,
               jobs: int = 1, remember: bool = True, use_cache: bool = True) -> BuildReport:
    """Build `site_dir` into `out_dir` (default site_dir/dist) rendering posts on `jobs`
    processes; raises ContentErrors. With `remember`, a later build that finds nothing
    changed (inputs and output as this one left them) does nothing. Without
    `use_cache`, a build from nothing: the cache folder is neither read nor written."""
    started = time.perf_counter()
    out_dir = out_dir or site_dir / "dist"
    if refusal := output_refusal(site_dir, out_dir):
        # the folder asked for is wrong, not the site: a usage error
        raise UsageError(f"{out_dir}: output folder {refusal}")
    cache_dir = site_dir / CACHE_FOLDER
    remember = remember and use_cache
    inputs = fingerprint(site_dir, out_dir, {"drafts": drafts, "base_url": base_url}) \
        if remember else ""
    last = read_last_build(cache_dir) if remember else None
    # the output as this build finds it (one walk serves every question about it)
    found = output_files(out_dir) if out_dir.is_dir() else None
    if last and last.fingerprint == inputs and found is not None and \
            last.output == output_listing(found) and not temporary_leftovers(out_dir):
        return BuildReport(posts=last.posts, pages=last.pages, formulas=last.formulas,
                           seconds=time.perf_counter() - started, warnings=last.warnings,
                           drafts=last.drafts, unchanged=True, sources=last.sources)
    # no output yet (a first build, CI's): the new one is made beside it, and each
    # page is written there as soon as it is rendered, by the process that rendered it
    # (one process alone has no other to keep busy: write_site writes its pages after,
    # on several threads)
    staging = staging_folder(out_dir) if jobs > 1 and not out_dir.exists() else None
    try:
        plan = plan_site(site_dir, drafts=drafts, base_url=base_url, progress=progress,
                         jobs=jobs,
                         previous=PreviousPages(cache_dir, out_dir, found or {}) if remember else None,
                         use_cache=use_cache, staging=staging)
        indexed = plan.config.search.enabled and \
            any(indexed_pages((file.path for file in plan.files), plan.config))
        search = Generated(INDEX_FOLDER, partial(is_indexed, config=plan.config),
                           partial(index_site, plan.config)) if indexed else None
        write_site(plan.files, out_dir, generated=search, staging=staging, existing=found)
    except BaseException:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    pages = sum(1 for f in plan.files if f.path.endswith(".html"))
    report = BuildReport(posts=len(plan.content.posts), pages=pages, formulas=plan.formulas,
                         seconds=time.perf_counter() - started, warnings=plan.warnings,
                         drafts=plan.content.drafts,
                         sources={file.path: file.source for file in plan.files})
    if remember:
        written = output_files(out_dir)
        remember_pages(cache_dir, out_dir, plan.page_digests, written)
        write_last_build(cache_dir, LastBuild(inputs, output_listing(written), report.posts,
                                              report.pages, report.formulas, report.warnings,
                                              report.drafts, dict(report.sources)))
    return report


def plan_site(site_dir: Path, *, drafts: bool = False, base_url: str | None = None,
              progress: Progress | None = None, jobs: int = 1,
              previous: PreviousPages | None = None, use_cache: bool = True,
              staging: Path | None = None) -> SitePlan:
    """Everything up to writing; raises ContentErrors with every error found. Pages
    that `previous` (the last build's output) holds as they would be rendered now are
    not rendered: their files have no data. Without `use_cache` nothing is taken from
    the cache folder, nor written to it. With `staging` (output.staging_folder), the
    pages are written there as they are rendered (their files are `staged`)."""
    # an unknown key in site.toml stops the build, but only once the content's
    # problems are found too
    config, config_problems = load_config_to_check(site_dir, base_url=base_url)
    cache_dir = site_dir / CACHE_FOLDER if use_cache else None
    workers = Workers(site_dir, base_url, jobs, cache_dir) if jobs > 1 else None
    # nothing rendered before, and posts enough: every post will go to the workers, so
    # they start now (imports, KaTeX; unless the command line started them already)
    # and get each post as soon as it is parsed
    cold = workers is not None and is_cold(site_dir, cache_dir)
    if cold:
        workers.start()
    engine = cache = None
    planned = False
    try:
        # opened (made, the first time) before any post goes to a worker: workers store
        # what they render in it, and processes making one SQLite file together wait
        # for each other (store.py)
        cache = RenderCache(cache_dir / RENDERED, config) if cache_dir else None
        content = load_cached_content(site_dir, config, drafts, cache_dir,
                                      (lambda post, left: workers.early(PostJob.of(config, post),
                                                                        left)) if cold else None)
        engine = KatexEngine(config.math.macros, cache_dir, html=config.math.at_build)
        rendered = render_content(config, content, engine, progress, workers, cache)
        env = template_environment(site_dir, config, cache_dir)
        site, problems = checked_site(site_dir, config, config_problems, content, rendered,
                                      engine, env,
                                      lambda posts: build_archive(posts, archive_memo(cache)),
                                      every_page=True)
        if cache:
            cache.prune()  # everything the site has was looked up by now
        digester = PageDigester(page_salt(site_dir, config),
                                ((post, content.origins[post.source]) for post in content.posts
                                 if post.source in content.origins))
        digests: dict[str, str] = {}
        undigested: list[tuple[PageJob, Layout]] = []

        def unchanged(job: PageJob, layout: Layout) -> bool:
            if not previous.has(job.output):
                # rendered in any case (a cold build: every page): its digest is only for
                # the next build, and is taken while the workers render post pages
                undigested.append((job, layout))
                return False
            digests[job.output] = digester.page(job.template, job.context, layout)
            return previous.unchanged(job.output, digests[job.output])

        def digest_the_rest() -> None:
            for job, layout in undigested:
                digests[job.output] = digester.page(job.template, job.context, layout)

        files = render_pages(site, env,
                             unchanged if previous is not None else None,
                             workers.render_pages if workers else None, digest_the_rest,
                             partial(stage_file, staging) if staging else None)
        planned = True
    finally:
        if engine is not None:
            engine.close()
        if cache:
            cache.close()
        if workers:
            # a build that fails waits for the chunks the workers are still writing into
            # the staging folder, which build_site then removes
            workers.close(wait=not planned)
    if workers and workers.lost:
        problems.append(Problem("--jobs", 0, "a worker process ended abruptly (killed, or out "
                                "of memory?); this process rendered its part instead",
                                warning=True))
    files += render_feeds(site)
    files.append(render_sitemap(site, (f.path for f in files)))
    files.append(OutputFile(HIGHLIGHT_CSS, highlight_css().encode("utf-8"), "theme"))
    files += collect_static(site_dir)
    return SitePlan(files=files, page_digests=digests, config=config, content=content,
                    formulas=sum(body.formulas for body in rendered.bodies.values()),
                    warnings=tuple(p for p in problems if p.warning))


def checked_site(site_dir: Path, config: SiteConfig, config_problems: Sequence[Problem],
                 content: Content, rendered: RenderedContent, engine: KatexEngine,
                 env: jinja2.Environment, archive_of: Callable[[tuple[Post, ...]], Archive],
                 *, every_page: bool = False) -> tuple[Site, list[Problem]]:
    """The site assembled from the rendered content, and the warnings found so far
    (site.toml's, the content's, the archive's). Raises ContentErrors with every
    problem if any is an error, the templates' syntax errors among them: mending the
    content must not reveal more. With `every_page`, the errors the templates raise
    as they render too (`build` and `check`; `serve` shows the content's at once)."""
    problems = [*config_problems, *content.problems, *rendered.problems]
    if any(not p.warning for p in problems):
        found = template_problems(env, templates_in_use(content))
        # the default theme's templates render every page of any content: only a site's
        # own can fail so (rendering every page took ~2 s of a failing 1,000-post check)
        if not found and every_page and template_files(site_dir / "templates"):
            found = _rendering_problems(site_dir, config, problems, content, rendered, engine,
                                        env, archive_of)
        raise ContentErrors(sorted([*problems, *found]))
    site = assemble(config, content, rendered, inline_math_renderer(engine),
                    archive_of, site_favicon(site_dir))
    return site, problems + list(site.archive.problems)


def _rendering_problems(site_dir: Path, config: SiteConfig, problems: list[Problem],
                        content: Content, rendered: RenderedContent, engine: KatexEngine,
                        env: jinja2.Environment,
                        archive_of: Callable[[tuple[Post, ...]], Archive]) -> list[Problem]:
    """The errors the templates raise on the pages of a site whose content has errors
    (`{{ entry.post.extra.subtitle }}` on a post without one), each once: every page
    of the content without errors is rendered, and nothing is written. A file with an
    error is left out: the site may not hold together with it (a circle of replies)."""
    faulty = {problem.path for problem in problems if not problem.warning}
    posts = tuple(post for post in content.posts if post.source not in faulty)
    slugs = {post.slug for post in posts}
    sound = replace(
        content, posts=posts, pages=tuple(page for page in content.pages if page.source not in faulty),
        comments=tuple(comment for comment in content.comments
                       if comment.source not in faulty and comment.post_slug in slugs))
    site = assemble(config, sound, rendered, inline_math_renderer(engine), archive_of,
                    site_favicon(site_dir))
    return template_errors(plan_pages(site),
                           lambda job: render_page(env, job, page_layout(site, job)))


def load_cached_content(site_dir: Path, config: SiteConfig, drafts: bool,
                        cache_dir: Path | None, on_post: Callable[[Post, int], None] | None
                        ) -> Content:
    """content.load_content, with the parses of earlier builds when there is a cache."""
    if cache_dir is None:
        return load_content(site_dir, config, drafts=drafts, on_post=on_post)
    store = RenderCache(cache_dir / PARSED, config)
    try:
        content = load_content(site_dir, config, drafts=drafts, cache=ContentCache(store),
                               on_post=on_post)
        store.prune()  # every content file was looked up: the rest are gone or edited
        return content
    finally:
        store.close()


def render_content(config: SiteConfig, content: Content, engine: KatexEngine,
                   progress: Progress | None = None,
                   workers: Workers | None = None,
                   cache: RenderCache | None = None) -> RenderedContent:
    """The Markdown stage for every post, title, page and comment. Authors' formulas
    may use \\htmlStyle and in-page links; readers' get no trust at all. With
    `workers`, posts render on other processes; with `cache`, only what was never
    rendered before is rendered."""
    build_mode = config.math.at_build
    jobs = {post.slug: PostJob.of(config, post) for post in content.posts}
    # every key is looked up, even in a cold build: what the workers store this build
    # is then kept by the cache's prune
    done, _ = _look_up(cache, {slug: job.cache_parts() for slug, job in jobs.items()})
    missing = [job for slug, job in jobs.items() if slug not in done]

    pages = {page.slug: page for page in content.pages}
    comments = {comment.id: comment for comment in content.comments}

    def page_body(slug: str, author: Typesetter) -> tuple[Rendered, Rendered]:
        """A standalone page's body and title."""
        return render_post_job(PostJob.of_page(config, pages[slug]), config, author)

    def comment_body(ident: int, reader: Typesetter) -> Rendered:
        return rendered_comment(comments[ident], reader)

    def rendered_comment(comment: Comment, reader: Typesetter) -> Rendered:
        return render_comment(comment.body, RenderContext(comment.source, comment.body_line,
                                                          "", reader, build_mode),
                              images=config.comments.images)

    def rejected_body(post: RejectedPost, author: Typesetter) -> Rendered:
        return render_post_body(PostJob.of_rejected(config, post), config, author)

    def pages_and_comments() -> tuple[dict[str, tuple[Rendered, Rendered]], dict[int, Rendered]]:
        return (_render_all(cache, {slug: PostJob.of_page(config, page).cache_parts()
                                    for slug, page in pages.items()},
                            lambda slugs: engine.render_batch(slugs, page_body, trusted=True)),
                _render_all(cache, {ident: ("comment", c.source, c.body_line, c.body)
                                    for ident, c in comments.items()},
                            lambda idents: engine.render_batch(idents, comment_body,
                                                               trusted=False)))

    # each chunk is stored in the cache as soon as it is rendered, wherever; workers
    # started already (a cold build) render the rest even if they stored a few chunks
    # before this looked
    if workers is not None and (workers.running or len(missing) >= PARALLEL_FROM):
        fresh, rest = workers.render_posts(
            missing, lambda chunk: render_posts_together(chunk, config, engine, cache), progress,
            meanwhile=pages_and_comments)
    else:
        fresh = {}
        for chunk in chunks(missing):
            fresh.update(zip((job.slug for job in chunk),
                             render_posts_together(chunk, config, engine, cache)))
            if progress:
                progress(len(fresh), len(missing))
        rest = pages_and_comments()
    done.update(fresh)
    # only a build that fails has any: checked, so that it reports all of its problems
    rejected = engine.render_batch(content.rejected, rejected_body, trusted=True)
    unowned = engine.render_batch(content.unowned, rendered_comment, trusted=False)
    return RenderedContent(bodies={slug: done[slug][0] for slug in jobs},
                           titles={slug: done[slug][1] for slug in jobs},
                           pages={slug: both[0] for slug, both in rest[0].items()},
                           page_titles={slug: both[1] for slug, both in rest[0].items()},
                           comments=rest[1],
                           rejected={post.source: body
                                     for post, body in zip(content.rejected, rejected)},
                           unowned=tuple(unowned))


def _look_up(cache: RenderCache | None, parts: dict[K, tuple]) -> tuple[dict[K, Any], dict[K, str]]:
    """(item → its cached result, for those the cache has; item → its key), with one
    query for all items (there are thousands of comments)."""
    if cache is None:
        return {}, {}
    keys = {item: cache.key(*part) for item, part in parts.items()}
    found = cache.get(list(keys.values()))
    return {item: found[key] for item, key in keys.items() if key in found}, keys


def _store(cache: RenderCache | None, keys: dict[K, str], fresh: dict[K, Any]) -> None:
    if cache is not None and fresh:
        cache.put({keys[item]: result for item, result in fresh.items()})


def archive_memo(cache: RenderCache | None) -> Memo | None:
    """archive.Memo over the cache (None without one)."""
    if cache is None:
        return None

    def remembered(parts: tuple, compute: Callable[[], Any]) -> Any:
        return _render_all(cache, {0: parts}, lambda _: [compute()])[0]
    return remembered


def _render_all(cache: RenderCache | None, parts: dict[K, tuple],
                render: Callable[[list[K]], list[Any]]) -> dict[K, Any]:
    """Each item's result, from the cache or rendered now (every missing item in one
    call to `render`, then stored), in order."""
    done, keys = _look_up(cache, parts)
    missing = [item for item in parts if item not in done]
    fresh = dict(zip(missing, render(missing))) if missing else {}
    _store(cache, keys, fresh)
    return {item: done[item] if item in done else fresh[item] for item in parts}


def inline_math_renderer(engine: KatexEngine) -> InlineMath:
    """TeX from a reader → the inside of an inline formula's span, in the site's render
    mode (the sidebar's comment extracts), typeset as the comment bodies are: after the
    formulas before it in the same comment (`before`), whose \\newcommand it may use.
    In client mode, the TeX KaTeX accepted: MathJax's habits rewritten (mathjax.py), as
    in the comment itself, or the browser's KaTeX shows an error on every page."""
    def as_tex(tex: str) -> str:
        return f"\\({escapeHtml(tex)}\\)"

    def reader(formulas):
        return engine.typeset(formulas, trusted=False)

    def inline(tex: str, before: Sequence[str] = ()) -> str:
        formulas = scoped([(earlier, False, 0, earlier) for earlier in (*before, tex)])
        typeset = typeset_formulas(formulas, reader, "")
        return typeset.html.get((tex, False, formulas[-1].scope)) or \
            as_tex(typeset.rewritten.get((tex, False), tex))
    return inline
