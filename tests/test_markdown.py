"""The Markdown/math stage: what reaches the page is the TeX that was written."""

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from blogbuild.markdown import RenderContext, render_comment, render_post

CONTEXT = RenderContext("content/posts/p.md", first_line=5, url="/blog/archives/p/")


def render(source: str):
    return render_post(source, CONTEXT)


def formulas(html: str) -> list[str]:
    return [e.get_text() for e in BeautifulSoup(html, "html.parser").select(".math")]


def test_inline_dollar_math_keeps_markdown_characters():
    tex = r"a_1 * b_2 + c_{*}^{*} \| x \| + p(x|z) + \{a\} \\ <b> & \_"
    assert formulas(render(f"令 ${tex}$ 成立。").html) == [f"\\({tex}\\)"]


def test_every_delimiter_gives_the_katex_ready_markup():
    html = render("行内 $a$ 与 \\(b\\)。\n\n$$\nc_1\n$$\n\n\\[\nd_2\n\\]\n").html
    soup = BeautifulSoup(html, "html.parser")
    assert [(e.name, e["class"], e.get_text()) for e in soup.select(".math")] == [
        ("span", ["math", "inline"], r"\(a\)"), ("span", ["math", "inline"], r"\(b\)"),
        ("div", ["math", "display"], "\\[\nc_1\n\\]"), ("div", ["math", "display"], "\\[\nd_2\n\\]")]


@pytest.mark.parametrize("source", ["\\[ a = b \\]，其中 a 是变量。\n\nMore *text* here.\n\n\\[\nc = d\n\\]\n",
                                    "由此得\n\n\\[\na = b\n\\]。\n\nMore *text* here.\n\n\\[\nc = d\n\\]\n"])
def test_a_bracket_display_with_words_after_it_ends_there(source: str):
    """`\\[x\\]，其中…` or a closing line `\\]。` is a display inside a paragraph, as with
    `$$`; it must not run on to the next line ending in `\\]`, swallowing the prose."""
    soup = BeautifulSoup(render(source).html, "html.parser")
    assert [" ".join(e.get_text().split()) for e in soup.select(".math")] == [
        "\\[ a = b \\]", "\\[ c = d \\]"]
    assert soup.select_one("em").get_text() == "text"


def test_double_dollar_inside_a_sentence_is_inline_and_on_its_own_lines_is_display():
    """On its own lines it ends the paragraph above it (as a list would), so no line of
    it is Markdown's: `- KL(q\\|p)` stays TeX, not a list item."""
    soup = BeautifulSoup(render("kramdown 写 $$x_1$$ 在句中。\n由此\n$$\ny*z\n- KL(q\\|p)\n$$\n"
                                "得到").html, "html.parser")
    assert [(e.name, e["class"]) for e in soup.select(".math")] == [
        ("span", ["math", "inline"]), ("div", ["math", "display"])]
    assert soup.select_one("div.math").get_text() == "\\[\ny*z\n- KL(q\\|p)\n\\]"
    assert [p.get_text() for p in soup.select("p")] == ["kramdown 写 \\(x_1\\) 在句中。由此", "得到"]


@pytest.mark.parametrize("source, formula", [
    # kexue's habit: the text, then the environment on the next line
    ("同理\n\\begin{equation}\na\n+ KL(q\\|p)\n\\end{equation}\n成立。",
     "\\begin{equation*}\na\n+ KL(q\\|p) \\tag{1}\\end{equation*}"),
    ("同理\n\\[\na\n> b\n\\]\n成立。", "\na\n> b\n"),
    # the formula opened on the text's own line: its lines are the paragraph's
    ("由此得：$$\na\n- b\n=\n# c\n$$\n成立。", "\na\n- b\n=\n# c\n"),
])
def test_no_line_of_a_formula_under_a_line_of_text_is_read_as_markdown(source, formula):
    """A line starting with `- `, `+ `, `> `, `#`, or a `=` line, is TeX there: not a
    list, a quote or a heading (those ate the formula's backslashes too)."""
    soup = BeautifulSoup(render(source).html, "html.parser")
    assert not soup.select("ul, ol, blockquote, h1, h2")
    texts = [e.get_text() for e in soup.select(".math.display")]
    assert [text[2:-2] for text in texts] == [formula]
    assert soup.get_text().count("成立。") == 1


def test_a_code_span_holding_dollars_across_lines_is_not_cut_by_a_formula():
    soup = BeautifulSoup(render("写作 `$$\nx\n$$` 即可").html, "html.parser")
    assert soup.select_one("code").get_text() == "$$ x $$" and not soup.select(".math")


def test_double_dollar_in_a_table_cell_is_inline_even_alone_in_it():
    """A summary table (lil-log's) with `$$..$$` alone in some cells and beside words in
    others: every one inline, as kramdown has it, not some centred and large."""
    soup = BeautifulSoup(render("| a | b | c | d |\n|---|---|---|---|\n"
                                "| $$x_1$$ | 见 $$y_2$$ | $$z \\tag{A}$$ "
                                "| $$\\begin{align*}u&=v\\end{align*}$$ |\n").html, "html.parser")
    assert [(e.parent.name, e.name, e["class"]) for e in soup.select(".math")] == [
        ("td", "span", ["math", "inline"]), ("td", "span", ["math", "inline"]),
        # but what only a display may hold (KaTeX refuses \tag and align inline)
        ("td", "span", ["math", "display"]), ("td", "span", ["math", "display"])]


def test_a_pipe_inside_a_formula_in_a_table_belongs_to_the_formula():
    """GFM splits a row at every `|` and makes `\\|` a `|`: `$|x|$` lost its cell and
    `$\\|x\\|$` (a norm) became |x|. Formulas keep theirs, as in kramdown and pandoc;
    elsewhere, code spans included, the row is split as GFM splits it."""
    soup = BeautifulSoup(render("| 式 | 名 |\n|:-:|---|\n| $|x|$ | 绝对值 |\n"
                                "| $\\|x\\|_2$ | 范数 |\n| $p(x|z)$ 与 \\(a|b\\) | 条件 |\n"
                                "| a \\| b | `c|d` |\n").html, "html.parser")
    assert [[cell.get_text() for cell in row.select("td")] for row in soup.select("tbody tr")] == [
        ["\\(|x|\\)", "绝对值"], ["\\(\\|x\\|_2\\)", "范数"],
        ["\\(p(x|z)\\) 与 \\(a|b\\)", "条件"], ["a | b", "`c"]]
    # MathJax's dollar sign is no formula's opening: two cells
    soup = BeautifulSoup(render("| a | b |\n|---|---|\n| 价格 \\\\$5 | \\\\$/月 |\n").html,
                         "html.parser")
    assert [td.get_text() for td in soup.select("td")] == ["价格 $5", "$/月"]
    # a formula never spans two rows
    soup = BeautifulSoup(render("| a | b |\n|---|---|\n| a $x | b |\n| c$ | d |\n").html,
                         "html.parser")
    assert [[cell.get_text() for cell in row.select("td")] for row in soup.select("tbody tr")] == [
        ["a $x", "b"], ["c$", "d"]]


