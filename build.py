#!/usr/bin/env python3
"""Gazette's command line: build the site, serve a live preview, start a story.

The only place that prints and chooses exit codes: 0 success, 1 build errors, 2 usage errors.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from generator.checks import ChecksFailed, Finding
from generator.checks import summarize as summarize_findings
from generator.clock import reproducible_now
from generator.config import Config, load_config
from generator.dates import parse_date
from generator.dev.scaffold import create_article
from generator.errors import BuildFailed, OutputError, Problem, display_path
from generator.pipeline import BuildOptions, BuildResult, build
from generator.report import make_report, write_report
from generator.schedule import HELD_KINDS, list_held

if TYPE_CHECKING:
    from generator.dev.loop import Rebuild

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
    parser.add_argument("--base-url", metavar="URL", help="override base_url (for preview deploys)")
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    verbosity.add_argument("-v", "--verbose", action="store_true", help="say what each stage does")


def _selection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--drafts", action="store_true", help="include articles marked draft")
    parser.add_argument(
        "--future", action="store_true", help="include articles dated in the future"
    )
    parser.add_argument(
        "--clock",
        metavar="WHEN",
        help="build as if it were this moment, e.g. 2024-06-01T09:00 (in the site's timezone)",
    )


def _ci_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--strict", action="store_true", help="treat warnings as errors (exit code 1)"
    )
    parser.add_argument(
        "--report", type=Path, metavar="FILE", help="write a JSON report of the run to FILE"
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="the persistent cache folder (default: .cache/ beside the settings)",
    )


def _output_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help="the site's folder (default: output/ beside the settings)",
    )


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
    _selection_options(build_cmd)
    _output_option(build_cmd)
    _ci_options(build_cmd)
    build_cmd.add_argument(
        "--no-cache", action="store_true", help="ignore the persistent cache (a cold build)"
    )
    check_cmd = verbs.add_parser(
        "check",
        help="check the links of an existing output/ without rebuilding",
        description="Re-run the link, image and anchor checks over the files in the output "
        "folder, e.g. after post-processing it. Nothing is written there.",
    )
    _site_options(check_cmd)
    _output_option(check_cmd)
    _ci_options(check_cmd)
    check_cmd.add_argument(
        "--external",
        action="store_true",
        help="also check links to other sites over the network (results are cached)",
    )
    check_cmd.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="give up on an external link after this long (default: 10)",
    )
    list_cmd = verbs.add_parser(
        "list",
        help="list articles held back: drafts, future or expired",
        description="List the articles a build leaves out, one per line: source file, the "
        "moment that matters (when it goes live, or when it expired) and title.",
    )
    list_cmd.add_argument("kind", choices=HELD_KINDS)
    _site_options(list_cmd)
    list_cmd.add_argument(
        "--clock",
        metavar="WHEN",
        help="list as if it were this moment, e.g. 2024-06-01T09:00 (in the site's timezone)",
    )
    _serve_parser(verbs)
    _new_parser(verbs)
    return parser


class UsageError(Exception):
    """A command-line value that cannot be used; exit code 2."""


def _configure_logging(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    # --verbose is about our stages; libraries (Markdown's extension loading) stay quiet.
    logging.getLogger("generator").setLevel(logging.DEBUG if args.verbose else logging.WARNING)


def _load(args: argparse.Namespace) -> Config:
    return load_config(
        args.config,
        content_dir=args.content,
        output_dir=getattr(args, "output", None),
        cache_dir=getattr(args, "cache_dir", None),
        base_url=args.base_url,
    )


def _clock(args: argparse.Namespace, config: Config) -> datetime | None:
    """Return the --clock moment in the site's timezone, or None when not given."""
    if not args.clock:
        return None
    try:
        return parse_date(args.clock, config.tz)
    except ValueError as exc:
        raise UsageError(f"--clock: {exc}, got {args.clock!r}") from None


def _print_findings(findings: Sequence[Finding], quiet: bool) -> None:
    for finding in findings:
        if finding.level == "error" or not quiet:
            print(finding, file=sys.stderr)
    for line in summarize_findings(findings):
        if not quiet or line.split(" ", 2)[1].startswith("error"):
            print(line, file=sys.stderr)


def _report(args: argparse.Namespace, command: str, **fields) -> None:
    if args.report:
        write_report(args.report, make_report(command, strict=args.strict, **fields))


def _print_problems(problems: Sequence[Problem], kind: str = "") -> None:
    for problem in problems:
        text = str(problem)
        if kind:
            where, _, message = text.partition(": ")
            text = f"{where}: {kind}: {message}"
        print(text, file=sys.stderr)


def _summary(result: BuildResult) -> str:
    tally, sync = result.tally, result.sync
    return (
        f"Built {tally.articles} articles, {tally.pages} pages, {tally.tags} tags: "
        f"{len(sync.written)} files written, {sync.unchanged} unchanged, "
        f"{len(sync.removed)} removed in {result.seconds:.2f} s"
    )


