"""Formulas that span lines, kept whole by markdown-it's block rules.

Markdown ends a paragraph at a line that starts a list item, a quote, a heading, a
rule or a fence, before any inline rule has seen the paragraph's formulas. A display
formula written on the lines right below the text (`同理` / `\\begin{equation}` /
`+ KL(q\\|p)` / ...) or opened on the text's own line (`由此得：$$`) would then be cut
into a list or a heading, its backslash escapes eaten. mathsyntax.py lets its display
blocks end a paragraph, as a list would; this module keeps every other block from
ending one while the paragraph holds a display still open.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock


def keep_open_formulas_whole(md: MarkdownIt) -> None:
    """Call once every block rule is installed (footnotes too). A line that would end
    a paragraph — a list item, a quote, a heading, a rule, a fence — does not while the
    paragraph holds a display formula still open (`$$`, `\\[`, `\\begin{…}` without
    its end): `- KL(q\\|p)` on a line of a formula glued to the text before it is TeX,
    not a list; nor does a `=` line under it make a heading of the paragraph."""
    for rule in md.block.ruler.__rules__:  # the ruler has no public way to wrap rules
        if "paragraph" in rule.alt and rule.name not in _MATH_BLOCKS:
            rule.fn = unless_inside_open_span(rule.fn, code_spans=False)
        elif rule.name == "lheading":
            rule.fn = _no_heading_of_an_open_formula(rule.fn)
    md.block.ruler.__cache__ = None


_MATH_BLOCKS = ("amsmath", "math_block", "math_bracket_block")


def unless_inside_open_span(rule, code_spans: bool = True):
    """`rule`, except as a line that would end a paragraph which has left a display
    formula open (or, with `code_spans`, a code span). Asked only whether it would
    (`silent`), it leaves the state's line alone (amsmath's rule moves it even then)."""
    def guarded(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        if not silent:
            return rule(state, start_line, end_line, silent)
        if state.parentType == "paragraph" and _open_span(state, start_line, code_spans):
            return False
        line = state.line
        found = rule(state, start_line, end_line, silent)
        state.line = line
        return found
    return guarded


def _no_heading_of_an_open_formula(lheading):
    """markdown-it's setext heading rule, except where the `=` or `-` line is inside a
    display formula the paragraph opened: then it is not a heading."""
    def rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        tokens, line = len(state.tokens), state.line
        if not lheading(state, start_line, end_line, silent):
            return False
        heading = state.tokens[tokens + 1:tokens + 2]
        if heading and _unclosed(heading[0].content, code_spans=False):
            del state.tokens[tokens:]
            state.line = line
            return False
        return True
    return rule


def _open_span(state: StateBlock, line: int, code_spans: bool) -> bool:
    """Whether the paragraph from state.line up to `line` leaves a formula (or a code
    span) open. Asked by every rule for every line of a paragraph: remembered per line."""
    key = (id(state), state.line, line, code_spans)
    known = state.env.get("_open_span")
    if known is None or known[0] != key:
        text = state.getLines(state.line, line, state.blkIndent, False)
        known = state.env["_open_span"] = (key, _unclosed(text, code_spans))
    return known[1]


_DISPLAY_DELIMITER = re.compile(r"\\\\\$?|\\\$|\$\$|\\\[|\\\]|\\(begin|end)\{([^{}]*)\}|`+")
"""What _unclosed looks at; `\\\\` (a TeX line break, `\\\\[2pt]`) and escaped dollars are
passed over."""


def _unclosed(text: str, code_spans: bool) -> bool:
    """Whether `text` ends inside a display formula (`$$`, `\\[`, `\\begin{…}`) or,
    with `code_spans`, a code span (a backtick run no later run of its length closes)."""
    if "$" not in text and "\\" not in text and "`" not in text:
        return False
    dollars = brackets = 0
    environments: list[str] = []
    pos = 0
    while found := _DISPLAY_DELIMITER.search(text, pos):
        pos, token = found.end(), found.group()
        if token.startswith("`"):
            closing = closing_backticks(text, found.start())
            if closing is None:
                return code_spans
            pos = closing.end()
        elif token == "$$":
            dollars ^= 1
        elif token == "\\[" and not dollars:
            brackets += 1
        elif token == "\\]" and brackets:
            brackets -= 1
        elif found.group(1) == "begin":
            environments.append(found.group(2))
        elif found.group(1) == "end" and found.group(2) in environments:
            del environments[len(environments) - 1 - environments[::-1].index(found.group(2)):]
    return bool(dollars or brackets or environments)


def closing_backticks(src: str, start: int) -> re.Match | None:
    """The run of backticks that closes the code span whose opening run starts at
    `start` (a run of the same length), if any."""
    run = _BACKTICKS.match(src, start).group()
    return re.compile(rf"(?<!`){run}(?!`)").search(src, start + len(run))


_BACKTICKS = re.compile(r"`+")
