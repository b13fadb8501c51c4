r"""MathJax habits that KaTeX rejects, rewritten into what KaTeX accepts.

Blogs written for MathJax contain TeX that MathJax renders and KaTeX refuses:
`t_\max` and `Q^\vec{\mu}` (a command as a bare sub- or superscript),
`\text{style_fwd}` or `\text{ & }` (characters that are special in math mode, inside
text), `\renewcommand` of a command not defined yet and `\newcommand` of one defined
already (KaTeX defines `\R` itself; a post may repeat its definitions, or define a
site macro): MathJax does either, and both are what `\def` does; `\mbox` and
`\DeclareMathOperator` (LaTeX's, not KaTeX's: `\text` and `\operatorname`), and a
`split` with more than two columns (MathJax lays it out; KaTeX's `aligned` does the
same); MathJax's `\require{cancel}`, which loads what KaTeX has built in (dropped), and
amsmath's `\mspace{3mu}` (KaTeX's `\mskip`). The rewrite is tried only after
KaTeX has refused a formula as written, so a formula KaTeX accepts reaches the page
unchanged, but for one thing: where a later formula was refused for a command it
defines, its definitions are made `\gdef` (global_definitions: MathJax's hold to
the page's end, KaTeX's to their group's).
"""

from __future__ import annotations

import re

from .katex import DEFINED_NAME

# \cmd after _ or ^, with its braced arguments: t_\max, Q^\vec{\mu}, x^\frac{1}{2}
_BARE_SCRIPT = re.compile(r"([_^])\s*(\\[A-Za-z]+\*?(?:\s*\{(?:[^{}]|\{[^{}]*\})*\})*)")
_TEXT_COMMANDS = re.compile(r"\\(?:text|textrm|textbf|textit|textsf|texttt|mbox)\s*\{")
_TEXT_SPECIAL = re.compile(r"(?<!\\)([_&#%])")
# \renewcommand{\name}[2]{, \newcommand too (no optional argument's default: \def has none)
_RENEW = re.compile(r"\\(?:re)?newcommand\s*(?:\{\s*(\\[A-Za-z]+)\s*\}|(\\[A-Za-z]+))"
                    r"\s*(?:\[\s*([1-9])\s*\])?(?=\s*\{)")
_SPLIT = re.compile(r"\\(begin|end)\{split\}")
_MBOX = re.compile(r"\\mbox(?![A-Za-z])")
_REQUIRE = re.compile(r"\\require\s*\{[^{}]*\}")
_MSPACE = re.compile(r"\\mspace(?![A-Za-z])")
# \DeclareMathOperator*{\name}{text}
_OPERATOR = re.compile(r"\\DeclareMathOperator(\*?)\s*(?:\{\s*(\\[A-Za-z]+)\s*\}|(\\[A-Za-z]+))\s*\{")


def mathjax_compatible(tex: str) -> str:
    """`tex` with the MathJax-only habits above rewritten; the rest untouched."""
    tex = _RENEW.sub(_as_def, tex)
    tex = _operators_as_defs(tex)
    tex = _SPLIT.sub(r"\\\1{aligned}", tex)
    tex = _MBOX.sub(r"\\text", tex)
    tex = _REQUIRE.sub("", tex)
    tex = _MSPACE.sub(r"\\mskip", tex)
    return _BARE_SCRIPT.sub(r"\1{\2}", _escape_text_arguments(tex))


