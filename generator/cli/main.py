"""The entry point of `build.py` and `gazette`: parse the arguments, run the command, turn
Ctrl-C and SIGTERM into an orderly stop with the shell's exit code."""

from __future__ import annotations

import argparse
import logging
import os
import select
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from generator.cli.arguments import make_parser
from generator.cli.commands import (
    EXIT_USAGE,
    UsageError,
    run_build,
    run_check,
    run_list,
    run_new,
    run_serve,
)
from generator.errors import printable


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into the same orderly stop as Ctrl-C."""


def _terminate(_signum: int, _frame: object) -> None:
    raise Terminated


def _redeliver(default: Callable[[Any], object]) -> Callable[[Any], object]:
    """Return an unraisable hook that sends a stop (Ctrl-C, SIGTERM) again when it arrived
    inside a finalizer or a weakref callback, where Python prints and drops the exception
    and the build would go on; anything else goes to `default`."""

    def hook(unraisable: Any) -> None:
        exc = unraisable.exc_value
        if not isinstance(exc, KeyboardInterrupt):
            default(unraisable)
            return
        sig = _signal_of(exc)
        # From another thread and a moment later: raised in here, it would be dropped again.
        again = threading.Timer(0.01, os.kill, (os.getpid(), sig))
        again.daemon = True
        again.start()

    return hook


def _signal_of(exc: KeyboardInterrupt) -> signal.Signals:
    """Return the signal that became `exc`."""
    return signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT


def _interrupted(exc: KeyboardInterrupt) -> int:
    """Say how the build was stopped and return the shell's code for that signal."""
    sig = _signal_of(exc)
    print(
        f"Build interrupted ({sig.name}): output/ holds a whole site, the previous one unless "
        "the new one was already in place.",
        file=sys.stderr,
    )
    return 128 + sig


class _PrintableFormatter(logging.Formatter):
    """Log lines name writers' files: their control characters are shown, never acted on."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return printable(super().formatMessage(record))


def configure_logging(args: argparse.Namespace) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_PrintableFormatter("%(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    # --verbose is about our stages; libraries (Markdown's extension loading) stay quiet.
    logging.getLogger("generator").setLevel(logging.DEBUG if args.verbose else logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    unraisable = sys.unraisablehook
    sys.unraisablehook = _redeliver(unraisable)
    try:
        return _main(argv)
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except BrokenPipeError:
        if not _reader_gone():
            raise
        # The reader went away (`list drafts | head -1`): the rest has no one to read it, and
        # flushing it at exit would fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    finally:
        # The work is done: a signal arriving while the interpreter shuts down changes nothing.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        sys.unraisablehook = unraisable


def _reader_gone() -> bool:
    """Return True if standard output is a pipe whose reading end is closed (and not some
    other pipe, such as a worker's, that broke)."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & select.POLLERR for _, event in poller.poll(0))
    except (OSError, ValueError):
        return False


def program_name() -> str:
    """Return the name this run was started by: `gazette` (the installed command) or
    `build.py`, for help and usage to show the command the user typed."""
    return "build.py" if Path(sys.argv[0]).name == "build.py" else "gazette"


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "build")
    parser = make_parser(program_name())
    args = parser.parse_args(argv)
    configure_logging(args)
    runs = {"build": run_build, "check": run_check, "list": run_list}
    run = {**runs, "serve": run_serve, "new": run_new}[args.verb]
    try:
        return run(args)
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
