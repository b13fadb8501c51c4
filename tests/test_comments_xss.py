"""Reader comments are untrusted: nothing a reader writes may run in a page."""

import contextlib
import sys
from pathlib import Path

import pytest
import yaml

from blogbuild.build import build_site
from conftest import html, post

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_support import open_page, serve_folder, wait_for_math  # noqa: E402

pytest_plugins = ["browser_support"]

XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<iframe src="https://evil.example"></iframe>',
    "<div>unclosed",
    "$\\href{javascript:alert(1)}{x}$",
    "![img](https://evil.example/track.png)",
    '<a href="javascript:alert(1)">raw link</a>',
    "[vb](vbscript:msgbox(1))",
    # markdown-it lets these through for posts (an inline picture): not for readers
    "[a](data:image/png;base64,iVBORw0KGgo=)",
    "![im](data:image/png;base64,iVBORw0KGgo=)",
]
HANDLERS = ("onerror", "onload", "onclick", "onmouseover")


def comments_file() -> str:
    items = [{"id": 100 + i, "author": f"读者{i}", "date": "2024-02-01 10:00",
              "body": body} for i, body in enumerate(XSS)]
    items.append({"id": 200, "author": "<b>坏</b>", "url": "javascript:alert(1)",
                  "date": "2024-02-02 10:00", "body": "ok"})
    return yaml.safe_dump(items, allow_unicode=True)


def test_no_reader_text_becomes_executable_markup(site, tmp_path: Path):
    root = site({"content/posts/a.md": post("a", "2024-01-01"),
                 "content/comments/a.yaml": comments_file()})
    build_site(root, tmp_path / "out")
    for name in ("archives/a/index.html", "index.html"):
        page = html(tmp_path / "out" / name)
        for script in page.find_all("script"):  # only the theme's own scripts
            assert script.get("src", "").startswith("/blog/") or script.get("id") == "math-config", script
        assert page.find_all(["iframe", "object", "embed", "img"]) == [], name
        for element in page.find_all(True):
            assert not any(attribute in element.attrs for attribute in HANDLERS), element
            for attribute in ("href", "src"):
                value = element.get(attribute, "")
                assert not value.strip().lower().startswith(("javascript:", "data:", "vbscript:")), element
    page = html(tmp_path / "out/archives/a/index.html")
    texts = [c.get_text() for c in page.select(".comment-body")]
    assert "<script>alert(1)</script>" in texts[0] and "<div>unclosed" in texts[5]
    author = page.select_one("#comment-200 .comment-author")
    assert author.name == "span" and author.get_text() == "<b>坏</b>"
    # the page's own structure survived the unclosed <div>
    assert page.select_one("#comments").find_parent("main") is not None


def test_a_readers_url_that_is_no_url_is_dropped_not_a_failed_build(site, tmp_path: Path):
    """`url: http://[oops/` made urlsplit raise: one reader's typo stopped the build."""
    root = site({"content/posts/a.md": post("a", "2024-01-01"),
                 "content/comments/a.yaml": "- id: 1\n  author: 读者\n  date: 2024-01-02\n"
                                            "  url: http://[oops/\n  body: 你好\n"})
    build_site(root, tmp_path / "out")
    author = html(tmp_path / "out/archives/a/index.html").select_one("#comment-1 .comment-author")
    assert author.get_text() == "读者" and author.name != "a"


def test_images_in_comments_load_only_when_the_site_enables_them(site, tmp_path: Path):
    files = {"content/posts/a.md": post("a", "2024-01-01"),
             "content/comments/a.yaml": "- {id: 1, author: x, date: 2024-01-02, "
                                        "body: '![p](https://e.org/p.png)'}\n"
                                        "- {id: 2, author: y, date: 2024-01-03, "
                                        "body: '![d](data:image/png;base64,iVBORw0KGgo=)'}\n"}
    root = site(files)
    build_site(root, tmp_path / "off")
    assert html(tmp_path / "off/archives/a/index.html").select(".comment-body img") == []
    (root / "site.toml").write_text((root / "site.toml").read_text() + "\n[comments]\nimages = true\n")
    build_site(root, tmp_path / "on")
    images = html(tmp_path / "on/archives/a/index.html").select(".comment-body img")
    assert [i["src"] for i in images] == ["https://e.org/p.png"]


@pytest.mark.browser
@pytest.mark.parametrize("mode", ["client", "build"])
def test_in_chromium_no_reader_comment_opens_a_dialog_or_loads_anything(site, tmp_path: Path,
                                                                          browser, mode):
    with post_page_in_mode(site, tmp_path, browser, mode, "正文 $x$\n",
                           comments_file()) as (page, log):
        wait_for_math(page, complete=False)
        page.hover(".comments")  # mouse handlers, if any had slipped through, would fire
        page.wait_for_timeout(300)
        assert log.dialogs == [] and log.page_errors == []
        assert log.outside_requests == []  # no reader image or iframe was fetched
        assert page.evaluate("document.querySelectorAll('.comment-body iframe, .comment-body img, "
                             ".comment-body script').length") == 0


@pytest.mark.browser
@pytest.mark.parametrize("mode", ["client", "build"])
def test_a_readers_formula_cannot_cover_the_page_with_a_huge_box(site, tmp_path: Path,
                                                                browser, mode):
    """`$\\rule{100em}{100em}$` in a comment was a box 1,600 px tall: in the sidebar of
    every page (the newest comments are there), and in the thread. A reader's sizes
    are capped at a few em; an author's are not."""
    comments = yaml.safe_dump([{"id": 1, "author": "A", "date": "2024-03-01 10:00",
                                "body": "看这里 $\\rule{100em}{100em}$"}], allow_unicode=True)
    with post_page_in_mode(site, tmp_path, browser, mode, "正文 $\\rule{20em}{1em}$\n",
                           comments) as (page, _):
        wait_for_math(page)
        boxes = page.evaluate("""() => ['.recent-comments li', '#comment-1 .comment-body',
                                        '.post-body .katex-rule'].map(
            selector => document.querySelector(selector).getBoundingClientRect())""")
    font = 16
    assert boxes[0]["height"] < 8 * font and boxes[1]["height"] < 8 * font, boxes
    assert boxes[2]["width"] > 15 * font  # the author's rule, as wide as written


@contextlib.contextmanager
def post_page_in_mode(site, tmp_path: Path, browser, mode: str, body: str, comments: str):
    """(page, log) of the post `a` with `body` and the comments file `comments`, built
    in math render `mode` and served."""
    root = site({"content/posts/a.md": post("a", "2024-01-01", body),
                 "content/comments/a.yaml": comments})
    (root / "site.toml").write_text((root / "site.toml").read_text()
                                    + f'\n[math]\nrender = "{mode}"\n')
    build_site(root, tmp_path / "out")
    context = browser.new_context()
    try:
        page, log = open_page(context)
        with serve_folder(tmp_path / "out", "/blog/") as base:
            page.goto(base + "archives/a/")
            yield page, log
    finally:
        context.close()
