#!/usr/bin/env python3
"""Gazette's command line: build the site, serve a live preview, start a story.

The only place that prints and chooses exit codes: 0 success, 1 build errors, 2 usage errors.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
import webbrowser
from collections.abc import Sequence
from pathlib import Path

from generator.clock import reproducible_now
from generator.config import Config, load_config
from generator.dev.loop import Rebuild
from generator.dev.preview import Preview
from generator.dev.scaffold import create_article
from generator.errors import BuildFailed, OutputRefused, Problem, display_path
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
    _serve_parser(verbs)
    _new_parser(verbs)
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
    except OutputRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERRORS
    _print_problems(result.warnings, "warning")
    if not args.quiet:
        print(_summary(result))
    return EXIT_OK


def _serve_parser(verbs: argparse._SubParsersAction) -> None:
    serve = verbs.add_parser(
        "serve",
        help="preview the site with live reload while you write",
        description="Build the site into a temporary folder, serve it, rebuild on every change "
        "and reload open browser tabs. Drafts and scheduled articles are shown. output/ is not "
        "touched.",
    )
    _site_options(serve)
    serve.add_argument("--no-drafts", dest="drafts", action="store_false", help="hide drafts")
    serve.add_argument(
        "--no-future", dest="future", action="store_false", help="hide scheduled articles"
    )
    serve.set_defaults(drafts=True, future=True)
    serve.add_argument("--port", type=_port, default=8000, help="port (default: 8000)")
    serve.add_argument("--bind", default="127.0.0.1", metavar="ADDR", help="address to listen on")
    serve.add_argument(
        "--poll", action="store_true", help="poll for changes (Docker, WSL, network drives)"
    )
    serve.add_argument("--open", action="store_true", help="open the preview in a browser")


def _new_parser(verbs: argparse._SubParsersAction) -> None:
    new = verbs.add_parser(
        "new",
        help="start a new article",
        description="Create content/articles/<slug>.md as a draft with its front matter filled "
        "in, and print its path. An existing file is never overwritten.",
    )
    new.add_argument("title", help="the headline")
    new.add_argument("--author", help="the author (default: default_author in site.yaml)")
    new.add_argument("--config", type=Path, default=Path("site.yaml"), metavar="FILE")
    new.add_argument("--content", type=Path, metavar="DIR", help="the content folder")
    new.set_defaults(verbose=False, base_url=None)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return int(text)


def _rebuild_line(rebuild: Rebuild) -> str:
    changed = ", ".join(rebuild.changed[:3])
    if len(rebuild.changed) > 3:
        changed += f" and {len(rebuild.changed) - 3} more"
    what = f"{changed} changed" if changed else "Built"
    result = rebuild.result
    assert result is not None
    sync = result.sync
    return (
        f"{time.strftime('%H:%M:%S')} {what}: {result.rendered} pages re-rendered, "
        f"{len(sync.written)} files written, {len(sync.removed)} removed "
        f"in {rebuild.milliseconds:.0f} ms"
    )


def _report_rebuild(rebuild: Rebuild, quiet: bool) -> None:
    if rebuild.ok:
        if rebuild.result is not None:
            _print_problems(rebuild.result.warnings, "warning")
        if not quiet:
            print(_rebuild_line(rebuild), flush=True)
        return
    for item in rebuild.problems:
        print(item.problem, file=sys.stderr)
        for number, text in item.lines:
            mark = ">" if number == item.problem.line else " "
            print(f"  {mark}{number:5} | {text}", file=sys.stderr)
    count = len(rebuild.problems)
    print(
        f"{time.strftime('%H:%M:%S')} Build failed: {count} error{'s' if count != 1 else ''}; "
        "the preview keeps the last good pages.",
        file=sys.stderr,
        flush=True,
    )


def run_serve(args: argparse.Namespace) -> int:
    overrides = {"content_dir": args.content, "base_url": args.base_url}
    try:
        preview = Preview(
            args.config,
            bind=args.bind,
            port=args.port,
            options=BuildOptions(drafts=args.drafts, future=args.future),
            overrides=overrides,
            poll=args.poll,
            report=lambda rebuild: _report_rebuild(rebuild, args.quiet),
        )
    except OSError as exc:
        print(f"error: cannot listen on {args.bind}:{args.port}: {exc.strerror}", file=sys.stderr)
        return EXIT_ERRORS
    try:
        with preview:
            if args.port and preview.server.port != args.port:
                print(f"Port {args.port} is in use; using {preview.server.port} instead.")
            print(f"Serving the preview on {preview.url} (Ctrl-C to stop)", flush=True)
            preview.start()
            if args.open:
                webbrowser.open(preview.url)
            threading.Event().wait()
    except KeyboardInterrupt:
        print("\nStopped.")
    return EXIT_OK


def run_new(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config, content_dir=args.content)
    except BuildFailed as exc:
        _print_problems(exc.problems)
        return EXIT_ERRORS
    now = reproducible_now()
    try:
        path = create_article(config, args.title, now, args.author)
    except FileExistsError as exc:
        print(f"error: {display_path(exc.filename)} exists; not overwriting it", file=sys.stderr)
        return EXIT_ERRORS
    print(display_path(path))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv.insert(0, "build")
    args = make_parser().parse_args(argv)
    _configure_logging(args)
    runs = {"serve": run_serve, "new": run_new}
    return runs.get(args.verb, run_build)(args)


if __name__ == "__main__":
    sys.exit(main())
