"""The site's TeX macros written out, for TeX that leaves the site.

Feeds carry formulas as TeX, for feed readers that typeset them with MathJax or KaTeX;
those know nothing of site.toml's `[math] macros`, so `\\E[x]` would reach them as an
undefined command. `expand_macros` replaces each use of a site macro by what it
stands for, as KaTeX expands it: the macro's name (a backslash and its letters, or a
backslash and one other character), then as many arguments as its expansion has
parameters (`#1` … `#9`), each a `{group}` or a single token, spaces before it
skipped; the expansion is read again, so a macro may use another.

A formula may define a command of a site macro's name itself (`\\newcommand{\\E}…`,
`\\def\\E`): from there on, in that formula and the ones after it in the same text,
the name is the formula's, and it is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .katex import DEFINED_NAME
from .mathjax import matching_brace

MAX_EXPANSIONS = 1000
"""Per formula: a macro that uses itself (`\\a` → `\\a+1`) would never end; such a
formula is left as written (KaTeX reports it on the page)."""

_NAME = re.compile(r"\\(?:[A-Za-z]+|.)", re.S)
_NAME_OR_COMMENT = re.compile(r"\\(?:[A-Za-z]+|.)|%[^\n]*", re.S)
"""What the expansion looks at: a command's name, or a comment (to the line's end)."""
_PARAMETER = re.compile(r"(?<!\\)#([1-9#])")
_ENDS_IN_WORD = re.compile(r"\\[A-Za-z]+$")


def expand_macros(formulas: list[str], macros: Mapping[str, str]) -> list[str]:
    """Each formula of one text (a post, in order) with the `macros` it uses written
    out, except those a formula before it, or itself, defines anew."""
    live = dict(macros)
    expanded = []
    for tex in formulas:
        defined = set(DEFINED_NAME.findall(tex))
        expanded.append(_expanded(tex, {name: body for name, body in live.items()
                                        if name not in defined}) if live else tex)
        for name in defined:
            live.pop(name, None)
    return expanded


def _expanded(tex: str, macros: Mapping[str, str]) -> str:
    out: list[str] = []
    rest, at, expansions = tex, 0, 0
    while True:
        found = _NAME_OR_COMMENT.search(rest, at)
        if found is None:
            out.append(rest[at:])
            return "".join(out)
        name = found.group()
        out.append(rest[at:found.end() if name not in macros else found.start()])
        at = found.end()
        if name not in macros:  # another command, or a comment: as written
            continue
        after = at
        if name[1:].isalpha():  # TeX skips the spaces after a control word
            while after < len(rest) and rest[after] in " \t":
                after += 1
        arguments, after = _arguments(rest, after, _parameters(macros[name]))
        if arguments is None:  # too few: KaTeX refuses it too; left as written
            out.append(rest[found.start():at])
            continue
        expansions += 1
        if expansions > MAX_EXPANSIONS:
            return tex
        body = _substituted(macros[name], arguments)
        following = rest[after:]
        # a control word must not run into a letter it did not touch before
        if _ENDS_IN_WORD.search(body) and following[:1].isalpha():
            body += " "
        if _ENDS_IN_WORD.search(_tail(out)) and (body + following)[:1].isalpha():
            body = " " + body
        rest, at = body + following, 0


def _substituted(body: str, arguments: list[str]) -> str:
    """`body` with its parameters replaced by the arguments (`##` is `#`), a space
    between a control word and a letter that an argument brings next to it."""
    def argument(found: re.Match) -> str:
        if found.group(1) == "#":
            return "#"
        text = arguments[int(found.group(1)) - 1]
        if _ENDS_IN_WORD.search(body[:found.start()]) and text[:1].isalpha():
            text = " " + text
        if _ENDS_IN_WORD.search(text) and body[found.end():found.end() + 1].isalpha():
            text += " "
        return text
    return _PARAMETER.sub(argument, body)


def _tail(pieces: list[str]) -> str:
    """The last of the text written so far that is not empty ("" if none)."""
    return next((piece for piece in reversed(pieces) if piece), "")


def _parameters(body: str) -> int:
    return max((int(m.group(1)) for m in _PARAMETER.finditer(body) if m.group(1) != "#"),
               default=0)


def _arguments(text: str, at: int, count: int) -> tuple[list[str] | None, int]:
    """`count` undelimited arguments from `at`: (their texts, where they end), or None
    if the text ends first."""
    arguments = []
    for _ in range(count):
        while at < len(text) and text[at] in " \t\n":
            at += 1
        if at == len(text) or text[at] == "}":
            return None, at
        if text[at] == "{":
            end = matching_brace(text, at + 1)
            if end is None:
                return None, at
            arguments.append(text[at + 1:end])
            at = end + 1
        elif text[at] == "\\":
            token = _NAME.match(text, at)
            arguments.append(token.group() if token else "\\")
            at = token.end() if token else at + 1
        else:
            arguments.append(text[at])
            at += 1
    return arguments, at
