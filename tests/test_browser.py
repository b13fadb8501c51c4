"""The demo site (the repository root) in headless Chromium, served under /blog/ as on
GitHub Pages: every page renders its formulas with KaTeX, shows no raw TeX, raises no
script error, loads the KaTeX fonts and reaches nothing outside 127.0.0.1.

Everything is checked for both `[math] render` modes: "client" (the repository's
site.toml: KaTeX's auto-render in the browser) and "build" (the same site with
`render = "build"`: KaTeX's HTML written at build time, no KaTeX script on the page).
Both modes must number the equations alike, put the numbers at the right, scroll to an
equation when its \\eqref is clicked, and look the same pixel for pixel (within a
tolerance)."""

from __future__ import annotations

import re
import shutil
import sys
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import lxml.html
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_support import (  # noqa: E402
    MathReport,
    PageLog,
    built_site_page,
    compare_pngs,
    equation_tags,
    katex_fonts,
    open_page,
    serve_folder,
    visit_pages,
    wait_for_math,
)

pytest_plugins = ["browser_support"]
pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
PREFIX = "/blog/"  # the demo's base_url is https://example.github.io/blog/
T = TypeVar("T")
MODES = ("client", "build")
"""The `[math] render` modes; every per-page test runs for both."""
CLICKED_POSTS = 3
"""How many posts (the first ones with equation references) get a reference clicked."""
SCROLL_SLACK = 1
"""px: Chromium scrolls by whole pixels, so a target scrolled to the top of the viewport
can end a fraction of a pixel above it (top = -0.4): that still counts as in view."""
TAG_RIGHT_SLACK = 4
"""px: an equation number's right edge is at most this far from its .katex-display's."""
SCREENSHOT_VIEWPORT = {"width": 1000, "height": 3000}
PIXEL_TOLERANCE = 32
"""Largest difference per channel (0-255) for two pixels to count as the same."""
MIN_SAME_PIXELS = 0.99


@dataclass
class Visit:
    path: str
    """Path of the HTML file in the output, e.g. archives/x/index.html."""
    url: str
    math: MathReport
    log: PageLog
    fonts: dict
    eqrefs: list[dict]
    """Every `a.eqref` and every link to `#eq-...` inside a formula: href, text, kind,
    and whether an element with that id exists."""
    scripts: list[str]
    """URLs of the scripts the page requested, in order."""
    script_tags: list[str]
    """src of every `script[src*="katex"]` element in the DOM."""
    tags: list[dict]
    """KaTeX's equation numbers, as browser_support.equation_tags reports them."""
    click: dict | None = None
    """For the first CLICKED_POSTS posts with references: clicking the first one."""


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


def _build_demo(root: Path, mode: str) -> Path:
    """Copy the demo's site.toml and content/ into root, set `[math] render`, build."""
    from blogbuild.build import build_site

    site = root / "site"
    site.mkdir()
    shutil.copytree(REPO / "content", site / "content")
    config = (REPO / "site.toml").read_text(encoding="utf-8")
    assert config.count('render = "client"') == 1, \
        'the demo site.toml no longer has exactly one `render = "client"` line to switch'
    config = config.replace('render = "client"', f'render = "{mode}"')
    (site / "site.toml").write_text(config, encoding="utf-8")
    out = root / "dist"
    report = build_site(site, out)
    assert report.posts > 0
    return out


@pytest.fixture(scope="module")
def demo_builds(tmp_path_factory):
    """mode -> the demo built in that mode (each built once, when first asked for)."""
    built: dict[str, Path] = {}

    def get(mode: str) -> Path:
        if mode not in built:
            built[mode] = _build_demo(tmp_path_factory.mktemp(f"demo-{mode}"), mode)
        return built[mode]

    return get


