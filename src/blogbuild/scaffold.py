"""`blogbuild init`: a new site folder that builds, passes `check` (links too), and
publishes itself to GitHub Pages on the first push.

The Pages workflow is written by `pages_workflow`, which also produced this
repository's own `.github/workflows/pages.yml` (a test keeps the two identical
but for the install step).
"""

from __future__ import annotations

import json
import shlex
import subprocess
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from urllib.request import url2pathname

from . import __version__
from .config import parse_config
from .problems import UsageError

REPO_INSTALL = "python -m pip install ."
"""How this repository's workflow installs blogbuild: from its own checkout."""


@dataclass(frozen=True)
class Install:
    """How a new site's workflow installs blogbuild."""

    command: str
    note: str = ""
    """Said to the author, and written above the command, when CI cannot install it
    the way this machine did; `example` follows it (after "e.g.", or a line to use)."""
    example: str = ""


@dataclass(frozen=True)
class Clone:
    """A git clone on this machine (blogbuild installed from its folder)."""

    remote: str
    """The URL of its `origin` remote, without a user name or password in it."""
    commit: str
    """Its checked-out commit."""
    published: bool
    """The commit is on a branch of `origin`, and no file differs from it (but those git
    ignores)."""


def git_clone(folder: Path) -> Clone | None:
    """`folder` as a git clone with an `origin` remote; None if it is none (or git is
    not installed), or only lies inside one (git looks in the folders above: a
    blogbuild unpacked in a home folder kept in git is not that repository's)."""
    def git(*arguments: str) -> str:
        return subprocess.run(["git", "-C", str(folder), *arguments], capture_output=True,
                              text=True, check=True, timeout=10).stdout.strip()
    try:
        if Path(git("rev-parse", "--show-toplevel")).resolve() != folder.resolve():
            return None
        remote, commit = git("remote", "get-url", "origin"), git("rev-parse", "HEAD")
        on_origin = any(branch.strip().startswith("origin/") for branch in
                        git("branch", "--remotes", "--contains", commit).splitlines())
        changed = bool(git("status", "--porcelain"))
    except (OSError, subprocess.SubprocessError):
        return None
    return Clone(_without_credentials(remote), commit, on_origin and not changed)


def _without_credentials(url: str) -> str:
    """`url` without the user name and password a clone's remote may hold
    (https://user:token@github.com/...): it goes into a file that is pushed."""
    parts = urlsplit(url)
    if not parts.scheme or "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def site_install(direct_url: str | None,
                 clone_at: Callable[[Path], Clone | None] = git_clone) -> Install:
    """The install step for a new site: this very blogbuild, so that CI builds as the
    author's machine does, from where pip installed it (`direct_url`: the text of its
    direct_url.json, PEP 610; None where it came from an index): a git repository on
    the web at its commit, an archive by its URL, else this version from the index.
    Installed from a folder (`pip install -e .` in a clone, as the README says), the
    repository that folder was cloned from (`clone_at`), at the same commit, where the
    runner can fetch it (https) and the commit has been pushed.
    A source GitHub's runner cannot reach (a folder on this machine, a repository
    over ssh) gives a step that fails saying what to write instead: never a package
    name the runner would look up on PyPI, where anyone may have published it."""
    try:
        origin = json.loads(direct_url) if direct_url else {}
    except ValueError:
        origin = {}
    if not isinstance(origin, dict) or not isinstance(origin.get("url"), str):
        return Install(f"python -m pip install {shlex.quote(f'blogbuild=={__version__}')}")
    url, vcs = origin["url"], origin.get("vcs_info")
    subdirectory = f"#subdirectory={origin['subdirectory']}" if origin.get("subdirectory") else ""
    on_the_web = url.startswith(("https:", "http:"))
    if on_the_web and isinstance(vcs, dict) and vcs.get("vcs") and vcs.get("commit_id"):
        requirement = f"blogbuild @ {vcs['vcs']}+{url}@{vcs['commit_id']}{subdirectory}"
        return Install(f"python -m pip install {shlex.quote(requirement)}")
    if on_the_web and "archive_info" in origin:
        return Install(f"python -m pip install {shlex.quote(f'blogbuild @ {url}{subdirectory}')}")
    clone = clone_at(Path(url2pathname(urlsplit(url).path))) if url.startswith("file:") else None
    if clone is not None and clone.remote.startswith("https://"):
        command = "python -m pip install " + \
            shlex.quote(f"blogbuild @ git+{clone.remote}@{clone.commit}{subdirectory}")
        if clone.published:
            return Install(command)
        return Install("echo '::error::Push the commit blogbuild was installed from (see the "
                       "comment above this step)' && exit 1",
                       note=f"blogbuild was installed from {url}, a clone of {clone.remote}, "
                       "at a commit not pushed there or with changes not committed: the runner "
                       "cannot fetch it. Push the commit, then make this step's `run:`",
                       example=command)
    return Install("echo '::error::Say where to install blogbuild from (see the comment "
                   "above this step)' && exit 1",
                   note=f"blogbuild was installed from {url} when this site was made, which "
                   "GitHub's runner cannot reach: make this step install it from where you "
                   "got it, e.g.",
                   example="python -m pip install "
                   "'blogbuild @ git+https://github.com/OWNER/blogbuild@TAG'")


