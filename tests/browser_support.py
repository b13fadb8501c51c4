"""Helpers for the browser tests: a local static server, one headless Chromium for the
whole session, and a page probe that waits for KaTeX and reports what it rendered.

Used as a pytest plugin by the browser test modules (``pytest_plugins = ["browser_support"]``),
so the session-scoped browser is launched once however many modules use it.

Chromium is Debian's (/usr/bin/chromium); browsers are never downloaded. Without
Chromium or the playwright package the browser tests skip with the reason.

PYTEST_DONT_REWRITE: the test modules import this module before pytest registers it
as a plugin; it has no asserts to rewrite.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import os
import shutil
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM_MISSING = "Chromium not installed: apt-get install chromium; .ci/run installs it"

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

LOCAL_HOSTS = {"127.0.0.1"}


def find_chromium() -> str | None:
    """The Chromium executable, or None."""
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


CHROMIUM = find_chromium()


# ------------------------------------------------------------------ server ---

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves `directory` under the URL `prefix`; everything else is a 404."""

    prefix = "/"

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass

    def translate_path(self, path):
        parsed = urllib.parse.urlsplit(path).path
        if not parsed.startswith(self.prefix):
            # a path the site should never ask for: map it to nothing
            return os.path.join(self.directory, ".outside-the-prefix-never-exists")
        return super().translate_path("/" + parsed[len(self.prefix):])


@contextlib.contextmanager
def serve_folder(folder: Path, prefix: str = "/") -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 (a free port) under the URL path `prefix`.

    Yields the base URL, e.g. ``http://127.0.0.1:41234/blog/``; stops the server after.
    """
    if not prefix.startswith("/"):
        prefix = "/" + prefix
    if not prefix.endswith("/"):
        prefix += "/"
    handler = type("Handler", (_QuietHandler,), {"prefix": prefix})
    handler = functools.partial(handler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="test-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# ----------------------------------------------------------------- browser ---

@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (skips when Chromium/playwright is absent)."""
    if CHROMIUM is None:
        pytest.skip(CHROMIUM_MISSING)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright not installed: pip install playwright (the Python package "
                    "only; browsers are never downloaded). " + CHROMIUM_MISSING)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageLog:
    """What happened while pages were open: errors, requests that were blocked, ..."""

    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def clear(self) -> None:
        for value in vars(self).values():
            value.clear()


@contextlib.contextmanager
def built_site_page(browser, site: Path, path: str, width: int, height: int):
    """Build the site folder `site` into site/dist, serve it under /blog/ and open the
    page at `path` (below /blog/) in a new context of that viewport, once it has
    loaded. Yields (page, PageLog); closes the context and the server after."""
    from blogbuild.build import build_site

    build_site(site, site / "dist")
    with serve_folder(site / "dist", "/blog/") as base:
        context = browser.new_context(viewport={"width": width, "height": height})
        try:
            page, log = open_page(context)
            page.goto(base + path, wait_until="load")
            yield page, log
        finally:
            context.close()


def _is_local(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.scheme in ("http", "https") and parts.hostname in LOCAL_HOSTS


def open_page(context, *, block_images: bool = False):
    """A new page in `context` that never reaches the network, with its PageLog.

    Every request not to 127.0.0.1 is aborted and recorded in `outside_requests`;
    with block_images, local images are aborted too (without being recorded).
    """
    page = context.new_page()
    log = PageLog()

    def route(route):
        request = route.request
        if not _is_local(request.url):
            log.outside_requests.append(request.url)
            route.abort()
        elif block_images and request.resource_type == "image":
            route.abort()
        else:
            route.continue_()

    def on_response(response):
        if response.status >= 400 and _is_local(response.url):
            log.failed_requests.append(f"{response.status} {response.url}")

    def on_failed(request):
        # the browser fetches a page's icon last and drops the fetch when the test moves
        # on to the next page: not a failure (a missing icon is a 404, on_response's)
        dropped_icon = "ERR_ABORTED" in (request.failure or "") and \
            request.url.rsplit("/", 1)[-1].startswith("favicon.")
        if _is_local(request.url) and not dropped_icon and \
                not (block_images and request.resource_type == "image"):
            log.failed_requests.append(f"{request.failure} {request.url}")

    def on_dialog(dialog):
        log.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(message):
        if message.type == "error":
            log.console_errors.append(message.text)

    page.route("**/*", route)
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))
    page.on("console", on_console)
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    page.on("dialog", on_dialog)
    return page, log


