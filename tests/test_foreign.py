"""Template syntax of other generators left in a post (foreign.py): one warning per
kind and post, at the first one, never for code or formulas."""

from blogbuild.cli import main
from blogbuild.markdown import RenderContext, render_comment, render_post
from conftest import post, write_site

CONTEXT = RenderContext("content/posts/p.md", first_line=5, url="/blog/archives/p/")


def warnings(source: str) -> list[str]:
    rendered = render_post(source, CONTEXT)
    assert all(problem.warning for problem in rendered.problems)
    return [str(problem) for problem in rendered.problems]


def test_each_kind_is_one_warning_at_its_first_line_counting_the_others():
    source = ("# 标题\n\n见 [上一篇]({% post_url 2018-06-23-meta %})。\n\n"
              "![图]({{ site.baseurl }}/assets/a.png)\n{:.image-caption}\n\n"
              "{% highlight python %}\nprint(1)\n{% endhighlight %}\n\n"
              "{{< figure src=\"/images/x.png\" >}}\n\n* TOC\n{:toc}\n")
    assert warnings(source) == [
        "content/posts/p.md:7: warning: {% post_url 2018-06-23-meta %} is a Liquid tag (Jekyll), "
        "shown as written (and 2 more in this file): blogbuild runs no Liquid; write a Markdown "
        "link, image or fenced code block instead",
        "content/posts/p.md:9: warning: {{ site.baseurl }} is a template expression (Jekyll, Hugo), "
        "shown as written: blogbuild expands none; write the path or text itself",
        "content/posts/p.md:10: warning: {:.image-caption} is a kramdown attribute list, shown as "
        "written (and 1 more in this file): CommonMark has none; remove it, or write the element "
        "in HTML",
        "content/posts/p.md:16: warning: {{< figure src=\"/images/x.png\" >}} is a Hugo shortcode, "
        "shown as written: blogbuild has no shortcodes; write Markdown or HTML instead"]


def test_a_shortcode_over_several_lines_or_around_an_autolink_is_found():
    source = ("{{< douban-card\n  id=\"1\"\n>}}\n\n"
              "{{< figure caption=\"来源：<https://example.org/x>\" >}}\n")
    assert warnings(source) == [
        "content/posts/p.md:5: warning: {{< douban-card is a Hugo shortcode, shown as written "
        "(and 1 more in this file): blogbuild has no shortcodes; write Markdown or HTML instead"]


def test_code_formulas_and_format_specs_are_not_foreign():
    source = ("写 `{% raw %}` 与 `{{ x }}` 都行，格式 {:.2f} 与 {:>10} 也行。\n\n"
              "$$\\frac{{a}}{b} + x^{2}$$\n\n```jinja\n{% for x in y %}{{ x }}{% endfor %}\n```\n\n"
              "    {{< indented code >}}\n")
    assert warnings(source) == []


def test_prose_braces_raw_html_code_and_comments_are_not_foreign():
    source = ("花括号要写成 {{ 与 }}，集合的集合 {{1,2},{3}}，格式 {:#x} 与 {:#b}。\n\n"
              "<pre><code>{{ site.baseurl }}\n{% raw %}</code></pre>\n\n"
              "<!-- {% comment %} -->\n\n<script>var t = '{{ x }}';</script>\n\n"
              "行内 <code>{{ page.title }}</code> 也是代码。\n")
    assert warnings(source) == []


def test_the_line_is_the_one_shown_not_an_earlier_copy_in_code():
    source = "先是 `{{ site.url }}`\n然后\n{{ site.url }} 是文字。\n"
    assert [w.split(": warning")[0] for w in warnings(source)] == ["content/posts/p.md:7"]


def test_a_long_line_of_openings_that_never_close_is_not_scanned_once_per_opening():
    """20,000 openings: a scan to the line's end from each would take minutes (~10⁹
    steps); a bounded one takes a fraction of a second. The bound is a sanity limit far
    above either machine's noise, not a measurement (it failed at 2 s on a loaded CI)."""
    import time

    started = time.perf_counter()
    for opening in ("{{", "{%", "{:a="):
        assert warnings("x " + (opening + " y ") * 20_000 + "\n") == []
    assert len(warnings("x " + "$ \\a y " * 20_000 + "\n")) == 1  # `$ \a y $`, counted
    assert time.perf_counter() - started < 30


def test_a_readers_comment_is_not_checked():
    rendered = render_comment("{{ 我就是这么写的 }}", CONTEXT)
    assert rendered.problems == ()


def test_check_names_the_warnings_and_does_not_say_no_problems(tmp_path, capsys):
    site = write_site(tmp_path / "site", {
        "content/posts/a.md": post("甲", "2024-01-01", "见 {% post_url 2023-01-01-b %}。\n")})
    assert main(["check", str(site)]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "content/posts/a.md:5: warning: {% post_url 2023-01-01-b %} is a Liquid tag (Jekyll), "
        "shown as written: blogbuild runs no Liquid; write a Markdown link, image or fenced "
        "code block instead",
        "checked 1 post, 0 formulas and every link: no errors, 1 warning (above)"]
