from types import MappingProxyType

import pytest

from blogbuild.config import SiteConfig, parse_config
from blogbuild.problems import ContentErrors


def problems_of(text: str) -> list[str]:
    with pytest.raises(ContentErrors) as caught:
        parse_config(text)
    return [str(p) for p in caught.value.problems]


def test_defaults_fill_every_key_but_title_and_base_url():
    config = parse_config('title = "T"\nbase_url = "https://example.org"\n')
    assert config == SiteConfig(title="T", base_url="https://example.org/")
    assert config.per_page == 10 and config.permalink == "/archives/{slug}/"
    assert config.math.render == "client" and config.feed.items == 20
    assert config.base_path == "/"


def test_a_base_url_with_a_query_or_fragment_is_refused_at_its_line():
    """Every link is base_url's path and then the page's: after `?x=1` none would work
    (the build wrote https://example.org/blog/blog/… everywhere)."""
    for url, part in (("https://example.org/blog/?x=1", "?query"), ("https://e.org/#top", "#fragment"),
                      ("https://e.org/?", "?query")):
        assert problems_of(f'title = "T"\nbase_url = "{url}"\n') == [
            f"site.toml:2: `base_url` must be where the site is (a scheme, a host and a "
            f"path), without a {part}: remove it from {url!r}"]


@pytest.mark.parametrize("url", ["https://me.github.io/blog/index.html",
                                 "https://e.org/index.HTM", "https://e.org/blog/index.php"])
def test_a_base_url_that_names_a_page_is_refused(url: str):
    """`…/blog/index.html` built every link as `/blog/index.html/archives/x/`."""
    page = url.rstrip("/").rsplit("/", 1)[-1]
    assert problems_of(f'title = "T"\nbase_url = "{url}"\n') == [
        f"site.toml:2: `base_url` must be the folder the site is in, not a page of it: "
        f"remove {page!r} from {url!r}"]
    assert parse_config('title = "T"\nbase_url = "https://e.org/v1.2/"\n').base_path == "/v1.2/"
    # a folder, whatever its name
    assert parse_config('title = "T"\nbase_url = "https://e.org/notes.html/"\n').base_path == \
        "/notes.html/"


def test_sub_path_of_base_url_is_the_base_path():
    config = parse_config('title = "T"\nbase_url = "https://u.github.io/blog"\n')
    assert config.base_url == "https://u.github.io/blog/"
    assert config.base_path == "/blog/"


def test_math_macros_and_feed_table_are_read():
    config = parse_config('title = "T"\nbase_url = "https://e.org/"\n[math]\n'
                          'macros = { "\\\\R" = "\\\\mathbb{R}" }\n[feed]\nfull_content = true\n')
    assert config.math.macros == MappingProxyType({"\\R": "\\mathbb{R}"})
    assert config.feed.full_content is True


def test_the_extra_table_holds_the_sites_own_settings_whatever_they_are():
    """Zola's [extra], Hugo's [params]: an unknown key of site.toml is an error, so a
    theme's own settings had no place."""
    config = parse_config('title = "T"\nbase_url = "https://e.org/"\n[extra]\n'
                          'github = "https://github.com/me"\nbeian = 12345\n'
                          '[extra.links]\n"科学空间" = "https://kexue.fm/"\n')
    assert config.extra == {"github": "https://github.com/me", "beian": 12345,
                            "links": {"科学空间": "https://kexue.fm/"}}
    assert parse_config('title = "T"\nbase_url = "https://e.org/"\n').extra == {}
    assert problems_of('title = "T"\nbase_url = "https://e.org/"\nextra = 3\n') == [
        "site.toml:3: `extra` must be a table: [extra]"]


def test_config_is_frozen():
    config = parse_config('title = "T"\nbase_url = "https://e.org/"\n')
    with pytest.raises(AttributeError):
        config.title = "other"


def test_unknown_keys_are_reported_with_their_lines():
    found = problems_of('title = "T"\nbase_url = "https://e.org/"\ntittle = "x"\n'
                        '[math]\nrender = "client"\nmacro = {}\n')
    assert found[0].startswith("site.toml:3: unknown key `tittle` (did you mean `title`?); ")
    assert found[1].startswith("site.toml:6: unknown key `math.macro` (did you mean `macros`?); ")
    # nothing close: no guess (subtitle is not a misspelt title)
    assert "did you mean" not in problems_of('title = "T"\nbase_url = "https://e.org/"\nsubtitle = 1\n')[0]
    assert "did you mean" not in problems_of('title = "T"\nbase_url = "https://e.org/"\nzzz = 1\n')[0]


