"""Worker processes started by the command line before it imports the build."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from blogbuild import prestart
from blogbuild.build import build_site
from blogbuild.cli import main
from blogbuild.gcpolicy import YOUNG_ALLOCATIONS
from blogbuild.sources import CACHE_FOLDER, RENDERED
from conftest import post, tree


def posts(count: int) -> dict[str, str]:
    return {f"content/posts/2024/2024-01-01-p{n:03d}.md": post(f"Post {n}", "2024-01-01 10:00",
                                                              f"正文 $x_{{{n}}}$\n")
            for n in range(count)}


def test_a_build_is_cold_with_nothing_rendered_and_posts_enough(site):
    root = site({**posts(prestart.PARALLEL_FROM), "content/posts/.#lock.md": "editor's"})
    cache = root / CACHE_FOLDER
    assert prestart.is_cold(root, cache)
    cache.mkdir()
    (cache / RENDERED).write_bytes(b"")
    assert not prestart.is_cold(root, cache)  # rendered before: an incremental build
    assert prestart.is_cold(root, None)  # --no-cache
    (root / "content/posts/2024/2024-01-01-p000.md").unlink()
    assert not prestart.is_cold(root, None)  # too few to be worth a worker (the lock file
    # is not a post)


def test_an_early_pool_goes_only_to_the_build_it_was_started_for(site, monkeypatch):
    class Pool:
        down = False

        def shutdown(self, **options) -> None:
            self.down = True

    started: list[tuple] = []
    monkeypatch.setattr(prestart, "start_pool", lambda workers, start: (
        started.append((workers, start)) or Pool()))
    root = site(posts(prestart.PARALLEL_FROM))
    prestart.start_early(root, None, 1, use_cache=True)
    assert started == []  # --jobs 1: no workers
    prestart.start_early(root, None, 3, use_cache=True)
    start = (root, None, root / CACHE_FOLDER, RENDERED)
    assert started == [(2, start)]
    assert prestart.take((root, "https://other.example/", root / CACHE_FOLDER, RENDERED), 2) is None
    assert prestart.take(start, 1) is None
    pool = prestart.take(start, 2)
    assert isinstance(pool, Pool) and prestart.take(start, 2) is None  # taken once
    prestart.start_early(root, None, 2, use_cache=False)
    left = prestart._early[2]
    prestart.discard()  # the build stopped before it took it
    assert left.down and prestart._early is None and not pool.down


def test_the_command_line_spawns_the_workers_before_it_imports_the_build(site, tmp_path):
    root = site(posts(prestart.PARALLEL_FROM + 2))
    script = tmp_path / "run.py"
    # in a fresh interpreter, as a user runs it; the spawned worker runs this file too
    script.write_text(textwrap.dedent("""
        import sys
        from blogbuild import cli, prestart

        heavy, taken = [], []
        real_start, real_take = prestart.start_pool, prestart.take

        def start_pool(*args, **options):
            heavy.append([m for m in ("blogbuild.build", "jinja2", "markdown_it")
                          if m in sys.modules])
            return real_start(*args, **options)

        def take(*args):
            pool = real_take(*args)
            taken.append(pool is not None)
            return pool

        prestart.start_pool, prestart.take = start_pool, take
        if __name__ == "__main__":
            code = cli.main(["build", sys.argv[1], "-o", sys.argv[2], "-j", "2"])
            print(heavy, taken)
            sys.exit(code)
        """), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), str(root), str(tmp_path / "two")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # one pool, started with none of the build's modules imported, and the build took it
    assert done.stdout.split("\n")[0] == "[[]] [True]"
    build_site(root, tmp_path / "one", jobs=1, use_cache=False)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_a_broken_site_toml_in_a_cold_build_is_reported_without_a_traceback(site):
    """The command line starts the workers before the build reads site.toml: a worker
    that cannot read it either must not end in a traceback on the terminal."""
    root = site(posts(prestart.PARALLEL_FROM))
    (root / "site.toml").write_text('title = "x"\nbase_url =\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "blogbuild", "build", str(root), "-j", "2"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "site.toml:2: not valid TOML: Invalid value (at line 2, column 11)",
        "error: 1 problem found; nothing was written"]


def test_an_early_worker_leaves_the_cache_as_the_build_will_find_it(site):
    """A worker opens the render cache, where it stores what it renders, at its first
    posts: started before the build, it must not make the file whose absence is what
    makes the build cold (and hand its posts over as they load)."""
    root = site(posts(prestart.PARALLEL_FROM))
    cache = root / CACHE_FOLDER
    pool = prestart.start_pool(1, (root, None, cache, RENDERED))
    try:
        pool.submit(prestart._nothing).result(timeout=60)  # started, initializer done
        assert prestart.is_cold(root, cache)
    finally:
        pool.shutdown()


def test_the_command_and_its_workers_collect_cycles_less_often(site):
    """gcpolicy.py, in the process the program runs in and in each worker: the youngest
    generation waits for YOUNG_ALLOCATIONS, the older ones keep CPython's thresholds,
    and the collector stays on. (Not where `main` is called in a process that does
    more: this one's are CPython's.)"""
    root = site(posts(1))
    script = textwrap.dedent(f"""
        import gc, sys
        from pathlib import Path
        from blogbuild import prestart
        from blogbuild.cli import command
        sys.argv = ["blogbuild", "--version"]
        assert command() == 0
        pool = prestart.start_pool(1, (Path({str(root)!r}), None, None, prestart.RENDERED))
        print(gc.get_threshold(), gc.isenabled())
        print(pool.submit(gc.get_threshold).result(timeout=60),
              pool.submit(gc.isenabled).result(timeout=60))
        pool.shutdown()
    """)
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           timeout=120, check=True).stdout.splitlines()
    older = gc.get_threshold()[1:]  # CPython's, which collect_less keeps
    assert shown[-2:] == [f"{(YOUNG_ALLOCATIONS, *older)} True"] * 2
    main(["--version"])
    assert gc.get_threshold()[0] != YOUNG_ALLOCATIONS


def test_a_worker_that_could_not_read_site_toml_refuses_work_with_the_reason(site, monkeypatch):
    from blogbuild import parallel
    from blogbuild.problems import BlogbuildError

    monkeypatch.setattr(parallel, "_unloadable", [])
    root = site({})
    (root / "site.toml").write_text("title = \n", encoding="utf-8")
    parallel.start_worker(root, None, None, RENDERED)
    assert parallel._worker is None
    with pytest.raises(BlogbuildError, match=r"could not load site\.toml \(site\.toml:1: "):
        parallel._render_chunk([])


def _as_in_a_terminal() -> None:
    """Run in a child before it starts: Ctrl-C does what it does in a terminal. (A
    script's background job, as CI may run the tests, has it ignored, and a child
    inherits that.)"""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
def test_ctrl_c_while_the_workers_start_ends_the_build_without_tracebacks(site):
    """Ctrl-C reaches every process of the terminal's foreground group: the workers,
    too, which the command line starts first. (Posts enough that the build is still
    running when the signal comes, on a busy machine too.)"""
    root = site(posts(4 * prestart.PARALLEL_FROM))
    build = subprocess.Popen([sys.executable, "-m", "blogbuild", "build", str(root), "-j", "2"],
                             stderr=subprocess.PIPE, text=True, start_new_session=True,
                             preexec_fn=_as_in_a_terminal)
    waited = 0.0
    while not _children(build.pid) and waited < 30:
        time.sleep(0.01)
        waited += 0.01
    time.sleep(0.1)  # the workers are starting (the first child is multiprocessing's)
    os.killpg(build.pid, signal.SIGINT)
    _, errors = build.communicate(timeout=60)
    assert errors.splitlines() == ["interrupted"]
    # 130, or ended by SIGINT itself, which a shell shows as 130 too: under `python -m`,
    # CPython 3.11 remembers a KeyboardInterrupt raised inside exec() of a string
    # (dataclasses makes its methods so, as the build's modules import), handled or
    # not, and ends the process with the signal at exit (the `blogbuild` script: 130)
    assert build.returncode in (130, -signal.SIGINT)


ON_LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"),
                              reason="Linux keeps a Ctrl-C pending while the workers "
                                     "spawn; other systems may drop it")

CTRL_C_AT_SPAWN = """
import os, signal
from multiprocessing.context import SpawnProcess
spawn = SpawnProcess.start
def start_after_ctrl_c(process):
    os.kill(os.getpid(), signal.SIGINT)
    spawn(process)
