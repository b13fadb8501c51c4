import dataclasses
import json
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from conftest import post, write_site
from hypothesis import given, settings
from hypothesis import strategies as st

from blogbuild.comments import parse_comments
from blogbuild.config import SiteConfig
from blogbuild.content import load_content, parse_post, rejected_post
from blogbuild.frontmatter import split_front_matter
from blogbuild.contentcache import NOT_XML

CONFIG = SiteConfig(title="T", base_url="https://e.org/", author="苏剑林")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def parse(text: str, source: str = "content/posts/a.md"):
    problems = []
    return parse_post(source, text, CONFIG, problems), [str(p) for p in problems]


def test_can_parse_a_valid_post():
    record, problems = parse(post("生成扩散模型漫谈(二十一)", "2023-12-07 10:30",
                                  "正文 $x$\n", tags="[扩散模型, ODE]", category="信息时代",
                                  series="生成扩散模型漫谈", views=75393, slug="diffusion-21"))
    assert problems == []
    assert record.title == "生成扩散模型漫谈(二十一)"
    assert record.date == datetime(2023, 12, 7, 10, 30, tzinfo=SHANGHAI)
    assert record.tags == ("扩散模型", "ODE") and record.views == 75393
    assert record.slug == "diffusion-21" and record.author == "苏剑林"
    assert record.body == "正文 $x$\n" and record.body_line == 10


def test_every_accepted_date_form_gives_the_same_kind_of_moment():
    forms = {"2023-12-07": datetime(2023, 12, 7, tzinfo=SHANGHAI),
             "'2023-12-07'": datetime(2023, 12, 7, tzinfo=SHANGHAI),
             "2023-12-07 10:30:05": datetime(2023, 12, 7, 10, 30, 5, tzinfo=SHANGHAI),
             "2023-12-07T10:30:00+00:00": datetime(2023, 12, 7, 10, 30, tzinfo=timezone.utc)}
    for written, expected in forms.items():
        record, problems = parse(post("t", written))
        assert problems == [] and record.date == expected, written
        assert record.date.utcoffset() == expected.utcoffset()


def test_a_date_that_is_not_a_date_is_reported_at_its_line():
    _, problems = parse(post("t", "2023-13-45"))
    assert problems[0].startswith("content/posts/a.md:3: `date`: '2023-13-45' is not a date "
                                  "(month must be in 1..12); write YYYY-MM-DD")
    # Python's "Invalid isoformat string" would only repeat what was written
    _, problems = parse(post("t", "2023/12/07"))
    assert problems == ["content/posts/a.md:3: `date`: '2023/12/07' is not a date; write "
                        "YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] or ISO 8601 such as "
                        "2023-12-07T10:30:00+08:00"]


def test_missing_title_and_date_are_both_reported():
    _, problems = parse("---\nviews: 3\n---\nbody\n")
    assert any("missing `title:`" in p for p in problems)
    assert any("missing `date:`" in p for p in problems)


def test_file_name_gives_date_and_slug_in_the_jekyll_habit():
    record, problems = parse("---\ntitle: t\n---\nx\n", "content/posts/2020-01-02-hello.md")
    assert problems == []
    assert record.date == datetime(2020, 1, 2, tzinfo=SHANGHAI) and record.slug == "hello"


def test_a_bundles_index_md_is_named_by_its_folder_as_hugo_and_zola_name_it(tmp_path: Path):
    """content/posts/rope/index.md was the post `index`; a second bundle's slug clashed."""
    write_site(tmp_path, {
        "content/posts/rope/index.md": post("RoPE", "2024-07-01"),
        "content/posts/2024/2024-07-02-yarn/index.md": "---\ntitle: YaRN\n---\n正文\n",
        "content/posts/index.md": post("root", "2024-07-03")})
    content = load_content(tmp_path, CONFIG)
    assert content.problems == ()
    assert {(p.slug, p.date.day) for p in content.posts} == {("rope", 1), ("yarn", 2), ("index", 3)}


def test_a_bundles_other_files_are_told_where_the_posts_links_find_them(tmp_path: Path):
    """An image beside a bundle's index.md was told to go to static/ under its content
    path, where the post's relative link `fig.png` would not find it; another .md file
    is a post of its own; Hugo's _index.md is not a post."""
    write_site(tmp_path, {
        "content/posts/2024/rope/index.md": post("RoPE", "2024-07-01"),
        "content/posts/2024/rope/fig.png": "png",
        "content/posts/2024/rope/images/b.png": "png",
        "content/posts/2024/rope/notes.md": post("Notes", "2024-07-02"),
        "content/posts/_index.md": "---\ntitle: 文章\n---\n",
        "content/posts/undated/index.md": "---\ntitle: 无日期\n---\n"})
    content = load_content(tmp_path, CONFIG)
    assert sorted(post.slug for post in content.posts) == ["notes", "rope"]
    assert [str(p) for p in content.problems] == [
        "content/posts/undated/index.md:1: missing `date:`; add e.g. `date: 2024-01-14 10:30`, "
        "or start the folder name with the date (2024-01-14-slug/index.md)",
        "content/posts/2024/rope/fig.png: warning: not copied to the site: a post's folder is "
        "not published with it; put the file in static/archives/rope/fig.png, where the post's "
        "link `fig.png` finds it",
        "content/posts/2024/rope/images/b.png: warning: not copied to the site: a post's folder "
        "is not published with it; put the file in static/archives/rope/images/b.png, where the "
        "post's link `images/b.png` finds it",
        "content/posts/_index.md: warning: not read: Hugo's text for a list page; blogbuild "
        "makes the listings itself (the site's `description` in site.toml is shown on them)"]


def test_two_bundles_of_one_name_are_told_it_comes_from_the_folder(tmp_path: Path):
    write_site(tmp_path, {"content/posts/a/rope/index.md": post("a", "2024-07-01"),
                          "content/posts/b/rope/index.md": post("b", "2024-07-02")})
    assert [str(p) for p in load_content(tmp_path, CONFIG).problems] == [
        "content/posts/b/rope/index.md:1: slug 'rope' (from the folder name) is already used "
        "by content/posts/a/rope/index.md; give one of them another `slug:`"]


def test_chinese_slugs_are_kept_as_they_are():
    record, _ = parse(post("t", "2020-01-02"), "content/posts/中文 标题.md")
    assert record.slug == "中文-标题"


def test_a_slug_that_cannot_be_a_url_is_reported():
    _, problems = parse(post("t", "2020-01-02", slug="a/b"))
    assert problems[0].startswith("content/posts/a.md:4: slug 'a/b' cannot be part of a URL")


def test_broken_front_matter_points_at_the_yaml_line():
    _, problems = parse("---\ntitle: t\ndate: [2020\n---\nx\n")
    assert problems[0].startswith("content/posts/a.md:") and "broken YAML" in problems[0]
    assert int(problems[0].split(":")[1]) in (3, 4)


def test_a_tab_in_front_matter_is_reported_at_its_own_line():
    """libyaml's context is the value before the tab: the line above it was named."""
    _, problems = parse("---\ntitle: t\ndate: 2024-01-01\ntags:\n  - a\n\t- b\n---\nx\n")
    assert problems == ["content/posts/a.md:6: broken YAML: found a tab character that violates "
                        "indentation (YAML indents with spaces: replace the tab with spaces)"]


