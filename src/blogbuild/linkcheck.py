"""Link check: crawl a built output folder as the web server will serve it.

`check_links(out_dir, base_url)` reads the written files only (never the network):
every internal `href`/`src`/`srcset`, every CSS `url(...)` and every feed and sitemap
URL must resolve to a file below `out_dir` when the site is served at `base_url`,
and every `#fragment` must name an `id` on its target page. External links are
collected, not fetched.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

from lxml import etree

from .feeds import FEED_FILES, SITEMAP
from .pages import NOT_FOUND_PAGE
from .site import URL_SAFE
from .urlparts import split_url

_UNREADABLE = "not a URL a browser can follow (its host, between [ and ], is no address)"
FEEDS = (*FEED_FILES, SITEMAP)
"""XML files whose URLs must be absolute and under base_url."""

_URL_ATTRIBUTES = {
    "a": ("href",), "area": ("href",), "link": ("href",), "img": ("src", "srcset"),
    "script": ("src",), "iframe": ("src",), "source": ("src", "srcset"), "track": ("src",),
    "video": ("src", "poster"), "audio": ("src",), "embed": ("src",), "object": ("data",),
    "input": ("src",),
}
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)"""
                      r"""|@import\s+(?:"([^"]*)"|'([^']*)')""")
_IGNORED_SCHEMES = ("mailto:", "tel:", "data:", "about:")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True, order=True)
class LinkProblem:
    """One link that would not work once the site is published."""

    page: str
    """The file the link is on, relative to the output folder ("archives/x/index.html")."""
    link: str
    """The link as written in that file."""
    problem: str
    """What is wrong with it."""
    source: str = ""
    """The content file the link is written in, if it was found there (written_at)."""
    line: int = 0
    """Its line in `source`."""

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.source else self.page
        return f"{where}: {self.link} -> {self.problem}"


@dataclass(frozen=True)
class LinkReport:
    problems: list[LinkProblem] = field(default_factory=list)
    """Sorted by page, then link."""
    external: list[str] = field(default_factory=list)
    """Every link to another host, sorted, each once; never fetched."""


@dataclass
class _Document:
    """What one HTML or CSS file links to, and the anchors it offers."""

    links: list[tuple[str, str]] = field(default_factory=list)
    """(link as written, the attribute or context it came from)."""
    ids: set[str] = field(default_factory=set)


def css_urls(css: str) -> list[str]:
    """The URLs a stylesheet refers to: url(...) and @import."""
    return [next(group for group in match.groups() if group is not None)
            for match in _CSS_URL.finditer(css)]


FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")
"""An @font-face rule of a stylesheet."""


def font_face_sources(css: str) -> list[list[str]]:
    """The URLs of each @font-face rule, in order. A browser fetches the first format it
    supports (KaTeX lists woff2, woff, ttf and ships only woff2), so one must resolve."""
    return [css_urls(rule.group(0)) for rule in FONT_FACE.finditer(css)]


_LINKING = etree.XPath("|".join(f"//{tag}[{' or '.join(f'@{name}' for name in names)}]"
                                for tag, names in _URL_ATTRIBUTES.items()))
"""Every element with an attribute _URL_ATTRIBUTES names, in document order."""
_ANCHORS = etree.XPath("//@id | //a/@name")
_STYLES = etree.XPath("//@style | //style/text()")


def parse_html(text: str) -> _Document:
    """Link attributes, `id`s (and `name` on <a>) and CSS in <style> or style="", read by
    libxml2's HTML parser (Python's html.parser took 12 s of a 1,000-post site's crawl).
    Text is never read for links: a URL written inside <pre> or <code> is prose."""
    document = _Document()
    try:
        root = etree.fromstring(text, _HTML_PARSER)
    except (etree.XMLSyntaxError, ValueError):  # nothing to parse, or not text at all
        return document
    if root is None:
        return document
    document.ids.update(str(value) for value in _ANCHORS(root))
    for element in _LINKING(root):
        for name in _URL_ATTRIBUTES[element.tag]:
            value = element.get(name)
            if value is None:
                continue
            if name == "srcset":
                document.links += [(candidate.split()[0], name)
                                   for candidate in value.split(",") if candidate.strip()]
            else:
                rel = (element.get("rel") or "").lower().split()
                document.links.append((value, "canonical" if "canonical" in rel else name))
    for css in _STYLES(root):
        document.links += [(url, "style") for url in css_urls(str(css))]
    return document