def test_a_top_level_key_written_below_a_table_is_told_to_move_up():
    assert problems_of('title = "T"\nbase_url = "https://e.org/"\n[feed]\nitems = 5\n'
                       'per_page = 5\n') == [
        "site.toml:5: unknown key `feed.per_page`: `per_page` is a top-level key, and the lines "
        "below `[feed]` belong to that table; move it above the first `[...]` line"]


def test_wrong_types_name_the_key_the_line_and_the_expected_type():
    """In the file's words, not Python's (`not str '10'`, `not list ['a']`)."""
    found = problems_of('title = "T"\nbase_url = "https://e.org/"\nper_page = "10"\n'
                        'recent_comments = 2.5\n[feed]\nfull_content = "yes"\nitems = "true"\n'
                        '[math]\nmacros = ["a"]\n')
    assert found == ['site.toml:3: `per_page` must be a whole number, not the text "10": remove '
                     'the quotes',
                     "site.toml:4: `recent_comments` must be a whole number, not 2.5",
                     'site.toml:6: `feed.full_content` must be true or false, not the text "yes"',
                     'site.toml:7: `feed.items` must be a whole number, not the text "true"',
                     'site.toml:9: `math.macros` must be a table of strings, e.g. { "\\\\R" = '
                     '"\\\\mathbb{R}" }, not a list']


def test_missing_required_keys_are_all_reported():
    found = problems_of('author = "A"\n')
    assert any("`title` is required" in p for p in found)
    assert any("`base_url` is required" in p for p in found)


def test_values_that_cannot_work_are_reported():
    found = problems_of('title = "T"\nbase_url = "example.org"\ntimezone = "Mars/Base"\n'
                        'permalink = "/posts/"\n[math]\nrender = "server"\n')
    assert [p.split(":")[1] for p in found] == ["2", "3", "4", "6"]


def test_a_permalink_must_make_a_page_a_server_sends_as_html():
    """kexue.fm's /archives/9881 written as a file "9881" would be served as a download."""
    [problem] = problems_of('title = "T"\nbase_url = "https://e.org/"\npermalink = "/archives/{slug}"\n')
    assert problem.startswith('site.toml:3: `permalink` must end with "/" (each post a folder '
                              'with its index.html: "/archives/{slug}/"')
    for good in ("/archives/{slug}/", "/{year}/{month}/{slug}.html"):
        assert parse_config(f'title = "T"\nbase_url = "https://e.org/"\npermalink = "{good}"\n'
                            ).permalink == good


def test_wrong_types_and_wrong_values_are_reported_in_one_run():
    found = problems_of('title = "T"\nbase_url = "https://e.org/"\nper_page = 0\nlanguage = 5\n'
                        'timezone = "Asia/Shanghia"\n[feed]\nitems = "x"\n[math]\nrender = "server"\n')
    assert sorted(int(p.split(":")[1]) for p in found) == [3, 4, 5, 7, 9]


def test_broken_toml_reports_its_line():
    found = problems_of('title = "T"\nbase_url = https://e.org\n')
    assert found[0].startswith("site.toml:2: not valid TOML")


def test_base_url_override_replaces_the_file_value():
    config = parse_config('title = "T"\nbase_url = "https://e.org/"\n',
                          base_url="https://u.github.io/blog/")
    assert config.base_path == "/blog/"


def test_serves_origin_keeps_the_sites_path_and_a_wrong_base_url_is_told_as_written(tmp_path):
    from blogbuild.config import ConfigErrors, load_config

    (tmp_path / "site.toml").write_text('title = "T"\nbase_url = "https://e.org/blog"\n')
    assert load_config(tmp_path, origin="http://127.0.0.1:8000").base_url == \
        "http://127.0.0.1:8000/blog/"
    (tmp_path / "site.toml").write_text('title = "T"\nbase_url = "e.org/blog/"\n')
    with pytest.raises(ConfigErrors) as wrong:
        load_config(tmp_path, origin="http://127.0.0.1:8000")
    assert "not 'e.org/blog/'" in wrong.value.problems[0].message
    (tmp_path / "site.toml").write_text('title = "T"\n')
    with pytest.raises(ConfigErrors) as missing:
        load_config(tmp_path, origin="http://127.0.0.1:8000")
    assert missing.value.problems[0].message.startswith("`base_url` is required")
