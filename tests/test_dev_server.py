"""The preview server over real HTTP on 127.0.0.1 with an ephemeral port."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import article, write_files
from dev_support import EventStream, get
from test_dev_loop import ARTICLE_TEMPLATE, SITE_YAML, small_site

from generator.dev.events import Hub
from generator.dev.preview import Preview
from generator.dev.server import SCRIPT, allowed_host, inject, open_server


@pytest.fixture
def site(make_site) -> Path:
    return make_site({**small_site(), "content/images/map.svg": "<svg/>"}, SITE_YAML)


@pytest.fixture
def preview(site: Path) -> Iterator[Preview]:
    with Preview(site / "site.yaml", port=0) as running:
        first = running.start(watch=False)
        assert first.ok, first.problems
        yield running


def raw_get(preview: Preview, path: str, host: str | None = None) -> http.client.HTTPResponse:
    """Send `path` exactly as given (no client-side normalisation) and return the response."""
    parts = urlsplit(preview.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    conn.putrequest("GET", path, skip_host=host is not None)
    if host is not None:
        conn.putheader("Host", host)
    conn.endheaders()
    reply = conn.getresponse()
    reply.read()
    conn.close()
    return reply


@pytest.mark.parametrize(
    ("path", "ctype"),
    [
        ("", "text/html; charset=utf-8"),
        ("2024/02/alpha/", "text/html; charset=utf-8"),
        ("theme/css/site.css", "text/css; charset=utf-8"),
        ("feed.xml", "application/xml"),
        ("robots.txt", "text/plain; charset=utf-8"),
        ("images/map.svg", "image/svg+xml"),
        (SCRIPT.lstrip("/"), "text/javascript; charset=utf-8"),
    ],
)
def test_files_are_served_with_their_content_type(preview: Preview, path: str, ctype: str) -> None:
    reply = get(preview.url + path)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == ctype
    assert reply.headers["Cache-Control"] == "no-store"
    assert "Access-Control-Allow-Origin" not in reply.headers


def test_html_gets_the_live_reload_script_but_the_files_on_disk_do_not(preview: Preview) -> None:
    served = get(preview.url + "2024/02/alpha/").text
    on_disk = (preview.folder / "2024/02/alpha/index.html").read_text()
    assert SCRIPT not in on_disk
    assert served.count(SCRIPT) == 1
    assert served.index(SCRIPT) < served.rindex("</body>")
    assert served.replace(served[served.index("<script src=") : served.rindex("</body>")], "") == (
        on_disk
    )
    css = get(preview.url + "theme/css/site.css").body
    assert SCRIPT.encode() not in css


def test_inject_without_a_body_appends() -> None:
    assert inject(b"<p>x</p>", b"<script></script>") == b"<p>x</p><script></script>"
    assert inject(b"<body>a</BODY>", b"<s>") == b"<body>a<s></BODY>"


def test_missing_page_gets_the_sites_own_404_page(preview: Preview) -> None:
    reply = get(preview.url + "2031/no-such-story/")
    assert reply.status == 404
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Page not found" in reply.text
    assert SCRIPT in reply.text


def test_folder_without_slash_redirects(preview: Preview) -> None:
    reply = raw_get(preview, "/2024/02/alpha?x=1")
    assert reply.status == 301
    assert reply.headers["Location"] == "/2024/02/alpha/?x=1"


def test_nothing_outside_the_preview_folder_is_served(preview: Preview, site: Path) -> None:
    (preview.folder / "leak.html").symlink_to(site / "site.yaml")
    (preview.folder / "out").symlink_to(site, target_is_directory=True)
    for path in (
        "/../site.yaml",
        "/%2e%2e/site.yaml",
        "/theme/..%2f..%2fsite.yaml",
        "/leak.html",
        "/out/site.yaml",
        "/.gazette-manifest.json",
    ):
        assert raw_get(preview, path).status == 404, path


def test_unknown_host_names_are_refused(preview: Preview) -> None:
    port = urlsplit(preview.url).port
    assert raw_get(preview, "/", host=f"attacker.example:{port}").status == 403
    assert raw_get(preview, "/", host=f"localhost:{port}").status == 200
    assert raw_get(preview, "/", host=f"127.0.0.1:{port}").status == 200


def test_a_proxy_s_host_name_is_answered_once_allowed(site: Path) -> None:
    with Preview(site / "site.yaml", port=0, allow_hosts=["Preview.Example.NET"]) as running:
        assert running.start(watch=False).ok
        port = urlsplit(running.url).port
        assert raw_get(running, "/", host="preview.example.net").status == 200
        assert raw_get(running, "/", host=f"preview.example.net:{port}").status == 200
        assert raw_get(running, "/", host=f"attacker.example:{port}").status == 403


def test_allowed_hosts() -> None:
    assert allowed_host("preview.example.net", "127.0.0.1", also={"preview.example.net"})
    assert not allowed_host("other.example.net", "127.0.0.1", also={"preview.example.net"})
    assert allowed_host("localhost:8000", "127.0.0.1")
    assert allowed_host("[::1]:8000", "127.0.0.1")
    assert allowed_host("192.168.1.20:8000", "0.0.0.0", local="192.168.1.20")
    assert not allowed_host("192.168.1.20:8000", "0.0.0.0")  # not an address of ours
    assert allowed_host("laptop.lan:8000", "laptop.lan")
    assert not allowed_host("evil.example", "127.0.0.1")
    assert not allowed_host("", "127.0.0.1")


def test_taken_port_moves_to_the_next_free_one(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = open_server("127.0.0.1", port, tmp_path, Hub())
        try:
            assert server.port > port
        finally:
            server.server_close()


def test_an_edited_page_is_shown_before_the_rebuild_and_reloads_once(
    preview: Preview, site: Path
) -> None:
    stream = EventStream(preview.url)
    name, hello = stream.next()
    assert name == "hello" and hello["generation"] == 1 and hello["problems"] is None
    path = site / "content/articles/beta.md"
    path.write_text(article("Beta", "2024-02-02 10:00", body="Fresh copy.", tags="[Politics]"))
    assert stream.pending() == []  # the file alone announces nothing: only a rebuild
    preview.loop.rebuild([path])
    # The article's own page first, made from the last build...
    assert stream.next() == ("reload", {"generation": 2, "paths": ["/2024/02/beta/"]})
    # ...then the pages the rebuild changed besides it: listings show the new summary.
    name, event = stream.next()
    assert name == "reload" and event["generation"] == 3
    assert "/tags/politics/" in event["paths"] and "/2024/02/beta/" not in event["paths"]
    assert "Fresh copy." in get(preview.url + "2024/02/beta/").text
    stream.close()


def test_a_page_published_ahead_is_served_until_the_next_announcement(tmp_path: Path) -> None:
    hub = Hub()
    server = open_server("127.0.0.1", 0, tmp_path, hub)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        (tmp_path / "news").mkdir()
        (tmp_path / "news/index.html").write_text("<p>on disk</p>")
        hub.ahead("news/index.html", "<p>ahead, Azərbaycan</p>".encode())
        page = get(server.url + "news/")
        assert "ahead, Azərbaycan" in page.text and SCRIPT in page.text
        hub.reload([])
        assert "on disk" in get(server.url + "news/").text
    finally:
        server.stop()
        thread.join(5)


def test_stylesheet_change_swaps_instead_of_reloading(preview: Preview, site: Path) -> None:
    stream = EventStream(preview.url)
    assert stream.next()[0] == "hello"
    css = site / "themes/local/static/css/extra.css"
    css.write_text("body { color: navy; }\n")
    preview.loop.rebuild([css])
    assert stream.next() == ("css", {"generation": 2, "paths": ["theme/css/extra.css"]})
    assert "navy" in get(preview.url + "theme/css/extra.css").text
    stream.close()


def _problem_then_fix(preview: Preview, path: Path, broken: str, fixed: str) -> dict:
    """Break `path`, check the overlay event and state, fix it; return the problem shown."""
    stream = EventStream(preview.url)
    assert stream.next()[0] == "hello"
    before = get(preview.url + "2024/02/beta/").text
    path.write_text(broken)
    preview.loop.rebuild([path])
    name, data = stream.next()
    assert name == "problem"
    (problem,) = data["problems"]
    assert get(preview.url + "2024/02/beta/").text == before  # the last good page stays
    late = EventStream(preview.url)  # a tab opened now shows the error at once
    assert late.next()[1]["problems"] == data["problems"]
    late.close()
    path.write_text(fixed)
    preview.loop.rebuild([path])
    assert stream.next() == ("reload", {"generation": 2, "paths": None})  # after a failure, all
    fresh = EventStream(preview.url)
    assert fresh.next()[1]["problems"] is None
    fresh.close()
    stream.close()
    return problem


def test_yaml_error_shows_in_every_tab_and_goes_after_the_fix(preview: Preview, site: Path) -> None:
    path = site / "content/articles/beta.md"
    broken = '---\ndate: 2024-02-02 10:00\ntitle: "Beta" the sequel\n---\nText.\n'
    fixed = article("Beta", "2024-02-02 10:00", body="Fixed.", tags="[Politics]")
    problem = _problem_then_fix(preview, path, broken, fixed)
    assert problem["line"] == 3
    assert problem["text"].startswith(f"{problem['path']}:3: invalid YAML")
    assert problem["path"].endswith("content/articles/beta.md")
    assert [3, 'title: "Beta" the sequel'] in problem["excerpt"]


def test_template_error_shows_in_every_tab_and_goes_after_the_fix(
    preview: Preview, site: Path
) -> None:
    path = site / "themes/local/templates/article.html"
    broken = ARTICLE_TEMPLATE.replace("{{ article.title }}</h1>", "{{ article.titel }}</h1>")
    fixed = ARTICLE_TEMPLATE.replace("<h1>", "<h1 class=headline>")
    problem = _problem_then_fix(preview, path, broken, fixed)
    assert problem["path"].endswith("themes/local/templates/article.html")
    assert problem["line"] == 4
    assert "titel" in problem["text"]
    assert [4, "<h1>{{ article.titel }}</h1>"] in problem["excerpt"]


def test_deleting_an_article_removes_its_page_and_every_mention(
    preview: Preview, site: Path
) -> None:
    assert get(preview.url + "2024/02/alpha/").status == 200
    assert "/2024/02/alpha/" in get(preview.url + "tags/politics/").text
    assert "/2024/02/alpha/" in get(preview.url + "tags/baku/").text
    path = site / "content/articles/alpha.md"
    path.unlink()
    preview.loop.rebuild([path])
    assert get(preview.url + "2024/02/alpha/").status == 404
    assert get(preview.url + "tags/baku/").status == 404
    for page in ("", "page/2/", "tags/politics/", "tags/", "feed.xml", "sitemap.xml"):
        reply = get(preview.url + page)
        assert reply.status == 200, page
        assert "/2024/02/alpha/" not in reply.text, page
    assert "/2024/02/beta/" in get(preview.url + "tags/politics/").text


def test_first_build_with_a_broken_article_serves_the_rest_and_the_error(site: Path) -> None:
    write_files(site, {"content/articles/bad.md": "---\ntitle: [\n---\n"})
    with Preview(site / "site.yaml", port=0) as running:
        first = running.start(watch=False)
        assert not first.ok and first.result is not None  # the preview keeps going
        reply = get(running.url)
        assert reply.status == 200 and SCRIPT in reply.text
        stream = EventStream(running.url)
        assert stream.next()[1]["problems"][0]["path"].endswith("content/articles/bad.md")
        stream.close()


def test_close_removes_the_preview_folder(site: Path) -> None:
    running = Preview(site / "site.yaml", port=0)
    running.start(watch=False)
    stream = EventStream(running.url)
    assert stream.next()[0] == "hello"
    running.close()
    assert stream.next() == ("closed", None)
    assert not running.folder.exists() and not running.temp.exists()
