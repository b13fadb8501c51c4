"""Full-text search: Pagefind indexes the built site into pagefind/.

Pagefind's extended build (the `pagefind[extended]` package) segments Chinese, so a
two-character query finds the posts that contain it. Version 1.4 (pyproject.toml):
1.5 segments the query in the browser otherwise than the index, and a name such as
马尔可夫 found none of the posts that have it. Only elements marked
`data-pagefind-body` (post articles) are indexed, and not their formulas: readers
search for words, and TeX source (or, in build mode, KaTeX's glyph-by-glyph HTML)
only adds noise to the results, and a quarter of the indexing time. Pagefind is only
shown the files where post pages can be (a glob made from the permalink): the listing
pages have nothing to index, and reading them was a fifth of its time.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from .config import SiteConfig
from .content import page_file
from .problems import BlogbuildError

INDEX_FOLDER = "pagefind"
FORMULAS = ".math, .multline"
"""What mathrender writes around a formula (a multline's rows are .math too)."""


def pagefind_command(site: Path, config: SiteConfig) -> list[str]:
    """Pagefind (the Python package's binary) indexing the built site in `site`."""
    command = [sys.executable, "-m", "pagefind", "--site", str(site), "--silent",
               "--exclude-selectors", FORMULAS]
    glob = post_pages_glob(config)
    return command + ["--glob", glob] if glob else command


_FIELD = re.compile(r"\{(?:slug|year|month|day)\}")


def post_pages_glob(config: SiteConfig) -> str | None:
    """A Pagefind glob for the files post pages are written to (perhaps matching a few
    other pages too): the permalink with each field a `*` (no field holds a "/"). None
    where the permalink itself has characters a glob would read otherwise."""
    pattern = config.permalink.lstrip("/")
    if any(char in _FIELD.sub("", pattern) for char in "*?[]{}<>!\\"):
        return None
    glob = _FIELD.sub("*", pattern)
    return page_file(glob)


def read_by_pagefind(output: str, config: SiteConfig) -> bool:
    """Whether Pagefind reads the page written to `output` ("archives/x/index.html"):
    the glob's rule (a `*` stays within one folder name), every page without one. The
    dev server writes only these pages for it."""
    glob = post_pages_glob(config)
    if glob is None:
        return True
    parts, wanted = output.split("/"), glob.split("/")
    return len(parts) == len(wanted) and all(map(fnmatch.fnmatchcase, parts, wanted))


def is_indexed(output: str, config: SiteConfig) -> bool:
    """Whether Pagefind indexes the output file at `output`: an HTML file it reads."""
    return output.endswith(".html") and read_by_pagefind(output, config)


def indexed_pages(outputs: Iterable[str], config: SiteConfig) -> Iterator[str]:
    """The HTML files among `outputs` (output paths) that Pagefind reads, lazily. None
    at all for a site without posts yet, which gets no index (Pagefind refuses an empty
    one)."""
    return (output for output in outputs if is_indexed(output, config))


def index_site(config: SiteConfig, out_dir: Path) -> None:
    """Write the search index into `out_dir/pagefind/`; raises BlogbuildError if Pagefind
    is missing or fails."""
    try:
        done = subprocess.run(pagefind_command(out_dir, config), capture_output=True,
                              text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BlogbuildError(f"search index: cannot run Pagefind: {error}") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BlogbuildError("search index: Pagefind failed"
                             + (f": {detail[-1]}" if detail else "")
                             + " (set `[search] enabled = false` in site.toml to build without it)")