_HTML_PARSER = etree.HTMLParser(no_network=True)


def check_links(out_dir: Path, base_url: str) -> LinkReport:
    """Crawl every HTML and CSS file and the feeds below `out_dir`, served at `base_url`."""
    site = _Site(out_dir, base_url)
    documents: dict[str, _Document] = {}
    for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
        name = path.relative_to(out_dir).as_posix()
        if path.suffix in (".html", ".htm"):
            documents[name] = parse_html(path.read_text(encoding="utf-8", errors="replace"))
        elif path.suffix == ".css":
            css = path.read_text(encoding="utf-8", errors="replace")
            fallbacks = font_face_sources(css)
            documents[name] = _Document([(url, "css") for url in css_urls(FONT_FACE.sub("", css))])
            for sources in fallbacks:
                site.check_fallbacks(name, sources)
    site.ids = {name: document.ids for name, document in documents.items()}
    for name, document in documents.items():
        for link, context in document.links:
            site.check(name, link, context)
    for name in FEEDS:
        if (out_dir / name).is_file():
            site.check_feed(name)
    return LinkReport(problems=sorted(set(site.problems)), external=sorted(site.external))


def encoded(url: str) -> str:
    """`url` with its path percent-encoded as the site's pages write it (site.url_path),
    whether it was written encoded or not."""
    split = urlsplit(url)
    return split._replace(path=quote(unquote(split.path), safe=URL_SAFE)).geturl()


def served_base_url(base_url: str) -> str:
    """`base_url` as pages and feeds write it: percent-encoded, however site.toml
    writes it, with its trailing slash."""
    split = urlsplit(base_url if base_url.endswith("/") else base_url + "/")
    return encoded(split.scheme + "://" + split.netloc + (unquote(split.path) or "/"))


def page_url(base: str, name: str) -> str:
    """The URL the file `name` of the output is served at, below `base`
    (served_base_url); a folder's index.html at the folder's URL."""
    folder = name == "index.html" or name.endswith("/index.html")
    return base + quote(name.removesuffix("index.html") if folder else name)


