"""Where the author wrote a broken link that the link check (`check`, `build
--check-links`) found on a page.

The link checker (linkcheck.py) crawls the output: a post's broken link is on its page,
its listings (in the excerpt) and both feeds, each time as the page writes it. The
author mends it in one line of one file. `written_at` finds that line among the files
the build read and reports the link there once, as written there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from .linkcheck import LinkProblem, encoded, page_url, served_base_url
from .problems import relative_name
from .sources import content_sources
from .urlparts import joined_url, split_url

_DESTINATION = re.compile(r"""\]\(\s*<?([^\s)>]+)"""  # [text](url
                          r"""|\b(?:href|src)\s*=\s*["']([^"']+)["']"""  # raw HTML
                          r"""|^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)"""  # [ref]: url
                          r"""|<((?:https?:)?//[^\s>]+)>""")  # <https://…>
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")

Written = tuple[str, int, str]
"""(content file, line, the link as written there)."""


def written_at(problems: list[LinkProblem], site_dir: Path, base_url: str,
               sources: Mapping[str, str]) -> list[LinkProblem]:
    """`problems` where the author can mend them, sorted by where. A broken link
    written in a file the build read (a built post or page, `sources` values; a
    comments file) is reported once, at that file and line, however many pages show
    it: a relative link where the page was made from (`sources[page]`), one written
    from the site's root or absolute wherever it is written. The rest (from templates
    or static files) stay at their pages, unless one found so is to the same target
    (an excerpt's `#x` is the post's URL with `#x` on a listing)."""
    base = served_base_url(base_url)
    links = _links_of(site_dir, sources)
    from_root: dict[str, Written] = {}  # target → where it is first written
    for source, written in sorted(links.items()):
        for line, link in written:
            if _from_root(link):
                from_root.setdefault(_target(base, link), (source, line, link))
    found: dict[tuple[str, int, str, str], LinkProblem] = {}  # one per place and problem
    targets: set[tuple[str, str]] = set()  # (target, problem) of those found
    unfound: list[tuple[LinkProblem, tuple[str, str]]] = []
    for problem in problems:
        url = page_url(base, problem.page)
        target = _target(url, problem.link.strip())
        own = sources.get(problem.page, "")
        where = next(((own, line, link) for line, link in links.get(own, ())
                      if _target(url, link) == target), None) or from_root.get(target)
        if where is None:
            unfound.append((problem, (target, problem.problem)))
            continue
        source, line, link = where
        found.setdefault((source, line, link, problem.problem),
                         LinkProblem(problem.page, link, problem.problem, source, line))
        targets.add((target, problem.problem))
    kept = [problem for problem, target in unfound if target not in targets]
    return sorted([*found.values(), *kept],
                  key=lambda p: (p.source or p.page, p.line, p.link, p.problem))


def _links_of(site_dir: Path, sources: Mapping[str, str]) -> dict[str, list[tuple[int, str]]]:
    """Content file → (line, link) of each link it writes, for the files the build read
    (every content file where `sources` is empty: a record from an older build)."""
    read = set(sources.values())
    found = {}
    for path, kind in content_sources(site_dir / "content"):
        if kind == "unread":
            continue
        source = relative_name(path, site_dir)
        if not read or source in read or kind == "comments":
            found[source] = _destinations(path.read_text("utf-8", errors="replace"))
    return found


def _destinations(text: str) -> list[tuple[int, str]]:
    """(line, link) of every link a content file writes, as written; none in code (a
    fenced block or a code span that shows Markdown)."""
    found, fence = [], None
    for number, line in enumerate(text.split("\n"), start=1):
        if opened := _FENCE.match(line):
            fence = None if fence == opened.group(1) else fence or opened.group(1)
            continue
        if fence is None:
            found += [(number, next(group for group in match.groups() if group))
                      for match in _DESTINATION.finditer(_CODE_SPAN.sub("", line))]
    return found


def _target(page: str, link: str) -> str:
    """What `link` on the page at URL `page` leads to, as the site's pages write URLs
    (linkcheck.encoded); a link that is no URL (urlparts.split_url), as written."""
    joined = joined_url(page, link)
    return encoded(joined) if joined is not None else link


def _from_root(link: str) -> bool:
    """The link means the same on every page: absolute, or from the host's root."""
    split = split_url(link)
    return split is not None and (link.startswith("/") or bool(split.scheme))
