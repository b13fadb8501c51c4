"""Archive navigation on a fixture site: every listing computed independently here
from the fixture's front matter, then compared with the parsed pages."""

import hashlib
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, unquote

import pytest
from bs4 import BeautifulSoup

from blogbuild.archive import term_slug
from blogbuild.build import build_site
from conftest import SITE_TOML, html, post

TAGS = ["数学", "ML", "扩散模型", "Python"]
CATEGORIES = ["数学研究", "信息时代"]


def fixture_posts() -> list[dict]:
    """17 posts over three months; tags, categories and a series chosen by index."""
    posts = []
    for n in range(17):
        day = date(2024, 1, 3) + timedelta(days=5 * n)
        posts.append({"slug": f"p{n:02d}", "title": f"第{n}篇", "date": day,
                      "tags": [t for i, t in enumerate(TAGS) if n % (i + 2) == 0],
                      "category": CATEGORIES[n % 2],
                      "series": "扩散漫谈" if n in (2, 7, 11, 15) else None})
    return posts


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("archive")
    files = {"site.toml": SITE_TOML.replace("per_page = 10", "per_page = 3")}
    for p in fixture_posts():
        fields = {"slug": p["slug"], "tags": "[" + ", ".join(p["tags"]) + "]",
                  "category": p["category"]}
        if p["series"]:
            fields["series"] = p["series"]
        files[f"content/posts/{p['slug']}.md"] = post(p["title"], p["date"].isoformat(),
                                                      f"正文 {p['slug']}\n", **fields)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    build_site(root, root / "dist")
    return root / "dist"


def listed(out: Path, base: str) -> list[str]:
    """Titles on every page of the paginated listing at `base`, following the pager."""
    titles, page = [], out / base / "index.html"
    while True:
        soup = html(page)
        titles += [a.get_text() for a in soup.select(".entry-title a")]
        following = soup.select_one(".pager a[rel=next]")
        if following is None:
            return titles
        page = out / unquote(following["href"]).removeprefix("/blog/") / "index.html"


def newest_first(posts: list[dict]) -> list[str]:
    return [p["title"] for p in sorted(posts, key=lambda p: p["date"], reverse=True)]


def test_every_tag_page_lists_exactly_its_posts_newest_first_across_pages(built: Path):
    posts = fixture_posts()
    for tag in TAGS:
        expected = newest_first([p for p in posts if tag in p["tags"]])
        assert listed(built, f"tags/{term_slug(tag)}/") == expected, tag
    assert (built / "tags/数学/page/2/index.html").is_file()


def test_every_category_and_month_page_lists_exactly_its_posts(built: Path):
    posts = fixture_posts()
    for category in CATEGORIES:
        expected = newest_first([p for p in posts if p["category"] == category])
        assert listed(built, f"category/{category}/") == expected
    for year, month in {(p["date"].year, p["date"].month) for p in posts}:
        expected = newest_first([p for p in posts if (p["date"].year, p["date"].month) == (year, month)])
        assert listed(built, f"archives/{year}/{month:02d}/") == expected


def test_series_page_and_navigation_follow_date_order(built: Path):
    parts = [p["title"] for p in sorted(fixture_posts(), key=lambda p: p["date"]) if p["series"]]
    assert listed(built, "series/扩散漫谈/") == parts  # a series page reads in order
    # and its pager says so: the next page holds the newer parts
    pagers = [html(built / f"series/扩散漫谈/{page}index.html").select_one(".pager")
              for page in ("", "page/2/")]
    assert [a.get_text() for a in pagers[0].select("a[rel]")] == ["较新文章 »"]
    assert [a.get_text() for a in pagers[1].select("a[rel]")] == ["« 较早文章"]
    assert [a.get_text() for a in html(built / "index.html").select(".pager a[rel]")] == ["较早文章 »"]
    page = html(built / "archives/p07/index.html")
    above, below = page.select(".series-nav")
    assert [li.get_text().strip() for li in above.select("ol li")] == parts
    assert above.select_one("li.current").get_text().strip() == "第7篇"
    # below the post, where the reader goes on, only the parts either side: a long
    # series is not listed twice
    assert below.select("ol") == [] and below.select_one(".series-title a")["href"] == \
        above.select_one(".series-title a")["href"]
    for nav in (above, below):
        assert [a.get_text(" ").strip() for a in nav.select(".series-steps a")] == ["« 第2篇", "第11篇 »"]


