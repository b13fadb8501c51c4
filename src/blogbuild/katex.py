"""KaTeX at build time: the same katex.min.js that ships to the browser, run in an
embedded V8 (mini-racer), checks every formula and, in `render = "build"` mode,
writes its HTML into the pages.

In client mode the pages need no HTML from it, so a formula is only parsed (KaTeX's
parser raises every error a reader would see; parsing is ~5x faster than rendering).
One engine per process, started only when a formula is not in the cache. A call
into V8 costs ~1 ms of CPU, more than parsing a formula (~0.2 ms), so formulas go in
batches: `typeset` takes one post's or comment's, and `render_batch` checks many
posts' or comments' formulas in one call. Results are cached in
`.blogbuild-cache/katex.sqlite`, keyed by everything that can change them, so an
unchanged formula is never parsed twice.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .store import Store
from .theme import katex_dir, katex_version

AUTHOR_MACROS = {"\\style": "\\htmlStyle{#1}{#2}"}
"""MathJax's \\style, which the blog uses, is KaTeX's \\htmlStyle."""
READER_MACROS = {"\\eqref": "\\text{(#1)}", "\\ref": "\\text{#1}"}
"""A reader's reference to the post's equation (`$\\eqref{eq:elbo}$`): KaTeX has no
\\eqref, and a comment is rendered apart from the post's numbering; shown as its label
rather than refused (one such comment would stop the whole site's build)."""
READER_MAX_SIZE = 5
"""The largest size, in em, that a reader's formula may ask for (KaTeX's maxSize: a
\\rule, a \\kern, a \\raisebox): `$\\rule{100em}{100em}$` in a comment covered the
sidebar of every page, where the newest comments are."""

DEFINES = re.compile(r"\\(?:re)?newcommand|\\providecommand|\\[gex]?def(?![a-zA-Z])"
                      r"|\\(?:future)?let(?![a-zA-Z])|\\global|\\DeclareMathOperator"
                      r"|\\newenvironment")
"""The commands that change the macros in force for later formulas of the same post
(KaTeX runs with globalGroup, as MathJax does)."""
DEFINED_NAME = re.compile(rf"(?:\\global\s*)?(?:{DEFINES.pattern})\*?\s*\{{?\s*(\\(?:[A-Za-z]+|.))")
"""A defining command (DEFINES) and the name it defines, in braces or not."""


def defines_macros(tex: str) -> bool:
    """The formula changes the macros in force for the formulas after it."""
    return DEFINES.search(tex) is not None


_JAVASCRIPT = r"""
function blogbuildTypeset(groups, macros, trusted, html, readerMaxSize) {
  // the commands KaTeX asked about and was refused, for the formula being typeset:
  // KaTeX shows each as its name in red, and throws nothing
  var refused = [];
  function trust(context) {
    var allowed = trusted && (context.command === "\\htmlStyle" ||
      context.command === "\\href" && /^(#|\/(?!\/)|\.\.?\/)/.test(context.url));
    if (!allowed && refused.indexOf(context.command) < 0) refused.push(context.command);
    return allowed;
  }
  // a link whose address has no valid scheme (`\href{javascript&colon;…}`) KaTeX refuses
  // before asking `trust`: its red name is found in the parse tree
  var LINK = /\\(?:href|url)(?![a-zA-Z])/;
  function refusedUnasked(tree) {
    (function walk(node) {
      if (Array.isArray(node)) { node.forEach(walk); return; }
      if (!node || typeof node !== "object") return;
      if (node.type === "color" && node.color === "#cc0000" && node.body.length === 1 &&
          node.body[0].type === "text") {
        var name = node.body[0].body.map(function (t) { return t.text; }).join("");
        if (refused.indexOf(name) < 0) refused.push(name);
        return;
      }
      for (var key in node) if (key !== "loc") walk(node[key]);
    })(tree);
  }
  var out = [];
  for (var g = 0; g < groups.length; g++) {
    var items = groups[g], answers = [];
    // KaTeX writes a group's global definitions into its macros: each its own copy
    var scope = Object.assign({}, macros);
    for (var i = 0; i < items.length; i++) {
      var options = {
        displayMode: items[i][1], throwOnError: true, strict: "ignore", globalGroup: true,
        macros: scope, trust: trust, output: "htmlAndMathml",
        maxSize: trusted ? Infinity : readerMaxSize};
      refused = [];
      try {
        var tex = items[i][0], links = LINK.test(tex);
        var rendered = html ? katex.renderToString(tex, options) : null;
        // checking only, parsing is all renderToString would do first; a formula with
        // a link is parsed for its tree (once more in build mode: rare)
        if (!html || links) {
          var tree = katex.__parse(tex, options);
          if (links) refusedUnasked(tree);
        }
        answers.push([rendered, null, refused]);
      } catch (error) {
        answers.push([null, String(error && error.message || error), []]);
      }
    }
    out.push(answers);
  }
  return JSON.stringify(out);
}
"""
OPTIONS_VERSION = "6"
"""Bump when the options in _JAVASCRIPT change: it is part of every cache key."""


@dataclass(frozen=True)
class Typeset:
    """KaTeX's answer for one formula: its HTML (None when only checked), or the
    error message."""

    html: str | None
    error: str | None
    refused: tuple[str, ...] = ()
    """Commands KaTeX was not trusted with (`\\href` to another site, anything of the
    kind in a reader's formula): it shows each as its name in red, and raises nothing."""


Typesetter = Callable[[list[tuple[str, bool]]], list[Typeset]]
"""Typesets (TeX, display?) pairs in order; bound to a trust level by the caller."""

T = TypeVar("T")
R = TypeVar("R")


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
        return self.typeset_groups([formulas], trusted=trusted)[0]

    def typeset_groups(self, groups: Sequence[Sequence[tuple[str, bool]]], *,
                       trusted: bool) -> list[list[Typeset]]:
        """`typeset` for each group (one post's or comment's formulas), with one
        look-up in the cache and one call into KaTeX for them all."""
        keys = [self._keys(formulas, trusted) for formulas in groups]
        found = self._cache.get([key for group in keys for key in group]) if self._cache else {}
        asked = []  # (formulas, their keys, the places KaTeX must see)
        asking: set[str] = set()  # a formula repeated across posts is typeset once
        for formulas, group in zip(groups, keys):
            missing = [i for i, key in enumerate(group) if key not in found and key not in asking]
            asking.update(group[i] for i in missing)
            if missing:
                # later formulas need the definitions made before them, cached or not
                defining = {i for i, (tex, _) in enumerate(formulas[:missing[-1]])
                            if defines_macros(tex)}
                asked.append((formulas, group, sorted(set(missing) | defining)))
        if asked:
            answers = self._run([[formulas[i] for i in places] for formulas, _, places in asked],
                                trusted)
            fresh = {}
            for (_, group, places), results in zip(asked, answers):
                fresh.update(zip([group[i] for i in places], results))
            if self._cache:
                self._cache.put(fresh)
            found = {**found, **fresh}
        return [[found[key] for key in group] for group in keys]

    def render_batch(self, items: Sequence[T], render: Callable[[T, Typesetter], R], *,
                     trusted: bool) -> list[R]:
        """`render(item, typesetter)` for every item (a post, a comment), with one call
        into KaTeX for all their formulas instead of one per item.

        When formulas are only checked (client mode), an item's HTML does not depend
        on KaTeX unless KaTeX refuses a formula or a command in it: each item renders
        first as though every formula were accepted, the formulas are checked together,
        and the few items with a refused one render again with `typeset` (which
        reports it).
        In build mode each item's HTML needs KaTeX's: each waits for its own call."""
        def typesetter(formulas):
            return self.typeset(formulas, trusted=trusted)

        if self._html:
            return [render(item, typesetter) for item in items]
        # for each item, the formulas of each of its calls to the typesetter
        calls: list[list[list[tuple[str, bool]]]] = []

        def accepted(into: list[list[tuple[str, bool]]], formulas):
            into.append(list(formulas))
            return [Typeset(None, None)] * len(formulas)

        results = []
        for item in items:
            calls.append([])
            results.append(render(item, functools.partial(accepted, calls[-1])))
        verdicts = iter(self.typeset_groups([group for made in calls for group in made],
                                            trusted=trusted))
        for place, made in enumerate(calls):
            answers = [next(verdicts) for _ in made]  # this item's, call by call
            if any(answer.error or answer.refused for group in answers for answer in group):
                results[place] = render(items[place], typesetter)
        return results

    def _keys(self, formulas: Sequence[tuple[str, bool]], trusted: bool) -> list[str]:
        keys, definitions = [], []
        for tex, display in formulas:
            keys.append(self._key(tex, display, trusted, definitions))
            if defines_macros(tex):
                definitions.append(tex)
        return keys

    def _key(self, tex: str, display: bool, trusted: bool, definitions: list[str]) -> str:
        material = json.dumps([self._salt, trusted, definitions, tex, display])
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def _run(self, groups: list[list[tuple[str, bool]]], trusted: bool) -> list[list[Typeset]]:
        if self._context is None:
            from py_mini_racer import MiniRacer  # 0.2 s to start: only when needed

            context = MiniRacer()
            context.eval((katex_dir() / "katex.min.js").read_text(encoding="utf-8"))
            context.eval(_JAVASCRIPT)
            self._context = context
        macros = {**AUTHOR_MACROS, **({} if trusted else READER_MACROS), **self._site_macros}
        answer = self._context.call("blogbuildTypeset", [[list(f) for f in formulas]
                                                         for formulas in groups],
                                    macros, trusted, self._html, READER_MAX_SIZE)
        return [[Typeset(html, error, tuple(refused)) for html, error, refused in group]
                for group in json.loads(answer)]

    def close(self) -> None:
        if self._context is not None:
            self._context.close()
            self._context = None
        if self._cache:
            self._cache.close()
