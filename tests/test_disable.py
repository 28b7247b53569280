"""`disable` in site.yaml: a site without some listings or feeds builds none of their files,
links to none of them, and lists none in its sitemap and feeds."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, SITE_YAML, article, run_cli
from lxml import etree
from sitecheck import page_address, parse_page, unresolved

from generator.config import OPTIONAL_KINDS

SITEMAP = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
ATOM = {"a": "http://www.w3.org/2005/Atom"}
# A page of each listing and the folder that holds them all.
LISTINGS = {
    "tags/azerbaycan/": "tags/",
    "sections/politics/": "sections/",
    "authors/leyla-hesenova/": "authors/",
    "archive/2024/": "archive/",
}


def _sample(dest: Path, disable: list[str], menu: bool = True) -> Path:
    """Copy the sample site to `dest` with `disable` set (and its menu, or none)."""
    shutil.copytree(ROOT / "content", dest / "content")
    settings = (ROOT / "site.yaml").read_text(encoding="utf-8")
    if not menu:
        settings = re.sub(r"^menu:\n(?:  .*\n)+", "", settings, flags=re.M)
        assert "menu:" not in settings
    (dest / "site.yaml").write_text(settings + f"disable: [{', '.join(disable)}]\n")
    return dest


def _pages(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))


def _xml_files(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.xml"))


@pytest.fixture(scope="module")
def bare(tmp_path_factory) -> Path:
    """The sample site without its menu, built with every optional kind disabled, strictly:
    any link to a page that is not built fails the build."""
    site = _sample(tmp_path_factory.mktemp("bare"), list(OPTIONAL_KINDS), menu=False)
    result = run_cli("build", "-q", "--strict", cwd=site)
    assert result.returncode == 0, result.stderr
    return site / "output"


def test_disabled_listings_and_feeds_are_not_built(bare):
    for folder in LISTINGS.values():
        assert not (bare / folder).exists(), folder
    assert not (bare / "rss.xml").exists()
    assert _xml_files(bare) == ["feed.xml", "sitemap.xml"]
    # What is left: the front page and its pages, the stories (and a renamed story's
    # redirect), the static pages, the 404.
    assert (bare / "index.html").is_file() and (bare / "page/2/index.html").is_file()
    assert (bare / "404.html").is_file() and (bare / "about/index.html").is_file()
    assert len(list(bare.glob("20*/*/*/index.html"))) == 11


def test_nothing_links_to_what_was_not_built(bare):
    base_url = "https://example.org/"
    missing: list[str] = []
    listed = set()  # the sitemap's pages: all but the 404, redirects and noindex pages
    for rel in _pages(bare):
        page = parse_page((bare / rel).read_text(encoding="utf-8"))
        page.json_ld()
        missing += unresolved(bare, base_url, page_address(base_url, rel), page.refs)
        noindex = "noindex" in page.meta_values("robots")  # the search page
        if rel != "404.html" and not page.meta_values("refresh") and not noindex:
            listed.add(page_address(base_url, rel))
    locs = etree.parse(str(bare / "sitemap.xml")).xpath("//sm:loc/text()", namespaces=SITEMAP)
    assert sorted(locs) == sorted(listed)
    assert missing == []


def test_stories_name_their_authors_sections_and_tags_without_links(bare):
    story = (bare / "2024/02/aliyev-re-elected/index.html").read_text(encoding="utf-8")
    page = parse_page(story)
    assert 'class="byline">By Leyla Həsənova</span>' in story
    assert re.search(r'<p class="kicker">Politics</p>', story)
    assert re.search(r"<li>Azərbaycan</li>", story)
    assert page.meta_values("article:author") == []
    (story_ld,) = [b for b in page.json_ld() if b.get("@type") == "NewsArticle"]
    assert [author.get("url") for author in story_ld["author"]] == [None]
    feeds = [link.get("type") for link in page.links if link.get("rel") == "alternate"]
    assert feeds == ["application/atom+xml"]  # the site's Atom feed, and no RSS


def test_the_feed_names_authors_without_pointing_at_their_pages(bare):
    feed = etree.parse(str(bare / "feed.xml"))
    names = feed.xpath("//a:entry/a:author/a:name/text()", namespaces=ATOM)
    assert "Leyla Həsənova" in names
    assert feed.xpath("//a:author/a:uri", namespaces=ATOM) == []
    links = feed.xpath("//a:link/@href", namespaces=ATOM)
    assert links and not [link for link in links if "/authors/" in link or "/tags/" in link]


def test_a_menu_pointing_at_a_disabled_listing_fails_a_strict_build(tmp_path):
    site = _sample(tmp_path, ["sections"])
    result = run_cli("build", "--strict", cwd=site)
    assert result.returncode == 1
    assert "broken link" in result.stderr and "/sections/politics/" in result.stderr


def test_a_listing_without_pages_has_no_feed_either(tmp_path):
    site = _sample(tmp_path, ["sections"], menu=False)
    result = run_cli("build", "-q", "--strict", cwd=site)
    assert result.returncode == 0, result.stderr
    out = site / "output"
    assert not (out / "sections").exists()
    assert (out / "tags/azerbaycan/feed.xml").is_file()
    assert (out / "authors/leyla-hesenova/feed.xml").is_file()
    assert (out / "rss.xml").is_file()


def test_a_theme_asking_for_an_unknown_kind_fails_with_its_line(make_site):
    site = make_site(
        {
            "content/articles/vote.md": article("Vote"),
            "themes/local/theme.yaml": "parent: default\n",
            "themes/local/templates/404.html": (
                '{% extends "base.html" %}\n{% block content %}\n'
                "{% if builds('archive') %}<a href=\"{{ '/archive/' | url }}\">Archive</a>"
                "{% endif %}\n{% endblock %}\n"
            ),
        },
        SITE_YAML + "theme: local\n",
    )
    result = run_cli("build", cwd=site)
    assert result.returncode == 1
    assert "templates/404.html:3: ValueError: unknown kind 'archive'; use tags," in result.stderr


def test_listings_without_their_feeds(tmp_path):
    site = _sample(tmp_path, ["listing_feeds", "rss"])
    result = run_cli("build", "-q", "--strict", cwd=site)
    assert result.returncode == 0, result.stderr
    out = site / "output"
    assert _xml_files(out) == ["feed.xml", "sitemap.xml"]
    for listing in LISTINGS:
        page = parse_page((out / listing / "index.html").read_text(encoding="utf-8"))
        feeds = [ref for _, ref in page.refs if ref.endswith(".xml")]
        assert feeds == ["/feed.xml", "/feed.xml"], listing  # the site's, in head and footer
    assert 'href="/tags/azerbaycan/"' in (out / "tags/index.html").read_text(encoding="utf-8")
