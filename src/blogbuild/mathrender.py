"""Formulas from token to page: numbering, references, KaTeX checks, and the markup.

Math tokens come from mathsyntax.py. A core rule numbers display formulas (numbering.py)
and checks references; `collect_formulas` lists the final TeX of every formula with its
file line, for KaTeX; the render rules write either KaTeX-ready TeX
(`<span class="math inline">\\(…\\)</span>`) or, when the env carries KaTeX's HTML for
a formula (render = "build"), that HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .formulabreaks import bound, render_text
from .katex import Typesetter, defines_macros
from .mathjax import (defines_any, global_definitions, mathjax_compatible, mathjax_hint,
                      undefined_commands)
from .mathsyntax import REFERENCE
from .mathtokens import MATH_TOKENS
from .numbering import Numbering, equation_anchor, number_display
from .problems import Problem, did_you_mean

_DISPLAY = frozenset({"math_display", "math_block", "amsmath"})


@dataclass(frozen=True)
class Formula:
    tex: str
    """The TeX KaTeX receives: numbered, references resolved."""
    display: bool
    line: int
    """1-based line in the source file."""
    written: str
    """The TeX as the author wrote it, for messages."""
    scope: int = 0
    """How many formulas before it (in its post, comment or title) define macros: the
    same TeX after a redefinition (`\\def\\v` twice) is another formula."""


def install_math_rendering(md: MarkdownIt, *, numbered: bool) -> None:
    """Render rules for every math token; `numbered` adds equation numbering."""
    if numbered:
        md.core.ruler.after("math_double_dollar_lines", "equation_numbers", _number_equations)
    for kind in ("math_inline", "math_inline_double"):
        md.add_render_rule(kind, _render_inline)
    for kind in _DISPLAY:
        md.add_render_rule(kind, _render_display)
    md.add_render_rule("math_ref", _render_prose_ref)
    md.add_render_rule("text", render_text)  # less the punctuation a formula took


def collect_formulas(tokens: list[Token], env: dict, first_line: int) -> list[Formula]:
    """Every formula in document order, as KaTeX will receive it, with its line."""
    found: list[tuple[str, bool, int, str]] = []
    for block in tokens:
        line = first_line + (block.map[0] if block.map else 0)
        if block.type in MATH_TOKENS:
            found += [(tex, True, line, block.content) for tex in formula_texs(block, env)]
        for child, child_line in _children_with_lines(block, line):
            if child.type in MATH_TOKENS:
                found += [(tex, child.type in _DISPLAY, child_line, child.content)
                          for tex in formula_texs(child, env)]
    return scoped(found)


def scoped(formulas: Sequence[tuple[str, bool, int, str]]) -> list[Formula]:
    """(TeX, display, line, as written) of formulas typeset one after the other (a
    post's, a comment's) → their records, each with the count of macro definitions
    before it (Formula.scope)."""
    records, scope = [], 0
    for tex, display, line, written in formulas:
        records.append(Formula(tex, display, line, written, scope))
        scope += defines_macros(tex)
    return records


def _children_with_lines(block: Token, line: int) -> Iterator[tuple[Token, int]]:
    """The formulas and references among the inline children of `block` (which starts
    on `line`), each with its line. Children carry no position: each is found in the
    block's text after the one before."""
    cursor = 0
    for child in block.children or []:
        if child.type not in MATH_TOKENS and child.type != "math_ref":
            continue
        written = child.content  # a reference as written too: `\\eqref{ x }`
        found = block.content.find(written, cursor)
        if found < 0:  # a code span's formula ([math] code_spans) lost its line breaks
            spread = re.compile(r"\s+".join(map(re.escape, written.split())))
            match = spread.search(block.content, cursor)
            found = match.start() if match else -1
        if found >= 0:
            line += block.content.count("\n", cursor, found)
            cursor = found
        yield child, line


@dataclass
class TypesetResult:
    """KaTeX's verdict on a post's formulas."""

    html: dict[tuple[str, bool, int], str]
    """(TeX, display, scope) → KaTeX's HTML, for every formula that typeset (none when
    the engine only checks)."""
    rewritten: dict[tuple[str, bool], str]
    """(TeX, display) → the MathJax-compatible TeX used instead (mathjax.py)."""
    problems: list[Problem]


