"""Page keys: equal whenever a render would be equal, different whenever anything it shows is."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from markupsafe import Markup

from generator.model import Article, Term
from generator.render.pagekeys import PageKeys

TEMPLATES = {"article.html": "fingerprint-1", "index.html": "fingerprint-2"}


def story(source: str, title: str) -> Article:
    slug = source.removesuffix(".md")
    return Article(
        source=source,
        title=title,
        url=f"/{slug}/",
        content=Markup(f"<p>{title}</p>"),
        summary=Markup(""),
        description="",
        toc=Markup(""),
        template="article.html",
        date=datetime(2024, 5, 1, tzinfo=UTC),
        tags=(Term("Iran", "iran", "/tags/iran/"),),
    )


@dataclass(frozen=True)
class Single:
    value: str


def keys_for(*docs: Article, stamp: str = "stamp", templates=TEMPLATES) -> PageKeys:
    """Return the keys of one build whose parser returned `docs` (digest: the title)."""
    return PageKeys(stamp, templates, {d.source: (d.title, d) for d in docs})


def test_equal_inputs_in_two_builds_have_equal_keys() -> None:
    a, b = story("a.md", "A"), story("b.md", "B")
    context = {"article": a, "previous": b, "tags": [Single("x")], "page_url": "/a/"}
    first = keys_for(a, b).key("article.html", "/a/", context)
    again = story("a.md", "A"), story("b.md", "B")
    same = {"article": again[0], "previous": again[1], "tags": [Single("x")], "page_url": "/a/"}
    assert keys_for(*again).key("article.html", "/a/", same) == first


def test_template_stamp_url_and_each_value_change_the_key() -> None:
    a, b = story("a.md", "A"), story("b.md", "B")
    keys = keys_for(a, b)
    context = {"article": a, "previous": b, "note": Single("x"), "n": 1}
    base = keys.key("article.html", "/a/", context)
    variants = [
        keys.key("index.html", "/a/", context),
        keys.key("missing.html", "/a/", context),
        keys.key("article.html", "/b/", context),
        keys_for(a, b, stamp="other settings").key("article.html", "/a/", context),
        keys_for(a, b, templates={"article.html": "edited"}).key("article.html", "/a/", context),
        keys.key("article.html", "/a/", {**context, "note": Single("y")}),
        keys.key("article.html", "/a/", {**context, "n": 2}),
        keys.key("article.html", "/a/", {**context, "n": True}),
        keys.key("article.html", "/a/", {**context, "previous": None}),
    ]
    assert len({base, *variants}) == len(variants) + 1


def test_a_neighbour_with_a_new_title_changes_the_key() -> None:
    a, b = story("a.md", "A"), story("b.md", "B")
    before = keys_for(a, b).key("article.html", "/a/", {"article": a, "previous": b})
    renamed = story("b.md", "B, revised")
    after = keys_for(a, renamed).key("article.html", "/a/", {"article": a, "previous": renamed})
    assert after != before


def test_a_field_changed_after_parsing_changes_the_key() -> None:
    a, b = story("a.md", "A"), story("b.md", "B")

    def key(doc: Article) -> str:
        return keys_for(a, b).key("article.html", "/a/", {"article": doc})

    parsed = key(a)
    # What assemble and link resolution do: a new object with some fields replaced.
    assert key(replace(a, next="b.md")) != parsed
    assert key(replace(a, tags=(Term("Oil", "oil", "/tags/oil/"),))) != parsed
    assert key(replace(a, content=Markup("<p>linked</p>"))) != parsed
    assert key(replace(a)) == parsed


def test_markup_and_text_of_the_same_characters_differ() -> None:
    keys = keys_for()
    text = keys.key("index.html", "/", {"x": "<b>"})
    assert keys.key("index.html", "/", {"x": Markup("<b>")}) != text


def test_a_list_is_read_again_on_every_page() -> None:
    a, b = story("a.md", "A"), story("b.md", "B")
    keys = keys_for(a, b)
    articles = [a]
    first = keys.key("index.html", "/", {"articles": articles})
    articles.append(b)
    assert keys.key("index.html", "/", {"articles": articles}) != first
    assert keys.key("index.html", "/", {"articles": [b, a]}) != keys.key(
        "index.html", "/", {"articles": [a, b]}
    )
