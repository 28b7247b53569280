"""Front matter dialects: what each fixture file of tests/fixtures/dialects/ is parsed into."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.config import Config
from generator.errors import SourceError
from generator.markup.converter import Converter
from generator.model import Article
from generator.source.files import read_content
from generator.source.frontmatter import split_front_matter
from generator.source.parse import Parsed, parse_document

FIXTURES = Path(__file__).parent / "fixtures" / "dialects"
CONFIG = Config(title="Test", timezone="Asia/Baku")

# path -> (title, date, url, tags, authors, section, summary, state)
EXPECTED = {
    "yaml/articles/election-count.md": (
        "Election count begins",
        "2024-02-09T14:05:00+04:00",
        "/2024/02/election-count-begins/",
        ["Vote", "Baku"],
        ["Leyla Həsənova", "Giorgi Beridze"],
        "Politics",  # the first of `categories`
        "Counting started at nine in the evening.",  # from `description`
        "",
    ),
    "yaml/articles/jekyll-release.md": (
        "Ferry timetable changes",
        "2019-03-13T15:30:00+04:00",  # 11:30 +0000 seen from Baku
        "/2019/03/ferry-timetable-changes/",
        ["ferries", "caspian", "baku"],  # a space-separated Jekyll string
        ["Anahit Sargsyan"],
        "transport",  # the first word of a Jekyll `categories` string
        "The winter timetable starts on Monday.",  # from `excerpt`
        "",
    ),
    "yaml/articles/pipeline-modified.md": (
        "Pipeline talks stall",
        "2024-02-09T14:05:00+04:00",
        "/2024/02/pipeline-talks-stall/",
        ["oil", "gas", "Transit Fees"],  # a comma string keeps spaces inside a tag
        [],
        "Business",
        "Neither side moved on tariffs.",
        "draft",  # published: false
    ),
    "yaml/articles/corrections-log.md": (
        "Corrections log",
        "2024-02-09T05:00:00+04:00",  # a single-digit hour
        "/2024/02/corrections-log/",
        [],  # tags: ~
        ["Tural Məmmədov", "Leyla Həsənova"],  # ';'-separated
        None,
        "<p>A record of every correction.</p>",
        "hidden",
    ),
    "yaml/articles/heading-title.md": (
        "Old bridge reopens",  # the first # heading
        "2015-05-24T00:00:00+05:00",  # day first, unambiguous; Baku kept summer time in 2015
        "/2015/05/old-bridge-reopens/",
        [],
        [],
        None,
        "<p>The bridge over the Kura reopened after repairs.</p>",
        "",
    ),
    "yaml/articles/crlf-bom.md": (
        "Night market opens",
        "2024-02-09T08:09:26+04:00",  # T8:09:26
        "/2024/02/night-market-opens/",
        ["Markets"],
        [],
        None,
        "<p>Stalls open at dusk.</p>",
        "",
    ),
    "yaml/articles/no-trailing-newline.md": (
        "No newline at the end",
        "2024-02-09T14:05:00+04:00",
        "/2024/02/no-newline-at-the-end/",
        [],
        [],
        None,
        "<p>The last line has no newline.</p>",
        "",
    ),
    "yaml/articles/rule-in-body.md": (
        "Two halves",
        "2024-02-09T14:05:00+04:00",
        "/2024/02/two-halves/",
        [],
        [],
        None,
        "<p>First half.</p>",
        "",
    ),
    "toml/posts/port-expansion.md": (
        "Port expansion approved",
        "2024-02-09T14:05:00+04:00",  # a TOML offset date-time
        "/2024/02/port-expansion-approved/",
        ["Ports", "Alat"],
        ["Giorgi Beridze"],
        "Business",
        "The second berth opens in 2026.",
        "",
    ),
    "toml/posts/quoted-date.md": (
        "Quoted dates in TOML",  # `Title`: keys are case-insensitive
        "2024-02-09T14:05:00+04:00",
        "/2024/02/quoted-dates-in-toml/",
        ["single"],  # a scalar
        [],
        None,
        "<p>A draft with a quoted date.</p>",
        "draft",  # draft = true
    ),
    "toml/posts/local-time.md": (
        "Local time in TOML",
        "2024-02-09T23:30:00+04:00",  # a TOML local date-time is in the site's timezone
        "/2024/02/local-time-in-toml/",
        [],  # an empty list
        [],
        None,  # empty categories
        "<p>Dated in the site’s timezone.</p>",
        "hidden",
    ),
    "toml/posts/caspian-ferry/index.md": (
        "Ferry bundle",
        "2024-02-08T00:00:00+04:00",  # a TOML local date
        "/2024/02/ferry-bundle/",
        [],
        [],
        None,
        "A page bundle with its own image.",
        "",
    ),
    "pelican/vote.md": (
        "Turnout at record high",
        "2024-02-09T14:05:00+04:00",
        "/2024/02/turnout-record/",  # Slug:
        ["vote", "turnout", "South Caucasus"],
        ["Leyla Həsənova", "Giorgi Beridze"],
        "Politics",
        "Turnout passed seventy per cent.",
        "",
    ),
    "pelican/draft.md": (
        "A draft in Pelican",
        "2024-02-09T00:00:00+04:00",
        "/2024/02/a-draft-in-pelican/",
        [],
        ["Anahit Sargsyan"],
        None,
        "<p>Not ready yet.</p>",
        "draft",
    ),
    "pelican/summary-markers.md": (
        "Summary markers",
        "2024-02-09T14:05:00+04:00",
        "/2024/02/summary-markers/",
        [],
        [],
        None,
        "<p>Only this paragraph is the summary.</p>",
        "",
    ),
    "jekyll/_posts/2019-03-13-welcome.md": (
        "Welcome to the new site",
        "2019-03-13T00:00:00+04:00",  # from the file name
        "/2019/03/welcome-to-the-new-site/",
        ["jekyll", "release"],
        [],
        "news",
        "<p>The first post.</p>",  # <!-- more --> inside a paragraph
        "",
    ),
    "jekyll/_posts/2020-01-05-colon-first.md": (
        "Title from the heading",
        "2020-01-05T00:00:00+04:00",
        "/2020/01/title-from-the-heading/",
        [],
        [],
        None,
        "<p>Note: this file has no front matter; its first line just has a colon.</p>",
        "",
    ),
    "jekyll/_posts/2021-06-01-liquid.markdown": (
        "Liquid stays text",
        "2021-06-01T11:00:00+04:00",
        "/2021/06/liquid-stays-text/",
        [],
        [],
        None,
        '<p>{{ page.title }} and <a href="/about/">a link</a>.</p>',
        "",
    ),
    "jekyll/_drafts/unfinished-story.md": (
        "Unfinished story",
        "1970-01-01T00:00:00+04:00",  # undated drafts build only with --drafts
        "/1970/01/unfinished-story/",
        [],
        [],
        None,
        "<p>A Jekyll draft without a date.</p>",
        "draft",  # in _drafts/
    ),
}


def parse_fixture(rel: str) -> Parsed:
    dialect, _, inner = rel.partition("/")
    tree = read_content(FIXTURES / dialect)
    source = next(s for s in tree.sources if s.path == inner)
    return parse_document(source, CONFIG, Converter(True))


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_fixture_metadata(rel: str) -> None:
    title, date, url, tags, authors, section, summary, state = EXPECTED[rel]
    doc = parse_fixture(rel).document
    assert isinstance(doc, Article)
    assert doc.title == title
    assert doc.date.isoformat() == date
    assert doc.date.tzinfo is not None
    assert doc.url == url
    assert [t.name for t in doc.tags] == tags
    assert [a.name for a in doc.authors] == authors
    assert (doc.section.name if doc.section else None) == section
    assert str(doc.summary) == summary
    assert ("draft" if doc.draft else "hidden" if doc.hidden else "") == state


def test_every_fixture_article_is_asserted() -> None:
    articles = {
        f"{dialect}/{s.path}"
        for dialect in ("yaml", "toml", "pelican", "jekyll")
        for s in read_content(FIXTURES / dialect).sources
        if s.kind == "article"
    }
    assert articles - set(EXPECTED) == {
        "yaml/articles/other-generators.md",  # checked in test_dialects_build.py
        "pelican/links.md",
    }


def test_updated_aliases() -> None:
    updated = {
        rel: parse_fixture(rel).document.updated
        for rel in (
            "yaml/articles/election-count.md",  # lastmod
            "yaml/articles/jekyll-release.md",  # last_modified_at, 5:00:00 +0000
            "yaml/articles/pipeline-modified.md",  # modified, quoted
            "toml/posts/port-expansion.md",  # TOML local date
            "pelican/vote.md",  # Modified:
        )
    }
    assert {rel: value.isoformat() for rel, value in updated.items()} == {
        "yaml/articles/election-count.md": "2024-02-10T09:30:00+04:00",
        "yaml/articles/jekyll-release.md": "2019-03-14T09:00:00+04:00",
        "yaml/articles/pipeline-modified.md": "2024-02-12T00:00:00+04:00",
        "toml/posts/port-expansion.md": "2024-02-11T00:00:00+04:00",
        "pelican/vote.md": "2024-02-10T08:00:00+04:00",
    }


def test_layout_is_a_soft_preference_and_extra_fields_stay_in_meta() -> None:
    jekyll = parse_fixture("yaml/articles/jekyll-release.md").document
    assert jekyll.layout == "post.html"
    assert jekyll.template == "article.html"
    assert "layout" not in jekyll.meta and "excerpt" not in jekyll.meta
    toml = parse_fixture("toml/posts/port-expansion.md").document
    assert toml.meta == {"params": {"subtitle": "A table after the fields"}}
    pelican = parse_fixture("pelican/links.md").document
    assert pelican.meta == {"long-description": "A value that continues on an indented line."}


def test_bodies_keep_rules_and_code_that_look_like_front_matter() -> None:
    halves = parse_fixture("yaml/articles/rule-in-body.md").document
    assert "<hr>" in halves.content and "<p>Second half, after a rule.</p>" in halves.content
    assert "an example of front matter in a code block</span>" in halves.content
    crlf = parse_fixture("yaml/articles/crlf-bom.md").document
    assert "<hr>" in crlf.content and "\r" not in crlf.content
    plus = parse_fixture("toml/posts/quoted-date.md").document
    assert "<p>+++</p>" in plus.content
    pelican = parse_fixture("pelican/vote.md").document
    assert "<p>Note: this colon line is in the body.</p>" in pelican.content


def test_a_heading_taken_as_title_leaves_the_body() -> None:
    doc = parse_fixture("yaml/articles/heading-title.md").document
    assert "<h1" not in doc.content
    later = parse_fixture("jekyll/_posts/2020-01-05-colon-first.md").document
    assert '<h1 id="title-from-the-heading">Title from the heading</h1>' in later.content


def test_links_are_recorded_with_their_file_lines() -> None:
    doc = parse_fixture("pelican/links.md").document
    assert doc.links == (
        ("{filename}/vote.md", 7),
        ("vote.md#details", 7),
        ("{static}/images/chart.svg", 9),
        ("{attach}images/chart.svg", 9),
        ("{filename}/missing.md", 11),
    )


def test_foreign_template_syntax_is_noted_with_its_line() -> None:
    parsed = parse_fixture("yaml/articles/other-generators.md")
    assert [(n.line, n.message) for n in parsed.notes] == [
        (5, "template syntax of another generator ('{{ site.titl'...) is left as text")
    ]
    content = str(parsed.document.content)
    assert "{{ site.url }} and {{ site.title }}" in content
    assert '<figure><img src="diagram.drawio" alt="Chart"></figure>' in content
    assert '<figure><img src="cover.psd" alt="X"><figcaption>X</figcaption></figure>' in content


def test_jekyll_and_hugo_machinery_is_not_content() -> None:
    jekyll = read_content(FIXTURES / "jekyll")
    assert [s.path for s in jekyll.sources] == [
        "_drafts/unfinished-story.md",
        "_posts/2019-03-13-welcome.md",
        "_posts/2020-01-05-colon-first.md",
        "_posts/2021-06-01-liquid.markdown",
        "pages/about.md",
    ]
    assert jekyll.assets == ()
    toml = read_content(FIXTURES / "toml")
    assert "posts/_index.md" not in [s.path for s in toml.sources]


def test_files_of_other_formats_are_assets() -> None:
    tree = read_content(FIXTURES / "yaml")
    assert [a.path for a in tree.assets] == [
        "articles/cover.psd",
        "articles/diagram.drawio",
        "articles/notes.rst",
    ]


def split(text: str):
    return split_front_matter(text, "a.md")


@pytest.mark.parametrize(
    "text",
    [
        "Note: a body that starts with a colon.\nSecond line.\n",
        "Note: one line\nAuthor: someone\n\nNo title or date among the keys.\n",
        "Title: Looks like a header\nbut this line is not a key\n\nBody.\n",
        "Where to: the harbour\n\nA key with a space is not a header key.\n",
        "# Heading\n\nTitle: not at the top\n",
    ],
)
def test_bodies_that_are_not_headers(text: str) -> None:
    front = split(text)
    assert (front.dialect, front.data, front.body, front.body_line) == ("", {}, text, 1)


def test_pelican_header_lines_and_body_line() -> None:
    front = split("Title: A\nDATE: 2024-02-09\nTags:\n\nBody\n")
    assert front.dialect == "header"
    assert front.data == {"title": "A", "date": "2024-02-09", "tags": None}
    assert front.lines == {"title": 1, "date": 2, "tags": 3}
    assert (front.body, front.body_line) == ("Body\n", 5)


def test_toml_lines_and_errors() -> None:
    front = split('+++\ntitle = "A"\n\n"date" = 2024-02-09\n[extra]\ntitle = "B"\n+++\nBody\n')
    assert front.lines == {"title": 2, "date": 4, "extra": 2}
    assert front.data["title"] == "A" and front.body_line == 8
    with pytest.raises(SourceError) as bad:
        split('+++\ntitle = "A"\ndate = \n+++\n')
    assert bad.value.problem.line == 3
    assert bad.value.problem.message.startswith("invalid TOML")
    with pytest.raises(SourceError) as unclosed:
        split('+++\ntitle = "A"\n')
    assert unclosed.value.problem.message == "front matter opened with '+++' is never closed"


def test_category_given_as_a_list_is_its_first_item() -> None:
    from generator.source.fields import canonical

    data, lines = canonical(split('+++\ntitle = "A"\ncategory = ["World", "Politics"]\n+++\n'))
    assert (data["section"], lines["section"]) == ("World", 3)
    assert "category" not in data


def test_missing_title_and_date_name_the_file() -> None:
    from generator.model import Source

    def parse(text: str, path: str = "articles/x.md") -> SourceError:
        source = Source(path, Path("content") / path, text, "d", "article")
        with pytest.raises(SourceError) as err:
            parse_document(source, CONFIG, Converter(True))
        return err.value

    no_title = parse("---\ndate: 2024-02-09\n---\nNo heading here.\n")
    assert no_title.problem.path == "content/articles/x.md"
    assert no_title.problem.message == "missing 'title' (and no '# heading' to take it from)"
    no_date = parse("---\ntitle: A\n---\nBody.\n")
    assert (no_date.problem.line, no_date.problem.message) == (1, "missing 'date'")
    bad_file_date = parse("# A\n", "articles/2024-02-30-a.md")
    assert "2024-02-30" in bad_file_date.problem.message
    bad_status = parse("---\ntitle: A\ndate: 2024-02-09\nstatus: secret\n---\n")
    assert (bad_status.problem.line, bad_status.problem.message) == (
        4,
        "unknown status 'secret'",
    )
