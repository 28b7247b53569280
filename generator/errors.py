"""The errors a build reports to the user: each names a file and, where one exists, a line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def display_path(path: Path | str) -> str:
    """Return `path` relative to the working directory when it lies below it, else as given."""
    p = Path(path)
    try:
        # The folder is resolved, the name is not: a link is named as itself, never by its target.
        p = p.absolute()
        p = p.resolve() if p.name == ".." else p.parent.resolve() / p.name
        return p.relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a loop of links
        return Path(path).as_posix()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, printed GNU style as `path:line: message`."""

    path: str
    line: int | None
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.message}"
        return f"{text}\n  hint: {self.hint}" if self.hint else text


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
    """The build stopped on user errors; `problems` lists every one found in the run."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class OutputError(Exception):
    """The output folder cannot be used or written; its previous content is unchanged."""


class OutputRefused(OutputError):
    """The output folder is one we must not clean (the project, content, or foreign files)."""


class OutputFailed(OutputError):
    """Writing the output failed (disk full, read-only folder); nothing was replaced."""