def test_a_title_holding_a_colon_is_told_to_be_quoted():
    _, problems = parse("---\ntitle: 生成扩散模型漫谈(二十一): 中值定理\ndate: 2024-01-01\n---\nx\n")
    assert problems == ["content/posts/a.md:2: broken YAML: mapping values are not allowed in "
                        "this context (a value holding `: ` (a title such as `漫谈(二十一): "
                        "中值定理`)? put the whole value in single quotes: title: '…: …')"]


def test_a_comment_without_its_id_or_with_a_wrong_one_is_told_in_the_files_words():
    problems = []
    parse_comments("content/comments/a.yaml", "- author: 甲\n  date: 2024-01-01\n  body: 一\n"
                   "- id: abc\n  author: 乙\n  date: 2024-01-01\n  body: 二\n  parent: [1]\n",
                   "a", CONFIG, problems)
    assert [str(p) for p in problems] == [
        "content/comments/a.yaml:1: missing `id:` in this comment; give each comment a whole "
        "number of its own, e.g. `id: 12`",
        'content/comments/a.yaml:4: comment `id` must be a whole number, not the text "abc"',
        "content/comments/a.yaml:8: `parent` must be the id of another comment, not a list"]


def test_a_key_given_twice_is_an_error_at_the_second_naming_the_first():
    """YAML keeps the last of two equal keys: the first `tags:` was dropped silently."""
    _, problems = parse("---\ntitle: t\ndate: 2024-01-01\ntags: [扩散模型, ODE]\n"
                        "category: 数学\ntags: [采样]\n---\nx\n")
    assert problems == ["content/posts/a.md:6: `tags` is given twice (first at line 4); YAML "
                        "keeps only the last: remove one, or merge them"]
    comment_problems = []
    parse_comments("content/comments/a.yaml", "- id: 1\n  author: 甲\n  date: 2024-01-01\n"
                   "  body: 一\n  body: 二\n", "a", CONFIG, comment_problems)
    assert [str(p) for p in comment_problems] == [
        "content/comments/a.yaml:5: `body` is given twice (first at line 4); YAML keeps only "
        "the last: remove one, or merge them"]


def test_a_key_given_twice_hides_none_of_the_files_other_problems():
    """The duplicate stopped the reading: `views: lots` and `draft: maybe` showed only
    once it was mended (an author's review)."""
    record, problems = parse("---\ntitle: a\ntitle: b\ndate: 2024-01-01\nviews: lots\n"
                             "draft: maybe\ntags: [x]\ntags: [y]\n---\nx\n")
    assert record is None
    assert [p.split(":")[1] for p in problems] == ["3", "8", "5", "6"]
    assert "`views`" in problems[2] and "`draft`" in problems[3]
    comment_problems = []
    comments, _ = parse_comments(
        "content/comments/a.yaml", "- id: 1\n  author: 甲\n  author: 乙\n  date: 2024-01-01\n"
        "  body: 一\n- id: 2\n  author: 丙\n  date: someday\n  body: 二\n", "a", CONFIG,
        comment_problems)
    assert [str(p).split(":")[1] for p in comment_problems] == ["3", "8"]


def test_merge_keys_are_yamls_not_keys_given_twice():
    """`<<: *defaults` then `title:` overrides the merged title, as YAML means; an
    anchor merged again is no duplicate; `1:` and `'1':` are two keys."""
    record, problems = parse("---\nbase: &base {title: 默认, author: 甲}\n<<: *base\ntitle: 3.10\n"
                             "date: 2024-01-01\no: &o {k: 1}\na:\n  <<: &b\n    <<: *o\n    k: 2\n"
                             "c: *b\n1: one\n'1': also one\n---\nx\n")
    assert [p for p in problems if "given twice" in p] == []
    assert (record.title, record.author) == ("3.10", "甲")


def test_a_content_that_is_a_file_is_no_content(tmp_path: Path):
    write_site(tmp_path, {"content": "not a folder"})
    assert load_content(tmp_path, CONFIG).posts == ()


def test_names_are_text_as_written_where_yaml_would_read_a_number_or_a_truth_value():
    """YAML 1.1 reads `3.10` as 3.1 and `on`, `no` as True and False: the page showed
    "3.1", and tags "True" and "False". A count or a flag keeps its type."""
    record, problems = parse("---\ntitle: 3.10\ndate: 2024-01-01\ntags: [on, NO, 1.10, 0x1F, "
                             "'yes']\ncategory: no\nseries: 2024\nslug: 1.0\nviews: 12\n"
                             "draft: false\n---\nx\n")
    assert problems == []
    assert (record.title, record.tags, record.category, record.series, record.slug) == \
        ("3.10", ("on", "NO", "1.10", "0x1F", "yes"), "no", "2024", "1.0")
    assert (record.views, record.draft) == (12, False)


def test_missing_front_matter_says_how_to_fix_it():
    _, problems = parse("just text\n")
    assert problems == ["content/posts/a.md:1: no front matter: a post starts with a line "
                        "`---`, then `title: ...` and `date: ...`, then another `---`"]


def test_updated_before_the_date_is_a_warning_at_its_line():
    record, problems = parse(post("甲", "2024-03-01 10:00", updated="2023-03-02"))
    assert record.updated.year == 2023  # kept as written: a warning, not an error
    assert problems == ["content/posts/a.md:4: warning: `updated` (2023-03-02) is before "
                        "`date` (2024-03-01): the post shows it as updated before it was "
                        "published; a typo in either?"]
    # the same day, as the page shows it (in the site's time zone): no update, no warning
    for updated in ("2024-03-01", "2024-03-01 10:00", "2024-03-01T10:30:00+09:00"):
        assert parse(post("甲", "2024-03-01 10:00", updated=updated))[1] == [], updated


def test_html_character_references_in_names_are_the_characters_a_wordpress_blog_showed():
    """A WordPress export escapes a title's `&`: `&amp;` showed as `&` there, and must here
    (in the page, <title>, feeds). `AT&T` and a formula's `&lt;` are what they were."""
    record, problems = parse(post("WordPress &amp; MathJax：$a &lt; b$ 与 AT&T", "2024-03-01",
                                  "正文 &amp; 不变", tags="[Q&amp;A, 数学]",
                                  category='"&#25968;&#23398;"', series="A &#x26; B"))
    assert problems == []
    assert record.title == "WordPress & MathJax：$a < b$ 与 AT&T"
    assert (record.tags, record.category, record.series) == (("Q&A", "数学"), "数学", "A & B")
    assert record.body == "正文 &amp; 不变"  # Markdown: decoded where it renders
    # only whole references: html.unescape alone reads `&amplifier;` as `&amp` + "lifier;"
    assert parse(post("'&amplifier; 与 &notit; 与 &ltfoo;'", "2024-03-01"))[0].title == \
        "&amplifier; 与 &notit; 与 &ltfoo;"


