"""The output folder's temporary folders, and putting a new output in the old one's place.

A build writes into temporary folders on the output's own file system (so that every
move into the output is a rename): beside the output, or inside it where it must stay
where it is (a mount point, a folder in one this process may not write to). Their
names carry the building process's id: a folder whose process is gone was left by a
killed build, and the next build removes it; a running build's is left alone.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .sources import CACHE_FOLDER

INNER_TEMPORARY = ".blogbuild-temporary-"
"""The start of a temporary folder's name inside an output folder fixed in place."""
KEPT_ENTRIES = frozenset({"lost+found", ".git", ".hg", ".svn"})
"""Entries of an output folder that are not the site's: a mounted volume's lost+found,
a checkout's version control (the output kept as a gh-pages checkout, or a submodule,
as Hugo's public/ often is; Jekyll keeps the same). Never listed nor removed; a new
output that takes the old one's place takes them over."""
_CANNOT_RENAME = frozenset({errno.EBUSY, errno.EXDEV, errno.EPERM, errno.EACCES})
"""What renaming a folder that must stay in place fails with (a bind mount on the
same file system is no mount point to os.path.ismount)."""


def output_refusal(site_dir: Path, out_dir: Path) -> str | None:
    """Why `out_dir` cannot be the site's output folder, if it cannot. A build makes
    its output hold the site and nothing else (KEPT_ENTRIES aside): a folder holding
    the site's own files, or anything else a build did not write, would be emptied."""
    site, out = site_dir.resolve(), out_dir.resolve()
    if site.is_relative_to(out):
        return ("holds the site itself, which a build would delete: the output folder "
                "holds the built site and nothing else; choose another, such as "
                f"{site_dir / 'dist'}")
    for source in ("content", "templates", "static", CACHE_FOLDER):
        if out.is_relative_to(site / source):
            return f"is inside the site's {source}/, which the build reads: choose a " \
                f"folder outside it, such as {site_dir / 'dist'}"
    if out.exists() and not out.is_dir():
        return "is a file, not a folder"
    if file := next((folder for folder in out.parents if folder.exists() and not folder.is_dir()),
                    None):
        return f"would be inside {file}, which is a file: choose a folder elsewhere"
    if out.is_dir():
        # (a killed build's temporary folder inside it is its own: the build removes it)
        foreign = sorted(name for name in os.listdir(out)
                         if name not in KEPT_ENTRIES and not name.startswith(INNER_TEMPORARY))
        if foreign and not _built_by_blogbuild(out):
            shown = ", ".join(foreign[:3]) + (", …" if len(foreign) > 3 else "")
            return (f"holds files no blogbuild build wrote ({shown}), which a build would "
                    "delete: the output folder holds the built site and nothing else. "
                    "Choose a new or empty folder, or empty this one (a .git in it is kept)")
    return None


def _built_by_blogbuild(out_dir: Path) -> bool:
    """`out_dir` holds a blogbuild site: its RSS feed names blogbuild as its generator
    (feeds.py; every build writes one)."""
    try:
        with open(out_dir / "feed.xml", "rb") as feed:
            return b"<generator>blogbuild</generator>" in feed.read(1 << 16)
    except OSError:
        return False


def staging_folder(out_dir: Path) -> Path:
    """A new empty folder on the file system of `out_dir` to build its next contents
    in: beside it, or inside it where it must stay in place (fixed_in_place)."""
    out_dir = out_dir.resolve()
    if fixed_in_place(out_dir):
        return _temporary(out_dir, INNER_TEMPORARY)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        return _temporary(out_dir.parent, f".{out_dir.name}.new-")
    except OSError as error:  # named by the folder asked for, not by a temporary one
        raise OSError(error.errno, f"cannot make the output folder there ({error.strerror})",
                      str(out_dir)) from None


