"""What the command line prints: findings, problems, summaries, rebuild lines and reports."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from generator.check.summary import summarize as summarize_findings
from generator.errors import Finding, Problem, printable
from generator.incremental.uptodate import Tally
from generator.pipeline.build import BuildResult
from generator.write.report import make_report, write_report

if TYPE_CHECKING:
    from generator.dev.loop import Rebuild


def print_findings(findings: Sequence[Finding], quiet: bool) -> None:
    for finding in findings:
        if finding.level == "error" or not quiet:
            print(finding, file=sys.stderr)
    for line in summarize_findings(findings):
        if not quiet or line.split(" ", 2)[1].startswith("error"):
            print(line, file=sys.stderr)


def write_run_report(args: argparse.Namespace, command: str, **fields) -> None:
    if args.report:
        write_report(args.report, make_report(command, strict=args.strict, **fields))


def print_problems(problems: Sequence[Problem], kind: str = "") -> None:
    for problem in problems:
        text = str(problem)
        if kind:
            where, _, message = text.partition(": ")
            text = f"{where}: {kind}: {message}"
        print(text, file=sys.stderr)


def summary(result: BuildResult) -> str:
    """Return the line that ends a build: what it published and wrote, and what it left out."""
    tally, sync = result.tally, result.sync
    line = (
        f"Built {_count(tally.articles, 'article')}, {_count(tally.pages, 'page')}, "
        f"{_count(tally.tags, 'tag')}: {_count(len(sync.written), 'file')} written, "
        f"{sync.unchanged} unchanged, {len(sync.removed)} removed in {result.seconds:.2f} s"
    )
    held = left_out(tally)
    return f"{line}; {held} left out" if held else line


def _count(n: int, noun: str) -> str:
    """Return '1 article' or '3 articles'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def left_out(tally: Tally) -> str:
    """Return '2 drafts and 1 scheduled story' for what a build held back, or '' for none."""
    parts = [
        f"{n} {word if n == 1 else plural}"
        for n, word, plural in (
            (tally.drafts, "draft", "drafts"),
            (tally.scheduled, "scheduled story", "scheduled stories"),
            (tally.expired, "expired story", "expired stories"),
        )
        if n
    ]
    return ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else "".join(parts)


def counts(result: BuildResult) -> dict[str, int]:
    tally, sync = result.tally, result.sync
    return {
        "articles": tally.articles,
        "pages": tally.pages,
        "tags": tally.tags,
        "drafts_left_out": tally.drafts,
        "scheduled_left_out": tally.scheduled,
        "expired_left_out": tally.expired,
        "files_written": len(sync.written),
        "files_unchanged": sync.unchanged,
        "files_removed": len(sync.removed),
        "documents_parsed": result.parsed,
        "pages_rendered": result.rendered,
    }


def _rebuild_line(rebuild: Rebuild, first: bool) -> str:
    changed = printable(", ".join(rebuild.changed[:3]))
    if len(rebuild.changed) > 3:
        changed += f" and {len(rebuild.changed) - 3} more"
    what = f"{changed} changed" if changed else "Built"
    result = rebuild.result
    assert result is not None
    sync = result.sync
    rendered = "rendered" if first else "re-rendered"
    return (
        f"{time.strftime('%H:%M:%S')} {what}: {result.rendered} pages {rendered}, "
        f"{len(sync.written)} files written, {len(sync.removed)} removed "
        f"in {rebuild.milliseconds:.0f} ms"
    )


class RebuildReporter:
    """Prints each build of the preview as it ends. The first to succeed rendered every page
    for the first time; later ones render again what changed."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.built = False

    def __call__(self, rebuild: Rebuild) -> None:
        report_rebuild(rebuild, self.quiet, first=not self.built)
        self.built = self.built or rebuild.result is not None


def report_rebuild(rebuild: Rebuild, quiet: bool, first: bool = False) -> None:
    """Print the findings and the line of a preview build, or its problems with their lines;
    `first` says no earlier build of this preview succeeded."""
    if rebuild.result is not None:  # built, perhaps with documents left out
        print_findings(rebuild.result.findings, quiet)
        _print_excerpts(rebuild)
        if not quiet:
            print(_rebuild_line(rebuild, first), flush=True)
        return
    _print_excerpts(rebuild)
    count = len(rebuild.problems)
    print(
        f"{time.strftime('%H:%M:%S')} Build failed: {count} error{'s' if count != 1 else ''}; "
        "the preview keeps the last good pages.",
        file=sys.stderr,
        flush=True,
    )


def _print_excerpts(rebuild: Rebuild) -> None:
    """Print each problem of `rebuild` with the lines around it."""
    for item in rebuild.problems:
        print(item.problem, file=sys.stderr)
        for number, text in item.lines:
            mark = ">" if number == item.problem.line else " "
            print(f"  {mark}{number:5} | {text}", file=sys.stderr)


def left_out_summary(result: BuildResult) -> str:
    """Return the lines saying how many documents a --keep-going build left out and which
    addresses the last build published that are now gone."""
    count = len({p.path for p in result.left_out})
    text = f"Left out {count} document{'s' if count != 1 else ''} that could not be built."
    if result.gone:
        shown = ", ".join(printable(url) for url in result.gone[:10])
        more = f" and {len(result.gone) - 10} more" if len(result.gone) > 10 else ""
        text += f"\nNo longer published: {shown}{more}"
    return text
