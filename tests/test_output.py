"""Writing the output (output.py): in place where an output exists, only what changed,
and never a half-written output after a failure."""

from pathlib import Path

import pytest

from blogbuild.output import staging_folder, write_site
from blogbuild.pages import OutputFile
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
               finish=lambda folder, previous: seen.append((tree(folder), previous)),
               generated="search")
    written = {"a/index.html": b"a, by a worker", "index.html": b"home", "css/x": b"css"}
    assert tree(out) == written
    assert seen == [(written, None)]  # the index ran on the complete site
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


def test_a_file_that_must_become_a_folder_is_handled(out: Path):
    write_site(files(index_html__x=b"now a folder", a=b"a file"), out)
    assert tree(out) == {"index.html/x": b"now a folder", "a": b"a file"}


def test_the_search_index_runs_on_the_whole_site_only_when_a_page_changed(out: Path):
    calls = []

    def index(folder: Path, previous: Path | None) -> None:
        calls.append((sorted(tree(folder)), previous))
        (folder / "pagefind").mkdir()
        (folder / "pagefind/index.js").write_bytes(b"%d" % len(calls))

    pages = dict(index_html=b"home", a__index_html=b"a", b__index_html=b"b")
    # the output has no index yet: the whole site is staged and indexed; no page
    # changed, so the old output is offered for an index to reuse (it has none)
    write_site(files(**pages, css__x=b"css"), out, finish=index, generated="pagefind")
    assert calls == [(["a/index.html", "b/index.html", "css/x", "index.html"], out.resolve())]
    write_site(files(**pages, css__x=b"css changed"), out, finish=index, generated="pagefind")
    assert len(calls) == 1 and (out / "pagefind/index.js").read_bytes() == b"1"
    write_site(files(**{**pages, "a__index_html": b"a changed"}, css__x=b"css changed"), out,
               finish=index, generated="pagefind")
    assert len(calls) == 2 and (out / "pagefind/index.js").read_bytes() == b"2"
    write_site(files(**pages, css__x=b"css changed"), out)  # search turned off
    assert not (out / "pagefind").exists()


def test_when_the_search_index_must_run_no_old_file_is_read_twice(out: Path, monkeypatch):
    def index(folder: Path, previous: Path | None) -> None:
        (folder / "pagefind").mkdir(exist_ok=True)

    pages = dict(index_html=b"home", a__index_html=b"a", b__index_html=b"b", css__x=b"css")
    write_site(files(**pages), out, finish=index, generated="pagefind")
    reads: list[Path] = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self) or real(self))
    write_site(files(**{**pages, "a__index_html": b"a changed"}), out, finish=index,
               generated="pagefind")
    monkeypatch.undo()
    assert reads and len(reads) == len(set(reads)), sorted(map(str, reads))
    assert tree(out)["a/index.html"] == b"a changed" and tree(out)["css/x"] == b"css"
