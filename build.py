#!/usr/bin/env python3
"""Gazette's command line: build the site, serve a live preview, start a story.

The only place that prints and chooses exit codes: 0 success, 1 build errors, 2 usage errors.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from generator.config import Config, load_config
from generator.errors import BuildFailed, OutputError, Problem
from generator.pipeline import BuildOptions, BuildResult, build

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def _site_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=Path("site.yaml"),
        metavar="FILE",
        help="the site's settings file (default: ./site.yaml)",
    )
    parser.add_argument(
        "--content",
        type=Path,
        metavar="DIR",
        help="build this content folder (default: content/ beside the settings)",
    )
    parser.add_argument("--drafts", action="store_true", help="include articles marked draft")
    parser.add_argument(
        "--future", action="store_true", help="include articles dated in the future"
    )
    parser.add_argument("--base-url", metavar="URL", help="override base_url (for preview deploys)")
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    verbosity.add_argument("-v", "--verbose", action="store_true", help="say what each stage does")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="Build a news site from Markdown articles. Without a command, runs `build`.",
    )
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND")
    build_cmd = verbs.add_parser(
        "build",
        help="build the site into output/",
        description="Build the site into the output folder: only changed files are written, "
        "files that no longer belong are removed, and a failed build writes nothing.",
    )
    _site_options(build_cmd)
    build_cmd.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help="write the site here (default: output/ beside the settings)",
    )
    return parser


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.DEBUG if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr)


def _load(args: argparse.Namespace) -> Config:
    return load_config(
        args.config,
        content_dir=args.content,
        output_dir=getattr(args, "output", None),
        base_url=args.base_url,
    )


def _print_problems(problems: Sequence[Problem], kind: str = "") -> None:
    for problem in problems:
        text = str(problem)
        if kind:
            where, _, message = text.partition(": ")
            text = f"{where}: {kind}: {message}"
        print(text, file=sys.stderr)


def _summary(result: BuildResult) -> str:
    site, sync = result.site, result.sync
    return (
        f"Built {len(site.articles)} articles, {len(site.pages)} pages, {len(site.tags)} tags: "
        f"{len(sync.written)} files written, {sync.unchanged} unchanged, "
        f"{len(sync.removed)} removed in {result.seconds:.2f} s"
    )


def run_build(args: argparse.Namespace) -> int:
    try:
        config = _load(args)
        result = build(config, BuildOptions(drafts=args.drafts, future=args.future))
    except BuildFailed as exc:
        _print_problems(exc.problems)
        count = len(exc.problems)
        print(
            f"Build failed: {count} error{'s' if count != 1 else ''}; output/ was not changed.",
            file=sys.stderr,
        )
        return EXIT_ERRORS
    except OutputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERRORS
    _print_problems(result.warnings, "warning")
    if not args.quiet:
        print(_summary(result))
    return EXIT_OK


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into the same orderly stop as Ctrl-C."""


def _terminate(_signum: int, _frame: object) -> None:
    raise Terminated


def _interrupted(exc: KeyboardInterrupt) -> int:
    """Say how the build was stopped and return the shell's code for that signal."""
    sig = signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT
    print(
        f"Build interrupted ({sig.name}): output/ holds a whole site, the previous one unless "
        "the new one was already in place.",
        file=sys.stderr,
    )
    return 128 + sig


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return _main(argv)
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    finally:
        # The work is done: a signal arriving while the interpreter shuts down changes nothing.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv.insert(0, "build")
    args = make_parser().parse_args(argv)
    _configure_logging(args)
    return run_build(args)


if __name__ == "__main__":
    sys.exit(main())