_REWRITE_ROUNDS = 2
"""How many times typeset_formulas rewrites what KaTeX still refuses."""


def typeset_formulas(formulas: list[Formula], typeset: Typesetter, source: str) -> TypesetResult:
    """Run KaTeX on the formulas; where it refuses some, all run again in order, the
    refused ones with MathJax's habits rewritten and those defining what a refused one
    lacks with their definitions made global (_rewritten; _REWRITE_ROUNDS times at most), and
    the last run is the verdict for every formula: the macros in force are then those
    the page will have (a rewritten definition changes what the formulas after it
    mean), and a formula is a problem if it is refused there."""
    texs = [f.tex for f in formulas]
    answers = typeset([(f.tex, f.display) for f in formulas])
    for _ in range(_REWRITE_ROUNDS):
        # a rewritten definition can make a later formula refused (the `\newcommand` of
        # what a rewrite now defines, which MathJax would allow): rewritten in turn
        # a command defined inside an environment is KaTeX's until the environment's
        # end, MathJax's to the end of the page: its definition is made global
        undefined = set().union(*(undefined_commands(answer.error) for answer in answers
                                  if answer.error is not None))
        rewritten = [_rewritten(tex, answer.error is not None, undefined)
                     for tex, answer in zip(texs, answers)]
        if rewritten == texs:
            break
        texs = rewritten
        answers = typeset([(tex, f.display) for tex, f in zip(texs, formulas)])
    result = TypesetResult({}, {}, [])
    for formula, tex, answer in zip(formulas, texs, answers):
        if answer.error is None:
            if tex != formula.tex:
                result.rewritten[(formula.tex, formula.display)] = tex
            if answer.html is not None:
                result.html[(formula.tex, formula.display, formula.scope)] = answer.html
            if answer.refused:
                _add(result.problems, _refused(source, formula, answer.refused))
            continue
        message = _plain(answer.error)
        if " ".join(tex.split()) != " ".join(formula.written.split()):
            # KaTeX quotes and counts in the TeX it was given: numbered (`\tag{1}`,
            # `align*`), references made links, rewritten; not what the author wrote,
            # which the message quotes whole
            message = _AT_POSITION.sub("", message)
        hint = mathjax_hint(message)
        _add(result.problems, Problem(source, formula.line, f"KaTeX: {message} in "
                                      f"{_quoted(formula)}" + (f" ({hint})" if hint else "")))
    return result


def _rewritten(tex: str, refused: bool, undefined: set[str]) -> str:
    """A formula for the next round of typeset_formulas: MathJax's habits rewritten if
    KaTeX refused it, and its definitions made global if they define a command that a
    formula (a later one, or a later row of itself) was refused for."""
    tex = mathjax_compatible(tex) if refused else tex
    return global_definitions(tex) if undefined and defines_any(tex, undefined) else tex


_LINKS = ("\\href", "\\url")


def _refused(source: str, formula: Formula, commands: tuple[str, ...]) -> Problem:
    """The warning for commands KaTeX was not trusted with in `formula`: it showed no
    error, only their names in red on the page."""
    # a reader's \style is KaTeX's \htmlStyle (katex.AUTHOR_MACROS): named as written
    names = ["\\style" if command == "\\htmlStyle" and "\\style" in formula.written
             else command for command in commands]
    if all(command in _LINKS for command in commands):
        fix = "a formula may link only to the site's own pages (\\href{#eq-1}{…}), a " \
            "reader's not at all: put the link outside the formula"
    else:
        fix = "a reader's formula may use no links, styles or HTML, and a post's only " \
            "\\style and links to the site's own pages: remove it"
    return Problem(source, formula.line, f"KaTeX shows {', '.join(names)} as "
                   f"{'its name' if len(names) == 1 else 'their names'} in red in "
                   f"{_quoted(formula)}; {fix}", warning=True)


def _quoted(formula: Formula) -> str:
    """The formula as its author wrote it, on one line, shortened: `$…$` or `$$…$$`."""
    shown = " ".join(formula.written.split())
    shown = shown if len(shown) <= 160 else shown[:160] + "…"
    fence = "$$" if formula.display else "$"
    return f"{fence}{shown}{fence}"


def _add(problems: list[Problem], problem: Problem) -> None:
    if problem not in problems:  # an excerpt's copy, its references linking away
        problems.append(problem)


