"""`blogbuild serve`: a fixture site served from a subprocess (as an author runs it),
edited the ways editors save, polled until the new text is served; errors shown and
cleared; requests outside the output refused; and in Chromium, a tab that follows a
save by itself."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from html import unescape
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import post, write_site

from blogbuild.build import build_site
from blogbuild.changes import RebuildPlan
from blogbuild.devbuild import IncrementalBuilder
from blogbuild.server import DevServer

pytest_plugins = ["browser_support"]

FILES = {
    "content/posts/alpha.md": post("Alpha", "2024-01-01 10:00", "Alpha body $a^2$.\n",
                                   tags="[math]"),
    "content/posts/beta.md": post("Beta", "2024-01-02 10:00", "Beta body $b$.\n", tags="[math]"),
    "content/posts/gamma.md": post("Gamma", "2024-01-03 10:00", "Gamma body.\n",
                                   series="Greek"),
    "content/posts/delta.md": post("Delta", "2024-01-04 10:00", "Delta body.\n"),
    "content/posts/epsilon.md": post("Epsilon", "2024-01-05 10:00", "Epsilon body.\n"),
    "content/posts/zeta.md": post("Zeta", "2024-01-06 10:00", "Zeta body.\n"),
    "content/comments/alpha.yaml": """\
        - id: 1
          author: 读者
          date: 2024-02-01 09:00
          body: 好文 $x$
        """,
    "static/css/extra.css": "body { color: black; }\n",
}


# ----------------------------------------------------------------- helpers ---

def fetch(url: str, timeout: float = 10) -> tuple[int, str, dict]:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace"), dict(response.getheaders())
    finally:
        connection.close()


def raw_get(base: str, target: str) -> tuple[int, bytes]:
    """Send `target` as the request line's path exactly as written (no normalising)."""
    parts = urllib.parse.urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                     .encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]


def until(check, timeout: float = 15, every: float = 0.02):
    """Poll `check()` until it returns something true; that value, or fail."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s waiting for {check.__doc__ or check}")
        time.sleep(every)


def served(url: str, text: str):
    def check():
        status, body, _ = fetch(url)
        return status == 200 and text in body and body
    check.__doc__ = f"{text!r} at {url}"
    return check


class Served:
    """`blogbuild serve` in a subprocess; its stderr collected."""

    def __init__(self, site: Path, *args: str, tmpdir: Path | None = None):
        self.site = site
        env = {**os.environ, "TMPDIR": str(tmpdir)} if tmpdir else None
        self.process = subprocess.Popen(
            [sys.executable, "-m", "blogbuild", "serve", str(site), "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._read, args=(self.process.stdout, self.lines.put),
                         daemon=True).start()
        threading.Thread(target=self._read, args=(self.process.stderr, self.stderr.append),
                         daemon=True).start()
        try:
            line = self.lines.get(timeout=60)
        except queue.Empty:
            self.stop()
            raise AssertionError("serve printed no URL: " + "".join(self.stderr)) from None
        self.url = re.search(r"http://\S+/", line).group(0)

    @staticmethod
    def _read(stream, put):
        for line in stream:
            put(line)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    site = write_site(tmp_path_factory.mktemp("serve") / "site", FILES)
    running = Served(site)
    try:
        yield running
    finally:
        running.stop()
        print("".join(running.stderr))


def save_in_place(path: Path, text: str) -> None:
    with open(path, "r+", encoding="utf-8") as file:
        file.truncate(0)
        file.write(text)


def save_by_rename(path: Path, text: str) -> None:
    scratch = path.with_name(f".{path.name}.tmp")
    scratch.write_text(text, encoding="utf-8")
    os.replace(scratch, path)


def save_delete_create(path: Path, text: str) -> None:
    path.unlink()
    time.sleep(0.01)
    path.write_text(text, encoding="utf-8")


def save_vim_style(path: Path, text: str) -> None:
    """vim's default: a probe file, the old file renamed to a backup, a new file written."""
    probe = path.with_name("4913")
    probe.write_text("")
    probe.unlink()
    swap = path.with_name(f".{path.name}.swp")
    swap.write_text("swap")
    backup = path.with_name(path.name + "~")
    os.replace(path, backup)
    path.write_text(text, encoding="utf-8")
    backup.unlink()
    swap.unlink()


def save_in_a_burst(path: Path, text: str) -> None:
    for n in range(5):
        path.write_text(text.replace("v2", f"draft{n}") if n < 4 else text, encoding="utf-8")
        time.sleep(0.005)


# ------------------------------------------------------- editing, served ---

def test_serve_prints_its_url_and_serves_pages_with_the_reload_script(server):
    status, body, headers = fetch(server.url)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Zeta" in body and body.count("/__blogbuild/livereload.js") == 1
    assert body.index("/__blogbuild/livereload.js") < body.index("</body>")
    assert not (server.site / "dist").exists(), "serve must not write dist/"


@pytest.mark.parametrize("slug, save", [
    ("alpha", save_in_place), ("beta", save_by_rename), ("gamma", save_delete_create),
    ("delta", save_vim_style), ("epsilon", save_in_a_burst)])
def test_each_way_of_saving_a_post_shows_the_new_text_in_its_page_listing_and_feed(
        server, slug, save):
    path = server.site / f"content/posts/{slug}.md"
    date = re.search(r"date: (.*)", path.read_text(encoding="utf-8")).group(1)
    title = f"{slug.title()} v2"
    extra = "tags: [math]" if slug in ("alpha", "beta") else ""
    text = post(title, date, f"New {slug} text $\\frac{{1}}{{2}}$.\n") if not extra else \
        post(title, date, f"New {slug} text $\\frac{{1}}{{2}}$.\n", tags="[math]")
    started = time.monotonic()
    save(path, text)
    # the title, not the body: in a burst only the last save has it
    until(served(server.url + f"archives/{slug}/", title))
    took = time.monotonic() - started
    _, index, _ = fetch(server.url)
    _, feed, _ = fetch(server.url + "feed.xml")
    assert title in index and title in feed
    if slug in ("alpha", "beta"):
        assert title in fetch(server.url + "tags/math/")[1]
    if slug == "gamma":
        assert title in fetch(server.url + "series/greek/")[1]
    page = fetch(server.url + f"archives/{slug}/")[1]
    assert f"New {slug} text" in page and "draft" not in page
    print(f"{save.__name__}: served after {took * 1000:.0f} ms")


def test_a_new_comment_changes_its_post_and_the_sidebar_of_every_page(server):
    path = server.site / "content/comments/alpha.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "- id: 2\n  author: 新读者\n"
                    "  date: 2024-03-01 09:00\n  body: 第二条评论\n", encoding="utf-8")
    until(served(server.url + "archives/alpha/", "第二条评论"))
    assert "第二条评论" in fetch(server.url + "archives/zeta/")[1]  # the sidebar