# -------------------------------------------------------------- math probe ---

_ALL_RENDERED = """(complete) => {
  if (complete && document.readyState !== 'complete') return false;
  for (const m of document.querySelectorAll('.math'))
    if (!m.querySelector('.katex, .katex-error')) return false;
  return true;
}"""

_PROBE = r"""() => {
  const maths = [...document.querySelectorAll('.math')];
  const topKatex = [...document.querySelectorAll('.math .katex')]
      .filter(k => !k.parentElement.closest('.katex'));
  const errors = [...document.querySelectorAll('.katex-error')].map(e =>
      ({title: e.getAttribute('title') || '', text: e.textContent}));
  const unrendered = maths.filter(m => !m.querySelector('.katex, .katex-error'))
      .map(m => m.textContent.slice(0, 160));
  // visible text outside code, formulas and KaTeX error spans
  const skip = 'pre, code, script, style, textarea, template, .katex, .katex-error';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    if (parent.checkVisibility && !parent.checkVisibility()) continue;
    parts.push(node.nodeValue);
  }
  const text = parts.join('');
  const patterns = {
    'raw $$...$$': /\$\$[^$]+?\$\$/g,
    // a single-dollar pair that looks like TeX (a command, ^, _ or braces inside, or a
    // lone letter), so that prices such as "$2 ... $37" are not taken for a formula
    'raw $...$': /(?<![\\$])\$(?:(?![\s$])[^$\n]*?[\\^_{}][^$\n]*?(?<![\s\\])|[A-Za-z])\$(?!\$)/g,
    'raw \\begin{': /\\begin\{[a-zA-Z*]+\}/g,
    'raw \\(': /\\\(/g,
    'raw \\[': /\\\[/g,
  };
  const raw = {};
  for (const [name, re] of Object.entries(patterns)) {
    const found = [];
    for (const match of text.matchAll(re)) {
      const start = Math.max(0, match.index - 30);
      found.push(text.slice(start, match.index + match[0].length + 30).replace(/\s+/g, ' '));
    }
    if (found.length) raw[name] = found;
  }
  return {
    math: maths.length,
    katex: topKatex.length,
    rendered: maths.length - unrendered.length,
    unrendered: unrendered,
    errors: errors,
    raw: raw,
  };
}"""

_FONTS = """async () => {
  await document.fonts.ready;
  const faces = [...document.fonts].filter(f => f.family.replace(/["']/g, '').startsWith('KaTeX_'));
  const name = f => f.family.replace(/["']/g, '') + ' ' + f.style + ' ' + f.weight;
  return {
    declared: faces.length,
    loaded: faces.filter(f => f.status === 'loaded').map(name),
    failed: faces.filter(f => f.status === 'error').map(name),
    main_loaded: faces.some(f => f.family.replace(/["']/g, '') === 'KaTeX_Main' && f.status === 'loaded'),
  };
}"""


@dataclass
class MathReport:
    math: int
    """`.math` elements on the page."""
    katex: int
    """`.katex` elements rendered inside them (outermost only)."""
    rendered: int
    """`.math` elements that got a `.katex` or a `.katex-error`."""
    unrendered: list[str]
    """Text of `.math` elements KaTeX did not touch."""
    errors: list[dict]
    """`.katex-error` elements: {'title': KaTeX's message, 'text': the source}."""
    raw: dict[str, list[str]]
    """Raw TeX delimiters left in visible text outside code: pattern -> snippets."""