def test_a_link_from_the_host_root_outside_the_site_path_is_warned_about_at_its_line():
    """Right on a site served at the root, broken on a GitHub Pages project site."""
    context = RenderContext("content/posts/p.md", first_line=5, url="/blog/archives/p/",
                            site_path="/blog/")
    source = ("开头。\n\n见[上一篇](/archives/a/)，\n还有![图](/images/x.png)、[站内](/blog/archives/b/)、"
              "[外站](https://e.org/x)、[协议相对](//cdn.e.org/x)与[相对](../b/)。\n\n"
              "[再一次](/archives/a/)\n")
    problems = render_post(source, context).problems
    assert [(p.line, p.warning, p.message.split(":")[0]) for p in problems] == [
        (7, True, "the link /archives/a/ starts at the host's root, outside the site's path /blog/"),
        (8, True, "the link /images/x.png starts at the host's root, outside the site's path /blog/")]
    # at the host's root every such link is right
    assert render_post(source, CONTEXT).problems == ()
    # a Chinese slug is told as written, at its line; the site's own path is no warning
    problems = render_post("L1\nL2\n[上一篇](/archives/中值定理/) 与 [首页](/blog) [站内](/blog#x)",
                           context).problems
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (7, "the link /archives/中值定理/ starts at the host's root, outside the site's path /blog/")]


def test_a_line_break_between_chinese_characters_is_no_space():
    """A browser shows a newline as a space: "置换。 只要" where the author broke a line
    of Chinese. Between two wide characters it is nothing (Pandoc's
    east_asian_line_breaks); next to Latin text or a formula it stays a space."""
    html = render("是哪个置换？\n只要 query\n与 key 相乘，\n再乘 $x$\n即可。\n").html
    assert BeautifulSoup(html, "html.parser").p.get_text() == \
        "是哪个置换？只要 query\n与 key 相乘，再乘 \\(x\\)\n即可。"


def test_a_readers_line_break_is_a_line_break_as_the_blog_showed_it():
    """WordPress turned each newline of a comment into <br>; the archive's readers wrote
    their comments for that."""
    soup = BeautifulSoup(render_comment("第一行\n第二行 $x$\n好", CONTEXT).html, "html.parser")
    assert len(soup.find_all("br")) == 2


def test_prices_escaped_dollars_and_shell_variables_are_not_math():
    source = ("costs $5 and $10. Set $PATH and $HOME.\n\nA \\$ sign, 20$ too.\n\n"
              "`$x$` is code.\n\n```bash\necho $PATH $1\n```\n")
    html = render(source).html
    assert formulas(html) == []
    text = BeautifulSoup(html, "html.parser").get_text()
    assert "costs $5 and $10" in text and "A $ sign" in text and "$PATH and $HOME" in text
    assert "echo $PATH $1" in text


def test_tex_between_dollars_with_a_space_inside_is_prose_and_a_warning():
    """`$ \\alpha $` was a formula to MathJax, which the blog was written for: here it
    stays prose (so that "$ 5 and $ 10" does), and the author is told where, with the
    formula to write instead. Prices, escaped dollars and code are not TeX to warn of."""
    source = ("价格 $5 与 $ 10，\\$ \\gamma \\$ 与 `$ \\delta $` 都不是。\n\n"
              "其中 $\\beta$ 与\n$ \\alpha $ 以及 $x_1 $ 和 $\n\\sum_i a_i $。\n")
    rendered = render(source)
    assert formulas(rendered.html) == [r"\(\beta\)"]
    assert "$ \\alpha $" in BeautifulSoup(rendered.html, "html.parser").get_text()
    assert [str(p) for p in rendered.problems] == [
        "content/posts/p.md:8: warning: $ \\alpha $ is shown as written, not as a formula "
        "(and 2 more in this file): a space inside the `$` makes it prose here (MathJax "
        "allowed it); write $\\alpha$"]
    assert render("价格 $5 与 $ 10，\\$ \\gamma \\$ 与 `$ \\delta $`。\n").problems == ()
    assert render_comment("读者写 $ \\alpha $", CONTEXT).problems == ()


@pytest.mark.parametrize("prose", [
    "售价 $ 99，内存 2^10 MB，会员价 $ 79",  # a price; Chinese between the dollars
    "先运行 $ export CUDA_VISIBLE_DEVICES=0，再运行 $ python train.py",
    "run $ export CUDA_VISIBLE=1 and $ ls",  # an identifier's `_` is no subscript
    "It costs $ 10 for a_b and $ 20",
    "US$ 5 per GPU_hour, see $x$ below",  # the second `$` opens a formula of its own
    "a <span class='$'>$ x_1 </span> $ b",  # a tag between
    "见 [$ 价格](x_1.html) 与 $ 的链接",
])
def test_prose_between_two_dollars_is_not_taken_for_a_spaced_formula(prose):
    assert render(prose + "\n").problems == ()


def test_a_doubly_escaped_dollar_is_a_dollar_sign_as_mathjax_showed_it():
    """leovan-cn (blogdown) prices its table in `**\\\\$5**`: pandoc left `\\$5`, which
    MathJax's processEscapes showed as `$5`. An escaped backslash before an escaped
    dollar is still both."""
    source = ("| 输入 | 输出 |\n|---|---|\n| **\\\\$5** | **\\\\$25** |\n\n"
              "每百万 \\\\$0.5 与 \\\\$2.5，共 $x$；写 \\\\\\$ 得到两个字符。\n")
    html = render(source).html
    soup = BeautifulSoup(html, "html.parser")
    assert [td.get_text() for td in soup.select("td")] == ["$5", "$25"]
    assert formulas(html) == [r"\(x\)"]
    assert soup.p.get_text() == "每百万 $0.5 与 $2.5，共 \\(x\\)；写 \\$ 得到两个字符。"
    # code keeps what was written
    assert render("`\\\\$5`").html.count("\\\\$5") == 1


def test_a_dollar_never_pairs_with_one_inside_a_code_span():
    """"US$" then `$HOME`: the first `$` would close on the one in the code span, cutting
    it in two; the code span wins, as it wins over emphasis. A backtick inside a formula
    that no code span needs stays TeX."""
    soup = BeautifulSoup(render("G：US$和`$HOME`。公式 $a`b$ 后。").html, "html.parser")
    assert [code.get_text() for code in soup.select("code")] == ["$HOME"]
    assert formulas(str(soup)) == ["\\(a`b\\)"]
    assert soup.get_text().startswith("G：US$和$HOME。")
    # TeX's escaped backtick opens no code span
    assert formulas(render("$\\text{caf\\`e}$ and `x`").html) == ["\\(\\text{caf\\`e}\\)"]


def test_bare_environment_is_numbered_and_its_label_becomes_a_link():
    source = ("见 \\eqref{eq:f}。\n\n\\begin{equation}f(x)=x^2\\label{eq:f}\\end{equation}\n\n"
              "再看 $\\eqref{eq:f}$ 与 \\ref{eq:f}。\n")
    soup = BeautifulSoup(render(source).html, "html.parser")
    display = soup.select_one("div.math.display")
    assert display["id"] == "eq-1"
    assert display.get_text() == "\\[\\begin{equation*}f(x)=x^2 \\tag{1}\\end{equation*}\\]"
    assert [(a["href"], a.get_text()) for a in soup.select("a.eqref")] == [
        ("#eq-1", "(1)"), ("#eq-1", "1")]
    assert soup.select(".math.inline")[0].get_text() == r"\(\href{#eq-1}{\text{(1)}}\)"


