"""The command line: `blogbuild build | serve | check | new | init`. The one place that maps
errors to exit codes (0 success, 1 content errors, 2 usage errors)."""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .gcpolicy import collect_less
from .problems import (BlogbuildError, ContentErrors, Problem, UsageError, counted,
                       drafts_left_out, for_terminal)
from .sources import CACHE_FOLDER

if TYPE_CHECKING:
    from .linkcheck import LinkProblem

# Each command imports what it needs when it runs: `build` starts its worker
# processes before it imports the build (prestart.py), so that they start together.


def command() -> int:
    """The `blogbuild` program (its script, `python -m blogbuild`): `main` in a process
    of its own, which collects cycles less often (gcpolicy.py). Called in a process
    that does more (tests, an application), `main` leaves its collector alone."""
    collect_less()
    return main()


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args, unknown = parser.parse_known_args(argv)
        if unknown:  # told with the command's usage, not the program's
            args.parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    except SystemExit as leaving:  # argparse exits 2 on usage errors, 0 on --help
        return int(leaving.code or 0)
    try:
        return args.run(args)
    except ContentErrors as errors:
        _report(errors.problems)
        count = sum(1 for p in errors.problems if not p.warning)
        # check writes nothing in any case
        print(f"error: {counted(count, 'problem')} found"
              f"{'' if args.run is _check else '; nothing was written'}", file=sys.stderr)
        if args.run is _check and (args.links or args.list_external):
            # the crawl needs the built site: its broken links would come as a surprise
            print("links not checked: they are, once the site builds (mend the problems "
                  "above, then check again)", file=sys.stderr)
        return 1
    except UsageError as error:
        print(for_terminal(f"blogbuild: {error}"), file=sys.stderr)
        return 2
    except BlogbuildError as error:
        print(for_terminal(f"error: {error}"), file=sys.stderr)
        return 1
    except OSError as error:  # the output's folder not writable, the disk full, ...
        where = f"{error.filename}: " if error.filename else ""
        print(for_terminal(f"error: {where}{error.strerror or error}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _base_url(value: str) -> str:
    """--base-url's value, checked as site.toml's is: a wrong one is a usage error."""
    from .config import base_url_problem

    if wrong := base_url_problem(value):
        raise argparse.ArgumentTypeError(wrong)
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="blogbuild", description="Build a static site "
                                     "from a math-heavy blog archive.")
    parser.add_argument("--version", action="version", version=f"blogbuild {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build the site into dist/",
                                description="Build SITE_DIR into OUT (default SITE_DIR/dist).")
    build.add_argument("site_dir", nargs="?", default=".", type=Path, metavar="SITE_DIR")
    build.add_argument("-o", "--output", type=Path, metavar="OUT", help="output folder")
    build.add_argument("--drafts", action="store_true", help="include posts and pages with draft: true")
    build.add_argument("--base-url", metavar="URL", type=_base_url,
                       help="override site.toml's base_url")
    build.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                       help="render posts on N processes (default: one per core; 1: none)")
    build.add_argument("--check-links", action="store_true",
                       help="then crawl the output; exit 1 on a broken link (the output "
                       "stays written)")
    build.add_argument("--no-cache", action="store_true",
                       help=f"build from nothing: neither read nor write {CACHE_FOLDER}/")
    build.set_defaults(run=_build, parser=build)

    check = commands.add_parser("check", help="validate config, front matter, formulas and links",
                                description="Report every problem as file:line: message; "
                                "exit 1 if there is any.")
    check.add_argument("site_dir", nargs="?", default=".", type=Path, metavar="SITE_DIR")
    check.add_argument("--drafts", action="store_true", help="check drafts too")
    check.add_argument("--links", action=argparse.BooleanOptionalAction, default=True,
                       help="build into a temporary folder and check every link, asset and "
                       "#anchor in it (dist/ is not touched); --no-links checks the rest "
                       "only, without building (default: --links)")
    check.add_argument("--list-external", action="store_true",
                       help="print every external link, one a line (they are not fetched; "
                       "implies --links)")
    check.add_argument("--base-url", metavar="URL", type=_base_url,
                       help="override site.toml's base_url")
    check.set_defaults(run=_check, parser=check)

    new = commands.add_parser("new", help="write a new post file",
                              description="Write content/posts/YYYY/YYYY-MM-DD-SLUG.md with "
                              "front matter filled in.")
    new.add_argument("title")
    new.add_argument("--slug", help="URL name (default: from the title)")
    new.add_argument("--site-dir", default=".", type=Path, metavar="SITE_DIR")
    new.set_defaults(run=_new, parser=new)

    init = commands.add_parser("init", help="start a new site",
                               description="Write site.toml, a first post, an about page, "
                               ".gitignore and a GitHub Pages workflow into DIR. Refuses if "
                               "any of them exists.")
    init.add_argument("target", nargs="?", default=".", type=Path, metavar="DIR")
    init.set_defaults(run=_init, parser=init)

    serve = commands.add_parser("serve", help="build, serve on localhost and rebuild on save",
                                description="Build SITE_DIR in memory and serve it over HTTP; "
                                "watch content/, templates/, static/ and site.toml, rebuild "
                                "what a change needs and reload the open browser tabs. "
                                "Nothing is written to dist/.")
    serve.add_argument("site_dir", nargs="?", default=".", type=Path, metavar="SITE_DIR")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=8000,
                       help="port (default 8000; the next free one if it is in use; 0: any)")
    serve.add_argument("--drafts", action="store_true", help="include posts and pages with draft: true")
    serve.set_defaults(run=_serve, parser=serve)
    return parser


