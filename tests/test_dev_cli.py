"""`build.py new` and `build.py serve` run as a writer runs them."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from conftest import BUILD_PY, SITE_YAML, article, as_from_a_terminal, run_cli, tree
from dev_support import WAIT, EventStream, get

from generator.incremental.cache import code_stamp, load_cache, save_cache
from generator.source.frontmatter import split_front_matter

# 2024-02-09 10:05 UTC is 14:05 in Asia/Baku, the timezone of the test site.
EPOCH = {"SOURCE_DATE_EPOCH": "1707473100"}
EPOCH_ENV = {**os.environ, **EPOCH}


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


def test_new_writes_section_and_tags_that_survive_any_text(make_site) -> None:
    site = make_site({})
    tags = 'Azərbaycan, İlham Əliyev, "Quoted": yes, Azərbaycan, , #1'
    done = run_cli(
        "new", "Vote", "--section", "Siyasət: daxili", "--tags", tags, cwd=site, env=EPOCH_ENV
    )
    assert done.returncode == 0, done.stderr
    text = (site / "content/articles/vote.md").read_text(encoding="utf-8")
    assert split_front_matter(text, "new.md").data == {
        "title": "Vote",
        "date": "2024-02-09 14:05",
        "section": "Siyasət: daxili",
        "tags": ["Azərbaycan", "İlham Əliyev", '"Quoted": yes', "#1"],
        "draft": "true",
    }
    assert 'tags: ["Azərbaycan", "İlham Əliyev", "\\"Quoted\\": yes", "#1"]\n' in text
    built = run_cli("build", "--drafts", cwd=site, env=EPOCH_ENV)
    assert built.returncode == 0, built.stderr
    tag_page = (site / "output/tags/azerbaycan/index.html").read_text(encoding="utf-8")
    assert "Azərbaycan" in tag_page and "/2024/02/vote/" in tag_page
    assert (site / "output/sections/siyaset-daxili/index.html").is_file()


def test_new_page_makes_a_static_page_with_a_title_only(make_site) -> None:
    site = make_site({}, SITE_YAML + "default_author: Leyla Həsənova\n")
    done = run_cli("new", "About us", "--page", cwd=site)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "content/pages/about-us.md\n"
    text = (site / "content/pages/about-us.md").read_text(encoding="utf-8")
    assert split_front_matter(text, "new.md").data == {"title": "About us"}
    built = run_cli("build", cwd=site)  # not a draft: published by a plain build
    assert built.returncode == 0, built.stderr
    assert "About us" in (site / "output/about-us/index.html").read_text(encoding="utf-8")
    again = run_cli("new", "About us", "--page", cwd=site)
    assert again.returncode == 1
    assert "content/pages/about-us.md exists; not overwriting it" in again.stderr


def test_new_page_takes_no_article_fields(make_site) -> None:
    site = make_site({})
    for option in (["--author", "A"], ["--section", "S"], ["--tags", "T"]):
        done = run_cli("new", "About", "--page", *option, cwd=site)
        assert done.returncode == 2, option
        assert "--page makes a static page" in done.stderr
    assert not (site / "content/pages").exists()


KNOWN_AUTHORS_YAML = SITE_YAML + (
    "default_author: Leyla Həsənova\nauthors:\n  Tural Məmmədov:\n    bio: Sports desk.\n"
)
KNOWN_AUTHORS_FILES = {
    "content/articles/a.md": article("A", author="Aynur Quliyeva"),
    "content/articles/b.md": article("B", authors="[Rauf Mirqədirov, Aynur Quliyeva]"),
    "content/articles/broken.md": "---\ntitle: [unclosed\n---\nBroken.\n",
    "content/pages/about.md": "---\ntitle: About\nauthor: Page Person\n---\nUs.\n",
}


def test_new_warns_about_an_author_the_site_does_not_know(make_site) -> None:
    site = make_site(KNOWN_AUTHORS_FILES, KNOWN_AUTHORS_YAML)
    done = run_cli("new", "Cup final", "--author", "Aynur Qulieva", cwd=site)
    assert done.returncode == 0
    assert done.stdout == "content/articles/cup-final.md\n"
    assert done.stderr == (
        "content/articles/cup-final.md: warning: 'Aynur Qulieva' is not an author of this site "
        "yet (did you mean 'Aynur Quliyeva'?); the story will start a new author page\n"
    )
    text = (site / "content/articles/cup-final.md").read_text(encoding="utf-8")
    assert split_front_matter(text, "new.md").data["author"] == "Aynur Qulieva"
    stranger = run_cli("new", "Weather", "--author", "Zz", cwd=site)
    assert stranger.returncode == 0
    assert stranger.stderr == (
        "content/articles/weather.md: warning: 'Zz' is not an author of this site yet; "
        "the story will start a new author page\n"
    )


def test_new_is_quiet_about_authors_the_site_knows(make_site) -> None:
    site = make_site(KNOWN_AUTHORS_FILES, KNOWN_AUTHORS_YAML)
    # default_author, a key of authors:, an article's author, one of an article's authors,
    # and a spelling with the same author page.
    names = (
        "Leyla Həsənova",
        "Tural Məmmədov",
        "Aynur Quliyeva",
        "Rauf Mirqədirov",
        "AYNUR quliyeva",
    )
    for number, name in enumerate(names):
        done = run_cli("new", f"Story {number}", "--author", name, cwd=site)
        assert (done.returncode, done.stderr) == (0, ""), name
    # A page's `author` is no byline: pages have no author pages.
    page_person = run_cli("new", "Story p", "--author", "Page Person", cwd=site)
    assert "'Page Person' is not an author of this site yet" in page_person.stderr


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


class Lines:
    """Reads a process's output on a thread; next() waits (at most WAIT) for its next line."""

    def __init__(self, stream: IO[str]):
        self._lines: queue.Queue[str] = queue.Queue()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        # The test may close the pipe before the process ends (after reading what it waits
        # for): reading then stops, it does not fail.
        with contextlib.suppress(ValueError, OSError):
            for line in stream:
                self._lines.put(line)

    def next(self) -> str:
        return self._lines.get(timeout=WAIT)

    def rest(self) -> str:
        """Return every line left once the process has closed its output."""
        self._thread.join(timeout=WAIT)
        return "".join(self._lines.get_nowait() for _ in range(self._lines.qsize()))


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
        # The first build renders every page; later ones render again what changed.
        assert re.fullmatch(r"\d\d:\d\d:\d\d Built: \d+ pages rendered, .* in \d+ ms\n", built)
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


