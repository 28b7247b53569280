"""Invalid fixture sites: each build fails with exactly the errors in its expected-errors.txt."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import run_cli, tree

INVALID = Path(__file__).parent / "fixtures" / "invalid"


def _names() -> list[str]:
    return sorted(p.name for p in INVALID.iterdir() if (p / "expected-errors.txt").is_file())


@pytest.mark.parametrize("name", _names())
def test_invalid_site_reports_exactly_its_errors(name: str, tmp_path: Path) -> None:
    site = tmp_path / name
    shutil.copytree(INVALID / name, site, ignore=shutil.ignore_patterns("expected-errors.txt"))
    before = tree(site)
    result = run_cli(cwd=site)
    expected = (INVALID / name / "expected-errors.txt").read_text(encoding="utf-8")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.splitlines() == expected.splitlines()
    assert result.stdout == ""
    assert not (site / "output").exists()
    assert {p: d for p, d in tree(site).items() if not p.startswith(".cache/")} == before


def test_invalid_sites_cover_the_issue() -> None:
    assert {
        "unclosed-front-matter",
        "invalid-yaml",
        "missing-title",
        "impossible-date",
        "not-utf8",
        "unknown-template",
        "template-syntax-error",
        "undefined-variable",
        "duplicate-urls",
        "several-bad-files",
    } <= set(_names())


def test_failed_build_keeps_the_previous_output(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(INVALID / "several-bad-files", site)
    for bad in (site / "content").rglob("*.md"):
        if "good" not in bad.name:
            bad.unlink()
    assert run_cli(cwd=site).returncode == 0
    before = {
        p.relative_to(site).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
        for p in (site / "output").rglob("*")
        if p.is_file()
    }
    shutil.copytree(INVALID / "several-bad-files" / "content", site / "content", dirs_exist_ok=True)
    assert run_cli(cwd=site).returncode == 1
    after = {
        p.relative_to(site).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
        for p in (site / "output").rglob("*")
        if p.is_file()
    }
    assert after == before
