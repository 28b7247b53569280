"""The command line's arguments: the commands, their options and their help."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator import __version__
from generator.pipeline.options import HELD_KINDS


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


def _jobs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        metavar="N",
        help="parse and render with N processes (default: one per core; 1: no worker processes)",
    )


def _output_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help="the site's folder (default: output/ beside the settings)",
    )


def make_parser(prog: str = "build.py") -> argparse.ArgumentParser:
    """Return the parser of the command line; `prog` names the command in help and usage."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Build a news site from Markdown articles. Without a command, runs `build`.",
    )
    parser.add_argument(
        "--version", action="version", version=f"gazette {__version__}", help="print the version"
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
        "-k",
        "--keep-going",
        action="store_true",
        help="leave out documents that cannot be built, report each, build the rest (exit 3)",
    )
    _jobs_option(build_cmd)
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
    _jobs_option(serve)


def _new_parser(verbs: argparse._SubParsersAction) -> None:
    new = verbs.add_parser(
        "new",
        help="start a new article or page",
        description="Create content/articles/<slug>.md as a draft with its front matter filled "
        "in (or, with --page, the static page content/pages/<slug>.md), and print its path. "
        "An existing file is never overwritten.",
    )
    new.add_argument("title", help="the headline (or the page's title)")
    new.add_argument(
        "--author",
        help="the author (default: default_author in site.yaml); a name the site does not "
        "know yet is written as given, with a warning",
    )
    new.add_argument("--section", metavar="NAME", help="the article's section, e.g. Politics")
    new.add_argument("--tags", metavar='"A, B"', help="the article's tags, separated by commas")
    new.add_argument(
        "--page",
        action="store_true",
        help="make a static page in content/pages/ (title only: no date, author or draft)",
    )
    new.add_argument("--config", type=Path, default=Path("site.yaml"), metavar="FILE")
    new.add_argument("--content", type=Path, metavar="DIR", help="the content folder")
    new.set_defaults(verbose=False, base_url=None)


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a number of processes (1 or more): {text!r}")
    return int(text)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return int(text)
