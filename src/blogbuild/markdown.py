"""Markdown with math → HTML: `render_post(source, context) -> Rendered`.

The renderer never touches a Post: it takes Markdown text and where it came from,
and returns HTML, the excerpt and the problems it found. Formulas come out
KaTeX-ready: `<span class="math inline">\\(…\\)</span>` and
`<div class="math display">\\[…\\]</div>`, their TeX HTML-escaped but otherwise
exactly as written, except for the documented numbering rewrite (numbering.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from .excerpt import cut_excerpt
from .mathsyntax import MATH_TOKENS, math_plugin
from .numbering import Numbering, equation_anchor, number_display
from .problems import Problem

MORE_MARKER = "<!--more-->"
_REF = re.compile(r"\\(eqref|ref)\{([^{}]+)\}")
_DISPLAY = frozenset({"math_display", "math_block", "amsmath"})


@dataclass(frozen=True)
class RenderContext:
    """Where a piece of Markdown comes from, for messages and links."""

    source: str
    """File path relative to the site folder."""
    first_line: int = 1
    """File line of the Markdown's first line."""
    url: str = ""
    """URL path of the page it will be shown on; excerpts link there."""


@dataclass(frozen=True)
class Rendered:
    """A post or page body, rendered."""

    html: str
    excerpt_html: str
    """Everything before `<!--more-->`, else the first paragraph; never left open."""
    has_more: bool
    """True if the excerpt leaves out part of the post."""
    formulas: int
    """Number of formulas found."""
    problems: tuple[Problem, ...]


def render_post(markdown: str, context: RenderContext, summary: str | None = None) -> Rendered:
    """Render a post's body; `summary` (front matter) replaces the excerpt if given."""
    md = _post_parser()
    env: dict = {"context": context, "problems": [], "link_prefix": ""}
    tokens = md.parse(markdown, env)
    html = md.renderer.render(tokens, md.options, env)
    excerpt_tokens, has_more = cut_excerpt(tokens, MORE_MARKER)
    excerpt_env = {**env, "link_prefix": context.url}
    if summary is not None:
        summary_env: dict = {"context": context, "problems": [], "link_prefix": context.url}
        excerpt = md.render(summary, summary_env)
        has_more = True
    else:
        excerpt = md.renderer.render(excerpt_tokens, md.options, excerpt_env)
    formulas = sum(1 for token in _walk(tokens) if token.type in MATH_TOKENS)
    return Rendered(html=html, excerpt_html=excerpt, has_more=has_more, formulas=formulas,
                    problems=tuple(env["problems"]))


def render_comment(markdown: str) -> str:
    """Render an untrusted reader comment: raw HTML shown as text, no images,
    links checked by markdown-it's validateLink and marked nofollow."""
    return _comment_parser().render(markdown, {"problems": [], "link_prefix": ""})


def comment_tokens(markdown: str) -> list[Token]:
    """A comment's token stream, for plain-text extracts."""
    return _comment_parser().parse(markdown, {"problems": [], "link_prefix": ""})


@lru_cache(maxsize=1)
def _post_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    md.enable(["table", "strikethrough"])
    math_plugin(md)
    footnote_plugin(md)
    anchors_plugin(md, min_level=2, max_level=4)
    md.core.ruler.after("math_double_dollar_lines", "equation_numbers", _number_equations)
    _install_renderers(md)
    return md


@lru_cache(maxsize=1)
def _comment_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.enable(["strikethrough"])
    md.disable(["image"])
    math_plugin(md)
    _install_renderers(md)
    md.add_render_rule("link_open", _nofollow_link)
    return md


def _install_renderers(md: MarkdownIt) -> None:
    for kind in ("math_inline", "math_inline_double"):
        md.add_render_rule(kind, _render_inline_math)
    md.add_render_rule("math_display", _render_display_math)
    md.add_render_rule("math_block", _render_display_math)
    md.add_render_rule("amsmath", _render_display_math)
    md.add_render_rule("math_ref", _render_prose_ref)
    md.add_render_rule("fence", _render_fence)


def _walk(tokens: list[Token]):
    for token in tokens:
        yield token
        if token.children:
            yield from token.children


