"""The stage timings of one build."""

from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)


class Laps:
    """The stage timings of one build."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.timings: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        """Record the time since the last lap as `stage`'s."""
        self.timings[stage] = self.seconds() - sum(self.timings.values())
        log.info("%s done in %.3f s", stage, self.timings[stage])

    def seconds(self) -> float:
        return time.perf_counter() - self.started
