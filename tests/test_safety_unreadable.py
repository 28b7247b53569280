"""Folders and files of content/ that cannot be read are reported (check
`unreadable_sources`, an error by default), never passed over with their stories lost; an
output folder inside a folder the build cannot write in is still built, under a lock.

chmod 000 does not stop root, who reads anything through the capabilities
CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH; as root, the build runs without those two
(`setpriv --bounding-set`), so a folder it owns with mode 000 is as closed to it as to
anyone. Where setpriv is missing or not permitted the tests are skipped, or fail under
GAZETTE_REQUIRE_TOOLS=1.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BUILD_PY, SITE_YAML, TINY_PNG, article, write_files

REQUIRE_TOOLS = os.environ.get("GAZETTE_REQUIRE_TOOLS") == "1"
DROP = "-dac_override,-dac_read_search"


def _missing(reason: str) -> None:
    if REQUIRE_TOOLS:
        pytest.fail(f"{reason} (required because GAZETTE_REQUIRE_TOOLS=1)")
    pytest.skip(reason)


def _prefix() -> list[str]:
    """Return the command that runs a program unable to read a mode-000 folder."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        _missing("setpriv is not installed: root reads any folder")
    prefix = [setpriv, f"--bounding-set={DROP}", f"--inh-caps={DROP}"]
    probe = subprocess.run([*prefix, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        _missing(f"setpriv cannot drop capabilities here: {probe.stderr.strip()}")
    return prefix


def build(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*_prefix(), sys.executable, str(BUILD_PY), "build", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


def hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def site(tmp_path: Path):
    root = tmp_path / "site"
    root.mkdir()
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    write_files(
        root / "content",
        {
            "articles/open.md": article("Open"),
            "articles/locked/secret.md": article("Secret"),
            "articles/shut.md": article("Shut"),
            "images/shut.png": TINY_PNG,
        },
    )
    closed = [root / "content/articles/locked"]
    yield root, closed
    for path in closed:
        if path.exists():
            path.chmod(0o755)


def test_an_unreadable_folder_fails_the_build_by_name(site) -> None:
    root, closed = site
    first = build(root, "--no-cache")
    assert first.returncode == 0, first.stderr
    before = hashes(root / "output")
    closed[0].chmod(0)
    done = build(root, "--no-cache")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "content/articles/locked: cannot read this folder: Permission denied" in done.stderr
    assert hashes(root / "output") == before  # the failed build wrote nothing


def test_unreadable_files_are_each_named_in_one_run(site) -> None:
    root, closed = site
    for rel in ("content/articles/shut.md", "content/images/shut.png"):
        (root / rel).chmod(0)
        closed.append(root / rel)
    closed[0].chmod(0)
    done = build(root, "--no-cache")
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    for rel, kind in [
        ("content/articles/locked", "folder"),
        ("content/articles/shut.md", "file"),
        ("content/images/shut.png", "file"),
    ]:
        assert f"{rel}: cannot read this {kind}: Permission denied" in lines, done.stderr


def test_the_level_of_unreadable_sources_is_set_in_site_yaml(site) -> None:
    root, closed = site
    closed[0].chmod(0)
    settings = root / "site.yaml"
    settings.write_text(SITE_YAML + "checks:\n  unreadable_sources: warning\n", encoding="utf-8")
    done = build(root, "--no-cache")
    assert done.returncode == 0, done.stderr
    line = "content/articles/locked: warning: cannot read this folder: Permission denied"
    assert line in done.stderr.splitlines()
    assert "1 warning: 1 unreadable source" in done.stderr
    assert (root / "output/2024/02/open/index.html").exists()
    # --strict makes the warning an error, as for every check
    strict = build(root, "--no-cache", "--strict")
    assert strict.returncode == 1, strict.stderr
    assert "content/articles/locked: cannot read this folder" in strict.stderr
    settings.write_text(SITE_YAML + "checks:\n  unreadable_sources: 'off'\n", encoding="utf-8")
    quiet = build(root, "--no-cache")
    assert quiet.returncode == 0, quiet.stderr
    assert "locked" not in quiet.stderr


def test_list_drafts_names_an_unreadable_folder_instead_of_missing_its_drafts(site) -> None:
    root, closed = site
    write_files(root / "content", {"articles/locked/draft.md": article("Hidden", draft="true")})
    closed[0].chmod(0)
    done = subprocess.run(
        [*_prefix(), sys.executable, str(BUILD_PY), "list", "drafts"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout
    assert "No drafts." not in done.stdout
    line = "content/articles/locked: cannot read this folder: Permission denied"
    assert line in done.stderr.splitlines()


def test_an_unreadable_content_folder_is_an_error(site) -> None:
    root, closed = site
    content = root / "content"
    content.chmod(0)
    closed.append(content)
    done = build(root, "--no-cache")
    assert done.returncode == 1, done.stderr
    assert "content: cannot read this folder: Permission denied" in done.stderr.splitlines()


@pytest.mark.parametrize("rel", ["content/articles/shut.md", "content/images/shut.png"])
def test_a_file_closed_after_the_cache_read_it_fails_the_build_as_a_cold_one_would(
    site, rel: str
) -> None:
    root, closed = site
    first = build(root)  # the cache now knows every file, by size and times
    assert first.returncode == 0, first.stderr
    before = hashes(root / "output")
    path = root / rel
    times = path.stat()
    path.chmod(0)
    closed.append(path)
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))  # the same size and mtime
    done = build(root)
    assert done.returncode == 1, done.stderr
    assert f"{rel}: cannot read this file: Permission denied" in done.stderr.splitlines()
    assert hashes(root / "output") == before  # the failed build wrote nothing


def test_an_output_folder_in_a_read_only_folder_is_built_under_a_lock_on_itself(
    site, tmp_path: Path
) -> None:
    """A web root mounted into a folder the build may not write in: the lock file cannot go
    beside output/, so the build locks the output folder itself, and a second build waits."""
    import fcntl

    root, _closed = site
    shutil.rmtree(root / "content/articles/locked")
    parent = tmp_path / "mounts"
    out = parent / "www"
    out.mkdir(parents=True)
    parent.chmod(0o555)
    try:
        first = build(root, "-q", "--output", str(out))
        assert first.returncode == 0, first.stderr
        assert (out / "index.html").is_file()
        assert not list(parent.glob(".*"))
        fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            waiting = subprocess.Popen(
                [*_prefix(), sys.executable, str(BUILD_PY), "build", "-q", "--output", str(out)],
                cwd=root,
                stderr=subprocess.PIPE,
                text=True,
            )
            said = waiting.stderr.readline()
            assert said.endswith("www; waiting for it\n"), said
            assert said.startswith("another build is writing to ")
            assert waiting.poll() is None
        finally:
            os.close(fd)
        assert waiting.wait(timeout=120) == 0
        gone = build(root, "-q", "--output", str(parent / "new"))
        assert gone.returncode == 1
        assert "cannot write" in gone.stderr and "Permission denied" in gone.stderr
    finally:
        parent.chmod(0o755)
