"""Output: the built site into its folder, touching only what changed.

A failed build never reaches this module. Writing goes to a temporary folder first
(only the changed files; the whole site where there is no output yet), and only a
complete write is moved into place, so a failure while writing leaves the previous
output byte-identical either way. The search index is made beside the output too, from
the pages it reads, before anything in the output changes. Where those temporary
folders go, and how a new output takes the old one's place, is outfolder.py's.
"""

from __future__ import annotations

import os
import posixpath
import shutil
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .outfolder import staging_folder, swap, temporary_leftovers
from .pages import OutputFile
from .problems import ContentErrors, Problem, relative_name
from .sources import EDITOR_LITTER, favicon
from .theme import katex_dir, theme_dir
from .unchanged import Stamps, output_files

KATEX_FOLDER = "katex"
WRITERS = 8
"""Threads creating files and folders. Each creation mostly waits for the file
system, not for a core, and the waits overlap: right after a big delete (as before a
cold build) writing a 1000-post site, 1,800 folders, took 2.0–3.1 s on 8 threads and
3.3–4.0 s on one, on a 2-core VM; on a quiet disk both take ~0.4 s."""

T = TypeVar("T")


@dataclass(frozen=True)
class Generated:
    """A folder of the output that another program makes from the finished site (the
    search index)."""

    folder: str
    """Its path in the output ("pagefind")."""
    reads: Callable[[str], bool]
    """Whether it is made from the output file at this path (the others do not matter)."""
    make: Callable[[Path], None]
    """make(site) writes `site/folder` from the files in `site` it reads."""


def static_layers(site_dir: Path) -> list[tuple[Path, str, str]]:
    """(folder, prefix below the output, source) of the copied files, the later winning:
    the theme's static files, then KaTeX's, then the site's own static/."""
    return [(theme_dir("static"), "", "theme"), (katex_dir(), KATEX_FOLDER + "/", "KaTeX"),
            (site_dir / "static", "", "static")]


def site_favicon(site_dir: Path) -> str | None:
    """The site's icon (sources.favicon) in the output: its static/'s, else the theme's."""
    return favicon(site_dir / "static") or favicon(theme_dir("static"))


def is_copied(path: Path) -> bool:
    """A file of a static layer that goes into the output (not KaTeX's VERSION stamp,
    nor a .keep that only keeps a folder in git, nor an editor's swap, backup or lock
    file beside the file being edited)."""
    return path.is_file() and path.name not in ("VERSION", ".keep") and \
        not EDITOR_LITTER.search(path.name)


def collect_static(site_dir: Path) -> list[OutputFile]:
    """The files of every static layer (static_layers), the later winning."""
    # GitHub Pages runs Jekyll unless it finds .nojekyll, and Jekyll drops files and
    # folders starting with "_" or "." (a static/_x.js, a theme's _partials)
    files = {".nojekyll": OutputFile(".nojekyll", b"", "theme")}
    files.update({name: OutputFile(name, path.read_bytes(), source)
                  for name, (path, source) in static_sources(site_dir).items()})
    return list(files.values())


def static_sources(site_dir: Path) -> dict[str, tuple[Path, str]]:
    """Output path → (file, what to call it in a message) of every static layer's
    copied files (static_layers), the later winning; nothing is read."""
    files: dict[str, tuple[Path, str]] = {}
    for folder, prefix, source in static_layers(site_dir):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if is_copied(path):
                files[prefix + path.relative_to(folder).as_posix()] = \
                    (path, relative_name(path, site_dir) if source == "static" else source)
    return files


def find_collisions(files: list[OutputFile]) -> list[Problem]:
    """Output paths that cannot all be written: two sources writing one path (name both;
    static files may replace theme ones before this), a file where another needs a
    folder of that name, and a path that is not plain (a `..` from a name)."""
    seen: dict[str, OutputFile] = {}
    problems = []
    for file in files:
        other = seen.get(file.path.lower())
        if posixpath.normpath(file.path) != file.path or file.path.startswith(("../", "/")):
            problems.append(Problem(file.source, 0, f"writes {file.path}, which is not a plain "
                                    "path in the output (a slug or name of `.` or `..`?); "
                                    "rename it"))
        elif other is None:
            seen[file.path.lower()] = file
        elif other.source == file.source:
            # a post's alias where a listing it heads is written (content.py finds those
            # where a post's or a page's page is)
            problems.append(Problem(file.source, 0, f"writes {file.path} twice: is one of its "
                                    "`aliases` where another of its pages is? change that alias"))
        else:
            problems.append(Problem(file.source, 0, f"writes {file.path}, which {other.source} "
                                    "writes too; change one of their slugs, `aliases` or paths"))
    for path, file in seen.items():
        for parent in _parents(path):
            if (holder := seen.get(parent)) is not None:
                problems.append(Problem(file.source, 0, f"writes {file.path}, inside a folder "
                                        f"{holder.path}/, where {holder.source} writes the file "
                                        f"{holder.path}; change one of their slugs or paths"))
    return problems


