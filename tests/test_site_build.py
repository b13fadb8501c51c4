"""Whole-site builds of fixture sites, asserted on the parsed HTML and feeds."""

import sys
import time
import xml.etree.ElementTree as ElementTree
from datetime import date, timedelta
from html import unescape
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup

from blogbuild.build import build_site
from blogbuild.labels import LABELS
from conftest import html, post, tree

POSTS = 23


def archive(count: int = POSTS) -> dict[str, str]:
    """`count` posts, one a day from 2024-01-01, each with a marker; comments on some."""
    files = {}
    for n in range(count):
        day = date(2024, 1, 1) + timedelta(days=n)
        files[f"content/posts/{day.year}/{day}-p{n:02d}.md"] = post(
            f"第{n}篇 Post {n}", f"{day} 10:00", f"摘要{n} $x_{{{n}}}$\n\n<!--more-->\n\n正文{n}\n",
            views=1000 + n, tags="[数学, ML]")
    if count < 7:  # the posts the comments are on
        return files
    files["content/comments/p05.yaml"] = "".join(
        f"- id: {500 + k}\n  author: 读者{k}\n  date: 2024-02-0{k + 1} 09:00\n"
        f"  body: 评论{k} $y_{k}$ **粗体**\n" for k in range(4))
    files["content/comments/p06.yaml"] = (
        "- id: 600\n  author: Alice\n  url: https://alice.example\n  date: 2024-03-01 08:00\n"
        "  body: |\n    <script>alert('x')</script> 好文\n"
        "- id: 601\n  author: 苏剑林\n  date: 2024-03-02 08:00\n  parent: 600\n  body: 谢谢\n")
    return files


@pytest.fixture
def built(site, tmp_path: Path) -> Path:
    root = site(archive())
    build_site(root, tmp_path / "out")
    return tmp_path / "out"


def titles(page) -> list[str]:
    return [a.get_text() for a in page.select(".entry-title a")]


def test_every_page_has_one_h1_and_a_skip_link_to_its_text(built: Path):
    """A screen reader's outline starts at the page's <h1>: the front page and its later
    pages had none. The first link of every page skips the header and its links."""
    pages = [p for p in sorted(built.rglob("*.html")) if p.name != "404.html"]
    assert len(pages) > 30
    for path in pages:
        page = html(path)
        assert len(page.find_all("h1")) == 1, path
        skip = page.body.find("a")
        assert skip["class"] == ["skip-link"] and page.select_one(skip["href"]).name == "main"
    assert html(built / "page/2/index.html").h1.get_text() == "测试博客 - 第 2 页"


def test_the_pager_is_named_and_marks_the_page_shown(built: Path):
    pager = html(built / "page/2/index.html").select_one("nav.pager")
    assert pager["aria-label"] == "分页"
    assert [e.get_text() for e in pager.select('[aria-current="page"]')] == ["2"]


def test_the_404_page_claims_no_url_and_asks_not_to_be_indexed(built: Path):
    """It is served at every missing URL: a canonical link made each claim to be
    /404.html."""
    page = html(built / "404.html")
    assert page.select('link[rel="canonical"]') == []
    assert page.select_one('meta[name="robots"]')["content"] == "noindex"


def test_listing_pages_hold_per_page_posts_newest_first(built: Path):
    pages = [html(built / "index.html"), html(built / "page/2/index.html"),
             html(built / "page/3/index.html")]
    newest_first = [f"第{n}篇 Post {n}" for n in reversed(range(POSTS))]
    assert [titles(p) for p in pages] == [newest_first[:10], newest_first[10:20], newest_first[20:]]
    assert not (built / "page/4").exists()
    assert [a["href"] for a in pages[1].select(".pager a[rel=prev], .pager a[rel=next]")] == [
        "/blog/", "/blog/page/3/"]


def test_each_entry_has_badge_meta_excerpt_and_read_more(built: Path):
    entry = html(built / "index.html").select(".entry")[0]
    assert entry.select_one(".badge").get_text(" ") == "23 Jan"
    assert entry.select_one(".meta").get_text() == "By 苏剑林 | 2024-01-23 | 1022位读者 | 引用"
    assert entry.select_one(".excerpt").get_text().strip() == "摘要22 \\(x_{22}\\)"
    assert "正文22" not in entry.get_text()
    link = entry.select_one(".read-more a")
    assert (link.get_text(), link["href"]) == ("点击阅读全文...", "/blog/archives/p22/")


def test_post_page_has_body_and_nested_comment_thread(built: Path):
    page = html(built / "archives/p06/index.html")
    assert page.select_one(".post-title").get_text() == "第6篇 Post 6"
    assert "正文6" in page.select_one(".post-body").get_text()
    top = page.select_one("#comment-600")
    assert top.select_one(".comment-author")["rel"] == ["nofollow", "ugc", "noopener"]
    assert top.select_one("#comment-601 .comment-body").get_text().strip() == "谢谢"
    assert page.select_one(".meta").get_text().endswith("| 2条评论")


def test_a_back_and_forth_hundreds_of_replies_deep_is_shown_whole(site, tmp_path: Path):
    """Two readers replying to each other 300 times: no recursion limit is met (it was a
    traceback). Below THREAD_DEPTH levels the replies are the last level's, oldest
    first, as WordPress shows them; a second thread beside it nests as before."""
    from blogbuild.site import THREAD_DEPTH

    chain = "".join(f"- id: {n}\n  author: {'甲乙'[n % 2]}\n"
                    f"  date: 2024-02-01 10:{n // 60:02d}:{n % 60:02d}\n"
                    + (f"  parent: {n - 1}\n" if n > 1 else "") + f"  body: 第{n}楼\n"
                    for n in range(1, 301))
    chain += "- id: 900\n  author: 丙\n  date: 2024-03-01\n  body: 另起\n" \
             "- id: 901\n  author: 丁\n  date: 2024-03-02\n  parent: 900\n  body: 回复\n"
    root = site({**archive(1), "content/comments/p00.yaml": chain})
    build_site(root, tmp_path / "out")
    page = html(tmp_path / "out/archives/p00/index.html")
    shown = [int(li["id"].removeprefix("comment-")) for li in page.select("li.comment")]
    assert sorted(shown) == [*range(1, 301), 900, 901]
    deepest = page.select_one("#comment-300")
    assert len(deepest.find_parents("ol")) == THREAD_DEPTH + 1
    last_level = deepest.find_parent("ol").find_all("li", recursive=False)
    assert [li["id"] for li in last_level] == [f"comment-{n}" for n in range(THREAD_DEPTH + 1, 301)]
    assert page.select_one("#comment-900 #comment-901")
    # where the theme no longer indents (four levels down), a reply names whom it answers
    answers = {li["id"]: li.select_one(":scope > .comment-head .reply-to")
               for li in page.select("li.comment")}
    assert answers["comment-4"] is None and answers["comment-901"] is None
    assert (answers["comment-5"].get_text(), answers["comment-5"]["href"]) == ("回复 甲", "#comment-4")
    assert answers["comment-300"].get_text() == "回复 乙"


