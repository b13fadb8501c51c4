"""Front matter: split a Markdown file into its header and body, and read dates.

The header is YAML between two lines `---`, or TOML between two lines `+++` (Hugo's
and Zola's other form): either gives the same fields.

Pure functions of text; `content.py` turns their results into records.
"""

from __future__ import annotations

import html
import html.entities
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import yaml

from .problems import described
from .texescapes import TEX_IN_DOUBLE_QUOTES, YAML_ESCAPES, escape_in_formula
from .tomlheader import TomlError, load_toml_mapping
from .tomlheader import slug_as_written as toml_slug_as_written

# libyaml's parser when PyYAML was built with it (its wheels are): 5-10x faster
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TextDates(_SafeLoader):
    """SafeLoader that leaves timestamps as strings.

    YAML reads `2023-12-07` as a date but `2023-12-07 10:30` as a string; keeping all
    of them as text lets one parser give every accepted form the same meaning.
    """


_TextDates.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class YamlError(ValueError):
    """What is wrong in a file's YAML, at its `line` (the file's: load_yaml's
    `first_line`): raised where it does not parse, returned as a fault where it does
    (a key given twice)."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Header:
    """A file's front matter, parsed."""

    fields: dict
    """The header's mapping: in YAML dates left as strings, in TOML as TOML reads them."""
    key_lines: dict[str, int]
    """Key → 1-based line in the file where it is set."""
    body: str
    """Everything after the closing fence."""
    body_line: int
    """1-based file line of the body's first line."""
    faults: tuple[YamlError | TomlError, ...] = ()
    """What is wrong in a header that parses (load_yaml, load_toml_mapping): errors of
    the file, reported with the other problems of its fields."""
    toml: bool = False
    """Written in TOML (messages show its syntax: `title = '…'`)."""


class FrontMatterError(ValueError):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


_FENCE = re.compile(r"^---[ \t]*$")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
_TOML_FENCE = re.compile(r"^\+\+\+[ \t]*$")


def split_front_matter(text: str) -> Header:
    """Split the front matter (YAML fenced by `---`, TOML by `+++`) from the body;
    raises FrontMatterError."""
    lines, index = _fenced(text)
    header, toml = _header(lines, index)
    try:
        fields, key_lines, faults = (load_toml_mapping if toml else load_yaml_mapping)(
            header, TEXT_KEYS, first_line=2)
    except (YamlError, TomlError) as error:
        raise FrontMatterError(str(error), error.line) from None
    return Header(fields=fields, key_lines=key_lines, body="\n".join(lines[index + 1:]),
                  body_line=index + 2, faults=tuple(faults), toml=toml)


def fenced_body(text: str) -> tuple[str, int] | None:
    """(body, its first line) of a file whose front matter is fenced, whatever the
    YAML or TOML between the fences holds; None if it is not."""
    try:
        lines, index = _fenced(text)
    except FrontMatterError:
        return None
    return "\n".join(lines[index + 1:]), index + 2


def slug_as_written(text: str) -> str | None:
    """The `slug` a file's front matter sets, read from its own line where the rest of
    the header is broken; None if it sets none that reads."""
    try:
        lines, index = _fenced(text)
    except FrontMatterError:
        return None
    header, toml = _header(lines, index)
    if toml:
        return toml_slug_as_written(header)
    if (line := _YAML_SLUG_LINE.search(header)) is None:
        return None
    try:
        value = yaml.load(line.group(), Loader=_TextDates)
    except yaml.YAMLError:
        return None
    slug = value.get("slug") if isinstance(value, dict) else None
    return str(slug) if slug not in (None, "") and not isinstance(slug, (dict, list)) else None


_YAML_SLUG_LINE = re.compile(r"^slug[ \t]*:.*$", re.MULTILINE)


def _header(lines: list[str], index: int) -> tuple[str, bool]:
    """The text between the fences (_fenced), and whether it is TOML."""
    return ("\n".join(line.rstrip("\r") for line in lines[1:index]),
            bool(_TOML_FENCE.match(lines[0].rstrip("\r"))))


