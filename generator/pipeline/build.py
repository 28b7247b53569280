"""build(): the one place where the stages meet."""

from __future__ import annotations

import logging
import os
import time
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

import jinja2

from generator.assemble.assembly import Selection, assemble_site, term_clashes
from generator.assemble.links import resolve_links
from generator.check.findings import check_build, unreadable_errors
from generator.check.links import Scanner
from generator.check.refs import scan_bytes
from generator.clock import reproducible_now
from generator.config import CHECK_SETTINGS, PARSE_SETTINGS, Config
from generator.errors import BuildFailed, Finding, Problem, SourceError, display_path
from generator.htmlurls import rebase_site
from generator.images.containers import HEAD, kind_of
from generator.incremental.cache import DOCUMENTS, BuildCache, load_cache, save_cache
from generator.incremental.imagestore import FOLDER, ImageStore
from generator.incremental.uptodate import LastBuild, Tally, inputs_key, manifest_key, window
from generator.incremental.warm import built
from generator.markup.speedups import mode as markdown_mode
from generator.model import Article, Document, Page, Site, Source, Term, evolve
from generator.outputs import Output
from generator.pipeline.images import (
    ImageJob,
    ImagePlan,
    asset_paths,
    image_outputs,
    plan_images,
)
from generator.processes import START_METHODS, collector_paused, worker_count
from generator.render.feeds import feed_outputs
from generator.render.pagekeys import PageKeys, PageMemo, template_fingerprints
from generator.render.pages import render_site
from generator.render.pictures import with_pictures
from generator.render.redirects import redirect_outputs
from generator.render.sitemap import sitemap_outputs
from generator.render.templatetree import ThemeTemplate, read_templates
from generator.render.themes import Theme, find_theme, make_environment, syntax_errors
from generator.source.assets import read_asset
from generator.source.files import ContentTree, FileMemo, file_digest, read_content, with_text
from generator.source.parallel import ParseWorkers, parse_many
from generator.source.parse import Parsed
from generator.urls import served_path
from generator.write.staging import (
    Staging,
    SyncResult,
    check_output_dir,
    intact_files,
    output_lock,
    recover_output,
)

log = logging.getLogger(__name__)

THEME_URL = "theme"


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    future: bool = False
    clock: datetime | None = None  # build as if it were this moment (default: now)
    use_cache: bool = True  # read and save the persistent cache in config.cache_dir
    strict: bool = False  # warnings are errors: the build fails and writes nothing
    jobs: int | None = None  # worker processes to parse and render with (None: the cores)
    # How workers start: "fork" where the build runs in a process with one thread (the
    # command line); a process with threads passes "forkserver" or "spawn", and then renders
    # in its own process (the render plan is shared by fork only).
    start_method: str = "fork"
    # Leave out documents that cannot be read, parsed or placed (each reported) and build
    # the rest, rather than fail; settings and theme errors still fail the build.
    keep_going: bool = False
    # With keep_going: a document that no longer parses is built as it last parsed (in this
    # cache), its error still reported: the preview keeps a broken story's last good page.
    last_good: bool = False

    def __post_init__(self) -> None:
        if self.jobs is not None and self.jobs < 1:
            raise ValueError(f"jobs must be at least 1, not {self.jobs}")
        if self.start_method not in START_METHODS:
            raise ValueError(f"unknown start method {self.start_method!r}")


@dataclass(frozen=True)
class BuildResult:
    tally: Tally  # what the site publishes
    sync: SyncResult
    warnings: tuple[Problem, ...]
    seconds: float
    parsed: int  # documents parsed in this build (the rest came from the cache)
    rendered: int  # pages rendered in this build (the rest came from the cache)
    timings: dict[str, float] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()  # the checks' findings and the warnings, with levels
    left_out: tuple[Problem, ...] = ()  # with keep_going: why each document was left out
    gone: tuple[str, ...] = ()  # with keep_going: site paths the last build had, now gone


