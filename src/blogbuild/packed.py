"""HTML held compressed: a post's body, which a build keeps from the Markdown stage
until its page is rendered, and shows once.

Held as str, the bodies were most of a build's memory: in `render = "build"` mode
they carry KaTeX's HTML, ~100 M characters for 1,000 posts, at two bytes each as
Python holds text with CJK in it (1.8 GB at 5,000 posts). Packed, they take a tenth
of that, and so does what workers send back and what the render cache stores.
`str()` unpacks one where it is shown (site.PostEntry.html); Jinja would too
(`__html__`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import TypeAlias

LEVEL = 1
"""zlib's fastest: KaTeX's HTML packs ~6x smaller already, and packing is on the
build's path."""


@dataclass(frozen=True)
class Packed:
    """Text, compressed; equal texts are equal Packed."""

    data: bytes

    @classmethod
    def of(cls, text: str) -> Packed:
        # surrogatepass: a lone surrogate in a post comes back as it went in
        return cls(zlib.compress(text.encode("utf-8", "surrogatepass"), LEVEL))

    def __str__(self) -> str:
        return zlib.decompress(self.data).decode("utf-8", "surrogatepass")

    def __html__(self) -> str:
        """What Jinja's `| safe` and autoescaping read: the HTML, trusted as it is."""
        return str(self)


Html: TypeAlias = "str | Packed"
"""HTML as a str, or Packed."""
