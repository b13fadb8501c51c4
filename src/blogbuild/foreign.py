"""Template syntax of other site generators, left in a post's text: warnings.

A blog moved from Jekyll or Hugo keeps its Liquid tags (`{% post_url x %}`,
`{% highlight %}`), template expressions (`{{ site.baseurl }}`, often inside a link or
an image path), Hugo shortcodes (`{{< figure >}}`) and kramdown attribute lists
(`{: .class}`, `{:toc}`). CommonMark has none of them, so each is shown as text, or
breaks the link it is in; those generators stop the build on a construct they do not
know, and this reports one warning per kind and post, at the first one, with what to
write instead. Code (spans, blocks) and formulas are not looked at: a post about
templates shows them on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from markdown_it.token import Token

from .problems import Problem


@dataclass(frozen=True)
class _Kind:
    pattern: re.Pattern[str]
    what: str
    instead: str


_ATTRIBUTE = r"""(?:[.#][A-Za-z_][\w-]*|[A-Za-z_][\w-]*=(?:"[^"]*"|'[^']*'|[^\s}]+))"""
"""One entry of a kramdown attribute list: `.class`, `#id`, `key="value"` (not a
Python format spec such as `{:.2f}` or `{:>10}`, which prose may mention)."""

_KINDS = (
    # to its end, or to the end of the line: its parameters may run over several lines,
    # or hold an autolink that splits the text
    _Kind(re.compile(r"\{\{[<%].*?(?:[>%]\}\}|$)", re.M), "a Hugo shortcode",
          "blogbuild has no shortcodes; write Markdown or HTML instead"),
    _Kind(re.compile(r"(?<!\{)\{%-?\s*\w.*?%\}"), "a Liquid tag (Jekyll)",
          "blogbuild runs no Liquid; write a Markdown link, image or fenced code block instead"),
    _Kind(re.compile(r"\{\{(?![<%]).*?\}\}"), "a template expression (Jekyll, Hugo)",
          "blogbuild expands none; write the path or text itself"),
    _Kind(re.compile(rf"\{{:\s*(?:toc|{_ATTRIBUTE}(?:\s+{_ATTRIBUTE})*)\s*\}}"),
          "a kramdown attribute list", "CommonMark has none; remove it, or write the element in HTML"),
)
_OPENING = re.compile(r"\{[{%:]")
"""How each kind starts: a block without one is not looked into (most of a math blog's
paragraphs have braces, few have these)."""
_TEXT = ("text", "html_inline")
"""Inline tokens whose content is shown (or is HTML whose attributes may hold one)."""
_LINKS = (("link_open", "href"), ("image", "src"))


def foreign_syntax(markdown: str, tokens: Iterable[Token], source: str, first_line: int
                   ) -> list[Problem]:
    """A warning for each kind of foreign template syntax in the post's text (outside
    code and formulas), at its first occurrence, counting the others. `tokens`: the
    parse of `markdown`."""
    if not _OPENING.search(markdown):
        return []
    found: dict[_Kind, tuple[int, str, int]] = {}
    """Kind → (line, the first one as written, how many)."""
    for block in tokens:
        if not block.map or not _OPENING.search(block.content):
            continue
        if block.type == "html_block":
            pieces = [block.content]
        elif block.type == "inline":
            pieces = [piece for child in block.children or () for piece in _shown(child)]
        else:
            continue
        for kind in _KINDS:
            for piece in pieces:
                for match in kind.pattern.finditer(piece):
                    at = block.content.find(match.group(0))
                    line = first_line + block.map[0] + (block.content.count("\n", 0, at)
                                                        if at >= 0 else 0)
                    first = found.get(kind, (line, match.group(0), 0))
                    found[kind] = (first[0], first[1], first[2] + 1)
    return sorted(_warning(source, kind, *where) for kind, where in found.items())


def _shown(token: Token) -> list[str]:
    """What of an inline token could hold foreign syntax: its text, or its link."""
    if token.type in _TEXT:
        return [token.content]
    for kind, attribute in _LINKS:
        if token.type == kind:
            return [unquote(str(token.attrGet(attribute) or ""))]
    return []


def _warning(source: str, kind: _Kind, line: int, first: str, count: int) -> Problem:
    shown = first if len(first) <= 60 else first[:57] + "..."
    more = f" (and {count - 1} more in this file)" if count > 1 else ""
    return Problem(source, line, f"{shown} is {kind.what}, shown as written{more}: "
                   f"{kind.instead}", warning=True)
