"""Which post each comments file belongs to: content/comments/<slug>.yaml is read for
the post of that slug (comments.py parses it). A file that names no post is an
error, with a guess at the post it was meant for (a post whose slug changed), and its
comments are checked all the same.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from .comments import Comment, RejectedComment, check_comment_ids, parse_comments
from .config import SiteConfig
from .contentcache import ContentCache
from .problems import Problem, relative_name, swapped


def load_comment_files(files: list[Path], site_dir: Path, config: SiteConfig,
                       slugs: dict[str, str], draft_slugs: set[str], page_slugs: set[str],
                       problems: list[Problem], cache: ContentCache
                       ) -> tuple[tuple[Comment, ...], tuple[Comment, ...]]:
    """Read the comments `files` for the posts that are built (`slugs`: each one's slug
    → the slug its file name gives, content._file_slug): their comments, and those of
    files that name no post (Content.unowned). Drafts' (`draft_slugs`) stay hidden with
    them; `page_slugs` name pages, which show no comments."""
    comments: list[Comment] = []
    rejected: list[RejectedComment] = []
    # a file left behind by a renamed post belongs to a post without comments: one that
    # has its own file is no likely owner. The likeliest is the post whose `slug:`
    # changed while its file name did not (diffusion-3.md, now `slug: diffusion-three`)
    uncommented = slugs.keys() - {path.stem for path in files}
    renamed = {named: slug for slug, named in slugs.items() if named != slug and slug in uncommented}
    commented = {path.stem: path for path in files if path.stem in slugs}

    def owner(stem: str) -> str:
        if stem in renamed:
            return f" (did you mean `{renamed[stem]}`?)"
        # two letters swapped in the name of a post that has its file (diffusoin-1): a
        # slip of the keys, not a renamed post's file, which a digit apart often is
        if slipped := next((slug for slug in sorted(commented) if swapped(stem, slug)), None):
            return f" (did you mean `{slipped}`? its comments are in " \
                f"{relative_name(commented[slipped], site_dir)}: merge the two files)"
        # else a guess by name, which may be wrong: one, or the likely ones to choose from
        alike = difflib.get_close_matches(stem, sorted(uncommented), n=3, cutoff=0.7)
        if len(alike) == 1:
            return f" (did you mean `{alike[0]}`?)"
        return f" (posts without comments named like it: {', '.join(f'`{s}`' for s in alike)})" \
            if alike else ""
    # the comments of a file that names no post: an error, and they are checked all
    # the same, so that naming the file right reveals nothing more
    unowned: list[Comment] = []
    unowned_rejected: list[RejectedComment] = []
    for path in files:
        source = relative_name(path, site_dir)
        into, rejected_into = comments, rejected
        if path.stem not in slugs:
            # a draft's comments stay hidden with it; any other file names no post: its
            # comments would vanish from the site unnoticed (a post's slug changed)
            if path.stem in page_slugs:
                problems.append(Problem(source, 0, f"{path.stem!r} is a standalone page, and "
                                        "pages show no comments: move them to a post (name the "
                                        "file after its slug), or remove the file"))
            elif path.stem not in draft_slugs:
                problems.append(Problem(source, 0, f"no post has the slug {path.stem!r}"
                                        f"{owner(path.stem)}: these comments "
                                        "would be left out; name the file after its post's "
                                        "slug (its `slug:`, else its file name), or remove it"))
            else:
                continue
            into, rejected_into = unowned, unowned_rejected
        text = cache.text(path, site_dir, problems)
        if text is not None:
            parsed, left_out = cache.parse(
                ("comments", source, text, path.stem),
                lambda found, s=source, t=text, slug=path.stem: parse_comments(
                    s, t, slug, config, found), problems)
            into.extend(parsed)
            rejected_into.extend(left_out)
    check_comment_ids(comments, problems, rejected)
    # on their own: such a file is often a post's old one, beside its new copy
    check_comment_ids(unowned, problems, unowned_rejected)
    return (tuple(sorted(comments, key=lambda c: (c.date, c.id))),
            tuple(sorted(unowned, key=lambda c: (c.source, c.line))))