def test_a_readers_script_is_shown_as_text(built: Path):
    page = html(built / "archives/p06/index.html")
    body = page.select_one("#comment-600 .comment-body")
    assert body.find("script") is None
    assert "<script>alert('x')</script> 好文" in body.get_text()
    assert [s.get("src") for s in page.find_all("script") if s.get("src")] == [
        "/blog/katex/katex.min.js", "/blog/js/blogbuild.js"]


def test_sidebar_lists_the_newest_comments_of_the_site_in_order(built: Path):
    for page in ("index.html", "page/3/index.html", "archives/p00/index.html", "404.html"):
        items = html(built / page).select(".recent-comments li")
        assert [i.select_one(".comment-author").get_text() for i in items] == [
            "苏剑林", "Alice", "读者3", "读者2", "读者1"], page
    first = html(built / "index.html").select(".recent-comments li a")
    assert [a["href"] for a in first[:3]] == ["/blog/archives/p06/#comment-601",
                                              "/blog/archives/p06/#comment-600",
                                              "/blog/archives/p05/#comment-503"]
    assert first[2].get_text() == "评论3 \\(y_3\\) 粗体"


@pytest.mark.parametrize("body, extract", [
    ("由\n\\begin{equation}a=b\\end{equation}\n可知 $c$", "由…"),
    ("见 $x$ 与\n$$\ny\n$$\n后", '见 <span class="math inline">\\(x\\)</span> 与…'),
    ("由此：$$\ny\n$$\n后", "由此：…"),
    ("$$\nz\n$$\n\n之后", "[公式] 之后"),  # a comment that starts with one: named, then words
])
def test_a_sidebar_extract_stops_at_a_display_formula(body, extract):
    """Set inline, an environment is a KaTeX error on every page of the site."""
    from blogbuild.site import comment_extract
    assert comment_extract(body, lambda tex, before: f"\\({tex}\\)", LABELS["zh"]) == extract


@pytest.mark.parametrize("body, extract", [
    ("$$\n\\int_0^1 f(x)\\,dx\n$$", "[公式]"),
    ("```python\nprint(1)\n```", "[代码]"),
    ("![](/a.png)", "[图片]"),
    ("看图 ![示意图](/a.png) 与 ![](/b.png) 吧", "看图 示意图 与 吧"),
    ("$" + "x+" * 40 + "y$ 这一步怎么来的？", "[公式] 这一步怎么来的？"),
    ("## 勘误\n\n- 式(3)少了负号", "勘误 式(3)少了负号"),
    ("哪个置换？\n只要 query\n就行", "哪个置换？只要 query 就行"),  # no space in Chinese
])
def test_a_comment_that_opens_with_what_the_sidebar_cannot_show_still_has_words(body, extract):
    """Its link in "最近评论" must have something to click: what cannot be shown is
    named; blocks are apart by a space (how many, HTML does not show)."""
    from blogbuild.site import comment_extract
    shown = comment_extract(body, lambda tex, before: f"\\({tex}\\)", LABELS["zh"])
    assert " ".join(shown.split()) == extract


def test_a_post_page_has_its_parts_in_the_specs_order(site, tmp_path: Path):
    """SPEC: title, meta, body, series navigation, tags, citation block, previous/next,
    comments. (Tags above the body took 40% of a phone's first screen for a post of
    27 tags.)"""
    root = site({"content/posts/a.md": post("甲", "2024-01-01", series="s"),
                 "content/posts/b.md": post("乙", "2024-01-02", "正文。\n", series="s",
                                            tags="[x, y]", category="c"),
                 "content/comments/b.yaml": "- {id: 1, author: 读者, date: 2024-01-03, body: 好}\n"})
    build_site(root, tmp_path / "out")
    page = html(tmp_path / "out/archives/b/index.html")
    order = [".post-title", ".post .meta", ".post-body", ".series-nav.series-end", ".taxonomy",
             ".cite", ".post-nav", "#comments"]
    elements = [page.select_one(selector) for selector in order]
    assert all(elements), dict(zip(order, elements))
    everything = list(page.descendants)
    assert [everything.index(e) for e in elements] == sorted(everything.index(e) for e in elements)


def test_a_sidebar_extract_does_not_cut_an_english_word_in_two():
    """An extract ending "but th…" reads as if "th" were a word; Chinese is cut anywhere."""
    from blogbuild.site import EXTRACT_LENGTH, comment_extract

    def extract(body: str) -> str:
        return comment_extract(body, lambda tex, before: f"\\({tex}\\)", LABELS["en"])
    english = "Your derivation of the lower bound looks right to me, but the second step is wrong. " * 4
    shown = extract(english)
    assert shown.endswith("…") and english.startswith(shown[:-1])
    assert english[len(shown) - 1] == " ", shown  # a whole word before the "…"
    assert len(shown) > EXTRACT_LENGTH - 20
    chinese = "我觉得第二步的下界是错的，" * 20
    assert len(extract(chinese)) == EXTRACT_LENGTH + 1
    link = "see " + "https://example.org/" + "a" * 200
    assert len(extract(link)) == EXTRACT_LENGTH + 1  # a word too long to keep whole is cut
    # a word of its own token (bold, a link) is left out whole too
    assert extract("This derivation in the second section is right and **wellknownness** "
                   "enough") == "This derivation in the second section is right and…"
    assert extract("x" * 80) == "x" * EXTRACT_LENGTH + "…"  # one word: its link needs words


@pytest.mark.parametrize("language, headings", [("zh-CN", ["分类", "系列", "标签"]),
                                                ("en", ["Categories", "Series", "Tags"])])