def test_a_tab_is_told_to_reload_only_when_its_own_page_changed(server):
    def state(path):
        _, body, _ = fetch(server.url + path.lstrip("/"))
        script = re.search(r'data-epoch="(\d+)" data-hash="(\w+)"', body)
        return int(script.group(1)), script.group(2)

    epoch, zeta_hash = state("/archives/zeta/")
    _, epsilon_hash = state("/archives/epsilon/")
    path = server.site / "content/posts/zeta.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nAppended to zeta.\n", encoding="utf-8")

    def wait(page, digest):
        # the tab's location.pathname: below the site's path, as base_url has it
        page = urllib.parse.urlsplit(server.url).path.rstrip("/") + page
        query = urllib.parse.urlencode({"epoch": epoch, "hash": digest, "path": page})
        return json.loads(fetch(server.url + "__blogbuild/wait?" + query, timeout=30)[1])

    assert wait("/archives/zeta/", zeta_hash)["reload"] is True
    # epsilon's page neither lists zeta's body nor links it with changed text
    assert wait("/archives/epsilon/", epsilon_hash)["reload"] is False


def test_a_broken_post_shows_its_error_and_keeps_the_last_good_page_until_fixed(server):
    path = server.site / "content/posts/zeta.md"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("---\n", "---\ntitle: [unclosed\n", 1), encoding="utf-8")
    body = until(served(server.url + "archives/zeta/", "data-error"))
    assert "content/posts/zeta.md:" in body and "Zeta" in body
    path.write_text(good.replace("Zeta body.", "Zeta fixed $x$."), encoding="utf-8")
    body = until(served(server.url + "archives/zeta/", "Zeta fixed"))
    assert "data-error" not in body


def test_a_broken_formula_is_reported_with_its_file_and_line(server):
    path = server.site / "content/posts/zeta.md"
    good = path.read_text(encoding="utf-8")
    path.write_text(good + "\nBad $\\frac{1}{$ here.\n", encoding="utf-8")
    body = until(served(server.url + "archives/zeta/", "data-error"))
    assert re.search(r"content/posts/zeta\.md:\d+: KaTeX", body)
    path.write_text(good, encoding="utf-8")
    until(lambda: "data-error" not in fetch(server.url + "archives/zeta/")[1])


def test_a_broken_template_is_reported_and_fixing_it_re_renders(server):
    templates = server.site / "templates"
    templates.mkdir(exist_ok=True)
    time.sleep(0.3)  # the new folder is watched after its creation is seen
    broken = templates / "404.html"
    broken.write_text("{% if %}\n", encoding="utf-8")
    body = until(served(server.url, "data-error"))
    # named as the author knows it, not by its absolute path
    assert re.search(r"(?<![/\w])templates/404.html:1: template syntax error", body), body
    broken.write_text('{% extends "base.html" %}{% block content %}GONE{% endblock %}\n',
                      encoding="utf-8")
    until(lambda: "data-error" not in fetch(server.url)[1])
    assert "GONE" in fetch(server.url + "no/such/page/")[1]


def test_a_template_that_fails_on_one_page_only_is_reported_in_every_tab(server):
    """As `build` reports it, although nobody asked for that page; the pages the last
    good templates made stay served, and fixing the template clears the error."""
    templates = server.site / "templates"
    templates.mkdir(exist_ok=True)
    time.sleep(0.3)  # the new folder is watched after its creation is seen
    post_template = templates / "post.html"
    post_template.write_text(
        '{% extends "base.html" %}{% block content %}\n'
        '{% if entry.post.slug == "delta" %}{{ entry.post.subtitle }}{% endif %}\n'
        "NEW {{ entry.post.title }}{% endblock %}\n", encoding="utf-8")
    body = until(served(server.url, "data-error"))
    assert re.search(r"templates/post.html:2: template error: .*subtitle.*"
                     r"rendering archives/delta/index.html", body), body
    assert "NEW" not in fetch(server.url + "archives/alpha/")[1]
    post_template.unlink()
    until(lambda: "data-error" not in fetch(server.url)[1])
    status, body, _ = fetch(server.url + "archives/delta/")
    assert status == 200 and "data-error" not in body


def test_a_folder_without_its_slash_is_redirected_also_when_its_name_is_chinese(server):
    """The Location header holds Latin-1 only: /archives/中值定理 unencoded ended the
    connection."""
    (server.site / "content/posts/中值定理.md").write_text(
        post("中值定理", "2023-06-01 10:00", "正文。\n"), encoding="utf-8")
    until(served(server.url + urllib.parse.quote("archives/中值定理/"), "正文"))
    for path in ("archives/alpha", "archives/中值定理"):
        status, _, headers = fetch(server.url + urllib.parse.quote(path))
        assert (status, headers.get("Location")) == (
            301, urllib.parse.urlsplit(server.url).path + urllib.parse.quote(path) + "/"), path
    (server.site / "content/posts/中值定理.md").unlink()


def test_a_tab_of_an_earlier_server_is_compared_not_told_it_is_current(tmp_path):
    """Epochs started at 0 in every process: a tab opened before a restart held the
    epoch the new server was at after its first build too, and was never told that its
    page had changed while the server was down."""
    site = write_site(tmp_path / "site", FILES)
    first = Served(site)
    try:
        _, body, _ = fetch(first.url + "archives/zeta/")
    finally:
        first.stop()
    epoch, digest = re.search(r'data-epoch="(\d+)" data-hash="(\w+)"', body).groups()
    path = site / "content/posts/zeta.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Zeta body", "Zeta, edited meanwhile"),
                    encoding="utf-8")
    second = Served(site)
    try:
        query = urllib.parse.urlencode({"epoch": epoch, "hash": digest,
                                        "path": urllib.parse.urlsplit(second.url).path + "archives/zeta/"})
        started = time.monotonic()
        answer = json.loads(fetch(second.url + "__blogbuild/wait?" + query, timeout=30)[1])
    finally:
        second.stop()
    assert answer["reload"] is True and answer["epoch"] > 1
    assert time.monotonic() - started < 5  # answered at once, not after a long-poll


def test_a_static_file_saved_with_the_same_bytes_reloads_no_tab(server):
    """A stylesheet that changed reloads every tab; the same bytes saved again, none."""
    _, body, _ = fetch(server.url + "archives/alpha/")
    script = re.search(r'data-epoch="(\d+)" data-hash="(\w+)"', body)
    path = server.site / "static/css/extra.css"
    path.write_bytes(path.read_bytes())
    query = urllib.parse.urlencode({"epoch": script.group(1), "hash": script.group(2),
                                    "path": urllib.parse.urlsplit(server.url).path + "archives/alpha/"})
    answer = json.loads(fetch(server.url + "__blogbuild/wait?" + query, timeout=30)[1])
    assert answer["epoch"] != int(script.group(1)) and answer["reload"] is False


def test_a_static_file_where_a_page_is_shows_as_an_error_until_removed(server):
    """build reports it; serve served the page and said nothing."""
    # a post's page, and the stylesheet made from Pygments
    for name in ("archives/alpha/index.html", "assets/highlight.css"):
        clash = server.site / "static" / name
        clash.parent.mkdir(parents=True)
        clash.write_text("mine", encoding="utf-8")
        body = until(served(server.url + "archives/beta/", "data-error"))
        assert f"static/{name}: writes {name}" in body
        clash.unlink()
        clash.parent.rmdir()
        until(lambda: "data-error" not in fetch(server.url + "archives/beta/")[1])


