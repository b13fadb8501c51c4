"""The build cache (.blogbuild-cache/): a build that reuses it writes exactly what a
build from nothing writes, after every kind of edit; a damaged cache costs only time."""

import shutil
from pathlib import Path

import pytest

from blogbuild import pages
from blogbuild.build import build_site
from blogbuild.cli import main
from conftest import post, tree, write_site

FILES = {
    "content/posts/a.md": post("甲 $x$", "2024-01-01", "开头 $a_1$\n\n<!--more-->\n\n\\begin{equation}e\\label{e}\\end{equation}\n",
                               tags="[数学]", series="S"),
    "content/posts/b.md": post("乙", "2024-01-02", "正文 $b$ 见 [甲](../a/)\n", tags="[数学, ML]", series="S"),
    "content/pages/about.md": "---\ntitle: 关于\n---\n关于 $c$\n",
    "content/comments/a.yaml": "- {id: 1, author: 读者, date: 2024-01-03, body: '好 $d$'}\n",
    # a hidden template that another includes: Jinja loads it like any other
    "templates/listing.html": '{% extends "base.html" %}{% block content %}'
                              '{% include ".note.html" %}{% endblock %}\n',
    "templates/.note.html": "<p>注</p>\n",
}


EDITS = {
    "post body": ("content/posts/a.md", lambda t: t.replace("开头", "开头改了")),
    "front matter": ("content/posts/b.md", lambda t: t.replace("date: 2024-01-02", "date: 2023-12-30")
                     .replace("title: 乙", "title: 乙改").replace("[数学, ML]", "[ML]")),
    "comment added": ("content/comments/a.yaml",
                      lambda t: t + "- {id: 2, author: 又一位, date: 2024-01-04, body: '新 $f$'}\n"),
    "page": ("content/pages/about.md", lambda t: t.replace("关于 $c$", "关于本站 $c^2$")),
    "site.toml": ("site.toml", lambda t: t.replace("per_page = 10", "per_page = 1")),
    "template": ("templates/page.html", lambda t: "<p>{{ entry.page.title }}</p>\n"),
    "hidden template": ("templates/.note.html", lambda t: "<p>注改了</p>\n"),
    "site icon": ("static/favicon.ico", lambda t: "icon"),  # every page links it
}


def make_edit(site: Path, edit: str) -> None:
    name, change = EDITS[edit]
    path = site / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(change(path.read_text(encoding="utf-8") if path.exists() else ""),
                    encoding="utf-8")


def turn_search_on(site: Path) -> None:
    toml = site / "site.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("enabled = false", "enabled = true"),
                    encoding="utf-8")


def cold_build(site: Path, tmp_path: Path) -> dict[str, bytes]:
    """What a build of the same inputs from nothing (no cache, no output) writes."""
    fresh = tmp_path / "fresh"
    shutil.copytree(site, fresh, ignore=shutil.ignore_patterns(".blogbuild-cache", "dist"))
    build_site(fresh, tmp_path / "cold")
    return tree(tmp_path / "cold")


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_build_after_an_edit_equals_a_build_from_nothing(edit, tmp_path: Path):
    """Into the same folder, so that the warm build takes unchanged pages over."""
    site = write_site(tmp_path / "site", FILES)
    build_site(site, site / "dist")  # fills the caches
    before = tree(site / "dist")
    make_edit(site, edit)
    build_site(site, site / "dist")
    assert tree(site / "dist") == cold_build(site, tmp_path)
    assert tree(site / "dist") != before


def test_deleting_and_renaming_posts_equals_a_build_from_nothing(tmp_path: Path):
    site = write_site(tmp_path / "site", FILES)
    build_site(site, site / "dist")
    (site / "content/posts/b.md").rename(site / "content/posts/c.md")
    (site / "content/comments/a.yaml").unlink()
    (site / "content/posts/a.md").unlink()
    build_site(site, site / "dist")
    assert tree(site / "dist") == cold_build(site, tmp_path)


def test_only_the_pages_that_show_an_edited_post_are_rendered_again(tmp_path: Path, monkeypatch):
    site = write_site(tmp_path / "site", FILES)
    build_site(site, site / "dist")
    rendered = []
    real = pages.render_page
    monkeypatch.setattr(pages, "render_page",
                        lambda env, job, layout: rendered.append(job.output) or real(env, job, layout))
    post_a = site / "content/posts/a.md"
    post_a.write_text(post_a.read_text(encoding="utf-8") + "\n补一句正文。\n", encoding="utf-8")
    build_site(site, site / "dist")
    # a's page and the pages that list a (with its entry, which changed); not b's page,
    # which links to a (previous post, series) but shows nothing that changed, nor the
    # about page, nor the listing of tag ML, which only b has
    assert sorted(rendered) == sorted([
        "archives/a/index.html", "index.html", "tags/数学/index.html", "series/s/index.html",
        "archives/2024/01/index.html", "archives/index.html", "tags/index.html", "404.html"])
    assert {"archives/b/index.html", "about/index.html", "tags/ml/index.html"} <= {
        p.relative_to(site / "dist").as_posix() for p in (site / "dist").rglob("*.html")}
    assert tree(site / "dist") == cold_build(site, tmp_path)