def test_align_rows_are_numbered_except_notag_and_tagged_rows():
    source = ("\\begin{align}a&=b\\label{x}\\\\\nc&=d\\notag\\\\\ne&=f\\tag{*}\\\\\n"
              "g&=h\\end{align}\n")
    display = BeautifulSoup(render(source).html, "html.parser").select_one(".math.display")
    assert display.get_text() == ("\\[\\begin{align*}a&=b \\tag{1}\\\\\nc&=d\\\\\n"
                                  "e&=f\\tag{*}\\\\\ng&=h \\tag{2}\\end{align*}\\]")
    assert display["id"] == "eq-1"
    # the second number's anchor stands just before the formula it belongs to
    assert display.find_previous_sibling()["id"] == "eq-2"


def test_a_multline_is_one_formula_per_row_in_an_anchored_block():
    source = ("见\\eqref{m}。\n\n\\begin{multline}a+b\\\\\nc\\\\\nd\\label{m}\\end{multline}\n\n"
              "行内: \\begin{multline*}x\\\\y\\end{multline*}\n")
    soup = BeautifulSoup(render(source).html, "html.parser")
    block, inline = soup.select(".multline")
    assert (block.name, block["id"], inline.name, inline.get("id")) == ("div", "eq-1", "span", None)
    assert [(row.name, row["class"], row.get_text()) for row in block.children] == [
        ("div", ["math", "display", "multline-left"], r"\[a+b\]"),
        ("div", ["math", "display", "multline-center"], r"\[c\]"),
        ("div", ["math", "display", "multline-right"], r"\[d \tag{1}\]")]
    assert [row.get_text() for row in inline.select(".math.display")] == [r"\[x\]", r"\[y\]"]
    assert soup.select_one("a.eqref")["href"] == "#eq-1"


def test_a_tag_that_repeats_an_automatic_number_is_pointed_out():
    """Both equations would carry id="eq-1", and \\eqref{eq:b} would reach the tagged one."""
    source = ("$$a=1\\tag{1}$$\n\n\\begin{equation}b=2\\label{eq:b}\\end{equation}\n\n"
              "\\begin{align*}c \\tag{2}\\\\ d\\end{align*}\n")
    assert [str(p) for p in render(source).problems] == [
        "content/posts/p.md:7: warning: a second equation numbered (1) (line 5 has it too: a "
        "\\tag and an automatic number?); \\eqref and links to it reach the first: give the "
        "\\tag another text"]


def test_a_reference_to_a_misspelt_label_names_the_label_it_likely_meant():
    source = "\\begin{equation}a\\label{eq:lse}\\end{equation}\n\n见 \\eqref{eq:lse2}、\\eqref{zzz}。\n"
    assert [str(p) for p in render(source).problems] == [
        "content/posts/p.md:7: \\eqref{eq:lse2}: no equation in this post has \\label{eq:lse2} "
        "(did you mean `eq:lse`?)",
        "content/posts/p.md:7: \\eqref{zzz}: no equation in this post has \\label{zzz}"]


def test_unknown_and_duplicate_labels_are_problems_with_lines():
    source = ("\\begin{equation}a\\label{x}\\end{equation}\n\n"
              "\\begin{equation}b\\label{x}\\end{equation}\n\n见 \\eqref{nope}。\n")
    problems = [str(p) for p in render(source).problems]
    assert "content/posts/p.md:9: \\eqref{nope}: no equation in this post has \\label{nope}" in problems
    # at the second \label, naming the first (not at the body's first line)
    assert "content/posts/p.md:7: \\label{x} is used for two equations (line 5 has it first); " \
        "give each its own label" in problems
    lines = [p.line for p in render("x\n\n$$\na \\label{q}\n$$\n\n\\begin{align}\nb\\\\\n"
                                    "c \\label{q}\n\\end{align}\n").problems]
    assert lines == [13]
    # three times in one align: the second and the third, each at its line
    lines = [p.line for p in render("\\begin{align}\na\\label{q}\\\\\nb\\label{q}\\\\\n"
                                    "c\\label{q}\n\\end{align}\n").problems]
    assert lines == [7, 8]


def test_a_reference_deep_in_a_paragraph_is_reported_on_its_own_line():
    """Not on the paragraph's first line (file lines: the body starts on line 5)."""
    source = "第一段。\n\n一段话，\n$a$ 在第二行，\n第三行，\n第四行 \\eqref{nope} 与 $\\ref{gone}$。\n"
    assert [(p.line, p.message.split(":")[0]) for p in render(source).problems] == [
        (10, "\\eqref{nope}"), (10, "\\ref{gone}")]
    # written with spaces in its braces
    assert [p.line for p in render("a\n\nb\nc\n\\eqref{ nope }\n").problems] == [9]


def test_excerpt_ends_at_the_more_marker_and_links_references_to_the_post():
    source = ("开头 $a$ 见 \\eqref{e}[^1]。\n\n<!--more-->\n\n"
              "\\begin{equation}x\\label{e}\\end{equation}\n\n[^1]: 注\n")
    rendered = render(source)
    soup = BeautifulSoup(rendered.excerpt_html, "html.parser")
    assert soup.get_text().strip() == "开头 \\(a\\) 见 (1)。"
    assert soup.select_one("a.eqref")["href"] == "/blog/archives/p/#eq-1"
    assert rendered.has_more


@pytest.mark.parametrize("source, excerpt", [
    ("由昂萨格给出 [^1]。后来", "由昂萨格给出。后来"),  # leovan-cn's listing read "给出 。"
    ("见 [^1] 的说法", "见的说法"),
    ("as shown [^1].", "as shown."),
    ("see [^1] there [^1][^1] too", "see there too"),
    ("紧贴 [^1]next", "紧贴 next"),
    ("末尾 [^1]", "末尾"),
    ("见[^1] 的说法", "见的说法"),
    # what follows is not text: a space stays before words and formulas
    ("see [^1] **bold** text", "see bold text"),
    ("see the paper [^1] [online](https://x.org).", "see the paper online."),
    ("use [^1] `pip` here", "use pip here"),
    ("energy [^1] $E$ is", "energy \\(E\\) is"),
])
def test_an_excerpt_leaves_out_footnote_references_and_the_spaces_around_them(source, excerpt):
    rendered = render(f"{source}\n\n<!--more-->\n\n[^1]: 注。\n")
    assert BeautifulSoup(rendered.excerpt_html, "html.parser").get_text().strip() == excerpt


@pytest.mark.parametrize("marker, cuts", [
    ("<!--more-->", True), ("<!-- more -->", True), ("<!--more 继续阅读-->", True),
    ("<!-- more to do -->", False), ("<!--moreover-->", False)])
def test_the_more_marker_is_hugos_hexos_or_wordpresss(marker: str, cuts: bool):
    rendered = render(f"开头。\n\n第二段。\n\n{marker}\n\n后文。\n")
    kept = BeautifulSoup(rendered.excerpt_html, "html.parser").get_text().split()
    assert kept == (["开头。", "第二段。"] if cuts else ["开头。"])


def test_excerpt_marker_inside_a_list_closes_the_list():
    rendered = render("- one $x$\n- two <!--more--> three\n- four\n")
    soup = BeautifulSoup(rendered.excerpt_html, "html.parser")
    assert [li.get_text().strip() for li in soup.select("ul > li")] == ["one \\(x\\)", "two"]
    assert rendered.excerpt_html.count("<ul>") == rendered.excerpt_html.count("</ul>")


