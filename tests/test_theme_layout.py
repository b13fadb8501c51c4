"""The default theme at a desktop width, in Chromium: what a review of the built pages
found wrong stays right."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_support import built_site_page, wait_for_math  # noqa: E402
from conftest import post, write_site  # noqa: E402

pytest_plugins = ["browser_support"]
pytestmark = pytest.mark.browser


def test_a_formula_in_a_neighbour_title_is_typeset_as_part_of_the_title(browser, tmp_path):
    """The "« 上一篇" label was styled as every span in the link: KaTeX's spans too, so
    a title's formula came out small, grey and on a line of its own."""
    site = write_site(tmp_path, {
        "content/posts/a.md": post("旧文", "2024-01-01"),
        "content/posts/b.md": post("'关于$\\epsilon$-greedy的随笔'", "2024-01-02")})
    with built_site_page(browser, site, "archives/a/", 1280, 900) as (page, _):
        wait_for_math(page)
        found = page.evaluate("""() => {
          const link = document.querySelector('.post-nav a.newer');
          const label = link.firstElementChild;  // "下一篇 »"
          const formula = link.querySelector('.katex');
          const box = node => {
            const range = document.createRange(); range.selectNode(node);
            return range.getBoundingClientRect();
          };
          const [before, after] = [formula.closest('.math').previousSibling,
                                   formula.closest('.math').nextSibling].map(box);
          const middle = (box(formula).top + box(formula).bottom) / 2;
          const size = e => parseFloat(getComputedStyle(e).fontSize);
          return {label: size(label), formula: size(formula), link: size(link),
                  oneLine: Math.abs(before.top - after.top) < 1
                           && before.top < middle && middle < before.bottom};
        }""")
    assert found["oneLine"], found
    assert found["formula"] > found["link"] > found["label"], found


@pytest.mark.parametrize("width", [1280, 390])
def test_on_a_short_page_the_footer_is_at_the_bottom_of_the_window(browser, tmp_path, width):
    site = write_site(tmp_path, {"content/posts/a.md": post("短文", "2024-01-01"),
                                 "content/pages/about.md": "---\ntitle: About\n---\n短。\n"})
    with built_site_page(browser, site, "about/", width, 2400) as (page, _):
        found = page.evaluate("""() => ({
          footer: document.querySelector('.site-footer').getBoundingClientRect().bottom,
          window: window.innerHeight, scroll: document.scrollingElement.scrollWidth})""")
    assert abs(found["footer"] - found["window"]) < 1, found
    assert found["scroll"] <= width, found


def test_a_reference_to_a_later_row_of_an_align_lights_up_that_formula(browser, tmp_path):
    """Each row of an align has its number; the first anchors the formula, the others
    are empty anchors before it: a reference to (2) scrolled there and lit nothing."""
    body = ("\\begin{equation}z = 0\\label{eq:z}\\end{equation}\n\n"
            "\\begin{align}a &= 1 \\label{eq:a}\\\\ b &= 2 \\label{eq:b}\\end{align}\n\n"
            "\\begin{equation}c = 3\\end{equation}\n\n见 \\eqref{eq:b} 与 \\eqref{eq:z}。\n")
    site = write_site(tmp_path, {"content/posts/a.md": post("对齐", "2024-01-01", body)})
    with built_site_page(browser, site, "archives/a/", 1280, 900) as (page, _):
        wait_for_math(page)
        lit = {}
        for reference in ("a.eqref[href$='#eq-3']", "a.eqref[href$='#eq-1']"):
            page.click(reference)
            lit[page.evaluate("() => location.hash")] = page.evaluate(
                """() => [...document.querySelectorAll('.math.display')].map(
                     d => getComputedStyle(d).backgroundColor !== 'rgba(0, 0, 0, 0)')""")
    # that formula alone: not the next one too (a formula that is itself the target)
    assert lit == {"#eq-3": [False, True, False], "#eq-1": [True, False, False]}, lit


CONTRAST = """(selector) => [...document.querySelectorAll(selector)].map(element => {
  const rgb = text => text.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => [r, g, b].map(c => c / 255)
    .map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  let behind = element;  // the nearest opaque background
  while (behind && rgb(getComputedStyle(behind).backgroundColor)[3] === 0) behind = behind.parentElement;
  const [front, back] = [getComputedStyle(element).color,
                         behind ? getComputedStyle(behind).backgroundColor : 'rgb(255, 255, 255)']
    .map(c => luminance(rgb(c)));
  return (Math.max(front, back) + 0.05) / (Math.min(front, back) + 0.05);
})"""