_AT_POSITION = re.compile(r" at (?:position \d+|end of input): .*", re.S)


def _plain(error: str) -> str:
    """KaTeX's message on one line, without its prefix and the combining underline it
    draws under the offending characters."""
    message = error.removeprefix("KaTeX parse error: ").replace("\u0332", "")
    return " ".join(message.split())


def formula_texs(token: Token, env: dict) -> list[str]:
    """The TeX of a math token as rendered: numbered (display), with references as
    links, and rewritten for KaTeX where KaTeX refused it as written. One formula, or
    a multline's rows."""
    display = token.type in _DISPLAY
    texts = [_resolve_references(tex, env) for tex in _numbered_texs(token)]
    return [env.get("rewritten", {}).get((tex, display), tex) for tex in texts]


def _numbered_texs(token: Token) -> list[str]:
    meta = token.meta or {}
    if meta.get("rows"):
        return [row.tex for row in meta["rows"]]
    return [meta.get("tex", token.content)]


def _resolve_references(tex: str, env: dict) -> str:
    numbering: Numbering | None = env.get("numbering")
    if numbering is None:
        return tex

    def link(found: re.Match) -> str:
        kind, label = found.group(1), found.group(2).strip()
        number = numbering.labels.get(label)
        if not number:
            return r"\text{(??)}" if kind == "eqref" else r"\text{??}"
        shown = f"({number})" if kind == "eqref" else number
        return rf"\href{{{env['link_prefix']}#{numbering.anchor(label)}}}{{\text{{{shown}}}}}"

    return REFERENCE.sub(link, tex)


def _number_equations(state: StateCore) -> None:
    """Number display formulas in document order, then check every reference.

    Must run after inline parsing (formulas inside paragraphs are inline tokens) and
    before rendering (renderers read `meta["tex"]` and the label map).
    """
    # a summary (front matter) refers to the equations of the body it summarizes
    known: Numbering | None = state.env.get("labels_from")
    numbering = Numbering(labels=dict(known.labels)) if known else Numbering()
    state.env["numbering"] = numbering
    source, first_line = state.env.get("source", ""), state.env.get("first_line", 1)
    references: list[tuple[str, str, int]] = []
    shown: dict[str, int] = {}  # number → the line of the first equation showing it
    repeated: list[tuple[str, int]] = []
    labelled: dict[str, int] = {}  # label → the line of the first \label of it
    relabelled: list[tuple[str, int]] = []  # (label, line) of each later \label of it
    for block in state.tokens:
        line = (block.map[0] if block.map else 0) + first_line
        for token, token_line in [(block, line), *_children_with_lines(block, line)]:
            if token.type in _DISPLAY:
                known_labels, duplicates = set(numbering.labels), len(numbering.duplicates)
                numbered = number_display(token.content, numbering)
                new_labels = numbering.labels.keys() - known_labels
                for label in new_labels:
                    labelled[label] = _label_line(token, token_line, label, 0)
                # each later \label of a label is its next one in the formula's text
                given: dict[str, int] = {label: 1 for label in new_labels}
                for label in numbering.duplicates[duplicates:]:
                    relabelled.append((label, _label_line(token, token_line, label,
                                                          given.get(label, 0))))
                    given[label] = given.get(label, 0) + 1
                token.meta = {**(token.meta or {}), "tex": numbered.tex, "rows": numbered.rows,
                              "anchors": [equation_anchor(n) for n in numbered.numbers if n]}
                for number in numbered.numbers:
                    if number in shown:
                        repeated.append((number, token_line))
                    else:
                        shown[number] = token_line
            if token.type in MATH_TOKENS:
                references += [(kind, label, token_line)
                               for kind, label in REFERENCE.findall(token.content)]
            elif token.type == "math_ref":
                references.append((token.meta["kind"], token.meta["label"], token_line))
    problems = state.env.setdefault("problems", [])
    for number, line in repeated:
        problems.append(Problem(source, line, f"a second equation numbered ({number}) (line "
                                f"{shown[number]} has it too: a \\tag and an automatic number?); "
                                "\\eqref and links to it reach the first: give the \\tag "
                                "another text", warning=True))
    for label, line in relabelled:
        first = f" (line {labelled[label]} has it first)" if label in labelled else ""
        problems.append(Problem(source, line, f"\\label{{{label}}} is used for two "
                                f"equations{first}; give each its own label"))
    for kind, label, line in references:
        if label not in numbering.labels:
            problems.append(Problem(source, line, f"\\{kind}{{{label}}}: no equation in this "
                                    f"post has \\label{{{label}}}"
                                    f"{did_you_mean(label, numbering.labels)}"))
        elif not numbering.labels[label]:
            problems.append(Problem(source, line, f"\\{kind}{{{label}}}: that equation has no "
                                    "number (starred, \\notag or $$ without an environment); "
                                    "number it or add \\tag{...}"))