def test_output_files_changed_or_deleted_by_hand_are_written_again(tmp_path: Path):
    site = write_site(tmp_path / "site", FILES)
    build_site(site, site / "dist")
    page_b = site / "dist/archives/b/index.html"
    page_b.write_text("edited by hand", encoding="utf-8")
    (site / "dist/tags/index.html").unlink()
    (site / "dist/css/blogbuild.css").unlink()
    post_a = site / "content/posts/a.md"
    post_a.write_text(post_a.read_text(encoding="utf-8") + "\n补一句。\n", encoding="utf-8")
    build_site(site, site / "dist")
    assert tree(site / "dist") == cold_build(site, tmp_path)


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"output": 1, "pages": []}'])
def test_a_damaged_page_record_is_survived(damage, tmp_path: Path):
    site = write_site(tmp_path / "site", FILES)
    build_site(site, site / "dist")
    (site / ".blogbuild-cache/pages.json").write_bytes(damage)
    post_a = site / "content/posts/a.md"
    post_a.write_text(post_a.read_text(encoding="utf-8") + "\n补一句。\n", encoding="utf-8")
    build_site(site, site / "dist")
    assert tree(site / "dist") == cold_build(site, tmp_path)


@pytest.mark.parametrize("damage", ["cut in half", "not a database"])
def test_a_damaged_cache_is_survived(damage, tmp_path: Path):
    # (an empty file would not do: SQLite takes it for an empty database)
    site = write_site(tmp_path / "site", FILES)
    build_site(site, tmp_path / "first")
    folder = site / ".blogbuild-cache"
    for cache in [*folder.glob("*.sqlite"), *folder.glob("templates/*")]:
        data = cache.read_bytes()
        cache.write_bytes(data[:len(data) // 2] if damage == "cut in half"
                          else b"not a database at all" * 64)
    build_site(site, tmp_path / "second")
    assert tree(tmp_path / "first") == tree(tmp_path / "second")


def mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
            for p in folder.rglob("*") if p.is_file()}


def test_a_build_with_nothing_changed_touches_nothing(tmp_path: Path):
    site = write_site(tmp_path / "site", FILES)
    first = build_site(site, site / "dist")
    before = mtimes(site / "dist")
    again = build_site(site, site / "dist")
    assert again.unchanged and not first.unchanged
    assert (again.posts, again.pages) == (first.posts, first.pages)
    assert mtimes(site / "dist") == before


@pytest.mark.parametrize("change", ["edit a post", "touch nothing but lose an output file",
                                    "other options"])
def test_any_change_of_input_output_or_options_builds_again(change, tmp_path: Path):
    site = write_site(tmp_path / "site", FILES)
    build_site(site, site / "dist")
    options = {}
    if change == "edit a post":
        (site / "content/posts/b.md").write_text(post("乙", "2024-01-02", "新正文\n"), encoding="utf-8")
    elif change.startswith("touch"):
        (site / "dist/archives/a/index.html").unlink()
    else:
        options = {"drafts": True}
    report = build_site(site, site / "dist", **options)
    assert not report.unchanged
    if change == "edit a post":
        assert "新正文" in (site / "dist/archives/b/index.html").read_text(encoding="utf-8")
    elif change.startswith("touch"):
        assert (site / "dist/archives/a/index.html").is_file()


def test_files_a_change_does_not_touch_keep_their_modification_times(tmp_path: Path):
    site = write_site(tmp_path / "site", FILES)
    build_site(site, site / "dist")
    before = mtimes(site / "dist")
    post_a = site / "content/posts/a.md"
    post_a.write_text(post_a.read_text(encoding="utf-8") + "\n补一句正文。\n", encoding="utf-8")
    build_site(site, site / "dist")
    after = mtimes(site / "dist")
    changed = sorted(name for name in after if after[name] != before.get(name))
    assert changed == ["archives/a/index.html"]