def wait_for_math(page, timeout_ms: float = 10_000, *, complete: bool = True) -> MathReport:
    """Wait until every `.math` element is rendered by KaTeX (or timeout) and report.

    With complete, also wait for the page's load event (fonts, stylesheets); without, the
    report comes as soon as the formulas are rendered (KaTeX renders at DOMContentLoaded).
    """
    try:
        page.wait_for_function(_ALL_RENDERED, arg=complete, timeout=timeout_ms, polling=50)
    except Exception as error:  # a timeout: the probe below says what is missing
        if type(error).__name__ != "TimeoutError":
            raise
    return MathReport(**page.evaluate(_PROBE))


def visit_pages(context, urls, inspect, *, tabs: int = 2, block_images: bool = False,
                timeout_ms: float = 20_000) -> dict:
    """Open each URL and call inspect(page, log) once it has started loading.

    Up to `tabs` pages load at once (Chromium renders them in parallel while Python
    inspects another). Returns {url: inspect's result, or {"crash": message}}; the log
    passed along holds only what happened on that URL's page.
    """
    idle = [open_page(context, block_images=block_images) for _ in range(max(1, tabs))]
    loading = []  # (page, log, url), oldest first
    results = {}
    todo = list(urls)
    try:
        while todo or loading:
            while todo and idle:
                page, log = idle.pop()
                url = todo.pop(0)
                log.clear()
                try:
                    page.goto(url, wait_until="commit", timeout=timeout_ms)
                except Exception as error:  # noqa: BLE001 - reported with the URL
                    results[url] = {"crash": f"{type(error).__name__}: {error}"}
                    idle.append((page, log))
                    continue
                loading.append((page, log, url))
            if not loading:
                continue
            page, log, url = loading.pop(0)
            try:
                results[url] = inspect(page, log)
            except Exception as error:  # noqa: BLE001 - reported with the URL
                results[url] = {"crash": f"{type(error).__name__}: {error}"}
            idle.append((page, log))
    finally:
        for page, *_ in idle + loading:
            page.close()
    return results


def katex_fonts(page) -> dict:
    """After document.fonts.ready: the KaTeX font faces declared, loaded and failed."""
    return page.evaluate(_FONTS)


# ------------------------------------------------------- equation numbers ---

_EQUATION_TAGS = r"""() => {
  const TAG = '.tag, .katex-tag';     // KaTeX < 0.19 names them .tag, 0.19 .katex-tag
  const result = [];
  for (const display of document.querySelectorAll('.katex-display')) {
    const tags = [...display.querySelectorAll(TAG)]
        .filter(t => !t.parentElement.closest(TAG) && !t.closest('.katex-mathml'));
    if (!tags.length) continue;
    const box = display.getBoundingClientRect();
    // the formula: everything KaTeX drew in .katex-html except the tags
    const html = display.querySelector('.katex-html');
    const parts = [...(html ? html.children : [])].filter(c => !c.matches(TAG))
        .map(c => c.getBoundingClientRect()).filter(r => r.width > 0);
    const left = parts.length ? Math.min(...parts.map(r => r.left)) : null;
    const right = parts.length ? Math.max(...parts.map(r => r.right)) : null;
    const bottom = parts.length ? Math.max(...parts.map(r => r.bottom)) : null;
    const owner = display.closest('[id]');
    for (const tag of tags) {
      const r = tag.getBoundingClientRect();
      result.push({
        text: tag.textContent.replace(/[\s\u200b]+/g, ''),
        equation: owner ? owner.id : '',
        left: r.left, right: r.right, top: r.top,
        display_left: box.left, display_right: box.right,
        formula_left: left, formula_right: right, formula_bottom: bottom,
      });
    }
  }
  return result;
}"""


