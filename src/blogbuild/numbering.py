r"""Equation numbering, done on TeX before any renderer sees it.

KaTeX has no `\label`, `\eqref`, `multline` or `eqnarray`, and numbers each formula
on its own. So the numbered environments are rewritten to their starred form with an
explicit `\tag{n}` on each numbered row, `\label{x}` is removed and recorded, and the
reference commands are later replaced by links. Client and build modes therefore
number identically. A `multline` becomes one formula per row, each with its place
(left, centre, right), which the page lays out as amsmath does (mathrender.py, CSS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NUMBERED = ("equation", "align", "gather", "multline", "eqnarray", "alignat", "flalign")
"""Environments numbered row by row (or once, for equation and multline)."""
DISPLAY_ENVIRONMENTS = (*NUMBERED, "matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix",
                        "Vmatrix", "smallmatrix", "array", "darray", "subarray", "split",
                        "aligned", "alignedat", "gathered", "cases", "dcases", "rcases",
                        "drcases", "CD")
"""Every environment KaTeX has: MathJax typesets any of them written bare in the text."""
ENVIRONMENT_OPEN = r"\\begin\{((?:" + "|".join(DISPLAY_ENVIRONMENTS) + r")\*?)\}"
DISPLAY_ONLY = re.compile(r"\\(?:tag\*?|label)\s*\{"
                          r"|\\begin\{(?:" + "|".join(NUMBERED) + r")\*?\}")
"""What only a display formula may hold (KaTeX refuses it inline): a number (\\tag,
\\label) or an environment numbered row by row."""

# Environments KaTeX does not have, and the one it renders them with.
_KATEX_NAME = {"eqnarray": "align", "flalign": "align"}
_WHOLE = re.compile(r"^\s*\\begin\{(\w+)(\*?)\}(\{\d+\})?(.*)\\end\{\1\2\}\s*$", re.S)
_LABEL = re.compile(r"\\label\{([^{}]*)\}")
_NOTAG = re.compile(r"\\(?:notag|nonumber)(?![A-Za-z])")
_TAG = re.compile(r"\\tag\*?\{([^{}]*)\}")


@dataclass
class Numbering:
    """Equation numbers and labels of one post, filled formula by formula in order."""

    count: int = 0
    """Last automatic number given."""
    labels: dict[str, str] = field(default_factory=dict)
    """Label → what `\\eqref` shows: an automatic number or a `\\tag` text."""
    duplicates: list[str] = field(default_factory=list)
    """Labels defined more than once."""

    def anchor(self, label: str) -> str:
        """The HTML id of the equation that carries `label`."""
        return equation_anchor(self.labels[label])

    def record(self, label: str, number: str) -> None:
        if label in self.labels:
            self.duplicates.append(label)
        else:
            self.labels[label] = number


def equation_anchor(number: str) -> str:
    """The HTML id of the equation numbered or tagged `number`: "eq-1", "eq-A.2"; one
    id per tag (`\\tag{1'}` and `\\tag{1*}` are two equations): any character but a
    letter, a digit, `.` and `-` is written as `_` and its code point in hex and `_`."""
    return "eq-" + re.sub(r"[^\w.-]|_", lambda found: f"_{ord(found.group()):x}_", number)


@dataclass(frozen=True)
class MultlineRow:
    """One row of a multline, typeset as a formula of its own."""

    tex: str
    place: str
    """Where the row sits: "left" (the first row, and `\\shoveleft`), "center", or
    "right" (the last row, which carries the number, and `\\shoveright`)."""


@dataclass(frozen=True)
class NumberedFormula:
    tex: str
    """The TeX to render: labels removed, numbered rows tagged, environment starred.
    For a multline, its rows joined by `\\\\` (what `rows` renders, for reading)."""
    numbers: tuple[str, ...]
    """Every number or tag this formula shows, in order (for anchors)."""
    rows: tuple[MultlineRow, ...] = ()
    """A multline's rows, each its own formula; empty for every other formula."""


def number_display(tex: str, numbering: Numbering) -> NumberedFormula:
    """Number one display formula (whatever its delimiters), updating `numbering`."""
    whole = _WHOLE.match(tex)
    if not whole or whole.group(1) not in NUMBERED:
        # `$$ .. \label{x} $$` (or an aligned block): an author who labels a display
        # means it to be numbered; the tag goes after everything, outside any environment
        return _number_rows([tex], numbering, automatic=bool(_LABEL.search(tex)))
    name, star, argument, body = whole.groups()
    argument = argument or ""
    target = _KATEX_NAME.get(name, name)
    if name == "multline":
        return _number_multline(body, numbering, automatic=not star)
    if name == "equation":
        result = _number_rows([body], numbering, automatic=not star)
    else:
        rows = _split_rows(body)
        if name == "eqnarray":
            rows = [_merge_eqnarray_columns(row) for row in rows]
        result = _number_rows(rows, numbering, automatic=not star)
    starred = target + "*" if target in NUMBERED or target == "gather" else target
    return NumberedFormula(f"\\begin{{{starred}}}{argument}{_ended(result.tex)}\\end{{{starred}}}",
                           result.numbers)


