"""A template's errors as problems: where (the template the author knows, and its line)
and what, its syntax errors all at once, and each runtime error once with the number of
pages it failed on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TypeVar

import jinja2
from jinja2 import meta

from .problems import ContentErrors, Problem, did_you_mean

P = TypeVar("P")


def template_errors(pages: Iterable[P], render: Callable[[P], object]) -> list[Problem]:
    """`render` each page and gather the ContentErrors it raises (a template's errors):
    each at its place (template and line) once, as the first page that met it tells it,
    with how many more pages met it."""
    failed: dict[tuple[str, int], tuple[Problem, int]] = {}
    for page in pages:
        try:
            render(page)
        except ContentErrors as errors:
            for problem in errors.problems:
                first, count = failed.get((problem.path, problem.line), (problem, 0))
                failed[(problem.path, problem.line)] = (first, count + 1)
    return [replace(problem, message=f"{problem.message}; and on {count - 1} more "
                    f"page{'s' if count > 2 else ''}") if count > 1 else problem
            for problem, count in failed.values()]


def template_problems(env: jinja2.Environment, pages: Iterable[str]) -> list[Problem]:
    """The syntax errors, all of them, of the templates `pages` use (those named and
    what they extend, include or import). Every template file is compiled (from the
    bytecode cache, mostly); only if one fails are the pages' templates parsed to see
    whether they use it: a scratch file in templates/ is no problem of the site."""
    broken: dict[str, jinja2.TemplateSyntaxError] = {}
    for name in env.list_templates(extensions=["html", "xml", "txt"]):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as error:
            broken[name] = error
    if not broken:
        return []
    used, waiting = set(), list(pages)
    while waiting:
        name = waiting.pop()
        if name in used:
            continue
        used.add(name)
        if name in broken:  # what it includes is not known: it does not parse
            continue
        try:
            source = env.loader.get_source(env, name)[0]
        except jinja2.TemplateNotFound:
            continue  # rendering the page says which
        waiting += [found for found in meta.find_referenced_templates(env.parse(source)) if found]
    return sorted(template_syntax_problem(error, name) for name, error in broken.items()
                  if name in used)


def template_runtime_problem(error: Exception, template: str, doing: str,
                             names: PageNames | None = None) -> Problem:
    """What `error`, raised while `template` rendered a page (`doing`: "rendering
    archives/x/index.html, from content/posts/x.md"), tells the author: where in which
    template, and for a name no page has (`site`, as Hugo's and Jekyll's templates
    have), what this page has (`names`); for a value only some pages have (`entry` on
    a listing, a front-matter key only some posts have), how to allow for it."""
    name, line = _template_frame(error, template)
    if isinstance(error, jinja2.TemplatesNotFound):  # select_template: its own message
        what = str(error)
    elif isinstance(error, jinja2.TemplateNotFound):  # its message is the bare name
        what = f"no template {error.name!r} in the site's templates/ nor in the theme's; " \
            "check the name given to include, import or extends"
    elif isinstance(error, jinja2.TemplateError):
        what = str(error)
    else:
        what = f"{type(error).__name__}: {error}"
    hint = ""
    if isinstance(error, jinja2.UndefinedError):
        missing = _UNDEFINED_VARIABLE.fullmatch(str(error))
        if missing and names and missing.group(1) not in names.every_page:
            unknown = missing.group(1)
            hint = f"; no page has `{unknown}`: this one's variables are " \
                f"{_listed(names.variables)}, and every page's functions {_listed(names.functions)}" \
                f"{did_you_mean(unknown, [*names.variables, *names.functions])}" \
                f"{_OTHER_GENERATORS_VARIABLES.get(unknown, '')}"
        else:
            hint = "; a value only some pages have: test it first ({% if x is defined %}) " \
                "or give it a default (x | default(''))"
    return Problem(name, line, f"template error: {what}{hint} ({doing})")


@dataclass(frozen=True)
class PageNames:
    """The names a page's template was given, for the message of one it was not."""

    variables: tuple[str, ...]
    """This page's (`layout`, `listing`)."""
    functions: tuple[str, ...]
    """Those every page has besides Jinja's own (`url`, `labels`)."""
    every_page: frozenset[str]
    """The variables some kind of page has (pages.PAGE_VARIABLES): one of them missing
    on this page is a value only some pages have."""


def _listed(names: Iterable[str]) -> str:
    return ", ".join(f"`{name}`" for name in sorted(names))


_UNDEFINED_VARIABLE = re.compile(r"'(\w+)' is undefined")
"""Jinja's message for a name the template's context does not have."""
_OTHER_GENERATORS_VARIABLES = {
    "site": " (Hugo's and Jekyll's `site`: the site's title is `layout.site_title`; README, "
            "\"Templates\", lists what each page receives)",
    "page": " (Hugo's and Jekyll's `page`: a post's page has `entry`; README, \"Templates\", "
            "lists what each page receives)"}
"""Variables of other generators' templates, with where their values are here."""


def template_syntax_problem(error: jinja2.TemplateSyntaxError, template: str) -> Problem:
    return Problem(_template_name(error.filename or template), error.lineno or 0,
                   f"template syntax error: {error.message}")


def _template_frame(error: Exception, template: str) -> tuple[str, int]:
    """The template and line where `error` was raised: the innermost frame of a
    template, which may be one that `template` includes or extends."""
    found = (_template_name(template), 0)
    trace = error.__traceback__
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename.endswith(".html"):
            found = (_template_name(filename), trace.tb_lineno)
        trace = trace.tb_next
    return found


def _template_name(filename: str) -> str:
    """A template as the author knows it, "templates/post.html", from the file it was
    loaded from (the site's or the theme's, absolute or not) or its name."""
    name = filename.replace("\\", "/").rsplit("/templates/", 1)[-1]
    return "templates/" + name.removeprefix("templates/")