@dataclass(frozen=True)
class ParseOutcome:
    documents: tuple[Article | Page, ...]
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    parsed: int  # how many were parsed rather than taken from the cache
    memo: dict[tuple[str, str], Parsed] = field(default_factory=dict)  # for the next build


def parse_all(
    tree: ContentTree,
    config: Config,
    previous: Mapping[tuple[str, str], Parsed] | None = None,
    options: BuildOptions = BuildOptions(jobs=1),
    workers: ParseWorkers | None = None,
) -> ParseOutcome:
    """Return every document of `tree`, parsing only those `previous` (the last build's
    documents memo, never changed) does not hold, with the processes `options` ask for (or
    in `workers`). The outcome's `memo` holds exactly the documents of this tree.
    """
    previous = previous or {}
    errors, warnings = list(tree.errors), list(tree.skipped)
    sources: list[Source] = []
    for source in tree.sources:
        if source.text is None and (source.path, source.digest) not in previous:
            loaded = with_text(source)  # left unread, but it must be parsed after all
            if isinstance(loaded, Problem):
                errors.append(loaded)
                continue
            source = loaded
        sources.append(source)
    missing = [s for s in sources if (s.path, s.digest) not in previous]
    jobs, method = worker_count(options.jobs), options.start_method
    terms: dict[Term, Term] = {}
    fresh = {
        s.path: _share_terms(outcome, terms)
        for s, outcome in zip(
            missing, parse_many(missing, config, jobs, method, workers), strict=True
        )
    }
    current: dict[tuple[str, str], Parsed] = {}
    documents: list[Article | Page] = []
    last_good = {key[0]: (key, p) for key, p in previous.items()} if options.last_good else {}
    for source in sources:
        key = (source.path, source.digest)
        outcome = fresh.get(source.path) or previous[key]
        if isinstance(outcome, SourceError):
            errors.append(outcome.problem)
            if source.path in last_good:
                good_key, good = last_good[source.path]
                current[good_key] = good
                documents.append(good.document)
            continue
        current[key] = outcome
        documents.append(outcome.document)
        warnings.extend(outcome.warnings)
        for note in outcome.notes:
            log.info("%s", note)
    return ParseOutcome(tuple(documents), tuple(errors), tuple(warnings), len(missing), current)


def _share_terms(outcome: Parsed | SourceError, terms: dict[Term, Term]) -> Parsed | SourceError:
    """Return `outcome` with its article's tags, authors and section taken from `terms`
    (equal terms, one object): the cache then stores and loads each once, and a large site
    holds thousands of objects fewer."""
    if not isinstance(outcome, Parsed) or not isinstance(outcome.document, Article):
        return outcome
    doc = outcome.document
    section = terms.setdefault(doc.section, doc.section) if doc.section else None
    shared = evolve(
        doc,
        tags=tuple(terms.setdefault(t, t) for t in doc.tags),
        authors=tuple(terms.setdefault(a, a) for a in doc.authors),
        section=section,
    )
    return replace(outcome, document=shared)


def other_outputs(
    site: Site,
    config: Config,
    theme: Theme,
    memo: PageMemo | None,
    files: FileMemo,
    images: ImagePlan,
    store: ImageStore,
    options: BuildOptions,
) -> Iterator[Output | Problem]:
    """Yield every file of the site but its pages: feeds, sitemap, redirects, theme files
    and content assets, images cleaned of their metadata with their variants and cards (on
    the cores `options` give); and the Problem of each image that cannot be published.
    `files` spares re-reading unchanged theme files."""
    yield from feed_outputs(config, site, memo)
    yield from sitemap_outputs(config, site)
    yield from redirect_outputs(config, site)
    for rel, file in theme.static_files().items():
        value = file_digest(file, files)
        yield Output(f"{THEME_URL}/{rel}", f"theme file {rel}", file=file, digest=value)
    jobs: list[ImageJob] = []
    for path, asset in asset_paths(site).items():
        head = read_asset(asset, HEAD)
        if isinstance(head, Problem):
            yield head
            continue
        kind = kind_of(asset.path, head)
        if kind is None:
            yield Output(path.lstrip("/"), asset.path, file=asset.file, digest=asset.digest)
        else:
            picture, cards = images.pictures.get(path), images.cards.get(path, ())
            jobs.append(ImageJob(asset, path, kind, picture, cards))
    workers = worker_count(options.jobs)
    yield from image_outputs(jobs, config, site, store, workers, options.start_method)


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
    sources = [config.content_dir, config.root / "themes"]
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


