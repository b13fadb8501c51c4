"""feed.xml (RSS 2.0), atom.xml and sitemap.xml, with absolute links under base_url.

Entries carry HTML whose formulas are still TeX in `\\(..\\)`/`\\[..\\]`, so feed readers
with MathJax or KaTeX show them, and none show half-rendered markup. No clock is read:
feed dates come from the posts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from html import escape, unescape

from feedgen.feed import FeedGenerator
from markdown_it.common.utils import escapeHtml

from .contentcache import NOT_XML
from .labels import labels_for
from .mathrender import FORMULA_ELEMENT
from .pages import NOT_FOUND_PAGE, OutputFile, first_page
from .rawhtml import resolved_urls
from .site import Site, absolute_url, latest, origin
from .texmacros import expand_macros

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_TEX_HREF = re.compile(r"(\\href\{)(/(?!/)[^}]*|#[^}]*)\}")
"""A reference inside a formula: `\\href{#eq-1}` on the post, `\\href{/blog/archives/p/#eq-1}`
in an excerpt."""
_NOT_XML = re.compile(f"[{''.join(NOT_XML)}]")
RSS_FEED = "feed.xml"
ATOM_FEED = "atom.xml"
FEED_FILES = (RSS_FEED, ATOM_FEED)
SITEMAP = "sitemap.xml"


def render_feeds(site: Site) -> list[OutputFile]:
    generator = _feed(site)
    files = []
    for name, write in ((RSS_FEED, generator.rss_str), (ATOM_FEED, generator.atom_str)):
        # each feed names itself as rel="self"; RSS's channel <link> is feedgen's last
        # link, which must be the site's home page
        generator.link([{"href": absolute_url(site.config, name), "rel": "self"},
                        {"href": absolute_url(site.config, ""), "rel": "alternate"}],
                       replace=True)
        files.append(OutputFile(name, write(pretty=True), "feed"))
    return files


def _feed(site: Site) -> FeedGenerator:
    config = site.config
    generator = FeedGenerator()
    generator.id(absolute_url(config, ""))  # base_url, percent-encoded as every URL here
    generator.title(config.title)
    generator.subtitle(config.description or config.title)
    generator.language(config.language)
    # Atom wants an author for every entry, from the entry or the feed: a site that
    # names none is its own
    generator.author(name=config.author or config.title)
    generator.generator("blogbuild")
    shown = site.posts[:config.feed.items]
    # the feed changed when one of its entries last did (not when an older post not
    # in it was updated)
    newest = latest(shown) or _EPOCH
    generator.updated(newest)
    generator.lastBuildDate(newest)
    read_more = labels_for(config.language)["read_more"]
    macros = config.math.macros
    # feedgen prepends entries, so add the oldest of the chosen ones first
    for entry in reversed(shown):
        post = entry.post
        link = absolute_url(config, entry.path)
        item = generator.add_entry()
        item.id(link)
        item.guid(link, permalink=True)
        item.title(_xml(post.title))
        item.link(href=link)
        if post.author:
            item.author(name=_xml(post.author))
        item.published(post.date)
        item.updated(post.updated or post.date)
        if post.category:
            item.category(term=_xml(post.category))
        for tag in post.tags:
            item.category(term=_xml(tag))
        # type "html": Atom reads text without a type as plain text (readers showed the
        # markup). The excerpt is Atom's <summary> and RSS's <description>, with a link
        # to the rest; with full_content the whole post is Atom's <content> and RSS's
        # <content:encoded> besides (an excerpt as <content> passed for the whole post)
        excerpt = entry.feed_excerpt_html
        if entry.has_more:
            excerpt += f'<p><a href="{escape(link)}">{escape(read_more)}</a></p>\n'
        item.summary(_xml(absolute_links(with_site_macros(excerpt, macros), site, link)),
                     type="html")
        if config.feed.full_content:
            item.content(_xml(absolute_links(with_site_macros(entry.feed_html, macros),
                                             site, link)), type="html")
    return generator


def with_site_macros(html: str, macros: Mapping[str, str]) -> str:
    """A feed entry's HTML with the site's macros written out in its formulas: a feed
    reader's MathJax or KaTeX knows none of them (texmacros.py)."""
    if not macros:
        return html
    found = list(FORMULA_ELEMENT.finditer(html))
    written = [unescape(formula.group(3)) for formula in found]
    pieces, last = [], 0
    for formula, before, after in zip(found, written, expand_macros(written, macros)):
        if after != before:
            pieces += [html[last:formula.start(3)], escapeHtml(after)]
            last = formula.end(3)
    return "".join(pieces) + html[last:]


def _xml(text: str) -> str:
    """`text` without the characters no XML may hold (the loader warns of them)."""
    return _NOT_XML.sub("", text)


def absolute_links(html: str, site: Site, page_url: str) -> str:
    """Root-relative URLs (as the renderer writes them) and in-page `#…` links (an
    equation, a footnote, a heading of the post at `page_url`) → absolute URLs, in
    every href, src, poster and srcset (rawhtml.resolved_urls); so are the `\\href{…}`
    of references inside formulas, which feeds carry as TeX."""
    host = origin(site.config)

    def absolute(url: str) -> str:
        if url.startswith("#"):
            return page_url + url
        return host + url if url.startswith("/") and not url.startswith("//") else url

    html = _TEX_HREF.sub(lambda m: m.group(1) + (page_url if m.group(2).startswith("#") else host)
                         + m.group(2) + "}", html)
    return resolved_urls(html, absolute)


def render_sitemap(site: Site, outputs: Iterable[str]) -> OutputFile:
    """Every page of the site, given the output files (`…/index.html` pages are listed
    at their folder's URL, a post at `…/slug.html` as it is; 404.html and files other
    than HTML are not pages, nor the old addresses that redirect to a page): a post or
    standalone page with its own date, listings with the date of the newest post."""
    config = site.config
    aliases = {alias for record in (*(entry.post for entry in site.posts),
                                    *(entry.page for entry in site.pages))
               for alias in record.aliases}
    page_paths = [path.removesuffix("index.html") for path in outputs
                  if path.endswith(".html") and path != NOT_FOUND_PAGE and path not in aliases]
    newest = latest(site.posts)
    dated = {entry.path: entry.post.updated or entry.post.date for entry in site.posts}
    dated.update({entry.path: entry.page.date for entry in site.pages})
    # a listing changed when the newest of its posts did: a month of 2021 is not new
    listings = {term.path: latest(term.posts) for term in (*site.archive.tags,
                *site.archive.categories, *site.archive.series, *site.archive.months)}
    rows = [(path, dated.get(path) or listings.get(first_page(path)) or newest)
            for path in page_paths]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path, moment in sorted(rows, key=lambda row: row[0]):
        lastmod = f"<lastmod>{moment.date().isoformat()}</lastmod>" if moment else ""
        lines.append(f"  <url><loc>{escape(absolute_url(config, path), quote=False)}</loc>{lastmod}</url>")
    lines.append("</urlset>\n")
    return OutputFile(SITEMAP, "\n".join(lines).encode("utf-8"), "sitemap")
