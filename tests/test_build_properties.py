"""The build cache's promise, as a property: after any sequence of edits to a site, a
build that reuses the cache and the previous output writes exactly what a build of
the same inputs from nothing writes, byte for byte, after every step.

test_build_cache.py checks each kind of edit once, alone; here hypothesis draws short
sequences from a richer set of edits, applied one after another to one small site. A
failure names the steps, in the form check_edits takes them, and the output files that
differ. The examples are the same on every run (derandomize); to look harder, run with
a larger max_examples once: each example takes one to three seconds.
"""

import functools
import os
import re
import tempfile
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from blogbuild.build import build_site
from blogbuild.sources import CACHE_FOLDER
from blogbuild.theme import theme_dir
from conftest import post, tree, write_site
from test_build_cache import FILES, cold_build

SITE = {
    **FILES,
    "content/posts/c.md": post("丙", "2024-02-15", "第一段 $c$。\n\n第二段。\n", category="信息时代"),
    "content/comments/c.yaml": "- {id: 5, author: 丙读者, date: 2024-02-16, body: '问'}\n"
                               "- {id: 6, author: 作者, date: 2024-02-17, parent: 5, body: '答 $e$'}\n",
    "static/robots.txt": "User-agent: *\n",
}
"""Three posts (two months, a series, tags, a category, a labelled equation), a page,
two comment threads (one with a reply), site templates and a static file."""

DATES = ["2023-12-30", "2024-01-01", "2024-01-02", "2024-02-15"]
"""In the fixture's format; they move posts across months and a year, and tie."""

MORE = "<!--more-->"


# Reading and writing the parts of a post ------------------------------------------

def posts(site: Path) -> list[Path]:
    return sorted((site / "content/posts").rglob("*.md"))


def pick(items: list, n: int):
    return items[n % len(items)] if items else None


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def split(text: str) -> tuple[list[str], str]:
    """Front matter lines and body of a file written by conftest.post."""
    _, header, body = text.split("---\n", 2)
    return header.splitlines(), body


def join(header: list[str], body: str) -> str:
    return "---\n" + "\n".join(header) + "\n---\n" + body


def field(path: Path, key: str) -> str | None:
    header, _ = split(read(path))
    return next((line.split(": ", 1)[1] for line in header if line.startswith(f"{key}: ")), None)


def set_field(path: Path, key: str, value: str | None) -> None:
    """Set front-matter `key` to `value`, in its place; None removes it."""
    header, body = split(read(path))
    lines = [line for line in header if not line.startswith(f"{key}: ")]
    if value is not None:
        at = next((i for i, line in enumerate(header) if line.startswith(f"{key}: ")), len(lines))
        lines.insert(at, f"{key}: {value}")
    write(path, join(lines, body))


def tags(path: Path) -> list[str]:
    value = field(path, "tags")
    return [tag for tag in value.strip("[]").split(", ") if tag] if value else []


def set_tags(path: Path, names: list[str]) -> None:
    set_field(path, "tags", f"[{', '.join(names)}]" if names else None)


def change_body(path: Path, change) -> None:
    header, body = split(read(path))
    write(path, join(header, change(body)))


def comments_file(site: Path, post_file: Path) -> Path:
    return site / "content/comments" / f"{post_file.stem}.yaml"


def comment_ids(site: Path) -> list[int]:
    return [int(found) for path in sorted((site / "content/comments").glob("*.yaml"))
            for found in re.findall(r"\bid: (\d+)", read(path))]


FORMULA = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$|\\begin\{equation\}.*?\\end\{equation\}",
                     re.DOTALL)


# The edits: each is edit(site, target, variant) -> what it did, and changes the site
# folder as an author would, keeping it a site that builds (no error in it) -----------

def on_a_post(edit):
    """An edit of one post: the `target`-th of those there are, if any are left."""
    @functools.wraps(edit)
    def edit_the_post(site, target, variant):
        path = pick(posts(site), target)
        return edit(site, path, variant) if path else "nothing: no post left"
    return edit_the_post


@on_a_post
def edit_excerpt(site, path, variant):
    change_body(path, lambda body: f"新的开头{variant}。" + body)
    return f"excerpt of {path.name}"


@on_a_post
def edit_rest_of_body(site, path, variant):
    change_body(path, lambda body: body + f"\n补一句正文{variant}。\n")
    return f"end of the body of {path.name}"