def _fenced(text: str) -> tuple[list[str], int]:
    """The file's lines and the index of the line closing its front matter."""
    lines = text.split("\n")
    toml = bool(lines) and _TOML_FENCE.match(lines[0].rstrip("\r"))
    if not lines or not (toml or _FENCE.match(lines[0].rstrip("\r"))):
        raise FrontMatterError("no front matter: a post starts with a line `---`, then "
                               "`title: ...` and `date: ...`, then another `---`", 1)
    close = _TOML_FENCE if toml else _CLOSE
    for index in range(1, len(lines)):
        if close.match(lines[index].rstrip("\r")):
            return lines, index
    fence = "+++" if toml else "---"
    raise FrontMatterError(f"front matter is not closed: add a line `{fence}` after it", 1)


def load_yaml(text: str, first_line: int = 1
              ) -> tuple[object, yaml.Node | None, list[YamlError]]:
    """Parse YAML with dates kept as text; returns the value, its node tree and the
    faults of YAML that parses; raises YamlError where it does not. The text is the
    file's from its line `first_line` on: the lines of errors are the file's.
    The faults are errors too, found once the YAML is read, so the caller can report
    them with what else is wrong in the file: each key given twice in a mapping (YAML
    keeps the last silently: a second `tags:` dropped the first's), and a formula in
    double quotes read as escapes."""
    loader = _TextDates(text)
    lines = first_line - 1
    try:
        node = loader.get_single_node()
        faults = [YamlError(f"`{key}` is given twice (first at line {first + lines}); YAML "
                            "keeps only the last: remove one, or merge them", line + lines)
                  for key, line, first in _keys_given_twice(node)] if node is not None else []
        value = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        what = (error.problem or "syntax error").strip()
        # the context (where an unclosed bracket or quote started) is where to look
        # first; but a tab is where it is (libyaml's context is the value before it)
        mark = error.problem_mark if "tab" in what else error.context_mark or error.problem_mark
        # \mathcal: "unknown escape"; \xi, \upsilon: "expected ... hex(a)decimal ..."
        hint = TEX_IN_DOUBLE_QUOTES if re.search(r"escape|hexa?decimal", what) else \
            "YAML indents with spaces: replace the tab with spaces" if "tab" in what else \
            "a value holding `: ` (a title such as `漫谈(二十一): 中值定理`)? put the whole " \
            "value in single quotes: title: '…: …'" if "mapping values" in what else \
            "check quotes, colons and indentation"
        raise YamlError(f"broken YAML: {what} ({hint})",
                        (mark.line + 1 if mark else 1) + lines) from None
    except yaml.YAMLError as error:
        raise YamlError(f"broken YAML: {error}", first_line) from None
    finally:
        loader.dispose()
    if node is not None and '"' in text and "$" in text and \
            (misread := _tex_read_as_escapes(text, node, first_line)):
        faults.append(misread)
    return value, node, faults


_MERGE = "tag:yaml.org,2002:merge"


def _keys_given_twice(root: yaml.Node) -> list[tuple[str, int, int]]:
    """(key, its line, the line it is first given on) of each key that a mapping of
    the node tree gives again, as written (before merges: `<<: *defaults` then `title:`
    overrides, as YAML means), compared as values (`1:` and `'1':` differ); in the
    order of the file."""
    found = []
    seen: set[int] = set()
    waiting = [root]
    while waiting:
        node = waiting.pop()
        if id(node) in seen:  # an alias to an anchor met before
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys = [key for key, _ in node.value
                    if isinstance(key, yaml.ScalarNode) and key.tag != _MERGE]
            if len({(key.tag, key.value) for key in keys}) < len(keys):
                first: dict[tuple[str, str], yaml.Node] = {}
                for key in keys:
                    if (earlier := first.setdefault((key.tag, key.value), key)) is not key:
                        found.append((key.value, key.start_mark.line + 1,
                                      earlier.start_mark.line + 1))
            waiting += [item for _, item in node.value if not isinstance(item, yaml.ScalarNode)]
        elif isinstance(node, yaml.SequenceNode):
            waiting += [item for item in node.value if not isinstance(item, yaml.ScalarNode)]
    return sorted(found, key=lambda twice: twice[1])


