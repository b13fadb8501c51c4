"""Search in the built demo site, in Chromium, offline: a Chinese and an English query."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_support import open_page, serve_folder  # noqa: E402

pytest_plugins = ["browser_support"]

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    from blogbuild.build import build_site

    site = tmp_path_factory.mktemp("search-demo")
    shutil.copy(REPO / "site.toml", site / "site.toml")
    shutil.copytree(REPO / "content", site / "content")
    build_site(site, site / "dist")
    return site / "dist"


FINISHED = """() => {
  const message = document.querySelector(".pagefind-ui__message");
  if (!message || message.textContent.trim().endsWith("...")) return false;
  const counted = Number((message.textContent.match(/\\d+/) || ["0"])[0]);
  return document.querySelectorAll(".pagefind-ui__result-link").length >= Math.min(counted, 5);
}"""


def search(browser, base: str, query: str) -> list[str]:
    """The result links Pagefind's box lists for `query` (none: its message says so)."""
    context = browser.new_context()
    try:
        page, log = open_page(context)
        page.goto(base)
        box = page.locator("#search input")
        box.wait_for(timeout=10_000)
        box.fill(query)
        # done searching ("正在搜索 softmax..." is not an answer; a slow machine shows it
        # for a while), and as many results listed as the answer counts (up to a page)
        page.wait_for_function(FINISHED, timeout=10_000)
        page.wait_for_timeout(300)  # let the result list settle after the last keystroke
        links = page.eval_on_selector_all(".pagefind-ui__result-link",
                                          "links => links.map(a => a.getAttribute('href'))")
        if not links:
            message = page.locator(".pagefind-ui__message").inner_text()
            assert query in message, message  # "No results for …", not still loading
        assert log.page_errors == [] and log.outside_requests == [], (log.page_errors,
                                                                      log.outside_requests)
        return links
    finally:
        context.close()


def posts_containing(out: Path, text: str, *, in_formulas: bool = False) -> set[str]:
    """Post paths whose article text outside formulas (or, with `in_formulas`, inside
    them) contains `text` (computed from the built files)."""
    from bs4 import BeautifulSoup

    found = set()
    for page in (out / "archives").glob("*/index.html"):
        article = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one(
            "article[data-pagefind-body]")
        if article is None:
            continue
        formulas = article.select(".math")
        if in_formulas:
            words = " ".join(formula.get_text() for formula in formulas)
        else:
            for formula in formulas:
                formula.decompose()
            words = article.get_text()
        if text.lower() in words.lower():
            found.add(f"/blog/archives/{page.parent.name}/")
    return found


@pytest.mark.browser
@pytest.mark.parametrize("query", ["噪声", "Woodbury", "softmax"])
def test_a_query_typed_in_the_search_box_lists_the_posts_that_contain_it(browser, demo, query):
    expected = posts_containing(demo, query)
    assert expected, f"the demo has no post containing {query!r}"
    with serve_folder(demo, "/blog/") as base:
        found = search(browser, base, query)
    # sub-results link to sections of the same post: compare the posts
    assert {link.split("#")[0] for link in found} == expected, (query, found, expected)


@pytest.mark.browser
def test_formulas_are_not_indexed(browser, demo):
    # \boldsymbol is in hundreds of the demo's formulas; outside them, in one code block
    in_formulas = posts_containing(demo, "boldsymbol", in_formulas=True)
    elsewhere = posts_containing(demo, "boldsymbol")
    assert len(in_formulas - elsewhere) >= 3, (in_formulas, elsewhere)
    with serve_folder(demo, "/blog/") as base:
        found = search(browser, base, "boldsymbol")
    assert {link.split("#")[0] for link in found} == elsewhere, found


@pytest.mark.browser
def test_on_a_phone_the_header_leads_to_the_search_box_below_everything(browser, demo):
    """Below 820 px the sidebar, search box and all, comes after the whole post; the
    header's 搜索 link (hidden where the sidebar is beside the text) scrolls to the box
    and puts the cursor in it."""
    post = next(iter(posts_containing(demo, "噪声")))
    with serve_folder(demo, "/blog/") as base:
        for width, shown in ((1280, False), (390, True)):
            context = browser.new_context(viewport={"width": width, "height": 800})
            try:
                page, log = open_page(context)
                page.goto(base.rstrip("/") + post.removeprefix("/blog"))
                page.locator("#search input").wait_for(timeout=10_000)
                link = page.locator(".site-nav a.search-link")
                assert link.is_visible() == shown, width
                if shown:
                    box = page.locator("#search input")
                    assert box.bounding_box()["y"] > 3 * 800  # far below the first screen
                    link.click()
                    page.wait_for_function("() => document.activeElement.matches('#search input')")
                    top = box.bounding_box()["y"]
                    assert 0 <= top < 800, top
                assert log.page_errors == [], log.page_errors
            finally:
                context.close()
