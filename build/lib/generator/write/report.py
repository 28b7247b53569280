"""The machine-readable build report (`--report FILE.json`) for CI dashboards."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from generator import __version__
from generator.errors import Finding, Problem

REPORT_VERSION = 1


def finding_entry(finding: Finding) -> dict[str, Any]:
    p = finding.problem
    return {
        "check": finding.check,
        "level": finding.level,
        "path": p.path,
        "line": p.line,
        "message": p.message,
        "hint": p.hint,
    }


def make_report(
    command: str,
    *,
    ok: bool,
    strict: bool,
    findings: Sequence[Finding] = (),
    errors: Sequence[Problem] = (),
    counts: Mapping[str, int] | None = None,
    timings: Mapping[str, float] | None = None,
    written: Sequence[str] = (),
    removed: Sequence[str] = (),
) -> dict[str, Any]:
    """Return the report of one run of `command` as plain JSON data.

    `errors` are problems that stopped the build before any check ran (a bad date, a broken
    template); they are listed with the findings as check 'build'.
    """
    entries = [finding_entry(f) for f in findings]
    entries += [
        {"check": "build", "level": "error", "path": p.path, "line": p.line,
         "message": p.message, "hint": p.hint}
        for p in errors
    ]  # fmt: skip
    levels = [e["level"] for e in entries]
    stages = {k: round(v, 6) for k, v in (timings or {}).items()}
    return {
        "report_version": REPORT_VERSION,
        "generator": {"name": "gazette", "version": __version__},
        "command": command,
        "ok": ok,
        "strict": strict,
        "counts": {
            **dict(counts or {}),
            "errors": levels.count("error"),
            "warnings": levels.count("warning"),
        },
        "timings": stages,
        "seconds": round(sum(stages.values()), 6),
        "findings": entries,
        "files": {"written": sorted(written), "removed": sorted(removed)},
    }


def write_report(path: Path, report: Mapping[str, Any]) -> None:
    """Write `report` to `path` as indented JSON, replacing it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temp.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