def test_a_long_series_lists_the_ends_and_the_parts_near_the_post_numbered_as_they_are(
        site, tmp_path: Path):
    """A 30-part series pushed every post of it below the first screen; the series page
    lists every part (the gaps link to it)."""
    root = site({f"content/posts/p{n}.md": post(f"第{n}篇", f"2024-01-{n:02d}", series="漫谈")
                 for n in range(1, 22)})
    build_site(root, tmp_path / "out")

    def listed(n: int) -> list[tuple[str | None, str]]:
        box = html(tmp_path / f"out/archives/p{n}/index.html").select_one(".series-nav")
        for gap in box.select("li.series-gap a"):  # "…", named for a screen reader
            assert gap["href"] == box.select_one(".series-title a")["href"]
            assert gap["aria-label"] == "全部 21 篇"
        return [(li.get("value"), li.get_text().strip()) for li in box.select("ol li")]
    assert listed(7) == [("1", "第1篇"), (None, "…"), ("5", "第5篇"), ("6", "第6篇"), ("7", "第7篇"),
                         ("8", "第8篇"), ("9", "第9篇"), (None, "…"), ("21", "第21篇")]
    assert listed(2) == [("1", "第1篇"), ("2", "第2篇"), ("3", "第3篇"), ("4", "第4篇"), (None, "…"),
                         ("21", "第21篇")]
    # a "…" for one part alone takes as much room as the part: it is listed
    assert [value for value, _ in listed(5)] == [str(n) for n in range(1, 8)] + [None, "21"]


def test_the_series_window_of_a_post_not_in_the_series_is_an_error_not_an_empty_box():
    from blogbuild.archive import PostLink
    from blogbuild.pages import series_window

    parts = [PostLink(f"p{n}", f"archives/p{n}/", f"第{n}篇", datetime(2024, 1, n)) for n in range(1, 13)]
    with pytest.raises(ValueError, match="'p99' is not a part of this series"):
        series_window(parts, "p99")


def test_a_series_of_one_post_has_its_box_above_the_post_only_with_no_steps(site, tmp_path: Path):
    root = site({"content/posts/a.md": post("独篇", "2024-01-01", series="独立系列")})
    build_site(root, tmp_path / "out")
    boxes = html(tmp_path / "out/archives/a/index.html").select(".series-nav")
    assert len(boxes) == 1 and boxes[0].select(".series-steps") == []
    assert [li.get_text().strip() for li in boxes[0].select("ol li")] == ["独篇"]


def test_a_lone_series_named_nearly_as_another_is_a_warning(site, tmp_path: Path):
    root = site({**{f"content/posts/p{n}.md": post(f"第{n}篇", f"2024-01-0{n + 1}",
                                                   series="生成扩散模型漫谈") for n in range(3)},
                 "content/posts/typo.md": post("错", "2024-01-09", series="生成扩散模形漫谈"),
                 "content/posts/swap.md": post("换", "2024-01-09", series="生成扩散型模漫谈"),
                 "content/posts/other.md": post("另", "2024-01-09", series="矩阵符号函数"),
                 # swapped digits are another issue of a periodical, not a typo
                 **{f"content/posts/q{n}.md": post(f"{n}", f"2024-02-0{n + 1}", series="第12期")
                    for n in range(2)},
                 "content/posts/q21.md": post("21", "2024-02-09", series="第21期")})
    report = build_site(root, tmp_path / "out")
    assert [str(p) for p in report.warnings] == [
        "content/posts/swap.md: warning: series '生成扩散型模漫谈' has this post alone (did you "
        "mean `生成扩散模型漫谈`?); a series named differently is another series",
        "content/posts/typo.md: warning: series '生成扩散模形漫谈' has this post alone (did you "
        "mean `生成扩散模型漫谈`?); a series named differently is another series"]


def test_post_pages_link_previous_next_tags_and_category(built: Path):
    page = html(built / "archives/p06/index.html")
    assert page.select_one(".post-nav a.older")["href"] == "/blog/archives/p05/"
    assert page.select_one(".post-nav a.newer")["href"] == "/blog/archives/p07/"
    assert [a["href"] for a in page.select(".taxonomy a")] == [
        "/blog/" + quote("category/数学研究/"), "/blog/" + quote("tags/数学/"),
        "/blog/tags/ml/"]
    assert html(built / "archives/p16/index.html").select_one(".post-nav a.newer") is None


def test_related_posts_share_the_most_tags_then_are_newest(built: Path):
    posts = {p["slug"]: p for p in fixture_posts()}
    me = posts["p12"]
    scored = sorted((p for p in posts.values() if p is not me and set(p["tags"]) & set(me["tags"])),
                    key=lambda p: (-len(set(p["tags"]) & set(me["tags"])), -p["date"].toordinal()))
    page = html(built / "archives/p12/index.html")
    assert [a.get_text() for a in page.select(".related a")] == [p["title"] for p in scored[:5]]


def test_archive_and_terms_index_pages_count_every_post(built: Path):
    archive = html(built / "archives/index.html")
    assert [h.get_text() for h in archive.select(".archive-year > h2")] == ["2024"]
    assert len(archive.select(".archive-list li")) == 17
    terms = html(built / "tags/index.html")
    counts = {a.get_text(): int(a.find_next_sibling("span").get_text()) for a in terms.select(".term-cloud a")}
    assert counts["数学"] == sum("数学" in p["tags"] for p in fixture_posts())
    assert counts["信息时代"] == 8 and counts["扩散漫谈"] == 4


def test_bibtex_and_citation_meta_tags(built: Path):
    page = html(built / "archives/p03/index.html")
    entry = page.select_one("#cite .bibtex").get_text()
    found = re.fullmatch(r"@online\{([^,]+),\n((?:  \w+ = \{[^{}]*\},?\n)+)\}", entry)
    assert found, entry
    fields = dict(re.findall(r"  (\w+) = \{([^{}]*)\}", found.group(2)))
    assert found.group(1) == "2024-p03"  # the Chinese name is left out of the key
    assert fields == {"title": "第3篇", "author": "苏剑林", "year": "2024", "month": "1",
                      "url": "https://example.org/blog/archives/p03/"}
    meta = {m.get("name") or m.get("property"): m["content"] for m in page.select("meta[content]")}
    assert meta["citation_title"] == "第3篇" and meta["citation_publication_date"] == "2024/01/18"
    assert meta["og:url"] == "https://example.org/blog/archives/p03/"
    assert page.select_one(".meta a[href$='#cite']")


def test_a_post_page_describes_the_post_and_shows_when_it_was_updated(site, tmp_path: Path):
    """Its excerpt as the description (search results, share cards), formulas as the
    author writes them and never cut; `updated:` on the page and in its meta tags, not
    on listings (their meta line is the SPEC's)."""
    excerpt = "开头 $x_1 < y$ 与 $$\\sum_i a_i$$ 之后" + "很长的一段话" * 40
    root = site({"content/posts/a.md": post("甲", "2024-01-05", excerpt + "\n\n<!--more-->\n\n正文\n",
                                            updated="2024-03-01 09:30"),
                 "content/posts/b.md": post("乙", "2024-01-06", "乙 $b$\n", updated="2024-01-06 18:00")})
    build_site(root, tmp_path / "out")
    page = html(tmp_path / "out/archives/a/index.html")
    meta = {m.get("name") or m.get("property"): m["content"] for m in page.select("meta[content]")}
    # ($$ within a line is inline math: kramdown's habit, as the page shows it)
    assert meta["description"].startswith("开头 $x_1 < y$ 与 $\\sum_i a_i$ 之后很长的一段话")
    assert meta["description"].endswith("…") and len(meta["description"]) == 201
    assert meta["og:description"] == meta["twitter:description"] == meta["description"]
    assert len(page.select("meta[name=description]")) == 1
    assert meta["article:modified_time"] == "2024-03-01T09:30:00+08:00"
    assert page.select_one(".post .meta .updated time")["datetime"] == "2024-03-01T09:30:00+08:00"
    # updated the day it was written: nothing to say
    other = html(tmp_path / "out/archives/b/index.html")
    assert other.select_one(".post .meta .updated") is None
    assert html(tmp_path / "out/index.html").select_one(".meta .updated") is None
    assert html(tmp_path / "out/index.html").select_one("meta[name=description]") is None  # none set


