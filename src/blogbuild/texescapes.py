"""TeX in a double-quoted value of a YAML or TOML header, read as escapes.

In double quotes a backslash starts an escape, in YAML and in TOML alike: `"$\\theta$"`
is a tab and "heta". Where the escape is one the format knows, nothing complains:
the title shows garbage, or KaTeX a character nobody typed. Only what is inside
`$…$` counts: a `\\n` between formulas is a line break, meant as one.
"""

from __future__ import annotations

import functools
import re

YAML_ESCAPES = ("YAML", "abefnrtvNLP")
"""(the format, the escapes of its double quotes that may stand before a letter)."""
TOML_ESCAPES = ("TOML", "btnfr")
"""TOML's (1.0, as tomllib reads it)."""

ESCAPE_NAMES = {"a": "a bell", "b": "a backspace", "e": "an escape character",
                "f": "a form feed", "n": "a line break", "r": "a carriage return",
                "t": "a tab", "v": "a vertical tab", "N": "a next-line character",
                "L": "a line separator", "P": "a paragraph separator"}

TEX_IN_DOUBLE_QUOTES = ("TeX inside double quotes? there a backslash starts an escape: "
                        "write the value in single quotes, or double each backslash")
"""The hint for a double-quoted value that does not parse for its backslashes."""

_FORMULA = re.compile(r"\$\$.+?\$\$|\$.+?\$", re.S)
"""A formula in a value's text as written (escapes not read yet)."""


@functools.cache
def _escape_before_letters(escapes: str) -> re.Pattern:
    return re.compile(rf"(?<!\\)(?:\\\\)*\\([{escapes}])([A-Za-z]+)")


def escape_in_formula(raw: str, escapes: tuple[str, str]) -> tuple[int, str] | None:
    """(offset in `raw`, message) for the first escape of `escapes` (YAML_ESCAPES,
    TOML_ESCAPES) that starts a TeX command (`\\theta`) inside a formula of `raw`, a
    double-quoted value as written."""
    kind, letters = escapes
    for formula in _FORMULA.finditer(raw):
        if found := _escape_before_letters(letters).search(formula.group()):
            escape, command = found.group(1), found.group(1) + found.group(2)
            return (formula.start() + found.start(),
                    f"`\\{command}` inside double quotes is {kind}'s escape `\\{escape}` "
                    f"({ESCAPE_NAMES[escape]}), not TeX: write the value in single quotes, "
                    "or double each backslash")
    return None
