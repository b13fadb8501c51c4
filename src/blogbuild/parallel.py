"""Rendering on several processes: the Markdown stage is most of a build, and each
post renders on its own; so does each post's page.

Workers are spawned (safe wherever Python runs), each loads the configuration and
starts its own KaTeX engine (and, for pages, the templates), and renders chunks of
posts, later of post pages. In a cold build they are started before the content
loads and get each post as soon as it is parsed (`early`). Results are put back by
slug or in order, so the output does not depend on which worker finished first;
`--jobs 1` renders in the calling process and gives the same bytes.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import jinja2

from .config import SiteConfig, load_config
from .content import Post
from .katex import KatexEngine, Typesetter
from .markdown import RenderContext, Rendered, render_post, render_title
from .pages import Layout, PageJob, render_page, template_environment
from .site import post_path, url_path

T = TypeVar("T")

CHUNK = 16
"""Posts per task: large enough that sending them costs little, small enough to share
the work out evenly."""


def chunks(items: Sequence[T]) -> list[list[T]]:
    """`items` in order, CHUNK at a time: the tasks of a pool, or KaTeX's batches."""
    return [list(items[start:start + CHUNK]) for start in range(0, len(items), CHUNK)]


@dataclass(frozen=True)
class PostJob:
    """What rendering one post needs (picklable: plain strings and numbers)."""

    slug: str
    source: str
    url: str
    body: str
    body_line: int
    title: str
    title_line: int
    summary: str | None

    @classmethod
    def of(cls, config: SiteConfig, post: Post) -> PostJob:
        return cls(post.slug, post.source, url_path(config, post_path(config, post)), post.body,
                   post.body_line, post.title, post.title_line, post.summary)


def render_post_job(job: PostJob, config: SiteConfig, author: Typesetter
                    ) -> tuple[Rendered, Rendered]:
    """A post's body and title; `author` typesets with the author's trust."""
    build_mode = config.math.render == "build"
    body = render_post(job.body, RenderContext(job.source, job.body_line, job.url, author,
                                               build_mode), job.summary)
    title = render_title(job.title, RenderContext(job.source, job.title_line, job.url, author,
                                                  build_mode))
    return body, title


def render_posts_together(jobs: Sequence[PostJob], config: SiteConfig, engine: KatexEngine
                          ) -> list[tuple[Rendered, Rendered]]:
    """render_post_job for each job, their formulas checked by KaTeX in one call."""
    return engine.render_batch(jobs, lambda job, author: render_post_job(job, config, author),
                               trusted=True)


class Workers:
    """The worker processes of one build, spawned when first needed and shut down by
    `close`. They render posts (the Markdown stage) and, once the site is assembled,
    post pages (Jinja)."""

    def __init__(self, site_dir: Path, base_url: str | None, count: int,
                 cache_dir: Path | None):
        self._start = (site_dir, base_url, cache_dir)
        self._count = count
        self._pool: ProcessPoolExecutor | None = None
        self._waiting: list[PostJob] = []
        """Posts handed over early (`early`), not yet sent as a chunk."""
        self._sent: dict[str, tuple[PostJob, Future, int]] = {}
        """Slug → (job, future of its chunk, place in the chunk), for posts sent early."""

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)  # early posts nobody asked for
            self._pool = None

    def start(self) -> None:
        """Spawn every worker now rather than at the first task, so that their start
        overlaps with what the calling process does next."""
        pool = self._started()
        for _ in range(self._count):
            pool.submit(_started_worker)

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self._count, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker, initargs=self._start)
        return self._pool

    def early(self, job: PostJob) -> None:
        """Start rendering a post before the whole site is loaded (a cold build hands
        each over as it is parsed, so the workers need not wait for the last file);
        render_posts then takes its result if it asks for the very same job."""
        self._waiting.append(job)
        if len(self._waiting) == CHUNK:
            self._send_waiting()

    def _send_waiting(self) -> None:
        if self._waiting:
            chunk, self._waiting = self._waiting, []
            future = self._started().submit(_render_chunk, chunk)
            for place, job in enumerate(chunk):
                self._sent[job.slug] = (job, future, place)

    def render_posts(self, jobs: Sequence[PostJob],
                     progress: Callable[[int, int], None] | None = None,
                     meanwhile: Callable[[], T] | None = None
                     ) -> tuple[dict[str, tuple[Rendered, Rendered]], T | None]:
        """(slug → (body, title), what `meanwhile` returned). `meanwhile` runs in the
        calling process while the workers render (the reader comments, say), so that
        no core waits."""
        self._send_waiting()
        sent = {job.slug: self._sent[job.slug][1:] for job in jobs
                if job.slug in self._sent and self._sent[job.slug][0] == job}
        self._sent = {}
        rest = [job for job in jobs if job.slug not in sent]
        for chunk in chunks(rest):
            future = self._started().submit(_render_chunk, chunk)
            sent.update((job.slug, (future, place)) for place, job in enumerate(chunk))
        finished = [0]
        lock = threading.Lock()

        def report(size: int) -> None:  # on the pool's thread, as each chunk comes back
            with lock:
                finished[0] += size
                if progress:
                    progress(finished[0], len(jobs))

        sizes = Counter(future for future, _ in sent.values())
        for future, size in sizes.items():
            future.add_done_callback(lambda _, size=size: report(size))
        other = meanwhile() if meanwhile is not None else None
        results = {}
        for job in jobs:
            future, place = sent[job.slug]
            results[job.slug] = future.result()[place]
        return results, other

    def render_pages(self, pages: Sequence[tuple[PageJob, Layout]],
                     meanwhile: Callable[[], T] | None = None) -> tuple[list[bytes], T | None]:
        """Each (job, layout) through the templates, in order, and what `meanwhile`
        returned (it runs in the calling process as the workers render)."""
        futures = [self._started().submit(_render_page_chunk, chunk) for chunk in chunks(pages)]
        other = meanwhile() if meanwhile is not None else None
        return [data for future in futures for data in future.result()], other


@dataclass
class _WorkerState:
    site_dir: Path
    cache_dir: Path | None
    config: SiteConfig
    engine: KatexEngine
    templates: jinja2.Environment | None = None


_worker: _WorkerState | None = None


def _start_worker(site_dir: Path, base_url: str | None, cache_dir: Path | None) -> None:
    global _worker
    config = load_config(site_dir, base_url=base_url)
    engine = KatexEngine(config.math.macros, cache_dir, html=config.math.render == "build")
    atexit.register(engine.close)
    _worker = _WorkerState(site_dir, cache_dir, config, engine)


def _started_worker() -> None:
    """A task that only makes the pool spawn a worker (its initializer does the rest)."""


def _render_chunk(chunk: list[PostJob]) -> list[tuple[Rendered, Rendered]]:
    assert _worker is not None, "worker not started"
    return render_posts_together(chunk, _worker.config, _worker.engine)


def _render_page_chunk(chunk: list[tuple[PageJob, Layout]]) -> list[bytes]:
    assert _worker is not None, "worker not started"
    if _worker.templates is None:
        _worker.templates = template_environment(_worker.site_dir, _worker.config,
                                                 _worker.cache_dir)
    return [render_page(_worker.templates, job, layout) for job, layout in chunk]
