"""The files of a finished site, as the render stage hands them to the writer."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path


def digest(data: bytes) -> str:
    """Return the content hash used for every file of a site (outputs, manifest, caches)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def stamp(info: os.stat_result) -> tuple[int, int, int]:
    """Return what tells that a file may have changed since it was last read or written: its
    size and its modification and status change times. The last changes with any change
    of the file, even one that sets the modification time back, and with a chmod (a file
    made unreadable must be noticed as a cold build would notice it)."""
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns


@dataclass(frozen=True)
class Output:
    """One file of the site: rendered bytes, a file copied as it is, or a page kept as it is.

    A kept page (no data, no file) is one whose inputs are unchanged since the build that
    wrote the file now in the output folder with this digest.
    """

    path: str  # relative to output/, posix
    origin: str  # what made it: a source path, or a description for generated pages
    data: bytes | None = None
    file: Path | None = None
    digest: str | None = None
    line: int | None = None  # the line of `origin` that asks for this file, if one does
