"""What a post page offers for citing it: a BibTeX `@online` entry, and the Google
Scholar `citation_*` meta tags. Pure functions of the configuration and a post entry;
the templates call them (`bibtex(entry)`, `citation_meta(entry)`).
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

from .config import SiteConfig
from .mathrender import FORMULA_ELEMENT
from .mathsyntax import formula_spans
from .site import PostEntry, absolute_url


def citation_meta(config: SiteConfig, entry: PostEntry) -> tuple[tuple[str, str, str], ...]:
    """(attribute, name, content) of the <meta> tags that describe the post to search
    engines and let Google Scholar, Open Graph and Twitter cards cite it."""
    post = entry.post
    url = absolute_url(config, entry.path)
    published = post.date.strftime("%Y/%m/%d")
    summary = description(entry)
    return (("name", "description", summary), ("name", "citation_title", post.title),
            *((("name", "citation_author", post.author),) if post.author else ()),
            ("name", "citation_publication_date", published),
            ("name", "citation_online_date", published),
            ("name", "citation_journal_title", config.title),
            ("name", "citation_public_url", url), ("name", "citation_language", config.language),
            ("property", "og:type", "article"), ("property", "og:title", post.title),
            ("property", "og:url", url), ("property", "og:site_name", config.title),
            ("property", "og:description", summary),
            ("property", "article:published_time", post.date.isoformat()),
            *((("property", "article:modified_time", post.updated.isoformat()),)
              if post.updated else ()),
            *(("property", "article:tag", tag) for tag in post.tags),
            ("name", "twitter:card", "summary"), ("name", "twitter:title", post.title),
            ("name", "twitter:description", summary))


DESCRIPTION_LENGTH = 200
"""Characters of a post's description (its <meta name="description">, share cards)."""
_BLOCK_END = re.compile(r"</(?:p|li|div|h\d|blockquote|pre|tr|td|th)>|<br\s*/?>")
_PLACE = re.compile("\ue000(\\d+)\ue001")


def description(entry: PostEntry, limit: int = DESCRIPTION_LENGTH) -> str:
    """The post's excerpt as one line of plain text, for search results and share
    cards: formulas as their authors write them (`$…$`: no card typesets them, and
    `\\(…\\)` reads worse), whole or not at all, at most `limit` characters."""
    formulas: list[str] = []

    def hold(found: re.Match) -> str:
        tex = " ".join(html.unescape(found.group(3)).split())
        formulas.append(f"${tex}$" if found.group(2) == "(" else f"$${tex}$$")
        return f"\ue000{len(formulas) - 1}\ue001"

    text = FORMULA_ELEMENT.sub(hold, entry.feed_excerpt_html)
    text = re.sub(r"<[^>]+>", "", _BLOCK_END.sub(" ", text))
    text = " ".join(html.unescape(text).split())
    kept, used, last = [], 0, 0
    for found in [*_PLACE.finditer(text), None]:
        words = text[last:found.start() if found else len(text)]
        if used + len(words) > limit:
            return "".join(kept) + words[:limit - used].rstrip() + "…"
        kept.append(words)
        used += len(words)
        if found is None:
            break
        formula = formulas[int(found.group(1))]
        if used + len(formula) > limit:
            return "".join(kept).rstrip() + "…"
        kept.append(formula)
        used += len(formula)
        last = found.end()
    return "".join(kept)


def bibtex(config: SiteConfig, entry: PostEntry) -> str:
    """A ready-to-copy BibTeX @online entry for a post (without an author field where
    neither the post nor the site names one)."""
    post = entry.post
    url = absolute_url(config, entry.path)
    fields = [("title", post.title), ("author", post.author), ("year", str(post.date.year)),
              ("month", str(post.date.month)), ("url", url)]
    fields = [(name, value if name == "url" else _bibtex_tex(value))
              for name, value in fields if value]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@online{{{citation_key(entry)},\n{body}\n}}"


_NOT_IN_KEY = re.compile(r"[^A-Za-z0-9_.:+-]+")
"""What a citation key leaves out: pdfLaTeX's \\cite fails on a key with UTF-8 in it
(苏剑林), and BibTeX reads `,` `{` `%` `#` `~` and spaces as syntax."""


def citation_key(entry: PostEntry) -> str:
    """The BibTeX key of a post: author, year and slug, in the ASCII letters a key can
    have everywhere (accents dropped; an author named in Chinese only is left out). A
    slug that loses characters gets a short hash of itself, so that two such posts
    keep two keys."""
    post = entry.post
    author = _NOT_IN_KEY.sub("", _without_accents(post.author or ""))
    slug = _NOT_IN_KEY.sub("-", _without_accents(post.slug)).strip("-")
    if slug != post.slug:
        digest = hashlib.blake2b(post.slug.encode("utf-8"), digest_size=4).hexdigest()
        slug = f"{slug}-{digest}" if slug else digest
    return "-".join(part for part in (author, str(post.date.year), slug) if part)


def _without_accents(text: str) -> str:
    """"Rémi" → "Remi": the letter a key can hold, not nothing."""
    return "".join(char for char in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(char))


def _bibtex_tex(markdown: str) -> str:
    """A title or name as TeX for a BibTeX field: its formulas as they are written (in
    `$`: LaTeX typesets them), the text between them with TeX's special characters
    escaped (`&`, `%`, `_`, `{`, ... in a title would break the reference list). BibTeX
    counts every brace, escaped or not: none is left unmatched."""
    parts, last = [], 0
    for start, end in formula_spans(markdown):
        formula = markdown[start:end]
        opener = 1 if formula.startswith("$") and not formula.startswith("$$") else 2
        tex = formula[opener:-opener].replace("\\{", "\\lbrace ").replace("\\}", "\\rbrace ")
        parts += [_bibtex_text(markdown[last:start]),
                  f"${tex}$" if _balanced(tex) else _bibtex_text(formula)]
        last = end
    return "".join(parts) + _bibtex_text(markdown[last:])


def _balanced(tex: str) -> bool:
    depth = 0
    for char in tex:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
                "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "$": r"\$",
                "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_TEXT_CHARACTER = re.compile(r"\\\\(\$)|\\([!-/:-@[-`{-~])|(.)", re.S)
"""A character of Markdown text: MathJax's `\\\\$` or a backslash escape (`\\$`: a
dollar sign), or any other."""


def _bibtex_text(markdown: str) -> str:
    return "".join(_TEX_SPECIAL.get(char, char) for char in (
        dollar or escaped or other for dollar, escaped, other in _TEXT_CHARACTER.findall(markdown)))
