"""Watch -> build -> publish: each batch of changed files becomes one build and one event.

The loop knows the build only through pipeline.build() and quick.quick_page(): it keeps one
BuildCache across rebuilds, so unchanged documents are not parsed again and an edited page
can be shown before its rebuild, and it builds into its own preview folder, so output/ keeps
the last real build.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from generator.config import Config, load_config
from generator.dev.events import Hub
from generator.dev.quick import quick_page
from generator.dev.saveback import SaveBack
from generator.dev.watch import WatchedPaths
from generator.errors import BuildFailed, OutputError, Problem, display_path
from generator.incremental.cache import DOCUMENTS, BuildCache, Documents
from generator.outputs import Output, digest
from generator.pipeline.build import BuildOptions, BuildResult, build
from generator.pipeline.inputs import saved_cache
from generator.processes import worker_count
from generator.render.themes import find_theme
from generator.source.parallel import ParseWorkers
from generator.urls import served_path
from generator.write.staging import SyncResult

CONTEXT = 3  # source lines shown above and below an error's line
# A writer previews everything, drafts and scheduled stories included (the theme marks them).
# The preview always keeps going: a broken article shows its error over the pages while
# every other page keeps updating.
log = logging.getLogger(__name__)

PREVIEW_OPTIONS = BuildOptions(drafts=True, future=True)  # DevLoop adds keep_going
# The preview builds on a thread of a process with threads, where forking is unsafe.
START_METHOD = "spawn"
# How long stopping the preview waits for a save of its documents: Ctrl-C stays prompt, and
# a save cut off leaves the cache as it was.
SAVE_GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class Excerpt:
    """The lines around a problem's line, numbered from 1, to show beside the message."""

    problem: Problem
    lines: tuple[tuple[int, str], ...]

    def as_json(self) -> dict[str, Any]:
        p = self.problem
        where = f"{p.path}:{p.line}" if p.line else p.path
        return {
            "text": f"{where}: {p.message}",
            "path": p.path,
            "line": p.line,
            "hint": p.hint,
            "excerpt": [list(row) for row in self.lines],
        }


@dataclass(frozen=True)
class Rebuild:
    """What one rebuild did: the files that caused it, and its result or its problems."""

    number: int
    changed: tuple[str, ...]  # display paths; empty for the first build
    result: BuildResult | None
    problems: tuple[Excerpt, ...]
    milliseconds: float
    announced: str | None  # the event sent to the tabs: "reload", "css", "problem" or None

    @property
    def ok(self) -> bool:
        """Whether it built with nothing to report: no error, no document left out."""
        return self.result is not None and not self.problems


# Files no tab shows with live reload: a change to one alone reloads nothing.
_UNSHOWN = (".xml", ".txt", ".json")


def _pages(sync: SyncResult, hub: Hub) -> list[str] | None:
    """Return the site paths of the pages that tabs showing them must reload after a build,
    or None for every tab (a stylesheet, script or image changed). A page published ahead
    with the bytes the build wrote is shown already."""
    paths = []
    for path in (*sync.written, *sync.removed):
        if path.endswith(".html"):
            shown = hub.page(path)
            if shown is None or digest(shown) != sync.files.get(path):
                paths.append(served_path(path))
        elif not path.endswith(_UNSHOWN):
            return None
    return paths