def test_a_description_keeps_formulas_whole():

    from blogbuild.citation import description
    entry = SimpleNamespace(feed_excerpt_html='<p>ab <span class="math inline">\\(x &lt; y\\)</span> '
                                              'cd</p>\n<div class="math display">\\[\n z \n\\]</div>')
    assert description(entry) == "ab $x < y$ cd $$z$$"
    assert description(entry, limit=8) == "ab…"
    assert description(entry, limit=12) == "ab $x < y$ c…"
    # a code span showing a delimiter is no formula; no space is put around formulas
    entry = SimpleNamespace(feed_excerpt_html='<p>用 <code>\\(</code> 和 <code>\\)</code> 包裹，例如'
                                              '<span class="math inline">\\(x^2\\)</span>。</p>')
    assert description(entry) == "用 \\( 和 \\) 包裹，例如$x^2$。"


def test_bibtex_keeps_a_title_formula_tex_and_escapes_the_text_around_it(site, tmp_path: Path):
    """`\\\\` is a line break in LaTeX and `\\{` a brace: the formula of a title goes in as
    written; `&`, `%`, `#`, `_` and braces of the text are escaped for LaTeX."""
    root = site({"content/posts/a.md": post("'关于$\\epsilon$-greedy与\\(\\mathcal{O}(n)\\)："
                                            "50% & #1_a {x}'", "2024-01-05", author="A_B")})
    build_site(root, tmp_path / "out")
    entry = html(tmp_path / "out/archives/a/index.html").select_one("#cite .bibtex").get_text()
    assert "  title = {关于$\\epsilon$-greedy与$\\mathcal{O}(n)$：50\\% \\& \\#1\\_a " \
           "\\textbraceleft{}x\\textbraceright{}},\n" in entry
    assert "  author = {A\\_B},\n" in entry


@pytest.mark.parametrize("author, slug, key", [
    ("Lilian Weng", "diffusion-models", "LilianWeng-2024-diffusion-models"),
    ("Rémi Louf", "café", "RemiLouf-2024-cafe-" + hashlib.blake2b("café".encode(), digest_size=4).hexdigest()),
    # pdfLaTeX's \\cite fails on UTF-8 in a key: the Chinese name is left out
    ("苏剑林", "diffusion-1", "2024-diffusion-1"),
    ("苏剑林 (Su)", "扩散模型", "Su-2024-" + hashlib.blake2b("扩散模型".encode(), digest_size=4).hexdigest()),
    ("", "vae-变分", "2024-vae-" + hashlib.blake2b("vae-变分".encode(), digest_size=4).hexdigest()),
])
def test_a_bibtex_key_has_only_the_characters_every_latex_reads_in_one(author, slug, key):
    from blogbuild.citation import citation_key
    entry = SimpleNamespace(post=SimpleNamespace(author=author, slug=slug,
                                                 date=datetime(2024, 1, 5)))
    assert citation_key(entry) == key


def test_bibtex_never_leaves_a_brace_unmatched_and_keeps_mathjax_dollars():
    """BibTeX counts every brace, escaped or not."""
    from blogbuild.citation import _bibtex_tex
    assert _bibtex_tex("$\\left\\{ a \\right.$ 与 \\[b\\] 价 \\\\$5") == \
        "$\\left\\lbrace  a \\right.$ 与 $b$ 价 \\$5"


