"""The HTTP side of `blogbuild serve`: which file a URL gets, the live-reload script
injected into the pages and the long-poll it waits on, and the listening socket.

What it serves comes from a `ServedSite` (server.DevServer): the snapshot of the site
with its epoch and error, and the folder of static files.
"""

from __future__ import annotations

import errno
import hashlib
import http.server
import json
import mimetypes
import socket
import urllib.parse
from pathlib import Path
from typing import Protocol

from .devbuild import OutputFolder, Snapshot
from .pages import NOT_FOUND_PAGE
from .problems import ContentErrors, UsageError
from .urlparts import split_url

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

Response = tuple[int, bytes, str, dict]
"""(status, body, content type, extra headers)."""


class ServedSite(Protocol):
    """What the HTTP side asks of the dev server."""

    host: str
    """The address it listens on."""
    output: OutputFolder

    @property
    def base_path(self) -> str:
        """The path the site is served below ("/blog/")."""

    def current(self, wait: bool = True) -> tuple[Snapshot | None, str | None, int]:
        """(snapshot, error, epoch) to serve, after any pending rebuild."""

    def wait_for_change(self, epoch: int) -> tuple[int, int, str | None]:
        """(epoch, epoch of the last static change, error) once the epoch moves from
        `epoch` (or a while passes)."""

    def moved_to(self, output: str) -> str | None:
        """Where the page once at `output` is now (a post renamed while the server
        ran), as a path below the site ("archives/new/"); None if it did not move."""


def bind(host: str, port: int, say, site: ServedSite) -> http.server.ThreadingHTTPServer:
    """A server for `site` on `port`, else (for the default way of asking) the next free
    one, saying so; it answers once its serve_forever runs."""
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
        server.site = site
        if candidate != port:
            say(f"port {port} is in use; using {candidate} instead")
        if host not in LOOPBACK:
            say(f"warning: listening on {host}: other machines on the network can see the site")
        return server
    raise UsageError(f"port {port} and the {tries - 1} after it are in use; "
                     "choose another with --port (or --port 0 for any free one)")


def host_allowed(header: str, host: str) -> bool:
    """On loopback (`host`), only requests addressed to a loopback name are answered: a
    page elsewhere whose name resolves to 127.0.0.1 (DNS rebinding) gets nothing."""
    if host not in LOOPBACK:
        return True
    split = split_url("//" + header)  # `Host: [::1` is no host at all
    name = (split.hostname or "") if split is not None else ""
    return name in LOOPBACK or name == host


def served_file(site: ServedSite, snapshot: Snapshot | None, error: str | None,
                raw_path: str) -> Response:
    """What a URL path gets from `snapshot` (its pages, feeds and sitemap) or the static
    folder, before the live-reload script goes in. Raises ContentErrors for a template
    that fails on this page."""
    path = urllib.parse.urlsplit(raw_path).path
    try:
        path = urllib.parse.unquote(path, errors="strict")
    except UnicodeDecodeError:
        return _not_found(snapshot)
    prefix = site.base_path.rstrip("/")  # "" for a site at the host's root
    if prefix:
        if path in ("/", prefix):  # the host's root, the site's without its "/"
            return _to_folder(prefix)
        if not path.startswith(prefix + "/"):
            return _not_found(snapshot)
        path = path[len(prefix):]
    parts = path.split("/")
    if ("\x00" in path or "\\" in path or any(p in ("..", ".") for p in parts)
            or not path.startswith("/")):
        return _not_found(snapshot)
    relative = "/".join(p for p in parts if p)
    directory = path.endswith("/") or not relative
    output = (relative + "/index.html").lstrip("/") if directory else relative
    if snapshot is None:
        message = error or "the site has not been built yet"
        return 500, error_page(message), CONTENT_TYPES[".html"], {}
    if snapshot.has(output):
        return 200, snapshot.render(output), _content_type(output), {}
    if not directory and snapshot.has(relative + "/index.html"):
        return _to_folder(prefix + path)
    root = site.output.root
    target = (root / output).resolve()
    if target.is_relative_to(root) and \
            not site.output.is_scratch(target.relative_to(root).as_posix()):
        if target.is_file():
            try:
                return 200, target.read_bytes(), _content_type(output), {}
            except OSError:
                pass
        elif (not directory and target.is_dir()
              and (target / "index.html").resolve().is_relative_to(root)
              and (target / "index.html").is_file()):
            return _to_folder(prefix + path)
    if (moved := site.moved_to(output)) is not None:
        # a tab open on a post whose slug changed follows it (it reloads, as for any
        # change of its page); temporary: the name may change back
        return _redirect(f"{prefix}/{moved}", 302)
    return _not_found(snapshot)