@on_a_post
def add_formula(site, path, variant):
    kind = variant % 3
    if kind == 0:
        change_body(path, lambda body: body + f"\n行内 $z_{{{variant}}}$。\n")
    elif kind == 1:
        change_body(path, lambda body: body + f"\n$$\\int_0^{{{variant}}} f$$\n")
    else:
        # before every other equation: the numbers after it, and \eqref's, change
        change_body(path, lambda body: f"\\begin{{equation}}h_{{{variant}}}\\end{{equation}}\n\n"
                    + body)
    return f"{['inline', 'display', 'numbered'][kind]} formula added to {path.name}"


@on_a_post
def remove_formula(site, path, variant):

    def without_first_formula(body):
        found = FORMULA.search(body)
        if not found:
            return body
        body = body[:found.start()] + body[found.end():]
        # a reference to a label that went with it would stop the build
        for label in re.findall(r"\\label\{([^{}]*)\}", found.group()):
            body = body.replace(f"\\eqref{{{label}}}", "")
        return body
    change_body(path, without_first_formula)
    return f"first formula of {path.name} removed"


@on_a_post
def add_label(site, path, variant):
    body = split(read(path))[1]
    label = next(f"eq{n}" for n in range(100) if f"\\label{{eq{n}}}" not in body)
    equation = f"\n\\begin{{equation}}g_{{{label}}}\\label{{{label}}}\\end{{equation}}\n"
    if variant % 2:  # referred to from the excerpt, which listings show
        change_body(path, lambda b: f"如 \\eqref{{{label}}} 所示," + b + equation)
    else:
        change_body(path, lambda b: b + equation + f"\n由 \\eqref{{{label}}} 可知。\n")
    return f"\\label{{{label}}} and an \\eqref to it added to {path.name}"


@on_a_post
def remove_label(site, path, variant):
    found = re.search(r"\\label\{([^{}]*)\}", split(read(path))[1])
    if not found:
        return f"nothing: {path.name} has no label"
    change_body(path, lambda body: body.replace(found.group(), "")
                .replace(f"\\eqref{{{found.group(1)}}}", ""))
    return f"{found.group()} and its \\eqref removed from {path.name}"


@on_a_post
def edit_title(site, path, variant):
    suffix = "改" if variant % 2 == 0 else f" $y^{variant}$"
    set_field(path, "title", field(path, "title") + suffix)
    return f"title of {path.name} + {suffix!r}"


@on_a_post
def edit_date(site, path, variant):
    set_field(path, "date", pick(DATES, variant))
    return f"date of {path.name} = {pick(DATES, variant)}"


@on_a_post
def edit_tags(site, path, variant):
    names, kind = tags(path), variant % 3
    if kind == 0:
        new = next(name for name in ("优化", "概率", "几何") if name not in names)
        set_tags(path, names + [new])
        return f"tag {new} added to {path.name}"
    if not names:
        return f"nothing: {path.name} has no tag"
    if kind == 1:
        set_tags(path, names[:-1])
        return f"tag {names[-1]} removed from {path.name}"
    # renamed on every post that has it, as an author renames a tag
    old, new = names[0], names[0] + "论"
    for other in posts(site):
        if old in tags(other):
            set_tags(other, [new if name == old else name for name in tags(other)])
    return f"tag {old} renamed {new}"


@on_a_post
def edit_series(site, path, variant):
    series = [None, "S", "另一个系列"][variant % 3]
    set_field(path, "series", series)
    return f"{path.name} leaves its series" if series is None else f"{path.name} joins {series}"


@on_a_post
def edit_category(site, path, variant):
    category = ["信息时代", "数学研究", None][variant % 3]
    set_field(path, "category", category)
    return f"category of {path.name} = {category}"


def add_post(site, target, variant):
    path = next(site / f"content/posts/new{n}.md" for n in range(100)
                if not (site / f"content/posts/new{n}.md").exists())
    fields = {"tags": "[数学]"} if variant % 2 else {"series": "S"}
    write(path, post(f"新文{variant}", pick(DATES, variant),
                     f"新文开头 $n_{variant}$\n\n{MORE}\n\n新文其余。\n", **fields))
    return f"new post {path.name} dated {pick(DATES, variant)}"


@on_a_post
def delete_post(site, path, variant):
    path.unlink()
    comments_file(site, path).unlink(missing_ok=True)  # else: comments for no post
    return f"{path.name} deleted, with its comments"


