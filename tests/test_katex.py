"""Build-time KaTeX (katex.py) and what the Markdown stage makes of its answers."""

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from blogbuild.katex import KatexEngine
from blogbuild.markdown import RenderContext, render_comment, render_post
from blogbuild.mathjax import mathjax_compatible

MACROS = {"\\R": "\\mathbb{R}"}


def test_good_formulas_typeset_and_bad_ones_return_katex_message(tmp_path: Path):
    engine = KatexEngine(MACROS, tmp_path)
    good, bad = engine.typeset([("x\\in\\R", False), ("\\frac{", True)], trusted=True)
    assert good.error is None and 'class="katex"' in good.html
    assert bad.html is None and bad.error.startswith("KaTeX parse error:")
    engine.close()


def test_checking_only_finds_what_rendering_finds_and_keeps_no_html(tmp_path: Path):
    """Client mode only checks (KaTeX's parser); it must refuse exactly what rendering
    refuses, with the same messages, trust and macros included."""
    formulas = [("x\\in\\R", False), ("\\frac{", True), ("\\undefinedcommand x", False),
                ("\\begin{align}a\\end{align}", False), ("\\tag{1} x", False),
                ("\\href{https://evil.example}{x}", False), ("\\style{color:red}{x}", False),
                ("\\newcommand{\\KL}{\\operatorname{KL}}", False), ("\\KL(p\\|q)", False),
                ("a^^b", False), ("\\left( x", True), ("x &= y", True)]
    for trusted in (True, False):
        rendering = KatexEngine(MACROS, tmp_path / f"render-{trusted}")
        checking = KatexEngine(MACROS, tmp_path / f"check-{trusted}", html=False)
        rendered = rendering.typeset(formulas, trusted=trusted)
        checked = checking.typeset(formulas, trusted=trusted)
        assert [r.error for r in checked] == [r.error for r in rendered]
        assert sum(r.error is not None for r in checked) >= 6
        assert all(r.html is None for r in checked)
        rendering.close()
        checking.close()


def test_a_macro_defined_by_one_formula_serves_the_later_ones(tmp_path: Path):
    engine = KatexEngine({}, tmp_path)
    results = engine.typeset([("\\newcommand{\\KL}{\\operatorname{KL}}", False),
                              ("\\KL(p\\|q)", False)], trusted=True)
    assert [r.error for r in results] == [None, None]
    engine.close()
    # from the cache, the second formula alone is still found with its definition's key
    warm = KatexEngine({}, tmp_path)
    again = warm.typeset([("\\newcommand{\\KL}{\\operatorname{KL}}", False),
                          ("\\KL(p\\|q)", False)], trusted=True)
    assert again == results and warm._context is None  # no engine started: all cached
    warm.close()


@pytest.mark.parametrize("definition", ["\\xdef\\foo{A}", "\\edef\\foo{A}", "\\gdef\\foo{A}",
                                        "\\let\\foo=A", "\\def\\foo{A}"])
def test_every_kind_of_definition_is_part_of_the_later_formulas_key(tmp_path: Path, definition):
    """A cached answer for `\\foo+1` must not outlive the definition it was made with:
    \\xdef and \\edef were not seen as definitions, and an edited use of \\foo failed
    in a warm build (a cold one passed), or kept the old HTML in build mode."""
    engine = KatexEngine({}, tmp_path)
    assert [r.error for r in engine.typeset([(definition, False), ("\\foo+1", False)],
                                            trusted=True)] == [None, None]
    engine.close()
    warm = KatexEngine({}, tmp_path)
    edited = warm.typeset([(definition, False), ("\\foo+2", False)], trusted=True)
    assert [r.error for r in edited] == [None, None]
    changed = warm.typeset([(definition.replace("A", "B"), False), ("\\foo+1", False)],
                           trusted=True)
    assert ">B<" in changed[1].html and ">A<" not in changed[1].html
    warm.close()