def stage_file(staging: Path, path: str, data: bytes) -> None:
    """Write the output file at `path` into `staging` (staging_folder) ahead of
    write_site, which is then given it as `staged`. A file where another needs a folder
    (or the other way round) is left out: write_site reports that collision."""
    target = staging / path
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    except (FileExistsError, IsADirectoryError, NotADirectoryError):
        pass


def write_site(files: list[OutputFile], out_dir: Path, generated: Generated | None = None,
               staging: Path | None = None, existing: Stamps | None = None) -> None:
    """Write the site into `out_dir` so that a failure leaves the old output as it was.

    Where an output exists, only files whose bytes differ are written: first all into
    a temporary folder (a full disk or a denied write fails there, before anything in
    `out_dir` changed), then renamed into place, and files the site no longer has are
    removed. A file with no data (a page the build found unchanged without rendering
    it, pagedeps.py) is left as it is, and so is every file whose bytes are equal, so
    both keep their modification time and rsync or a Pages upload sees only what changed.

    `generated` (the search index) is made again where a file it reads changed: in a
    temporary sibling of `out_dir` holding those files, before the output is touched
    (if it fails, nothing changed); its folder then replaces the old one file by file,
    before the other files are updated. Where there is no output yet, the whole site
    is built in such a sibling, `generated` made in it, and the sibling renamed into
    place.

    `staging`: that sibling (staging_folder), made before the pages were rendered, when
    there was no output yet: the files marked `staged` are in it already. The caller
    removes it if this raises. `existing`: the files of `out_dir`
    (unchanged.output_files) as the caller found them, if it did."""
    if problems := unwritable(files, generated.folder if generated else None):
        raise ContentErrors(problems)
    out_dir = out_dir.resolve()
    for leftover in temporary_leftovers(out_dir, keep=staging):
        shutil.rmtree(leftover, ignore_errors=True)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    changes = None
    if staging is None and out_dir.is_dir() and \
            (generated is None or (out_dir / generated.folder).is_dir()):
        changes = _changes(files, out_dir, keep=generated.folder if generated else "",
                           existing=output_files(out_dir) if existing is None else existing)
        if changes is not None:
            if generated is not None and any(map(generated.reads, changes.touched())):
                _update_with(generated, files, changes, out_dir)
            else:
                _update(changes, out_dir)
            return
    _rebuild(files, out_dir, generated, same=changes.same if changes else None,
             staging=staging)


def unwritable(files: list[OutputFile], generated: str | None = None) -> list[Problem]:
    """Why `files` cannot all be written (find_collisions), and those that would go
    into the folder `generated` that a generator owns (a static/pagefind/x)."""
    if generated is None:
        return find_collisions(files)
    folder = generated.lower()
    return find_collisions(files) + [
        Problem(file.source, 0, f"writes {file.path}, inside {generated}/, which the search "
                "index writes; move it elsewhere")
        for file in files if file.path.lower() == folder or file.path.lower().startswith(folder + "/")]


@dataclass
class _Changes:
    write: list[OutputFile]
    remove: list[str]
    same: set[str]
    """Paths whose file already holds the new bytes (or that have no data)."""

    def touched(self) -> list[str]:
        """The paths of the files written or removed."""
        return [file.path for file in self.write] + self.remove


def _changes(files: list[OutputFile], out_dir: Path, keep: str, existing: Stamps
             ) -> _Changes | None:
    """What updating `out_dir` (holding `existing`) in place takes; None where it
    cannot be done safely in place (a file must become a folder, or the other way
    round). Files below the folder `keep` are neither written nor removed."""
    wanted = {file.path for file in files}
    write, same = [], set()
    for file in files:
        target = out_dir / file.path
        if file.data is None:
            if file.path not in existing:
                return None
            same.add(file.path)
            continue
        if file.path in existing and _same(target, file.data):
            same.add(file.path)
            continue
        if target.is_dir() or any(parent in existing for parent in _parents(file.path)):
            return None
        write.append(file)
    remove = [path for path in existing if path not in wanted
              and not (keep and path.startswith(keep + "/"))]
    return _Changes(write, remove, same)


def _update(changes: _Changes, out_dir: Path,
            before_moving: Callable[[], None] = lambda: None) -> None:
    """Write the changed files into a temporary folder (where a full disk or a denied
    write fails, `out_dir` untouched), call `before_moving`, then move them in and
    remove the files that went."""
    staging = staging_folder(out_dir)
    try:
        temporary = [staging / str(index) for index in range(len(changes.write))]
        _each(lambda pair: pair[0].write_bytes(pair[1].data), zip(temporary, changes.write))
        before_moving()
        targets = [out_dir / file.path for file in changes.write]
        _each(lambda folder: folder.mkdir(parents=True, exist_ok=True),
              {target.parent for target in targets})
        _each(lambda pair: os.replace(*pair), zip(temporary, targets))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _remove(out_dir, [out_dir / path for path in changes.remove])


