"""`build.py new` and `build.py serve` run as a writer runs them."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import BUILD_PY, SITE_YAML, as_from_a_terminal, run_cli
from dev_support import WAIT, get

from generator.source.frontmatter import split_front_matter

# 2024-02-09 10:05 UTC is 14:05 in Asia/Baku, the timezone of the test site.
EPOCH = {"SOURCE_DATE_EPOCH": "1707473100"}


def test_new_creates_a_draft_with_its_front_matter(make_site) -> None:
    site = make_site({}, SITE_YAML + "default_author: Leyla Həsənova\n")
    done = run_cli("new", "Baku votes: a guide", cwd=site, env={**os.environ, **EPOCH})
    assert done.returncode == 0, done.stderr
    assert done.stdout == "content/articles/baku-votes-a-guide.md\n"
    text = (site / "content/articles/baku-votes-a-guide.md").read_text(encoding="utf-8")
    front = split_front_matter(text, "new.md")
    assert front.data == {
        "title": "Baku votes: a guide",
        "date": "2024-02-09 14:05",
        "author": "Leyla Həsənova",
        "draft": "true",
    }
    built = run_cli("build", "--drafts", cwd=site, env={**os.environ, **EPOCH})
    assert built.returncode == 0, built.stderr
    assert (site / "output/2024/02/baku-votes-a-guide/index.html").is_file()


def test_new_takes_the_author_from_the_command_line(make_site) -> None:
    site = make_site({}, SITE_YAML + "default_author: Leyla Həsənova\n")
    done = run_cli("new", "Cup final", "--author", "Tural Məmmədov", cwd=site)
    assert done.returncode == 0, done.stderr
    text = (site / "content/articles/cup-final.md").read_text(encoding="utf-8")
    assert split_front_matter(text, "new.md").data["author"] == "Tural Məmmədov"


def test_new_never_overwrites(make_site) -> None:
    site = make_site({"content/articles/cup-final.md": "mine\n"})
    done = run_cli("new", "Cup final", cwd=site)
    assert done.returncode == 1
    assert done.stderr == "error: content/articles/cup-final.md exists; not overwriting it\n"
    assert (site / "content/articles/cup-final.md").read_text() == "mine\n"


def test_new_reports_broken_settings(make_site) -> None:
    site = make_site({}, SITE_YAML + "per_pgae: 3\n")
    done = run_cli("new", "Cup final", cwd=site)
    assert done.returncode == 1
    assert "site.yaml:5: unknown setting 'per_pgae'" in done.stderr
    assert not (site / "content/articles").exists()


@pytest.fixture
def temp_root(tmp_path: Path) -> Path:
    """A private system temp folder, so the test sees every preview folder serve makes."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def start_serve(site: Path, temp_root: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(temp_root), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, str(BUILD_PY), "serve", *args],
        cwd=site,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=as_from_a_terminal,
    )


def test_serve_prints_the_url_serves_and_stops_cleanly_on_ctrl_c(
    make_site, temp_root: Path, taken_port: int
) -> None:
    site = make_site(
        {"content/articles/a.md": "---\ntitle: A\ndate: 2024-02-01\ndraft: true\n---\nA.\n"}
    )
    server = start_serve(site, temp_root, "--port", str(taken_port))
    try:
        moved = server.stdout.readline()
        assert re.fullmatch(rf"Port {taken_port} is in use; using \d+ instead\.\n", moved)
        port = int(moved.split()[-2])
        assert server.stdout.readline() == (
            f"Serving the preview on http://127.0.0.1:{port}/ (Ctrl-C to stop)\n"
        )
        built = server.stdout.readline()
        assert re.fullmatch(r"\d\d:\d\d:\d\d Built: \d+ pages re-rendered, .* in \d+ ms\n", built)
        page = get(f"http://127.0.0.1:{port}/2024/02/a/")
        assert page.status == 200 and "Draft" in page.text
        assert [p.name[:16] for p in temp_root.iterdir()] == ["gazette-preview-"]
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=WAIT)
    assert server.returncode == 0, err
    assert out.endswith("Stopped.\n")
    assert "Traceback" not in err
    assert list(temp_root.iterdir()) == []
    assert not (site / "output").exists()


def test_serve_prints_build_errors_with_their_source_lines(make_site, temp_root: Path) -> None:
    site = make_site({"content/articles/a.md": "---\ntitle: A\ndate: 2024-02-31\n---\nA.\n"})
    server = start_serve(site, temp_root, "--port", "0")
    try:
        lines = [server.stderr.readline() for _ in range(5)]
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=WAIT)
    assert lines[0] == "content/articles/a.md:3: 'date' is not a date: '2024-02-31'\n"
    assert lines[1].startswith("  hint: ")
    assert lines[2:4] == ["       1 | ---\n", "       2 | title: A\n"]
    assert lines[4] == "  >    3 | date: 2024-02-31\n"
    assert server.returncode == 0
    assert list(temp_root.iterdir()) == []


def test_serve_help_lists_its_options() -> None:
    done = run_cli("serve", "--help", cwd=Path(tempfile.gettempdir()))
    for option in ("--port", "--bind", "--no-drafts", "--future", "--poll", "--open", "--content"):
        assert option in done.stdout
