"""The persistent cache: a rebuild from it equals a cold build, whatever changed in between."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SITE_YAML, article, run_cli, tree

from generator.incremental.cache import BuildCache, load_cache

THEME = {
    "themes/local/theme.yaml": "parent: default\n",
    "themes/local/templates/page.html": (
        '{% extends "base.html" %}\n{% block content %}<h1>{{ page.title }}</h1>'
        "{{ page.content }}{% endblock %}\n"
    ),
}


def build(site: Path, *args: str) -> dict:
    """Build `site` into output/ with its cache and return the report."""
    result = run_cli("build", "--report", "report.json", *args, cwd=site)
    assert result.returncode == 0, result.stderr
    return json.loads((site / "report.json").read_text(encoding="utf-8"))


def cold(site: Path) -> dict[str, bytes]:
    """Return the files of a build that ignores the cache."""
    result = run_cli("build", "--no-cache", "--output", "cold", cwd=site)
    assert result.returncode == 0, result.stderr
    return tree(site / "cold")


@pytest.fixture
def site(make_site):
    files = {
        f"content/articles/story-{i}.md": article(f"Story {i}", tags="[News]") for i in range(4)
    }
    files["content/pages/about.md"] = "---\ntitle: About\n---\nWho we are.\n"
    site = make_site({**files, **THEME}, SITE_YAML + "theme: local\n")
    first = build(site)
    assert first["counts"]["documents_parsed"] == 5
    assert any((site / ".cache").iterdir())
    return site


def test_unchanged_site_parses_nothing(site):
    report = build(site)
    assert report["counts"]["documents_parsed"] == 0
    assert report["files"]["written"] == []
    assert tree(site / "output") == cold(site)


def test_after_an_article_edit(site):
    (site / "content/articles/s2.md").write_text(
        article("Story 2, revised", body="New text.", tags="[News, Update]"), encoding="utf-8"
    )
    report = build(site)
    assert report["counts"]["documents_parsed"] == 1
    assert b"New text." in (site / "output/2024/02/story-2-revised/index.html").read_bytes()
    assert tree(site / "output") == cold(site)


def test_after_a_template_edit(site):
    page = site / "themes/local/templates/page.html"
    page.write_text(page.read_text().replace("<h1>", '<h1 class="edited">'), encoding="utf-8")
    build(site)
    assert b'<h1 class="edited">' in (site / "output/about/index.html").read_bytes()
    assert tree(site / "output") == cold(site)


def test_after_a_settings_edit(site):
    (site / "site.yaml").write_text(
        SITE_YAML.replace("Test Gazette", "Renamed Gazette") + "theme: local\n", encoding="utf-8"
    )
    report = build(site)
    assert report["counts"]["documents_parsed"] == 0  # parsing does not read the title
    assert b"Renamed Gazette" in (site / "output/index.html").read_bytes()
    assert tree(site / "output") == cold(site)


def test_after_an_edit_of_a_setting_parsing_reads(site):
    (site / "site.yaml").write_text(SITE_YAML + "smart_typography: false\n", encoding="utf-8")
    report = build(site)
    assert report["counts"]["documents_parsed"] == 5
    assert tree(site / "output") == cold(site)


def test_after_a_new_generator_version(site):
    # The same code under another version string, as after an upgrade.
    program = (
        "import sys; sys.path.insert(0, sys.argv[1]); import generator; "
        "generator.__version__ = '99.0.0'; import build; sys.exit(build.main(sys.argv[2:]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", program, str(ROOT), "build", "--report", "report.json"],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((site / "report.json").read_text(encoding="utf-8"))
    assert report["generator"]["version"] == "99.0.0"
    assert report["counts"]["documents_parsed"] == 5
    assert tree(site / "output") == cold(site)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_a_damaged_cache_is_ignored_with_a_warning(site, damage):
    files = [p for p in (site / ".cache").rglob("*") if p.is_file()]
    assert files
    for file in files:
        data = file.read_bytes()
        if damage == "truncate":
            file.write_bytes(data[: len(data) // 2])
        elif damage == "garbage":
            file.write_bytes(data[:20] + bytes(reversed(data[20:])))
        else:
            file.write_bytes(b"")
    result = run_cli("build", "--report", "report.json", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "cache not used" in result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads((site / "report.json").read_text(encoding="utf-8"))
    assert report["counts"]["documents_parsed"] == 5
    assert tree(site / "output") == cold(site)
    # The build saved a whole cache again: the next one uses it silently.
    again = run_cli("build", cwd=site)
    assert "cache not used" not in again.stderr


def test_no_cache_neither_reads_nor_writes_it(site):
    for file in (site / ".cache").rglob("*"):
        if file.is_file():
            file.write_bytes(b"damaged")
    snapshot = tree(site / ".cache")
    result = run_cli("build", "--no-cache", "--report", "report.json", cwd=site)
    assert result.returncode == 0 and "cache not used" not in result.stderr
    report = json.loads((site / "report.json").read_text(encoding="utf-8"))
    assert report["counts"]["documents_parsed"] == 5
    assert tree(site / ".cache") == snapshot


def test_cache_dir_option(site):
    report = build(site, "--cache-dir", "ci-cache")
    assert report["counts"]["documents_parsed"] == 5  # a new, empty cache folder
    assert any((site / "ci-cache").iterdir())
    assert build(site, "--cache-dir", "ci-cache")["counts"]["documents_parsed"] == 0


def _packs(site: Path) -> dict[str, tuple[int, int]]:
    """Return the packs the cache names: name -> (inode, mtime), which a rewrite changes.
    (A pack no longer named stays on disk for a minute, for a process saving beside.)"""
    cache, warning = load_cache(site / ".cache", BuildCache().stamp)
    assert warning is None and cache.complete() is None
    files = [site / ".cache" / name for name in cache.packs]
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in files}


def test_a_pack_no_longer_named_is_removed_once_it_is_a_minute_old(site):
    (first,) = _packs(site)
    for i in range(4):
        (site / f"content/articles/story-{i}.md").write_text(article(f"Story {i}", body="New."))
    build(site)
    assert first not in _packs(site) and (site / ".cache" / first).exists()  # a minute's grace
    old = time.time() - 120
    os.utime(site / ".cache" / first, (old, old))
    (site / "content/articles/story-0.md").write_text(article("Story 0", body="Again."))
    build(site)
    assert not (site / ".cache" / first).exists()


def test_a_save_cut_short_leaves_nothing_once_it_is_a_minute_old(site):
    # A build killed while it saved the cache (kill -9, a power cut) leaves its half-written
    # file; the pack of a large site is megabytes, and each such kill left one for good.
    cache = site / ".cache"
    left = [
        cache / ".build.cache.4242.0a1b2c3d.tmp",
        cache / ".docs-0123456789abcdef.pack.4242.0a1b2c3d.tmp",
    ]
    fresh = cache / ".build.cache.4343.0a1b2c3d.tmp"  # another process may be writing it
    for file in (*left, fresh):
        file.write_bytes(b"GAZETTE-")
    old = time.time() - 120
    for file in left:
        os.utime(file, (old, old))
    (site / "content/articles/story-0.md").write_text(article("Story 0", body="Again."))
    build(site)
    assert [file.exists() for file in (*left, fresh)] == [False, False, True]


def test_an_edit_saves_only_the_document_it_parsed(site):
    (before,) = _packs(site).items()
    story = site / "content/articles/story-1.md"
    story.write_text(article("Story 1", body="Edited once."), encoding="utf-8")
    assert build(site)["counts"]["documents_parsed"] == 1
    after = _packs(site)
    assert len(after) == 2 and after[before[0]] == before[1]  # the first pack is left as it was
    (new,) = set(after) - {before[0]}
    assert (site / ".cache" / new).stat().st_size < (site / ".cache" / before[0]).stat().st_size
    assert build(site)["counts"]["documents_parsed"] == 0  # both packs are read back
    assert tree(site / "output") == cold(site)


def test_many_edits_fold_the_small_packs_together(make_site):
    files = {f"content/articles/s{i}.md": article(f"Story {i}") for i in range(20)}
    site = make_site(files)
    build(site)
    counts = []
    for i in range(10):
        story = site / f"content/articles/s{i}.md"
        story.write_text(article(f"Story {i}", body="Edited."), encoding="utf-8")
        assert build(site)["counts"]["documents_parsed"] == 1
        counts.append(len(_packs(site)))
    # One pack per edit up to eight; then the seven small ones and the next edit become one.
    assert counts == [2, 3, 4, 5, 6, 7, 8, 2, 3, 4]
    # Back as it first was: that version is still in the first pack.
    (site / "content/articles/s0.md").write_text(article("Story 0"), encoding="utf-8")
    assert build(site)["counts"]["documents_parsed"] == 0
    assert tree(site / "output") == cold(site)


def test_a_pack_whose_documents_are_mostly_gone_is_written_again(site):
    (first,) = _packs(site)
    for i in (0, 1, 2):
        (site / f"content/articles/story-{i}.md").unlink()
    (site / "content/articles/story-3.md").write_text(article("Story 3", body="Kept."))
    assert build(site)["counts"]["documents_parsed"] == 1
    assert first not in _packs(site) and len(_packs(site)) == 1
    assert build(site)["counts"]["documents_parsed"] == 0
    assert tree(site / "output") == cold(site)


def test_a_missing_pack_means_parsing_again(site):
    for pack in (site / ".cache").glob("*.pack"):
        pack.unlink()
    (site / "content/articles/story-1.md").write_text(article("Story 1", body="Edited."))
    result = run_cli("build", "--report", "report.json", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "cache not used: .cache/docs-" in result.stderr
    report = json.loads((site / "report.json").read_text(encoding="utf-8"))
    assert report["counts"]["documents_parsed"] == 5
    assert tree(site / "output") == cold(site)
    assert "cache not used" not in run_cli("build", cwd=site).stderr


def test_a_cache_in_another_format_is_passed_over_quietly(site):
    file = site / ".cache/build.cache"
    magic, rest = file.read_bytes().split(b"\n", 1)
    assert magic.startswith(b"GAZETTE-CACHE ") and magic != b"GAZETTE-CACHE 1"
    file.write_bytes(b"GAZETTE-CACHE 1\n" + rest)  # as an early version wrote it
    (site / "content/articles/story-1.md").write_text(article("Story 1", body="Edited."))
    result = run_cli("build", "--report", "report.json", cwd=site)
    assert result.returncode == 0 and result.stderr == ""
    report = json.loads((site / "report.json").read_text(encoding="utf-8"))
    assert report["counts"]["documents_parsed"] == 5


@pytest.mark.parametrize("name", ["content/articles/story-0.md", "themes/local/static/site.css"])
def test_an_edit_that_keeps_size_and_mtime_of_a_file_read_in_its_tick_is_seen(site, name):
    # A file system keeps mtimes in ticks (a second on some, two on FAT), and a clock can be
    # set back: a file changed within the tick its last read saw has the same size and
    # mtime. Here its mtime is in the future, as after the clock was set back.
    file = site / name
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text("AAAA\n" if name.endswith(".css") else article("Story 0", body="AAAA."))
    tick = (int(time.time()) + 3600) * 1_000_000_000
    os.utime(file, ns=(tick, tick))
    build(site)
    file.write_text(file.read_text().replace("AAAA", "BBBB"))
    os.utime(file, ns=(tick, tick))
    build(site)
    assert tree(site / "output") == cold(site)


def test_the_stamp_has_the_version_of_each_library_importlib_finds() -> None:
    import importlib.metadata

    from generator.incremental.cache import _OUTPUT_LIBRARIES, installed

    folders = installed(_OUTPUT_LIBRARIES)
    assert folders.keys() == set(_OUTPUT_LIBRARIES)
    for library, folder in folders.items():
        assert folder is not None, library
        assert f"-{importlib.metadata.version(library)}." in folder, (library, folder)


def test_the_first_library_on_the_import_path_is_the_one_stamped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.incremental.cache import installed

    first, second = tmp_path / "first", tmp_path / "second"
    for folder in ("Pagefind_Bin-1.5.2.dist-info", "PyYAML-6.0.egg-info"):
        (first / folder).mkdir(parents=True)
    for folder in ("pagefind_bin-9.9.dist-info", "Markdown-3.0.dist-info", "markdownx-1.dist-info"):
        (second / folder).mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing"), str(first), str(second)])
    assert installed(("pagefind-bin", "pyyaml", "markdown", "jinja2")) == {
        "pagefind-bin": "Pagefind_Bin-1.5.2.dist-info",
        "pyyaml": "PyYAML-6.0.egg-info",
        "markdown": "Markdown-3.0.dist-info",
        "jinja2": None,
    }
