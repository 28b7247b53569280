"""Render the Site through the theme: which template makes which page, and pagination."""

from __future__ import annotations

import logging
import math
import os
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from generator.config import AuthorInfo, Config, Link
from generator.errors import BuildFailed, Problem, display_path
from generator.model import Article, Document, Group, Site
from generator.outputs import Output, digest
from generator.processes import can_fork, fork_pool, signals_held, start_worker
from generator.render.fragments import forget_fragments
from generator.render.pagekeys import PageMemo
from generator.urls import FEED_PATH, RSS_PATH, output_path

log = logging.getLogger(__name__)

SEARCH_PATH = "/search/"  # the search page, with search on
SEARCH_TEMPLATE = "search.html"

# Templates the renderer chooses itself; a document's `layout` never picks one of these.
STANDARD_TEMPLATES = frozenset(
    f"{name}.html"
    for name in (
        "base", "index", "article", "page", "tag", "tags", "section", "author", "authors",
        "archive", "archives", "404", "search",
    )
)  # fmt: skip


@dataclass(frozen=True)
class Paginator:
    number: int
    count: int
    total: int
    previous_url: str | None
    next_url: str | None


@dataclass(frozen=True)
class AuthorProfile:
    name: str
    slug: str
    url: str
    bio: str
    photo: str | None
    links: tuple[Link, ...]
    count: int


@dataclass(frozen=True)
class SiteInfo:
    """The `site` variable of every template."""

    title: str
    description: str
    language: str
    base_url: str
    menu: tuple[Link, ...]
    sections: tuple[Group, ...]
    year: int
    feed_url: str
    rss_url: str
    search: bool  # the site has a search index and a /search/ page


def listing_page_url(base: str, number: int) -> str:
    """Return the site path of page `number` of the listing at `base`: /tags/iran/page/2/."""
    return base if number == 1 else f"{base}page/{number}/"


def paginate(
    base: str, items: Sequence[Any], per_page: int
) -> Iterator[tuple[str, list, Paginator]]:
    """Yield (site path, items on the page, paginator) for each page; an empty list has one page."""
    count = max(1, math.ceil(len(items) / per_page))
    for number in range(1, count + 1):
        yield (
            listing_page_url(base, number),
            list(items[(number - 1) * per_page : number * per_page]),
            Paginator(
                number=number,
                count=count,
                total=len(items),
                previous_url=listing_page_url(base, number - 1) if number > 1 else None,
                next_url=listing_page_url(base, number + 1) if number < count else None,
            ),
        )


@dataclass(frozen=True)
class PageJob:
    """One page to make: its template, site path, what made it, and its template variables."""

    template: str
    url: str
    origin: str
    context: dict[str, Any]


def site_info(site: Site, config: Config) -> SiteInfo:
    """Return the `site` variable every template receives."""
    newest = site.listed[0].date.year if site.listed else site.year
    return SiteInfo(
        title=config.title,
        description=config.description,
        language=config.language,
        base_url=config.base_url,
        menu=config.menu,
        sections=site.sections,
        year=newest,
        feed_url=FEED_PATH,
        rss_url=RSS_PATH,
        search=config.search,
    )


def plan_pages(site: Site, config: Config, env: jinja2.Environment) -> list[PageJob]:
    """Return every page of `site`: which template renders it, where, with which variables."""
    info = site_info(site, config)
    by_source = {a.source: a for a in site.articles}
    jobs: list[PageJob] = []

    def page(template: str, url: str, origin: str, **context: Any) -> None:
        jobs.append(PageJob(template, url, origin, {**context, "site": info, "page_url": url}))

    def listing(template: str, group_url: str, sources, origin: str, **context: Any) -> None:
        articles = [by_source[s] for s in sources]
        for url, items, paginator in paginate(group_url, articles, config.per_page):
            page(template, url, origin, articles=items, paginator=paginator, **context)

    for doc in (*site.articles, *site.pages):
        jobs.append(document_job(doc, by_source, info, env, config))
    listing("index.html", "/", [a.source for a in site.listed], "front page")
    if config.builds("tags"):
        for group in site.tags:
            listing("tag.html", group.url, group.sources, f"tag page {group.url}", tag=group)
        page("tags.html", "/tags/", "tags index", tags=list(site.tags))
    if config.builds("sections"):
        for group in site.sections:
            listing("section.html", group.url, group.sources, f"section page {group.url}",
                    section=group)  # fmt: skip
    if config.builds("authors"):
        profiles = [_profile(g, config.author_info(g.name)) for g in site.authors]
        for group, profile in zip(site.authors, profiles, strict=True):
            listing("author.html", group.url, group.sources, f"author page {group.url}",
                    author=profile)  # fmt: skip
        page("authors.html", "/authors/", "authors index", authors=profiles)
    if config.builds("archives"):
        for group in site.years:
            listing("archive.html", group.url, group.sources, f"archive {group.url}",
                    year=int(group.name))  # fmt: skip
        years = [_YearLink(int(g.name), g.count, g.url) for g in site.years]
        page("archives.html", "/archive/", "archive index", years=years)
    page("404.html", "/404.html", "404 page")
    if config.search:
        page(SEARCH_TEMPLATE, SEARCH_PATH, "search page")
    return jobs


