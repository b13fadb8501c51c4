"""Site macros written out (texmacros.py), as KaTeX would expand them, for the TeX that
feeds carry to readers who do not know the site's macros."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from blogbuild.texmacros import expand_macros

MACROS = {"\\E": "\\mathbb{E}", "\\R": "\\mathbb{R}", "\\norm": "\\left\\Vert #1\\right\\Vert",
          "\\inner": "\\langle #1, #2\\rangle", "\\x": "x", "\\eps": "\\epsilon",
          "\\loop": "\\loop+1", "\\ER": "\\E\\R", "\\ip": "\\langle#1,#2\\rangle",
          "\\b": "\\boldsymbol#1", "\\nothing": "", "\\No": "\\text{No.}\\#1"}


@pytest.mark.parametrize("written, expanded", [
    ("\\E[x^4] = 3\\sigma^2\\E[x^2]", "\\mathbb{E}[x^4] = 3\\sigma^2\\mathbb{E}[x^2]"),
    ("\\R^{n\\times n}", "\\mathbb{R}^{n\\times n}"),
    # arguments: a group, or one token, spaces before it skipped
    ("\\norm{x+y}_2 + \\norm y", "\\left\\Vert x+y\\right\\Vert_2 + \\left\\Vert y\\right\\Vert"),
    ("\\inner{a}{\\E b}", "\\langle a, \\mathbb{E}b\\rangle"),
    ("\\inner\\alpha b", "\\langle \\alpha, b\\rangle"),
    ("\\norm{\\{a\\}}", "\\left\\Vert \\{a\\}\\right\\Vert"),
    # a macro using another
    ("\\ER", "\\mathbb{E}\\mathbb{R}"),
    # a control word never runs into a letter it did not touch
    ("\\alpha\\x", "\\alpha x"), ("\\eps x", "\\epsilon x"),
    # ... nor where an argument meets it, nor across a macro that stands for nothing
    ("\\ip{u}{v}", "\\langle u,v\\rangle"), ("\\b x", "\\boldsymbol x"),
    ("\\ip{\\alpha}b", "\\langle\\alpha,b\\rangle"), ("\\alpha\\nothing x", "\\alpha x"),
    # \# is a character, not a parameter: \No takes no argument
    ("\\No 5", "\\text{No.}\\#15"),
    # a comment is TeX's to drop, and the line it ends is not run into the next
    ("a &= \\R % see \\R\n\\\\ b &= \\R", "a &= \\mathbb{R}% see \\R\n\\\\ b &= \\mathbb{R}"),
    ("x = \\R\n+ 1", "x = \\mathbb{R}\n+ 1"),
    # other names, even sharing a prefix, are left alone
    ("\\Ea + \\Real + \\E", "\\Ea + \\Real + \\mathbb{E}"),
    # too few arguments, or a macro that never ends: left as written for KaTeX to report
    ("\\norm", "\\norm"), ("a + \\inner{b}", "a + \\inner{b}"), ("\\loop", "\\loop"),
])
def test_site_macros_are_written_out(written, expanded):
    assert expand_macros([written], MACROS) == [expanded]


def test_a_name_a_post_defines_is_the_posts_from_there_on():
    assert expand_macros(["\\E x", "\\newcommand{\\E}{E}\\E", "\\E + \\R", "\\def\\R{r}\\R"],
                         MACROS) == ["\\mathbb{E}x", "\\newcommand{\\E}{E}\\E",
                                     "\\E + \\mathbb{R}", "\\def\\R{r}\\R"]
    assert expand_macros(["\\global\\def\\x{y}", "\\x", "\\let\\eps\\varepsilon \\eps"],
                         MACROS) == ["\\global\\def\\x{y}", "\\x", "\\let\\eps\\varepsilon \\eps"]


@given(st.lists(st.text(alphabet="\\{}#^_ abx\nER", max_size=30), max_size=4))
def test_without_site_macros_nothing_changes_and_written_out_is_final(formulas):
    """Expanding what is written out changes nothing more: every use that could be
    expanded was (the rest lack arguments, or are the post's own)."""
    assert expand_macros(formulas, {}) == formulas
    finite = {name: body for name, body in MACROS.items() if name != "\\loop"}
    once = expand_macros(formulas, finite)
    assert expand_macros(once, finite) == once