def fixed_in_place(out_dir: Path) -> bool:
    """`out_dir` is a folder that can be neither renamed nor given a sibling: a mount
    point (a container's volume; a bind mount of the same file system too, which
    os.path.ismount does not tell, but nothing renames into it from beside), or in a
    folder this process may not write to (an `/var/www/blog` of one's own under a
    `/var/www` that is not)."""
    return out_dir.is_dir() and (os.path.ismount(out_dir)
                                 or not os.access(out_dir.parent, os.W_OK | os.X_OK)
                                 or not _renames_in(out_dir))


def _renames_in(out_dir: Path) -> bool:
    """Whether a folder made beside `out_dir` can be renamed into it."""
    probe = _temporary(out_dir.parent, INNER_TEMPORARY)
    try:
        os.rename(probe, out_dir / probe.name)
    except OSError:
        probe.rmdir()
        return False
    (out_dir / probe.name).rmdir()
    return True


def temporary_leftovers(out_dir: Path, keep: Path | None = None) -> list[Path]:
    """The temporary folders of `out_dir` that a killed build left, inside or beside
    it (a whole copy of the site, or an empty tree inside the output that no listing
    of its files shows), but `keep` and those of a build still running."""
    out_dir = out_dir.resolve()
    found: list[Path] = []
    for folder, prefixes in ((out_dir, (INNER_TEMPORARY,)),
                             # beside it: staging and retired folders, _renames_in's probe
                             (out_dir.parent, (f".{out_dir.name}.new-", f".{out_dir.name}.old-",
                                               INNER_TEMPORARY))):
        if folder.is_dir():
            with os.scandir(folder) as entries:
                found += [Path(entry.path) for entry in entries if entry.name.startswith(prefixes)
                          and entry.is_dir(follow_symlinks=False)]
    return sorted(path for path in found if path != keep and not _of_a_running_build(path))


def swap(staging: Path, out_dir: Path) -> None:
    """Put `staging`'s contents in place of `out_dir`'s: by renaming the two folders,
    or where `out_dir` must stay in place (staging_folder made `staging` inside it,
    having found so), by moving their entries. If a move fails or is interrupted,
    those made before it are undone: `out_dir` as it was, `staging` still whole."""
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    if staging.parent != out_dir.resolve():
        retired = _temporary(out_dir.parent, f".{out_dir.name}.old-")
        kept = sorted(KEPT_ENTRIES.intersection(os.listdir(out_dir)))
        try:
            _rename_all([*((out_dir / name, staging / name) for name in kept),
                         (out_dir, retired / out_dir.name), (staging, out_dir)])
        except OSError as error:
            retired.rmdir()
            if error.errno not in _CANNOT_RENAME:
                raise
        else:
            shutil.rmtree(retired, ignore_errors=True)
            return
    retired = _temporary(out_dir, INNER_TEMPORARY)
    ours = {staging.name, retired.name, *KEPT_ENTRIES}
    try:
        _rename_all([*((out_dir / name, retired / name) for name in sorted(os.listdir(out_dir))
                       if name not in ours),
                     *((staging / name, out_dir / name) for name in sorted(os.listdir(staging)))])
    except BaseException:
        retired.rmdir()
        raise
    staging.rmdir()
    shutil.rmtree(retired, ignore_errors=True)


def _rename_all(moves: Iterable[tuple[Path, Path]]) -> None:
    """Rename each (source, target) in turn; on any failure or interruption, undo the
    renames made so far, in reverse, and raise."""
    done: list[tuple[Path, Path]] = []
    try:
        for source, target in moves:
            os.rename(source, target)
            done.append((source, target))
    except BaseException:
        for source, target in reversed(done):
            os.rename(target, source)
        raise


def _temporary(folder: Path, prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=folder))


def _of_a_running_build(path: Path) -> bool:
    """The temporary folder was made by a process still running, not this one."""
    process = path.name.rpartition("-")[0].rpartition("-")[2]
    if not process.isdigit() or int(process) == os.getpid():
        return False
    try:
        os.kill(int(process), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
