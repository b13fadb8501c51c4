"""Other people's real blogs (../shared/corpora/*/posts) through build_site and Chromium.

Each corpus is copied into a fresh site folder and built. Front-matter keys the SPEC does
not name must only be warnings, one per key; the one known author error must be reported
exactly (file:line: message) as ContentErrors. The corpus is then built without that file
and every post page is opened in headless Chromium: it loads without script errors, every
formula blogbuild marked is rendered by KaTeX, none is a KaTeX error (blogbuild reports at
build time every formula KaTeX cannot parse, so a corpus that builds has none), and no raw
\\begin{equation} is left in the text.

A per-corpus summary is printed (run with -s) and written as JSON into pytest's temporary
folder (never into the repository); its path is printed too.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_support import serve_folder, visit_pages, wait_for_math  # noqa: E402

pytest_plugins = ["browser_support"]

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"

if not CORPORA.is_dir():
    pytest.skip("../shared/corpora not present (a user's clone)", allow_module_level=True)

NAMES = sorted(d.name for d in CORPORA.iterdir() if (d / "posts").is_dir())

SPEC_KEYS = {"title", "date", "slug", "author", "tags", "category", "series", "views",
             "draft", "updated"}
"""Front-matter keys SPEC.md names; any other key is a warning, never an error."""

KNOWN_ERRORS = {
    # the \label sits inside a backtick code span (that blog's `$$...$$` convention,
    # which blogbuild follows only with [math] code_spans on), so the prose \ref has no
    # equation to point to
    "leovan-cn": {
        "2020-12-12-network-algorithms.md": [
            "content/posts/2020-12-12-network-algorithms.md:176: "
            r"\ref{eq:r_1}: no equation in this post has \label{eq:r_1}",
        ],
    },
}

PREFIX = "/corpus/"
BASE_URL = "https://example.org/corpus/"


def _make_site(root: Path, name: str, exclude: set[str] = frozenset()) -> Path:
    posts = root / "content" / "posts"
    posts.mkdir(parents=True)
    for source in sorted((CORPORA / name / "posts").glob("*.md")):
        if source.name not in exclude:
            shutil.copyfile(source, posts / source.name)
    (root / "site.toml").write_text(
        f'title = "Corpus {name}"\n'
        f'base_url = "{BASE_URL}"\n'
        'permalink = "/posts/{slug}/"\n',
        encoding="utf-8")
    return root


def _unknown_keys(name: str) -> set[str]:
    """Front-matter keys of the corpus that SPEC.md does not name."""
    keys = set()
    for source in (CORPORA / name / "posts").glob("*.md"):
        text = source.read_text(encoding="utf-8")
        match = re.match(r"\A---\n(.*?)\n---\s*\n", text, re.S)
        if match:
            keys |= set((yaml.safe_load(match.group(1)) or {}).keys())
    return {str(k) for k in keys} - SPEC_KEYS


UNKNOWN_KEY = "unknown front-matter key"
"""How the warning about a key the SPEC does not name begins."""


def _names_key(message: str, key: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", message) is not None


# ------------------------------------------------------------------ builds ---

@pytest.fixture(scope="module", params=NAMES)
def corpus(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def full_build(corpus, tmp_path_factory):
    """Build every post of the corpus: (report or None, all problems, seconds)."""
    from blogbuild.build import build_site
    from blogbuild.problems import ContentErrors

    site = _make_site(tmp_path_factory.mktemp(f"{corpus}-full"), corpus)
    started = time.perf_counter()
    try:
        report = build_site(site, site / "dist")
        problems = list(report.warnings)
    except ContentErrors as errors:
        report, problems = None, list(errors.problems)
    return report, problems, time.perf_counter() - started


@pytest.fixture(scope="module")
def clean_build(corpus, tmp_path_factory):
    """The corpus without the files that have known author errors: (site, report)."""
    from blogbuild.build import build_site
    from blogbuild.problems import ContentErrors

    site = _make_site(tmp_path_factory.mktemp(f"{corpus}-clean"), corpus,
                      set(KNOWN_ERRORS.get(corpus, {})))
    try:
        report = build_site(site, site / "dist")
    except ContentErrors as errors:
        pytest.fail(f"{corpus}: the build without the known-bad files still fails:\n"
                    + "\n".join(str(p) for p in errors.problems if not p.warning), pytrace=False)
    return site, report


def test_the_corpus_builds_with_exactly_its_known_author_errors(corpus, full_build):
    report, problems, _ = full_build
    expected = sorted(e for errors in KNOWN_ERRORS.get(corpus, {}).values() for e in errors)
    errors = sorted(str(p) for p in problems if not p.warning)
    assert errors == expected, (
        f"{corpus}: errors reported differ from the known author errors\n"
        f"  expected: {expected}\n  got: {errors}")
    if expected:
        assert report is None, f"{corpus}: build_site did not raise ContentErrors"
    else:
        assert report is not None and report.posts == len(list((CORPORA / corpus / "posts").glob("*.md")))


def test_a_prose_ref_to_a_label_inside_a_code_span_is_reported_as_its_file_and_line(tmp_path):
    """leovan-cn's network-algorithms post, alone: ContentErrors with that exact line."""
    from blogbuild.build import build_site
    from blogbuild.problems import ContentErrors

    if not (CORPORA / "leovan-cn" / "posts" / "2020-12-12-network-algorithms.md").exists():
        pytest.skip("leovan-cn corpus not present")
    site = _make_site(tmp_path, "leovan-cn")
    for post in (site / "content" / "posts").glob("*.md"):
        if post.name != "2020-12-12-network-algorithms.md":
            post.unlink()
    with pytest.raises(ContentErrors) as raised:
        build_site(site, site / "dist")
    errors = [str(p) for p in raised.value.problems if not p.warning]
    assert errors == KNOWN_ERRORS["leovan-cn"]["2020-12-12-network-algorithms.md"]
    assert not (site / "dist").exists(), "a failed build wrote output"


