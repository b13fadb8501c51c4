"""Archived reader comments: `content/comments/<post slug>.yaml` → `Comment` records.

A pure parser of (path, text), and the checks that need every comment of the site
(unique ids, parents on the same post). Loading the files is content.py's job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import yaml

from .config import SiteConfig
from .frontmatter import (YamlError, date_field, keep_as_written, load_yaml, mapping_key_lines,
                          name_field, text_field)
from .problems import Problem, described


@dataclass(frozen=True)
class Comment:
    """One archived reader comment. Its `author`, `url` and `body` are untrusted."""

    id: int
    post_slug: str
    author: str
    date: datetime
    body: str
    """Markdown written by a reader."""
    source: str
    line: int
    """1-based line of this comment's entry in `source`."""
    body_line: int = 0
    """1-based line where the body's text starts in `source`."""
    url: str | None = None
    parent: int | None = None
    """Id of the comment this one replies to."""
    parent_line: int = 0
    """1-based line of `parent:` in `source` (0 without one)."""


@dataclass(frozen=True)
class RejectedComment:
    """A comment left out for a mistake already reported (a wrong date, say) that has a
    whole-number id all the same: another comment may use that id too, or reply to it,
    and is told what it would be told if the comment were there."""

    id: int
    post_slug: str
    source: str
    line: int


COMMENT_KEYS = frozenset({"id", "author", "url", "date", "parent", "body"})
COMMENT_TEXT_KEYS = frozenset({"author", "url", "body"})
"""Keys whose values are text, whatever YAML 1.1 would make of them."""


def parse_comments(source: str, text: str, post_slug: str, config: SiteConfig,
                   problems: list[Problem]) -> tuple[list[Comment], list[RejectedComment]]:
    """Parse one comments file: a YAML list of comments for the post `post_slug`. The
    comments left out for their problems are returned too, where they have an id."""
    try:
        value, node, faults = load_yaml(text)
    except YamlError as error:
        problems.append(Problem(source, error.line, str(error)))
        return [], []
    # errors, but the comments are read all the same: what else is wrong is found too
    problems += [Problem(source, fault.line, str(fault)) for fault in faults]
    if value is None:
        return [], []
    if not isinstance(value, list) or not isinstance(node, yaml.SequenceNode):
        problems.append(Problem(source, 1, "a comments file is a YAML list: each comment "
                                "starts with `- id: ...`"))
        return [], []
    comments, rejected = [], []
    for item, item_node in zip(value, node.value):
        line = item_node.start_mark.line + 1
        if not isinstance(item, dict) or not isinstance(item_node, yaml.MappingNode):
            problems.append(Problem(source, line, "a comment must be `key: value` lines "
                                    "(id, author, date, body, optional url and parent)"))
            continue
        lines = mapping_key_lines(item_node)
        # a reader named `yes`, or who wrote only `666`: text, as the archive shows it
        keep_as_written(item, item_node, COMMENT_TEXT_KEYS)
        found: list[Problem] = []

        def report(key: str, message: str) -> None:
            found.append(Problem(source, lines.get(key, line), message))

        ident, parent = item.get("id"), item.get("parent")
        if ident is None:
            report("id", "missing `id:` in this comment; give each comment a whole number of "
                         "its own, e.g. `id: 12`")
        elif isinstance(ident, bool) or not isinstance(ident, int):
            report("id", f"comment `id` must be a whole number, not {described(ident)}")
        if parent is not None and (isinstance(parent, bool) or not isinstance(parent, int)):
            report("parent", f"`parent` must be the id of another comment, not "
                             f"{described(parent)}")
        author = name_field(item, "author", report, required=True, where="this comment")
        date = date_field(item, "date", config.zone, report, required=True)
        body = item.get("body")
        if not isinstance(body, str):
            report("body", "comment `body` must be text; use `body: |` and indent the text")
        url = text_field(item, "url", report)
        for key in sorted(set(map(str, item)) - COMMENT_KEYS):
            report(key, f"unknown comment key `{key}`; known: {', '.join(sorted(COMMENT_KEYS))}")
        problems.extend(found)
        if not found and author is not None and date is not None:
            comments.append(Comment(id=ident, post_slug=post_slug, author=author, date=date,
                                    body=body, source=source, line=line, url=url,
                                    parent=parent, body_line=_value_line(item_node, "body"),
                                    parent_line=lines.get("parent", 0)))
        elif isinstance(ident, int) and not isinstance(ident, bool):
            rejected.append(RejectedComment(ident, post_slug, source, line))
    return comments, rejected


def _value_line(node: yaml.MappingNode, key: str) -> int:
    """1-based line where the text of `key`'s value starts (after `|` or `>`)."""
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            block = isinstance(value_node, yaml.ScalarNode) and value_node.style in ("|", ">")
            return value_node.start_mark.line + 1 + (1 if block else 0)
    return node.start_mark.line + 1


def check_comment_ids(comments: list[Comment], problems: list[Problem],
                      rejected: Sequence[RejectedComment] = ()) -> None:
    """Ids are unique site-wide (they are page anchors); parents exist on the same post.
    The `rejected` comments count as there: their problems are reported already, and
    mending those must not bring out more."""
    by_id: dict[int, Comment] = {}
    known: dict[int, Comment | RejectedComment] = {}
    for comment in sorted([*comments, *rejected], key=lambda c: (c.source, c.line)):
        if (other := known.get(comment.id)) is not None:
            problems.append(Problem(comment.source, comment.line, f"comment id {comment.id} "
                                    f"is also used at {other.source}:{other.line}; ids must "
                                    "be unique"))
            continue
        known[comment.id] = comment
        if isinstance(comment, Comment):
            by_id[comment.id] = comment
    for comment in comments:
        if comment.parent is None:
            continue
        parent = known.get(comment.parent)
        if parent is None:
            where = "which is not in this file"
        elif parent.post_slug != comment.post_slug:
            where = f"which is at {parent.source}:{parent.line}, on another post"
        else:
            continue
        problems.append(Problem(comment.source, comment.parent_line or comment.line,
                                f"comment {comment.id} replies to comment {comment.parent}, "
                                f"{where}; a reply must be in its parent's file: fix `parent` "
                                "or remove it"))
    problems.extend(_reply_circles(by_id))


def _reply_circles(by_id: dict[int, Comment]) -> list[Problem]:
    """A comment that replies to itself, or comments that reply to one another in a
    circle, belong nowhere in a thread: each circle is reported once, at its first line."""
    problems: list[Problem] = []
    settled: set[int] = set()  # comments whose chain of parents ends at a top-level one
    for start in by_id.values():
        chain: dict[int, Comment] = {}  # in order, up from `start`
        comment: Comment | None = start
        while comment is not None and comment.id not in settled and comment.id not in chain:
            chain[comment.id] = comment
            comment = by_id.get(comment.parent) if comment.parent is not None else None
        if comment is not None and comment.id in chain:
            circle = list(chain.values())[list(chain).index(comment.id):]
            first = min(circle, key=lambda c: (c.source, c.line))
            what = f"comment {first.id} replies to itself" if len(circle) == 1 else \
                "comments " + ", ".join(str(c.id) for c in circle) + \
                " reply to one another in a circle"
            them = "it" if len(circle) == 1 else "them"
            problems.append(Problem(first.source, first.line, f"{what}, so no thread can show "
                                    f"{them}; fix `parent` (or remove it: a reply to the post)"))
        settled.update(chain)
    return problems
