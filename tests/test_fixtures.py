"""Fixture sites built fresh and compared byte for byte with their expected/ output.

Regenerate after an intended change with `python -m pytest tests/test_fixtures.py
--update-snapshots`, then review the diff of expected/ before committing it. A site whose
build warns keeps the warnings it must print in expected-stderr.txt beside its site.yaml.
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

from generator.write.staging import MANIFEST
from tests.conftest import run_cli, tree

SITES = Path(__file__).parent / "fixtures" / "sites"
# The moment the fixtures are built at: drafts and articles after it stay out.
EPOCH = "1717200000"  # 2024-06-01 00:00 UTC
STDERR = "expected-stderr.txt"


def _names() -> list[str]:
    return sorted(p.name for p in SITES.iterdir() if (p / "site.yaml").is_file())


def build_fixture(fixture: Path, work: Path, settings: str = "") -> tuple[dict[str, bytes], str]:
    """Return the files and the printed warnings of a fresh build of `fixture`, built in a
    copy under `work` with `settings` added to its site.yaml."""
    site = work / fixture.name
    shutil.copytree(fixture, site, ignore=shutil.ignore_patterns("expected", STDERR))
    with (site / "site.yaml").open("a", encoding="utf-8") as config:
        config.write(settings)
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    result = run_cli("build", "--output", "output", cwd=site, env=env)
    assert result.returncode == 0, result.stderr
    built = tree(site / "output")
    del built[MANIFEST]  # bookkeeping of the writer, not part of the site
    return built, result.stderr


def snapshot_difference(expected: dict[str, bytes], actual: dict[str, bytes]) -> str:
    """Return a readable account of how `actual` differs from `expected` ('' if equal)."""
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    changed = sorted(p for p in set(expected) & set(actual) if expected[p] != actual[p])
    if not (missing or extra or changed):
        return ""
    lines = []
    for title, paths in (("missing", missing), ("extra", extra), ("differ", changed)):
        if paths:
            lines.append(f"{title} ({len(paths)}): " + ", ".join(paths))
    for path in changed:
        try:
            old = expected[path].decode("utf-8").splitlines(keepends=True)
            new = actual[path].decode("utf-8").splitlines(keepends=True)
        except UnicodeDecodeError:
            continue
        diff = difflib.unified_diff(old, new, f"expected/{path}", f"built/{path}", n=2)
        lines.append("".join(diff).rstrip("\n"))
        break
    lines.append(
        "If the change is intended: python -m pytest tests/test_fixtures.py --update-snapshots"
    )
    return "\n".join(lines)


@pytest.mark.parametrize("name", _names())
def test_fixture_site_matches_expected_output(
    name: str, tmp_path: Path, update_snapshots: bool
) -> None:
    fixture = SITES / name
    built, stderr = build_fixture(fixture, tmp_path)
    expected_dir = fixture / "expected"
    if update_snapshots:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for rel, data in built.items():
            (expected_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / rel).write_bytes(data)
        (fixture / STDERR).unlink(missing_ok=True)
        if stderr:
            (fixture / STDERR).write_text(stderr, encoding="utf-8")
        return
    assert expected_dir.is_dir(), f"{name}: no expected/ yet; run with --update-snapshots"
    warnings = fixture / STDERR
    assert stderr == (warnings.read_text(encoding="utf-8") if warnings.is_file() else "")
    difference = snapshot_difference(tree(expected_dir), built)
    assert not difference, f"fixture site {name!r} differs from expected/:\n{difference}"


def test_there_are_fixture_sites() -> None:
    assert len(_names()) >= 2


def test_difference_report_names_files_and_shows_a_diff() -> None:
    expected = {"a.html": b"one\ntwo\n", "gone.html": b"x", "same.css": b"s"}
    actual = {"a.html": b"one\nTWO\n", "new.html": b"y", "same.css": b"s"}
    report = snapshot_difference(expected, actual)
    assert "missing (1): gone.html" in report
    assert "extra (1): new.html" in report
    assert "differ (1): a.html" in report
    assert "--- expected/a.html\n+++ built/a.html\n" in report
    assert "-two\n+TWO" in report
    assert snapshot_difference(expected, dict(expected)) == ""
