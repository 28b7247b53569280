"""Turn parsed documents into the Site: what is published, in which order, in which groups."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from generator.errors import Problem, display_path
from generator.model import Article, Asset, Group, Page, Site, Term, evolve

# The fields of an article that make listing pages, and how to read each.
_TERMS = (
    ("tags", lambda a: a.tags),
    ("authors", lambda a: a.authors),
    ("section", lambda a: (a.section,) if a.section else ()),
)


@dataclass(frozen=True)
class Selection:
    """Which held-back articles a build publishes, and the moment it takes as 'now'."""

    now: datetime
    drafts: bool = False
    future: bool = False


def is_published(doc: Article | Page, selection: Selection) -> bool:
    """Return True if a build with `selection` publishes `doc`."""
    if doc.draft and not selection.drafts:
        return False
    if isinstance(doc, Page):
        return True
    if doc.expires is not None and doc.expires <= selection.now:
        return False
    return selection.future or doc.date <= selection.now


def assemble_site(
    documents: Iterable[Article | Page], assets: Sequence[Asset], selection: Selection
) -> Site:
    """Return the site to publish from parsed documents (in any order)."""
    articles: list[Article] = []
    pages: list[Page] = []
    for doc in sorted(documents, key=lambda d: d.source):
        if not is_published(doc, selection):
            continue
        if isinstance(doc, Page):
            pages.append(doc)
            continue
        scheduled = doc.date > selection.now
        articles.append(evolve(doc, scheduled=scheduled) if scheduled else doc)
    # Stable sorts: equal dates keep source-path order.
    articles.sort(key=lambda a: a.date, reverse=True)
    names = {field: _names(articles, terms_of) for field, terms_of in _TERMS}
    articles = _finish(articles, names)
    listed = [a for a in articles if not a.hidden]
    published = {a.source for a in articles} | {p.source for p in pages}
    # _finish spells each term as _chosen names its page, so the counts taken before it
    # choose the same names for the groups.
    tags, authors, sections = (_groups(articles, terms_of, names[f]) for f, terms_of in _TERMS)
    return Site(
        articles=tuple(articles),
        pages=tuple(pages),
        tags=tags,
        authors=authors,
        sections=sections,
        years=_years(listed),
        assets=tuple(a for a in assets if a.owner is None or a.owner in published),
        year=selection.now.astimezone(UTC).year,
    )


def _finish(articles: list[Article], names: dict[str, dict[str, Counter[str]]]) -> list[Article]:
    """Return `articles` (newest first) with their terms spelt as their pages are named and
    their neighbours; an article that neither changes is returned as it is.

    "Iran", "iran" and "IRAN" make one page, named by the spelling most articles use, and
    every article then shows that spelling. A name that differs beyond case and still makes
    the same page ("C++" and "C plus plus") stays as its article spells it (term_clashes
    warns of it).
    """
    spelt = {
        field: _spellings(articles, terms_of, names[field]) for field, terms_of in _TERMS
    }  # field -> url -> the Term that names its page

    def canon(terms: tuple[Term, ...], field: str) -> tuple[Term, ...]:
        chosen = spelt[field]
        if all(chosen[t.url] == t for t in terms) and len({t.url for t in terms}) == len(terms):
            return terms  # spelt as their pages are named, none twice: most articles
        first: dict[str, Term] = {}  # of two spellings in one article, the first stays
        for t in terms:
            if t.url not in first:
                same = t.name.casefold() == chosen[t.url].name.casefold()
                first[t.url] = chosen[t.url] if same else t
        new = tuple(first.values())
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
        tags, authors = canon(article.tags, "tags"), canon(article.authors, "authors")
        if tags is not article.tags:
            changes["tags"] = tags
        if authors is not article.authors:
            changes["authors"] = authors
        if article.section is not None:
            (section,) = canon((article.section,), "section")
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


def _spellings(
    articles: Iterable[Article], terms_of, names: dict[str, Counter[str]]
) -> dict[str, Term]:
    """Return, by page URL, the Term whose spelling names the page (see _chosen), from
    `names`, the counts of _names."""
    terms: dict[tuple[str, str], Term] = {}
    for article in articles:
        for term in terms_of(article):
            terms.setdefault((term.url, term.name), term)
    return {url: terms[(url, _chosen(spellings))] for url, spellings in names.items()}


def _names(articles: Iterable[Article], terms_of) -> dict[str, Counter[str]]:
    """Return, by page URL, how many articles use each spelling of its term."""
    names: dict[str, Counter[str]] = defaultdict(Counter)
    for article in articles:
        for url, name in {t.url: t.name for t in reversed(terms_of(article))}.items():
            names[url][name] += 1  # an article counts once, for its first spelling
    return names


def _chosen(spellings: Counter[str]) -> str:
    """Return the name most articles use, its spellings in any case counted together, in
    the spelling most of those use; of equals, the first in sort order."""
    families: dict[str, Counter[str]] = defaultdict(Counter)
    for name, count in spellings.items():
        families[name.casefold()][name] = count

    def best(counts: Counter[str]) -> str:
        return min(counts, key=lambda name: (-counts[name], name))

    family = min(families.values(), key=lambda f: (-f.total(), best(f)))
    return best(family)


def term_clashes(site: Site, content_dir: Path) -> list[Problem]:
    """Return a warning for each tag, author or section whose name differs (beyond case)
    from another's that makes the same page: 'C++' and 'C plus plus' share /tags/c-plus-plus/."""
    problems = []
    for field, terms_of in _TERMS:
        for url, spellings in sorted(_names(site.articles, terms_of).items()):
            chosen = _chosen(spellings)
            others = sorted({n for n in spellings if n.casefold() != chosen.casefold()})
            for name in others:
                article = next(
                    a for a in sorted(site.articles, key=lambda a: a.source)
                    if any(t.name == name for t in terms_of(a))
                )  # fmt: skip
                problems.append(
                    Problem(
                        display_path(content_dir / article.source),
                        article.lines.get(field),
                        f"{field[:-1] if field != 'section' else field} {name!r} makes the same "
                        f"page {url} as {chosen!r}, which names it",
                        "spell them alike, or apart enough to make two pages",
                    )
                )
    return problems


def _groups(articles: list[Article], terms_of, names: dict[str, Counter[str]]) -> tuple[Group, ...]:
    """Return one Group per term, sorted by slug, each listing its articles newest first;
    `names` counts the spellings of each (_names).

    A hidden article lists nowhere, but the page of each of its terms exists: its byline and
    tag links must lead somewhere.
    """
    members: dict[str, list[str]] = defaultdict(list)  # by page URL
    slugs: dict[str, str] = {}
    for article in articles:
        for term in terms_of(article):
            sources = members[term.url]
            slugs[term.url] = term.slug
            if not article.hidden and article.source not in sources[-1:]:
                sources.append(article.source)
    groups = [
        Group(_chosen(names[url]), slugs[url], url, tuple(sources))
        for url, sources in members.items()
    ]
    return tuple(sorted(groups, key=lambda g: (g.slug, g.name)))


def _years(articles: list[Article]) -> tuple[Group, ...]:
    """Return one Group per publication year, newest year first."""
    members: dict[int, list[str]] = defaultdict(list)
    for article in articles:
        members[article.date.year].append(article.source)
    return tuple(
        Group(str(year), str(year), f"/archive/{year}/", tuple(members[year]))
        for year in sorted(members, reverse=True)
    )