def test_without_a_marker_the_excerpt_is_the_first_paragraph():
    rendered = render("# 标题\n\n第一段 $x$。\n\n第二段。\n")
    assert BeautifulSoup(rendered.excerpt_html, "html.parser").get_text().strip() == "第一段 \\(x\\)。"
    assert rendered.has_more


def test_a_first_paragraph_goes_on_through_a_display_written_right_below_it():
    """TeX's paragraph, not Markdown's: an excerpt ended mid-sentence at "使得"."""
    rendered = render("存在 $s$ 使得\n$$\nf(s)=0\n$$\n成立，且\n\\begin{equation}g=1\\end{equation}\n"
                      "得证。\n\n第二段。\n")
    soup = BeautifulSoup(rendered.excerpt_html, "html.parser")
    assert [p.get_text() for p in soup.find_all("p")] == ["存在 \\(s\\) 使得", "成立，且", "得证。"]
    assert len(soup.select(".math.display")) == 2 and rendered.has_more
    # a display the post opens with, glued to the text below it
    assert render("$$\nx = 1\n$$\n开头就是公式，然后文字。\n\n第二段。\n").excerpt_html == \
        '<div class="math display">\\[\nx = 1\n\\]</div>\n<p>开头就是公式，然后文字。</p>\n'
    # a blank line ends it, before the formula or after it
    assert render("一\n\n$$x$$\n\n二\n").excerpt_html == "<p>一</p>\n"
    assert render("一\n$$x$$\n\n二\n").excerpt_html == \
        '<p>一</p>\n<div class="math display">\\[x\\]</div>\n'


def test_an_element_opened_in_raw_html_before_the_marker_is_closed_in_the_excerpt():
    """`<div class="note">` … `<!--more-->` … `</div>`: the listing's read-more link and
    the next posts went inside the note (SPEC: an excerpt never leaves a tag open)."""
    rendered = render('<div class="note">\n\n开头 **粗** <span>行内</span>\n\n<!--more-->\n\n'
                      "后面\n\n</div>\n")
    assert rendered.excerpt_html == ('<div class="note">\n<p>开头 <strong>粗</strong> '
                                     "<span>行内</span></p>\n</div>")
    # a span left open inside a list item is closed before the item's end tag
    assert render("- 一 <span>二 <!--more--> 三</span>\n- 四\n").excerpt_html == \
        "<ul>\n<li>一 <span>二 </span></li>\n</ul>\n"
    # a <p> the next <p> ends, as a browser ends it, is not closed twice (a second
    # </p> is an empty paragraph to a browser)
    assert render('<div class="note">\n<p>第一段\n<p>第二段\n</div>\n\n后面\n\n<!--more-->\n'
                  ).excerpt_html == '<div class="note">\n<p>第一段\n<p>第二段\n</p></div>\n<p>后面</p>\n'
    assert render("<ul><li>a<li>b\n\n<!--more-->\n").excerpt_html == "<ul><li>a<li>b\n</li></ul>"


def test_an_element_written_self_closed_is_closed_as_xhtml_meant_it():
    """`<a name="nice"/>`: a browser ignores the `/`, and the paragraphs after it were one
    long link (the lil-log corpus); XML's own `/>` in SVG is left alone."""
    html = render('<a name="nice"/>A nice property.\n\n下一段 <a href="#x" />链接。\n\n'
                  '<div id="d"/>\n\n<div><svg><path d="M0 0"/></svg></div>\n').html
    assert html == ('<p><a name="nice"></a>A nice property.</p>\n'
                    '<p>下一段 <a href="#x"></a>链接。</p>\n<div id="d"></div>\n'
                    '<div><svg><path d="M0 0"/></svg></div>\n')


def test_an_empty_anchor_alone_on_its_line_leaves_the_markdown_below_it_markdown():
    """CommonMark takes `<a name='qa' />` alone on a line for raw HTML running to the
    next blank line: the lil-log corpus showed `**Question-Answering**` and a list
    of links as written. kramdown, which that blog was written for, and
    Python-Markdown read the Markdown."""
    soup = BeautifulSoup(render("<a name='qa' />\n**Question-Answering**\n- [SQuAD](https://x.org/)\n"
                                "- MS MARCO\n\n<span id=\"s\"/>\n## 小节\n").html, "html.parser")
    assert soup.select_one("a[name=qa]").get_text() == ""
    assert soup.select_one("strong").get_text() == "Question-Answering"
    assert [li.get_text() for li in soup.select("ul li")] == ["SQuAD", "MS MARCO"]
    assert soup.select_one("h2").get_text() == "小节" and soup.select_one("span#s")
    # inside a paragraph it is inline HTML, as an HTML block of its kind would be; in
    # an indented code block it is code
    assert render("段落 <a name='c' />\n**粗**\n").html == \
        "<p>段落 <a name='c'></a>\n<strong>粗</strong></p>\n"
    assert "&lt;a name='d' /&gt;" in render("    <a name='d' />\n    code\n").html


def test_raw_html_links_resolve_in_tags_only_and_as_html_reads_them():
    """Relative URLs in raw HTML are resolved against the post (they are shown on
    listings and in feeds too), but only in tags: a script's or a comment's text, the
    text of another attribute, a srcset URL holding commas (a CDN's, a data: URI), a
    URL Python cannot read (a placeholder host) are left as they are."""
    source = ('<div><a HREF=../b/>b</a> <img alt="see src=x.png" src="x.png"></div>\n'
              '<!-- <a href="c/"> -->\n'
              '<script>var a = \'<a href="\' + u + \'">\';</script>\n\n'
              '<img srcset="https://cdn.e.org/w_300,c_scale/s.jpg 300w, '
              'data:image/gif;base64,R0lG 1x, s.png 2x,t.png">\n\n'
              '见 <a href="http://[server-ip]:8888/">Jupyter</a>。\n')
    html = render(source).html
    assert html == (
        '<div><a HREF="/blog/archives/b/">b</a> '
        '<img alt="see src=x.png" src="/blog/archives/p/x.png"></div>\n'
        '<!-- <a href="c/"> -->\n'
        '<script>var a = \'<a href="\' + u + \'">\';</script>\n'
        '<img srcset="https://cdn.e.org/w_300,c_scale/s.jpg 300w, '
        'data:image/gif;base64,R0lG 1x, /blog/archives/p/s.png 2x,/blog/archives/p/t.png">\n'
        '<p>见 <a href="http://[server-ip]:8888/">Jupyter</a>。</p>\n')


def test_a_more_marker_inside_a_formula_is_a_warning_at_its_line():
    """A formula is one token: the marker cuts nothing there and KaTeX would show it as
    "<!−−more−−>" in the formula."""
    rendered = render("开头。\n\n$$\na = b\n<!--more-->\nc = d\n$$\n\n行内 $x <!--more--> y$。\n")
    assert [(p.line, p.warning, p.message.split(",")[0]) for p in rendered.problems] == [
        (9, True, "<!--more--> is inside a formula"), (13, True, "<!--more--> is inside a formula")]
    assert render("开头。\n\n<!--more-->\n\n$$a$$\n").problems == ()


def test_a_summary_replaces_the_excerpt():
    rendered = render_post("第一段。\n\n<!--more-->\n\n更多。\n", CONTEXT, summary="摘要 $y$")
    assert formulas(rendered.excerpt_html) == ["\\(y\\)"]