def test_aliases_are_the_files_old_addresses_are_served_from():
    """From the site's root, or (Hugo's page-relative alias) from the post's folder."""
    record, problems = parse(post("t", "2024-01-01", aliases="[/archives/9881/, old-name, "
                                  "../2015/x, /2015/03/OLD.HTML, /y.html/, "
                                  "'/archives/%E4%B8%AD%E6%96%87/']"))
    assert problems == []
    assert record.aliases == ("archives/9881/index.html", "archives/old-name/index.html",
                              "2015/x/index.html", "2015/03/OLD.HTML", "y.html/index.html",
                              "archives/中文/index.html")
    record, problems = parse(post("t", "2024-01-01", aliases="/archives/9881"))
    assert problems == [] and record.aliases == ("archives/9881/index.html",)


def test_a_pages_relative_alias_is_beside_it_at_the_sites_root(tmp_path: Path):
    write_site(tmp_path, {"content/pages/about.md": "---\ntitle: 关于\naliases: [me]\n---\n"})
    assert load_content(tmp_path, CONFIG).pages[0].aliases == ("me/index.html",)


@pytest.mark.parametrize(("written", "says"), [
    ("[https://kexue.fm/archives/9881]", "an alias is an address on this site"),
    ("['/?p=9881']", "a static host serves a page by its path alone"),
    ("[../../x]", "its `..` leads above the site's root"),
    ("[/]", "that is the site's front page"),
    ("[/a b/]", "not a path of folder names and a file name"),
    ("['/a%2Fb/']", "not a path of folder names and a file name"),
    ("['/a%00b/']", "not a path of folder names and a file name"),
    ("[/.well-known/x/]", "not a path of folder names and a file name"),
    ("['/a%E4b/']", "'a%E4b' is not UTF-8 once its %-escapes are read"),
    ("[9881]", "alias 9881: an alias is an address, not 9881: put it in quotes"),
    ("{old: /x/}", "`aliases` must be a list of old addresses on this site"),
])
def test_an_alias_that_is_no_path_on_the_site_is_an_error_at_its_line(written: str, says: str):
    record, problems = parse(post("t", "2024-01-01", aliases=written))
    assert record is None and len(problems) == 1
    assert problems[0].startswith("content/posts/a.md:4: ") and says in problems[0]


def test_an_alias_where_a_page_or_another_alias_is_is_an_error_at_its_line(tmp_path: Path):
    write_site(tmp_path, {
        "content/posts/a.md": post("a", "2024-01-01", aliases="[/archives/b/, /old/]"),
        "content/posts/b.md": post("b", "2024-01-02", aliases="[/OLD/, /archives/b/]"),
        "content/pages/about.md": "---\ntitle: 关于\naliases: [/archives/a/]\n---\n"})
    assert [str(p) for p in load_content(tmp_path, CONFIG).problems] == [
        "content/posts/a.md:4: alias /archives/b/ is where the page of content/posts/b.md is "
        "written: remove it, or change that slug",
        "content/posts/b.md:4: alias /OLD/ is where an alias of content/posts/a.md is "
        "written: remove one of them",
        "content/posts/b.md:4: alias /archives/b/ is where its own page is written: remove it",
        "content/pages/about.md:3: alias /archives/a/ is where the page of content/posts/a.md "
        "is written: remove it, or change that slug"]


def test_toml_front_matter_gives_the_record_yaml_gives():
    """Hugo's and Zola's `+++` header: the same keys, TOML's own dates and numbers."""
    toml = ("+++\ntitle = '生成扩散模型漫谈(二十一)'\ndate = 2023-12-07T10:30:00+08:00\n"
            "slug = \"diffusion-21\"\ntags = [\"扩散模型\",\n  \"ODE\"]  # two\n"
            "category = '信息时代'\nseries = \"生成扩散模型漫谈\"\nviews = 75393\n"
            "updated = 2023-12-08\n+++\n正文 $x$\n")
    yaml = post("'生成扩散模型漫谈(二十一)'", "2023-12-07 10:30", "正文 $x$\n",
                slug="diffusion-21", tags="[扩散模型, ODE]", category="信息时代",
                series="生成扩散模型漫谈", views=75393, updated="2023-12-08")
    (from_toml, toml_problems), (from_yaml, yaml_problems) = parse(toml), parse(yaml)
    assert toml_problems == yaml_problems == []
    assert from_toml == dataclasses.replace(from_yaml, body_line=12)
    assert from_toml.date == datetime(2023, 12, 7, 10, 30, tzinfo=SHANGHAI)


def test_toml_keys_are_found_at_their_lines(tmp_path: Path):
    """Lines inside a string or an array over several lines set no key."""
    write_site(tmp_path, {"content/posts/a.md": (
        '+++\ntitle = "甲"\ndate = 2024-01-01\nsummary = """\n见文献\n[1] Ho et al.\n'
        'title = x\n"""\nrefs = [\n  [1, 2],\n  [3],\n]\ntittle = "乙"\n[extra]\n'
        'subtitle = "丙"\nslug = "不是"\n+++\n正文\n')})
    content = load_content(tmp_path, CONFIG)
    assert [(p.line, p.message.split(";")[0]) for p in content.problems] == [
        (14, "unknown front-matter key `extra` (first seen here)"),
        (9, "unknown front-matter key `refs` (first seen here)"),
        (13, "unknown front-matter key `tittle` (first seen here) (did you mean `title`?)")]
    assert content.posts[0].slug == "a" and content.posts[0].extra["extra"]["slug"] == "不是"


@pytest.mark.parametrize(("header", "line", "says"), [
    ("title = 甲", 2, "broken TOML: Invalid value (text goes in quotes: title = '…')"),
    ('title = "$\\mathcal{A}$"', 2, "broken TOML: Unescaped '\\' in a string (TeX inside "
     "double quotes? there a backslash starts an escape: write the value in single quotes, "
     "or double each backslash)"),
    ('title = "关于 $\\underline{x}$"', 2, "broken TOML: Invalid hex value (TeX inside double "
     "quotes? "),
    ("date = 2024-01-01 10:30", 2, "broken TOML: Expected newline or end of document after "
     "a statement (a TOML date is YYYY-MM-DD, or with its time and seconds: "
     "2024-01-14T10:30:00, +08:00 after it for an offset)"),
    ("date = 2024-01-01T10:30+08:00", 2, "broken TOML: Expected newline or end of document "
     "after a statement (a TOML date is "),
    ("date = 2024-13-01", 2, "broken TOML: Expected newline or end of document after a "
     "statement (a TOML date is "),
    ('slug = "a"\ntitle = "甲"\nslug = "b"', 4, "broken TOML: Cannot overwrite a value (a key "
     "or a table given twice: remove one, or merge them)"),
    ('[extra]\na = 1\n[extra]\nb = 2', 4, "broken TOML: Cannot declare ('extra',) twice (a "
     "key or a table given twice"),
    ("date = 2024-01-01\ntitle = '甲", 3, "broken TOML: Expected \"'\" (a quote is not closed "
     "on this line)"),
    ("title: 甲", 2, "broken TOML: Expected '=' after a key in a key/value pair (TOML sets a "
     "key with `=`: `title = '…'`; YAML, with `:`, goes between lines `---`)"),
])
def test_broken_toml_is_reported_at_its_line_with_what_to_do(header: str, line: int, says: str):
    _, problems = parse(f"+++\n{header}\n+++\n正文\n")
    assert len(problems) == 1 and problems[0].startswith(f"content/posts/a.md:{line}: {says}")


