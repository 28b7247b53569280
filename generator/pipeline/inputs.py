"""What a build reads before deciding whether it has anything to do, and its memo keys."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import jinja2

from generator.clock import reproducible_now
from generator.config import CHECK_SETTINGS, PARSE_SETTINGS, Config
from generator.incremental.cache import BuildCache, code_stamp, load_cache, settled_files
from generator.incremental.uptodate import LastBuild, inputs_key, manifest_key
from generator.pipeline.options import BuildOptions, BuildResult
from generator.render.pagekeys import template_fingerprints
from generator.render.templatetree import ThemeTemplate, read_templates
from generator.render.themes import Theme, find_theme, make_environment
from generator.source.files import ContentTree, FileMemo, file_digest, read_content
from generator.write.staging import Record, SyncResult, intact_files

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inputs:
    """What a build reads before deciding whether it has anything to do."""

    tree: ContentTree
    theme: Theme
    env: jinja2.Environment
    templates: dict[str, str]  # template name -> fingerprint
    theme_templates: dict[str, ThemeTemplate]
    now: datetime
    key: str  # hash of everything read but the clock (uptodate.inputs_key)
    # The theme's static files the site publishes: rel -> (file, digest)
    theme_files: dict[str, tuple[Path, str]]


@dataclass(frozen=True)
class StageKeys:
    """The keys of the stages' memos: the code's stamp and the settings each stage reads."""

    documents: str  # parsing reads PARSE_SETTINGS and the path of base_url
    pages: str  # rendering reads every setting but the checks'
    checks: str  # the checks read every setting
    output: str  # the record of what output/ holds is of one folder

    @classmethod
    def of(cls, stamp: str, config: Config) -> StageKeys:
        # The path, not base_url: a preview (at its own address) shares the documents of a
        # site built at a domain's root.
        parse = config.fingerprint(only=PARSE_SETTINGS)
        documents = f"{stamp}:{parse}:{config.base_path}"
        output = f"{stamp}:{config.fingerprint(leave_out=CHECK_SETTINGS)}"
        folder = str(config.output_dir.resolve())
        return cls(documents, output, f"{stamp}:{config.fingerprint()}", folder)


def open_cache(
    config: Config, options: BuildOptions, cache: BuildCache | None
) -> tuple[BuildCache, bool]:
    """Return the cache to build with (the one given, the saved one or an empty one) and
    whether it is saved after the build."""
    persistent = cache is None and options.use_cache
    if cache is None:
        cache = saved_cache(config) if persistent else BuildCache()
    return cache, persistent and cache.keep


def saved_cache(config: Config) -> BuildCache:
    """Return the cache saved in config's cache folder, or an empty one (warning why when
    one there cannot be used)."""
    cache, warning = load_cache(config.cache_dir, code_stamp())
    if warning:
        log.warning("%s", warning)
    return cache


def read_inputs(
    config: Config, options: BuildOptions, cache: BuildCache, keys: StageKeys
) -> Inputs:
    """Return the content, the theme and the key of everything read; keep the new file and
    template memos in `cache`."""
    files: FileMemo = dict(cache.get("files") or {})
    limit = config.max_document_mb * 1_000_000
    tree = read_content(config.content_dir, files, limit, config.raw_html)
    theme = find_theme(config)
    env = make_environment(config, theme)
    facts = dict(cache.get("templates") or {})
    theme_templates = read_templates(env, facts)
    templates = template_fingerprints(theme_templates)
    quick = cache.get("built", keys.pages)
    if quick is not None and quick.templates == templates:
        env = quick.env  # its templates are compiled already (the dev server's rebuilds)
    published = theme.published_files(config.search)
    theme_files = {rel: (f, file_digest(f, files)) for rel, f in published.items()}
    cache.put("files", "", settled_files(files))
    cache.put("templates", "", facts)
    # Problems name files relative to the working folder, so it is an input too.
    flags = (
        options.drafts, options.future, options.strict, options.keep_going, tuple(tree.skipped),
        os.getcwd(),
    )  # fmt: skip
    digests = {rel: value for rel, (_, value) in theme_files.items()}
    key = inputs_key(keys.checks, flags, tree.sources, tree.assets, templates, digests)
    now = options.clock or reproducible_now()
    return Inputs(tree, theme, env, templates, theme_templates, now, key, theme_files)


def unchanged(
    config: Config, last: LastBuild | None, record: Record | None, inputs: Inputs
) -> BuildResult | None:
    """Return the result of the last build again if this one would change nothing: same
    inputs, a clock that publishes the same articles, and output/ as that build left it
    (every file with the stamp `record` gives it)."""
    if last is None or last.inputs != inputs.key or not last.window.holds(inputs.now):
        return None
    files = intact_files(config.output_dir, record)
    if files is None or manifest_key(files) != last.manifest:
        return None
    log.info("nothing changed since the last build")
    sync = SyncResult((), len(files), (), files)
    return BuildResult(last.tally, sync, last.warnings, 0.0, 0, 0, {}, last.findings)