def test_a_static_file_is_copied_when_saved(server):
    (server.site / "static/css/extra.css").write_text("body { color: red; }\n", encoding="utf-8")
    until(served(server.url + "css/extra.css", "red"))
    (server.site / "static/img").mkdir(exist_ok=True)
    (server.site / "static/img/new.svg").write_text("<svg/>", encoding="utf-8")
    until(served(server.url + "img/new.svg", "<svg/>"))


def test_a_warning_an_edit_brings_is_printed_once(server):
    """A typo in a key, saved while the preview runs: said there, as `build` says it
    (only the first build's warnings were), and not again on the next save."""
    path = server.site / "content/posts/typo.md"
    path.write_text(post("笔误", "2024-02-01", "正文一。", catgory="数学"), encoding="utf-8")
    until(served(server.url + "archives/typo/", "正文一"))
    until(lambda: any("unknown front-matter key `catgory`" in line for line in server.stderr))
    # a line added above it moves the warning: nothing new is said
    path.write_text(post("笔误", "2024-02-01", "正文二。", subtitle="副", catgory="数学"),
                    encoding="utf-8")
    until(served(server.url + "archives/typo/", "正文二"))
    until(lambda: any("`subtitle`" in line for line in server.stderr))
    # the rebuild's report comes after every warning it said
    said = next(i for i, line in enumerate(server.stderr) if "`subtitle`" in line)
    until(lambda: any("rebuilt after" in line for line in server.stderr[said:]))
    assert sum("`catgory`" in line for line in server.stderr) == 1
    path.unlink()
    until(lambda: fetch(server.url + "archives/typo/")[0] == 404)


def test_editor_litter_does_not_trigger_a_rebuild(server):
    time.sleep(0.5)  # the earlier tests' last rebuilds are logged by now
    before = [line for line in server.stderr if "rebuilt" in line]
    posts = server.site / "content/posts"
    for name in ("4913", ".zeta.md.swp", "zeta.md~"):
        (posts / name).write_text("x", encoding="utf-8")
    (posts / ".#zeta.md").symlink_to("author@host.1234:1700000000")  # emacs' lock: dangling
    time.sleep(0.5)
    assert [line for line in server.stderr if "rebuilt" in line] == before
    # and the next real save builds, lock file and all (the loader skips it)
    path = posts / "zeta.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nAfter the litter.\n", encoding="utf-8")
    assert "data-error" not in until(served(server.url + "archives/zeta/", "After the litter"))


def test_a_deleted_post_leaves_its_listings_and_its_url_is_404(server):
    (server.site / "content/posts/extra.md").write_text(post("Extra", "2024-01-07 10:00"),
                                                         encoding="utf-8")
    until(served(server.url, "Extra"))
    (server.site / "content/posts/extra.md").unlink()
    until(lambda: fetch(server.url + "archives/extra/")[0] == 404)
    assert "Extra" not in fetch(server.url)[1]


def test_an_old_address_added_while_serving_leads_to_its_post(server):
    (server.site / "content/posts/moved.md").write_text(
        post("Moved", "2024-01-08 10:00", aliases="[/archives/9881/]"), encoding="utf-8")
    until(lambda: fetch(server.url + "archives/9881/")[0] == 200)
    page = BeautifulSoup(fetch(server.url + "archives/9881/")[1], "html.parser")
    assert page.find("meta", attrs={"http-equiv": "refresh"})["content"] == \
        "0; url=/blog/archives/moved/"
    (server.site / "content/posts/moved.md").unlink()
    until(lambda: fetch(server.url + "archives/9881/")[0] == 404)


def test_an_old_address_where_a_page_is_is_an_error_as_in_build(server):
    """The page served there was the redirect, silently, where `build` refuses."""
    path = server.site / "content/posts/moved.md"
    path.write_text(post("Moved", "2024-01-08 10:00", aliases="[/archives/zeta/]"),
                    encoding="utf-8")
    body = until(served(server.url + "archives/zeta/", "data-error"))
    assert "alias /archives/zeta/ is where the page of content/posts/zeta.md is written" in \
        unescape(body)
    assert BeautifulSoup(body, "html.parser").find("meta", attrs={"http-equiv": "refresh"}) is None
    path.unlink()
    until(lambda: "data-error" not in fetch(server.url + "archives/zeta/")[1])


def test_site_toml_rebuilds_everything_and_a_broken_one_keeps_the_last_good_site(server):
    config = server.site / "site.toml"
    good = config.read_text(encoding="utf-8")
    config.write_text(good.replace("测试博客", "改名的博客"), encoding="utf-8")
    until(served(server.url + "archives/alpha/", "改名的博客"))
    config.write_text(good + "\nno_such_key = 1\n", encoding="utf-8")
    body = until(served(server.url, "data-error"))
    assert "site.toml" in body and "改名的博客" in body
    # other saves meanwhile neither hide the error nor clear it
    (server.site / "static/css/extra.css").write_text("body { color: green; }\n",
                                                      encoding="utf-8")
    until(served(server.url + "css/extra.css", "green"))
    path = server.site / "content/posts/alpha.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nWhile broken.\n", encoding="utf-8")
    time.sleep(0.5)
    assert "data-error" in fetch(server.url)[1]
    config.write_text(good, encoding="utf-8")
    until(lambda: "data-error" not in (page := fetch(server.url)[1]) and "测试博客" in page)
    # still watching after the full rebuild
    (server.site / "static/css/extra.css").write_text("body { color: blue; }\n",
                                                      encoding="utf-8")
    until(served(server.url + "css/extra.css", "blue"))


def test_content_types_cover_pages_feeds_and_katex_fonts(server):
    expected = {"": "text/html", "feed.xml": "application/xml",
                "katex/katex.min.css": "text/css", "katex/katex.min.js": "text/javascript",
                "katex/fonts/KaTeX_Main-Regular.woff2": "font/woff2",
                "css/extra.css": "text/css"}
    for path, kind in expected.items():
        status, _, headers = fetch(server.url + path)
        assert status == 200 and headers["Content-Type"].startswith(kind), path


def test_a_missing_page_is_the_sites_404_page_with_status_404(server):
    status, body, _ = fetch(server.url + "no/such/post/")
    assert status == 404 and "livereload.js" in body
    assert fetch(server.url + "archives/zeta")[0] == 301


# --------------------------------------------------------------- security ---

@pytest.mark.parametrize("target", [
    "/../site.toml", "/%2e%2e/site.toml", "/%2E%2E/%2E%2E/etc/passwd", "/..%2fsite.toml",
    "/css/../../site.toml", "//etc/passwd", "/%2fetc%2fpasswd", "/.%2e/site.toml",
    "/..\\site.toml", "/%00", "http://127.0.0.1/../site.toml", "/content/posts/alpha.md",
    "/site.toml"])
def test_nothing_outside_the_output_folder_is_served(server, target):
    base = urllib.parse.urlsplit(server.url).path  # the site's, "/blog/"
    assert raw_get(server.url, base)[0] == 200  # the same request, inside, is served
    # at the host's root, and below the site's path
    for request in (target, base.rstrip("/") + target if target.startswith("/") else target):
        status, body = raw_get(server.url, request)
        assert status in (400, 404), request
        assert b"base_url" not in body and b"root:" not in body


