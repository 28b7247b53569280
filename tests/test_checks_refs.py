"""The page scanner and URL resolution under the link checks."""

from __future__ import annotations

import pickle
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from generator.check.links import candidates, resolve
from generator.check.refs import _REFS, Img, Ref, scan, scan_bytes
from generator.config import Config
from generator.urls import served_path

PAGE = """<!DOCTYPE html>
<!-- <a href="/commented-out/"> -->
<script src="/app.js">document.write('<a href="/inside-script/">');</script>
<a class="x"
   href="/two/?a=1&amp;b=2" id='first'>t</a><img src=/p.png alt>
<IMG SRC="/q.png" srcset="/q-2x.png 2x, /q-3x.png 3x"><style>a[href="/css/"]{}</style>
<a name=top href="#first"><h2 data-id="not-an-id" id="results">Results</h2>
<link rel="stylesheet" href="/theme/site.css"><link rel="canonical" href="https://example.org/x/">
"""


def test_scan_finds_references_ids_and_images_with_their_lines():
    page = scan(PAGE)
    assert page.refs == (
        Ref("file", "/app.js", 3),
        Ref("link", "/two/?a=1&b=2", 4),
        Ref("image", "/p.png", 5),
        Ref("image", "/q.png", 6),
        Ref("image", "/q-2x.png", 6),
        Ref("image", "/q-3x.png", 6),
        Ref("link", "#first", 7),
        Ref("file", "/theme/site.css", 8),
        Ref("link", "https://example.org/x/", 8),
    )
    assert page.ids == {"first", "top", "results"}
    assert page.images == (Img("/p.png", "", 5), Img("/q.png", None, 6))


def serving(site_path: str, paths: set[str]) -> str | None:
    """Return the output file that serves `site_path`, as the link check finds it."""
    return next((rel for rel in candidates(site_path) if rel in paths), None)


def test_resolve_and_find_output():
    config = Config(title="T", base_url="https://example.org/news/", root=Path("."))
    paths = {"index.html", "a/index.html", "a/b.pdf", "404.html"}
    assert served_path("a/index.html") == "/a/" and served_path("404.html") == "/404.html"
    target = resolve("../a/#top", "/x/", config)
    assert (target.site_path, target.fragment) == ("/a/", "top")
    assert serving(target.site_path, paths) == "a/index.html"
    assert serving("/a", paths) == "a/index.html"
    assert serving("/a/c/", paths) is None
    assert resolve("https://example.org/news/a/b.pdf", "/", config).site_path == "/a/b.pdf"
    outside = resolve("/a/", "/", config)  # written without the base path
    assert (outside.shown, outside.site_path) == ("/a/", None)
    for external in ("https://other.org/", "mailto:x@example.org", "#", "", "javascript:void(0)"):
        assert resolve(external, "/", config) is None


def test_a_full_url_on_this_site_resolves_as_urljoin_reads_it():
    config = Config(title="T", base_url="https://example.org/news/", root=Path("."))
    rests = [
        "", "/", "//x", "/a/", "/a/../b", "/./a", "/a?q=1#f", "#top", "?x", "/a%20b/", "/news",
        "/news/a/", "/newsroom/", "/news/a\tb", "/news/a/#x/../y", "/news/%E2%9C%93/", "/✓/",
    ]  # fmt: skip
    for host in ("https://example.org", "http://EXAMPLE.org", "https://example.org:443"):
        for page in ("/", "/a/b/"):
            for rest in rests:
                url = host + rest
                parts = urlsplit(urljoin(f"https://example.org/news{page}", url))
                if parts.netloc.lower() != "example.org":
                    assert resolve(url, page, config) is None, url
                    continue
                shown = unquote(parts.path) or "/"
                inside = shown == "/news" or shown.startswith("/news/")
                expected = (shown, shown[5:] or "/" if inside else None, unquote(parts.fragment))
                target = resolve(url, page, config)
                assert (target.shown, target.site_path, target.fragment) == expected, url


@pytest.mark.parametrize("case", [str.lower, str.upper, str.title])
def test_scan_reads_every_referring_tag_and_attribute_in_any_case(case) -> None:
    for (tag, attribute), kind in _REFS.items():
        page = f'<p>text</p><{case(tag)} {case(attribute)}="/{tag}/{attribute}">'
        assert scan(page).refs == (Ref(kind, f"/{tag}/{attribute}", 1),), page