def test_groups_typeset_together_keep_their_macros_to_themselves(tmp_path: Path):
    """One call for several posts' formulas: a macro one post defines must not serve
    another (the single-post answers are the reference), and a formula several posts
    share is asked of KaTeX once."""
    groups = [[("\\newcommand{\\KL}{\\operatorname{KL}}", False), ("\\KL(p\\|q)", False)],
              [("\\KL(p\\|q)", False), ("a^2", False)],
              [("a^2", False), ("\\frac{", True)],
              [],
              [("\\newcommand{\\KL}{\\operatorname{KL}}", False), ("\\KL(p\\|q)", False)]]
    for html in (True, False):
        alone = KatexEngine({}, None, html=html)
        one_by_one = [alone.typeset(group, trusted=True) for group in groups]
        alone.close()
        together = KatexEngine({}, None, html=html)
        asked = []
        run = together._run
        together._run = lambda batch, trusted: asked.append(batch) or run(batch, trusted)
        assert together.typeset_groups(groups, trusted=True) == one_by_one
        assert one_by_one[1][0].error is not None  # \KL is not defined in the second post
        assert len(asked) == 1
        assert sum(formula == ("a^2", False) for group in asked[0] for formula in group) == 1
        together.close()


def test_render_batch_checks_once_and_renders_again_only_what_katex_refused(tmp_path: Path):
    """Client mode renders each item as though KaTeX accepted its formulas, checks them
    all in one call, and renders again the items with a refused one: the results are
    those of rendering each alone, the refused formula reported at its line. An item
    typesets more than once (a post's body, then its title): a refusal in its first
    call must not hide one in the next item's last."""
    items = [("好 $a^2$", "无公式"), ("坏 $\\frac{$ 和 $b$", "好 $b$"), ("又好 $a^2$", "$$\\KL$$"),
             ("$c_1$", "$c_2$")]
    for html in (True, False):
        def rendered_with(item, typesetter):
            return tuple(render_comment(text, RenderContext("c.yaml", 3, "", typesetter, html))
                         for text in item)

        alone = KatexEngine({}, tmp_path / f"alone-{html}", html=html)
        expected = [rendered_with(item, lambda f: alone.typeset(f, trusted=False))
                    for item in items]
        alone.close()
        engine = KatexEngine({}, tmp_path / f"batch-{html}", html=html)
        calls, renders = [], []
        run = engine._run
        engine._run = lambda batch, trusted: calls.append(batch) or run(batch, trusted)

        def render(item, typesetter):
            renders.append(item)
            return rendered_with(item, typesetter)

        assert engine.render_batch(items, render, trusted=False) == expected
        assert [p.line for pair in expected for r in pair for p in r.problems] == [3, 3]
        if not html:
            # rendering again finds every verdict (and the MathJax retry's) in the cache
            assert len(calls) == 1
            assert renders == items + [items[1], items[2]]
        engine.close()


def test_style_and_relative_links_need_trust_and_readers_get_none(tmp_path: Path):
    engine = KatexEngine({}, tmp_path)
    author = engine.typeset([("\\style{color:red}{x}", False), ("\\href{#eq-1}{(1)}", False)],
                            trusted=True)
    assert 'style="color:red"' in author[0].html and 'href="#eq-1"' in author[1].html
    reader = engine.typeset([("\\href{javascript:alert(1)}{x}", False),
                             ("\\style{color:red}{x}", False), ("\\href{#eq-1}{(1)}", False)],
                            trusted=False)
    assert all("href=" not in r.html and 'style="color:red"' not in r.html for r in reader)
    # KaTeX raises nothing for them: it shows their names in red, which the build tells
    assert [r.refused for r in author] == [(), ()]
    assert [r.refused for r in reader] == [("\\href",), ("\\htmlStyle",), ("\\href",)]
    assert engine.typeset([("\\href{https://x.org}{x}", False)], trusted=True)[0].refused == \
        ("\\href",)
    # an address without a valid scheme KaTeX refuses before asking: found all the same
    assert [r.refused for r in engine.typeset([("\\href{javascript&colon;alert(1)}{x}", False),
                                               ("\\href{1x:y}{x}", False)], trusted=True)] == \
        [("\\href",), ("\\href",)]
    engine.close()