def test_requests_for_another_host_name_are_refused_against_dns_rebinding(server):
    parts = urllib.parse.urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", "/", headers={"Host": f"evil.example:{parts.port}"})
        assert connection.getresponse().status == 403
    finally:
        connection.close()
    # a Host no URL can hold is no loopback name either (urlsplit raised on it)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", "/", headers={"Host": "[::1"})
        assert connection.getresponse().status == 403
    finally:
        connection.close()
    assert fetch(f"http://localhost:{parts.port}{parts.path}")[0] == 200


def test_a_symlink_out_of_the_output_folder_is_not_followed(tmp_path):
    site = write_site(tmp_path / "site", {"content/posts/a.md": post("A", "2024-01-01")})
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    dev = DevServer(site, port=0, say=lambda text: None)
    try:
        dev.start()
        (dev.output.root / "leak.txt").symlink_to(secret)
        (dev.output.root / "leakdir").symlink_to(tmp_path, target_is_directory=True)
        base = dev.url  # below the site's path (/blog/), where its files are served
        assert fetch(base + "css/blogbuild.css")[0] == 200  # the output folder's own
        for path in ("leak.txt", "leakdir/secret.txt", "leakdir/"):
            status, body, _ = fetch(base + path)
            assert status == 404 and "TOP SECRET" not in body, path
        assert dev.httpd.server_address[0] == "127.0.0.1"
    finally:
        dev.close()
    assert not dev.output.root.exists()


def test_work_in_progress_in_the_output_folder_is_not_served(tmp_path):
    """A static file being written (its scratch copy, renamed over it once whole), and
    the pages written for the search indexer, are no pages of the site; a static file
    whose name starts with a dot (.well-known/) is."""
    site = write_site(tmp_path / "site", {"content/posts/a.md": post("A", "2024-01-01"),
                                          "static/.well-known/security.txt": "Contact: me\n"})
    dev = DevServer(site, port=0, say=lambda text: None)
    try:
        dev.start()
        (dev.output.root / "css/.blogbuild.css.blogbuild-new").write_text("half")
        (dev.output.root / ".search-build/archives/a").mkdir(parents=True)
        (dev.output.root / ".search-build/archives/a/index.html").write_text("old page")
        base = dev.url  # below the site's path (/blog/), where its files are served
        for path in ("css/.blogbuild.css.blogbuild-new", ".search-build/archives/a/index.html",
                     ".search-build/archives/a/"):
            status, body, _ = fetch(base + path)
            assert status == 404 and "half" not in body and "old page" not in body, path
        assert fetch(base + ".well-known/security.txt")[:2] == (200, "Contact: me\n")
    finally:
        dev.close()


# -------------------------------------------------------------- lifecycle ---

def test_ctrl_c_stops_cleanly_without_a_traceback_or_leftover_folders(tmp_path):
    site = write_site(tmp_path / "site", {"content/posts/a.md": post("A", "2024-01-01")})
    scratch = tmp_path / "tmp"  # the server's own temporary folder, watched alone
    scratch.mkdir()
    running = Served(site, tmpdir=scratch)
    assert fetch(running.url)[0] == 200
    assert list(scratch.glob("blogbuild-serve-*")), "serve made no temporary folder here"
    assert running.stop() == 0
    time.sleep(0.1)
    assert "Traceback" not in "".join(running.stderr)
    assert list(scratch.iterdir()) == []


def test_a_port_in_use_moves_to_the_next_free_one_and_says_so(tmp_path):
    site = write_site(tmp_path / "site", {"content/posts/a.md": post("A", "2024-01-01")})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        messages: list[str] = []
        dev = DevServer(site, port=port, say=messages.append)
        try:
            assert dev.httpd.server_address[1] != port
            assert any(f"port {port} is in use" in m for m in messages)
        finally:
            dev.close()


def test_a_site_without_posts_is_served_with_search_on_and_no_index_is_tried(tmp_path):
    from conftest import SITE_TOML

    site = write_site(tmp_path / "site", {
        "content/pages/about.md": "---\ntitle: About\n---\nNo posts yet.\n",
        "site.toml": SITE_TOML.replace("enabled = false", "enabled = true")})
    messages: list[str] = []
    dev = DevServer(site, port=0, say=messages.append)
    try:
        dev.start()
        for thread in dev._threads:
            if thread.name == "blogbuild-search-index":
                thread.join(30)  # Pagefind, given nothing, failed the index with a message
        assert not any("search index" in message for message in messages), messages
        assert not (dev.output.root / "pagefind").exists()
        # the first post is indexed (not: the index was started once, for no page)
        (site / "content/posts").mkdir(parents=True)
        (site / "content/posts/a.md").write_text(post("First", "2024-01-01", "Words."),
                                                 encoding="utf-8")
        until(lambda: (dev.output.root / "pagefind/pagefind-ui.js").is_file(), timeout=60)
    finally:
        dev.close()


def test_the_first_build_says_how_many_drafts_it_left_out_as_build_does(tmp_path):
    """An author starting the preview wonders where the post they are writing went."""
    site = write_site(tmp_path / "site", {
        "content/posts/a.md": post("甲", "2024-01-01"),
        "content/posts/b.md": post("乙", "2024-01-02", draft="true"),
        "content/posts/c.md": post("丙", "2024-01-03", draft="true")})
    messages: list[str] = []
    dev = DevServer(site, port=0, say=messages.append)
    try:
        dev.start()
    finally:
        dev.close()
    assert any(message.startswith("built 1 post (2 drafts left out; --drafts includes them) in ")
               for message in messages), messages


def test_search_is_indexed_once_the_error_serve_started_with_is_mended(tmp_path):
    """Starting the preview with a half-written post is the usual case: the index was
    built only after a good first build, so search stayed broken for the session."""
    from conftest import SITE_TOML

    broken = post("甲", "2024-01-01", "噪声 $\\frac{$ 与信号。")
    site = write_site(tmp_path / "site", {
        "content/posts/a.md": broken,
        "site.toml": SITE_TOML.replace("enabled = false", "enabled = true")})
    messages: list[str] = []
    dev = DevServer(site, port=0, say=messages.append)
    try:
        dev.start()
        assert not [t for t in dev._threads if t.name == "blogbuild-search-index"]
        (site / "content/posts/a.md").write_text(broken.replace("$\\frac{$", "$x$"),
                                                 encoding="utf-8")
        until(lambda: (dev.output.root / "pagefind/pagefind-ui.js").is_file(), timeout=60)
        assert len([t for t in dev._threads if t.name == "blogbuild-search-index"]) == 1
    finally:
        dev.close()


