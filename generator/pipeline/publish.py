"""Rendering, checking and writing a site: the stages after assembly."""

from __future__ import annotations

from collections.abc import Mapping

from generator.check.findings import check_build
from generator.check.links import Scanner
from generator.check.refs import scan_bytes
from generator.config import Config
from generator.errors import BuildFailed, Finding, Problem, display_path
from generator.incremental.cache import BuildCache
from generator.incremental.imagestore import ImageStore
from generator.model import Document, Site
from generator.outputs import Output
from generator.pipeline.images import ImagePlan
from generator.pipeline.inputs import Inputs, StageKeys
from generator.pipeline.laps import Laps
from generator.pipeline.options import BuildOptions
from generator.pipeline.otherfiles import other_outputs
from generator.processes import worker_count
from generator.render.pagekeys import PageKeys, PageMemo
from generator.render.pages import missing_templates, render_site
from generator.render.themes import syntax_errors
from generator.search.indexed import indexed_pages
from generator.search.indexer import PageCollector, SearchUnavailable, index_files
from generator.write.staging import Staging, SyncResult


def publish(
    config: Config,
    options: BuildOptions,
    cache: BuildCache,
    keys: StageKeys,
    inputs: Inputs,
    site: Site,
    originals: Mapping[str, tuple[str, Document]],
    warnings: tuple[Problem, ...],
    link_warnings: tuple[Problem, ...],
    laps: Laps,
    remember: bool,
    images: ImagePlan,
    store: ImageStore,
    failing: tuple[Problem, ...] = (),
) -> tuple[SyncResult, tuple[Finding, ...], int]:
    """Render `site`, check it and write it; return what was written, the findings and how
    many pages were rendered. Pages are keyed (and unchanged ones kept) only if the cache is
    to `remember` them. Raises BuildFailed, writing nothing, on an error finding (carrying
    every finding), on a template with a syntax error, whether a page uses it or not, on a
    template the settings call for that the theme lacks, and on the `failing` problems
    given (documents sharing an address), with every path claimed twice."""
    broken = syntax_errors(inputs.theme_templates) + missing_templates(
        site, config, inputs.theme_templates, inputs.theme.template_dirs[0]
    )
    if broken:
        raise BuildFailed(broken)
    scanner = Scanner(config, cache.get("scans"))
    rendered = 0
    oversized: list[Output] = []  # pages over max_page_mb
    refused: list[Problem] = []  # images that cannot be published
    # Which files of output/ hold what the manifest says is known from the record of the
    # last build into it; without one (--no-cache, a cold cache), each is compared.
    record = cache.get("output", keys.output)
    with Staging(config.output_dir, record) as staging:
        search = PageCollector(indexed_pages(site, config), staging.new_bytes)
        memo = None
        if remember:
            page_keys = PageKeys(keys.pages, inputs.templates, originals)
            previous = cache.get("pages", keys.pages) or {}
            memo = PageMemo(page_keys, previous, staging.present)
        # Pages stream from the renderer (several processes for a large site) to the
        # staging area: the site is never held in memory whole. The other files are made
        # while the render workers start on the pages.
        jobs = worker_count(options.jobs)
        with render_site(
            site, config, inputs.env, memo, scan_bytes, jobs, options.start_method
        ) as pages:
            others = other_outputs(
                site, config, inputs.theme_files, memo, images, store, staging.present, options
            )
            for output in others:
                if isinstance(output, Problem):
                    refused.append(output)
                    continue
                scanner.add(output)
                staging.add(output)
            for output, found in pages:
                rendered += output.data is not None
                if output.data is not None and len(output.data) > config.max_page_mb * 1_000_000:
                    oversized.append(output)
                scanner.add(output, found)
                staging.add(output)
                if search.wants(output.path):
                    search.add(output.path)
        laps.lap("render")
        if config.search:
            for output in _search_index(search, config):
                scanner.add(output)
                staging.add(output)
            laps.lap("search")
        tree = inputs.tree
        sources = {s.path for s in tree.sources} | {a.path for a in tree.assets}
        if oversized:
            too_large = [_too_large(o, config, sources) for o in oversized]
            raise BuildFailed([*failing, *refused, *too_large])
        # Every path is claimed by now: two owners of one path, a path that is a file for
        # one and a folder for another, or a name of the writer's own, stop the build.
        claimed = staging.claims.problems(lambda o: _origin(o, config, sources))
        problems = sorted((*failing, *refused, *claimed), key=lambda p: (p.path, p.line or 0))
        if problems:
            raise BuildFailed(problems)
        origins = staging.claims.origins()
        findings, checked = check_build(
            site, scanner, origins, tree.sources, warnings, link_warnings, config,
            options.strict, cache.get("checks", keys.checks), tree.unreadable,
        )  # fmt: skip
        cache.put("checks", keys.checks, checked)
        if remember:
            cache.put("scans", "", scanner.scans)
        laps.lap("check")
        if any(f.level == "error" for f in findings):
            errors = [f.problem for f in findings if f.level == "error"]
            raise BuildFailed(errors, findings, laps.timings)
        sync = staging.commit()
    if memo is not None:
        cache.put("pages", keys.pages, memo.current)
    if remember:
        cache.put("output", keys.output, sync.record)
    laps.lap("write")
    return sync, tuple(findings), rendered


def _search_index(search: PageCollector, config: Config) -> list[Output]:
    """Return the files of the search index of the collected pages; raise BuildFailed if
    Pagefind cannot run, as it would build another site here."""
    try:
        return index_files(search)
    except SearchUnavailable as exc:
        where = display_path(config.config_path) if config.config_path else "site.yaml"
        hint = "install it with `pip install 'pagefind[bin]'`, or set `search: false`"
        raise BuildFailed([Problem(where, None, f"search: {exc}", hint)]) from None


def _too_large(output: Output, config: Config, sources: set[str]) -> Problem:
    """Return the problem of a rendered page larger than max_page_mb."""
    size = len(output.data or b"") / 1_000_000
    return Problem(
        _origin(output.origin, config, sources),
        None,
        f"renders /{output.path} at {size:.1f} MB; a page may be at most {config.max_page_mb} MB",
        "raise max_page_mb in site.yaml if the page is genuine",
    )


def _origin(origin: str, config: Config, sources: set[str]) -> str:
    return display_path(config.content_dir / origin) if origin in sources else origin