def test_tex_that_toml_reads_as_escapes_is_an_error_at_its_line():
    """`"$\\theta$"` parses: a tab and "heta" in the title; in a string over several
    lines too, at the escape's own line."""
    _, problems = parse('+++\ndate = 2024-01-01\ntitle = "关于$\\theta$"\n+++\n正文\n')
    assert problems == ["content/posts/a.md:3: `\\theta` inside double quotes is TOML's "
                        "escape `\\t` (a tab), not TeX: write the value in single quotes, "
                        "or double each backslash"]
    _, problems = parse('+++\ntitle = "甲"\ndate = 2024-01-01\nsummary = """\n关于\n'
                        '$\\nabla f$ 的讨论"""\n+++\n正文\n')
    assert problems == ["content/posts/a.md:6: `\\nabla` inside double quotes is TOML's "
                        "escape `\\n` (a line break), not TeX: write the value in single "
                        "quotes, or double each backslash"]


@pytest.mark.parametrize("header", [
    "# was: title = \"$\\theta$\"\ntitle = '关于$\\theta$'",
    "title = '''Euler's \"$\\theta$\"'''",
    "title = \"关于$\\\\theta$\"",
])
def test_tex_toml_reads_as_written_is_no_error(header: str):
    """A comment, a literal string (single quotes) or a doubled backslash."""
    record, problems = parse(f"+++\n{header}\ndate = 2024-01-01\n+++\n正文\n")
    assert problems == [] and "$\\theta$" in record.title


@pytest.mark.parametrize(("header", "says"), [
    ("title = 3.10", "`title` is text: put it in quotes (title = \"…\"); unquoted, TOML "
     "reads 3.1"),
    ("title = '甲'\ntags = ['a', true]", "`tags` is text: put it in quotes (tags = \"…\"); "
     "unquoted, TOML reads true"),
    ("title = 0", "`title` is text: put it in quotes (title = \"…\"); unquoted, TOML reads 0"),
])
def test_a_toml_number_or_truth_value_where_text_goes_is_an_error(header: str, says: str):
    _, problems = parse(f"+++\n{header}\ndate = 2024-01-01\n+++\n正文\n")
    assert [problem.split(": ", 1)[1] for problem in problems] == [says]


def test_a_toml_header_is_told_what_it_lacks_in_toml():
    _, problems = parse("+++\nviews = 3\n+++\n正文\n")
    assert problems == [
        "content/posts/a.md:1: missing `title` in the front matter; add e.g. `title = '...'`",
        "content/posts/a.md:1: missing `date`; add e.g. `date = 2024-01-14T10:30:00`, or "
        "start the file name with the date (2024-01-14-slug.md)"]
    _, problems = parse("+++\ntitle = '甲'\ndate = 10:30:00\n+++\n正文\n")
    assert problems == ["content/posts/a.md:3: `date`: 10:30:00 is a time of day without its "
                        "date; write the date before it (2024-01-14T10:30:00 in TOML)"]


def test_a_toml_header_with_windows_line_ends_is_read_as_toml():
    header = split_front_matter("+++\r\ntitle = 'a'\r\ndate = 2024-01-01\r\n+++\r\nbody\r\n")
    assert header.toml and header.fields["title"] == "a"


def test_an_unclosed_toml_header_says_which_fence_closes_it():
    _, problems = parse('+++\ntitle = "甲"\n正文\n')
    assert problems == ["content/posts/a.md:1: front matter is not closed: add a line `+++` "
                        "after it"]


@pytest.mark.parametrize(("header", "slug"), [
    ('slug = "kept"  # the old one\ntitle = 甲', "kept"),
    ('title = 甲\n[extra]\nslug = "not-this"', "a"),
    ('summary = """\nslug = "not-this"\n"""\ntitle = 甲', "a"),
])
def test_a_broken_toml_header_still_gives_its_slug_to_the_rejected_post(header: str, slug: str):
    rejected = rejected_post("content/posts/2024-01-01-a.md", f"+++\n{header}\n+++\n正文\n")
    assert rejected.slug == slug


def test_a_broken_yaml_header_gives_its_slug_without_its_comment():
    rejected = rejected_post("content/posts/a.md", "---\nslug: kept  # old\ntitle: [\n---\n")
    assert rejected.slug == "kept"


@pytest.mark.parametrize("written", ["generative-model math-heavy", "generative-model, math-heavy",
                                     "generative-model，math-heavy", "generative-model、 math-heavy"])
def test_tags_written_as_one_string_are_split(written: str):
    """At ASCII or Chinese commas (the 顿号 too), else at spaces."""
    record, _ = parse(post("t", "2020-01-02", tags=written))
    assert record.tags == ("generative-model", "math-heavy")


def test_unknown_keys_are_kept_and_warned_once_per_key(tmp_path: Path):
    write_site(tmp_path, {"content/posts/a.md": post("a", "2020-01-01", tittle="x"),
                          "content/posts/b.md": post("b", "2020-01-02", tittle="y")})
    content = load_content(tmp_path, CONFIG)
    warnings = [p for p in content.problems if p.warning]
    assert len(warnings) == 1
    assert "`tittle` (in 2 posts, first seen here) (did you mean `title`?)" in warnings[0].message
    assert warnings[0].path == "content/posts/a.md"
    assert content.posts[0].extra["tittle"] == "x"


def test_a_key_of_another_generator_is_warned_with_what_to_write_here(tmp_path: Path):
    """Hugo's `categories` is a list; "did you mean" cannot tell a migrating author that
    every post lost its category."""
    write_site(tmp_path, {"content/posts/a.md": post("a", "2020-01-01", categories="[数学]",
                                                     lastmod="2020-02-01")})
    warnings = sorted(p.message for p in load_content(tmp_path, CONFIG).problems if p.warning)
    assert warnings[0].startswith("unknown front-matter key `categories` (first seen here): "
                                  "a list in Hugo, Jekyll and Hexo; a post here has one "
                                  "`category`; kept for templates.")
    assert warnings[1].startswith("unknown front-matter key `lastmod` (first seen here): "
                                  "blogbuild's is `updated`; kept for templates.")


def test_a_pages_misspelt_key_is_warned_at_its_line_as_a_posts_is(tmp_path: Path):
    """SPEC: pages are in the same format; `tittle` on a page built without a word."""
    write_site(tmp_path, {"content/pages/links.md":
                          "---\ntitle: 友情链接\nslug: links\nmenu: main\ntittle: x\n"
                          "summary: 朋友们\n---\n链接\n"})
    content = load_content(tmp_path, CONFIG)
    assert [(p.path, p.line, p.warning) for p in content.problems] == [
        ("content/pages/links.md", 4, True), ("content/pages/links.md", 5, True)]
    menu, tittle = (p.message for p in content.problems)
    assert menu.startswith("unknown front-matter key `menu` (in this page); kept for templates.")
    assert tittle.startswith("unknown front-matter key `tittle` (in this page) (did you mean "
                             "`title`?); kept for templates.")
    assert content.pages[0].extra == {"menu": "main", "tittle": "x", "summary": "朋友们"}


