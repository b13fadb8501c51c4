"""Shared helpers: small sites written inline in a tmp folder, built, and parsed."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

REPO = Path(__file__).resolve().parents[1]

SITE_TOML = """\
title = "测试博客"
base_url = "https://example.org/blog/"
author = "苏剑林"
per_page = 10
recent_comments = 5

[search]
enabled = false  # Pagefind adds a second per build; tests of search turn it on
"""


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` (relative "/" path → bytes): two equal trees are equal
    outputs, names and bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def write_site(root: Path, files: dict[str, str]) -> Path:
    """Write `files` (relative path → text, dedented) under `root`; site.toml defaults."""
    files = {"site.toml": SITE_TOML, **files}
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def post(title: str, date: str, body: str = "正文。", **fields: object) -> str:
    """A post file's text with YAML front matter."""
    lines = [f"title: {title}", f"date: {date}"]
    for key, value in fields.items():
        lines.append(f"{key}: {value}")
    return "---\n" + "\n".join(lines) + "\n---\n" + textwrap.dedent(body)


def html(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture
def site(tmp_path: Path):
    """A function writing a site into tmp_path/site from {path: text}."""
    return lambda files: write_site(tmp_path / "site", files)
