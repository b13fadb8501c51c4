"""Math syntax for markdown-it: every way the blog writes a formula becomes one token.

dollarmath gives `$..$`, `$$..$$` (block and inline) and amsmath gives bare
environments at the start of a block. The rules here add what those miss:
`\\(..\\)`, `\\[..\\]`, an environment inside a paragraph, `\\eqref{}`/`\\ref{}`
in prose, and MathJax's `\\\\$` for a dollar sign in prose. All of them run before
markdown-it's `escape` rule, so a formula's content never reaches Markdown's hands:
`_`, `*`, `\\\\` and `|` stay as written.

Token types produced (content = the TeX between the delimiters):
  math_inline          inline formula
  math_display         display formula inside a paragraph (rendered as a <span>)
  math_block           display formula that is a block of its own (rendered as a <div>)
  amsmath              bare environment block (content includes \\begin..\\end)
  math_ref             \\eqref{x} or \\ref{x} in prose (meta: label, kind)

Once the inline rules have run, mathtokens.py's core rules settle what they left open
(which `$$..$$` is a display, code spans that are formulas, HTML entities in TeX).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock, table
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.amsmath import amsmath_block, amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.dollarmath.index import math_block_dollar

from .mathtokens import code_span_formulas, decoded_entities, double_dollar_on_own_lines
from .numbering import ENVIRONMENT_OPEN, is_escaped
from .openspans import BACKTICKS, closing_backticks, unless_inside_open_span
from .spaceddollars import note_spaced_formula

REFERENCE = re.compile(r"\\(eqref|ref)\{([^{}]+)\}")
"""`\\eqref{label}` or `\\ref{label}`, in prose or in a formula: (kind, label)."""


def math_plugin(md: MarkdownIt) -> None:
    """Install every math rule; renderers are set by the caller."""
    dollarmath_plugin(md, allow_labels=False, allow_digits=False, double_inline=True,
                      allow_blank_lines=True)
    md.inline.ruler.at("math_inline", _dollar)
    amsmath_plugin(md)
    # A formula on the lines right after a paragraph's ends it, as a list or a quote
    # would (kexue writes `同理` and `\begin{equation}` on the next line): then no
    # line of the formula can be read as Markdown. Unless the paragraph has left a
    # code span or a formula open (`$$ … $$` in backticks is some blogs' habit; `由此得：$$`):
    # that formula's lines are the paragraph's, and the inline rules find it.
    # (What else each ended stays as it was: a `$$` line does not end a quote, where a
    # line without `>` continues the quote's paragraph.)
    md.block.ruler.at("amsmath", unless_inside_open_span(amsmath_block),
                      {"alt": ["paragraph", "blockquote", "list", "footnote_def"]})
    md.block.ruler.at("math_block", unless_inside_open_span(_single_dollar_block),
                      {"alt": ["paragraph"]})
    md.block.ruler.before("fence", "math_bracket_block", unless_inside_open_span(_bracket_block),
                          {"alt": ["paragraph", "blockquote", "list"]})
    md.inline.ruler.before("escape", "math_paren", _delimited(r"\(", r"\)", "math_inline"))
    md.inline.ruler.before("escape", "math_bracket", _delimited(r"\[", r"\]", "math_display"))
    md.inline.ruler.before("escape", "math_environment", _inline_environment)
    md.inline.ruler.before("escape", "math_ref", _prose_ref)
    md.inline.ruler.before("escape", "math_escaped_dollar", _doubly_escaped_dollar)
    md.block.ruler.at("table", _math_aware_table(table), {"alt": ["paragraph", "reference"]})
    md.core.ruler.after("inline", "math_double_dollar_lines", double_dollar_on_own_lines)
    md.core.ruler.before("math_double_dollar_lines", "math_code_spans", code_span_formulas)
    md.core.ruler.before("math_double_dollar_lines", "math_entities", decoded_entities)


_dollar_block = math_block_dollar(allow_labels=False, allow_blank_lines=True)


def _single_dollar_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """dollarmath's `$$` block, except when its content holds another `$$`:
    "$$a$$ is x and $$b$$" on one line is two inline formulas, not one display. Asked
    whether it would end a paragraph (`silent`), it answers without leaving a token
    (dollarmath's rule pushes its token and moves the line even then)."""
    tokens, line = len(state.tokens), state.line
    if not _dollar_block(state, start_line, end_line, silent):
        return False
    two_formulas = "$$" in state.tokens[-1].content
    if silent or two_formulas:
        del state.tokens[tokens:]
        state.line = line
    return not two_formulas


def _unescaped(text: str, delimiter: str) -> int:
    """Where `delimiter` (`\\]`) first occurs in `text` not escaped (`\\\\]` is a TeX line
    break and a bracket); -1 if it does not."""
    found = text.find(delimiter)
    while found >= 0 and is_escaped(text, found):
        found = text.find(delimiter, found + 1)
    return found


def _dollar(state: StateInline, silent: bool) -> bool:
    """`$..$` and `$$..$$` inside a paragraph, with rules that leave prices and shell
    variables alone (after Pandoc's, stricter):

    - `\\$` is a dollar sign; so is a `$` right after a digit;
    - an opening `$` is followed by a non-space; the first unescaped `$` after it must
      close the formula: preceded by a non-space and not followed by a digit.
      Otherwise that opening `$` is plain text ("costs $5 and $10", "$PATH and $HOME").
    """
    src, start = state.src, state.pos
    end = _dollar_formula_end(src, start)
    if end is None:
        if not silent and src.startswith("$", start):
            note_spaced_formula(state, start, _dollar_formula_end)
        return False
    opener = 2 if src.startswith("$$", start) else 1
    if not silent:
        token = state.push("math_inline_double" if opener == 2 else "math_inline", "math", 0)
        token.content = src[start + opener:end - opener]
        token.markup = src[start:start + opener]
    state.pos = end
    return True


def _dollar_formula_end(src: str, start: int) -> int | None:
    """Where the `$..$` or `$$..$$` formula opening at `start` ends (after its closing
    delimiter), by _dollar's rules; None if no formula opens there."""
    if src[start] != "$" or is_escaped(src, start):
        return None
    if start and src[start - 1].isdigit():
        return None
    double = src.startswith("$$", start)
    opener = 2 if double else 1
    if start + opener >= len(src) or (not double and src[start + 1].isspace()):
        return None
    end = src.find("$$" if double else "$", start + opener)
    while end != -1 and is_escaped(src, end):
        end = src.find("$$" if double else "$", end + 1)
    if end == -1 or end == start + opener:
        return None
    if not double and (src[end - 1].isspace() or src[end + 1:end + 2].isdigit()):
        return None
    if "`" in src[start:end] and _cuts_a_code_span(src, start, end):
        return None
    return end + opener


def _cuts_a_code_span(src: str, start: int, end: int) -> bool:
    """A code span opens between `start` and `end` and closes after `end`: a formula
    there would cut it ("US$ 和 `$HOME`"), so the code span wins, as over emphasis. A
    backtick escaped by a backslash (TeX's `\\``) opens none, nor does one that no
    run of its length closes."""
    pos = start
    while (run := BACKTICKS.search(src, pos, end)) is not None:
        closing = None if is_escaped(src, run.start()) else closing_backticks(src, run.start())
        if closing is not None and closing.start() >= end:
            return True
        pos = closing.end() if closing is not None else run.end()
    return False


def _doubly_escaped_dollar(state: StateInline, silent: bool) -> bool:
    """`\\\\$` in prose is a dollar sign, as MathJax showed it: sites written for its
    `processEscapes` behind a Markdown that eats one backslash (blogdown, Hexo) wrote
    `\\\\$5` so that MathJax would see `\\$5`, and show `$5`. (`\\\\\\$` is still
    an escaped backslash and an escaped dollar: `\\$`.)"""
    if not state.src.startswith("\\\\$", state.pos) or is_escaped(state.src, state.pos):
        return False
    if not silent:
        state.pending += "$"
    state.pos += 3
    return True


def _delimited(opener: str, closer: str, token_type: str):
    def rule(state: StateInline, silent: bool) -> bool:
        src, start = state.src, state.pos
        end = _delimited_end(src, start, opener, closer)
        if end is None:
            return False
        if not silent:
            token = state.push(token_type, "math", 0)
            token.content = src[start + 2:end - 2]
            token.markup = opener
        state.pos = end
        return True
    return rule


def _delimited_end(src: str, start: int, opener: str, closer: str) -> int | None:
    """Where the `\\(..\\)` (or `\\[..\\]`) formula opening at `start` ends (after its
    closer); None if none opens there."""
    if not src.startswith(opener, start) or is_escaped(src, start):
        return None
    end = src.find(closer, start + 2)
    while end != -1 and is_escaped(src, end):
        end = src.find(closer, end + 1)
    if end == -1 or not src[start + 2:end].strip():
        return None
    return end + 2


_CELL_PIPE = "\ue000"
"""Stands in for a `|` inside a formula while the table rule splits a row into cells
(a private-use character: a row holding one is left as it is)."""
_DELIMITER_ROW = re.compile(r"[|:-][|: \t-]*")


def _math_aware_table(table_rule):
    """The GFM table rule, with the `|` inside a row's formulas left to the formulas, as
    kramdown and pandoc leave them: `| $|x|$ | $p(x|z)$ |` has two cells, and `\\|`
    there stays `\\|` (a norm), not the escaped pipe GFM would make a `|` of."""
    def rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        # tried at the start of every block: only a row above a delimiter row (|---|:-:)
        # is looked at further
        second = start_line + 1
        row = state.src[state.bMarks[second] + state.tShift[second]:state.eMarks[second]] \
            if second < end_line else ""
        if "-" not in row or not _DELIMITER_ROW.fullmatch(row):
            return table_rule(state, start_line, end_line, silent)
        lines = range(start_line, end_line)
        block_end = next((line for line in lines if state.isEmpty(line)), end_line)
        first, last = state.bMarks[start_line], state.eMarks[max(start_line, block_end - 1)]
        block = state.src[first:last]
        if not any(opener in block for opener in ("$", "\\(", "\\[")) or _CELL_PIPE in block:
            return table_rule(state, start_line, end_line, silent)
        src, tokens = state.src, len(state.tokens)
        # row by row: a formula never spans two rows (a cell is parsed on its own)
        rows = "\n".join(map(_pipes_in_formulas_hidden, block.split("\n")))
        state.src = src[:first] + rows + src[last:]
        try:
            found = table_rule(state, start_line, end_line, silent)
        finally:
            state.src = src
        for token in state.tokens[tokens:]:
            if token.type == "inline":
                token.content = token.content.replace(_CELL_PIPE, "|")
        return found
    return rule


def _pipes_in_formulas_hidden(text: str) -> str:
    """`text` with every `|` inside a formula replaced by _CELL_PIPE (same length: the
    block parser's line offsets still hold)."""
    parts, last = [], 0
    for start, end in formula_spans(text):
        parts += [text[last:start], text[start:end].replace("|", _CELL_PIPE)]
        last = end
    return "".join(parts) + text[last:]


_SPAN_START = re.compile(r"[`$\\]")
"""Where a formula_spans step may do anything: every other character is passed over."""


def formula_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where the formulas of a text of Markdown are (a line, a paragraph), (start, end)
    with their delimiters: `$..$`, `$$..$$`, `\\(..\\)` and `\\[..\\]`, found by the
    inline rules' own tests, in their order (a backslash escape first: `\\$` and
    MathJax's `\\\\$` are dollar signs). Code spans hold none (in GFM a `|` in them
    still splits a table row, and their `$` are code). It walks the text itself (table
    rows are split, and paragraphs' lines read, before any inline rule runs): an inline
    math rule added to math_plugin belongs here too."""
    pos = 0
    while (found := _SPAN_START.search(text, pos)) is not None:
        pos = found.start()
        char = text[pos]
        if char == "`":
            closing = closing_backticks(text, pos)
            pos = closing.end() if closing else BACKTICKS.match(text, pos).end()
            continue
        if char == "$":
            end = _dollar_formula_end(text, pos)
        elif text.startswith(("\\(", "\\["), pos):
            closer = "\\)" if text[pos + 1] == "(" else "\\]"
            end = _delimited_end(text, pos, text[pos:pos + 2], closer)
        else:
            end = None
        if end is not None:
            yield pos, end
            pos = end
        elif text.startswith("\\\\$", pos):
            pos += 3
        else:
            pos += 2 if char == "\\" else 1


def _inline_environment(state: StateInline, silent: bool) -> bool:
    """`\\begin{equation}..\\end{equation}` glued inside a paragraph: a display formula."""
    src, start = state.src, state.pos
    if not src.startswith("\\begin{", start) or is_escaped(src, start):
        return False
    opened = re.compile(ENVIRONMENT_OPEN).match(src, start)
    if not opened:
        return False
    end = _matching_end(src, opened.group(1), opened.end())
    if end == -1:
        return False
    if not silent:
        token = state.push("math_display", "math", 0)
        token.content = src[start:end]
        token.markup = "env"
    state.pos = end
    return True


def _matching_end(src: str, name: str, position: int) -> int:
    """Where the `\\end{name}` closing an environment opened before `position` ends,
    past any of the same name inside it (a `cases` in a `cases`); -1 if none does."""
    depth = 1
    for found in re.finditer(rf"\\(begin|end)\{{{re.escape(name)}\}}", src[position:]):
        depth += 1 if found.group(1) == "begin" else -1
        if depth == 0:
            return position + found.end()
    return -1


def _prose_ref(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("\\", state.pos) or is_escaped(state.src, state.pos):
        return False
    found = REFERENCE.match(state.src, state.pos)
    if not found:
        return False
    if not silent:
        token = state.push("math_ref", "", 0)
        token.meta = {"kind": found.group(1), "label": found.group(2).strip()}
        token.content = found.group(0)
    state.pos = found.end()
    return True


def _bracket_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    r"""A `\[` at the start of a line opens a display block that ends at a line ending in
    `\]`. Where its `\]` has words after it (`\[x\]，其中…`, a line `\]。`), it is a
    display inside a paragraph, as `$$` would be: the inline rule's."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith("\\[", begin):
        return False
    line = start_line
    while line < end_line:
        first = begin + 2 if line == start_line else state.bMarks[line] + state.tShift[line]
        text = state.src[first:state.eMarks[line]].rstrip()
        close = _unescaped(text, "\\]")
        if close >= 0:
            if close + 2 < len(text):
                return False
            break
        if line > start_line and text and state.sCount[line] < state.blkIndent:
            return False
        line += 1
    else:
        return False
    if silent:
        return True
    body = state.getLines(start_line, line + 1, state.sCount[start_line], False).strip()
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = body[2:-2]
    token.markup = "\\["
    token.map = [start_line, line + 1]
    state.line = line + 1
    return True