@on_a_post
def rename_post(site, path, variant):
    renamed = path.with_name(f"{path.stem}-{variant}.md")
    if renamed.exists():
        return f"nothing: {renamed.name} exists"
    path.rename(renamed)
    if comments_file(site, path).exists():  # comments follow their post's slug
        comments_file(site, path).rename(comments_file(site, renamed))
    return f"{path.name} renamed {renamed.name}"


def append_comment(site, path, variant, reply):
    """A new comment (the site's next id) on the post at `path`; with `reply`, a reply
    to the last comment on that post, if it has one."""
    thread = comments_file(site, path)
    ident = max(comment_ids(site), default=0) + 1
    parent = ""
    if reply and thread.exists() and (ids := re.findall(r"\bid: (\d+)", read(thread))):
        parent = f"parent: {ids[-1]}, "
    write(thread, (read(thread) if thread.exists() else "")
          + f"- {{id: {ident}, author: 读者{variant}, date: 2024-03-{1 + variant:02d}, "
          f"{parent}body: '评论 $k_{variant}$'}}\n")
    replying = f", replying to {parent.split()[1].rstrip(',')}" if parent else ""
    return f"comment {ident} on {path.name}{replying}"


@on_a_post
def add_comment(site, path, variant):
    return append_comment(site, path, variant, reply=False)


@on_a_post
def add_reply(site, path, variant):
    return append_comment(site, path, variant, reply=True)


def delete_comments(site, target, variant):
    path = pick(sorted((site / "content/comments").glob("*.yaml")), target)
    if path is None:
        return "nothing: no comments file left"
    path.unlink()
    return f"comments file {path.name} deleted"


def edit_page(site, target, variant):
    path = site / "content/pages/about.md"
    kind = variant % 3
    text = read(path)
    if kind == 0:
        write(path, text + f"\n又一段{variant}。\n")
    elif kind == 1:
        write(path, text + f"\n$$p_{{{variant}}}$$\n")
    else:
        write(path, text.replace("title: 关于", "title: 关于本站", 1))
    return ["text", "formula", "title"][kind] + " of the about page"


def edit_per_page(site, target, variant):
    per_page = [1, 2, 3][variant % 3]
    toml = site / "site.toml"
    write(toml, re.sub(r"per_page = \d+", f"per_page = {per_page}", read(toml)))
    return f"per_page = {per_page}"


def edit_site_title(site, target, variant):
    toml = site / "site.toml"
    title = re.compile(r'^title = "(.*)"', re.MULTILINE)
    write(toml, title.sub(rf'title = "\g<1>{variant}"', read(toml), count=1))
    return f"site title + {variant!r}"


def edit_template(site, target, variant):
    kind = variant % 4
    folder = site / "templates"
    if kind == 0:
        write(folder / ".note.html", f"<p>注{variant}</p>\n")
        return ".note.html, which listing.html includes, changed"
    if kind == 1:
        write(folder / "page.html", "<p>{{ entry.title_html }}</p>\n")
        return "page.html overridden"
    if kind == 2:
        (folder / "listing.html").unlink(missing_ok=True)
        return "listing.html deleted: the theme's is used"
    base = read(theme_dir("templates") / "base.html")
    write(folder / "base.html", base.replace("</body>", f"<!-- 改{variant} --></body>"))
    return "base.html overridden"


def edit_static(site, target, variant):
    kind = variant % 4
    static = site / "static"
    if kind == 0:
        write(static / "robots.txt", f"User-agent: *\nDisallow: /{variant}/\n")
        return "static/robots.txt written"
    if kind == 1:
        write(static / "favicon.ico", f"icon{variant}")  # every page links it
        return "static/favicon.ico written"
    if kind == 2:
        path = pick(sorted(p for p in static.rglob("*") if p.is_file()), target)
        if path is None:
            return "nothing: no static file left"
        path.unlink()
        return f"static/{path.relative_to(static).as_posix()} deleted"
    write(static / ".well-known/security.txt", f"Contact: {variant}\n")
    return "static/.well-known/security.txt written"


def touch(site, target, variant):
    """A later modification time, the same bytes (an editor saving with no change)."""
    names = sorted(inputs(site))
    path = site / pick(names, target)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + (1 + variant) * 10**9))
    return f"{pick(names, target)} touched"