# The pages of each standard template that a setting can leave out: what they are, and the
# kind `disable` names.
_OPTIONAL_PAGES = {
    "tag.html": ("the tag pages", "tags"),
    "tags.html": ("the tags index", "tags"),
    "section.html": ("the section pages", "sections"),
    "author.html": ("the author pages", "authors"),
    "authors.html": ("the authors index", "authors"),
    "archive.html": ("the archive pages", "archives"),
    "archives.html": ("the archive index", "archives"),
}


def missing_templates(
    site: Site, config: Config, templates: Mapping[str, object], folder: Path
) -> list[Problem]:
    """Return a problem for each standard template the pages of `site` need that the theme
    lacks (its own templates are in `folder`), once each, before anything is rendered: a
    theme of one's own that has no tag.html would otherwise fail once per tag page, naming
    neither the theme nor the setting. A document's own `template:` is reported at its line
    when its page is rendered."""
    needed = {"index.html", "404.html"}
    needed |= {d.template for d in (*site.articles, *site.pages)} & STANDARD_TEMPLATES
    # A listing template makes a page per group, if any; an index page is always made.
    groups = {
        "tag.html": site.tags,
        "section.html": site.sections,
        "author.html": site.authors,
        "archive.html": site.years,
    }
    for name, (_, kind) in _OPTIONAL_PAGES.items():
        if config.builds(kind) and groups.get(name, True):
            needed.add(name)
    problems = []
    for name in sorted(needed - templates.keys()):
        what, kind = _OPTIONAL_PAGES.get(name, (None, None))
        if what is not None:
            message = f"no {name}, the template of {what}"
            hint = f"add one, or leave those pages out with `disable: [{kind}]` in site.yaml"
        else:
            message = f"no {name}, a template every site's pages need"
            hint = "add one (the default theme's shows what it is given)"
        problems.append(Problem(display_path(folder), None, message, hint))
    if config.search and SEARCH_TEMPLATE not in templates:
        message = f"no {SEARCH_TEMPLATE}, the template of the search page that search: true makes"
        hint = (
            "add one (the default theme's shows how to read the index), "
            "or set search: false in site.yaml"
        )
        problems.append(Problem(display_path(folder), None, message, hint))
    return problems


def document_job(
    doc: Document,
    articles: Mapping[str, Article],
    info: SiteInfo,
    env: jinja2.Environment,
    config: Config,
) -> PageJob:
    """Return the job of an article's or a static page's own page; `articles` (by source
    path) gives an article its neighbours."""
    if isinstance(doc, Article):
        context: dict[str, Any] = {
            "article": doc,
            "previous": articles.get(doc.previous or ""),
            "next": articles.get(doc.next or ""),
        }
    else:
        context = {"page": doc}
    context.update(site=info, page_url=doc.url)
    return PageJob(_template_of(doc, env, config), doc.url, doc.source, context)


def _template_of(doc: Document, env: jinja2.Environment, config: Config) -> str:
    """Return `doc`'s template: its `layout` (Jekyll, Hugo) if the theme has such a template
    and it is not one of the standard ones, else its own."""
    if doc.layout is None or doc.layout == doc.template:
        return doc.template
    if doc.layout not in STANDARD_TEMPLATES and not doc.layout.startswith("_"):
        try:
            env.get_template(doc.layout)
            return doc.layout
        except jinja2.TemplateNotFound:
            pass
    shown = display_path(config.content_dir / doc.source)
    log.info("%s: layout %r ignored: the theme has no such template", shown, doc.layout)
    return doc.template


def render_page(job: PageJob, env: jinja2.Environment, config: Config) -> Output | Problem:
    """Return the rendered page, or the Problem (file, line, message) its template hit."""
    try:
        html = env.get_template(job.template).render(job.context)
    except jinja2.TemplateNotFound as exc:
        doc = job.context.get("article") or job.context.get("page")
        line = doc.lines.get("template") if doc is not None else None
        where = display_path(config.content_dir / job.origin) if doc is not None else job.origin
        return Problem(where, line, f"unknown template {exc.name!r}")
    except jinja2.TemplateSyntaxError as exc:
        return Problem(display_path(exc.filename or job.template), exc.lineno, exc.message or "")
    except Exception as exc:  # a theme is code: any error in it is reported, with its line
        path, line = _template_position(exc, job.template)
        return Problem(path, line, f"{_describe(exc)} (while rendering {job.url})")
    data = html.encode("utf-8")
    # Hashed here, in the render worker, rather than by the process that writes the file.
    return Output(output_path(job.url), job.origin, data, digest=digest(data))


Inspect = Callable[[bytes], Any]


