"""The commands: build, check, list, serve and new, each returning its exit code."""

from __future__ import annotations

import argparse
import sys
import threading
from datetime import datetime
from typing import TYPE_CHECKING

from generator.check.findings import ChecksFailed
from generator.clock import reproducible_now
from generator.config import Config, load_config
from generator.dev.scaffold import create_article
from generator.errors import BuildFailed, OutputError, Problem, display_path
from generator.pipeline.build import BuildOptions, build
from generator.pipeline.held import list_held
from generator.source.dates import parse_date

if TYPE_CHECKING:
    pass
from generator.cli.printing import (
    counts,
    print_findings,
    print_problems,
    report_rebuild,
    summary,
    write_run_report,
)

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A command-line value that cannot be used; exit code 2."""


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


def run_build(args: argparse.Namespace) -> int:
    try:
        config = _load(args)
        options = BuildOptions(
            drafts=args.drafts,
            future=args.future,
            clock=_clock(args, config),
            use_cache=not args.no_cache,
            strict=args.strict,
            jobs=args.jobs,
        )
        result = build(config, options)
    except BuildFailed as exc:
        findings = getattr(exc, "findings", ())
        if isinstance(exc, ChecksFailed):
            print_findings(findings, args.quiet)
        else:
            print_problems(exc.problems)
        errors = () if isinstance(exc, ChecksFailed) else exc.problems
        timings = getattr(exc, "timings", None)
        write_run_report(args, "build", ok=False, findings=findings, errors=errors, timings=timings)
        count = len(exc.problems)
        print(
            f"Build failed: {count} error{'s' if count != 1 else ''}; output/ was not changed.",
            file=sys.stderr,
        )
        return EXIT_ERRORS
    except OutputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        write_run_report(args, "build", ok=False, errors=[Problem("--output", None, str(exc))])
        return EXIT_ERRORS
    print_findings(result.findings, args.quiet)
    write_run_report(
        args,
        "build",
        ok=True,
        findings=result.findings,
        counts=counts(result),
        timings=result.timings,
        written=result.sync.written,
        removed=result.sync.removed,
    )
    if not args.quiet:
        print(summary(result))
    return EXIT_OK


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
            options=BuildOptions(drafts=args.drafts, future=args.future, jobs=args.jobs),
            overrides=overrides,
            poll=args.poll,
            report=lambda rebuild: report_rebuild(rebuild, args.quiet),
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
        print_problems(exc.problems)
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
        print_problems(exc.problems)
        return EXIT_ERRORS
    out = config.output_dir
    if not out.is_dir():
        print(f"error: {out} does not exist; build the site first", file=sys.stderr)
        return EXIT_ERRORS
    from generator.check.audit import audit_output  # only `check` fetches external links

    audit = audit_output(config, args.strict, args.external, args.timeout)
    print_findings(audit.findings, args.quiet)
    failed = any(f.level == "error" for f in audit.findings)
    counts = {"pages": audit.pages, "files": audit.files}
    write_run_report(args, "check", ok=not failed, findings=list(audit.findings), counts=counts)
    if not args.quiet:
        print(f"Checked {audit.pages} pages and {audit.files} files in {out}")
    return EXIT_ERRORS if failed else EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    try:
        config = _load(args)
        now = _clock(args, config) or reproducible_now()
        waiting = list_held(config, args.kind, now)
    except BuildFailed as exc:
        print_problems(exc.problems)
        return EXIT_ERRORS
    for held in waiting:
        when = held.when.astimezone(config.tz).isoformat(timespec="minutes") if held.when else "-"
        shown = display_path(config.content_dir / held.source)
        print(f"{shown}\t{when}\t{held.title}")
    return EXIT_OK
