"""The preview's parsed documents saved back to the persistent cache, off its rebuild thread.

A save can take a while on a large site (a pack written, a cache file read and written),
and Ctrl-C must never wait for it: it runs on a thread of its own, only the latest picture
of the documents is saved (one handed over while a save runs replaces any still waiting),
and close() waits a bounded time. A save cut off when the process ends leaves the cache
as it was, since each file is replaced whole (cache.save_documents).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace

from generator.errors import display_path
from generator.incremental.cache import Documents, Packs, save_documents

log = logging.getLogger(__name__)


class SaveBack:
    """Saves each picture of the documents handed to it by submit(), the latest first."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._waiting: Documents | None = None
        self._closed = False
        # The packs a cache file named after a save here, and which documents they hold:
        # the next save need not read them.
        self._packs: Packs = {}
        self._thread = threading.Thread(target=self._run, name="gazette-save", daemon=True)
        self._thread.start()

    def submit(self, documents: Documents) -> None:
        """Save `documents` soon, in place of any picture still waiting."""
        with self._cond:
            if not self._closed:
                self._waiting = documents
                self._cond.notify_all()

    def close(self, timeout: float) -> bool:
        """Finish the waiting save within `timeout` seconds; return whether every save
        ended (one that did not is abandoned: the process may end under it)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _next(self) -> Documents | None:
        """Wait for the next picture to save; return None once closed with none waiting."""
        with self._cond:
            while self._waiting is None and not self._closed:
                self._cond.wait()
            documents, self._waiting = self._waiting, None
            return documents

    def _run(self) -> None:
        while (documents := self._next()) is not None:
            try:
                saved = save_documents(replace(documents, packs={**documents.packs, **self._packs}))
            except OSError as exc:  # a cache not saved only costs the next build time
                where = display_path(documents.folder)
                log.warning("%s: warning: cannot save the cache: %s", where, exc.strerror or exc)
                continue
            except Exception:  # a bug here must not end the saves after it
                log.exception("saving the cache failed unexpectedly")
                continue
            if saved is not None:
                self._packs = saved
