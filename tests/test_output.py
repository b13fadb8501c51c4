"""Writing the output (output.py): in place where an output exists, only what changed,
and never a half-written output after a failure."""

import errno
import os
from pathlib import Path

import pytest

from blogbuild.outfolder import staging_folder
from blogbuild.output import Generated, stage_file, write_site
from blogbuild.pages import OutputFile
from blogbuild.problems import ContentErrors
from conftest import tree


def files(**named: bytes | None) -> list[OutputFile]:
    return [OutputFile(path.replace("__", "/").replace("_html", ".html"), data, "test")
            for path, data in named.items()]


def stats(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    out = tmp_path / "dist"
    write_site(files(index_html=b"home", a__index_html=b"a", b__index_html=b"b",
                     css__x=b"css"), out)
    return out


def test_an_update_writes_only_what_changed_and_removes_what_is_gone(out: Path):
    (out / "stray.txt").write_bytes(b"left by hand")
    before = stats(out)
    write_site(files(index_html=b"home", a__index_html=None, c__index_html=b"c",
                     css__x=b"css2"), out)
    assert tree(out) == {"index.html": b"home", "a/index.html": b"a", "c/index.html": b"c",
                         "css/x": b"css2"}
    after = stats(out)
    assert after["index.html"] == before["index.html"]  # same bytes: not touched
    assert after["a/index.html"] == before["a/index.html"]  # no data: kept as it was
    assert after["css/x"] != before["css/x"]
    assert not (out / "b").exists()  # its folder went with its only file
    assert not list(out.parent.glob(".dist.*"))  # no temporary folder left


def test_pages_a_worker_wrote_into_the_staging_folder_are_completed_and_swapped_in(tmp_path):
    out = tmp_path / "dist"
    staging = staging_folder(out)
    (staging / "a").mkdir()
    (staging / "a" / "index.html").write_bytes(b"a, by a worker")
    seen = []
    write_site([OutputFile("a/index.html", None, "test", staged=True),
                *files(index_html=b"home", css__x=b"css")], out, staging=staging,
               generated=Generated("search", lambda path: True,
                                   lambda folder: seen.append(tree(folder))))
    written = {"a/index.html": b"a, by a worker", "index.html": b"home", "css/x": b"css"}
    assert tree(out) == written
    assert seen == [written]  # the index ran on the complete site
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_a_failure_while_writing_leaves_the_old_output_as_it_was(out: Path, monkeypatch):
    before, before_stats = tree(out), stats(out)
    written = []
    real = Path.write_bytes

    def failing(self, data):
        if written:
            raise OSError(28, "No space left on device")
        written.append(self)
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing)
    with pytest.raises(OSError):
        write_site(files(index_html=b"home2", a__index_html=b"a2", css__x=b"css"), out)
    assert tree(out) == before and stats(out) == before_stats
    assert not list(out.parent.glob(".dist.*"))


def test_files_that_cannot_all_be_written_are_reported_before_anything_is(out: Path):
    """A file where another needs a folder (a static index.html/x beside the front page;
    a post whose slug is 404.html), and a path leaving its folder (a tag named `..`):
    the build used to write a broken output, or fail halfway through writing it."""
    before, before_stats = tree(out), stats(out)
    with pytest.raises(ContentErrors) as raised:
        write_site([OutputFile("index.html", b"home", "index"),
                    OutputFile("index.html/x", b"x", "static/index.html/x"),
                    OutputFile("Tags/zzz", b"z", "static/Tags/zzz"),
                    OutputFile("tags/zzz/index.html", b"tag", "content/posts/a.md"),
                    OutputFile("tags/../index.html", b"tag", "content/posts/b.md")], out)
    assert [str(p) for p in raised.value.problems] == [
        "content/posts/b.md: writes tags/../index.html, which is not a plain path in the "
        "output (a slug or name of `.` or `..`?); rename it",
        "static/index.html/x: writes index.html/x, inside a folder index.html/, where index "
        "writes the file index.html; change one of their slugs or paths",
        "content/posts/a.md: writes tags/zzz/index.html, inside a folder Tags/zzz/, where "
        "static/Tags/zzz writes the file Tags/zzz; change one of their slugs or paths"]
    assert tree(out) == before and stats(out) == before_stats


