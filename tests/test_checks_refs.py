"""The page scanner and URL resolution under the link checks."""

from __future__ import annotations

from pathlib import Path

from generator.config import Config
from generator.linkcheck import find_output, page_url, resolve
from generator.refs import Img, Ref, scan

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


def test_resolve_and_find_output():
    config = Config(title="T", base_url="https://example.org/news/", root=Path("."))
    paths = {"index.html", "a/index.html", "a/b.pdf", "404.html"}
    assert page_url("a/index.html") == "/a/" and page_url("404.html") == "/404.html"
    target = resolve("../a/#top", "/x/", config)
    assert (target.site_path, target.fragment) == ("/a/", "top")
    assert find_output(target.site_path, paths) == "a/index.html"
    assert find_output("/a", paths) == "a/index.html"
    assert find_output("/a/c/", paths) is None
    assert resolve("https://example.org/news/a/b.pdf", "/", config).site_path == "/a/b.pdf"
    outside = resolve("/a/", "/", config)  # written without the base path
    assert (outside.shown, outside.site_path) == ("/a/", None)
    for external in ("https://other.org/", "mailto:x@example.org", "#", "", "javascript:void(0)"):
        assert resolve(external, "/", config) is None
