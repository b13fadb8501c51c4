"""A display formula opened and never closed: shown as text, and told.

`$$`, or a line `\\[`, with nothing to close it, or `\\begin{align}` closed by
`\\end{aligned}`, is no formula to the math rules (mathsyntax.py): the post shows it
as TeX source, and KaTeX never sees it, so nothing else would say so. Where the prose
of the parsed post (its text, not code, not a formula) shows an opener, the opener is
found in the paragraph's source, written as such: not escaped (`\\$\\$`, MathJax's
`\\\\$\\\\$`, `&#36;&#36;` are dollar signs), not in a code span or a formula; each is
warned at its own line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from markdown_it.token import Token

from .mathsyntax import formula_spans
from .numbering import ENVIRONMENT_OPEN, is_escaped
from .openspans import BACKTICKS, closing_backticks
from .problems import Problem

_OPENER = re.compile(r"\$\$|" + ENVIRONMENT_OPEN)
_BRACKET_LINE = re.compile(r"^[ \t]*\\\[[ \t]*$", re.MULTILINE)
"""`\\[` alone on a line (Markdown's escape leaves "[" of it in the text)."""


def unclosed_display_warnings(tokens: list[Token], source: str, first_line: int
                              ) -> list[Problem]:
    """A warning for each display opener left in the prose of a post's tokens."""
    problems = []
    for block in tokens:
        text = block.content
        # a quick look at each paragraph first: most hold no opener at all
        if block.type != "inline" or not block.map or \
                ("$$" not in text and "\\begin{" not in text and "\\[" not in text):
            continue
        shown = [child.content for child in block.children or () if child.type == "text"]
        line = first_line + block.map[0]
        found = [(at, "\\[", "\\]") for at in (bracket.end() - 2 for bracket in
                                               _BRACKET_LINE.finditer(text))
                 if any("[" in piece for piece in shown)]
        if any(_OPENER.search(piece) for piece in shown):
            found += _written_openers(text)
        problems += [Problem(source, line + text.count("\n", 0, at), f"{opener} opens a "
                             f"display formula that is never closed by {closer}, so the "
                             "page shows it as text: close it", warning=True)
                     for at, opener, closer in sorted(found)]
    return problems


def _written_openers(text: str) -> Iterator[tuple[int, str, str]]:
    """(where, opener, its closer) of each opener written in a paragraph's source, left
    unclosed: outside code spans and formulas, not escaped, and an environment without
    its `\\end` after it."""
    taken = [*formula_spans(text), *_code_spans(text)]
    for opener in _OPENER.finditer(text):
        at = opener.start()
        if is_escaped(text, at) or any(start <= at < end for start, end in taken):
            continue
        if opener.group() == "$$":
            yield at, "$$", "$$"
        elif f"\\end{{{opener.group(1)}}}" not in text[opener.end():]:
            yield at, opener.group(), f"\\end{{{opener.group(1)}}}"


def _code_spans(text: str) -> Iterator[tuple[int, int]]:
    pos = 0
    while (run := BACKTICKS.search(text, pos)) is not None:
        closing = closing_backticks(text, run.start())
        if closing is None:
            pos = run.end()
            continue
        yield run.start(), closing.end()
        pos = closing.end()
