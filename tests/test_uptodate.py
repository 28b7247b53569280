"""A build that would change nothing reports the last build's result without redoing it, and
anything that could change the output makes it build again."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from conftest import article, run_cli, tree

from generator.incremental.uptodate import window
from generator.model import Article, Page

STORY = "content/articles/story.md"


def build(site, *args: str, cwd=None) -> dict:
    """Build `site` with the persistent cache; return the report."""
    report = site / "report.json"
    result = run_cli("build", "--report", str(report), *args, cwd=cwd or site)
    assert result.returncode == 0, result.stderr
    return json.loads(report.read_text(encoding="utf-8"))


def compared(report: dict) -> bool:
    """Return True if the build only compared its inputs with the last build's."""
    return set(report["timings"]) == {"read", "compare"}


@pytest.fixture
def site(make_site):
    site = make_site(
        {
            STORY: article("Story", body="A [dead link](/gone/)."),
            "content/articles/later.md": article("Later", date="2030-03-01 09:00"),
            "themes/local/theme.yaml": "parent: default\n",
            "themes/local/static/extra.css": "p { color: black }\n",
            "themes/local/templates/404.html": '{% extends "base.html" %}\n',
        },
        "title: T\nbase_url: https://example.org/\ntimezone: UTC\ntheme: local\n",
    )
    first = build(site)
    assert not compared(first)
    return site


def test_a_build_with_nothing_changed_repeats_the_last_result(site):
    first = json.loads((site / "report.json").read_text(encoding="utf-8"))
    files = tree(site / "output")
    again = build(site)
    assert compared(again)
    assert again["files"] == {"written": [], "removed": []}
    assert again["findings"] == first["findings"] != []
    counts = {k: v for k, v in first["counts"].items() if k not in ("documents_parsed",
              "pages_rendered", "files_written", "files_unchanged")}  # fmt: skip
    assert {k: again["counts"][k] for k in counts} == counts
    assert again["counts"]["files_unchanged"] == len(files) - 1  # all but the manifest
    assert tree(site / "output") == files


@pytest.mark.parametrize(
    "change",
    ["edit source", "touch nothing but delete output", "stray file", "empty folder", "theme file"],
)
def test_any_change_builds_again(site, change):
    if change == "edit source":
        (site / STORY).write_text(article("Story", body="Now fixed."), encoding="utf-8")
    elif change == "touch nothing but delete output":
        (site / "output/2024/02/story/index.html").unlink()
    elif change == "stray file":
        # A file only the writer makes (one a killed build left); any other stops the build.
        (site / "output/.notes.txt.gazette-tmp").write_text("mine", encoding="utf-8")
    elif change == "empty folder":
        (site / "output/empty").mkdir()
    else:
        (site / "themes/local/static/extra.css").write_text("p {}\n", encoding="utf-8")
    report = build(site)
    assert not compared(report)
    cold = run_cli("build", "--no-cache", "--output", "cold", cwd=site)
    assert cold.returncode == 0, cold.stderr
    assert tree(site / "output") == tree(site / "cold")


def test_the_clock_passing_a_publication_moment_builds_again(site):
    assert not compared(build(site, "--clock", "2030-02-01T09:00"))  # another year
    assert compared(build(site, "--clock", "2030-02-15T09:00"))  # the same articles
    report = build(site, "--clock", "2030-03-01T09:00")
    assert not compared(report)
    assert (site / "output/2030/03/later/index.html").is_file()


def test_strict_and_another_working_folder_are_other_builds(site):
    result = run_cli("build", "--strict", cwd=site)
    assert result.returncode == 1
    assert "content/articles/story.md:5: error: broken link" in result.stderr
    elsewhere = build(site, "--config", str(site / "site.yaml"), cwd=site.parent)
    assert not compared(elsewhere)
    assert elsewhere["findings"][0]["path"] == f"{site.name}/content/articles/story.md"


def test_a_new_unreadable_source_fails_the_build(site):
    (site / "content/articles/binary.md").write_bytes(b"\xff\xfe\x00bad")
    result = run_cli("build", cwd=site)
    assert result.returncode == 1
    assert "content/articles/binary.md:1: not valid UTF-8 text" in result.stderr


def test_window_is_bounded_by_the_nearest_publication_and_expiry_moments():
    now = datetime(2024, 6, 1, 12, tzinfo=UTC)
    hour = timedelta(hours=1)
    docs = [
        Article("a.md", "A", "/a/", "", "", "", "", "article.html", date=now - 2 * hour),
        Article(
            "b.md",
            "B",
            "/b/",
            "",
            "",
            "",
            "",
            "article.html",
            date=now + 3 * hour,
            expires=now + 5 * hour,
        ),
        Article(
            "c.md",
            "C",
            "/c/",
            "",
            "",
            "",
            "",
            "article.html",
            date=now - 9 * hour,
            expires=now + 2 * hour,
        ),
        Page("p.md", "P", "/p/", "", "", "", "", "page.html"),
    ]
    span = window(now, docs)
    assert (span.after, span.before) == (now - 2 * hour, now + 2 * hour)
    assert span.holds(now) and span.holds(now + hour) and span.holds(now - hour)
    assert not span.holds(now + 2 * hour) and not span.holds(now - 2 * hour)
    assert not window(now, [*docs[:1], Article("d.md", "D", "/d/", "", "", "", "", "x",
                                                date=now)]).holds(now)  # fmt: skip
    empty = window(now, [])  # a site without articles shows the clock's year
    assert (empty.after, empty.before) == (datetime(2024, 1, 1, tzinfo=UTC),
                                           datetime(2025, 1, 1, tzinfo=UTC))  # fmt: skip


def test_a_site_without_articles_shows_the_year_of_the_build_clock(make_site, tmp_path):
    site = make_site(
        {"content/pages/about.md": "---\ntitle: About\n---\nUs.\n"},
        "title: T\nbase_url: https://example.org/\ntimezone: UTC\n",
    )
    footer = "© {} T"
    build(site, "--clock", "2031-12-31T23:00")
    assert footer.format(2031) in (site / "output/index.html").read_text(encoding="utf-8")
    cached = build(site, "--clock", "2032-01-01T01:00")  # after the new year, from the cache
    page = (site / "output/index.html").read_text(encoding="utf-8")
    assert not compared(cached) and footer.format(2032) in page
    clean = tmp_path / "clean"  # a clean build of the same inputs, elsewhere
    run_cli("build", "--no-cache", "--clock", "2032-01-01T01:00", "--output", str(clean),
            cwd=site)  # fmt: skip
    assert (clean / "index.html").read_text(encoding="utf-8") == page
