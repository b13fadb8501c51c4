"""Where a site folder keeps things: the content files, its icon, and blogbuild's cache
folder.

Standard library only: the command line reads it before it imports the rest of
blogbuild (prestart.py).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path, PurePath

CACHE_FOLDER = ".blogbuild-cache"
"""In the site folder: what later builds reuse (safe to delete)."""
RENDERED = "rendered.sqlite"
"""In the cache folder: the rendered posts, titles, pages and comments (rendercache.py)."""
PARSED = "content.sqlite"
"""In the cache folder: the parsed content files (contentcache.ContentCache)."""
SERVED = "serve.sqlite"
"""In the cache folder: what `serve` parsed and rendered (devbuild.py), apart from
`build`'s: each prunes what it did not use, and `serve` renders for another address."""


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


def content_kind(relative: PurePath) -> str | None:
    """What a file below content/ (`relative` to it) is, by its folder and name:
    "posts" (a .md file in posts/ or a folder below, but Hugo's list page `_index.md`),
    "pages" (.md in pages/),
    "comments" (.yaml or .yml in comments/), else "unread"; None for an editor's litter
    and passing files, which are no source at all."""
    folder, name, depth = relative.parts[0], relative.name, len(relative.parts)
    if EDITOR_LITTER.search(name) or PASSING_FILES.search(name):
        return None
    if folder == "posts" and depth > 1 and name.endswith(".md") and name != "_index.md":
        return "posts"
    if folder == "pages" and depth == 2 and name.endswith(".md"):
        return "pages"
    if folder == "comments" and depth == 2 and name.endswith((".yaml", ".yml")):
        return "comments"
    return "unread"


def content_sources(content: Path) -> Iterator[tuple[Path, str]]:
    """(path, content_kind) of each file under the `content` folder, in a fixed order;
    hidden files and folders (an editor's `.#post.md` lock) and litter left out; none
    where `content` is no folder."""
    if not content.is_dir():
        return
    for path in _walk(content, False):
        if (kind := content_kind(path.relative_to(content))) is not None:
            yield path, kind


def has_posts(content: Path, count: int) -> bool:
    """Whether the `content` folder has at least `count` posts (content_kind), found
    without listing more of it than it takes."""
    posts = (path for path in _walk(content / "posts", False)
             if content_kind(path.relative_to(content)) == "posts")
    return sum(1 for _ in itertools.islice(posts, count)) == count


def _walk(root: Path, hidden: bool) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for top, folders, names in os.walk(root):
        folders[:] = sorted(f for f in folders if hidden or not f.startswith("."))
        yield from (Path(top, name) for name in sorted(names) if hidden or not name.startswith("."))