def test_a_page_staged_where_a_folder_is_is_left_for_write_site_to_report(tmp_path):
    staging = staging_folder(tmp_path / "dist")
    stage_file(staging, "404.html/index.html", b"a post with the slug 404.html")
    stage_file(staging, "404.html", b"the 404 page")  # no exception: reported later
    assert tree(staging) == {"404.html/index.html": b"a post with the slug 404.html"}


def test_a_file_that_must_become_a_folder_is_handled(out: Path):
    write_site(files(index_html__x=b"now a folder", a=b"a file"), out)
    assert tree(out) == {"index.html/x": b"now a folder", "a": b"a file"}


def post_pages(path: str) -> bool:
    """What the search index of these tests reads: the pages in a folder."""
    return path.endswith("/index.html")


def counting_index(calls: list[dict[str, bytes]]) -> Generated:
    """A search index over the post pages that records the files it was made from, and
    writes pagefind/index.js holding how many times it was made."""
    def index(folder: Path) -> None:
        calls.append(tree(folder))
        (folder / "pagefind").mkdir()
        (folder / "pagefind/index.js").write_bytes(b"%d" % len(calls))

    return Generated("pagefind", post_pages, index)


def test_the_search_index_is_made_again_only_when_a_page_it_reads_changed(out: Path):
    calls: list[dict[str, bytes]] = []
    search = counting_index(calls)
    pages = dict(index_html=b"home", a__index_html=b"a", b__index_html=b"b")
    # the output has no index yet: the whole site is staged and indexed
    write_site(files(**pages, css__x=b"css"), out, generated=search)
    assert sorted(calls[0]) == ["a/index.html", "b/index.html", "css/x", "index.html"]
    assert tree(out)["pagefind/index.js"] == b"1"
    # neither a stylesheet nor a page it does not read
    write_site(files(**{**pages, "index_html": b"home 2"}, css__x=b"css 2"), out,
               generated=search)
    assert len(calls) == 1 and tree(out)["index.html"] == b"home 2"
    # a page it reads: made from those pages alone, as they will be, beside the output
    before = stats(out)
    write_site(files(**{**pages, "a__index_html": b"a 2"}), out, generated=search)
    assert calls[1] == {"a/index.html": b"a 2", "b/index.html": b"b"}
    assert tree(out) == {"index.html": b"home", "a/index.html": b"a 2",
                         "b/index.html": b"b", "pagefind/index.js": b"2"}
    after = stats(out)
    assert after["b/index.html"] == before["b/index.html"]  # still the same file
    # a page it read is gone
    write_site(files(index_html=b"home", a__index_html=b"a 2"), out, generated=search)
    assert calls[2] == {"a/index.html": b"a 2"}
    assert sorted(tree(out)) == ["a/index.html", "index.html", "pagefind/index.js"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["dist"]
    write_site(files(index_html=b"home", a__index_html=b"a 2"), out)  # search turned off
    assert not (out / "pagefind").exists()


def test_a_failing_search_index_leaves_the_old_output_as_it_was(out: Path):
    def index(folder: Path) -> None:
        (folder / "pagefind").mkdir()
        if (folder / "a/index.html").read_bytes() == b"a 2":
            raise OSError("Pagefind failed")

    write_site(files(index_html=b"home", a__index_html=b"a", css__x=b"css"), out,
               generated=Generated("pagefind", post_pages, index))
    before, before_stats = tree(out), stats(out)
    with pytest.raises(OSError):
        write_site(files(index_html=b"home 2", a__index_html=b"a 2", css__x=b"css 2"), out,
                   generated=Generated("pagefind", post_pages, index))
    assert tree(out) == before and stats(out) == before_stats
    assert sorted(p.name for p in out.parent.iterdir()) == ["dist"]


def test_the_new_search_index_replaces_the_old_one_file_by_file(out: Path):
    """Pagefind names most of its files by a digest of what they hold: after one edit
    most are the same, and keep their modification time for rsync and Pages."""
    def index(folder: Path) -> None:
        edited = (folder / "a/index.html").read_bytes()
        for name, data in {"entry.json": edited, "fragment/b": b"b",
                           f"fragment/{edited.decode()}": edited}.items():
            (folder / "pagefind" / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / "pagefind" / name).write_bytes(data)

    search = Generated("pagefind", post_pages, index)
    write_site(files(a__index_html=b"a", b__index_html=b"b"), out, generated=search)
    before = stats(out)
    write_site(files(a__index_html=b"a 2", b__index_html=b"b"), out, generated=search)
    assert tree(out / "pagefind") == {"entry.json": b"a 2", "fragment/b": b"b",
                                      "fragment/a 2": b"a 2"}
    after = stats(out)
    assert after["pagefind/fragment/b"] == before["pagefind/fragment/b"]
    assert after["pagefind/entry.json"] != before["pagefind/entry.json"]
    # a file of the index that must become a folder: the new index is swapped in whole
    write_site(files(a__index_html=b"entry.json/x", b__index_html=b"b"), out,
               generated=Generated("pagefind", post_pages, lambda folder: (
                   (folder / "pagefind/entry.json").mkdir(parents=True),
                   (folder / "pagefind/entry.json/x").write_bytes(b"x"))))
    assert tree(out / "pagefind") == {"entry.json/x": b"x"}
    assert sorted(p.name for p in out.iterdir()) == ["a", "b", "pagefind"]


def test_when_the_search_index_must_run_no_old_file_is_read_twice(out: Path, monkeypatch):
    def index(folder: Path) -> None:
        (folder / "pagefind").mkdir(exist_ok=True)

    search = Generated("pagefind", post_pages, index)
    pages = dict(index_html=b"home", a__index_html=b"a", b__index_html=b"b", css__x=b"css")
    write_site(files(**pages), out, generated=search)
    reads: list[Path] = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self) or real(self))
    write_site(files(**{**pages, "a__index_html": b"a changed"}), out, generated=search)
    monkeypatch.undo()
    assert reads and len(reads) == len(set(reads)), sorted(map(str, reads))
    assert tree(out)["a/index.html"] == b"a changed" and tree(out)["css/x"] == b"css"