def test_fenced_code_is_highlighted_and_keeps_its_dollars():
    html = render("```python\nprice = '$5'  # $x$\n```\n").html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one("div.highlight pre").get_text() == "price = '$5'  # $x$\n"


def test_links_are_normalized_as_markdown_it_does_each_time_they_recur():
    source = ("[a](https://例子.中国/路径?q=一) [b](./相对) [c](https://例子.中国/路径?q=一)"
              " [d](<https://e.org/a b>)\n")
    for _ in range(2):  # the second render finds every URL normalized before
        links = [a["href"] for a in BeautifulSoup(render(source).html, "html.parser")("a")]
        assert links == ["https://xn--fsqu00a.xn--fiqs8s/%E8%B7%AF%E5%BE%84?q=%E4%B8%80",
                         "/blog/archives/p/%E7%9B%B8%E5%AF%B9",
                         "https://xn--fsqu00a.xn--fiqs8s/%E8%B7%AF%E5%BE%84?q=%E4%B8%80",
                         "https://e.org/a%20b"]


def test_comment_html_is_shown_as_text_and_links_are_checked():
    html = render_comment('<script>alert(1)</script> [x](javascript:alert(1)) '
                          '[ok](https://e.org) ![img](https://e.org/a.png) $a_1$',
                          RenderContext("content/comments/p.yaml")).html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None and soup.find("img") is None
    assert "<script>alert(1)</script>" in soup.get_text()
    # the image is not loaded: it stays a link to its URL, named by its alt text
    assert [(a["href"], a["rel"], a.get_text()) for a in soup.select("a")] == [
        ("https://e.org", ["nofollow", "ugc", "noopener"], "ok"),
        ("https://e.org/a.png", ["nofollow", "ugc", "noopener"], "img")]
    assert "!" not in soup.get_text()
    assert formulas(html) == ["\\(a_1\\)"]


def test_a_reference_in_a_links_text_is_its_number_and_an_images_alt_keeps_its_formulas():
    """A link holds no link: `[见 \\eqref{a} 的证明](url)` would nest one, and the
    browser would end the outer link early."""
    soup = BeautifulSoup(render("[见 \\eqref{eq:a} 的证明](https://example.org)\n\n"
                                "![$x$ 的分布](a.png)\n\n"
                                "\\begin{equation}a\\label{eq:a}\\end{equation}\n").html,
                         "html.parser")
    link = soup.select_one("a[href='https://example.org']")
    assert link.get_text() == "见 (1) 的证明" and link.find("a") is None
    assert soup.select_one("img")["alt"] == "$x$ 的分布"


def test_a_readers_image_inside_a_link_is_its_text_and_keeps_its_formulas():
    html = render_comment("[![截图](https://e.org/a.png)](https://e.org/page) "
                          "![a *b* $x$](https://e.org/c.png)", RenderContext("c.yaml")).html
    links = BeautifulSoup(html, "html.parser").select("a")
    assert [(a["href"], a.get_text()) for a in links] == [("https://e.org/page", "截图"),
                                                          ("https://e.org/c.png", "a b $x$")]
    assert not BeautifulSoup(html, "html.parser").select("a a")


# --- property-based: the TeX that reaches the page is the TeX written ------------------

# (no HTML escape such as `&amp;`: a formula's are the characters they stand for)
TEX_PIECES = ["x", "y_1", "_", "^", "*", "**", "\\\\", "|", "\\|", "{", "}", "&", "<", ">",
              "<div>", "&amp", "\\alpha", "\\{", "\\}", "\\_", "\\,", " ", "~", "`", "#",
              "[", "]", "(", ")", "%", "\\frac{1}{2}", "a^{*}_{*}", "-", "+", "=", "!", "'",
              '"', "\\mathbf{x}", "1", "<!--", "-->", "[^1]"]
tex_strings = st.lists(st.sampled_from(TEX_PIECES), min_size=1, max_size=12).map("".join) \
    .map(str.strip).filter(bool)


@settings(max_examples=400, deadline=None)
@given(tex_strings)
def test_inline_tex_reaches_the_page_unchanged(tex: str):
    assert formulas(render(f"前文 ${tex}$ 后文").html) == [f"\\({tex}\\)"]


@settings(max_examples=300, deadline=None)
@given(tex_strings)
def test_display_tex_reaches_the_page_unchanged(tex: str):
    assert formulas(render(f"前文\n\n$$\n{tex}\n$$\n\n后文\n").html) == [f"\\[\n{tex}\n\\]"]


LINE_STARTS = st.sampled_from(["- ", "+ ", "* ", "> ", "# ", "1. ", "= ", ""])
"""What starts a list, a quote or a heading in Markdown, and a line of TeX too."""
tex_lines = st.lists(st.tuples(LINE_STARTS, tex_strings).map("".join).filter(
    lambda line: not line.startswith(("<", "```", "~~~"))), min_size=1, max_size=5)


@settings(max_examples=300, deadline=None)
@given(tex_lines, st.sampled_from(["前文\n$$\n{tex}\n$$\n后文\n", "由此得：$$\n{tex}\n$$\n成立。\n"]))
def test_a_display_glued_below_text_reaches_the_page_unchanged(lines: list[str], shape: str):
    """Below a line of text, or opened on it: none of its lines is Markdown's (HTML
    tags and fences at a line's start are left out: TeX has none)."""
    tex = "\n".join(lines)
    assert formulas(render(shape.format(tex=tex)).html) == [f"\\[\n{tex}\n\\]"]


@settings(max_examples=300, deadline=None)
@given(tex_strings)
def test_tex_in_a_table_cell_reaches_the_page_unchanged(tex: str):
    soup = BeautifulSoup(render(f"| 式 | 注 |\n|---|---|\n| 前 ${tex}$ 后 | 注 |\n").html,
                         "html.parser")
    assert [e.get_text() for e in soup.select("td .math")] == [f"\\({tex}\\)"]
    assert [td.get_text() for td in soup.select("td")][1:] == ["注"]


@settings(max_examples=300, deadline=None)
@given(tex_strings)
def test_bracket_tex_reaches_the_page_unchanged(tex: str):
    assert formulas(render(f"前文 \\({tex}\\) 后文\n\n\\[{tex}\\]\n").html) == [
        f"\\({tex}\\)", f"\\[{tex}\\]"]


PROSE = st.sampled_from(["苏剑林", "扩散模型", "the model ", "attention", "costs 5", "和", "，",
                         "*强调*", "_x_", "a|b", "**粗**", "[链接](https://e.org)", "~~删~~",
                         "<https://e.org>", "。"])
CODE = st.sampled_from(["$PATH", "echo $1", "price = '$5'", "$x$", "a_b * c"])


@st.composite
def documents(draw):
    """A post mixing prose, inline and display formulas, code spans and fenced code;
    returns (markdown, formulas written in order, code written in order)."""
    parts, formulas, code = [], [], []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["prose", "inline", "display", "span", "fence"]))
        if kind == "prose":
            parts.append("".join(draw(st.lists(PROSE, min_size=1, max_size=6))).strip() or "文")
        elif kind == "inline":
            tex = draw(tex_strings)
            formulas.append(f"\\({tex}\\)")
            parts.append(f"文字 ${tex}$ 文字")
        elif kind == "display":
            tex = draw(tex_strings)
            formulas.append(f"\\[\n{tex}\n\\]")
            parts.append(f"$$\n{tex}\n$$")
        elif kind == "span":
            snippet = draw(CODE)
            code.append(snippet)
            parts.append(f"代码 `{snippet}` 结束")
        else:
            snippet = draw(CODE)
            code.append(snippet + "\n")
            parts.append(f"```bash\n{snippet}\n```")
    return "\n\n".join(parts) + "\n", formulas, code


