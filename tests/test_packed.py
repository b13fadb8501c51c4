"""Packed HTML (packed.py): what a build holds of each post's body is compressed, and
comes back as it went in, wherever a template or the feeds read it."""

from dataclasses import replace
from pathlib import Path

import jinja2
import pytest

from blogbuild.config import SiteConfig
from blogbuild.katex import KatexEngine
from blogbuild.markdown import Rendered
from blogbuild.packed import Packed
from blogbuild.pagedeps import PageDigester
from blogbuild.parallel import PostJob, render_post_job, render_posts_together

TEXTS = ["", "<p>设 $x$，则</p>\n", "<p>lone \ud800 surrogate, 😀</p>", "<span>长</span>" * 5000]


@pytest.mark.parametrize("text", TEXTS)
def test_text_comes_back_as_it_went_in(text):
    packed = Packed.of(text)
    assert str(packed) == text
    assert packed == Packed.of(text)


def test_packing_makes_katex_like_html_much_smaller():
    html = '<span class="katex"><span class="mord mathnormal">x</span></span>长' * 2000
    assert len(Packed.of(html).data) * 10 < len(html.encode("utf-8"))


def test_templates_show_it_as_the_html_it_holds():
    env = jinja2.Environment(autoescape=True)
    body = Packed.of('<p class="x">a &amp; b</p>')
    for source in ("{{ body | safe }}", "{{ body }}"):
        assert env.from_string(source).render(body=body) == '<p class="x">a &amp; b</p>'


def test_a_rendered_body_packs_its_page_and_feed_html_and_keeps_its_excerpt():
    build = Rendered(html="<p>K</p>", excerpt_html="<p>E</p>", has_more=True, formulas=1,
                     problems=(), tex_html="<p>T</p>", tex_excerpt_html="<p>TE</p>")
    packed = build.packed()
    assert (str(packed.html), str(packed.tex_html)) == ("<p>K</p>", "<p>T</p>")
    assert (packed.excerpt_html, packed.tex_excerpt_html) == ("<p>E</p>", "<p>TE</p>")
    client = replace(build, tex_html="<p>K</p>").packed()
    assert client.tex_html is client.html  # the same text is packed once


def test_posts_rendered_for_a_build_are_packed_and_render_the_same(tmp_path: Path):
    config = SiteConfig(title="t", base_url="https://example.org/")
    config = replace(config, math=replace(config.math, render="build"))
    job = PostJob("p", "content/posts/p.md", "/archives/p/", "设 $x^2$。\n\n$$\\int f$$\n", 5,
                  "标题", 2, None)
    engine = KatexEngine({}, tmp_path, html=True)
    try:
        (body, title), = render_posts_together([job], config, engine)
        alone, alone_title = render_post_job(
            job, config, lambda formulas: engine.typeset(formulas, trusted=True))
    finally:
        engine.close()
    assert isinstance(body.html, Packed) and isinstance(body.tex_html, Packed)
    assert 'class="katex"' in str(body.html) and str(body.html) == alone.html
    assert str(body.tex_html) == alone.tex_html and "\\int f" in alone.tex_html
    assert title == alone_title


def test_page_digests_see_packed_html_by_its_content():
    def digest(html):
        return PageDigester("s").page("post.html", {"html": html})
    assert digest(Packed.of("<p>a</p>")) == digest(Packed.of("<p>a</p>"))
    assert digest(Packed.of("<p>a</p>")) != digest(Packed.of("<p>b</p>"))


def test_a_site_template_reads_a_posts_html_as_text(tmp_path: Path):
    """Packing is the build's own affair: a theme's template that cuts a post's HTML
    itself (`truncate`, `length`, slicing) gets the text, as before."""
    from conftest import html, post, write_site

    from blogbuild.build import build_site

    site = write_site(tmp_path / "site", {
        "content/posts/a.md": post("甲", "2024-01-01", "第一段很长的正文。\n\n<!--more-->\n\n第二段。\n"),
        "templates/listing.html": '{% extends "base.html" %}{% block content %}'
                                  '{% for entry in listing.posts %}<p class="cut">'
                                  '{{ entry.html | striptags | truncate(12, leeway=0) }}'
                                  ' {{ entry.html | length }} {{ entry.html[:3] }}</p>'
                                  '{% endfor %}{% endblock %}\n'})
    build_site(site, tmp_path / "out")
    cut = html(tmp_path / "out/index.html").select_one(".cut").get_text()
    words, length, start = cut.split(" ")
    assert (words, start) == ("第一段很长的正文。...", "<p>") and int(length) > 30
