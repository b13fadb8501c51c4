"""The link checker: hand-written output folders, a broken fixture site, and the CLI."""

from __future__ import annotations

import shutil
import socket
import textwrap
from pathlib import Path

import pytest

from blogbuild.build import build_site
from blogbuild.cli import main
from blogbuild.linkcheck import LinkProblem, check_links, css_urls
from conftest import REPO, post

BASE = "https://example.org/blog/"
FIXTURE = REPO / "tests/fixtures/links/broken-site"


def output(root: Path, files: dict[str, str]) -> Path:
    """A built site written by hand: path below the output folder → text."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def page(body: str) -> str:
    return f"<!DOCTYPE html><html><head></head><body>{body}</body></html>"


def problems(out: Path, base_url: str = BASE) -> list[tuple[str, str, str]]:
    return [(p.page, p.link, p.problem) for p in check_links(out, base_url).problems]


def test_a_site_whose_links_all_resolve_has_no_problems(tmp_path: Path):
    out = output(tmp_path, {
        "index.html": page('<a href="/blog/archives/%E4%B8%AD%E5%80%BC/#eq-1">中值</a>'
                           '<a href="archives/%E4%B8%AD%E5%80%BC/#comment-7">c</a>'
                           '<a href="https://example.org/blog/about/">abs</a>'
                           '<a href="/blog">root</a><a href="#top">top</a><a href="">self</a>'
                           '<img src="/blog/img/a.png" srcset="/blog/img/a.png 1x, img/b.png 2x">'
                           '<img src="data:image/png;base64,AAAA">'
                           '<a href="mailto:me@example.org">mail</a>'
                           '<a name="old-anchor"></a><a href="#old-anchor">old</a>'),
        "archives/中值/index.html": page('<div id="eq-1"></div><li id="comment-7"></li>'
                                       '<a href="../../">home</a>'
                                       '<link rel="stylesheet" href="/blog/css/site.css">'),
        "about/index.html": page("<p>about</p>"),
        "img/a.png": "png", "img/b.png": "png",
        "css/site.css": "body { background: url('../img/a.png') } @import \"more.css\";",
        "css/more.css": "p { color: red }",
    })
    assert check_links(out, BASE).problems == []


@pytest.mark.parametrize("base_url", ["https://example.org/博客/", "https://example.org/%E5%8D%9A%E5%AE%A2/"])
def test_a_site_under_a_chinese_path_checks_clean_however_base_url_is_written(tmp_path: Path,
                                                                              base_url: str):
    """Pages and feeds write the path percent-encoded; site.toml may write it either way."""
    from conftest import write_site

    site = write_site(tmp_path / "site", {
        "site.toml": f'title = "t"\nbase_url = "{base_url}"\n[search]\nenabled = false\n',
        "content/posts/a.md": post("甲", "2024-01-01", "见[乙](/博客/archives/b/)。\n", tags="[标签]"),
        "content/posts/b.md": post("乙", "2024-01-02", "正文。\n")})
    build_site(site, tmp_path / "out")
    assert check_links(tmp_path / "out", base_url).problems == []


def test_a_broken_link_a_missing_anchor_and_a_missing_image_are_each_reported(tmp_path: Path):
    site = tmp_path / "site"
    shutil.copytree(FIXTURE, site)  # a build writes its cache into the site folder
    build_site(site, tmp_path / "out")
    assert problems(tmp_path / "out") == [
        ("archives/broken/index.html", "#no-such-anchor",
         'no id="no-such-anchor" on archives/broken/index.html'),
        ("archives/broken/index.html", "/blog/archives/no-such-post/",
         "no such file: archives/no-such-post/index.html"),
        ("archives/broken/index.html", "/blog/images/missing.png",
         "no such file: images/missing.png"),
    ]


def test_check_links_prints_page_link_problem_and_exits_1_without_touching_dist(
        tmp_path: Path, capsys):
    site = tmp_path / "site"
    shutil.copytree(FIXTURE, site)
    assert main(["check", str(site), "--links"]) == 1
    err = capsys.readouterr().err.splitlines()
    # each at the line it is written on, as written, once (the post page and the feeds
    # show the image; the excerpt's listings would show an in-page link as absolute)
    assert err == [
        "content/posts/2024-01-01-broken.md:13: ../no-such-post/ -> no such file: "
        "archives/no-such-post/index.html",
        "content/posts/2024-01-01-broken.md:14: #no-such-anchor -> no id=\"no-such-anchor\" "
        "on archives/broken/index.html",
        "content/posts/2024-01-01-broken.md:16: /blog/images/missing.png -> no such file: "
        "images/missing.png",
        "error: 3 broken links"]
    assert not (site / "dist").exists()


def test_a_url_python_cannot_read_is_a_broken_link_at_its_line_not_a_traceback(site, capsys):
    """A placeholder host (`http://[server-ip]:8888/`, read as an IPv6 address) made
    urlsplit raise in the checker and in the search for where the link is written."""
    root = site({"site.toml": 'title = "T"\nbase_url = "https://example.org/"\n'
                              "[search]\nenabled = false\n[feed]\nfull_content = true\n",
                 "content/posts/a.md": post("A", "2024-01-01",
                                            '见 <a href="http://[server-ip]:8888/">J</a>。\n')})
    assert main(["check", "--links", str(root)]) == 1
    assert capsys.readouterr().err.splitlines()[-2:] == [
        "content/posts/a.md:5: http://[server-ip]:8888/ -> not a URL a browser can follow "
        "(its host, between [ and ], is no address)", "error: 1 broken link"]


def test_a_broken_link_is_reported_where_it_is_written_once_for_all_pages_showing_it(
        site, capsys):
    """An excerpt's link is on the post, its listings and both feeds, rewritten (an
    in-page `#x` becomes the post's URL on a listing); a relative link is matched in
    the post it is written in, not in another post that writes the same text, nor in
    a code block showing it; a template's link stays at the page, even where a draft
    (which no build reads) writes the same."""
    root = site({
        "site.toml": 'title = "T"\nbase_url = "https://example.org/blog/"\n'
                     "[search]\nenabled = false\n[feed]\nfull_content = true\n",
        "content/posts/a.md": post("A", "2024-01-01", "Intro [x](#gone) [y](../nosuch/).\n"),
        "content/posts/b.md": post("B", "2024-01-02", "Fine [y](../a/) [z](/blog/missing/).\n"),
        "content/posts/c.md": post("C", "2024-01-03", "```markdown\n[y](../nosuch/)\n```\n\n"
                                   "`[y](../nosuch/)` is written [y](../nosuch/).\n"),
        "content/posts/d.md": post("D", "2024-01-04", "[t](/blog/no-template-target/)\n",
                                   draft="true"),
        "content/comments/b.yaml": "- id: 1\n  author: 读者\n  date: 2024-01-03\n"
                                   "  body: see <https://example.org/blog/gone.html>\n",
        "templates/404.html": '{% extends "base.html" %}{% block content %}'
                              '<a href="/blog/no-template-target/">x</a>{% endblock %}\n'})
    expected = [
        "404.html: /blog/no-template-target/ -> no such file: no-template-target/index.html",
        "content/comments/b.yaml:4: https://example.org/blog/gone.html -> no such file: gone.html",
        'content/posts/a.md:5: #gone -> no id="gone" on archives/a/index.html',
        "content/posts/a.md:5: ../nosuch/ -> no such file: archives/nosuch/index.html",
        "content/posts/b.md:5: /blog/missing/ -> no such file: missing/index.html",
        "content/posts/c.md:9: ../nosuch/ -> no such file: archives/nosuch/index.html",
        "error: 6 broken links"]
    assert main(["check", str(root), "--links"]) == 1
    assert [line for line in capsys.readouterr().err.splitlines()
            if "warning" not in line] == expected
    # build --check-links says the same, a second time too (nothing changed: the sources
    # of the pages are those the first build recorded)
    for _ in range(2):
        assert main(["build", str(root), "--check-links"]) == 1
        err = [line for line in capsys.readouterr().err.splitlines()
               if "warning" not in line and not line.startswith(("built", "nothing changed"))]
        assert err == [*expected, f"the site was written to {root / 'dist'} all the same"]


def test_build_check_links_exits_1_and_keeps_the_output(tmp_path: Path, capsys):
    site = tmp_path / "site"
    shutil.copytree(FIXTURE, site)
    assert main(["build", str(site), "--check-links"]) == 1
    err = capsys.readouterr().err
    assert "error: 3 broken links" in err and "written to" in err
    assert (site / "dist/archives/broken/index.html").is_file()


def test_check_crawls_the_links_unless_told_not_to(tmp_path: Path, capsys):
    """SPEC: check validates "config, front matter, links and every formula"."""
    site = tmp_path / "site"
    shutil.copytree(FIXTURE, site)
    assert main(["check", str(site)]) == 1
    assert "no such file: archives/no-such-post/index.html" in capsys.readouterr().err
    assert main(["check", str(site), "--no-links"]) == 0
    assert "no such file" not in capsys.readouterr().err


def test_a_check_stopped_by_errors_says_the_links_wait_for_the_site_to_build(site, capsys):
    """An author mended the errors and met a second round of them: the broken links."""
    root = site({"content/posts/a.md": post("a", "2024-01-01", body="$\\frac{1}{$ [x](../nope/)")})
    assert main(["check", str(root)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-2:] == ["error: 1 problem found", "links not checked: they are, once the site "
                        "builds (mend the problems above, then check again)"]
    assert main(["check", str(root), "--no-links"]) == 1
    assert "links not checked" not in capsys.readouterr().err


def test_list_external_prints_each_external_link_once_sorted_and_fetches_none(site, capsys):
    root = site({"content/posts/a.md": post("a", "2024-01-01", body="""\
        [b](https://b.example.com/x) [a](https://a.example.com/) [b again](https://b.example.com/x)
        """)})
    def no_network(self, address):
        if address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"the link check connected to {address}")
        return connect(self, address)

    connect = socket.socket.connect
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", no_network)
        assert main(["check", str(root), "--links", "--list-external"]) == 0
    assert capsys.readouterr().out.splitlines() == ["https://a.example.com/",
                                                    "https://b.example.com/x"]


def test_root_relative_links_that_ignore_the_base_path_are_reported(tmp_path: Path):
    out = output(tmp_path, {"index.html": page('<a href="/about/">about</a>'),
                            "about/index.html": page("")})
    [(_, link, problem)] = problems(out)
    assert link == "/about/" and problem.startswith("outside the site's path /blog/")


def test_urls_written_in_pre_and_code_are_prose_not_links(tmp_path: Path):
    out = output(tmp_path, {"index.html": page(
        '<pre><code>&lt;a href="/nowhere/"&gt; url(missing.png)</code></pre>'
        '<p><code>href="#missing"</code></p>')})
    assert problems(out) == []


def test_javascript_urls_are_reported(tmp_path: Path):
    out = output(tmp_path, {"index.html": page('<a href="javascript:alert(1)">x</a>'
                                               '<a href=" JavaScript:void(0)">y</a>')})
    assert [link for _, link, _ in problems(out)] == [" JavaScript:void(0)", "javascript:alert(1)"]


def test_css_urls_resolve_against_the_stylesheet_and_one_font_source_suffices(tmp_path: Path):
    out = output(tmp_path, {
        "index.html": page('<link rel="stylesheet" href="katex/katex.min.css">'),
        "katex/katex.min.css": (
            '@font-face{font-family:A;src:url(fonts/A.woff2) format("woff2"),'
            'url(fonts/A.woff) format("woff")}'
            '@font-face{font-family:B;src:url(fonts/B.woff2) format("woff2")}'
            '.x{background:url("img/gone.png")}'),
        "katex/fonts/A.woff2": "font",
    })
    assert problems(out) == [
        ("katex/katex.min.css", "fonts/B.woff2", "no such file: katex/fonts/B.woff2"),
        ("katex/katex.min.css", "img/gone.png", "no such file: katex/img/gone.png"),
    ]


def test_css_urls_are_found_in_every_quoting_style():
    assert css_urls("a{b:url(x.png)} c{d:url( 'y.png' )} e{f:url(\"z.png\")} "
                    "@import 'i.css';") == ["x.png", "y.png", "z.png", "i.css"]


def test_feed_and_sitemap_urls_must_be_absolute_under_base_url_and_resolve(tmp_path: Path):
    out = output(tmp_path, {
        "index.html": page(""), "archives/a/index.html": page('<li id="fn1"></li>'),
        "sitemap.xml": """\
            <?xml version="1.0" encoding="UTF-8"?>
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
              <url><loc>https://example.org/blog/archives/a/</loc></url>
              <url><loc>https://example.org/archives/a/</loc></url>
              <url><loc>https://example.org/blog/archives/gone/</loc></url>
            </urlset>
            """,
        "feed.xml": """\
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0"><channel><link>https://example.org/blog/</link>
            <item><link>https://example.org/blog/archives/a/</link>
            <description>&lt;a href="/blog/archives/a/"&gt;relative&lt;/a&gt;
            &lt;a href="https://example.org/blog/archives/a/#fn1"&gt;ok&lt;/a&gt;</description>
            </item></channel></rss>
            """,
    })
    assert problems(out) == [
        ("feed.xml", "/blog/archives/a/",
         "relative link in a feed entry; feed readers cannot resolve it"),
        ("sitemap.xml", "https://example.org/archives/a/",
         "not an absolute URL under base_url https://example.org/blog/"),
        ("sitemap.xml", "https://example.org/blog/archives/gone/",
         "no such file: archives/gone/index.html"),
    ]


def test_relative_links_on_the_404_page_are_reported(tmp_path: Path):
    out = output(tmp_path, {"404.html": page('<a href="about/">a</a><a href="/blog/">home</a>'),
                            "index.html": page(""), "about/index.html": page("")})
    assert [(p, link) for p, link, _ in problems(out)] == [("404.html", "about/")]


def test_a_canonical_url_on_another_host_is_reported(tmp_path: Path):
    out = output(tmp_path, {"index.html": page(
        '<link rel="canonical" href="https://example.github.io/blog/">')})
    assert problems(out) == [("index.html", "https://example.github.io/blog/",
                              "canonical URL is not under base_url https://example.org/blog/")]


def test_problems_read_page_link_arrow_problem():
    assert str(LinkProblem("a/index.html", "#x", "no anchor")) == "a/index.html: #x -> no anchor"


@pytest.mark.parametrize("base_url", ["https://example.org/", "https://user.github.io/blog/"])
def test_a_built_site_has_no_broken_links_under_any_base_url(site, tmp_path: Path, base_url):
    root = site({
        "site.toml": f'title = "t"\nbase_url = "{base_url}"\n[search]\nenabled = false\n',
        # relative links after <!--more--> only: excerpts have a test of their own below
        "content/posts/中值定理.md": post("中值", "2024-01-02", tags="[ODE, 扩散模型]", body="""\
            Intro $x$.

            <!--more-->

            \\begin{equation}a = b\\label{eq:a}\\end{equation}
            See \\eqref{eq:a} and [the other](../other/).
            """),
        "content/posts/other.md": post("other", "2024-01-01", body="""\
            Intro.

            <!--more-->

            [中值](../中值定理/#eq-1)
            """),
        "content/comments/中值定理.yaml": """\
            - id: 1
              author: 张三
              date: 2024-01-03 10:00
              body: 好文 $x^2$
            """,
        "static/CNAME": "blog.example.org\n",
    })
    build_site(root, tmp_path / "out")
    assert problems(tmp_path / "out", base_url) == []
    assert (tmp_path / "out/CNAME").read_text() == "blog.example.org\n"
    assert (tmp_path / "out/.nojekyll").read_bytes() == b""


def test_a_relative_link_in_an_excerpt_works_on_listing_pages_and_in_feeds(site, tmp_path: Path):
    root = site({"content/posts/a.md": post("a", "2024-01-02", body="See [b](../b/)."),
                 "content/posts/b.md": post("b", "2024-01-01")})
    build_site(root, tmp_path / "out")
    assert problems(tmp_path / "out", "https://example.org/blog/") == []