_COMMENT = re.compile(r"(?<!\\)(?:\\\\)*%")
"""A `%` that starts a TeX comment (not `\\%`; after `\\\\`, a line break, it does)."""


def _ended(tex: str) -> str:
    """`tex`, ready for something to be written after it (a `\\tag`, an `\\end`): on a
    new line if its last line ends in a comment (`% 对数似然`), which would swallow it."""
    return tex + "\n" if _COMMENT.search(tex.rsplit("\n", 1)[-1]) else tex


def _number_rows(rows: list[str], numbering: Numbering, *, automatic: bool) -> NumberedFormula:
    """Tag each row that should carry a number; rows keep their `\\\\` separators."""
    out, numbers = [], []
    for row in rows:
        content, separator = _split_separator(row)
        labels = _LABEL.findall(content)
        content = _LABEL.sub("", content)
        explicit = _TAG.search(content)
        number = None
        if _NOTAG.search(content):
            content = _NOTAG.sub("", content)
        elif explicit:
            number = explicit.group(1)
        elif automatic and (content.strip() or labels):
            numbering.count += 1
            number = str(numbering.count)
            content = _ended(content.rstrip()) + f" \\tag{{{number}}}"
        for label in labels:
            numbering.record(label.strip(), number if number is not None else "")
        if number is not None:
            numbers.append(number)
        out.append(content + separator)
    return NumberedFormula("".join(out), tuple(numbers))


def _number_multline(body: str, numbering: Numbering, *, automatic: bool) -> NumberedFormula:
    """multline carries one number, on its last row, and labels anywhere in it refer to
    that. KaTeX has no multline, and no formula can know the width of the page it sits
    on, so each row becomes a formula of its own: the first flush left, the last flush
    right with the number, the others centred unless shoved."""
    # numbered as one row (labels, \notag, \tag, the automatic number), then the tag
    # moved to the end of the last row
    whole = _number_rows([body], numbering, automatic=automatic)
    tag = _TAG.search(whole.tex)
    body = _TAG.sub("", whole.tex)
    texts = [row for row in (_split_separator(row)[0].strip() for row in _split_rows(body))
             if row] or [""]
    rows = [_multline_row(text, index, len(texts)) for index, text in enumerate(texts)]
    if tag:
        rows[-1] = MultlineRow(f"{_ended(rows[-1].tex)} {tag.group(0)}", rows[-1].place)
    return NumberedFormula("\\\\".join(row.tex for row in rows), whole.numbers, tuple(rows))


_SHOVE = re.compile(r"^\\shove(left|right)(?![A-Za-z])\s*(?:\[[^\]]*\])?\s*")


def _multline_row(tex: str, index: int, count: int) -> MultlineRow:
    """A row's place as amsmath sets it; a lone row is centred like an equation."""
    if count == 1:
        return MultlineRow(tex, "center")
    if index == 0:
        return MultlineRow(tex, "left")
    if index == count - 1:
        return MultlineRow(tex, "right")
    shoved = _SHOVE.match(tex)
    if shoved:
        return MultlineRow(tex[shoved.end():], shoved.group(1))
    return MultlineRow(tex, "center")


def _merge_eqnarray_columns(row: str) -> str:
    r"""eqnarray's `a & = & b` has three columns; align's two-column `a &= b` looks the same."""
    depth, ampersands = 0, []
    for index, char in enumerate(row):
        if char == "{" and not is_escaped(row, index):
            depth += 1
        elif char == "}" and not is_escaped(row, index):
            depth -= 1
        elif char == "&" and depth == 0 and not is_escaped(row, index):
            ampersands.append(index)
    if len(ampersands) >= 2:
        cut = ampersands[1]
        row = row[:cut] + row[cut + 1:]
    return row


def is_escaped(text: str, index: int) -> bool:
    """The character at `index` is escaped: an odd number of backslashes stands before it."""
    count = 0
    while index - count - 1 >= 0 and text[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1


_ROW_BREAK = re.compile(r"\\\\(?:\s*\[[^\]]*\])?|\\[{}]|\\begin\{\w+\*?\}|\\end\{\w+\*?\}|[{}]")


def _split_rows(body: str) -> list[str]:
    r"""Split an environment's body after each top-level `\\` (kept with its row)."""
    rows, depth, start = [], 0, 0
    for found in _ROW_BREAK.finditer(body):
        token = found.group(0)
        if token in ("\\{", "\\}"):
            continue
        if token == "{" or token.startswith("\\begin"):
            depth += 1
        elif token == "}" or token.startswith("\\end"):
            depth -= 1
        elif depth == 0:
            rows.append(body[start:found.end()])
            start = found.end()
    rows.append(body[start:])
    return rows


def _split_separator(row: str) -> tuple[str, str]:
    found = re.search(r"\\\\(?:\s*\[[^\]]*\])?\s*$", row)
    return (row[:found.start()], row[found.start():]) if found else (row, "")
