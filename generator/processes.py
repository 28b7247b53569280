"""Worker processes: how they start, how signals reach them, and how many to use.

Parsing and rendering fan out to processes; both start their workers the same way, so a
Ctrl-C or SIGTERM stops a build the same way whichever stage it is in.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager, suppress

# How worker processes start: "fork" shares the parent's memory (the sources, the render
# plan) without pickling it, but is only safe in a process with one thread; a process with
# threads (the dev server) starts them with "forkserver" or "spawn".
START_METHODS = ("fork", "forkserver", "spawn")
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def start_worker(parent: int | None = None) -> None:
    """Set up a worker process: Ctrl-C reaches every process of the terminal, but only the
    parent decides how a build stops, and a forked worker must not run the parent's handlers
    (a SIGTERM from the parent simply ends it). The worker dies with `parent` (the process
    that started it; default: its parent now). It collects its own garbage, but never scans
    the heap it inherited (collector_paused)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)  # held by the parent while it forked
    _die_with(os.getppid() if parent is None else parent)
    gc.freeze()
    gc.enable()


def can_fork(method: str) -> bool:
    """Return whether workers are to be forked: `method` is "fork" and the system has it."""
    # Where os.fork is, multiprocessing offers "fork"; asking it would load it for a build
    # that then starts no worker.
    return method == "fork" and hasattr(os, "fork")


def fork_pool(workers: int, initializer: Callable[..., None], args: tuple) -> Executor:
    """Return a pool of up to `workers` forked processes, each set up by `initializer`."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork")
    return ProcessPoolExecutor(workers, context, initializer=initializer, initargs=args)


def _die_with(parent: int) -> None:
    """End this process when `parent` ends, however it ends.

    A worker outliving a killed build (kill -9) would go on holding memory and inherited
    files, waiting for work that never comes. Linux kills it at once (PR_SET_PDEATHSIG);
    elsewhere, and should the parent die before that is set, a thread notices within a second
    that the worker was handed to another parent.
    """
    if sys.platform == "linux":
        import ctypes  # here: only a worker needs it

        with suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent,), name="gazette-parent", daemon=True
    ).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


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


def worker_count(jobs: int | None = None) -> int:
    """Return how many processes to work with: `jobs`, else the cores this process may use."""
    if jobs is not None:
        return max(1, jobs)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
