"""build(): the one place where the stages meet."""

from __future__ import annotations

import logging
import posixpath
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .assemble import Selection, assemble_site
from .cache import BuildCache, cache_stamp, load_cache, save_cache
from .checks import ChecksFailed, Finding, check_build
from .clock import reproducible_now
from .config import Config
from .errors import BuildFailed, Problem, SourceError, display_path
from .feeds import feed_outputs
from .markup import Converter
from .model import Article, Page, Site
from .parse import Parsed, parse_document
from .render import Output, render_site
from .sources import ContentTree, read_content
from .templates import find_theme, make_environment
from .write import SyncResult, check_output_dir, sync_output

log = logging.getLogger(__name__)

THEME_URL = "theme"


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    future: bool = False
    clock: datetime | None = None  # build as if it were this moment (default: now)
    use_cache: bool = True  # read and save the persistent cache in config.cache_dir
    strict: bool = False  # warnings are errors: the build fails and writes nothing


@dataclass(frozen=True)
class BuildResult:
    site: Site
    sync: SyncResult
    warnings: tuple[Problem, ...]
    seconds: float
    parsed: int  # documents parsed in this build (the rest came from the cache)
    rendered: int  # pages rendered in this build (the rest came from the cache)
    timings: dict[str, float] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()  # the checks' findings and the warnings, with levels


@dataclass(frozen=True)
class ParseOutcome:
    documents: tuple[Article | Page, ...]
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    parsed: int  # how many were parsed rather than taken from the cache


def parse_all(tree: ContentTree, config: Config, cache: BuildCache) -> ParseOutcome:
    """Return every document of `tree`, parsing only those `cache` does not hold.

    The cache is left holding exactly the documents of this tree.
    """
    converter: Converter | None = None
    current: dict[tuple[str, str], Parsed] = {}
    documents: list[Article | Page] = []
    errors, warnings = list(tree.errors), list(tree.skipped)
    fresh = 0
    for source in tree.sources:
        key = (source.path, source.digest)
        parsed = cache.get(*key)
        if parsed is None:
            fresh += 1
            converter = converter or Converter(config.smart_typography)
            try:
                parsed = parse_document(source, config, converter)
            except SourceError as exc:
                errors.append(exc.problem)
                continue
        current[key] = parsed
        documents.append(parsed.document)
        warnings.extend(parsed.warnings)
    cache.keep(current)
    return ParseOutcome(tuple(documents), tuple(errors), tuple(warnings), fresh)


def site_outputs(site: Site, config: Config) -> list[Output]:
    """Return every file of the finished site: pages, feeds, theme files and content assets."""
    theme = find_theme(config)
    outputs = render_site(site, config, make_environment(config, theme))
    outputs += feed_outputs(config, site)
    outputs += [
        Output(f"{THEME_URL}/{rel}", f"theme file {rel}", file=file)
        for rel, file in theme.static_files().items()
    ]
    urls = {d.source: d.url for d in (*site.articles, *site.pages)}
    for asset in site.assets:
        if asset.owner:  # published beside its bundle's page, so relative links keep working
            inside = asset.path[len(posixpath.dirname(asset.owner)) + 1 :]
            path = urls[asset.owner].lstrip("/") + inside
        else:
            path = asset.path
        outputs.append(Output(path, asset.path, file=asset.file))
    return outputs


def check_unique(outputs: Sequence[Output], config: Config, sources: set[str]) -> None:
    """Raise BuildFailed naming both origins of any two outputs that would be the same file.

    Paths that differ only in case or Unicode normalisation collide too: a case-insensitive
    host would serve one in place of the other.
    """
    seen: dict[str, Output] = {}
    problems: list[Problem] = []
    for item in outputs:
        key = unicodedata.normalize("NFC", item.path).casefold()
        other = seen.setdefault(key, item)
        if other is item:
            continue
        first, second = sorted((other.origin, item.origin))
        problems.append(
            Problem(
                _origin(first, config, sources),
                None,
                f"writes /{item.path}, as does {_origin(second, config, sources)}",
            )
        )
    if problems:
        raise BuildFailed(problems)


def _origin(origin: str, config: Config, sources: set[str]) -> str:
    return display_path(config.content_dir / origin) if origin in sources else origin


def build(
    config: Config, options: BuildOptions = BuildOptions(), cache: BuildCache | None = None
) -> BuildResult:
    """Build the site of `config` into its output folder; raise BuildFailed on user errors.

    Nothing is written unless every stage succeeded. `cache` carries parsed documents from
    one build to the next in the same process (the dev server); without it the persistent
    cache in config.cache_dir is used when options.use_cache is set.
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(stage: str) -> None:
        timings[stage] = time.perf_counter() - started - sum(timings.values())

    stamp = cache_stamp(config.fingerprint())
    persistent = cache is None and options.use_cache
    if cache is None or cache.stamp != stamp:
        cache = BuildCache(stamp)
        if persistent:
            cache, warning = load_cache(config.cache_dir, stamp)
            if warning:
                log.warning("%s", warning)
    tree = read_content(config.content_dir)
    lap("read")
    parsed = parse_all(tree, config, cache)
    lap("parse")
    if parsed.errors:
        raise BuildFailed(parsed.errors)
    now = options.clock or reproducible_now()
    selection = Selection(now, options.drafts, options.future)
    site = assemble_site(parsed.documents, tree.assets, selection)
    lap("assemble")
    outputs = site_outputs(site, config)
    check_unique(outputs, config, {s.path for s in tree.sources} | {a.path for a in tree.assets})
    lap("render")
    findings = check_build(site, outputs, tree.sources, parsed.warnings, config, options.strict)
    lap("check")
    if any(f.level == "error" for f in findings):
        raise ChecksFailed(findings, timings)
    check_output_dir(config.output_dir, config.root, [config.content_dir, config.root / "themes"])
    sync = sync_output(outputs, config.output_dir)
    lap("write")
    if persistent:
        save_cache(config.cache_dir, cache)
    seconds = time.perf_counter() - started
    rendered = sum(1 for o in outputs if o.data is not None)
    return BuildResult(
        site, sync, parsed.warnings, seconds, parsed.parsed, rendered, timings, tuple(findings)
    )