def test_a_site_and_post_without_an_author_print_no_empty_author(site, tmp_path: Path):
    """A blog moved from Jekyll often names no author: no "By |", no empty BibTeX or
    citation author; the Atom feed names the site (Atom wants an author per entry)."""
    root = site({"site.toml": SITE_TOML.replace('author = "苏剑林"\n', ""),
                 "content/posts/a.md": post("无名", "2024-01-05"),
                 "content/posts/b.md": post("有名", "2024-01-06", author="张三")})
    build_site(root, tmp_path / "out")
    page = html(tmp_path / "out/archives/a/index.html")
    assert page.select_one(".post .meta").get_text() == "2024-01-05 | 引用"
    assert page.select_one("#cite .bibtex").get_text() == (
        "@online{2024-a,\n  title = {无名},\n  year = {2024},\n  month = {1},\n"
        "  url = {https://example.org/blog/archives/a/}\n}")
    assert not page.select('meta[name="citation_author"]')
    named = html(tmp_path / "out/archives/b/index.html")
    assert named.select_one(".post .meta").get_text().startswith("By 张三 | 2024-01-06")
    assert named.select_one('meta[name="citation_author"]')["content"] == "张三"
    home = html(tmp_path / "out/index.html")
    assert [m.get_text().split(" | ")[0] for m in home.select(".entry .meta")] == \
        ["By 张三", "2024-01-05"]
    atom = BeautifulSoup((tmp_path / "out/atom.xml").read_text(encoding="utf-8"), "xml")
    assert [a.get_text(strip=True) for a in atom.feed.find_all("author", recursive=False)] == ["测试博客"]
    assert [[a.get_text(strip=True) for a in e.find_all("author")] for e in atom.find_all("entry")] \
        == [["张三"], []]


def test_names_sharing_a_url_are_listed_together_with_a_warning(site, tmp_path: Path):
    root = site({"content/posts/a.md": post("a", "2024-01-01", tags="[Deep Learning]"),
                 "content/posts/b.md": post("b", "2024-01-02", tags="[deep learning]"),
                 "content/posts/c.md": post("c", "2024-01-03", tags="[deep-learning]"),
                 "content/posts/d.md": post("d", "2024-01-04", tags="[deep learning]")})
    report = build_site(root, tmp_path / "out")
    assert [str(w) for w in report.warnings] == [
        "content/posts/a.md: warning: tag 'Deep Learning' has the same URL as 'deep learning' "
        "(tags/deep-learning/); they are listed together as 'deep learning'. Spell them the same way",
        "content/posts/c.md: warning: tag 'deep-learning' has the same URL as 'deep learning' "
        "(tags/deep-learning/); they are listed together as 'deep learning'. Spell them the same way"]
    assert listed(tmp_path / "out", "tags/deep-learning/") == ["d", "c", "b", "a"]


def test_a_name_of_dots_gets_a_page_of_its_own_not_the_folder_above(site, tmp_path: Path):
    """A tag `..` wrote its listing to tags/../index.html: over the front page."""
    assert [term_slug(name) for name in ("..", ".", " ", "C++", ".NET")] == \
        ["-", "-", "-", "c++", ".net"]
    root = site({"content/posts/a.md": post("a", "2024-01-01", tags="['..']"),
                 "content/posts/b.md": post("b", "2024-01-02")})
    build_site(root, tmp_path / "out")
    assert listed(tmp_path / "out", "tags/-/") == ["a"]
    assert listed(tmp_path / "out", "") == ["b", "a"]


def test_a_post_lists_its_tags_in_its_own_order_whatever_spelling_names_the_page(site, tmp_path: Path):
    root = site({"content/posts/a.md": post("a", "2024-01-01", tags="[ML, 数学]"),
                 "content/posts/b.md": post("b", "2024-01-02", tags="[ML]"),
                 "content/posts/c.md": post("c", "2024-01-03", tags="[ml, 数学]")})
    build_site(root, tmp_path / "out")
    page = html(tmp_path / "out/archives/c/index.html")
    assert [a.get_text() for a in page.select(".taxonomy a.tag")] == ["ML", "数学"]
