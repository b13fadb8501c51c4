"""One fixture folder per kind of bad input: its `path:line` message, exit 1, and the
previous output left exactly as it was."""

import shutil
from pathlib import Path

import pytest

from blogbuild.cli import main

BAD = Path(__file__).parent / "fixtures" / "bad"
CASES = sorted(p.name for p in BAD.iterdir() if p.is_dir())


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}



def problem_lines(err: str) -> list[str]:
    """The problems a run printed, without its closing lines (the count, and check's
    note on the links)."""
    return [line for line in err.splitlines()
            if not line.startswith(("error: ", "links not checked: "))]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_reported_and_the_previous_output_survives(case: str, tmp_path: Path, capsys):
    site = tmp_path / case
    shutil.copytree(BAD / case, site)
    out = site / "dist"
    (out / "archives/old").mkdir(parents=True)
    (out / "index.html").write_text("<p>previous build</p>", encoding="utf-8")
    (out / "archives/old/index.html").write_text("old", encoding="utf-8")
    (out / "feed.xml").write_text("<rss><channel><generator>blogbuild</generator></channel></rss>",
                                  encoding="utf-8")  # what says a build wrote the folder
    before = snapshot(out)
    assert main(["build", str(site)]) == 1
    err = capsys.readouterr().err
    for expected in (site / "expected.txt").read_text(encoding="utf-8").splitlines():
        assert any(line.startswith(expected) for line in err.splitlines()), (expected, err)
    assert "Traceback" not in err
    assert snapshot(out) == before


@pytest.mark.parametrize("case", CASES)
def test_check_reports_the_same_problems(case: str, tmp_path: Path, capsys):
    site = tmp_path / case
    shutil.copytree(BAD / case, site)  # check writes its KaTeX cache into the site folder
    assert main(["check", str(site)]) == 1
    err = capsys.readouterr().err
    assert "nothing was written" not in err  # check never writes
    for expected in (BAD / case / "expected.txt").read_text(encoding="utf-8").splitlines():
        assert any(line.startswith(expected) for line in err.splitlines()), (expected, err)


def test_a_post_with_front_matter_errors_gets_its_body_and_comments_checked_too(tmp_path: Path, capsys):
    """All of a file's problems in one run: not its front matter's now and its
    formulas' once that is mended; its comments file is not said to name no post."""
    site = tmp_path / "site"
    shutil.copytree(BAD / "front-matter-and-body", site)
    assert main(["build", str(site)]) == 1
    reported = [line.split(": ")[0] for line in problem_lines(capsys.readouterr().err)]
    assert reported == ["content/comments/unclosed.yaml:4", "content/posts/a.md:3",
                        "content/posts/a.md:6", "content/posts/b.md:2", "content/posts/b.md:9"]


def test_two_posts_with_one_slug_get_both_their_bodies_checked(tmp_path: Path, capsys):
    """The second is left out of the site, not out of the check."""
    from conftest import post, write_site

    site = write_site(tmp_path / "site", {
        "content/posts/c.md": post("C", "2024-01-01", "$\\badone$\n", slug="same"),
        "content/posts/d.md": post("D", "2024-01-02", "$\\badtwo$\n", slug="same")})
    assert main(["check", str(site)]) == 1
    err = capsys.readouterr().err
    assert [line.split(": ")[0] for line in problem_lines(err)] == [
        "content/posts/c.md:6", "content/posts/d.md:4", "content/posts/d.md:6"], err


def test_a_comments_file_that_names_no_post_gets_its_comments_checked_too(tmp_path: Path,
                                                                        capsys):
    """Its formulas and fields are not left for the run after it is renamed; its ids
    are not taken for the post's own (it is often a renamed post's old file), nor do
    its comments stand in for theirs."""
    from conftest import post, write_site

    comment = "- id: {0}\n  author: 甲\n  date: {1}\n  body: {2}\n"
    site = write_site(tmp_path / "site", {
        "content/posts/a.md": post("A", "2024-01-01"),
        "content/comments/a.yaml": comment.format(1, "2024-01-02", "好 $\\sqrt$"),
        "content/comments/nopost.yaml": comment.format(1, "2024-01-02", "好")
                                        + comment.format(2, "someday", "一")
                                        + comment.format(3, "2024-01-02", "一 $\\frac{$"),
        "content/pages/about.md": "---\ntitle: 关于\n---\n正文\n",
        "content/comments/about.yaml": comment.format(4, "2024-01-02", "一 $\\frac{$")})
    assert main(["check", str(site), "--no-links"]) == 1
    err = capsys.readouterr().err
    assert [line.split(": ")[0] for line in problem_lines(err)] == [
        "content/comments/a.yaml:4",
        "content/comments/about.yaml", "content/comments/about.yaml:4",
        "content/comments/nopost.yaml", "content/comments/nopost.yaml:7",
        "content/comments/nopost.yaml:12"], err


def test_the_errors_of_one_line_are_listed_as_its_formulas_stand(tmp_path: Path, capsys):
    """They were sorted by their messages: `\\bbox`'s "Undefined control sequence"
    came before the `\\frac{a` written before it."""
    from conftest import post, write_site

    site = write_site(tmp_path / "site", {"content/posts/a.md": post(
        "A", "2024-01-01", "$\\frac{a$ 和 $\\bbox{x}$ 和 $\\alpha$ 和 $\\zzz$\n")})
    assert main(["check", str(site), "--no-links"]) == 1
    formulas = [line.split(" in ")[-1] for line in problem_lines(capsys.readouterr().err)]
    assert [f.split(" ")[0] for f in formulas] == ["$\\frac{a$", "$\\bbox{x}$", "$\\zzz$"]


