"""Parsing on every core: sources go to worker processes in chunks, parsed documents come back.

Markdown conversion is most of a cold build and is pure, so it splits cleanly across
processes. Small batches (a dev-server rebuild, a small site) stay in this process, where
starting workers would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from generator.config import Config
from generator.errors import SourceError
from generator.markup.converter import Converter
from generator.model import Source
from generator.processes import signals_held, start_worker, worker_count
from generator.source.parse import Parsed, parse_document

# Below this many documents to parse, one process is faster than a pool.
PARALLEL_THRESHOLD = 200
CHUNK = 40

Outcome = Parsed | SourceError

# The converter of a worker process, made once by its initializer. Only worker processes set
# it; the parent passes its own converter explicitly.
_worker_converter: Converter | None = None
# What forked workers inherit: the sources to parse, which are then not sent to them pickled.
# Set only in the parent, immediately before the pool starts, and cleared after it closes.
_inherited: Sequence[Source] | None = None


def _start_worker(smart_typography: bool, raw_html: bool) -> None:
    global _worker_converter
    start_worker()
    _worker_converter = Converter(smart_typography, raw_html)


def _parse_chunk(sources: Sequence[Source] | range, config: Config) -> list[Outcome]:
    """Parse `sources`, or those at a range of the inherited ones."""
    assert _worker_converter is not None, "worker started without its converter"
    if isinstance(sources, range):
        assert _inherited is not None, "forked worker started without its sources"
        sources = _inherited[sources.start : sources.stop]
    return [_parse_one(source, config, _worker_converter) for source in sources]


class _TooSlow(Exception):
    pass


@contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    """Raise _TooSlow in the block after `seconds`; only where a timer can interrupt (the
    main thread of a process), which is where CI builds parse."""
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
        return SourceError(
            source.file,
            None,
            f"took more than {config.max_parse_seconds} s to convert; refused",
            "pathological Markdown (thousands of unclosed '<' or '[') is slow to parse; "
            "raise max_parse_seconds in site.yaml if the file is genuine",
        )
    except RecursionError:
        return SourceError(source.file, None, "nested too deeply to convert (lists or quotes)")


def parse_many(
    sources: Sequence[Source], config: Config, jobs: int | None = None
) -> Iterator[Outcome]:
    """Yield the outcome of parsing each source, in order: a Parsed or the SourceError."""
    jobs = worker_count() if jobs is None else jobs
    if jobs < 2 or len(sources) < PARALLEL_THRESHOLD:
        converter = Converter(config.smart_typography, config.raw_html)
        for source in sources:
            yield _parse_one(source, config, converter)
        return
    # fork starts workers without re-importing anything, but is only safe with one thread;
    # a multi-threaded host (the dev server) gets fresh interpreters instead.
    method = "fork" if threading.active_count() == 1 else "forkserver"
    ranges = [range(i, min(i + CHUNK, len(sources))) for i in range(0, len(sources), CHUNK)]
    chunks = ranges if method == "fork" else [sources[r.start : r.stop] for r in ranges]
    global _inherited
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context(method),
        initializer=_start_worker,
        initargs=(config.smart_typography, config.raw_html),
    )
    try:
        _inherited = sources
        with signals_held():  # the workers are forked as the chunks are handed out
            batches = pool.map(_parse_chunk, chunks, [config] * len(chunks))
        for results in batches:
            yield from results
    finally:  # on Ctrl-C, stop at once rather than parse the chunks still queued
        _inherited = None
        pool.shutdown(wait=True, cancel_futures=True)
