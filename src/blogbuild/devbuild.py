"""The dev server's builder: the build pipeline kept in memory, redone only where the
input changed.

The stages are the build's own (content.py's parsers, build.render_content,
site.assemble, pages.plan_pages, feeds); what is new here is memory. Parsed files are
memoised by (file, text), rendered bodies by everything that goes into them, so after
one post is saved only that post is re-parsed and re-rendered; the site is then
re-assembled (every listing, taxonomy, series, month, feed and the sidebar see the
change) and its pages are planned. Pages are rendered when asked for, once per
`Snapshot`. Files a build copies (the theme's and the site's static/, KaTeX, the search
index) live in an `OutputFolder`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import jinja2

from .archive import Archive, build_archive
from .build import CACHE_FOLDER, archive_memo, checked_site, render_content
from .changes import RebuildPlan
from .config import SiteConfig, load_config_to_check
from .content import Content, load_content
from .contentcache import ContentCache
from .feeds import FEED_FILES, SITEMAP, render_feeds, render_sitemap
from .katex import KatexEngine
from .markdown import HIGHLIGHT_CSS, Rendered, highlight_css
from .output import find_collisions, is_copied, static_layers, static_sources
from .pages import (OutputFile, PageJob, page_layout, plan_pages, render_page,
                    template_environment)
from .parallel import Workers
from .prestart import PARALLEL_FROM
from .problems import ContentErrors, Problem
from .rendercache import RenderCache
from .search import INDEX_FOLDER
from .site import PostEntry, RenderedContent, Site
from .templateerrors import template_problems
from .sources import SERVED

GENERATED = {**dict.fromkeys(FEED_FILES, "feed"), SITEMAP: "sitemap"}
"""Outputs made from the whole site besides pages → what to call them in a message."""


@dataclass
class Snapshot:
    """One consistent state of the site: every page is rendered from it or not at all."""

    site: Site
    env: jinja2.Environment
    jobs: dict[str, PageJob]
    """Output path ("archives/slug/index.html") → how to render it."""
    warnings: tuple[Problem, ...]
    drafts: int = 0
    """Posts and pages marked `draft: true` left out."""
    _rendered: dict[str, bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def has(self, output: str) -> bool:
        return output in self.jobs or output in GENERATED

    def render(self, output: str) -> bytes | None:
        """The file at `output` (memoised); None if the site has no such page. Raises
        ContentErrors for a template that fails on this page."""
        with self._lock:
            if output in self._rendered:
                return self._rendered[output]
            if output in self.jobs:
                job = self.jobs[output]
                data = render_page(self.env, job, page_layout(self.site, job))
            elif output in FEED_FILES:
                for file in render_feeds(self.site):
                    self._rendered[file.path] = file.data
                return self._rendered[output]
            elif output == SITEMAP:
                data = render_sitemap(self.site, self.jobs).data
            else:
                return None
            self._rendered[output] = data
            return data


class IncrementalBuilder:
    """Keeps a site's loaded and rendered content between rebuilds (one thread at a time).

    What it parses and renders also goes into the cache folder (SERVED), so that the
    next start of the server renders only what changed meanwhile."""

    def __init__(self, site_dir: Path, *, drafts: bool = False, base_url: str | None = None,
                 origin: str | None = None, jobs: int | None = None):
        """`base_url` replaces site.toml's, `origin` only its scheme and host (config.
        load_config); `jobs`: processes that render posts when there are many to
        render (a first start, a changed site.toml); default: one per core."""
        self.site_dir = Path(site_dir)
        self.drafts = drafts
        self.base_url = base_url
        self.origin = origin
        self.jobs = jobs or os.cpu_count() or 1
        self._config: SiteConfig | None = None
        self._config_problems: list[Problem] = []
        """site.toml's problems that left `_config` usable (config.ConfigErrors): each
        rebuild reports them with the content's, until site.toml changes."""
        self._engine: KatexEngine | None = None
        self._env: jinja2.Environment | None = None
        self._store: RenderCache | None = None
        self._checked: frozenset[str] | None = None
        """The page templates last found to compile with `_env` (None: not yet)."""
        self._static: dict[str, tuple[Path, str]] | None = None
        """output.static_sources as last read (a static file changes: read again)."""
        self._files = ContentCache()
        self._rendered: dict[tuple, Rendered] = {}
        self._archive_key: tuple | None = None
        self._config_stale = False
        self._archive: Archive | None = None

    @property
    def config(self) -> SiteConfig | None:
        return self._config

    def rebuild(self, plan: RebuildPlan | None = None) -> Snapshot:
        """A new snapshot after the changes in `plan` (None: from scratch). Raises
        ContentErrors, and then the previous snapshot stays the one to serve."""
        fresh_start = plan is None or plan.config or self._config is None or self._config_stale
        if plan is None or plan.config or plan.static:
            self.static_changed()
        if fresh_start:
            # until site.toml loads again, every rebuild retries it: a later content
            # change must not pass for a good build made with the old configuration
            self._config_stale = True
            self._start_over()
            self._config_stale = False
        for name in (plan.content if plan else ()):
            self._files.forget(self.site_dir / name)  # even if its stat looks the same
        if self._env is None or (plan and plan.templates):
            self._env = template_environment(self.site_dir, self._config)
            self._checked = None
        content = load_content(self.site_dir, self._config, drafts=self.drafts, cache=self._files)
        rendered = self._render(content)
        site, problems = checked_site(self.site_dir, self._config, self._config_problems,
                                      content, rendered, self._engine, self._env,
                                      self._archive_of)
        if fresh_start and self._store is not None:
            self._store.prune()  # all the site has was looked up: the rest is gone or edited
        planned = plan_pages(site)
        self.check_collisions(planned)  # the list: two pages at one path are a collision
        jobs = {job.output: job for job in planned}
        templates = frozenset(job.template for job in planned)
        if templates != self._checked:  # a new environment, or a kind of page new to it
            _check_templates(self._env, templates)
            self._checked = templates
        return Snapshot(site=site, env=self._env, jobs=jobs,
                        warnings=tuple(sorted(p for p in problems if p.warning)),
                        drafts=content.drafts)

    def static_changed(self) -> None:
        """Files in static/ changed: the next collision check walks it again (called
        at once, even while the site has an error: a rebuild that mends the error must
        not check against the static files as they were)."""
        self._static = None

    def check_collisions(self, jobs: Iterable[PageJob]) -> None:
        """Raise ContentErrors if the pages `jobs` plan, the feeds and the static files
        cannot all be written (output.find_collisions), as `build` would. The static
        folders are walked again only after static_changed (or a fresh start)."""
        if self._static is None:
            self._static = static_sources(self.site_dir)
        static = self._static
        files = [*(OutputFile(job.output, b"", job.source) for job in jobs),
                 *(OutputFile(name, b"", source) for name, source in GENERATED.items()),
                 OutputFile(HIGHLIGHT_CSS, b"", "theme"),
                 *(OutputFile(name, b"", source) for name, (_, source) in static.items())]
        if collisions := find_collisions(files):
            raise ContentErrors(collisions)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None
        if self._store is not None:
            self._store.close()
            self._store = None

    # ------------------------------------------------------------- stages ---

    def _start_over(self) -> None:
        # may raise: keep the old
        config, problems = load_config_to_check(self.site_dir, base_url=self.base_url,
                                                origin=self.origin)
        self.close()
        self._config, self._config_problems = config, problems
        self._engine = KatexEngine(config.math.macros, self.site_dir / CACHE_FOLDER,
                                   html=config.math.at_build)
        self._store = RenderCache(self.site_dir / CACHE_FOLDER / SERVED,
                                  replace(config, base_url=_stored_base_url(config)))
        self._env = None
        self._files = ContentCache(self._store)
        self._rendered.clear()
        self._archive_key = self._archive = None

    def _render(self, content: Content) -> RenderedContent:
        """build.render_content for what is not rendered yet; the rest from memory.

        Keyed by the records' identity: an unchanged file's parse is memoised, so its
        Post, Page and Comment objects are the same ones as last time (and the config,
        which URLs depend on, is the same until site.toml changes)."""
        memo = self._rendered
        posts = tuple(p for p in content.posts if id(p) not in memo)
        pages = tuple(p for p in content.pages if id(p) not in memo)
        comments = tuple(c for c in content.comments if id(c) not in memo)
        rejected, unowned = {}, ()
        if posts or pages or comments or content.rejected or content.unowned:
            # a rejected post is checked each time (the site is not served while there is
            # one), and the comments of a file that names no post
            workers = Workers(self.site_dir, _stored_base_url(self._config), self.jobs,
                              self.site_dir / CACHE_FOLDER, SERVED) \
                if self.jobs > 1 and len(posts) >= PARALLEL_FROM else None
            try:
                fresh = render_content(self._config, Content(posts, pages, comments, (),
                                                             rejected=content.rejected,
                                                             unowned=content.unowned),
                                       self._engine, workers=workers, cache=self._store)
            finally:
                if workers:
                    workers.close(wait=False)  # they write nowhere this must wait for
            memo.update({id(p): (p, fresh.bodies[p.slug], fresh.titles[p.slug]) for p in posts})
            memo.update({id(p): (p, fresh.pages[p.slug], fresh.page_titles[p.slug]) for p in pages})
            memo.update({id(c): (c, fresh.comments[c.id]) for c in comments})
            rejected, unowned = fresh.rejected, fresh.unowned
        # the record is kept in the value so that its id is not reused while memoised
        self._rendered = {id(r): memo[id(r)]
                          for r in (*content.posts, *content.pages, *content.comments)}
        return RenderedContent(bodies={p.slug: memo[id(p)][1] for p in content.posts},
                               titles={p.slug: memo[id(p)][2] for p in content.posts},
                               pages={p.slug: memo[id(p)][1] for p in content.pages},
                               page_titles={p.slug: memo[id(p)][2] for p in content.pages},
                               comments={c.id: memo[id(c)][1] for c in content.comments},
                               rejected=rejected, unowned=unowned)

    def _archive_of(self, posts: tuple[PostEntry, ...]) -> Archive:
        """archive.build_archive(posts). Building it compares every post with every other
        (about a second for 1000 posts); when no post's place in it changed (slug, date,
        title, tags, category, series), the previous one is reused: its navigation links
        are still right, and its listings get the new entries put in."""
        key = tuple((e.post.slug, e.post.source, e.path, e.title_html, e.post.date, e.post.tags,
                     e.post.category, e.post.series) for e in posts)
        if key != self._archive_key or self._archive is None:
            self._archive_key, self._archive = key, build_archive(posts, archive_memo(self._store))
            return self._archive
        entries = {e.post.slug: e for e in posts}

        def swap(posts):
            return tuple(entries[p.post.slug] for p in posts)

        old = self._archive
        archive = replace(
            old, tags=tuple(replace(t, posts=swap(t.posts)) for t in old.tags),
            categories=tuple(replace(t, posts=swap(t.posts)) for t in old.categories),
            series=tuple(replace(t, posts=swap(t.posts)) for t in old.series),
            months=tuple(replace(m, posts=swap(m.posts)) for m in old.months))
        self._archive = archive
        return archive


