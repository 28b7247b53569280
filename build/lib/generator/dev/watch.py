"""Which file changes matter, and turning bursts of them into one rebuild."""

from __future__ import annotations

import fnmatch
import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from watchdog.events import (
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from generator.urls import is_junk

log = logging.getLogger(__name__)

# Files editors write on the way to saving, beyond the swap files generator.sources ignores:
# vim's write test, JetBrains' safe-write copies, `sed -i`'s temporary, generic temp files.
EDITOR_TEMPS = ("4913", "*___jb_tmp___", "*___jb_old___", "sed??????", "*.tmp", "*.swx", "*.swpx")
_CHANGES = frozenset(
    {EVENT_TYPE_CREATED, EVENT_TYPE_DELETED, EVENT_TYPE_MODIFIED, EVENT_TYPE_MOVED}
)


def is_ignored(path: Path, root: Path) -> bool:
    """Return True when `path` below `root` is an editor's temporary, a swap or hidden file."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = (path.name,)
    if any(is_junk(part) for part in parts):
        return True
    return any(fnmatch.fnmatchcase(path.name, pattern) for pattern in EDITOR_TEMPS)


class WatchedPaths:
    """The folders (recursively) and single files whose changes call for a rebuild."""

    def __init__(self, folders: Iterable[Path], files: Iterable[Path]):
        self.folders = tuple(dict.fromkeys(f.resolve() for f in folders))
        self.files = frozenset(f.resolve() for f in files)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WatchedPaths) and (self.folders, self.files) == (
            other.folders,
            other.files,
        )

    def __hash__(self) -> int:
        return hash((self.folders, self.files))

    def relevant(self, path: Path) -> bool:
        """Return True when a change to `path` can change the site."""
        if path in self.files:
            return True
        for folder in self.folders:
            if path == folder or path.is_relative_to(folder):
                return not is_ignored(path, folder)
        return False


class Debouncer:
    """Collects changed paths and says when a quiet period has passed since the last one.

    Pure bookkeeping over the times it is given, so its rules are testable without a clock;
    `cap` bounds the wait when changes never stop (a long `git checkout`).
    """

    def __init__(self, quiet: float = 0.1, cap: float = 2.0):
        self.quiet = quiet
        self.cap = cap
        self.pending: set[Path] = set()
        self._first = 0.0
        self._last = 0.0

    def add(self, path: Path, now: float) -> None:
        if not self.pending:
            self._first = now
        self.pending.add(path)
        self._last = now

    def wait_time(self, now: float) -> float | None:
        """Return seconds until the batch is due (0 when due), or None when nothing is pending."""
        if not self.pending:
            return None
        due = min(self._last + self.quiet, self._first + self.cap)
        return max(0.0, due - now)

    def take(self) -> frozenset[Path]:
        batch, self.pending = frozenset(self.pending), set()
        return batch


class Watcher(FileSystemEventHandler):
    """Watches the site's sources with watchdog and calls `on_batch` once per burst of changes.

    `on_batch` runs on the watcher's own thread, one batch at a time; changes made while it
    runs make up the next batch.
    """

    def __init__(
        self,
        paths: WatchedPaths,
        on_batch: Callable[[frozenset[Path]], WatchedPaths | None],
        poll: bool = False,
        quiet: float = 0.05,  # editors and checkouts write a burst within a few milliseconds
        on_early: Callable[[frozenset[Path]], object] | None = None,
    ):
        super().__init__()
        self.paths = paths
        self.on_batch = on_batch
        self.on_early = on_early
        self._debouncer = Debouncer(quiet)
        # The same bursts, for on_early: it is called even while on_batch is still running.
        self._early = Debouncer(quiet)
        self._cond = threading.Condition()
        self._stopped = False
        self._observer = PollingObserver(timeout=0.5) if poll else Observer()
        self._thread = threading.Thread(target=self._run, name="gazette-rebuild", daemon=True)
        self._early_thread = threading.Thread(
            target=self._run_early, name="gazette-early", daemon=True
        )

    def observe(self) -> None:
        """Start collecting changes without acting on them yet (see start)."""
        if not self._observer.is_alive():
            self._schedule()
            self._observer.start()

    def start(self) -> None:
        """Collect changes and rebuild for each burst of them."""
        self.observe()
        self._thread.start()
        if self.on_early is not None:
            self._early_thread.start()

    def stop(self) -> None:
        """Stop watching; wait briefly for a rebuild in progress to end."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._observer.stop()
        # Ctrl-C may come while starting: a thread never started cannot be joined.
        threads = ((self._observer, 5), (self._thread, 10), (self._early_thread, 5))
        for thread, timeout in threads:
            if thread.is_alive() and thread is not threading.current_thread():
                thread.join(timeout)

    def _schedule(self) -> None:
        self._observer.unschedule_all()
        for folder in self.paths.folders:
            if folder.is_dir():
                self._observer.schedule(self, str(folder), recursive=True)
        for parent in {f.parent for f in self.paths.files}:
            if parent.is_dir() and parent not in self.paths.folders:
                self._observer.schedule(self, str(parent), recursive=False)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _CHANGES:
            return
        if event.is_directory and event.event_type == EVENT_TYPE_MODIFIED:
            return  # the change to the file inside is reported on its own
        now = time.monotonic()
        with self._cond:
            for raw in (event.src_path, getattr(event, "dest_path", "")):
                if not raw:
                    continue
                path = Path(_text(raw))
                if self.paths.relevant(path):
                    self._debouncer.add(path, now)
                    self._early.add(path, now)
                    self._cond.notify_all()

    def _next(self, debouncer: Debouncer) -> frozenset[Path] | None:
        """Wait for the next due batch of `debouncer`; return None once stopped."""
        with self._cond:
            while not self._stopped:
                wait = debouncer.wait_time(time.monotonic())
                if wait == 0:
                    return debouncer.take()
                self._cond.wait(wait)
            return None

    def _run_early(self) -> None:
        while (batch := self._next(self._early)) is not None:
            try:
                self.on_early(batch)
            except Exception:  # it is only a head start: the rebuild follows regardless
                log.exception("early page failed unexpectedly")

    def _run(self) -> None:
        while True:
            batch = self._next(self._debouncer)
            if batch is None:
                return
            try:
                paths = self.on_batch(batch)
            except Exception:  # a bug in a rebuild must not end the preview
                log.exception("rebuild failed unexpectedly")
                continue
            if paths is not None and paths != self.paths:
                self.paths = paths
                self._schedule()


def _text(raw: str | bytes) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw
