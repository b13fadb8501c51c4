"""`blogbuild serve`: the site over HTTP on loopback, rebuilt on save, tabs reloaded.

MkDocs' livereload design (mkdocs/livereload/__init__.py), faster: watchdog's native
observer with a quiet period of tens of milliseconds; a build epoch; a long-poll endpoint
that answers, once the epoch moves, whether the asking tab's page changed; a small script
injected before </body> of served HTML (never into what `build` writes). Requests that
arrive while a change is pending or being built wait for it, so nobody sees a half-built
or stale page. A failed rebuild keeps the last good pages and shows its problems as an
overlay in every tab (Zola's error_injection_middleware) until the file is fixed.

This module keeps the site up to date (watching, rebuilding, the epoch); devhttp.py
answers the requests.
"""

from __future__ import annotations

import gc
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterable
from pathlib import Path

from .changes import WATCHED_FOLDERS, FileEvent, RebuildPlan, classify
from .devbuild import IncrementalBuilder, OutputFolder, Snapshot, moved_pages
from .devhttp import bind
from .problems import (BlogbuildError, ContentErrors, Problem, counted, drafts_left_out,
                       for_terminal)
from .search import INDEX_FOLDER, indexed_pages, pagefind_command
from .templateerrors import template_errors

QUIET_PERIOD = 0.04
"""Seconds without events before a rebuild starts: editors save in several steps."""
QUIET_AFTER_DELETE = 0.15
"""Longer when the last event took a file away: editors that delete (or rename to a
backup) and then write the file anew must not show a missing page in between."""
POLL_SECONDS = 25.0
"""How long a long-poll is held before the tab asks again."""
REQUEST_WAIT = 60.0
"""How long a request waits for a pending rebuild before getting the last good page."""