def test_the_terms_page_names_its_groups_in_the_sites_language(site, tmp_path: Path,
                                                                 language, headings):
    root = site({"content/posts/a.md": post("a", "2024-01-01", tags="[x]", category="c",
                                            series="s")})
    (root / "site.toml").write_text(f'language = "{language}"\n' + (root / "site.toml").read_text())
    build_site(root, tmp_path / "out")
    assert [h.get_text() for h in html(tmp_path / "out/tags/index.html").select(".term-group h2")] == headings


def test_feeds_parse_with_absolute_links(built: Path):
    for name in ("feed.xml", "atom.xml"):
        feed = feedparser.parse((built / name).read_bytes())
        assert not feed.bozo, (name, feed.bozo_exception)
        assert len(feed.entries) == 20
        assert feed.entries[0].link == "https://example.org/blog/archives/p22/"
        assert feed.entries[0].title == "第22篇 Post 22"
        # the excerpt: Atom's summary, RSS's description, with a link to the rest; HTML,
        # not text that a reader shows with its markup; no content: that would pass
        # for the whole post
        excerpt = feed.entries[0].summary_detail
        assert "\\(x_{22}\\)" in excerpt.value and "正文22" not in excerpt.value
        assert excerpt.type == "text/html" and "content" not in feed.entries[0]
        assert '<a href="https://example.org/blog/archives/p22/">点击阅读全文...</a>' in excerpt.value
        # the feed's own link is the site, not the feed
        assert feed.feed.link == "https://example.org/blog/"


def test_feed_and_listing_dates_are_those_of_what_they_show(site, tmp_path: Path):
    """An old post updated lately is not in the feed of the newest: the feed's date is
    its entries'; a month's listing changed when its own posts did."""
    import xml.etree.ElementTree as ET

    root = site({"content/posts/old.md": post("旧", "2021-01-05", updated="2024-05-01"),
                 **{f"content/posts/n{k}.md": post(f"新{k}", f"2024-0{k + 1}-01") for k in range(3)}})
    (root / "site.toml").write_text((root / "site.toml").read_text() + "\n[feed]\nitems = 3\n")
    build_site(root, tmp_path / "out")
    feed = feedparser.parse((tmp_path / "out/atom.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["新2", "新1", "新0"]
    assert feed.feed.updated.startswith("2024-03-01")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    lastmod = {u.find("s:loc", ns).text.removeprefix("https://example.org/blog/"): u.find("s:lastmod", ns).text
               for u in ET.parse(tmp_path / "out/sitemap.xml").getroot().findall("s:url", ns)}
    assert lastmod["archives/2021/01/"] == "2024-05-01" and lastmod["archives/2024/02/"] == "2024-02-01"
    assert lastmod[""] == "2024-05-01"


def test_sitemap_lists_every_post_and_listing_page(built: Path):
    import xml.etree.ElementTree as ET
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in ET.parse(built / "sitemap.xml").getroot().findall("s:url/s:loc", ns)]
    assert "https://example.org/blog/" in locs and "https://example.org/blog/page/3/" in locs
    posts = {f"https://example.org/blog/archives/p{n:02d}/" for n in range(POSTS)}
    assert posts <= set(locs)
    assert "https://example.org/blog/tags/ml/" in locs and "https://example.org/blog/archives/2024/01/" in locs
    assert len(locs) == len(set(locs))


def test_sitemap_lists_posts_whose_permalink_is_a_file(site, tmp_path: Path):
    """`permalink = "/archives/{slug}.html"`: each post is a page of its own name, listed
    at it (the sitemap listed folders' index.html only: no post at all); 404.html is no
    page of the site."""
    import xml.etree.ElementTree as ET

    root = site(archive(3))
    toml = (root / "site.toml").read_text()
    (root / "site.toml").write_text('permalink = "/archives/{slug}.html"\n' + toml)
    build_site(root, tmp_path / "out")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in ET.parse(tmp_path / "out/sitemap.xml").getroot().findall("s:url/s:loc", ns)]
    assert {f"https://example.org/blog/archives/p{n:02d}.html" for n in range(3)} <= set(locs)
    assert "https://example.org/blog/" in locs and not any("404" in loc for loc in locs)


def test_katex_assets_and_static_files_are_copied(site, tmp_path: Path):
    root = site({**archive(2), "static/CNAME": "blog.example.org\n"})
    build_site(root, tmp_path / "out")
    out = tmp_path / "out"
    assert (out / "CNAME").read_text() == "blog.example.org\n"
    for asset in ("katex/katex.min.js", "katex/katex.min.css",
                  "katex/contrib/auto-render.min.js", "css/blogbuild.css", "js/blogbuild.js"):
        assert (out / asset).is_file(), asset
    assert list((out / "katex/fonts").glob("*.woff2"))


def test_two_builds_are_byte_identical(site, tmp_path: Path):
    root = site(archive())
    # both from nothing: the second must not simply reuse the first one's renderings
    build_site(root, tmp_path / "a", use_cache=False)
    build_site(root, tmp_path / "b", use_cache=False)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_a_site_template_overrides_the_theme_file_by_file(site, tmp_path: Path):
    root = site({**archive(1), "templates/page.html": "<p id='mine'>{{ entry.page.title }}</p>\n",
                 "content/pages/about.md": "---\ntitle: 关于\n---\n关于本站\n"})
    build_site(root, tmp_path / "out")
    assert html(tmp_path / "out/about/index.html").select_one("#mine").get_text() == "关于"
    assert html(tmp_path / "out/index.html").select_one(".entry-title")  # theme's listing


def test_pages_link_the_sites_icon_below_its_path(site, tmp_path: Path):
    """A browser asks for /favicon.ico at the host's root, outside a GitHub Pages
    project site (/blog/): pages link the icon that static/ has, whatever its kind, or
    else the theme's (no page of a site without one asks for a missing file)."""
    build_site(site(archive(1)), tmp_path / "theme")
    assert html(tmp_path / "theme/index.html").select_one("link[rel=icon]")["href"] == \
        "/blog/favicon.svg"
    assert (tmp_path / "theme/favicon.svg").read_text().startswith("<svg")
    root = site({**archive(1), "static/favicon.png": "png"})
    build_site(root, tmp_path / "out")
    for page in ("index.html", "archives/p00/index.html", "404.html"):
        assert html(tmp_path / "out" / page).select_one("link[rel=icon]")["href"] == \
            "/blog/favicon.png"
    assert (tmp_path / "out/favicon.png").read_text() == "png"


