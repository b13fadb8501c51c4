"""A key → value store in one SQLite file, for the caches in `.blogbuild-cache/`.

Shared by parallel workers (a writer waits for the others' transactions). It is only
ever a cache: a damaged file is replaced, a value that cannot be read is a miss, and
a failed write costs time, never a wrong page.
"""

from __future__ import annotations

import pickle
import sqlite3
import time
from pathlib import Path

OPEN_TRIES = 40
"""Attempts to open a file that another process is opening (making it, switching it
to WAL) at the same moment, 0.05 s apart: it is busy, not damaged."""
_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class Store:
    def __init__(self, path: Path):
        self._path = path
        self._touched: set[str] = set()
        try:
            self._db = self._open_patiently()
        except sqlite3.DatabaseError:
            for damaged in (path, path.with_name(path.name + "-wal"),
                            path.with_name(path.name + "-shm")):
                damaged.unlink(missing_ok=True)
            self._db = self._open()

    def _open_patiently(self) -> sqlite3.Connection:
        tries = OPEN_TRIES
        while True:
            try:
                return self._open()
            except sqlite3.OperationalError as error:
                tries -= 1
                if not tries or error.sqlite_errorcode & 0xFF not in _BUSY:
                    raise
            time.sleep(0.05)

    def _open(self) -> sqlite3.Connection:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self._path, timeout=60)
        try:
            # a cache needs no durability: without the fsync of every commit, a cold
            # build of 1000 posts spends ~2 s less waiting on the disk (a crash loses
            # entries, and a damaged file is replaced); WAL lets the parallel workers
            # read while one writes
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")
            db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value BLOB)")
        except BaseException:
            db.close()
            raise
        return db

    def get(self, keys: list[str]) -> dict[str, object]:
        self._touched.update(keys)
        found: dict[str, object] = {}
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                rows = self._db.execute("SELECT key, value FROM entries WHERE key IN "
                                        f"({','.join('?' * len(chunk))})", chunk)
                for key, value in rows:
                    try:
                        found[key] = pickle.loads(value)
                    except Exception:  # damaged entry: a miss
                        continue
        except sqlite3.DatabaseError:
            return {}
        return found

    def empty(self) -> bool:
        """Nothing is stored (a first build, or the file was replaced)."""
        try:
            return self._db.execute("SELECT 1 FROM entries LIMIT 1").fetchone() is None
        except sqlite3.DatabaseError:
            return True

    def put(self, values: dict[str, object]) -> None:
        self._touched.update(values)
        try:
            with self._db:
                # a generator: thousands of pickled posts are never all in memory at once
                self._db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?)",
                                     ((key, pickle.dumps(value, protocol=5))
                                      for key, value in values.items()))
        except sqlite3.DatabaseError:
            pass

    def prune(self) -> None:
        """Delete every entry this store was not asked for nor given since it opened: for
        a cache that a build consults for everything it needs, that is what the site no
        longer has (an old version of an edited post), so the file does not only grow."""
        try:
            with self._db:
                self._db.execute("CREATE TEMP TABLE IF NOT EXISTS kept (key TEXT PRIMARY KEY)")
                self._db.execute("DELETE FROM kept")
                self._db.executemany("INSERT OR IGNORE INTO kept VALUES (?)",
                                     ((key,) for key in self._touched))
                self._db.execute("DELETE FROM entries WHERE key NOT IN (SELECT key FROM kept)")
        except sqlite3.DatabaseError:
            pass

    def close(self) -> None:
        self._db.close()