def test_a_file_of_the_site_inside_the_index_folder_is_an_error(out: Path):
    """It would be deleted by the next index made beside the output."""
    with pytest.raises(ContentErrors) as raised:
        write_site(files(index_html=b"home", pagefind__custom_txt=b"mine"), out,
                   generated=Generated("pagefind", post_pages, lambda folder: None))
    assert [str(p) for p in raised.value.problems] == [
        "test: writes pagefind/custom_txt, inside pagefind/, which the search index writes; "
        "move it elsewhere"]
    # a file named as the folder
    with pytest.raises(ContentErrors):
        write_site(files(index_html=b"home", pagefind=b"mine"), out,
                   generated=Generated("pagefind", post_pages, lambda folder: None))


def test_an_index_that_could_not_be_moved_in_is_made_again_next_time(out: Path, monkeypatch):
    calls: list[dict[str, bytes]] = []
    search = counting_index(calls)
    write_site(files(index_html=b"home", a__index_html=b"a"), out, generated=search)
    edited = files(index_html=b"home", a__index_html=b"a 2")
    import blogbuild.output

    def failing(new: Path, old: Path) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(blogbuild.output, "_replace_folder", failing)
    with pytest.raises(OSError):
        write_site(edited, out, generated=search)
    monkeypatch.undo()
    write_site(edited, out, generated=search)
    assert len(calls) == 3 and tree(out) == {"index.html": b"home", "a/index.html": b"a 2",
                                             "pagefind/index.js": b"3"}


