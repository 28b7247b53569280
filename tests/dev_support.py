"""Helpers of the preview tests: HTTP requests and a reader of the live-reload event stream."""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

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
        parts = urlsplit(base_url)
        self._sock = socket.create_connection((parts.hostname, parts.port), timeout=WAIT * 3)
        host = f"{parts.hostname}:{parts.port}"
        self._sock.sendall(f"GET {EVENTS} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
        self._reply = self._sock.makefile("rb")
        status = self._reply.readline()
        assert b" 200 " in status, status
        while self._reply.readline().strip():  # the headers
            pass
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
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(WAIT)
        self._reply.close()
        self._sock.close()