def test_a_pages_weight_must_be_a_whole_number(tmp_path: Path):
    write_site(tmp_path, {"content/pages/bad.md": "---\ntitle: 坏\nweight: heavy\n---\n"})
    assert [str(p) for p in load_content(tmp_path, CONFIG).problems] == [
        "content/pages/bad.md:3: `weight` must be a whole number (the menu lists lighter pages "
        "first), not the text \"heavy\""]


def test_a_draft_page_is_left_out_as_a_draft_post_is(tmp_path: Path):
    """It was published: `draft:` was a key pages kept for templates."""
    write_site(tmp_path, {"content/pages/about.md": "---\ntitle: 关于\n---\n正文\n",
                          "content/pages/links.md": "---\ntitle: 链接\ndraft: true\n---\n未完\n",
                          "content/pages/bad.md": "---\ntitle: 坏\ndraft: maybe\n---\n"})
    content = load_content(tmp_path, CONFIG)
    assert [page.slug for page in content.pages] == ["about"] and content.drafts == 1
    assert [str(p) for p in content.problems] == [
        'content/pages/bad.md:3: `draft` must be true or false, not the text "maybe"']
    assert [page.slug for page in load_content(tmp_path, CONFIG, drafts=True).pages] == [
        "about", "links"]
    # a comments file named after it is told the page shows no comments, drafts or not
    write_site(tmp_path, {"content/comments/links.yaml": "[]\n"})
    for drafts in (False, True):
        assert "'links' is a standalone page" in str(load_content(tmp_path, CONFIG,
                                                                   drafts=drafts).problems)


def test_a_misspelt_key_is_matched_to_what_was_meant_swapped_letters_too(tmp_path: Path):
    """`tgas` (two letters swapped) was 0.75 to difflib, below its cutoff; `categoires`
    is Hugo's `categories` misspelt, and gets what to write here."""
    write_site(tmp_path, {"content/posts/a.md": post("a", "2020-01-01", tgas="[x]",
                                                     categoires="[数学]", Title="T",
                                                     weight=3)})
    hints = {p.message.split("`")[1]: p.message.split(")", 1)[1].split("; kept")[0]
             for p in load_content(tmp_path, CONFIG).problems}
    assert hints == {"tgas": " (did you mean `tags`?)",
                     "categoires": " (did you mean `categories`?): a list in Hugo, Jekyll and "
                                   "Hexo; a post here has one `category`",
                     "Title": " (did you mean `title`?)", "weight": ""}


def test_duplicate_slugs_name_both_files_at_the_slug_line(tmp_path: Path):
    write_site(tmp_path, {"content/posts/a.md": post("a", "2020-01-01", slug="same"),
                          "content/posts/x/b.md": post("b", "2020-01-02", slug="same"),
                          "content/posts/z/2020-01-03-same.md": post("c", "2020-01-03"),
                          "content/pages/p.md": "---\ntitle: P\nslug: about\n---\n",
                          "content/pages/about.md": "---\ntitle: About\n---\n"})
    problems = [str(p) for p in load_content(tmp_path, CONFIG).problems]
    assert problems == [
        "content/posts/x/b.md:4: slug 'same' is already used by "
        "content/posts/a.md; give one of them another `slug:`",
        "content/posts/z/2020-01-03-same.md:1: slug 'same' (from the file name) is already used "
        "by content/posts/a.md; give one of them another `slug:`",
        "content/pages/p.md:3: slug 'about' is already used by content/pages/about.md; "
        "give one of them another `slug:`"]


def test_slugs_differing_only_in_case_are_one_slug(tmp_path: Path):
    """Reported with the posts' other problems, not after them at writing time."""
    write_site(tmp_path, {"content/posts/a.md": post("a", "2020-01-01", slug="MyPost"),
                          "content/posts/b.md": post("b", "2020-01-02", slug="mypost")})
    assert [str(p) for p in load_content(tmp_path, CONFIG).problems] == [
        "content/posts/b.md:4: slug 'mypost' is already used by content/posts/a.md as 'MyPost' "
        "(URLs differing only in case are one folder on macOS and Windows); give one of them "
        "another `slug:`"]


def test_a_post_rejected_for_its_front_matter_keeps_its_body_and_its_comments(tmp_path: Path):
    """Its body and comments are checked in the same run (build.render_content), and
    its comments file is not reported as naming no post."""
    write_site(tmp_path, {
        "content/posts/2020-01-01-a.md": post("a", "2020-13-45", "正文 $x$\n"),
        "content/posts/b.md": "---\ntitle: [b\nslug: 'bee'\n---\n\n正文\n",
        "content/posts/c.md": "no front matter\n",
        "content/comments/a.yaml": "- {id: 1, author: x, date: 2020-01-02, body: hi}\n",
        "content/comments/bee.yaml": "- {id: 2, author: y, date: 2020-01-02, body: hi}\n"})
    content = load_content(tmp_path, CONFIG)
    assert content.posts == ()
    assert [(p.source, p.slug, p.body, p.body_line) for p in content.rejected] == [
        ("content/posts/2020-01-01-a.md", "a", "正文 $x$\n", 5),
        ("content/posts/b.md", "bee", "\n正文\n", 5)]  # the broken YAML's slug line, read alone
    assert [c.id for c in content.comments] == [1, 2]
    assert [(p.path, p.line) for p in content.problems] == [
        ("content/posts/2020-01-01-a.md", 3), ("content/posts/b.md", 2), ("content/posts/c.md", 1)]


def test_drafts_are_hidden_unless_asked_for(tmp_path: Path):
    write_site(tmp_path, {"content/posts/a.md": post("a", "2020-01-01", draft="true"),
                          "content/comments/a.yaml": "- {id: 1, author: x, date: 2020-01-02, body: hi}\n"})
    assert load_content(tmp_path, CONFIG).posts == ()
    assert load_content(tmp_path, CONFIG).problems == ()
    assert [p.slug for p in load_content(tmp_path, CONFIG, drafts=True).posts] == ["a"]


def test_non_utf8_files_are_reported_with_the_line(tmp_path: Path):
    write_site(tmp_path, {})
    path = tmp_path / "content/posts/gbk.md"
    path.parent.mkdir(parents=True)
    path.write_bytes("---\ntitle: 中文\n".encode("gbk"))
    problems = [str(p) for p in load_content(tmp_path, CONFIG).problems]
    assert problems == ["content/posts/gbk.md:2: not UTF-8 text: save the file as UTF-8"]


def test_comments_are_parsed_with_their_lines():
    problems = []
    comments, _ = parse_comments("c.yaml", "- id: 1\n  author: 张三\n  date: 2024-01-15 09:12\n"
                                 "  body: |\n    hi\n- id: 2\n  author: B\n  url: https://e.org\n"
                                 "  date: 2024-01-16\n  parent: 1\n  body: re\n", "a", CONFIG,
                                 problems)
    assert problems == []
    assert [(c.id, c.line, c.parent) for c in comments] == [(1, 1, None), (2, 6, 1)]
    assert comments[0].body == "hi\n" and comments[1].url == "https://e.org"