def _not_found(snapshot: Snapshot | None) -> Response:
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
        site: ServedSite = self.server.site
        try:
            if not host_allowed(self.headers.get("Host", ""), site.host):
                return self._send(403, b"forbidden host", CONTENT_TYPES[".txt"], {}, head)
            path = urllib.parse.urlsplit(self.path).path
            base = site.base_path
            if base != "/" and path.startswith(base + "__blogbuild/"):
                path = path[len(base) - 1:]  # the site's own paths are below its base path
            if path == WAIT_PATH:
                return self._wait(site, head)
            if path == SCRIPT_PATH:
                return self._send(200, LIVERELOAD_JS.encode("utf-8"),
                                  CONTENT_TYPES[".js"], {}, head)
            snapshot, error, epoch = site.current()
            status, body, kind, headers = served_file(site, snapshot, error, self.path)
            if kind.startswith("text/html"):
                body = inject(body, epoch, page_hash(status, body), error)
            self._send(status, body, kind, headers, head)
        except ContentErrors as errors:  # a template that fails on this one page
            message = "\n".join(str(p) for p in errors.problems)
            self._send(500, inject(error_page(message), -1, "", message),
                       CONTENT_TYPES[".html"], {}, head)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _wait(self, site: ServedSite, head: bool) -> None:
        """The long-poll: once the epoch moves from the tab's, whether its page changed."""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        try:
            epoch = int(query.get("epoch", ["-1"])[0])
        except ValueError:
            epoch = -1
        seen, path = query.get("hash", [""])[0], query.get("path", ["/"])[0]
        now, static_epoch, error = site.wait_for_change(epoch)
        reload = False
        if now != epoch:
            snapshot, error, now = site.current(wait=False)
            try:
                status, body, _, _ = served_file(site, snapshot, error, path)
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


def _to_folder(path: str) -> Response:
    """The redirect from a folder's path without its slash to the folder."""
    return _redirect(path + "/", 301)


def _redirect(path: str, status: int) -> Response:
    """A redirect to `path`, decoded, sent percent-encoded: a header holds Latin-1 only
    (/archives/中值定理 as it is would end the connection)."""
    location = urllib.parse.quote(path, safe="/:@!$&'()*+,;=-._~")
    return status, b"", CONTENT_TYPES[".txt"], {"Location": location}


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # on Linux a listening port still cannot be shared (that is SO_REUSEPORT), but the
    # port a server stopped a moment ago (its connections in TIME_WAIT) can be taken
    # again: restarting serve keeps its URL, and the open tabs find it
    allow_reuse_address = True
    site: ServedSite


def _content_type(output: str) -> str:
    suffix = Path(output).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(output)[0] or "application/octet-stream"


def _attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;").replace("\n", "&#10;"))


def error_page(message: str) -> bytes:
    """The page served while the site has never built: the problems, and an id that
    tells livereload.js there is no good version to show."""
    escaped = message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return ("<!doctype html><html><head><meta charset=\"utf-8\"><title>build failed</title>"
            "</head><body><h1 id=\"blogbuild-failed\">The site did not build</h1><pre>" + escaped +
            "</pre></body></html>").encode("utf-8")
