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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .parse import Parsed

log = logging.getLogger(__name__)

_MAGIC = b"GAZETTE-CACHE\n"
_OUTPUT_LIBRARIES = ("markdown", "jinja2", "markupsafe", "pygments", "pyyaml")


@dataclass
class BuildCache:
    """What one build hands to the next; valid only for builds with the same stamp.

    `parsed`: documents by (source path, digest). `pages`: output path -> (page key, digest)
    of every page the last build produced. `files`: file -> (size, mtime_ns, digest), so
    unchanged images and theme files are not read again. `scans`: what the checks found in
    each page, by page digest.
    """

    stamp: str
    parsed: dict[tuple[str, str], Parsed] = field(default_factory=dict)
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)
    files: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    scans: dict[str, Any] = field(default_factory=dict)  # page digest -> its links and ids

    def snapshot(self) -> tuple:
        """Return a cheap summary that differs whenever the cache's content does, so a build
        that changed nothing need not save it."""
        return (
            self.stamp,
            frozenset(self.parsed),
            tuple(self.pages.items()),
            frozenset(self.scans),
            tuple(self.files.items()),
        )

    def renew(self, stamp: str) -> None:
        """Forget everything that depends on the settings or code when `stamp` differs."""
        if stamp != self.stamp:
            self.stamp, self.parsed, self.pages, self.scans = stamp, {}, {}, {}


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

    The second value is a warning when a cache file existed but could not be used.
    """
    file = folder / "parsed.pickle"
    try:
        blob = file.read_bytes()
    except FileNotFoundError:
        return BuildCache(stamp), None
    except OSError as exc:
        return BuildCache(stamp), f"cache not used: {exc.strerror}"
    header_end = len(_MAGIC) + 64
    if not blob.startswith(_MAGIC) or len(blob) < header_end:
        return BuildCache(stamp), f"cache not used: {file} is not a cache file"
    checksum, payload = blob[len(_MAGIC) : header_end].decode("ascii", "replace"), blob[header_end:]
    if hashlib.sha256(payload).hexdigest() != checksum:
        return BuildCache(stamp), f"cache not used: {file} is damaged or truncated"
    try:
        saved_stamp, parts = pickle.loads(payload)
        cache = BuildCache(saved_stamp, *parts)
    except Exception:  # any unpickling failure means the same: start cold
        return BuildCache(stamp), f"cache not used: {file} cannot be read"
    if saved_stamp != stamp:
        log.info("cache is for other settings or another version; starting cold")
        return BuildCache(stamp), None
    return cache, None


def save_cache(folder: Path, cache: BuildCache) -> None:
    """Write `cache` into `folder` atomically, with a checksum that detects truncation."""
    folder.mkdir(parents=True, exist_ok=True)
    parts = (cache.parsed, cache.pages, cache.files, cache.scans)
    payload = pickle.dumps((cache.stamp, parts), protocol=pickle.HIGHEST_PROTOCOL)
    checksum = hashlib.sha256(payload).hexdigest().encode("ascii")
    temp = folder / f".parsed.{os.getpid()}.tmp"
    try:
        temp.write_bytes(_MAGIC + checksum + payload)
        os.replace(temp, folder / "parsed.pickle")
    finally:
        temp.unlink(missing_ok=True)
