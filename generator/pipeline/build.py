"""build(): the one place where the stages meet."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from generator.config import Config
from generator.incremental.cache import BuildCache
from generator.pipeline.inputs import StageKeys, open_cache, read_inputs, unchanged
from generator.pipeline.laps import Laps
from generator.pipeline.options import BuildOptions, BuildResult
from generator.processes import collector_paused
from generator.source.files import unread_documents
from generator.write.staging import check_output_dir, output_lock, recover_output

if TYPE_CHECKING:
    from generator.source.parallel import ParseWorkers

log = logging.getLogger(__name__)

__all__ = ["BuildOptions", "BuildResult", "build"]  # what build() takes and gives, with it


def build(
    config: Config,
    options: BuildOptions = BuildOptions(),
    cache: BuildCache | None = None,
    workers: ParseWorkers | None = None,
) -> BuildResult:
    """Build the site of `config` into its output folder; raise BuildFailed on user errors.

    Nothing is written unless every stage succeeded, and two builds into the same folder
    never run at once. `cache` carries parsed documents and page keys from one build to the
    next in the same process (the dev server); without it the persistent cache in
    config.cache_dir is used when options.use_cache is set. `workers`, kept by a caller
    that builds off its main thread (the dev server), parse its documents with the time
    limit the main thread would give them.
    """
    # The cache folder too: it holds every parsed document, drafts included, never published.
    sources = [config.content_dir, config.root / "themes", config.cache_dir]
    # Where the output goes is checked before the lock file beside it is made ...
    check_output_dir(config.output_dir, config.root, sources, contents=False)
    with output_lock(config.output_dir):
        # ... what it holds under the lock: a first build filling a new folder is not a
        # stranger's files.
        check_output_dir(config.output_dir, config.root, sources)
        recovered = recover_output(config.output_dir)  # a commit a killed build left
        if recovered:
            log.warning("%s", recovered)
        with collector_paused():
            return _build(config, options, cache, workers)


def _build(
    config: Config, options: BuildOptions, cache: BuildCache | None, workers: ParseWorkers | None
) -> BuildResult:
    laps = Laps()
    in_memory = cache is not None  # the caller keeps it for the next build (the dev server)
    cache, persistent = open_cache(config, options, cache)
    keys = StageKeys.of(cache.stamp, config)
    inputs = read_inputs(config, options, cache, keys)
    laps.lap("read")
    tree = inputs.tree
    unread = unread_documents(config.content_dir, tree.assets)
    notes = (unread,) if unread else ()
    if not (tree.errors or tree.unreadable) and (
        result := unchanged(config, cache.get("last"), cache.get("output", keys.output), inputs)
    ):
        laps.lap("compare")
        return replace(result, seconds=laps.seconds(), timings=laps.timings, notes=notes)
    # Loaded only now: a build that changed nothing never loads the stages that parse,
    # render and check (Markdown, the renderer, the checks), some third of its time.
    from generator.pipeline.stages import run_stages

    # Handed over, not shared: the stages let the sources' texts go once parsed, which this
    # frame would otherwise hold to the end of the build (a cold build's largest input).
    handed = [inputs]
    del inputs, tree
    return run_stages(
        config, options, cache, workers, handed, keys, laps,
        notes=notes, persistent=persistent, in_memory=in_memory,
    )  # fmt: skip
