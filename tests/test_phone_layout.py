"""The default theme on a phone (390 px), in Chromium: what a review of the corpora
found wrong there stays right."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_support import built_site_page, wait_for_math  # noqa: E402
from conftest import SITE_TOML, post, write_site  # noqa: E402

from blogbuild.formulabreaks import CLOSING, OPENING  # noqa: E402

pytest_plugins = ["browser_support"]
pytestmark = pytest.mark.browser

BODY = """\
<iframe width="560" height="315" src="/blog/nothing.html" title="a player"></iframe>

| | 前向 $KL(p\\|q)$ | 反向 $KL(q\\|p)$ |
|---|---|---|
| 对应的训练方式 | 极大似然 $\\max_\\theta \\mathbb{E}_{x\\sim p}[\\log q_\\theta(x)]$ | 变分推断,最大化ELBO |

$$a+b=c \\\\ d+e=f \\tag{T}$$

\\begin{equation}\\sum_{i=1}^{n}\\sum_{j=1}^{m} w_{ij}\\,\\mathbb{E}_{x\\sim p}[\\log q_\\theta(x_i, y_j)] + \\frac{1}{2}\\|W\\|_F^2 + \\lambda \\sum_k \\|\\theta_k\\|_1\\end{equation}

| 编号 | 说明 | 公式 |
|---|---|---|
| 1 | 很长很长的单元格内容很长很长 | $\\sum_{i=1}^{n}\\sum_{j=1}^{m} w_{ij}\\,\\mathbb{E}_{x\\sim p}[\\log q_\\theta(x_i, y_j)]$ |

