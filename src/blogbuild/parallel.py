"""Rendering posts on several processes: the Markdown stage is most of a build, and
each post renders on its own.

Workers are spawned (safe wherever Python runs), each loads the configuration and
starts its own KaTeX engine, and renders chunks of posts. Results are put back by
slug, so the output does not depend on which worker finished first; `--jobs 1`
renders in the calling process and gives the same bytes.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .config import SiteConfig, load_config
from .katex import KatexEngine
from .markdown import RenderContext, Rendered, render_post, render_title

T = TypeVar("T")

CHUNK = 16
"""Posts per task: large enough that sending them costs little, small enough to share
the work out evenly."""


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


def render_post_job(job: PostJob, config: SiteConfig, engine: KatexEngine
                    ) -> tuple[Rendered, Rendered]:
    """A post's body and title, with the author's trust for KaTeX."""
    def author(formulas):
        return engine.typeset(formulas, trusted=True)

    build_mode = config.math.render == "build"
    body = render_post(job.body, RenderContext(job.source, job.body_line, job.url, author,
                                               build_mode), job.summary)
    title = render_title(job.title, RenderContext(job.source, job.title_line, job.url, author,
                                                  build_mode))
    return body, title


def render_posts(jobs: Sequence[PostJob], site_dir: Path, base_url: str | None, workers: int,
                 progress: Callable[[int, int], None] | None = None,
                 cache_dir: Path | None = None, meanwhile: Callable[[], T] | None = None
                 ) -> tuple[dict[str, tuple[Rendered, Rendered]], T | None]:
    """Render every post on `workers` processes: (slug → (body, title), what `meanwhile`
    returned). `meanwhile` runs in the calling process while the workers render (the
    reader comments, say), so that no core waits. The workers' KaTeX engines keep their
    results in `cache_dir` (None: no cache)."""
    chunks = [list(jobs[i:i + CHUNK]) for i in range(0, len(jobs), CHUNK)]
    results: dict[str, tuple[Rendered, Rendered]] = {}
    context = multiprocessing.get_context("spawn")
    finished = [0]
    lock = threading.Lock()

    def report(size: int) -> None:  # on the pool's thread, as each chunk comes back
        with lock:
            finished[0] += size
            if progress:
                progress(finished[0], len(jobs))

    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=_start_worker, initargs=(site_dir, base_url, cache_dir)) as pool:
        futures = [pool.submit(_render_chunk, chunk) for chunk in chunks]
        for chunk, future in zip(chunks, futures, strict=True):
            future.add_done_callback(lambda _, size=len(chunk): report(size))
        other = meanwhile() if meanwhile is not None else None
        for chunk, future in zip(chunks, futures, strict=True):
            results.update(zip((job.slug for job in chunk), future.result(), strict=True))
    return results, other


_worker: tuple[SiteConfig, KatexEngine] | None = None


def _start_worker(site_dir: Path, base_url: str | None, cache_dir: Path | None) -> None:
    global _worker
    config = load_config(site_dir, base_url=base_url)
    engine = KatexEngine(config.math.macros, cache_dir, html=config.math.render == "build")
    atexit.register(engine.close)
    _worker = (config, engine)


def _render_chunk(chunk: list[PostJob]) -> list[tuple[Rendered, Rendered]]:
    assert _worker is not None, "worker not started"
    config, engine = _worker
    return [render_post_job(job, config, engine) for job in chunk]
