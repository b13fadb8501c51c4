"""Rendered posts, titles, pages and comments kept between builds.

A build renders only what it has not rendered before: each result is stored under a
key made of everything it depends on — the text and its place (file, line, URL), the
site's configuration, the KaTeX release, and blogbuild's own code with the versions of
the libraries that shape its output — so a stale entry is never found, only missed.
The file is `.blogbuild-cache/rendered.sqlite`; a damaged one is replaced, and
deleting it costs only time.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import unicodedata
import zoneinfo
from functools import lru_cache
from pathlib import Path

from .config import SiteConfig
from .store import Store
from .theme import katex_version

FORMAT = "1"
"""Bump when the stored records change shape."""


class RenderCache:
    """Rendered results under keys that include everything they depend on."""

    def __init__(self, path: Path, config: SiteConfig):
        self._store = Store(path)
        self._salt = build_salt(config).encode("ascii")

    def key(self, *parts: object) -> str:
        """The key of a result that depends on `parts` (strings, or JSON-able) and the
        salt. Strings (whole posts) are hashed as they are, not as JSON: a third of the
        time, and the key still tells every sequence of parts from every other."""
        digest = hashlib.sha256(self._salt)
        for part in parts:
            kind = type(part)
            if kind is str:
                data = part.encode("utf-8", "surrogatepass")
                digest.update(b"s%d:" % len(data))
                digest.update(data)
            elif kind is int:  # lines and ids: thousands of keys have a few each
                digest.update(b"i%d;" % part)
            elif part is None:
                digest.update(b"n;")
            else:
                data = json.dumps(part, ensure_ascii=False, default=str).encode("utf-8")
                digest.update(b"j%d:" % len(data))
                digest.update(data)
        return digest.hexdigest()

    def get(self, keys: list[str]) -> dict[str, object]:
        return self._store.get(keys)

    def empty(self) -> bool:
        return self._store.empty()

    def put(self, results: dict[str, object]) -> None:
        self._store.put(results)

    def prune(self) -> None:
        """Drop the results no lookup or store of this build concerned (store.Store.prune)."""
        self._store.prune()

    def close(self) -> None:
        self._store.close()


def build_salt(config: SiteConfig) -> str:
    """What every cached result depends on besides its own input: blogbuild's code,
    the KaTeX release and the configuration."""
    return hashlib.sha256("\0".join([FORMAT, code_fingerprint(), katex_version(),
                                     repr(config)]).encode()).hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of blogbuild's own modules and of the versions of the libraries whose
    output the caches keep: a changed renderer must not reuse old output (after
    `pip install -U pygments`, unedited posts kept the old highlighting)."""
    import feedgen.version
    import jinja2
    import lxml  # its version without lxml.etree (11 ms of each worker's start)
    import markdown_it
    import mdit_py_plugins
    import pygments
    import yaml

    digest = hashlib.sha256()
    # (importlib.metadata would find them all from blogbuild's requirements, in ~70 ms
    # of every build: the no-change build's time)
    versions = [(library.__name__, library.__version__)
                for library in (jinja2, markdown_it, mdit_py_plugins, pygments, yaml, lxml)]
    # Python's own: its Unicode tables decide what is CJK (cjkemphasis.py), wide
    # (soft line breaks) or punctuation; and the time-zone rules a post's date is read by
    versions += [("feedgen", feedgen.version.version_str), ("python", sys.version),
                 ("unicode", unicodedata.unidata_version), ("time zones", time_zone_rules())]
    for name, version in versions:
        digest.update(f"{name} {version}\0".encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def time_zone_rules() -> str:
    """The release of the time-zone rules zoneinfo reads: the system's (its first
    TZPATH folder with a tzdata.zi), else the tzdata package's, else "none"."""
    for folder in zoneinfo.TZPATH:
        try:
            with open(os.path.join(folder, "tzdata.zi"), encoding="utf-8") as rules:
                return rules.readline().strip()
        except OSError:
            continue
    try:
        import tzdata
    except ImportError:
        return "none"
    return f"tzdata {tzdata.__version__}"
