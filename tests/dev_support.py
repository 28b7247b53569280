"""Helpers of the preview tests: HTTP requests and a reader of the live-reload event stream."""

from __future__ import annotations

import json
import queue
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from generator.dev.server import EVENTS

WAIT = 20.0  # seconds any one expected thing may take before a test gives up


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def get(url: str, headers: dict[str, str] | None = None) -> Response:
    """Return the response to GET `url`, error statuses included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as reply:
            return Response(reply.status, dict(reply.headers), reply.read())
    except urllib.error.HTTPError as err:
        return Response(err.code, dict(err.headers), err.read())


class EventStream:
    """Reads the preview's server-sent events on a thread; next() waits for the next one."""

    def __init__(self, base_url: str):
        self._reply = urllib.request.urlopen(base_url.rstrip("/") + EVENTS, timeout=WAIT * 3)
        self._events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        name, data = "message", ""
        try:
            for raw in self._reply:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data = line[6:]
                elif line == "" and data:
                    self._events.put((name, json.loads(data)))
                    name, data = "message", ""
        except OSError:
            pass
        self._events.put(("closed", None))

    def next(self, timeout: float = WAIT) -> tuple[str, Any]:
        """Return the next event as (name, data); raise queue.Empty after `timeout`."""
        return self._events.get(timeout=timeout)

    def pending(self) -> list[tuple[str, Any]]:
        """Return the events received and not yet taken, without waiting."""
        items = []
        while True:
            try:
                items.append(self._events.get_nowait())
            except queue.Empty:
                return items

    def close(self) -> None:
        self._reply.close()
