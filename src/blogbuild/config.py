"""site.toml → one frozen, typed `SiteConfig` record.

Defaults live on the dataclass fields and nowhere else. Unknown keys and values of
the wrong type are reported as `site.toml:LINE: message` with the fix, all at once.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .problems import ContentErrors, Problem, described, did_you_mean

CONFIG_FILE = "site.toml"


@dataclass(frozen=True)
class MathConfig:
    """The `[math]` table."""

    render: str = "client"
    """"client": KaTeX renders formulas in the browser; "build": at build time."""
    macros: typing.Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """TeX macros available in every formula of the site, e.g. {"\\R": "\\mathbb{R}"}."""
    code_spans: bool = False
    """A code span that is a whole formula, `$x$` or `$$x$$`, is that formula (the
    habit of blogdown sites, whose script typesets such code), not code."""

    @property
    def at_build(self) -> bool:
        """Formulas are typeset by the build (render = "build"): pages carry KaTeX's
        HTML; else they carry the TeX, and KaTeX only checks it."""
        return self.render == "build"


@dataclass(frozen=True)
class FeedConfig:
    """The `[feed]` table."""

    items: int = 20
    """Number of newest posts in feed.xml and atom.xml."""
    full_content: bool = False
    """False: each entry carries the excerpt; True: the whole post."""


@dataclass(frozen=True)
class SearchConfig:
    """The `[search]` table."""

    enabled: bool = True
    """Index the built site with Pagefind and put a search box on every page."""


@dataclass(frozen=True)
class CommentsConfig:
    """The `[comments]` table."""

    images: bool = False
    """Show images readers linked in comments (loaded from the readers' URLs)."""


@dataclass(frozen=True)
class SiteConfig:
    """Everything site.toml can say, with its defaults."""

    title: str
    """The site's name, shown in the header, the <title> and the feeds. Required."""
    base_url: str
    """Absolute URL the site is published at, with a trailing slash; may have a sub-path. Required."""
    description: str = ""
    """One line about the site, for feeds and the page head."""
    author: str = ""
    """Default author of every post."""
    language: str = "zh-CN"
    """BCP 47 language of the site; selects the theme's labels ("点击阅读全文...")."""
    timezone: str = "Asia/Shanghai"
    """IANA time zone for dates written without an offset."""
    per_page: int = 10
    """Posts per listing page."""
    permalink: str = "/archives/{slug}/"
    """URL of a post; may use {slug} {year} {month} {day}."""
    recent_comments: int = 10
    """Number of comments in the "最近评论" sidebar."""
    math: MathConfig = field(default_factory=MathConfig)
    """The `[math]` table."""
    feed: FeedConfig = field(default_factory=FeedConfig)
    """The `[feed]` table."""
    search: SearchConfig = field(default_factory=SearchConfig)
    """The `[search]` table."""
    comments: CommentsConfig = field(default_factory=CommentsConfig)
    """The `[comments]` table."""
    extra: typing.Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    """The `[extra]` table: the site's own settings for its templates (`layout.extra`),
    any keys and values, as Zola's [extra] and Hugo's [params]; blogbuild reads none."""

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, e.g. "/blog/" (always ends with "/")."""
        return urlsplit(self.base_url).path or "/"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


_TABLES: dict[str, type] = {"math": MathConfig, "feed": FeedConfig, "search": SearchConfig,
                             "comments": CommentsConfig}
_REQUIRED = ("title", "base_url")
_TOP_LEVEL = frozenset(field.name for field in dataclasses.fields(SiteConfig)) - set(_TABLES)


class ConfigErrors(ContentErrors):
    """site.toml's problems, and the configuration without the keys they are about
    (`usable`: each left at its default), if it has the required keys right. A command
    that checks the content goes on with it, so that the content's problems are
    reported in the same run (an unknown key must not hide them)."""

    def __init__(self, problems: list[Problem], usable: SiteConfig | None = None):
        super().__init__(problems)
        self.usable = usable


def load_config(site_dir: Path, *, base_url: str | None = None,
                origin: str | None = None) -> SiteConfig:
    """Read `site_dir/site.toml`; `base_url` (from --base-url) overrides the file's,
    `origin` ("http://127.0.0.1:8000", serve's) only its scheme and host: the site
    keeps its path. Raises ConfigErrors."""
    path = site_dir / CONFIG_FILE
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise ConfigErrors([Problem(CONFIG_FILE, 0, f"no {CONFIG_FILE} in {site_dir}: "
                                     "is this a site folder? `blogbuild init` makes one")]) from None
    except OSError as error:
        raise ConfigErrors([Problem(CONFIG_FILE, 0, f"cannot read: {error.strerror}")]) from None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ConfigErrors([Problem(CONFIG_FILE, line, "not UTF-8 text: save the file as "
                                     "UTF-8")]) from None
    return parse_config(text.removeprefix("\ufeff"), base_url=base_url, origin=origin)


def load_config_to_check(site_dir: Path, *, base_url: str | None = None,
                         origin: str | None = None) -> tuple[SiteConfig, list[Problem]]:
    """load_config for a command that goes on to check the content (build, check):
    site.toml's problems are returned with the configuration they leave usable
    (ConfigErrors.usable), to be reported with the content's; raises ConfigErrors
    when none is usable."""
    try:
        return load_config(site_dir, base_url=base_url, origin=origin), []
    except ConfigErrors as errors:
        if errors.usable is None:
            raise
        return errors.usable, errors.problems


def parse_config(text: str, *, base_url: str | None = None,
                 origin: str | None = None) -> SiteConfig:
    """Parse site.toml's text (`base_url` and `origin`: load_config's); raises
    ConfigErrors listing every problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = int(m.group(1)) if (m := re.search(r"line (\d+)", str(error))) else 0
        raise ConfigErrors([Problem(CONFIG_FILE, line, f"not valid TOML: {error}")]) from None
    if base_url is not None:
        raw["base_url"] = base_url
    elif origin is not None and isinstance(raw.get("base_url"), str) and \
            base_url_problem(raw["base_url"]) is None:  # (else reported as written)
        raw["base_url"] = origin.rstrip("/") + (urlsplit(raw["base_url"]).path or "/")
    problems: list[Problem] = []
    wrong: set[tuple[str, str]] = set()  # (table, key) of each key with a problem
    values = _check_table(raw, SiteConfig, "", text, problems, wrong)
    for key in _REQUIRED:
        if key not in values and not any(p.message.startswith(f"`{key}`") for p in problems):
            problems.append(Problem(CONFIG_FILE, 0, f"`{key}` is required, e.g. "
                                    f'{key} = "{_EXAMPLES[key]}"'))
    problems += _check_values(values, text, wrong)  # of the keys whose type is right
    usable = None
    # a mistake in [math] (`macro =` for `macros =`) changes what every formula means:
    # checked without it, each formula using a site macro would be a false KaTeX error
    if all(key in values and ("", key) not in wrong for key in _REQUIRED) and \
            not any("math" in (table, key) for table, key in wrong):
        usable = _config(_without(values, wrong))
    if problems:
        raise ConfigErrors(problems, usable)
    assert usable is not None
    return usable


def _config(values: dict) -> SiteConfig:
    """The record of checked `values`, base_url with its trailing slash."""
    if not values["base_url"].endswith("/"):
        values = {**values, "base_url": values["base_url"] + "/"}
    return SiteConfig(**values)


def _without(values: dict, wrong: set[tuple[str, str]]) -> dict:
    """`values` without the (table, key)s in `wrong` ("" for the top level)."""
    kept = {key: value for key, value in values.items() if ("", key) not in wrong}
    for table, record in _TABLES.items():
        if table in kept and any(name == table for name, _ in wrong):
            kept[table] = record(**{key: value for key, value in vars(kept[table]).items()
                                    if (table, key) not in wrong})
    return kept


_EXAMPLES = {"title": "我的博客", "base_url": "https://example.github.io/blog/"}


def _check_table(raw: dict, record: type, table: str, text: str,
                 problems: list[Problem], wrong: set[tuple[str, str]]) -> dict:
    """Keep the keys `record` knows, with the right types; report the others (and
    add their (table, key) to `wrong`)."""
    hints = typing.get_type_hints(record)
    known = {f.name for f in dataclasses.fields(record)}
    values: dict = {}
    for key, value in raw.items():
        name = f"{table}.{key}" if table else key

        def report(message: str, key: str = key) -> None:
            problems.append(Problem(CONFIG_FILE, key_line(text, table, key), message))
            wrong.add((table, key))

        if key not in known and table and key in _TOP_LEVEL:
            # `per_page = 5` appended to a file that ends with [feed]
            report(f"unknown key `{name}`: `{key}` is a top-level key, and the lines below "
                   f"`[{table}]` belong to that table; move it above the first `[...]` line")
        elif key not in known:
            report(f"unknown key `{name}`{did_you_mean(key, known)}; known keys"
                   f"{' in [' + table + ']' if table else ''}: {', '.join(sorted(known))}")
        elif key == "extra" and not table:
            if isinstance(value, dict):
                values[key] = MappingProxyType(value)
            else:
                report("`extra` must be a table: [extra]")
        elif key in _TABLES and not table:
            if isinstance(value, dict):
                values[key] = _TABLES[key](**_check_table(value, _TABLES[key], key, text, problems,
                                                          wrong))
            else:
                report(f"`{key}` must be a table: [{key}]")
        elif not _has_type(value, hints[key]):
            quoted = ": remove the quotes" if _quoted_by_mistake(value, hints[key]) else ""
            report(f"`{name}` must be {_type_wanted(hints[key])}, not {described(value)}{quoted}")
        else:
            values[key] = MappingProxyType(dict(value)) if isinstance(value, dict) else value
    return values


def _has_type(value: object, hint: object) -> bool:
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    # the only mapping type: TeX macros, name → expansion
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def _quoted_by_mistake(value: object, hint: object) -> bool:
    """`items = "20"`, `enabled = "false"`: the right value, in quotes."""
    text = value.strip() if isinstance(value, str) else ""
    return (hint is int and text.isdigit()) or (hint is bool and text in ("true", "false"))


def _type_wanted(hint: object) -> str:
    return {bool: "true or false", int: "a whole number", str: "a quoted string"}.get(
        hint, 'a table of strings, e.g. { "\\\\R" = "\\\\mathbb{R}" }')


def base_url_problem(url: str) -> str | None:
    """What is wrong with `url` as a base_url ("must be ..."), or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port that is not one
    except ValueError:  # an unclosed [IPv6 host, a port out of range
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        return f'must be an absolute http(s) URL such as "{_EXAMPLES["base_url"]}", not {url!r}'
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        # every link is base_url's path followed by the page's: after a query, none works
        extra = "?query" if parts.query or url.endswith("?") else "#fragment"
        return f"must be where the site is (a scheme, a host and a path), without a " \
               f"{extra}: remove it from {url!r}"
    page = parts.path.rsplit("/", 1)[-1]  # "" for a folder (`…/notes.html/` is one)
    if _PAGE_NAME.search(page):
        # every link would be `…/index.html/archives/x/`, a page no host has
        return f"must be the folder the site is in, not a page of it: remove {page!r} " \
               f"from {url!r}"
    return None


_PAGE_NAME = re.compile(r"\.(?:html?|php|aspx?|jsp|xml)$", re.IGNORECASE)
"""A file name at the end of a base_url (`…/blog/index.html`)."""


def _check_values(values: dict, text: str, wrong: set[tuple[str, str]]) -> list[Problem]:
    """Checks of meaning of `values` (the keys whose type is right); each (table, key)
    found wrong is added to `wrong`."""
    problems = []

    def report(key: str, message: str, table: str = "") -> None:
        problems.append(Problem(CONFIG_FILE, key_line(text, table, key), message))
        wrong.add((table, key))

    if "base_url" in values and (what := base_url_problem(values["base_url"])):
        report("base_url", f"`base_url` {what}")
    try:
        ZoneInfo(values.get("timezone", SiteConfig.timezone))
    except (ZoneInfoNotFoundError, ValueError):
        report("timezone", f"unknown `timezone` {values['timezone']!r}; use an IANA name "
                           'such as "Asia/Shanghai" or "UTC"')
    for key in ("per_page", "recent_comments"):
        if values.get(key, 1) < (1 if key == "per_page" else 0):
            report(key, f"`{key}` must be at least {1 if key == 'per_page' else 0}")
    permalink = values.get("permalink", SiteConfig.permalink)
    if not permalink.startswith("/") or "{slug}" not in permalink:
        report("permalink", '`permalink` must start with "/" and contain {slug}, '
                            'e.g. "/archives/{slug}/"')
    else:
        try:
            permalink.format(slug="s", year="2024", month="01", day="01")
        except (KeyError, IndexError, ValueError):
            report("permalink", "`permalink` may only use {slug} {year} {month} {day}")
        else:
            if not permalink.endswith(("/", ".html")):
                # a file without an extension is served as a download (GitHub Pages
                # sends application/octet-stream)
                report("permalink", f'`permalink` must end with "/" (each post a folder '
                       f'with its index.html: "{permalink}/", which links without the '
                       'slash still reach on GitHub Pages and most servers) or ".html"')
    math = values.get("math", MathConfig())
    if math.render not in ("client", "build"):
        report("render", '`math.render` must be "client" or "build"', "math")
    if values.get("feed", FeedConfig()).items < 1:
        report("items", "`feed.items` must be at least 1", "feed")
    return problems


def key_line(text: str, table: str, key: str) -> int:
    """1-based line where `key` is set inside `[table]` ("" = top level); 0 if not found."""
    current = ""
    pattern = re.compile(rf'^\s*(?:"{re.escape(key)}"|{re.escape(key)})\s*=')
    for number, line in enumerate(text.splitlines(), start=1):
        if header := re.match(r"^\s*\[([^\]]+)\]", line):
            current = header.group(1).strip()
            if current == key and not table:
                return number
        elif current == table and pattern.match(line):
            return number
    return 0