@settings(max_examples=300, deadline=None)
@given(documents())
def test_mixed_documents_keep_every_formula_and_every_code_snippet(document):
    markdown, written, code = document
    rendered = render(markdown)
    soup = BeautifulSoup(rendered.html, "html.parser")
    assert [e.get_text() for e in soup.select(".math")] == written
    assert [e.get_text() for e in soup.select("code")] == code
    assert rendered.problems == ()


def test_formulas_inside_a_raw_html_block_are_found_but_code_in_it_is_not():
    source = ("<table>\n<tr><td>$a_1 < b$</td><td>x &amp; y</td></tr>\n</table>\n"
              "<pre>$not$ math</pre>\n\n后文 $d$\n")
    soup = BeautifulSoup(render(source).html, "html.parser")
    assert [e.get_text() for e in soup.select(".math")] == ["\\(a_1 < b\\)", "\\(d\\)"]
    assert soup.select_one("td").find_parent("table") is not None
    assert soup.select_one("pre").get_text() == "$not$ math"


def test_with_code_spans_on_a_spaced_formula_in_backticks_is_told_a_space_outside_is_not():
    """leovan-cn: `` `$B$ ` `` (a space before the closing backtick) is a formula; `` `$
    \\mathcal{H}$` `` stays code, as `$ \\alpha $` in prose stays prose, and the author
    is told so at its line. Code that is no TeX (`` `$ x $` ``) is not told of."""
    source = "设 `$ x $`。\n\n见 `$ \\mathcal{H}$` 为假设空间，`$B$ ` 为批大小。\n"
    on = render_post(source, RenderContext("p.md", url="/p/", code_span_math=True))
    soup = BeautifulSoup(on.html, "html.parser")
    assert formulas(on.html) == ["\\(B\\)"]
    assert [c.get_text() for c in soup.select("code")] == ["$ x $", "$ \\mathcal{H}$"]
    assert [str(p) for p in on.problems] == [
        "p.md:3: warning: $ \\mathcal{H}$ is shown as written, not as a formula: a space "
        "inside the `$` makes it prose here (MathJax allowed it); write $\\mathcal{H}$"]
    assert render_post(source, RenderContext("p.md", url="/p/")).problems == ()
    # the first in the file is named, a code span's or prose's
    later = render_post(source + "\n又 $ \\beta $ 在后。\n",
                        RenderContext("p.md", url="/p/", code_span_math=True))
    assert [str(p).split(" is shown")[0] for p in later.problems] == ["p.md:3: warning: $ \\mathcal{H}$"]


def test_with_code_spans_on_a_code_span_that_is_one_formula_is_that_formula():
    """blogdown's habit ([math] code_spans): `$x$` and `$$…$$` in backticks are math; a
    `$$` span alone on its lines is a numbered display; other code stays code."""
    source = ("设 `$x_1*y$` 且 `$a$ and $b$`、`$5 and $10`、`$ x $`、`echo $PATH`。\n\n"
              "`$$\n\\begin{equation}e^{i\\pi}=-1\\label{e}\\end{equation}\n$$`\n\n"
              "见 `$\\eqref{e}$` 与行内 `$$y$$` 句中。\n")
    on = render_post(source, RenderContext("p.md", url="/p/", code_span_math=True))
    soup = BeautifulSoup(on.html, "html.parser")
    assert [(e["class"][1], e.get("id"), e.get_text()) for e in soup.select(".math")] == [
        ("inline", None, r"\(x_1*y\)"),
        ("display", "eq-1", r"\[\begin{equation*}e^{i\pi}=-1 \tag{1}\end{equation*}\]"),
        ("inline", None, r"\(\href{#eq-1}{\text{(1)}}\)"), ("inline", None, r"\(y\)")]
    assert [c.get_text() for c in soup.select("code")] == [
        "$a$ and $b$", "$5 and $10", "$ x $", "echo $PATH"]
    off = BeautifulSoup(render(source).html, "html.parser")
    assert off.select(".math") == [] and len(off.select("code")) == 8


def test_a_broken_formula_in_a_code_span_over_several_lines_is_told_at_its_line(tmp_path):
    from blogbuild.katex import KatexEngine

    engine = KatexEngine({}, tmp_path)
    context = RenderContext("p.md", 1, "/p/", lambda f: engine.typeset(f, trusted=True),
                            code_span_math=True)
    problems = render_post("文字\n`$$\na = b\n\\undefined c\n$$`\n", context).problems
    engine.close()
    assert [str(p).split(": KaTeX")[0] for p in problems] == ["p.md:3"]  # where its TeX starts


def test_a_heading_that_is_only_a_formula_gets_an_id_a_link_can_use():
    soup = BeautifulSoup(render("## $\\mathcal{L}_1$\n\n## $\\mathcal{L}_2$\n\n## 关于$x$\n\n"
                                "## 标题 $x$\n\n## $y$ 的性质\n\n## $\\epsilon$-Greedy\n\n"
                                "## Choice of $k$ in practice\n").html, "html.parser")
    assert [h["id"] for h in soup.select("h2")] == ["section", "section-1", "关于", "标题", "的性质",
                                                    "greedy", "choice-of--in-practice"]


@pytest.mark.parametrize("source", ["分段：\n{tex}\n", "分段：\n\n{tex}\n\n后文\n"])
def test_a_bare_environment_inside_one_of_its_name_is_one_formula(source: str):
    """A `cases` in a `cases` (MathJax pairs each \\begin with its \\end)."""
    tex = "\\begin{cases}\\begin{cases}a & b\\\\ c & d\\end{cases} & x>0\\\\ e & x\\le 0\\end{cases}"
    assert formulas(render(source.format(tex=tex)).html) == [f"\\[{tex}\\]"]


def test_a_heading_never_takes_an_id_the_page_has_already():
    """`## Search` with the id "search" would get the sidebar's search box mounted under
    it; `## Comments` would take the meta line's #comments link, `## Comment 3` a
    comment's anchor, `## Eq-1` an equation's, `## Content` the skip link's target."""
    soup = BeautifulSoup(render("## Search\n\n## Comments\n\n## Cite\n\n## Comment 3\n\n"
                                "## Eq-1\n\n## Content\n\n## 正文\n").html, "html.parser")
    assert [h["id"] for h in soup.select("h2")] == [
        "search-heading", "comments-heading", "cite-heading", "comment-3-heading",
        "eq-1-heading", "content-heading", "正文"]


