"""Which pages a build must render again.

A page is a function of its template (and the templates it includes), blogbuild's
code, the configuration, and the records in its context: the posts it lists, the
post it shows with its neighbours and related posts, the sidebar's recent comments.
So each page gets a digest of all of those, kept between builds with the size and
modification time of the file written for it. A page whose digest is unchanged and
whose file is still as that build left it is taken over from the previous output
instead of rendered: after editing one post, only the pages that show something of
it are rendered again.

The digest walks the records themselves (frozen dataclasses, tuples, mappings,
strings, bytes, numbers, dates), so a field a template starts to use is covered
without a list to keep up to date; a value of any other type is an error, never a
silent miss.
Shared records (a post appears on many pages) are digested once per build, and the
records that hold only plain values are digested by their repr, which dataclasses
write from every field (one C-speed string instead of a walk in Python). A record
parsed from a file is digested by a digest of what it was parsed from, when the
loader knows one (content.Content.origins): the text of a thousand posts need not be
written out again to learn that none changed.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path

from .archive import PostLink, TermLink
from .comments import Comment
from .config import SiteConfig
from .content import Page, Post
from .problems import Problem
from .rendercache import build_salt
from .site import CommentNode, RecentComment
from .sources import template_files
from .theme import theme_dir
from .unchanged import Stamps

RECORD = "pages.json"
"""In the cache folder: output path → [digest, size, mtime_ns] of the last build."""
FORMAT = "1"

_PLAIN_RECORDS = (Post, Page, Comment, CommentNode, RecentComment, PostLink, TermLink, Problem)
"""Records whose fields are strings, numbers, dates, tuples or mappings of those, or
records that no other record shares (a comment's replies)."""
_SHARED_LENGTH = 8
"""Tuples at least this long are remembered by identity too (a term's posts, the
sidebar's recent comments: the same tuple on many pages)."""
_SHARED_TEXT = 2048
"""So are strings this long: a post's HTML is both its page's and its feed's (client
mode), and its excerpt is on several listings."""


def page_salt(site_dir: Path, config: SiteConfig) -> str:
    """What every page depends on besides its context: code, KaTeX, configuration and
    every template file (site and theme), since templates include one another."""
    digest = hashlib.blake2b(f"{FORMAT}\0{build_salt(config)}".encode(), digest_size=16)
    for layer, folder in (("site", site_dir / "templates"), ("theme", theme_dir("templates"))):
        for path in template_files(folder):
            # by name within its layer: moving the site or blogbuild changes no page
            digest.update(f"\0{layer}/{path.relative_to(folder).as_posix()}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


class PageDigester:
    """Digests of page contexts; one per build (it remembers records by identity)."""

    def __init__(self, salt: str, vouched: Iterable[tuple[object, str]] = ()):
        """`vouched`: (record, origin) for records that are a function of their origin
        (a digest of the input they were parsed from), blogbuild's code and the
        configuration, which `salt` covers; they are digested by their origin."""
        self._salt = salt.encode("ascii")
        self._known: dict[int, tuple[object, bytes]] = {
            id(record): (record, hashlib.blake2b(
                f"{type(record).__qualname__}\0{origin}".encode(), digest_size=16).digest())
            for record, origin in vouched}

    def page(self, template: str, *contexts: object) -> str:
        digest = hashlib.blake2b(self._salt, digest_size=16)
        digest.update(template.encode("utf-8"))
        for context in contexts:
            self._feed(digest, context)
        return digest.hexdigest()

    def _shared(self, value: object) -> bytes:
        """The digest of a record, a long tuple or a long string, computed once per object."""
        known = self._known.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        if isinstance(value, _PLAIN_RECORDS):
            result = hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"),
                                     digest_size=16).digest()
        elif type(value) is str:
            result = hashlib.blake2b(value.encode("utf-8", "surrogatepass"),
                                     digest_size=16).digest()
        else:
            kind = type(value)
            digest = hashlib.blake2b(kind.__qualname__.encode(), digest_size=16)
            if kind is tuple:
                for item in value:
                    self._feed(digest, item)
            else:
                for name, label in _field_names(kind):
                    digest.update(label)
                    self._feed(digest, getattr(value, name))
            result = digest.digest()
        # the object itself is kept, so its id cannot be reused by another object
        self._known[id(value)] = (value, result)
        return result

    def _feed(self, digest, value: object) -> None:
        kind = type(value)
        if kind is str and len(value) >= _SHARED_TEXT:
            digest.update(b"S")
            digest.update(self._shared(value))
        elif kind is str:
            data = value.encode("utf-8", "surrogatepass")
            digest.update(b"s%d:" % len(data))
            digest.update(data)
        elif kind is bytes:  # packed HTML (packed.py)
            digest.update(b"b%d:" % len(value))
            digest.update(value)
        elif kind in _SCALARS or value is None:
            digest.update(f"{kind.__name__}:{value!r};".encode())
        elif kind is tuple or kind is list:
            if len(value) >= _SHARED_LENGTH and kind is tuple:
                digest.update(b"T")
                digest.update(self._shared(value))
                return
            digest.update(b"(%d:" % len(value))
            for item in value:
                self._feed(digest, item)
        elif dataclasses.is_dataclass(kind):
            digest.update(b"r")
            digest.update(self._shared(value))
        elif isinstance(value, str):  # Markup and other str subclasses
            self._feed(digest, str(value))
        elif isinstance(value, Mapping):
            digest.update(b"{%d:" % len(value))
            for key, item in value.items():
                self._feed(digest, key)
                self._feed(digest, item)
        elif isinstance(value, (datetime, date)):
            digest.update(f"t:{value!r};".encode())
        else:
            raise TypeError(f"page context holds a {kind.__name__}, which "
                            "pagedeps cannot digest; teach PageDigester._feed about it")


_SCALARS = frozenset({bool, int, float})


@functools.cache
def _field_names(kind: type) -> tuple[tuple[str, bytes], ...]:
    return tuple((field.name, field.name.encode()) for field in dataclasses.fields(kind))


class PreviousPages:
    """The pages the last build wrote, and whether one of them can be taken over."""

    def __init__(self, cache_dir: Path, out_dir: Path, files: Stamps):
        """`files`: what `out_dir` holds now (unchanged.output_files)."""
        self._files = files
        try:
            data = json.loads((cache_dir / RECORD).read_text(encoding="utf-8"))
            self._pages = {path: tuple(entry) for path, entry in data["pages"].items()} \
                if data.get("output") == str(out_dir.resolve()) else {}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            self._pages = {}

    def has(self, path: str) -> bool:
        """The last build recorded a page at `path` (else it must be rendered)."""
        return path in self._pages

    def unchanged(self, path: str, digest: str) -> bool:
        """True if `path` was built from the same digest and its file is untouched."""
        entry = self._pages.get(path)
        if entry is None or len(entry) != 3 or entry[0] != digest:
            return False
        return self._files.get(path) == (entry[1], entry[2])


def remember_pages(cache_dir: Path, out_dir: Path, digests: Mapping[str, str],
                   files: Stamps) -> None:
    """Record each page's digest with its file as `files` (unchanged.output_files)
    found it in `out_dir` after the build."""
    pages = {path: [digest, *files[path]] for path, digest in digests.items() if path in files}
    cache_dir.mkdir(parents=True, exist_ok=True)
    (cache_dir / RECORD).write_text(json.dumps({"output": str(out_dir.resolve()),
                                                "pages": pages}), encoding="utf-8")