def test_base_url_at_the_domain_root_gives_root_links(site, tmp_path: Path):
    root = site(archive(1))
    build_site(root, tmp_path / "out", base_url="https://blog.example.org/")
    page = html(tmp_path / "out/index.html")
    assert page.select_one(".entry-title a")["href"] == "/archives/p00/"
    assert page.select_one("link[rel=canonical]")["href"] == "https://blog.example.org/"


def test_chinese_slugs_become_percent_encoded_links_to_existing_files(site, tmp_path: Path):
    root = site({"content/posts/2024-01-01-中文标题.md": post("中文", "2024-01-01")})
    build_site(root, tmp_path / "out")
    assert (tmp_path / "out/archives/中文标题/index.html").is_file()
    link = html(tmp_path / "out/index.html").select_one(".entry-title a")["href"]
    assert link == "/blog/archives/%E4%B8%AD%E6%96%87%E6%A0%87%E9%A2%98/"


def test_parallel_rendering_writes_the_same_bytes_as_one_process(site, tmp_path: Path,
                                                                  monkeypatch):
    from blogbuild import build
    from blogbuild.build import PARALLEL_FROM
    from blogbuild.pages import OFFLOAD_FROM
    from blogbuild.parallel import Workers

    files = archive(max(PARALLEL_FROM, OFFLOAD_FROM) + 6)
    # KaTeX refuses this as written and accepts MathJax's habit rewritten: the post
    # renders again after its chunk's formulas are checked together
    habit = sorted(files)[40]
    files[habit] = files[habit].replace("正文", "正文 $\\text{style_fwd}$ ", 1)
    root = site(files)
    build_site(root, tmp_path / "one", jobs=1, use_cache=False)
    # without the cache, or the second build would find every post rendered by the first
    rendered, offloaded, here, early, staged = [], [], [], [], []
    real_pages, real_early, real_write = Workers.render_pages, Workers.early, build.write_site
    monkeypatch.setattr(Workers, "render_pages", lambda self, pages, render_here, meanwhile,
                        stage: offloaded.extend(job.output for job, _ in pages) or real_pages(
                            self, pages, lambda pairs: here.extend(pairs) or render_here(pairs),
                            meanwhile, stage))
    monkeypatch.setattr(Workers, "early", lambda self, job, left: (
        early.append(job.slug) or real_early(self, job, left)))
    monkeypatch.setattr(build, "write_site", lambda files, *args, **options: (
        staged.extend(f.path for f in files if f.staged) or real_write(files, *args, **options)))
    switching = sys.getswitchinterval()
    build_site(root, tmp_path / "two", jobs=2, use_cache=False,
               progress=lambda done, total: rendered.append((done, total)))
    assert sys.getswitchinterval() == switching  # the caller's again, once workers are gone
    posts = max(PARALLEL_FROM, OFFLOAD_FROM) + 6
    assert rendered[-1] == (posts, posts)  # every post by the workers
    assert len(set(early)) == posts  # each handed over as it was parsed (nothing cached)
    assert len(offloaded) == posts and all(o.startswith("archives/") for o in offloaded)
    assert len(here) < len(offloaded)  # the worker rendered some post pages
    # and wrote them (no output yet: into the new one), as this process did the rest
    assert sorted(staged) == sorted(p.relative_to(tmp_path / "one").as_posix()
                                    for p in (tmp_path / "one").rglob("*.html"))
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", "site", "two"]
    shown = html(tmp_path / "two" / "archives" / Path(habit).stem.split("-")[-1] / "index.html")
    assert "\\(\\text{style\\_fwd}\\)" in [m.get_text() for m in shown.select("article .math")]