def _remove(root: Path, paths: Iterable[Path]) -> None:
    """Delete the files at `paths` below `root`, and the folders they leave empty."""
    for path in paths:
        path.unlink(missing_ok=True)
        for parent in path.parents:
            if parent == root:
                break
            try:
                parent.rmdir()
            except FileNotFoundError:  # gone with a whole leftover folder
                continue
            except OSError:  # not empty
                break


def _update_with(generated: Generated, files: list[OutputFile], changes: _Changes,
                 out_dir: Path) -> None:
    """_update, with `generated` made again first, from its files as they will be (the
    unchanged ones hard-linked from `out_dir`) in a temporary sibling; its new folder
    replaces the old one file by file after the changed pages are written aside and
    before they are moved in."""
    beside = staging_folder(out_dir)
    try:
        read = [file for file in files if generated.reads(file.path)]
        _each(lambda folder: folder.mkdir(parents=True, exist_ok=True),
              {(beside / file.path).parent for file in read})
        _each(lambda file: _take_over(out_dir / file.path, beside / file.path)
              if file.path in changes.same else (beside / file.path).write_bytes(file.data),
              read)
        generated.make(beside)
        # the index goes in once the pages are written aside (a failure writing them
        # leaves the output as it was) but before they are moved in: if that stops
        # halfway, pages still old make the next build index again (the other way
        # round, their index would stay stale)
        _update(changes, out_dir, before_moving=lambda: _replace_folder(
            beside / generated.folder, out_dir / generated.folder))
    finally:
        shutil.rmtree(beside, ignore_errors=True)


def _replace_folder(new: Path, old: Path) -> None:
    """Make the folder `old` hold exactly what `new` holds (on the same file system):
    the files whose bytes differ are moved in, then the files `new` lacks removed; the
    others keep their modification time (a search index is mostly files named by a
    digest of their content). Where a file must become a folder or the other way round,
    `new` is swapped in whole."""
    fresh, found = output_files(new), output_files(old)
    if any(parent in found for name in fresh for parent in _parents(name)) or \
            any(parent in fresh for name in found for parent in _parents(name)):
        swap(new, old)
        return
    moved = [name for name in sorted(fresh) if not (
        found.get(name, (-1,))[0] == fresh[name][0] and _same(old / name, (new / name).read_bytes()))]
    for folder in sorted({(old / name).parent for name in moved}):
        folder.mkdir(parents=True, exist_ok=True)
    for name in moved:
        os.replace(new / name, old / name)
    _remove(old, [old / name for name in found if name not in fresh])


def _rebuild(files: list[OutputFile], out_dir: Path, generated: Generated | None,
             same: set[str] | None = None, staging: Path | None = None) -> None:
    """The whole site into a temporary sibling (`staging`, if the build made it
    already), swapped in when complete. `same`: the paths _changes already found
    equal in the old output (None: not compared yet), so no file is read twice."""
    previous = out_dir if out_dir.is_dir() else None
    kept = next((file for file in files if file.data is None and not file.staged), None)
    if previous is None and kept is not None:
        raise ContentErrors([Problem(kept.source, 0, f"{kept.path} was to be kept from the "
                                     "previous output, which is gone; build again")])
    staging = staging or staging_folder(out_dir)

    def place(file: OutputFile) -> None:
        """Put `file` into the staging folder."""
        target = staging / file.path
        if file.data is None or (same is not None and file.path in same):
            _take_over(previous / file.path, target)
        elif same is not None or previous is None or \
                not _reuse(previous / file.path, file.data, target):
            target.write_bytes(file.data)

    try:
        unstaged = [file for file in files if not file.staged]
        _each(lambda folder: folder.mkdir(parents=True, exist_ok=True),
              {(staging / file.path).parent for file in unstaged})
        _each(place, unstaged)
        os.chmod(staging, 0o755)
        if generated is not None:
            generated.make(staging)
        swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _each(action: Callable[[T], object], items: Iterable[T]) -> list:
    """`action` on every item on WRITERS threads; the results in order. The first
    error is raised once every action has ended (so none still writes afterwards)."""
    with ThreadPoolExecutor(WRITERS) as pool:
        futures = [pool.submit(action, item) for item in items]
    return [future.result() for future in futures]


def _parents(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:n]) for n in range(1, len(parts))]


def _same(path: Path, data: bytes) -> bool:
    try:
        return not path.is_symlink() and path.is_file() and path.stat().st_size == len(data) \
            and path.read_bytes() == data
    except OSError:
        return False


def _reuse(old: Path, data: bytes, target: Path) -> bool:
    """Hard-link `old` to `target` if it holds exactly `data`."""
    if not _same(old, data):
        return False
    try:
        os.link(old, target)
        return True
    except OSError:  # another file system, or links not allowed: write it instead
        return False


def _take_over(old: Path, target: Path) -> None:
    try:
        os.link(old, target)
    except OSError:  # links not allowed here: a copy with the same modification time
        shutil.copy2(old, target)