def _label_line(token: Token, line: int, label: str, nth: int) -> int:
    """The line of the `nth` (from 0) `\\label{label}` in a formula token starting
    on `line`."""
    written = f"\\label{{{label}}}"
    at = -1
    for _ in range(nth + 1):
        if (at := token.content.find(written, at + 1)) < 0:
            return line
    return line + token.content.count("\n", 0, at)


FORMULA_ELEMENT = re.compile(r'<(span|div) class="math (?:inline|display)[^"]*"[^>]*>'
                             r'\\([(\[])(.*?)\\[)\]]</\1>', re.S)
"""A formula as the renderer writes it as TeX (in feeds, and on the page in client
mode): group 2 is `(` inline, `[` display; group 3 its TeX, HTML-escaped."""


def _formula_body(numbered: str, display: bool, env: dict) -> str:
    """What goes inside the formula's element: KaTeX's HTML when the page carries it
    (render = "build"), else the TeX between KaTeX's delimiters."""
    written = _resolve_references(numbered, env)
    # the formulas render in the order collect_formulas found them: count as it did
    scope = env.get("math_scope", 0)
    env["math_scope"] = scope + defines_macros(written)
    if (html := env.get("typeset", {}).get((written, display, scope))) is not None:
        return html
    tex = escapeHtml(env.get("rewritten", {}).get((written, display), written))
    return f"\\[{tex}\\]" if display else f"\\({tex}\\)"


def _render_inline(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    return bound(tokens, idx, f'<span class="math inline">'
                              f'{_formula_body(_numbered_texs(token)[0], False, env)}</span>')


def _render_display(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    anchors = (token.meta or {}).get("anchors", [])
    # the first number anchors the element itself, further rows get empty anchors
    # (which blogbuild.js moves onto their numbers, once KaTeX has drawn them);
    # an excerpt carries none: its page may list several posts with an (1) each
    ident = f' id="{anchors[0]}"' if anchors and not env["link_prefix"] else ""
    extra = "".join(f'<span id="{a}"></span>' for a in anchors[1:]) if ident else ""
    # a display formula inside a paragraph is a <span>: a <div> there is invalid HTML
    element = "div" if token.block else "span"
    newline = "\n" if token.block else ""
    rows = (token.meta or {}).get("rows")
    if not rows:
        body = _formula_body(_numbered_texs(token)[0], True, env)
        return f'{extra}<{element} class="math display"{ident}>{body}</{element}>{newline}'
    # a multline: its rows are formulas of their own, placed by the stylesheet
    body = "".join(f'<{element} class="math display multline-{row.place}">'
                   f'{_formula_body(row.tex, True, env)}</{element}>' for row in rows)
    return f'{extra}<{element} class="multline"{ident}>{body}</{element}>{newline}'


def inside_link(tokens: list[Token], idx: int) -> bool:
    """The inline token at `idx` is inside a link's text (where no link may go)."""
    return sum({"link_open": 1, "link_close": -1}.get(t.type, 0) for t in tokens[:idx]) > 0


def _render_prose_ref(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    numbering: Numbering | None = env.get("numbering")
    label = token.meta["label"]
    if numbering is None or not numbering.labels.get(label):
        return escapeHtml(token.content)
    number = numbering.labels[label]
    shown = f"({number})" if token.meta["kind"] == "eqref" else number
    if inside_link(tokens, idx):  # `[见 \eqref{a} 的证明](url)`: a link holds no link
        return escapeHtml(shown)
    href = f"{env['link_prefix']}#{numbering.anchor(label)}"
    return f'<a class="eqref" href="{escapeHtml(href)}">{escapeHtml(shown)}</a>'
