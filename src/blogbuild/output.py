"""Output: write a built site into a fresh folder and swap it in only when complete.

A failed build never reaches this module, and a failure while writing removes the
half-written folder, so the previous output stays byte-identical either way.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .pages import OutputFile
from .problems import ContentErrors, Problem, relative_name
from .theme import katex_dir, theme_dir

KATEX_FOLDER = "katex"


def collect_static(site_dir: Path) -> list[OutputFile]:
    """The theme's static files, then KaTeX's, then the site's own static/ (which wins)."""
    layers = [(theme_dir("static"), "", "theme"), (katex_dir(), KATEX_FOLDER + "/", "KaTeX"),
              (site_dir / "static", "", "static")]
    # GitHub Pages runs Jekyll unless it finds .nojekyll, and Jekyll drops files and
    # folders starting with "_" or "." (a static/_x.js, a theme's _partials)
    files: dict[str, OutputFile] = {".nojekyll": OutputFile(".nojekyll", b"", "theme")}
    for folder, prefix, source in layers:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name not in ("VERSION", ".keep"):
                name = prefix + path.relative_to(folder).as_posix()
                files[name] = OutputFile(name, path.read_bytes(),
                                         relative_name(path, site_dir) if source == "static" else source)
    return list(files.values())


def find_collisions(files: list[OutputFile]) -> list[Problem]:
    """Two sources writing one output path: name both (static files may replace theme ones)."""
    seen: dict[str, OutputFile] = {}
    problems = []
    for file in files:
        other = seen.get(file.path.lower())
        if other is not None:
            problems.append(Problem(file.source, 0, f"writes {file.path}, which {other.source} "
                                    "writes too; change one of their slugs or paths"))
        else:
            seen[file.path.lower()] = file
    return problems


def write_site(files: list[OutputFile], out_dir: Path,
               finish: Callable[[Path, Path | None], None] | None = None) -> None:
    """Write every file into a temporary sibling of `out_dir`, then swap it in.

    A file whose bytes the previous output already holds is hard-linked from there
    instead of written, so it keeps its modification time and rsync or a Pages upload
    sees only what changed; so is a file with no data (a page the build found
    unchanged without rendering it, pagedeps.py). `finish(staging, previous)` runs on
    the complete temporary folder first (the search index); `previous` is the old
    output when no HTML page changed, else None."""
    if problems := find_collisions(files):
        raise ContentErrors(problems)
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    previous = out_dir if out_dir.is_dir() else None
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        made: set[Path] = set()
        pages_changed = previous is None
        for file in sorted(files, key=lambda f: f.path):
            target = staging / file.path
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            if file.data is None:
                if previous is None:
                    raise ContentErrors([Problem(file.source, 0, f"{file.path} was to be kept "
                                                 "from the previous output, which is gone; "
                                                 "build again")])
                _take_over(previous / file.path, target)
            elif not (previous and _reuse(previous / file.path, file.data, target)):
                target.write_bytes(file.data)
                pages_changed |= file.path.endswith(".html")
        os.chmod(staging, 0o755)
        if finish is not None:
            finish(staging, None if pages_changed else previous)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap(staging, out_dir)


def _reuse(old: Path, data: bytes, target: Path) -> bool:
    """Hard-link `old` to `target` if it holds exactly `data`."""
    try:
        if old.is_symlink() or not old.is_file() or old.stat().st_size != len(data) \
                or old.read_bytes() != data:
            return False
        os.link(old, target)
        return True
    except OSError:  # another file system, or links not allowed: write it instead
        return False


def _take_over(old: Path, target: Path) -> None:
    try:
        os.link(old, target)
    except OSError:  # links not allowed here: a copy with the same modification time
        shutil.copy2(old, target)


def _swap(staging: Path, out_dir: Path) -> None:
    retired = None
    if out_dir.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        os.rename(out_dir, retired / out_dir.name)
    os.rename(staging, out_dir)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
