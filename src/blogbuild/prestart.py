"""Starting a cold build's worker processes before the rest of blogbuild is imported.

With `--jobs N`, a build with nothing rendered in its cache hands every post to N-1
worker processes as the content loads (parallel.py). A worker takes ~0.8 s to start
(a fresh interpreter importing blogbuild, then KaTeX), and the command line used to
spend ~0.4 s importing blogbuild before the build could spawn one, with a core idle.
So the command line calls `start_early` first: this module imports only the standard
library (and sources.py), and the build's parallel.Workers takes the pool over
(`take`) if it was started for the same site and options.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .gcpolicy import collect_less
from .sources import CACHE_FOLDER, RENDERED, has_posts

PARALLEL_FROM = 64
"""Fewer posts than this render in the calling process: starting workers costs more."""

_CAN_BLOCK = hasattr(signal, "pthread_sigmask")
"""POSIX: a thread can block a signal. (On Windows a console's Ctrl-C reaches the
workers too, and a new process does not inherit an ignored signal: a worker still
starting may print a traceback there.)"""

StartArgs = tuple[Path, str | None, Path | None, str]
"""What a worker starts from: the site folder, the --base-url override, the cache
folder (None: --no-cache), the file there that keeps rendered posts (RENDERED; the
dev server's is sources.SERVED)."""

_early: tuple[StartArgs, int, ProcessPoolExecutor] | None = None
"""The pool start_early spawned (with its start arguments and size), until taken."""


def is_cold(site_dir: Path, cache_dir: Path | None) -> bool:
    """Whether a build hands every post to workers as it loads them: nothing was
    rendered before, and there are at least PARALLEL_FROM post files (the loader
    lists them all; this looks no further than that many)."""
    if cache_dir is not None and (cache_dir / RENDERED).exists():
        return False
    return has_posts(site_dir / "content", PARALLEL_FROM)


def start_pool(workers: int, start: StartArgs) -> ProcessPoolExecutor:
    """A pool of `workers` processes, each starting from `start`, spawned now (not at
    the pool's first task), with Ctrl-C ignored: the calling process alone answers it
    (it shuts the pool down), instead of each worker printing a traceback of wherever
    it was. A new interpreter keeps ignoring a signal its parent ignored (POSIX); only
    the main thread may ignore one, though, so another (serve's rebuilds) blocks it
    instead, which a new interpreter inherits too, until `_initialize` ignores it. The
    main thread blocks it too while it spawns: a Ctrl-C then waits, and reaches the
    calling process once its own answer is back; the pool is shut down, and the
    KeyboardInterrupt raised here. (Linux keeps a blocked signal pending even while it
    is ignored, unless another thread of the process leaves it unblocked; where it is
    dropped, that Ctrl-C is lost, as it was before.)"""
    pool = ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("spawn"),
                               initializer=_initialize, initargs=start)
    main_thread = threading.current_thread() is threading.main_thread()
    # (the pool's constructor started multiprocessing's resource tracker, whose start
    # would unblock SIGINT on this thread again)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if _CAN_BLOCK else None
    if main_thread:
        answer = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        try:
            for _ in range(workers):  # each submit spawns a worker, on this thread
                pool.submit(_nothing)
        finally:
            if main_thread:
                signal.signal(signal.SIGINT, answer)
            if mask is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a waiting Ctrl-C: here
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)  # no caller has it to shut down
        raise
    return pool


def start_early(site_dir: Path, base_url: str | None, jobs: int, use_cache: bool) -> None:
    """Spawn the workers that a build of `site_dir` on `jobs` processes is going to
    start as soon as it runs (a cold build: is_cold)."""
    global _early
    cache_dir = site_dir / CACHE_FOLDER if use_cache else None
    if _early is None and jobs > 1 and is_cold(site_dir, cache_dir):
        start = (site_dir, base_url, cache_dir, RENDERED)
        _early = (start, jobs - 1, start_pool(jobs - 1, start))


def take(start: StartArgs, workers: int) -> ProcessPoolExecutor | None:
    """The pool start_early spawned for exactly these workers, if any; the caller
    shuts it down."""
    global _early
    if _early is None or _early[:2] != (start, workers):
        return None
    pool = _early[2]
    _early = None
    return pool


def discard() -> None:
    """Shut down a pool start_early spawned that no build took (it stopped before)."""
    global _early
    if _early is not None:
        pool = _early[2]
        _early = None
        pool.shutdown(cancel_futures=True)


def _initialize(site_dir: Path, base_url: str | None, cache_dir: Path | None,
                rendered: str) -> None:
    """In each worker, first: ignore Ctrl-C, collect cycles less often (gcpolicy.py),
    then import the build's modules and start (parallel.py). A worker spawned by
    another thread than the main one (serve's rebuilds) did not inherit start_pool's
    ignoring, only its blocking: ignored now, a Ctrl-C that came while it started is
    dropped, and it may be unblocked."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _CAN_BLOCK:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    collect_less()
    from .parallel import start_worker

    start_worker(site_dir, base_url, cache_dir, rendered)


def _nothing() -> None:
    """A task that only makes the pool spawn a worker (its initializer does the rest)."""