def test_every_template_syntax_error_is_reported_in_one_run(tmp_path: Path, capsys):
    """Two templates the pages use, each broken: both at once, not one per run; a
    scratch file no page uses is not the site's problem."""
    from conftest import post, write_site

    site = write_site(tmp_path / "site", {
        "content/posts/a.md": post("A", "2024-01-01"),
        "content/pages/about.md": "---\ntitle: 关于\n---\n\n正文\n",
        "templates/page.html": '{% extends "base.html" %}\n{% block content %}{{ entry.html }\n{% endblock %}\n',
        "templates/_footer.html": "ok\n{% if %}\n",
        "templates/post.html": '{% extends "base.html" %}{% block content %}{% include "_footer.html" %}'
                               "{% endblock %}\n",
        "templates/scratch.html": "{{ oops\n"})
    assert main(["build", str(site)]) == 1
    err = capsys.readouterr().err
    assert [line.split(": ")[0] for line in problem_lines(err)] == [
        "templates/_footer.html:2", "templates/page.html:2"], err


@pytest.mark.parametrize("command", [["build"], ["build", "-j", "2"], ["check"]])
def test_a_mistake_in_site_toml_does_not_hide_the_contents_problems(command: list[str],
                                                                    tmp_path: Path, capsys):
    """An unknown key, or a value that cannot be used, is reported with the posts'
    problems in one run: the content is checked with the other keys (the bad ones at
    their defaults), including by worker processes. Nothing is written."""
    from conftest import SITE_TOML, post, write_site

    from blogbuild.prestart import PARALLEL_FROM

    site = write_site(tmp_path / "site", {
        "site.toml": SITE_TOML.replace("per_page = 10", "per_pages = 10\ntimezone = \"Mars/Base\""),
        # posts enough for `-j 2` to render on a worker process (PARALLEL_FROM)
        **{f"content/posts/p{n}.md": post(f"P{n}", f"2024-01-01T{n // 60:02}:{n % 60:02}:00",
                                          "$x$ 正文。\n")
           for n in range(PARALLEL_FROM)},
        "content/posts/bad.md": post("Bad", "2024-02-01", "$\\badmacro$\n")})
    assert main([*command, str(site)]) == 1
    err = capsys.readouterr().err
    assert [line.split(": ")[0] for line in problem_lines(err)] == [
        "content/posts/bad.md:5", "site.toml:4", "site.toml:5"], err
    assert "unknown key `per_pages` (did you mean `per_page`?)" in err
    assert "Traceback" not in err and not (site / "dist").exists()


def test_site_toml_problems_that_leave_no_usable_configuration_stop_before_the_content(
        tmp_path: Path, capsys):
    """Without the required keys, or with a mistake in [math] (which changes what every
    formula means: `macro =` for `macros =` made each formula using a site macro a
    false KaTeX error), site.toml's problems are reported alone."""
    from conftest import SITE_TOML, post, write_site

    from blogbuild.config import ConfigErrors, parse_config

    for text, usable in (('title = "T"\nbase_url = "example.org"\nextra = 1\n', False),
                         ('title = "T"\nbase_url = "https://e.org/"\n[math]\nrender = "x"\n', False),
                         ('title = "T"\nbase_url = "https://e.org/"\nper_page = 0\n'
                          '[feed]\nitems = 0\n', True)):
        with pytest.raises(ConfigErrors) as caught:
            parse_config(text)
        assert (caught.value.usable is not None) == usable, text
    assert (caught.value.usable.per_page, caught.value.usable.feed.items) == (10, 20)
    site = write_site(tmp_path / "site", {
        "site.toml": SITE_TOML + '[math]\nmacro = { "\\\\bx" = "\\\\boldsymbol{x}" }\n',
        **{f"content/posts/p{n}.md": post(f"P{n}", f"2024-01-0{n + 1}", "$\\bx_t$\n")
           for n in range(3)}})
    assert main(["check", str(site)]) == 1
    err = capsys.readouterr().err
    assert [line.split(": ")[0] for line in problem_lines(err)] == ["site.toml:10"], err


def test_an_unreadable_content_file_is_one_of_the_problems_build_reports_as_check_does(
        tmp_path: Path, capsys):
    """A dangling link stopped `build` at its first look at the files (`error: …: No
    such file or directory`), before the content's other problems; `check` listed them
    all. A looping link that is no content file is a warning in both."""
    from conftest import post, write_site

    site = write_site(tmp_path / "site", {"content/posts/bad.md": post("B", "2024-01-01",
                                                                        "$\\badmacro$\n")})
    (site / "content/posts/gone.md").symlink_to("nowhere.md")
    (site / "content/posts/loop").symlink_to("loop")
    for command in ("check", "build"):
        assert main([command, str(site)]) == 1
        err = capsys.readouterr().err
        assert [line.split(": ")[0] for line in problem_lines(err)] == [
            "content/posts/bad.md:5", "content/posts/gone.md", "content/posts/loop"], (command, err)
