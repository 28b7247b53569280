"""Hostile text in titles, tags and author names comes back exactly as typed from every
context it is written into: HTML text, attributes, JSON-LD, Atom and RSS."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import html5lib
import pytest
from conftest import SITE_YAML, TINY_PNG, run_cli
from lxml import etree
from sitecheck import parse_page

TITLE = "Quote \"double\" & 'single' <b>bold</b> </script><script>alert(1)</script> — Ğünəş"
TAGS = ["R&D <i>", '"Quoted" tag', "Çay & Şəki </script>"]
AUTHOR = 'O\'Brien <Ümit> & "Co" </script>'
NS = {
    "a": "http://www.w3.org/2005/Atom",
    "dc": "http://purl.org/dc/elements/1.1/",
}


def _yaml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("hostile")
    story = "\n".join(
        [
            "---",
            f"title: {_yaml(TITLE)}",
            "slug: hostile",
            "date: 2024-02-09 14:05",
            f"author: {_yaml(AUTHOR)}",
            "tags:",
            *(f"  - {_yaml(tag)}" for tag in TAGS),
            "image: /lead.png",
            "aliases: [/old-hostile/]",
            "---",
            "Body text.",
            "",
        ]
    )
    (site / "content/articles").mkdir(parents=True)
    (site / "content/articles/hostile.md").write_text(story, encoding="utf-8")
    (site / "content/lead.png").write_bytes(TINY_PNG)
    (site / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    result = run_cli("build", "-q", cwd=site)
    assert result.returncode == 0, result.stderr
    return site / "output"


def _read(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


def test_article_page_keeps_every_value_and_runs_no_script(out):
    text = _read(out, "2024/02/hostile/index.html")
    page = parse_page(text)
    assert page.title == f"{TITLE} — Test Gazette"
    assert page.h1 == TITLE
    assert page.meta_values("og:title") == [TITLE]
    assert page.meta_values("twitter:title") == [TITLE]
    assert page.meta_values("article:tag") == TAGS
    assert page.meta_values("author") == [AUTHOR]
    # One script element, the JSON-LD; nothing typed by a writer opened another.
    assert page.scripts == [{"type": "application/ld+json"}]
    assert "<script>alert" not in text
    (data,) = page.json_ld()
    assert data["headline"] == TITLE
    assert data["keywords"] == TAGS
    assert [a["name"] for a in data["author"]] == [AUTHOR]
    assert "</" not in page.jsonld[0]


@pytest.mark.parametrize(
    ("rel", "name"),
    [
        ("tags/r-and-d-i/", TAGS[0]),
        ("tags/quoted-tag/", TAGS[1]),
        ("authors/obrien-umit-and-co-script/", AUTHOR),
    ],
)
def test_listing_pages_keep_their_names(out, rel, name):
    page = parse_page(_read(out, rel + "index.html"))
    assert page.h1 == name
    assert page.title == f"{name} — Test Gazette"
    assert page.scripts == []
    titles = [link["title"] for link in page.links if link.get("rel") == "alternate"]
    assert any(name in title for title in titles)


def test_front_page_card_and_redirect_keep_the_title(out):
    front = parse_page(_read(out, "index.html"))
    assert front.scripts == []
    redirect = parse_page(_read(out, "old-hostile/index.html"))
    assert redirect.title == f"{TITLE} — Test Gazette"
    assert redirect.scripts == []


def test_atom_and_rss_keep_every_value(out):
    for rel in ("feed.xml", "rss.xml", "tags/r-and-d-i/feed.xml"):
        assert not feedparser.parse((out / rel).read_bytes()).bozo, rel
    atom = etree.parse(str(out / "feed.xml"))
    assert atom.xpath("//a:entry/a:title/text()", namespaces=NS) == [TITLE]
    assert atom.xpath("//a:entry/a:category/@term", namespaces=NS) == TAGS
    assert atom.xpath("//a:entry/a:author/a:name/text()", namespaces=NS) == [AUTHOR]
    rss = etree.parse(str(out / "rss.xml"))
    assert rss.xpath("//item/title/text()") == [TITLE]
    assert rss.xpath("//item/category/text()") == TAGS
    assert rss.xpath("//item/dc:creator/text()", namespaces=NS) == [AUTHOR]
    tag_feed = etree.parse(str(out / "tags/r-and-d-i/feed.xml"))
    assert tag_feed.findtext("a:title", namespaces=NS) == f"Test Gazette — Topic: {TAGS[0]}"


SUMMARY = 'Polls closed <img src=x onerror="alert(1)"> at <b>19:00</b> <script>alert(2)</script>'


@pytest.fixture(scope="module")
def summary_site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("summary")
    story = "\n".join(
        [
            "---",
            "title: Count under way",
            "slug: count",
            "date: 2024-02-09 14:05",
            "author: Leyla",
            "section: Politics",
            "tags: [Elections]",
            f"summary: {_yaml(SUMMARY)}",
            "---",
            "Body with <b>raw HTML</b>, kept under the default raw_html: true.",
            "",
        ]
    )
    (site / "content/articles").mkdir(parents=True)
    (site / "content/articles/count.md").write_text(story, encoding="utf-8")
    (site / "site.yaml").write_text(SITE_YAML + "feed_content: summary\n", encoding="utf-8")
    result = run_cli("build", "-q", cwd=site)
    assert result.returncode == 0, result.stderr
    return site / "output"


@pytest.mark.parametrize(
    "page",
    [
        "index.html",
        "2024/02/count/index.html",
        "tags/elections/index.html",
        "authors/leyla/index.html",
        "sections/politics/index.html",
        "archive/2024/index.html",
    ],
)
def test_a_summarys_raw_html_is_text_on_every_page(summary_site, page):
    html = _read(summary_site, page)
    elements = list(html5lib.parse(html, namespaceHTMLElements=False).iter())
    assert not [e for e in elements if "onerror" in e.attrib], page
    scripts = [e for e in elements if e.tag == "script" and e.get("type") != "application/ld+json"]
    assert not [e for e in scripts if "alert" in (e.text or "")], page
    if "/count/" not in page and "archive" not in page:  # listings that show summaries
        assert "&lt;img src=x onerror=" in html, page  # shown as the writer typed it


def test_a_summarys_raw_html_is_text_in_feeds(summary_site):
    for feed in ("feed.xml", "rss.xml", "tags/elections/feed.xml"):
        parsed = feedparser.parse(_read(summary_site, feed))
        summary = parsed.entries[0].summary
        assert "<img" not in summary and "<script" not in summary, feed
        assert "&lt;img src=x onerror=" in summary, feed


def test_the_body_keeps_its_raw_html_under_the_default(summary_site):
    html = _read(summary_site, "2024/02/count/index.html")
    assert "<b>raw HTML</b>" in html
