"""`blogbuild serve`: the site over HTTP on loopback, rebuilt on save, tabs reloaded.

MkDocs' livereload design (mkdocs/livereload/__init__.py), faster: watchdog's native
observer with a quiet period of tens of milliseconds; a build epoch; a long-poll endpoint
that answers, once the epoch moves, whether the asking tab's page changed; a small script
injected before </body> of served HTML (never into what `build` writes). Requests that
arrive while a change is pending or being built wait for it, so nobody sees a half-built
or stale page. A failed rebuild keeps the last good pages and shows its problems as an
overlay in every tab (Zola's error_injection_middleware) until the file is fixed.
"""

from __future__ import annotations

import errno
import gc
import hashlib
import http.server
import json
import mimetypes
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
from collections.abc import Iterable
from pathlib import Path

from .changes import WATCHED_FOLDERS, FileEvent, RebuildPlan, classify
from .devbuild import IncrementalBuilder, OutputFolder, Snapshot
from .pages import NOT_FOUND_PAGE
from .problems import BlogbuildError, ContentErrors, UsageError
from .search import INDEX_FOLDER, indexed_pages, pagefind_command
from .templateerrors import template_errors
from .urlparts import split_url

QUIET_PERIOD = 0.04
"""Seconds without events before a rebuild starts: editors save in several steps."""
QUIET_AFTER_DELETE = 0.15
"""Longer when the last event took a file away: editors that delete (or rename to a
backup) and then write the file anew must not show a missing page in between."""
POLL_SECONDS = 25.0
"""How long a long-poll is held before the tab asks again."""
REQUEST_WAIT = 60.0
"""How long a request waits for a pending rebuild before getting the last good page."""
PORT_TRIES = 10
LOOPBACK = ("127.0.0.1", "localhost", "::1")

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json", ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8", ".svg": "image/svg+xml", ".woff2": "font/woff2",
    ".woff": "font/woff", ".ttf": "font/ttf", ".otf": "font/otf", ".wasm": "application/wasm",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".ico": "image/x-icon", ".pdf": "application/pdf",
    ".pagefind": "application/octet-stream", ".pf_meta": "application/octet-stream",
    ".pf_fragment": "application/octet-stream", ".pf_index": "application/octet-stream",
}
SCRIPT_PATH = "/__blogbuild/livereload.js"
WAIT_PATH = "/__blogbuild/wait"

LIVERELOAD_JS = (Path(__file__).parent / "livereload.js").read_text(encoding="utf-8")
"""Served at SCRIPT_PATH to pages of `serve` only (never written into a build)."""