def test_no_heading_takes_an_id_the_theme_or_the_preview_uses():
    """Every id the default theme's templates write, or its scripts and serve's
    live-reload script look up, read from those files: a heading of that name gets
    another (a `## blogbuild error` would have been removed with serve's error box)."""
    import re
    from pathlib import Path

    import blogbuild
    from blogbuild.theme import theme_dir

    texts = [path.read_text(encoding="utf-8") for path in
             [*theme_dir("templates").glob("*.html"), *theme_dir("static").rglob("*.js"),
              Path(blogbuild.__file__).with_name("livereload.js")]]
    ids = {found for text in texts for found in re.findall(
        r'\bid="([\w-]+)"|getElementById\("([\w-]+)"\)|\.id = "([\w-]+)"', text)}
    ids = {name for group in ids for name in group if name}
    assert {"content", "search", "math-config", "cite", "comments", "blogbuild-error"} <= ids
    for name in sorted(ids):
        [heading] = BeautifulSoup(render(f"## {name}\n").html, "html.parser").select("h2")
        assert heading["id"] != name


@pytest.mark.parametrize("environment", ["array}{cc", "smallmatrix", "dcases", "rcases",
                                         "alignedat}{2", "CD"])
def test_every_environment_katex_has_is_math_when_written_bare(environment):
    """MathJax typesets any environment written in the text; `\\\\` stays two backslashes."""
    name = environment.split("}")[0]
    source = f"见\n\n\\begin{{{environment}}}\na & b \\\\\nc & d\n\\end{{{name}}}\n"
    soup = BeautifulSoup(render(source).html, "html.parser")
    assert [e.get_text() for e in soup.select(".math.display")] == [
        f"\\[\\begin{{{environment}}}\na & b \\\\\nc & d\n\\end{{{name}}}\\]"]


def test_double_dollars_on_their_own_lines_in_an_html_block_are_a_display():
    soup = BeautifulSoup(render('<div class="theorem">\n定理：对任意$x$，有\n$$\n\\|x\\|_2\n$$\n</div>\n').html,
                         "html.parser")
    assert [e["class"] for e in soup.select(".theorem .math")] == [["math", "inline"], ["math", "display"]]


def test_double_dollars_alone_on_a_line_of_an_html_block_are_a_display():
    """WordPress wraps a centred equation in a <div>: `$$…$$` alone on its line there is
    a display, as MathJax showed it; inside a line of the block's text it is inline."""
    source = ('<div class="note">\n$$\\int_0^1 x\\,dx = \\frac{1}{2}$$\n</div>\n\n'
              "<div>\n  $$y$$  \n</div>\n\n<p>见 $$a$$ 与\n$$b$$ 之和</p>\n")
    soup = BeautifulSoup(render(source).html, "html.parser")
    assert [(e.get_text(), e["class"][1]) for e in soup.select(".math")] == [
        ("\\[\\int_0^1 x\\,dx = \\frac{1}{2}\\]", "display"), ("\\[y\\]", "display"),
        ("\\(a\\)", "inline"), ("\\(b\\)", "inline")]


def test_a_summary_refers_to_the_equations_of_its_body():
    rendered = render_post("\\begin{equation}E=mc^2\\label{eq:a}\\end{equation}\n", CONTEXT,
                           summary="本文推导式\\eqref{eq:a}。")
    assert rendered.problems == ()
    link = BeautifulSoup(rendered.excerpt_html, "html.parser").select_one("a.eqref")
    assert (link["href"], link.get_text()) == ("/blog/archives/p/#eq-1", "(1)")


def test_a_reference_in_an_html_block_links_also_without_a_formula_beside_it():
    soup = BeautifulSoup(render("\\begin{equation}a\\label{eq:a}\\end{equation}\n\n"
                                '<div class="note">由\\eqref{eq:a}可知。</div>\n').html, "html.parser")
    assert [(a["href"], a.get_text()) for a in soup.select(".note a.eqref")] == [("#eq-1", "(1)")]


@pytest.mark.parametrize("source, blocks", [
    ("Vim 里按 Ctrl-\\[ 退出：\n```\n:wq\n```\n\n## 下一节\n", ["p", "pre", "h2"]),
    ("Price is HK$$5 and\n- item\n- item2\n", ["p", "ul"]),
    ("where $x$$y$ are\n- item\n", ["p", "ul"]),
    ("kramdown 写 $$x_1$$\n- item\n", ["p", "ul"]),
    ("在文档中写 \\begin{document} 即可\n# 标题\n", ["p", "h1"]),
    # a `$$` line in a quote without its `>` continues the quote, as any such line does
    ("> 引用里的公式：\n$$x=1$$\n> 继续引用\n", ["blockquote"]),
])
def test_dollars_or_brackets_that_open_no_display_leave_markdown_as_it_was(source, blocks):
    """Only a line that ends in `$$` or `\\[` (or a math environment) opens a display
    that keeps the paragraph's later lines from being lists, headings or fences."""
    soup = BeautifulSoup(render(source).html, "html.parser")
    assert [element.name for element in soup.find_all(recursive=False)] == blocks


@pytest.mark.parametrize("source", [
    # a display indented less than its list item: a lazy line of the item's paragraph
    "- a\n    1. b\n    2. c: <br/>\n    $$\n    \\begin{aligned}\n    a &= b \\\\\n    c &= d\n"
    "    \\end{aligned}\n    $$\n    3. d\n",
    # an inline `$$` opened in an item closes on a later line; the next line is an item
    "- a\n    1. b\n    2. c $$R = \\begin{cases}\n\t0 \\\\\n\t\\end{cases}\n\t$$\n    3. d\n",
])
def test_lil_logs_formulas_in_nested_lists_keep_the_lists_whole(source):
    """kramdown's habits (the lil-log corpus), as markdown-it read them before display
    blocks could end a paragraph."""
    soup = BeautifulSoup(render(source).html, "html.parser")
    [items] = soup.select("ul > li > ol")
    assert [li.contents[0].strip()[:1] for li in items.select(":scope > li")] == ["b", "c", "d"]
    assert len(items.select(":scope > li")[1].select(".math")) == 1


def test_a_long_paragraph_is_read_once_not_once_per_line(monkeypatch):
    """Every block rule asks of every line whether a formula is open: the paragraph
    read again each time made a 3000-line paragraph take ~70 s instead of 0.3 s."""
    from blogbuild import openspans

    reads = []
    read = openspans._Scan.read
    monkeypatch.setattr(openspans._Scan, "read", lambda scan, line: reads.append(line) or read(scan, line))
    render("\n".join(f"第{i}行 $x_{i}$ 与 \\alpha" for i in range(300)) + "\n")
    assert len(reads) <= 2 * 300  # the setext heading rule reads it first, then the paragraph


@pytest.mark.parametrize("source, formulas_written", [
    ("其中 $a_1\n+ b_1$ 是和，而 $c\n> 0$ 成立。\n", ["a_1\n+ b_1", "c\n> 0"]),
    ("where $$x_1\n> 0$$ holds, and \\(y\n- 1\\) too.\n", ["x_1\n> 0", "y\n- 1"]),
    ("> 引文 $a\n> - b$ 完\n", ["a\n- b"]),
])
def test_an_inline_formula_wrapped_onto_a_line_like_a_list_item_stays_one_formula(
        source: str, formulas_written: list[str]):
    """Hard-wrapped prose: `+ b_1$` is the formula's second line, not a list item (nor
    `> 0$` a quote), as MathJax and Pandoc read it."""
    soup = BeautifulSoup(render(source).html, "html.parser")
    assert soup.select("ul, blockquote blockquote, h1") == [] and len(soup.select("p")) == 1
    assert [e.get_text()[2:-2] for e in soup.select(".math")] == formulas_written