@contextmanager
def render_site(
    site: Site,
    config: Config,
    env: jinja2.Environment,
    memo: PageMemo | None = None,
    inspect: Inspect | None = None,
    jobs: int = 1,
    method: str = "fork",
) -> Iterator[Iterator[tuple[Output, Any]]]:
    """Start rendering every page of `site`; give the block the pages, each with what
    `inspect` found in it (None for kept pages).

    With `memo`, pages whose inputs are unchanged come as kept, not rendered. Pages are
    rendered by `jobs` processes when there are enough of them to pay for it and `method` is
    "fork" (workers share the plan, which cannot be pickled; with another start method pages
    are rendered in this process); those are at work when the block starts, so it may make
    other files before reading the pages.
    Reading them raises BuildFailed, after the last page, listing every template error
    (each once).
    """
    forget_fragments(env)
    plan = plan_pages(site, config, env)
    kept: list[Output] = []
    todo: list[int] = []
    keys: dict[int, str] = {}
    for index, job in enumerate(plan):
        if memo is not None:
            keys[index] = memo.keys.key(job.template, job.url, job.context)
            page = memo.keep(output_path(job.url), job.origin, keys[index])
            if page is not None:
                kept.append(page)
                continue
        todo.append(index)
    with _rendering(plan, todo, env, config, inspect, jobs, method) as results:
        yield _pages(kept, results, memo, keys)


def _pages(
    kept: list[Output],
    results: Iterator[tuple[int, Any, Any]],
    memo: PageMemo | None,
    keys: dict[int, str],
) -> Iterator[tuple[Output, Any]]:
    """Yield the kept pages, then the rendered ones (remembered in `memo` by their key);
    raise BuildFailed after the last if any template failed."""
    for page in kept:
        yield page, None
    problems: dict[tuple[str, int | None, str], Problem] = {}
    for index, made, found in results:
        if isinstance(made, Problem):
            problems.setdefault((made.path, made.line, made.message.split(" (while")[0]), made)
            continue
        if memo is not None:
            made = memo.made(made, keys[index])
        yield made, found
    if problems:
        raise BuildFailed(list(problems.values()))


# Pages rendered in one process below this many; a pool costs more than it saves.
PARALLEL_PAGES = 400
_CHUNK = 64

# The plan, environment, settings and inspector of a render worker, set by its initializer
# in the worker itself (which inherited them from the build that forked it).
_worker_plan: tuple[list[PageJob], jinja2.Environment, Config, Inspect | None] | None = None


@contextmanager
def _rendering(
    plan, todo, env, config, inspect, jobs, method
) -> Iterator[Iterator[tuple[int, Any, Any]]]:
    """Give the block (index, page or Problem, what inspect found) for each page of `todo`."""
    if jobs < 2 or len(todo) < PARALLEL_PAGES or not can_fork(method):
        yield ((index, *_render_one(plan[index], env, config, inspect)) for index in todo)
        return
    chunks = [todo[i : i + _CHUNK] for i in range(0, len(todo), _CHUNK)]
    # Loaded before the fork, the templates (and those compiled ahead) are every worker's
    # without compiling them again.
    for name in {plan[index].template for index in todo}:
        with suppress(jinja2.TemplateError):  # reported with the page that uses it
            env.get_template(name)
    # Forked workers get the initializer's arguments as they are in memory, never pickled.
    pool = fork_pool(jobs, _start_render_worker, (plan, env, config, inspect, os.getpid()))
    try:
        with signals_held():  # the workers are forked as the chunks are handed out
            batches = pool.map(_render_chunk, chunks)
        yield (result for results in batches for result in results)
    finally:  # on an error or Ctrl-C, stop at once rather than render the chunks still queued
        pool.shutdown(wait=True, cancel_futures=True)


def _start_render_worker(plan, env, config, inspect, parent: int) -> None:
    global _worker_plan
    start_worker(parent)
    _worker_plan = (plan, env, config, inspect)


def _render_chunk(indices: list[int]) -> list[tuple[int, Any, Any]]:
    assert _worker_plan is not None, "render worker started without its plan"
    plan, env, config, inspect = _worker_plan
    return [(i, *_render_one(plan[i], env, config, inspect)) for i in indices]


def _render_one(job: PageJob, env, config, inspect) -> tuple[Output | Problem, Any]:
    made = render_page(job, env, config)
    if isinstance(made, Problem) or inspect is None:
        return made, None
    return made, inspect(made.data)


@dataclass(frozen=True)
class _YearLink:
    year: int
    count: int
    url: str


def _profile(group: Group, info: AuthorInfo) -> AuthorProfile:
    return AuthorProfile(
        group.name, group.slug, group.url, info.bio, info.photo, info.links, group.count
    )


def _template_position(exc: Exception, template: str) -> tuple[str, int | None]:
    """Return the theme file and line where `exc` was raised, from Jinja's rewritten traceback."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".html", ".xml", ".txt", ".j2")):
            return display_path(frame.filename), frame.lineno
    return template, None


def _describe(exc: Exception) -> str:
    if isinstance(exc, jinja2.UndefinedError):
        return exc.message or "undefined variable"
    return f"{type(exc).__name__}: {exc}"