def test_the_search_index_is_reused_when_no_page_changed(tmp_path: Path):
    site = write_site(tmp_path / "site", FILES)
    turn_search_on(site)
    build_site(site, site / "dist")
    index = {p: p.stat().st_ino for p in (site / "dist/pagefind").rglob("*") if p.is_file()}
    assert index
    (site / "static").mkdir()
    (site / "static/robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    build_site(site, site / "dist")
    assert {p: p.stat().st_ino for p in (site / "dist/pagefind").rglob("*") if p.is_file()} == index
    post_a = site / "content/posts/a.md"
    post_a.write_text(post_a.read_text(encoding="utf-8") + "\n新的一句。\n", encoding="utf-8")
    build_site(site, site / "dist")  # a page changed: indexed again
    assert {p: p.stat().st_ino for p in (site / "dist/pagefind").rglob("*") if p.is_file()} != index


@pytest.mark.parametrize("edit", ["post body", "front matter", "comment added", "template"])
def test_with_search_a_build_after_an_edit_equals_a_build_from_nothing(edit, tmp_path: Path):
    """The index is made again beside the output and replaces the old one file by file:
    the same bytes as a cold build's, and its files that did not change are not
    written again."""
    site = write_site(tmp_path / "site", FILES)
    turn_search_on(site)
    build_site(site, site / "dist")
    before, before_mtimes = tree(site / "dist"), mtimes(site / "dist")
    make_edit(site, edit)
    build_site(site, site / "dist")
    after, after_mtimes = tree(site / "dist"), mtimes(site / "dist")
    assert after == cold_build(site, tmp_path)
    assert any(name.startswith("pagefind/") for name in after)
    kept = [name for name in after if before.get(name) == after[name]]
    assert any(name.startswith("pagefind/") for name in kept)
    assert {name: after_mtimes[name] for name in kept} == \
        {name: before_mtimes[name] for name in kept}
    assert sorted(p.name for p in site.iterdir() if p.name.startswith(".dist")) == []


def test_no_cache_builds_from_nothing_without_touching_the_cache(tmp_path: Path):
    site = write_site(tmp_path / "site", FILES)
    build_site(site, site / "dist")
    cache = site / ".blogbuild-cache"
    for damaged in [*cache.glob("*.sqlite"), *cache.glob("templates/*")]:
        damaged.write_bytes(b"would be wrong if read")
    before = tree(cache)
    report = build_site(site, tmp_path / "uncached", use_cache=False)
    assert not report.unchanged
    assert tree(cache) == before
    assert tree(tmp_path / "uncached") == tree(site / "dist")


def test_the_command_line_has_no_cache(tmp_path: Path):
    site = write_site(tmp_path / "site", FILES)
    assert main(["build", str(site), "--no-cache", "-j", "1"]) == 0
    assert not (site / ".blogbuild-cache").exists()
    assert (site / "dist/archives/a/index.html").is_file()


def entries(cache: Path) -> dict[str, int]:
    import sqlite3
    counts = {}
    for name in ("content.sqlite", "rendered.sqlite"):
        with sqlite3.connect(cache / name) as db:
            counts[name] = db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
    return counts


def test_the_caches_keep_only_what_the_site_has(tmp_path: Path):
    """Editing a post many times must not grow the caches: the old parse and the old
    rendering of an edited post go, as does everything of a deleted post."""
    site = write_site(tmp_path / "site", FILES)
    build_site(site, site / "dist")
    first = entries(site / ".blogbuild-cache")
    post_a = site / "content/posts/a.md"
    for n in range(3):
        post_a.write_text(post_a.read_text(encoding="utf-8") + f"\n第{n}次补充。\n", encoding="utf-8")
        build_site(site, site / "dist")
        assert entries(site / ".blogbuild-cache") == first
    (site / "content/posts/b.md").unlink()
    build_site(site, site / "dist")
    after = entries(site / ".blogbuild-cache")
    assert all(after[name] < first[name] for name in first)
    assert tree(site / "dist") == cold_build(site, tmp_path)


@pytest.mark.parametrize("library, attribute", [
    ("pygments", "__version__"), ("markdown_it", "__version__"), ("mdit_py_plugins", "__version__"),
    ("yaml", "__version__"), ("jinja2", "__version__"), ("lxml", "__version__"),
    ("feedgen.version", "version_str"), ("sys", "version"), ("unicodedata", "unidata_version"),
    ("blogbuild.rendercache", "time_zone_rules")])
def test_an_upgraded_library_is_a_new_renderer_whose_caches_start_afresh(library, attribute,
                                                                         monkeypatch):
    """After `pip install -U pygments`, unedited posts kept the old highlighting and
    edited ones got the new; after `pip install -U feedgen`, a build found nothing
    changed and kept the old feeds: no build from nothing writes that. Python (its
    Unicode tables) and the time-zone rules count as libraries here."""
    import importlib

    from blogbuild.rendercache import code_fingerprint

    module = importlib.import_module(library)
    code_fingerprint.cache_clear()
    before = code_fingerprint()
    value = getattr(module, attribute)
    monkeypatch.setattr(module, attribute, (lambda: value() + ".post1") if callable(value)
                        else value + ".post1")
    code_fingerprint.cache_clear()
    try:
        assert code_fingerprint() != before
    finally:
        monkeypatch.undo()
        code_fingerprint.cache_clear()
    assert code_fingerprint() == before


def test_a_temporary_folder_a_killed_build_left_is_not_nothing_changed(tmp_path: Path):
    site = write_site(tmp_path / "site", FILES)
    build_site(site, site / "dist")
    (site / ".dist.new-killed" / "archives").mkdir(parents=True)
    assert not build_site(site, site / "dist").unchanged
    assert not (site / ".dist.new-killed").exists()
    assert build_site(site, site / "dist").unchanged


def test_a_changed_hidden_static_file_is_copied_again(tmp_path: Path):
    """Static files are copied hidden ones included (.well-known/), so a change to one is
    a change of input: the build must not say "nothing changed"."""
    site = write_site(tmp_path / "site", {**FILES, "static/.well-known/security.txt": "v1\n"})
    build_site(site, site / "dist")
    (site / "static/.well-known/security.txt").write_text("v2\n", encoding="utf-8")
    report = build_site(site, site / "dist")
    assert not report.unchanged
    assert (site / "dist/.well-known/security.txt").read_text(encoding="utf-8") == "v2\n"


def test_a_build_cut_short_keeps_the_posts_it_rendered(tmp_path: Path, monkeypatch):
    """Each chunk of posts goes into the cache as soon as it is rendered: a long cold
    build interrupted halfway (Ctrl-C, a killed process) resumes where it stopped."""
    from blogbuild import parallel

    site = write_site(tmp_path / "site", {
        f"content/posts/p{n:02d}.md": post(f"第{n}篇", f"2024-01-{n:02d}", f"正文 $x_{{{n}}}$\n")
        for n in range(1, 29)})
    rendered: list[str] = []
    real = parallel.render_post_job

    def render_until_p20(job, config, author):
        if job.slug == "p20":
            raise KeyboardInterrupt
        rendered.append(job.slug)
        return real(job, config, author)

    monkeypatch.setattr(parallel, "render_post_job", render_until_p20)
    with pytest.raises(KeyboardInterrupt):
        build_site(site, site / "dist")
    assert not (site / "dist").exists()
    monkeypatch.setattr(parallel, "render_post_job",
                        lambda job, config, author: rendered.append(job.slug) or real(job, config, author))
    rendered.clear()
    build_site(site, site / "dist")
    # the first chunk (parallel.CHUNK posts, oldest first) was kept; the rest render now
    assert sorted(rendered) == [f"p{n:02d}" for n in range(parallel.CHUNK + 1, 29)]
    assert tree(site / "dist") == cold_build(site, tmp_path)


def test_what_the_workers_of_a_cold_build_render_is_kept_for_the_next(tmp_path: Path,
                                                                     monkeypatch):
    """Workers store the posts they render in the cache themselves; the build's prune
    keeps them (it keeps what the build looked up)."""
    from blogbuild import parallel
    from blogbuild.build import PARALLEL_FROM

    site = write_site(tmp_path / "site", {
        f"content/posts/p{n:03d}.md": post(f"第{n}篇", "2024-01-01", f"正文 $x_{{{n}}}$\n")
        for n in range(PARALLEL_FROM + 8)})
    build_site(site, site / "dist", jobs=2)
    rendered: list[str] = []
    real = parallel.render_post_job
    monkeypatch.setattr(parallel, "render_post_job",
                        lambda job, config, author: rendered.append(job.slug) or real(job, config, author))
    shutil.rmtree(site / "dist")
    build_site(site, site / "dist", jobs=1)
    assert rendered == []
    assert tree(site / "dist") == cold_build(site, tmp_path)


def test_a_cache_file_another_process_is_opening_is_waited_for_not_replaced(tmp_path: Path,
                                                                            monkeypatch):
    """Workers starting together open one SQLite file at once; "database is locked"
    then means busy, not damaged: deleting the file would lose what is in it."""
    import sqlite3

    from blogbuild.store import Store

    path = tmp_path / "rendered.sqlite"
    first = Store(path)
    first.put({"kept": 1})
    first.close()
    busy = [2]
    real_open = Store._open

    def opening_elsewhere(self):
        if busy[0]:
            busy[0] -= 1
            error = sqlite3.OperationalError("database is locked")
            error.sqlite_errorcode = sqlite3.SQLITE_BUSY
            raise error
        return real_open(self)

    monkeypatch.setattr(Store, "_open", opening_elsewhere)
    again = Store(path)
    assert again.get(["kept"]) == {"kept": 1}
    again.close()
