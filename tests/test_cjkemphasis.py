"""CJK-friendly emphasis (cjkemphasis.py): bold and italics beside Chinese punctuation
work, and text with no CJK character beside a delimiter parses as CommonMark says."""

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from blogbuild.cjkemphasis import cjk_friendly_emphasis, is_cjk
from blogbuild.markdown import RenderContext, render_comment, render_post


def parser(amended: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark")
    md.enable(["strikethrough"])
    if amended:
        cjk_friendly_emphasis(md)
    return md


AMENDED, COMMONMARK = parser(True), parser(False)


@pytest.mark.parametrize("source, html", [
    # from a real Chinese blog (leovan.me), where CommonMark shows the asterisks
    ("称之为这个动作的**“价值”**。", "称之为这个动作的<strong>“价值”</strong>。"),
    ("**读万卷书，行万里路。**胸中", "<strong>读万卷书，行万里路。</strong>胸中"),
    ("我认为**「立身」**是", "我认为<strong>「立身」</strong>是"),
    ("利用**“领结”图**可以", "利用<strong>“领结”图</strong>可以"),
    ("这是*（斜体）*的", "这是<em>（斜体）</em>的"),
    ("~~删掉。~~了", "<s>删掉。</s>了"),
    ("하려면 **`npm publish`**를", "하려면 <strong><code>npm publish</code></strong>를"),
    ("価格は**「1,000円」**です", "価格は<strong>「1,000円」</strong>です"),
    # as CommonMark has it: `_` inside a word, a run with spaces inside
    ("中文_强调_中文", "中文_强调_中文"),
    ("中文 _强调_ 中文", "中文 <em>强调</em> 中文"),
    ("这 ** 不是 ** 粗体", "这 ** 不是 ** 粗体"),
])
def test_emphasis_beside_cjk_punctuation_is_emphasis(source, html):
    assert AMENDED.renderInline(source) == html


def test_the_corpus_cases_are_literal_asterisks_in_plain_commonmark():
    """What the amendments change (else the cases above prove nothing)."""
    assert COMMONMARK.renderInline("称之为这个动作的**“价值”**。").count("**") == 2


def pieces(*alphabet: str, size: int) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(alphabet), max_size=size).map("".join)


NO_CJK = pieces(*"ab é1 .,;:!?()[]“”'\"-", "*", "**", "_", "__", "~~", "\n", size=40)


@settings(max_examples=400, deadline=None)
@given(NO_CJK)
def test_text_without_cjk_parses_as_commonmark_says(source):
    assert AMENDED.render(source) == COMMONMARK.render(source)


@settings(max_examples=300, deadline=None)
@given(pieces(*"中文。，“”「」（） a.", "*", "**", "_", "~~", "`c`", size=30))
def test_any_mix_of_cjk_and_delimiters_is_parsed_whole(source):
    """No text is lost or doubled: only asterisks turn into tags."""
    def visible(html: str) -> str:
        return BeautifulSoup(html, "html.parser").get_text().replace("*", "").replace("_", "") \
            .replace("~", "")
    assert visible(AMENDED.render(source)) == visible(COMMONMARK.render(source))


def test_posts_and_comments_get_it_with_formulas_inside():
    context = RenderContext("content/posts/p.md", url="/archives/p/")
    post = BeautifulSoup(render_post("以及**$z$**，还有**“重点”**。\n", context).html, "html.parser")
    assert [strong.get_text() for strong in post.select("strong")] == ["\\(z\\)", "“重点”"]
    assert post.select_one("strong .math")
    comment = BeautifulSoup(render_comment("读者说**“对”**。", context).html, "html.parser")
    assert comment.select_one("strong").get_text() == "“对”"


@pytest.mark.parametrize("character, cjk", [("中", True), ("。", True), ("「", True),
                                            ("，", True), ("ｶ", True), ("한", True),
                                            ("“", False), ("a", False), ("😀", False),
                                            ("⭐", False), ("é", False), ("\u2329", True)])
def test_what_counts_as_cjk(character, cjk):
    """East Asian wide, fullwidth or halfwidth, no emoji; Hangul. Curly quotes are
    ambiguous width, not CJK (the amendments treat them as other punctuation)."""
    assert is_cjk(character) is cjk