@dataclass(frozen=True)
class _Inputs:
    """What a build reads before deciding whether it has anything to do."""

    tree: ContentTree
    theme: Theme
    env: jinja2.Environment
    templates: dict[str, str]  # template name -> fingerprint
    theme_templates: dict[str, ThemeTemplate]
    now: datetime
    key: str  # hash of everything read but the clock (uptodate.inputs_key)


class _Laps:
    """The stage timings of one build."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.timings: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        """Record the time since the last lap as `stage`'s."""
        self.timings[stage] = self.seconds() - sum(self.timings.values())
        log.info("%s done in %.3f s", stage, self.timings[stage])

    def seconds(self) -> float:
        return time.perf_counter() - self.started


@dataclass(frozen=True)
class _Keys:
    """The keys of the stages' memos: the code's stamp and the settings each stage reads."""

    documents: str  # parsing reads PARSE_SETTINGS
    pages: str  # rendering reads every setting but the checks'
    checks: str  # the checks read every setting

    @classmethod
    def of(cls, stamp: str, config: Config) -> _Keys:
        documents = f"{stamp}:{config.fingerprint(only=PARSE_SETTINGS)}"
        output = f"{stamp}:{config.fingerprint(leave_out=CHECK_SETTINGS)}"
        return cls(documents, output, f"{stamp}:{config.fingerprint()}")


