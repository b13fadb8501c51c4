"""The author's raw HTML, as an XHTML-era blog's browser read it.

`<a name="nice"/>` was an empty anchor where the page was XHTML; an HTML parser, as
every browser's now, ignores the `/` and leaves the link open: the paragraphs after it
became one long link, blue or clickable. An element that must be closed, written
self-closed, is given its end tag. An `<svg>` or `<math>` element within one piece of
raw HTML (an HTML block) keeps its `/>`, which is XML's and means what it says there;
written inside a paragraph, its tags are pieces apart, and an `<a …/>` among them is
closed too (an empty link either way).

A link or image written in raw HTML relative to its post (`<a href="../b/">`,
`<img src="fig.png">`) is resolved as the renderer resolves Markdown's
(`resolved_urls`): an excerpt shows it on listings, and feeds, at other URLs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

_SELF_CLOSED = re.compile(r"<(a|span|div|p|i|b|em|strong|font)(\s[^<>]*?)?\s*/>", re.I)
_FOREIGN = re.compile(r"<(svg|math)\b.*?</\1\s*>", re.S | re.I)


def install_self_closed_elements(md: MarkdownIt) -> None:
    """Before the HTML blocks' formulas are looked for (htmlmath.py), which splits them."""
    md.core.ruler.before("math_in_html_blocks", "self_closed_elements", _self_closed_elements)


def _self_closed_elements(state: StateCore) -> None:
    if "/>" not in state.src:  # most posts: one scan, not a walk
        return
    for token in state.tokens:
        for raw in (token, *(token.children or ())):
            if raw.type in ("html_block", "html_inline") and "/>" in raw.content:
                raw.content = closed(raw.content)


def closed(html: str) -> str:
    """`html` with `<a …/>` written `<a …></a>`, outside SVG and MathML."""
    parts, last = [], 0
    for foreign in _FOREIGN.finditer(html):
        parts += [_SELF_CLOSED.sub(r"<\1\2></\1>", html[last:foreign.start()]), foreign.group()]
        last = foreign.end()
    return "".join(parts) + _SELF_CLOSED.sub(r"<\1\2></\1>", html[last:])


_TAG = re.compile(r"""<[A-Za-z][^\s/>]*(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*\s*/?>""")
_URL_ATTRIBUTE = re.compile(r"""(\s)(href|src|poster|srcset)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""",
                            re.I)


def resolved_urls(html: str, resolve: Callable[[str], str]) -> str:
    """`html` with the URL of each href, src and poster attribute, and each of a
    srcset's, replaced by resolve(URL); a rewritten attribute is double-quoted."""
    if "=" not in html:
        return html

    def attribute(found: re.Match) -> str:
        space, name = found.group(1), found.group(2)
        value = next(v for v in found.group(3, 4, 5) if v is not None)
        if name.lower() == "srcset":  # "a.png 1x, b.png 2x"
            resolved = ", ".join(" ".join([resolve(words[0]), *words[1:]]) if words else ""
                                 for words in (candidate.split() for candidate in value.split(",")))
        else:
            resolved = resolve(value)
        if resolved == value:
            return found.group()
        return f'{space}{name}="{resolved.replace(chr(34), "&quot;")}"'

    return _TAG.sub(lambda tag: _URL_ATTRIBUTE.sub(attribute, tag.group()), html)
