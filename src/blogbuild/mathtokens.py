"""Formula tokens once markdown-it's inline rules have run (mathsyntax.py makes them):
their types, and the core rules that settle what the inline rules leave open.

math_plugin runs these after the `inline` core rule, in this order: HTML entities in
TeX decoded, code spans that are formulas made formulas (blogdown's habit), then each
`$$..$$` found in a paragraph made a display or an inline formula.
"""

from __future__ import annotations

import html
import re

from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .numbering import DISPLAY_ONLY
from .spaceddollars import note_spaced_code_span

MATH_TOKENS = frozenset({"math_inline", "math_inline_double", "math_display", "math_block",
                         "amsmath"})
"""Every token type that holds a formula (mathsyntax.py lists what each is)."""
MATH_BLOCKS = frozenset({"math_block", "amsmath"})
"""The tokens of a display formula that is a block of its own."""

_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|nbsp|#\d+|#[xX][0-9A-Fa-f]+);")
"""HTML's escapes of what TeX writes as is (`a &lt; b`): archives exported from
WordPress or Typecho have them in formulas, which MathJax saw decoded by the browser
(TeX itself has no use for `&lt;`: its `&` is followed by a space or `=`)."""


def decoded_entities(state: StateCore) -> None:
    """The formulas' `&lt;` and the like as the characters they stand for (htmlmath.py
    does the same in HTML blocks)."""
    if not _ENTITY.search(state.src):  # most posts have none: one scan, not a walk
        return
    for token in state.tokens:
        for math in (token, *(token.children or ())):
            if math.type in MATH_TOKENS and "&" in math.content:
                math.content = _ENTITY.sub(lambda found: html.unescape(found.group()), math.content)


_CODE_SPAN_FORMULAS = (re.compile(r"(\$\$)(.*\S.*)\$\$", re.S),
                       re.compile(r"(\$)(?=[^$\s])(.+)\$", re.S))
"""A code span that is one formula: `$$x$$`, or `$x$` with no space after its first
`$` (blogdown's script has the same rule; `$x, $` is a formula)."""


def code_span_formulas(state: StateCore) -> None:
    """With `code_span_math` in the environment (blogdown's habit: formulas in code
    spans, typeset by a script): a code span that is one formula becomes that formula
    (a space between it and a backtick, `` `$B$ ` ``, is no part of it); `$$..$$`
    then follows the rule of `$$` in a paragraph (display where it is alone on its
    lines). A code span keeps no line breaks, so a `%` comment would run to the
    formula's end; TeX needs none of them otherwise. One with a space inside its
    dollars (`` `$ \\mathcal{H}$` ``) stays code, and is noted for the post's warning
    (spaceddollars.py), as such a formula in prose is."""
    if not state.env.get("code_span_math"):
        return
    for token in state.tokens:
        for child in token.children or ():
            written = child.content.strip() if child.type == "code_inline" else ""
            if written.startswith("$"):
                found = next(filter(None, (formula.fullmatch(written)
                                           for formula in _CODE_SPAN_FORMULAS)), None)
                if found and "$" not in found.group(2).replace("\\$", ""):
                    child.type = "math_inline_double" if found.group(1) == "$$" else "math_inline"
                    child.tag, child.markup, child.content = "math", found.group(1), found.group(2)
                else:
                    note_spaced_code_span(state.env, token.content, written)


def _line_ends_before(token: Token | None) -> bool:
    """Nothing but the start of a line comes before what follows `token` (None: the
    start of the text). In an HTML block's text (htmlmath.py) a line break is a "\\n"
    inside a text token, not a softbreak."""
    return token is None or token.type in ("softbreak", "hardbreak") or \
        (token.type == "text" and token.content.rstrip(" \t").endswith("\n"))


def _line_starts_after(token: Token | None) -> bool:
    """Nothing but the end of a line comes after what precedes `token`."""
    return token is None or token.type in ("softbreak", "hardbreak") or \
        (token.type == "text" and token.content.lstrip(" \t").startswith("\n"))


def double_dollar_on_own_lines(state: StateCore) -> None:
    r"""`$$..$$` alone on its lines inside a paragraph is display math; within a line it is
    inline math (kramdown's habit, used by many Jekyll blogs). Also display (MathJax's
    reading, which the blog wrote for): one whose TeX stands on lines of its own
    between the text's (`由此得：$$` / TeX / `$$`), and one holding what only a display
    may (numbering.DISPLAY_ONLY: KaTeX refuses it inline). A table cell is part of its
    row's line: its `$$..$$` is inline even where the cell holds nothing else, unless
    it holds what only a display may."""
    for position, token in enumerate(state.tokens):
        children = token.children or []
        in_cell = position and state.tokens[position - 1].type in ("td_open", "th_open")
        for index, child in enumerate(children):
            if child.type != "math_inline_double":
                continue
            before = children[index - 1] if index else None
            after = children[index + 1] if index + 1 < len(children) else None
            alone = _line_ends_before(before) and _line_starts_after(after)
            display_only = DISPLAY_ONLY.search(child.content) is not None
            if in_cell:
                display = alone and display_only
            else:
                own_lines = re.match(r"[ \t]*\n", child.content) is not None and \
                    re.search(r"\n[ \t]*$", child.content) is not None
                display = alone or own_lines or display_only
            child.type = "math_display" if display else "math_inline"
