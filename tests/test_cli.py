import subprocess
import sys
from pathlib import Path

import pytest

from blogbuild.cli import main, slug_from_title
from blogbuild.content import parse_post
from blogbuild.config import load_config
from conftest import post, write_site


@pytest.mark.parametrize("command", [[], ["build"], ["check"], ["new"]])
def test_help_works_on_every_command(command, capsys):
    assert main([*command, "--help"]) == 0
    assert "usage: blogbuild" in capsys.readouterr().out


def test_usage_errors_exit_2(tmp_path: Path, capsys):
    assert main(["frobnicate"]) == 2
    assert main(["build", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["build", "check", "serve", "init"])
def test_an_unknown_option_is_told_with_its_commands_usage(command, capsys):
    """It was the program's usage ("COMMAND ..."), which lists no option to choose."""
    assert main([command, "--bogus"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: blogbuild {command} [-h]")
    assert err.endswith(f"blogbuild {command}: error: unrecognized arguments: --bogus\n")


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_a_port_out_of_range_is_a_usage_error(site, port, capsys):
    """It was a traceback (OverflowError from bind)."""
    root = site({"content/posts/a.md": post("A", "2024-01-01")})
    assert main(["serve", str(root), "--port", port]) == 2
    err = capsys.readouterr().err
    assert f"--port must be between 0 and 65535 (0: any free port), not {port}" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", [["build"], ["check"], ["serve", "--port", "0"],
                                     ["new", "Title", "--site-dir"]])
def test_a_command_run_outside_a_site_folder_is_a_usage_error(command, tmp_path: Path, capsys):
    """Not a content error (exit 1): the command was given the wrong folder."""
    assert main([*command, str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path} is not a site folder: it has no site.toml (`blogbuild init" in err
    assert list(tmp_path.iterdir()) == []


def test_a_command_run_inside_a_site_names_the_site_it_is_in(tmp_path: Path, capsys, monkeypatch):
    """Run from content/posts/ while writing: Hugo's and Zola's authors expect it to
    work or to say where the site is."""
    write_site(tmp_path / "site", {"content/posts/a.md": post("甲", "2024-01-01")})
    monkeypatch.chdir(tmp_path / "site/content/posts")
    assert main(["build"]) == 2
    assert capsys.readouterr().err == ("blogbuild: . is not a site folder: it has no site.toml "
                                       "(it is inside the site in ../..: name that folder, or "
                                       "run blogbuild there)\n")
    monkeypatch.chdir(tmp_path / "site")
    assert main(["build", "content/posts"]) == 2
    assert capsys.readouterr().err.endswith("(the site is the current folder: leave out "
                                            "`content/posts`)\n")


@pytest.mark.parametrize("command", ["build", "check"])
def test_a_wrong_base_url_option_is_a_usage_error_naming_the_option(site, command, capsys):
    """Not site.toml's line, which may hold a right one."""
    root = site({"content/posts/a.md": post("a", "2024-01-01")})
    assert main([command, str(root), "--base-url", "kexue/"]) == 2
    err = capsys.readouterr().err
    assert "argument --base-url: must be an absolute http(s) URL" in err and "site.toml" not in err
    assert not (root / "dist").exists()


def test_build_prints_one_summary_line_when_not_on_a_terminal(site, tmp_path: Path):
    root = site({"content/posts/a.md": post("a", "2024-01-01"),
                 "content/posts/b.md": post("b", "2024-01-02", draft="true")})
    for run in ("built", "nothing changed since the last build of"):
        done = subprocess.run([sys.executable, "-m", "blogbuild", "build", str(root), "-o",
                               str(tmp_path / "out")], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert done.stdout == ""
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(
            f"{run} 1 post (1 draft left out; --drafts includes it), "), lines
    assert (tmp_path / "out/index.html").is_file()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_output_that_cannot_be_written_is_one_error_line(site, tmp_path: Path, jobs):
    """A file where the output's folder would go: the reason, not a traceback (nor
    "File exists"); the folder asked for is wrong, a usage error."""
    root = site({"content/posts/a.md": post("a", "2024-01-01")})
    (tmp_path / "taken").write_text("a file", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "blogbuild", "build", str(root), "-o",
                           str(tmp_path / "taken" / "out"), "-j", jobs],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"blogbuild: {tmp_path / 'taken' / 'out'}: output folder would be inside "
        f"{(tmp_path / 'taken').resolve()}, which is a file: choose a folder elsewhere"]


def test_new_writes_a_post_that_parses_and_refuses_to_overwrite(site, capsys):
    root = site({})
    assert main(["new", "Transformer升级之路 RoPE", "--site-dir", str(root)]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path.name.endswith("-transformer升级之路-rope.md")
    problems = []
    record = parse_post("new.md", path.read_text(encoding="utf-8"), load_config(root), problems)
    assert problems == [] and record.title == "Transformer升级之路 RoPE" and record.draft
    capsys.readouterr()
    # the slug asked for is taken: a usage error
    assert main(["new", "Transformer升级之路 RoPE", "--site-dir", str(root)]) == 2
    assert capsys.readouterr().err == f"blogbuild: {path} already exists; choose another --slug\n"


def test_new_makes_spaces_in_a_slug_dashes_as_front_matter_does(site, capsys):
    root = site({})
    assert main(["new", "x", "--slug", " a  b ", "--site-dir", str(root)]) == 0
    assert Path(capsys.readouterr().out.strip()).name.endswith("-a-b.md")


def test_new_refuses_a_slug_no_url_can_hold_or_one_a_post_has(site, capsys):
    """Else the draft is written, and the error waits until it is published."""
    root = site({"content/posts/2020/old.md": "---\ntitle: 旧\ndate: 2020-01-01\nslug: woodbury\n---\n"})
    assert main(["new", "x", "--slug", "a/b", "--site-dir", str(root)]) == 2
    assert main(["new", "x", "--slug", "woodbury", "--site-dir", str(root)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "blogbuild: --slug: slug 'a/b' cannot be part of a URL: use letters, digits, Chinese "
        "characters, '-', '_' and '.' (no '/', '?', '#', '%' or spaces)",
        "blogbuild: content/posts/2020/old.md has the slug 'woodbury' already; choose another --slug"]
    assert [p.name for p in (root / "content/posts").rglob("*.md")] == ["old.md"]


def test_new_keeps_a_title_with_tex_and_quotes_as_typed_and_says_it_is_a_draft(site, capsys):
    """In YAML's double quotes `\\epsilon` would be an escape character and "psilon"."""
    root = site({})
    title = """关于$\\epsilon$-greedy与$\\theta$: 一个"笔记"，it's"""
    assert main(["new", title, "--slug", "eps", "--site-dir", str(root)]) == 0
    said = capsys.readouterr()
    problems = []
    record = parse_post("new.md", Path(said.out.strip()).read_text(encoding="utf-8"),
                        load_config(root), problems)
    assert problems == [] and record.title == title
    assert "serve --drafts" in said.err and "draft: false" in said.err


def test_slugs_from_titles_keep_chinese_and_lowercase_ascii():
    assert slug_from_title("生成扩散模型漫谈(二十一): ODE") == "生成扩散模型漫谈-二十一-ode"


def test_what_a_problem_quotes_cannot_drive_the_terminal(site, tmp_path: Path, capsys):
    """A problem quotes the file: a reader's comment with an escape sequence in a
    formula set the terminal's title and colours when the build reported it."""
    root = site({"content/posts/a.md": post("a", "2024-01-01"),
                 "content/comments/a.yaml": '- {id: 1, author: a, date: 2024-01-02, '
                                            'body: "$\\\\foo\\e]0;PWNED\\a\\e[31mRED\\u202e$"}\n'})
    assert main(["build", str(root), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "\\x1b]0;PWNED\\x07\\x1b[31mRED\\u202e" in err
    assert not any(character in err for character in "\x1b\x07\u202e")