def test_with_search_a_failure_writing_the_pages_leaves_the_index_as_it_was_too(
        out: Path, monkeypatch):
    calls: list[dict[str, bytes]] = []
    search = counting_index(calls)
    write_site(files(index_html=b"home", a__index_html=b"a"), out, generated=search)
    before, before_stats = tree(out), stats(out)
    real = Path.write_bytes

    def full_disk(self, data):
        if self.name.isdigit():  # the changed pages, written aside before they move in
            raise OSError(28, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    with pytest.raises(OSError):
        write_site(files(index_html=b"home", a__index_html=b"a 2"), out, generated=search)
    assert len(calls) == 2  # the new index was made, beside the output
    assert tree(out) == before and stats(out) == before_stats
    assert sorted(p.name for p in out.parent.iterdir()) == ["dist"]



def _below(path, folder: Path) -> bool:
    return Path(path) == folder or folder in Path(path).parents


def fix_in_place(monkeypatch, out: Path, fixed_by: str) -> None:
    """Make `out` behave as a mount point (it cannot be renamed, nothing moves in or out
    of it by renaming), as a bind mount of the same file system (the same, but
    os.path.ismount does not tell it), or as a folder in a parent this process may not
    write to (no sibling can be made, it cannot be renamed)."""
    import blogbuild.outfolder
    os_module, tempfile_module = blogbuild.outfolder.os, blogbuild.outfolder.tempfile
    refusal = errno.EACCES if fixed_by == "parent not writable" else errno.EBUSY

    def moving(real):
        def move(source, target):
            if Path(source) == out or Path(target) == out:
                raise OSError(refusal, os.strerror(refusal), str(source))
            if fixed_by != "parent not writable" and _below(source, out) != _below(target, out):
                raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(source))
            return real(source, target)
        return move

    for name in ("rename", "replace", "link"):
        monkeypatch.setattr(os_module, name, moving(getattr(os_module, name)))
    if fixed_by == "mount point":
        monkeypatch.setattr(os_module.path, "ismount", lambda path: Path(path) == out)
    elif fixed_by == "parent not writable":
        real_mkdtemp, real_access = tempfile_module.mkdtemp, os_module.access

        def mkdtemp(*args, dir=None, **kwargs):
            if dir is not None and Path(dir) == out.parent:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(dir))
            return real_mkdtemp(*args, dir=dir, **kwargs)

        monkeypatch.setattr(tempfile_module, "mkdtemp", mkdtemp)
        monkeypatch.setattr(os_module, "access", lambda path, mode: (
            Path(path) != out.parent and real_access(path, mode)))


@pytest.mark.parametrize("fixed_by", ["mount point", "bind mount", "parent not writable"])
def test_an_output_folder_that_cannot_be_renamed_is_written_inside(tmp_path, monkeypatch,
                                                                   fixed_by):
    """A container's volume mounted at dist/, or a dist/ of one's own in a folder one may
    not write to: no sibling can be made, nor dist/ renamed; all the same it is built,
    updated and indexed, and a failure still leaves it as it was."""
    out = tmp_path / "dist"
    out.mkdir()
    fix_in_place(monkeypatch, out, fixed_by)
    calls: list[dict[str, bytes]] = []
    search = counting_index(calls)
    # the first build (into the empty folder): the whole site staged and put in place
    write_site(files(index_html=b"home", a__index_html=b"a", css__x=b"css"), out,
               generated=search)
    assert tree(out) == {"index.html": b"home", "a/index.html": b"a", "css/x": b"css",
                         "pagefind/index.js": b"1"}
    assert calls[0] == {"index.html": b"home", "a/index.html": b"a", "css/x": b"css"}
    # an edit of a page the index reads: indexed apart, then moved in
    before = stats(out)
    write_site(files(index_html=b"home", a__index_html=b"a 2", css__x=b"css"), out,
               generated=search)
    assert calls[1] == {"a/index.html": b"a 2"}
    assert tree(out)["a/index.html"] == b"a 2" and tree(out)["pagefind/index.js"] == b"2"
    assert stats(out)["css/x"] == before["css/x"]
    # a failure leaves it as it was
    before, before_stats = tree(out), stats(out)
    real = Path.write_bytes

    def full_disk(self, data):
        if self.name.isdigit():
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    with pytest.raises(OSError):
        write_site(files(index_html=b"home 3", a__index_html=b"a 2", css__x=b"css"), out)
    monkeypatch.setattr(Path, "write_bytes", real)
    assert tree(out) == before and stats(out) == before_stats
    # a file that must become a folder: the whole site again, put in place entry by entry
    write_site(files(index_html=b"home", a=b"now a file"), out)
    assert tree(out) == {"index.html": b"home", "a": b"now a file"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]  # nothing left beside it