def test_every_open_tab_reloads_once_the_search_index_is_in(tmp_path):
    """A tab opened while Pagefind indexed had no search box (pagefind-ui.js was not
    there yet), and got none until the author reloaded it: the index coming in is a
    change of static files, for which every tab reloads."""
    from conftest import SITE_TOML

    site = write_site(tmp_path / "site", {
        "content/posts/a.md": post("甲", "2024-01-01", "噪声与信号。"),
        "site.toml": SITE_TOML.replace("enabled = false", "enabled = true")})
    dev = DevServer(site, port=0, say=lambda message: None)
    try:
        dev.start()
        [indexer] = [t for t in dev._threads if t.name == "blogbuild-search-index"]
        epoch, static_epoch, _ = dev.wait_for_change(-1)
        indexer.join(60)
        assert (dev.output.root / "pagefind/pagefind-ui.js").is_file()
        after, static_after, _ = dev.wait_for_change(-1)
        assert after > epoch and static_after == after > static_epoch
    finally:
        dev.close()


# ------------------------------------------------ same pages as `build` ---

def test_a_content_error_does_not_hide_a_templates_syntax_error(tmp_path):
    """As in a build: both at once, not the template's once the formula is mended."""
    from blogbuild.content import load_content
    from blogbuild.pages import templates_in_use
    from blogbuild.problems import ContentErrors

    site = write_site(tmp_path / "site", {
        **FILES, "content/pages/about.md": "---\ntitle: About\n---\nAbout.\n"})
    builder = IncrementalBuilder(site, base_url="http://127.0.0.1:9/", jobs=1)
    # what the pages of a site with posts and standalone pages are rendered with
    jobs = builder.rebuild().jobs
    assert {job.template for job in jobs.values()} == \
        set(templates_in_use(load_content(site, builder.config)))
    (site / "content/posts/alpha.md").write_text(post("Alpha", "2024-01-01", "$\\frac{a$\n"),
                                                 encoding="utf-8")
    (site / "templates").mkdir()
    (site / "templates/page.html").write_text("{{ entry.page.title | nosuchfilter }}\n",
                                              encoding="utf-8")
    with pytest.raises(ContentErrors) as raised:
        builder.rebuild(RebuildPlan(content=frozenset({"content/posts/alpha.md"}), templates=True))
    assert [(p.path, p.line) for p in raised.value.problems] == [
        ("content/posts/alpha.md", 5), ("templates/page.html", 1)]


def test_a_mistake_in_site_toml_is_reported_with_the_contents_until_it_is_mended(tmp_path):
    """As in a build: an unknown key does not hide a post's error, and mending the
    post alone leaves the key reported."""
    from blogbuild.problems import ContentErrors

    site = write_site(tmp_path / "site", FILES)
    builder = IncrementalBuilder(site, base_url="http://127.0.0.1:9/", jobs=1)
    builder.rebuild()
    config = site / "site.toml"
    good = config.read_text(encoding="utf-8")
    config.write_text(good + "\nno_such_key = 1\n", encoding="utf-8")
    alpha = site / "content/posts/alpha.md"
    alpha.write_text(post("Alpha", "2024-01-01", "$\\frac{a$\n"), encoding="utf-8")
    with pytest.raises(ContentErrors) as raised:
        builder.rebuild(RebuildPlan(config=True))
    assert [p.path for p in raised.value.problems] == ["content/posts/alpha.md", "site.toml"]
    alpha.write_text(post("Alpha", "2024-01-01", "Mended.\n"), encoding="utf-8")
    with pytest.raises(ContentErrors) as raised:
        builder.rebuild(RebuildPlan(content=frozenset({"content/posts/alpha.md"})))
    assert [p.path for p in raised.value.problems] == ["site.toml"]
    config.write_text(good, encoding="utf-8")
    assert "archives/alpha/index.html" in builder.rebuild(RebuildPlan(config=True)).jobs


def test_the_dev_builder_serves_what_build_writes_after_each_kind_of_edit(tmp_path):
    site = write_site(tmp_path / "site", FILES)
    base = "http://127.0.0.1:9/"
    builder = IncrementalBuilder(site, base_url=base)

    def edit(name: str, old: str, new: str) -> None:
        path = site / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")

    steps = [  # (what changes, the plan the watcher would give)
        (lambda: None, None),
        # a body: the archive is reused with the new entries put in
        (lambda: edit("content/posts/beta.md", "Beta body", "Beta edited"),
         RebuildPlan(content=frozenset({"content/posts/beta.md"}))),
        # tags and series: the archive is built anew
        (lambda: edit("content/posts/gamma.md", "series: Greek", "tags: [math, new]"),
         RebuildPlan(content=frozenset({"content/posts/gamma.md"}))),
        (lambda: edit("content/comments/alpha.yaml", "好文", "很好的文章"),
         RebuildPlan(content=frozenset({"content/comments/alpha.yaml"}))),
        (lambda: (site / "templates").mkdir() or (site / "templates/404.html").write_text(
            '{% extends "base.html" %}{% block content %}GONE{% endblock %}\n'),
         RebuildPlan(templates=True)),
    ]
    try:
        for number, (change, plan) in enumerate(steps):
            change()
            snapshot = builder.rebuild(plan)
            out = tmp_path / f"out{number}"
            build_site(site, out, base_url=base)
            for output in [*snapshot.jobs, "feed.xml", "atom.xml", "sitemap.xml"]:
                assert snapshot.render(output) == (out / output).read_bytes(), (number, output)
            assert len(snapshot.jobs) == len(list(out.rglob("*.html")))
    finally:
        builder.close()


def test_a_restarted_dev_builder_renders_only_what_changed_and_serves_what_build_writes(
        tmp_path, monkeypatch):
    """The cache folder keeps what serve parsed and rendered: a second start, on another
    port, after one post was edited while it was stopped, renders that post alone."""
    from blogbuild import parallel

    site = write_site(tmp_path / "site", FILES)
    first = IncrementalBuilder(site, base_url="http://127.0.0.1:9/")
    first.rebuild(None)
    first.close()
    path = site / "content/posts/beta.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Beta body", "Beta edited"),
                    encoding="utf-8")
    rendered: list[str] = []
    render_post = parallel.render_post
    monkeypatch.setattr(parallel, "render_post",
                        lambda text, *args, **kw: rendered.append(text) or render_post(text, *args, **kw))
    base = "http://127.0.0.1:10/"
    second = IncrementalBuilder(site, base_url=base)
    try:
        snapshot = second.rebuild(None)
        assert [text for text in rendered if "Beta" in text] == rendered and len(rendered) == 1
        out = tmp_path / "out"
        build_site(site, out, base_url=base)
        for output in [*snapshot.jobs, "feed.xml", "atom.xml", "sitemap.xml"]:
            assert snapshot.render(output) == (out / output).read_bytes(), output
    finally:
        second.close()


# ---------------------------------------------------------------- browser ---

def _shows(page, text: str) -> bool:
    try:
        return page.evaluate("t => document.body.textContent.includes(t)", text)
    except Exception:  # noqa: BLE001 - the tab is between two documents while it reloads
        return False


