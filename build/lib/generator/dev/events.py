"""What open browser tabs are told: new pages, new stylesheets, or a build error to show."""

from __future__ import annotations

import json
import secrets
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from generator.urls import served_path

RELOAD, STYLES, PROBLEM = "reload", "css", "problem"


@dataclass(frozen=True)
class Event:
    seq: int
    name: str
    data: str  # JSON


class Hub:
    """The preview's state and the events that changed it, for every connected tab.

    `generation` counts published versions of the site; pages are stamped with it when served,
    so a tab that missed an event (or outlived a server restart, seen by `instance`) reloads
    when it reconnects.
    """

    def __init__(self, history: int = 64):
        self.instance = secrets.token_hex(8)
        self.generation = 0
        self._problems: list[dict[str, Any]] | None = None
        self._events: deque[Event] = deque(maxlen=history)
        self._seq = 0
        self._closed = False
        # Pages made ahead of their build: output path -> (number, bytes), numbered by _made.
        self._ahead: dict[str, tuple[int, bytes]] = {}
        self._made = 0
        self._cond = threading.Condition()

    @property
    def failing(self) -> bool:
        with self._cond:
            return self._problems is not None

    def hello(self) -> tuple[int, str]:
        """Return the latest event number and the state a newly connected tab starts from."""
        with self._cond:
            state = {
                "instance": self.instance,
                "generation": self.generation,
                "problems": self._problems,
            }
            return self._seq, json.dumps(state)

    def reload(self, paths: Sequence[str] | None = None, settled: int | None = None) -> None:
        """Announce a new version of the site: tabs showing one of `paths` (site paths of
        pages) reload, or every tab when None. Pages published ahead up to mark `settled`
        (all when None) are dropped: the build that announces this has written them."""
        with self._cond:
            self.generation += 1
            self._problems = None
            self._settle(settled)
            self._publish(RELOAD, {"generation": self.generation, "paths": paths})

    def ahead(self, path: str, data: bytes) -> None:
        """Serve `data` as the file at output path `path` until a build settles it, and have
        tabs showing it reload: a page made ahead of the rebuild that will write it."""
        with self._cond:
            self._made += 1
            self._ahead[path] = (self._made, data)
            self.generation += 1
            self._publish(RELOAD, {"generation": self.generation, "paths": [served_path(path)]})

    def mark(self) -> int:
        """Return a mark for the pages published ahead so far; a build started now settles
        them when it announces its result."""
        with self._cond:
            return self._made

    def page(self, path: str) -> bytes | None:
        """Return the page published ahead at output path `path`, if there is one."""
        with self._cond:
            found = self._ahead.get(path)
            return found[1] if found else None

    def _settle(self, settled: int | None) -> None:
        for path, (made, _) in list(self._ahead.items()):
            if settled is None or made <= settled:
                del self._ahead[path]

    def stylesheets(self, paths: Sequence[str], settled: int | None = None) -> None:
        """Announce that only these stylesheets changed: tabs swap them in place."""
        with self._cond:
            self.generation += 1
            self._settle(settled)
            self._publish(STYLES, {"generation": self.generation, "paths": list(paths)})

    def failed(self, problems: list[dict[str, Any]], settled: int | None = None) -> None:
        """Announce a failed build: tabs keep their page and show `problems` over it."""
        with self._cond:
            self._problems = problems
            self._settle(settled)
            self._publish(PROBLEM, {"problems": problems})

    def _publish(self, name: str, payload: dict[str, Any]) -> None:
        self._seq += 1
        self._events.append(Event(self._seq, name, json.dumps(payload)))
        self._cond.notify_all()

    def wait(self, after: int, timeout: float) -> list[Event] | None:
        """Return the events after number `after`, waiting up to `timeout` for one.

        Returns None once the hub is closed.
        """
        with self._cond:
            self._cond.wait_for(lambda: self._closed or self._seq > after, timeout)
            if self._closed:
                return None
            return [e for e in self._events if e.seq > after]

    def close(self) -> None:
        """Release every waiting tab connection, for shutdown."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
