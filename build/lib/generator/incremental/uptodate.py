"""Whether a build would change nothing: everything the last build read, and the span of
time in which its choice of what to publish stays the same.

A build is a function of its inputs (sources, assets, theme, settings, code, options) and of
the clock, which only decides which articles are scheduled or expired. When the inputs hash
as before, the clock has not crossed a publication or expiry moment and output/ holds exactly
what the last build wrote, the build would write the same bytes and find the same problems:
it reports them again and touches nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from generator.errors import Finding, Problem
from generator.model import Article, Asset, Document, Source


@dataclass(frozen=True)
class Tally:
    """What a build published, and how many documents it held back and why."""

    articles: int
    pages: int
    tags: int
    drafts: int = 0  # drafts left out (without --drafts)
    scheduled: int = 0  # articles dated after the build's clock, left out (without --future)
    expired: int = 0  # articles whose `expires:` moment had passed


@dataclass(frozen=True)
class Window:
    """The moments around a build's clock at which its choice of articles would change."""

    after: datetime | None  # the latest such moment before the clock
    before: datetime | None  # the earliest such moment after it
    at: bool = False  # one falls on the clock itself

    def holds(self, now: datetime) -> bool:
        """Return True if a build at `now` publishes the same articles."""
        return (
            not self.at
            and (self.after is None or self.after < now)
            and (self.before is None or now < self.before)
        )


def window(now: datetime, documents: Iterable[Document]) -> Window:
    """Return the window around `now` in which `documents` are published the same way."""
    # The new year counts too: a site with no articles shows the clock's year.
    moments = [datetime(now.year, 1, 1, tzinfo=UTC), datetime(now.year + 1, 1, 1, tzinfo=UTC)]
    for doc in documents:
        if isinstance(doc, Article):
            moments.append(doc.date)
            if doc.expires is not None:
                moments.append(doc.expires)
    return Window(
        max((m for m in moments if m < now), default=None),
        min((m for m in moments if m > now), default=None),
        any(m == now for m in moments),
    )


@dataclass(frozen=True)
class LastBuild:
    """What the last successful build read and reported."""

    inputs: str
    window: Window
    tally: Tally
    findings: tuple[Finding, ...]
    warnings: tuple[Problem, ...]
    manifest: str  # hash of the output files it left, with their digests


def inputs_key(
    stamp: str,
    options: Iterable[object],
    sources: Iterable[Source],
    assets: Iterable[Asset],
    templates: Mapping[str, str],
    theme_files: Mapping[str, str],
) -> str:
    """Return a hash of everything a build reads but the clock."""
    h = hashlib.blake2b(digest_size=16)
    for part in (stamp, repr(tuple(options))):
        h.update(part.encode() + b"\0")
    for source in sources:
        h.update(f"s\0{source.path}\0{source.digest}\0{source.kind}\0{source.bundle}\n".encode())
    for asset in assets:
        h.update(f"a\0{asset.path}\0{asset.digest}\0{asset.owner}\n".encode())
    for name, value in sorted(templates.items()):
        h.update(f"t\0{name}\0{value}\n".encode())
    for name, value in sorted(theme_files.items()):
        h.update(f"f\0{name}\0{value}\n".encode())
    return h.hexdigest()


def manifest_key(files: Mapping[str, str]) -> str:
    """Return a hash of output path -> digest."""
    h = hashlib.blake2b(digest_size=16)
    for path, value in sorted(files.items()):
        h.update(f"{path}\0{value}\n".encode())
    return h.hexdigest()
