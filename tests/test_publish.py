"""Publishing on any static host: every link resolves under a sub-path, 404 from any depth,
sitemap and robots.txt, and redirect pages for renamed stories."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urljoin
from xml.sax import saxutils

import pytest
import xmlschema
from conftest import ROOT, SITE_YAML, article, run_cli, tree
from html_oracle import PAGES, html5lib_start_tags
from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import etree
from sitecheck import build_sample, page_address, parse_page, unresolved

from generator.htmlurls import absolute_links, join, rebase_links, rewrite_urls
from generator.render.sitemap import _escape_all
from generator.render.xmltext import escape, quoteattr, stamp
from generator.urls import alias_path

SUBPATH = "https://example.org/newsroom/"
SCHEMA = xmlschema.XMLSchema(str(ROOT / "tests/fixtures/schemas/sitemap.xsd"))
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
}


@pytest.fixture(scope="module", params=[SUBPATH, "https://example.org/"], ids=["subpath", "root"])
def sample(request, tmp_path_factory) -> tuple[Path, str]:
    """The sample site built with `--base-url` (a sub-path, and a domain root)."""
    out = build_sample(tmp_path_factory.mktemp("sample"), "--base-url", request.param)
    return out, request.param


def _html_files(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))


def test_every_link_and_asset_of_every_page_resolves(sample):
    out, base_url = sample
    missing: list[str] = []
    pages = _html_files(out)
    assert len(pages) > 40
    for rel in pages:
        page = parse_page((out / rel).read_text(encoding="utf-8"))
        page.json_ld()  # adds the URLs inside JSON-LD to the refs
        assert page.refs, rel
        missing += unresolved(out, base_url, page_address(base_url, rel), page.refs)
    assert missing == []


def test_links_in_feeds_sitemap_and_robots_resolve(sample):
    out, base_url = sample
    missing: list[str] = []
    feeds = [*sorted(out.rglob("feed.xml")), out / "rss.xml"]
    assert len(feeds) > 20
    for feed in feeds:
        tree = etree.parse(str(feed))
        refs = [("link", h) for h in tree.xpath("//atom:link/@href", namespaces=NS)]
        refs += [("uri", u) for u in tree.xpath("//atom:uri/text()", namespaces=NS)]
        refs += [
            ("rss link", u) for u in tree.xpath("/rss/channel/link/text() | //item/link/text()")
        ]
        missing += unresolved(out, base_url, base_url, refs)
        # Links inside the stories are absolute, so they work wherever the feed is read.
        entries = tree.xpath("//atom:entry | //item", namespaces=NS)
        for entry in entries:
            html = "".join(
                entry.xpath(
                    "atom:content/text() | atom:summary/text() | description/text()"
                    " | *[local-name()='encoded']/text()",
                    namespaces=NS,
                )
            )
            for where, ref in parse_page(html).refs:
                assert ref.startswith(("https://", "http://", "mailto:")), (feed, ref)
                missing += unresolved(out, base_url, base_url, [(f"{feed.name} {where}", ref)])
    locs = etree.parse(str(out / "sitemap.xml")).xpath("//sm:loc/text()", namespaces=NS)
    missing += unresolved(out, base_url, base_url, [("loc", loc) for loc in locs])
    robots = (out / "robots.txt").read_text()
    sitemap_url = re.search(r"^Sitemap: (\S+)$", robots, re.M).group(1)
    assert sitemap_url == base_url + "sitemap.xml"
    missing += unresolved(out, base_url, base_url, [("robots", sitemap_url)])
    assert missing == []


def test_links_written_in_markdown_carry_the_base_path(sample):
    out, base_url = sample
    page = (out / "about/index.html").read_text(encoding="utf-8")
    prefix = "/newsroom" if base_url == SUBPATH else ""
    assert f'href="{prefix}/corrections/"' in page


def test_404_page_works_from_any_depth(sample):
    out, base_url = sample
    page = parse_page((out / "404.html").read_text(encoding="utf-8"))
    assert page.meta_values("robots") == ["noindex"]
    assert not [link for link in page.links if link.get("rel") == "canonical"]
    # A fragment (the skip link) names the page the host served, whatever its address.
    refs = [(where, ref) for where, ref in page.refs if not ref.startswith("#")]
    for where, ref in refs:
        assert ref.startswith(("/", "https://", "http://", "mailto:")), (where, ref)
    for depth in ("", "missing", "deep/missing/path", "deep/missing/path/"):
        assert unresolved(out, base_url, base_url + depth, refs) == []


def test_sitemap_is_valid_and_lists_every_published_page(sample):
    out, base_url = sample
    SCHEMA.validate(str(out / "sitemap.xml"))
    tree = etree.parse(str(out / "sitemap.xml"))
    locs = tree.xpath("//sm:loc/text()", namespaces=NS)
    assert len(locs) == len(set(locs))
    pages = {
        page_address(base_url, rel)
        for rel in _html_files(out)
        if rel != "404.html" and "noindex" not in (out / rel).read_text(encoding="utf-8")
    }
    assert set(locs) == pages
    # Drafts and stories dated in the future are built in neither place.
    assert not any("central-bank" in loc or "regatta" in loc for loc in locs)


def test_sitemap_lastmod_comes_from_the_stories(sample):
    out, base_url = sample
    tree = etree.parse(str(out / "sitemap.xml"))
    lastmod = {
        url.findtext("sm:loc", namespaces=NS): url.findtext("sm:lastmod", namespaces=NS)
        for url in tree.xpath("//sm:url", namespaces=NS)
    }
    # The sample's newest change is the "Last update" of the sea-level story.
    assert lastmod[base_url] == "2024-07-05T17:20:00+04:00"
    assert lastmod[base_url + "2024/02/aliyev-re-elected/"] == "2024-02-09T14:05:00+04:00"
    assert lastmod[base_url + "sections/politics/"] == "2024-02-09T14:05:00+04:00"
    assert lastmod[base_url + "about/"] is None  # a static page has no date to give


def test_alias_redirects_to_the_new_address(sample):
    out, base_url = sample
    new = base_url + "2024/03/reopening-of-the-kur-bridge-near-ganja-delayed-until-spring/"
    page = parse_page(
        (out / "2024/03/kur-bridge-reopening-delayed/index.html").read_text(encoding="utf-8")
    )
    assert [link["href"] for link in page.links if link.get("rel") == "canonical"] == [new]
    assert page.meta_values("refresh") == [f"0; url={new}"]
    assert page.meta_values("robots") == ["noindex"]
    assert (out / "2024/03/reopening-of-the-kur-bridge-near-ganja-delayed-until-spring").is_dir()


def test_base_url_override_changes_every_absolute_url(tmp_path):
    out = build_sample(tmp_path, "--base-url", "https://preview.example.net/pr-7")
    text = "\n".join(p.read_text(encoding="utf-8") for p in out.rglob("*.xml"))
    text += "\n".join(p.read_text(encoding="utf-8") for p in out.rglob("*.html"))
    assert "https://preview.example.net/pr-7/" in text
    assert "https://example.org/" not in text


def test_aliases_are_checked(make_site):
    site = make_site(
        {
            "content/articles/a.md": article("A", aliases="[/old/../../etc/passwd]"),
            "content/articles/b.md": article("B", aliases="[https://elsewhere.example/]"),
        }
    )
    result = run_cli("build", cwd=site)
    assert result.returncode == 1
    err = result.stderr
    assert "content/articles/a.md:4: unsafe site path '/old/../../etc/passwd'" in err
    assert "content/articles/b.md:4: an alias must be a path on this site, not 'https://" in err
    assert not (site / "output").exists()


def test_alias_that_collides_with_a_page_is_an_error(make_site):
    site = make_site(
        {
            "content/articles/c.md": article("C", slug="c", aliases="[/2024/02/d/]"),
            "content/articles/d.md": article("D", slug="d"),
        }
    )
    result = run_cli("build", cwd=site)
    assert result.returncode == 1
    assert result.stderr.splitlines()[:2] == [
        "content/articles/c.md:5: its alias /2024/02/d/ is also claimed by content/articles/d.md:4",
        "  hint: an alias may not be another page's address: remove it or change it",
    ]
    assert not (site / "output").exists()


def test_alias_path_names_the_file_a_host_serves():
    assert alias_path("/2019/old-slug") == "/2019/old-slug/"
    assert alias_path("/2019/old-slug/") == "/2019/old-slug/"
    assert alias_path("/old.html") == "/old.html"
    for bad in ("/", "//host/x", "/x?page=2", "/a/../b", "../../etc", "http://x.org/a"):
        with pytest.raises(ValueError):
            alias_path(bad)
    # Relative aliases (Hugo's) are taken from the source's content folder.
    assert alias_path("old-name", "post") == "/post/old-name/"
    assert alias_path("old/", "") == "/old/"
    assert alias_path("post/old-name.html", "articles") == "/articles/post/old-name.html"


def test_rebase_rewrites_only_root_relative_links_of_real_tags():
    html = (
        '<p><a href="/corrections/">c</a> <img alt="" src=\'/images/x.svg\'> '
        '<a href="https://other.example/">o</a> <a href="#note">n</a> <a href="pic.png">p</a> '
        '<a href="//cdn.example/x">cdn</a> <a href="mailto:x@example.org">m</a></p>'
        '<pre><code>&lt;a href="/not-a-link/"&gt;</code></pre>'
    )
    out = rebase_links(html, "/newsroom")
    assert '<a href="/newsroom/corrections/">' in out
    assert '<img alt="" src="/newsroom/images/x.svg">' in out
    for kept in (
        'href="https://other.example/"',
        'href="#note"',
        'href="pic.png"',
        'href="//cdn.example/x"',
        'href="mailto:x@example.org"',
        '&lt;a href="/not-a-link/"&gt;',
    ):
        assert kept in out
    assert rebase_links(html, "") == html


def test_rebase_and_absolute_links_reach_srcset_candidates_and_posters():
    # The link check reads these as images: under a sub-path they must carry the base path.
    html = (
        '<picture><source srcset="/a.png 1x,/b.png 2x"><img src="/a.png" alt="" '
        'srcset="/a.png, data:image/png;base64,AA== 640w, pic.png (x,y) 2x,,/c.png"></picture>'
        '<video poster="/p.jpg"></video>'
    )
    out = rebase_links(html, "/newsroom")
    assert '<source srcset="/newsroom/a.png 1x,/newsroom/b.png 2x">' in out
    assert (
        'srcset="/newsroom/a.png, data:image/png;base64,AA== 640w, pic.png (x,y) 2x,,'
        '/newsroom/c.png"' in out
    )
    assert '<video poster="/newsroom/p.jpg">' in out
    page = "https://example.org/newsroom/2024/01/story/"
    out = absolute_links(out, page)
    assert (
        'srcset="https://example.org/newsroom/a.png 1x,https://example.org/newsroom/b.png 2x"'
        in out
    )
    assert f"{page}pic.png (x,y) 2x,,https://example.org/newsroom/c.png" in out
    assert 'poster="https://example.org/newsroom/p.jpg"' in out


def test_rebase_reads_a_site_path_as_a_browser_does_around_white_space():
    # A browser strips white space around a URL: ' /about/' leads to /about/.
    html = '<a href=" /about/">a</a><a href="\n\t/about/ ">b</a><img src="\f/a.png" alt="">'
    out = rebase_links(html, "/newsroom")
    assert out.count('"/newsroom/about/"') == 2 and 'src="/newsroom/a.png"' in out
    assert rebase_links('<a href=" about/">', "/newsroom") == '<a href=" about/">'


def test_absolute_links_resolve_against_the_page():
    html = '<a href="/newsroom/a/?x=1&amp;y=2">a</a><img src="stage.svg" alt=""><a href="#n">n</a>'
    out = absolute_links(html, "https://example.org/newsroom/2024/01/story/")
    assert 'href="https://example.org/newsroom/a/?x=1&amp;y=2"' in out
    assert 'src="https://example.org/newsroom/2024/01/story/stage.svg"' in out
    assert 'href="https://example.org/newsroom/2024/01/story/#n"' in out


@settings(max_examples=int(os.environ.get("GAZETTE_HYPOTHESIS_EXAMPLES", "200")), deadline=None)
@given(PAGES)
@example('<p><a title="a>b" href="/corrections/">c</a><img src=\'/x.png\' alt>')
@example("<textarea><a href='/x/'></textarea><title><a href=/y/></title><!--<a href=z>-->")
def test_urls_are_rewritten_in_every_tag_that_holds_one(page: str) -> None:
    # The oracle is html5lib: it reads the rewritten page as the page, with each href and src
    # of a real tag changed and nothing else.
    expected = [
        (name, [(a, v + "!" if a in ("href", "src") else v) for a, v in attributes])
        for name, attributes in html5lib_start_tags(page)
    ]
    assert html5lib_start_tags(rewrite_urls(page, lambda value: value + "!")) == expected


@settings(max_examples=int(os.environ.get("GAZETTE_HYPOTHESIS_EXAMPLES", "300")), deadline=None)
@given(st.text(alphabet=st.sampled_from(list("a &<>\"'\n\r\t\x01é;#")), max_size=30))
def test_feed_text_is_escaped_as_xml_sax_saxutils_escapes_it(text: str) -> None:
    clean = text.replace("\x01", "")  # not XML at all: dropped first
    assert escape(text) == saxutils.escape(clean)
    assert quoteattr(text) == saxutils.quoteattr(clean)


URL_PARTS = st.sampled_from(
    ["https://", "http://", "HTTPS://", "ftp://", "//", "/", "a", "é", "-", ".", "..", ":",
     "/", "?", "#", ";", "[", "]", "@", "%20", " ", "\t", "\x00", "\x7f", "８", "＃"]
)  # fmt: skip


@settings(max_examples=int(os.environ.get("GAZETTE_HYPOTHESIS_EXAMPLES", "300")), deadline=None)
@given(st.lists(URL_PARTS, max_size=12).map("".join))
@example("https://exa＃mple.org/")  # refused: the host holds '#' under NFKC normalization
@example("https://example.org/a/../b")
def test_a_link_is_made_absolute_as_urljoin_makes_it(value: str) -> None:
    page = "https://example.org/newsroom/2024/01/story/"
    try:
        expected = urljoin(page, value) if value else value
    except ValueError:  # a host urljoin refuses: join must refuse it too
        with pytest.raises(ValueError):
            join(page, value)
        return
    assert join(page, value) == expected


def test_feeds_and_sitemap_do_not_depend_on_the_build_clock(make_site):
    site = make_site(
        {
            "content/articles/a.md": article("A", updated="2024-03-01 10:00"),
            "content/articles/b.md": article("B", date="2024-01-05 09:00"),
            "content/pages/about.md": "---\ntitle: About\n---\nUs.\n",
        }
    )
    outputs = []
    for epoch in ("1900000000", "2000000000"):
        env = {**os.environ, "SOURCE_DATE_EPOCH": epoch}
        result = run_cli("build", "--output", f"out-{epoch}", cwd=site, env=env)
        assert result.returncode == 0, result.stderr
        outputs.append(tree(site / f"out-{epoch}"))
    assert outputs[0] == outputs[1]
    sitemap = outputs[0]["sitemap.xml"].decode()
    assert "<lastmod>2024-03-01T10:00:00+04:00</lastmod>" in sitemap
    assert "2030" not in sitemap and "2033" not in sitemap  # the two build clocks' years


def test_site_paths_and_content_file_links_both_get_the_base_path_once(make_site):
    body = "[policy](/corrections/), [older](older.md) and [other]({filename}older.md)."
    site = make_site(
        {
            "content/articles/new.md": article("New", body=body),
            "content/articles/older.md": article("Older", date="2024-01-01 10:00"),
        },
        SITE_YAML.replace("https://example.org/", "https://example.org/sub/"),
    )
    result = run_cli("build", cwd=site)
    assert result.returncode == 0, result.stderr
    html = (site / "output/2024/02/new/index.html").read_text(encoding="utf-8")
    body_html = html[
        html.index('<div class="story-body') : html.index(
            "</div>", html.index('<div class="story-body')
        )
    ]
    assert re.findall(r'href="([^"]*)"', body_html) == [
        "/sub/corrections/",
        "/sub/2024/01/older/",
        "/sub/2024/01/older/",
    ]


def test_sitemap_escapes_its_urls_together_as_one_by_one() -> None:
    texts = ["https://example.org/a/", "https://example.org/?a=1&b=<2>", "x\x01y", "\ufffe", ""]
    for batch in (texts, [*texts, "a\nb&c"], [], ["only&one"]):
        assert _escape_all(batch) == [escape(t) for t in batch]


def test_timestamps_show_seconds_with_or_without_microseconds() -> None:
    zone = timezone(timedelta(hours=4))
    assert stamp(datetime(2024, 3, 1, 10, 0, 5, tzinfo=zone)) == "2024-03-01T10:00:05+04:00"
    assert stamp(datetime(2024, 3, 1, 10, 0, 5, 999, tzinfo=zone)) == "2024-03-01T10:00:05+04:00"
    assert stamp(datetime(2024, 3, 1, 10, 0, 5)) == "2024-03-01T10:00:05"


def test_raw_html_links_are_read_as_a_browser_reads_them(make_site):
    # A `>` inside a quoted value does not end the tag; a textarea's or title's content is
    # text, never a link: the page, the feed and the link check all read it so.
    body = (
        'Mistakes are <a title="a>b" href="/corrections/">corrected</a>.\n\n'
        '<textarea><a href="/in-textarea/"></textarea> <title><a href="/in-title/"></title>\n'
    )
    site = make_site(
        {
            "content/articles/story.md": article("Story", body=body),
            "content/pages/corrections.md": "---\ntitle: Corrections\n---\nNone yet.\n",
        },
        SITE_YAML.replace("https://example.org/", SUBPATH) + "feed_content: full\n",
    )
    result = run_cli("build", "--strict", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "broken" not in result.stderr
    page = (site / "output/2024/02/story/index.html").read_text(encoding="utf-8")
    assert '<a title="a>b" href="/newsroom/corrections/">' in page
    assert '<textarea><a href="/in-textarea/"></textarea>' in page
    assert '<title><a href="/in-title/"></title>' in page
    feed = etree.parse(str(site / "output/feed.xml"))
    content = feed.findtext("atom:entry/atom:content", namespaces=NS)
    assert '<a title="a>b" href="https://example.org/newsroom/corrections/">' in content
    assert '<textarea><a href="/in-textarea/"></textarea>' in content
    assert '<title><a href="/in-title/"></title>' in content
