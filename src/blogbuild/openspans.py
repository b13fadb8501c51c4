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

import bisect
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from .numbering import DISPLAY_ENVIRONMENTS


def keep_open_formulas_whole(md: MarkdownIt, formula_spans: FormulaSpans) -> None:
    """Call once every block rule is installed. A line that would end a paragraph as
    a list item, a quote, a heading, a rule or a table does not while the paragraph
    holds a display formula still open (a line ending in `$$` or `\\[`, or a
    `\\begin{…}` of a math environment, not closed yet): `- KL(q\\|p)` on a line of a
    formula glued to the text before it is TeX, not a list; nor does a `=` line under
    it make a heading of the paragraph. Nor where an inline formula wraps onto it
    (`其中 $a_1` / `+ b_1$ 是和`), as `formula_spans` (mathsyntax's) finds them.
    (A fence or an HTML block still ends it: TeX has no such lines.)"""
    for rule in md.block.ruler.__rules__:  # the ruler has no public way to wrap rules
        if rule.name in _TEX_LOOKALIKES:
            rule.fn = unless_inside_open_span(rule.fn, math_block=False,
                                              formula_spans=formula_spans)
        elif rule.name == "lheading":
            rule.fn = _no_heading_of_an_open_formula(rule.fn)
    md.block.ruler.__cache__ = None


_TEX_LOOKALIKES = ("blockquote", "hr", "list", "heading", "table")
"""The blocks whose first line a line of TeX can look like (`> 0`, `- b`, `+ c`, `# `,
`---`, a row of `|`)."""