def test_a_build_whose_worker_dies_is_finished_by_the_main_process(site, tmp_path,
                                                                  monkeypatch):
    """A worker killed mid-build (the OOM killer, say): its chunks come back and the main
    process renders them; the output is that of a one-process build, with a warning."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from blogbuild.build import PARALLEL_FROM
    from blogbuild.parallel import Workers

    class DeadPool:
        """A pool whose worker dies on its first call: that call fails, and the pool
        refuses every one after, as concurrent.futures does."""

        broken = False

        def submit(self, *args) -> Future:
            if self.broken:
                raise BrokenProcessPool("the process pool is not usable anymore")
            self.broken = True
            future: Future = Future()
            future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
            return future

        def shutdown(self, **options) -> None:
            pass

    root = site(archive(PARALLEL_FROM + 6))
    build_site(root, tmp_path / "one", jobs=1, use_cache=False)
    dead = DeadPool()
    monkeypatch.setattr(Workers, "_started", lambda self: dead)
    report = build_site(root, tmp_path / "two", jobs=2, use_cache=False)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    assert [p.path for p in report.warnings] == ["--jobs"]
    assert "ended abruptly" in report.warnings[0].message


def test_formulas_katex_refuses_are_reported_alike_by_one_process_and_by_workers(site, tmp_path):
    """Posts and comments are checked by KaTeX in batches: a refused formula is still
    reported at its file and line, in the body, the title or a comment."""
    from blogbuild.build import PARALLEL_FROM
    from blogbuild.problems import ContentErrors

    files = archive(PARALLEL_FROM + 6)
    body, title = sorted(files)[10], sorted(files)[50]
    files[body] = files[body].replace("正文", "正文\n\n坏 $\\frac{$\n", 1)
    files[title] = files[title].replace("title: ", "title: $\\badcommand$ ", 1)
    files["content/comments/p05.yaml"] += "- id: 900\n  author: 读者\n  date: 2024-02-09 09:00\n" \
                                          "  body: 又坏 $\\left( x$\n"
    root = site(files)
    reported = []
    for jobs in (1, 2):
        with pytest.raises(ContentErrors) as raised:
            build_site(root, tmp_path / f"out{jobs}", jobs=jobs, use_cache=False)
        reported.append([(p.path, p.line) for p in raised.value.problems])
    assert reported[0] == reported[1]
    assert sorted(reported[0]) == sorted([(body, 13), (title, 2),
                                          ("content/comments/p05.yaml", 20)])


def test_a_broken_post_fails_a_parallel_build_after_others_were_handed_over(site, tmp_path):
    from blogbuild.build import PARALLEL_FROM
    from blogbuild.problems import ContentErrors

    files = archive(PARALLEL_FROM + 6)
    last = sorted(files)[-1]
    files[last] = files[last].replace("title:", "title: [unclosed", 1)
    with pytest.raises(ContentErrors) as raised:
        build_site(site(files), tmp_path / "out", jobs=2, use_cache=False)
    assert [p.path for p in raised.value.problems] == [last]
    assert not (tmp_path / "out").exists()


def test_a_parallel_build_that_fails_after_its_workers_wrote_pages_leaves_nothing(site,
                                                                              tmp_path):
    """With no output yet, workers write the post pages they render beside it; a build
    that fails after that (here: a static file where a post page goes) removes them."""
    from blogbuild.build import PARALLEL_FROM
    from blogbuild.pages import OFFLOAD_FROM
    from blogbuild.problems import ContentErrors

    files = archive(max(PARALLEL_FROM, OFFLOAD_FROM) + 6)
    files["static/archives/p03/index.html"] = "<p>mine</p>"
    with pytest.raises(ContentErrors) as raised:
        build_site(site(files), tmp_path / "out", jobs=2, use_cache=False)
    assert "archives/p03/index.html" in raised.value.problems[0].message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_parallel_build_that_fails_while_its_workers_write_pages_leaves_nothing(
        site, tmp_path):
    """A template error in a listing, rendered here while the worker writes post pages
    into the new output: the build waits for the worker's chunks before it removes
    that folder, so none is written again after (a hidden folder of pages, each build)."""
    from blogbuild.build import PARALLEL_FROM
    from blogbuild.pages import OFFLOAD_FROM
    from blogbuild.problems import ContentErrors

    files = archive(max(PARALLEL_FROM, OFFLOAD_FROM) + 40)
    for name in [n for n in files if n.startswith("content/posts/")]:
        files[name] += "很长的正文。" * 3000  # post pages that take the worker a while
    files["templates/listing.html"] = "{{ no_such_variable }}\n"
    with pytest.raises(ContentErrors) as raised:
        build_site(site(files), tmp_path / "out", jobs=2, use_cache=False)
    assert "no_such_variable" in raised.value.problems[0].message
    time.sleep(1)  # a worker still writing would have made its folders by now
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_template_error_names_the_template_it_is_in_even_when_included(site, tmp_path):
    from blogbuild.problems import ContentErrors

    files = {**archive(2), "templates/_entries.html": "<ul>\n{{ no_such_variable.x }}\n</ul>\n",
             "templates/listing.html": "{% extends 'base.html' %}{% block content %}\n"
                                       "{% include '_entries.html' %}\n{% endblock %}\n"}
    with pytest.raises(ContentErrors) as raised:
        build_site(site(files), tmp_path / "out", use_cache=False)
    [problem] = raised.value.problems
    assert (problem.path, problem.line) == ("templates/_entries.html", 2)
    assert "rendering index.html, from " in problem.message


@pytest.mark.parametrize("jobs", [1, 2])
def test_every_template_error_is_reported_in_one_run_each_once(site, tmp_path, jobs):
    """A field only some posts have fails on the others' pages, and a second template
    has an error of its own: the author hears of both at once (not of the next after
    mending the first), each once, at the first page that met it, with how many more.
    Post pages render on the workers with -j 2."""
    from blogbuild.build import PARALLEL_FROM
    from blogbuild.pages import OFFLOAD_FROM
    from blogbuild.problems import ContentErrors

    files = archive(max(PARALLEL_FROM, OFFLOAD_FROM) + 2)
    files = {name: text.replace("views:", "cover: a.png\nviews:") if name.endswith("p00.md")
             else text for name, text in files.items()}
    files["templates/post.html"] = ("{% extends 'base.html' %}{% block content %}\n"
                                    "{{ entry.post.extra.cover.upper() }}\n{% endblock %}\n")
    files["templates/archive.html"] = ("{% extends 'base.html' %}{% block content %}\n\n"
                                       "{{ archive.months + 1 }}\n{% endblock %}\n")
    with pytest.raises(ContentErrors) as raised:
        build_site(site(files), tmp_path / "out", jobs=jobs, use_cache=False)
    problems = sorted(raised.value.problems)
    assert [(p.path, p.line) for p in problems] == [("templates/archive.html", 3),
                                                    ("templates/post.html", 2)]
    assert problems[0].message.startswith("template error: TypeError: ")
    assert "has no attribute 'cover'" in problems[1].message
    posts = sum(1 for name in files if name.startswith("content/posts/"))
    assert problems[1].message.endswith(f"; and on {posts - 2} more pages")  # all but p00
    assert not (tmp_path / "out").exists()


def test_a_template_error_met_on_the_workers_is_told_once_with_its_count(site, tmp_path):
    """Post pages render on the worker processes (-j 2): the error comes from there."""
    from blogbuild.build import PARALLEL_FROM
    from blogbuild.pages import OFFLOAD_FROM
    from blogbuild.problems import ContentErrors

    files = archive(max(PARALLEL_FROM, OFFLOAD_FROM) + 2)
    files["templates/post.html"] = "{{ entry.post.extra.cover.upper() }}\n"
    with pytest.raises(ContentErrors) as raised:
        build_site(site(files), tmp_path / "out", jobs=2, use_cache=False)
    [problem] = raised.value.problems
    posts = sum(1 for name in files if name.startswith("content/posts/"))
    assert (problem.path, problem.line) == ("templates/post.html", 1)
    assert problem.message.endswith(f"; and on {posts - 1} more pages")


def test_a_template_that_fails_as_it_renders_is_reported_with_the_contents_errors(site, tmp_path):
    """A field only some posts have, used unguarded, was told only once a formula
    elsewhere was mended: a second round of errors (an author's review). The post with
    the error is not rendered (its file is wrong already); the others are."""
    from blogbuild.problems import ContentErrors

    files = {"content/posts/a.md": post("甲", "2024-01-01", "$\\frac{a$\n"),
             "content/posts/b.md": post("乙", "2024-01-02", subtitle="副题"),
             "content/posts/c.md": post("丙", "2024-01-03"),
             "templates/post.html": "{% extends 'base.html' %}{% block content %}\n"
                                    "{{ entry.post.extra.subtitle.upper() }}\n{% endblock %}\n"}
    with pytest.raises(ContentErrors) as raised:
        build_site(site(files), tmp_path / "out", use_cache=False)
    errors = [p for p in raised.value.problems if not p.warning]
    assert [(p.path, p.line) for p in errors] == [("content/posts/a.md", 5),
                                                 ("templates/post.html", 2)]
    assert "has no attribute 'subtitle'" in errors[1].message
    assert not (tmp_path / "out").exists()


def test_a_content_error_brings_no_error_of_a_template_no_page_uses(site, tmp_path):
    """A scratch page.html in a site without standalone pages is no problem of the site,
    with or without a formula KaTeX refuses (which reports the used templates' errors
    with it: build, serve)."""
    from blogbuild.problems import ContentErrors

    files = {"content/posts/a.md": post("甲", "2024-01-01", "$\\frac{a$\n"),
             "templates/page.html": "{% if x %}\n"}
    with pytest.raises(ContentErrors) as raised:
        build_site(site(files), tmp_path / "out", use_cache=False)
    assert [p.path for p in raised.value.problems] == ["content/posts/a.md"]


@pytest.mark.parametrize("line, message", [
    ("{{ listing.heading + 1 }}", "template error: TypeError: "),
    # a name no page has (Hugo's habit) is not "a value only some pages have"
    ("{{ site.title }}", "template error: 'site' is undefined; no page has `site`: this one's "
                         "variables are `layout`, `listing`, and every page's functions "
                         "`absolute_url`, `bibtex`, `citation_meta`, `labels`, `series_window`, "
                         "`url` (Hugo's and Jekyll's `site`: the site's title is "
                         "`layout.site_title`; "),
    ("{{ listin.heading }}", "template error: 'listin' is undefined; no page has `listin`: this "
                             "one's variables are `layout`, `listing`, and every page's functions "
                             "`absolute_url`, `bibtex`, `citation_meta`, `labels`, "
                             "`series_window`, `url` (did you mean `listing`?) (rendering "),
    ("{{ lables.page }}", "template error: 'lables' is undefined; no page has `lables`: "),
    # a variable of another kind of page: a post's `entry` in a template listings use too
    ("{{ entry.post.title }}", "template error: 'entry' is undefined; a value only some "
                               "pages have: test it first "),
    ("{{ listing.subtitle.x }}", "template error: 'blogbuild.pages.ListingPage object' has no "
                                 "attribute 'subtitle'; a value only some pages have: test it "),
    # Jinja's own message is the bare name ("template error: nothere.html")
    ("{% include 'nothere.html' %}", "template error: no template 'nothere.html' in the "
                                     "site's templates/ nor in the theme's; "),
], ids=["python error", "another generator's variable", "misspelt variable",
        "misspelt function", "another page's variable", "missing value", "missing include"])
def test_an_error_while_a_template_renders_is_a_problem_at_its_line_not_a_traceback(
        site, tmp_path, line, message):
    from blogbuild.problems import ContentErrors

    files = {**archive(2), "templates/listing.html": "{% extends 'base.html' %}{% block content %}\n"
                                                     f"{line}\n{{% endblock %}}\n"}
    with pytest.raises(ContentErrors) as raised:
        build_site(site(files), tmp_path / "out", use_cache=False)
    [problem] = raised.value.problems
    assert (problem.path, problem.line) == ("templates/listing.html", 2)
    assert problem.message.startswith(message)


def test_every_variable_a_page_is_given_is_known_to_the_error_messages(site, monkeypatch):
    """pages.PAGE_VARIABLES tells "a value only some pages have" from "no page has it":
    it must name what plan_pages gives the pages, no less (a misleading hint) and no
    more; a misspelt function of the theme's is matched too."""
    import blogbuild.pages as pages
    from blogbuild.build import plan_site
    from blogbuild.problems import ContentErrors

    root = site({**archive(3), "content/pages/about.md": "---\ntitle: 关于\naliases: [/me/]\n"
                 "---\n正文\n", "templates/page.html": "{{ lables.page }}\n"})
    with pytest.raises(ContentErrors) as raised:
        plan_site(root)
    assert "(did you mean `labels`?)" in raised.value.problems[0].message
    (root / "templates/page.html").unlink()
    given: set[str] = set()
    render = pages._render

    def spy(env, job, **context):
        given.update(context)
        return render(env, job, **context)
    monkeypatch.setattr(pages, "_render", spy)
    plan_site(root)  # every page, of every kind
    assert given == pages.PAGE_VARIABLES


def test_a_template_reads_the_extra_table_and_its_change_renders_every_page_again(site,
                                                                                  tmp_path):
    files = {**archive(2), "templates/base.html": "<p>{{ layout.extra.github }}</p>\n"}
    root = site(files)
    toml = (root / "site.toml").read_text(encoding="utf-8")
    (root / "site.toml").write_text(toml + '[extra]\ngithub = "https://github.com/me"\n',
                                    encoding="utf-8")
    build_site(root, tmp_path / "out")
    assert (tmp_path / "out/index.html").read_text() == "<p>https://github.com/me</p>\n"
    (root / "site.toml").write_text(toml + '[extra]\ngithub = "https://github.com/you"\n',
                                    encoding="utf-8")
    build_site(root, tmp_path / "out")
    assert {p.read_text() for p in (tmp_path / "out").rglob("*.html")} == {
        "<p>https://github.com/you</p>\n"}


def test_a_pages_weight_orders_the_menu_as_hugos_does(site, tmp_path):
    """The menu listed the pages by slug, with nothing to change it."""
    root = site({**archive(1), "content/pages/about.md": "---\ntitle: 关于\nweight: 10\n---\n",
                 "content/pages/links.md": "---\ntitle: 链接\nweight: -1\n---\n",
                 "content/pages/zoo.md": "---\ntitle: 动物园\n---\n"})
    build_site(root, tmp_path / "out")
    menu = [a.get_text() for a in html(tmp_path / "out/index.html").select(".site-nav a")]
    assert [name for name in menu if name in ("关于", "链接", "动物园")] == ["链接", "动物园", "关于"]


def test_an_old_address_leads_to_its_post_and_is_no_page_of_the_sitemap(site, tmp_path):
    root = site({**archive(2), "content/posts/old.md": post(
        "旧文", "2023-05-01", "正文\n", aliases="[/archives/9881/, /2015/03/old.html]"),
        "content/pages/about.md": "---\ntitle: 关于\naliases: /about-me/\n---\n正文\n"})
    build_site(root, tmp_path / "out")
    for alias, target in (("archives/9881/index.html", "archives/old/"),
                          ("2015/03/old.html", "archives/old/"),
                          ("about-me/index.html", "about/")):
        page = html(tmp_path / "out" / alias)
        assert page.find("link", rel="canonical")["href"] == f"https://example.org/blog/{target}"
        assert page.find("meta", attrs={"http-equiv": "refresh"})["content"] == \
            f"0; url=/blog/{target}"
        assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = {e.text for e in ElementTree.parse(tmp_path / "out/sitemap.xml").getroot()
            .findall("s:url/s:loc", ns)}
    assert "https://example.org/blog/archives/old/" in locs
    assert not [loc for loc in locs if "9881" in loc or "old.html" in loc or "about-me" in loc]


def test_an_old_address_where_a_page_is_fails_the_build_naming_both_files(site, tmp_path):
    from blogbuild.problems import ContentErrors

    root = site({**archive(2), "content/posts/old.md": post(
        "旧文", "2023-05-01", "正文\n", aliases="[/archives/p01/]")})
    with pytest.raises(ContentErrors) as raised:
        build_site(root, tmp_path / "out")
    assert [str(p) for p in raised.value.problems] == [
        "content/posts/old.md:4: alias /archives/p01/ is where the page of "
        "content/posts/2024/2024-01-02-p01.md is written: remove it, or change that slug"]
    # where a listing is: found when the output's paths are, with the post that heads it
    (root / "content/posts/old.md").write_text(post("旧文", "2023-05-01", "正文\n",
                                                    aliases="[/tags/数学/]"))
    with pytest.raises(ContentErrors) as raised:
        build_site(root, tmp_path / "out")
    assert [str(p) for p in raised.value.problems] == [
        "content/posts/old.md: writes tags/数学/index.html, which "
        "content/posts/2024/2024-01-02-p01.md writes too; change one of their slugs, "
        "`aliases` or paths"]


def test_editor_litter_in_static_is_not_published(site, tmp_path):
    """A swap or backup file beside a static file being edited: serve ignored it, build
    copied it into the site."""
    root = site({**archive(1), "static/notes/a.txt": "a", "static/notes/a.txt~": "old a",
                 "static/notes/.a.txt.swp": "vim", "static/.DS_Store": "finder",
                 "static/data/old.bak": "kept"})
    build_site(root, tmp_path / "out")
    assert (tmp_path / "out/notes/a.txt").is_file()
    assert not [p.name for p in (tmp_path / "out/notes").iterdir() if p.name != "a.txt"]
    assert not (tmp_path / "out/.DS_Store").exists()
    # any other file is copied as it is (SPEC: static/ "copied as-is"), a .bak too
    assert (tmp_path / "out/data/old.bak").read_text() == "kept"


def test_the_pager_links_the_first_last_and_nearby_pages():
    from blogbuild.pages import paginate
    pages = paginate(tuple(range(95)), 5, "", "")
    assert len(pages) == 19
    shown = [[None if link is None else link[0] for link in page.page_links] for page, _ in pages]
    assert shown[0] == [1, 2, 3, None, 19]
    assert shown[9] == [1, None, 8, 9, 10, 11, 12, None, 19]
    assert shown[3] == [1, 2, 3, 4, 5, 6, None, 19]
    assert shown[18] == [1, None, 17, 18, 19]
    # a gap of one number shows that number: it takes the room the "…" would
    assert shown[4] == [1, 2, 3, 4, 5, 6, 7, None, 19]
    assert shown[15] == [1, None, 14, 15, 16, 17, 18, 19]
    assert pages[9][0].page_links[2] == (8, "page/8/")
    assert [[link[0] for link in page.page_links] for page, _ in paginate((1, 2), 5, "", "")] == [[1]]


def test_a_full_content_feed_links_equations_footnotes_and_itself_absolutely(site, tmp_path: Path):
    root = site({"site.toml": 'title = "t"\nbase_url = "https://example.org/blog/"\n'
                              "[feed]\nfull_content = true\n[search]\nenabled = false\n",
                 "content/posts/a.md": post("甲", "2024-01-01", "见\\eqref{e}与脚注[^1]，$2\\eqref{e}$。\n\n"
                                            "\\begin{equation}e\\label{e}\\end{equation}\n\n"
                                            "[^1]: 注。\n")})
    build_site(root, tmp_path / "out")
    for name in ("feed.xml", "atom.xml"):
        feed = feedparser.parse((tmp_path / "out" / name).read_bytes())
        assert not feed.bozo, (name, feed.bozo_exception)
        assert [link.href for link in feed.feed.links if link.rel == "self"] == [
            f"https://example.org/blog/{name}"]
        assert feed.feed.link == "https://example.org/blog/"
        [content] = feed.entries[0].content
        assert content.type == "text/html" and feed.entries[0].summary_detail.type == "text/html"
        # the whole post in the content, the excerpt (its first paragraph) as the summary
        assert 'class="footnotes' in content.value
        assert 'class="footnotes' not in feed.entries[0].summary
        body = BeautifulSoup(content.value, "html.parser")
        hrefs = [a["href"] for a in body.select("a[href]")]
        assert hrefs and all(h.startswith("https://example.org/blog/archives/a/#") for h in hrefs), hrefs
        # a reference inside a formula is TeX there: its \href too, in the post and its excerpt
        for html in (content.value, feed.entries[0].summary):
            assert "\\href{https://example.org/blog/archives/a/#eq-1}" in html


@pytest.mark.parametrize("render", ["client", "build"])
def test_feeds_write_out_the_site_macros_their_readers_do_not_know(site, tmp_path: Path,
                                                                   render: str):
    """site.toml's macros are the site's own: a feed reader's KaTeX or MathJax knows
    none of them, so the feeds carry each formula with them written out; a command a
    post defines itself stays the post's."""
    from blogbuild.katex import KatexEngine
    from blogbuild.mathrender import FORMULA_ELEMENT

    root = site({"site.toml": 'title = "t"\nbase_url = "https://example.org/"\n'
                              "[feed]\nfull_content = true\n[search]\nenabled = false\n"
                              f'[math]\nrender = "{render}"\n'
                              'macros = { "\\\\E" = "\\\\mathbb{E}", '
                              '"\\\\norm" = "\\\\left\\\\Vert #1\\\\right\\\\Vert" }\n',
                 "content/posts/a.md": post("甲", "2024-01-01",
                                            "设 $\\E[x] < \\norm{x}_2$。\n\n<!--more-->\n\n"
                                            "$$\\newcommand{\\norm}{N}\\norm + \\E y$$\n")})
    build_site(root, tmp_path / "out")
    feed = feedparser.parse((tmp_path / "out/atom.xml").read_bytes())
    formulas = [(unescape(found.group(3)), found.group(2) == "[")
                for text in (feed.entries[0].summary, feed.entries[0].content[0].value)
                for found in FORMULA_ELEMENT.finditer(text)]
    assert [tex for tex, _ in formulas] == [
        "\\mathbb{E}[x] < \\left\\Vert x\\right\\Vert_2",
        "\\mathbb{E}[x] < \\left\\Vert x\\right\\Vert_2",
        "\\def\\norm{N}\\norm + \\mathbb{E}y"]  # (as the page has it, for KaTeX)
    engine = KatexEngine({}, None, html=False)  # a reader's: no site macros
    try:
        assert [answer.error for answer in engine.typeset(formulas, trusted=False)] == [None] * 3
    finally:
        engine.close()
    page = (tmp_path / "out/archives/a/index.html").read_text(encoding="utf-8")
    assert render == "build" or "\\E[x]" in page  # the page's KaTeX has the macros


def test_links_in_raw_html_work_wherever_the_excerpt_is_shown(site, tmp_path: Path):
    """A WordPress or kramdown post links in raw HTML as often as in Markdown: relative
    to the post, its links and images work in excerpts on listings and in the feeds
    too, as its Markdown links do; a fragment leads to the post from elsewhere."""
    root = site({"site.toml": 'title = "t"\nbase_url = "https://example.org/blog/"\n'
                              "[search]\nenabled = false\n",
                 "content/posts/b.md": post("乙", "2024-01-01"),
                 "content/posts/a.md": post("甲", "2024-01-02",
                                            "见 [b](../b/)、<a href='../b/'>b</a>、<a href=\"#more\">下文</a>"
                                            "、<A HREF=../b/>B</A>。\n\n"
                                            '<img src="fig.png" srcset="fig.png 1x, fig2.png 2x" alt="图">\n\n'
                                            "<!--more-->\n\n## 下文 {#more}\n")})
    build_site(root, tmp_path / "out")
    wanted = {"a": ["/blog/archives/b/", "/blog/archives/b/", "/blog/archives/a/#more",
                    "/blog/archives/b/"],
              "img": ("/blog/archives/a/fig.png",
                      "/blog/archives/a/fig.png 1x, /blog/archives/a/fig2.png 2x")}
    for listing in ("index.html", "archives/2024/01/index.html"):
        excerpt = html(tmp_path / "out" / listing).select_one(".excerpt")
        assert [a["href"] for a in excerpt.select("p a")] == wanted["a"], listing
        assert (excerpt.img["src"], excerpt.img["srcset"]) == wanted["img"], listing
    page = html(tmp_path / "out/archives/a/index.html").select_one(".post-body")
    assert [a["href"] for a in page.select("p a")] == [*wanted["a"][:2], "#more", wanted["a"][3]]
    # (feedparser's sanitizer drops srcset: the entries are read as written)
    for name, summary in (("feed.xml", "channel/item/description"),
                          ("atom.xml", "{http://www.w3.org/2005/Atom}entry/"
                                       "{http://www.w3.org/2005/Atom}summary")):
        entry = ElementTree.parse(tmp_path / "out" / name).getroot().find(summary)
        excerpt = BeautifulSoup(entry.text, "html.parser")
        assert [a["href"] for a in excerpt.select("a")][:4] == [
            "https://example.org" + href for href in wanted["a"]], name
        assert (excerpt.img["src"], excerpt.img["srcset"]) == (
            "https://example.org/blog/archives/a/fig.png",
            "https://example.org/blog/archives/a/fig.png 1x, "
            "https://example.org/blog/archives/a/fig2.png 2x"), name


def test_a_chinese_path_in_base_url_is_percent_encoded_in_the_feeds_as_elsewhere(
        site, tmp_path: Path):
    root = site({"content/posts/a.md": post("甲", "2024-01-01")})
    build_site(root, tmp_path / "out", base_url="https://example.com/博客/")
    home = "https://example.com/%E5%8D%9A%E5%AE%A2/"
    for name in ("feed.xml", "atom.xml"):
        feed = feedparser.parse((tmp_path / "out" / name).read_bytes())
        links = {link.rel: link.href for link in feed.feed.links}
        assert (feed.feed.link, links["self"], feed.entries[0].link) == (
            home, home + name, home + "archives/a/"), name
    assert feed.feed.id == home


def test_control_characters_pasted_into_a_post_are_warned_of_and_kept_out_of_the_feeds(
        site, tmp_path: Path):
    """No XML holds a backspace or a form feed (a WordPress export has them): the feeds
    leave them out instead of failing the build, and the author is told where."""
    root = site({"site.toml": 'title = "t"\nbase_url = "https://example.org/"\n'
                              "[feed]\nfull_content = true\n[search]\nenabled = false\n",
                 "content/posts/a.md": post('"退格\\b标题"', "2024-01-01",
                                            "正文\x08有退格。\n\n<!--more-->\n\n换页\x0c在此。\n",
                                            tags="[\"甲\\f乙\"]", author='"作\\a者"')})
    report = build_site(root, tmp_path / "out")
    assert [str(p) for p in report.warnings] == [
        "content/posts/a.md:7: warning: an invisible control character (U+0008), which feeds "
        "leave out: delete it"]
    for name in ("feed.xml", "atom.xml"):
        feed = feedparser.parse((tmp_path / "out" / name).read_bytes())
        assert not feed.bozo, (name, feed.bozo_exception)
        entry = feed.entries[0]
        assert entry.title == "退格标题"
        if name == "atom.xml":  # (RSS names no author without an e-mail address)
            assert entry.author == "作者"
        assert [tag.term for tag in entry.tags] == ["甲乙"]
        assert "正文有退格" in entry.summary and "换页在此" in entry.content[0].value


@pytest.mark.parametrize("render", ["client", "build"])
def test_a_standalone_pages_title_renders_its_formula_on_the_page_and_in_the_header(
        site, tmp_path: Path, render: str):
    root = site({"site.toml": 'title = "t"\nbase_url = "https://example.org/"\n'
                              f'[math]\nrender = "{render}"\n[search]\nenabled = false\n',
                 "content/posts/a.md": post("甲", "2024-01-01"),
                 "content/pages/about.md": "---\ntitle: 关于$\\pi$\n---\n\n正文。\n"})
    build_site(root, tmp_path / "out")
    page = html(tmp_path / "out/about/index.html")
    for element in (page.select_one("h1.post-title"), page.select_one(".site-nav a[href='/about/']")):
        assert "$" not in element.get_text() and element.select_one(".math.inline") is not None
        assert (element.select_one(".katex") is not None) == (render == "build")
    assert page.title.get_text().startswith("关于$\\pi$")