@pytest.mark.parametrize("html", [False, True], ids=["client", "build"])
def test_a_command_katex_is_not_trusted_with_is_a_warning_where_it_is_written(tmp_path: Path, html):
    """A reader's `\\url{…}`, an author's link to another site: red names on the page,
    and no word from the build."""
    engine = KatexEngine({}, tmp_path, html=html)

    def rendered(trusted: bool, text: str):
        render, source = (render_post, "p.md") if trusted else (render_comment, "c.yaml")
        return engine.render_batch(
            [text], lambda item, typeset: render(item, RenderContext(source, 3, "", typeset, html)),
            trusted=trusted)[0]
    reader = rendered(False, "看 $\\url{https://x.org}$，$\\style{color:red}{x}$，$x$\n")
    assert [(p.path, p.line, p.warning) for p in reader.problems] == [("c.yaml", 3, True)] * 2
    assert reader.problems[0].message.startswith("KaTeX shows \\url as its name in red in "
                                                 "$\\url{https://x.org}$; a formula may link")
    assert reader.problems[1].message.startswith("KaTeX shows \\style as its name in red")
    author = rendered(True, "见 $\\href{https://x.org}{x}$ 与 $\\href{#a}{y}$ 与 $\\style{color:red}{z}$\n")
    assert [p.message.split(" in red")[0] for p in author.problems] == ["KaTeX shows \\href as its name"]
    engine.close()


def test_a_readers_reference_to_an_equation_shows_its_label_not_an_error(tmp_path: Path):
    """A comment is rendered apart from its post's numbering; one `$\\eqref{x}$` in it
    stopped the whole site's build. Authors' references are numbered (numbering.py)."""
    engine = KatexEngine({}, tmp_path, html=True)
    reader = engine.typeset([("\\eqref{eq:elbo}", False), ("x\\ref{b}", False)], trusted=False)
    assert [r.error for r in reader] == [None, None]
    assert "(eq:elbo)" in BeautifulSoup(reader[0].html, "html.parser").select_one(".katex-html").get_text()
    assert engine.typeset([("\\eqref{eq:elbo}", False)], trusted=True)[0].error is not None
    engine.close()


def test_a_corrupt_cache_file_is_replaced(tmp_path: Path):
    (tmp_path / "katex.sqlite").write_bytes(b"this is not a database" * 100)
    engine = KatexEngine({}, tmp_path)
    assert engine.typeset([("a^2", False)], trusted=True)[0].error is None
    engine.close()
    # replaced, not merely ignored: the answer is found there by the next engine
    again = KatexEngine({}, tmp_path)
    assert again.typeset([("a^2", False)], trusted=True)[0].error is None
    assert again._context is None  # no KaTeX started: a cache hit
    again.close()


def typeset_post(source: str, tmp_path: Path) -> tuple[list[str], tuple]:
    """(the TeX of each formula as the page carries it, the problems) of a post whose
    formulas KaTeX checked."""
    engine = KatexEngine({}, tmp_path)
    try:
        context = RenderContext("p.md", 1, "/p/", lambda f: engine.typeset(f, trusted=True))
        rendered = render_post(source, context)
    finally:
        engine.close()
    soup = BeautifulSoup(rendered.html, "html.parser")
    return [e.get_text() for e in soup.select(".math")], rendered.problems


def test_mathjax_habits_are_rewritten_only_when_katex_refuses_them(tmp_path: Path):
    assert mathjax_compatible(r"t_\max + Q^\vec{\mu} + \text{a_b & c}") == \
        r"t_{\max} + Q^{\vec{\mu}} + \text{a\_b \& c}"
    texts, problems = typeset_post("$t_\\max$ and $x_\\alpha$\n", tmp_path)
    assert texts == ["\\(t_{\\max}\\)", "\\(x_\\alpha\\)"] and problems == ()


