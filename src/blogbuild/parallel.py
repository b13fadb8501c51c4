"""Rendering on several processes: the Markdown stage is most of a build, and each
post renders on its own; so does each post's page.

`--jobs N` renders on N processes: the calling process and N-1 spawned workers (safe
wherever Python runs). Each worker loads the configuration and starts its own KaTeX
engine (and, for pages, the templates). Work goes out in chunks from one queue: each
worker is kept a few chunks ahead, and the calling process, whenever it has nothing
else to do, takes the next chunk itself, so no core waits and no interpreter is
started that one already running could replace. In a cold build the workers are
started before the content loads (by the command line, before it even imports the
build: prestart.py) and get each post as soon as it is parsed (`early`). Results are
put back by slug or in order, so the output does not depend on which process
rendered what; `--jobs 1` renders in the calling process alone and gives the same
bytes.
"""

from __future__ import annotations

import atexit
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import jinja2

from . import prestart
from .config import SiteConfig, load_config_to_check
from .content import Page, Post, RejectedPost
from .katex import KatexEngine, Typesetter
from .markdown import RenderContext, Rendered, render_post, render_title
from .pages import Layout, PageJob, render_and_stage, template_environment
from .problems import BlogbuildError, ContentErrors, Problem
from .rendercache import RenderCache
from .content import post_path
from .site import url_path
from .sources import RENDERED

T = TypeVar("T")
R = TypeVar("R")

CHUNK = 16
"""Posts per task: large enough that sending them costs little, small enough to share
the work out evenly."""
AHEAD = 2
"""Chunks sent to each worker and not yet back: the next one is waiting when it
finishes one, and little is left in flight when the queue runs dry, so the calling
process, which takes chunks too, does not wait long for the last."""
SWITCH_INTERVAL = 0.0005
"""Seconds a thread of the calling process holds the interpreter lock while another
waits for it, as long as workers run (Python's default: 0.005). Every chunk handed
over or back goes through the pool's two threads, several lock hand-offs each; at the
default a worker waited ~0.15 s for each chunk of post pages while the calling
process rendered listings, and sat idle half the time."""
PAGE_CHUNK = 48
"""Post pages per task: a page renders in ~1 ms, and each task waits ~20 ms to be handed
over while the calling process renders too (its threads share the interpreter lock);
a worker with a smaller chunk in hand ran dry before the next one came."""


