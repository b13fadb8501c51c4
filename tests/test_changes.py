"""The change classifier: file-system events → what the dev server rebuilds."""

from __future__ import annotations

from pathlib import Path

import pytest

from blogbuild.changes import FileEvent, RebuildPlan, classify

SITE = Path("/home/author/blog")


def event(kind: str, path: str, dest: str | None = None, directory: bool = False) -> FileEvent:
    return FileEvent(kind, str(SITE / path), str(SITE / dest) if dest else None, directory)


def test_an_in_place_save_of_a_post_rebuilds_that_post():
    plan = classify([event("modified", "content/posts/2024/a.md"),
                     event("closed", "content/posts/2024/a.md")], SITE)
    assert plan == RebuildPlan(content=frozenset({"content/posts/2024/a.md"}))


def test_a_temporary_file_renamed_over_a_post_is_a_change_of_that_post():
    plan = classify([event("created", "content/posts/.a.md.tmp"),
                     event("modified", "content/posts/.a.md.tmp"),
                     event("moved", "content/posts/.a.md.tmp", "content/posts/a.md")], SITE)
    assert plan.content == {"content/posts/a.md"}
    assert not plan.config and not plan.templates and not plan.static


def test_delete_then_create_is_one_change_of_the_post():
    plan = classify([event("deleted", "content/posts/a.md"),
                     event("created", "content/posts/a.md")], SITE)
    assert plan.content == {"content/posts/a.md"}


def test_vim_backup_swap_and_probe_files_are_ignored():
    # vim with `backupcopy=no`: writes 4913, renames the post to post.md~, writes, deletes
    events = [event("created", "content/posts/4913"), event("deleted", "content/posts/4913"),
              event("created", "content/posts/.a.md.swp"),
              event("modified", "content/posts/.a.md.swx"),
              event("moved", "content/posts/a.md", "content/posts/a.md~"),
              event("created", "content/posts/a.md"),
              event("deleted", "content/posts/a.md~")]
    assert classify(events, SITE).content == {"content/posts/a.md"}


def test_emacs_lock_and_autosave_files_change_nothing():
    events = [event("created", "content/posts/.#a.md"), event("created", "templates/#base.html#"),
              event("modified", "static/css/site.css~")]
    assert not classify(events, SITE)


def test_a_temporary_file_changes_nothing_but_in_static_where_it_is_copied():
    assert not classify([event("created", "content/posts/a.md.bak"),
                         event("created", "templates/base.html.orig")], SITE)
    assert classify([event("created", "static/data/old.bak")], SITE) == \
        RebuildPlan(static=frozenset({"data/old.bak"}))


@pytest.mark.parametrize("name", ["a.md~", ".#a.md", "#a.md#", ".a.md.swp", ".a.md.swo", "4913",
                                  "a.md.tmp", "a.md___jb_tmp___", ".DS_Store"])
def test_editor_litter_is_recognised(name):
    """Saved beside a template (or a post), it rebuilds nothing."""
    assert not classify([event("modified", f"templates/{name}")], SITE)


@pytest.mark.parametrize("name", ["a.md", "2024-01-02-swap.md", "4913.md", "notes.yaml"])
def test_real_files_are_not_litter(name):
    assert classify([event("modified", f"templates/{name}")], SITE) == RebuildPlan(templates=True)


def test_a_template_change_re_renders_without_re_reading_content():
    plan = classify([event("modified", "templates/post.html")], SITE)
    assert plan == RebuildPlan(templates=True)


def test_a_static_file_is_copied_by_its_path_below_static():
    plan = classify([event("modified", "static/css/site.css"),
                     event("deleted", "static/img/old.png")], SITE)
    assert plan == RebuildPlan(static=frozenset({"css/site.css", "img/old.png"}))


def test_the_sites_icon_renders_every_page_again_as_a_template_does():
    plan = classify([event("created", "static/favicon.svg")], SITE)
    assert plan == RebuildPlan(static=frozenset({"favicon.svg"}), templates=True)
    assert not classify([event("created", "static/img/favicon.svg")], SITE).templates


def test_site_toml_means_a_full_rebuild():
    plan = classify([event("modified", "site.toml"), event("modified", "content/posts/a.md")],
                    SITE)
    assert plan.config
    assert plan.describe() == "site.toml"


def test_a_watched_folder_made_while_serving_rebuilds_everything_and_says_so():
    plan = classify([event("created", "templates", directory=True)], SITE)
    assert plan.config and plan.describe() == "templates/ (a new or removed folder)"


def test_a_comment_file_is_content():
    plan = classify([event("modified", "content/comments/diffusion-21.yaml")], SITE)
    assert plan.content == {"content/comments/diffusion-21.yaml"}


def test_files_the_loader_does_not_read_change_nothing():
    events = [event("created", "content/posts/notes.txt"), event("modified", "dist/index.html"),
              event("modified", ".blogbuild-cache/katex.sqlite"), event("modified", "README.md"),
              event("modified", "/elsewhere/site.toml")]
    assert not classify(events, SITE)


def test_renaming_a_post_away_from_md_deletes_it():
    plan = classify([event("moved", "content/posts/a.md", "content/posts/a.md.txt")], SITE)
    assert plan.content == {"content/posts/a.md"}


def test_a_moved_folder_of_posts_is_a_content_change():
    plan = classify([event("moved", "content/posts/2023", "content/posts/old", directory=True)],
                    SITE)
    assert plan.content == {"content/posts/2023", "content/posts/old"}


def test_folder_modified_events_are_ignored_the_entries_say_what_changed():
    assert not classify([event("modified", "content/posts", directory=True)], SITE)


def test_a_watched_folder_appearing_means_a_full_rebuild():
    assert classify([event("created", "templates", directory=True)], SITE).config


def test_opened_and_attribute_events_change_nothing():
    assert not classify([event("opened", "content/posts/a.md"),
                         event("closed_no_write", "content/posts/a.md"),
                         event("attrib", "content/posts/a.md")], SITE)


def test_plans_describe_what_changed_in_one_line():
    plan = RebuildPlan(content=frozenset({"content/posts/a.md"}), templates=True,
                       static=frozenset({"css/x.css", "a.png"}))
    assert plan.describe() == "content/posts/a.md, templates, static/a.png and 1 more"
