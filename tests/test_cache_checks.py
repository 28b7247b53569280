"""The checks on a rebuild from the cache: a page kept from the last build is checked again
when what it links to appears, disappears or loses an anchor, and every rebuild reports
exactly the findings of a cold build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import TINY_PNG, article, run_cli

from generator.config import load_config
from generator.incremental.cache import BuildCache
from generator.pipeline.build import BuildOptions, build

STORY = "content/articles/story.md"
STORY_PAGE = "2024/02/story/index.html"
ABOUT = "content/pages/about.md"


def findings(report: dict) -> list[tuple]:
    return [(f["check"], f["path"], f["line"], f["message"]) for f in report["findings"]]


def cached_and_cold(site: Path) -> tuple[dict, dict]:
    """Return the reports of a rebuild with the persistent cache and of a cold build."""
    reports = []
    for args in (("--output", "output"), ("--no-cache", "--output", "cold")):
        result = run_cli("build", "--report", "report.json", *args, cwd=site)
        assert result.returncode == 0, result.stderr
        reports.append(json.loads((site / "report.json").read_text(encoding="utf-8")))
    return reports[0], reports[1]


@pytest.fixture
def site(make_site):
    body = "See [who we are](/about/#team) and ![a chart](/chart.png)."
    site = make_site({STORY: article("Story", body=body), ABOUT: "---\ntitle: About\n---\nHi.\n"})
    first, _ = cached_and_cold(site)
    assert [f[0] for f in findings(first)] == ["broken_anchors", "missing_images"]
    return site


def test_a_page_appearing_clears_a_kept_page_s_broken_link(site):
    (site / ABOUT).unlink()
    cached, cold = cached_and_cold(site)
    assert STORY_PAGE not in cached["files"]["written"]
    assert [f[0] for f in findings(cached)] == ["broken_links", "missing_images"]
    assert findings(cached) == findings(cold)

    (site / ABOUT).write_text("---\ntitle: About\n---\n## Team\n", encoding="utf-8")
    cached, cold = cached_and_cold(site)
    assert STORY_PAGE not in cached["files"]["written"]
    assert [f[0] for f in findings(cached)] == ["missing_images"]
    assert findings(cached) == findings(cold)


def test_an_anchor_lost_on_the_target_page_is_reported_on_the_kept_page(site):
    (site / ABOUT).write_text("---\ntitle: About\n---\n## Team\n", encoding="utf-8")
    cached, cold = cached_and_cold(site)
    assert [f[0] for f in findings(cached)] == ["missing_images"]
    (site / ABOUT).write_text("---\ntitle: About\n---\n## Staff\n", encoding="utf-8")
    cached, cold = cached_and_cold(site)
    assert STORY_PAGE not in cached["files"]["written"]
    assert [f[0] for f in findings(cached)] == ["broken_anchors", "missing_images"]
    assert findings(cached) == findings(cold)


def test_a_file_appearing_beside_the_content_clears_a_missing_image(site):
    (site / "content/chart.png").write_bytes(TINY_PNG)
    cached, cold = cached_and_cold(site)
    # The story now shows the image at its size, so its page is made again.
    assert STORY_PAGE in cached["files"]["written"]
    page = (site / "output" / STORY_PAGE).read_text(encoding="utf-8")
    assert page == (site / "cold" / STORY_PAGE).read_text(encoding="utf-8")
    assert 'src="/chart.png" width="1" height="1"' in page
    assert (
        findings(cached)
        == findings(cold)
        == [f for f in findings(cold) if f[0] != "missing_images"]
    )


def test_a_file_appearing_beside_the_content_clears_a_kept_page_s_missing_file(make_site):
    site = make_site({STORY: article("Story", body="The [full report](/files/report.pdf).")})
    first, _ = cached_and_cold(site)
    assert [f[0] for f in findings(first)] == ["missing_files"]
    (site / "content/files").mkdir()
    (site / "content/files/report.pdf").write_bytes(b"%PDF-1.4\n")
    cached, cold = cached_and_cold(site)
    assert STORY_PAGE not in cached["files"]["written"]
    assert findings(cached) == findings(cold) == []


def test_findings_in_kept_pages_are_located_in_their_moved_source_lines(site):
    story = site / STORY
    story.write_text(story.read_text(encoding="utf-8").replace("---\nSee", "---\n\n\nSee"))
    cached, cold = cached_and_cold(site)
    assert findings(cached) == findings(cold)
    assert {f[2] for f in findings(cached)} == {7}


def test_images_without_alt_in_content_are_reported_on_every_rebuild(make_site):
    site = make_site({STORY: article("Story", body='<img src="/a.png">\n\n![](/b.png)')},
                     "title: T\nbase_url: https://example.org/\nraw_html: true\n"
                     "checks:\n  missing_alt: warning\n  missing_images: off\n")  # fmt: skip
    for _ in range(2):
        cached, cold = cached_and_cold(site)
        assert [f[3] for f in findings(cached)] == [
            "image '/a.png' has no alt text",
            "image '/b.png' has no alt text",
        ]
        assert findings(cached) == findings(cold)


def test_the_dev_server_s_memory_cache_checks_like_a_cold_build(site, monkeypatch):
    monkeypatch.chdir(site)  # problems name files relative to the working folder
    config = load_config(site / "site.yaml", output_dir=site / "preview")
    cache = BuildCache()
    build(config, BuildOptions(use_cache=False), cache)
    (site / ABOUT).unlink()
    result = build(config, BuildOptions(use_cache=False), cache)
    assert STORY_PAGE not in result.sync.written
    _, cold = cached_and_cold(site)
    assert [
        (f.check, f.problem.path, f.problem.line, f.problem.message) for f in result.findings
    ] == (findings(cold))


def test_findings_in_documents_left_unread_keep_their_lines(site):
    # The story is not read on this rebuild (only about.md changed), yet its findings are
    # located in it as a cold build locates them.
    (site / ABOUT).write_text("---\ntitle: About\n---\nHi again.\n", encoding="utf-8")
    cached, cold = cached_and_cold(site)
    assert cached["counts"]["documents_parsed"] == 1
    assert findings(cached) == findings(cold)
    assert {f[1:3] for f in findings(cached)} == {("content/articles/story.md", 5)}


def test_lines_found_in_a_source_are_remembered_by_its_digest(site, monkeypatch):
    monkeypatch.chdir(site)
    config = load_config(site / "site.yaml", output_dir=site / "preview")
    cache = BuildCache()
    build(config, BuildOptions(use_cache=False), cache)
    story = site / STORY
    digest = next(key[1] for key in cache.parsed if key[0] == "articles/story.md")
    assert cache.checks.lines[("articles/story.md", digest, "/chart.png")] == 5
    # A remembered line is used as it is for the same source...
    cache.checks.lines[("articles/story.md", digest, "/chart.png")] = 2
    (site / ABOUT).write_text("---\ntitle: About\n---\nHi again.\n", encoding="utf-8")
    result = build(config, BuildOptions(use_cache=False), cache)
    # (the front page shows the story's summary too; that finding is found by search)
    assert {f.problem.line for f in result.findings if "chart" in f.problem.message} == {2, 5}
    # ...and never for another version of it.
    story.write_text(story.read_text(encoding="utf-8").replace("---\nSee", "---\n\nSee"))
    result = build(config, BuildOptions(use_cache=False), cache)
    assert {f.problem.line for f in result.findings if "chart" in f.problem.message} == {6}
