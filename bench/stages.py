#!/usr/bin/env python3
"""Instructions per stage of a cold build, counted by callgrind: steady where wall time on a
shared machine is not, so two versions of the code compare on one corpus.

    python bench/stages.py CORPUS                      # this checkout
    python bench/stages.py CORPUS --other ../old-checkout --python ../old/.venv/bin/python

Each build runs in one process (`-j 1`, or one core for code without --jobs) with the
settings of bench/site.yaml, under `valgrind --tool=callgrind`, about fifty times slower than
without. The build's stage laps are marked by a call to getpgid(), which callgrind is told to
dump counts before; the table gives millions of instructions per stage and the ratio.
"""

from __future__ import annotations

import argparse
import compileall
import glob
import os
import re
import runpy
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Where callgrind dumps: at each mark below and at the end of the process.
STAGES = (
    "start", "import", "read", "parse", "assemble", "render", "check", "write", "exit", "teardown"
)  # fmt: skip


def _child(root: str, argv: list[str]) -> None:
    """Run the build of `root` (its build.py) with `argv`, marking each stage's end."""
    sys.path.insert(0, root)
    os.chdir(root)
    os.getpgid(0)  # the interpreter has started
    laps = None
    for module, name in (("generator.pipeline.laps", "Laps"), ("generator.pipeline.build", "_Laps"),
                         ("generator.pipeline", "_Laps")):  # fmt: skip
        try:
            laps = getattr(__import__(module, fromlist=[name]), name)
            break
        except (ImportError, AttributeError):
            continue
    if laps is None:
        sys.exit(f"{root}: no stage laps found")
    lap = laps.lap

    def marked(self, stage: str) -> None:
        os.getpgid(0)
        lap(self, stage)

    laps.lap = marked
    main = runpy.run_path(os.path.join(root, "build.py"), run_name="bench")["main"]
    os.getpgid(0)  # imported
    main(argv)
    os.getpgid(0)  # built


def count(root: Path, python: str, corpus: Path, work: Path) -> dict[str, int]:
    """Return instructions by stage of a cold build of `corpus` with the code at `root`."""
    compileall.compile_dir(root / "generator", quiet=1)  # as an install would
    help_text = subprocess.run(
        [python, str(root / "build.py"), "build", "--help"], capture_output=True, text=True
    ).stdout
    jobs = ["-j", "1"] if "--jobs" in help_text else []
    out = work / f"cg-{root.name}"
    argv = ["build", "--config", "bench/site.yaml", "--no-cache", "--content", str(corpus),
            "--output", str(work / f"site-{root.name}"), "-q", *jobs]  # fmt: skip
    code = f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import stages; " \
           f"stages._child({str(root)!r}, {argv!r})"  # fmt: skip
    subprocess.run(
        ["taskset", "-c", "0", "valgrind", "--tool=callgrind", "--dump-before=getpgid",
         f"--callgrind-out-file={out}.%p", python, "-c", code],
        check=True, capture_output=True,
    )  # fmt: skip
    parts: dict[int, int] = {}
    for file in glob.glob(f"{out}.*"):
        part = re.search(r"\.\d+(?:\.(\d+))?$", file)
        total = re.search(r"^(?:totals|summary): (\d+)", Path(file).read_text(), re.M)
        if part and total:
            parts[int(part.group(1) or 10**6)] = int(total.group(1))
    counts = [n for _, n in sorted(parts.items())]
    if len(counts) != len(STAGES):
        sys.exit(f"{root}: {len(counts)} dumps, not one per stage: did the build fail?")
    return dict(zip(STAGES, counts, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="a folder of articles (make_corpus.py)")
    parser.add_argument("--other", type=Path, help="another checkout to compare with")
    parser.add_argument("--python", default=sys.executable, help="the other checkout's Python")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        runs = {"this": count(ROOT, sys.executable, args.corpus.resolve(), work)}
        if args.other:
            runs["other"] = count(args.other.resolve(), args.python, args.corpus.resolve(), work)
    header = f"{'stage':10}" + "".join(f"{name:>14}" for name in runs)
    print(header + ("   this/other" if args.other else ""))
    for stage in (*STAGES, "total"):
        values = [sum(r.values()) if stage == "total" else r.get(stage, 0) for r in runs.values()]
        line = f"{stage:10}" + "".join(f"{v / 1e6:12.0f} M" for v in values)
        if args.other and values[1]:
            line += f"   {values[0] / values[1]:.3f}"
        print(line)


if __name__ == "__main__":
    main()
