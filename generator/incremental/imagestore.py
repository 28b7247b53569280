"""Processed images kept as files under `.cache/images/`: cleaned originals, variants and
cards, each named by a hash of what made it (the source's digest, the settings that shape it
and the code's stamp), so a rebuild reads them rather than encoding again, and a changed
source, setting or Pillow release can only miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

FOLDER = "images"


class ImageStore:
    """The processed images of one build: read from and saved to `folder` (none kept when
    it is None, as with --no-cache)."""

    def __init__(self, folder: Path | None, stamp: str):
        self.folder = folder
        self.stamp = stamp
        self._warned = False

    def key(self, *parts: object) -> str:
        """Return the name of what `parts` (a source digest, settings, a variant) make."""
        text = "\0".join([self.stamp, *map(str, parts)])
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()

    def get(self, key: str) -> bytes | None:
        """Return the bytes saved under `key`, or None."""
        if self.folder is None:
            return None
        try:
            return (self.folder / key[:2] / key).read_bytes()
        except OSError:
            return None

    def has(self, key: str) -> bool:
        """Return whether something is saved under `key`."""
        return self.folder is not None and (self.folder / key[:2] / key).is_file()

    def put(self, key: str, data: bytes) -> None:
        """Save `data` under `key`; a cache that cannot be written is a warning, once."""
        if self.folder is None:
            return
        file = self.folder / key[:2] / key
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
