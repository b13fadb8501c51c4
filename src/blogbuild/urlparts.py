"""URLs as authors and readers write them, read without failing.

Python's urlsplit raises ValueError on some text that is written as a URL: a
placeholder host in brackets (`http://[server-ip]:8888/`, read as an IPv6 address),
an unclosed `[`. Written in a post it stopped the build, and `check --links`, with a
traceback; given as a reader's `url:`, the build too. Every place that reads a
URL someone wrote reads it with `split_url`, and treats None as "no URL".
"""

from __future__ import annotations

from urllib.parse import SplitResult, urljoin, urlsplit


def split_url(url: str) -> SplitResult | None:
    """urlsplit(url), or None where Python cannot read it as a URL."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def joined_url(base: str, url: str) -> str | None:
    """urljoin(base, url), or None where `url` cannot be read (split_url)."""
    return urljoin(base, url) if split_url(url) is not None else None
