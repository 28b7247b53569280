#!/usr/bin/env python3
"""Benchmark Gazette against Pelican and Hugo on the shared synthetic newsroom corpus.

Runs ../shared/bench/peers.sh with our cold build timed in the same rounds as Pelican and Hugo,
then measures, on the same corpus and machine: the Markdown floor, our no-change and
one-edit rebuilds with the persistent cache, and the dev server's save-to-served latency.
Prints one table per corpus size with medians, min-max, peak memory and ratios.

    python bench/run.py                      # 1,000 and 10,000 articles, 3 runs each
    python bench/run.py --articles 1000 --runs 5

Timing goals are checked here, never in the test suite.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.config import load_config  # noqa: E402
from generator.markup.converter import Converter  # noqa: E402
from generator.source.files import read_content  # noqa: E402
from generator.source.parse import parse_document  # noqa: E402

SHARED = ROOT.parent / "shared" / "bench"
SITE = ROOT / "bench" / "site.yaml"  # the peers' page set
NEWSROOM = ROOT / "bench" / "newsroom.yaml"  # every page and feed Gazette makes by default


def build_command(settings: Path) -> list[str]:
    """Return the command that builds the site of `settings` quietly."""
    return [sys.executable, str(ROOT / "build.py"), "build", "--config", str(settings), "-q"]


BUILD = build_command(SITE)


@dataclass
class Sample:
    wall: float
    rss_mib: float


def run(argv: list[str], cwd: Path = ROOT) -> Sample:
    """Run a command to completion; return its wall time and peak memory."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status):
            errors.seek(0)
            sys.exit(f"failed: {shlex.join(argv)}\n{errors.read().decode()[-3000:]}")
    return Sample(wall, usage.ru_maxrss / 1024)


def summary(samples: list[float]) -> str:
    return f"{statistics.median(samples):8.2f} {min(samples):7.2f}-{max(samples):<7.2f}"


def peers(n: int, runs: int, work: Path) -> dict[str, tuple[float, float]]:
    """Run peers.sh for `n` with our cold build beside; return label -> (median s, MiB)."""
    ours = shlex.join([*BUILD, "--no-cache", "--content"]) + " {src} --output {out}"
    env = dict(os.environ, N=str(n), RUNS=str(runs), WORK=str(work), OURS=ours)
    out = subprocess.run(
        ["bash", str(SHARED / "peers.sh")], cwd=ROOT, env=env, capture_output=True, text=True
    )
    print(out.stdout)
    if out.returncode:
        sys.exit(f"peers.sh failed:\n{out.stderr[-3000:]}")
    rows = {}
    for line in out.stdout.splitlines():
        cells = line.split()
        if len(cells) == 6 and re.match(r"^\d", cells[1]):  # label median min max MiB x-hugo
            rows[cells[0]] = (float(cells[1]), float(cells[4]))
    return rows


def floor(corpus: Path) -> tuple[float, float]:
    """Return one-process Markdown time for the corpus: with `extra`, and as we configure it."""
    import markdown

    config = load_config(SITE, content_dir=corpus)
    tree = read_content(corpus)
    bodies = [s.text.split("\n---\n", 1)[-1] for s in tree.sources]
    extra = markdown.Markdown(extensions=["extra"])
    started = time.perf_counter()
    for body in bodies:
        extra.reset().convert(body)
    plain = time.perf_counter() - started
    ours = Converter(config.smart_typography, config.raw_html)
    started = time.perf_counter()
    for body in bodies:
        ours.convert(body)
    return plain, time.perf_counter() - started


def newsroom(corpus: Path, work: Path, runs: int) -> tuple[list[float], float, int]:
    """Time cold builds of the full newsroom site; return the times, peak MiB and files."""
    out = work / "ours-newsroom"
    argv = [*build_command(NEWSROOM), "--no-cache", "--content", str(corpus), "--output", str(out)]
    samples = []
    for _ in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        samples.append(run(argv))
    files = sum(1 for p in out.rglob("*") if p.is_file())
    return [s.wall for s in samples], max(s.rss_mib for s in samples), files


def article_url(corpus: Path, file: Path) -> str:
    config = load_config(SITE, content_dir=corpus)
    source = next(s for s in read_content(corpus).sources if s.file == file)
    return parse_document(source, config, Converter(True)).document.url


def edit(file: Path, marker: str) -> None:
    """Append a paragraph to an article, as a writer saving the file would."""
    text = file.read_text(encoding="utf-8")
    text = re.sub(r"\n\nBench edit [^\n]*\n$", "\n", text)
    file.write_text(text.rstrip("\n") + f"\n\nBench edit {marker}.\n", encoding="utf-8")


