"""The command line: `blogbuild build | check | new`. The one place that maps
errors to exit codes (0 success, 1 content errors, 2 usage errors)."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import datetime
from pathlib import Path

from . import __version__
from .build import build_site, plan_site
from .config import load_config
from .problems import BlogbuildError, ContentErrors, Problem, UsageError


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as leaving:  # argparse exits 2 on usage errors, 0 on --help
        return int(leaving.code or 0)
    try:
        return args.run(args)
    except ContentErrors as errors:
        _report(errors.problems)
        count = sum(1 for p in errors.problems if not p.warning)
        print(f"error: {count} problem{'s' if count != 1 else ''} found; nothing was written",
              file=sys.stderr)
        return 1
    except UsageError as error:
        print(f"blogbuild: {error}", file=sys.stderr)
        return 2
    except BlogbuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="blogbuild", description="Build a static site "
                                     "from a math-heavy blog archive.")
    parser.add_argument("--version", action="version", version=f"blogbuild {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build the site into dist/",
                                description="Build SITE_DIR into OUT (default SITE_DIR/dist).")
    build.add_argument("site_dir", nargs="?", default=".", type=Path, metavar="SITE_DIR")
    build.add_argument("-o", "--output", type=Path, metavar="OUT", help="output folder")
    build.add_argument("--drafts", action="store_true", help="include posts with draft: true")
    build.add_argument("--base-url", metavar="URL", help="override site.toml's base_url")
    build.set_defaults(run=_build)

    check = commands.add_parser("check", help="validate config, front matter and formulas",
                                description="Report every problem as file:line: message; "
                                "exit 1 if there is any.")
    check.add_argument("site_dir", nargs="?", default=".", type=Path, metavar="SITE_DIR")
    check.add_argument("--drafts", action="store_true", help="check drafts too")
    check.set_defaults(run=_check)

    new = commands.add_parser("new", help="write a new post file",
                              description="Write content/posts/YYYY/YYYY-MM-DD-SLUG.md with "
                              "front matter filled in.")
    new.add_argument("title")
    new.add_argument("--slug", help="URL name (default: from the title)")
    new.add_argument("--site-dir", default=".", type=Path, metavar="SITE_DIR")
    new.set_defaults(run=_new)
    return parser


def _site_dir(path: Path) -> Path:
    if not path.is_dir():
        raise UsageError(f"{path} is not a folder")
    return path


def _build(args: argparse.Namespace) -> int:
    site_dir = _site_dir(args.site_dir)
    report = build_site(site_dir, args.output, drafts=args.drafts, base_url=args.base_url,
                        progress=_progress_bar() if sys.stderr.isatty() else None)
    _report(report.warnings)
    print(f"built {report.posts} posts, {report.pages} pages in {report.seconds:.1f} s",
          file=sys.stderr)
    return 0


def _check(args: argparse.Namespace) -> int:
    plan = plan_site(_site_dir(args.site_dir), drafts=args.drafts)
    _report(plan.warnings)
    print(f"checked {len(plan.content.posts)} posts, {plan.formulas} formulas: no problems",
          file=sys.stderr)
    return 0


def _new(args: argparse.Namespace) -> int:
    site_dir = _site_dir(args.site_dir)
    config = load_config(site_dir)
    now = datetime.now(config.zone)
    slug = args.slug or slug_from_title(args.title)
    if not slug:
        raise UsageError("cannot make a slug from that title; pass --slug")
    path = site_dir / "content" / "posts" / f"{now:%Y}" / f"{now:%Y-%m-%d}-{slug}.md"
    if path.exists():
        raise ContentErrors([Problem(path.as_posix(), 0, "already exists; choose another "
                                     "--slug")])
    path.parent.mkdir(parents=True, exist_ok=True)
    title = args.title.replace('"', '\\"')
    path.write_text(f'---\ntitle: "{title}"\ndate: {now:%Y-%m-%d %H:%M}\nslug: {slug}\n'
                    "tags: []\ncategory:\ndraft: true\n---\n\n开头的段落。\n\n<!--more-->\n\n"
                    "正文。\n", encoding="utf-8")
    print(path)
    return 0


def slug_from_title(title: str) -> str:
    """ASCII words lowercased and joined by '-'; Chinese characters kept as they are."""
    words = re.findall(r"[^\W_]+", title.lower())
    return "-".join(words)[:80].strip("-")


def _report(problems: tuple[Problem, ...] | list[Problem]) -> None:
    for problem in sorted(problems):
        print(problem, file=sys.stderr)


def _progress_bar():
    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\rrendering [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\r" + " " * (width + 30) + "\r")
        sys.stderr.flush()
    return show