def _build(
    config: Config, options: BuildOptions, cache: BuildCache | None, workers: ParseWorkers | None
) -> BuildResult:
    laps = _Laps()
    log.info("%s", markdown_mode())
    in_memory = cache is not None  # the caller keeps it for the next build (the dev server)
    cache, persistent = _open_cache(config, options, cache)
    keys = _Keys.of(cache.stamp, config)
    inputs = _read(config, options, cache, keys)
    laps.lap("read")
    tree = inputs.tree
    if not (tree.errors or tree.unreadable) and (
        result := _unchanged(config, cache.get("last"), inputs)
    ):
        laps.lap("compare")
        return replace(result, seconds=laps.seconds(), timings=laps.timings)
    warning = cache.complete()
    if warning:
        log.warning("%s", warning)
    loaded = cache.snapshot()
    parsed = parse_all(tree, config, cache.get(DOCUMENTS, keys.documents), options, workers)
    cache.put(DOCUMENTS, keys.documents, parsed.memo)
    laps.lap("parse")
    errors = parsed.errors + tuple(unreadable_errors(tree.unreadable, config, options.strict))
    if errors and not options.keep_going:
        raise BuildFailed(errors, timings=laps.timings)
    documents, left_out = parsed.documents, errors
    if options.keep_going:
        documents, collided = _without_collisions(documents, config)
        left_out = tuple(sorted((*left_out, *collided), key=lambda p: (p.path, p.line or 0)))
    selection = Selection(inputs.now, options.drafts, options.future)
    site = assemble_site(documents, tree.assets, selection)
    # Root-relative links written in Markdown carry the base path under a sub-path;
    # resolve_links then writes its own (content-file) links with the base path.
    site = rebase_site(site, config.base_path)
    site, link_warnings = resolve_links(site, config.content_dir, config.base_path)
    kept = options.use_cache and cache.keep  # not with --no-cache, nor in a tracked folder
    store = ImageStore(config.cache_dir / FOLDER if kept else None, cache.stamp)
    images = plan_images(site, config, store)
    site = with_pictures(site, images.pictures, images.leads, config.base_path)
    link_warnings = (*link_warnings, *term_clashes(site, config.content_dir))
    content_warnings = parsed.warnings + images.warnings
    laps.lap("assemble")
    originals = {path: (digest, p.document) for (path, digest), p in parsed.memo.items()}
    # What only a later build reads (page keys, this build's summary) is not worked out for
    # a cache that is neither saved nor kept: a cold build with --no-cache.
    remember = persistent or in_memory
    sync, findings, rendered = _publish(
        config, options, cache, keys, inputs, site, originals, content_warnings, link_warnings,
        laps, remember, images, store,
    )  # fmt: skip
    warnings = content_warnings + link_warnings
    if in_memory:
        sources = {s.path: s for s in tree.sources}
        quick = built(
            sources, originals, site, inputs.env, inputs.templates, config, images.pictures
        )
        cache.put("built", keys.pages, quick)
    tally = _tally(site, parsed.documents, inputs.now)
    # A build that left documents out is never the last build a no-change build repeats:
    # the next one reads them again, and reports them again.
    if remember and not left_out:
        last = LastBuild(
            inputs.key, window(inputs.now, parsed.documents), tally, findings, warnings,
            manifest_key(sync.files),
        )  # fmt: skip
        cache.put("last", "", last)
    if persistent and cache.snapshot() != loaded:
        try:
            save_cache(config.cache_dir, cache)
        except OSError as exc:  # output/ is whole already: the next build is only slower
            where = display_path(config.cache_dir)
            log.warning("%s: warning: cannot save the cache: %s", where, exc.strerror or exc)
    gone = tuple(served_path(f) for f in sync.removed if f.endswith(".html")) if left_out else ()
    return BuildResult(
        tally, sync, warnings, laps.seconds(), parsed.parsed, rendered, laps.timings, findings,
        left_out, gone,
    )  # fmt: skip


def _without_collisions(
    documents: tuple[Article | Page, ...], config: Config
) -> tuple[tuple[Article | Page, ...], list[Problem]]:
    """Return `documents` without those whose address (or an alias) another one has too,
    and a problem for each left out, naming the other and the field that made the URL."""
    owners: dict[str, list[Article | Page]] = {}
    for doc in documents:
        paths = {doc.url, *(doc.aliases if isinstance(doc, Article) else ())}
        for path in paths:
            key = unicodedata.normalize("NFC", path).casefold()
            owners.setdefault(key, []).append(doc)
    problems: list[Problem] = []
    out: set[str] = set()
    for key, docs in sorted(owners.items()):
        if len(docs) < 2:
            continue
        for doc in docs:
            others = ", ".join(
                display_path(config.content_dir / d.source) for d in docs if d is not doc
            )
            field = next((f for f in ("url", "slug", "title") if f in doc.lines), "title")
            problems.append(
                Problem(
                    display_path(config.content_dir / doc.source),
                    doc.lines.get(field),
                    f"left out: its address {key} is also that of {others}",
                    "give one of them another `slug` (or `url`)",
                )
            )
            out.add(doc.source)
    return tuple(d for d in documents if d.source not in out), problems


def _tally(site: Site, documents: Iterable[Article | Page], now: datetime) -> Tally:
    """Return what `site` publishes and, of the `documents` it was assembled from, how many
    the assembly left out as drafts, scheduled or expired at `now`."""
    published = {d.source for d in (*site.articles, *site.pages)}
    drafts = scheduled = expired = 0
    for doc in documents:
        if doc.source in published:
            continue
        # The assembly's order of reasons: a draft first, then an expiry, then a date ahead.
        if doc.draft:
            drafts += 1
        elif isinstance(doc, Article) and doc.expires is not None and doc.expires <= now:
            expired += 1
        elif isinstance(doc, Article) and doc.date > now:
            scheduled += 1
    counts = (len(site.articles), len(site.pages), len(site.tags))
    return Tally(*counts, drafts=drafts, scheduled=scheduled, expired=expired)


