"""No line break between an inline formula and the punctuation that touches it.

A browser may break a line between an inline formula (KaTeX's boxes are atomic inlines)
and the text after it, even before a mark no line may start with: "取指数就是$k$。" showed
"。" at the start of the next line, and "（$x$" left "（" at the end of one, several
times a post on a phone. So the closing marks right after a formula, and the opening
marks right before it, are bound to it: they and the formula go in one
`<span class="nobr">`, which the stylesheet does not wrap. A run of marks goes
whole ("$x$）。"), as a line may start with neither.

Only formulas that cannot break anyway, or short ones, are bound: KaTeX lets a long
inline formula break after a relation or an operator (`a+b=c`), and a bound one would
stick out of a narrow column instead. The text tokens are left as they are; their
render rule leaves out the marks the formula beside them took.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

CLOSING = frozenset("，。、；：？！）》」』】〉”’…,.;:?!)")
"""Marks a line must not start with (Chinese's and Latin's)."""
OPENING = frozenset("（《「『【〈“‘(")
"""Marks a line must not end with."""
INLINE_FORMULAS = frozenset({"math_inline", "math_inline_double"})
SHORT = 16
"""TeX this long or shorter is bound even where KaTeX could break it."""
_BREAKS = re.compile(r"[=<>+\-]|\\(?:le|leq|ge|geq|ne|neq|in|notin|to|gets|mapsto|approx|sim|"
                     r"simeq|equiv|propto|subset|subseteq|supset|supseteq|times|cdot|pm|mp|cup|"
                     r"cap|div|circ|otimes|oplus|[lL]eftarrow|[rR]ightarrow|iff|implies)(?![a-zA-Z])")
"""Where KaTeX may break an inline formula: after a relation or a binary operator."""


@lru_cache(maxsize=4096)  # asked by the formula and by the text on each side
def bindable(tex: str) -> bool:
    """Whether a formula may be kept on one line with the marks around it: it has no
    relation or operator outside braces (KaTeX breaks only there), or it is short."""
    if len(tex) <= SHORT:
        return True
    depth, outside = 0, []
    for char in tex:
        depth += char == "{"
        if depth == 0:
            outside.append(char)
        depth -= char == "}" and depth > 0
    return not _BREAKS.search("".join(outside))


def _bound_formula(tokens: list[Token], idx: int) -> bool:
    token = tokens[idx] if 0 <= idx < len(tokens) else None
    return token is not None and token.type in INLINE_FORMULAS and bindable(token.content)


def mark_after(tokens: list[Token], idx: int) -> str:
    """The closing marks the formula at `idx` takes from the text after it: all those
    it starts with ("）。", "" if none)."""
    after = tokens[idx + 1] if idx + 1 < len(tokens) else None
    if after is None or after.type != "text":
        return ""
    content = after.content
    end = next((i for i, char in enumerate(content) if char not in CLOSING), len(content))
    return content[:end]


def mark_before(tokens: list[Token], idx: int) -> str:
    """The opening marks the formula at `idx` takes from the text before it: all those
    it ends with ("“（", "" if none)."""
    before = tokens[idx - 1] if idx else None
    if before is None or before.type != "text":
        return ""
    content = before.content
    start = len(content)
    while start and content[start - 1] in OPENING:
        start -= 1
    return content[start:]


def bound(tokens: list[Token], idx: int, formula: str) -> str:
    """The formula's markup `formula`, with the marks it takes, in one unbreakable span."""
    if not _bound_formula(tokens, idx):
        return formula
    opening, closing = mark_before(tokens, idx), mark_after(tokens, idx)
    if not (opening or closing):
        return formula
    return f'<span class="nobr">{escapeHtml(opening)}{formula}{escapeHtml(closing)}</span>'


def render_text(self, tokens, idx, options, env) -> str:
    """markdown-it's text rule, less the marks a formula beside the text took."""
    content = tokens[idx].content
    start = len(mark_after(tokens, idx - 1)) if _bound_formula(tokens, idx - 1) else 0
    end = len(content) - len(mark_before(tokens, idx + 1)) if _bound_formula(tokens, idx + 1) \
        else len(content)
    return escapeHtml(content[start:max(start, end)])
