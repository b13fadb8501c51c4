"""`$ \\alpha $`: a formula to MathJax, prose here.

MathJax, which the blogs blogbuild builds were written for, takes `$ \\alpha $` (a space
inside the dollars) as a formula; blogbuild's dollar rule (mathsyntax._dollar, Pandoc's)
takes it as prose, so that "$ 5 and $ 10" stays prose. Such a formula reaches the page
as written: the inline rule notes each `$` that would have opened one in MathJax
(`note_spaced_formula`), and `render_post` warns at the first of a post
(`spaced_formula_warning`), with the formula to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from .numbering import is_escaped
from .problems import Problem

TEX = re.compile(r"\\[A-Za-z]|[\^_](?:\{|[A-Za-z0-9](?![A-Za-z0-9]))")
"""A command, or a sub- or superscript of a group or of one character (`x_1`, `w_{ij}`,
not `CUDA_VISIBLE`): what makes text between dollars TeX."""
NOT_TEX = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uff00-\uffef]|<[A-Za-z/!]|\]\(")
"""Chinese, Japanese, Korean or full-width characters (prose: "售价 $ 99，内存 2^10
MB，会员价 $ 79"; in TeX they would be inside \\text, which this leaves out), a tag, a
link's `](`."""


def note_spaced_formula(state: StateInline, start: int,
                        formula_end: Callable[[str, int], int | None]) -> None:
    """Remember, in env["spaced_formulas"] (a list only where someone is told: a post's
    body), as (inline source, start, end), a `$` that opened no formula but would have
    in MathJax, which allows a space inside the dollars (`$ \\alpha $`): the next `$`
    closes it, and what is between is TeX (a command, a sub- or superscript) with a
    space at one end, and no prose (NOT_TEX).
    A price never counts (`$ 99`), nor a `$` that opens a formula of its own. The post
    shows it as written; a blog written for MathJax has such formulas, and its author
    is warned (spaced_formula_warning).
    `formula_end` is mathsyntax's: where a formula opening at a place ends, or None."""
    src, noted = state.src, state.env.get("spaced_formulas")
    if noted is None:  # not a post's body (a comment, a title): nobody would be told
        return
    if is_escaped(src, start) or src.startswith("$$", start) or \
            (start and (src[start - 1].isdigit() or src[start - 1] == "$")) or \
            re.match(r"\$\s*[0-9]", src[start:start + 8]):
        return
    end = src.find("$", start + 1)
    while end != -1 and is_escaped(src, end):
        end = src.find("$", end + 1)
    if end == -1 or src.startswith("$$", end) or formula_end(src, end) is not None:
        return
    tex = src[start + 1:end]
    if "`" not in tex and _spaced_tex(tex):
        noted.append((src, start, end + 1))


def _spaced_tex(tex: str) -> bool:
    """What is between two dollars is a formula to MathJax with a space at one end:
    TeX (a command, a sub- or superscript) and no prose (NOT_TEX)."""
    return bool(tex.strip()) and (tex[0].isspace() or tex[-1].isspace()) and \
        TEX.search(tex) is not None and \
        not NOT_TEX.search(re.sub(r"\\text\{[^{}]*\}", "", tex))


def note_spaced_code_span(env: dict, src: str, written: str) -> None:
    """With [math] code_spans: remember, as note_spaced_formula does, a code span that
    MathJax would have typeset but that stays code here (`` `$ \\mathcal{H}$` ``):
    `written` is its text, `src` the text of the paragraph it is in."""
    noted = env.get("spaced_formulas")
    if noted is None or len(written) < 3 or written[0] != "$" or written[-1] != "$" or \
            "$" in written[1:-1]:
        return
    start = src.find(written)
    if start != -1 and _spaced_tex(written[1:-1]):
        noted.append((src, start, start + len(written)))


def spaced_formula_warning(tokens: list[Token], env: dict, source: str, first_line: int
                           ) -> list[Problem]:
    """A warning at the first `$ \\alpha $` noted while parsing the post whose tokens
    and env these are (note_spaced_formula), counting the others."""
    lines = {id(block.content): block.map[0] for block in tokens
             if block.type == "inline" and block.map}
    # (not those in raw HTML, whose text was parsed apart: their lines are not known)
    spaced = [found for found in env.get("spaced_formulas", ()) if id(found[0]) in lines]
    if not spaced:
        return []
    # in the order of the file: code spans are noted after all the prose (code_span_formulas)
    spaced.sort(key=lambda found: (lines[id(found[0])], found[1]))
    src, start, end = spaced[0]
    line = first_line + lines[id(src)] + src.count("\n", 0, start)
    written = src[start:end].replace("\n", " ")
    shown = written if len(written) <= 60 else written[:57] + "..."
    tex = " ".join(src[start + 1:end - 1].split())
    more = f" (and {len(spaced) - 1} more in this file)" if len(spaced) > 1 else ""
    return [Problem(source, line, f"{shown} is shown as written, not as a formula{more}: "
                    "a space inside the `$` makes it prose here (MathJax allowed it); write "
                    f"${tex}$", warning=True)]
