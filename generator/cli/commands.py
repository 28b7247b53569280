"""The commands: build, check, list, serve and new, each returning its exit code."""

from __future__ import annotations

import argparse
import sys
import threading
from datetime import datetime
from pathlib import Path

from generator.cli.printing import (
    RebuildReporter,
    counts,
    left_out_summary,
    print_findings,
    print_problems,
    summary,
    write_run_report,
)
from generator.clock import reproducible_now
from generator.config import Config, load_config
from generator.errors import BuildFailed, OutputError, Problem, display_path, printable
from generator.pipeline.build import BuildOptions, build
from generator.source.dates import parse_date

# 3: built, with documents left out (--keep-going); any other error is 1.
EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_LEFT_OUT = 0, 1, 2, 3


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


def _check_report(args: argparse.Namespace, config: Config) -> None:
    """Raise UsageError for a --report file that cannot be written where it is named: over a
    folder, or in the output folder, which holds only what a build wrote (the next build
    would refuse the stranger, and a failed build would have changed output/)."""
    report = args.report
    if report is None:
        return
    out = config.output_dir
    if report.resolve().is_relative_to(out.resolve()):
        where = f"is in the output folder {display_path(out)}"
        raise UsageError(f"--report: {report} {where}; write it elsewhere")
    if report.is_dir():
        raise UsageError(f"--report: {report} is a folder; name a file")


def run_build(args: argparse.Namespace) -> int:
    try:
        config = _load(args)
        _check_report(args, config)
        options = BuildOptions(
            drafts=args.drafts,
            future=args.future,
            clock=_clock(args, config),
            use_cache=not args.no_cache,
            strict=args.strict,
            jobs=args.jobs,
            keep_going=args.keep_going or config.keep_going,
        )
        result = build(config, options)
    except BuildFailed as exc:
        # A build the checks stopped has its errors among the findings; any other stopped
        # before the checks ran, on problems alone.
        if exc.findings:
            print_findings(exc.findings, args.quiet)
        else:
            print_problems(exc.problems)
        errors = () if exc.findings else exc.problems
        write_run_report(
            args, "build", ok=False, findings=exc.findings, errors=errors, timings=exc.timings
        )
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
    print_problems(result.left_out)
    print_findings(result.findings, args.quiet)
    write_run_report(
        args,
        "build",
        ok=True,
        findings=result.findings,
        errors=result.left_out,
        counts=counts(result),
        timings=result.timings,
        written=result.sync.written,
        removed=result.sync.removed,
    )
    if not args.quiet:
        print_problems(result.notes, "note")
        print(summary(result))
    if result.left_out:
        print(left_out_summary(result), file=sys.stderr)
        return EXIT_LEFT_OUT
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
            report=RebuildReporter(args.quiet),
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
    if args.page and (args.author or args.section or args.tags):
        raise UsageError("--page makes a static page: it takes no --author, --section or --tags")
    from generator.dev.scaffold import (  # only `new` writes content
        create_article,
        create_page,
        known_authors,
        split_tags,
        unknown_author,
    )

    try:
        config = load_config(args.config, content_dir=args.content)
    except BuildFailed as exc:
        print_problems(exc.problems)
        return EXIT_ERRORS
    # Read before the new file exists: it names the author too, and would make them known.
    known = known_authors(config) if args.author else []
    try:
        if args.page:
            path = create_page(config, args.title)
        else:
            tags = split_tags(args.tags or "")
            path = create_article(
                config, args.title, reproducible_now(), args.author, args.section, tags
            )
    except FileExistsError as exc:
        print(f"error: {display_path(exc.filename)} exists; not overwriting it", file=sys.stderr)
        return EXIT_ERRORS
    if known and unknown_author(args.author, known, config):
        _warn_new_author(args.author, known, path)
    print(display_path(path))
    return EXIT_OK


def _warn_new_author(author: str, known: list[str], path: Path) -> None:
    """Warn that `author` is no author the site knows: most often a misspelt byline."""
    from generator.dev.scaffold import closest_author

    guess = closest_author(author, known)
    hint = f" (did you mean {guess!r}?)" if guess else ""
    print(
        f"{display_path(path)}: warning: {author!r} is not an author of this site yet{hint}; "
        "the story will start a new author page",
        file=sys.stderr,
    )


def run_check(args: argparse.Namespace) -> int:
    try:
        config = _load(args)
    except BuildFailed as exc:
        print_problems(exc.problems)
        return EXIT_ERRORS
    _check_report(args, config)
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


# What `list` heads its second column with, and what it says when nothing is held back.
_LIST_HEADINGS = {
    "drafts": ("date", "No drafts."),
    "future": ("goes live", "No scheduled articles."),
    "expired": ("expired", "No expired articles."),
}


def run_list(args: argparse.Namespace) -> int:
    from generator.pipeline.held import list_held  # only `list` parses without building

    try:
        config = _load(args)
        now = _clock(args, config) or reproducible_now()
        waiting = list_held(config, args.kind, now)
    except BuildFailed as exc:
        print_problems(exc.problems)
        return EXIT_ERRORS
    column, nothing = _LIST_HEADINGS[args.kind]
    print(f"file\t{column}\ttitle" if waiting else nothing)
    for held in waiting:
        when = held.when.astimezone(config.tz).isoformat(timespec="minutes") if held.when else "-"
        shown = display_path(config.content_dir / held.source)
        print(f"{printable(shown)}\t{when}\t{printable(held.title)}")
    return EXIT_OK
