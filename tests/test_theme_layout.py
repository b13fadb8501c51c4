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
            "\\begin{equation}c = 3\\end{equation}\n\n见 \\eqref{eq:b}。\n")
    site = write_site(tmp_path, {"content/posts/a.md": post("对齐", "2024-01-01", body)})
    with built_site_page(browser, site, "archives/a/", 1280, 900) as (page, _):
        wait_for_math(page)
        page.click("a.eqref")
        lit = page.evaluate("""() => [...document.querySelectorAll('.math.display')].map(
          d => getComputedStyle(d).backgroundColor)""")
        target = page.evaluate("() => location.hash")
    assert target == "#eq-3"
    assert lit == ["rgba(0, 0, 0, 0)", "rgb(255, 251, 230)", "rgba(0, 0, 0, 0)"], lit