def test_a_rewritten_definition_is_in_force_for_the_formulas_after_it(tmp_path: Path):
    r"""leovan-cn: `\renewcommand{\diag}` of a command KaTeX does not know (MathJax
    defines it), used by later formulas; a three-column `split` (MathJax lays it out)."""
    assert mathjax_compatible(r"\renewcommand{\diag}{d}\renewcommand\f[2]{#1#2}") == \
        r"\def\diag{d}\def\f#1#2{#1#2}"
    assert mathjax_compatible(r"\begin{split}&a&b\end{split}") == r"\begin{aligned}&a&b\end{aligned}"
    # LaTeX's, which KaTeX lacks; \newcommand of what is defined (KaTeX has \R itself)
    assert mathjax_compatible(r"\newcommand{\R}{\mathbb{R}}\mbox{if }\DeclareMathOperator*{\am}{arg\,max}") \
        == r"\def\R{\mathbb{R}}\text{if }\def\am{\operatorname*{arg\,max}}"
    texts, problems = typeset_post("$\\renewcommand{\\diag}{\\operatorname{diag}}$ 然后 $a$ 与 "
                                   "$\\diag(x)$\n\n$$\\begin{split}&a, &b\\end{split}$$\n", tmp_path)
    assert problems == ()
    # (made global too: a later formula was refused for it)
    assert texts == ["\\(\\gdef\\diag{\\operatorname{diag}}\\)", "\\(a\\)", "\\(\\diag(x)\\)",
                     "\\[\\begin{aligned}&a, &b\\end{aligned}\\]"]


def test_mathjax_loading_an_extension_and_amsmath_spacing_display(tmp_path: Path):
    r"""`\require{cancel}` loads a MathJax extension (KaTeX has \cancel built in: the
    loading goes); amsmath's `\mspace` is KaTeX's `\mskip`. Both stopped the build."""
    assert mathjax_compatible(r"\require{cancel}\cancel{x} + \require {color} a\mspace{3mu}b") \
        == r"\cancel{x} +  a\mskip{3mu}b"
    texts, problems = typeset_post("$\\require{cancel}\\cancel{x}$ 与\n\n"
                                   "$$\\int_0^1 f(x)\\mspace{3mu}\\mathrm{d}x$$\n", tmp_path)
    assert problems == ()
    assert texts == ["\\(\\cancel{x}\\)", "\\[\\int_0^1 f(x)\\mskip{3mu}\\mathrm{d}x\\]"]


def test_a_mathjax_command_katex_lacks_is_reported_with_what_to_write_instead(tmp_path: Path):
    engine = KatexEngine({}, tmp_path)
    context = RenderContext("p.md", 1, "/p/", lambda f: engine.typeset(f, trusted=True))
    problems = [p.message for p in render_post(
        "$\\bbox[yellow]{x}$ 与 $\\ce{H2O}$ 与 $\\nosuchcommand$\n", context).problems]
    engine.close()
    assert problems[0].endswith("in $\\bbox[yellow]{x}$ (\\bbox is MathJax's; KaTeX boxes with "
                                "\\boxed{…}, \\colorbox{yellow}{$…$} or "
                                "\\fcolorbox{red}{yellow}{$…$})")
    assert "(\\ce is mhchem's, which blogbuild does not load" in problems[1]
    assert problems[2].endswith("in $\\nosuchcommand$")


def test_after_a_rewrite_every_formula_is_judged_in_the_new_context(tmp_path: Path):
    """The rewritten first formula now defines \\Ex, so the second, accepted while the
    first was refused, redefines it: refused now, so rewritten in turn (MathJax allows
    it); what the page carries is what KaTeX accepted. And in build mode the third is
    drawn with \\vec as the rewrite redefined it."""
    assert checked("$$\\renewcommand{\\norm}[1]{|#1|}\\newcommand{\\Ex}{E}$$\n\n"
                   "$$\\newcommand{\\Ex}{E}\\Ex[x]$$\n", tmp_path / "check") == (
        (), ["\\[\\def\\norm#1{|#1|}\\def\\Ex{E}\\]", "\\[\\def\\Ex{E}\\Ex[x]\\]"])
    engine = KatexEngine({}, tmp_path / "build", html=True)
    context = RenderContext("p.md", 1, "/p/", lambda f: engine.typeset(f, trusted=True),
                            katex_html=True)
    source = "$\\renewcommand{\\diag}{d}\\renewcommand{\\vec}[1]{\\mathbf{#1}}$ 与 $\\vec{x}$\n"
    rendered = render_post(source, context)
    assert rendered.problems == ()
    drawn = BeautifulSoup(rendered.html, "html.parser").select(".math")[1]
    assert drawn.select_one(".mathbf") and not drawn.select_one(".accent")
    engine.close()


