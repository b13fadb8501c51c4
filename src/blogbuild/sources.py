"""Where a site folder keeps things: the content files, and blogbuild's cache folder.

Standard library only: the command line reads it before it imports the rest of
blogbuild (prestart.py).
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

CACHE_FOLDER = ".blogbuild-cache"
"""In the site folder: what later builds reuse (safe to delete)."""
RENDERED = "rendered.sqlite"
"""In the cache folder: the rendered posts, titles, pages and comments (rendercache.py)."""
PARSED = "content.sqlite"
"""In the cache folder: the parsed content files (contentcache.ContentCache)."""
POSTS = "**/*.md"
"""The post files in content/posts (content_files), subfolders included."""


def source_files(root: Path, *, hidden: bool = False) -> list[Path]:
    """The files under `root` in a fixed order; hidden ones (an editor's lock) left out
    unless `hidden`."""
    if root.is_file():
        return [root]
    found = []
    for top, folders, names in os.walk(root):
        folders[:] = sorted(f for f in folders if hidden or not f.startswith("."))
        found += [Path(top, name) for name in sorted(names) if hidden or not name.startswith(".")]
    return found


def content_files(folder: Path, *patterns: str) -> list[Path]:
    """Files under `folder` matching any of `patterns` ("*.md", or "**/*.md" for every
    subfolder too), in a fixed order; hidden files and folders (an editor's
    `.#post.md` lock, `.post.md.swp`) are never content (source_files)."""
    wanted = [(pattern.removeprefix("**/"), pattern.startswith("**/")) for pattern in patterns]
    return sorted(path for path in source_files(folder)
                  if any(fnmatch.fnmatch(path.name, names) and (deep or path.parent == folder)
                         for names, deep in wanted))