def _site_dir(path: Path) -> Path:
    """`path`, a site folder, or a usage error: a command run in the wrong folder."""
    from .config import CONFIG_FILE

    if not path.is_dir():
        raise UsageError(f"{path} is not a folder")
    if not (path / CONFIG_FILE).is_file():
        # run from inside a site (content/posts/, say): name the site it is in
        above = next((folder for folder in path.resolve().parents
                      if (folder / CONFIG_FILE).is_file()), None)
        if above is None:
            hint = f"`blogbuild init {path}` makes one"
        elif (shown := os.path.relpath(above)) == ".":
            hint = f"the site is the current folder: leave out `{path}`"
        else:
            hint = f"it is inside the site in {shown}: name that folder, or run blogbuild there"
        raise UsageError(f"{path} is not a site folder: it has no {CONFIG_FILE} ({hint})")
    return path


def _build(args: argparse.Namespace) -> int:
    site_dir = _site_dir(args.site_dir)
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    from . import prestart

    prestart.start_early(site_dir, args.base_url, args.jobs, use_cache=not args.no_cache)
    try:
        from .build import build_site

        report = build_site(site_dir, args.output, drafts=args.drafts, base_url=args.base_url,
                            jobs=args.jobs, use_cache=not args.no_cache,
                            progress=_progress_bar() if sys.stderr.isatty() else None)
    finally:
        prestart.discard()
    _report(report.warnings)
    what = "nothing changed since the last build of" if report.unchanged else "built"
    print(f"{what} {counted(report.posts, 'post')}{drafts_left_out(report.drafts)}, "
          f"{counted(report.pages, 'page')} "
          f"in {report.seconds:.1f} s", file=sys.stderr)
    if args.check_links:
        from .config import load_config
        from .linkcheck import check_links
        from .linksource import written_at

        out_dir = args.output or site_dir / "dist"
        base = load_config(site_dir, base_url=args.base_url).base_url
        links = check_links(out_dir, base)
        if _report_links(written_at(links.problems, site_dir, base, report.sources)):
            print(f"the site was written to {out_dir} all the same", file=sys.stderr)
            return 1
    return 0


def _check(args: argparse.Namespace) -> int:
    from .build import build_site, plan_site
    from .config import load_config
    from .linkcheck import check_links
    from .linksource import written_at
    from .output import unwritable
    from .search import INDEX_FOLDER

    site_dir = _site_dir(args.site_dir)
    if args.links or args.list_external:
        # a real build, so that the crawl sees exactly what `build` would publish
        with tempfile.TemporaryDirectory(prefix="blogbuild-check-") as scratch:
            report = build_site(site_dir, Path(scratch) / "out", drafts=args.drafts,
                                base_url=args.base_url, remember=False, jobs=os.cpu_count() or 1,
                                progress=_progress_bar() if sys.stderr.isatty() else None)
            _report(report.warnings)
            base = load_config(site_dir, base_url=args.base_url).base_url
            links = check_links(Path(scratch) / "out", base)
        if args.list_external:
            for url in links.external:
                print(url)
        if _report_links(written_at(links.problems, site_dir, base, report.sources)):
            return 1
        print(f"checked {counted(report.posts, 'post')}, {counted(report.formulas, 'formula')} "
              "and every link: "
              f"{_verdict(report.warnings)}", file=sys.stderr)
        return 0
    plan = plan_site(site_dir, drafts=args.drafts, base_url=args.base_url)
    # what only writing would find otherwise: two things at one path
    if collisions := unwritable(plan.files, INDEX_FOLDER if plan.config.search.enabled else None):
        raise ContentErrors([*plan.warnings, *collisions])
    _report(plan.warnings)
    print(f"checked {counted(len(plan.content.posts), 'post')}, "
          f"{counted(plan.formulas, 'formula')}: "
          f"{_verdict(plan.warnings)}", file=sys.stderr)
    return 0