def test_front_matter_keys_unknown_to_the_spec_are_one_warning_each_never_an_error(corpus, full_build):
    _, problems, _ = full_build
    unknown = _unknown_keys(corpus)
    failures = []
    for key in sorted(unknown):
        naming = [p for p in problems if _names_key(p.message, key)]
        if any(not p.warning for p in naming):
            failures.append(f"`{key}` is reported as an error: {[str(p) for p in naming if not p.warning]}")
        # (other warnings may mention the word: "/images/cn/…" in a Hugo shortcode)
        warned = [p for p in naming if p.warning and p.message.startswith(UNKNOWN_KEY)]
        if len(warned) != 1:
            failures.append(f"`{key}`: expected one warning, got {len(warned)}: {[str(p) for p in warned]}")
    others = [str(p) for p in problems if p.warning and not p.message.startswith(UNKNOWN_KEY)]
    if others:
        print(f"\n{corpus}: other warnings:\n  " + "\n  ".join(others))
    assert not failures, f"{corpus} (unknown keys {sorted(unknown)}):\n" + "\n".join(failures)
    assert unknown, f"{corpus}: expected the corpus to have keys the SPEC does not name"


_FORMULA = re.compile(r'<(span|div) class="math (?:inline|display)"[^>]*>(.*?)</\1>', re.S)


def test_no_corpus_formula_swallows_the_prose_between_two_formulas(corpus, clean_build):
    """A formula's TeX never holds a `$$` delimiter (`- $$a$$ text $$b$$` is two formulas,
    not one from the first `$$` to the last) nor starts or ends at a code span's backtick
    (a `$$` left over from a code span pairs with the next one across paragraphs)."""
    site, _ = clean_build
    failures = []
    for page in sorted((site / "dist" / "posts").glob("*/index.html")):
        for match in _FORMULA.finditer(page.read_text(encoding="utf-8")):
            tex = html.unescape(match.group(2)).strip()
            tex = re.sub(r"\A\\[(\[]|\\[)\]]\Z", "", tex).strip()
            if "$$" in tex or tex.startswith("`") or tex.endswith("`"):
                failures.append(f"posts/{page.parent.name}/: {tex[:140]!r}")
    assert not failures, (f"{corpus}: {len(failures)} formulas swallow prose or delimiters:\n"
                          + "\n".join(failures[:25]) + ("\n..." if len(failures) > 25 else ""))


