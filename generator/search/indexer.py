"""Pagefind's index of a site's pages, built in memory through its Python API.

Pages are collected as they are rendered (compressed: a large archive is never held whole),
then handed to Pagefind in URL order, and its files are read back and made reproducible
(canonical.py) before they become Outputs.
"""

from __future__ import annotations

import asyncio
import base64
import importlib.metadata
import json
import logging
import tempfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from generator.outputs import Output, digest
from generator.search.canonical import canonical_files

log = logging.getLogger(__name__)

FOLDER = "pagefind"  # where the index is published, under output/
# The Pagefind releases this module was tested with: the faster reader of its replies
# (_Service) is used only with these; any other release gets the stock reader.
TESTED = ("1.5.",)
_IN_FLIGHT = 64  # pages sent to Pagefind before waiting for its replies


class SearchUnavailable(Exception):
    """Pagefind's binary cannot run here: the message says why."""


class PageCollector:
    """The pages to index, collected in the order they are rendered."""

    def __init__(self, urls: Mapping[str, str]):
        self.urls = urls  # output path -> URL, of the pages to index
        self.pages: dict[str, bytes] = {}  # URL -> page, zlib-compressed

    def wants(self, path: str) -> bool:
        return path in self.urls

    def add(self, path: str, html: bytes) -> None:
        self.pages[self.urls[path]] = zlib.compress(html, 1)


def pagefind_version() -> str:
    """Return the installed Pagefind's version, or '' if it is not installed."""
    try:
        return importlib.metadata.version("pagefind")
    except importlib.metadata.PackageNotFoundError:
        return ""


def index_files(pages: PageCollector) -> list[Output]:
    """Return the files of Pagefind's index of `pages`, under pagefind/, the same bytes for
    the same pages; raise SearchUnavailable if Pagefind cannot run."""
    files = asyncio.run(_index(pages))
    return [
        Output(f"{FOLDER}/{path}", "search index", data=data, digest=digest(data))
        for path, data in sorted(canonical_files(files).items())
    ]


async def _index(pages: PageCollector) -> dict[str, bytes]:
    try:
        from pagefind.service import PagefindService
    except ImportError:
        raise SearchUnavailable("the pagefind package is not installed") from None
    service_type = _fast_service(PagefindService) if _tested() else PagefindService
    try:
        service = await service_type().launch()
    except (OSError, FileNotFoundError) as exc:
        raise SearchUnavailable(f"Pagefind's binary cannot run: {exc}") from None
    try:
        index = await service.create_index({"write_playground": False})
        waiting: list[asyncio.Future] = []
        # In URL order, each page in turn: Pagefind numbers pages as they come.
        for url in sorted(pages.pages):
            html = zlib.decompress(pages.pages[url]).decode("utf-8", "replace")
            waiting.append(asyncio.ensure_future(index.add_html_file(content=html, url=url)))
            await asyncio.sleep(0)  # let the request go out before the next one
            if len(waiting) >= _IN_FLIGHT:
                await asyncio.gather(*waiting)
                waiting.clear()
        await asyncio.gather(*waiting)
        with tempfile.TemporaryDirectory(prefix="gazette-search-") as folder:
            await index.write_files(output_path=folder)
            root = Path(folder)
            files = {
                p.relative_to(root).as_posix(): p.read_bytes()
                for p in sorted(root.rglob("*"))
                if p.is_file()
            }
        await index.delete_index()
    except Exception as exc:  # Pagefind's replies carry errors as plain Exceptions
        raise SearchUnavailable(f"Pagefind failed: {exc}") from None
    finally:
        await service.close()
    return files


def _tested() -> bool:
    return pagefind_version().startswith(TESTED)


def _fast_service(stock: type) -> type:
    """Return `stock` (PagefindService) with a reader of its replies that does not sleep a
    tenth of a second before each one, as the stock reader does: at 10,000 pages, that sleep
    alone would take 17 minutes. Its protocol: base64 JSON replies, each ended by a comma."""

    class _Service(stock):  # type: ignore[misc, valid-type]
        async def _wait_for_responses(self) -> None:
            while True:
                raw = await self._backend.stdout.readuntil(b",")
                reply: Any = json.loads(base64.b64decode(raw[:-1]))
                if not reply:
                    continue
                future = self._responses.get(reply.get("message_id"))
                if future is None or future.done():
                    continue
                payload = reply["payload"]
                if payload.get("type") == "Error":
                    future.set_exception(Exception(payload.get("message")))
                else:
                    future.set_result(payload)

    return _Service