@pytest.mark.browser
def test_an_open_tab_shows_a_saved_change_by_itself_and_keeps_its_scroll(browser, tmp_path):
    from browser_support import open_page, wait_for_math

    long_body = "\n\n".join(f"Paragraph {n} with $x_{{{n}}}^2$." for n in range(80)) + "\n"
    site = write_site(tmp_path / "site", {"content/posts/long.md": post("Long", "2024-01-01",
                                                                        long_body)})
    running = Served(site)
    context = browser.new_context()
    try:
        page, log = open_page(context)
        page.goto(running.url + "archives/long/")
        wait_for_math(page)
        page.evaluate("window.scrollTo(0, 1500)")
        page.wait_for_timeout(200)
        path = site / "content/posts/long.md"
        text = path.read_text(encoding="utf-8")
        started = time.monotonic()
        path.write_text(text.replace("Paragraph 3 with", "Edited paragraph with $\\sqrt{y}$ and"),
                        encoding="utf-8")
        took = until(lambda: _shows(page, "Edited paragraph") and time.monotonic() - started,
                     every=0.005)
        report = wait_for_math(page)
        assert report.rendered == report.math and not report.errors
        page.wait_for_function("() => Math.abs(window.scrollY - 1500) < 40", timeout=5_000)
        print(f"\nChromium: save to new text visible in {took * 1000:.0f} ms")

        path.write_text(text + "\nBroken $\\frac{$.\n", encoding="utf-8")
        page.wait_for_selector("#blogbuild-error", timeout=15_000)
        message = page.text_content("#blogbuild-error")
        assert re.search(r"content/posts/long\.md:\d+: KaTeX", message)
        path.write_text(text, encoding="utf-8")
        page.wait_for_selector("#blogbuild-error", state="detached", timeout=15_000)
        page.wait_for_function("() => !document.body.textContent.includes('Edited paragraph')",
                               timeout=15_000)
        assert not log.page_errors and not log.outside_requests
    finally:
        context.close()
        running.stop()


def test_the_pages_a_rebuild_moved_are_the_posts_renamed_not_any_page_that_went():
    from blogbuild.devbuild import moved_pages
    from blogbuild.pages import PageJob

    def jobs(*pages: tuple[str, str, str]) -> dict[str, PageJob]:
        return {output: PageJob(output, template, source.upper(), source, {})
                for output, template, source in pages}
    listing = ("tags/x/index.html", "listing.html", "content/posts/a.md")
    before = jobs(("archives/a/index.html", "post.html", "content/posts/a.md"),
                  ("archives/b/index.html", "post.html", "content/posts/b.md"), listing)
    # a's slug changed in its file; b's file and slug both changed (one gone, one new,
    # of the same title)
    after = jobs(("archives/a2/index.html", "post.html", "content/posts/a.md"),
                 ("archives/b2/index.html", "post.html", "content/posts/b2.md"))
    after["archives/b2/index.html"] = PageJob("archives/b2/index.html", "post.html",
                                              "CONTENT/POSTS/B.MD", "content/posts/b2.md", {})
    assert moved_pages(before, after) == {"archives/a/index.html": "archives/a2/index.html",
                                          "archives/b/index.html": "archives/b2/index.html"}
    # one post deleted and another written: not a move
    del after["archives/b2/index.html"]
    after.update(jobs(("archives/c/index.html", "post.html", "content/posts/c.md")))
    assert moved_pages(before, after) == {"archives/a/index.html": "archives/a2/index.html"}
    # two posts gone and two new ones, from other files: nothing to tell which is which
    after = jobs(("archives/c/index.html", "post.html", "content/posts/c.md"),
                 ("archives/d/index.html", "post.html", "content/posts/d.md"))
    assert moved_pages(before, after) == {}


def test_a_page_moved_twice_leads_to_where_it_is_now_and_one_deleted_to_nowhere(tmp_path):
    from types import SimpleNamespace

    site = write_site(tmp_path / "site", {"content/posts/a.md": post("甲", "2024-01-01")})
    dev = DevServer(site, port=0, say=lambda text: None)
    try:
        def pages(*outputs: str):
            return SimpleNamespace(has=lambda output: output in outputs)
        dev._remember_moves({"a/": "b/"}, pages("b/"))
        dev._remember_moves({"b/": "c/"}, pages("c/"))
        assert (dev.moved_to("a/"), dev.moved_to("b/")) == ("c/", "c/")
        dev._remember_moves({}, pages("a/", "c/"))  # a/ is back: served, not sent on
        assert (dev.moved_to("a/"), dev.moved_to("b/")) == (None, "c/")
        dev._remember_moves({}, pages("a/"))  # c/ deleted: b/ is a 404, not a redirect to one
        assert dev.moved_to("b/") is None
    finally:
        dev.close()


@pytest.mark.browser
def test_a_tab_on_a_post_whose_slug_changes_follows_it_to_its_new_address(browser, tmp_path):
    """It showed the 404 page: the author had to find the post again."""
    from browser_support import open_page

    site = write_site(tmp_path / "site", {"content/posts/a.md": post("扩散", "2024-01-01",
                                                                     slug="diffusion-3"),
                                          "content/posts/b.md": post("其他", "2024-01-02")})
    running = Served(site)
    context = browser.new_context()
    try:
        page, log = open_page(context)
        page.goto(running.url + "archives/diffusion-3/")
        page.wait_for_load_state("load")
        path = site / "content/posts/a.md"
        path.write_text(path.read_text(encoding="utf-8").replace("slug: diffusion-3",
                                                                 "slug: 扩散模型-3"),
                        encoding="utf-8")
        page.wait_for_url(lambda url: urllib.parse.unquote(url).endswith("/archives/扩散模型-3/"),
                          timeout=15_000)
        until(lambda: _shows(page, "扩散"))
        # a request for the old address is sent on too, for as long as the server runs
        status, _, headers = fetch(running.url + "archives/diffusion-3/")
        assert status == 302 and urllib.parse.unquote(headers["Location"]).endswith(
            "/archives/扩散模型-3/")
        assert not log.page_errors
    finally:
        context.close()
        running.stop()


@pytest.mark.browser
def test_tabs_share_one_wait_so_a_ninth_tab_loads_and_each_is_told_of_a_change(browser,
                                                                              tmp_path):
    """A browser opens six connections at most to one host: with a long-poll per tab in
    view, a seventh tab did not load until one ended (25 s). The tabs share one wait,
    and each is told of a change: those whose page changed reload, the others do not."""
    from browser_support import open_page

    site = write_site(tmp_path / "site", FILES)
    running = Served(site)
    context = browser.new_context()
    try:
        tabs = {}
        for number in range(8):
            page, log = open_page(context)
            page.goto(running.url + ("archives/zeta/" if number % 2 else "archives/beta/"),
                      wait_until="load", timeout=10_000)
            page.evaluate("window.loadedBefore = true")
            tabs[page] = log
        ninth, _ = open_page(context)
        ninth.goto(running.url, wait_until="load", timeout=10_000)  # the excerpts
        path = site / "content/posts/zeta.md"
        path.write_text(path.read_text(encoding="utf-8").replace("Zeta body", "Zeta shared"),
                        encoding="utf-8")
        zeta = [page for page in tabs if page.url.endswith("/zeta/")]
        until(lambda: all(_shows(page, "Zeta shared") for page in [*zeta, ninth]))
        for page in set(tabs) - set(zeta):  # beta's page did not change: not reloaded
            assert page.evaluate("window.loadedBefore === true")
        # a save that does not build is shown in every tab, and its mending clears it
        text = path.read_text(encoding="utf-8")
        path.write_text(text + "\nBroken $\\frac{$.\n", encoding="utf-8")
        until(lambda: all(page.query_selector("#blogbuild-error") for page in [*tabs, ninth]))
        path.write_text(text, encoding="utf-8")
        until(lambda: not any(page.query_selector("#blogbuild-error") for page in [*tabs, ninth]))
        assert not any(log.page_errors for log in tabs.values())
    finally:
        context.close()
        running.stop()


