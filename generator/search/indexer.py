"""Pagefind's index of a site's pages, built in memory through its Python API.

Pages are noted as they are rendered, then read back from where they are written (a large
archive is never held in memory) and handed to Pagefind in URL order; its files come back
in memory and are made reproducible (canonical.py) before they become Outputs.
"""

from __future__ import annotations

import base64
import importlib.metadata
import json
import logging
import os
import resource
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from generator.outputs import Output, digest
from generator.search.canonical import canonical_files

log = logging.getLogger(__name__)

FOLDER = "pagefind"  # where the index is published, under output/
# Pagefind's ready-made search interfaces and its highlighter: files a theme may load, which
# pagefind.js itself never does. A theme reads the index through pagefind.js (the default
# theme's search.js does), so they are not published. Any other file is: a file a later
# release of pagefind.js loads is never left out.
INTERFACES = frozenset(
    f"pagefind-{name}"
    for name in (
        "ui.js", "ui.css", "modular-ui.js", "modular-ui.css", "component-ui.js",
        "component-ui.css", "highlight.js",
    )
)  # fmt: skip
# The Pagefind releases this module was tested with: the faster reader of its replies
# (_Service) is used only with these; any other release gets the stock reader.
TESTED = ("1.5.",)


class SearchUnavailable(Exception):
    """Pagefind's binary cannot run here: the message says why."""


class PageCollector:
    """The pages to index, noted in the order they are rendered; `read` returns a page's
    bytes by output path."""

    def __init__(self, urls: Mapping[str, str], read: Callable[[str], bytes]):
        self.urls = urls  # output path -> URL, of the pages to index
        self.read = read
        self.pages: dict[str, str] = {}  # URL -> output path

    def wants(self, path: str) -> bool:
        return path in self.urls

    def add(self, path: str) -> None:
        self.pages[self.urls[path]] = path


def pagefind_version() -> str:
    """Return the installed Pagefind's version, or '' if it is not installed."""
    try:
        return importlib.metadata.version("pagefind")
    except importlib.metadata.PackageNotFoundError:
        return ""


def index_files(pages: PageCollector, fast: bool | None = None) -> list[Output]:
    """Return the files of Pagefind's index of `pages` that pagefind.js loads, under
    pagefind/, the same bytes for the same pages; raise SearchUnavailable if Pagefind
    cannot run. `fast` chooses the reader of Pagefind's replies (default: the fast one for
    the tested releases)."""
    # Imported here: asyncio loads ssl and more, which a build without search never needs
    # (tests/test_architecture.py keeps it so).
    import asyncio

    fast_reader = _tested() if fast is None else fast
    # In a thread of its own: the caller's thread may be running an event loop already
    # (a build started from async code), where asyncio.run() cannot be called.
    with ThreadPoolExecutor(1, thread_name_prefix="gazette-search") as thread:
        files = thread.submit(asyncio.run, _index(pages, fast_reader)).result()
    return [
        Output(f"{FOLDER}/{path}", "search index", data=data, digest=digest(data))
        for path, data in sorted(canonical_files(files).items())
        if path not in INTERFACES
    ]


async def _index(pages: PageCollector, fast: bool) -> dict[str, bytes]:
    try:
        from pagefind.service import PagefindService
    except ImportError:
        raise SearchUnavailable("the pagefind package is not installed") from None
    service_type = _fast_service(PagefindService) if fast else PagefindService
    own, children = time.process_time(), _children_cpu()
    try:
        service = await service_type().launch()
    except (OSError, FileNotFoundError) as exc:
        raise SearchUnavailable(f"Pagefind's binary cannot run: {exc}") from None
    try:
        index = await service.create_index({"write_playground": False})
        # In URL order, one page after the other: Pagefind numbers pages as they come (and
        # sending them at once is no faster: parsing them is the work).
        started = time.perf_counter()
        for url in sorted(pages.pages):
            html = pages.read(pages.pages[url]).decode("utf-8", "replace")
            await index.add_html_file(content=html, url=url)
        handed = time.perf_counter()
        log.info(
            "search: %d pages read by Pagefind in %.2f s (its CPU: %.2f s)",
            len(pages.pages), handed - started, _process_cpu(service._backend.pid),
        )  # fmt: skip
        # In memory: files written to disk by Pagefind may still be partly written when it
        # answers that it wrote them.
        files = {f["path"]: f["content"] for f in await index.get_files()}
        log.info(
            "search: index of %d files made in %.2f s", len(files), time.perf_counter() - handed
        )
        await index.delete_index()
    except Exception as exc:  # Pagefind's replies carry errors as plain Exceptions
        raise SearchUnavailable(f"Pagefind failed: {exc}") from None
    finally:
        await service.close()
        log.info(
            "search: CPU %.2f s in Gazette, %.2f s in Pagefind",
            time.process_time() - own, _children_cpu() - children,
        )  # fmt: skip
    return files


def _children_cpu() -> float:
    """Return the CPU seconds of this process's ended children (Pagefind's, once it ends)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _process_cpu(pid: int) -> float:
    """Return the CPU seconds used so far by process `pid` (Linux), or NaN if unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return float("nan")
    # utime and stime: the 14th and 15th fields, in clock ticks
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tested() -> bool:
    return pagefind_version().startswith(TESTED)


def _fast_service(stock: type) -> type:
    """Return `stock` (PagefindService) with a reader of its replies that does not sleep a
    tenth of a second before each one, as the stock reader does: at 10,000 pages, that sleep
    alone would take 17 minutes; and one without the stock reader's 2 MiB limit on a reply.
    Its protocol: base64 JSON messages, each ended by a comma (which base64 never holds).
    Its sender does not write each request into debug messages as the stock one does."""

    class _Service(stock):  # type: ignore[misc, valid-type]
        async def send(self, payload: dict[str, Any]) -> dict[str, Any]:
            # The stock send() formats the whole request (a whole page) into two debug
            # messages whether debug logging is on or not: half of Gazette's own share.
            self._message_id += 1
            future = self._loop.create_future()
            self._responses[self._message_id] = future
            request = {"message_id": self._message_id, "payload": payload}
            self._backend.stdin.write(base64.b64encode(json.dumps(request).encode()) + b",")
            await self._backend.stdin.drain()
            return await future

        async def _wait_for_responses(self) -> None:
            # Read in blocks rather than with readuntil(), whose 2 MiB limit the reply that
            # carries the index files passes on any sizeable site.
            buffer = bytearray()
            while True:
                end = buffer.find(b",")
                while end < 0:
                    block = await self._backend.stdout.read(1 << 20)
                    if not block:
                        return  # the binary has ended
                    buffer += block
                    end = buffer.find(b",", len(buffer) - len(block))  # none before it
                raw = bytes(buffer[:end])
                del buffer[: end + 1]
                reply: Any = json.loads(base64.b64decode(raw))
                if not reply:
                    continue
                # Popped: a reply is not kept once answered (the stock close() waits for
                # those still in the table).
                future = self._responses.pop(reply.get("message_id"), None)
                if future is None or future.done():
                    continue
                payload = reply["payload"]
                if payload.get("type") == "Error":
                    future.set_exception(Exception(payload.get("message")))
                else:
                    future.set_result(payload)

    return _Service
