"""The preview's rebuild loop: every rebuild equals a clean build and re-parses only changes."""

from __future__ import annotations

import gc
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import article, tree, write_files

from generator.config import apply_overrides, load_config
from generator.dev.events import Hub
from generator.dev.loop import DevLoop
from generator.pipeline.build import BuildOptions, build
from generator.processes import collector_paused

ARTICLE_TEMPLATE = """\
{% extends "base.html" %}
{% block title %}{{ article.title }}{% endblock %}
{% block content %}
<h1>{{ article.title }}</h1>
{{ article.content }}
{% endblock %}
"""
LOCAL_THEME = {
    "themes/local/theme.yaml": "parent: default\n",
    "themes/local/templates/article.html": ARTICLE_TEMPLATE,
    "themes/local/static/css/extra.css": "body { color: black; }\n",
}
SITE_YAML = """\
title: Test Gazette
base_url: https://example.org/
timezone: Asia/Baku
per_page: 2
theme: local
"""


def small_site() -> dict[str, str]:
    return {
        "content/articles/alpha.md": article("Alpha", "2024-02-01 10:00", tags="[Politics, Baku]"),
        "content/articles/beta.md": article("Beta", "2024-02-02 10:00", tags="[Politics]"),
        "content/articles/gamma.md": article("Gamma", "2024-02-03 10:00", tags="[Sport]"),
        "content/articles/delta.md": article("Delta", "2024-02-04 10:00", draft="true"),
        "content/pages/about.md": "---\ntitle: About\n---\nWho we are.\n",
        **LOCAL_THEME,
    }


def clean_build(loop: DevLoop, folder: Path) -> dict[str, bytes]:
    """Return the files of a clean build of the loop's site, with the loop's settings."""
    config = apply_overrides(loop.load(), output_dir=folder)
    build(config, replace(loop.options, use_cache=False))
    return tree(folder)


@pytest.fixture
def site(make_site) -> Path:
    return make_site(small_site(), SITE_YAML)


@pytest.fixture
def loop(site: Path, tmp_path_factory) -> DevLoop:
    preview = tmp_path_factory.mktemp("preview")
    return DevLoop(site / "site.yaml", preview, Hub())


def _edit(root: Path) -> list[Path]:
    path = root / "content/articles/beta.md"
    path.write_text(article("Beta", "2024-02-02 10:00", body="New words.", tags="[Politics]"))
    return [path]


def _add(root: Path) -> list[Path]:
    write_files(root, {"content/articles/new.md": article("New", "2024-02-05 09:00")})
    return [root / "content/articles/new.md"]


def _delete(root: Path) -> list[Path]:
    path = root / "content/articles/alpha.md"
    path.unlink()
    return [path]


def _rename(root: Path) -> list[Path]:
    old, new = root / "content/articles/gamma.md", root / "content/articles/gamma-two.md"
    old.rename(new)
    return [old, new]


def _template(root: Path) -> list[Path]:
    path = root / "themes/local/templates/article.html"
    path.write_text(ARTICLE_TEMPLATE.replace("<h1>", "<h1 class=headline>"))
    return [path]


def _settings(root: Path) -> list[Path]:
    path = root / "site.yaml"
    path.write_text(SITE_YAML.replace("per_page: 2", "per_page: 3"))
    return [path]


def _folder(root: Path) -> list[Path]:
    write_files(root, {"content/articles/trip/index.md": article("Trip", "2024-01-05 09:00")})
    write_files(root, {"content/articles/trip/map.svg": "<svg/>"})
    return [root / "content/articles/trip"]


CHANGES: dict[str, tuple[Callable[[Path], list[Path]], int, bool]] = {
    # change -> (how to make it, documents parsed again, whether the output must change)
    "edit an article": (_edit, 1, True),
    "add an article": (_add, 1, True),
    "delete an article": (_delete, 0, True),
    "rename an article": (_rename, 1, False),  # its URL comes from its title
    "edit a template": (_template, 0, True),
    "edit site.yaml": (_settings, 0, True),  # per_page: parsing does not read it
    "add a folder": (_folder, 1, True),
}


