"""A file of output/ changed behind the writer's back (by hand, by another program, cut short
by a crash) is put right by the next build, cached or clean, and nothing else is touched."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import article, run_cli, tree

PAGE = "2024/02/story/index.html"
STYLE = "theme/css/extra.css"  # a theme file, copied as it is


def _same_size(file: Path) -> None:
    data = bytearray(file.read_bytes())
    at = next(i for i, byte in enumerate(data) if chr(byte).islower())
    data[at] = ord(chr(data[at]).upper())
    with file.open("r+b") as stream:  # in place: the same inode
        stream.write(data)


def _other_size(file: Path) -> None:
    with file.open("ab") as stream:
        stream.write(b"<!-- edited -->\n")


def _same_size_time_put_back(file: Path) -> None:
    before = file.stat()
    _same_size(file)
    os.utime(file, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = file.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def _truncated(file: Path) -> None:
    with file.open("r+b") as stream:
        stream.truncate(file.stat().st_size // 2)


def _copied_over(file: Path) -> None:
    """The same bytes in a new file put in its place, as an editor that saves by renaming
    does: the same size and bytes, another inode."""
    copy = file.with_name(".copy")
    shutil.copy2(file, copy)
    os.replace(copy, file)


EDITS: dict[str, Callable[[Path], None]] = {
    "same size": _same_size,
    "other size": _other_size,
    "same size, modification time put back": _same_size_time_put_back,
    "truncated": _truncated,
    "same bytes in a new file": _copied_over,
}


@pytest.fixture
def site(make_site) -> Path:
    site = make_site(
        {
            "content/articles/story.md": article("Story"),
            "content/articles/other.md": article("Other", date="2024-02-10 09:00"),
            "themes/local/theme.yaml": "parent: default\n",
            "themes/local/static/css/extra.css": "p { color: black }\n",
            "themes/local/templates/404.html": '{% extends "base.html" %}\n',
        },
        "title: T\nbase_url: https://example.org/\ntimezone: UTC\ntheme: local\n",
    )
    _build(site)
    clean = run_cli("build", "--no-cache", "--output", "clean", cwd=site)
    assert clean.returncode == 0, clean.stderr
    return site


def _build(site: Path, *args: str) -> dict:
    report = site / "report.json"
    result = run_cli("build", "--report", str(report), *args, cwd=site)
    assert result.returncode == 0, result.stderr
    return json.loads(report.read_text(encoding="utf-8"))


def _stats(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.mark.parametrize("target", [PAGE, STYLE])
@pytest.mark.parametrize("edit", list(EDITS))
@pytest.mark.parametrize("mode", ["cached", "--no-cache"])
def test_a_file_changed_behind_the_writers_back_is_put_right(
    site: Path, edit: str, target: str, mode: str
) -> None:
    output = site / "output"
    assert tree(output) == tree(site / "clean")
    EDITS[edit](output / target)
    before = _stats(output)
    report = _build(site, *([mode] if mode != "cached" else []))
    assert tree(output) == tree(site / "clean")
    changed = edit != "same bytes in a new file"
    assert report["files"] == {"written": [target] if changed else [], "removed": []}
    after = _stats(output)
    assert {p: s for p, s in after.items() if p != target} == {
        p: s for p, s in before.items() if p != target
    }
    if not changed:
        assert after[target] == before[target]  # compared, found the same, left alone
    if mode == "cached":
        assert set(report["timings"]) != {"read", "compare"}  # not taken for a no-change build
        again = _build(site)
        assert set(again["timings"]) == {"read", "compare"}  # the record is new again
        assert tree(output) == tree(site / "clean")


def test_a_manifest_edited_by_hand_is_written_again(site: Path) -> None:
    manifest = site / "output/.gazette-manifest.json"
    files = json.loads(manifest.read_bytes())
    manifest.write_text(json.dumps(files, indent=2), encoding="utf-8")  # the same files
    report = _build(site)
    assert set(report["timings"]) != {"read", "compare"}
    assert report["files"] == {"written": [], "removed": []}
    assert tree(site / "output") == tree(site / "clean")


def test_a_clean_build_of_an_untouched_site_rewrites_nothing(site: Path) -> None:
    before = _stats(site / "output")
    report = _build(site, "--no-cache")
    assert report["files"] == {"written": [], "removed": []}
    assert _stats(site / "output") == before
    # Nothing it read changed a file: the next cached build changes nothing either.
    assert set(_build(site)["timings"]) == {"read", "compare"}
