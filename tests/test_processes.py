"""Worker processes and the output lock: a killed build leaves nothing running or held."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.write.staging import output_lock
from tests.conftest import BUILD_PY, ROOT, article, tree

WAIT = 120  # seconds a build may take on a loaded machine before the test gives up


def _corpus(count: int, first: int = 0) -> dict[str, str]:
    return {
        f"content/articles/story-{n:04}.md": article(
            f"Story {n}",
            f"2024-0{1 + n % 9}-1{n % 10} 1{n % 10}:05",
            f"Story *{n}* with a [link](/tags/baku/).\n\n## Part\n\nMore text, more words.\n",
            tags=f"[Baku, Topic {n % 7}]",
            author=f"Writer {n % 4}",
        )
        for n in range(first, first + count)
    }


def _children(pid: int) -> set[int]:
    """Return the ids of the processes whose parent is `pid`."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.add(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its parent has not collected it


def _build(site: Path, *args: str) -> subprocess.Popen:
    command = [sys.executable, str(BUILD_PY), "build", "--no-cache", "-v", "--jobs", "2", *args]
    return subprocess.Popen(command, cwd=site, stderr=subprocess.PIPE, text=True)


def _kill_after(build: subprocess.Popen, stage: str) -> set[int]:
    """Kill -9 `build` once it logged `stage` and has worker processes; return their ids."""
    for line in build.stderr:
        if line.startswith(f"{stage} done"):
            break
    else:
        pytest.fail(f"the build ended before {stage}: {build.wait()}")
    deadline = time.monotonic() + WAIT
    while not (workers := _children(build.pid)):
        assert build.poll() is None, "the build ended before it started workers"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    build.kill()
    build.wait()
    build.stderr.close()
    return workers


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("stage", ["read", "assemble"])  # killed while parsing, rendering
def test_a_killed_build_leaves_no_worker_and_no_lock_behind(make_site, stage: str) -> None:
    site = make_site(_corpus(1000))
    first = subprocess.run(
        [sys.executable, str(BUILD_PY), "build", "-q", "--jobs", "2"], cwd=site, timeout=WAIT
    )
    assert first.returncode == 0
    old = tree(site / "output")
    (site / "content/articles/story-late.md").write_text(article("Late story", "2024-03-01"))

    workers = _kill_after(_build(site), stage)
    deadline = time.monotonic() + 3
    while any(_alive(pid) for pid in workers):
        assert time.monotonic() < deadline, "a worker outlived its killed build"
        time.sleep(0.02)
    assert tree(site / "output") == old  # killed before its commit: the old site, whole

    after = subprocess.run(
        [sys.executable, str(BUILD_PY), "build", "-q", "--jobs", "2"],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert after.returncode == 0, after.stderr
    assert "waiting" not in after.stderr
    new = tree(site / "output")
    assert "2024/03/late-story/index.html" in new
    assert set(new) > set(old)


def test_a_build_waiting_for_another_names_its_process(make_site) -> None:
    site = make_site(_corpus(3))
    with output_lock(site / "output"):
        waiting = subprocess.Popen(
            [sys.executable, str(BUILD_PY), "build", "-q"],
            cwd=site,
            stderr=subprocess.PIPE,
            text=True,
        )
        said = waiting.stderr.readline()
        assert said == (f"another build (pid {os.getpid()}) is writing to output; waiting for it\n")
        assert waiting.poll() is None
    assert waiting.wait(timeout=WAIT) == 0
    assert (site / "output/index.html").is_file()
    assert not (site / ".output.gazette-lock").exists()


def test_a_stop_dropped_in_a_weakref_callback_is_sent_again() -> None:
    # A signal's KeyboardInterrupt raised while a weakref callback or a finalizer runs is
    # printed and dropped by Python, and the build would go on: it is sent again, to stop
    # the build where it can.
    code = (
        "import sys, time, weakref\n"
        "from generator.cli.main import _redeliver\n"
        "sys.unraisablehook = _redeliver(sys.unraisablehook)\n"
        "class Thing: pass\n"
        "def callback(_): raise KeyboardInterrupt\n"
        "thing = Thing(); ref = weakref.ref(thing, callback)\n"
        "try:\n"
        "    del thing\n"
        "    deadline = time.monotonic() + 10\n"
        "    while time.monotonic() < deadline: time.sleep(0.001)\n"
        "    print('went on')\n"
        "except KeyboardInterrupt:\n"
        "    print('stopped')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.stdout.strip() == "stopped", done.stdout + done.stderr
    assert done.stderr == ""
