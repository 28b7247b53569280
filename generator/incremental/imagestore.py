"""Processed images kept as files under `.cache/images/`: cleaned originals, variants and
cards, each named by a hash of what made it (the source's digest, the settings that shape it
and the code's stamp), so a rebuild reads them rather than encoding again, and a changed
source, setting or Pillow release can only miss. The digest of each file is kept in the
build's file memo (by its size and times, as a source's is), so a rebuild whose output
folder holds a file already need not read it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from pathlib import Path
from typing import NamedTuple

from generator.source.files import FileMemo, file_stamp

log = logging.getLogger(__name__)

FOLDER = "images"


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
        self._warned = False

    def key(self, *parts: object) -> str:
        """Return the name of what `parts` (a source digest, settings, a variant) make."""
        text = "\0".join([self.stamp, *map(str, parts)])
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()

    def _file(self, key: str) -> Path | None:
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
        known = self.files.get(str(file))
        same = known is not None and known[:3] == file_stamp(info)
        return Entry(True, known[3] if same else None)

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
        self.files[str(file)] = (*file_stamp(info), digest)
