"""Worker processes: how they start, how signals reach them, and how many to use.

Parsing and rendering fan out to processes; both start their workers the same way, so a
Ctrl-C or SIGTERM stops a build the same way whichever stage it is in.
"""

from __future__ import annotations

import gc
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager


def start_worker() -> None:
    """Set up a worker process: Ctrl-C reaches every process of the terminal, but only the
    parent decides how a build stops, and a forked worker must not run the parent's handlers
    (a SIGTERM from the parent simply ends it). The worker collects its own garbage, but
    never scans the heap it inherited (collector_paused)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)  # held by the parent while it forked
    gc.freeze()
    gc.enable()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block without the cycle collector, then restore it.

    A build allocates millions of objects that live to its end (a loaded cache, parsed
    documents unpickled from workers), and the collector would scan them again and again for
    the few cycles it makes: a fifth of a cached rebuild's time. Workers forked meanwhile
    collect their own (start_worker).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_HELD = {signal.SIGINT, signal.SIGTERM}


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while worker processes are forked; they arrive once it is done.

    A handler that runs inside fork's own hooks (logging's lock release) has its exception
    printed and dropped: the build would go on and print a traceback besides.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def worker_count() -> int:
    """Return how many processes to parse with: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
