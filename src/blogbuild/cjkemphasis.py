"""Emphasis beside Chinese punctuation: the CJK-friendly amendments to CommonMark.

CommonMark decides whether `**` may open or close emphasis by the characters on its
two sides (its "flanking" rules), written for languages with spaces between words: a
`**` between a punctuation mark and a letter counts only with a space on the letter's
side. Chinese has no such spaces, so `他说**“价值”**。` and `**读万卷书，行万里路。**胸中`
showed their asterisks (four times in the 96 posts of a real Chinese blog). The
amendments (https://github.com/tats-u/markdown-cjk-friendly, the remedy proposed
for CommonMark issue 650, also in markdown-it's `markdown-it-cjk-friendly`) let a
CJK character stand where a space was needed, and count CJK punctuation as a letter
where punctuation would stop emphasis. Text with no CJK character beside a delimiter
run is parsed exactly as CommonMark says (the amendments would also read a variation
selector after other punctuation, `"︀**`, as part of it: left out here).

markdown-it-py's emphasis and strikethrough rules ask the inline state's scanDelims
and push a delimiter for each marker; `cjk_friendly_emphasis` wraps each rule and,
where a run has a CJK character beside it, sets whether its delimiters open or close
by the amended rules.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline import StateInline, emphasis, strikethrough

InlineRule = Callable[[StateInline, bool], bool]

_WIDE = frozenset("WFH")
_FIRST_CJK = 0x1100
"""No character before U+1100 (Hangul's first jamo) is CJK, nor a variation selector."""
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7AF),
           (0xD7B0, 0xD7FF))
_EMOJI = ((0x2190, 0x2BFF), (0x1F000, 0x1FAFF))
"""Arrows, technical and miscellaneous symbols, dingbats, and the blocks of emoji and
enclosed characters: their wide characters (⌚, ⭐, 😀) are emoji, which the
amendments leave out, but for _ANGLE_BRACKETS (and for a few enclosed ideographs
such as 🈂, counted as emoji here)."""
_ANGLE_BRACKETS = (0x2329, 0x232A)
"""〈 and 〉 of Miscellaneous Technical: wide, and CJK punctuation."""
_VARIATION = range(0xFE00, 0xFE0F)
"""Variation selectors other than the emoji one (U+FE0F): one may follow a CJK
character or punctuation mark and belongs to it."""
_IDEOGRAPHIC_VARIATION = range(0xE0100, 0xE01F0)


def cjk_friendly_emphasis(md: MarkdownIt) -> None:
    """Parse `*`, `_` and `~~` runs beside CJK characters by the amended rules."""
    md.inline.ruler.at("emphasis", _amended(emphasis.tokenize))
    md.inline.ruler.at("strikethrough", _amended(strikethrough.tokenize))


def _amended(rule: InlineRule) -> InlineRule:
    def tokenize(state: StateInline, silent: bool) -> bool:
        start, pushed = state.pos, len(state.delimiters)
        if not rule(state, silent):
            return False
        if len(state.delimiters) > pushed:  # the rule took the run: state.pos is its end
            flags = amended_flanking(state.src, start, state.pos, state.posMax, state.src[start])
            if flags is not None:
                for delimiter in state.delimiters[pushed:]:
                    delimiter.open, delimiter.close = flags
        return True
    return tokenize


def amended_flanking(src: str, start: int, end: int, limit: int, marker: str
                     ) -> tuple[bool, bool] | None:
    """(can open, can close) for the run of `marker` at src[start:end] by the
    amended rules, or None where no CJK character is beside it (CommonMark's
    answer stands)."""
    before = src[start - 1] if start > 0 else " "
    after = src[end] if end < limit else " "
    if ord(before) < _FIRST_CJK and ord(after) < _FIRST_CJK:  # most runs: asked nothing more
        return None
    # a variation selector belongs to the character before it (a CJK sequence, a
    # punctuation sequence); an ideographic one (an ideograph's variant) counts as CJK
    head = src[start - 2] if ord(before) in _VARIATION and start > 1 else before
    before_cjk = is_cjk(head) or ord(before) in _IDEOGRAPHIC_VARIATION
    if not (before_cjk or is_cjk(after)):
        return None
    before_space, after_space = isWhiteSpace(ord(before)), isWhiteSpace(ord(after))
    before_other_punctuation = is_punctuation(head) and not before_cjk
    after_other_punctuation = is_punctuation(after) and not is_cjk(after)
    left = not after_space and (not after_other_punctuation or before_space or
                                before_other_punctuation or before_cjk)
    right = not before_space and (not before_other_punctuation or after_space or
                                  after_other_punctuation or is_cjk(after))
    if marker != "_":
        return left, right
    # `_` inside a word is no emphasis: it opens only where it cannot also close or
    # after punctuation (rules 2 and 6, where the amendments let punctuation be
    # followed by a variation selector), and closes likewise (rules 4 and 8, as they are)
    return left and (not right or is_punctuation(head)), right and (not left or is_punctuation(after))


def is_cjk(character: str) -> bool:
    """A CJK character as the amendments define it: East Asian Width wide, fullwidth
    or halfwidth and no emoji, or Hangul."""
    point = ord(character)
    if any(low <= point <= high for low, high in _HANGUL):
        return True
    if unicodedata.east_asian_width(character) not in _WIDE:
        return False
    return point in _ANGLE_BRACKETS or not any(low <= point <= high for low, high in _EMOJI)


def is_punctuation(character: str) -> bool:
    """CommonMark's Unicode punctuation, as markdown-it-py tells it."""
    return isMdAsciiPunct(ord(character)) or isPunctChar(character)