def test_broken_formulas_are_problems_with_their_own_lines(tmp_path: Path):
    engine = KatexEngine({}, tmp_path)
    context = RenderContext("content/posts/p.md", 10, "/p/",
                            lambda f: engine.typeset(f, trusted=True))
    source = "好 $a$\n坏 $\\frac{1}$ 与\n$\\undefinedcommand$\n\n$$\n\\begin{matrix}\n$$\n"
    problems = [str(p) for p in render_post(source, context).problems]
    assert [p.split(": KaTeX:")[0] for p in problems] == [
        "content/posts/p.md:11", "content/posts/p.md:12", "content/posts/p.md:14"]
    assert "\\undefinedcommand" in problems[1]
    engine.close()


def test_build_mode_writes_katex_html_and_keeps_tex_for_feeds(tmp_path: Path):
    engine = KatexEngine({}, tmp_path)
    context = RenderContext("p.md", 1, "/p/", lambda f: engine.typeset(f, trusted=True),
                            katex_html=True)
    rendered = render_post("\\begin{equation}e^{i\\pi}=-1\\label{e}\\end{equation}\n\n见 $\\eqref{e}$\n",
                           context)
    soup = BeautifulSoup(rendered.html, "html.parser")
    assert soup.select_one("div.math.display#eq-1 .katex-display .katex-tag").get_text().strip("\u200b") == "(1)"
    assert soup.select_one(".math.inline .katex a")["href"] == "#eq-1"
    tex = BeautifulSoup(rendered.tex_html, "html.parser")
    assert tex.select_one("div.math.display").get_text().startswith("\\[\\begin{equation*}")
    engine.close()


def test_build_mode_typesets_each_multline_row_and_reports_a_broken_row(tmp_path: Path):
    engine = KatexEngine({}, tmp_path)
    context = RenderContext("p.md", 1, "/p/", lambda f: engine.typeset(f, trusted=True),
                            katex_html=True)
    rendered = render_post("\\begin{multline}a+b\\\\\nc\\\\\nd\\end{multline}\n", context)
    rows = BeautifulSoup(rendered.html, "html.parser").select("div.multline#eq-1 > .math.display")
    assert [row.select_one(".katex-mathml annotation").get_text() for row in rows] == [
        "a+b", "c", "d \\tag{1}"]
    assert [bool(row.select(".katex-tag")) for row in rows] == [False, False, True]
    broken = render_post("x\n\n\\begin{multline}a\\\\\\frac{b\\\\c\\end{multline}\n", context)
    assert [str(p).split(": KaTeX:")[0] for p in broken.problems] == ["p.md:3"]
    engine.close()


def test_comment_formulas_are_checked_without_trust(tmp_path: Path):
    engine = KatexEngine({}, tmp_path)
    context = RenderContext("content/comments/p.yaml", 7, "",
                            lambda f: engine.typeset(f, trusted=False))
    rendered = render_comment("我觉得 $\\frac{1}{2$ 不对", context)
    assert [str(p).split(": KaTeX")[0] for p in rendered.problems] == ["content/comments/p.yaml:7"]
    engine.close()


