"""Save-to-reload latency of `blogbuild serve` (a benchmark, not a test).

    python bench/serve_latency.py [SITE_DIR] [--edits 20] [--browser]

SITE_DIR defaults to a 1000-post gencorpus site (/tmp/g1000, written by
../shared/tools/gencorpus.py if missing). The site is copied to a temporary folder
(edits never touch it), served by `blogbuild serve --port 0` in a subprocess, and edited
N times, one post at a time, alternating in-place writes and temp-file renames. Per edit:

- signal: save → the long-poll a tab holds answers "reload" (what the injected script
  waits for);
- served: save → the post's page carries the new text over HTTP;
- browser (with --browser, Chromium): save → the open tab shows the new text, by itself.

Prints each series' p50/p95/max in milliseconds.

gencorpus (as of 2026-11) writes ~99 formulas KaTeX rejects (`\\Vertx`: a missing space
after `\\Vert`), which would fail every build; the copy gets them repaired, and says so.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

GENCORPUS = Path(__file__).resolve().parents[2] / "shared" / "tools" / "gencorpus.py"
_BROKEN_VERT = re.compile(r"\\Vert([a-zA-Z])")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site_dir", nargs="?", type=Path, default=Path("/tmp/g1000"))
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--browser", action="store_true", help="also time an open Chromium tab")
    args = parser.parse_args()
    if not (args.site_dir / "site.toml").exists():
        print(f"writing a 1000-post corpus into {args.site_dir} ...", file=sys.stderr)
        subprocess.run([sys.executable, str(GENCORPUS), str(args.site_dir), "--posts", "1000"],
                       check=True)
    with tempfile.TemporaryDirectory(prefix="serve-bench-") as scratch:
        site = Path(scratch) / "site"
        shutil.copytree(args.site_dir, site, ignore=shutil.ignore_patterns("dist", ".git"))
        repaired = _repair(site)
        if repaired:
            print(f"repaired {repaired} formulas gencorpus writes broken (\\Vertx)", file=sys.stderr)
        posts = sorted((site / "content/posts").rglob("*.md"))
        return _run(site, posts, args.edits, args.browser)


def _repair(site: Path) -> int:
    count = 0
    for path in [*site.glob("content/**/*.md"), *site.glob("content/**/*.yaml")]:
        text = path.read_text(encoding="utf-8")
        fixed, n = _BROKEN_VERT.subn(r"\\Vert \1", text)
        if n:
            path.write_text(fixed, encoding="utf-8")
            count += n
    return count


def _run(site: Path, posts: list[Path], edits: int, browser: bool) -> int:
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "blogbuild", "serve", str(site),
                                "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    log: list[str] = []
    threading.Thread(target=lambda: log.extend(process.stderr), daemon=True).start()
    try:
        line = process.stdout.readline()
        match = re.search(r"http://\S+/", line)
        if not match:
            time.sleep(0.5)
            print("serve did not start:\n" + "".join(log), file=sys.stderr)
            return 1
        url = match.group(0)
        print(f"initial build and start: {time.perf_counter() - started:.1f} s", file=sys.stderr)
        results = _edit(url, site, posts, edits, browser)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    rebuilds = [float(m.group(1)) for m in map(re.compile(r"in (\d+) ms").search, log) if m]
    if rebuilds:
        results["rebuild (server log)"] = rebuilds
    print(f"{edits} edits of a {len(posts)}-post site:")
    for name, values in results.items():
        values = sorted(values)
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
        print(f"  {name:22} p50 {statistics.median(values):6.0f} ms   p95 {p95:6.0f} ms   "
              f"max {values[-1]:6.0f} ms")
    return 0


def _edit(url: str, site: Path, posts: list[Path], edits: int, browser: bool) -> dict:
    results: dict[str, list[float]] = {"signal": [], "served": []}
    page = None
    if browser:
        from playwright.sync_api import sync_playwright
        playwright = sync_playwright().start()
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                              args=["--headless", "--no-sandbox"])
        page = chromium.new_page()
        results["browser"] = []
    try:
        step = max(1, len(posts) // edits)
        for n in range(edits):
            path = posts[(n * step + 7) % len(posts)]
            page_url = _post_url(url, site, path)
            body = _get(page_url)
            state = re.search(r'data-epoch="(\d+)" data-hash="(\w+)"', body)
            if page is not None:
                page.goto(page_url, wait_until="load")
            marker = f"Bench edit number {n} here."
            text = path.read_text(encoding="utf-8") + f"\n\n{marker}\n"
            signal_at: list[float] = []
            waiter = threading.Thread(target=_long_poll, args=(
                url, urllib.parse.urlsplit(page_url).path, state.group(1), state.group(2),
                signal_at))
            waiter.start()
            time.sleep(0.05)  # the long-poll is held by now
            saved = time.perf_counter()
            _save(path, text, rename=n % 2 == 1)
            deadline = saved + 60
            while marker not in _get(page_url):
                if time.perf_counter() > deadline:
                    raise SystemExit(f"edit {n}: {page_url} never showed the new text")
                time.sleep(0.002)
            results["served"].append((time.perf_counter() - saved) * 1000)
            waiter.join(timeout=30)
            if signal_at:
                results["signal"].append((signal_at[0] - saved) * 1000)
            if page is not None:
                while True:
                    try:
                        if page.evaluate("m => document.body.textContent.includes(m)", marker):
                            break
                    except Exception:  # noqa: BLE001, S110 - the page is between documents
                        pass
                    if time.perf_counter() > deadline:
                        raise SystemExit(f"edit {n}: the tab never showed the new text")
                    time.sleep(0.005)
                results["browser"].append((time.perf_counter() - saved) * 1000)
            time.sleep(0.1)
    finally:
        if page is not None:
            chromium.close()
            playwright.stop()
    return results


def _post_url(url: str, site: Path, path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    slug = re.search(r"^slug:\s*(\S+)", text, re.MULTILINE)
    name = slug.group(1) if slug else re.sub(r"^\d{4}-\d{2}-\d{2}-", "", path.stem)
    return url + "archives/" + urllib.parse.quote(name) + "/"


def _long_poll(url: str, path: str, epoch: str, digest: str, out: list[float]) -> None:
    while True:
        query = urllib.parse.urlencode({"epoch": epoch, "hash": digest, "path": path})
        with urllib.request.urlopen(f"{url}__blogbuild/wait?{query}", timeout=60) as response:
            answer = json.loads(response.read())
        if answer["reload"]:
            out.append(time.perf_counter())
            return
        epoch = str(answer["epoch"])


def _save(path: Path, text: str, rename: bool) -> None:
    if rename:
        scratch = path.with_name(f".{path.name}.tmp")
        scratch.write_text(text, encoding="utf-8")
        scratch.replace(path)
    else:
        path.write_text(text, encoding="utf-8")


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read().decode("utf-8")


if __name__ == "__main__":
    sys.exit(main())