def _tex_read_as_escapes(text: str, node: yaml.Node, first_line: int) -> YamlError | None:
    """The first double-quoted value whose formula YAML read as escapes (`"$\\theta$"`
    is a tab and "heta"): its title would show garbage, or KaTeX complain of a
    character nobody typed. Only what is inside `$…$` counts: a `\\n` between
    formulas is YAML's line break, meant as one (YAML dumpers write those)."""
    seen: set[int] = set()
    waiting = [node]  # a stack, children pushed last first: taken in document order
    while waiting:
        node = waiting.pop()
        if id(node) in seen:  # an alias to an anchor met before (or to itself)
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            waiting += reversed([part for pair in node.value for part in pair])
        elif isinstance(node, yaml.SequenceNode):
            waiting += reversed(node.value)
        elif isinstance(node, yaml.ScalarNode) and node.style == '"':
            raw = text[node.start_mark.index:node.end_mark.index]
            if found := escape_in_formula(raw, YAML_ESCAPES):
                return YamlError(found[1], node.start_mark.line + first_line)
    return None


TEXT_KEYS = frozenset({"title", "slug", "author", "category", "series", "tags", "summary"})
"""Front-matter keys whose values are text, whatever YAML would make of them."""


def load_yaml_mapping(text: str, written: frozenset[str] = frozenset(), first_line: int = 1
                      ) -> tuple[dict, dict[str, int], list[YamlError]]:
    """Parse YAML that must be a mapping (load_yaml); returns it with key → the file's
    line (the text starts at its line `first_line`, as for errors), and load_yaml's
    faults. The values of the
    keys in `written` are text as written where YAML 1.1 reads a plain scalar as a
    number or a truth value (`title: 3.10` is "3.10", not 3.1; `tags: [on, NO]` are
    "on" and "NO", not True and False)."""
    value, node, faults = load_yaml(text, first_line)
    if value is None:
        return {}, {}, faults
    if not isinstance(value, dict) or not isinstance(node, yaml.MappingNode):
        raise YamlError("front matter must be `key: value` lines", first_line)
    keep_as_written(value, node, written)
    return value, {key: line + first_line - 1 for key, line in mapping_key_lines(node).items()}, \
        faults


def keep_as_written(value: dict, node: yaml.MappingNode, keys: frozenset[str]) -> None:
    """Give the values of `keys` in the mapping `value` (constructed from `node`) back as
    the text they were written as, where YAML 1.1 made a plain scalar a number or a
    truth value (_as_written)."""
    # the last pair of a key is its value (a key after `<<: *defaults` overrides it)
    items = {key.value: item for key, item in node.value if isinstance(key, yaml.ScalarNode)}
    for key in keys & items.keys() & value.keys():
        value[key] = _as_written(value[key], items[key])


def _as_written(value: object, node: yaml.Node) -> object:
    """A constructed value, with each plain scalar YAML made a number or a truth value
    given back as the text it was written as (in a list too)."""
    if isinstance(node, yaml.ScalarNode) and not node.style and \
            isinstance(value, (bool, int, float)):
        return node.value
    if isinstance(node, yaml.SequenceNode) and isinstance(value, list):
        return [_as_written(item, child) for item, child in zip(value, node.value)]
    return value


def mapping_key_lines(node: yaml.MappingNode) -> dict[str, int]:
    """Key → 1-based line, for the scalar keys of a mapping node."""
    return {str(key.value): key.start_mark.line + 1
            for key, _ in node.value if isinstance(key, yaml.ScalarNode)}


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")


