"""parse_document: every front matter field of a document, and the errors of bad ones."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.config import Config
from generator.errors import SourceError
from generator.markup.converter import Converter
from generator.model import Article, Page, Term
from generator.source.files import read_content
from generator.source.parse import parse_document
from tests.conftest import write_files

BAKU = ZoneInfo("Asia/Baku")


@pytest.fixture
def parse(tmp_path: Path):
    """Return a function parsing one file written at `rel` under a fresh content/ folder."""
    converter = Converter(smart_typography=True)

    def run(text: str | bytes, rel: str = "articles/story.md", **settings) -> Article | Page:
        content = tmp_path / "content"
        write_files(content, {rel: text})
        config = Config(title="T", timezone="Asia/Baku", content_dir=content, **settings)
        [source] = [s for s in read_content(content).sources if s.path == rel]
        return parse_document(source, config, converter).document

    return run


def _error(parse, text: str, rel: str = "articles/story.md") -> SourceError:
    with pytest.raises(SourceError) as error:
        parse(text, rel)
    return error.value


def test_minimal_article(parse) -> None:
    doc = parse("---\ntitle: Aliyev re-elected\ndate: 2024-02-09\n---\nTurnout was high.\n")
    assert isinstance(doc, Article)
    assert doc.source == "articles/story.md"
    assert doc.title == "Aliyev re-elected"
    assert doc.url == "/2024/02/aliyev-re-elected/"
    assert doc.date == datetime(2024, 2, 9, tzinfo=BAKU)
    assert doc.content == "<p>Turnout was high.</p>"
    assert doc.summary == "<p>Turnout was high.</p>"
    assert doc.description == "Turnout was high."
    assert doc.template == "article.html"
    assert (doc.updated, doc.authors, doc.tags, doc.section, doc.image) == (
        None,
        (),
        (),
        None,
        None,
    )
    assert doc.draft is False
    assert doc.lang is None
    assert doc.meta == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-02-09", datetime(2024, 2, 9, tzinfo=BAKU)),
        ("2024-02-09 14:05", datetime(2024, 2, 9, 14, 5, tzinfo=BAKU)),
        ("2024-02-09T14:05:30", datetime(2024, 2, 9, 14, 5, 30, tzinfo=BAKU)),
        (
            "2024-02-09 14:05+02:00",
            datetime(2024, 2, 9, 14, 5, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("2024-02-09T10:05:00Z", datetime(2024, 2, 9, 14, 5, tzinfo=BAKU)),
    ],
)
def test_dates_without_offset_are_in_the_site_timezone(parse, value, expected) -> None:
    doc = parse(f"---\ntitle: T\ndate: {value}\n---\n")
    assert doc.date == expected
    assert doc.date.utcoffset() is not None


def test_offset_can_move_the_day_and_the_url(parse) -> None:
    # 23:30 in New York on 31 January is already 1 February in Baku, the site's timezone.
    doc = parse("---\ntitle: Late\ndate: 2024-01-31 23:30-05:00\n---\n")
    assert doc.date == datetime(2024, 2, 1, 8, 30, tzinfo=BAKU)
    assert doc.url == "/2024/02/late/"


def test_updated_is_a_date_and_time(parse) -> None:
    doc = parse("---\ntitle: T\ndate: 2024-02-09\nupdated: 2024-02-10 09:15\n---\n")
    assert doc.updated == datetime(2024, 2, 10, 9, 15, tzinfo=BAKU)


def test_one_author_or_a_list(parse) -> None:
    one = parse("---\ntitle: T\ndate: 2024-02-09\nauthor: Leyla Həsənova\n---\n")
    assert one.authors == (Term("Leyla Həsənova", "leyla-hesenova", "/authors/leyla-hesenova/"),)
    many = parse(
        "---\ntitle: T\ndate: 2024-02-09\nauthors: [Leyla Həsənova, Giorgi Beridze]\n---\n"
    )
    assert [a.name for a in many.authors] == ["Leyla Həsənova", "Giorgi Beridze"]
    assert many.authors[1].url == "/authors/giorgi-beridze/"


def test_default_author_from_settings(parse) -> None:
    doc = parse("---\ntitle: T\ndate: 2024-02-09\n---\n", default_author="Desk")
    assert [a.name for a in doc.authors] == ["Desk"]


@pytest.mark.parametrize(
    "tags", ["[Iran, Azərbaycan, Iran]", "Iran, Azərbaycan , Iran,", "\n  - Iran\n  - Azərbaycan"]
)
def test_tags_as_list_or_comma_string(parse, tags: str) -> None:
    doc = parse(f"---\ntitle: T\ndate: 2024-02-09\ntags: {tags}\n---\n")
    assert doc.tags == (
        Term("Iran", "iran", "/tags/iran/"),
        Term("Azərbaycan", "azerbaycan", "/tags/azerbaycan/"),
    )


def test_section(parse) -> None:
    doc = parse("---\ntitle: T\ndate: 2024-02-09\nsection: World News\n---\n")
    assert doc.section == Term("World News", "world-news", "/sections/world-news/")


def test_section_in_permalink(parse) -> None:
    doc = parse(
        "---\ntitle: T\ndate: 2024-02-09\nsection: Business\n---\n",
        permalink="/{section}/{year}/{slug}.html",
    )
    assert doc.url == "/business/2024/t.html"


@pytest.mark.parametrize(
    ("front", "slug"),
    [
        ("title: Тбилиси book fair", "tbilisi-book-fair"),
        ("title: Anything\nslug: Custom Slug", "custom-slug"),
        ("title: '!!!'", None),
    ],
)
def test_slug_from_field_or_title(parse, front: str, slug: str | None) -> None:
    doc = parse(f"---\n{front}\ndate: 2024-02-09\n---\n")
    assert doc.url.startswith("/2024/02/")
    got = doc.url.split("/")[3]
    assert got
    if slug:
        assert got == slug


def test_unicode_slugs_option(parse) -> None:
    doc = parse(
        "---\ntitle: Тбилиси\ndate: 2024-02-09\ntags: [Azərbaycan]\n---\n", unicode_slugs=True
    )
    assert doc.url == "/2024/02/тбилиси/"
    assert doc.tags[0].url == "/tags/azərbaycan/"


def test_summary_field_wins_over_marker_and_first_paragraph(parse) -> None:
    body = "First paragraph.\n\nSecond.\n\n<!--more-->\n\nRest.\n"
    with_field = parse(
        f"---\ntitle: T\ndate: 2024-02-09\nsummary: The *short* version\n---\n{body}"
    )
    assert with_field.summary == "The <em>short</em> version"
    assert with_field.description == "The short version"
    with_marker = parse(f"---\ntitle: T\ndate: 2024-02-09\n---\n{body}")
    assert with_marker.summary == "<p>First paragraph.</p>\n<p>Second.</p>"
    plain = parse("---\ntitle: T\ndate: 2024-02-09\n---\n## Head\n\nFirst.\n\nSecond.\n")
    assert plain.summary == "<p>First.</p>"


def test_word_count_and_reading_time(parse) -> None:
    short = parse("---\ntitle: T\ndate: 2024-02-09\n---\nThree short words.\n")
    assert (short.word_count, short.reading_time) == (3, 1)
    long = parse("---\ntitle: T\ndate: 2024-02-09\n---\n" + "word " * 1100 + "\n")
    assert (long.word_count, long.reading_time) == (1100, 5)


def test_draft_template_lang_and_image(parse) -> None:
    doc = parse(
        "---\ntitle: T\ndate: 2024-02-09\ndraft: true\ntemplate: feature\nlang: az\n"
        "image: /images/ballot.jpg\nimage_alt: A ballot box\nimage_caption: Voting in Baku\n---\n"
    )
    assert doc.draft is True
    assert doc.template == "feature.html"
    assert doc.lang == "az"
    assert (doc.image, doc.image_alt, doc.image_caption) == (
        "/images/ballot.jpg",
        "A ballot box",
        "Voting in Baku",
    )


def test_relative_image_is_resolved_against_the_file(parse) -> None:
    doc = parse("---\ntitle: T\ndate: 2024-02-09\nimage: ../images/a.jpg\n---\n")
    assert doc.image == "/images/a.jpg"
    remote = parse("---\ntitle: T\ndate: 2024-02-09\nimage: https://cdn.example/a.jpg\n---\n")
    assert remote.image == "https://cdn.example/a.jpg"


def test_bundle_image_sits_beside_the_article_page(parse) -> None:
    doc = parse(
        "---\ntitle: Jazz\ndate: 2024-02-09\nimage: stage.jpg\n---\n", "articles/jazz/index.md"
    )
    assert doc.url == "/2024/02/jazz/"
    assert doc.image == "/2024/02/jazz/stage.jpg"


def test_other_keys_pass_untouched_in_meta(parse) -> None:
    doc = parse(
        "---\ntitle: T\ndate: 2024-02-09\nlocation: Baku\nsources:\n  - CEC\n  - OSCE\n"
        "embargo: {until: '2024-02-10', by: desk}\n---\n"
    )
    assert doc.meta == {
        "location": "Baku",
        "sources": ["CEC", "OSCE"],
        "embargo": {"until": "2024-02-10", "by": "desk"},
    }


def test_page_has_its_own_url_and_template(parse) -> None:
    doc = parse("---\ntitle: About us\n---\nWe report.\n", "pages/about.md")
    assert isinstance(doc, Page)
    assert doc.url == "/about/"  # a page's address comes from its file name
    assert parse("---\ntitle: About us\nslug: who\n---\n", "pages/about.md").url == "/who/"
    assert doc.template == "page.html"


def test_bom_and_crlf_file_parses_like_plain(parse) -> None:
    data = "\ufeff---\r\ntitle: Vote\r\ndate: 2024-02-09\r\n---\r\nBody.\r\n".encode()
    doc = parse(data)
    assert doc.title == "Vote"
    assert doc.content == "<p>Body.</p>"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("---\ndate: 2024-02-09\n---\n", 1, "missing 'title'"),
        ("---\ntitle: ''\ndate: 2024-02-09\n---\n", 2, "missing 'title'"),
        ("---\ntitle: T\n---\n", 1, "missing 'date'"),
        ("---\ntitle: T\ndate: 2024-02-30\n---\n", 3, "'date' is not a date: '2024-02-30'"),
        ("---\ntitle: T\ndate: soon\n---\n", 3, "'date' is not a date: 'soon'"),
        (
            "---\ntitle: T\ndate: 2024-02-09\nupdated: 2024-13-01\n---\n",
            4,
            "'updated' is not a date",
        ),
        ("---\ntitle: [a, b]\ndate: 2024-02-09\n---\n", 2, "'title' must be text"),
        (
            "---\ntitle: T\ndate: 2024-02-09\ndraft: maybe\n---\n",
            4,
            "'draft' must be true or false",
        ),
        ("---\ntitle: T\ndate: 2024-02-09\ntags: {a: 1}\n---\n", 4, "'tags' must be a list"),
        ("---\ntitle: T\ndate: 2024-02-09\ntemplate: ../evil\n---\n", 4, "'template' must be"),
    ],
)
def test_bad_fields_name_their_line(parse, text: str, line: int, message: str) -> None:
    problem = _error(parse, text).problem
    assert problem.line == line
    assert message in problem.message
    assert problem.path.endswith("content/articles/story.md")


def test_page_needs_no_date(parse) -> None:
    assert parse("---\ntitle: Contact\n---\n", "pages/contact.md").url == "/contact/"


def test_smart_typography_setting_reaches_titles_only_through_markdown(parse) -> None:
    doc = parse('---\ntitle: "It\'s"\ndate: 2024-02-09\n---\n"quoted"\n')
    assert doc.title == "It's"  # titles are text, escaped by the theme
    assert doc.content == "<p>“quoted”</p>"


def test_links_to_resolve_are_found_with_their_lines(parse) -> None:
    body = (
        "Intro.\n\n"
        "See [the vote](vote.md) and ![chart](img/chart.png).\n\n"
        '<img data-src="lazy.png" xsrc="no.png" src="raw&amp;1.png">\n\n'
        "[Home](/) [Out](https://example.org/) [Top](#top) [Static]({static}/f.pdf)\n"
    )
    doc = parse("---\ntitle: T\ndate: 2024-02-09\nsummary: Read [more](more.md)\n---\n" + body)
    assert dict(doc.links) == {
        "vote.md": 8,
        "img/chart.png": 8,
        "lazy.png": 10,
        "raw&1.png": 6,  # written escaped: the line of the body is the best known
        "{static}/f.pdf": 12,
        "more.md": 4,
    }


def test_links_to_resolve_are_read_from_real_tags_only(parse) -> None:
    body = (
        '<a title="a>b" href="other.md">x</a>\n\n<!-- <a href="gone.md"> -->\n\n'
        '<textarea><a href="typed.md"></textarea>\n\n    <a href="code.md">\n'
    )
    doc = parse("---\ntitle: T\ndate: 2024-02-09\n---\n" + body)
    assert dict(doc.links) == {"other.md": 5}


@pytest.mark.parametrize(
    ("html", "links"),
    [
        ('<a HREF="upper.md">x</a>', {"upper.md"}),
        ("<a href = 'spaced.md'>x</a>", {"spaced.md"}),
        ("<a href\t=\n'tabbed.md'>x</a>", {"tabbed.md"}),
        ("<a href=bare.md>x</a>", {"bare.md"}),
        ('<img alt="" Src="photo.png">', {"photo.png"}),
        ('<img alt="" data-SRC="lazy.png">', {"lazy.png"}),
        ('<svg><a xlink:href="map.svg">x</a></svg>', {"map.svg"}),
        ('<a href="&#111;ther.md">x</a>', {"other.md"}),  # its first letter a reference
        ('<a href="">x</a>', {""}),
        ('<a href="|filename|a.md">x</a>', {"|filename|a.md"}),
        ('<a href="{filename}/b.md">x</a>', {"{filename}/b.md"}),
        ('<a href="&#47;site/">x</a> <a href="h&#116;tp://x.org/">y</a>', set()),
        ('<a href="https://x.org/">x</a> <a href="/site/">y</a> <a href="#top">z</a>', set()),
        ('<a href="?page=2">x</a> <a href=MAILTO:x@y.org>y</a> <p id="anchor.md">z</p>', set()),
    ],
)
def test_links_to_resolve_are_found_however_the_tag_is_written(parse, html, links) -> None:
    # One link a document: a page that holds no link to resolve is passed over unread, so
    # each spelling must be noticed on its own.
    doc = parse("---\ntitle: T\ndate: 2024-02-09\n---\nText " + html + "\n")
    assert set(dict(doc.links)) == links