@pytest.mark.browser
def test_a_tab_still_loading_when_a_change_is_built_shows_it_at_once(browser, tmp_path):
    """The tabs hear of a change from the one that waits for all: a tab whose page was
    served before the rebuild, and which is still loading (an image holds its load
    event back) when the news goes out, must hear it too, not 25 s later at the next."""
    from browser_support import open_page

    held: list[float] = []

    class SlowImage(http.server.BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the base class's signature
            pass

        def do_GET(self):
            time.sleep(4)
            held.append(time.monotonic())
            body = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
            self.send_response(200)
            self.send_header("Content-Type", "image/gif")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    images = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowImage)
    images.daemon_threads = True
    threading.Thread(target=images.serve_forever, daemon=True).start()
    image = f"http://127.0.0.1:{images.server_address[1]}/slow.gif"
    site = write_site(tmp_path / "site", {
        **FILES, "content/posts/zeta.md": post("Zeta", "2024-01-06 10:00",
                                               f"Zeta body.\n\n![slow]({image})\n")})
    running = Served(site)
    context = browser.new_context()
    try:
        first, _ = open_page(context)
        first.goto(running.url + "archives/beta/", wait_until="load")  # it waits for all
        second, log = open_page(context)
        second.goto(running.url + "archives/zeta/", wait_until="domcontentloaded")
        path = site / "content/posts/zeta.md"
        path.write_text(path.read_text(encoding="utf-8").replace("Zeta body", "Zeta heard"),
                        encoding="utf-8")
        until(served(running.url + "archives/zeta/", "Zeta heard"))
        assert not held  # the rebuild came while the tab was still loading
        until(lambda: second.wait_for_timeout(20) or _shows(second, "Zeta heard"), timeout=10)
        assert not log.page_errors
    finally:
        context.close()
        running.stop()
        images.shutdown()
        images.server_close()


@pytest.mark.browser
def test_without_web_locks_a_hidden_tab_holds_no_connection_and_catches_up_when_shown(
        browser, tmp_path):
    """Where the tabs cannot share a wait (Web Locks need a secure context: a preview at
    an address other than localhost has none), each tab in view waits for itself, and a
    hidden one gives its connection up (six tabs hidden would keep a seventh from
    loading)."""
    from browser_support import open_page

    site = write_site(tmp_path / "site", FILES)
    running = Served(site)
    context = browser.new_context()
    context.add_init_script("delete Navigator.prototype.locks;")
    waits: list[str] = []
    try:
        page, log = open_page(context)
        page.on("request", lambda request: "/__blogbuild/wait" in request.url
                and waits.append(request.url))
        page.goto(running.url + "archives/zeta/")
        # (Playwright hands events over only while it is called: the tab's wait starts
        # at its load event, as goto returns)
        until(lambda: page.wait_for_timeout(20) or waits)
        page.evaluate("""() => {
          Object.defineProperty(document, "hidden", {configurable: true,
                                                     get: () => window.hiddenNow === true});
          window.hiddenNow = true;
          document.dispatchEvent(new Event("visibilitychange"));
        }""")
        page.wait_for_timeout(300)
        asked = len(waits)
        path = site / "content/posts/zeta.md"
        path.write_text(path.read_text(encoding="utf-8").replace("Zeta body", "Zeta seen later"),
                        encoding="utf-8")
        until(served(running.url + "archives/zeta/", "Zeta seen later"))
        page.wait_for_timeout(1500)
        assert len(waits) == asked and not _shows(page, "Zeta seen later")
        page.evaluate("""() => { window.hiddenNow = false;
                                 document.dispatchEvent(new Event("visibilitychange")); }""")
        until(lambda: _shows(page, "Zeta seen later"))
        assert not log.page_errors
    finally:
        context.close()
        running.stop()


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml", "sitemap.xml"])
def test_a_static_file_where_a_feed_or_the_sitemap_goes_is_told_as_build_tells_it(tmp_path,
                                                                               name):
    from blogbuild.problems import ContentErrors

    site = write_site(tmp_path / "site", {**FILES, f"static/{name}": "<mine/>\n"})
    told = []
    for attempt in (lambda: build_site(site, tmp_path / "out"),
                    lambda: IncrementalBuilder(site, base_url="http://127.0.0.1:9/").rebuild(None)):
        with pytest.raises(ContentErrors) as raised:
            attempt()
        told.append([str(problem) for problem in raised.value.problems])
    assert told[0] == told[1] and len(told[0]) == 1


def test_a_snapshot_keeps_the_templates_it_was_built_with(tmp_path):
    """Its pages are rendered when asked for: a template saved since (broken, or not
    yet rebuilt) must not show in some pages of the last good site and not others."""
    template = '{% extends "base.html" %}{% block content %}TEMPLATE {{ entry.post.title }}{% endblock %}\n'
    site = write_site(tmp_path / "site", {**FILES, "templates/post.html": template.replace("TEMPLATE", "OLD")})
    snapshot = IncrementalBuilder(site, base_url="http://127.0.0.1:9/").rebuild(None)
    assert b"OLD Alpha" in snapshot.render("archives/alpha/index.html")
    (site / "templates/post.html").write_text(template.replace("TEMPLATE", "NEW {{"), encoding="utf-8")
    assert b"OLD Zeta" in snapshot.render("archives/zeta/index.html")


def test_a_broken_template_no_page_uses_does_not_stop_the_preview(tmp_path):
    """As in build: a scratch file in templates/ that nothing uses is not the site's
    problem; one that a page includes is, at its line."""
    from blogbuild.problems import ContentErrors

    site = write_site(tmp_path / "site", {**FILES, "templates/scratch.html": "{{ oops\n"})
    builder = IncrementalBuilder(site, base_url="http://127.0.0.1:9/")
    builder.rebuild(None)
    (site / "templates/_part.html").write_text("ok\n{% if %}\n", encoding="utf-8")
    (site / "templates/post.html").write_text(
        '{% extends "base.html" %}{% block content %}{% include "_part.html" %}{% endblock %}\n',
        encoding="utf-8")
    with pytest.raises(ContentErrors) as raised:
        builder.rebuild(RebuildPlan(templates=True))
    assert [(p.path, p.line) for p in raised.value.problems] == [("templates/_part.html", 2)]