def equation_tags(page) -> list[dict]:
    """KaTeX's equation numbers (\\tag) on the page, in document order, with geometry.

    Each: text ("(3)", or "(2)(3)" for an environment numbering several rows), the id of
    the nearest element with an id around it (the equation's `eq-N`), and the left/right
    edges (CSS px) of the tag, of its `.katex-display` and of the formula without the tag;
    the tag's top and the formula's bottom (a tag on a line below its formula).
    """
    return page.evaluate(_EQUATION_TAGS)


# ------------------------------------------------------ image comparison ---

_COMPARE_PNGS = r"""async ([a, b, tolerance]) => {
  async function load(b64) {
    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], {type: 'image/png'}));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    context.drawImage(bitmap, 0, 0);
    return {w: bitmap.width, h: bitmap.height,
            data: context.getImageData(0, 0, bitmap.width, bitmap.height).data};
  }
  const A = await load(a), B = await load(b);
  const w = Math.max(A.w, B.w), h = Math.max(A.h, B.h);
  const canvas = new OffscreenCanvas(w, h);
  const context = canvas.getContext('2d');
  const out = context.createImageData(w, h);
  let differ = 0, maxDelta = 0, top = null, bottom = null;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = 4 * (y * w + x);
      let delta = 255;  // outside one of the images: differs
      if (x < A.w && y < A.h && x < B.w && y < B.h) {
        const i = 4 * (y * A.w + x), j = 4 * (y * B.w + x);
        delta = 0;
        for (let k = 0; k < 4; k++) delta = Math.max(delta, Math.abs(A.data[i + k] - B.data[j + k]));
      }
      maxDelta = Math.max(maxDelta, delta);
      const bad = delta > tolerance;
      // the diff: differing pixels red, the rest a faded grey copy of the first image
      let grey = 255;
      if (x < A.w && y < A.h) {
        const i = 4 * (y * A.w + x);
        grey = 255 - (765 - A.data[i] - A.data[i + 1] - A.data[i + 2]) / 12;
      }
      out.data[o] = bad ? 255 : grey;
      out.data[o + 1] = bad ? 0 : grey;
      out.data[o + 2] = bad ? 0 : grey;
      out.data[o + 3] = 255;
      if (bad) {
        differ++;
        if (top === null) top = y;
        bottom = y;
      }
    }
  }
  context.putImageData(out, 0, 0);
  const png = new Uint8Array(await (await canvas.convertToBlob({type: 'image/png'})).arrayBuffer());
  let binary = '';
  for (let i = 0; i < png.length; i += 0x8000) binary += String.fromCharCode(...png.subarray(i, i + 0x8000));
  return {size_a: [A.w, A.h], size_b: [B.w, B.h], pixels: w * h, differing: differ,
          max_delta: maxDelta, rows: top === null ? null : [top, bottom], diff_png: btoa(binary)};
}"""


@dataclass
class ImageDiff:
    size_a: list[int]
    """[width, height] of the first image."""
    size_b: list[int]
    pixels: int
    """Pixels compared (the larger width times the larger height)."""
    differing: int
    """Pixels where a channel (RGBA) differs by more than the tolerance, or that lie
    outside one of the two images."""
    max_delta: int
    rows: list[int] | None
    """First and last row with a differing pixel."""
    diff_png: bytes
    """The diff: differing pixels red over a faded copy of the first image."""

    @property
    def same_fraction(self) -> float:
        return 1 - self.differing / self.pixels if self.pixels else 0.0


def compare_pngs(context, a: bytes, b: bytes, tolerance: int) -> ImageDiff:
    """Compare two PNGs pixel by pixel, decoded by Chromium's canvas in a blank page of
    `context` (no Pillow needed)."""
    page = context.new_page()
    try:
        result = page.evaluate(_COMPARE_PNGS, [base64.b64encode(a).decode("ascii"),
                                               base64.b64encode(b).decode("ascii"), tolerance])
    finally:
        page.close()
    result["diff_png"] = base64.b64decode(result["diff_png"])
    return ImageDiff(**result)