@pytest.mark.parametrize("name", list(CHANGES))
def test_rebuild_equals_a_clean_build_and_parses_only_what_changed(
    name: str, site: Path, loop: DevLoop, tmp_path_factory
) -> None:
    first = loop.rebuild()
    assert first.ok and first.result.parsed == 5
    change, parsed, must_change = CHANGES[name]
    changed = change(site)
    again = loop.rebuild(changed)
    assert again.ok, again.problems
    assert again.result.parsed == parsed
    touched = bool(again.result.sync.written or again.result.sync.removed)
    assert touched or not must_change
    assert again.announced == ("reload" if touched else None)
    assert tree(loop.preview_dir) == clean_build(loop, tmp_path_factory.mktemp("clean"))


def test_deleted_article_leaves_no_trace(site: Path, loop: DevLoop) -> None:
    loop.rebuild()
    page = loop.preview_dir / "2024/02/alpha/index.html"
    assert page.is_file()
    assert "/2024/02/alpha/" in (loop.preview_dir / "tags/baku/index.html").read_text()
    result = loop.rebuild(_delete(site)).result
    assert "2024/02/alpha/index.html" in result.sync.removed
    assert not page.exists()
    assert not (loop.preview_dir / "tags/baku").exists()
    for path, data in tree(loop.preview_dir).items():
        assert b"/2024/02/alpha/" not in data, path


def test_preview_shows_drafts_and_never_touches_output(site: Path, loop: DevLoop) -> None:
    loop.rebuild()
    assert "Delta" in (loop.preview_dir / "2024/02/delta/index.html").read_text()
    assert not (site / "output").exists()


def test_stylesheet_change_is_announced_as_a_swap(site: Path, loop: DevLoop) -> None:
    loop.rebuild()
    css = site / "themes/local/static/css/extra.css"
    css.write_text("body { color: navy; }\n")
    again = loop.rebuild([css])
    assert again.announced == "css"
    assert again.result.sync.written == ("theme/css/extra.css",)
    assert loop.hub.generation == 2


def test_unchanged_files_announce_nothing(site: Path, loop: DevLoop) -> None:
    loop.rebuild()
    path = site / "content/articles/beta.md"
    path.write_bytes(path.read_bytes())
    again = loop.rebuild([path])
    assert again.ok and again.result.parsed == 0
    assert again.announced is None
    assert loop.hub.generation == 1


def test_error_keeps_the_last_good_pages_and_the_fix_reloads(site: Path, loop: DevLoop) -> None:
    loop.rebuild()
    before = tree(loop.preview_dir)
    path = site / "content/articles/beta.md"
    path.write_text('---\ndate: 2024-02-02\ntitle: "Beta" the sequel\n---\nText.\n')
    failed = loop.rebuild([path])
    assert not failed.ok and failed.announced == "problem"
    (problem,) = failed.problems
    assert problem.problem.line == 3 and "invalid YAML" in problem.problem.message
    assert problem.lines == (
        (1, "---"),
        (2, "date: 2024-02-02"),
        (3, 'title: "Beta" the sequel'),
        (4, "---"),
        (5, "Text."),
    )
    assert loop.hub.failing
    assert tree(loop.preview_dir) == before
    fixed = loop.rebuild(_edit(site))
    assert fixed.ok and fixed.announced == "reload"
    assert not loop.hub.failing


