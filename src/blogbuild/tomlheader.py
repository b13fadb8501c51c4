"""TOML front matter (between two lines `+++`, as Hugo and Zola write it).

tomllib reads the values, but tells neither where a key is set (for the warnings and
errors of its value) nor, for a key given twice or a string left open, where the
mistake is; and it reads TeX in double quotes as escapes without a word. A scan of
the header's tokens (strings, comments, brackets) finds those lines, and the text of
each double-quoted string as written.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field

from .problems import described
from .texescapes import TEX_IN_DOUBLE_QUOTES, TOML_ESCAPES, escape_in_formula


class TomlError(ValueError):
    """What is wrong in a file's TOML header, at its `line` (the file's)."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def load_toml_mapping(text: str, written: frozenset[str] = frozenset(), first_line: int = 1
                      ) -> tuple[dict, dict[str, int], list[TomlError]]:
    """Parse a TOML header (its text starts at the file's line `first_line`); returns
    its mapping, key → the file's line, and the errors of TOML that parses: TeX read as
    escapes, and a value of `written` (keys whose value is text) that is no text
    (`title = 3.10` is a number to TOML, and `3.1` as text). Raises TomlError."""
    scan = _scan(text)
    lines = {key: line + first_line - 1 for key, line in scan.key_lines.items()}
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _broken(error, text, scan, first_line) from None
    faults = []
    for raw, line in scan.basic_strings:
        if found := escape_in_formula(raw, TOML_ESCAPES):
            offset, message = found
            faults.append(TomlError(message, line + first_line - 1 + raw.count("\n", 0, offset)))
            break
    for key in sorted(written & value.keys(), key=lambda key: lines.get(key, 0)):
        items = value[key] if isinstance(value[key], list) else [value[key]]
        # (TOML has no null: None is no value found; `0` and `false` are text to quote)
        if (not_text := next((item for item in items if not isinstance(item, str)), None)) \
                is not None:
            faults.append(TomlError(f"`{key}` is text: put it in quotes ({key} = \"…\"); "
                                    f"unquoted, TOML reads {described(not_text)}",
                                    lines.get(key, first_line)))
    return value, lines, faults


@dataclass
class _Scan:
    key_lines: dict[str, int] = field(default_factory=dict)
    """Top-level key → the header's line where it is first set (a table's, `[extra]`,
    where its header is); keys inside a table are not top-level."""
    twice: int | None = None
    """The line of the first key set again in the same table."""
    basic_strings: list[tuple[str, int]] = field(default_factory=list)
    """(text as written, the header's line where it starts) of each double-quoted
    string, `"…"` and `\"\"\"…\"\"\"`."""
    unclosed: int | None = None
    """The line of the first string left open."""


_TOKEN = re.compile(r'''
    (?P<comment>\#[^\n]*)
  | (?P<basic_long>"""(?:[^\\]|\\[\s\S])*?"""(?:"{1,2}(?!"))?)
  | (?P<literal_long>\'\'\'[\s\S]*?\'\'\'(?:\'{1,2}(?!\'))?)
  | (?P<basic>"(?:[^"\\\n]|\\.)*")
  | (?P<literal>'[^'\n]*')
  | (?P<unclosed>["'])
  | (?P<open>[\[{])
  | (?P<close>[\]}])
  | (?P<newline>\n)
  | (?P<other>[^"'\#\[\]{}\n]+)
''', re.VERBOSE)
_KEY = re.compile(r"""[ \t]*(\[\[?)?[ \t]*("[^"\n]*"|'[^'\n]*'|[A-Za-z0-9_-]+)[ \t]*([.=\]])""")
"""The start of a line setting a key (`tags =`, `extra.subtitle =`) or opening a table
(`[extra]`, `[[links]]`)."""


def _scan(text: str) -> _Scan:
    scan = _Scan()
    line, depth, table = 1, 0, ""
    seen: set[tuple[str, str]] = set()
    at_line_start = True
    for token in _TOKEN.finditer(text):
        kind = token.lastgroup
        if at_line_start and depth == 0 and kind != "newline" and \
                (found := _KEY.match(text, token.start())):
            opens, key, after = found.groups()
            key = key.strip("\"'")
            if opens and after in ".]":
                table = key
                scan.key_lines.setdefault(key, line)
            elif not opens and after in ".=":
                if (table, key) in seen and scan.twice is None and after == "=":
                    scan.twice = line
                seen.add((table, key))
                if not table:
                    scan.key_lines.setdefault(key, line)
        at_line_start = kind == "newline"
        if kind in ("basic", "basic_long"):
            quotes = 3 if kind == "basic_long" else 1
            scan.basic_strings.append((token.group()[quotes:-quotes], line))
        elif kind == "unclosed" and scan.unclosed is None:
            scan.unclosed = line
        elif kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(depth - 1, 0)
        line += token.group().count("\n")
    return scan


_WHERE = re.compile(r"\s*\(at line (\d+), column \d+\)|\s*\(at end of document\)")
_DATE_VALUE = re.compile(r"^\s*[\w-]+\s*=\s*\d{4}-\d{2}-\d{2}(?![\d-])")
_YAML_LINE = re.compile(r"^\s*[\w-]+\s*:")


def _broken(error: tomllib.TOMLDecodeError, text: str, scan: _Scan, first_line: int
            ) -> TomlError:
    """tomllib's error at the file's line, with what to do about it."""
    message = str(error)
    where = _WHERE.search(message)
    what = (message[:where.start()] if where else message).strip()
    lines = text.split("\n")
    # "at end of document": where the open string, or the key given twice, is
    line = int(where.group(1)) if where and where.group(1) else \
        scan.unclosed or scan.twice or len(lines)
    failing = lines[line - 1] if line <= len(lines) else ""
    if "'\\'" in what or "hex value" in what:  # \mathcal, \underline
        hint = TEX_IN_DOUBLE_QUOTES
    elif "overwrite" in what or "declare" in what:
        hint = "a key or a table given twice: remove one, or merge them"
    elif scan.unclosed is not None and line == scan.unclosed:
        hint = "a quote is not closed on this line"
    elif _DATE_VALUE.match(failing):
        hint = ("a TOML date is YYYY-MM-DD, or with its time and seconds: "
                "2024-01-14T10:30:00, +08:00 after it for an offset")
    elif _YAML_LINE.match(failing):
        hint = "TOML sets a key with `=`: `title = '…'`; YAML, with `:`, goes between lines `---`"
    elif what.startswith("Invalid value"):
        hint = "text goes in quotes: title = '…'"
    else:
        hint = "see toml.io"
    return TomlError(f"broken TOML: {what} ({hint})", line + first_line - 1)


def slug_as_written(text: str) -> str | None:
    """The `slug` a TOML header sets, read from its own line where the rest of the
    header is broken; None if it sets none that reads."""
    line = _scan(text).key_lines.get("slug")
    if line is None:
        return None
    try:
        value = tomllib.loads(text.split("\n")[line - 1]).get("slug")
    except tomllib.TOMLDecodeError:
        return None
    return value if isinstance(value, str) else None
