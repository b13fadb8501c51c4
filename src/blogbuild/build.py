"""The build, as one pipeline: config → content → bodies → site → pages → output.

Each stage takes records and returns records; this module only passes them along
and decides when problems stop the build (before anything is written).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .config import load_config
from .content import Content, load_content
from .feeds import render_feeds, render_sitemap
from .markdown import RenderContext, Rendered, highlight_css, render_post
from .output import collect_static, write_site
from .pages import OutputFile, paginate, render_pages, template_environment
from .problems import ContentErrors, Problem
from .site import assemble, post_path, url_path

Progress = Callable[[int, int], None]
"""Called as progress(done, total) while posts are rendered."""


@dataclass(frozen=True)
class SitePlan:
    """Everything a build decided, before anything is written."""

    files: list[OutputFile]
    content: Content
    formulas: int
    """Formulas found in posts."""
    warnings: tuple[Problem, ...]


@dataclass(frozen=True)
class BuildReport:
    posts: int
    pages: int
    """HTML files written."""
    formulas: int
    seconds: float
    warnings: tuple[Problem, ...]


def build_site(site_dir: Path, out_dir: Path | None = None, *, drafts: bool = False,
               base_url: str | None = None, progress: Progress | None = None) -> BuildReport:
    """Build `site_dir` into `out_dir` (default site_dir/dist); raises ContentErrors."""
    started = time.perf_counter()
    plan = plan_site(site_dir, drafts=drafts, base_url=base_url, progress=progress)
    write_site(plan.files, out_dir or site_dir / "dist")
    pages = sum(1 for f in plan.files if f.path.endswith(".html"))
    return BuildReport(posts=len(plan.content.posts), pages=pages, formulas=plan.formulas,
                       seconds=time.perf_counter() - started, warnings=plan.warnings)


def plan_site(site_dir: Path, *, drafts: bool = False, base_url: str | None = None,
              progress: Progress | None = None) -> SitePlan:
    """Everything up to writing; raises ContentErrors with every error found."""
    config = load_config(site_dir, base_url=base_url)
    content = load_content(site_dir, config, drafts=drafts)
    problems = list(content.problems)
    bodies: dict[str, Rendered] = {}
    for done, post in enumerate(content.posts, start=1):
        context = RenderContext(post.source, post.body_line,
                                url_path(config, post_path(config, post)))
        bodies[post.slug] = render_post(post.body, context, post.summary)
        problems += bodies[post.slug].problems
        if progress:
            progress(done, len(content.posts))
    page_bodies = {}
    for page in content.pages:
        rendered = render_post(page.body, RenderContext(page.source, page.body_line))
        page_bodies[page.slug] = rendered.html
        problems += rendered.problems
    errors = [p for p in problems if not p.warning]
    if errors:
        raise ContentErrors(sorted(problems))
    site = assemble(config, content, bodies, page_bodies)
    files = render_pages(site, template_environment(site_dir, config))
    files += render_feeds(site)
    listing_paths = [path for _, path in paginate(site.posts, config.per_page, "", "")]
    files.append(render_sitemap(site, listing_paths))
    files.append(OutputFile("assets/highlight.css", highlight_css().encode("utf-8"), "theme"))
    files += collect_static(site_dir)
    return SitePlan(files=files, content=content,
                    formulas=sum(body.formulas for body in bodies.values()),
                    warnings=tuple(p for p in problems if p.warning))
