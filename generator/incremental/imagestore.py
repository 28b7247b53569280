"""Processed images kept as files under `.cache/images/`: cleaned originals, variants and
cards, each named by a hash of what made it (the source's digest, the settings that shape it
and the stamp of the code and Pillow release that make images, cache.image_stamp), so a
rebuild reads them rather than encoding again, a changed source, setting, image code or
Pillow release can only miss, and a change elsewhere in the generator keeps them. The
digest of each file is kept in the build's file memo (by its size and times, as a source's
is), so a rebuild whose output folder holds a file already need not read it.

After a build, `prune` removes what none of its images used (photos deleted or changed,
settings changed). Only `build` prunes, never the preview, which shows drafts a build
leaves out; and a build beside it may find a file gone between looking and reading, or
between two builds: every read falls back to making the file again, so it only costs time.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import stat
import time
from pathlib import Path
from typing import NamedTuple

from generator.source.files import FileMemo, memo_known, memo_note

log = logging.getLogger(__name__)

FOLDER = "images"
# The store's own names: a key's first two characters as a folder, in it the key, or the
# file a save is writing (key.pid.part). Nothing else in the folder is ever removed.
_FOLDER = re.compile(r"[0-9a-f]{2}")
_NAME = re.compile(r"([0-9a-f]{40})(\.[0-9]+\.part)?")
# A file saved this close to the start of a build, or after it, is left by its prune: a
# build or preview beside it may have made it (or be writing it) for its own pages.
_GRACE_NS = 60 * 1_000_000_000


class Entry(NamedTuple):
    """What the store holds under a key, seen with one stat and nothing read."""

    there: bool  # a file is saved under the key
    digest: str | None  # its digest, if the file memo knows the file as it is


class ImageStore:
    """The processed images of one build: read from and saved to `folder` (none kept when
    it is None, as with --no-cache). `files` is the build's file memo; the store keeps its
    own (self.files) with its files' digests added, the one given left as it was."""

    def __init__(self, folder: Path | None, stamp: str, files: FileMemo | None = None):
        self.folder = folder
        self.stamp = stamp
        self.files: FileMemo = dict(files or {})
        self.used: set[str] = set()  # the keys this process looked at or saved
        self.started = time.time_ns()
        self._warned = False

    def key(self, *parts: object) -> str:
        """Return the name of what `parts` (a source digest, settings, a variant) make."""
        text = "\0".join([self.stamp, *map(str, parts)])
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()

    def _file(self, key: str) -> Path | None:
        self.used.add(key)
        return None if self.folder is None else self.folder / key[:2] / key

    def entry(self, key: str) -> Entry:
        """Return whether something is saved under `key`, and its digest if the file memo
        knows it: one stat, nothing read."""
        file = self._file(key)
        if file is None:
            return Entry(False, None)
        try:
            info = os.stat(file)
        except OSError:
            return Entry(False, None)
        return Entry(True, memo_known(self.files, str(file), info))

    def get(self, key: str) -> bytes | None:
        """Return the bytes saved under `key`, or None."""
        file = self._file(key)
        if file is None:
            return None
        try:
            return file.read_bytes()
        except OSError:
            return None

    def put(self, key: str, data: bytes) -> None:
        """Save `data` under `key`; a cache that cannot be written is a warning, once."""
        file = self._file(key)
        if file is None:
            return
        part = file.with_name(f"{key}.{os.getpid()}.part")
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            part.write_bytes(data)
            os.replace(part, file)  # whole or absent: a killed build leaves no half file
        except OSError as exc:
            with contextlib.suppress(OSError):
                part.unlink(missing_ok=True)
            if not self._warned:
                self._warned = True
                log.warning("%s: warning: cannot keep images: %s", file.parent, exc.strerror)

    def remember(self, key: str, digest: str) -> None:
        """Keep `digest`, that of the bytes just read from or saved under `key`, in the file
        memo, so a later build need not read them to know it."""
        file = self._file(key)
        if file is None:
            return
        try:
            info = os.stat(file)
        except OSError:
            return
        memo_note(self.files, str(file), info, digest)

    def prune(self) -> int:
        """Remove the files of the store that no key this build used names, but those saved
        since shortly before it began; forget their digests. Return how many were removed.
        Only the store's own names are removed, links are never followed, and a file that
        cannot be removed is left for a later build."""
        if self.folder is None:
            return 0
        removed, failed = 0, None
        for path in self._unused():
            try:
                os.unlink(path)
                removed += 1
            except FileNotFoundError:  # another build's prune was first
                pass
            except OSError as exc:  # the next build tries again; this one built all the same
                failed = exc
        if failed is not None:
            log.info("%s: cannot remove unused images: %s", self.folder, failed.strerror)
        if removed:
            log.info("%s: removed %d images no image of this build used", self.folder, removed)
        inside = str(self.folder) + os.sep
        for file in [f for f in self.files if f.startswith(inside)]:
            if os.path.basename(file) not in self.used:
                del self.files[file]
        return removed

    def _unused(self) -> list[str]:
        """Return the files of the store no key this build used names (or left by a save
        cut short), saved before the grace period before it began; never through a link."""
        assert self.folder is not None
        before = self.started - _GRACE_NS
        found = []
        try:
            if self.folder.is_symlink() or not self.folder.is_dir():
                return []
            with os.scandir(self.folder) as listing:
                folders = [
                    entry.path
                    for entry in listing
                    if _FOLDER.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False)
                ]
            for folder in folders:
                with os.scandir(folder) as listing:
                    for entry in listing:
                        name = _NAME.fullmatch(entry.name)
                        if not name or (name[1] in self.used and not name[2]):
                            continue
                        with contextlib.suppress(FileNotFoundError):
                            info = entry.stat(follow_symlinks=False)
                            if stat.S_ISREG(info.st_mode) and info.st_mtime_ns < before:
                                found.append(entry.path)
        except OSError as exc:  # a folder that cannot be listed: what was found goes
            log.info("%s: cannot list the stored images: %s", self.folder, exc.strerror or exc)
        return found