def test_a_readers_name_is_plain_text_with_its_character_references_decoded():
    problems = []
    [comment], _ = parse_comments("c.yaml", "- id: 1\n  author: 张三 &amp; 李四 <b>\n"
                                  "  date: 2024-01-15\n  body: hi &amp;\n", "a", CONFIG, problems)
    assert (comment.author, comment.body) == ("张三 & 李四 <b>", "hi &amp;")


def test_a_readers_name_and_words_are_text_whatever_yaml_would_make_of_them():
    """YAML 1.1 reads `yes` as true and `3.10` as 3.1: a reader named `yes` showed as
    "True", and a comment of only `666` (a Chinese reader's "nicely done") stopped the
    build, its body not text."""
    problems = []
    comments, _ = parse_comments("c.yaml", "- {id: 1, author: yes, date: 2024-01-15, body: 666}\n"
                                 "- {id: 2, author: 3.10, date: 2024-01-16, body: no}\n",
                                 "a", CONFIG, problems)
    assert problems == []
    assert [(c.author, c.body) for c in comments] == [("yes", "666"), ("3.10", "no")]


def test_a_comment_whose_parent_is_missing_is_reported(tmp_path: Path):
    write_site(tmp_path, {"content/posts/a.md": post("a", "2020-01-01"),
                          "content/comments/a.yaml": "- id: 1\n  author: x\n  date: 2020-01-02\n"
                                                     "  body: hi\n- id: 2\n  author: y\n"
                                                     "  date: 2020-01-03\n  parent: 9\n  body: re\n"})
    problems = [str(p) for p in load_content(tmp_path, CONFIG).problems]
    assert problems == ["content/comments/a.yaml:8: comment 2 replies to comment 9, which is "
                        "not in this file; a reply must be in its parent's file: fix `parent` "
                        "or remove it"]


def test_a_reply_to_a_comment_on_another_post_says_where_that_comment_is(tmp_path: Path):
    write_site(tmp_path, {"content/posts/a.md": post("a", "2020-01-01"),
                          "content/posts/b.md": post("b", "2020-01-02"),
                          "content/comments/a.yaml": "- id: 1\n  author: x\n  date: 2020-01-02\n"
                                                     "  body: hi\n",
                          "content/comments/b.yaml": "- id: 2\n  author: y\n  date: 2020-01-03\n"
                                                     "  parent: 1\n  body: re\n"})
    problems = [str(p) for p in load_content(tmp_path, CONFIG).problems]
    assert problems == ["content/comments/b.yaml:4: comment 2 replies to comment 1, which is "
                        "at content/comments/a.yaml:1, on another post; a reply must be in its "
                        "parent's file: fix `parent` or remove it"]


def test_a_comment_with_a_mistake_still_counts_for_the_ids_of_the_others(tmp_path: Path):
    """A wrong date left comment 5 out of the id checks: the reply to it was told that
    comment 5 is not in the file (it is), and the comment that reuses its id was told
    nothing until the date was mended. All problems, in one run, in the file's words."""
    write_site(tmp_path, {"content/posts/a.md": post("a", "2020-01-01"),
                          "content/comments/a.yaml": "- id: 5\n  author: x\n  date: 2020-13-02\n"
                                                     "  body: hi\n- id: 6\n  author: y\n"
                                                     "  date: 2020-01-03\n  parent: 5\n  body: re\n"
                                                     "- id: 5\n  author: z\n  date: 2020-01-04\n"
                                                     "  body: again\n"})
    problems = [str(p) for p in load_content(tmp_path, CONFIG).problems]
    assert len(problems) == 2 and problems[0].startswith("content/comments/a.yaml:3: ")
    assert "date" in problems[0]
    assert problems[1] == ("content/comments/a.yaml:10: comment id 5 is also used at "
                           "content/comments/a.yaml:1; ids must be unique")
    # without the second 5, the reply is to a comment that is there: no problem of its own
    (tmp_path / "content/comments/a.yaml").write_text(
        "- id: 5\n  author: x\n  date: 2020-13-02\n  body: hi\n- id: 6\n  author: y\n"
        "  date: 2020-01-03\n  parent: 5\n  body: re\n", encoding="utf-8")
    assert [p.line for p in load_content(tmp_path, CONFIG).problems] == [3]


def test_comments_of_a_post_that_does_not_exist_are_an_error_not_left_out(tmp_path: Path):
    """A post's slug changed, its comments file not: the archive of its comments would
    vanish from the published site. A draft's comments stay hidden with it."""
    comment = "- id: {}\n  author: x\n  date: 2020-01-02\n  body: hi\n"
    write_site(tmp_path, {"content/posts/a.md": post("a", "2020-01-01", slug="mirror-descent"),
                          "content/posts/d.md": post("d", "2020-01-01", draft="true"),
                          "content/pages/guestbook.md": "---\ntitle: 留言\n---\n留言板\n",
                          "content/comments/mirror-decent.yaml": comment.format(1),
                          "content/comments/guestbook.yaml": comment.format(3),
                          "content/comments/d.yaml": comment.format(2)})
    problems = load_content(tmp_path, CONFIG).problems
    assert sorted(str(p) for p in problems) == [
        "content/comments/guestbook.yaml: 'guestbook' is a standalone page, and pages show no "
        "comments: move them to a post (name the file after its slug), or remove the file",
        "content/comments/mirror-decent.yaml: no post has the slug 'mirror-decent' (did you "
        "mean `mirror-descent`?): these comments would be left out; name the file after its "
        "post's slug (its `slug:`, else its file name), or remove it"]
    assert not problems[0].warning


def test_comments_left_behind_by_a_renamed_post_point_to_the_post_whose_slug_changed(tmp_path: Path):
    """diffusion-3.md got `slug: diffusion-three`: diffusion-2, a closer name, has
    comments of its own, and diffusion-21, closer still, is another post; following
    either suggestion would move the thread onto the wrong post."""
    comment = "- id: {}\n  author: x\n  date: 2020-01-02\n  body: hi\n"
    write_site(tmp_path, {"content/posts/a.md": post("a", "2020-01-01", slug="diffusion-2"),
                          "content/posts/diffusion-3.md": post("b", "2020-01-02",
                                                               slug="diffusion-three"),
                          "content/posts/c.md": post("c", "2020-01-03", slug="diffusion-21"),
                          "content/comments/diffusion-2.yaml": comment.format(1),
                          "content/comments/diffusion-3.yaml": comment.format(2)})
    [problem] = load_content(tmp_path, CONFIG).problems
    assert str(problem).startswith("content/comments/diffusion-3.yaml: no post has the slug "
                                   "'diffusion-3' (did you mean `diffusion-three`?): ")
    # no post file of that name: the posts without comments named like it, to choose from
    (tmp_path / "content/posts/diffusion-3.md").rename(tmp_path / "content/posts/b.md")
    [problem] = load_content(tmp_path, CONFIG).problems
    assert "(posts without comments named like it: `diffusion-21`, `diffusion-three`)" \
        in problem.message
    (tmp_path / "content/comments/diffusion-3.yaml").rename(tmp_path / "content/comments/gan-1.yaml")
    [problem] = load_content(tmp_path, CONFIG).problems
    assert "did you mean" not in problem.message
    # two letters swapped in the name of a post with comments: a slip, told as one (it
    # was pointed at diffusion-21, a post without comments)
    (tmp_path / "content/comments/gan-1.yaml").rename(
        tmp_path / "content/comments/diffsuion-2.yaml")
    [problem] = load_content(tmp_path, CONFIG).problems
    assert "'diffsuion-2' (did you mean `diffusion-2`? its comments are in " \
        "content/comments/diffusion-2.yaml: merge the two files): " in problem.message