def test_the_temporary_folders_a_killed_build_left_go_with_the_next(tmp_path, monkeypatch):
    """Inside an output fixed in place (with files, or an empty tree that no listing of
    the output's files shows), or beside an output (a whole copy of the site)."""
    out = tmp_path / "dist"
    write_site(files(index_html=b"home"), out)
    fix_in_place(monkeypatch, out, "mount point")
    import blogbuild.output
    left = out / f"{blogbuild.outfolder.INNER_TEMPORARY}x1"
    (left / "a").mkdir(parents=True)
    (left / "a" / "index.html").write_bytes(b"a")
    (out / f"{blogbuild.outfolder.INNER_TEMPORARY}x2" / "archives" / "p").mkdir(parents=True)
    (tmp_path / ".dist.new-x3" / "archives").mkdir(parents=True)
    (tmp_path / ".dist.old-x4" / "dist").mkdir(parents=True)
    assert len(blogbuild.outfolder.temporary_leftovers(out)) == 4
    write_site(files(index_html=b"home", b=b"b"), out)
    assert tree(out) == {"index.html": b"home", "b": b"b"}
    assert sorted(p.name for p in out.iterdir()) == ["b", "index.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_a_failure_putting_the_new_output_in_place_leaves_the_old_one(out: Path, monkeypatch):
    before = tree(out)
    import blogbuild.outfolder
    real = blogbuild.outfolder.os.rename

    def refusing(source, target):
        if Path(target) == out and Path(source).name.startswith(".dist.new-"):
            # the new output cannot take the old one's place (the old one can go back)
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(target))
        return real(source, target)

    monkeypatch.setattr(blogbuild.outfolder.os, "rename", refusing)
    with pytest.raises(OSError):
        write_site(files(index_html__x=b"a folder now"), out)  # not possible in place
    assert tree(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["dist"]


def test_a_running_build_keeps_its_temporary_folder_and_lost_and_found_stays(tmp_path, monkeypatch):
    """Another build writing into the same output keeps its staging folder (its process
    is alive); a volume's lost+found is the file system's, not the site's."""
    import blogbuild.outfolder
    out = tmp_path / "dist"
    write_site(files(index_html=b"home"), out)
    running = tmp_path / f".dist.new-{os.getppid()}-abcd1234"
    running.mkdir()
    (out / "lost+found").mkdir()
    (out / "lost+found" / "#1234").write_bytes(b"fsck's")
    assert blogbuild.outfolder.temporary_leftovers(out) == []
    fix_in_place(monkeypatch, out, "mount point")
    write_site(files(index_html=b"home", a__index_html=b"a"), out)  # in place
    write_site(files(index_html__x=b"a folder now"), out)  # the whole site exchanged
    assert tree(out) == {"index.html/x": b"a folder now", "lost+found/#1234": b"fsck's"}
    assert running.is_dir()


def test_a_checkout_in_the_output_folder_is_kept_whichever_way_the_site_is_exchanged(out: Path):
    """dist/ as a gh-pages checkout (or a submodule, as Hugo's public/ often is): its
    .git survives an update in place and a whole new output renamed into place."""
    write_site(files(index_html=b"home"), out)
    (out / ".git").mkdir()
    (out / ".git" / "HEAD").write_bytes(b"ref: refs/heads/gh-pages\n")
    write_site(files(index_html=b"home 2", a__index_html=b"a"), out)  # in place
    assert tree(out) == {".git/HEAD": b"ref: refs/heads/gh-pages\n", "index.html": b"home 2",
                         "a/index.html": b"a"}
    write_site(files(index_html__x=b"a folder now"), out)  # the whole site exchanged
    assert tree(out) == {".git/HEAD": b"ref: refs/heads/gh-pages\n", "index.html/x": b"a folder now"}
    assert sorted(p.name for p in out.parent.iterdir()) == ["dist"]


@pytest.mark.parametrize("where, refused", [
    ("..", "holds the site itself"), (".", "holds the site itself"),
    ("content/out", "is inside the site's content/"), ("static/x", "is inside the site's static/"),
    ("../notes", "holds files no blogbuild build wrote (notes.txt)"),
    ("../a-file", "is a file, not a folder"),
    ("site.toml/x", "would be inside {site}/site.toml, which is a file")])
def test_a_build_refuses_an_output_folder_it_would_wreck(tmp_path: Path, where: str, refused: str,
                                                         capsys):
    """A build empties its output folder of everything it did not write: one holding
    the site, inside what the build reads, or holding someone's files is refused, and
    nothing is touched. The folder asked for is wrong: a usage error (exit 2)."""
    from blogbuild.cli import main
    from conftest import post, write_site as write_files

    site = write_files(tmp_path / "site", {"content/posts/a.md": post("A", "2024-01-01")})
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "a-file").write_text("mine", encoding="utf-8")
    before = tree(tmp_path)
    assert main(["build", str(site), "-o", str(site / where)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"blogbuild: {site / where}: output folder ")
    assert refused.format(site=site.resolve()) in err
    assert tree(tmp_path) == before


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc, where no "
                    "folder can be made")
