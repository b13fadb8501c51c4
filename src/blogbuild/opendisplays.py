"""A display formula opened and never closed: shown as text, and told.

`$$`, or a line `\\[`, with nothing to close it, or `\\begin{align}` closed by
`\\end{aligned}`, is no formula to the math rules (mathsyntax.py): the post shows it
as TeX source, and KaTeX never sees it, so nothing else would say so. What is left
of it in the prose of the parsed post (not code, not a formula) is warned at its line.
"""

from __future__ import annotations

import re

from markdown_it.token import Token

from .numbering import ENVIRONMENT_OPEN
from .problems import Problem

_OPENER = re.compile(r"\$\$|" + ENVIRONMENT_OPEN)


def unclosed_display_warnings(tokens: list[Token], source: str, first_line: int
                              ) -> list[Problem]:
    """A warning for each display opener left in the prose of a post's tokens."""
    problems = []
    for block in tokens:
        if block.type != "inline" or not block.map:
            continue
        # `\[` alone on a line: Markdown's escape leaves "[" of it in the text
        problems += [Problem(source, first_line + block.map[0] + number, "\\[ opens a display "
                             "formula that is never closed by \\], so the page shows it as "
                             "text: close it", warning=True)
                     for number, line in enumerate(block.content.split("\n"))
                     if line.strip() == "\\["]
        searched = 0  # the text tokens are in the order of the paragraph's source
        for child in block.children or ():
            if child.type != "text":
                continue
            at = block.content.find(child.content, searched)
            if at != -1:
                searched = at + len(child.content)
            for found in _OPENER.finditer(child.content):
                line = first_line + block.map[0] + (
                    block.content.count("\n", 0, at + found.start()) if at != -1 else 0)
                closer = "$$" if found.group() == "$$" else f"\\end{{{found.group(1)}}}"
                problems.append(Problem(source, line, f"{found.group()} opens a display "
                                        f"formula that is never closed by {closer}, so the "
                                        "page shows it as text: close it", warning=True))
    return problems
