"""KaTeX at build time: the same katex.min.js that ships to the browser, run in an
embedded V8 (mini-racer), checks every formula and, in `render = "build"` mode,
writes its HTML into the pages.

In client mode the pages need no HTML from it, so a formula is only parsed (KaTeX's
parser raises every error a reader would see; parsing is ~5x faster than rendering).
One engine per process, started only when a formula is not in the cache; formulas
are sent in batches (one post or comment at a time) because each call costs more
than a formula. Results are cached in `.blogbuild-cache/katex.sqlite`, keyed by
everything that can change them, so an unchanged formula is never parsed twice.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .store import Store
from .theme import katex_dir, katex_version

CACHE_FOLDER = ".blogbuild-cache"
"""In the site folder: KaTeX results that later builds reuse (safe to delete)."""

AUTHOR_MACROS = {"\\style": "\\htmlStyle{#1}{#2}"}
"""MathJax's \\style, which the blog uses, is KaTeX's \\htmlStyle."""

# Commands that change the macros in force for later formulas of the same post
# (KaTeX runs with globalGroup, as MathJax does).
_DEFINES = re.compile(r"\\(?:re)?newcommand|\\providecommand|\\g?def(?![a-zA-Z])|\\let(?![a-zA-Z])"
                      r"|\\global|\\DeclareMathOperator|\\newenvironment")

_JAVASCRIPT = r"""
function blogbuildTypeset(items, macros, trusted, html) {
  function trust(context) {
    if (context.command === "\\htmlStyle") return true;
    return context.command === "\\href" && /^(#|\/(?!\/)|\.\.?\/)/.test(context.url);
  }
  var out = [];
  for (var i = 0; i < items.length; i++) {
    var options = {
      displayMode: items[i][1], throwOnError: true, strict: "ignore", globalGroup: true,
      macros: macros, trust: trusted ? trust : false, output: "htmlAndMathml"};
    try {
      if (html) {
        out.push([katex.renderToString(items[i][0], options), null]);
      } else {
        katex.__parse(items[i][0], options);  // what renderToString runs first
        out.push([null, null]);
      }
    } catch (error) {
      out.push([null, String(error && error.message || error)]);
    }
  }
  return JSON.stringify(out);
}
"""
OPTIONS_VERSION = "2"
"""Bump when the options in _JAVASCRIPT change: it is part of every cache key."""


@dataclass(frozen=True)
class Typeset:
    """KaTeX's answer for one formula: its HTML (None when only checked), or the
    error message."""

    html: str | None
    error: str | None


class KatexEngine:
    """Typesets batches of formulas; safe to share within one process, not across.

    With `html=False` formulas are only checked: each answer has no HTML, only an error
    or none (what client mode needs)."""

    def __init__(self, site_macros: Mapping[str, str], cache_dir: Path | None, *,
                 html: bool = True):
        self._site_macros = dict(site_macros)
        self._html = html
        self._context = None
        self._cache = Store(cache_dir / "katex.sqlite") if cache_dir else None
        self._salt = json.dumps([katex_version(), OPTIONS_VERSION, html,
                                 sorted(self._site_macros.items())])

    def typeset(self, formulas: Sequence[tuple[str, bool]], *, trusted: bool) -> list[Typeset]:
        """Typeset formulas (TeX, display?) in order, as one post or comment: a macro
        defined by one formula is in force for the later ones."""
        keys, definitions = [], []
        for tex, display in formulas:
            keys.append(self._key(tex, display, trusted, definitions))
            if _DEFINES.search(tex):
                definitions.append(tex)
        found = self._cache.get(keys) if self._cache else {}
        missing = [i for i, key in enumerate(keys) if key not in found]
        if missing:
            # later formulas need the definitions made before them, cached or not
            needed = sorted(set(missing) | {i for i, (tex, _) in enumerate(formulas)
                                            if _DEFINES.search(tex) and i < missing[-1]})
            results = self._run([formulas[i] for i in needed], trusted)
            fresh = {keys[i]: result for i, result in zip(needed, results)}
            if self._cache:
                self._cache.put(fresh)
            found = {**found, **fresh}
        return [found[key] for key in keys]

    def _key(self, tex: str, display: bool, trusted: bool, definitions: list[str]) -> str:
        material = json.dumps([self._salt, trusted, definitions, tex, display])
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def _run(self, formulas: list[tuple[str, bool]], trusted: bool) -> list[Typeset]:
        if self._context is None:
            from py_mini_racer import MiniRacer  # 0.2 s to start: only when needed

            context = MiniRacer()
            context.eval((katex_dir() / "katex.min.js").read_text(encoding="utf-8"))
            context.eval(_JAVASCRIPT)
            self._context = context
        macros = {**AUTHOR_MACROS, **self._site_macros}
        answer = self._context.call("blogbuildTypeset", [list(f) for f in formulas], macros,
                                    trusted, self._html)
        return [Typeset(html, error) for html, error in json.loads(answer)]

    def close(self) -> None:
        if self._context is not None:
            self._context.close()
            self._context = None
        if self._cache:
            self._cache.close()