_CJK_ASTERISKS = re.compile(r"[\u3000-\u9fff\uff00-\uffef]\*\*|\*\*[\u3000-\u9fff\uff00-\uffef]")


def test_no_corpus_post_shows_the_asterisks_of_bold_beside_chinese(corpus, clean_build):
    """`**“价值”**。` is bold (cjkemphasis.py): CommonMark's rule showed the asterisks
    of four bold phrases of leovan-cn's posts."""
    from bs4 import BeautifulSoup, Comment

    site, _ = clean_build
    shown = []
    for page in sorted((site / "dist" / "posts").glob("*/index.html")):
        article = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml").find("article")
        for text in article.find_all(string=_CJK_ASTERISKS):
            if not isinstance(text, Comment) and not text.find_parent(["code", "pre"]) and \
                    not text.find_parent(class_="math"):
                shown.append(f"posts/{page.parent.name}/: {text.strip()[:80]!r}")
    assert not shown, f"{corpus}: asterisks shown beside Chinese:\n" + "\n".join(shown)


# ----------------------------------------------------------------- browser ---

@pytest.fixture(scope="module")
def rendered(corpus, clean_build, browser):
    """Open every post page of the clean build in Chromium; per-page results."""
    site, report = clean_build
    out = site / "dist"
    pages = sorted(p.relative_to(out).as_posix() for p in out.glob("posts/*/index.html"))
    started = time.perf_counter()

    def inspect(page, log):
        math = wait_for_math(page, timeout_ms=5_000, complete=False)
        return {"math": math, "page_errors": list(log.page_errors),
                "outside": list(log.outside_requests)}

    with serve_folder(out, PREFIX) as base:
        context = browser.new_context()
        try:
            by_url = visit_pages(context, [base + p[: -len("index.html")] for p in pages], inspect,
                                 tabs=2, block_images=True)
        finally:
            context.close()
    results = {p: by_url[base + p[: -len("index.html")]] for p in pages}
    return {"report": report, "pages": pages, "results": results,
            "seconds": time.perf_counter() - started}


def _summary(corpus: str, rendered: dict) -> dict:
    results = rendered["results"].values()
    ok = [r for r in results if "math" in r]
    messages = Counter(" ".join(e["title"].split()) for r in ok for e in r["math"].errors)
    raw = Counter(name for r in ok for name, found in r["math"].raw.items() for _ in found)
    return {
        "corpus": corpus,
        "posts_built": rendered["report"].posts,
        "post_pages_opened": len(rendered["results"]),
        "formulas_marked_by_build": rendered["report"].formulas,
        "formulas_found": sum(r["math"].math for r in ok),
        "rendered": sum(r["math"].rendered for r in ok),
        "katex": sum(r["math"].katex for r in ok),
        "katex_errors": sum(len(r["math"].errors) for r in ok),
        "katex_error_messages": [m for m, _ in messages.most_common(10)],
        "raw_tex_in_visible_text": dict(raw),
        "blocked_outside_requests": sum(len(r["outside"]) for r in ok),
        "browser_seconds": round(rendered["seconds"], 1),
    }


