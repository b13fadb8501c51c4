"""Problems found in a site's input, and the few exceptions that end a command.

Content errors are collected as `Problem` records so that one run reports all
of them; only `cli.py` turns the exceptions below into exit codes.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located in a file. Problems sort by file and
    line; those of one line keep the order they were found in (two formulas' errors
    as the formulas stand, not by their messages' alphabet)."""

    path: str
    """The file, relative to the site folder where possible."""
    line: int
    """1-based line in that file; 0 when the problem concerns the whole file."""
    message: str
    """What is wrong and how to fix it."""
    warning: bool = False
    """A warning is reported but does not fail the build."""

    def __lt__(self, other: Problem) -> bool:
        return (self.path, self.line) < (other.path, other.line)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        kind = "warning: " if self.warning else ""
        return f"{where}: {kind}{self.message}"


def relative_name(path: Path, root: Path) -> str:
    """`path` as the author would name it: relative to the site folder if inside it."""
    inside = str(root) + os.sep
    if str(path).startswith(inside):  # (what relative_to does, at a tenth of the cost)
        return str(path)[len(inside):].replace(os.sep, "/")
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def counted(number: int, noun: str) -> str:
    """"1 post", "2 posts" (English nouns that take an s)."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def drafts_left_out(drafts: int) -> str:
    """" (3 drafts left out; --drafts includes them)" after the count of posts built,
    or "" (build and serve say it: an author wonders where a draft went)."""
    if not drafts:
        return ""
    return f" ({counted(drafts, 'draft')} left out; --drafts includes " \
        f"{'it' if drafts == 1 else 'them'})"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """ " (did you mean `title`?)" for a misspelt key, or ""."""
    close = misspelt_as(word, choices)
    return f" (did you mean `{close}`?)" if close else ""


def misspelt_as(word: str, choices: Iterable[str]) -> str | None:
    """The choice `word` is likely a typo of: the closest by difflib's ratio, or one with
    two neighbouring letters swapped (`tgas`, which that ratio puts at 0.75: a short
    word's swap costs it as much as two wrong letters). Swapped digits name another
    thing (`第21期`, `第12期`), not a typo."""
    choices = list(choices)
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.8)
    return close[0] if close else next((c for c in sorted(choices) if swapped(word, c)), None)


def swapped(word: str, other: str) -> bool:
    """`other` is `word` with two neighbouring characters swapped, not both digits."""
    if len(word) != len(other) or word == other:
        return False
    differ = [i for i, (a, b) in enumerate(zip(word, other)) if a != b]
    return len(differ) == 2 and differ[1] == differ[0] + 1 and \
        word[differ[0]] == other[differ[1]] and word[differ[1]] == other[differ[0]] and \
        not (word[differ[0]].isdigit() and word[differ[1]].isdigit())


def described(value: object) -> str:
    """A value read from YAML or TOML as its author would name it in a message (not
    Python's repr: `None`, `True`, `['a']`, `str '20'`)."""
    if value is None:
        return "nothing (the key has no value)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'the text "{shown}"'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of `key: value` lines"
    return str(value)


class BlogbuildError(Exception):
    """Base of every error a user can cause; never shown as a traceback."""


class UsageError(BlogbuildError):
    """The command line itself is wrong (exit 2)."""


class ContentErrors(BlogbuildError):
    """The site's input has problems (exit 1); carries all of them."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


_OBEYED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Characters a terminal obeys rather than shows: control characters (an escape
sequence, a carriage return) and bidirectional overrides."""


def for_terminal(text: str) -> str:
    """`text` with the characters a terminal would obey written as `\\x1b`, `\\u202e`:
    a problem quotes what a file holds, and a reader's comment quoted in one set the
    terminal's title and colours, or could hide the rest of the line."""
    return _OBEYED.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), text)
