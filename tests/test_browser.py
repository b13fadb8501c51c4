"""The demo site (the repository root) in headless Chromium, served under /blog/ as on
GitHub Pages: every page renders its formulas with KaTeX, shows no raw TeX, raises no
script error, loads the KaTeX fonts and reaches nothing outside 127.0.0.1."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_support import (  # noqa: E402
    MathReport,
    PageLog,
    katex_fonts,
    open_page,
    serve_folder,
    wait_for_math,
)

pytest_plugins = ["browser_support"]
pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
PREFIX = "/blog/"  # the demo's base_url is https://example.github.io/blog/


@dataclass
class Visit:
    path: str
    """Path of the HTML file in the output, e.g. archives/x/index.html."""
    url: str
    math: MathReport
    log: PageLog
    fonts: dict
    eqrefs: list[dict]


def _html_pages(out: Path) -> list[str]:
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    # never visit the KaTeX distribution's own files, if any
    return [p for p in pages if not p.startswith("katex/")]


def _url_for(base: str, path: str) -> str:
    return base + (path[: -len("index.html")] if path.endswith("index.html") else path)


_FRONT = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)
_HAS_MATH = re.compile(r"\$|\\begin\{|\\\(|\\\[")


def _posts_with_math() -> dict[str, bool]:
    """slug -> whether the post's source has a formula, from content/posts."""
    result = {}
    for source in (REPO / "content" / "posts").rglob("*.md"):
        match = _FRONT.match(source.read_text(encoding="utf-8"))
        if not match:
            continue
        meta = yaml.safe_load(match.group(1)) or {}
        slug = str(meta.get("slug") or re.sub(r"^\d{4}-\d{2}-\d{2}-", "", source.stem))
        body = re.sub(r"```.*?```", "", match.group(2), flags=re.S)
        result[slug] = bool(_HAS_MATH.search(body))
    return result


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory):
    from blogbuild.build import build_site

    out = tmp_path_factory.mktemp("demo") / "dist"
    report = build_site(REPO, out)
    assert report.posts > 0
    return out


@pytest.fixture(scope="module")
def visits(browser, demo_output) -> dict[str, Visit]:
    """Every HTML page of the demo, opened once, with what the browser saw."""
    result = {}
    with serve_folder(demo_output, PREFIX) as base:
        context = browser.new_context()
        page, log = open_page(context)
        try:
            for path in _html_pages(demo_output):
                log.clear()
                url = _url_for(base, path)
                page.goto(url, wait_until="load")
                math = wait_for_math(page)
                fonts = katex_fonts(page)
                eqrefs = page.evaluate("""() => [...document.querySelectorAll('a.eqref')].map(a => {
                    const href = a.getAttribute('href') || '';
                    const id = href.startsWith('#') ? decodeURIComponent(href.slice(1)) : null;
                    return {href, text: a.textContent, target: id !== null && !!document.getElementById(id)};
                })""")
                result[path] = Visit(path, url, math, PageLog(**{k: list(v) for k, v in vars(log).items()}),
                                     fonts, eqrefs)
        finally:
            context.close()
    return result


def _report(failures: list[str], what: str) -> None:
    if failures:
        pytest.fail(f"{what} on {len(failures)} page(s):\n" + "\n".join(failures), pytrace=False)


def test_the_demo_build_writes_the_pages_a_blog_needs(demo_output):
    pages = set(_html_pages(demo_output))
    for needed in ("index.html", "404.html", "about/index.html"):
        assert needed in pages, f"{needed} missing from the demo build; pages: {sorted(pages)}"
    assert any(p.startswith("archives/") for p in pages), sorted(pages)


def test_every_demo_page_renders_all_its_formulas_with_katex(visits, demo_output):
    with_math = _posts_with_math()
    failures = []
    for path, visit in visits.items():
        m = visit.math
        if m.unrendered:
            failures.append(f"{path}: {len(m.unrendered)} of {m.math} .math elements not rendered "
                            f"by KaTeX, e.g. {m.unrendered[:3]}")
        if m.katex != m.math:
            failures.append(f"{path}: {m.math} .math elements but {m.katex} .katex rendered")
        slug = path.split("/")[1] if path.startswith("archives/") and path.count("/") == 2 else None
        if slug and with_math.get(slug) and m.math == 0:
            failures.append(f"{path}: the post's source has formulas but the page has no .math element")
    _report(failures, "formulas not rendered")
    assert sum(v.math.math for v in visits.values()) > 0, "no formula on any demo page"


