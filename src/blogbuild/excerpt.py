"""Cut a post's excerpt on its token stream, so no tag, list or formula is left open.

The excerpt is everything before the `<!--more-->` marker; without one, the first
top-level paragraph (with the display formulas and text glued to it, as TeX reads
it). Where the marker sits inside a list or a quote, or in the middle of a
paragraph, the containers still open at that point are closed. Formulas are
single tokens, so a cut never falls inside one. An element the author opened in raw
HTML before the marker (`<div class="note">`) is closed after the excerpt's HTML
(closed_elements).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from markdown_it.token import Token

from .cjkemphasis import is_cjk, is_punctuation
from .mathtokens import MATH_BLOCKS
from .problems import Problem

if TYPE_CHECKING:
    from .mathrender import Formula

# Footnote references would point at a footnote list the excerpt does not carry.
_DROPPED_INLINE = frozenset({"footnote_ref"})


def cut_excerpt(tokens: list[Token], marker: re.Pattern, source: str
                ) -> tuple[list[Token], bool]:
    """Return (excerpt tokens, whether anything was left out); `source`: the Markdown
    the tokens were parsed from."""
    found = _find_marker(tokens, marker)
    if found is None:
        kept = _first_paragraph(tokens, source.split("\n"))
    else:
        index, child = found
        kept = tokens[:index]
        if child is not None:
            # the marker is inside a paragraph: keep the text before it
            inline = tokens[index]
            kept.append(inline.copy(children=inline.children[:child]))
    kept = _close_open_containers([_without_footnote_refs(token) for token in kept])
    body = [t for t in tokens if not t.type.startswith("footnote_")]
    return kept, len(kept) < len(body) or found is not None


def markers_in_formulas(formulas: Sequence[Formula], marker: re.Pattern, source: str
                        ) -> list[Problem]:
    """A warning for each formula that holds the marker: a formula is one token, so the
    marker cuts nothing there, and KaTeX shows it as symbols."""
    problems = []
    for formula in formulas:
        if found := marker.search(formula.written):
            line = formula.line + formula.written.count("\n", 0, found.start())
            problems.append(Problem(source, line, f"{found.group()} is inside a formula, where "
                                    "it cuts no excerpt and shows as TeX: move it out, onto a "
                                    "line of its own", warning=True))
    return problems


def _glued(token: Token, lines: list[str]) -> bool:
    """A top-level block starting right below a line of text (no blank line between)."""
    return token.level == 0 and bool(token.map) and 0 < token.map[0] <= len(lines) and \
        bool(lines[token.map[0] - 1].strip())


def _find_marker(tokens: list[Token], marker: re.Pattern) -> tuple[int, int | None] | None:
    for index, token in enumerate(tokens):
        if token.type == "html_block" and marker.fullmatch(token.content.strip()):
            return index, None
        if token.type == "inline":
            for position, child in enumerate(token.children or []):
                if child.type == "html_inline" and marker.fullmatch(child.content.strip()):
                    return index, position
    return None


def _first_paragraph(tokens: list[Token], lines: list[str]) -> list[Token]:
    """The first top-level paragraph, as TeX reads one: a display formula written on
    the lines right below its text (or right above it), and the text right below that,
    are part of it (no blank line between; Markdown ends a paragraph at a display). A listing showed
    "存在 s∈[t−Δt,t] 使得" where the sentence goes on after its formula."""
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and token.level == 0:
            start, end = index, index + 3
            while start and tokens[start - 1].type in MATH_BLOCKS and _glued(tokens[start], lines):
                start -= 1  # a display right above the text, the post's first words
            while end < len(tokens) and _glued(tokens[end], lines) and (
                    tokens[end].type in MATH_BLOCKS or tokens[end].type == "paragraph_open"
                    and tokens[end - 1].type in MATH_BLOCKS):
                end += 1 if tokens[end].type in MATH_BLOCKS else 3
            return tokens[start:end]
    for index, token in enumerate(tokens):
        if token.level == 0 and token.nesting == 0 and token.block:
            return tokens[index:index + 1]
    return []


def _close_open_containers(tokens: list[Token]) -> list[Token]:
    open_stack: list[Token] = []
    for token in tokens:
        if token.nesting == 1:
            open_stack.append(token)
        elif token.nesting == -1 and open_stack:
            open_stack.pop()
    closing = [Token(opened.type.removesuffix("_open") + "_close", opened.tag, -1,
                     markup=opened.markup, block=opened.block, hidden=opened.hidden,
                     level=opened.level)
               for opened in reversed(open_stack)]
    return tokens + closing


def _without_footnote_refs(token: Token) -> Token:
    """`token` without its footnote references, and without the spaces written around
    one where nothing takes their place: "给出 [^1]。" reads "给出。" in an excerpt,
    "见 [^1] 的说法" reads "见的说法", and "see [^1] **there**" keeps one space."""
    children = token.children
    if not children or not any(c.type in _DROPPED_INLINE for c in children):
        return token
    kept: list[Token] = []
    joints: list[int] = []  # where a reference was: between kept[j - 1] and kept[j]
    for child in children:
        if child.type in _DROPPED_INLINE:
            joints.append(len(kept))
        else:
            kept.append(child)
    for joint in joints:
        _close_gap(kept, joint)
    return token.copy(children=kept)


def _close_gap(kept: list[Token], joint: int) -> None:
    """Leave one space, or none, where the spaces around a dropped reference were:
    none before punctuation or at the end, nor between two CJK characters."""
    before = kept[joint - 1] if joint and kept[joint - 1].type == "text" else None
    after = kept[joint] if joint < len(kept) and kept[joint].type == "text" else None
    space_before = before is not None and before.content[-1:].isspace()
    space_after = after is not None and after.content[:1].isspace()
    if not (space_before or space_after):
        return
    following = _next_visible(kept[joint:])
    last = before.content.rstrip()[-1:] if before is not None else ""
    one_space = following != "" and not is_punctuation(following) and \
        not (is_cjk(last or "x") and is_cjk(following))
    if space_before:
        kept[joint - 1] = before.copy(
            content=before.content.rstrip() + (" " if one_space and not space_after else ""))
    if space_after:
        kept[joint] = after.copy(content=(" " if one_space else "") + after.content.lstrip())


_WORDLIKE = "x"
"""What _next_visible gives for a formula, an image or raw HTML: neither punctuation
nor CJK (a space before it stays)."""


def _next_visible(tokens: list[Token]) -> str:
    """The first character a reader sees in `tokens` (inline children): in the text of a
    text token or a code span, through the opening of a link or of emphasis; "" if
    there is none."""
    for token in tokens:
        if token.type in ("text", "code_inline"):
            if visible := token.content.lstrip():
                return visible[0]
        elif token.type in ("softbreak", "hardbreak") or token.nesting != 0:
            continue
        else:
            return _WORDLIKE
    return ""


def has_raw_html(tokens: list[Token]) -> bool:
    """The tokens hold HTML the author wrote (the only tags an excerpt can leave open:
    Markdown's containers are closed by cut_excerpt)."""
    return any(token.type == "html_block" or
               any(child.type == "html_inline" for child in token.children or ())
               for token in tokens)


_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})