def _counts(result: BuildResult) -> dict[str, int]:
    tally, sync = result.tally, result.sync
    return {
        "articles": tally.articles,
        "pages": tally.pages,
        "tags": tally.tags,
        "files_written": len(sync.written),
        "files_unchanged": sync.unchanged,
        "files_removed": len(sync.removed),
        "documents_parsed": result.parsed,
        "pages_rendered": result.rendered,
    }


def run_build(args: argparse.Namespace) -> int:
    try:
        config = _load(args)
        options = BuildOptions(
            drafts=args.drafts,
            future=args.future,
            clock=_clock(args, config),
            use_cache=not args.no_cache,
            strict=args.strict,
        )
        result = build(config, options)
    except BuildFailed as exc:
        findings = getattr(exc, "findings", ())
        if isinstance(exc, ChecksFailed):
            _print_findings(findings, args.quiet)
        else:
            _print_problems(exc.problems)
        errors = () if isinstance(exc, ChecksFailed) else exc.problems
        timings = getattr(exc, "timings", None)
        _report(args, "build", ok=False, findings=findings, errors=errors, timings=timings)
        count = len(exc.problems)
        print(
            f"Build failed: {count} error{'s' if count != 1 else ''}; output/ was not changed.",
            file=sys.stderr,
        )
        return EXIT_ERRORS
    except OutputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        _report(args, "build", ok=False, errors=[Problem("--output", None, str(exc))])
        return EXIT_ERRORS
    _print_findings(result.findings, args.quiet)
    _report(
        args,
        "build",
        ok=True,
        findings=result.findings,
        counts=_counts(result),
        timings=result.timings,
        written=result.sync.written,
        removed=result.sync.removed,
    )
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
    serve.add_argument(
        "--drafts",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="show articles marked draft (default: shown)",
    )
    serve.add_argument(
        "--future",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="show articles dated in the future (default: shown)",
    )
    serve.add_argument("--port", type=_port, default=8000, help="port (default: 8000)")
    serve.add_argument("--bind", default="127.0.0.1", metavar="ADDR", help="address to listen on")
    serve.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests for this host name (a proxy's or tunnel's); repeatable",
    )
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
            _print_findings(rebuild.result.findings, quiet)
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
    # A rebuild holds the interpreter for seconds at a time on a large site, while the
    # watcher, the early page of the next save and the HTTP server each need it for moments:
    # a shorter switch interval hands it over sooner (save-to-served at 10,000 articles
    # during a rebuild: 139 ms -> 81 ms median).
    sys.setswitchinterval(0.0005)
    overrides = {"content_dir": args.content, "base_url": args.base_url}
    try:
        from generator.dev.preview import Preview  # only `serve` needs the server and watcher

        preview = Preview(
            args.config,
            bind=args.bind,
            port=args.port,
            options=BuildOptions(drafts=args.drafts, future=args.future),
            overrides=overrides,
            poll=args.poll,
            report=lambda rebuild: _report_rebuild(rebuild, args.quiet),
            allow_hosts=args.allow_host,
        )
    except OSError as exc:
        print(f"error: cannot listen on {args.bind}:{args.port}: {exc.strerror}", file=sys.stderr)
        return EXIT_ERRORS
    try:
        with preview:
            if args.port and preview.server.port != args.port:
                print(f"Port {args.port} is in use; using {preview.server.port} instead.")
            if not preview.server.local_only:
                print(
                    f"warning: --bind {args.bind} exposes the preview, drafts included, to "
                    "every machine that can reach this one",
                    file=sys.stderr,
                    flush=True,
                )
            print(f"Serving the preview on {preview.url} (Ctrl-C to stop)", flush=True)
            preview.start()
            if args.open:
                import webbrowser  # only here: importing it costs every command's start

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


def run_check(args: argparse.Namespace) -> int:
    try:
        config = _load(args)
    except BuildFailed as exc:
        _print_problems(exc.problems)
        return EXIT_ERRORS
    out = config.output_dir
    if not out.is_dir():
        print(f"error: {out} does not exist; build the site first", file=sys.stderr)
        return EXIT_ERRORS
    from generator.audit import audit_output  # only `check` fetches external links

    audit = audit_output(config, args.strict, args.external, args.timeout)
    _print_findings(audit.findings, args.quiet)
    failed = any(f.level == "error" for f in audit.findings)
    counts = {"pages": audit.pages, "files": audit.files}
    _report(args, "check", ok=not failed, findings=list(audit.findings), counts=counts)
    if not args.quiet:
        print(f"Checked {audit.pages} pages and {audit.files} files in {out}")
    return EXIT_ERRORS if failed else EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    try:
        config = _load(args)
        now = _clock(args, config) or reproducible_now()
        waiting = list_held(config, args.kind, now)
    except BuildFailed as exc:
        _print_problems(exc.problems)
        return EXIT_ERRORS
    for held in waiting:
        when = held.when.astimezone(config.tz).isoformat(timespec="minutes") if held.when else "-"
        shown = display_path(config.content_dir / held.source)
        print(f"{shown}\t{when}\t{held.title}")
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
    parser = make_parser()
    args = parser.parse_args(argv)
    _configure_logging(args)
    runs = {"build": run_build, "check": run_check, "list": run_list}
    run = {**runs, "serve": run_serve, "new": run_new}[args.verb]
    try:
        return run(args)
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"build.py: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
