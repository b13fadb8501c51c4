"""Where a site folder keeps things: the content files, its icon, and blogbuild's cache
folder.

Standard library only: the command line reads it before it imports the rest of
blogbuild (prestart.py).
"""

from __future__ import annotations

import fnmatch
import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path

CACHE_FOLDER = ".blogbuild-cache"
"""In the site folder: what later builds reuse (safe to delete)."""
RENDERED = "rendered.sqlite"
"""In the cache folder: the rendered posts, titles, pages and comments (rendercache.py)."""
PARSED = "content.sqlite"
"""In the cache folder: the parsed content files (contentcache.ContentCache)."""
SERVED = "serve.sqlite"
"""In the cache folder: what `serve` parsed and rendered (devbuild.py), apart from
`build`'s: each prunes what it did not use, and `serve` renders for another address."""
POSTS = "**/*.md"
"""The post files in content/posts (content_files), subfolders included."""


EDITOR_LITTER = re.compile(
    r"""( ~$                      # emacs, gedit, nano backups: post.md~
        | ^\.\#                   # emacs lock files: .#post.md
        | ^\#.*\#$                # emacs autosave: #post.md#
        | \.sw[a-px]$             # vim swap files: .post.md.swp, .swx, .swo
        | ^4913$                  # vim's probe that the folder is writable
        | ___jb_(tmp|old)___$     # JetBrains safe write
        | ^\.DS_Store$ | ^Thumbs\.db$ | ^\.goutputstream-
        )""", re.VERBOSE)
"""Names of the files editors and desktops leave beside the files being worked on:
never a source, never published."""
PASSING_FILES = re.compile(r"\.(tmp|bak|orig|part|crdownload)$")
"""Temporary, leftover and half-downloaded files: never content or a template (the
dev server ignores them there), but static/ copies them as it copies any file."""


FAVICONS = ("favicon.ico", "favicon.svg", "favicon.png")
"""The names a site's icon goes by at the top of static/, the first found winning."""


def favicon(static: Path) -> str | None:
    """The name of the icon at the top of a static folder, if it has one. Pages link it
    (`<link rel="icon">`): a browser asks for /favicon.ico at the host's root, which
    is not the site's below a sub-path (a GitHub Pages project site), nor a .svg."""
    return next((name for name in FAVICONS if (static / name).is_file()), None)


def source_files(root: Path, *, hidden: bool = False) -> list[Path]:
    """The files under `root` in a fixed order; hidden ones (an editor's lock) left out
    unless `hidden`."""
    return list(_walk(root, hidden))


def template_files(root: Path) -> list[Path]:
    """The files under `root` that Jinja may load, in a fixed order: hidden ones too (a
    `.footer.html` that base.html includes), not an editor's swap, backup or lock files
    (nor a lock's dangling link)."""
    return [path for path in _walk(root, True)
            if not EDITOR_LITTER.search(path.name) and path.is_file()]


def content_files(folder: Path, *patterns: str) -> list[Path]:
    """Files under `folder` matching any of `patterns` ("*.md", or "**/*.md" for every
    subfolder too), in a fixed order; hidden files and folders (an editor's
    `.#post.md` lock, `.post.md.swp`) are never content (source_files)."""
    return sorted(_matching(folder, patterns))


def has_content_files(folder: Path, count: int, *patterns: str) -> bool:
    """Whether `folder` has at least `count` content files (content_files), found
    without listing more of it than it takes."""
    return sum(1 for _ in itertools.islice(_matching(folder, patterns), count)) == count


def _walk(root: Path, hidden: bool) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for top, folders, names in os.walk(root):
        folders[:] = sorted(f for f in folders if hidden or not f.startswith("."))
        yield from (Path(top, name) for name in sorted(names) if hidden or not name.startswith("."))


def _matching(folder: Path, patterns: tuple[str, ...]) -> Iterator[Path]:
    wanted = [(pattern.removeprefix("**/"), pattern.startswith("**/")) for pattern in patterns]
    return (path for path in _walk(folder, False)
            if any(fnmatch.fnmatch(path.name, names) and (deep or path.parent == folder)
                   for names, deep in wanted))