def test_a_sidebar_extract_gets_the_mathjax_habit_retry_in_both_modes(tmp_path: Path):
    """The sidebar's comment extracts are typeset like the comments: `t_\\max`, which
    KaTeX refuses as written, renders after the MathJax-habit rewrite. In client mode
    the extract carries the rewritten TeX, as the comment does (it carried `t_\\max`,
    and the browser's KaTeX showed an error in the sidebar of every page)."""
    from blogbuild.build import inline_math_renderer

    build_engine = KatexEngine({}, tmp_path / "build")
    html = inline_math_renderer(build_engine)("t_\\max")
    assert 'class="katex"' in html and "\\(" not in html
    build_engine.close()
    client_engine = KatexEngine({}, tmp_path / "client", html=False)
    client = inline_math_renderer(client_engine)
    assert client("t_\\max") == "\\(t_{\\max}\\)"
    assert client("\\beta", before=["\\newcommand{\\beta}{X}"]) == "\\(\\beta\\)"
    assert client("\\newcommand{\\beta}{X}\\beta") == "\\(\\def\\beta{X}\\beta\\)"
    client_engine.close()


def test_a_sidebar_extract_in_build_mode_keeps_the_definitions_of_its_comment(tmp_path: Path):
    """A reader's `\\newcommand` is in force for the later formulas of the same comment,
    in its extract too (each formula typeset alone showed `\\(\\int f\\Dif x\\)` raw)."""
    from dataclasses import replace

    from blogbuild.build import inline_math_renderer
    from blogbuild.config import SiteConfig
    from blogbuild.labels import labels_for
    from blogbuild.site import comment_extract

    engine = KatexEngine({}, tmp_path, html=True)
    config = SiteConfig(title="t", base_url="https://example.org/")
    config = replace(config, math=replace(config.math, render="build"))
    extract = comment_extract("记 $\\newcommand{\\Dif}{\\mathrm{d}}\\Dif$，则 $\\int f\\Dif x$",
                              inline_math_renderer(engine), labels_for(config.language))
    assert extract.count('class="katex"') == 2 and "\\(" not in extract
    engine.close()


def test_latex_definitions_katex_refuses_as_written_reach_the_page_as_it_accepts_them(tmp_path: Path):
    """\\newcommand{\\R} (KaTeX defines \\R itself; MathJax does not), repeated in a later
    formula, \\DeclareMathOperator and \\mbox: LaTeX and MathJax take them."""
    assert checked("设 $\\newcommand{\\R}{\\mathbb{R}}\\R^n$，$\\DeclareMathOperator{\\tr}{tr}\\tr A$，"
                   "$\\mbox{若 } x>0$，再写 $\\newcommand{\\R}{\\mathbb{R}}\\R$。\n", tmp_path) == (
        (), ["\\(\\def\\R{\\mathbb{R}}\\R^n\\)", "\\(\\def\\tr{\\operatorname{tr}}\\tr A\\)",
             "\\(\\text{若 } x>0\\)", "\\(\\def\\R{\\mathbb{R}}\\R\\)"])


def test_a_refusal_is_told_in_the_authors_tex_not_in_the_numbered_one(tmp_path: Path):
    """KaTeX quotes and counts in the TeX it gets: `\\tag{1}` added, `align*`, a
    reference made a link. Where that is not what the author wrote, its position and
    quote are left out (the message quotes the formula as written); where it is, they
    stay."""
    problems, _ = checked("\\begin{equation}a + \\bad x\\label{e}\\end{equation}\n\n"
                          "$$\\begin{align}a &= \\foo \\\\ b\\end{align}$$\n\n"
                          "见 $\\eqref{e} + \\bad$ 与 $\\bad y$。\n\n"
                          "\\begin{equation}\\frac{a}{\\end{equation}\n", tmp_path)
    assert [p.message for p in problems] == [
        "KaTeX: Undefined control sequence: \\bad in "
        "$$\\begin{equation}a + \\bad x\\label{e}\\end{equation}$$",
        "KaTeX: Undefined control sequence: \\foo in $$\\begin{align}a &= \\foo \\\\ b\\end{align}$$",
        "KaTeX: Undefined control sequence: \\bad in $\\eqref{e} + \\bad$",
        "KaTeX: Undefined control sequence: \\bad at position 1: \\bad y in $\\bad y$",
        "KaTeX: Unexpected end of input in a macro argument, expected '}' in "
        "$$\\begin{equation}\\frac{a}{\\end{equation}$$"]