def _edit(site: Path, date: str, body: str) -> None:
    (site / "content/articles/a.md").write_text(f"---\ntitle: A\ndate: {date}\n---\n{body}\n")


@pytest.mark.parametrize("first_broken", [False, True])
def test_serve_says_rendered_for_the_first_build_and_re_rendered_after(
    make_site, temp_root: Path, first_broken: bool
) -> None:
    site = make_site({"content/articles/a.md": ""})
    _edit(site, "2024-02-31" if first_broken else "2024-02-01", "A.")
    server = start_serve(site, temp_root, "--port", "0")
    out = Lines(server.stdout)
    try:
        assert out.next().startswith("Serving the preview on ")
        # The first build renders every page, even with its only article broken: the
        # preview keeps going and serves the rest of the site.
        assert re.match(r"\d\d:\d\d:\d\d Built: [1-9]\d* pages rendered, ", out.next())
        if first_broken:
            _edit(site, "2024-02-01", "A.")
            later = r"\d\d:\d\d:\d\d content/articles/a.md changed: [1-9]\d* pages re-rendered, "
            assert re.match(later, out.next())
        _edit(site, "2024-02-01", "A, edited.")
        later = r"\d\d:\d\d:\d\d content/articles/a.md changed: [1-9]\d* pages re-rendered, "
        assert re.match(later, out.next())
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=WAIT)
    assert out.rest().endswith("Stopped.\n")
    errors = server.stderr.read()
    assert "Traceback" not in errors and "Build failed" not in errors
    assert errors.startswith("content/articles/a.md:3: 'date' is not a date") == first_broken
    assert server.returncode == 0


def test_serve_shows_a_broken_only_article_and_serves_the_rest(make_site, temp_root: Path) -> None:
    site = make_site({"content/articles/a.md": "---\ntitle: A\ndate: 2024-02-31\n---\nA.\n"})
    server = start_serve(site, temp_root, "--port", "0")
    out = Lines(server.stdout)
    try:
        url = out.next().split()[4]
        assert re.match(r"\d\d:\d\d:\d\d Built: ", out.next())
        assert get(url).status == 200  # the home page, with no article on it
        stream = EventStream(url)  # what the overlay shows
        assert stream.next()[1]["problems"][0]["path"] == "content/articles/a.md"
        stream.close()
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=WAIT)
    assert server.returncode == 0


