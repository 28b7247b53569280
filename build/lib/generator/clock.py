"""The build's idea of 'now': for choosing what is published, never written into output."""

from __future__ import annotations

import os
from datetime import UTC, datetime


def reproducible_now() -> datetime:
    """Return SOURCE_DATE_EPOCH as an aware UTC datetime when set, else the current time."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC)