def installed_direct_url() -> str | None:
    """The direct_url.json pip wrote when it installed this blogbuild, if any."""
    try:
        return metadata.distribution("blogbuild").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None


def pages_workflow(install: Install = Install(REPO_INSTALL)) -> str:
    """The GitHub Actions workflow: build on every push to main, deploy to Pages.

    base_url comes from the repository's Pages settings (project page, user page or
    custom domain), so site.toml's base_url only matters for local builds. It is passed
    through `env`, never pasted into the script, as GitHub's hardening guide advises."""
    note = "".join(f"        # {line}\n" for line in [*textwrap.wrap(install.note, 80),
                                                       *([f"run: {install.example}"]
                                                         if install.example else [])])
    return f"""\
# Build the site and publish it to GitHub Pages on every push to main (or master,
# the branch an older git makes first).
# In the repository's Settings > Pages, set "Source" to "GitHub Actions".
name: Publish to GitHub Pages

on:
  push:
    branches: [main, master]
  workflow_dispatch:

# what actions/deploy-pages needs: read the code, write Pages, prove who we are (OIDC)
permissions:
  contents: read
  pages: write
  id-token: write

# one deployment at a time; a newer push waits instead of cancelling one half-way
concurrency:
  group: "pages"
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - name: Check out
        uses: actions/checkout@v7
      - name: Set up Python
        uses: actions/setup-python@v7
        with:
          python-version: "3.12"
      - name: Set up Pages
        id: pages
        uses: actions/configure-pages@v6
      - name: Install blogbuild
{note}        run: {install.command}
      - name: Keep the build cache between runs
        # .blogbuild-cache/: a push that edits one post renders that post alone; each
        # run saves its own entry and starts from the newest earlier one
        uses: actions/cache@v5
        with:
          path: .blogbuild-cache
          key: blogbuild-${{{{ github.sha }}}}
          restore-keys: blogbuild-
      - name: Build
        env:
          # e.g. https://user.github.io/blog (no trailing slash) or a custom domain
          BASE_URL: ${{{{ steps.pages.outputs.base_url }}}}
        run: blogbuild build --base-url "$BASE_URL/" --check-links
      - name: Upload the site
        uses: actions/upload-pages-artifact@v5
        with:
          path: dist/

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - name: Deploy to GitHub Pages
        id: deployment
        uses: actions/deploy-pages@v5
"""


SITE_TOML = """\
# site.toml: the configuration of a blogbuild site. Every key is listed with its
# default (or an example); delete the ones you don't change. Unknown keys are errors.

title = "我的博客"                    # required: the site's name (header, <title>, feeds)
base_url = "https://example.github.io/blog/"
    # required: where the site is published, with a trailing slash; may have a sub-path
    # (every link honours it). The GitHub Pages workflow overrides it with --base-url.
description = ""                    # one line about the site, for feeds and <meta>
author = "作者"                      # default author of every post
language = "zh-CN"                  # zh-* gives Chinese labels ("点击阅读全文..."), others English
timezone = "Asia/Shanghai"          # IANA zone for dates written without an offset
per_page = 10                       # posts per listing page
permalink = "/archives/{slug}/"     # URL of a post: {slug} {year} {month} {day}
recent_comments = 10                # size of the "最近评论" sidebar

[math]
render = "client"                   # "client": KaTeX in the browser; "build": at build time
macros = { "\\\\R" = "\\\\mathbb{R}" }  # TeX macros for every formula, posts and comments
code_spans = false                  # true: a code span that is one formula (`$x$`) is that formula

[feed]
items = 20                          # newest posts in feed.xml and atom.xml
full_content = false                # false: the excerpt; true: the whole post

[comments]
images = false                      # show images readers link in comments (from their URLs)

[search]
enabled = true                      # a Pagefind index and a search box on every page

[extra]                             # your own settings, for your templates: layout.extra.x
# github = "https://github.com/me"  # (any keys; blogbuild reads none of them)
"""

