"""Rendered posts, titles, pages and comments kept between builds.

A build renders only what it has not rendered before: each result is stored under a
key made of everything it depends on — the text and its place (file, line, URL), the
site's configuration, the KaTeX release, and blogbuild's own code — so a stale entry
is never found, only missed. The file is `.blogbuild-cache/rendered.sqlite`; a damaged
one is replaced, and deleting it costs only time.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sqlite3
from functools import lru_cache
from pathlib import Path

from .config import SiteConfig
from .theme import katex_version

FORMAT = "1"
"""Bump when the stored records change shape."""


class RenderCache:
    def __init__(self, path: Path, config: SiteConfig):
        self._path = path
        self._salt = hashlib.sha256(
            "\0".join([FORMAT, code_fingerprint(), katex_version(), repr(config)]).encode()
        ).hexdigest()
        try:
            self._db = self._open()
        except sqlite3.DatabaseError:
            path.unlink(missing_ok=True)
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self._path, timeout=60)
        db.execute("CREATE TABLE IF NOT EXISTS rendered (key TEXT PRIMARY KEY, value BLOB)")
        return db

    def key(self, *parts: object) -> str:
        """The key of a result that depends on `parts` (JSON-able) and the salt."""
        material = json.dumps([self._salt, *parts], ensure_ascii=False, default=str)
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def get(self, keys: list[str]) -> dict[str, object]:
        found: dict[str, object] = {}
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                rows = self._db.execute("SELECT key, value FROM rendered WHERE key IN "
                                        f"({','.join('?' * len(chunk))})", chunk)
                for key, value in rows:
                    try:
                        found[key] = pickle.loads(value)
                    except Exception:  # a damaged entry is a miss, never a wrong page
                        continue
        except sqlite3.DatabaseError:
            return {}
        return found

    def put(self, results: dict[str, object]) -> None:
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO rendered VALUES (?, ?)",
                                     [(key, pickle.dumps(value, protocol=5))
                                      for key, value in results.items()])
        except sqlite3.DatabaseError:
            pass  # a cache that cannot be written only costs time

    def close(self) -> None:
        self._db.close()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of blogbuild's own modules: a changed renderer must not reuse old output."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