def _open_cache(
    config: Config, options: BuildOptions, cache: BuildCache | None
) -> tuple[BuildCache, bool]:
    """Return the cache to build with (the one given, the saved one or an empty one) and
    whether it is saved after the build."""
    persistent = cache is None and options.use_cache
    if cache is None:
        cache = BuildCache()
        if persistent:
            cache, warning = load_cache(config.cache_dir, cache.stamp)
            if warning:
                log.warning("%s", warning)
    return cache, persistent and cache.keep


def _read(config: Config, options: BuildOptions, cache: BuildCache, keys: _Keys) -> _Inputs:
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
    theme_files = {rel: file_digest(f, files) for rel, f in theme.static_files().items()}
    cache.put("files", "", files)
    cache.put("templates", "", facts)
    # Problems name files relative to the working folder, so it is an input too.
    flags = (
        options.drafts, options.future, options.strict, options.keep_going, tuple(tree.skipped),
        os.getcwd(),
    )  # fmt: skip
    key = inputs_key(keys.checks, flags, tree.sources, tree.assets, templates, theme_files)
    now = options.clock or reproducible_now()
    return _Inputs(tree, theme, env, templates, theme_templates, now, key)


def _publish(
    config: Config,
    options: BuildOptions,
    cache: BuildCache,
    keys: _Keys,
    inputs: _Inputs,
    site: Site,
    originals: Mapping[str, tuple[str, Document]],
    warnings: tuple[Problem, ...],
    link_warnings: tuple[Problem, ...],
    laps: _Laps,
    remember: bool,
    images: ImagePlan,
    store: ImageStore,
) -> tuple[SyncResult, tuple[Finding, ...], int]:
    """Render `site`, check it and write it; return what was written, the findings and how
    many pages were rendered. Pages are keyed (and unchanged ones kept) only if the cache is
    to `remember` them. Raises BuildFailed, writing nothing, on an error finding (carrying
    every finding) and on a template with a syntax error, whether a page uses it or not."""
    broken = syntax_errors(inputs.theme_templates)
    if broken:
        raise BuildFailed(broken)
    scanner = Scanner(config, cache.get("scans"))
    rendered = 0
    oversized: list[Output] = []  # pages over max_page_mb
    refused: list[Problem] = []  # images that cannot be published
    with Staging(config.output_dir) as staging:
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
                site, config, inputs.theme, memo, cache.get("files"), images, store, options
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
        tree = inputs.tree
        sources = {s.path for s in tree.sources} | {a.path for a in tree.assets}
        if oversized:
            raise BuildFailed(refused + [_too_large(o, config, sources) for o in oversized])
        # Every path is claimed by now: two owners of one path, a path that is a file for
        # one and a folder for another, or a name of the writer's own, stop the build.
        problems = refused + staging.claims.problems(lambda o: _origin(o, config, sources))
        if problems:
            raise BuildFailed(problems)
        origins = staging.claims.origins()
        laps.lap("render")
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
    laps.lap("write")
    return sync, tuple(findings), rendered


def _unchanged(config: Config, last: LastBuild | None, inputs: _Inputs) -> BuildResult | None:
    """Return the result of the last build again if this one would change nothing: same
    inputs, a clock that publishes the same articles, and output/ as that build left it."""
    if last is None or last.inputs != inputs.key or not last.window.holds(inputs.now):
        return None
    files = intact_files(config.output_dir)
    if files is None or manifest_key(files) != last.manifest:
        return None
    log.info("nothing changed since the last build")
    sync = SyncResult((), len(files), (), files)
    return BuildResult(last.tally, sync, last.warnings, 0.0, 0, 0, {}, last.findings)