def moved_pages(before: dict[str, PageJob], after: dict[str, PageJob]) -> dict[str, str]:
    """Output path → output path of the post pages a rebuild moved: a post whose page is
    gone while a page of the same file appeared (its `slug:` changed), or else the one
    post page gone while one of the same title appeared (its file renamed with its
    slug). The dev server sends a tab showing a moved page to where it went."""
    gone = {output: job for output, job in before.items()
            if output not in after and job.template == "post.html"}
    new = {output: job for output, job in after.items()
           if output not in before and job.template == "post.html"}
    by_source = {job.source: output for output, job in new.items()}
    moves = {output: by_source[job.source] for output, job in gone.items()
             if job.source in by_source}
    left_gone, left_new = gone.keys() - moves.keys(), new.keys() - set(moves.values())
    if len(left_gone) == 1 and len(left_new) == 1:
        old, new = left_gone.pop(), left_new.pop()
        if before[old].title == after[new].title:  # not one post deleted, another added
            moves[old] = new
    return moves


def _stored_base_url(config: SiteConfig) -> str:
    """The base URL that the dev server's cache (SERVED) knows its results by. Parses
    and bodies do not depend on the server's host and port (only on the path below
    them, "/"): one start finds what the last one stored, on any port; and workers
    that render for it, loading site.toml with this base URL, store them there."""
    return "http://localhost" + config.base_path