def test_a_broken_article_shows_its_error_while_edits_to_others_are_served(
    site: Path, loop: DevLoop
) -> None:
    loop.rebuild()
    beta_page = loop.preview_dir / "2024/02/beta/index.html"
    last_good = beta_page.read_bytes()
    beta = site / "content/articles/beta.md"
    beta.write_text("---\ndate: 2024-02-30\ntitle: Beta\n---\nText.\n")
    broken = loop.rebuild([beta])
    assert broken.result is not None and broken.announced == "problem"
    assert [e.problem.line for e in broken.problems] == [2]
    assert loop.hub.failing
    assert beta_page.read_bytes() == last_good  # its last good page, at its address
    gamma = site / "content/articles/gamma.md"
    gamma.write_text(article("Gamma", "2024-02-03 10:00", body="Updated words.", tags="[Sport]"))
    edited = loop.rebuild([gamma])
    assert edited.announced == "problem" and len(edited.problems) == 1  # still shown
    assert "Updated words." in (loop.preview_dir / "2024/02/gamma/index.html").read_text()
    assert beta_page.read_bytes() == last_good
    fixed = loop.rebuild(_edit(site))
    assert fixed.ok and fixed.announced == "reload" and not loop.hub.failing
    assert "New words." in beta_page.read_text()


def test_invalid_settings_are_reported_and_their_fix_rebuilds(site: Path, loop: DevLoop) -> None:
    loop.rebuild()
    settings = site / "site.yaml"
    settings.write_text(SITE_YAML + "per_pgae: 3\n")
    failed = loop.rebuild([settings])
    assert [e.problem.message for e in failed.problems] == ["unknown setting 'per_pgae'"]
    assert failed.problems[0].lines[-1] == (6, "per_pgae: 3")
    settings.write_text(SITE_YAML)
    assert loop.rebuild([settings]).announced == "reload"


def test_watched_paths_follow_the_theme(site: Path, loop: DevLoop) -> None:
    loop.rebuild()
    watched = loop.watched()
    assert watched.relevant(site / "content/articles/new.md")
    assert watched.relevant(site / "themes/local/templates/article.html")
    assert watched.relevant(site / "site.yaml")
    assert not watched.relevant(site / "content/articles/.new.md.swp")
    assert not watched.relevant(site / "output/index.html")
    default = Path(__file__).resolve().parent.parent / "themes/default/templates/base.html"
    assert watched.relevant(default)


def _big_site(count: int) -> dict[str, str]:
    files = {}
    for n in range(count):
        day = 1 + n % 28
        tags = f"[Topic {n % 7}, Desk {n % 3}]"
        files[f"content/articles/story-{n:03}.md"] = article(
            f"Story {n}", f"2023-{1 + n % 12:02}-{day:02} 10:{n % 60:02}", f"Text {n}.", tags=tags
        )
    return files


@pytest.fixture(scope="module")
def big_loop(tmp_path_factory) -> tuple[DevLoop, int]:
    """Return a loop over a site of 300 articles, built once, and the pages that build rendered."""
    root = tmp_path_factory.mktemp("big")
    write_files(root, _big_site(300))
    (root / "site.yaml").write_text(SITE_YAML.replace("per_page: 2", "per_page: 10"))
    write_files(root, LOCAL_THEME)
    loop = DevLoop(root / "site.yaml", tmp_path_factory.mktemp("big-preview"), Hub())
    first = loop.rebuild()
    assert first.ok and first.result.parsed == 300
    return loop, first.result.rendered


def _edit_one(loop: DevLoop, text: str) -> object:
    path = loop.config.content_dir / "articles/story-150.md"
    path.write_text(article("Story 150", "2023-07-11 10:30", text, tags="[Topic 3, Desk 0]"))
    return loop.rebuild([path])


def test_editing_one_of_300_articles_reparses_one_and_equals_a_clean_build(
    big_loop: tuple[DevLoop, int], tmp_path_factory
) -> None:
    loop, _ = big_loop
    rebuild = _edit_one(loop, "A corrected paragraph.")
    assert rebuild.ok and rebuild.result.parsed == 1
    page = loop.preview_dir / "2023/07/story-150/index.html"
    assert "A corrected paragraph." in page.read_text()
    assert tree(loop.preview_dir) == clean_build(loop, tmp_path_factory.mktemp("clean"))