def _number_equations(state: StateCore) -> None:
    """Number display formulas in document order, then check every reference.

    Must run after inline parsing (formulas inside paragraphs are inline tokens) and
    before rendering (renderers read `meta["tex"]` and the label map).
    """
    numbering = Numbering()
    state.env["numbering"] = numbering
    context: RenderContext | None = state.env.get("context")
    references: list[tuple[str, str, int]] = []
    for block in state.tokens:
        for token in [block, *(block.children or [])]:
            line = (block.map[0] if block.map else 0) + (context.first_line if context else 1)
            if token.type in _DISPLAY:
                numbered = number_display(token.content, numbering)
                token.meta = {**(token.meta or {}), "tex": numbered.tex,
                              "anchors": [equation_anchor(n) for n in numbered.numbers]}
            if token.type in MATH_TOKENS:
                references += [(kind, label, line) for kind, label in _REF.findall(token.content)]
            elif token.type == "math_ref":
                references.append((token.meta["kind"], token.meta["label"], line))
    if context is None:
        return
    problems = state.env["problems"]
    for label in dict.fromkeys(numbering.duplicates):
        problems.append(Problem(context.source, context.first_line, f"\\label{{{label}}} is "
                                "used for two equations; give each its own label"))
    for kind, label, line in references:
        if label not in numbering.labels:
            problems.append(Problem(context.source, line, f"\\{kind}{{{label}}}: no equation "
                                    f"in this post has \\label{{{label}}}"))
        elif not numbering.labels[label]:
            problems.append(Problem(context.source, line, f"\\{kind}{{{label}}}: that equation "
                                    "has no number (starred, \\notag or $$ without an "
                                    "environment); number it or add \\tag{...}"))


def _resolve_references(tex: str, env: dict) -> str:
    r"""`\eqref{x}` → a link showing "(n)", `\ref{x}` → "n"; unknown labels show "??"."""
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

    return _REF.sub(link, tex)


def _render_inline_math(self, tokens, idx, options, env) -> str:
    tex = _resolve_references(tokens[idx].content, env)
    return f'<span class="math inline">\\({escapeHtml(tex)}\\)</span>'


def _render_display_math(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    tex = _resolve_references((token.meta or {}).get("tex", token.content), env)
    anchors = (token.meta or {}).get("anchors", [])
    # the first number anchors the element itself; further rows get empty anchors
    ident = f' id="{anchors[0]}"' if anchors and not env["link_prefix"] else ""
    extra = "".join(f'<span id="{a}"></span>' for a in anchors[1:]) if ident else ""
    if token.block:
        return f'{extra}<div class="math display"{ident}>\\[{escapeHtml(tex)}\\]</div>\n'
    # a display formula inside a paragraph: a <div> there would be invalid HTML
    return f'{extra}<span class="math display"{ident}>\\[{escapeHtml(tex)}\\]</span>'


def _render_prose_ref(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    numbering: Numbering | None = env.get("numbering")
    label = token.meta["label"]
    if numbering is None or not numbering.labels.get(label):
        return escapeHtml(token.content)
    number = numbering.labels[label]
    shown = f"({number})" if token.meta["kind"] == "eqref" else number
    href = f"{env['link_prefix']}#{numbering.anchor(label)}"
    return f'<a class="eqref" href="{escapeHtml(href)}">{escapeHtml(shown)}</a>'


def _render_fence(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    language = token.info.strip().split()[0] if token.info.strip() else ""
    try:
        lexer = get_lexer_by_name(language) if language else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        css = f' class="language-{escapeHtml(language)}"' if language else ""
        return f"<pre><code{css}>{escapeHtml(token.content)}</code></pre>\n"
    return highlight(token.content, lexer, _FORMATTER)


_FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True)


def highlight_css() -> str:
    """The stylesheet for fenced code, from Pygments."""
    return _FORMATTER.get_style_defs(".highlight") + "\n"


def _nofollow_link(self, tokens, idx, options, env) -> str:
    tokens[idx].attrSet("rel", "nofollow ugc noopener")
    return self.renderToken(tokens, idx, options, env)