def test_comments_replying_to_themselves_or_in_a_circle_are_reported_once_each(tmp_path: Path):
    """No thread can show them: they would vanish, yet count, and the sidebar link them."""
    def comment(ident: int, parent: int | None) -> str:
        return (f"- id: {ident}\n  author: x\n  date: 2020-01-0{ident}\n"
                + (f"  parent: {parent}\n" if parent else "") + "  body: hi\n")

    write_site(tmp_path, {"content/posts/a.md": post("a", "2020-01-01"),
                          "content/comments/a.yaml": comment(1, None) + comment(2, 2)
                          + comment(3, 5) + comment(4, 3) + comment(5, 4) + comment(6, 3)})
    problems = [str(p) for p in load_content(tmp_path, CONFIG).problems]
    fix = "; fix `parent` (or remove it: a reply to the post)"
    assert problems == ["content/comments/a.yaml:5: comment 2 replies to itself, so no thread "
                        "can show it" + fix,
                        "content/comments/a.yaml:10: comments 3, 5, 4 reply to one another "
                        "in a circle, so no thread can show them" + fix]


# --- property-based: the loader never raises, and keeps what was written -------------

front_matter_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


@settings(max_examples=300, deadline=None)
@given(front_matter_text, front_matter_text)
def test_parse_post_never_raises_on_any_text(header: str, body: str):
    problems = []
    text = f"---\n{header}\n---\n{body}"
    record = parse_post("p.md", text, CONFIG, problems)
    # a record exactly when nothing is wrong
    assert (record is None) == any(not p.warning for p in problems)
    assert all(p.path == "p.md" and p.line >= 0 for p in problems)
    if record is None:  # what is checked of it all the same: the body after its fence
        rejected = rejected_post("p.md", text)
        assert text.endswith(rejected.body) and text.count("\n") + 2 - rejected.body_line \
            == rejected.body.count("\n") + 1


titles = st.text(st.characters(whitelist_categories=("L", "N", "Zs")), min_size=1,
                 max_size=40).filter(lambda t: t.strip())


@settings(max_examples=200, deadline=None)
@given(titles, st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)),
       st.text(max_size=300))
def test_title_date_and_body_survive_the_round_trip(title: str, moment: datetime, body: str):
    moment = moment.replace(microsecond=0)
    text = f'---\ntitle: "{title}"\ndate: {moment:%Y-%m-%d %H:%M:%S}\n---\n{body}'
    record, problems = parse(text)
    # nothing wrong, but a control character pasted into the body is pointed out
    assert len(problems) == any(character in body for character in NOT_XML)
    assert all("an invisible control character" in problem for problem in problems)
    assert record.title == title.strip()
    assert record.date == moment.replace(tzinfo=SHANGHAI)
    assert record.body == body


header_texts = st.text(st.characters(whitelist_categories=("L", "N", "Zs"),
                                     whitelist_characters="$\\\"'{}_^#:[],&=\n\t"),
                       min_size=1, max_size=40).filter(lambda t: t.strip())
"""Text as a header may hold it: TeX, quotes, TOML's and YAML's own characters."""


@settings(max_examples=300, deadline=None)
@given(header_texts, st.lists(header_texts, max_size=4),
       st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)))
def test_toml_and_yaml_headers_of_the_same_fields_give_the_same_post(
        title: str, tags: list[str], moment: datetime):
    moment = moment.replace(microsecond=0)
    fields = {"title": title, "tags": tags, "summary": title}
    as_yaml = "---\n" + yaml.safe_dump({**fields, "date": f"{moment:%Y-%m-%d %H:%M:%S}"},
                                       allow_unicode=True) + "---\n正文\n"
    # a JSON string is a TOML basic string (\uXXXX escapes and all)
    as_toml = "+++\n" + "".join(f"{key} = {json.dumps(value, ensure_ascii=False)}\n"
                                 for key, value in fields.items()) + \
        f"date = {moment:%Y-%m-%dT%H:%M:%S}\n+++\n正文\n"
    (from_yaml, yaml_problems), (from_toml, toml_problems) = parse(as_yaml), parse(as_toml)
    assert yaml_problems == toml_problems == []
    assert dataclasses.replace(from_toml, body_line=0, title_line=0) == \
        dataclasses.replace(from_yaml, body_line=0, title_line=0)


def test_files_under_content_that_no_build_reads_are_each_a_warning(tmp_path: Path):
    """A Jekyll `.markdown` post, a post in a folder of its own name, an image beside a
    post (Hugo's page bundles) were left out of the site without a word; an editor's
    litter still is."""
    write_site(tmp_path, {"content/posts/a.md": post("a", "2020-01-01"),
                          "content/posts/jek.markdown": post("j", "2020-01-02"),
                          "content/posts/img/a.png": "png",
                          "content/drafts/x.md": post("x", "2020-01-03"),
                          "content/posts/a.md~": "old", "content/posts/a.md.bak": "old"})
    content = load_content(tmp_path, CONFIG)
    assert [p.slug for p in content.posts] == ["a"]
    assert [(p.path, p.warning, p.message.split(":")[0]) for p in content.problems] == [
        ("content/drafts/x.md", True, "not read"),
        ("content/posts/img/a.png", True, "not copied to the site"),
        ("content/posts/jek.markdown", True, "not read")]
    assert "rename it jek.md" in content.problems[2].message
    assert "static/img/a.png is published as img/a.png at the site's address" in \
        content.problems[1].message


def test_hidden_files_such_as_editor_locks_are_not_content(tmp_path: Path):
    write_site(tmp_path, {"content/posts/a.md": post("a", "2020-01-01")})
    (tmp_path / "content/posts/.#a.md").symlink_to("user@host.1234")  # emacs' lock: dangling
    (tmp_path / "content/posts/.a.md.swp").write_bytes(b"\x00\x01 not text")
    content = load_content(tmp_path, CONFIG)
    assert [p.slug for p in content.posts] == ["a"] and content.problems == ()


