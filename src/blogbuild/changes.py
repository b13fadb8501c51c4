"""What a batch of file-system events means for the dev server: a `RebuildPlan`.

A pure function of (events, site folder), like Zola's `filter_events`, so that every
editor's way of saving can be tested without a file system: in-place writes, a temporary
file renamed over the original, delete then create, and the swap, backup and lock files
editors leave next to the file (ignored).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from .config import CONFIG_FILE
from .sources import EDITOR_LITTER, FAVICONS, PASSING_FILES

WATCHED_FOLDERS = ("content", "templates", "static")
"""Below the site folder; with CONFIG_FILE, everything a build reads."""

CONTENT_SUFFIXES = (".md", ".yaml", ".yml")
"""Content files the loader reads; anything else under content/ changes no page."""


class FileEvent(NamedTuple):
    """One event as watchdog reports it, reduced to what the classifier needs."""

    kind: str
    """"created", "modified", "deleted", "moved" or "closed" (others are ignored)."""
    path: str
    """Absolute path (for "moved": where it was)."""
    dest: str | None = None
    """For "moved": where it went."""
    is_directory: bool = False


@dataclass(frozen=True)
class RebuildPlan:
    """What to redo; empty when nothing a build reads has changed."""

    config: bool = False
    """site.toml changed, or a watched folder appeared or went away (`folders`):
    everything is rebuilt."""
    content: frozenset[str] = frozenset()
    """Content files (site-relative, "/"-separated) created, changed or deleted: they are
    re-read and re-rendered, then every listing, feed and sidebar is re-assembled."""
    templates: bool = False
    """A template changed: every page is rendered again; no Markdown is re-parsed."""
    static: frozenset[str] = frozenset()
    """Paths below static/ (files or folders) to copy into the output again or remove."""
    folders: frozenset[str] = frozenset()
    """Watched folders ("templates") that appeared or went away: said, not site.toml."""

    def __bool__(self) -> bool:
        return bool(self.config or self.content or self.templates or self.static)

    def merge(self, other: RebuildPlan) -> RebuildPlan:
        return RebuildPlan(self.config or other.config, self.content | other.content,
                           self.templates or other.templates, self.static | other.static,
                           self.folders | other.folders)

    def describe(self) -> str:
        """One line for the terminal: "content/posts/a.md", "templates", "site.toml"."""
        if self.folders:
            return ", ".join(f"{name}/ (a new or removed folder)" for name in sorted(self.folders))
        if self.config:
            return CONFIG_FILE
        parts = sorted(self.content) + (["templates"] if self.templates else [])
        parts += [f"static/{p}" for p in sorted(self.static)]
        return ", ".join(parts[:3]) + (f" and {len(parts) - 3} more" if len(parts) > 3 else "")


def classify(events: Iterable[FileEvent], site_dir: Path) -> RebuildPlan:
    """The rebuild a batch of events calls for. A "moved" event counts as its source
    deleted and its destination created, so a temporary file renamed over a post is a
    change of that post, and renaming a post away from .md is its deletion."""
    root = Path(site_dir).absolute()
    plan = RebuildPlan()
    for event in events:
        if event.kind == "moved":
            paths = [event.path] + ([event.dest] if event.dest else [])
        elif event.kind in ("created", "modified", "deleted", "closed"):
            if event.is_directory and event.kind in ("modified", "closed"):
                continue  # a folder's entries changed: the entries' own events say how
            paths = [event.path]
        else:
            continue  # opened, closed without writing, attributes
        for path in paths:
            plan = plan.merge(_classify_path(Path(path), root, event.is_directory))
    return plan


def _classify_path(path: Path, root: Path, is_directory: bool) -> RebuildPlan:
    try:
        relative = PurePosixPath(path.absolute().relative_to(root).as_posix())
    except ValueError:
        return RebuildPlan()
    parts = relative.parts
    if not parts or any(EDITOR_LITTER.search(part) for part in parts) or \
            (parts[0] != "static" and any(PASSING_FILES.search(part) for part in parts)):
        return RebuildPlan()  # (a static x.bak is copied, as build copies it)
    if parts == (CONFIG_FILE,):
        return RebuildPlan(config=True)
    if parts[0] not in WATCHED_FOLDERS:
        return RebuildPlan()  # dist/, .blogbuild-cache/, .git/, node_modules/, ...
    if len(parts) == 1:
        # a watched folder itself appeared or went away: what it holds is unknown
        return RebuildPlan(config=True, folders=frozenset(parts)) if is_directory else RebuildPlan()
    if parts[0] == "content":
        if is_directory or relative.suffix.lower() in CONTENT_SUFFIXES:
            return RebuildPlan(content=frozenset({relative.as_posix()}))
        return RebuildPlan()
    if parts[0] == "templates":
        return RebuildPlan(templates=True)
    # every page links the site's icon (output.site_favicon): they render again, as for
    # a template, when one comes or goes
    return RebuildPlan(static=frozenset({PurePosixPath(*parts[1:]).as_posix()}),
                       templates=len(parts) == 2 and parts[1] in FAVICONS)