def unless_inside_open_span(rule, math_block: bool = True,
                            formula_spans: FormulaSpans | None = None):
    """`rule`, except as a line that would end a paragraph which has left a display
    formula open (or, with `formula_spans`, that an inline formula wraps onto). A
    `math_block` rule (a display's own) does not end one either where a code span is
    open, nor from a lazy line of a list item. Asked only whether it would (`silent`),
    it leaves the state's line alone (amsmath's rule moves it even then)."""
    def guarded(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        if not silent:
            return rule(state, start_line, end_line, silent)
        line = state.line
        found = rule(state, start_line, end_line, silent)
        state.line = line
        # the paragraph is looked into only where the line would end it (few do: the
        # question is asked of every line, by every rule that may end a paragraph)
        if not found or state.parentType != "paragraph":
            return found
        if math_block and state.sCount[start_line] < state.blkIndent:
            # a display indented less than the list item it follows: a lazy line of the
            # item's paragraph, as kramdown and MathJax blogs write it, not a block that
            # would end the list
            return False
        scan = _scanned(state, start_line)
        if scan.formula_open or (math_block and scan.code_run is not None):
            return False
        return not (formula_spans and start_line in _wrapped_lines(state, formula_spans))
    return guarded


FormulaSpans = Callable[[str], Iterable[tuple[int, int]]]
"""text → (start, end) of each of its inline formulas (mathsyntax.formula_spans)."""


def _wrapped_lines(state: StateBlock, formula_spans: FormulaSpans) -> frozenset[int]:
    """The lines of the paragraph starting at state.line that start inside an inline
    formula of it, as far as the paragraph may run (to the next blank line): once per
    paragraph, in one pass over its text (formula_spans: code spans passed over, as
    the inline rules pass over them), however long it is."""
    # the state itself, not its id: an env copied into the next parse (a summary's)
    # must not hand over what an earlier state, gone since, had at the same id
    known = state.env.get("_wrapped_lines")
    if known is not None and known[0] is state and known[1] == state.line:
        return known[2]
    last = state.line
    while last < state.lineMax and not state.isEmpty(last):
        last += 1
    lines = [state.getLines(n, n + 1, state.blkIndent, False) for n in range(state.line, last)]
    text = "\n".join(lines)
    starts = list(itertools.accumulate(len(line) + 1 for line in lines[:-1]))
    """Where each line after the first starts in `text`."""
    wrapped: set[int] = set()
    for begin, end in formula_spans(text) if "$" in text or "\\" in text else ():
        first, after = bisect.bisect_right(starts, begin), bisect.bisect_left(starts, end)
        wrapped.update(state.line + 1 + index for index in range(first, after))
    result = frozenset(wrapped)
    state.env["_wrapped_lines"] = (state, state.line, result)
    return result


def _no_heading_of_an_open_formula(lheading):
    """markdown-it's setext heading rule, except where the `=` or `-` line is inside a
    display formula the paragraph opened: then it is not a heading."""
    def rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        tokens, line = len(state.tokens), state.line
        if not lheading(state, start_line, end_line, silent):
            return False
        heading = state.tokens[tokens + 1:tokens + 2]
        if heading and _Scan.of(heading[0].content).formula_open:
            del state.tokens[tokens:]
            state.line = line
            return False
        return True
    return rule


def _scanned(state: StateBlock, line: int) -> _Scan:
    """What the paragraph starting at state.line leaves open before `line`. Every rule
    asks it of every line of a paragraph: the lines read so far are remembered, so a
    paragraph is read once however long it is."""
    scan = state.env.get("_open_span")
    if scan is None or scan.key[0] is not state or scan.key[1] != state.line or scan.line > line:
        scan = state.env["_open_span"] = _Scan((state, state.line), state.line)
    while scan.line < line:
        scan.read(state.getLines(scan.line, scan.line + 1, state.blkIndent, False))
        scan.line += 1
    return scan


@dataclass
class _Scan:
    """Reads a paragraph line by line: which display formula or code span is open."""

    key: tuple
    line: int
    """The next line to read."""
    dollars: bool = False
    """A line ended in `$$` (`由此得：$$`) and no `$$` has closed it yet."""
    brackets: int = 0
    environments: list[str] = field(default_factory=list)
    code_run: str | None = None
    """The backticks that opened a code span not closed yet."""
    pair: bool = False
    """A `$$` inside a line (not at its end) opened an inline `$$…$$`, which the next `$$`
    closes, on this line or a later one (lil-log's `$$R = \\begin{cases}` ... `$$`).
    Not an open display: it may be a price (HK$$5) that nothing closes."""

    @property
    def formula_open(self) -> bool:
        return self.dollars or self.brackets > 0 or bool(self.environments)

    @classmethod
    def of(cls, text: str) -> _Scan:
        scan = cls((), 0)
        for line in text.split("\n"):
            scan.read(line)
        return scan

    def read(self, line: str) -> None:
        if self.code_run is None and "$" not in line and "\\" not in line and "`" not in line:
            return
        for found in _DELIMITER.finditer(line):
            token = found.group()
            if self.code_run is not None:
                if token == self.code_run:
                    self.code_run = None
                continue
            if token.startswith("`"):
                if not self.formula_open:
                    self.code_run = token
                continue
            # `$$` and `\\[` open a display only at the end of a line: elsewhere they are
            # a price (HK$$5), two formulas side by side ($x$$y$), an escaped bracket
            at_line_end = not line[found.end():].strip()
            if token == "$$":
                if self.dollars or self.pair:
                    self.dollars = self.pair = False
                elif at_line_end:
                    self.dollars = True
                else:
                    self.pair = True
            elif self.dollars or self.pair:
                continue
            elif token == "\\[" and at_line_end:
                self.brackets += 1
            elif token == "\\]" and self.brackets:
                self.brackets -= 1
            elif found.group(1) == "begin" and found.group(2).rstrip("*") in DISPLAY_ENVIRONMENTS:
                self.environments.append(found.group(2))
            elif found.group(1) == "end" and found.group(2) in self.environments:
                where = len(self.environments) - 1 - self.environments[::-1].index(found.group(2))
                del self.environments[where:]


_DELIMITER = re.compile(r"\\\\\$?|\\\$|\$\$|\\\[|\\\]|\\(begin|end)\{([^{}]*)\}|`+")
"""What _Scan looks at; `\\\\` (a TeX line break, `\\\\[2pt]`) and escaped dollars are
passed over."""


def closing_backticks(src: str, start: int) -> re.Match | None:
    """The run of backticks that closes the code span whose opening run starts at
    `start` (a run of the same length), if any."""
    run = BACKTICKS.match(src, start).group()
    return re.compile(rf"(?<!`){run}(?!`)").search(src, start + len(run))


BACKTICKS = re.compile(r"`+")
