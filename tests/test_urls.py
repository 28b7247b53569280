"""Slugs, permalinks and the mapping between site paths and output files."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import pytest

from generator.urls import _SAFE, absolute, absolute_all, link, output_path, permalink, slugify


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Azərbaycan", "azerbaycan"),
        ("Тбилиси", "tbilisi"),
        ("Aliyev re-elected", "aliyev-re-elected"),
        ("Straße über Łódź", "strasse-uber-lodz"),
        ("Αθήνα", "athina"),
        ("თბილისი", "tbilisi"),
        ("  Iran  &  Iraq!  ", "iran-and-iraq"),
        ("COP29: what's next?", "cop29-whats-next"),
        ("Ελλάδα", "ellada"),
        ("Ёлка", "yolka"),
    ],
)
def test_slugify_transliterates_to_ascii(text: str, slug: str) -> None:
    assert slugify(text) == slug


@pytest.mark.parametrize("text", ["", "   ", "!!!", "—", "?¿"])
def test_slug_is_never_empty(text: str) -> None:
    slug = slugify(text)
    assert slug
    assert slug == slugify(text)  # the fallback is deterministic
    assert output_path(f"/{slug}/") == f"{slug}/index.html"


def test_empty_slugs_of_different_texts_differ() -> None:
    assert slugify("!!!") != slugify("???")


def test_script_without_transliteration_keeps_its_letters() -> None:
    assert slugify("东京 新闻") == "东京-新闻"


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("C", "c"),
        ("C++", "c-plus-plus"),
        ("C#", "c-sharp"),
        ("F# and C#", "f-sharp-and-c-sharp"),
        ("#MeToo", "metoo"),
        ("R&D", "r-and-d"),
        ("Jekyll's", "jekylls"),
        ("Jekyll’s guide", "jekylls-guide"),
    ],
)
def test_symbols_that_tell_names_apart_are_spelt_out(text: str, slug: str) -> None:
    assert slugify(text) == slug
    assert slugify(text, keep_unicode=True) == slug


@pytest.mark.parametrize(
    ("text", "slug", "unicode_slug"),
    [
        ("Python入门指南", "python入门指南", "python入门指南"),
        ("Python 性能优化", "python-性能优化", "python-性能优化"),
        ("《C#编程》读书笔记", "c-sharp-编程-读书笔记", "c-sharp-编程-读书笔记"),
        ("Bakı 东京", "baki-东京", "bakı-东京"),
        ("हिन्दी समाचार", "हिन्दी-समाचार", "हिन्दी-समाचार"),
        ("İlham Əliyev", "ilham-eliyev", "ilham-əliyev"),
    ],
)
def test_mixed_scripts_keep_every_script(text: str, slug: str, unicode_slug: str) -> None:
    assert slugify(text) == slug
    assert slugify(text, keep_unicode=True) == unicode_slug


def test_titles_in_other_scripts_no_longer_collide() -> None:
    titles = ["Python入门指南", "Python 性能优化", "Python", "《C#编程》读书笔记", "C", "C++"]
    assert len({slugify(t) for t in titles}) == len(titles)


def test_unicode_option_keeps_letters() -> None:
    assert slugify("Azərbaycan seçkiləri", keep_unicode=True) == "azərbaycan-seçkiləri"
    assert slugify("Тбилиси", keep_unicode=True) == "тбилиси"
    assert slugify("Azərbaycan seçkiləri") == "azerbaycan-seckileri"


def test_permalink_fills_the_pattern() -> None:
    date = datetime(2024, 2, 7)
    assert permalink("/{year}/{month}/{slug}/", "vote", date, None) == "/2024/02/vote/"
    assert permalink("/{section}/{day}/{slug}.html", "vote", date, "politics") == (
        "/politics/07/vote.html"
    )


@pytest.mark.parametrize(
    ("site_path", "file"),
    [
        ("/", "index.html"),
        ("/2024/02/aliyev-re-elected/", "2024/02/aliyev-re-elected/index.html"),
        ("/tags/iran/page/2/", "tags/iran/page/2/index.html"),
        ("/404.html", "404.html"),
    ],
)
def test_pretty_urls_are_index_files(site_path: str, file: str) -> None:
    assert output_path(site_path) == file


@pytest.mark.parametrize("bad", ["relative/", "/../etc/passwd", "/a//b/", "/a/./b/"])
def test_output_path_refuses_paths_that_leave_the_folder(bad: str) -> None:
    with pytest.raises(ValueError):
        output_path(bad)


def test_links_carry_the_base_path() -> None:
    assert link("/newsroom", "/tags/iran/") == "/newsroom/tags/iran/"
    assert link("", "/tags/iran/") == "/tags/iran/"
    assert link("/newsroom", "/tags/azərbaycan/") == "/newsroom/tags/az%C9%99rbaycan/"
    for unchanged in ("https://other.org/x", "//cdn.example/x", "#notes", "photo.jpg"):
        assert link("/newsroom", unchanged) == unchanged


def test_absolute_urls() -> None:
    assert absolute("https://example.org/newsroom/", "/about/") == (
        "https://example.org/newsroom/about/"
    )
    assert absolute("https://example.org/", "/") == "https://example.org/"
    assert absolute("https://example.org/", "mailto:a@example.org") == "mailto:a@example.org"


def test_absolute_all_is_absolute_of_each() -> None:
    paths = ["/", "/about/", "/tags/azərbaycan/", "/a b/?q=1#x", "//cdn.example/x.png"]
    paths += ["https://other.org/x", "mailto:a@example.org", "photo.jpg", "", "/a%20b/"]
    paths += [f"/a{chr(code)}b/" for code in range(0x100)]
    for base in ("https://example.org/", "https://example.org/newsroom/", "http://h:8000/a/b"):
        assert absolute_all(base, paths) == [absolute(base, p) for p in paths]
    assert absolute_all("https://example.org/", []) == []


def test_link_leaves_alone_exactly_what_quote_would() -> None:
    for code in range(0x250):
        path = f"/a{chr(code)}b/"
        assert link("/sub", path) == "/sub" + quote(path, safe=_SAFE), repr(chr(code))
    assert link("", "/Vote 2024/é?q=a&b=c#top") == "/Vote%202024/%C3%A9?q=a&b=c#top"
