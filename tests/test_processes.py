"""The output lock: held by the build's own process, which a waiting build names."""

from __future__ import annotations

import os
import subprocess
import sys

from generator.write.staging import output_lock
from tests.conftest import BUILD_PY, article

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
