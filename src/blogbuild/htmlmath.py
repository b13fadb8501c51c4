"""Formulas inside raw HTML blocks (a `<table>` whose cells hold `$…$`).

CommonMark leaves an HTML block alone, but MathJax, for which the blog was written,
typesets the whole page, so such formulas displayed. Here the HTML block's text
between tags is searched with the same math rules (and nothing else: it is HTML, not
Markdown); the block becomes a token with children, so its formulas are numbered,
checked by KaTeX and rendered like any other. Text inside <pre>, <code>, <script>,
<style>, <textarea> and comments is left alone.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

_PIECES = re.compile(r"<!--.*?-->|<(pre|code|script|style|textarea)\b.*?</\1\s*>"
                     r"|</?[A-Za-z][^>]*>", re.S | re.I)
_MAY_HOLD_MATH = re.compile(r"\$|\\\(|\\\[|\\begin\{|\\(?:eq)?ref\{")


def install_html_math(md: MarkdownIt) -> None:
    """Must run after inline parsing and before numbering (which reads the children)."""
    md.core.ruler.after("inline", "math_in_html_blocks", _math_in_html_blocks)
    md.add_render_rule("html_math", lambda self, tokens, idx, options, env:
                       self.renderInline(tokens[idx].children, options, env))


def _math_in_html_blocks(state: StateCore) -> None:
    for token in state.tokens:
        if token.type != "html_block" or not _MAY_HOLD_MATH.search(token.content):
            continue
        children = _children(token.content, state.env)
        if any(child.type.startswith("math") for child in children):
            token.type = "html_math"
            token.children = children


def _children(source: str, env: dict) -> list[Token]:
    children: list[Token] = []
    position = 0
    for piece in _PIECES.finditer(source):
        children += _text(source[position:piece.start()], env)
        children.append(_raw(piece.group(0)))
        position = piece.end()
    children += _text(source[position:], env)
    return children


def _text(text: str, env: dict) -> list[Token]:
    if not text:
        return []
    if not _MAY_HOLD_MATH.search(text):
        return [_raw(text)]
    # entities are text here: the parser sees what the browser would show, and the
    # renderer escapes the text again
    tokens = _text_parser().parseInline(html.unescape(text), env)
    return tokens[0].children if tokens and tokens[0].children else [_raw(text)]


def _raw(content: str) -> Token:
    token = Token("html_inline", "", 0)
    token.content = content
    return token


@lru_cache(maxsize=1)
def _text_parser() -> MarkdownIt:
    from .mathsyntax import math_plugin

    md = MarkdownIt("zero")
    math_plugin(md)
    return md