def parse_date(value: object, zone: ZoneInfo) -> datetime:
    """A front-matter date → an aware datetime; raises ValueError with the accepted forms.

    Accepted: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]`, and ISO 8601 with an offset.
    No offset means the site's time zone.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str) and (text := value.strip()):
        if _DATE_TIME.match(text) and len(text.split(" ")[-1].split(":")[0]) == 1:
            text = text.replace(" ", " 0", 1)  # "2023-01-02 9:30" → "09:30"
        try:
            moment = (datetime.combine(date.fromisoformat(text), time()) if _DATE.match(text)
                      else datetime.fromisoformat(text))
        except ValueError as error:
            # "month must be in 1..12" helps; "Invalid isoformat string: ..." only repeats it
            why = "" if "isoformat" in str(error) else f" ({error})"
            raise ValueError(f"{value!r} is not a date{why}; write YYYY-MM-DD, "
                             "YYYY-MM-DD HH:MM[:SS] or ISO 8601 such as "
                             "2023-12-07T10:30:00+08:00") from None
    elif isinstance(value, time):  # TOML's local time
        raise ValueError(f"{value.isoformat()} is a time of day without its date; write "
                         "the date before it (2024-01-14T10:30:00 in TOML)")
    else:
        raise ValueError(f"{value!r} is not a date; write YYYY-MM-DD or YYYY-MM-DD HH:MM")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def key_named(key: str, toml: bool = False) -> str:
    """A key as a message names it: `title:` in YAML, `title` in TOML."""
    return f"`{key}`" if toml else f"`{key}:`"


# Readers of one front-matter value; `report(key, message)` collects a problem. Posts
# and comments share them: `where` names what lacks a required key.

_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
"""An HTML character reference, its `;` included (`AT&T` and `&copy` alone are text)."""


def decoded_entities(text: str) -> str:
    """`text` with its HTML character references as the characters they stand for:
    a WordPress export writes a title's `&` as `&amp;`, which the blog showed as `&`.
    Only whole references are: `&amplifier;` names no character (html.unescape alone
    would read its `&amp` and leave "&lifier;")."""
    if "&" not in text:
        return text
    return _ENTITY.sub(_character, text)


def _character(reference: re.Match[str]) -> str:
    written = reference.group()
    if written[1] != "#" and written[1:] not in html.entities.html5:
        return written
    return html.unescape(written)


def name_field(fields: dict, key: str, report, **options) -> str | None:
    """text_field for a name shown as plain text (a title, an author, a category):
    its HTML character references decoded (decoded_entities)."""
    value = text_field(fields, key, report, **options)
    return decoded_entities(value) if value else value


def text_field(fields: dict, key: str, report, *, required: bool = False,
               where: str = "the front matter", toml: bool = False) -> str | None:
    """`toml`: the header is TOML (a missing key's example is written so)."""
    value = fields.get(key)
    if value is None or value == "":
        if required:
            example = f"`{key} = '...'`" if toml else f"`{key}: ...`"
            report(key, f"missing {key_named(key, toml)} in {where}; add e.g. {example}")
        return None
    if isinstance(value, (dict, list)):
        report(key, f"`{key}` must be a single text value, not {described(value)}")
        return None
    return str(value).strip()


def date_field(fields: dict, key: str, zone: ZoneInfo, report, *,
               required: bool = False, or_else: str = "", toml: bool = False) -> datetime | None:
    """`or_else`: another way to give the date, added to the message when it is missing;
    `toml` as for text_field."""
    if fields.get(key) in (None, ""):
        if required:
            example = f"`{key} = 2024-01-14T10:30:00`" if toml else f"`{key}: 2024-01-14 10:30`"
            report(key, f"missing {key_named(key, toml)}; add e.g. {example}{or_else}")
        return None
    try:
        return parse_date(fields[key], zone)
    except ValueError as error:
        report(key, f"`{key}`: {error}")
        return None
