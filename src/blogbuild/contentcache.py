"""What content.load_content keeps between loads: each file's text and what parsing
it gave, and (in a build) a store of the parses of earlier builds."""

from __future__ import annotations

from pathlib import Path

from .problems import Problem, relative_name
from .rendercache import RenderCache


class ContentCache:
    """File texts (known by modification time and size) and parse results (known by
    text), kept between loads: the dev server re-reads and re-parses only what changed,
    and an unchanged file gives back the very same records.

    A build uses a fresh one, with `store`: parse results kept in a file between builds
    (YAML is most of the loading time), under the store's keys (text, place, blogbuild's
    code and the configuration the parse depends on)."""

    def __init__(self, store: RenderCache | None = None) -> None:
        self._texts: dict[Path, tuple[tuple[int, int], str | None, tuple[Problem, ...]]] = {}
        self._parsed: dict[tuple, tuple[object, tuple[Problem, ...]]] = {}
        self._used: dict[tuple, tuple[object, tuple[Problem, ...]]] = {}
        self._store = store
        self._fresh: dict[str, tuple[object, tuple[Problem, ...]]] = {}
        self._fetched: dict[str, object] = {}
        self._store_keys: dict[tuple, str] = {}
        """Parse key → store key (a hash of the whole text: computed once per build)."""

    def text(self, path: Path, site_dir: Path, problems: list[Problem]) -> str | None:
        try:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = (-1, -1)
        known = self._texts.get(path)
        if known is None or known[0] != stamp:
            found: list[Problem] = []
            known = (stamp, read_text(path, site_dir, found), tuple(found))
            self._texts[path] = known
        problems.extend(known[2])
        return known[1]

    def parse(self, key: tuple, parse, problems: list[Problem]):
        """`parse(problems)` once per key; its problems are replayed on every later use."""
        if key not in self._parsed:
            stored = self._stored(key)
            if stored is None:
                found: list[Problem] = []
                stored = (parse(found), tuple(found))
                if self._store is not None:
                    self._fresh[self._store_key(key)] = stored
            self._parsed[key] = stored
        self._used[key] = self._parsed[key]
        value, found = self._parsed[key]
        problems.extend(found)
        return value

    def origin(self, key: tuple) -> str | None:
        """A digest of everything the parse of `key` depends on (the file's text and
        place, blogbuild's code, the configuration): its key in the store; None
        without a store."""
        return self._store_key(key) if self._store is not None else None

    def forget(self, path: Path) -> None:
        """Re-read `path` next time even if its modification time looks the same."""
        self._texts.pop(path, None)

    def end_load(self) -> None:
        """Drop the parses of files that are gone or changed; store the new ones."""
        self._parsed, self._used = self._used, {}
        if self._store is not None and self._fresh:
            self._store.put(self._fresh)
            self._fresh = {}

    @property
    def stored(self) -> bool:
        """The store holds parses of earlier builds (prefetch them). A first build's
        store is empty: prefetching would only read every file before the first is
        parsed, while the workers of a cold build wait for the first posts."""
        return self._store is not None and not self._store.empty()

    def prefetch(self, keys: list[tuple]) -> None:
        """Look up the stored parses of `keys` at once (one query, not one per file);
        a parse not found then is parsed, not looked up again."""
        if self._store is not None:
            wanted = [self._store_key(key) for key in keys if key not in self._parsed]
            self._fetched = self._store.get(wanted)

    def _store_key(self, key: tuple) -> str:
        known = self._store_keys.get(key)
        if known is None:
            known = self._store_keys[key] = self._store.key("parse", *key)
        return known

    def _stored(self, key: tuple) -> tuple[object, tuple[Problem, ...]] | None:
        if self._store is None:
            return None
        value = self._fetched.pop(self._store_key(key), None)
        return value if isinstance(value, tuple) and len(value) == 2 else None


NOT_XML = (*map(chr, (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))), "\ufffe", "\uffff")
"""Characters no XML document may hold (feeds leave them out), invisible on a page: a
stray one comes from a WordPress export or text pasted from a PDF."""


def control_characters(source: str, text: str) -> list[Problem]:
    """A warning at the first of `text`'s NOT_XML characters, if it has any."""
    if not any(character in text for character in NOT_XML):  # one fast scan each
        return []
    where = min(text.find(character) for character in NOT_XML if character in text)
    return [Problem(source, text.count("\n", 0, where) + 1,
                    f"an invisible control character (U+{ord(text[where]):04X}), which feeds "
                    "leave out: delete it", warning=True)]


def read_text(path: Path, site_dir: Path, problems: list[Problem]) -> str | None:
    """The file's text (UTF-8, BOM and CRLF removed), or None with a problem."""
    name = relative_name(path, site_dir)
    try:
        data = path.read_bytes()
    except OSError as error:
        problems.append(Problem(name, 0, f"cannot read file: {error.strerror}"))
        return None
    try:
        return data.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        problems.append(Problem(name, line, "not UTF-8 text: save the file as UTF-8"))
        return None
