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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from markdown_it.token import Token

from .problems import Problem


@dataclass(frozen=True)
class _Kind:
    pattern: re.Pattern[str]
    what: str
    instead: str


_ATTRIBUTE = r"""(?:[.#][A-Za-z_][\w-]+|[A-Za-z_][\w-]*=(?:"[^"\n]*"|'[^'\n]*'|[^\s}]+))"""
"""One entry of a kramdown attribute list: `.class`, `#id`, `key="value"` (not a
Python format spec such as `{:.2f}`, `{:#x}` or `{:>10}`, which prose may mention)."""

# each bounded to a line and a few hundred characters: a long line of openings that
# never close must not cost a scan to its end per opening
_KINDS = (
    # to its end, or to the end of the line: its parameters may run over several lines,
    # or hold an autolink that splits the text
    _Kind(re.compile(r"\{\{[<%][^\n]{0,300}?(?:[>%]\}\}|$)", re.M), "a Hugo shortcode",
          "blogbuild has no shortcodes; write Markdown or HTML instead"),
    _Kind(re.compile(r"(?<!\{)\{%-?\s*[A-Za-z_]\w*[^%\n]{0,200}%\}"), "a Liquid tag (Jekyll)",
          "blogbuild runs no Liquid; write a Markdown link, image or fenced code block instead"),
    # a name, a .Path or a quoted string, perhaps with | filters (not "{{1,2},{3}}", not
    # "{{ 与 }}")
    _Kind(re.compile(r"""\{\{-?\s*(?:\.?[A-Za-z_][\w.]*|'[^'\n]{0,200}'|"[^"\n]{0,200}")"""
                     r"[^{}\n]{0,200}\}\}"),
          "a template expression (Jekyll, Hugo)",
          "blogbuild expands none; write the path or text itself"),
    _Kind(re.compile(rf"\{{:\s*(?:toc|{_ATTRIBUTE}(?:\s+{_ATTRIBUTE})*)\s*\}}"),
          "a kramdown attribute list", "CommonMark has none; remove it, or write the element in HTML"),
)
_OPENING = re.compile(r"\{[{%:]")
"""How each kind starts: a block without one is not looked into (most of a math blog's
paragraphs have braces, few have these)."""
_HIDDEN = re.compile(r"<(pre|code|kbd|samp|script|style)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)
"""What of raw HTML is code or never shown."""
_CODE_OPEN = re.compile(r"<(code|kbd|samp)\b", re.I)
_LINKS = {"link_open": "href", "image": "src"}


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
        for piece, at in _shown(block):
            for kind in _KINDS:
                for match in kind.pattern.finditer(piece):
                    line = first_line + block.map[0] + block.content.count("\n", 0, at + match.start())
                    first = found.get(kind, (line, match.group(0), 0))
                    found[kind] = (first[0], first[1], first[2] + 1)
    return sorted(_warning(source, kind, *where) for kind, where in found.items())


def _shown(block: Token) -> Iterator[tuple[str, int]]:
    """The text of a block a reader sees (and its links), each with where it starts in
    the block's source (as near as can be told): not code spans, formulas, raw HTML's
    code, scripts and comments."""
    if block.type == "html_block":
        yield _HIDDEN.sub(lambda hidden: re.sub(r"[^\n]", " ", hidden.group(0)), block.content), 0
        return
    if block.type != "inline":
        return
    cursor, inside_code = 0, None
    for child in block.children or ():
        found = block.content.find(child.content, cursor) if child.content else -1
        at = found if found >= 0 else cursor
        if child.type == "html_inline":
            if inside_code is None and (opened := _CODE_OPEN.match(child.content)):
                inside_code = f"</{opened.group(1).lower()}"
            elif inside_code and child.content.lower().startswith(inside_code):
                inside_code = None
            elif inside_code is None:
                yield child.content, at
        elif child.type == "text" and inside_code is None:
            yield child.content, at
        elif child.type in _LINKS:
            yield unquote(str(child.attrGet(_LINKS[child.type]) or "")), cursor
        if found >= 0:
            cursor = found + len(child.content)


def _warning(source: str, kind: _Kind, line: int, first: str, count: int) -> Problem:
    shown = first if len(first) <= 60 else first[:57] + "..."
    more = f" (and {count - 1} more in this file)" if count > 1 else ""
    return Problem(source, line, f"{shown} is {kind.what}, shown as written{more}: "
                   f"{kind.instead}", warning=True)