def checked(source: str, cache: Path) -> tuple[tuple, list[str]]:
    """A post's problems and the TeX its formulas carry to the page, each checked by KaTeX."""
    engine = KatexEngine({}, cache)
    try:
        rendered = render_post(source, RenderContext("p.md", 1, "/p/",
                                                     lambda f: engine.typeset(f, trusted=True)))
    finally:
        engine.close()
    return rendered.problems, [e.get_text() for e in
                               BeautifulSoup(rendered.html, "html.parser").select(".math")]


def test_build_mode_draws_a_formula_after_a_redefinition_with_the_new_macro(tmp_path: Path):
    """The same TeX before and after `\\def` changes what it means, as in the browser."""
    engine = KatexEngine({}, tmp_path, html=True)
    context = RenderContext("p.md", 1, "/p/", lambda f: engine.typeset(f, trusted=True),
                            katex_html=True)
    source = ("A $\\def\\v{\\mathbf{v}}$ $\\v$.\n\n<!--more-->\n\n"
              "B $\\def\\v{\\vec{v}}$ $\\v$, and once more $\\v$.\n")
    rendered = render_post(source, context)
    engine.close()
    assert rendered.problems == ()
    drawn = [e for e in BeautifulSoup(rendered.html, "html.parser").select(".math")
             if e.select_one(".katex-html").get_text().strip()]  # the \def formulas draw nothing
    assert ["mathbf" in str(e) for e in drawn] == [True, False, False]
    assert ["accent" in str(e) for e in drawn] == [False, True, True]
    excerpt = BeautifulSoup(rendered.excerpt_html, "html.parser").select(".math .mathbf")
    assert len(excerpt) == 1


def test_html_escapes_in_a_formula_are_the_characters_they_stand_for(tmp_path: Path):
    """WordPress exports write `<` in a formula as `&lt;`; MathJax saw it decoded."""
    assert checked("当 $a &lt; b$ 且 $c&gt;d$ 时，\\begin{cases} 1 &amp; x &lt; 0 \\end{cases}\n",
                   tmp_path) == ((), ["\\(a < b\\)", "\\(c>d\\)",
                                      "\\[\\begin{cases} 1 & x < 0 \\end{cases}\\]"])


def test_a_command_defined_inside_an_environment_holds_for_the_formulas_after_it(
        tmp_path: Path):
    r"""MathJax's `\newcommand` holds to the end of the page; KaTeX's to the end of the
    environment it is in, and `$\dd y$` after it was refused. The definition is made
    global (in the page's TeX too, for the browser's KaTeX); one that nothing after it
    needs stays as written."""
    texts, problems = typeset_post(
        "\\begin{equation}\\newcommand{\\dd}[1]{\\mathrm{d}#1} \\def\\e{e} a\\end{equation}\n\n"
        "其中 $\\dd y$，而 $\\begin{aligned}\\newcommand{\\kk}{k}\\kk\\end{aligned}$ 不影响。\n",
        tmp_path)
    assert problems == ()
    assert texts == ["\\[\\begin{equation*}\\gdef\\dd#1{\\mathrm{d}#1} \\gdef\\e{e} a "
                     "\\tag{1}\\end{equation*}\\]", "\\(\\dd y\\)",
                     "\\(\\begin{aligned}\\newcommand{\\kk}{k}\\kk\\end{aligned}\\)"]


def test_a_command_defined_in_one_row_of_an_align_holds_in_its_later_rows(tmp_path: Path):
    """KaTeX's rows are groups: a \\newcommand in row 2 was undefined in row 3 and after."""
    texts, problems = typeset_post("\\begin{align}a &= 1 \\\\ \\newcommand{\\rr}{\\rho} b &= 2 "
                                   "\\\\ c &= \\rr\\end{align}\n\n然后 $\\rr$。\n", tmp_path)
    assert problems == ()
    assert "\\gdef\\rr{\\rho}" in texts[0] and texts[1] == "\\(\\rr\\)"
