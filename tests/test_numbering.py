"""Equation numbering on TeX (numbering.py), environment by environment."""

import re

import pytest
from bs4 import BeautifulSoup

from blogbuild.markdown import RenderContext, render_post
from blogbuild.numbering import MultlineRow, Numbering, number_display


def number(*formulas: str) -> tuple[list[str], Numbering]:
    numbering = Numbering()
    return [number_display(tex, numbering).tex for tex in formulas], numbering


@pytest.mark.parametrize("written, expected", [
    (r"\begin{equation}a\end{equation}", r"\begin{equation*}a \tag{1}\end{equation*}"),
    (r"\begin{equation*}a\end{equation*}", r"\begin{equation*}a\end{equation*}"),
    (r"\begin{gather}a\\b\end{gather}", r"\begin{gather*}a \tag{1}\\b \tag{2}\end{gather*}"),
    (r"\begin{align}a&=b\\c&=d\end{align}", r"\begin{align*}a&=b \tag{1}\\c&=d \tag{2}\end{align*}"),
    (r"\begin{alignat}{2}a&=b&c&=d\end{alignat}", r"\begin{alignat*}{2}a&=b&c&=d \tag{1}\end{alignat*}"),
    (r"\begin{flalign}a&=b\end{flalign}", r"\begin{align*}a&=b \tag{1}\end{align*}"),
    (r"\begin{eqnarray}a&=&b\\c&\le&d\end{eqnarray}", r"\begin{align*}a&=b \tag{1}\\c&\led \tag{2}\end{align*}"),
    (r"\begin{align*}a\\b\end{align*}", r"\begin{align*}a\\b\end{align*}"),
    (r"x^2", r"x^2"),
])
def test_each_environment_is_numbered_row_by_row_in_katex_terms(written, expected):
    assert number(written)[0] == [expected]


def test_notag_nonumber_and_explicit_tags_are_respected():
    tex, numbering = number(r"\begin{align}a\notag\\b\nonumber\\c\tag{A}\label{c}\\d\label{d}\end{align}")
    assert tex == [r"\begin{align*}a\\b\\c\tag{A}\\d \tag{1}\end{align*}"]
    assert numbering.labels == {"c": "A", "d": "1"}


def test_numbers_continue_across_formulas_and_labels_are_recorded():
    _, numbering = number(r"\begin{equation}a\label{first}\end{equation}",
                          r"\begin{align}b\label{second}\\c\label{third}\end{align}")
    assert numbering.labels == {"first": "1", "second": "2", "third": "3"}
    assert numbering.anchor("third") == "eq-3"


def test_nested_environments_and_braces_do_not_split_rows():
    tex, _ = number(r"\begin{align}x&=\begin{cases}1\\2\end{cases}\\y&=\frac{a\\b}{c}\end{align}")
    assert tex == [r"\begin{align*}x&=\begin{cases}1\\2\end{cases} \tag{1}\\"
                   r"y&=\frac{a\\b}{c} \tag{2}\end{align*}"]


def test_row_spacing_after_a_break_stays_with_the_break():
    tex, _ = number("\\begin{align}a\\\\[6pt]\nb\\end{align}")
    assert tex == ["\\begin{align*}a \\tag{1}\\\\[6pt]\nb \\tag{2}\\end{align*}"]


def test_a_labelled_display_without_environment_gets_a_number_outside_it():
    tex, numbering = number(r"\begin{aligned}a\\b\end{aligned}\label{x}", r"y\label{z}")
    assert tex == [r"\begin{aligned}a\\b\end{aligned} \tag{1}", r"y \tag{2}"]
    assert numbering.labels == {"x": "1", "z": "2"}


def test_a_label_used_twice_is_recorded_as_duplicate():
    _, numbering = number(r"\begin{equation}a\label{x}\end{equation}",
                          r"\begin{equation}b\label{x}\end{equation}")
    assert numbering.duplicates == ["x"] and numbering.labels["x"] == "1"