FIRST_POST = r"""---
title: Hello, world
tags: [blogbuild]
category: 随笔
---
This is the first post of a new blog. Its date and slug come from the file name;
everything before the "more" marker below is the excerpt on the front page.

<!--more-->

Formulas are written as in LaTeX: inline $e^{i\pi} + 1 = 0$, and displayed and
numbered:

\begin{equation}
\int_{-\infty}^{\infty} e^{-x^2}\,dx = \sqrt{\pi}\label{eq:gauss}
\end{equation}

and referred to: \eqref{eq:gauss} is the Gaussian integral. Write the next post with
`blogbuild new "Title"`, preview with `blogbuild serve`, and publish with `git push`.
"""

ABOUT_PAGE = """\
---
title: About
slug: about
---
A page of its own, served at /about/. Write here who you are and what this blog is about.
"""

GITIGNORE = """\
# blogbuild's output and cache: rebuilt by `blogbuild build` and by CI
dist/
.blogbuild-cache/
__pycache__/
"""


def site_today() -> date:
    """Today in the time zone of the site init writes (as `blogbuild new` dates posts)."""
    return datetime.now(parse_config(SITE_TOML).zone).date()


def site_files(today: date, install: Install) -> dict[str, str]:
    """Path below the new site folder → text, in the order they are written."""
    return {
        "site.toml": SITE_TOML,
        f"content/posts/{today:%Y-%m-%d}-hello-world.md": FIRST_POST,
        "content/pages/about.md": ABOUT_PAGE,
        ".gitignore": GITIGNORE,
        ".github/workflows/pages.yml": pages_workflow(install),
    }


def init_site(target: Path, today: date, install: Install) -> list[Path]:
    """Write a new site into `target` (made if missing); returns the files written.

    Refuses (UsageError), writing nothing, if any of them exists: an author's work is
    never overwritten. Other files already in `target` (a README, .git) are left alone,
    but for a .gitignore, which nearly every repository has: the lines it lacks are
    added at its end."""
    files = {target / name: text for name, text in site_files(today, install).items()}
    ignore = target / ".gitignore"
    if existing := [path for path in files if path.exists() and path != ignore]:
        # the folder asked for is wrong, not a site's content: a usage error
        raise UsageError(f"{target.as_posix()} has a site's files already; `blogbuild init` "
                         "writes only files that do not exist yet, and wrote nothing. They are:"
                         + "".join(f"\n  {path.as_posix()}" for path in existing)
                         + "\n(name an empty or new folder, or move these away)")
    written = []
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if path == ignore and path.exists():
            if not _add_ignored(path, text):
                continue
        else:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _add_ignored(path: Path, ours: str) -> bool:
    """Add to the .gitignore at `path` the patterns of `ours` (with its comment) that it
    lacks, in its own line endings; False if it has them all. Patterns are compared
    without their slashes at either end (`dist`, `/dist/` and `dist/` alike, near
    enough for folders of a site); the file's bytes are kept as they are."""
    had = path.read_bytes()
    newline = b"\r\n" if b"\r\n" in had else b"\n"
    known = {line.strip().strip(b"/") for line in had.splitlines()}
    missing = [line for line in ours.splitlines()
               if line and not line.startswith("#") and line.strip("/").encode() not in known]
    if not missing:
        return False
    comments = [line for line in ours.splitlines() if line.startswith("#")]
    block = newline.join(line.encode() for line in [*comments, *missing]) + newline
    separator = (b"" if had.endswith(newline) else newline) + newline if had else b""
    path.write_bytes(had + separator + block)
    return True
