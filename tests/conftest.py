"""Shared fixtures: small sites written into a temporary folder, and the CLI run for real."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.markup.converter import Converter, Rendered
from generator.markup.sanitize import MarkupError

ROOT = Path(__file__).resolve().parent.parent
BUILD_PY = ROOT / "build.py"

SITE_YAML = """\
title: Test Gazette
base_url: https://example.org/
timezone: Asia/Baku
per_page: 2
"""

# The smallest real image: published images are checked to decode (a fake PNG is an error).
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c49444154789c63382127070002b6010534a675aa0000000049454e44ae426082"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        help="rewrite the expected output of fixture sites instead of comparing against it",
    )


@pytest.fixture
def update_snapshots(request: pytest.FixtureRequest) -> bool:
    """Return True when the run should rewrite expected output rather than compare."""
    return bool(request.config.getoption("--update-snapshots"))


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    """Write `files` (relative path -> text or bytes) below `root`; text is dedented."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")


def article(
    title: str, date: str = "2024-02-09 14:05", body: str = "Body text.", **fields: str
) -> str:
    """Return the text of an article with YAML front matter."""
    lines = [f"title: {title}", f"date: {date}", *(f"{k}: {v}" for k, v in fields.items())]
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    """Return a function that writes a site (site.yaml + files) and returns its folder."""

    def make(files: dict[str, str | bytes], site_yaml: str = SITE_YAML) -> Path:
        (tmp_path / "site.yaml").write_text(site_yaml, encoding="utf-8")
        (tmp_path / "content").mkdir(exist_ok=True)
        write_files(tmp_path, files)
        return tmp_path

    return make


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run build.py as a user would and return the finished process (text output)."""
    return subprocess.run(
        [sys.executable, str(BUILD_PY), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def as_from_a_terminal() -> None:
    """Give a child process Ctrl-C's default action (a preexec_fn for tests that send it).

    A shell starts a background job with SIGINT ignored, and Python then never turns it
    into KeyboardInterrupt: a suite run in the background would see servers ignore Ctrl-C.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def tree(folder: Path) -> dict[str, bytes]:
    """Return every file below `folder` by relative posix path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def fixture_markdown() -> list[tuple[Path, str]]:
    """Return every Markdown file of the test fixtures with its text (some are invalid
    UTF-8 on purpose: those are decoded with replacement characters)."""
    files = sorted((Path(__file__).parent / "fixtures").rglob("*.md"))
    return [(file, file.read_bytes().decode("utf-8", "replace")) for file in files]


def converted(converter: Converter, text: str) -> Rendered | tuple[int, str]:
    """Return what `converter` makes of `text`: the HTML, or the line and message of the
    MarkupError it refuses it with (some fixtures are invalid on purpose)."""
    try:
        return converter.convert(text)
    except MarkupError as exc:
        return exc.line, str(exc)
