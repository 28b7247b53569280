"""Turn parsed documents into the Site: what is published, in which order, in which groups."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from generator.model import Article, Asset, Group, Page, Site, Term, evolve


@dataclass(frozen=True)
class Selection:
    """Which held-back articles a build publishes, and the moment it takes as 'now'."""

    now: datetime
    drafts: bool = False
    future: bool = False


def assemble_site(
    documents: Iterable[Article | Page], assets: Sequence[Asset], selection: Selection
) -> Site:
    """Return the site to publish from parsed documents (in any order)."""
    articles: list[Article] = []
    pages: list[Page] = []
    for doc in sorted(documents, key=lambda d: d.source):
        if doc.draft and not selection.drafts:
            continue
        if isinstance(doc, Page):
            pages.append(doc)
            continue
        if doc.expires is not None and doc.expires <= selection.now:
            continue
        scheduled = doc.date > selection.now
        if scheduled and not selection.future:
            continue
        articles.append(evolve(doc, scheduled=scheduled) if scheduled else doc)
    # Stable sorts: equal dates keep source-path order.
    articles.sort(key=lambda a: a.date, reverse=True)
    articles = _finish(articles)
    listed = [a for a in articles if not a.hidden]
    published = {a.source for a in articles} | {p.source for p in pages}
    return Site(
        articles=tuple(articles),
        pages=tuple(pages),
        tags=_groups(articles, lambda a: a.tags),
        authors=_groups(articles, lambda a: a.authors),
        sections=_groups(articles, lambda a: (a.section,) if a.section else ()),
        years=_years(listed),
        assets=tuple(a for a in assets if a.owner is None or a.owner in published),
    )


def _finish(articles: list[Article]) -> list[Article]:
    """Return `articles` (newest first) with canonical terms and neighbours; an article that
    neither changes is returned as it is, the others are replaced once with all changes."""
    first = _first_terms(articles)

    def canon(terms: tuple[Term, ...]) -> tuple[Term, ...]:
        new = tuple(dict.fromkeys(first[(t.url, t.slug)] for t in terms))
        return terms if new == terms else new

    listed = [a.source for a in articles if not a.hidden]
    # source -> (previous: older, next: newer) among listed articles
    neighbours = {
        source: (
            listed[i + 1] if i + 1 < len(listed) else None,
            listed[i - 1] if i > 0 else None,
        )
        for i, source in enumerate(listed)
    }
    out = []
    for article in articles:
        changes: dict[str, object] = {}
        tags, authors = canon(article.tags), canon(article.authors)
        if tags is not article.tags:
            changes["tags"] = tags
        if authors is not article.authors:
            changes["authors"] = authors
        if article.section is not None:
            section = first[(article.section.url, article.section.slug)]
            if section != article.section:
                changes["section"] = section
        if article.source in neighbours:
            previous, next_ = neighbours[article.source]
            if previous != article.previous:
                changes["previous"] = previous
            if next_ != article.next:
                changes["next"] = next_
        out.append(evolve(article, **changes) if changes else article)
    return out


def _first_terms(articles: list[Article]) -> dict[tuple[str, str], Term]:
    """Return, by (url, slug), the spelling of each tag, author and section at its first use,
    oldest article first.

    "Iran" and "iran" share a slug and so are one tag; which spelling shows must not depend on
    anything but the content, so the oldest article (then source path) decides.
    """
    first: dict[tuple[str, str], Term] = {}
    for article in sorted(articles, key=lambda a: (a.date, a.source)):
        for term in (*article.tags, *article.authors):
            first.setdefault((term.url, term.slug), term)
        if article.section:
            first.setdefault((article.section.url, article.section.slug), article.section)
    return first


def _groups(articles: list[Article], terms_of) -> tuple[Group, ...]:
    """Return one Group per term, sorted by slug, each listing its articles newest first.

    A hidden article lists nowhere, but the page of each of its terms exists: its byline and
    tag links must lead somewhere.
    """
    # Keyed by a term's fields, as Term's equality is, without its Python-level __hash__.
    members: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for article in articles:
        for term in terms_of(article):
            sources = members[(term.name, term.slug, term.url)]
            if not article.hidden:
                sources.append(article.source)
    return tuple(
        Group(name, slug, url, tuple(sources))
        for (name, slug, url), sources in sorted(members.items(), key=lambda m: (m[0][1], m[0][0]))
    )


def _years(articles: list[Article]) -> tuple[Group, ...]:
    """Return one Group per publication year, newest year first."""
    members: dict[int, list[str]] = defaultdict(list)
    for article in articles:
        members[article.date.year].append(article.source)
    return tuple(
        Group(str(year), str(year), f"/archive/{year}/", tuple(members[year]))
        for year in sorted(members, reverse=True)
    )
