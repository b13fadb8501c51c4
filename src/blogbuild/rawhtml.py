"""The author's raw HTML, as an XHTML-era blog's browser read it.

`<a name="nice"/>` was an empty anchor where the page was XHTML; an HTML parser, as
every browser's now, ignores the `/` and leaves the link open: the paragraphs after it
became one long link, blue or clickable. An element that must be closed, written
self-closed, is given its end tag. An `<svg>` or `<math>` element within one piece of
raw HTML (an HTML block) keeps its `/>`, which is XML's and means what it says there;
written inside a paragraph, its tags are pieces apart, and an `<a …/>` among them is
closed too (an empty link either way). Such an empty anchor alone on its line is a
block of its own, and the Markdown right below it is Markdown, as kramdown and
Python-Markdown read it: CommonMark takes a lone tag for the start of raw HTML that
runs to the next blank line, and `<a name='qa' />` over `**Question-Answering**`
and a list of links showed the asterisks and the brackets (the lil-log corpus).

A link or image written in raw HTML relative to its post (`<a href="../b/">`,
`<img src="fig.png">`) is resolved as the renderer resolves Markdown's
(`resolved_urls`): an excerpt shows it on listings, and feeds, at other URLs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore

_SELF_CLOSED = re.compile(r"<(a|span|div|p|i|b|em|strong|font)(\s[^<>]*?)?\s*/>", re.I)
_FOREIGN = re.compile(r"<(svg|math)\b.*?</\1\s*>", re.S | re.I)


def install_self_closed_elements(md: MarkdownIt) -> None:
    """Before the HTML blocks' formulas are looked for (htmlmath.py), which splits them."""
    md.core.ruler.before("math_in_html_blocks", "self_closed_elements", _self_closed_elements)


_LONE_EMPTY_ANCHOR = re.compile(r"<(?:a|span)(?:\s[^<>]*?)?\s*/>\s*$", re.I)


def install_lone_anchors(md: MarkdownIt) -> None:
    """Before markdown-it's HTML blocks, which would take the anchor's line and the
    lines after it."""
    md.block.ruler.before("html_block", "lone_anchor", _lone_anchor)


def _lone_anchor(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """`<a name="x"/>` (or `<span id="x"/>`) alone on its line: an HTML block of that
    line only. Like the HTML block it replaces, it does not end a paragraph (`silent`:
    asked whether it would): inside one it is inline HTML."""
    if silent or state.is_code_block(start_line) or not state.md.options.get("html"):
        return False
    start = state.bMarks[start_line] + state.tShift[start_line]
    if not _LONE_EMPTY_ANCHOR.match(state.src, start, state.eMarks[start_line]):
        return False
    token = state.push("html_block", "", 0)
    token.map = [start_line, start_line + 1]
    token.content = state.getLines(start_line, start_line + 1, state.blkIndent, True)
    state.line = start_line + 1
    return True


def _self_closed_elements(state: StateCore) -> None:
    if "/>" not in state.src:  # most posts: one scan, not a walk
        return
    for token in state.tokens:
        for raw in (token, *(token.children or ())):
            if raw.type in ("html_block", "html_inline") and "/>" in raw.content:
                raw.content = closed(raw.content)


def closed(html: str) -> str:
    """`html` with `<a …/>` written `<a …></a>`, outside SVG and MathML. (In `<a
    href=../b/>` the `/` is the unquoted value's last character, as HTML reads it.)"""
    parts, last = [], 0
    for foreign in _FOREIGN.finditer(html):
        parts += [_SELF_CLOSED.sub(_closed_element, html[last:foreign.start()]), foreign.group()]
        last = foreign.end()
    return "".join(parts) + _SELF_CLOSED.sub(_closed_element, html[last:])


_UNQUOTED_LAST = re.compile(r"""=\s*[^\s"'=<>`]+$""")


def _closed_element(found: re.Match) -> str:
    name, attributes = found.group(1), found.group(2) or ""
    if _UNQUOTED_LAST.search(attributes) and not found.group()[-3].isspace():
        return found.group()
    return f"<{name}{attributes}></{name}>"


_SKIPPED = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1\s*>", re.S | re.I)
"""Where no tag is a tag: comments, and the code of scripts and style sheets."""
_NAME = r"""[^\s"'<>/=]+"""
_VALUE = r"""(?:"[^"]*"|'[^']*'|[^\s"'<>`]+)"""
_TAG = re.compile(rf"<[A-Za-z][^\s/<>]*(?:\s+{_NAME}(?:\s*=\s*{_VALUE})?)*\s*/?>")
_ATTRIBUTE = re.compile(rf"(\s+)({_NAME})(?:\s*=\s*({_VALUE}))?")
_URL_ATTRIBUTES = frozenset({"href", "src", "poster", "srcset"})


def resolved_urls(html: str, resolve: Callable[[str], str]) -> str:
    """`html` with the URL of each href, src and poster attribute, and each of a
    srcset's, replaced by resolve(URL), in tags only (not in comments, scripts or
    style sheets, nor in the text of another attribute); a rewritten attribute is
    double-quoted."""
    if "=" not in html:
        return html

    def tags_resolved(text: str) -> str:
        return _TAG.sub(lambda tag: _resolved_tag(tag.group(), resolve), text)

    parts, last = [], 0
    for skipped in _SKIPPED.finditer(html):
        parts += [tags_resolved(html[last:skipped.start()]), skipped.group()]
        last = skipped.end()
    return "".join(parts) + tags_resolved(html[last:])


def _resolved_tag(tag: str, resolve: Callable[[str], str]) -> str:
    def attribute(found: re.Match) -> str:
        space, name, quoted = found.groups()
        if quoted is None or name.lower() not in _URL_ATTRIBUTES:
            return found.group()
        value = quoted[1:-1] if quoted[0] in "\"'" else quoted
        resolved = srcset_urls(value, resolve) if name.lower() == "srcset" else resolve(value)
        if resolved == value:
            return found.group()
        return f'{space}{name}="{resolved.replace(chr(34), "&quot;")}"'

    name_end = re.match(r"<[^\s/<>]*", tag).end()
    return tag[:name_end] + _ATTRIBUTE.sub(attribute, tag[name_end:])


def srcset_urls(srcset: str, resolve: Callable[[str], str]) -> str:
    """A srcset ("a.png 1x, b.png 2x") with each candidate's URL replaced by
    resolve(URL), read as HTML reads it: a URL runs to the next space (commas in it
    included: a data: URI, a CDN's `w_300,c_scale`), a comma ending it ends the
    candidate, and descriptors run to the next comma."""
    pieces, at, end = [], 0, len(srcset)
    while at < end:
        start = at
        while at < end and (srcset[at].isspace() or srcset[at] == ","):
            at += 1
        pieces.append(srcset[start:at])
        if at == end:
            break
        start = at
        while at < end and not srcset[at].isspace():
            at += 1
        url = srcset[start:at]
        bare = url.rstrip(",")
        pieces += [resolve(bare), url[len(bare):]]
        if bare != url:  # "a.png," : no descriptors
            continue
        start, depth = at, 0
        while at < end and not (srcset[at] == "," and depth == 0):
            depth += {"(": 1, ")": -1}.get(srcset[at], 0)
            at += 1
        pieces.append(srcset[start:at])
    return "".join(pieces)
