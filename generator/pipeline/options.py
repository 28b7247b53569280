"""What a build is asked to do (BuildOptions) and what it reports (BuildResult)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from generator.errors import Finding, Problem
from generator.incremental.uptodate import Tally
from generator.processes import START_METHODS
from generator.write.staging import SyncResult

# What `build.py list` lists: the documents a build at a moment leaves out (pipeline.held).
HELD_KINDS = ("drafts", "future", "expired")


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    future: bool = False
    clock: datetime | None = None  # build as if it were this moment (default: now)
    use_cache: bool = True  # read and save the persistent cache in config.cache_dir
    strict: bool = False  # warnings are errors: the build fails and writes nothing
    jobs: int | None = None  # worker processes to parse and render with (None: the cores)
    # How workers start: "fork" where the build runs in a process with one thread (the
    # command line); a process with threads passes "forkserver" or "spawn", and then renders
    # in its own process (the render plan is shared by fork only).
    start_method: str = "fork"
    # Leave out documents that cannot be read, parsed or placed (each reported) and build
    # the rest, rather than fail; settings and theme errors still fail the build.
    keep_going: bool = False
    # With keep_going: a document that no longer parses is built as it last parsed (in this
    # cache), its error still reported: the preview keeps a broken story's last good page.
    last_good: bool = False

    def __post_init__(self) -> None:
        if self.jobs is not None and self.jobs < 1:
            raise ValueError(f"jobs must be at least 1, not {self.jobs}")
        if self.start_method not in START_METHODS:
            raise ValueError(f"unknown start method {self.start_method!r}")


@dataclass(frozen=True)
class BuildResult:
    tally: Tally  # what the site publishes
    sync: SyncResult
    warnings: tuple[Problem, ...]
    seconds: float
    parsed: int  # documents parsed in this build (the rest came from the cache)
    rendered: int  # pages rendered in this build (the rest came from the cache)
    timings: dict[str, float] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()  # the checks' findings and the warnings, with levels
    left_out: tuple[Problem, ...] = ()  # with keep_going: why each document was left out
    gone: tuple[str, ...] = ()  # with keep_going: site paths the last build had, now gone
    notes: tuple[Problem, ...] = ()  # worth a line to the user, never a warning
