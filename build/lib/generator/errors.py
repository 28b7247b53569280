"""The errors a build reports to the user: each names a file and, where one exists, a line."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


def display_path(path: Path | str) -> str:
    """Return `path` relative to the working directory when it lies below it, else as given.

    The folder is resolved, the name is not: a link is named as itself, never by its target.
    Resolved folders are remembered per working directory (every reported problem asks), so a
    folder replaced by a link while the process runs keeps the name it had when first shown.
    """
    text = path if isinstance(path, str) else str(path)
    plain = _is_plain(text)  # the common case, done without pathlib
    try:
        cwd = os.getcwd()
        if plain:
            full = text if text.startswith("/") else f"{cwd.rstrip('/')}/{text}"
            parent, _, name = full.rpartition("/")
            parent = parent or "/"
        else:
            absolute = Path(text).absolute()
            parent, name = str(absolute.parent), absolute.name
        if name == "..":
            target = _resolved(cwd, f"{parent}/{name}")
        else:
            folder = _resolved(cwd, parent)
            target = folder if folder is None or not name else f"{folder.rstrip('/')}/{name}"
        here = _resolved(cwd, cwd)
    except OSError:
        target = here = None
    if target is not None and here is not None:
        if target == here:
            return "."
        below = here.rstrip("/") + "/"
        if target.startswith(below):
            return target[len(below) :]
    return text if plain else Path(text).as_posix()


def _is_plain(text: str) -> bool:
    """Return True if pathlib would keep `text` as it is (no '.', '//' or trailing '/')."""
    return not (
        text in ("", ".")
        or "//" in text
        or "/./" in text
        or text.startswith("./")
        or text.endswith(("/", "/."))
    )


@functools.lru_cache(maxsize=4096)
def _resolved(cwd: str, folder: str) -> str | None:
    """Return the resolved form of `folder` (absolute) seen from `cwd`, or None if it cannot
    be resolved (a loop of links, a NUL byte)."""
    try:
        return str(Path(folder).resolve())
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a loop of links
        return None


# Characters a terminal or a CI log would act on rather than show: C0 and C1 controls
# (a newline would start a line of its own, such as a forged `::error` annotation) and the
# bidirectional overrides and isolates, which reorder what follows them on screen.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Return `text` with control characters and bidirectional overrides written as escapes
    (`\\n`, `\\u202e`); every other character, Azərbaycan's included, as it is."""
    if not _UNPRINTABLE.search(text):
        return text
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, printed GNU style as `path:line: message`."""

    path: str
    line: int | None
    message: str
    hint: str = ""

    def __str__(self) -> str:
        """Return the problem as printed: one line, and its hint on a second."""
        where = f"{printable(self.path)}:{self.line}" if self.line else printable(self.path)
        text = f"{where}: {printable(self.message)}"
        return f"{text}\n  hint: {printable(self.hint)}" if self.hint else text


class SourceError(Exception):
    """A user's file (content, settings, template) cannot be used as it is."""

    def __init__(self, path: Path | str, line: int | None, message: str, hint: str = ""):
        self.problem = Problem(display_path(path), line, message, hint)
        super().__init__(str(self.problem))

    def __reduce__(self):  # keep the pickled form small and exact across processes
        return (_rebuild_source_error, (self.problem,))


def _rebuild_source_error(problem: Problem) -> SourceError:
    err = SourceError.__new__(SourceError)
    err.problem = problem
    Exception.__init__(err, str(problem))
    return err


class BuildFailed(Exception):
    """The build stopped on user errors; `problems` lists every one found in the run.

    When the checks stopped it, `findings` holds all they found (warnings too) and the
    problems are its errors; `timings` holds the time of each stage that ran.
    """

    def __init__(
        self,
        problems: Sequence[Problem],
        findings: Sequence[Finding] = (),
        timings: Mapping[str, float] | None = None,
    ):
        self.problems = tuple(problems)
        self.findings = tuple(findings)
        self.timings = dict(timings or {})
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):  # pickled with its attributes, not with the joined message
        return (type(self), (self.problems, self.findings, self.timings))


class OutputError(Exception):
    """The output folder cannot be used or written; its previous content is unchanged."""


class OutputRefused(OutputError):
    """The output folder is one we must not clean (the project, content, or foreign files)."""


class OutputFailed(OutputError):
    """Writing the output failed (disk full, read-only folder); nothing was replaced."""


@dataclass(frozen=True)
class Finding:
    """One problem a check found; `level` is 'error' or 'warning'."""

    check: str
    problem: Problem
    level: str = "warning"

    def __str__(self) -> str:
        text = str(self.problem)
        where, _, message = text.partition(": ")
        return f"{where}: {self.level}: {message}"
