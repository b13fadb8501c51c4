"""The search index (search.py): what Pagefind is shown and what it indexes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SITE_TOML, post, write_site

from blogbuild.build import build_site
from blogbuild.config import SiteConfig
from blogbuild.search import post_pages_glob, read_by_pagefind


@pytest.mark.parametrize("permalink, glob", [
    ("/archives/{slug}/", "archives/*/index.html"),
    ("/{year}/{month}/{day}/{slug}/", "*/*/*/*/index.html"),
    ("/p/{slug}.html", "p/*.html"),
    ("/{slug}/", "*/index.html"),
    ("/a[b]/{slug}/", None),  # the permalink's own text would read as a pattern
    ("/x{{y}}/{slug}/", None),
])
def test_pagefind_is_shown_where_post_pages_can_be(permalink, glob):
    config = SiteConfig(title="t", base_url="https://example.org/", permalink=permalink)
    assert post_pages_glob(config) == glob


@pytest.mark.parametrize("permalink, read", [
    ("/archives/{slug}/", ["archives/a/index.html"]),
    ("/{slug}/", ["a/index.html", "tags/index.html", "about/index.html"]),
    ("/{year}/{month}/{slug}/", ["2024/01/a/index.html", "archives/2024/01/index.html"]),
    ("/a[b]/{slug}/", None),  # no glob: Pagefind reads every page
])
def test_the_dev_server_writes_for_pagefind_the_pages_a_build_shows_it(permalink, read):
    """What serve indexes is what build indexes: the pages the glob names."""
    config = SiteConfig(title="t", base_url="https://example.org/", permalink=permalink)
    outputs = ["index.html", "404.html", "archives/a/index.html", "a/index.html",
               "about/index.html", "tags/index.html", "tags/ml/page/2/index.html",
               "2024/01/a/index.html", "archives/2024/01/index.html", "a[b]/a/index.html"]
    assert [o for o in outputs if read_by_pagefind(o, config)] == \
        [o for o in outputs if read is None or o in read]


@pytest.mark.parametrize("permalink", ['"/{year}/{month}/{slug}/"', '"/p/{slug}.html"'])
def test_every_post_is_indexed_whatever_the_permalink(tmp_path: Path, permalink: str):
    files = {f"content/posts/2024-01-{n:02d}-p{n}.md": post(f"第{n}篇", f"2024-01-{n:02d}",
                                                          f"正文{n}，噪声与信号。", tags="[数学]")
             for n in range(1, 13)}
    files["content/pages/about.md"] = "---\ntitle: 关于\n---\n关于噪声。\n"
    files["site.toml"] = f"permalink = {permalink}\n" + \
        SITE_TOML.replace("enabled = false", "enabled = true")
    site = write_site(tmp_path / "site", files)
    build_site(site, site / "dist")
    entry = json.loads((site / "dist/pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
    assert [language["page_count"] for language in entry["languages"].values()] == [12]


def test_the_byline_is_not_indexed_the_title_and_body_are(tmp_path: Path):
    """"By 林知远 | 2023-01-08 | 27788位读者 | 引用" was indexed as the post's first words:
    every search for the author matched every post, and results showed it as their
    snippet."""
    import gzip

    files = {"content/posts/2024-01-01-a.md": post("噪声的标题", "2024-01-01", "正文讲信号。",
                                                   author="作者甲", views=123),
             "site.toml": SITE_TOML.replace("enabled = false", "enabled = true")}
    site = write_site(tmp_path / "site", files)
    build_site(site, site / "dist")
    [fragment] = (site / "dist/pagefind/fragment").glob("*.pf_fragment")
    data = gzip.decompress(fragment.read_bytes())
    record = json.loads(data[data.index(b"{"):])
    text = record["content"].replace("\u200b", "")
    assert "噪声的标题" in text and "正文讲信号" in text
    assert "作者甲" not in text and "123" not in text


def test_a_site_without_posts_builds_with_search_on_and_writes_no_index(tmp_path: Path):
    files = {"content/pages/about.md": "---\ntitle: 关于\n---\n还没有文章。\n",
             "site.toml": SITE_TOML.replace("enabled = false", "enabled = true")}
    site = write_site(tmp_path / "site", files)
    build_site(site, site / "dist")  # Pagefind, given nothing to index, would fail it
    assert (site / "dist/about/index.html").is_file()
    assert not (site / "dist/pagefind").exists()
    # a first post gets an index; the index goes with the last post
    first = site / "content/posts/2024-01-01-first.md"
    first.parent.mkdir(parents=True, exist_ok=True)
    first.write_text(post("第一篇", "2024-01-01", "噪声。"), encoding="utf-8")
    build_site(site, site / "dist")
    assert (site / "dist/pagefind/pagefind-entry.json").is_file()
    first.unlink()
    build_site(site, site / "dist")
    assert not (site / "dist/pagefind").exists()