def test_no_demo_formula_is_a_katex_error(visits):
    failures = [f"{path}: KaTeX error {e['title']!r} in {e['text'][:200]!r}"
                for path, visit in visits.items() for e in visit.math.errors]
    _report(failures, "KaTeX errors")


def test_no_raw_tex_delimiters_are_left_in_the_visible_text_of_any_demo_page(visits):
    failures = [f"{path}: {name}: {snippet!r}"
                for path, visit in visits.items()
                for name, snippets in visit.math.raw.items() for snippet in snippets[:5]]
    _report(failures, "raw TeX in visible text (outside pre/code)")


def test_no_demo_page_raises_a_script_error_or_logs_a_console_error(visits):
    failures = []
    for path, visit in visits.items():
        failures += [f"{path}: page error: {e}" for e in visit.log.page_errors]
        failures += [f"{path}: console error: {e}" for e in visit.log.console_errors]
    _report(failures, "script errors")


def test_no_demo_page_requests_anything_outside_localhost_or_fails_to_load_a_file(visits):
    failures = []
    for path, visit in visits.items():
        failures += [f"{path}: request outside 127.0.0.1 (blocked): {u}" for u in visit.log.outside_requests]
        failures += [f"{path}: failed request: {u}" for u in visit.log.failed_requests]
    _report(failures, "network problems")


def test_every_demo_page_with_formulas_loads_the_katex_fonts(visits):
    failures = []
    for path, visit in visits.items():
        if visit.math.math == 0:
            continue
        fonts = visit.fonts
        if not fonts["declared"]:
            failures.append(f"{path}: no KaTeX @font-face declared (katex.min.css not loaded?)")
        elif fonts["failed"]:
            failures.append(f"{path}: KaTeX fonts failed to load: {fonts['failed']}")
        elif not fonts["loaded"]:
            failures.append(f"{path}: has formulas but no KaTeX font loaded")
    _report(failures, "KaTeX fonts missing")
    assert any(v.fonts["main_loaded"] for v in visits.values()), "KaTeX_Main never loaded on any page"


def test_every_equation_reference_links_to_an_equation_on_the_same_page(visits):
    failures = [f"{path}: a.eqref {ref['text']!r} -> {ref['href']!r}: no element with that id"
                for path, visit in visits.items() for ref in visit.eqrefs if not ref["target"]]
    _report(failures, "dangling equation references")
    assert sum(len(v.eqrefs) for v in visits.values()) > 0, "the demo has no \\eqref link at all"


def test_a_script_tag_in_a_reader_comment_shows_as_text_and_never_runs(browser, demo_output):
    path = "archives/diffusion-from-scratch-1/index.html"
    assert (demo_output / path).exists(), f"{path} not built"
    with serve_folder(demo_output, PREFIX) as base:
        context = browser.new_context()
        page, log = open_page(context)
        try:
            page.goto(_url_for(base, path), wait_until="load")
            wait_for_math(page)
            comment = page.locator("#comment-10424")
            assert comment.count() == 1, "comment 10424 not on the page (id comment-10424)"
            text = comment.inner_text()
            assert "<script>alert(1)</script>" in text, f"the script tag is not shown as text: {text!r}"
            scripts_in_comment = comment.locator("script").count()
            assert scripts_in_comment == 0, "a <script> element was injected from the comment"
            page.wait_for_timeout(200)
            assert log.dialogs == [], f"a dialog opened: {log.dialogs}"
            assert log.page_errors == [], log.page_errors
            # the comment's formulas still render (\bar{a}_{t+1}, \bar{a}_0 = 1)
            assert comment.locator(".math .katex").count() >= 2
        finally:
            context.close()