class DevServer:
    """The builder, the watcher, the rebuild thread and the HTTP server (devhttp.py),
    together; what the HTTP side asks of it is devhttp.ServedSite."""

    def __init__(self, site_dir: Path, *, host: str = "127.0.0.1", port: int = 8000,
                 drafts: bool = False, say=None):
        self.site_dir = Path(site_dir).absolute()
        self.host = host
        self.say = say or (lambda text: print(for_terminal(text), file=sys.stderr, flush=True))
        self.httpd = bind(host, port, self.say, self)
        bound_port = self.httpd.server_address[1]
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else f"[{host}]" if ":" in host else host
        self.origin = f"http://{shown}:{bound_port}"
        # the site keeps base_url's path: a link written /blog/x/ works here as published
        self.builder = IncrementalBuilder(self.site_dir, drafts=drafts, origin=self.origin)
        self.output = OutputFolder(self.site_dir)
        self._cond = threading.Condition()
        self._snapshot: Snapshot | None = None
        # epochs count from the time the server started: a tab opened on an earlier
        # server asks with an epoch this one never had, and gets its page compared
        self._epoch = time.time_ns() // 1_000_000
        self._static_epoch = self._epoch
        """The last epoch that changed a static file: every tab reloads for it."""
        self._error: str | None = None
        self._error_from_static = False
        """The error shown came from a static-only change (a static file where a page
        is): the static change that removes it clears it."""
        self._pages_failed = False
        """Some page failed to render with the templates of the last rebuild."""
        self._told: set[tuple[str, str]] = set()
        """The warnings (path, message) last said: a rebuild says those it brings."""
        self._moved: dict[str, str] = {}
        """Output path → output path of the post pages renamed while serving."""
        self._pending: list[FileEvent] = []
        self._last_event = 0.0
        self._last_gone = False
        self._dirty = True  # until the first build is done
        self._closing = False
        self._threads: list[threading.Thread] = []
        self._observer = None
        self._watched: set[Path] = set()
        self._indexer: subprocess.Popen | None = None
        self._search_started = False

    # ------------------------------------------------------------ lifecycle ---

    def start(self) -> None:
        """Build, start watching and serving (returns; see `run` for the blocking form)."""
        self._start_watching()  # before the build: a save during it is not missed
        started = time.perf_counter()
        self.output.write_all()
        built = threading.Event()
        # every build runs on this one thread: the KaTeX engine and its SQLite cache
        # belong to the thread that made them
        self._spawn(lambda: self._rebuild_thread(built), "blogbuild-rebuild")
        built.wait()
        # the first build's records live as long as the server: keep the cyclic garbage
        # collector from walking them again at every rebuild
        gc.freeze()
        if self._snapshot is not None:
            self.say(f"built {counted(len(self._snapshot.site.posts), 'post')}"
                     f"{drafts_left_out(self._snapshot.drafts)} in "
                     f"{time.perf_counter() - started:.1f} s")
            self._start_search_index(self._snapshot)
        self._spawn(self.httpd.serve_forever, "blogbuild-http")

    def _start_search_index(self, snapshot: Snapshot) -> None:
        """Index the site once, in the background, from the first good build: at start,
        or once the error that the start met is mended (a half-written post)."""
        with self._cond:
            if self._search_started or self._closing or not snapshot.site.config.search.enabled \
                    or not any(indexed_pages(snapshot.jobs, snapshot.site.config)):
                return  # (a site without posts yet: its first post is indexed)
            self._search_started = True
        self._spawn(lambda: self._index_search(snapshot), "blogbuild-search-index")

    def run(self) -> None:
        """Serve until Ctrl-C (or SIGTERM), then stop everything and clean up."""
        # SIGINT too: a shell's background job starts with it ignored
        previous = {number: signal.signal(number, _interrupt)
                    for number in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.start()
            print(f"serving {self.url} (Ctrl-C stops)", flush=True)
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            self.close()
            for number, handler in previous.items():
                signal.signal(number, handler)

    def close(self) -> None:
        """Stop watching, serving and building; remove the temporary folder (always)."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        try:
            if self._observer is not None:
                self._observer.stop()
                self._observer.join(timeout=5)
            if any(thread.name == "blogbuild-http" for thread in self._threads):
                self.httpd.shutdown()
            self.httpd.server_close()
            if self._indexer is not None and self._indexer.poll() is None:
                self._indexer.kill()
                self._indexer.wait()
            for thread in self._threads:
                thread.join(timeout=2)  # a build under way is not waited for: daemon
        finally:
            self.output.remove()

    def _spawn(self, target, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    # ------------------------------------------------------------- watching ---

    def _start_watching(self) -> None:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        server = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event):
                dest = getattr(event, "dest_path", "") or None
                server._on_event(FileEvent(event.event_type, _text(event.src_path),
                                           _text(dest) if dest else None, event.is_directory))

        self._handler = Handler()
        self._observer = Observer()
        self._schedule()
        self._observer.start()

    def _schedule(self) -> None:
        """Watch site.toml (the site folder, not recursively: it may hold dist/ and
        node_modules/) and each watched folder that exists, recursively."""
        if self.site_dir not in self._watched:
            self._observer.schedule(self._handler, str(self.site_dir), recursive=False)
            self._watched.add(self.site_dir)
        for name in WATCHED_FOLDERS:
            folder = self.site_dir / name
            if folder.is_dir() and folder not in self._watched:
                self._observer.schedule(self._handler, str(folder), recursive=True)
                self._watched.add(folder)

    def _on_event(self, event: FileEvent) -> None:
        if not classify([event], self.site_dir):
            return
        # a file that went away may be coming back (delete + create, vim's rename to a
        # backup, then write): wait longer before building without it
        gone = event.kind == "deleted" or (event.kind == "moved" and bool(
            classify([FileEvent("deleted", event.path, None, event.is_directory)], self.site_dir)))
        with self._cond:
            self._pending.append(event)
            self._last_gone = gone
            self._last_event = time.monotonic()
            self._dirty = True
            self._cond.notify_all()

    def _rebuild_thread(self, built: threading.Event) -> None:
        """The first build (then `built` is set), then a rebuild for each batch of
        changes, until the server closes."""
        try:
            self._apply(None)
            with self._cond:
                self._dirty = bool(self._pending)
                self._cond.notify_all()
            built.set()
            self._rebuild_on_changes()
        finally:
            self.builder.close()
            built.set()

    def _rebuild_on_changes(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending or self._closing)
                if self._closing:
                    return
                # the quiet period: editors save in several steps
                while not self._closing:
                    quiet = QUIET_AFTER_DELETE if self._last_gone else QUIET_PERIOD
                    left = self._last_event + quiet - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                events, self._pending = self._pending, []
            plan = classify(events, self.site_dir)
            started = time.perf_counter()
            self._apply(plan)
            took = time.perf_counter() - started
            with self._cond:
                self._dirty = bool(self._pending)
                self._cond.notify_all()
            if plan and self._error is None and not self._closing:
                self.say(f"rebuilt after {plan.describe()} in {took * 1000:.0f} ms")

    def _apply(self, plan: RebuildPlan | None) -> None:
        """Bring the snapshot and the output folder up to date; on failure keep the last
        good ones and record the error for the overlay. Moves the epoch either way."""
        # without a rebuild (a static file), the site's state and its error stay as they were
        snapshot, error, reload_all = self._snapshot, self._error, False
        try:
            reload_all = self._sync_static(plan)
            if plan is None or plan.config or plan.content or plan.templates or snapshot is None:
                snapshot, error = self._rebuilt(plan, snapshot), None
                self._error_from_static = False
            elif plan.static and (self._error is None or self._error_from_static):
                # a static file where a page is (or was), as build reports it; an error of
                # the content or the templates stays until a rebuild clears it
                self.builder.check_collisions(snapshot.jobs.values())
                error, self._error_from_static = None, False
        except ContentErrors as errors:
            problems = [p for p in errors.problems if not p.warning] or errors.problems
            error = "\n".join(str(p) for p in sorted(problems))
            if snapshot is None:  # a start that failed: its warnings, as a good one's
                self._say_new_warnings([p for p in errors.problems if p.warning])
            self._error_from_static = plan is not None and bool(plan.static) and not (
                plan.config or plan.content or plan.templates)
        except BlogbuildError as failure:
            error = str(failure)
        except Exception:  # noqa: BLE001 - the server outlives a bug; the trace says where
            error = "internal error in blogbuild:\n" + traceback.format_exc(limit=-3)
        if not self._closing:
            self._publish(snapshot, error, reload_all)

    def _sync_static(self, plan: RebuildPlan | None) -> bool:
        """Watch afresh after a change of site.toml, and bring the static files in the
        output folder up to date; True if one changed (then every tab reloads)."""
        if plan is not None and plan.config:
            # a watched folder may have been removed and made again: watch afresh
            self._observer.unschedule_all()
            self._watched.clear()
            self._schedule()
        if plan is None or not (plan.static or plan.config):
            return False
        self.builder.static_changed()
        # every tab reloads for a static file that changed (a stylesheet shows on every
        # page); a save of the same bytes, or a site.toml whose static files are as they
        # were, reloads only the tabs whose page changed
        return self.output.sync(plan.static if not plan.config else [""])

    def _rebuilt(self, plan: RebuildPlan | None, previous: Snapshot | None) -> Snapshot:
        """A new snapshot for `plan` (None: the first build), its pages that may fail
        rendered at once, the warnings it brings said. Raises ContentErrors."""
        fresh = self.builder.rebuild(plan)
        if plan is None:  # the first: `build` has told of pages that fail
            _raise_if_pages_fail(fresh, _first_of_each_template(fresh))
        elif plan.config or plan.templates or self._pages_failed:
            # until they all render again: a template that fails on some pages fails on
            # pages a content rebuild did not touch
            self._pages_failed = True
            _raise_if_pages_fail(fresh, fresh.jobs)
            self._pages_failed = False
        self._say_new_warnings(fresh.warnings)
        if plan is not None:
            self._start_search_index(fresh)
        if previous is not None:
            self._remember_moves(moved_pages(previous.jobs, fresh.jobs), fresh)
        return fresh

    def _say_new_warnings(self, warnings: Iterable[Problem]) -> None:
        """The first build's warnings, then those an edit brought (a `tittle:` typed
        while the preview runs must be noticed there too), by file and message: a line
        added above a warned one moves it, and brings nothing new."""
        warnings = list(warnings)
        for warning in warnings:
            if (warning.path, warning.message) not in self._told:
                self.say(str(warning))
        self._told = {(warning.path, warning.message) for warning in warnings}

    def _remember_moves(self, moves: dict[str, str], fresh: Snapshot) -> None:
        """Add a rebuild's moved pages to those of the session (a page moved twice
        leads to where it is now; one that is back, or whose new page is gone, is no
        longer moved)."""
        with self._cond:
            for old, new in moves.items():
                for earlier, target in self._moved.items():
                    if target == old:
                        self._moved[earlier] = new
                self._moved[old] = new
            self._moved = {old: new for old, new in self._moved.items()
                           if not fresh.has(old) and fresh.has(new)}

    def moved_to(self, output: str) -> str | None:
        """devhttp.ServedSite.moved_to."""
        with self._cond:
            moved = self._moved.get(output)
        return moved.removesuffix("index.html") if moved is not None else None

    def _publish(self, snapshot: Snapshot | None, error: str | None, reload_all: bool) -> None:
        """Serve `snapshot` from now on, with `error` over it (None: none), in a new epoch;
        say in the terminal when the site breaks or is mended."""
        if error and error != self._error:
            kept = "still serving the last good pages" if snapshot is not None else \
                "nothing to serve until it is fixed"
            self.say(f"build failed; {kept}:\n{error}")
        elif self._error and not error:
            self.say("fixed: build ok again")
        with self._cond:
            self._snapshot, self._error = snapshot, error
            self._epoch += 1
            if reload_all:
                self._static_epoch = self._epoch
            self._cond.notify_all()

    def _index_search(self, snapshot: Snapshot) -> None:
        """Pagefind needs the pages on disk: write them once, index, move the index in,
        and tell the tabs (those opened before have no search box). Not refreshed on
        edits (a restart does)."""
        scratch = self.output.root / self.output.SEARCH_SCRATCH
        try:
            # (a site without posts gets no indexer: _start_search_index)
            for output in indexed_pages(snapshot.jobs, snapshot.site.config):
                if self._closing:
                    return
                target = scratch / output
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(snapshot.render(output))
            with self._cond:  # close() stops an indexer it can see, and none starts after
                if self._closing:
                    return
                self._indexer = subprocess.Popen(pagefind_command(scratch, snapshot.site.config),
                                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            _, err = self._indexer.communicate()
            if self._indexer.returncode == 0 and not self._closing:
                (scratch / INDEX_FOLDER).rename(self.output.root / INDEX_FOLDER)
                # a tab opened before the index was there has no search box: every tab
                # reloads, as for any new static file
                with self._cond:
                    self._epoch += 1
                    self._static_epoch = self._epoch
                    self._cond.notify_all()
            elif not self._closing:
                self.say(f"search index: Pagefind failed: {err.decode(errors='replace')[-300:]}")
        except (OSError, ContentErrors) as failure:
            self.say(f"search index not built: {failure}")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    # ---------------------------------------- for the HTTP side (ServedSite) ---

    @property
    def base_path(self) -> str:
        """The path the site is served below: base_url's ("/blog/"), as site.toml says
        it now ("/" until it has been read)."""
        config = self.builder.config
        return config.base_path if config is not None else "/"

    @property
    def url(self) -> str:
        """The address of the site's front page."""
        return self.origin + self.base_path

    def current(self, wait: bool = True) -> tuple[Snapshot | None, str | None, int]:
        """The snapshot to serve, after any pending rebuild (bounded wait)."""
        with self._cond:
            if wait:
                self._cond.wait_for(lambda: not self._dirty or self._closing, REQUEST_WAIT)
            return self._snapshot, self._error, self._epoch

    def wait_for_change(self, epoch: int) -> tuple[int, int, str | None]:
        """(epoch, epoch of the last static change, error) once the epoch has moved
        from `epoch` and no rebuild is pending, or after POLL_SECONDS."""
        with self._cond:
            self._cond.wait_for(lambda: (self._epoch != epoch and not self._dirty)
                                or self._closing, POLL_SECONDS)
            return self._epoch, self._static_epoch, self._error


def _raise_if_pages_fail(snapshot: Snapshot, outputs: Iterable[str]) -> None:
    """Render these pages of `snapshot` now (kept for the requests to come) and raise
    ContentErrors if a template fails on any: reported on save, as `build` reports it,
    not when one of those pages is asked for. The caller asks for every page (~1 ms
    each) after a change of templates or configuration, and after any rebuild while a
    page failed: a template may fail on some pages only (a field only some posts have)."""
    if failed := template_errors(outputs, snapshot.render):
        raise ContentErrors(failed)


def _first_of_each_template(snapshot: Snapshot) -> list[str]:
    first: dict[str, str] = {}
    for output, job in snapshot.jobs.items():
        first.setdefault(job.template, output)
    return list(first.values())


def _text(path) -> str:
    return path.decode("utf-8", "surrogateescape") if isinstance(path, bytes) else str(path)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def serve(site_dir: Path, *, host: str = "127.0.0.1", port: int = 8000,
          drafts: bool = False) -> int:
    """The `serve` command: returns when stopped."""
    DevServer(site_dir, host=host, port=port, drafts=drafts).run()
    print("stopped", file=sys.stderr)
    return 0