def multline(tex: str, numbering: Numbering | None = None) -> list[tuple[str, str]]:
    numbered = number_display(tex, numbering or Numbering())
    assert numbered.tex == "\\\\".join(row.tex for row in numbered.rows)
    return [(row.tex, row.place) for row in numbered.rows]


def test_multline_rows_become_formulas_first_left_last_right_with_the_number():
    numbering = Numbering(count=4)
    rows = multline("\\begin{multline}\na+b\\\\\nc\\label{m}\\\\[2pt]\nd\n\\end{multline}", numbering)
    assert rows == [("a+b", "left"), ("c", "center"), ("d \\tag{5}", "right")]
    assert numbering.labels == {"m": "5"}


def test_multline_shoved_rows_starred_untagged_and_single_rows():
    assert multline(r"\begin{multline*}a\\\shoveleft{b}\\\shoveright[1em] c\\d\end{multline*}") == [
        ("a", "left"), ("{b}", "left"), ("c", "right"), ("d", "right")]
    assert multline(r"\begin{multline}a\\b\notag\end{multline}") == [("a", "left"), ("b", "right")]
    assert multline(r"\begin{multline}a\\b\tag{*}\end{multline}") == [
        ("a", "left"), (r"b \tag{*}", "right")]
    assert multline(r"\begin{multline}a\end{multline}") == [(r"a \tag{1}", "center")]
    assert number_display(r"\begin{multline}a\\b\end{multline}", Numbering()).rows == (
        MultlineRow("a", "left"), MultlineRow(r"b \tag{1}", "right"))


@pytest.mark.parametrize("written, expected", [
    ("\\begin{equation}\np = q % 边缘分布\n\\end{equation}",
     "\\begin{equation*}\np = q % 边缘分布\n \\tag{1}\\end{equation*}"),
    ("\\begin{align}\na &= b \\\\\nc &= d % 注\n\\end{align}",
     "\\begin{align*}\na &= b \\tag{1}\\\\\nc &= d % 注\n \\tag{2}\\end{align*}"),
    ("\\begin{align*}\na &= b % 注\n\\end{align*}", "\\begin{align*}\na &= b % 注\n\\end{align*}"),
    ("\nL = E % 对数似然\n\\label{ll}\n", "\nL = E % 对数似然\n \\tag{1}"),
    ("a = 50\\% \\label{p}", "a = 50\\% \\tag{1}"),
])
def test_a_comment_on_the_last_line_never_swallows_the_tag_or_the_end(written, expected):
    """TeX's `%` comments out the rest of its line: a number or `\\end` written after
    it would vanish (or KaTeX refuse the formula); `\\%` is a percent sign."""
    assert number_display(written, Numbering()).tex == expected


def test_every_tag_gets_an_anchor_of_its_own():
    """`\\tag{1'}` and `\\tag{1*}` were both "eq-1-": a link to (1*) landed on (1')."""
    from blogbuild.numbering import equation_anchor

    tags = ["1", "1'", "1*", "1-", "A.2", "1_27_", "定理1", "a b"]
    anchors = [equation_anchor(tag) for tag in tags]
    assert len(set(anchors)) == len(tags)
    assert anchors[:2] + anchors[4:5] == ["eq-1", "eq-1_27_", "eq-A.2"]
    assert all(re.fullmatch(r"eq-[\w.-]+", anchor) for anchor in anchors)


def test_an_empty_tag_gets_no_anchor():
    """`\\tag*{}` shows nothing: an `id="eq-"` for it made the browser's count of a
    display's numbers differ from its anchors (blogbuild.js)."""
    html = render_post("\\begin{align}\nx&=1\\label{eq:a}\\\\\ny&=2\\tag*{}\\\\\nz&=3\\label{eq:b}\n"
                       "\\end{align}\n", RenderContext("p.md", 1, "/p/")).html
    soup = BeautifulSoup(html, "html.parser")
    assert [element["id"] for element in soup.select("[id^=eq-]")] == ["eq-2", "eq-1"]