@pytest.fixture(scope="module", params=MODES)
def mode(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def demo_output(demo_builds, mode) -> Path:
    return demo_builds(mode)


_EQREFS = """() => [...document.querySelectorAll('a.eqref, .math a[href^="#eq-"]')].map(a => {
    const href = a.getAttribute('href') || '';
    const id = href.startsWith('#') ? decodeURIComponent(href.slice(1)) : null;
    return {href, text: a.textContent, kind: a.matches('a.eqref') ? 'a.eqref' : 'link in formula',
            target: id !== null && !!document.getElementById(id)};
})"""

_WHERE = """(id) => {
    const target = document.getElementById(id);
    return {top: target ? target.getBoundingClientRect().top : null,
            viewport: window.innerHeight, scroll: window.scrollY, hash: location.hash};
}"""


def _click_first_reference(page) -> dict:
    """Click the page's first equation reference; where its target is before and after."""
    link = page.locator('a.eqref, .math a[href^="#eq-"]').first
    href = link.get_attribute("href")
    target = urllib.parse.unquote(href[1:])
    link_hash = link.evaluate("a => a.hash")
    before = page.evaluate(_WHERE, target)
    link.click()
    try:  # a same-page link scrolls at once; give it a moment anyway, then report
        page.wait_for_function("(hash) => location.hash === hash", arg=link_hash,
                               timeout=2_000, polling=50)
    except Exception as error:
        if type(error).__name__ != "TimeoutError":
            raise
    after = page.evaluate(_WHERE, target)
    return {"href": href, "hash": link_hash, "text": link.inner_text(), "before": before, "after": after}


_SCRIPTS = """() => ({
    loaded: performance.getEntriesByType('resource')
        .filter(e => e.initiatorType === 'script').map(e => e.name),
    katex_tags: [...document.querySelectorAll('script[src*="katex"]')].map(s => s.src),
})"""


def _visit_all(browser, out: Path) -> dict[str, Visit]:
    """Open every HTML page of `out` (two tabs at a time) and record what the browser saw."""
    clicked = 0

    def inspect(page, log) -> Visit:
        nonlocal clicked
        url = urllib.parse.unquote(page.url)  # Chromium percent-encodes 标签/分类 in URLs
        path = paths[url]
        math = wait_for_math(page)
        fonts = katex_fonts(page)
        eqrefs = page.evaluate(_EQREFS)
        scripts = page.evaluate(_SCRIPTS)
        tags = equation_tags(page)
        click = None
        # inspect runs in the order of `paths`: these are the first posts with references
        if eqrefs and _is_post(path) and clicked < CLICKED_POSTS:
            clicked += 1
            click = _click_first_reference(page)
        return Visit(path, url, math, PageLog(**{k: list(v) for k, v in vars(log).items()}),
                     fonts, eqrefs, scripts["loaded"], scripts["katex_tags"], tags, click)

    with serve_folder(out, PREFIX) as base:
        paths = {_url_for(base, path): path for path in _html_pages(out)}
        context = browser.new_context()
        try:
            by_url = visit_pages(context, list(paths), inspect, tabs=2)
        finally:
            context.close()
    crashed = [f"{paths[url]}: {r['crash']}" for url, r in by_url.items() if isinstance(r, dict)]
    if crashed:
        pytest.fail("demo pages that could not be inspected:\n" + "\n".join(crashed), pytrace=False)
    return {paths[url]: visit for url, visit in by_url.items()}


@pytest.fixture(scope="module")
def demo_visits(browser, demo_builds):
    """mode -> every HTML page of the demo built in that mode, opened once, with what the
    browser saw (each mode visited once, when first asked for)."""
    visited: dict[str, dict[str, Visit]] = {}

    def get(mode: str) -> dict[str, Visit]:
        if mode not in visited:
            visited[mode] = _visit_all(browser, demo_builds(mode))
        return visited[mode]

    return get


@pytest.fixture(scope="module")
def visits(demo_visits, mode) -> dict[str, Visit]:
    """Every HTML page of the demo in this mode, with what the browser saw."""
    return demo_visits(mode)


def _is_post(path: str) -> bool:
    return path.startswith("archives/") and path.count("/") == 2 and path.endswith("/index.html")


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
        slug = path.split("/")[1] if _is_post(path) else None
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
    failures = [f"{path}: {ref['kind']} {ref['text']!r} -> {ref['href']!r}: no element with that id"
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


# ------------------------------------------------------ client vs build mode ---

def _static(out: Path, path: str):
    """The built file as served, before any script runs, parsed by lxml (a dependency of
    feedgen): BeautifulSoup takes ~10 s for the build-mode pages full of KaTeX HTML."""
    return lxml.html.fromstring((out / path).read_bytes())


def _select(element, *classes: str, tag: str = "*") -> list:
    """Descendants of `element` with all `classes`: CSS `tag.a.b`."""
    test = " and ".join(f'contains(concat(" ", normalize-space(@class), " "), " {c} ")' for c in classes)
    return element.xpath(f".//{tag}[{test}]")


def test_build_mode_pages_hold_katex_html_and_load_no_katex_script(mode, demo_output, visits):
    """render = "build": every formula is KaTeX HTML in the file itself, before any script,
    and no page has or loads a script from katex/. render = "client": the files hold TeX
    and the pages with formulas load katex.min.js (the check that the modes differ)."""
    failures = []
    prerendered = 0
    for path, visit in visits.items():
        root = _static(demo_output, path)
        maths = _select(root, "math")
        static_katex = [m for m in maths if _select(m, "katex")]
        file_scripts = root.xpath('//script[contains(@src, "katex")]/@src')
        loaded = [u for u in visit.scripts if "/katex/" in urllib.parse.urlsplit(u).path]
        if mode == "build":
            if len(static_katex) != len(maths):
                bare = [m.text_content()[:100] for m in maths if not _select(m, "katex")]
                failures.append(f"{path}: {len(maths) - len(static_katex)} of {len(maths)} .math elements "
                                f"have no .katex in the built HTML, e.g. {bare[:3]}")
            if file_scripts or visit.script_tags:
                failures.append(f"{path}: script[src*=katex] in the file {file_scripts} / in the DOM "
                                f"{visit.script_tags}")
            if loaded:
                failures.append(f"{path}: loaded KaTeX scripts {loaded}")
        else:
            if static_katex:
                failures.append(f"{path}: {len(static_katex)} .math elements already hold .katex in "
                                f"client mode")
            if maths and not any(u.endswith("/katex/katex.min.js") for u in loaded):
                failures.append(f"{path}: has formulas but did not load katex/katex.min.js "
                                f"(scripts: {visit.scripts})")
        prerendered += len(static_katex)
    _report(failures, f"render = {mode!r} not honoured")
    if mode == "build":
        assert prerendered > 0, "no .math .katex in any built file"


def test_clicking_an_equation_reference_scrolls_to_the_equation(visits):
    clicks = {path: v.click for path, v in visits.items() if v.click}
    with_refs = [path for path, v in visits.items() if _is_post(path) and v.eqrefs]
    assert len(clicks) == min(CLICKED_POSTS, len(with_refs)) and clicks, (
        f"expected a click on the first {CLICKED_POSTS} posts with references {with_refs[:CLICKED_POSTS]}, "
        f"got {sorted(clicks)}")
    failures = []
    for path, c in clicks.items():
        before, after = c["before"], c["after"]
        what = f"{path}: clicked {c['text']!r} -> {c['href']!r}"
        if after["top"] is None:
            failures.append(f"{what}: no element with that id")
            continue
        if not -SCROLL_SLACK < after["top"] < after["viewport"]:
            failures.append(f"{what}: the target's top is at {after['top']:.1f} px, outside the viewport "
                            f"[0, {after['viewport']}) (scrollY {before['scroll']} -> {after['scroll']})")
        if after["hash"] != c["hash"]:
            failures.append(f"{what}: location.hash is {after['hash']!r}, not {c['hash']!r}")
        if not 0 <= before["top"] < before["viewport"] and after["scroll"] == before["scroll"]:
            failures.append(f"{what}: the target was at {before['top']:.1f} px and the page did not scroll")
    _report(failures, "equation references that do not lead to their equation")


def test_equation_numbers_sit_at_the_right_of_their_formulas(visits):
    failures = []
    for path, visit in visits.items():
        for tag in visit.tags:
            what = f"{path}: tag {tag['text']} of #{tag['equation']}"
            gap = tag["display_right"] - tag["right"]
            if abs(gap) > TAG_RIGHT_SLACK:
                failures.append(f"{what}: right edge {tag['right']:.1f} px, its .katex-display's "
                                f"{tag['display_right']:.1f} px ({gap:+.1f} px; at most {TAG_RIGHT_SLACK})")
            if tag["formula_left"] is None:
                failures.append(f"{what}: no formula drawn beside the tag")
                continue
            center = (tag["formula_left"] + tag["formula_right"]) / 2
            if not tag["left"] > center:
                failures.append(f"{what}: left edge {tag['left']:.1f} px is not right of the formula's "
                                f"center {center:.1f} px (formula {tag['formula_left']:.1f}-"
                                f"{tag['formula_right']:.1f} px)")
    _report(failures, "misplaced equation numbers")
    assert any(v.tags for v in visits.values()), "no equation number (.tag/.katex-tag) on any demo page"


PHONE_VIEWPORT = {"width": 390, "height": 844}


def _measured_in_both_modes(browser, demo_builds, posts: list[str], viewport: dict,
                            measure: Callable[[Any], T]) -> Iterator[tuple[str, str, T]]:
    """Each of the demo's `posts` opened in each math mode, two at a time, its formulas
    typeset and fonts loaded: (mode, path, what measure(page) returns there).
    A page that could not be measured fails the test."""
    def inspect(page, log):
        page.wait_for_load_state("load")
        wait_for_math(page)
        page.evaluate("async () => { await document.fonts.ready; }")
        return {"measured": measure(page)}

    context = browser.new_context(viewport=viewport)
    try:
        for mode in MODES:
            with serve_folder(demo_builds(mode), PREFIX) as base:
                by_url = visit_pages(context, [_url_for(base, path) for path in posts], inspect,
                                     tabs=2)
            for path in posts:
                result = by_url[_url_for(base, path)]
                if "crash" in result:
                    pytest.fail(f"{mode}: {path}: could not be measured: {result['crash']}",
                                pytrace=False)
                yield mode, path, result["measured"]
    finally:
        context.close()


def test_on_a_phone_equation_numbers_never_cover_their_formulas(browser, demo_builds):
    """KaTeX pins a number to the right edge of the column, where a formula wider than a
    phone's column ran under it ("(1)" printed over its last terms). The number stands
    at the right edge still, or, where the formula needs the room, on the line below it
    (after it, it was cut off by the screen's edge)."""
    posts = [path for path in _html_pages(demo_builds("client"))
             if _is_post(path) and _tags_in_tex(demo_builds("client"), path)]
    assert posts, "no demo post has a numbered equation"
    failures, seen, wide = [], 0, 0
    for mode, path, tags in _measured_in_both_modes(browser, demo_builds, posts, PHONE_VIEWPORT,
                                                    equation_tags):
        for tag in tags:
            seen += 1
            what = f"{mode}: {path}: tag {tag['text']} of #{tag['equation']}"
            if tag["formula_right"] is None:
                failures.append(f"{what}: no formula drawn beside the tag")
                continue
            wide += tag["formula_right"] > tag["display_right"]
            below = tag["top"] >= tag["formula_bottom"] - 0.5
            if tag["left"] < tag["formula_right"] - 0.5 and not below:
                failures.append(f"{what}: starts at {tag['left']:.1f} px, over its "
                                f"formula (which ends at {tag['formula_right']:.1f} px)")
            if tag["right"] < tag["display_right"] - TAG_RIGHT_SLACK:
                failures.append(f"{what}: ends at {tag['right']:.1f} px, short of the "
                                f"right edge ({tag['display_right']:.1f} px)")
    _report(failures, "equation numbers over their formulas on a phone")
    assert seen and wide, f"{seen} numbers seen, {wide} of a formula wider than the column"


_MULTLINE_ROWS = r"""() => [...document.querySelectorAll('.multline')].map(multline => {
  const box = multline.getBoundingClientRect();
  const rows = [...multline.children].map(row => {
    const html = row.querySelector('.katex-html');
    const drawn = [...html.children].filter(c => !c.matches('.katex-tag'))
        .map(c => c.getBoundingClientRect()).filter(r => r.width > 0);
    const tag = html.querySelector('.katex-tag');
    return {place: [...row.classList].find(c => c.startsWith('multline-')),
            left: Math.min(...drawn.map(r => r.left)), right: Math.max(...drawn.map(r => r.right)),
            tag: tag && [tag.getBoundingClientRect().left, tag.getBoundingClientRect().right]};
  });
  return {id: multline.id, left: box.left, right: box.right, rows: rows,
          em: parseFloat(getComputedStyle(multline.querySelector('.katex')).fontSize)};
})"""


def test_multline_rows_sit_as_amsmath_sets_them_in_both_modes(browser, demo_builds):
    """The first row flush left and the last flush right, 1em in from the margin (or
    ending before its number, which stands where every number stands), the rest centred."""
    posts = [path for path in _html_pages(demo_builds("client")) if _is_post(path)
             and _select(_static(demo_builds("client"), path), "multline")]
    assert posts, "no demo post has a multline"
    failures, seen = [], 0
    for mode, path, multlines in _measured_in_both_modes(browser, demo_builds, posts,
                                                         SCREENSHOT_VIEWPORT,
                                                         lambda page: page.evaluate(_MULTLINE_ROWS)):
        for multline in multlines:
            seen += 1
            failures += _misplaced_rows(f"{mode}: {path}#{multline['id']}", multline)
    _report(failures, "misplaced multline rows")
    assert seen >= 2 * len(posts)


def _misplaced_rows(where: str, multline: dict) -> list[str]:
    left, right, em, rows = multline["left"], multline["right"], multline["em"], multline["rows"]
    centre = (left + right) / 2
    failures = []
    for index, row in enumerate(rows):
        what = f"{where}: row {index + 1} ({row['place']}, {row['left']:.0f}-{row['right']:.0f} px " \
               f"in {left:.0f}-{right:.0f} px)"
        if row["place"] == "multline-left" and abs(row["left"] - (left + em)) > 3:
            failures.append(f"{what}: does not start 1em ({em:.1f} px) in from the left")
        if row["place"] == "multline-center" and abs((row["left"] + row["right"]) / 2 - centre) > 3:
            failures.append(f"{what}: is not centred")
        if row["place"] == "multline-right":
            end = row["tag"][0] - em if row["tag"] else right - em - 2
            if abs(row["right"] - end) > 3:
                before = "its number" if row["tag"] else "the right"
                failures.append(f"{what}: does not end 1em before {before}")
            if row["tag"] and abs(row["tag"][1] - (right - 2)) > TAG_RIGHT_SLACK:
                failures.append(f"{what}: its number ends at {row['tag'][1]:.0f} px, not at the right")
    if [row["place"] for row in rows][::len(rows) - 1] != ["multline-left", "multline-right"]:
        failures.append(f"{where}: rows placed {[row['place'] for row in rows]}")
    return failures


_TEX_TAG = re.compile(r"\\tag(\*?)\s*\{([^{}]*)\}")


def _tags_in_tex(out: Path, path: str) -> list[str]:
    """The \\tag{...} of the page's formulas, as KaTeX shows them: "(1)", or "1" for \\tag*."""
    found = []
    for math in _select(_static(out, path), "math", "display"):
        for star, label in _TEX_TAG.findall(math.text_content()):
            found.append(label.replace(" ", "") if star else f"({label.replace(' ', '')})")
    return found


def test_equation_numbers_are_the_same_in_both_modes(demo_visits, demo_builds):
    client, build = demo_visits("client"), demo_visits("build")
    failures = []
    numbered = 0
    for path in sorted(p for p in client if _is_post(p)):
        client_tags = [t["text"] for t in client[path].tags]
        build_tags = [t["text"] for t in build[path].tags] if path in build else None
        expected = _tags_in_tex(demo_builds("client"), path)
        numbered += bool(expected)
        if build_tags != client_tags:
            failures.append(f"{path}: client mode numbers {client_tags}, build mode {build_tags}")
        if "".join(client_tags) != "".join(expected):
            failures.append(f"{path}: the page shows {client_tags} but its formulas' \\tag are {expected}")
        if expected and not client_tags:
            failures.append(f"{path}: numbered equations {expected} but no .tag on the page")
    _report(failures, "equation numbers differing between the modes")
    assert numbered, "no post of the demo has a numbered equation"


def _densest_post(out: Path) -> str:
    """The post whose article has the most formulas."""
    counts = {path: sum(len(_select(article, "math"))
                        for article in _select(_static(out, path), "post", tag="article"))
              for path in _html_pages(out) if _is_post(path)}
    return max(sorted(counts), key=lambda path: counts[path])


def test_the_densest_post_looks_the_same_in_both_modes(browser, demo_builds, tmp_path):
    path = _densest_post(demo_builds("client"))
    shots = {}
    context = browser.new_context(viewport=SCREENSHOT_VIEWPORT)
    try:
        for mode in MODES:
            with serve_folder(demo_builds(mode), PREFIX) as base:
                page, log = open_page(context)
                page.goto(_url_for(base, path), wait_until="load")
                math = wait_for_math(page)
                assert math.rendered == math.math and not math.errors, f"{mode}: {path}: {math}"
                page.evaluate("async () => { await document.fonts.ready; }")
                article = page.locator("article.post")
                assert article.count() == 1, f"{mode}: {path}: {article.count()} article.post elements"
                shots[mode] = article.screenshot(animations="disabled", caret="hide")
                assert log.page_errors == [], f"{mode}: {path}: {log.page_errors}"
                page.close()
        diff = compare_pngs(context, shots["client"], shots["build"], PIXEL_TOLERANCE)
    finally:
        context.close()
    if diff.size_a == diff.size_b and diff.same_fraction >= MIN_SAME_PIXELS:
        return
    saved = {}
    for name, data in (("client", shots["client"]), ("build", shots["build"]), ("diff", diff.diff_png)):
        saved[name] = tmp_path / f"{name}.png"
        saved[name].write_bytes(data)
    pytest.fail(
        f"{path}: article.post differs between render = client and build: "
        f"sizes {diff.size_a} vs {diff.size_b}; {diff.differing} of {diff.pixels} pixels "
        f"({1 - diff.same_fraction:.2%}) differ by more than {PIXEL_TOLERANCE} per channel "
        f"(at least {MIN_SAME_PIXELS:.0%} must not; largest difference {diff.max_delta}, rows {diff.rows}).\n"
        f"client: {saved['client']}\nbuild: {saved['build']}\ndiff (red = differs): {saved['diff']}",
        pytrace=False)


def test_each_post_and_each_comment_has_its_own_macros_as_the_build_checked_them(
        browser, tmp_path):
    """Two parts of a series that each define \\bx share a listing page: the second
    definition must not be a redefinition there. A reader's \\newcommand carries to the
    later formulas of the same comment, as in a post; a reader's \\eqref shows its label."""
    from conftest import post, write_site

    define = "设 $\\newcommand{\\bx}{\\boldsymbol{x}}\\bx_{N}$ 为输入。\n\n<!--more-->\n\n正文\n"
    comment = ("- id: 1\n  author: 读者\n  date: 2024-02-01\n"
               "  body: '记 $\\newcommand{\\Dif}{\\mathrm{d}}\\Dif$，则 $\\int f(x)\\Dif x$，"
               "见$\\eqref{eq:elbo}$'\n")
    site = write_site(tmp_path / "site", {
        "content/posts/a.md": post("一", "2024-01-01", define.replace("N", "1")),
        "content/posts/b.md": post("二", "2024-01-02", define.replace("N", "2")),
        "content/comments/b.yaml": comment})
    for path in ("", "archives/b/"):
        with built_site_page(browser, site, path, 1280, 900) as (page, _):
            report = wait_for_math(page)
            assert report.errors == [] and report.rendered == report.math, (path, report)


def test_a_tex_comment_holding_a_brace_does_not_hide_its_formula(browser, tmp_path):
    """`% 注：见 {文献[1]` is skipped by KaTeX, which the build checked the formula with;
    a search for the closing delimiter that counts braces would never find it."""
    from conftest import post, write_site

    site = write_site(tmp_path / "site", {"content/posts/a.md": post(
        "一", "2024-01-01", "由此得\n$$\na = b % 注：见 {文献[1]\n$$\n完，且 $c % {\nd$。\n")})
    with built_site_page(browser, site, "archives/a/", 1280, 900) as (page, _):
        report = wait_for_math(page)
        assert report.errors == [] and report.rendered == report.math == 2, report
        assert "\\[" not in page.inner_text("article") and "%" not in page.inner_text("article")


def test_a_reader_at_an_old_address_lands_on_the_post(browser, tmp_path):
    """`aliases`: the old page sends the browser on to the post, below the site's path."""
    from conftest import post, write_site

    site = write_site(tmp_path / "site", {"content/posts/new-name.md": post(
        "改名了", "2024-01-01", "正文 $x$\n", aliases="[/archives/9881/]")})
    with built_site_page(browser, site, "archives/9881/", 1280, 900) as (page, log):
        page.wait_for_url("**/blog/archives/new-name/")
        assert page.inner_text("h1") == "改名了"
        assert log.outside_requests == [] and log.failed_requests == []


@pytest.mark.parametrize("mode", ["client", "build"])
def test_a_reference_to_a_later_row_of_an_align_scrolls_to_that_row(browser, tmp_path, mode):
    """Every row's number but the first was an empty anchor before the display: \\eqref
    to the (12) of a twelve-row align scrolled to its first row."""
    from conftest import SITE_TOML, post, write_site

    rows = " \\\\\n".join(f"a_{{{n}}} &= b_{{{n}}} \\label{{eq:r{n}}}" for n in range(1, 13))
    body = (f"先看 \\eqref{{eq:r12}} 与 \\eqref{{eq:r7}}。\n\n" + "段落。\n\n" * 30 +
            f"\\begin{{align}}\n{rows}\n\\end{{align}}\n\n" + "后文。\n\n" * 40)
    site = write_site(tmp_path / "site", {
        "site.toml": SITE_TOML + ('[math]\nrender = "build"\n' if mode == "build" else ""),
        "content/posts/a.md": post("长对齐", "2024-01-01", body)})
    with built_site_page(browser, site, "archives/a/", 1280, 700) as (page, log):
        if mode == "client":
            wait_for_math(page)
        for number in (12, 7):
            page.click(f'a.eqref[href$="#eq-{number}"]')
            page.wait_for_function(f"location.hash === '#eq-{number}'")
            page.wait_for_timeout(100)
            where = page.evaluate(f"""() => {{
                const number = document.getElementById('eq-{number}');
                const display = number.closest('.math.display');
                return {{number: number.getBoundingClientRect().top,
                         display: display.getBoundingClientRect().top,
                         text: number.textContent, inTag: !!number.closest('.katex-tag')}};
            }}""")
            assert where["inTag"] and where["text"] == f"({number})", where
            assert 0 <= where["number"] <= 100 and where["display"] < -100, where
        # a page opened at a row's number (a link from another page)
        address = page.url.split("#")[0]
        page.goto("about:blank")
        page.goto(address + "#eq-12", wait_until="load")
        if mode == "client":
            wait_for_math(page)
        page.wait_for_timeout(100)
        assert 0 <= page.evaluate("document.getElementById('eq-12').getBoundingClientRect()"
                                  ".top") <= 100
        assert log.page_errors == []


def test_a_reference_to_a_tall_row_shows_the_whole_row(browser, tmp_path):
    """The number stands at the middle of its row: scrolled to it, a matrix in the row
    had its upper half above the window."""
    from conftest import post, write_site

    matrix = "\\\\".join(f"{n}&{n + 1}" for n in range(1, 17, 2))
    body = ("先看 \\eqref{eq:t2}。\n\n" + "段落。\n\n" * 20 + "\\begin{align}\na &= 1 \\label{eq:t1}\\\\\n"
            f"M &= \\begin{{pmatrix}} {matrix} \\end{{pmatrix}} \\label{{eq:t2}}\n\\end{{align}}\n\n"
            + "后文。\n\n" * 60)
    site = write_site(tmp_path / "site", {"content/posts/t.md": post("高的行", "2024-01-01", body)})
    with built_site_page(browser, site, "archives/t/", 900, 500) as (page, log):
        wait_for_math(page)
        page.click('a.eqref[href$="#eq-2"]')
        page.wait_for_timeout(100)
        # the matrix's first entry, "1", at the top of the row
        top = page.evaluate("""[...document.querySelectorAll('.katex-html .mtable .mtable .mord')]
            .find(entry => entry.textContent === '1').getBoundingClientRect().top""")
        number = page.evaluate("document.getElementById('eq-2').getBoundingClientRect().top")
        assert 0 <= top < number, (top, number)
        assert log.page_errors == []