def post_chunk(left: int, processes: int) -> int:
    """Posts in the next chunk when `left` are still to be handed out: CHUNK, fewer
    towards the end (down to a quarter), so that the processes finish close together:
    the last chunk a worker has in hand is waited for."""
    return max(CHUNK // 4, min(CHUNK, left // (4 * processes)))


def chunks(items: Sequence[T], size: int = CHUNK) -> list[list[T]]:
    """`items` in order, `size` at a time: the tasks of a pool, or KaTeX's batches."""
    return [list(items[start:start + size]) for start in range(0, len(items), size)]


class _Task(Generic[T, R]):
    """One chunk, rendered by a worker (`future`) or by the calling process (`result`)."""

    def __init__(self, items: list[T]):
        self.items = items
        self.future: Future | None = None
        self.result: list[R] | None = None

    def wait(self) -> list[R]:
        if self.future is not None:
            return self.future.result()
        assert self.result is not None, "a chunk taken by the calling process is unfinished"
        return self.result


class _Queue(Generic[T, R]):
    """Chunks waiting to be rendered, shared by the workers and the calling process.

    Each worker is sent chunks AHEAD of time as earlier ones come back (on the pool's
    thread); the calling process takes the rest, in order, when it calls `help`. If a
    worker dies (killed, out of memory), what it had comes back to the queue and the
    calling process renders everything left (`lost`)."""

    def __init__(self, submit: Callable[[list[T]], Future], ahead: int,
                 finished: Callable[[_Task[T, R]], None] = lambda task: None):
        self._submit = submit
        self._ahead = ahead
        self._finished = finished
        """Called with each task once it is rendered, wherever."""
        self._changed = threading.Condition()
        self._unsent: deque[_Task[T, R]] = deque()
        self._in_flight = 0
        self._closed = False
        self.lost = False
        """A worker died: nothing more is sent."""

    def add(self, task: _Task[T, R]) -> None:
        with self._changed:
            self._unsent.append(task)
        self._send()

    def _send(self) -> None:
        sent = []
        with self._changed:
            while not (self._closed or self.lost) and self._unsent and \
                    self._in_flight < self._ahead:
                try:
                    future = self._submit(self._unsent[0].items)
                except BrokenProcessPool:
                    self.lost = True
                    break
                task = self._unsent.popleft()
                task.future = future
                self._in_flight += 1
                sent.append(task)
        for task in sent:  # outside the lock: a finished future calls back at once
            task.future.add_done_callback(lambda future, task=task: self._back(task, future))

    def _back(self, task: _Task[T, R], future: Future) -> None:
        lost = not future.cancelled() and isinstance(future.exception(), BrokenProcessPool)
        with self._changed:
            self._in_flight -= 1
            if lost:
                self.lost = True
                task.future = None
                self._unsent.appendleft(task)
            self._changed.notify_all()
        if not lost:
            self._finished(task)
            self._send()

    def help(self, render: Callable[[list[T]], list[R]]) -> None:
        """Render chunks here with `render` until none is unsent and none is out (a
        chunk out with a worker that dies comes back to be rendered here)."""
        while True:
            with self._changed:
                while not self._unsent and self._in_flight:
                    self._changed.wait()
                if not self._unsent:
                    return
                task = self._unsent.popleft()
            task.result = render(task.items)
            self._finished(task)

    def close(self) -> None:
        """Send nothing more (the pool is shutting down)."""
        with self._changed:
            self._closed = True
            self._unsent.clear()


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

    @classmethod
    def of_page(cls, config: SiteConfig, page: Page) -> PostJob:
        """A standalone page, at /slug/."""
        return cls(page.slug, page.source, url_path(config, f"{page.slug}/"), page.body,
                   page.body_line, page.title, page.title_line, None)

    @classmethod
    def of_rejected(cls, config: SiteConfig, post: RejectedPost) -> PostJob:
        """A post left out for its front matter, whose body is checked all the same (at
        /slug/; render_post_body: it has no title to render)."""
        return cls(post.slug, post.source, url_path(config, f"{post.slug}/"), post.body,
                   post.body_line, "", 0, None)

    def cache_parts(self) -> tuple:
        """What its body and title are kept under in the render cache (RenderCache.key):
        everything they depend on besides the configuration and the code."""
        return ("post", *vars(self).values())


def render_post_job(job: PostJob, config: SiteConfig, author: Typesetter
                    ) -> tuple[Rendered, Rendered]:
    """A post's body and title; `author` typesets with the author's trust."""
    title = render_title(job.title, RenderContext(job.source, job.title_line, job.url, author,
                                                  config.math.at_build))
    return render_post_body(job, config, author), title


def render_post_body(job: PostJob, config: SiteConfig, author: Typesetter) -> Rendered:
    """A post's body (with its excerpt, or its `summary`)."""
    return render_post(job.body, RenderContext(job.source, job.body_line, job.url, author,
                                               config.math.at_build,
                                               config.math.code_spans, config.base_path),
                       job.summary)


def render_posts_together(jobs: Sequence[PostJob], config: SiteConfig, engine: KatexEngine,
                          cache: RenderCache | None = None) -> list[tuple[Rendered, Rendered]]:
    """render_post_job for each job, their formulas checked by KaTeX in one call, each
    body packed (Rendered.packed: the build holds them all). With `cache`, the results
    go into it at once, by the process that rendered them: a build cut short keeps what
    it rendered, and none waits at the end to store them all."""
    results = [(body.packed(), title) for body, title in engine.render_batch(
        jobs, lambda job, author: render_post_job(job, config, author), trusted=True)]
    if cache is not None:
        cache.put({cache.key(*job.cache_parts()): result for job, result in zip(jobs, results)})
    return results


class Workers:
    """The worker processes of one build, spawned when first needed and shut down by
    `close`. With the calling process they render posts (the Markdown stage) and,
    once the site is assembled, post pages (Jinja)."""

    def __init__(self, site_dir: Path, base_url: str | None, jobs: int,
                 cache_dir: Path | None, rendered: str = RENDERED):
        """`jobs`: processes that render, the calling one included (at least 2); they
        keep what they render in `cache_dir`/`rendered`."""
        self._start = (site_dir, base_url, cache_dir, rendered)
        self._count = jobs - 1
        self._pool: ProcessPoolExecutor | None = None
        self._switch_interval = sys.getswitchinterval()
        """The calling process's, restored by close."""
        self._posts: _Queue[PostJob, tuple[Rendered, Rendered]] = _Queue(
            lambda chunk: self._started().submit(_render_chunk, chunk), AHEAD * self._count,
            self._rendered)
        self._waiting: list[PostJob] = []
        """Posts handed over early (`early`), not yet queued as a chunk."""
        self._sent: dict[str, tuple[PostJob, _Task, int]] = {}
        """Slug → (job, its chunk, place in the chunk), for posts handed over early."""
        self._lock = threading.Lock()
        self._report: Callable[[_Task], None] | None = None
        """While render_posts waits: called (under the lock) as each chunk is rendered."""
        self._finished: list[_Task] = []
        """Chunks rendered before that (early ones)."""
        self.lost = False
        """A worker died during the build; the calling process rendered its work."""

    def close(self, wait: bool = True) -> None:
        """Shut the workers down; with `wait`, return once they have ended. A build whose
        workers have finished all it gave them need not wait (~0.1 s: KaTeX's engine and
        the interpreter closing): it writes its output meanwhile, and the interpreter
        waits for them before it exits."""
        self._posts.close()
        if self._pool is not None:
            # cancel: early posts nobody asked for
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None
            sys.setswitchinterval(self._switch_interval)

    @property
    def running(self) -> bool:
        """The workers were spawned (a cold build starts them before loading)."""
        return self._pool is not None

    def start(self) -> None:
        """Spawn every worker now rather than at the first task, so that their start
        overlaps with what the calling process does next (or take over the ones the
        command line spawned before it imported the build: prestart.py)."""
        self._started()

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            sys.setswitchinterval(SWITCH_INTERVAL)
            self._pool = prestart.take(self._start, self._count) or \
                prestart.start_pool(self._count, self._start)
        return self._pool

    def early(self, job: PostJob, left: int) -> None:
        """Start rendering a post before the whole site is loaded (a cold build hands
        each over as it is parsed, so the workers need not wait for the last file;
        `left`: the post files still to parse); render_posts then takes its result if
        it asks for the very same job."""
        self._waiting.append(job)
        if len(self._waiting) >= post_chunk(left, self._count + 1):
            self._queue_waiting()

    def _queue_waiting(self) -> None:
        if self._waiting:
            task = _Task(self._waiting)
            self._waiting = []
            for place, job in enumerate(task.items):
                self._sent[job.slug] = (job, task, place)
            self._posts.add(task)

    def _tasks(self, jobs: list[PostJob]) -> list[_Task]:
        """`jobs` in chunks, smaller towards the end (post_chunk)."""
        tasks, start = [], 0
        while start < len(jobs):
            size = post_chunk(len(jobs) - start, self._count + 1)
            tasks.append(_Task(jobs[start:start + size]))
            start += size
        return tasks

    def _rendered(self, task: _Task) -> None:
        with self._lock:
            if self._report is None:
                self._finished.append(task)
            else:
                self._report(task)

    def render_posts(self, jobs: Sequence[PostJob], render_here: Callable[[list[PostJob]], list],
                     progress: Callable[[int, int], None] | None = None,
                     meanwhile: Callable[[], T] | None = None
                     ) -> tuple[dict[str, tuple[Rendered, Rendered]], T | None]:
        """(slug → (body, title), what `meanwhile` returned). The calling process runs
        `meanwhile` (the reader comments, say) as the workers render, then renders
        chunks itself with `render_here` until none is left."""
        self._queue_waiting()
        placed = {job.slug: self._sent[job.slug][1:] for job in jobs
                  if job.slug in self._sent and self._sent[job.slug][0] == job}
        self._sent = {}
        fresh = self._tasks([job for job in jobs if job.slug not in placed])
        for task in fresh:
            placed.update((job.slug, (task, place)) for place, job in enumerate(task.items))
        wanted: dict[_Task, int] = {}  # chunk → how many of `jobs` it renders
        for task, _ in placed.values():
            wanted[task] = wanted.get(task, 0) + 1
        done = [0]

        def report(task: _Task) -> None:
            done[0] += wanted.get(task, 0)
            if progress is not None:
                progress(done[0], len(jobs))

        with self._lock:
            self._report = report
            for task in self._finished:
                report(task)
            self._finished = []
        for task in fresh:
            self._posts.add(task)
        other = meanwhile() if meanwhile is not None else None
        self._posts.help(render_here)
        self.lost = self.lost or self._posts.lost
        results = {slug: task.wait()[place] for slug, (task, place) in placed.items()}
        with self._lock:
            self._report = None
        return results, other

    def render_pages(self, pages: Sequence[tuple[PageJob, Layout]],
                     render_here: Callable[[list[tuple[PageJob, Layout]]], list[bytes | None]],
                     meanwhile: Callable[[], T] | None = None,
                     stage: Callable[[str, bytes], None] | None = None
                     ) -> tuple[list[bytes | None], T | None]:
        """Each (job, layout) through the templates, in order, and what `meanwhile`
        returned: it runs in the calling process as the workers render, which then
        renders chunks itself with `render_here` until none is left. With `stage`
        (picklable: output.stage_file with its folder), a worker writes each page it
        renders by stage(output path, bytes) instead of sending it back: those pages
        are None."""
        queue: _Queue[tuple[PageJob, Layout], bytes | None] = _Queue(
            lambda chunk: self._started().submit(_render_page_chunk, chunk, stage),
            AHEAD * self._count)
        tasks = [_Task(chunk) for chunk in chunks(pages, PAGE_CHUNK)]
        for task in tasks:
            queue.add(task)
        try:
            other = meanwhile() if meanwhile is not None else None
            queue.help(render_here)
            self.lost = self.lost or queue.lost
            return [data for task in tasks for data in task.wait()], other
        finally:
            queue.close()


@dataclass
class _WorkerState:
    site_dir: Path
    cache_dir: Path | None
    rendered_file: str
    config: SiteConfig
    engine: KatexEngine
    templates: jinja2.Environment | None = None
    rendered: RenderCache | None = None
    """Opened at the first chunk of posts: a worker started before the build (prestart)
    must not create the file whose absence tells the build it is cold (is_cold)."""

    def render_cache(self) -> RenderCache | None:
        if self.rendered is None and self.cache_dir is not None:
            self.rendered = RenderCache(self.cache_dir / self.rendered_file, self.config)
            atexit.register(self.rendered.close)
        return self.rendered


_worker: _WorkerState | None = None
_unloadable: list[Problem] = []
"""Why start_worker could not load the configuration."""


def start_worker(site_dir: Path, base_url: str | None, cache_dir: Path | None,
                 rendered: str) -> None:
    """Make this process a worker (prestart.py runs it first in each), with the
    configuration the build checks the content with. A site.toml it cannot load
    leaves it without work rather than ending it (concurrent.futures would print the
    error as a traceback): the build loads the file first and reports its problems
    itself (the command line starts workers before that: prestart.py)."""
    global _worker
    try:
        config, _ = load_config_to_check(site_dir, base_url=base_url)
    except ContentErrors as errors:
        _unloadable[:] = errors.problems
        return
    engine = KatexEngine(config.math.macros, cache_dir, html=config.math.at_build)
    atexit.register(engine.close)
    _worker = _WorkerState(site_dir, cache_dir, rendered, config, engine)


def _this_worker() -> _WorkerState:
    if _worker is None:  # site.toml changed between the build's reading and this one's
        raise BlogbuildError("a worker process could not load site.toml ("
                             + "; ".join(map(str, _unloadable)) + "); build again")
    return _worker


def _render_chunk(chunk: list[PostJob]) -> list[tuple[Rendered, Rendered]]:
    worker = _this_worker()
    return render_posts_together(chunk, worker.config, worker.engine, worker.render_cache())


def _render_page_chunk(chunk: list[tuple[PageJob, Layout]],
                       stage: Callable[[str, bytes], None] | None) -> list[bytes | None]:
    """The chunk's pages (pages.render_and_stage: None for each one `stage` wrote)."""
    worker = _this_worker()
    if worker.templates is None:
        worker.templates = template_environment(worker.site_dir, worker.config,
                                                worker.cache_dir)
    return [render_and_stage(worker.templates, job, layout, stage) for job, layout in chunk]
