"""Page digests (pagedeps.py): equal contexts give equal digests, any difference a
different one, and what cannot be digested is refused rather than skipped."""

from dataclasses import dataclass, replace
from datetime import datetime, timezone

import pytest

from blogbuild.archive import PostLink
from blogbuild.pagedeps import PageDigester


@dataclass(frozen=True)
class Box:
    items: tuple
    note: str


LINK = PostLink("a", "archives/a/", "甲", datetime(2024, 1, 1, tzinfo=timezone.utc))


def digest(*contexts, template="post.html", salt="s") -> str:
    return PageDigester(salt).page(template, *contexts)


def test_equal_contexts_give_equal_digests_built_separately():
    one = {"entry": Box((LINK, 1, None, 2.5, True), "x"), "title": "t", "when": LINK.date}
    two = {"entry": Box((replace(LINK), 1, None, 2.5, True), "x"), "title": "t",
           "when": LINK.date}
    assert digest(one) == digest(two)


@pytest.mark.parametrize("change", [
    lambda c: {**c, "title": "u"},
    lambda c: {**c, "entry": Box(c["entry"].items, "y")},
    lambda c: {**c, "entry": Box((replace(LINK, title_html="乙"),), "x")},
    lambda c: {**c, "entry": Box((LINK, LINK), "x")},
    lambda c: {**c, "extra": None},
    lambda c: {"entry": c["title"], "title": c["entry"]},
])
def test_any_difference_gives_another_digest(change):
    context = {"entry": Box((LINK,), "x"), "title": "t"}
    assert digest(change(context)) != digest(context)


def test_template_and_salt_are_part_of_the_digest():
    context = {"title": "t"}
    assert len({digest(context), digest(context, template="page.html"),
                digest(context, salt="other")}) == 3


def test_long_shared_tuples_and_records_are_digested_once_but_correctly():
    shared = tuple(replace(LINK, slug=str(n)) for n in range(20))
    digester = PageDigester("s")
    first = digester.page("t", {"posts": shared})
    assert digester._known[id(shared)][0] is shared  # remembered by identity
    assert digester.page("t", {"posts": shared}) == first
    assert digester.page("t", {"posts": shared[:-1] + (LINK,)}) != first


def test_long_texts_are_digested_once_by_identity_but_by_value():
    html = "<p>长文</p>" * 1000
    digester = PageDigester("s")
    first = digester.page("post.html", {"html": html, "feed_html": html})
    assert digester._known[id(html)][0] is html
    assert digest({"html": html, "feed_html": "".join(list(html))}) == first
    assert digest({"html": html, "feed_html": html[:-1] + "!"}) != first
    assert digest({"html": html, "feed_html": html, "note": ""}) != first


def test_a_value_it_cannot_digest_is_an_error_not_a_miss():
    with pytest.raises(TypeError, match="cannot digest"):
        digest({"callback": print})


def test_a_vouched_record_is_digested_by_its_origin_a_copy_by_its_fields():
    """A post parsed from a file is digested by what it was parsed from (its origin),
    not by its text; an equal record the loader did not vouch for, by its fields."""
    vouched = PageDigester("s", [(LINK, "file-1")])
    by_origin = vouched.page("t", {"post": LINK})
    assert PageDigester("s", [(LINK, "file-1")]).page("t", {"post": LINK}) == by_origin
    assert PageDigester("s", [(LINK, "file-2")]).page("t", {"post": LINK}) != by_origin
    changed = replace(LINK, title_html="乙")  # a new object: its own fields count
    assert vouched.page("t", {"post": changed}) == digest({"post": changed}, template="t")
    assert PageDigester("s", [(changed, "file-1")]).page("t", {"post": changed}) == by_origin