def _verdict(warnings: tuple[Problem, ...] | list[Problem]) -> str:
    """The end of check's last line: "no problems" is said only where there are none."""
    if not warnings:
        return "no problems"
    return f"no errors, {counted(len(warnings), 'warning')} (above)"


def _report_links(problems: list[LinkProblem]) -> bool:
    """Print each broken link as `file:line: link -> problem` (or `page: link ->
    problem`, linksource.written_at); True if there was any."""
    for problem in problems:
        print(for_terminal(str(problem)), file=sys.stderr)
    count = len(problems)
    if count:
        print(f"error: {counted(count, 'broken link')}", file=sys.stderr)
    return bool(count)


def _serve(args: argparse.Namespace) -> int:
    from .server import serve  # watchdog and http.server only for this command

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535 (0: any free port), not {args.port}")
    return serve(_site_dir(args.site_dir), host=args.host, port=args.port, drafts=args.drafts)


def _init(args: argparse.Namespace) -> int:
    from .scaffold import init_site, installed_direct_url, site_install, site_today

    if args.target.exists() and not args.target.is_dir():
        raise UsageError(f"{args.target} is not a folder")
    install = site_install(installed_direct_url())
    written = init_site(args.target, site_today(), install)
    for path in written:
        print(path)
    print(f"a new site in {args.target}: `blogbuild build {args.target}` builds it, and "
          "pushing it to GitHub publishes it (set Pages' source to GitHub Actions)",
          file=sys.stderr)
    if install.note:
        print(f"note: .github/workflows/pages.yml needs a change. {install.note} "
              f"{install.example}", file=sys.stderr)
    return 0


def _new(args: argparse.Namespace) -> int:
    from .config import load_config
    from .content import slug_problem

    site_dir = _site_dir(args.site_dir)
    config = load_config(site_dir)
    now = datetime.now(config.zone)
    # as a post's `slug:` is read (content._slug): spaces become "-"
    slug = re.sub(r"\s+", "-", args.slug.strip()) if args.slug else slug_from_title(args.title)
    if not slug:
        raise UsageError("cannot make a slug from that title; pass --slug")
    if wrong := slug_problem(slug):
        raise UsageError(f"--slug: {wrong}")
    path = site_dir / "content" / "posts" / f"{now:%Y}" / f"{now:%Y-%m-%d}-{slug}.md"
    if path.exists():
        raise UsageError(f"{path} already exists; choose another --slug")
    from .build import CACHE_FOLDER, load_cached_content

    taken = load_cached_content(site_dir, config, True, site_dir / CACHE_FOLDER, None)
    if owner := next((post.source for post in (*taken.posts, *taken.rejected)
                      if post.slug == slug), None):
        raise UsageError(f"{owner} has the slug {slug!r} already; choose another --slug")
    path.parent.mkdir(parents=True, exist_ok=True)
    # single quotes: YAML reads nothing in them but '' (TeX keeps its backslashes)
    title = args.title.replace("'", "''")
    path.write_text(f"---\ntitle: '{title}'\ndate: {now:%Y-%m-%d %H:%M}\nslug: {slug}\n"
                    "tags: []\ncategory:\ndraft: true\n---\n\n开头的段落。\n\n<!--more-->\n\n"
                    "正文。\n", encoding="utf-8")
    print(path)
    print("a draft: `blogbuild serve --drafts` shows it; set `draft: false` to publish it",
          file=sys.stderr)
    return 0


def slug_from_title(title: str) -> str:
    """ASCII words lowercased and joined by '-'; Chinese characters kept as they are."""
    words = re.findall(r"[^\W_]+", title.lower())
    return "-".join(words)[:80].strip("-")


def _report(problems: tuple[Problem, ...] | list[Problem]) -> None:
    for problem in sorted(problems):
        print(for_terminal(str(problem)), file=sys.stderr)


def _progress_bar():
    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\rrendering [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\r" + " " * (width + 30) + "\r")
        sys.stderr.flush()
    return show
