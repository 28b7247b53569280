"""Watching: which changes count, debouncing, and real watchdog events driving rebuilds."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import article, write_files
from dev_support import WAIT, EventStream, get
from test_dev_loop import SITE_YAML, small_site

from generator.dev.loop import Rebuild
from generator.dev.preview import Preview
from generator.dev.watch import Debouncer, WatchedPaths, Watcher, is_ignored


@pytest.mark.parametrize(
    "name",
    [".beta.md.swp", ".beta.md.swx", "beta.md~", "4913", "#beta.md#", ".#beta.md", "sedX1b2c3",
     "beta.md.tmp", "beta.md___jb_tmp___", ".DS_Store", ".git/index"],
)  # fmt: skip
def test_editor_leftovers_are_ignored(name: str, tmp_path: Path) -> None:
    assert is_ignored(tmp_path / "articles" / name, tmp_path)


@pytest.mark.parametrize("name", ["beta.md", "photo.jpg", "trip/index.md", "sed.md"])
def test_content_is_not_ignored(name: str, tmp_path: Path) -> None:
    assert not is_ignored(tmp_path / "articles" / name, tmp_path)


def test_only_sources_are_relevant(tmp_path: Path) -> None:
    watched = WatchedPaths([tmp_path / "content"], [tmp_path / "site.yaml"])
    assert watched.relevant(tmp_path / "content/articles/a.md")
    assert watched.relevant(tmp_path / "site.yaml")
    assert not watched.relevant(tmp_path / "other.yaml")
    assert not watched.relevant(tmp_path / "output/index.html")
    assert not watched.relevant(tmp_path / "content/articles/.a.md.swp")


def test_debouncer_waits_for_a_quiet_period() -> None:
    d = Debouncer(quiet=0.1, cap=2.0)
    assert d.wait_time(0.0) is None
    d.add(Path("a"), 10.0)
    assert d.wait_time(10.05) == pytest.approx(0.05)
    d.add(Path("b"), 10.08)  # a new change restarts the quiet period
    assert d.wait_time(10.1) == pytest.approx(0.08)
    assert d.wait_time(10.18) == 0
    assert d.take() == {Path("a"), Path("b")}
    assert d.wait_time(11.0) is None


def test_debouncer_caps_the_wait_when_changes_never_stop() -> None:
    d = Debouncer(quiet=0.1, cap=2.0)
    now = 0.0
    while d.wait_time(now) != 0:
        d.add(Path(f"f{now}"), now)
        now = round(now + 0.05, 2)
    assert now == 2.0
    assert len(d.take()) == 40


@pytest.fixture
def site(make_site) -> Path:
    return make_site(small_site(), SITE_YAML)


@pytest.fixture(params=[False, True], ids=["inotify", "poll"])
def watching(request, site: Path) -> Iterator[tuple[Preview, queue.Queue[Rebuild]]]:
    rebuilds: queue.Queue[Rebuild] = queue.Queue()
    with Preview(site / "site.yaml", port=0, poll=request.param, report=rebuilds.put) as running:
        assert running.start().ok
        assert rebuilds.get_nowait().changed == ()
        yield running, rebuilds


def settle(site: Path, rebuilds: queue.Queue[Rebuild]) -> list[Rebuild]:
    """Change a marker file; return the rebuilds up to and including the one that saw it.

    A change that produced more than one rebuild shows as an extra rebuild before the marker's,
    or as its files mixed into the marker's.
    """
    marker = site / "content/articles/marker.md"
    count = len(marker.read_text()) if marker.exists() else 0
    marker.write_text(article(f"Marker {count}", "2023-01-01 10:00"))
    seen = []
    while not seen or not any(p.endswith("marker.md") for p in seen[-1].changed):
        seen.append(rebuilds.get(timeout=WAIT))
    return seen


def test_atomic_saves_and_swap_files_make_one_rebuild(watching, site: Path) -> None:
    preview, rebuilds = watching
    stream = EventStream(preview.url)
    assert stream.next()[0] == "hello"
    folder = site / "content/articles"
    # vim: swap file, write test, original renamed to a backup, new file written, backup gone
    (folder / ".beta.md.swp").write_bytes(b"swap")
    (folder / "4913").write_bytes(b"")
    (folder / "4913").unlink()
    os.rename(folder / "beta.md", folder / "beta.md~")
    (folder / "beta.md").write_text(article("Beta", "2024-02-02 10:00", body="Saved by vim."))
    (folder / "beta.md~").unlink()
    rebuild = rebuilds.get(timeout=WAIT)
    assert [Path(p).name for p in rebuild.changed] == ["beta.md"]
    name, event = stream.next()  # the tags changed too: no page ahead, one reload after it
    assert (name, event["generation"]) == ("reload", 2) and "/2024/02/beta/" in event["paths"]
    assert "Saved by vim." in get(preview.url + "2024/02/beta/").text
    # sed -i: a temporary file renamed over the original
    (folder / "sedAb12Cd").write_text(article("Beta", "2024-02-02 10:00", body="Saved by sed."))
    os.replace(folder / "sedAb12Cd", folder / "beta.md")
    rebuild = rebuilds.get(timeout=WAIT)
    assert [Path(p).name for p in rebuild.changed] == ["beta.md"]
    assert "Saved by sed." in get(preview.url + "2024/02/beta/").text
    (folder / ".beta.md.swp").unlink()
    assert [[Path(p).name for p in r.changed] for r in settle(site, rebuilds)] == [["marker.md"]]
    stream.close()


def test_a_checkout_of_many_files_makes_one_rebuild(watching, site: Path) -> None:
    preview, rebuilds = watching
    files = {
        f"content/articles/bulk-{n:03}.md": article(f"Bulk {n}", "2023-05-05") for n in range(120)
    }
    write_files(site, files)
    rebuild = rebuilds.get(timeout=WAIT)
    assert rebuild.ok and rebuild.result.parsed == 120
    assert len(rebuild.changed) == 120
    assert [[Path(p).name for p in r.changed] for r in settle(site, rebuilds)] == [["marker.md"]]
    assert get(preview.url + "2023/05/bulk-77/").status == 200


def test_new_folders_are_watched(watching, site: Path) -> None:
    preview, rebuilds = watching
    (site / "content/articles/trip").mkdir()
    rebuilds.get(timeout=WAIT)  # the folder's own rebuild, which changes nothing
    write_files(site, {"content/articles/trip/index.md": article("Trip", "2024-01-05")})
    while get(preview.url + "2024/01/trip/").status != 200:
        rebuilds.get(timeout=WAIT)


def test_settings_change_rebuilds_with_the_new_settings(watching, site: Path) -> None:
    preview, rebuilds = watching
    (site / "site.yaml").write_text(SITE_YAML.replace("Test Gazette", "Renamed Gazette"))
    rebuild = rebuilds.get(timeout=WAIT)
    assert rebuild.ok and rebuild.result.parsed == 0  # parsing does not read the title
    assert "Renamed Gazette" in get(preview.url).text


def test_early_batches_arrive_while_a_rebuild_is_still_running(tmp_path: Path) -> None:
    building, release = threading.Event(), threading.Event()
    early: queue.Queue[frozenset[Path]] = queue.Queue()

    def on_batch(batch: frozenset[Path]) -> None:
        building.set()
        release.wait(WAIT)  # a long rebuild

    watcher = Watcher(WatchedPaths([tmp_path], []), on_batch, on_early=early.put)
    watcher.start()
    try:
        (tmp_path / "first.md").write_text("one")
        assert building.wait(WAIT)
        assert early.get(timeout=WAIT) == {(tmp_path / "first.md").resolve()}
        (tmp_path / "second.md").write_text("two")  # saved while the rebuild runs
        assert early.get(timeout=WAIT) == {(tmp_path / "second.md").resolve()}
        assert not release.is_set()
    finally:
        release.set()
        watcher.stop()