@pytest.mark.browser
def test_every_corpus_post_renders_its_formulas_in_chromium(corpus, rendered, tmp_path_factory):
    summary = _summary(corpus, rendered)
    report_file = tmp_path_factory.getbasetemp() / "corpus-report.json"
    data = json.loads(report_file.read_text()) if report_file.exists() else {}
    data[corpus] = summary
    # the errors with their pages, for whoever investigates
    data[corpus]["katex_error_pages"] = {
        path: [f"{e['title']} | {e['text'][:120]}" for e in r["math"].errors]
        for path, r in rendered["results"].items() if "math" in r and r["math"].errors}
    data[corpus]["raw_tex_examples"] = {
        path: {name: found[:5] for name, found in r["math"].raw.items()}
        for path, r in rendered["results"].items() if "math" in r and r["math"].raw}
    report_file.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\n[corpus] {corpus}: {summary['posts_built']} posts built, "
          f"{summary['post_pages_opened']} pages opened, {summary['formulas_found']} formulas found, "
          f"{summary['rendered']} rendered ({summary['katex']} .katex), "
          f"{summary['katex_errors']} KaTeX errors; raw TeX left: {summary['raw_tex_in_visible_text']}; "
          f"{summary['browser_seconds']} s in Chromium")
    for message in summary["katex_error_messages"]:
        print(f"[corpus] {corpus}: KaTeX error: {message}")
    print(f"[corpus] report: {report_file}")

    failures = []
    assert rendered["pages"], f"{corpus}: no post page found under posts/*/index.html"
    assert len(rendered["pages"]) == rendered["report"].posts, (
        f"{corpus}: {rendered['report'].posts} posts built but {len(rendered['pages'])} post pages")
    for path, r in rendered["results"].items():
        if "crash" in r:
            failures.append(f"{path}: could not be loaded: {r['crash']}")
            continue
        failures += [f"{path}: page error: {e}" for e in r["page_errors"]]
        m = r["math"]
        if m.unrendered:
            failures.append(f"{path}: {len(m.unrendered)} of {m.math} formulas not rendered by KaTeX, "
                            f"e.g. {m.unrendered[:2]}")
        for snippet in m.raw.get("raw \\begin{", []):
            if "\\begin{equation" in snippet:
                failures.append(f"{path}: raw \\begin{{equation}} in visible text: {snippet!r}")
    assert not failures, f"{corpus}:\n" + "\n".join(failures)
    assert summary["formulas_found"] > 0, f"{corpus}: no formula found on any post page"
    # blogbuild checks every formula with the same KaTeX at build time and refuses to build
    # one it cannot parse: an error box in the browser means build and browser disagree
    errors = [f"{path}: {message}" for path, messages in data[corpus]["katex_error_pages"].items()
              for message in messages]
    assert not errors, (
        f"{corpus}: {len(errors)} KaTeX errors in {summary['formulas_found']} formulas, expected none "
        f"(all in {report_file}):\n" + "\n".join(errors[:25]) + ("\n..." if len(errors) > 25 else ""))


SEARCHED = {"leovan-cn": ["马尔可夫", "贝叶斯", "卷积", "玻尔兹曼", "矩阵", "梯度"],
            "lil-log-en": ["autoencoder", "attention", "gradient"]}
"""Words a reader would search each corpus for; transliterated names (马尔可夫) are
those that index and query segment differently."""

SEARCH_ALL = """async words => {
  const pagefind = await import(new URL("pagefind/pagefind.js", location.href).href);
  await pagefind.init();
  const found = {};
  for (const word of words) {
    const results = (await pagefind.search(word)).results;
    found[word] = (await Promise.all(results.map(result => result.data()))).map(data => data.url);
  }
  return found;
}"""


@pytest.mark.browser
def test_search_finds_every_post_that_has_the_word(corpus, clean_build, browser):
    """Pagefind 1.5 found none of the six leovan-cn posts that have 马尔可夫, nor four
    of the five with 贝叶斯: the browser split the query into single characters where
    the index kept the name whole (upstream issue 1237); blogbuild requires 1.4."""
    from urllib.parse import unquote

    from bs4 import BeautifulSoup

    site, _ = clean_build
    out = site / "dist"
    texts = {}
    for page in out.glob("posts/*/index.html"):
        article = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml").select_one(
            "[data-pagefind-body]")
        for left_out in article.select(".math, .multline, [data-pagefind-ignore]"):
            left_out.decompose()
        texts[f"{PREFIX}posts/{page.parent.name}/"] = article.get_text().lower()
    words = SEARCHED.get(corpus, [])
    with serve_folder(out, PREFIX) as base:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(base)
            found = page.evaluate(SEARCH_ALL, words)
        finally:
            context.close()
    missed = {}
    for word in words:
        having = {path for path, text in texts.items() if word.lower() in text}
        assert having, f"{corpus}: no post has {word!r}: choose another word"
        if lost := having - {unquote(url) for url in found[word]}:
            missed[word] = f"{len(lost)} of {len(having)}, e.g. {sorted(lost)[:2]}"
    assert not missed, f"{corpus}: search misses posts that have the word: {missed}"