@pytest.mark.parametrize("source, items", [
    ("It costs $5 and\n- item one\n- item two\n", 2),  # a price opens nothing
    ("costs $5 and\n- item costs $3\n", 1),  # a `$` after a space closes nothing
    ("code `$x` and\n- item$ y\n", 1),  # a code span's dollar is code
    ("escaped \\$a\n- item b$\n", 1),
])
def test_a_dollar_that_opens_no_formula_lets_a_list_start(source: str, items: int):
    soup = BeautifulSoup(render(source).html, "html.parser")
    assert len(soup.select("ul > li")) == items and soup.select(".math") == []


def test_a_long_paragraph_of_wrapped_formulas_is_looked_through_once(monkeypatch):
    """Which of its lines start inside an inline formula is found in one pass per
    paragraph, not one per line and rule."""
    from blogbuild import mathsyntax, openspans

    calls = []
    monkeypatch.setattr(openspans, "_wrapped_lines", _counting(openspans._wrapped_lines, calls))
    source = "\n".join(f"第{i}行 $x_{i}\n+ y$ 与" for i in range(300)) + "\n"
    soup = BeautifulSoup(render(source).html, "html.parser")
    assert len(soup.select(".math")) == 300 and soup.select("ul") == []
    assert calls == [0]  # one paragraph, one pass (every later question remembered)
    assert list(mathsyntax.formula_spans("$a\n+ b$")) == [(0, 7)]



def _counting(function, calls):
    def counted(state, formula_end):
        known = state.env.get("_wrapped_lines")
        if known is None or known[0] is not state or known[1] != state.line:
            calls.append(state.line)
        return function(state, formula_end)
    return counted


def test_a_formula_and_the_punctuation_touching_it_are_one_unbreakable_unit():
    """A line must not start with the "。" after `$k$`, nor end with the "（" before
    `$x$` (a browser breaks beside a formula's box as it would not beside a character).
    Nothing of the text is lost or doubled on the way."""
    source = "取指数就是$k$。不过（$x$）、“$y$”和$z$ 不同，以及$\\log k$，end $w$.\n"
    soup = BeautifulSoup(render(source).html, "html.parser")
    assert [unit.get_text() for unit in soup.select(".nobr")] == [
        "\\(k\\)。", "（\\(x\\)）、", "“\\(y\\)”", "\\(\\log k\\)，", "\\(w\\)."]
    assert soup.p.get_text() == ("取指数就是\\(k\\)。不过（\\(x\\)）、“\\(y\\)”和\\(z\\) 不同，"
                                 "以及\\(\\log k\\)，end \\(w\\).")
    assert all(unit.select_one(".math.inline") for unit in soup.select(".nobr"))


def test_a_run_of_marks_is_bound_to_the_formula_whole():
    """"（$k$）。": a line may start with neither "）" nor "。", nor end with "“" or "（"."""
    source = "若取（$k$）。再看“（$x$”）和$y$……以及 $z$,. 完\n"
    soup = BeautifulSoup(render(source).html, "html.parser")
    assert [unit.get_text() for unit in soup.select(".nobr")] == [
        "（\\(k\\)）。", "“（\\(x\\)”）", "\\(y\\)……", "\\(z\\),."]
    assert soup.p.get_text() == "若取（\\(k\\)）。再看“（\\(x\\)”）和\\(y\\)……以及 \\(z\\),. 完"


def test_a_long_formula_katex_may_break_is_not_bound_to_its_punctuation():
    """KaTeX breaks a long inline formula after `=` or `+`: bound to its "，" it would
    stick out of a phone's column instead. One it cannot break anyway is bound."""
    breakable = "a_1 + a_2 + a_3 + a_4 = b_1 + b_2"
    unbreakable = "\\boldsymbol{A}^{-1}\\boldsymbol{U}\\boldsymbol{V}"
    soup = BeautifulSoup(render(f"设${breakable}$，又${unbreakable}$。\n").html, "html.parser")
    assert [unit.get_text() for unit in soup.select(".nobr")] == [f"\\({unbreakable}\\)。"]


def test_a_comment_and_a_title_bind_their_formulas_punctuation_too():
    from blogbuild.markdown import render_title

    rendered = [render_comment("所以是$k$。", CONTEXT), render_title("为何是$k$？", CONTEXT)]
    assert [BeautifulSoup(r.html, "html.parser").select_one(".nobr").get_text()
            for r in rendered] == ["\\(k\\)。", "\\(k\\)？"]


def test_the_themes_script_holds_the_same_marks_as_formulabreaks():
    """blogbuild.js moves the marks touching a formula into its boxes; formulabreaks.py
    binds them in the HTML. Two lists of the same marks, which must not drift apart."""
    import re

    from blogbuild.formulabreaks import CLOSING, OPENING
    from blogbuild.theme import theme_dir

    script = (theme_dir("static") / "js" / "blogbuild.js").read_text(encoding="utf-8")
    classes = dict(re.findall(r"\b(CLOSING|OPENING) = /\^?\[([^\]]+)\]", script))
    assert set(classes["CLOSING"]) == CLOSING
    assert set(classes["OPENING"]) == OPENING


def test_a_display_formula_left_open_is_told_at_its_line():
    """`$$`, a line `\\[` or a `\\begin{align}` with nothing (or the wrong `\\end`) to
    close it stays TeX source on the page, which KaTeX never sees: told, at its line."""
    source = ("开头\n\n$$\nx = 1\n\n\\begin{align}\na &= b\n\\end{aligned}\n\n\\[\nz = 2\n\n"
              "$$y$$ 与 \\begin{equation}c\\end{equation} 与 `$$x$$` 都闭合了。\n")
    rendered = render(source)
    assert len(formulas(rendered.html)) == 2  # the closed ones
    assert [(p.line, p.message, p.warning) for p in rendered.problems] == [
        (7, "$$ opens a display formula that is never closed by $$, so the page shows it "
            "as text: close it", True),
        (10, "\\begin{align} opens a display formula that is never closed by \\end{align}, "
             "so the page shows it as text: close it", True),
        (14, "\\[ opens a display formula that is never closed by \\], so the page shows it "
             "as text: close it", True)]


@pytest.mark.parametrize("prose", [
    "价格 $5 和 $10。", "见 \\[1\\] 与 \\[2\\]。", "代码 `$$` 与\n\n```\n$$\n\\begin{align}\n```\n",
    "$$\na\n$$\n\n\\[\nb\n\\]\n", "\\begin{align*}\nc\n\\end{align*}\n"])
def test_closed_formulas_prices_and_code_are_no_open_display(prose):
    assert render(prose).problems == ()


@pytest.mark.parametrize("prose", [
    "转义 \\$\\$ 不是公式。", "用 \\\\$\\\\$ 包围公式。", "写作 &#36;&#36; 也不行。",
    "行内环境 \\begin{equation}a\\end{equation} 闭合了。"])
def test_a_dollar_sign_written_as_such_is_no_open_display(prose):
    """The escapes the README gives for a dollar sign: the page shows "$$", as meant."""
    assert render(prose + "\n").problems == ()


def test_an_open_display_is_told_at_its_own_line_of_the_paragraph():
    rendered = render("第一行 &amp; 文字\n第二行 \\# 然后 $$ 没闭合\n")
    assert [p.line for p in rendered.problems] == [6]