def test_content_files_are_told_apart_by_folder_and_name_hidden_ones_and_litter_left_out(
        tmp_path: Path):
    from blogbuild.sources import content_sources

    for name in ["posts/2024/b.md", "posts/2024/a.md", "posts/a.md", "posts/2023/01/c.md",
                 "posts/.trash/d.md", "posts/2024/.e.md", "posts/old/x.md.bak", "posts/a.md~",
                 "posts/notes.txt", "pages/about.md", "pages/sub/x.md", "comments/b.yml",
                 "comments/a.yaml", "comments/sub/c.yaml", "README.md", "posts/p.markdown"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / "posts/folder.md").mkdir()  # a folder is not a file, whatever its name
    found = {path.relative_to(tmp_path).as_posix(): kind for path, kind in content_sources(tmp_path)}
    assert found == {
        "posts/a.md": "posts", "posts/2023/01/c.md": "posts", "posts/2024/a.md": "posts",
        "posts/2024/b.md": "posts", "pages/about.md": "pages", "comments/a.yaml": "comments",
        "comments/b.yml": "comments", "posts/notes.txt": "unread", "pages/sub/x.md": "unread",
        "comments/sub/c.yaml": "unread", "README.md": "unread", "posts/p.markdown": "unread"}
    assert list(content_sources(tmp_path / "missing")) == []


def test_enough_posts_are_counted_by_the_same_rule_without_walking_further(
        tmp_path: Path, monkeypatch):
    from blogbuild import sources

    for name in ["2023/01/c.md", "2024/a.md", "2024/b.md", "2024/.e.md", ".trash/d.md",
                 "a.md", "notes.txt", "2025/f.md", "2025/f.md~"]:
        (tmp_path / "posts" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "posts" / name).write_text("x")
    assert sources.has_posts(tmp_path, 5)
    assert not sources.has_posts(tmp_path, 6)  # hidden ones and litter left out
    assert not sources.has_posts(tmp_path / "missing", 1)
    walked, real_walk = [], sources.os.walk

    def walk(root):
        for step in real_walk(root):
            walked.append(step[0])
            yield step

    monkeypatch.setattr(sources.os, "walk", walk)
    assert sources.has_posts(tmp_path, 2)  # a.md, then 2023/01/c.md
    assert [Path(top).relative_to(tmp_path).as_posix() for top in walked] == [
        "posts", "posts/2023", "posts/2023/01"]


def test_a_post_survives_the_cache_with_its_unknown_keys_read_only():
    import pickle
    from types import MappingProxyType

    record, problems = parse(post("t", "2024-01-02", enTitle="Title", show_toc="true"))
    assert record is not None and record.extra["enTitle"] == "Title"
    again = pickle.loads(pickle.dumps(record))
    assert again == record and isinstance(again.extra, MappingProxyType)


def test_a_comment_missing_its_author_or_date_is_told_about_the_comment_not_a_file_name():
    problems: list = []
    parse_comments("content/comments/a.yaml", "- id: 1\n  body: hi\n", "a", CONFIG, problems)
    messages = [p.message for p in problems]
    assert "missing `author:` in this comment; add e.g. `author: ...`" in messages
    assert "missing `date:`; add e.g. `date: 2024-01-14 10:30`" in messages


def test_a_file_is_named_relative_to_the_site_folder_when_inside_it(tmp_path: Path):
    from blogbuild.problems import relative_name

    assert relative_name(tmp_path / "content/posts/a.md", tmp_path) == "content/posts/a.md"
    assert relative_name(tmp_path.parent / "elsewhere.md", tmp_path) == \
        (tmp_path.parent / "elsewhere.md").as_posix()
    assert relative_name(Path(str(tmp_path) + "-sibling/a.md"), tmp_path) == \
        str(tmp_path) + "-sibling/a.md"
    assert relative_name(Path("content/a.md"), Path(".")) == "content/a.md"


def test_a_first_load_parses_each_post_as_soon_as_it_is_read_a_later_one_prefetches(
        tmp_path: Path, monkeypatch):
    """The workers of a cold build get each post as soon as it is parsed: reading and
    hashing every file first, to look up parses a new cache cannot have, kept them
    waiting. With parses stored, one query finds them all (every file read first)."""
    from blogbuild import contentcache
    from blogbuild.contentcache import ContentCache
    from blogbuild.rendercache import RenderCache

    write_site(tmp_path, {f"content/posts/p{n}.md": post(f"p{n}", f"2020-01-0{n}")
                          for n in range(1, 4)})
    reads: list[Path] = []
    real_read = contentcache.read_text
    monkeypatch.setattr(contentcache, "read_text",
                        lambda path, *rest: reads.append(path) or real_read(path, *rest))

    def reads_at_each_post() -> list[int]:
        reads.clear()
        at: list[int] = []
        store = RenderCache(tmp_path / "parsed.sqlite", CONFIG)
        try:
            load_content(tmp_path, CONFIG, cache=ContentCache(store),
                         on_post=lambda post, left: at.append(len(reads)))
        finally:
            store.close()
        return at

    assert reads_at_each_post() == [1, 2, 3]
    assert reads_at_each_post() == [3, 3, 3]


def test_a_load_with_a_store_knows_what_each_post_was_parsed_from(tmp_path: Path):
    """Content.origins: the page digests (pagedeps.py) take a post by it instead of
    its text. It changes with the file's text and only with that post's file; a
    draft left out has none, nor does a load without a store (nothing to compare)."""
    from blogbuild.contentcache import ContentCache
    from blogbuild.rendercache import RenderCache

    write_site(tmp_path, {"content/posts/a.md": post("甲", "2020-01-01", mood="好"),
                          "content/posts/b.md": post("乙", "2020-01-02", mood="好"),
                          "content/posts/c.md": post("丙", "2020-01-03", draft="true")})

    def origins() -> dict[str, str]:
        store = RenderCache(tmp_path / "parsed.sqlite", CONFIG)
        try:
            content = load_content(tmp_path, CONFIG, cache=ContentCache(store))
        finally:
            store.close()
        assert set(content.origins) == {p.source for p in content.posts}
        return dict(content.origins)

    first = origins()
    assert set(first) == {"content/posts/a.md", "content/posts/b.md"}
    assert origins() == first  # stored parses have the same
    write_site(tmp_path, {"content/posts/b.md": post("乙", "2020-01-02", "改了。", mood="好")})
    second = origins()
    assert second["content/posts/a.md"] == first["content/posts/a.md"]
    assert second["content/posts/b.md"] != first["content/posts/b.md"]
    assert load_content(tmp_path, CONFIG).origins == {}


def test_tex_in_double_quotes_is_told_only_where_yaml_misreads_a_formula():
    import yaml

    from blogbuild.frontmatter import YamlError, load_yaml

    def problem(text: str) -> str | None:
        try:
            faults = load_yaml(text)[2]
        except YamlError as error:
            return f"{error.line}: {error}"
        return f"{faults[0].line}: {faults[0]}" if faults else None

    # a formula read as escapes; \xi and \upsilon are escapes YAML cannot read at all
    assert problem('a: 1\ntitle: "关于 $\\theta$"\n').startswith(
        "2: `\\theta` inside double quotes is YAML's escape `\\t` (a tab), not TeX")
    for command in ("\\xi", "\\upsilon"):
        assert "TeX inside double quotes?" in problem(f'title: "${command}$"\n')
    # a line break between formulas is meant as one: PyYAML writes bodies that way
    dumped = yaml.dump([{"id": 1, "body": "I think $x^2$ is wrong here: \nThanks"}])
    assert '\\nThanks' in dumped and problem(dumped) is None
    # an alias to itself is walked once
    assert problem('title: "a $x$"\ntags: &a [*a]\n') is None
