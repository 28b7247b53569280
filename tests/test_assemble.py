"""assemble_site: what is published, in which order and in which groups."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from markupsafe import Markup

from generator.assemble.assembly import Selection, assemble_site, term_clashes
from generator.model import Article, Asset, Page, Term, evolve
from generator.urls import slugify

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def _term(name: str, prefix: str) -> Term:
    slug = slugify(name)
    return Term(name, slug, f"/{prefix}/{slug}/")


def art(
    source: str,
    date: datetime,
    *,
    tags: tuple[str, ...] = (),
    authors: tuple[str, ...] = (),
    section: str | None = None,
    draft: bool = False,
) -> Article:
    slug = source.rsplit("/", 1)[-1].removesuffix(".md")
    return Article(
        source=source,
        title=slug,
        url=f"/{slug}/",
        content=Markup("<p>x</p>"),
        summary=Markup("<p>x</p>"),
        description="x",
        toc=Markup(""),
        template="article.html",
        draft=draft,
        date=date,
        tags=tuple(_term(t, "tags") for t in tags),
        authors=tuple(_term(a, "authors") for a in authors),
        section=_term(section, "sections") if section else None,
    )


def page(source: str, draft: bool = False) -> Page:
    return Page(
        source=source,
        title="About",
        url="/about/",
        content=Markup(""),
        summary=Markup(""),
        description="",
        toc=Markup(""),
        template="page.html",
        draft=draft,
    )


def d(day: int, hour: int = 12) -> datetime:
    return datetime(2024, 5, day, hour, tzinfo=UTC)


def test_newest_first_ties_broken_by_source_path() -> None:
    docs = [art("b.md", d(2)), art("c.md", d(3)), art("z.md", d(2)), art("a.md", d(2))]
    for order in (docs, list(reversed(docs))):
        site = assemble_site(order, (), Selection(NOW))
        assert [a.source for a in site.articles] == ["c.md", "a.md", "b.md", "z.md"]


def test_drafts_and_future_are_left_out_unless_selected() -> None:
    future = datetime(2024, 7, 1, tzinfo=UTC)
    docs = [art("now.md", d(1)), art("draft.md", d(2), draft=True), art("later.md", future)]
    docs.append(page("pages/hidden.md", draft=True))
    plain = assemble_site(docs, (), Selection(NOW))
    assert [a.source for a in plain.articles] == ["now.md"]
    assert plain.pages == ()
    drafts = assemble_site(docs, (), Selection(NOW, drafts=True))
    assert [a.source for a in drafts.articles] == ["draft.md", "now.md"]
    assert [p.source for p in drafts.pages] == ["pages/hidden.md"]
    both = assemble_site(docs, (), Selection(NOW, drafts=True, future=True))
    assert [a.source for a in both.articles] == ["later.md", "draft.md", "now.md"]
    assert [a.scheduled for a in both.articles] == [True, False, False]


def test_an_article_dated_exactly_now_is_published() -> None:
    site = assemble_site([art("now.md", NOW)], (), Selection(NOW))
    assert [a.source for a in site.articles] == ["now.md"]


def test_tags_merge_case_insensitively_with_the_spelling_most_articles_use() -> None:
    docs = [
        art("new.md", d(3), tags=("IRAN",)),
        art("old.md", d(1), tags=("Iran", "Oil")),
        art("mid.md", d(2), tags=("Iran", "oil")),
    ]
    for order in (docs, list(reversed(docs))):
        site = assemble_site(order, (), Selection(NOW))
        assert [(g.name, g.slug, g.url, g.sources) for g in site.tags] == [
            ("Iran", "iran", "/tags/iran/", ("new.md", "mid.md", "old.md")),
            ("Oil", "oil", "/tags/oil/", ("mid.md", "old.md")),  # a tie: first in sort order
        ]
        # every article shows the one spelling
        assert {t.name for a in site.articles for t in a.tags} == {"Iran", "Oil"}


def test_names_that_differ_beyond_case_keep_their_labels_and_are_warned_of() -> None:
    docs = [
        art("a.md", d(1), tags=("C plus plus",)),
        art("b.md", d(2), tags=("C++",)),
        art("c.md", d(3), tags=("c++", "Go")),
    ]
    docs = [evolve(doc, tags=tuple(Term(t.name, "c-plus-plus", "/tags/c-plus-plus/") if "c" in
            t.name.lower() else t for t in doc.tags)) for doc in docs]  # fmt: skip
    site = assemble_site(docs, (), Selection(NOW))
    [group] = [g for g in site.tags if g.url == "/tags/c-plus-plus/"]
    assert (group.name, group.sources) == ("C++", ("c.md", "b.md", "a.md"))
    labels = {a.source: [t.name for t in a.tags] for a in site.articles}
    assert labels == {"a.md": ["C plus plus"], "b.md": ["C++"], "c.md": ["C++", "Go"]}
    [warning] = term_clashes(site, Path("content"))
    assert str(warning).startswith(
        "content/a.md: tag 'C plus plus' makes the same page /tags/c-plus-plus/ as 'C++'"
    )


@pytest.mark.parametrize(
    ("tags", "shown"),
    [
        (("Iran", "iran"), ["Iran"]),
        (("Iran", "Iran"), ["Iran"]),
        (("Iran", "Oil", "Iran"), ["Iran", "Oil"]),
    ],
)
def test_same_tag_twice_in_one_article_counts_once(tags: tuple[str, ...], shown: list[str]) -> None:
    site = assemble_site([art("a.md", d(1), tags=tags)], (), Selection(NOW))
    assert [t.name for t in site.articles[0].tags] == shown
    assert site.tags[0].count == 1


def test_authors_sections_and_years() -> None:
    docs = [
        art("a.md", datetime(2023, 12, 31, tzinfo=UTC), authors=("Leyla",), section="Politics"),
        art("b.md", d(1), authors=("Leyla", "Giorgi"), section="Business"),
        art("c.md", d(2), authors=("giorgi",), section="politics"),
    ]
    site = assemble_site(docs, (), Selection(NOW))
    assert [(g.name, g.sources) for g in site.authors] == [
        ("Giorgi", ("c.md", "b.md")),
        ("Leyla", ("b.md", "a.md")),
    ]
    assert [(g.name, g.url, g.sources) for g in site.sections] == [
        ("Business", "/sections/business/", ("b.md",)),
        ("Politics", "/sections/politics/", ("c.md", "a.md")),
    ]
    assert [(g.name, g.url, g.sources) for g in site.years] == [
        ("2024", "/archive/2024/", ("c.md", "b.md")),
        ("2023", "/archive/2023/", ("a.md",)),
    ]


def test_previous_is_older_next_is_newer() -> None:
    docs = [art("one.md", d(1)), art("two.md", d(2)), art("three.md", d(3))]
    site = assemble_site(docs, (), Selection(NOW))
    links = {a.source: (a.previous, a.next) for a in site.articles}
    assert links == {
        "three.md": ("two.md", None),
        "two.md": ("one.md", "three.md"),
        "one.md": (None, "two.md"),
    }


def test_only_what_assembly_changes_is_replaced() -> None:
    # Page keys compare each field with the parsed document by identity, so an untouched
    # field must stay the very object parsing made.
    only = art("only.md", d(1), tags=("Iran",), section="Politics")
    assert assemble_site([only], (), Selection(NOW)).articles == (only,)
    assert assemble_site([only], (), Selection(NOW)).articles[0] is only
    old = art("old.md", d(1), tags=("Iran",), authors=("Leyla",), section="Politics")
    new = art("new.md", d(2), tags=("iran", "Oil"), authors=("Leyla",), section="politics")
    newer, older = assemble_site([old, new], (), Selection(NOW)).articles
    assert (older.tags, older.authors, older.section) == (old.tags, old.authors, old.section)
    assert older.tags is old.tags and older.section is old.section
    assert (older.previous, older.next) == (None, "new.md")
    assert [t.name for t in newer.tags] == ["Iran", "Oil"]
    assert newer.authors is new.authors
    assert newer.section == old.section
    assert (newer.previous, newer.next) == ("old.md", None)


def test_bundle_assets_follow_their_article() -> None:
    assets = (
        Asset("images/logo.png", Path("logo.png"), "d1"),
        Asset("articles/jazz/stage.jpg", Path("stage.jpg"), "d2", owner="articles/jazz/index.md"),
        Asset("articles/secret/x.jpg", Path("x.jpg"), "d3", owner="articles/secret/index.md"),
    )
    docs = [art("articles/jazz/index.md", d(1)), art("articles/secret/index.md", d(2), draft=True)]
    site = assemble_site(docs, assets, Selection(NOW))
    assert [a.path for a in site.assets] == ["images/logo.png", "articles/jazz/stage.jpg"]


def test_evolve_copies_as_replace_does() -> None:
    original = art("a.md", datetime(2024, 2, 7, tzinfo=UTC), tags=("Azərbaycan",))
    copy = evolve(original, previous="b.md", title="A")
    assert copy == replace(original, previous="b.md", title="A")
    assert hash(copy) == hash(replace(original, previous="b.md", title="A"))
    assert (original.previous, original.title) == (None, "a")  # the original is untouched
    assert copy.tags is original.tags
    with pytest.raises(FrozenInstanceError):
        copy.title = "B"  # type: ignore[misc]
    with pytest.raises(AssertionError):
        evolve(original, headline="A")