def excerpt(problem: Problem, context: int = CONTEXT) -> Excerpt:
    """Return `problem` with the lines of its file around its line (none when unreadable)."""
    if not problem.line:
        return Excerpt(problem, ())
    try:
        text = Path(problem.path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return Excerpt(problem, ())
    rows = text.splitlines()
    first = max(1, problem.line - context)
    last = min(len(rows), problem.line + context)
    return Excerpt(problem, tuple((n, rows[n - 1]) for n in range(first, last + 1)))


class DevLoop:
    """Builds the preview into `preview_dir` and tells `hub` what each rebuild changed.

    `rebuild()` is the whole logic and may be called directly (tests do); a Watcher calls it
    with each batch of changed files. Rebuilds run one at a time, on the caller's thread;
    `ahead()`, which shows an edited page before its rebuild, may run on another meanwhile.
    Documents are parsed in worker processes kept from one rebuild to the next, where the
    max_parse_seconds limit holds as in a command-line build; close() stops them.
    """

    def __init__(
        self,
        config_path: Path,
        preview_dir: Path,
        hub: Hub,
        options: BuildOptions = PREVIEW_OPTIONS,
        overrides: dict[str, Any] | None = None,
        report: Callable[[Rebuild], None] = lambda rebuild: None,
    ):
        self.config_path = config_path.resolve()
        self.preview_dir = preview_dir
        self.hub = hub
        # The preview always keeps going, whatever options its caller built: a broken
        # article is shown in the overlay while the rest of the site is served.
        self.options = replace(options, start_method=START_METHOD, keep_going=True, last_good=True)
        self.workers = ParseWorkers(worker_count(options.jobs), START_METHOD)
        self.overrides = dict(overrides or {})
        self.report = report
        self.config: Config | None = None
        self.cache: BuildCache | None = None
        self.saver = SaveBack()
        self.count = 0
        self.settled = 0  # the hub's mark of the pages published ahead the last build settled

    def load(self) -> Config:
        """Return the settings as the preview uses them; raise BuildFailed when invalid."""
        return load_config(self.config_path, **self.overrides, output_dir=self.preview_dir)

    def watched(self) -> WatchedPaths:
        """Return what to watch: the settings file, the content folder and the theme's folders."""
        folders: list[Path] = []
        if self.config is not None:
            folders.append(self.config.content_dir)
            with suppress(BuildFailed):  # a missing theme is reported by the build
                folders += find_theme(self.config).folders
            folders.append(self.config.root / "themes")
        return WatchedPaths(folders, [self.config_path])

    def rebuild(self, changed: Collection[Path] = (), early: bool = True) -> Rebuild:
        """Build the preview after `changed` (all files when empty); announce and return it.

        With `early`, the page of a lone edited document is published first (see ahead);
        the watcher does that on a thread of its own, so a save during a long rebuild is
        shown at once.
        """
        started = time.perf_counter()
        self.count += 1
        was_failing = self.hub.failing
        shown = tuple(sorted({display_path(p) for p in changed}))
        result: BuildResult | None = None
        problems: tuple[Problem, ...] = ()
        if early:
            self.ahead(changed)
        mark = self.hub.mark()  # the pages published ahead so far: this build writes them
        try:
            if self.config is None or self.config_path in {p.resolve() for p in changed}:
                self.config = None
                self.config = self.load()
            cache = self._cache_for(self.config)
            result = build(self.config, self.options, cache=cache, workers=self.workers)
        except BuildFailed as exc:
            problems = exc.problems
        except OutputError as exc:
            problems = (Problem(display_path(self.preview_dir), None, str(exc)),)
        if result is not None:
            problems = result.left_out
        excerpts = tuple(excerpt(p) for p in problems)
        announced: str | None = None
        ahead, self.settled = mark > self.settled, mark
        if excerpts:  # failed, or built with documents left out: their errors over the pages
            self.hub.failed([e.as_json() for e in excerpts], mark)
            announced = "problem"
        elif was_failing or result.sync.written or result.sync.removed or ahead:
            written, removed = result.sync.written, result.sync.removed
            if not was_failing and not removed and all(p.endswith(".css") for p in written):
                self.hub.stylesheets(written, mark)
                announced = "css"
            else:
                self.hub.reload(None if was_failing else _pages(result.sync, self.hub), mark)
                announced = "reload"
        milliseconds = (time.perf_counter() - started) * 1000
        rebuild = Rebuild(self.count, shown, result, excerpts, milliseconds, announced)
        self.report(rebuild)
        if result is not None and result.parsed and self.config is not None:
            self._save_documents(self.config)
        return rebuild

    def ahead(self, changed: Collection[Path]) -> Output | None:
        """Publish the page of a lone edited document before the rebuild, when the last
        build tells what it will be; return it. Safe to call while a rebuild runs."""
        built = self.cache.built if self.cache else None
        if built is None or self.config is None or self.hub.failing or len(changed) != 1:
            return None
        page = quick_page(next(iter(changed)), built, self.config)
        if page is None or page.data is None or not page.path.endswith(".html"):
            return None
        self.hub.ahead(page.path, page.data)
        return page

    def _cache_for(self, config: Config) -> BuildCache:
        """Return the in-memory cache: one for every rebuild, since each stage's memo is
        keyed on the settings that stage reads, and a changed setting misses it. The first
        starts from the documents and files `build` saved, so a preview of a large archive
        does not parse it again."""
        if self.cache is None:
            self.cache = saved_cache(config)
            for stage in ("last", "pages", "checks"):  # what output/ holds, not the preview
                self.cache.drop(stage)
        return self.cache

    def _save_documents(self, config: Config) -> None:
        """Hand the documents and files this preview read to the saver, to be put into the
        persistent cache beside what `build` saved there (never its record of output/), so
        the next build or preview parses nothing this one parsed."""
        cache = self.cache
        if cache is None or not cache.keep or DOCUMENTS not in cache.memos:
            return
        memo, files = cache.memos[DOCUMENTS], cache.get("files")
        packs = dict(cache.packs)
        documents = Documents(config.cache_dir, cache.stamp, memo.key, memo.data, files, packs)
        self.saver.submit(documents)

    def close(self, save_grace: float = SAVE_GRACE_SECONDS) -> bool:
        """Stop the parse workers, and the saver after at most `save_grace` seconds more;
        return whether the last save ended."""
        self.workers.close()
        return self.saver.close(save_grace)

    def on_batch(self, changed: frozenset[Path]) -> WatchedPaths:
        """Rebuild for a Watcher and return what to watch from now on."""
        self.rebuild(changed, early=False)
        return self.watched()
