"""The stages of a build with work to do: parse, assemble, render, check and write.

pipeline.build decides first whether a build has anything to do, and loads this module
only if it has.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from generator.assemble.assembly import Selection, assemble_site, term_clashes
from generator.assemble.collisions import collisions
from generator.assemble.links import resolve_links
from generator.assemble.summaries import anchor_summaries
from generator.check.findings import unreadable_errors
from generator.config import Config
from generator.errors import BuildFailed, display_path
from generator.incremental.cache import (
    DOCUMENTS,
    BuildCache,
    image_stamp,
    save_cache,
    settled_files,
)
from generator.incremental.imagestore import FOLDER, ImageStore
from generator.incremental.uptodate import LastBuild, manifest_key, window
from generator.incremental.warm import built
from generator.markup.speedups import mode as markdown_mode
from generator.model import Source
from generator.pipeline.held import tally_of
from generator.pipeline.images import plan_images
from generator.pipeline.inputs import Inputs, StageKeys
from generator.pipeline.laps import Laps
from generator.pipeline.options import BuildOptions, BuildResult
from generator.pipeline.parsing import parse_all
from generator.pipeline.publish import publish
from generator.processes import can_fork, worker_count
from generator.render.ahead import compiled_ahead
from generator.render.pictures import with_pictures
from generator.source.parallel import ParseWorkers
from generator.urls import served_path

log = logging.getLogger(__name__)

# Sources from which a build has its templates compiled ahead (render.ahead). With fewer,
# the build has little to do while they compile, and a small site spares the process; the
# number is a judgement, not a measurement.
AHEAD_SOURCES = 100


def run_stages(
    config: Config,
    options: BuildOptions,
    cache: BuildCache,
    workers: ParseWorkers | None,
    handed: list[Inputs],  # emptied: the caller keeps no reference to the inputs
    keys: StageKeys,
    laps: Laps,
    *,
    notes: tuple[str, ...],
    persistent: bool,  # the cache is saved after the build
    in_memory: bool,  # the caller keeps the cache for its next build (the dev server)
) -> BuildResult:
    """Parse, assemble, render, check and write the site of the inputs handed over; return
    the result. Raises BuildFailed, writing nothing, on user errors."""
    inputs = handed.pop()
    # Forked as the render workers are (the start method is the caller's word that this
    # process may fork). The dev server keeps its environment compiled between builds.
    ahead = (
        not in_memory
        and len(inputs.tree.sources) >= AHEAD_SOURCES
        and worker_count(options.jobs) > 1
        and can_fork(options.start_method)
    )
    with compiled_ahead(inputs.env, inputs.theme_templates, ahead):
        log.info("%s", markdown_mode())
        tree = inputs.tree
        warning = cache.complete()
        if warning:
            log.warning("%s", warning)
        loaded = cache.snapshot()
        parsed = parse_all(tree, config, cache.get(DOCUMENTS, keys.documents), options, workers)
        # What only a later build reads (the documents, page keys, this build's summary) is
        # not kept for a cache that is neither saved nor kept: a cold build with --no-cache.
        remember = persistent or in_memory
        if remember:
            cache.put(DOCUMENTS, keys.documents, parsed.memo)
        if not in_memory:
            # Past parsing, a source's text is read again only for the line of a finding (the
            # preview keeps them for its quick pages): an archive's texts are not held to the
            # end of the build.
            tree = replace(tree, sources=tuple(_unread(s) for s in tree.sources))
            inputs = replace(inputs, tree=tree)
        laps.lap("parse")
        selection = Selection(inputs.now, options.drafts, options.future)
        # Documents that would share an address are reported (or left out) before any is
        # rendered, naming the field that made each address.
        clashing, clashes = collisions(
            parsed.documents, selection, config.content_dir, options.keep_going
        )
        errors = parsed.errors + tuple(unreadable_errors(tree.unreadable, config, options.strict))
        with_clashes = tuple(sorted((*errors, *clashes), key=lambda p: (p.path, p.line or 0)))
        if errors and not options.keep_going:
            raise BuildFailed(with_clashes, timings=laps.timings)
        # Without keep_going, clashes fail the build once every other file has claimed its
        # path, so a clash of assets (Map.png and map.png) is reported in the same run.
        left_out, failing = (with_clashes, ()) if options.keep_going else ((), clashes)
        documents = tuple(d for d in parsed.documents if d.source not in clashing)
        site = assemble_site(documents, tree.assets, selection)
        # Root-relative links carry the base path since parsing; resolve_links writes its own
        # (content-file) links with it.
        site, link_warnings = resolve_links(site, config.content_dir, config.base_path)
        site = anchor_summaries(site, config.base_path)
        kept = options.use_cache and cache.keep  # not with --no-cache, nor in a tracked folder
        folder = config.cache_dir / FOLDER if kept else None
        store = ImageStore(folder, image_stamp(), cache.get("files"))
        images = plan_images(site, config, store)
        site = with_pictures(site, images.marks, images.pictures, images.leads, config.base_path)
        # Two tag names making one page is a content warning, not a broken link.
        clashing_terms = tuple(term_clashes(site, config.content_dir))
        content_warnings = parsed.warnings + clashing_terms + images.warnings
        tally = tally_of(site, parsed.documents, inputs.now)
        moments = window(inputs.now, parsed.documents)
        parsed_count = parsed.parsed
        originals = (
            {path: (d, p.document) for (path, d), p in parsed.memo.items()} if remember else {}
        )
        # Without a cache to fill, the documents as parsed go before rendering: a body whose
        # Markdown images were given their pictures is a second copy of it.
        del parsed, documents
        laps.lap("assemble")
        sync, findings, rendered = publish(
            config, options, cache, keys, inputs, site, originals, content_warnings, link_warnings,
            laps, remember, images, store, failing,
        )  # fmt: skip
        warnings = content_warnings + link_warnings
        if persistent and not left_out:
            # What no image of this build used goes: photos deleted or changed, settings
            # changed. Not by the preview (in_memory), whose drafts a build leaves out, nor
            # after a build that left documents out, whose images come back with them.
            store.prune()
        if folder is not None:  # the digests of the store's files, for the next build
            cache.put("files", "", settled_files(store.files))
        if in_memory:
            sources = {s.path: s for s in tree.sources}
            quick = built(
                sources, originals, site, inputs.env, inputs.templates, config, images.pictures
            )
            cache.put("built", keys.pages, quick)
        # A build that left documents out is never the last build a no-change build repeats:
        # the next one reads them again, and reports them again.
        if remember and not left_out:
            last = LastBuild(
                inputs.key, moments, tally, findings, warnings,
                manifest_key(sync.files),
            )  # fmt: skip
            cache.put("last", "", last)
        if persistent and cache.snapshot() != loaded:
            try:
                save_cache(config.cache_dir, cache)
            except OSError as exc:  # output/ is whole already: the next build is only slower
                where = display_path(config.cache_dir)
                why = exc.strerror or exc
                log.warning("%s: warning: cannot save the cache: %s", where, why)
        pages = (f for f in sync.removed if f.endswith(".html"))
        gone = tuple(served_path(f) for f in pages) if left_out else ()
        return BuildResult(
            tally, sync, warnings, laps.seconds(), parsed_count, rendered, laps.timings, findings,
            left_out, gone, notes,
        )  # fmt: skip


def _unread(source: Source) -> Source:
    """Return `source` without its text, as the reader leaves an unchanged one."""
    return source if source.text is None else replace(source, text=None)
