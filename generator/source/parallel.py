"""Parsing on every core: sources go to worker processes in chunks, parsed documents come back.

Markdown conversion is most of a cold build and is pure, so it splits cleanly across
processes. Small batches (a small site) stay in this process, where starting workers would
cost more than it saves. A worker converts on its main thread, where a timer can stop a
document that takes longer than max_parse_seconds; one that still does not answer is killed
and replaced. A process whose builds run off its main thread (the dev server) keeps a
ParseWorkers for every build, so its rebuilds get the same limit.

A worker answers once per chunk, and counts the documents it has finished in memory it shares
with the parent: the parent wakes for a chunk's results, or when a worker's count has not
moved for longer than the limit, and never for each document.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from generator.config import Config
from generator.errors import SourceError
from generator.markup.converter import Converter
from generator.model import Source
from generator.processes import signals_held, start_worker
from generator.source.parse import Parsed, parse_document

if TYPE_CHECKING:
    import multiprocessing.process
    from multiprocessing.connection import Connection

# Below this many documents to parse, one process is faster than a pool.
PARALLEL_THRESHOLD = 200
CHUNK = 40
# How long past max_parse_seconds a worker may stay silent before it is killed: its own
# timer stops a slow document first, unless the time goes to code that never lets it fire.
GRACE_SECONDS = 2.0

Outcome = Parsed | SourceError


class ParseWorkers:
    """Up to `jobs` worker processes, started with `method` as work needs them, that parse
    documents and stay for the next call until close().

    With "fork", the workers inherit `inherited` (the sources of the one build they serve)
    and are sent only which of them to parse; otherwise sources are sent to them.
    """

    def __init__(self, jobs: int, method: str, inherited: Sequence[Source] = ()):
        self.jobs = max(1, jobs)
        self.method = method
        self.inherited = inherited if method == "fork" else ()
        self.workers: list[_Worker] = []
        self.lock = threading.Lock()  # one parse at a time: the workers hold one task each
        # Workers left running when the owner is dropped without close() are stopped then.
        weakref.finalize(self, _stop_all, self.workers)

    def __enter__(self) -> ParseWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker."""
        _stop_all(self.workers)

    def parse(self, sources: Sequence[Source], config: Config) -> Iterator[Outcome]:
        """Yield the outcome of parsing each source, in order: a Parsed or the SourceError."""
        with self.lock:
            yield from self._parse(sources, config)

    def _parse(self, sources: Sequence[Source], config: Config) -> Iterator[Outcome]:
        from multiprocessing.connection import wait  # here: see _start

        by_range = sources is self.inherited  # the workers hold them already
        queue = deque(range(i, min(i + CHUNK, len(sources))) for i in range(0, len(sources), CHUNK))
        limit = config.max_parse_seconds + GRACE_SECONDS
        results: dict[int, Outcome] = {}
        given = 0
        try:
            while given < len(sources):
                self._hand_out(queue, sources, config, by_range, limit)
                busy = {w.conn: w for w in self.workers if w.todo}
                soonest = min(w.deadline for w in busy.values())
                for conn in wait(list(busy), max(0.0, soonest - time.monotonic())):
                    worker = busy[conn]
                    try:
                        first, outcomes = conn.recv()
                    except (EOFError, OSError):  # it died: the document it was on is lost
                        self._give_up(worker, queue, results, sources, config, died=True)
                        continue
                    for index, outcome in enumerate(outcomes, first):
                        results[index] = outcome
                    worker.todo.clear()
                now = time.monotonic()
                for worker in busy.values():
                    if not worker.todo:
                        continue
                    if worker.progress.value != worker.seen:  # moved on since last looked at
                        worker.seen = worker.progress.value
                        worker.deadline = now + limit
                    elif now > worker.deadline:
                        self._give_up(worker, queue, results, sources, config, died=False)
                while given in results:
                    yield results.pop(given)
                    given += 1
        finally:
            # Left early (an error, Ctrl-C): workers still at a task would answer the next call.
            for worker in [w for w in self.workers if w.todo]:
                self.workers.remove(worker)
                worker.stop()

    def _hand_out(self, queue, sources, config, by_range, limit) -> None:
        """Give a chunk of `queue` to every idle worker, starting workers up to `jobs`."""
        idle = [w for w in self.workers if not w.todo]
        wanted = min(len(queue) - len(idle), self.jobs - len(self.workers))
        if wanted > 0:
            idle += self._start(wanted)
        for worker in idle:
            if not queue:
                break
            chunk = queue.popleft()
            sent = None if by_range else list(sources[chunk.start : chunk.stop])
            # The settings go once to each worker, and again only when they change (the dev
            # server's workers serve every rebuild).
            settings = None if worker.config is config else config
            worker.conn.send((settings, chunk.start, chunk.stop, sent))
            worker.config = config
            worker.todo = deque(chunk)
            worker.base = worker.seen = worker.progress.value
            worker.deadline = time.monotonic() + limit

    def _start(self, count: int) -> list[_Worker]:
        """Start `count` workers and return them once each is ready for work (imports, made
        in a fresh process, do not count against a document's time)."""
        # A forked worker dies with this process; one started by the fork server, with it.
        import multiprocessing  # here: a build that starts no worker never loads it

        parent = None if self.method == "forkserver" else os.getpid()
        context = multiprocessing.get_context(self.method)
        started = []
        for _ in range(count):
            ours, theirs = context.Pipe()
            progress = context.RawValue("q", 0)
            process = context.Process(
                target=_serve, args=(theirs, self.inherited, parent, progress),
                name="gazette-parse", daemon=True,
            )  # fmt: skip
            with signals_held():  # Ctrl-C and SIGTERM arrive once the fork is done
                process.start()
            theirs.close()
            started.append(_Worker(process, ours, progress))
        for worker in started:
            worker.conn.recv()  # ready
        self.workers.extend(started)
        return started

    def _give_up(self, worker, queue, results, sources, config, died: bool) -> None:
        """Refuse the document `worker` is on, replace it, and queue the rest of its chunk
        (with those it finished but had not sent)."""
        done = min(worker.progress.value - worker.base, len(worker.todo) - 1)
        finished = [worker.todo.popleft() for _ in range(done)]
        index = worker.todo.popleft()
        results[index] = _too_slow(sources[index], config) if not died else _lost(sources[index])
        if worker.todo:
            queue.appendleft(range(worker.todo[0], worker.todo[-1] + 1))
        if finished:
            queue.appendleft(range(finished[0], finished[-1] + 1))
        worker.todo.clear()
        self.workers.remove(worker)
        worker.stop()