def test_secondary_text_meets_the_wcag_aa_contrast_for_small_text(browser, tmp_path):
    """Dates, meta lines, counts and the footer were #888 on white: 3.5:1."""
    site = write_site(tmp_path, {
        "content/posts/a.md": post("一", "2024-01-01", tags="[数学]", views=12),
        "content/posts/b.md": post("二", "2024-01-02", tags="[数学]"),
        "content/comments/a.yaml": "- {id: 1, author: 读者, date: 2024-02-01, body: 好}\n"})
    for path, selectors in (("", (".meta", ".site-footer")),
                            ("tags/", (".count",)),
                            ("archives/a/", (".meta", ".comment-date", ".post-nav .nav-label"))):
        with built_site_page(browser, site, path, 1280, 900) as (page, _):
            for selector in selectors:
                ratios = page.evaluate(CONTRAST, selector)
                assert ratios and min(ratios) >= 4.5, (path, selector, ratios)


def test_the_first_tab_shows_the_skip_link_and_it_leads_to_the_text(browser, tmp_path):
    """Hidden until a keyboard reaches it; then in view, and Enter moves on to the
    posts (the header's links and the hidden search link are passed over)."""
    site = write_site(tmp_path, {"content/posts/a.md": post("甲", "2024-01-01")})
    with built_site_page(browser, site, "", 1280, 900) as (page, _):
        hidden = page.evaluate("document.querySelector('.skip-link').getBoundingClientRect().bottom")
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => {
          const link = document.activeElement, box = link.getBoundingClientRect();
          return {skip: link.classList.contains('skip-link'), top: box.top, bottom: box.bottom};
        }""")
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        after = page.evaluate("document.activeElement.closest('main') !== null")
    assert hidden <= 0
    assert focused["skip"] and 0 <= focused["top"] < focused["bottom"] <= 900, focused
    assert after


def test_every_heading_of_a_post_is_at_least_as_large_as_its_text(browser, tmp_path):
    """A browser's own h5 and h6 are smaller than the text (13 px beside 16): a post
    ported from Hugo that heads its paragraphs with `#####` read them as footnotes."""
    body = "".join(f"{'#' * level} 第{level}级标题\n\n正文。\n\n" for level in range(2, 7))
    site = write_site(tmp_path / "site", {"content/posts/a.md": post("标题", "2024-01-01", body)})
    with built_site_page(browser, site, "archives/a/", 1280, 900) as (page, _):
        sizes = page.evaluate("""() => [...document.querySelectorAll(
          '.post-body :is(h2, h3, h4, h5, h6, p)')].map(e => [
            e.tagName, parseFloat(getComputedStyle(e).fontSize), getComputedStyle(e).fontWeight])""")
    text = max(size for tag, size, _ in sizes if tag == "P")
    headings = [(tag, size, weight) for tag, size, weight in sizes if tag != "P"]
    assert [tag for tag, _, _ in headings] == ["H2", "H3", "H4", "H5", "H6"]
    assert all(size >= text and int(weight) >= 600 for _, size, weight in headings), headings


def test_a_printed_post_is_the_post_whole_without_what_only_a_screen_needs(browser, tmp_path):
    """Readers print a derivation, or save it as a PDF: the navigation, the sidebar and
    the search box took a page of their own, and a formula wider than the column was
    cut at its scroll box's edge. On paper it is set smaller until it fits (page.pdf
    lays the page out as this emulation does: the print media query matches at the
    paper's width)."""
    wide = " + ".join(f"a_{{{n}}} b_{{{n}}}" for n in range(40))
    site = write_site(tmp_path, {
        # KaTeX breaks an inline formula after a `+`, but not inside \left( \right)
        "content/posts/a.md": post("推导", "2024-01-01", f"正文。\n\n$$\n{wide}\n$$\n\n"
                                   f"行内 $\\left({wide}\\right)$ 末段。\n"),
        "content/posts/b.md": post("另一篇", "2024-01-02"),
        "content/comments/a.yaml": "- id: 1\n  author: 读者\n  date: 2024-01-02\n  body: 好文\n"})
    measure = """() => {
      const shown = s => [...document.querySelectorAll(s)].some(e => e.getClientRects().length);
      const wide = [...document.querySelectorAll('.katex-display, .math.math-wide')];
      return {nav: shown('.site-nav'), sidebar: shown('.sidebar'), postNav: shown('.post-nav'),
              post: shown('.post-body'), comments: shown('.comments'), formulas: wide.length,
              cut: wide.filter(e => e.scrollWidth > e.clientWidth + 1).length,
              smaller: wide.filter(e => e.style.fontSize).length};
    }"""
    with built_site_page(browser, site, "archives/a/", 794, 1123) as (page, _):
        wait_for_math(page)
        page.emulate_media(media="print")
        # the media query's change event comes with the next frame
        page.wait_for_function("() => document.querySelector('.katex-display').style.fontSize")
        printed = page.evaluate(measure)
        page.emulate_media(media="screen")
        page.wait_for_function("() => !document.querySelector('.katex-display').style.fontSize")
        after = page.evaluate(measure)
    assert printed == {"nav": False, "sidebar": False, "postNav": False, "post": True,
                       "comments": True, "formulas": 2, "cut": 0, "smaller": 2}, printed
    assert after["nav"] and after["smaller"] == 0, after  # back as it was on screen