def test_serve_help_lists_its_options() -> None:
    done = run_cli("serve", "--help", cwd=Path(tempfile.gettempdir()))
    for option in ("--port", "--bind", "--no-drafts", "--future", "--poll", "--open", "--content"):
        assert option in done.stdout


def _wait_for(out: Lines, pattern: str) -> None:
    """Read lines until one matches `pattern` (each within WAIT)."""
    while not re.match(pattern, line := out.next()):
        assert "Traceback" not in line


def _cached_build(site: Path) -> dict:
    done = run_cli("build", "--report", "report.json", cwd=site)
    assert done.returncode == 0, done.stderr
    return json.loads((site / "report.json").read_text(encoding="utf-8"))


def _cold_build(site: Path) -> dict[str, bytes]:
    done = run_cli("build", "--no-cache", "--output", "cold", cwd=site)
    assert done.returncode == 0, done.stderr
    return tree(site / "cold")


def _writer_once_read(pipe: Path) -> int:
    """Return a descriptor writing to `pipe` once a reader has it open (within WAIT)."""
    deadline = time.monotonic() + WAIT
    while True:
        try:
            return os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: nobody reads it yet
            assert time.monotonic() < deadline, "nothing read the pipe"
            time.sleep(0.05)


STORIES = {f"content/articles/s{i}.md": article(f"Story {i}", tags="[News]") for i in range(6)}


def test_serve_saves_its_edits_for_the_next_build(make_site, temp_root: Path) -> None:
    site = make_site(STORIES)
    assert _cached_build(site)["counts"]["documents_parsed"] == 6
    server = start_serve(site, temp_root, "--port", "0")
    out = Lines(server.stdout)
    try:
        _wait_for(out, r"\d\d:\d\d:\d\d Built: ")
        edited = article("Story 2, revised", body="Words written in the preview.")
        (site / "content/articles/s2.md").write_text(edited, encoding="utf-8")
        _wait_for(out, r"\d\d:\d\d:\d\d content/articles/s2.md changed: ")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=WAIT)
    assert server.returncode == 0
    assert "Traceback" not in server.stderr.read()
    report = _cached_build(site)
    assert report["counts"]["documents_parsed"] == 0  # the preview parsed the edit for it
    page = site / "output/2024/02/story-2-revised/index.html"
    assert "Words written in the preview." in page.read_text(encoding="utf-8")
    assert tree(site / "output") == _cold_build(site)


def test_ctrl_c_during_a_save_stops_serve_and_leaves_the_cache_whole(
    make_site, temp_root: Path
) -> None:
    site = make_site(STORIES)
    _cached_build(site)
    folder = site / ".cache"
    server = start_serve(site, temp_root, "--port", "0")
    out = Lines(server.stdout)
    try:
        _wait_for(out, r"\d\d:\d\d:\d\d Built: ")
        # As a build saving beside the preview would, name a pack the preview has not
        # read: a copy of the pack, put in place as a pipe nobody writes to, so the
        # preview's save blocks on reading which documents it holds, for good.
        cache, _ = load_cache(folder, code_stamp())
        assert cache.complete() is None
        (pack,) = cache.packs
        copy = f"docs-{'f' * 16}.pack"
        cache.packs = {**cache.packs, copy: cache.packs[pack]}
        save_cache(folder, cache)
        os.mkfifo(folder / copy)
        saved = (folder / "build.cache").read_bytes()
        (site / "content/articles/s2.md").write_text(
            article("Story 2, revised", body="Words written in the preview."), encoding="utf-8"
        )
        _wait_for(out, r"\d\d:\d\d:\d\d content/articles/s2.md changed: ")
        writer = _writer_once_read(folder / copy)  # the save is in flight, reading the pipe
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=WAIT)
    os.close(writer)
    assert server.returncode == 0
    assert out.rest().endswith("Stopped.\n")
    # The save cut off left the cache file as it was; with the pack a file again, it loads.
    assert (folder / "build.cache").read_bytes() == saved
    (folder / copy).unlink()
    (folder / copy).write_bytes((folder / pack).read_bytes())
    loaded, warning = load_cache(folder, code_stamp())
    assert warning is None and loaded.complete() is None
    assert set(loaded.packs) == {pack, copy}
    assert _cached_build(site)["counts"]["documents_parsed"] == 1  # the edit, not saved
    assert tree(site / "output") == _cold_build(site)