def test_a_post_with_front_matter_errors_shows_its_formula_errors_too(tmp_path):
    """As in build: one save shows every problem of the file, not its front matter's
    first and its body's once that is mended."""
    from blogbuild.problems import ContentErrors

    site = write_site(tmp_path / "site", FILES)
    builder = IncrementalBuilder(site, base_url="http://127.0.0.1:9/")
    builder.rebuild(None)
    (site / "content/posts/beta.md").write_text(
        post("Beta", "2024-02-30 10:00", "Beta body $\\frac{b}{$.\n"), encoding="utf-8")
    with pytest.raises(ContentErrors) as raised:
        builder.rebuild(RebuildPlan(content=frozenset({"content/posts/beta.md"})))
    assert [(p.path, p.line) for p in raised.value.problems] == [
        ("content/posts/beta.md", 3), ("content/posts/beta.md", 5)]


def test_a_first_start_with_many_posts_renders_them_on_workers_as_one_process_would(
        tmp_path, monkeypatch):
    """Every post to render (a first start, a changed site.toml) goes to worker
    processes, which keep what they render where the next start finds it."""
    from blogbuild import parallel
    from blogbuild.prestart import PARALLEL_FROM

    files = {f"content/posts/p{n:03}.md": post(f"Post {n}", f"2024-01-01 10:{n % 60:02}",
                                               f"Body {n}: $x^{{{n}}}$ and [next](/archives/p{n + 1:03}/).\n",
                                               tags=f"[t{n % 3}]")
             for n in range(PARALLEL_FROM + 6)}
    render_post = parallel.render_post
    rendered: list[str] = []  # here, in this process
    monkeypatch.setattr(parallel, "render_post",
                        lambda *args, **kw: rendered.append(args[0]) or render_post(*args, **kw))
    snapshots, rendered_here = {}, {}
    for jobs in (1, 2):
        site = write_site(tmp_path / f"site{jobs}", files)
        builder = IncrementalBuilder(site, base_url="http://127.0.0.1:9/", jobs=jobs)
        try:
            snapshot = builder.rebuild(None)
            snapshots[jobs] = {output: snapshot.render(output) for output in snapshot.jobs}
        finally:
            builder.close()
        rendered_here[jobs], rendered[:] = len(rendered), []
    assert snapshots[2] == snapshots[1]
    assert rendered_here[1] == len(files) and rendered_here[2] < len(files)
    again = IncrementalBuilder(tmp_path / "site2", base_url="http://127.0.0.1:10/", jobs=1)
    try:
        again.rebuild(None)
    finally:
        again.close()
    assert rendered == []  # the workers' results were stored, under the keys serve looks for


def test_a_static_file_added_while_a_post_is_broken_is_checked_once_the_post_is_mended(tmp_path):
    """The static listing is forgotten when the change arrives, not when a rebuild gets
    as far as checking it: otherwise the mended rebuild checks the old listing."""
    from blogbuild.problems import ContentErrors

    site = write_site(tmp_path / "site", FILES)
    builder = IncrementalBuilder(site, base_url="http://127.0.0.1:9/")
    builder.rebuild(None)
    beta = site / "content/posts/beta.md"
    good = beta.read_text(encoding="utf-8")
    beta.write_text(post("Beta", "2024-13-01 10:00"), encoding="utf-8")
    (site / "static/archives/alpha").mkdir(parents=True)
    (site / "static/archives/alpha/index.html").write_text("mine", encoding="utf-8")
    with pytest.raises(ContentErrors):
        builder.rebuild(RebuildPlan(content=frozenset({"content/posts/beta.md"}),
                                    static=frozenset({"archives/alpha/index.html"})))
    beta.write_text(good, encoding="utf-8")
    with pytest.raises(ContentErrors) as raised:
        builder.rebuild(RebuildPlan(content=frozenset({"content/posts/beta.md"})))
    assert any("archives/alpha/index.html" in p.message for p in raised.value.problems)


@pytest.mark.browser
def test_a_site_broken_from_the_start_says_so_not_that_it_shows_a_good_version(browser, tmp_path):
    from browser_support import open_page

    site = write_site(tmp_path / "site", {"content/posts/a.md": post("甲", "2024-01-01",
                                                                     "坏 $\\frac{$。\n")})
    running = Served(site)
    context = browser.new_context()
    try:
        page, _ = open_page(context)
        page.goto(running.url + "archives/a/")
        page.wait_for_selector("#blogbuild-error", timeout=15_000)
        message = page.text_content("#blogbuild-error")
        assert "the site did not build" in message and "last good" not in message, message
        assert re.search(r"content/posts/a\.md:\d+: KaTeX", message)
    finally:
        context.close()
        running.stop()


def test_a_site_below_a_path_is_served_below_it_as_published(server):
    """base_url https://example.org/blog/: the preview is at /blog/ too, so a link or an
    image written from the host's root (/blog/x/), right where the site is published,
    works in the preview as well; the host's root leads to the site."""
    assert urllib.parse.urlsplit(server.url).path == "/blog/"
    status, body, _ = fetch(server.url + "archives/alpha/")
    assert status == 200 and 'href="/blog/archives/' in body
    origin = server.url.removesuffix("blog/")
    for path in ("", "blog"):
        status, _, headers = fetch(origin + path)
        assert (status, headers.get("Location")) == (301, "/blog/"), path
    assert fetch(origin + "archives/alpha/")[0] == 404  # outside the site's path
    assert fetch(server.url + "css/blogbuild.css")[0] == 200


@pytest.mark.browser
def test_a_sixth_tab_in_view_loads_its_fonts_before_it_waits(browser, tmp_path):
    """A browser opens six connections to a host; each tab in view holds one for its
    wait. The sixth tab's own wait took the last one before its fonts were asked for:
    its formulas had no KaTeX fonts for 22 s (this stop's serve hunt)."""
    from browser_support import open_page

    site = write_site(tmp_path / "site", {"content/posts/a.md": post("甲", "2024-01-01",
                                                                     "$$\\int_0^1 x\\,dx$$\n")})
    running = Served(site)
    context = browser.new_context()
    try:
        for _ in range(5):
            page, _ = open_page(context)
            page.goto(running.url + "archives/", wait_until="load")
        sixth, _ = open_page(context)
        sixth.goto(running.url + "archives/a/", wait_until="load", timeout=10_000)
        assert sixth.evaluate("document.fonts.check('16px KaTeX_Main')")
    finally:
        context.close()
        running.stop()


def test_a_start_that_fails_says_its_warnings_and_not_again_once_mended(tmp_path):
    """The README says every warning is printed at start: one that failed said only
    its error, and the warnings waited for the mending."""
    broken = post("甲", "2024-01-01", "噪声 $\\frac{$。", catgory="数学")
    site = write_site(tmp_path / "site", {"content/posts/a.md": broken})
    messages: list[str] = []
    dev = DevServer(site, port=0, say=messages.append)
    try:
        dev.start()
        warned = [m for m in messages if "unknown front-matter key `catgory`" in m]
        assert len(warned) == 1 and messages.index(warned[0]) < len(messages) - 1
        assert messages[-1].startswith("build failed; nothing to serve until it is fixed")
        (site / "content/posts/a.md").write_text(broken.replace("$\\frac{$", "$x$"),
                                                 encoding="utf-8")
        until(lambda: "fixed: build ok again" in messages)
        assert sum("`catgory`" in m for m in messages) == 1
    finally:
        dev.close()
