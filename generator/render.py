"""Render the Site through the theme: which template makes which page, and pagination."""

from __future__ import annotations

import logging
import math
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import jinja2

from .config import AuthorInfo, Config, Link
from .errors import BuildFailed, Problem, display_path
from .feeds import FEED_PATH, RSS_PATH
from .model import Article, Document, Group, Site
from .outputs import Output
from .pagekeys import PageMemo
from .urls import output_path

log = logging.getLogger(__name__)

# Templates the renderer chooses itself; a document's `layout` never picks one of these.
STANDARD_TEMPLATES = frozenset(
    f"{name}.html"
    for name in (
        "base", "index", "article", "page", "tag", "tags", "section", "author", "authors",
        "archive", "archives", "404",
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


def page_url(base: str, number: int) -> str:
    """Return the site path of page `number` of the listing at `base`: /tags/iran/page/2/."""
    return base if number == 1 else f"{base}page/{number}/"


def paginate(
    base: str, items: Sequence[Any], per_page: int
) -> Iterator[tuple[str, list, Paginator]]:
    """Yield (site path, items on the page, paginator) for each page; an empty list has one page."""
    count = max(1, math.ceil(len(items) / per_page))
    for number in range(1, count + 1):
        yield (
            page_url(base, number),
            list(items[(number - 1) * per_page : number * per_page]),
            Paginator(
                number=number,
                count=count,
                total=len(items),
                previous_url=page_url(base, number - 1) if number > 1 else None,
                next_url=page_url(base, number + 1) if number < count else None,
            ),
        )


class Renderer:
    """Renders pages of one site, collecting template errors instead of stopping at the first."""

    def __init__(
        self, site: Site, config: Config, env: jinja2.Environment, memo: PageMemo | None = None
    ):
        self.site = site
        self.memo = memo
        self.config = config
        self.env = env
        self.by_source = {a.source: a for a in site.articles}
        self.problems: dict[tuple[str, int | None, str], Problem] = {}
        newest = site.listed[0].date.year if site.listed else _fallback_year()
        self.info = SiteInfo(
            title=config.title,
            description=config.description,
            language=config.language,
            base_url=config.base_url,
            menu=config.menu,
            sections=site.sections,
            year=newest,
            feed_url=FEED_PATH,
            rss_url=RSS_PATH,
        )

    def render(self, template: str, url: str, origin: str, **context: Any) -> Output | None:
        """Return the page at `url`, or None after recording the template's error.

        A page whose key matches the last build's, and whose file is still in output/, is
        returned as kept rather than rendered.
        """
        path = output_path(url)
        context.update(site=self.info, page_url=url)
        key = None
        if self.memo is not None:
            key = self.memo.keys.key(template, url, context)
            kept = self.memo.keep(path, origin, key)
            if kept is not None:
                return kept
        try:
            html = self.env.get_template(template).render(context)
        except jinja2.TemplateNotFound as exc:
            line = getattr(context.get("article") or context.get("page"), "lines", {}).get(
                "template"
            )
            self._record(
                Problem(
                    display_path(self.config.content_dir / origin),
                    line,
                    f"unknown template {exc.name!r}",
                )
            )
            return None
        except jinja2.TemplateSyntaxError as exc:
            self._record(
                Problem(display_path(exc.filename or template), exc.lineno, exc.message or str(exc))
            )
            return None
        except Exception as exc:  # a theme is code: any error in it is reported, with its line
            path, line = _template_position(exc, template)
            self._record(Problem(path, line, f"{_describe(exc)} (while rendering {url})"))
            return None
        page = Output(path, origin, html.encode("utf-8"))
        return self.memo.made(page, key) if self.memo is not None and key else page

    def template_of(self, doc: Document) -> str:
        """Return `doc`'s template: its `layout` (Jekyll, Hugo) if the theme has such a
        template and it is not one of the standard ones, else its own."""
        if doc.layout is None or doc.layout == doc.template:
            return doc.template
        if doc.layout not in STANDARD_TEMPLATES and not doc.layout.startswith("_"):
            try:
                self.env.get_template(doc.layout)
                return doc.layout
            except jinja2.TemplateNotFound:
                pass
        shown = display_path(self.config.content_dir / doc.source)
        log.info("%s: layout %r ignored: the theme has no such template", shown, doc.layout)
        return doc.template

    def _record(self, problem: Problem) -> None:
        self.problems.setdefault(
            (problem.path, problem.line, problem.message.split(" (while")[0]), problem
        )

    def articles(self, sources: Sequence[str]) -> list[Article]:
        return [self.by_source[s] for s in sources]

    def listing(
        self, template: str, base: str, articles: Sequence[Article], origin: str, **context: Any
    ) -> Iterator[Output | None]:
        for url, items, paginator in paginate(base, articles, self.config.per_page):
            yield self.render(template, url, origin, articles=items, paginator=paginator, **context)


def render_site(
    site: Site, config: Config, env: jinja2.Environment, memo: PageMemo | None = None
) -> list[Output]:
    """Return every page of `site`; raise BuildFailed listing every template error.

    With `memo`, pages whose inputs are unchanged are returned as kept, not rendered.
    """
    r = Renderer(site, config, env, memo)
    outputs: list[Output | None] = []
    add = outputs.append
    for article in site.articles:
        add(
            r.render(
                r.template_of(article),
                article.url,
                article.source,
                article=article,
                previous=r.by_source.get(article.previous or ""),
                next=r.by_source.get(article.next or ""),
            )
        )
    for page in site.pages:
        add(r.render(r.template_of(page), page.url, page.source, page=page))
    outputs.extend(r.listing("index.html", "/", site.listed, "front page"))
    _groups(r, outputs.extend, site.tags, "tag.html", "tag")
    _groups(r, outputs.extend, site.sections, "section.html", "section")
    for group in site.authors:
        profile = _profile(group, config.author_info(group.name))
        outputs.extend(
            r.listing(
                "author.html",
                group.url,
                r.articles(group.sources),
                f"author page {group.url}",
                author=profile,
            )
        )
    for group in site.years:
        outputs.extend(
            r.listing(
                "archive.html",
                group.url,
                r.articles(group.sources),
                f"archive {group.url}",
                year=int(group.name),
            )
        )
    add(r.render("tags.html", "/tags/", "tags index", tags=list(site.tags)))
    add(
        r.render(
            "authors.html",
            "/authors/",
            "authors index",
            authors=[_profile(g, config.author_info(g.name)) for g in site.authors],
        )
    )
    add(
        r.render(
            "archives.html",
            "/archive/",
            "archive index",
            years=[_YearLink(int(g.name), g.count, g.url) for g in site.years],
        )
    )
    add(r.render("404.html", "/404.html", "404 page"))
    if r.problems:
        raise BuildFailed(list(r.problems.values()))
    return [o for o in outputs if o is not None]


@dataclass(frozen=True)
class _YearLink:
    year: int
    count: int
    url: str


def _groups(
    r: Renderer, extend: Callable, groups: Sequence[Group], template: str, name: str
) -> None:
    for group in groups:
        extend(
            r.listing(
                template,
                group.url,
                r.articles(group.sources),
                f"{name} page {group.url}",
                **{name: group},
            )
        )


def _profile(group: Group, info: AuthorInfo) -> AuthorProfile:
    return AuthorProfile(
        group.name, group.slug, group.url, info.bio, info.photo, info.links, group.count
    )


def _fallback_year() -> int:
    from .clock import reproducible_now

    return reproducible_now().year


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