EDITS = {edit.__name__: edit for edit in [
    edit_excerpt, edit_rest_of_body, add_formula, remove_formula, add_label, remove_label,
    edit_title, edit_date, edit_tags, edit_series, edit_category, add_post, delete_post,
    rename_post, add_comment, add_reply, delete_comments, edit_page, edit_per_page,
    edit_site_title, edit_template, edit_static, touch]}

REVERT = "revert"
"""A step that puts the inputs back as they were before the previous step (after a
revert, that is a redo)."""


# The property -------------------------------------------------------------------------

def inputs(site: Path) -> dict[str, bytes]:
    """The site's own files: not its output, nor the cache."""
    return {name: data for name, data in tree(site).items()
            if not name.startswith(("dist/", f"{CACHE_FOLDER}/"))}


def restore(site: Path, wanted: dict[str, bytes]) -> None:
    """Make the inputs `wanted`, writing only the files that differ (as `git checkout`)."""
    for name in inputs(site):
        if name not in wanted:
            (site / name).unlink()
    for name, data in wanted.items():
        path = site / name
        if not path.is_file() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


def first_difference(warm: bytes, cold: bytes) -> str:
    """The first line in which two text files differ, from each; cut around the first
    differing character, since a page may be one long line."""
    try:
        warm_lines, cold_lines = warm.decode().splitlines(), cold.decode().splitlines()
    except UnicodeDecodeError:
        return " (binary)"
    at = next((i for i, (w, c) in enumerate(zip(warm_lines, cold_lines)) if w != c),
              min(len(warm_lines), len(cold_lines)))
    warm_line = warm_lines[at] if at < len(warm_lines) else "<no such line>"
    cold_line = cold_lines[at] if at < len(cold_lines) else "<no such line>"
    column = next((i for i, (w, c) in enumerate(zip(warm_line, cold_line)) if w != c),
                  min(len(warm_line), len(cold_line)))
    start = max(0, column - 80)
    where = f"line {at + 1}" + (f", from column {start + 1}" if start else "")
    return (f", {where}:\n      incremental: {warm_line[start:start + 240]!r}"
            f"\n      from nothing: {cold_line[start:start + 240]!r}")


def differences(warm: dict[str, bytes], cold: dict[str, bytes]) -> str:
    lines = []
    for name in sorted(warm.keys() | cold.keys()):
        if name not in cold:
            lines.append(f"    {name}: written by the incremental build only")
        elif name not in warm:
            lines.append(f"    {name}: missing from the incremental build")
        elif warm[name] != cold[name]:
            lines.append(f"    {name}: differs{first_difference(warm[name], cold[name])}")
    return "\n".join(lines)


def check_edits(steps: list[tuple[str, int, int]], work: Path) -> None:
    """Build the site, then after each step build it again into the same output and
    compare with a build of the same inputs from nothing."""
    site = write_site(work / "site", SITE)
    build_site(site, site / "dist")
    history = [inputs(site)]
    story = []
    for number, (edit, target, variant) in enumerate(steps, 1):
        if edit == REVERT:
            restore(site, history[-2] if len(history) > 1 else history[-1])
            done = "the previous step undone"
        else:
            done = EDITS[edit](site, target, variant)
        story.append(f"({edit!r}, {target}, {variant}),  # {done}")
        history.append(inputs(site))
        build_site(site, site / "dist")
        warm, cold = tree(site / "dist"), cold_build(site, work / f"step{number}")
        assert warm == cold, (
            f"after step {number} of these steps (check_edits repeats them):\n    "
            + "\n    ".join(story)
            + "\nthe incremental build differs from a build from nothing:\n"
            + differences(warm, cold))


steps = st.lists(st.tuples(st.sampled_from([*EDITS, REVERT]),
                           st.integers(0, 4), st.integers(0, 11)),
                 min_size=1, max_size=4)
"""Each step: an edit, the post (or file) it picks among those there are, and which
variant of the edit (which date, which tag change, ...)."""


@settings(max_examples=20, deadline=None, derandomize=True, database=None)
@given(steps)
@example([("edit_date", 2, 0), (REVERT, 0, 0)])  # posts and months reordered, then back
@example([("rename_post", 0, 1), ("add_reply", 0, 0), ("delete_post", 2, 0)])
def test_after_any_sequence_of_edits_a_build_equals_a_build_from_nothing(steps):
    # a folder of its own per example: pytest's tmp_path is shared by all of them
    with tempfile.TemporaryDirectory() as work:
        check_edits(steps, Path(work))