def test_in_build_mode_every_corpus_formula_is_typeset_with_the_same_numbers(
        corpus, clean_build, tmp_path_factory):
    """render = "build": the pages carry KaTeX's HTML for every formula (no script needed)
    and show the equation numbers that client mode puts into the TeX."""
    import lxml.html

    from blogbuild.build import build_site

    client_site, _ = clean_build
    site = tmp_path_factory.mktemp(f"{corpus}-build-mode")
    shutil.copytree(client_site / "content", site / "content")
    (site / "site.toml").write_text((client_site / "site.toml").read_text(encoding="utf-8")
                                    + '\n[math]\nrender = "build"\n[search]\nenabled = false\n',
                                    encoding="utf-8")
    build_site(site, site / "dist")
    failures = []
    for page in sorted((site / "dist" / "posts").glob("*/index.html")):
        name = page.parent.name
        tree = lxml.html.fromstring(page.read_bytes())
        formulas = tree.find_class("math")
        bare = [f for f in formulas if not f.find_class("katex")]
        if bare:
            failures.append(f"posts/{name}/: {len(bare)} formulas without KaTeX HTML")
        if tree.find_class("katex-error") or tree.xpath("//script[contains(@src, 'katex')]"):
            failures.append(f"posts/{name}/: a KaTeX error or a KaTeX script")
        # one .katex-tag holds the numbers of every row of an align: compare the sequences
        shown = "".join(t.text_content() for t in tree.find_class("katex-tag"))
        shown = re.findall(r"\([^()]*\)", shown.replace("\u200b", ""))
        client = lxml.html.fromstring((client_site / "dist/posts" / name / "index.html").read_bytes())
        written = [f"({n})" for f in client.find_class("math")
                   for n in re.findall(r"\\tag\{([^{}]*)\}", f.text_content())]
        if shown != written:
            failures.append(f"posts/{name}/: numbers {shown[:8]} in build mode, {written[:8]} in client mode")
    assert not failures, f"{corpus}:\n" + "\n".join(failures)


def test_leovan_with_code_span_math_shows_every_formula(tmp_path, browser):
    """leovan-cn writes its formulas in code spans (`$x$`, `$$…$$`: blogdown's habit,
    3,842 + 723 of them). With `[math] code_spans = true` the whole corpus builds (KaTeX
    checks every formula; its MathJax-only \\renewcommand and three-column split are
    rewritten; the known \\ref error goes, since the \\label is now math), no code span
    that is one formula is left, and the posts with the most formulas show them all."""
    from bs4 import BeautifulSoup

    from blogbuild.build import build_site

    if not (CORPORA / "leovan-cn" / "posts").is_dir():
        pytest.skip("leovan-cn corpus not present")
    site = _make_site(tmp_path, "leovan-cn")
    with (site / "site.toml").open("a", encoding="utf-8") as toml:
        toml.write("[search]\nenabled = false\n[math]\ncode_spans = true\n")
    report = build_site(site, site / "dist")
    assert report.formulas > 4500, report.formulas
    counts = {}
    for page in (site / "dist" / "posts").glob("*/index.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        left = [c.get_text() for c in soup.select(".post-body code")
                if re.fullmatch(r"\$\$?\S.*\$", c.get_text(), re.S) and c.parent.name != "pre"]
        assert not left, (page.parent.name, left[:3])
        counts[page.parent.name] = len(soup.select(".math"))
    heaviest = sorted(counts, key=counts.get, reverse=True)[:4]
    pages = [*heaviest, "evd-svd-and-pca", "rnn", "network-algorithms"]
    with serve_folder(site / "dist", PREFIX) as base:
        context = browser.new_context()
        try:
            found = visit_pages(context, [f"{base}posts/{name}/" for name in pages],
                                lambda page, log: (wait_for_math(page), list(log.page_errors)),
                                block_images=True)
        finally:
            context.close()
    for url, (math, errors) in found.items():
        assert math.math and math.rendered == math.math and not math.errors, (url, math)
        assert not errors, (url, errors)