class DevServer:
    """The builder, the watcher, the rebuild thread and the HTTP server, together."""

    def __init__(self, site_dir: Path, *, host: str = "127.0.0.1", port: int = 8000,
                 drafts: bool = False, say=None):
        self.site_dir = Path(site_dir).absolute()
        self.host = host
        self.say = say or (lambda text: print(text, file=sys.stderr, flush=True))
        self.httpd = _bind(host, port, self.say)
        self.httpd.dev = self
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
        self._spawn(lambda: self._rebuild_loop(built), "blogbuild-rebuild")
        built.wait()
        # the first build's records live as long as the server: keep the cyclic garbage
        # collector from walking them again at every rebuild
        gc.freeze()
        if self._snapshot is not None:
            self.say(f"built {len(self._snapshot.site.posts)} posts in "
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

    def _rebuild_loop(self, built: threading.Event) -> None:
        try:
            self._apply(None)
            with self._cond:
                self._dirty = bool(self._pending)
                self._cond.notify_all()
            built.set()
            self._watch_loop()
        finally:
            self.builder.close()
            built.set()

    def _watch_loop(self) -> None:
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
        snapshot, error, static = self._snapshot, self._error, False
        try:
            if plan is not None and plan.config:
                # a watched folder may have been removed and made again: watch afresh
                self._observer.unschedule_all()
                self._watched.clear()
                self._schedule()
            if plan is not None and (plan.static or plan.config):
                self.builder.static_changed()
                # every tab reloads for a static file that changed (a stylesheet shows
                # on every page); a save of the same bytes, or a site.toml whose static
                # files are as they were, reloads only the tabs whose page changed
                static = self.output.sync(plan.static if not plan.config else [""])
            if plan is None or plan.config or plan.content or plan.templates or snapshot is None:
                fresh = self.builder.rebuild(plan)
                if plan is None:  # the first: `build` has told of pages that fail
                    _render(fresh, _first_of_each_template(fresh))
                elif plan.config or plan.templates or self._pages_failed:
                    # until they all render again: a template that fails on some pages
                    # fails on pages a content rebuild did not touch
                    self._pages_failed = True
                    _render(fresh, fresh.jobs)
                    self._pages_failed = False
                # the first build's warnings, then those an edit brought (a `tittle:`
                # typed while the preview runs must be noticed there too), by file and
                # message: a line added above a warned one moves it, and brings nothing new
                told = {(w.path, w.message) for w in snapshot.warnings} \
                    if plan is not None and snapshot else set()
                for warning in fresh.warnings:
                    if (warning.path, warning.message) not in told:
                        self.say(str(warning))
                if plan is not None:
                    self._start_search_index(fresh)
                snapshot, error = fresh, None
                self._error_from_static = False
            elif plan.static and (self._error is None or self._error_from_static):
                # a static file where a page is (or was), as build reports it; an error of
                # the content or the templates stays until a rebuild clears it
                self.builder.check_collisions(snapshot.jobs)
                error, self._error_from_static = None, False
        except ContentErrors as errors:
            problems = [p for p in errors.problems if not p.warning] or errors.problems
            error = "\n".join(str(p) for p in sorted(problems))
            self._error_from_static = plan is not None and bool(plan.static) and not (
                plan.config or plan.content or plan.templates)
        except BlogbuildError as failure:
            error = str(failure)
        except Exception:  # noqa: BLE001 - the server outlives a bug; the trace says where
            error = "internal error in blogbuild:\n" + traceback.format_exc(limit=-3)
        if self._closing:
            return
        if error and error != self._error:
            kept = "still serving the last good pages" if snapshot is not None else \
                "nothing to serve until it is fixed"
            self.say(f"build failed; {kept}:\n{error}")
        elif self._error and not error:
            self.say("fixed: build ok again")
        with self._cond:
            self._snapshot, self._error = snapshot, error
            self._epoch += 1
            if static:
                self._static_epoch = self._epoch
            self._cond.notify_all()

    def _index_search(self, snapshot: Snapshot) -> None:
        """Pagefind needs the pages on disk: write them once, index, move the index in.
        Not refreshed on edits (a restart does)."""
        scratch = self.output.root / self.output.SEARCH_SCRATCH
        try:
            pages = list(indexed_pages(snapshot.jobs, snapshot.site.config))
            if not pages:
                return  # a site without posts yet: nothing to index (as in a build)
            for output in pages:
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
            elif not self._closing:
                self.say(f"search index: Pagefind failed: {err.decode(errors='replace')[-300:]}")
        except (OSError, ContentErrors) as failure:
            self.say(f"search index not built: {failure}")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    # -------------------------------------------------------------- serving ---

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

    def host_allowed(self, header: str) -> bool:
        """On loopback, only requests addressed to a loopback name are answered."""
        if self.host not in LOOPBACK:
            return True
        split = split_url("//" + header)  # `Host: [::1` is no host at all
        name = (split.hostname or "") if split is not None else ""
        return name in LOOPBACK or name == self.host

    def current(self, wait: bool = True) -> tuple[Snapshot | None, str | None, int]:
        """The snapshot to serve, after any pending rebuild (bounded wait)."""
        with self._cond:
            if wait:
                self._cond.wait_for(lambda: not self._dirty or self._closing, REQUEST_WAIT)
            return self._snapshot, self._error, self._epoch

    def wait_for_change(self, epoch: int) -> tuple[int, int, str | None]:
        with self._cond:
            self._cond.wait_for(lambda: (self._epoch != epoch and not self._dirty)
                                or self._closing, POLL_SECONDS)
            return self._epoch, self._static_epoch, self._error

    def page(self, snapshot: Snapshot | None, error: str | None, raw_path: str
             ) -> tuple[int, bytes, str, dict]:
        """(status, body, content type, extra headers) for a URL path, before injection."""
        path = urllib.parse.urlsplit(raw_path).path
        try:
            path = urllib.parse.unquote(path, errors="strict")
        except UnicodeDecodeError:
            return self._not_found(snapshot)
        prefix = self.base_path.rstrip("/")  # "" for a site at the host's root
        if prefix:
            if path in ("/", prefix):  # the host's root, the site's without its "/"
                return _to_folder(prefix)
            if not path.startswith(prefix + "/"):
                return self._not_found(snapshot)
            path = path[len(prefix):]
        parts = path.split("/")
        if ("\x00" in path or "\\" in path or any(p in ("..", ".") for p in parts)
                or not path.startswith("/")):
            return self._not_found(snapshot)
        relative = "/".join(p for p in parts if p)
        directory = path.endswith("/") or not relative
        output = (relative + "/index.html").lstrip("/") if directory else relative
        if snapshot is None:
            message = error or "the site has not been built yet"
            return 500, _error_page(message), CONTENT_TYPES[".html"], {}
        if snapshot.has(output):
            return 200, snapshot.render(output), _content_type(output), {}
        if not directory and snapshot.has(relative + "/index.html"):
            return _to_folder(prefix + path)
        root = self.output.root
        target = (root / output).resolve()
        if target.is_relative_to(root) and \
                not self.output.is_scratch(target.relative_to(root).as_posix()):
            if target.is_file():
                try:
                    return 200, target.read_bytes(), _content_type(output), {}
                except OSError:
                    pass
            elif (not directory and target.is_dir()
                  and (target / "index.html").resolve().is_relative_to(root)
                  and (target / "index.html").is_file()):
                return _to_folder(prefix + path)
        return self._not_found(snapshot)

    @staticmethod
    def _not_found(snapshot: Snapshot | None) -> tuple[int, bytes, str, dict]:
        body = snapshot.render(NOT_FOUND_PAGE) if snapshot and snapshot.has(NOT_FOUND_PAGE) \
            else b"404"
        return 404, body, CONTENT_TYPES[".html"], {}


def page_hash(status: int, body: bytes) -> str:
    return hashlib.sha1(b"%d\n" % status + body).hexdigest()[:16]


def inject(body: bytes, epoch: int, digest: str, error: str | None) -> bytes:
    """The livereload script before the last </body> (or at the end)."""
    attrs = f'data-epoch="{epoch}" data-hash="{digest}"'
    if error:
        attrs += ' data-error="' + _attr(error) + '"'
    tag = f'<script src="{SCRIPT_PATH}" {attrs}></script>'.encode()
    at = body.lower().rfind(b"</body>")
    return body + tag if at < 0 else body[:at] + tag + body[at:]


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "blogbuild"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def do_HEAD(self):
        self.do_GET(head=True)

    def do_GET(self, head: bool = False):
        dev: DevServer = self.server.dev
        try:
            if not dev.host_allowed(self.headers.get("Host", "")):
                # a page elsewhere whose name resolves to 127.0.0.1 (DNS rebinding)
                return self._send(403, b"forbidden host", CONTENT_TYPES[".txt"], {}, head)
            path = urllib.parse.urlsplit(self.path).path
            base = dev.base_path
            if base != "/" and path.startswith(base + "__blogbuild/"):
                path = path[len(base) - 1:]  # the site's own paths are below its base path
            if path == WAIT_PATH:
                return self._wait(dev, head)
            if path == SCRIPT_PATH:
                return self._send(200, LIVERELOAD_JS.encode("utf-8"),
                                  CONTENT_TYPES[".js"], {}, head)
            snapshot, error, epoch = dev.current()
            status, body, kind, headers = dev.page(snapshot, error, self.path)
            if kind.startswith("text/html"):
                body = inject(body, epoch, page_hash(status, body), error)
            self._send(status, body, kind, headers, head)
        except ContentErrors as errors:  # a template that fails on this one page
            message = "\n".join(str(p) for p in errors.problems)
            self._send(500, inject(_error_page(message), -1, "", message),
                       CONTENT_TYPES[".html"], {}, head)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _wait(self, dev: DevServer, head: bool) -> None:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        try:
            epoch = int(query.get("epoch", ["-1"])[0])
        except ValueError:
            epoch = -1
        seen, path = query.get("hash", [""])[0], query.get("path", ["/"])[0]
        now, static_epoch, error = dev.wait_for_change(epoch)
        reload = False
        if now != epoch:
            snapshot, error, now = dev.current(wait=False)
            try:
                status, body, _, _ = dev.page(snapshot, error, path)
                reload = page_hash(status, body) != seen or static_epoch > epoch >= 0
            except ContentErrors as errors:
                error = "\n".join(str(p) for p in errors.problems)
        answer = json.dumps({"epoch": now, "reload": reload, "error": error})
        self._send(200, answer.encode("utf-8"), "application/json", {}, head)

    def _send(self, status: int, body: bytes, kind: str, headers: dict, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)


def _to_folder(path: str) -> tuple[int, bytes, str, dict]:
    """The redirect from a folder's path without its slash to the folder, the decoded
    path percent-encoded: a header holds Latin-1 only (/archives/中值定理 as it is
    would end the connection)."""
    location = urllib.parse.quote(path + "/", safe="/:@!$&'()*+,;=-._~")
    return 301, b"", CONTENT_TYPES[".txt"], {"Location": location}


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # on Linux a listening port still cannot be shared (that is SO_REUSEPORT), but the
    # port a server stopped a moment ago (its connections in TIME_WAIT) can be taken
    # again: restarting serve keeps its URL, and the open tabs find it
    allow_reuse_address = True
    dev: DevServer


def _bind(host: str, port: int, say) -> _HTTPServer:
    """Bind `port`, else (for the default way of asking) the next free one, saying so."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server_class = type("_Server", (_HTTPServer,), {"address_family": family})
    tries = 1 if port == 0 else PORT_TRIES
    for candidate in range(port, port + tries):
        try:
            server = server_class((host, candidate), _Handler)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                continue
            raise UsageError(f"cannot listen on {host}:{candidate}: {error.strerror}") from None
        if candidate != port:
            say(f"port {port} is in use; using {candidate} instead")
        if host not in LOOPBACK:
            say(f"warning: listening on {host}: other machines on the network can see the site")
        return server
    raise UsageError(f"port {port} and the {tries - 1} after it are in use; "
                     "choose another with --port (or --port 0 for any free one)")


def _render(snapshot: Snapshot, outputs: Iterable[str]) -> None:
    """Render these pages of `snapshot` now (kept for the requests to come) and raise
    ContentErrors if a template fails on any: reported on save, as `build` reports it,
    not when one of those pages is asked for. Every page (~1 ms each) after a change of
    templates or configuration: a template may fail on some pages only (a field only
    some posts have)."""
    if failed := template_errors(outputs, snapshot.render):
        raise ContentErrors(failed)


def _first_of_each_template(snapshot: Snapshot) -> list[str]:
    first: dict[str, str] = {}
    for output, job in snapshot.jobs.items():
        first.setdefault(job.template, output)
    return list(first.values())


def _content_type(output: str) -> str:
    suffix = Path(output).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(output)[0] or "application/octet-stream"


def _attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;").replace("\n", "&#10;"))


def _error_page(message: str) -> bytes:
    escaped = message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return ("<!doctype html><html><head><meta charset=\"utf-8\"><title>build failed</title>"
            "</head><body><h1 id=\"blogbuild-failed\">The site did not build</h1><pre>" + escaped +
            "</pre></body></html>").encode("utf-8")


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

