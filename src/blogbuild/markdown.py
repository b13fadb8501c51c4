"""Markdown with math → HTML: `render_post(source, context) -> Rendered`.

The renderer never touches a Post: it takes Markdown text and where it came from,
and returns HTML, the excerpt and the problems it found. Formulas come out
KaTeX-ready (`<span class="math inline">\\(…\\)</span>`, `<div class="math display">
\\[…\\]</div>`), their TeX exactly as written except for the documented numbering
rewrite (numbering.py) and MathJax's habits where KaTeX refused them (mathjax.py) —
or, when the context asks for it, as KaTeX's HTML.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urljoin

from markdown_it import MarkdownIt
from markdown_it.common import normalize_url
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.anchors.index import slugify
from mdit_py_plugins.footnote import footnote_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from .cjkemphasis import cjk_friendly_emphasis
from .excerpt import closed_elements, cut_excerpt, has_raw_html, markers_in_formulas
from .foreign import foreign_syntax
from .htmlmath import install_html_math
from .katex import Typesetter
from .mathrender import collect_formulas, inside_link, install_math_rendering, typeset_formulas
from .mathsyntax import formula_spans, math_plugin
from .opendisplays import unclosed_display_warnings
from .openspans import keep_open_formulas_whole
from .packed import Html, Packed
from .problems import Problem
from .rawhtml import install_lone_anchors, install_self_closed_elements, resolved_urls
from .spaceddollars import spaced_formula_warning
from .urlparts import split_url

MORE_MARKER = re.compile(r"<!--\s*more\s*-->|<!--more\s[^>]*-->")
"""Where an excerpt ends: `<!--more-->`, as Hugo and WordPress write it; also with
spaces (`<!-- more -->`, Hexo's), or with WordPress's read-more text (`<!--more 继续阅读-->`).
Not any comment that starts with the word (`<!-- more to do -->`)."""


@dataclass(frozen=True)
class RenderContext:
    """Where a piece of Markdown comes from and how its formulas are handled."""

    source: str
    """File path relative to the site folder, for messages."""
    first_line: int = 1
    """File line of the Markdown's first line."""
    url: str = ""
    """URL path of the page it will be shown on; excerpts link there."""
    typeset: Typesetter | None = None
    """KaTeX, to check every formula; None skips the check."""
    katex_html: bool = False
    """Write KaTeX's HTML into the page (render = "build") instead of TeX."""
    code_span_math: bool = False
    """A code span holding one `$..$` or `$$..$$` is that formula ([math] code_spans)."""
    site_path: str = "/"
    """The site's path on its host (base_url's): a link from the host's root outside
    it is warned about."""


@dataclass(frozen=True)
class Rendered:
    """A post, page, comment or title, rendered."""

    html: Html
    """A str, except in a post's body as a build holds it (`packed`)."""
    excerpt_html: str
    """Everything before `<!--more-->`, else the first paragraph; never left open."""
    has_more: bool
    """True if the excerpt leaves out part of the post."""
    formulas: int
    """Number of formulas found."""
    problems: tuple[Problem, ...]
    tex_html: Html = ""
    """`html` with formulas as TeX, for feeds (equal to `html` in client mode); post
    bodies only (render_post), empty for titles, comments and fragments."""
    tex_excerpt_html: str = ""

    def packed(self) -> Rendered:
        """This with `html` and `tex_html` packed (packed.py): what a build holds of a
        post's body until its page and the feeds show it (the excerpts, on several
        listings each, stay as they are)."""
        html = Packed.of(self.html)
        return dataclasses.replace(self, html=html, tex_html=html if self.tex_html == self.html
                                   else Packed.of(self.tex_html))


def render_post(markdown: str, context: RenderContext, summary: str | None = None) -> Rendered:
    """Render a post's body; `summary` (front matter) replaces the excerpt if given."""
    md = _post_parser()
    env = {**_env(context, link_prefix=""), "spaced_formulas": []}  # a post's body only
    tokens = md.parse(markdown, env)
    excerpt_env = {**env, "link_prefix": context.url, "spaced_formulas": None}
    if summary is not None:
        excerpt_env["labels_from"] = env["numbering"]  # its \eqref are the body's equations
        excerpt_tokens = md.parse(summary, excerpt_env)
        has_more = True
    else:
        excerpt_tokens, has_more = cut_excerpt(tokens, MORE_MARKER, markdown)
    formulas = collect_formulas(tokens, env, context.first_line)
    problems = [*env["problems"],
                *foreign_syntax(markdown, tokens, context.source, context.first_line),
                *_links_outside_the_site(tokens, context),
                *spaced_formula_warning(tokens, env, context.source, context.first_line),
                *unclosed_display_warnings(tokens, context.source, context.first_line),
                *markers_in_formulas(formulas, MORE_MARKER, context.source)]
    if context.typeset is not None:
        # the excerpt's formulas differ from the body's only where a reference links away
        everything = formulas + collect_formulas(excerpt_tokens, excerpt_env, context.first_line)
        typeset = typeset_formulas(_unique(everything), context.typeset, context.source)
        problems += typeset.problems
        env["rewritten"] = excerpt_env["rewritten"] = typeset.rewritten
        if context.katex_html:
            env["typeset"] = excerpt_env["typeset"] = typeset.html
    close = closed_elements if has_raw_html(excerpt_tokens) else str
    page_html = _rendered(md, tokens, env)
    page_excerpt = close(_rendered(md, excerpt_tokens, excerpt_env))
    if "typeset" in env:
        env["typeset"] = excerpt_env["typeset"] = {}
        tex_html = _rendered(md, tokens, env)
        tex_excerpt = close(_rendered(md, excerpt_tokens, excerpt_env))
    else:
        tex_html, tex_excerpt = page_html, page_excerpt
    return Rendered(html=page_html, excerpt_html=page_excerpt, has_more=has_more,
                    formulas=len(formulas), problems=tuple(problems), tex_html=tex_html,
                    tex_excerpt_html=tex_excerpt)


def render_comment(markdown: str, context: RenderContext, *, images: bool = False) -> Rendered:
    """Render an untrusted reader comment: raw HTML shown as text, links checked by
    markdown-it's validateLink (and no data: URL either) and marked nofollow, images
    only if `images` (else they stay links); no equation numbers."""
    return _render_fragment(_comment_parser(images), markdown, context, inline=False)


def render_title(title: str, context: RenderContext) -> Rendered:
    """A title as inline HTML: its `$…$` formulas render, everything else is text."""
    return _render_fragment(_title_parser(), title, context, inline=True)


def comment_tokens(markdown: str) -> list[Token]:
    """A comment's token stream, for plain-text extracts."""
    return _comment_parser(False).parse(markdown, {"problems": [], "link_prefix": ""})


def _render_fragment(md: MarkdownIt, text: str, context: RenderContext, *,
                     inline: bool) -> Rendered:
    env = _env(context, link_prefix="")
    tokens = md.parseInline(text, env) if inline else md.parse(text, env)
    formulas = collect_formulas(tokens, env, context.first_line)
    problems = list(env["problems"])
    if context.typeset is not None and formulas:
        typeset = typeset_formulas(_unique(formulas), context.typeset, context.source)
        problems += typeset.problems
        env["rewritten"] = typeset.rewritten
        if context.katex_html:
            env["typeset"] = typeset.html
    page_html = _rendered(md, tokens, env)
    # no TeX rendering for feeds: feeds carry post bodies only, never titles or comments
    return Rendered(html=page_html, excerpt_html=page_html, has_more=False,
                    formulas=len(formulas), problems=tuple(problems))


def _rendered(md: MarkdownIt, tokens: list[Token], env: dict) -> str:
    """The tokens as HTML; their formulas' macro scopes counted from the first again
    (mathrender.Formula.scope)."""
    env["math_scope"] = 0
    return md.renderer.render(tokens, md.options, env)


def _env(context: RenderContext, link_prefix: str) -> dict:
    return {"context": context, "source": context.source, "first_line": context.first_line,
            "problems": [], "link_prefix": link_prefix,
            "code_span_math": context.code_span_math}


def _unique(formulas: list) -> list:
    """Each formula once: the same TeX in the same macro scope is typeset alike."""
    seen, kept = set(), []
    for formula in formulas:
        if (formula.tex, formula.display, formula.scope) not in seen:
            seen.add((formula.tex, formula.display, formula.scope))
            kept.append(formula)
    return kept


@lru_cache(maxsize=4096)
def _normalized_link(url: str) -> str:
    """markdown-it's own link normalization (percent-encoding, punycode host names),
    once per distinct URL: it costs ~13 µs a link, and posts and comments link the
    same papers and the blog's own posts again and again."""
    return normalize_url.normalizeLink(url)


def _markdown(preset: str, options: dict) -> MarkdownIt:
    md = MarkdownIt(preset, options)
    md.normalizeLink = _normalized_link  # type: ignore[method-assign]
    return md


@lru_cache(maxsize=1)
def _post_parser() -> MarkdownIt:
    md = _markdown("commonmark", {"html": True, "typographer": False})
    md.enable(["table", "strikethrough"])
    cjk_friendly_emphasis(md)
    math_plugin(md)
    install_html_math(md)
    install_lone_anchors(md)
    install_self_closed_elements(md)
    footnote_plugin(md)
    keep_open_formulas_whole(md, formula_spans)
    anchors_plugin(md, min_level=2, max_level=4, slug_func=_heading_slug)
    install_math_rendering(md, numbered=True)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("link_open", _resolved_link)
    md.add_render_rule("image", _resolved_image)
    md.add_render_rule("softbreak", _render_softbreak)
    md.add_render_rule("html_inline", _resolved_raw_html)
    md.add_render_rule("html_block", _resolved_raw_html)
    return md


@lru_cache(maxsize=2)
def _comment_parser(images: bool) -> MarkdownIt:
    # a reader's line break is a line break, as the blog the comments come from showed
    # it (WordPress turns each into <br>), and as GitHub shows a comment's
    md = _markdown("commonmark", {"html": False, "typographer": False, "breaks": True})
    md.enable(["strikethrough"])
    cjk_friendly_emphasis(md)
    if not images:
        md.add_render_rule("image", _image_as_link)
    math_plugin(md)
    keep_open_formulas_whole(md, formula_spans)
    install_math_rendering(md, numbered=False)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("link_open", _nofollow_link)
    md.validateLink = _readers_link_is_allowed
    return md


def _readers_link_is_allowed(url: str) -> bool:
    """markdown-it's validateLink (its list of schemes) without its exception for
    `data:image/png` and its kin, which a reader's link or picture may not be either:
    a page (or a browser) that opens a data URL shows whatever a reader put in it."""
    return not normalize_url.BAD_PROTO_RE.search(url.strip().lower())


@lru_cache(maxsize=1)
def _title_parser() -> MarkdownIt:
    """Only math and backslash escapes: a title's `*` or `_` is never emphasis."""
    md = MarkdownIt("zero", {"html": False})
    md.enable(["escape"])
    math_plugin(md)
    install_math_rendering(md, numbered=False)
    return md


def _heading_slug(title: str) -> str:
    """A heading's id from its words (formulas are not words): "section" for one that
    is only a formula (`## $\\mathcal{L}_1$`), as Pandoc has it, not an empty id. An id
    the page has already (the theme's `#search` box, `#comments`, `#cite`; a comment's,
    an equation's, a footnote's) gets "-heading" after it: `## Search` must not take the
    search box's place, nor `## Comments` the meta line's link. A formula at either
    end leaves no space or dash there (`## 标题 $x$`: "标题"; `## $\\epsilon$-Greedy`:
    "greedy"); inside, it leaves its two spaces' dashes, as in Pandoc and GitHub
    (`## Choice of $k$ in practice`: "choice-of--in-practice")."""
    slug = slugify(title.strip()).strip("-") or "section"
    return slug + "-heading" if slug in _PAGE_IDS or _NUMBERED_IDS.fullmatch(slug) else slug


_PAGE_IDS = frozenset({"search", "comments", "cite", "math-config", "content", "top",
                       "blogbuild-error", "blogbuild-failed"})
"""Ids of the default theme's elements, of serve's error box and page, and #top (which
browsers scroll to the top); a test reads the theme's files for them."""
_NUMBERED_IDS = re.compile(r"(?:comment|eq)-.+|fn(?:ref)?\d+(?:-\d+)?")
"""Comments' (site.CommentNode), equations' (numbering.equation_anchor), footnotes'."""


def _render_softbreak(self, tokens, idx, options, env) -> str:
    """A line break inside a paragraph: nothing between two East Asian wide characters
    (Chinese has no spaces between words, and a browser shows the newline as one:
    "置换。↵只要" read "置换。 只要"), as Pandoc's east_asian_line_breaks and Hugo's
    CJK extension have it; elsewhere the newline."""
    return "" if joins_wide(tokens, idx) else "\n"


def joins_wide(tokens: list[Token], idx: int) -> bool:
    """The line break at `idx` stands between two East Asian wide characters (the
    text before it ends with one, the text after it starts with one)."""
    before = tokens[idx - 1] if idx else None
    after = tokens[idx + 1] if idx + 1 < len(tokens) else None
    return before is not None and after is not None and before.type == after.type == "text" \
        and _wide(before.content[-1:]) and _wide(after.content[:1])


def _wide(character: str) -> bool:
    return bool(character) and unicodedata.east_asian_width(character) in ("W", "F")


def _render_fence(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    language = token.info.strip().split()[0] if token.info.strip() else ""
    return _highlighted(language, token.content)


@lru_cache(maxsize=2048)
def _highlighted(language: str, code: str) -> str:
    """Pygments is the slowest step of the Markdown stage (~3.5 ms per snippet), and
    blogs repeat snippets across a series: each distinct one is highlighted once."""
    try:
        lexer = get_lexer_by_name(language) if language else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        css = f' class="language-{escapeHtml(language)}"' if language else ""
        return f"<pre><code{css}>{escapeHtml(code)}</code></pre>\n"
    return highlight(code, lexer, _FORMATTER)


_FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True)
HIGHLIGHT_CSS = "assets/highlight.css"
"""Where highlight_css() goes in the output (the theme's base.html links it)."""


def highlight_css() -> str:
    """The stylesheet for fenced code, from Pygments."""
    return _FORMATTER.get_style_defs(".highlight") + "\n"


def _resolve(url: str, env: dict) -> str:
    """An author's relative link, made to work wherever the HTML is shown (listing pages,
    feeds): resolved against the URL of the post it was written in. Fragments stay
    fragments on the post itself, and point to the post from an excerpt."""
    context: RenderContext | None = env.get("context")
    split = split_url(url)
    if context is None or not context.url or split is None or split.scheme or \
            url.startswith(("/", "//")):
        return url
    if url.startswith("#"):
        return env["link_prefix"] + url if env["link_prefix"] else url
    return urljoin(context.url, url)


def _resolved_link(self, tokens, idx, options, env) -> str:
    return _with_resolved(tokens[idx], "href", env, lambda: self.renderToken(tokens, idx, options, env))


def _resolved_image(self, tokens, idx, options, env) -> str:
    """An image, its alt text keeping its formulas as TeX (markdown-it's drops them)."""
    tokens[idx].attrSet("alt", alt_text(tokens[idx]))
    return _with_resolved(tokens[idx], "src", env,
                          lambda: self.renderToken(tokens, idx, options, env))


def _resolved_raw_html(self, tokens, idx, options, env) -> str:
    """The author's raw HTML, its relative links resolved as Markdown's are."""
    return resolved_urls(tokens[idx].content, lambda url: _resolve(url, env))


def _with_resolved(token: Token, attribute: str, env: dict, render) -> str:
    # tokens are rendered more than once (page, excerpt, feed): never keep the change
    written = token.attrGet(attribute)
    if written is None:
        return render()
    token.attrSet(attribute, _resolve(str(written), env))
    try:
        return render()
    finally:
        token.attrSet(attribute, written)


def _links_outside_the_site(tokens: list[Token], context: RenderContext) -> list[Problem]:
    """A warning for each link or image written from the host's root ("/archives/x/")
    outside the site's path ("/blog/"): right where the site was served at the root,
    broken once it is published below a path (a GitHub Pages project site)."""
    if context.site_path == "/":
        return []
    problems, seen = [], set()
    for block in tokens:
        for child in block.children or []:
            target = child.attrGet("href") if child.type == "link_open" else \
                child.attrGet("src") if child.type == "image" else None
            if not isinstance(target, str) or not target.startswith("/") or \
                    target.startswith(("//", context.site_path)) or target in seen or \
                    target.split("#")[0].split("?")[0] == context.site_path.rstrip("/"):
                continue
            seen.add(target)
            written = unquote(target)  # as the author wrote it (markdown-it percent-encodes)
            found = max(block.content.find(written), block.content.find(target), 0)
            line = context.first_line + (block.map[0] if block.map else 0) + \
                block.content.count("\n", 0, found)
            problems.append(Problem(context.source, line, f"the link {written} starts at the "
                                    f"host's root, outside the site's path {context.site_path}: "
                                    "write it relative to this page (../x/), or begin it with "
                                    f"{context.site_path}", warning=True))
    return problems


def _nofollow_link(self, tokens, idx, options, env) -> str:
    tokens[idx].attrSet("rel", READER_REL)
    return self.renderToken(tokens, idx, options, env)


def _image_as_link(self, tokens, idx, options, env) -> str:
    """A reader's image, not loaded: a link to it, named by its alt text (or its URL);
    inside a link (`[![截图](a.png)](page)`), only that text: a link holds no link."""
    token = tokens[idx]
    src = token.attrGet("src") or ""
    text = alt_text(token) or src
    if inside_link(tokens, idx):
        return escapeHtml(text)
    return f'<a href="{escapeHtml(src)}" rel="{READER_REL}">{escapeHtml(text)}</a>'


def alt_text(image: Token) -> str:
    """An image's alt text, its formulas kept as TeX between `$`."""
    return "".join(f"${child.content}$" if child.type.startswith("math_") else child.content
                   for child in image.children or [] if child.type in _ALT_TEXT
                   or child.type.startswith("math_"))


READER_REL = "nofollow ugc noopener"
"""The rel of every link a reader wrote (and of a reader's image shown as a link)."""
_ALT_TEXT = ("text", "code_inline")
"""Inline tokens whose content is an image's alt text (its formulas are kept as TeX)."""


__all__ = ["MORE_MARKER", "RenderContext", "Rendered", "comment_tokens",
           "highlight_css", "joins_wide", "render_comment", "render_post", "render_title"]
