"""What survives between builds: parsed documents, keyed by everything that determines them.

A parsed document depends only on its source bytes, the settings and this generator's code, so
its key is (source path, content digest) inside a cache stamped with the settings fingerprint
and the generator's version. A stale entry can never be used: any change to its inputs changes
the key.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import logging
import os
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from . import __version__
from .linkcheck import CheckMemo
from .parse import Parsed
from .quick import Built
from .refs import PageRefs
from .uptodate import LastBuild

log = logging.getLogger(__name__)

_MAGIC = b"GAZETTE-CACHE 3\n"
CACHE_FILE = "build.cache"
_STAMP = re.compile(r"^[\w.+-]+:[0-9a-f]{32}:[0-9a-f]{16}$")
_OUTPUT_LIBRARIES = ("markdown", "jinja2", "markupsafe", "pygments", "pyyaml")


@dataclass
class BuildCache:
    """What one build hands to the next; valid only for builds with the same stamp.

    `parsed`: documents by (source path, digest). `pages`: output path -> (page key, digest)
    of every page the last build produced. `files`: file -> (size, mtime_ns, digest), so
    unchanged images and theme files are not read again. `checks`: what the link checks found
    on each page, with what that depends on. `scans`: what each page refers to, by page
    digest; kept in memory only (the dev server), since a rebuild rarely needs a kept page's.
    """

    stamp: str
    parsed: dict[tuple[str, str], Parsed] = field(default_factory=dict)
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)
    files: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    checks: CheckMemo = field(default_factory=CheckMemo)
    scans: dict[str, PageRefs] = field(default_factory=dict)  # page digest -> links and ids
    last: LastBuild | None = None
    built: Built | None = None  # in memory only: what the dev server's quick pages need
    # The saved parts not read yet: the cache file and where they start in it.
    rest: tuple[Path, int] | None = field(default=None, repr=False, compare=False)

    def snapshot(self) -> tuple:
        """Return a cheap summary that differs whenever the cache's content does, so a build
        that changed nothing need not save it."""
        return (
            self.stamp,
            frozenset(self.parsed),
            tuple(self.pages.items()),
            tuple(self.files.items()),
            self.checks.paths,
            frozenset(self.checks.contents),
            self.last,
        )

    def complete(self) -> str | None:
        """Read the documents, pages and check results load_cache left unread; return a
        warning if they cannot be used (the build then has only the file memo)."""
        if self.rest is None:
            return None
        (file, offset), self.rest = self.rest, None
        try:
            with file.open("rb") as stream:
                stream.seek(offset)
                self.parsed, self.pages, self.checks = pickle.loads(_read_part(stream))
        except Exception:  # damaged, replaced or unreadable: all mean the same
            self.last = None
            return f"cache not used: {file} is damaged or truncated"
        return None

    def renew(self, stamp: str) -> None:
        """Forget everything that depends on the settings or code when `stamp` differs."""
        if stamp != self.stamp:
            self.stamp, self.parsed, self.pages = stamp, {}, {}
            self.checks, self.scans, self.last, self.rest = CheckMemo(), {}, None, None
            self.built = None


@functools.cache
def code_fingerprint() -> str:
    """Return a hash of this generator's source and of the libraries that shape its output.

    A cache written by other code is never used, even when the version string was not
    bumped (a development checkout, a patched install).
    """
    h = hashlib.blake2b(digest_size=16)
    package = Path(__file__).resolve().parent
    for file in sorted(package.rglob("*.py")):
        h.update(file.relative_to(package).as_posix().encode() + b"\0" + file.read_bytes())
    for dist in _OUTPUT_LIBRARIES:
        try:
            h.update(f"{dist}={importlib.metadata.version(dist)}".encode())
        except importlib.metadata.PackageNotFoundError:
            h.update(f"{dist}=?".encode())
    return h.hexdigest()


def cache_stamp(config_fingerprint: str) -> str:
    """Return the stamp a cache must carry to be valid for these settings and this code."""
    return f"{__version__}:{code_fingerprint()}:{config_fingerprint}"


def load_cache(folder: Path, stamp: str) -> tuple[BuildCache, str | None]:
    """Return the cache saved in `folder` if it is whole and has `stamp`, else an empty one.

    The second value is a warning when a cache file existed but could not be used. The stamp
    is read first, so a cache for other settings or code is passed over without unpickling;
    only the small first part is read here, the documents and pages when complete() asks.
    """
    file = folder / CACHE_FILE
    try:
        with file.open("rb") as stream:
            if stream.readline() != _MAGIC:
                return BuildCache(stamp), f"cache not used: {file} is not a cache file"
            saved = stream.readline().rstrip(b"\n").decode("ascii", "replace")
            if not _STAMP.match(saved):
                return BuildCache(stamp), f"cache not used: {file} is damaged or truncated"
            if saved != stamp:
                log.info("cache is for other settings or another version; starting cold")
                return BuildCache(stamp), None
            head = _read_part(stream)
            # The rest is checksummed and unpickled only if complete() is called; its length
            # is checked now, so a truncated file is reported whether or not it is.
            offset = stream.tell()
            header = _HEADER.match(stream.readline(100))
            size = os.fstat(stream.fileno()).st_size
            if header is None or size != stream.tell() + int(header.group(1)):
                raise _Damaged
    except FileNotFoundError:
        return BuildCache(stamp), None
    except OSError as exc:
        return BuildCache(stamp), f"cache not used: {exc.strerror}"
    except _Damaged:
        return BuildCache(stamp), f"cache not used: {file} is damaged or truncated"
    try:
        files, last = pickle.loads(head)
    except Exception:  # any unpickling failure means the same: start cold
        return BuildCache(stamp), f"cache not used: {file} cannot be read"
    return BuildCache(stamp, files=files, last=last, rest=(file, offset)), None


class _Damaged(Exception):
    pass


_HEADER = re.compile(rb"^([0-9]{1,15}) ([0-9a-f]{64})\n$")


def _read_part(stream: BinaryIO) -> bytes:
    """Return the next part of a cache file (a line of length and checksum, then the bytes);
    raise _Damaged if it is truncated or altered."""
    header = _HEADER.match(stream.readline(100))
    if header is None:
        raise _Damaged
    payload = stream.read(int(header.group(1)))
    if _checksum(payload) != header.group(2).decode("ascii"):
        raise _Damaged
    return payload


def _checksum(payload: bytes) -> str:
    return hashlib.blake2b(payload, digest_size=32).hexdigest()


class _Hashing:
    """A write-only stream that hashes what passes through it: the cache is pickled straight
    to disk rather than into one large bytes object first."""

    def __init__(self, stream):
        self.stream = stream
        self.hash = hashlib.blake2b(digest_size=32)

    def write(self, data) -> int:
        self.hash.update(data)
        return self.stream.write(data)


def save_cache(folder: Path, cache: BuildCache) -> None:
    """Write `cache` into `folder` atomically: magic line, stamp line, then two parts (the
    file memo and last build's summary; the documents, pages and check results), each a line
    with its length and checksum, which detects truncation, then its pickle."""
    cache.complete()
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f".{CACHE_FILE}.{os.getpid()}.tmp"
    try:
        with temp.open("wb") as stream:
            stream.write(_MAGIC + cache.stamp.encode("ascii") + b"\n")
            _write_part(stream, (cache.files, cache.last))
            _write_part(stream, (cache.parsed, cache.pages, cache.checks))
        os.replace(temp, folder / CACHE_FILE)
    finally:
        temp.unlink(missing_ok=True)


def _write_part(stream: BinaryIO, value: object) -> None:
    # Pickled straight to disk; the header, known only afterwards, is written over a blank.
    where = stream.tell()
    stream.write(b" " * 15 + b" " + b"0" * 64 + b"\n")
    hashing = _Hashing(stream)
    start = stream.tell()
    pickle.dump(value, hashing, protocol=pickle.HIGHEST_PROTOCOL)
    end = stream.tell()
    stream.seek(where)
    stream.write(f"{end - start:015d} {hashing.hash.hexdigest()}\n".encode("ascii"))
    stream.seek(end)