一个整体 $\\left(a_1 + a_2 + a_3 + a_4 + a_5 + a_6 + a_7 + a_8 + a_9 + a_{10} + a_{11} + a_{12}\\right)$
不能断开，而 $b_1 + b_2 + b_3 + b_4 + b_5 + b_6 + b_7 + b_8 + b_9 + b_{10} + b_{11} + b_{12} + b_{13}$
可以在加号处断行，$x$ 很短。
"""


@pytest.fixture(scope="module")
def phone_page(browser, tmp_path_factory):
    comments = "".join(f"- {{id: {n}, author: 读者, date: 2024-02-0{n}, body: 好}}\n"
                       for n in range(1, 3))
    comments += "- id: 3\n  author: 读者\n  date: 2024-02-03\n  body: |\n    代码：\n\n" \
                "    ```\n    print(1)\n    ```\n"
    site = write_site(tmp_path_factory.mktemp("phone"), {
        "content/posts/p.md": post("手机", "2024-01-01", BODY, author="一位名字很长的作者",
                                   views=123456, updated="2024-03-01", tags="[数学]"),
        "content/posts/q.md": post("另一篇", "2023-12-31", "正文\n", tags="[数学]"),
        "content/comments/p.yaml": comments})
    with built_site_page(browser, site, "archives/p/", 390, 844) as (page, _):
        wait_for_math(page)
        page.evaluate("async () => { await document.fonts.ready; }")
        yield page


WIDE_FORMULAS = """() => [...document.querySelectorAll('.post-body p > .math')].map(m => ({
  tex: m.querySelector('annotation').textContent.slice(0, 12), wide: m.matches('.math-wide'),
  scrolls: m.scrollWidth > m.clientWidth, lines: m.getClientRects().length}))"""


def test_an_inline_formula_that_cannot_break_scrolls_instead_of_widening_the_page(phone_page):
    """A \\left(…\\right) wider than the screen has no place KaTeX may break it: it
    widened the whole page (536 px at 390). It scrolls on its own now; a sum KaTeX
    breaks at its + signs, and a short formula, are left as they are."""
    formulas = {f["tex"]: f for f in phone_page.evaluate(WIDE_FORMULAS)}
    assert formulas["\\left(a_1 + "] == {"tex": "\\left(a_1 + ", "wide": True, "scrolls": True,
                                        "lines": 1}
    assert not formulas["b_1 + b_2 + "]["wide"] and formulas["b_1 + b_2 + "]["lines"] >= 2
    assert not formulas["x"]["wide"]
    widths = phone_page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths


def test_in_build_mode_too_a_formula_that_cannot_break_does_not_widen_the_page(browser, tmp_path):
    site = write_site(tmp_path / "site", {
        "site.toml": SITE_TOML + '\n[math]\nrender = "build"\n',
        "content/posts/p.md": post("手机", "2024-01-01", BODY.split("\n\n")[-1])})
    with built_site_page(browser, site, "archives/p/", 390, 844) as (page, _):
        page.evaluate("async () => { await document.fonts.ready; }")
        page.wait_for_function("() => document.querySelector('.math-wide')")
        assert [f["wide"] for f in page.evaluate(WIDE_FORMULAS)] == [True, False, False]
        widths = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], widths


def test_an_embedded_player_does_not_widen_the_page(phone_page):
    widths = phone_page.evaluate(
        "() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths


def test_row_labels_beside_formulas_keep_a_few_characters_a_line(phone_page):
    label = phone_page.evaluate("""() => {
      const cell = document.querySelector('.post-body tbody td');
      const range = document.createRange(); range.selectNodeContents(cell);
      return {lines: range.getClientRects().length, chars: cell.textContent.trim().length};
    }""")
    # "对应的训练方式", 7 characters: one a line before 2ec10a6, at most 3 lines now
    assert label["lines"] <= 3, label


def test_a_cell_of_words_beside_a_wide_formulas_column_is_not_one_character_wide(phone_page):
    cell = phone_page.evaluate("""() => {
      const cell = document.querySelectorAll('.post-body table')[1].querySelectorAll('td')[1];
      const range = document.createRange(); range.selectNodeContents(cell);
      return {lines: range.getClientRects().length, text: cell.textContent.trim()};
    }""")
    # "很长很长的单元格内容很长很长": a character a line (14) before the floor
    assert cell["lines"] <= 5, cell


def test_a_readers_code_block_has_the_box_a_posts_has(phone_page):
    box = phone_page.evaluate("""() => {
      const pre = document.querySelector('#comment-3 .comment-body pre');
      const style = getComputedStyle(pre);
      return [style.borderTopStyle, style.backgroundColor];
    }""")
    assert box == ["solid", "rgb(248, 248, 248)"], box


def test_the_number_of_a_formula_wider_than_the_screen_is_in_sight(phone_page):
    """It went after the formula, scrolled out of sight ("(2" at the screen's edge):
    it goes to the next line instead, at the right."""
    where = phone_page.evaluate("""() => {
      const tag = document.querySelector('#eq-1 .katex-tag');
      const range = document.createRange(); range.selectNodeContents(tag);
      const text = range.getBoundingClientRect(), column = tag.closest('.post-body').getBoundingClientRect();
      return {text: [text.left, text.right], column: [column.left, column.right]};
    }""")
    assert where["column"][0] <= where["text"][0] < where["text"][1] <= where["column"][1], where


def test_a_number_that_went_below_its_formula_takes_one_line(phone_page):
    """KaTeX's box for the number is as tall as the formula: on its own line it left
    a blank band that tall (~45 px above and below "(3)" for a column vector)."""
    found = phone_page.evaluate("""() => {
      const tag = document.querySelector('#eq-1 .katex-tag');
      const formula = tag.parentElement.firstElementChild;
      return {box: tag.getBoundingClientRect().height,
              formula: formula.getBoundingClientRect().height,
              below: tag.getBoundingClientRect().top >= formula.getBoundingClientRect().bottom - 1,
              font: parseFloat(getComputedStyle(tag).fontSize)};
    }""")
    assert found["below"] and found["formula"] > 2.5 * found["font"], found  # the case
    assert found["box"] < 1.5 * found["font"], found


def test_a_numbered_formula_broken_by_a_double_backslash_shows_two_lines(phone_page):
    tops = phone_page.evaluate("""() => {
      const html = [...document.querySelectorAll('.katex-display .katex-html')]
          .find(h => h.querySelector(':scope > .katex-tag'));
      return [...html.children].filter(c => !c.matches('.katex-tag, .katex-newline'))
          .map(c => Math.round(c.getBoundingClientRect().top));
    }""")
    assert len(set(tops)) == 2, tops


def test_dates_and_comment_counts_are_never_broken_across_lines(phone_page):
    broken = phone_page.evaluate("""() => [...document.querySelectorAll(
          '.post .meta a, .post .meta time, .related time')]
      .filter(e => e.getClientRects().length > 1).map(e => e.textContent)""")
    assert phone_page.locator(".related time").count() == 1
    assert broken == []


@contextlib.contextmanager
def post_on_a_phone(browser, tmp_path, title: str, body: str):
    """The page of a one-post site at 360 px, its formulas rendered, its fonts loaded."""
    site = write_site(tmp_path / "site", {"content/posts/p.md": post(title, "2024-01-01", body)})
    with built_site_page(browser, site, "archives/p/", 360, 800) as (page, _):
        wait_for_math(page)
        page.evaluate("async () => { await document.fonts.ready; }")
        yield page


LINE_EDGE_MARKS = """([closing, opening]) => {
  // every mark a reader sees (not the copy for screen readers, nor KaTeX's own glyphs
  // other than a mark moved into a formula's box), and whether it is alone at its
  // line's edge, and its style
  const found = [];
  for (const block of document.querySelectorAll('.post-body p')) {
    const all = document.createRange();
    all.selectNodeContents(block);
    const pieces = [...all.getClientRects()].filter(r => r.width > 0 && r.height > 0);
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      const parent = text.parentElement;
      if (parent.closest('.math-mark-read') ||
          (parent.closest('.katex') && !parent.closest('.math-mark'))) continue;
      for (let i = 0; i < text.data.length; i++) {
        const isClosing = closing.includes(text.data[i]);
        if (!isClosing && !opening.includes(text.data[i])) continue;
        const range = document.createRange();
        range.setStart(text, i);
        range.setEnd(text, i + 1);
        const mark = range.getClientRects()[0];
        const middle = (mark.top + mark.bottom) / 2;
        const line = pieces.filter(r => r.top <= middle && middle <= r.bottom);
        const alone = isClosing ? !line.some(r => r.right <= mark.left + 1 && r.left < mark.left - 1)
                              : !line.some(r => r.left >= mark.right - 1 && r.right > mark.right + 1);
        // in the column, or in a formula that scrolls on its own (math-wide), within reach
        const scroller = parent.closest('.math-wide'), room = (scroller || block).getBoundingClientRect();
        const right = scroller ? room.left + scroller.scrollWidth : room.right;
        found.push({mark: text.data[i], alone, inside: mark.right <= right + 1,
                    italic: getComputedStyle(parent).fontStyle === 'italic'});
      }
    }
  }
  return found;
}"""

READ_OUT = """() => [...document.querySelectorAll('.post-body p, .post-body td')].map(block => {
  // the text a screen reader gets: KaTeX's boxes are aria-hidden (the MathML is read)
  const copy = block.cloneNode(true);
  copy.querySelectorAll('[aria-hidden="true"]').forEach(hidden => hidden.remove());
  return copy.textContent;
}).join('')"""


def test_a_closing_mark_after_a_formula_never_starts_a_line(browser, tmp_path):
    """Chromium breaks a line between a formula (KaTeX's boxes) and the "。" after it,
    as it never would between two characters: in the demo, 2-4 times a post at 360 px;
    in the corpora, 30 times at 360 px after long formulas KaTeX breaks at their `=`.
    A formula keeps the marks touching it, a run of them too ("）。"), and a long one
    still breaks at its operators: nothing sticks out of the column, and a screen
    reader still gets every mark."""
    short = "".join(f"第{n}步{'很' * (n % 9)}得到$x_{{{n}}}${'。，；）'[n % 4]}" for n in range(80))
    long = "".join(f"第{n}步{'很' * (n % 13)}有$a_{{{n}}} + b_{{{n}}} = c_{{{n}}} + d_{{{n}}}$"
                   f"{['。', '，', '）。', '；'][n % 4]}" for n in range(60))
    opening = "".join(f"记{'为' * (n % 11)}（“$p_{{{n}}} + q_{{{n}}} = r_{{{n}}} + s_{{{n}}}$”）"
                      for n in range(30))
    unbreakable = "\\boldsymbol{A}" * 30
    # a table wider than the screen scrolls on its own: the marks in it must not
    # widen the page; nor may emphasis lose its slant
    table = "| 项 | 公式 | 说明 |\n|---|---|---|\n" + "".join(
        f"| {n} | $w_{{{n}}}$：说明 | 最后一列 $\\left({' + '.join(f'a_{{{k}}}' for k in range(14))}\\right)$。 |\n"
        for n in range(3))
    body = (f"{short}\n\n{long}\n\n{opening}\n\n很长的一个${unbreakable}$。\n\n{table}\n"
            "*斜体里的$e_1 + e_2 = e_3 + e_4$，照样倾斜*\n")
    with post_on_a_phone(browser, tmp_path, "标点", body) as page:
        marks = page.evaluate(LINE_EDGE_MARKS, ["".join(CLOSING), "".join(OPENING)])
        shown = "".join(m["mark"] for m in marks)
        assert (shown.count("。"), shown.count("）"), shown.count("（"), shown.count("“")) == \
            (20 + 30 + 1, 20 + 15 + 30, 30, 30)
        assert [m for m in marks if m["alone"]] == []
        assert [m for m in marks if not m["inside"]] == [], marks
        assert marks[-1] == {"mark": "，", "alone": False, "inside": True, "italic": True}
        read = page.evaluate(READ_OUT)
        assert (read.count("。"), read.count("）"), read.count("（"), read.count("：")) == \
            (51 + 3, 65, 30, 3)
        widths = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], widths
        # the long formulas still break at their operators: some lie over two lines
        assert page.evaluate("""() => [...document.querySelectorAll('.post-body .math')]
            .filter(m => m.querySelector('.katex-html').getClientRects().length > 1)
            .length""") > 5


SCROLL_SHADES = """() => [...document.querySelectorAll('.post-body .math.display')].map(m => ({
  id: m.id, scrolls: m.querySelector('.katex-display').scrollWidth > m.clientWidth + 1,
  left: m.matches('.more-left') && getComputedStyle(m, '::before').backgroundImage.includes('gradient'),
  right: m.matches('.more-right') && getComputedStyle(m, '::after').backgroundImage.includes('gradient')}))"""


def test_a_display_formula_wider_than_the_screen_shows_that_it_scrolls(phone_page):
    """A phone shows no scrollbar: a formula cut by the screen's edge looked simply
    cut (in the corpora, 569 of 1,353 displays at 360 px). A shade on each side where
    more of it is says that it scrolls, and goes with the scrolling; it leaves the
    formula's number alone."""
    shades = phone_page.evaluate(SCROLL_SHADES)
    assert [s for s in shades if s["scrolls"]] == [{"id": "eq-1", "scrolls": True, "left": False,
                                                     "right": True}], shades
    assert not any(s["left"] or s["right"] for s in shades if not s["scrolls"]), shades
    # its number went below it (on a phone), where the shade does not reach
    shade_bottom, number_top = phone_page.evaluate("""() => {
      const m = document.querySelector('#eq-1'), tag = m.querySelector('.katex-tag');
      return [m.getBoundingClientRect().bottom - parseFloat(getComputedStyle(m, '::after').bottom),
              tag.getBoundingClientRect().top]; }""")
    assert shade_bottom <= number_top + 1, (shade_bottom, number_top)
    scroller = "#eq-1 > .katex-display"
    try:
        for position, sides in (("(e.scrollWidth - e.clientWidth) / 2", (True, True)),
                                ("e.scrollWidth", (True, False)),
                                ("0", (False, True))):
            phone_page.evaluate(f"e => {{ e.scrollLeft = {position}; }}",
                                phone_page.locator(scroller).element_handle())
            phone_page.wait_for_function(
                "([left, right]) => { const m = document.querySelector('#eq-1');"
                " return m.matches('.more-left') === left && m.matches('.more-right') === right; }",
                arg=list(sides), timeout=2000)
    finally:
        phone_page.evaluate("e => { e.scrollLeft = 0; }", phone_page.locator(scroller).element_handle())


def test_an_inline_formula_that_scrolls_stays_one_line_and_fades_where_more_of_it_is(
        browser, tmp_path):
    """A formula KaTeX may break once ("R =") before a part wider than the screen
    broke inside its own scroll box: "R =" alone on a line, the rest scrolling below
    (leovan, at 360 px). It is one line now, and fades out at the side where more of
    it is, as a display is shaded."""
    members = ", ".join(f"P-{'A' * (n % 3 + 1)}-P{n}" for n in range(12))
    body = f"所有可能的关系集合为 $R = \\{{\\text{{{members}}}\\}}$。完\n"
    with post_on_a_phone(browser, tmp_path, "关系", body) as page:
        page.wait_for_function("() => document.querySelector('.math-wide')")
        formula = page.locator(".post-body .math-wide")
        state = """m => ({lines: m.querySelector('.katex-html').getClientRects().length,
                          more: ['more-left', 'more-right'].filter(c => m.classList.contains(c)),
                          fade: getComputedStyle(m).maskImage.match(/rgba?\\([^)]*\\)/g)
                                  .map(colour => colour === 'rgba(0, 0, 0, 0)')})"""
        # the mask's colours, left to right: transparent on a side where more of it is
        assert formula.evaluate(state) == {"lines": 1, "more": ["more-right"],
                                           "fade": [False, False, False, True]}
        formula.evaluate("m => { m.scrollLeft = m.scrollWidth; }")
        page.wait_for_function("() => document.querySelector('.math-wide.more-left:not(.more-right)')",
                               timeout=2000)
        assert formula.evaluate(state) == {"lines": 1, "more": ["more-left"],
                                           "fade": [True, False, False, False]}


WIDE = (r"\sum_{i=1}^{n}\sum_{j=1}^{m} w_{ij}\,\mathbb{E}_{x\sim p}[\log q_\theta(x_i, y_j)]"
        r" + \frac{1}{2}\|W\|_F^2 + \lambda \sum_k \|\theta_k\|_1")


def test_every_numbered_display_wider_than_the_screen_scrolls_whole(browser, tmp_path):
    """A display numbered by a \\tag at its top level (a `$$` formula with a \\label, a
    multline's last row) is several of KaTeX's boxes: on a phone it broke at its
    operators, where an equation scrolls; and a multline's last row, flush right,
    lost its start out of reach of scrolling. Each is one line now, scrolls from its
    start, and has its number in sight."""
    body = (f"$$\n{WIDE} \\label{{w}}\n$$\n\n\\begin{{equation}}\n{WIDE}\n\\end{{equation}}\n\n"
            f"\\begin{{multline}}\na \\\\\n{WIDE}\n\\end{{multline}}\n")
    with post_on_a_phone(browser, tmp_path, "宽", body) as page:
        found = page.evaluate("""() => [...document.querySelectorAll('.katex-display')]
          .filter(display => display.querySelector('.katex-tag')).map(display => {
            const boxes = [...display.querySelectorAll('.katex-base')].map(box => box.getBoundingClientRect());
            const tag = display.querySelector('.katex-tag');
            const range = document.createRange(); range.selectNodeContents(tag);
            const number = range.getBoundingClientRect(), room = display.getBoundingClientRect();
            display.scrollLeft = 0;
            // on one line: every box reaches across the one below it in the row
            return {line: Math.max(...boxes.map(box => box.top)) < Math.min(...boxes.map(box => box.bottom)),
                    scrolls: display.scrollWidth > display.clientWidth,
                    start: Math.round(display.querySelector('.katex-base').getBoundingClientRect().left
                                      - room.left),
                    number: room.left <= number.left && number.right <= room.right};
          })""")
        assert len(found) == 3
        for formula in found:
            assert formula["line"] and formula["scrolls"] and formula["number"], found
            assert 0 <= formula["start"] <= 20, found  # the padding of a multline's row


def test_a_readers_long_unbroken_name_does_not_widen_the_page(browser, tmp_path):
    """A reader's name is any text: 300 letters without a space made a phone's page
    2,600 px wide, in the thread and in the sidebar of every page."""
    site = write_site(tmp_path / "site", {
        "content/posts/p.md": post("名字", "2024-01-01", "正文\n"),
        "content/comments/p.yaml": f"- {{id: 1, author: {'A' * 300}, date: 2024-02-01, "
                                   f"url: 'https://example.org/', body: 好}}\n"
                                   f"- {{id: 2, author: {'B' * 300}, date: 2024-02-02, body: 好}}\n"})
    with built_site_page(browser, site, "archives/p/", 390, 844) as (page, _):
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_a_change_of_the_windows_height_alone_measures_nothing_again(browser, tmp_path):
    """On a phone the address bar hides and shows as the reader scrolls, and each time
    the window's height changes: the theme measured every formula of the page again
    (a layout of the whole page, at every turn of the scroll, on a post of hundreds of
    formulas). Only a change of width does. A formula the reader scrolled sideways
    keeps its place through both."""
    members = ", ".join(f"P-{'A' * (n % 3 + 1)}-P{n}" for n in range(12))
    body = f"所有可能的关系集合为 $R = \\{{\\text{{{members}}}\\}}$。完\n"
    with post_on_a_phone(browser, tmp_path, "关系", body) as page:
        page.wait_for_function("() => document.querySelector('.math-wide')")
        formula = page.locator(".post-body .math-wide")
        formula.evaluate("m => { m.scrollLeft = 100; }")
        page.evaluate("""() => { window.measured = 0;
            const measure = Element.prototype.getBoundingClientRect;
            Element.prototype.getBoundingClientRect = function () {
                window.measured++; return measure.call(this); }; }""")
        for width, height, measures in ((360, 700, False), (360, 800, False), (400, 800, True)):
            page.set_viewport_size({"width": width, "height": height})
            # the theme re-measures (if it does) on the frame after the resize
            page.evaluate("() => new Promise(done => requestAnimationFrame(() => "
                          "requestAnimationFrame(done)))")
            assert page.evaluate("() => window.measured > 0") == measures, (width, height)
            assert formula.evaluate("m => [m.matches('.math-wide'), m.scrollLeft]") \
                == [True, 100], (width, height)


HIDDEN_MARKS = """() => {
  // the marks after formulas that a paste shows, and those it hides (the way a copy for
  // screen readers is hidden: clipped, or 1 px wide)
  const editor = document.getElementById('editor'), found = {shown: 0, hidden: 0};
  const walker = document.createTreeWalker(editor, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    const count = (text.data.match(/[。，）]/g) || []).length;
    let hidden = false;
    for (let el = text.parentElement; el && el !== editor; el = el.parentElement) {
      const style = getComputedStyle(el);
      if (style.clipPath !== 'none' || style.display === 'none' ||
          (style.overflow !== 'visible' && el.getBoundingClientRect().width <= 2)) hidden = true;
    }
    found[hidden ? 'hidden' : 'shown'] += count;
  }
  return found;
}"""


def test_a_copied_paragraph_pastes_with_the_marks_after_its_formulas(browser, tmp_path):
    """The marks moved into a formula's box are copied from there. A rich-text paste
    lost them: it carried the screen readers' copy, hidden as the page hides it."""
    body = ("设$a_1 + a_2 = b_1 + b_2$。又$c$，以及（$d_1 + d_2 = e$）。\n")
    site = write_site(tmp_path / "site", {
        "content/posts/p.md": post("复制", "2024-01-01", body),
        "static/editor/index.html": '<!DOCTYPE html><meta charset="utf-8">'
                                    '<div id="editor" contenteditable="true"></div>'})
    with built_site_page(browser, site, "archives/p/", 360, 800) as (page, _):
        wait_for_math(page)
        page.evaluate("""() => { const range = document.createRange();
            range.selectNodeContents(document.querySelector('.post-body p'));
            getSelection().removeAllRanges(); getSelection().addRange(range); }""")
        page.keyboard.press("Control+C")
        editor = page.context.new_page()
        editor.goto(page.url.split("archives/")[0] + "editor/")
        editor.click("#editor")
        editor.keyboard.press("Control+V")
        editor.wait_for_function("() => document.getElementById('editor').textContent.length > 0")
        assert editor.evaluate(HIDDEN_MARKS) == {"shown": 4, "hidden": 0}


def test_a_display_shade_needs_more_than_a_sliver_out_of_sight(browser, tmp_path):
    """KaTeX's 2 px padding, or a number's overhang, made formulas that show whole
    overflow by 2-4 px, and a shade darkened their last characters for nothing."""
    body = "$$\n\\sum_{i=1}^{n} a_i b_i c_i d_i e_i\n$$\n"
    with post_on_a_phone(browser, tmp_path, "阴影", body) as page:
        natural = page.evaluate("""() => { const m = document.querySelector('.math.display');
            m.style.width = '1px'; const width = m.querySelector('.katex-display').scrollWidth;
            m.style.width = ''; return width; }""")
        for turn, (out_of_sight, shaded) in enumerate(((3, False), (10, True))):
            overflow = page.evaluate("""([width, out]) => {
                const m = document.querySelector('.math.display'), s = m.querySelector('.katex-display');
                m.style.width = (width - out) + 'px';
                return s.scrollWidth - s.clientWidth; }""", [natural, out_of_sight])
            assert overflow == out_of_sight
            # the theme re-measures on the frame after the window's width changes
            page.set_viewport_size({"width": 361 + turn, "height": 800})
            assert page.evaluate("""() => new Promise(done => requestAnimationFrame(() =>
                requestAnimationFrame(() =>
                    done(document.querySelector('.math.display').matches('.more-right')))))""") \
                == shaded, out_of_sight


def test_a_display_broken_into_rows_is_shaded_down_to_its_last_row(browser, tmp_path):
    """Where `\\\\` breaks a numbered display into rows, KaTeX keeps the number on the
    last row, and that row may be the one that overflows: the shade must reach it."""
    terms = " + ".join(f"a_{{{n}}}" for n in range(14))
    body = f"$$\nb = c \\\\\\\\ \\left( {terms} \\right) \\tag{{1}}\n$$\n"
    with post_on_a_phone(browser, tmp_path, "行", body) as page:
        shade = page.evaluate("""() => { const m = document.querySelector('.math.display');
            return [m.matches('.more-right'), getComputedStyle(m, '::after').bottom,
                    getComputedStyle(m, '::after').zIndex]; }""")
        assert shade == [True, "0px", "1"], shade


ALIGNS = r"""
\begin{align}
f(\boldsymbol{x} - \eta\hat{\boldsymbol{g}}) &\leq f(\boldsymbol{x}) - \eta\langle\boldsymbol{g}, \hat{\boldsymbol{g}}\rangle + \frac{L\eta^2}{2}\|\hat{\boldsymbol{g}}\|^2 \\
&= f(\boldsymbol{x}) - \eta\lambda\|\boldsymbol{g}\|^2\left(1 - \frac{L\eta\lambda}{2}\right)
\end{align}

\begin{align}
q(\boldsymbol{x}_{t-1}\mid\boldsymbol{x}_t,\boldsymbol{x}_0) &= \frac{q(\boldsymbol{x}_t\mid\boldsymbol{x}_{t-1})\,q(\boldsymbol{x}_{t-1}\mid\boldsymbol{x}_0)}{q(\boldsymbol{x}_t\mid\boldsymbol{x}_0)} \\
&\propto \exp\left(-\frac{\|\boldsymbol{x}_t - a_t\boldsymbol{x}_{t-1}\|^2}{2b_t^2} - \frac{\|\boldsymbol{x}_{t-1} - \bar{a}_{t-1}\boldsymbol{x}_0\|^2}{2\bar{b}_{t-1}^2}\right)
\end{align}
"""


def test_an_aligns_numbers_stay_beside_their_rows(browser, tmp_path):
    """Where an align with its column of numbers was wider than a phone (the first one
    fits without its numbers; the second does not fit at all), the column went below
    the formula, (1) and (2) a screen away from the rows they number. They stay beside
    their rows, at the formula's end, the formula scrolling to them."""
    with post_on_a_phone(browser, tmp_path, "对齐", ALIGNS) as page:
        aligns = page.evaluate("""() => [...document.querySelectorAll('.katex-display')].map(d => {
          const middle = el => { const box = el.getBoundingClientRect(); return (box.top + box.bottom) / 2; };
          const rows = [...d.querySelector('.mtable .col-align-r > .vlist-t > .vlist-r > .vlist').children];
          const numbers = [...d.querySelector('.katex-tag .vlist').children];
          const scroller = d.getBoundingClientRect(), last = numbers[numbers.length - 1];
          return {numbers: numbers.map(n => n.textContent),
                  off: numbers.map((n, i) => Math.abs(middle(n) - middle(rows[i]))),
                  reach: scroller.left + d.scrollWidth - last.getBoundingClientRect().right,
                  scrolls: d.scrollWidth > d.clientWidth};
        })""")
    assert [a["numbers"] for a in aligns] == [["(1)", "(2)"], ["(3)", "(4)"]], aligns
    for align in aligns:
        assert max(align["off"]) < 2, align  # each number beside its row
        assert align["reach"] >= 0, align  # within the scroll box's reach
        assert align["scrolls"], align  # the case: formula and numbers wider than 360 px


@pytest.mark.parametrize("width", [390, 820, 1280])
def test_the_boxes_of_a_post_start_their_text_alike(phone_page, width):
    """The related posts' box kept its desktop inset on a phone and a tablet, its text
    10 px further in than the post's and the comments' above and below it."""
    phone_page.set_viewport_size({"width": width, "height": 844})
    try:
        starts = phone_page.evaluate("""() => ['.post', '.related', '.comments'].map(selector => {
          const box = document.querySelector(selector);
          return box.getBoundingClientRect().left + parseFloat(getComputedStyle(box).paddingLeft);
        })""")
    finally:
        phone_page.set_viewport_size({"width": 390, "height": 844})
    assert len(set(starts)) == 1, starts


def pager_on_a_phone(browser, tmp_path, posts: int, path: str) -> dict:
    """PAGER on the listing page at `path` of a site of `posts` posts, one a page,
    at 360 px."""
    files = {f"content/posts/p{n}.md": post(f"第{n}篇", f"2024-01-01T{n // 60:02d}:{n % 60:02d}:00")
             for n in range(posts)}
    site = write_site(tmp_path / "site", {"site.toml": SITE_TOML.replace("per_page = 10", "per_page = 1"),
                                          **files})
    with built_site_page(browser, site, path, 360, 800) as (page, _):
        return page.evaluate(PAGER)


PAGER = """() => {
  const box = element => element && element.getBoundingClientRect();
  const pager = box(document.querySelector('.pager'));
  const newer = box(document.querySelector('.pager .previous'));
  const older = box(document.querySelector('.pager .next'));
  const numbers = [...document.querySelectorAll('.pager .pages > *')].map(box);
  const links = [newer, older].filter(Boolean);
  return {shown: document.querySelector('.pager .pages').textContent,
          rows: new Set([...numbers, ...links].map(r => Math.round(r.top))).size,
          numberRows: new Set(numbers.map(r => Math.round(r.top))).size,
          ends: newer && older ? [newer.left - pager.left, pager.right - older.right] : [],
          above: links.every(link => link.bottom <= numbers[0].top)};
}"""


HEADS = """() => [...document.querySelectorAll('.entry')].map(entry => {
  const start = selector => {  // where the element's first character is drawn
    const walker = document.createTreeWalker(entry.querySelector(selector), NodeFilter.SHOW_TEXT);
    const range = document.createRange(), text = walker.nextNode();
    range.setStart(text, 0); range.setEnd(text, 1);
    return Math.round(range.getBoundingClientRect().left);
  };
  const title = entry.querySelector('.entry-title a').getClientRects().length;
  return {title: start('.entry-title'), meta: start('.meta'), lines: title};
})"""


def test_a_listings_meta_line_stays_beside_the_badge_under_a_long_title(browser, tmp_path):
    """A title of three lines pushed its meta line under the date badge, flush left,
    where a short title's is beside the badge."""
    long_title = "一个很长很长的标题，在手机上要占三行，才能看出元信息那一行是否仍然缩进对齐"
    site = write_site(tmp_path / "site", {"content/posts/a.md": post(long_title, "2024-01-02"),
                                          "content/posts/b.md": post("短标题", "2024-01-01")})
    with built_site_page(browser, site, "", 390, 844) as (page, _):
        heads = page.evaluate(HEADS)
    assert heads[0]["lines"] >= 3, heads  # the case: a title of three lines
    assert all(head["meta"] == head["title"] == heads[1]["title"] for head in heads), heads


TARGETS = """() => [...document.querySelectorAll('.footnote-ref a, .footnote-backref')].map(link => {
  const box = link.getBoundingClientRect();
  return {text: link.textContent, width: box.width, height: box.height, left: box.left,
          right: box.right};
})"""
TEXT_AT = """() => { const p = document.querySelector('.post-body p'); const range = document.createRange();
  range.setStart(p.lastChild, 0); range.setEnd(p.lastChild, 1);
  const box = range.getBoundingClientRect(); return [Math.round(box.left), Math.round(box.top)]; }"""


def test_a_footnotes_number_and_its_way_back_are_a_fingers_target(browser, tmp_path):
    """At least 24 px each way (WCAG 2.2's minimum target size): they were 16 and 12 px
    wide; the words after the number do not move. Two numbers side by side share no
    part of their targets (a tap on the first's "]" opened the second)."""
    site = write_site(tmp_path / "site", {"content/posts/p.md": post(
        "脚注", "2024-01-01", "正文[^1]，其后的文字。\n\n连续[^2][^3]两个。\n\n"
        "[^1]: 注释。\n[^2]: 二。\n[^3]: 三。\n")})
    with built_site_page(browser, site, "archives/p/", 390, 844) as (page, _):
        targets = page.evaluate(TARGETS)
        assert len(targets) == 6, targets
        single, *pair = targets[:3]
        assert all(t["width"] >= 24 and t["height"] >= 24 for t in [single, *targets[3:]]), targets
        assert pair[0]["right"] <= pair[1]["left"], pair
        after = page.evaluate(TEXT_AT)
        page.add_style_tag(content=".footnote-ref a, .footnote-backref { padding: 0 !important; "
                                   "margin: 0 !important; display: inline !important; }")
        assert page.evaluate(TEXT_AT) == after  # the same place without the padding


@pytest.mark.parametrize("posts, number, shown", [(12, 6, "1…45678…12"),
                                                  (120, 100, "1…9899100101102…120")])
def test_a_full_pager_on_a_phone_keeps_its_page_numbers_on_one_row(
        browser, tmp_path, posts, number, shown):
    """« newer and older » at the two ends of one row, the numbers on the row below
    (three digits too); "older »" went alone onto a row of its own."""
    found = pager_on_a_phone(browser, tmp_path, posts, f"page/{number}/")
    assert found["shown"] == shown, found  # the case: a full pager
    assert found["numberRows"] == 1 and found["above"], found
    assert max(found["ends"]) < 1, found


@pytest.mark.parametrize("path", ["", "page/3/"])
def test_a_pager_with_one_of_newer_and_older_stays_one_row_on_a_phone(browser, tmp_path, path):
    found = pager_on_a_phone(browser, tmp_path, 3, path)
    assert found["shown"] == "123" and found["rows"] == 1, found