class _Worker:
    """One parse worker, seen from the parent: the process, its end of the pipe, the count of
    documents it has finished (shared with it), the indices of the sources it has still to
    answer for, and the settings it holds."""

    def __init__(
        self, process: multiprocessing.process.BaseProcess, conn: Connection, progress: Any
    ):
        self.process = process
        self.conn = conn
        self.progress = progress
        self.todo: deque[int] = deque()
        self.base = self.seen = 0  # the count when it got its chunk, and when last looked at
        self.deadline = 0.0
        self.config: Config | None = None

    def stop(self) -> None:
        self.conn.close()
        self.process.kill()
        self.process.join()


def _stop_all(workers: list[_Worker]) -> None:
    while workers:
        workers.pop().stop()


def _serve(
    conn: Connection, inherited: Sequence[Source], parent: int | None, progress: Any
) -> None:
    """Parse what the parent sends, counting each document in `progress` as it is done and
    answering for a chunk at its end, until the parent closes the pipe."""
    start_worker(parent)
    converters: dict[tuple[bool, bool], Converter] = {}
    config: Config | None = None
    conn.send(None)
    while True:
        try:
            settings, start, stop, sources = conn.recv()
        except EOFError:
            return
        config = settings if settings is not None else config
        assert config is not None, "the first chunk comes with the settings"
        key = (config.smart_typography, config.raw_html)
        if key not in converters:
            converters[key] = Converter(*key)
        outcomes = []
        for source in inherited[start:stop] if sources is None else sources:
            outcomes.append(_parse_one(source, config, converters[key]))
            progress.value += 1
        conn.send((start, outcomes))


class _TooSlow(Exception):
    pass


@contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    """Raise _TooSlow in the block after `seconds`; only where a timer can interrupt (the
    main thread of a process): a worker's, or that of a command-line build."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _parse_one(source: Source, config: Config, converter: Converter) -> Outcome:
    try:
        with _time_limit(config.max_parse_seconds):
            return parse_document(source, config, converter)
    except SourceError as exc:
        return exc
    except _TooSlow:
        return _too_slow(source, config)
    except RecursionError:
        return SourceError(source.file, None, "nested too deeply to convert (lists or quotes)")


def _too_slow(source: Source, config: Config) -> SourceError:
    return SourceError(
        source.file,
        None,
        f"took more than {config.max_parse_seconds} s to convert; refused",
        "pathological Markdown (thousands of unclosed '<' or '[') is slow to parse; "
        "raise max_parse_seconds in site.yaml if the file is genuine",
    )


def _lost(source: Source) -> SourceError:
    return SourceError(source.file, None, "could not be converted: the process converting it died")


def parse_many(
    sources: Sequence[Source],
    config: Config,
    jobs: int = 1,
    method: str = "fork",
    workers: ParseWorkers | None = None,
) -> Iterator[Outcome]:
    """Yield the outcome of parsing each source, in order: a Parsed or the SourceError.

    `workers` (kept by the caller between builds) parse everything; otherwise a batch large
    enough to pay for them goes to `jobs` processes started with `method`, and the rest is
    parsed in this process (with the time limit only on its main thread).
    """
    if workers is not None:
        yield from workers.parse(sources, config)
        return
    if jobs < 2 or len(sources) < PARALLEL_THRESHOLD:
        converter = Converter(config.smart_typography, config.raw_html)
        for source in sources:
            yield _parse_one(source, config, converter)
        return
    with ParseWorkers(jobs, method, sources) as pool:
        yield from pool.parse(sources, config)
