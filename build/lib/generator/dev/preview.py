"""A running preview: its temporary folder, HTTP server, build loop and file watcher."""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable, Collection
from contextlib import suppress
from pathlib import Path
from types import TracebackType
from typing import Any

from generator.dev.events import Hub
from generator.dev.loop import PREVIEW_OPTIONS, DevLoop, Rebuild
from generator.dev.server import PreviewServer, open_server
from generator.dev.watch import Watcher
from generator.errors import BuildFailed
from generator.pipeline.build import BuildOptions


class Preview:
    """Serves the site of `config_path` from a folder of its own, removed by close().

    The server listens from construction on (port taken, or the next free one); start() builds
    the site, serves it and, with `watch`, rebuilds on every change. Unless overridden, the
    preview's base_url is the server's own address, so absolute links stay in the preview.
    """

    def __init__(
        self,
        config_path: Path,
        bind: str = "127.0.0.1",
        port: int = 8000,
        options: BuildOptions = PREVIEW_OPTIONS,
        overrides: dict[str, Any] | None = None,
        poll: bool = False,
        report: Callable[[Rebuild], None] = lambda rebuild: None,
        allow_hosts: Collection[str] = (),
    ):
        self.temp = Path(tempfile.mkdtemp(prefix="gazette-preview-"))
        # A folder inside our own, so the build's lock file beside it is ours too.
        self.folder = self.temp / "site"
        self.folder.mkdir()
        self.hub = Hub()
        self.poll = poll
        self.watcher: Watcher | None = None
        self._thread: threading.Thread | None = None
        try:
            self.server: PreviewServer = open_server(
                bind, port, self.folder, self.hub, allow_hosts=allow_hosts
            )
        except BaseException:
            shutil.rmtree(self.temp, ignore_errors=True)
            raise
        settings = dict(overrides or {})
        if not settings.get("base_url"):
            settings["base_url"] = self.server.url
        self.loop = DevLoop(config_path, self.folder, self.hub, options, settings, report)

    @property
    def url(self) -> str:
        return self.server.url

    def start(self, watch: bool = True) -> Rebuild:
        """Serve, build the site once and start watching; return the first build."""
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="gazette-server",
            daemon=True,
        )
        self._thread.start()
        if watch:
            # Watch before the first build, so a file saved while it runs (a large site
            # takes a while) is rebuilt right after it rather than missed. Watching needs
            # the settings' folders; broken settings are the first build's to report.
            with suppress(BuildFailed):
                self.loop.config = self.loop.load()
            self.watcher = Watcher(
                self.loop.watched(), self.loop.on_batch, self.poll, on_early=self.loop.ahead
            )
            self.watcher.observe()
        first = self.loop.rebuild()
        if self.watcher is not None:
            self.watcher.start()
        return first

    def close(self) -> None:
        """Stop watching and serving, and remove the preview folder."""
        if self.watcher is not None:
            self.watcher.stop()
        self.loop.close()
        if self._thread is not None:
            self.server.stop()
            self._thread.join(timeout=5)
        else:
            self.hub.close()
            self.server.server_close()
        shutil.rmtree(self.temp, ignore_errors=True)

    def __enter__(self) -> Preview:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