def test_scan_ignores_markup_in_comments_scripts_styles_and_cdata():
    page = """<!-- <h2 id="old-heading"> <a name="old-anchor" href="/old/"> -->
<script id="app" src="/app.js">var s = '<div id="made-later"><a href="/later/">';</script>
<SCRIPT>document.write('<img src="/written.png">')</SCRIPT >
<style id="theme">#x::after { content: '<a id="styled" href="/css/">' }</style>
<![CDATA[ <p id="cdata"> ]]>
<script/><p id="inside-unclosed-looking-script"></script>
<p id="kept">"""
    found = scan(page)
    assert found.ids == {"app", "theme", "kept"}
    assert found.refs == (Ref("file", "/app.js", 2),)
    assert found.images == ()


def test_scan_reads_attributes_as_a_browser_does():
    page = (
        '<A HREF="/upper/" ID="Upper">x</A>\n'
        "<img src=/bare.png alt=Bare width=3><img src='/single.png'>\n"
        '<a href="/q/?a=1&amp;b=2&#38;c=3" title="a > b" id=after-gt>x</a>\n'
        '<div class="grid" data-id="no" Id = "spaced"></div><p>id="in-text" ID=5</p>\n'
        '<a name="top" href>x</a><a href="">empty</a><a href="/x/" href>first kept</a>\n'
        '<picture><source srcset="/s-1x.png 1x, /s-2x.png 2x"></picture><img>\n'
        '<link rel="next" href="/page/2/"><link rel="alternate stylesheet" href="/alt.css">\n'
        '<video poster="/poster.jpg" src="/v.mp4"></video><object data="/doc.pdf"></object>'
    )
    found = scan(page)
    assert found.refs == (
        Ref("link", "/upper/", 1),
        Ref("image", "/bare.png", 2),
        Ref("image", "/single.png", 2),
        Ref("link", "/q/?a=1&b=2&c=3", 3),
        Ref("link", "", 5),
        Ref("link", "/x/", 5),
        Ref("image", "/s-1x.png", 6),
        Ref("image", "/s-2x.png", 6),
        Ref("link", "/page/2/", 7),
        Ref("file", "/alt.css", 7),
        Ref("image", "/poster.jpg", 8),
        Ref("file", "/v.mp4", 8),
        Ref("file", "/doc.pdf", 8),
    )
    assert found.ids == {"Upper", "after-gt", "spaced", "top"}
    assert found.images == (
        Img("/bare.png", "Bare", 2),
        Img("/single.png", None, 2),
        Img("", None, 6),
    )


def test_scan_counts_lines_across_long_pages():
    page = "\n".join(f'<p>{n}</p><a href="/{n}/">' if n % 7 == 0 else "text" for n in range(1, 300))
    lines = [ref.line for ref in scan(page).refs]
    assert lines == [n for n in range(1, 300) if n % 7 == 0]
    assert scan_bytes(page.replace("text", "tëxt").encode("utf-8")).refs == scan(page).refs


def test_scan_reads_a_lone_href_as_any_other_attribute():
    # <a href="..."> alone is read without its attributes; the same as when it is not alone.
    page = (
        '<a href="/plain/">x</a><a href="/spaced/" >x</a>\n'
        '<a\n  href="/closed/"/><A HREF="/UPPER/"><a href="/amp&amp;ersand/">\n'
        '<a href="/with-id/" id="here"><a name="named" href="/named/">'
    )
    found = scan(page)
    assert found.refs == (
        Ref("link", "/plain/", 1),
        Ref("link", "/spaced/", 1),
        Ref("link", "/closed/", 2),
        Ref("link", "/UPPER/", 3),
        Ref("link", "/amp&ersand/", 3),
        Ref("link", "/with-id/", 4),
        Ref("link", "/named/", 4),
    )
    assert found.ids == {"here", "named"}


def test_what_a_scan_finds_pickles_whole():
    # Render workers send each page's references to the parent pickled.
    found = scan(PAGE)
    again = pickle.loads(pickle.dumps(found))
    assert again == found
    assert all(type(ref) is Ref for ref in again.refs)
    assert all(type(img) is Img for img in again.images)
    assert again.refs[1].url == "/two/?a=1&b=2" and again.images[0].alt == ""