SpawnProcess.start = start_after_ctrl_c
"""
"""A script's start that sends this process Ctrl-C each time it spawns a worker, in
the window where the worker is being spawned."""


@ON_LINUX
def test_ctrl_c_while_a_worker_is_being_spawned_is_not_lost(site):
    """The command line ignores Ctrl-C while it spawns its workers (they inherit the
    ignoring): one that came then was dropped, and the build went on to the end. It
    waits now, and ends the build once the workers are spawned."""
    root = site(posts(prestart.PARALLEL_FROM))
    script = CTRL_C_AT_SPAWN + textwrap.dedent(f"""
        import sys
        from blogbuild.cli import main
        sys.exit(main(["build", {str(root)!r}, "-j", "2"]))
    """)
    build = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           timeout=120, preexec_fn=_as_in_a_terminal)
    assert build.stderr.splitlines() == ["interrupted"]
    assert build.returncode in (130, -signal.SIGINT)
    assert not (root / "dist").exists()


@ON_LINUX
def test_a_pool_interrupted_while_it_spawns_is_shut_down(site):
    """start_pool raises the Ctrl-C that waited: no caller gets the pool to shut down,
    so it does, its pending work cancelled. (Whether its worker has ended by a given
    time is the executor's business, and the machine's.)"""
    root = site(posts(1))
    script = CTRL_C_AT_SPAWN + textwrap.dedent(f"""
        from concurrent.futures import ProcessPoolExecutor
        from pathlib import Path
        from blogbuild import prestart
        shut = []
        shutdown = ProcessPoolExecutor.shutdown
        def recorded(pool, wait=True, *, cancel_futures=False):
            shut.append(cancel_futures)
            shutdown(pool, wait, cancel_futures=cancel_futures)
        ProcessPoolExecutor.shutdown = recorded
        try:
            prestart.start_pool(1, (Path({str(root)!r}), None, None, prestart.RENDERED))
        except KeyboardInterrupt:
            print("interrupted", shut)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120, preexec_fn=_as_in_a_terminal)
    assert run.stdout.splitlines() == ["interrupted [True]"], run.stderr


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize("after", [0.15, 0.3, 0.8])
def test_ctrl_c_during_serves_first_build_stops_it_without_tracebacks(site, after):
    """serve builds on a thread of its own, which cannot make the workers it spawns
    ignore Ctrl-C before they start: they start with it blocked, and ignore it
    themselves first thing. (Ignored only then, a worker still starting printed a
    traceback of Python's start-up: seen on a busy machine.)"""
    root = site(posts(5 * prestart.PARALLEL_FROM))
    serve = subprocess.Popen([sys.executable, "-m", "blogbuild", "serve", str(root), "--port", "0"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True, preexec_fn=_as_in_a_terminal)
    waited = 0.0
    while not _children(serve.pid) and waited < 30:
        time.sleep(0.01)
        waited += 0.01
    time.sleep(after)  # the workers start, import blogbuild, render
    os.killpg(serve.pid, signal.SIGINT)
    output, errors = serve.communicate(timeout=60)
    assert "Traceback" not in errors and "KeyboardInterrupt" not in errors, errors
    assert "stopped" in output + errors



@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="needs POSIX signal masks")
def test_a_thread_that_spawns_workers_gets_its_signal_mask_back(site):
    """start_pool blocks Ctrl-C on a thread other than the main one while it spawns
    the workers (they inherit the block); the thread is left as it was, and the
    workers work."""
    import os
    import threading

    root = site(posts(3))
    seen = {}

    def spawn():
        seen["before"] = signal.pthread_sigmask(signal.SIG_BLOCK, [])
        seen["pool"] = prestart.start_pool(2, (root, None, None, prestart.RENDERED))
        seen["after"] = signal.pthread_sigmask(signal.SIG_BLOCK, [])

    spawner = threading.Thread(target=spawn)
    spawner.start()
    spawner.join()
    try:
        assert seen["after"] == seen["before"] and signal.SIGINT not in seen["after"]
        assert seen["pool"].submit(os.getpid).result(timeout=60) != os.getpid()
    finally:
        seen["pool"].shutdown(cancel_futures=True)