def _check_templates(env: jinja2.Environment, pages: Iterable[str]) -> None:
    """Compile every template now (templateerrors.template_problems): a syntax error
    shows when the file is saved, and the snapshot keeps every template as it was (its
    environment does not reload)."""
    if problems := template_problems(env, pages):
        raise ContentErrors(problems)


# --------------------------------------------------------- output folder ---

class OutputFolder:
    """A temporary folder holding what the dev server serves from disk: the theme's and
    the site's static files, KaTeX, assets/highlight.css and the search index."""

    SCRATCH_SUFFIX = ".blogbuild-new"
    """Ends the name of a file while it is written (_write)."""
    SEARCH_SCRATCH = ".search-build"
    """The folder the pages are written into for the search indexer (server.py)."""
    RESERVED = (f"{INDEX_FOLDER}/", f"{SEARCH_SCRATCH}/", HIGHLIGHT_CSS, ".nojekyll")
    """Made here, not copied from a static/ folder: never removed by a static sync."""

    def is_scratch(self, output: str) -> bool:
        """Whether the output path `output` is work in progress, never served: a file
        being written, or the pages written for the indexer."""
        return output.endswith(self.SCRATCH_SUFFIX) or \
            output.split("/", 1)[0] == self.SEARCH_SCRATCH

    def __init__(self, site_dir: Path):
        self.site_dir = Path(site_dir)
        self.root = Path(tempfile.mkdtemp(prefix="blogbuild-serve-")).resolve()

    def write_all(self) -> None:
        self._write(".nojekyll", b"")
        self._write(HIGHLIGHT_CSS, highlight_css().encode("utf-8"))
        self.sync([""])

    def sync(self, names: Iterable[str]) -> bool:
        """Make the files at or below each output path `name` ("" for all) match the
        static layers: copy what changed, remove what no layer has any more. True if a
        file was written or removed."""
        changed = False
        for name in names:
            name = name.strip("/")
            wanted: dict[str, Path] = {}
            for folder, prefix, _ in static_layers(self.site_dir):
                if not folder.is_dir():
                    continue
                if not prefix:
                    below = name
                elif not name or name + "/" == prefix:
                    below = ""
                elif name.startswith(prefix):
                    below = name[len(prefix):]
                else:
                    continue
                start = folder / below if below else folder
                files = [start] if start.is_file() else sorted(start.rglob("*")) if start.is_dir() else []
                for path in files:
                    if is_copied(path):
                        wanted[prefix + path.relative_to(folder).as_posix()] = path
            for output, path in wanted.items():
                try:
                    changed |= self._write(output, path.read_bytes())
                except OSError:
                    continue  # gone again since it was listed: the next event says so
            changed |= self._remove_stale(name, wanted)
        return changed

    def _remove_stale(self, name: str, wanted: dict[str, Path]) -> bool:
        target = self.root / name if name else self.root
        present = [target] if target.is_file() else sorted(target.rglob("*")) if target.is_dir() else []
        removed = False
        for path in present:
            output = path.relative_to(self.root).as_posix()
            if path.is_file() and output not in wanted and not output.startswith(self.RESERVED):
                path.unlink(missing_ok=True)
                removed = True
        return removed

    def _write(self, output: str, data: bytes) -> bool:
        """Atomically (a request never reads half a file); True if the bytes changed."""
        target = self.root / output
        if target.is_file() and target.read_bytes() == data:
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = target.with_name(f".{target.name}{self.SCRATCH_SUFFIX}")
        scratch.write_bytes(data)
        os.replace(scratch, target)
        return True

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
