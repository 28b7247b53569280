"""The --report JSON: valid against the schema kept beside the tests, and true to the build."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import article, run_cli, tree

SCHEMA = json.loads((Path(__file__).parent / "report_schema.json").read_text(encoding="utf-8"))


def load_report(path: Path) -> dict:
    report = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(report, SCHEMA)
    return report


@pytest.fixture
def site(make_site):
    return make_site(
        {
            "content/articles/vote.md": article("Vote", body="Read [this](/gone/).", tags="[A]"),
            "content/articles/poll.md": article("Poll", tags="[A, B]"),
        }
    )


def test_schema_rejects_a_report_missing_its_findings():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"report_version": 1, "ok": True}, SCHEMA)


def test_report_of_a_build(site):
    result = run_cli("build", "--report", "report.json", cwd=site)
    assert result.returncode == 0, result.stderr
    report = load_report(site / "report.json")
    assert report["ok"] is True and report["strict"] is False and report["command"] == "build"
    counts = report["counts"]
    assert (counts["articles"], counts["pages"], counts["tags"]) == (2, 0, 2)
    assert counts["warnings"] == 1 and counts["errors"] == 0
    assert counts["documents_parsed"] == 2
    assert (counts["drafts_left_out"], counts["scheduled_left_out"]) == (0, 0)
    assert counts["expired_left_out"] == 0
    written = report["files"]["written"]
    assert written == sorted(written)
    assert {*written, ".gazette-manifest.json"} == set(tree(site / "output"))
    assert counts["files_written"] == len(written) and counts["files_removed"] == 0
    assert set(report["timings"]) == {"read", "parse", "assemble", "render", "check", "write"}
    assert report["findings"] == [
        {
            "check": "broken_links",
            "level": "warning",
            "path": "content/articles/vote.md",
            "line": 6,
            "message": "broken link to '/gone/': no page at /gone/",
            "hint": "",
        }
    ]


def test_report_counts_what_the_build_left_out_also_when_nothing_changed(site):
    files = {
        "content/articles/draft.md": article("Draft", draft="true"),
        "content/articles/draft2.md": article("Draft 2", draft="true"),
        "content/articles/later.md": article("Later", "2099-01-01"),
        "content/articles/gone.md": article("Gone", expires="2024-03-01"),
    }
    for rel, text in files.items():
        (site / rel).write_text(text, encoding="utf-8")
    for name in ("first.json", "again.json"):  # the second build finds nothing changed
        assert run_cli("build", "--report", name, cwd=site).returncode == 0
        counts = load_report(site / name)["counts"]
        assert counts["articles"] == 2
        held = (counts["drafts_left_out"], counts["scheduled_left_out"])
        assert (*held, counts["expired_left_out"]) == (2, 1, 1)
    assert load_report(site / "again.json")["counts"]["files_written"] == 0
    assert run_cli("build", "--drafts", "--report", "all.json", cwd=site).returncode == 0
    counts = load_report(site / "all.json")["counts"]
    assert (counts["articles"], counts["drafts_left_out"], counts["scheduled_left_out"]) == (
        4,
        0,
        1,
    )


def test_schema_knows_the_left_out_counts():
    counts = SCHEMA["properties"]["counts"]
    assert {"drafts_left_out", "scheduled_left_out", "expired_left_out"} <= set(
        counts["properties"]
    )
    report = {"drafts_left_out": -1, "errors": 0, "warnings": 0}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, counts)


def test_report_lists_removed_and_unchanged_files(site):
    assert run_cli("build", cwd=site).returncode == 0
    (site / "content" / "articles" / "poll.md").unlink()
    assert run_cli("build", "--report", "report.json", cwd=site).returncode == 0
    report = load_report(site / "report.json")
    assert "2024/02/poll/index.html" in report["files"]["removed"]
    assert "tags/b/index.html" in report["files"]["removed"]
    assert report["counts"]["files_removed"] == len(report["files"]["removed"])
    assert report["counts"]["files_unchanged"] > 0


def test_report_of_a_strict_build_that_fails(site):
    result = run_cli("build", "--strict", "--report", "out/report.json", cwd=site)
    assert result.returncode == 1
    report = load_report(site / "out" / "report.json")
    assert report["ok"] is False and report["strict"] is True
    assert [(f["check"], f["level"], f["line"]) for f in report["findings"]] == [
        ("broken_links", "error", 6)
    ]
    assert report["files"] == {"written": [], "removed": []}
    assert "check" in report["timings"]


def test_report_of_a_build_with_source_errors(make_site):
    site = make_site({"content/articles/vote.md": article("Vote", date="2024-02-30")})
    assert run_cli("build", "--report", "report.json", cwd=site).returncode == 1
    report = load_report(site / "report.json")
    assert report["ok"] is False
    [finding] = report["findings"]
    assert finding["check"] == "build" and finding["level"] == "error"
    assert (finding["path"], finding["line"]) == ("content/articles/vote.md", 3)
    assert finding["message"] == "'date' is not a date: '2024-02-30'"


def test_report_of_check(site):
    assert run_cli("build", cwd=site).returncode == 0
    assert run_cli("check", "--report", "report.json", cwd=site).returncode == 0
    report = load_report(site / "report.json")
    assert report["command"] == "check"
    assert report["counts"]["pages"] > 0 and report["counts"]["warnings"] >= 1
    assert {f["message"] for f in report["findings"]} == {
        "broken link to '/gone/': no page at /gone/"
    }


@pytest.mark.parametrize("command", ["build", "check"])
@pytest.mark.parametrize("report", ["output/report.json", "output/deep/r.json", "output"])
def test_a_report_that_would_land_in_the_output_folder_is_refused(site, command, report):
    # output/ holds only what a build wrote: a report there would be a file the next build
    # refuses to delete, and would change output/ even for a build that failed.
    first = run_cli("build", "-q", cwd=site)
    assert first.returncode == 0, first.stderr
    before = tree(site / "output")
    done = run_cli(command, "-q", "--report", report, cwd=site)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1].endswith(
        f"error: --report: {report} is in the output folder output; write it elsewhere"
    )
    assert tree(site / "output") == before
    assert run_cli("build", "-q", cwd=site).returncode == 0


def test_a_report_named_as_a_folder_is_refused(site):
    done = run_cli("build", "-q", "--report", "content", cwd=site)
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1].endswith(
        "error: --report: content is a folder; name a file"
    )