MATHJAX_ONLY = {
    "\\bbox": "\\bbox is MathJax's; KaTeX boxes with \\boxed{…}, \\colorbox{yellow}{$…$} "
              "or \\fcolorbox{red}{yellow}{$…$}",
    "\\enclose": "\\enclose is MathJax's; KaTeX has \\boxed{…}, \\cancel{…}, \\bcancel{…} "
                 "and \\xcancel{…}",
    "\\unicode": "\\unicode is MathJax's; KaTeX writes a character by its code as \\char\"263A",
    "\\class": "\\class is MathJax's; KaTeX gives formulas no classes: remove it (a post "
              "may style the part with \\style{css}{…})",
    "\\cssId": "\\cssId is MathJax's; KaTeX gives a post's formulas no ids: remove it",
    "\\ce": "\\ce is mhchem's, which blogbuild does not load: write it in TeX, as "
            "\\mathrm{H_2O}",
    "\\pu": "\\pu is mhchem's, which blogbuild does not load: write it in TeX, as "
            "1\\,\\mathrm{mol}",
    "\\idotsint": "\\idotsint is MathJax's; write \\int\\cdots\\int",
    "\\overparen": "\\overparen is MathJax's; KaTeX's arc is \\overgroup{…}",
    "\\underparen": "\\underparen is MathJax's; KaTeX's arc is \\undergroup{…}",
    "\\Tiny": "\\Tiny is MathJax's; KaTeX's smallest size is \\tiny",
}
"""Commands MathJax knows and KaTeX has nothing equal to (no rewrite) → what the
author can write instead (mathjax_hint)."""
_UNDEFINED = re.compile(r"Undefined control sequence: (\\[A-Za-z]+)")


def mathjax_hint(error: str) -> str | None:
    """For KaTeX's error about a command only MathJax knows, what to write instead."""
    found = _UNDEFINED.search(error)
    return MATHJAX_ONLY.get(found.group(1)) if found else None


def _as_def(found: re.Match[str], command: str = "\\def") -> str:
    name, count = found.group(1) or found.group(2), int(found.group(3) or 0)
    return command + name + "".join(f"#{n}" for n in range(1, count + 1))


def undefined_commands(error: str) -> set[str]:
    """The commands KaTeX's error says are undefined (none for another error)."""
    return set(_UNDEFINED.findall(error))


def defines_any(tex: str, names: set[str]) -> bool:
    """`tex` defines one of the commands `names` (katex.DEFINED_NAME)."""
    return not names.isdisjoint(DEFINED_NAME.findall(tex))


def global_definitions(tex: str) -> str:
    """`tex` with its \\newcommand, \\renewcommand and \\def made \\gdef. MathJax's
    definitions hold for the rest of the page wherever they are made; KaTeX's only to
    the end of the group they are made in (`\\begin{equation}\\newcommand{\\dd}…`), so
    a later formula using the command was refused."""
    return _DEF.sub(r"\\gdef", _RENEW.sub(lambda found: _as_def(found, "\\gdef"), tex))


_DEF = re.compile(r"(?<!\\)\\def(?![A-Za-z])")


def _operators_as_defs(tex: str) -> str:
    """`\\DeclareMathOperator{\\tr}{tr}` → `\\def\\tr{\\operatorname{tr}}` (`*`: operatorname*)."""
    out, position = [], 0
    for found in _OPERATOR.finditer(tex):
        if found.start() < position:
            continue
        end = matching_brace(tex, found.end())
        if end is None:
            break
        name = found.group(2) or found.group(3)
        out += [tex[position:found.start()],
                f"\\def{name}{{\\operatorname{found.group(1)}{{{tex[found.end():end]}}}}}"]
        position = end + 1
    out.append(tex[position:])
    return "".join(out)


def _escape_text_arguments(tex: str) -> str:
    out, position = [], 0
    for found in _TEXT_COMMANDS.finditer(tex):
        if found.start() < position:
            continue
        start = found.end()
        end = matching_brace(tex, start)
        if end is None:
            break
        out += [tex[position:start], _TEXT_SPECIAL.sub(r"\\\1", tex[start:end])]
        position = end
    out.append(tex[position:])
    return "".join(out)


def matching_brace(tex: str, start: int) -> int | None:
    """Index of the `}` closing the group that starts at `start` (after its `{`)."""
    depth = 1
    index = start
    while index < len(tex):
        char = tex[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None
