"""`disable` in site.yaml: a site without some listings or feeds builds none of their files,
links to none of them, and lists none in its sitemap and feeds."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, run_cli
from lxml import etree
from sitecheck import page_address, parse_page, unresolved

from generator.config import OPTIONAL_KINDS

SITEMAP = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
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
    listed = set()  # the sitemap's pages: all but the 404 and redirects
    for rel in _pages(bare):
        page = parse_page((bare / rel).read_text(encoding="utf-8"))
        page.json_ld()
        missing += unresolved(bare, base_url, page_address(base_url, rel), page.refs)
        if rel != "404.html" and not page.meta_values("refresh"):
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
    (article,) = [b for b in page.json_ld() if b.get("@type") == "NewsArticle"]
    assert [author.get("url") for author in article["author"]] == [None]
    assert not [link for link in page.links if link.get("type") == "application/rss+xml"]


def test_a_menu_pointing_at_a_disabled_listing_fails_a_strict_build(tmp_path):
    site = _sample(tmp_path, ["sections"])
    result = run_cli("build", "--strict", cwd=site)
    assert result.returncode == 1
    assert "broken link" in result.stderr and "/sections/politics/" in result.stderr


def test_listings_without_their_feeds(tmp_path):
    site = _sample(tmp_path, ["listing_feeds", "rss"])
    result = run_cli("build", "-q", "--strict", cwd=site)
    assert result.returncode == 0, result.stderr
    out = site / "output"
    for listing in LISTINGS:
        assert (out / listing / "index.html").is_file(), listing
    assert _xml_files(out) == ["feed.xml", "sitemap.xml"]
    tag = (out / "tags/azerbaycan/index.html").read_text(encoding="utf-8")
    assert "feed.xml" not in tag.replace('href="/feed.xml"', "")
    assert 'href="/tags/azerbaycan/"' in (out / "tags/index.html").read_text(encoding="utf-8")