def test_editing_one_of_300_articles_rerenders_only_the_pages_that_show_it(
    big_loop: tuple[DevLoop, int],
) -> None:
    loop, every_page = big_loop
    rebuild = _edit_one(loop, "Another correction.")
    assert rebuild.ok and rebuild.result.parsed == 1
    assert rebuild.result.rendered < every_page // 10
    written = rebuild.result.sync.written
    assert "2023/07/story-150/index.html" in written
    for path in written:  # only pages that show the story changed
        assert "Another correction." in (loop.preview_dir / path).read_text(), path


def test_preview_folder_can_be_removed_and_rebuilt(site: Path, loop: DevLoop) -> None:
    loop.rebuild()
    shutil.rmtree(loop.preview_dir)
    again = loop.rebuild()
    assert again.ok and (loop.preview_dir / "index.html").is_file()


def test_the_collector_runs_between_rebuilds(site: Path, loop: DevLoop) -> None:
    # Builds pause the cycle collector; the server, which lives on, must get it back
    # after a build that failed as after one that did not.
    assert loop.rebuild().ok
    assert gc.isenabled()
    path = site / "content/articles/beta.md"
    path.write_text("---\ndate: 2024-02-30\ntitle: Beta\n---\nText.\n")
    assert not loop.rebuild([path]).ok
    assert gc.isenabled()


def test_a_paused_collector_stays_as_the_caller_left_it() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(KeyError), collector_paused():
        assert not gc.isenabled()
        raise KeyError("a failing build")
    assert gc.isenabled()


def test_a_rebuild_off_the_main_thread_refuses_a_document_slower_than_the_limit(make_site):
    """The preview rebuilds on a thread of its own, where no timer can interrupt parsing:
    its documents are parsed in worker processes that enforce max_parse_seconds."""
    root = make_site(small_site(), SITE_YAML + "max_parse_seconds: 1\n")
    preview = root / "preview"
    loop = DevLoop(root / "site.yaml", preview, Hub())
    try:
        assert loop.rebuild().ok
        slow = root / "content/articles/slow.md"
        slow.write_text(article("Slow", "2024-02-05 09:00", body="[a](" * 20000))
        done: list = []
        thread = threading.Thread(target=lambda: done.append(loop.rebuild([slow])))
        started = time.monotonic()
        thread.start()
        thread.join(timeout=60)
        assert not thread.is_alive(), "the rebuild did not stop the slow document"
        assert time.monotonic() - started < 30
        (rebuild,) = done
        assert not rebuild.ok
        assert [e.problem.message for e in rebuild.problems] == [
            "took more than 1 s to convert; refused"
        ]
        assert rebuild.problems[0].problem.path.endswith("content/articles/slow.md")
        # The next save is parsed by a fresh worker, and the preview comes back.
        slow.write_text(article("Slow", "2024-02-05 09:00", body="Fixed."))
        fixed = loop.rebuild([slow])
        assert fixed.ok
        assert "Fixed." in (preview / "2024/02/slow/index.html").read_text()
    finally:
        loop.close()


def test_the_preview_starts_from_the_documents_build_saved_and_gives_back_its_own(
    site: Path, tmp_path_factory
) -> None:
    config = load_config(site / "site.yaml")
    first = build(config, BuildOptions(jobs=1))
    assert first.parsed == 5
    # The preview's base_url is its own address (as Preview sets it): parsing does not read it.
    overrides = {"base_url": "http://127.0.0.1:8000/"}
    loop = DevLoop(site / "site.yaml", tmp_path_factory.mktemp("warm"), Hub(), overrides=overrides)
    try:
        warm = loop.rebuild()
        assert warm.ok and warm.result.parsed == 0  # nothing parsed again
        edited = loop.rebuild(_edit(site))
        assert edited.ok and edited.result.parsed == 1
    finally:
        assert loop.close(save_grace=60)  # its save of the edit ended
    after = build(config, BuildOptions(jobs=1))
    assert after.parsed == 0  # the preview's parse of the edit was saved for the build
    assert "New words." in (site / "output/2024/02/beta/index.html").read_text()
    clean = build(replace(config, output_dir=site / "clean"), BuildOptions(jobs=1, use_cache=False))
    assert clean.parsed == 5
    assert tree(site / "output") == tree(site / "clean")
