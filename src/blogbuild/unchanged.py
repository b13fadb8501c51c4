"""Knowing that a build would write exactly what is already there.

Before building, the inputs are fingerprinted (site.toml, content/, templates/, static/,
the theme, blogbuild's code, the KaTeX release, the options); after a build the
fingerprint is stored with a listing of the output folder (names, sizes, mtimes). If the
next build has the same fingerprint and finds the output as it was left, there is
nothing to do: nothing is parsed, rendered or rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from .problems import Problem
from .rendercache import code_fingerprint
from .outfolder import KEPT_ENTRIES
from .sources import source_files, template_files
from .theme import katex_version, theme_dir

RECORD = "last-build.json"


@dataclass(frozen=True)
class LastBuild:
    fingerprint: str
    output: str
    """Hash of the output folder's listing when the build finished."""
    posts: int
    pages: int
    formulas: int
    warnings: tuple[Problem, ...]
    drafts: int
    sources: dict[str, str] = field(default_factory=dict)
    """Output path → what it was made from (BuildReport.sources)."""


def fingerprint(site_dir: Path, out_dir: Path, options: dict) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([code_fingerprint(), katex_version(), _pagefind_version(),
                              str(out_dir.resolve()), options], sort_keys=True).encode())
    # static files are copied hidden ones included (.well-known/, .htaccess); content
    # never reads a hidden file (an editor's lock or swap file); templates may include
    # one (template_files)
    files = [*source_files(site_dir / "site.toml"), *source_files(site_dir / "content"),
             *template_files(site_dir / "templates"), *source_files(site_dir / "static", hidden=True),
             *template_files(theme_dir("templates")), *source_files(theme_dir("static"), hidden=True)]
    for path in files:
        digest.update(f"\0{path}\0".encode())
        try:
            digest.update(path.read_bytes())
        except OSError as error:  # a dangling link: the build says so, as check does
            digest.update(f"\0unreadable: {error.strerror}\0".encode())
    return digest.hexdigest()


Stamps = Mapping[str, tuple[int, int]]
"""The files of an output folder: "/"-separated relative path → (size, mtime_ns)."""


def output_files(out_dir: Path) -> dict[str, tuple[int, int]]:
    """Every file below `out_dir` with its size and modification time, from one walk
    (scandir's entries carry their stat); a build walks its output once before and
    once after, and each step that asks about the old or new files reads this."""
    found: dict[str, tuple[int, int]] = {}
    folders = [(str(out_dir), "")]
    while folders:
        folder, prefix = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if not prefix and entry.name in KEPT_ENTRIES:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, prefix + entry.name + "/"))
                else:
                    stat = entry.stat(follow_symlinks=False)
                    found[prefix + entry.name] = (stat.st_size, stat.st_mtime_ns)
    return found


def output_listing(files: Stamps) -> str:
    """The output folder as `files` describe it (output_files), hashed."""
    digest = hashlib.sha256()
    for path in sorted(files):
        size, mtime = files[path]
        digest.update(f"{path}\0{size}\0{mtime}\n".encode())
    return digest.hexdigest()


def read_last_build(cache_dir: Path) -> LastBuild | None:
    try:
        data = json.loads((cache_dir / RECORD).read_text(encoding="utf-8"))
        data["warnings"] = tuple(Problem(**w) for w in data["warnings"])
        return LastBuild(**data)
    except (OSError, ValueError, TypeError, KeyError):
        return None


def write_last_build(cache_dir: Path, record: LastBuild) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    (cache_dir / RECORD).write_text(json.dumps(asdict(record), ensure_ascii=False),
                                    encoding="utf-8")


def _pagefind_version() -> str:
    try:
        return metadata.version("pagefind")
    except metadata.PackageNotFoundError:
        return "none"
