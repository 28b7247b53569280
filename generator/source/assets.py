"""The bytes of an asset (an image, a PDF) for a stage that publishes it changed rather than
copied: content/ is read here, as everywhere, by the source stage alone."""

from __future__ import annotations

from generator.errors import Problem, display_path
from generator.model import Asset


def read_asset(asset: Asset, limit: int | None = None) -> bytes | Problem:
    """Return the bytes of `asset` (its first `limit` bytes if given), or the Problem of a
    file that cannot be read."""
    try:
        with open(asset.file, "rb") as stream:
            return stream.read() if limit is None else stream.read(limit)
    except OSError as exc:
        return Problem(display_path(asset.file), None, f"cannot read: {exc.strerror or exc}")
