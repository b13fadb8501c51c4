"""Where the default theme and KaTeX's browser files live, installed or in a checkout."""

from __future__ import annotations

import functools
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent.parent  # src/blogbuild → the repository root


def theme_dir(kind: str) -> Path:
    """The default theme's `templates` or `static` folder.

    A wheel carries them as blogbuild/theme/<kind>; an editable install (or a
    checkout on sys.path) reads them from the repository's top level.
    """
    packaged = _PACKAGE / "theme" / kind
    return packaged if packaged.is_dir() else _CHECKOUT / kind


def katex_dir() -> Path:
    """KaTeX's browser files (katex.min.js/css, contrib/auto-render.min.js, fonts/),
    put there by hatch_build.py from the npm release pinned in package-lock.json."""
    return _PACKAGE / "katex"


@functools.cache
def katex_version() -> str:
    """The shipped KaTeX release (part of every cache key: read once per process)."""
    stamp = katex_dir() / "VERSION"
    return stamp.read_text(encoding="utf-8").strip() if stamp.is_file() else "missing"