def test_an_output_folder_that_cannot_be_made_is_named_not_a_temporary_one(tmp_path: Path, capsys):
    """The build is made in a temporary folder beside the output's: the message named
    that one (/proc/.blogbuild-out.new-32379-qlgi69i4), which nobody asked for."""
    from blogbuild.cli import main
    from conftest import post, write_site as write_files

    site = write_files(tmp_path / "site", {"content/posts/a.md": post("A", "2024-01-01")})
    assert main(["build", str(site), "-o", "/proc/blogbuild-out"]) == 1
    assert capsys.readouterr().err == (
        "error: /proc/blogbuild-out: cannot make the output folder there (No such file or "
        "directory)\n")


def test_an_earlier_output_and_an_empty_checkout_are_built_into(tmp_path: Path):
    """What a build wrote before (its feed says so), a folder holding only a checkout,
    and one holding only what a killed build left inside it are output folders a build
    may fill."""
    from blogbuild.build import build_site
    from conftest import post, write_site as write_files

    site = write_files(tmp_path / "site", {"content/posts/a.md": post("A", "2024-01-01")})
    build_site(site, tmp_path / "first", remember=False)
    (tmp_path / "checkout" / ".git").mkdir(parents=True)
    (tmp_path / "volume" / ".blogbuild-temporary-999999-abcd").mkdir(parents=True)
    build_site(site, tmp_path / "first", remember=False)
    build_site(site, tmp_path / "checkout", remember=False)
    build_site(site, tmp_path / "volume", remember=False)
    assert (tmp_path / "checkout" / ".git").is_dir() and (tmp_path / "checkout" / "index.html").is_file()
    assert not (tmp_path / "volume" / ".blogbuild-temporary-999999-abcd").exists()