def rebuilds(corpus: Path, work: Path, runs: int) -> dict[str, list[float]]:
    """Time no-change and one-edit rebuilds with the persistent cache; check the result."""
    out, cache = work / "ours-out", work / "ours-cache"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    base = [*BUILD, "--content", str(corpus), "--output", str(out), "--cache-dir", str(cache)]
    run(base)  # fills the cache
    nochange = [run(base).wall for _ in range(runs)]
    victim = sorted(corpus.glob("*.md"))[len(list(corpus.glob("*.md"))) // 2]
    original = victim.read_bytes()
    one_edit = []
    try:
        for i in range(runs):
            edit(victim, f"{i}-{time.time_ns()}")
            one_edit.append(run(base).wall)
        cold = work / "ours-cold"
        shutil.rmtree(cold, ignore_errors=True)
        run([*BUILD, "--no-cache", "--content", str(corpus), "--output", str(cold)])
        same = subprocess.run(["diff", "-rq", str(out), str(cold)], capture_output=True)
        if same.returncode:
            sys.exit(f"one-edit rebuild differs from a cold build:\n{same.stdout.decode()}")
    finally:
        victim.write_bytes(original)
    return {"no-change": nochange, "one-edit": one_edit}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dev_latency(corpus: Path, runs: int) -> list[float]:
    """Return seconds from saving an article to the dev server serving the new text."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - kept after the run for reading
        prefix="gazette-serve-", suffix=".log", delete=False
    )
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "serve", "--config", str(SITE), "--content",
         str(corpus), "--port", str(port)],
        cwd=ROOT, stdout=log, stderr=log,
    )  # fmt: skip
    victim = sorted(corpus.glob("*.md"))[7]
    original = victim.read_bytes()
    url = f"http://127.0.0.1:{port}{article_url(corpus, victim)}"
    try:
        _wait_for(url, lambda body: True, 900, log.name)
        times = []
        for i in range(runs * 5):
            marker = f"latency-{i}-{time.time_ns()}"
            time.sleep(0.3)  # let the previous rebuild settle, as between real saves
            started = time.perf_counter()
            edit(victim, marker)
            _wait_for(url, lambda body, m=marker: m.encode() in body, 300, log.name)
            times.append(time.perf_counter() - started)
        return times
    finally:
        victim.write_bytes(original)
        server.terminate()
        server.wait(10)


def _wait_for(url: str, ready, timeout: float, log: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if ready(response.read()):
                    return
        except OSError:
            pass
        time.sleep(0.002)
    sys.exit(f"timed out waiting for {url}; the server's output is in {log}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/gazette-bench"))
    parser.add_argument("--no-dev", action="store_true", help="skip the dev-server latency")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    # Compiled once, as an install would: with PYTHONDONTWRITEBYTECODE set (as on these
    # machines) every build would otherwise compile the whole package again, while the
    # peers run from pip installs, which compile theirs.
    compileall.compile_dir(ROOT / "generator", quiet=1)
    print(f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {cores} cores, "
          f"Python {platform.python_version()}")  # fmt: skip
    for n in args.articles:
        table = peers(n, args.runs, args.work)
        corpus = args.work / "corpus" / f"yaml-{n}"
        ours, pelican, hugo = table["ours"], table["pelican"], table["hugo"]
        extra, configured = floor(corpus)
        print(f"N={n}")
        print(
            f"  floor: Markdown 'extra' {extra:.2f} s, as configured {configured:.2f} s, "
            f"one process; / {cores} cores = {extra / cores:.2f} s / {configured / cores:.2f} s"
        )
        print(
            f"  cold: {ours[0]:.2f} s, {ours[1]:.0f} MiB = {ours[0] / pelican[0]:.2f} x Pelican,"
            f" {ours[0] / hugo[0]:.2f} x Hugo, {ours[0] / (extra / cores):.2f} x floor(extra),"
            f" {ours[0] / (configured / cores):.2f} x floor(configured);"
            f" memory {ours[1] / hugo[1]:.2f} x Hugo",
            flush=True,
        )
        full, full_mib, files = newsroom(corpus, args.work, args.runs)
        med = statistics.median(full)
        print(
            f"  cold, full newsroom site ({files} files): {med:.2f} s ({min(full):.2f}-"
            f"{max(full):.2f}), {full_mib:.0f} MiB = {med / pelican[0]:.2f} x Pelican,"
            f" {med / (extra / cores):.2f} x floor(extra)",
            flush=True,
        )
        for label, samples in rebuilds(corpus, args.work, args.runs).items():
            med = statistics.median(samples)
            print(
                f"  {label:<10} {summary(samples)} s = {med / hugo[0]:.2f} x Hugo cold,"
                f" {med / pelican[0]:.2f} x Pelican cold",
                flush=True,
            )
        latency = [] if args.no_dev else dev_latency(corpus, args.runs)
        if latency:
            print(f"  dev server save-to-served: median {statistics.median(latency) * 1000:.0f} ms"
                  f" (min {min(latency) * 1000:.0f}, max {max(latency) * 1000:.0f}, "
                  f"{len(latency)} saves)", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