class _Site:
    """The output folder as a web server at `base_url` would serve it."""

    def __init__(self, out_dir: Path, base_url: str):
        self.out_dir = out_dir
        split = urlsplit(base_url if base_url.endswith("/") else base_url + "/")
        self.host = split.netloc.lower()
        self.base_path = unquote(split.path) or "/"
        """As `resolve` compares paths: decoded ("/博客/")."""
        self.base_url = served_base_url(base_url)
        self.ids: dict[str, set[str]] = {}
        self.problems: list[LinkProblem] = []
        self.external: set[str] = set()
        self._verdicts: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        """(link, context) → _verdict, for the links that mean the same on every page."""

    def page_url(self, name: str) -> str:
        return page_url(self.base_url, name)

    def check(self, page: str, link: str, context: str) -> None:
        written = link.strip()
        # a link from the site's root or with a scheme means the same on every page (the
        # theme's, on all of them): judged once
        if written.startswith("/") or _SCHEME.match(written):
            key = (written, context)
            if key not in self._verdicts:
                self._verdicts[key] = self._verdict(page, written, context)
            problem, external = self._verdicts[key]
        else:
            problem, external = self._verdict(page, written, context)
        if external:
            self.external.add(external)
        if problem:
            self.problems.append(LinkProblem(page, link, problem))

    def _verdict(self, page: str, written: str, context: str) -> tuple[str | None, str | None]:
        """(what is wrong with the link, or None; the URL of another site it leads to,
        or None)."""
        lowered = written.lower()
        if lowered.startswith("javascript:"):
            return "a javascript: URL; use a real link or a button", None
        if not written or lowered.startswith(_IGNORED_SCHEMES):
            return None, None
        split = split_url(written)
        if split is None:
            return _UNREADABLE, None
        if split.scheme and split.scheme not in ("http", "https"):
            return None, written
        if page == NOT_FOUND_PAGE and not split.scheme and not split.netloc \
                and not written.startswith(("/", "#")):
            return ("relative link on the 404 page, which is served at any missing URL; "
                    "make it absolute"), None
        absolute = urljoin(self.page_url(page), written)
        target = urlsplit(absolute)
        if target.netloc.lower() != self.host:
            if context == "canonical":
                return f"canonical URL is not under base_url {self.base_url}", None
            return None, absolute
        return self.resolve(absolute), None

    def check_fallbacks(self, page: str, sources: list[str]) -> None:
        """One @font-face rule: fine if any of its sources resolves; else each is reported."""
        before = len(self.problems)
        for url in sources:
            self.check(page, url, "css")
        if len(self.problems) - before < len(sources):
            del self.problems[before:]

    def resolve(self, absolute: str) -> str | None:
        """None if an internal URL resolves, file and fragment; else what is wrong."""
        target = urlsplit(absolute)
        try:
            path = unquote(target.path, errors="strict") if target.path else "/"
        except UnicodeDecodeError:
            return "percent-encoded bytes that are not UTF-8"
        if path + "/" == self.base_path:
            path = self.base_path
        if not path.startswith(self.base_path):
            return (f"outside the site's path {self.base_path} (a root-relative link "
                    "that does not honour base_url?)")
        name = path[len(self.base_path):]
        if name == "" or name.endswith("/"):
            name += "index.html"
        file = self.out_dir / name
        if not file.is_file():
            if (file / "index.html").is_file():
                name += "/index.html"  # servers redirect /x to /x/
            else:
                return f"no such file: {name}"
        fragment = unquote(target.fragment)
        if fragment and fragment != "top" and name in self.ids and fragment not in self.ids[name]:
            return f'no id="{fragment}" on {name}'
        return None

    def check_feed(self, name: str) -> None:
        """Feed and sitemap URLs must be absolute, under base_url, and resolve; so must
        the absolute links inside entries (feed readers have no page URL to resolve against)."""
        def report(link: str, problem: str) -> None:
            self.problems.append(LinkProblem(name, link, problem))

        try:
            root = ElementTree.parse(self.out_dir / name).getroot()
        except ElementTree.ParseError as error:
            return report("", f"not well-formed XML: {error}")
        urls: list[str] = []
        bodies: list[str] = []
        for element in root.iter():
            tag = element.tag.rsplit("}", 1)[-1]
            if tag in ("link", "loc") and element.text and element.text.strip():
                urls.append(element.text.strip())
            elif tag == "link" and element.get("href"):
                urls.append(element.get("href", ""))
            elif tag == "guid" and element.get("isPermaLink", "true") == "true" and element.text:
                urls.append(element.text.strip())
            elif tag in ("description", "encoded", "content", "summary") and element.text:
                bodies.append(element.text)
        for url in urls:
            split = urlsplit(url)
            if split.scheme and split.netloc.lower() != self.host:
                self.external.add(url)
            elif not encoded(url).startswith(self.base_url):
                report(url, f"not an absolute URL under base_url {self.base_url}")
            elif problem := self.resolve(url):
                report(url, problem)
        for body in bodies:
            for link, _ in parse_html(body).links:
                split = split_url(link.strip())
                if link.lower().startswith(_IGNORED_SCHEMES):
                    continue
                if split is None:
                    report(link, _UNREADABLE)
                elif link.lower().startswith("javascript:"):
                    report(link, "a javascript: URL")
                elif not split.scheme and not split.netloc:
                    report(link, "relative link in a feed entry; feed readers cannot resolve it")
                elif split.netloc.lower() == self.host:
                    if problem := self.resolve(urljoin(self.base_url, link)):
                        report(link, problem)
                else:
                    self.external.add(link)