_BLOCKS = frozenset({"address", "article", "aside", "blockquote", "details", "div", "dl",
                     "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
                     "h5", "h6", "header", "hr", "main", "menu", "nav", "ol", "p", "pre",
                     "section", "table", "ul"})
_TABLE_SCOPE = frozenset({"table", "html"})
_IMPLIED_ENDS = (
    # (elements ended, by these start tags, unless one of these is open inside them)
    (frozenset({"p"}), _BLOCKS,
     frozenset({"td", "th", "table", "caption", "button", "object", "marquee", "html"})),
    (frozenset({"li"}), frozenset({"li"}), frozenset({"ul", "ol", "menu", *_TABLE_SCOPE})),
    (frozenset({"dt", "dd"}), frozenset({"dt", "dd"}), frozenset({"dl", *_TABLE_SCOPE})),
    (frozenset({"td", "th"}), frozenset({"td", "th", "tr"}), _TABLE_SCOPE),
    (frozenset({"tr"}), frozenset({"tr"}), _TABLE_SCOPE),
    (frozenset({"option"}), frozenset({"option", "optgroup"}), frozenset({"select"})),
)
"""HTML's end tags a start tag implies (the parsing rules, simplified)."""


class _OpenElements(HTMLParser):
    """The elements some HTML leaves open, outermost first, and the end tags it lacks
    inside (`<li><span>…</li>`: `insert`, (offset of the `</li>`, ["span"]))."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.insert: list[tuple[int, list[str]]] = []
        self._line_starts = [0]
        self._line_starts += [at + 1 for at, char in enumerate(html) if char == "\n"]

    def handle_starttag(self, tag: str, attrs) -> None:
        # a start tag that ends an element whose end tag HTML lets one leave out
        # (`<p>a<p>b`, `<li>a<li>b`): a browser closes it there, and so does this
        for ended, starts, scope in _IMPLIED_ENDS:
            if tag in starts:
                self._close_implied(ended, scope)
        if tag not in _VOID:
            self.open.append(tag)

    def _close_implied(self, ended: frozenset[str], scope: frozenset[str]) -> None:
        for at in range(len(self.open) - 1, -1, -1):
            if self.open[at] in ended:
                del self.open[at:]
                return
            if self.open[at] in scope:
                return

    def handle_startendtag(self, tag: str, attrs) -> None:
        pass  # `<path/>`: nothing stays open

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            at = len(self.open) - 1 - self.open[::-1].index(tag)
            if inner := self.open[at + 1:]:
                line, column = self.getpos()
                self.insert.append((self._line_starts[line - 1] + column, inner))
            del self.open[at:]


def closed_elements(html: str) -> str:
    """`html` with the end tags it lacks: before the end tag of an element that holds
    an element left open, and at the end for those still open there."""
    parser = _OpenElements(html)
    parser.feed(html)
    parser.close()
    parts, last = [], 0
    for at, inner in parser.insert:
        parts += [html[last:at], *(f"</{tag}>" for tag in reversed(inner))]
        last = at
    return "".join([*parts, html[last:], *(f"</{tag}>" for tag in reversed(parser.open))])
