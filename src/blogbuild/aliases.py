"""Old addresses of a post or page (front matter `aliases`, as Hugo and Zola read it).

Each is the file a redirect page is written to (pages.py plans it, alias.html renders
it), found from the address as written: from the site's root (`/archives/9881/`), or
without the leading `/` from the folder the page is in (Hugo's page-relative alias:
`old-name` beside a post at archives/new-name/ is archives/old-name/), percent-encoded
or not; a folder's index.html, or the file itself for a name ending in .html or .htm.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from .problems import Problem, described

if TYPE_CHECKING:
    from .content import Page, Post

_REFUSED = re.compile(r'[\\"<>|*:/\s\x00-\x1f\x7f]')
"""Characters no folder or file name of an alias may hold once decoded (a `%2F` is no
folder's end; `\\ " < > | * :` name no file on Windows)."""


def aliases_field(fields: dict, report, folder: Callable[[], str]) -> tuple[str, ...]:
    """Front matter `aliases` (a list of addresses, or one) as output paths; `folder()`:
    the one the page is in, below the site root ("archives/"), asked only of a page
    that has aliases."""
    value = fields.get("aliases")
    if value in (None, "", []):
        return ()
    written = [value] if isinstance(value, str) else value
    if not isinstance(written, list):
        report("aliases", "`aliases` must be a list of old addresses on this site, such as "
                          f"[/archives/9881/], not {described(value)}")
        return ()
    outputs, where = [], folder()
    for alias in written:
        try:
            if not isinstance(alias, str):
                raise ValueError(f"an alias is an address, not {described(alias)}: put it in "
                                 "quotes, with its path from the site's root ('/archives/9881/')")
            outputs.append(alias_output(alias, where))
        except ValueError as error:
            report("aliases", f"alias {alias!r}: {error}")
    return tuple(outputs)


def alias_output(alias: str, folder: str = "") -> str:
    """The file below the output folder that the old address `alias` is served from
    (the module's rules); raises ValueError saying what the address cannot be."""
    split = urlsplit(alias.strip())
    if split.scheme or split.netloc:
        raise ValueError("an alias is an address on this site: write its path from the "
                         "site's root, such as /archives/9881/")
    if split.query or split.fragment:
        raise ValueError("a static host serves a page by its path alone, and ignores a "
                         "query (?p=9881) or a fragment (#x): write the path only")
    written = split.path
    names = written.split("/")[1 if written.startswith("/") else 0:]
    is_folder = written.endswith("/") or names[-1] in (".", "..")
    path = [name for name in folder.split("/") if name] if not written.startswith("/") else []
    for name in names[:-1] if written.endswith("/") else names:
        try:
            name = unquote(name, errors="strict")
        except UnicodeDecodeError:
            raise ValueError(f"{name!r} is not UTF-8 once its %-escapes are read") from None
        if name == "..":
            if not path:
                raise ValueError("its `..` leads above the site's root")
            path.pop()
        elif name != ".":
            if not name or name.startswith(".") or _REFUSED.search(name):
                raise ValueError("not a path of folder names and a file name (none empty or "
                                 'starting with `.`; no \\ " < > | * : or spaces)')
            path.append(name)
    if not path:
        raise ValueError("that is the site's front page, which is no post's old address")
    if not is_folder and path[-1].lower().endswith((".html", ".htm")):
        return "/".join(path)
    return "/".join([*path, "index.html"])


def alias_collisions(records: list[tuple[Post | Page, str]]) -> list[Problem]:
    """(post or page, the file its page is written to) → a problem at the `aliases` of
    each alias written where a page or another alias is, told with the rest of the
    content's problems at its line (the output's check of every path finds the
    listings and static files an alias may take, later)."""
    pages = {output.lower(): record.source for record, output in records}
    aliased: dict[str, str] = {}
    problems = []
    for record, own in records:
        for alias in record.aliases:
            key = alias.lower()
            if key == own.lower():
                where, fix = "its own page", "remove it"
            elif key in pages:
                where, fix = f"the page of {pages[key]}", "remove it, or change that slug"
            elif key in aliased:
                where = "another of its aliases" if aliased[key] == record.source else \
                    f"an alias of {aliased[key]}"
                fix = "remove one of them"
            else:
                aliased[key] = record.source
                continue
            problems.append(Problem(record.source, record.aliases_line,
                                    f"alias /{alias.removesuffix('index.html')} is where "
                                    f"{where} is written: {fix}"))
    return problems
