"""Feeds: Atom for the site and every tag, author and section, RSS for the site; read back
with a real feed parser."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from conftest import SITE_YAML, article, run_cli
from lxml import etree
from sitecheck import build_sample, parse_page

ATOM = {"a": "http://www.w3.org/2005/Atom"}


def _build(site: Path, *args: str) -> Path:
    result = run_cli("build", "-q", *args, cwd=site)
    assert result.returncode == 0, result.stderr
    return site / "output"


def _parse(path: Path) -> feedparser.FeedParserDict:
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, (path, feed.get("bozo_exception"))
    return feed


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return build_sample(
        tmp_path_factory.mktemp("sample"), "--base-url", "https://example.org/news/"
    )


def test_every_feed_of_the_sample_site_parses(sample):
    feeds = sorted(sample.rglob("feed.xml"))
    # The site, plus one per tag, author and section with a page.
    listings = [
        p.parent
        for p in sample.glob("*/*/index.html")
        if p.parts[-3] in ("tags", "authors", "sections")
    ]
    assert sorted([sample / "feed.xml", *(p / "feed.xml" for p in listings)]) == feeds
    for path in feeds:
        feed = _parse(path)
        assert feed.version == "atom10"
        assert feed.entries, path
        for entry in feed.entries:
            assert entry.id.startswith("tag:example.org,")
            assert entry.link.startswith("https://example.org/news/")
    rss = _parse(sample / "rss.xml")
    assert rss.version == "rss20"
    assert len(rss.entries) == len(_parse(sample / "feed.xml").entries) == 10


def test_feed_holds_only_its_listing(sample):
    iran = _parse(sample / "tags/iran/feed.xml")
    assert {e.title for e in iran.entries} == {
        "Iran and Azerbaijan agree to extend opening hours at the Astara crossing",
        "Sturgeon numbers still falling, joint Caspian survey finds",
    }
    assert iran.feed.link == "https://example.org/news/tags/iran/"
    author = _parse(sample / "authors/giorgi-beridze/feed.xml")
    assert all("Giorgi Beridze" in [a.name for a in e.authors] for e in author.entries)
    sport = _parse(sample / "sections/sport/feed.xml")
    assert [e.title for e in sport.entries] == [
        "Absheron Stars edge Ganja Athletic to lift the cup"
    ]


def test_listing_pages_link_their_feed(sample):
    page = parse_page((sample / "tags/iran/index.html").read_text(encoding="utf-8"))
    alternates = [
        (link["type"], link["href"]) for link in page.links if link.get("rel") == "alternate"
    ]
    assert alternates == [
        ("application/atom+xml", "/news/feed.xml"),
        ("application/rss+xml", "/news/rss.xml"),
        ("application/atom+xml", "/news/tags/iran/feed.xml"),
    ]
    assert ("a.href", "/news/tags/iran/feed.xml") in page.refs  # the visible link
    front = parse_page((sample / "index.html").read_text(encoding="utf-8"))
    assert ("a.href", "/news/feed.xml") in front.refs
    assert ("a.href", "/news/rss.xml") in front.refs


def test_drafts_and_future_stories_stay_out_of_feeds_even_in_previews(tmp_path):
    out = build_sample(tmp_path, "--drafts", "--future")
    assert (out / "2031/06/preview-the-caspian-regatta-returns-to-baku-bay/index.html").is_file()
    text = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.xml"))
    assert "regatta" not in text.lower()
    assert "Central bank holds" not in text
    assert len(_parse(out / "feed.xml").entries) == 10


def test_entry_id_survives_a_new_title_and_updated_follows_last_update(make_site):
    site = make_site({"content/articles/vote.md": article("Vote count begins")})
    first = _parse(_build(site) / "feed.xml").entries[0]
    assert first.id == "tag:example.org,2024-02-09:/articles/vote.md"
    assert first.updated == first.published == "2024-02-09T14:05:00+04:00"

    (site / "content/articles/vote.md").write_text(
        article("Aliyev wins fifth term", updated="2024-02-10 08:00"), encoding="utf-8"
    )
    feed = _parse(_build(site) / "feed.xml")
    entry = feed.entries[0]
    assert entry.id == first.id
    assert entry.link != first.link
    assert entry.updated == "2024-02-10T08:00:00+04:00"
    assert feed.feed.updated == "2024-02-10T08:00:00+04:00"


def test_feed_has_newest_n_entries_in_full_or_in_summary(make_site):
    files = {
        f"content/articles/{n}.md": article(
            f"Story {n}", date=f"2024-02-0{n} 10:00", body=f"First {n}.\n\n<!--more-->\n\nRest {n}."
        )
        for n in range(1, 5)
    }
    site = make_site(files, SITE_YAML + "feed_entries: 2\n")
    out = _build(site)
    feed = _parse(out / "feed.xml")
    assert [e.title for e in feed.entries] == ["Story 4", "Story 3"]
    assert "Rest 4." in feed.entries[0].content[0].value
    assert [e.title for e in _parse(out / "rss.xml").entries] == ["Story 4", "Story 3"]

    (site / "site.yaml").write_text(SITE_YAML + "feed_entries: 2\nfeed_content: summary\n")
    out = _build(site)
    entry = _parse(out / "feed.xml").entries[0]
    assert "content" not in entry
    assert "First 4." in entry.summary
    assert "Rest 4." not in (out / "feed.xml").read_text(encoding="utf-8")
    assert "Rest 4." not in (out / "rss.xml").read_text(encoding="utf-8")


def test_links_in_feed_content_are_absolute(make_site):
    body = "See [corrections](/corrections/) and ![chart](chart.svg) and [note](#n)."
    site = make_site(
        {
            "content/articles/story/index.md": article("Story", body=body),
            "content/articles/story/chart.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        },
        SITE_YAML.replace("https://example.org/", "https://example.org/sub/"),
    )
    out = _build(site)
    content = _parse(out / "feed.xml").entries[0].content[0].value
    assert 'href="https://example.org/sub/corrections/"' in content
    assert 'src="https://example.org/sub/2024/02/story/chart.svg"' in content
    assert 'href="https://example.org/sub/2024/02/story/#n"' in content


def test_empty_site_has_valid_feeds_dated_without_the_clock(make_site):
    out = _build(make_site({}))
    feed = etree.parse(str(out / "feed.xml"))
    assert feed.findtext("a:updated", namespaces=ATOM) == "1970-01-01T00:00:00+00:00"
    assert _parse(out / "feed.xml").entries == []
    assert _parse(out / "rss.xml").entries == []


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("feed_content: everything", "feed_content: expected full or summary, got 'everything'"),
        ("publisher_logo: images/logo.png", "publisher_logo: expected a site path"),
        ("publisher_logo: /images/../logo.png", "publisher_logo: a site path cannot contain '..'"),
        ("feed_entries: 0", "feed_entries: expected a whole number of at least 1"),
    ],
)
def test_publishing_settings_are_checked(make_site, setting, message):
    site = make_site({}, SITE_YAML + setting + "\n")
    result = run_cli("build", cwd=site)
    assert result.returncode == 1
    assert f"site.yaml:5: {message}" in result.stderr
