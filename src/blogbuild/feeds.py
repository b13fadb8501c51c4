"""feed.xml (RSS 2.0), atom.xml and sitemap.xml, with absolute links under base_url.

Entries carry HTML whose formulas are still TeX in `\\(..\\)`/`\\[..\\]`, so feed readers
with MathJax or KaTeX show them, and none show half-rendered markup. No clock is read:
feed dates come from the posts.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from xml.sax.saxutils import escape

from feedgen.feed import FeedGenerator

from .pages import OutputFile
from .site import Site, absolute_url, latest

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_RELATIVE = re.compile(r'(\s(?:href|src)=")(/[^"/][^"]*|/)"')


def render_feeds(site: Site) -> list[OutputFile]:
    generator = _feed(site)
    return [OutputFile("feed.xml", generator.rss_str(pretty=True), "feed"),
            OutputFile("atom.xml", generator.atom_str(pretty=True), "feed")]


def _feed(site: Site) -> FeedGenerator:
    config = site.config
    generator = FeedGenerator()
    generator.id(config.base_url)
    generator.title(config.title)
    generator.subtitle(config.description or config.title)
    generator.link(href=config.base_url, rel="alternate")
    generator.link(href=config.base_url + "atom.xml", rel="self")
    generator.language(config.language)
    if config.author:
        generator.author(name=config.author)
    generator.generator("blogbuild")
    newest = latest(site.posts) or _EPOCH
    generator.updated(newest)
    generator.lastBuildDate(newest)
    # feedgen prepends entries, so add the oldest of the chosen ones first
    for entry in reversed(site.posts[:config.feed.items]):
        post = entry.post
        link = absolute_url(config, entry.path)
        html = entry.feed_html if config.feed.full_content else entry.feed_excerpt_html
        item = generator.add_entry()
        item.id(link)
        item.guid(link, permalink=True)
        item.title(post.title)
        item.link(href=link)
        item.author(name=post.author)
        item.published(post.date)
        item.updated(post.updated or post.date)
        if post.category:
            item.category(term=post.category)
        for tag in post.tags:
            item.category(term=tag)
        item.content(absolute_links(html, site), type="CDATA")
        item.description(absolute_links(entry.feed_excerpt_html, site))
    return generator


def absolute_links(html: str, site: Site) -> str:
    """Root-relative href/src (as the renderer writes them) → absolute URLs."""
    origin = site.config.base_url[: len(site.config.base_url) - len(site.config.base_path)]
    return _RELATIVE.sub(lambda m: f'{m.group(1)}{origin}{m.group(2)}"', html)


def render_sitemap(site: Site, page_paths: list[str]) -> OutputFile:
    """Every page of the site: a post or standalone page with its own date, listings
    with the date of the newest post."""
    config = site.config
    newest = latest(site.posts)
    dated = {entry.path: entry.post.updated or entry.post.date for entry in site.posts}
    dated.update({entry.path: entry.page.date for entry in site.pages})
    rows = [(path, dated.get(path, newest)) for path in page_paths]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path, moment in sorted(rows, key=lambda row: row[0]):
        lastmod = f"<lastmod>{moment.date().isoformat()}</lastmod>" if moment else ""
        lines.append(f"  <url><loc>{escape(absolute_url(config, path))}</loc>{lastmod}</url>")
    lines.append("</urlset>\n")
    return OutputFile("sitemap.xml", "\n".join(lines).encode("utf-8"), "sitemap")
