"""The document checks on a rebuild from the cache: what they found in a document is kept
with a key naming its HTML, reused while that HTML is unchanged and found again when it
changes, whether through its own source or through a link to another document."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import SITE_YAML, article, run_cli

from generator.check.locate import Locator
from generator.config import load_config
from generator.errors import display_path
from generator.incremental.cache import BuildCache
from generator.pipeline.build import BuildOptions, build

STORY = "content/articles/story.md"
OTHER = "content/articles/other.md"
CHECKED = SITE_YAML + (
    "raw_html: true\nsummary_length: 30\n"
    "checks:\n  long_summary: warning\n  missing_alt: warning\n  missing_images: off\n"
)


def findings(report: dict) -> list[tuple]:
    return [(f["check"], f["path"], f["line"], f["message"]) for f in report["findings"]]


def cached_and_cold(site: Path) -> tuple[list[tuple], list[tuple]]:
    """Return the findings of a rebuild with the persistent cache and of a cold build."""
    reports = []
    for args in (("--output", "output"), ("--no-cache", "--output", "cold")):
        result = run_cli("build", "--report", "report.json", *args, cwd=site)
        assert result.returncode == 0, result.stderr
        reports.append(findings(json.loads((site / "report.json").read_text(encoding="utf-8"))))
    return reports[0], reports[1]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_an_unchanged_document_s_findings_are_reused_and_an_edited_one_s_found_again(
    make_site, monkeypatch
):
    site = make_site(
        {
            STORY: article("Story", summary="Short.", body='<img src="/a.png">'),
            OTHER: article("Other", summary="Short too.", body='<img src="/b.png" alt="B">'),
        },
        CHECKED,
    )
    monkeypatch.chdir(site)
    config = load_config(site / "site.yaml")
    cache = BuildCache()
    first = build(config, BuildOptions(use_cache=False), cache)
    assert [f.problem.message for f in first.findings] == ["image '/a.png' has no alt text"]
    kept = dict(cache.checks.contents)

    edit(site / OTHER, "Short too.", "A summary now far longer than thirty characters.")
    edit(site / OTHER, 'alt="B"', 'alt=" "')
    second = build(config, BuildOptions(use_cache=False), cache)
    assert second.parsed == 1
    # The story's entry is the very object of the first build: reused, not found again.
    assert [k for k in cache.checks.contents if k in kept] == [
        k for k in kept if k.startswith("articles/story.md\0")
    ]
    for key in kept.keys() & cache.checks.contents.keys():
        assert cache.checks.contents[key] is kept[key]
    assert sorted(f.problem.message for f in second.findings) == [
        "image '/a.png' has no alt text",
        "image '/b.png' has no alt text",
        "summary is 48 characters long, more than summary_length (30)",
    ]


def test_a_summary_grown_past_summary_length_is_reported_after_an_edit(make_site):
    site = make_site({STORY: article("Story", summary="Short."), OTHER: article("Other")}, CHECKED)
    cached, cold = cached_and_cold(site)
    assert cached == cold == []
    edit(site / STORY, "Short.", "A summary now far longer than thirty characters.")
    cached, cold = cached_and_cold(site)
    assert cached == cold
    assert cached == [
        (
            "long_summary",
            "content/articles/story.md",
            4,
            "summary is 48 characters long, more than summary_length (30)",
        )
    ]
    edit(site / STORY, "A summary now far longer than thirty characters.", "Short again.")
    cached, cold = cached_and_cold(site)
    assert cached == cold == []


def test_an_image_whose_alt_text_is_removed_is_reported_after_an_edit(make_site):
    body = 'Intro.\n\n<img src="/a.png" alt="A map">'
    site = make_site({STORY: article("Story", summary="Short.", body=body)}, CHECKED)
    cached, cold = cached_and_cold(site)
    assert cached == cold == []
    # An empty alt attribute: only the document check, not the page check, reports that.
    edit(site / STORY, 'alt="A map"', 'alt=""')
    cached, cold = cached_and_cold(site)
    assert cached == cold
    assert cached == [
        ("missing_alt", "content/articles/story.md", 8, "image '/a.png' has no alt text")
    ]


def test_an_image_linked_to_another_document_is_reported_at_its_new_url(make_site):
    # The story's source does not change, but its HTML does: the link is rewritten to the
    # other article's new URL, so what the checks kept for the story must not be used.
    body = "![]({filename}/articles/other.md)"
    site = make_site(
        {
            STORY: article("Story", summary="Short.", body=body),
            OTHER: article("Other", summary="Short.", slug="first"),
        },
        CHECKED,
    )
    cached, cold = cached_and_cold(site)
    assert cached == cold
    assert [f[3] for f in cached] == ["image '/2024/02/first/' has no alt text"]
    edit(site / OTHER, "slug: first", "slug: second")
    cached, cold = cached_and_cold(site)
    assert cached == cold
    assert [f[3] for f in cached] == ["image '/2024/02/second/' has no alt text"]


def test_content_files_are_shown_as_display_path_shows_them(make_site, monkeypatch):
    site = make_site({"content/articles/a.md": "a", "content/articles/b.md": "b"})
    elsewhere = site / "elsewhere"
    (elsewhere / "deep").mkdir(parents=True)
    (site / "content/linked").symlink_to(elsewhere)
    (site / "content/a.md").symlink_to(site / "content/articles/a.md")
    monkeypatch.chdir(site / "content/articles")
    config = load_config(site / "site.yaml")
    locator = Locator(config, {}, None)
    names = ["articles/a.md", "articles/b.md", "linked/x.md", "linked/deep/y.md", "linked/z.md"]
    names += ["a.md", "b.md", "articles/../a.md", "articles/./b.md", "articles/.."]
    for name in names * 2:  # the second time from what the first remembered
        assert locator.source_path(name) == display_path(config.content_dir / name)
    assert locator.source_path("articles/b.md") == "b.md"
    monkeypatch.chdir(site)  # from here the linked folder is shown by where it leads
    locator = Locator(config, {}, None)
    for name in names * 2:
        assert locator.source_path(name) == display_path(config.content_dir / name)
    assert locator.source_path("linked/z.md") == "elsewhere/z.md"
