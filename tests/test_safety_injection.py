"""Script injection: metadata is shown as text everywhere and never run by the browser or by
Jinja; script URLs written in Markdown are neutralised; raw HTML follows `raw_html`."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import SITE_YAML, run_cli, tree

Site = Callable[..., Path]

PAYLOADS = [
    '"><script>alert(1)</script>',
    "</script><script>alert(2)</script>",
    "' onmouseover='alert(3)' x='",
    '" onfocus="alert(4)" autofocus="',
    "{{ 7*7 }}",
    "{% if true %}forty-nine{% endif %}",
    "<img src=x onerror=alert(5)>",
]


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, and the text inside chosen tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.texts: dict[str, list[str]] = {}
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        if tag in ("h1", "title", "figcaption", "script"):
            self.open.append(tag)
            self.texts.setdefault(tag, []).append("")

    def handle_endtag(self, tag):
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data):
        if self.open:
            self.texts[self.open[-1]][-1] += data


def parse(page: bytes) -> Elements:
    parser = Elements()
    parser.feed(page.decode("utf-8"))
    parser.close()
    return parser


def meta(doc: Elements, prop: str) -> str | None:
    for tag, attrs in doc.tags:
        found = dict(attrs)
        if tag == "meta" and prop in (found.get("property"), found.get("name")):
            return found.get("content")
    return None


def injected(doc: Elements) -> list[str]:
    """Return every script element, event handler or autofocus in the page.

    The one script a page may hold is its JSON-LD data, and only while it stays JSON: a
    value that broke out of it would leave text that does not parse.
    """
    bad = []
    scripts = iter(doc.texts.get("script", []))
    for tag, attrs in doc.tags:
        if tag == "script":
            text = next(scripts)
            if dict(attrs).get("type") != "application/ld+json" or not _is_json(text):
                bad.append("<script>")
        bad += [f"<{tag} {name}>" for name, _ in attrs if name.startswith("on")]
        bad += [f"<{tag} {name}>" for name, _ in attrs if name == "autofocus"]
    return bad


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def yaml_text(value: str) -> str:
    return json.dumps(value)  # a JSON string is a YAML double-quoted scalar


def hostile_site(make_site: Site) -> Path:
    files = {}
    for i, payload in enumerate(PAYLOADS):
        files[f"content/articles/a{i}.md"] = (
            "---\n"
            f"title: {yaml_text(payload)}\n"
            f"date: 2024-02-{10 + i:02d} 10:00\n"
            f"author: {yaml_text(payload)}\n"
            f"tags: [{yaml_text(payload)}, plain]\n"
            f"section: {yaml_text(payload)}\n"
            "image: /img/photo.png\n"
            f"image_alt: {yaml_text(payload)}\n"
            f"image_caption: {yaml_text(payload)}\n"
            "---\nBody text.\n"
        )
    files["content/pages/about.md"] = f"---\ntitle: {yaml_text(PAYLOADS[0])}\n---\nAbout.\n"
    site_yaml = (
        f"title: {yaml_text(PAYLOADS[0])}\n"
        "base_url: https://example.org/\n"
        f"description: {yaml_text(PAYLOADS[2])}\n"
        f"menu:\n  - title: {yaml_text(PAYLOADS[1])}\n    url: /about/\n"
        f"authors:\n  {yaml_text(PAYLOADS[4])}:\n    bio: {yaml_text(PAYLOADS[3])}\n"
    )
    return make_site(files, site_yaml)


@pytest.fixture(scope="module")
def hostile_output(tmp_path_factory) -> dict[str, bytes]:
    root = tmp_path_factory.mktemp("hostile")

    def make(files, site_yaml):
        (root / "site.yaml").write_text(site_yaml)
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        return root

    done = run_cli("build", cwd=hostile_site(make))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return tree(root / "output")


def test_no_page_holds_an_injected_script_or_handler(hostile_output) -> None:
    pages = {p: parse(data) for p, data in hostile_output.items() if p.endswith(".html")}
    assert len(pages) > 20
    found = {p: injected(doc) for p, doc in pages.items() if injected(doc)}
    assert found == {}


def test_no_template_syntax_in_metadata_is_run(hostile_output) -> None:
    for path, data in hostile_output.items():
        if not path.endswith((".html", ".xml")):
            continue
        text = html.unescape(data.decode("utf-8", "replace"))
        text = text.replace(PAYLOADS[5], "").replace("if-true-forty-nine-endif", "")
        assert "forty-nine" not in text, path
        assert not re.search(r"(?<![\w.:-])49(?![\w.:-])", text), path


@pytest.mark.parametrize("index", range(len(PAYLOADS)))
def test_titles_come_back_as_typed(hostile_output, index: int) -> None:
    payload = PAYLOADS[index]
    page = next(
        data
        for path, data in hostile_output.items()
        if path.startswith("2024/02/") and f"2024-02-{10 + index:02d}".encode() in data
    )
    doc = parse(page)
    assert doc.texts["h1"][0].strip() == payload
    assert doc.texts["title"][0].startswith(payload + " — ")
    assert doc.texts["figcaption"][0].strip() == payload
    assert meta(doc, "og:title") == payload
    assert meta(doc, "og:image:alt") == payload
    assert meta(doc, "article:section") == payload
    assert meta(doc, "article:tag") == payload
    images = [dict(a) for t, a in doc.tags if t == "img" and dict(a).get("src", "").endswith("png")]
    assert images and images[0]["alt"] == payload


def test_site_settings_come_back_as_typed(hostile_output) -> None:
    doc = parse(hostile_output["index.html"])
    assert doc.texts["title"][0] == PAYLOADS[0]
    assert meta(doc, "description") == PAYLOADS[2]
    assert meta(doc, "og:site_name") == PAYLOADS[0]
    assert PAYLOADS[1] in [
        html.unescape(m) for m in re.findall(r'<a [^>]*href="/about/"[^>]*>(.*?)</a>',
                                             hostile_output["index.html"].decode())
    ]  # fmt: skip
    assert PAYLOADS[3] in html.unescape(hostile_output["authors/7-7/index.html"].decode())


def test_feed_and_sitemap_are_well_formed_and_hold_the_text(hostile_output) -> None:
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.fromstring(hostile_output["feed.xml"])
    assert feed.findtext(f"{atom}title") == PAYLOADS[0]
    titles = {e.findtext(f"{atom}title") for e in feed.iter(f"{atom}entry")}
    assert titles == set(PAYLOADS)
    names = {n.text for n in feed.iter(f"{atom}name")}
    assert names == set(PAYLOADS)
    terms = {c.get("term") for c in feed.iter(f"{atom}category")}
    assert terms == set(PAYLOADS) | {"plain"}
    sitemap = ET.fromstring(hostile_output["sitemap.xml"])
    locs = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert all(re.fullmatch(r"https://example\.org/[a-z0-9/-]*", loc) for loc in locs), locs
    articles = [
        loc for loc in locs if re.fullmatch(r"https://example\.org/2024/02/[a-z0-9-]+/", loc)
    ]
    assert len(articles) == len(PAYLOADS)


# 16. Script URLs in Markdown.

SCRIPT_URLS = [
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "java\tscript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript&colon;alert(1)",
    " javascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DaTa:text/html,<script>alert(1)</script>",
]


def runs_script(url: str) -> bool:
    """Return True for a URL a browser would run: its scheme, read as a browser reads it."""
    plain = re.sub(r"[\x00-\x20]", "", html.unescape(url)).lower()
    return plain.startswith(("javascript:", "vbscript:", "data:text"))


def test_script_url_check_of_this_module_is_not_blind() -> None:
    assert all(runs_script(html.unescape(u)) for u in SCRIPT_URLS)
    assert not runs_script("https://example.org/javascript:x")


@pytest.mark.parametrize("url", SCRIPT_URLS)
def test_script_urls_in_markdown_are_neutralised(make_site: Site, url: str) -> None:
    body = (
        f"A [link]({url}) and an image ![pic]({url}).\n\n"
        f"A [reference][r] and ![another][r].\n\n"
        f'An attribute list [x](/ok/){{: href="{url}" onclick="alert(1)" }}\n\n'
        f"[r]: {url}\n"
    )
    story = f"---\ntitle: Vote\ndate: 2024-02-09\nsummary: {yaml_text(f'[s]({url})')}\n---\n{body}"
    root = make_site({"content/articles/vote.md": story})
    done = run_cli("build", cwd=root)
    assert done.returncode == 0, done.stderr
    for path, data in tree(root / "output").items():
        if not path.endswith(".html"):
            continue
        doc = parse(data)
        assert injected(doc) == [], path
        urls = [v or "" for _, attrs in doc.tags for k, v in attrs if k in ("href", "src")]
        assert not [u for u in urls if runs_script(u)], path
    page = parse((root / "output/2024/02/vote/index.html").read_bytes())
    assert any(t == "img" and dict(a).get("alt") == "pic" for t, a in page.tags)


def test_inline_raster_images_are_kept(make_site: Site) -> None:
    pixel = "data:image/png;base64,iVBORw0KGgo="
    story = f"---\ntitle: V\ndate: 2024-02-09\n---\n![p]({pixel})\n"
    root = make_site({"content/articles/vote.md": story})
    assert run_cli("build", cwd=root).returncode == 0
    assert f'src="{pixel}"' in (root / "output/2024/02/v/index.html").read_text()


@pytest.mark.parametrize("field", ["image", "menu", "author_link"])
def test_script_urls_in_settings_and_front_matter_are_errors(make_site: Site, field: str) -> None:
    story = "---\ntitle: V\ndate: 2024-02-09\n---\nB\n"
    site_yaml = SITE_YAML
    if field == "image":
        story = "---\ntitle: V\ndate: 2024-02-09\nimage: 'JaVaScRiPt:alert(1)'\n---\nB\n"
        expected = "content/articles/v.md:4: 'image' is not a safe URL"
    elif field == "menu":
        site_yaml += "menu:\n  - title: Home\n    url: 'java\tscript:alert(1)'\n"
        expected = "site.yaml:5: menu: not a safe URL"
    else:
        site_yaml += "authors:\n  Ann:\n    links:\n      - {title: x, url: 'vbscript:x'}\n"
        expected = "site.yaml:5: authors: not a safe URL: 'vbscript:x'"
    root = make_site({"content/articles/v.md": story}, site_yaml)
    done = run_cli("build", cwd=root)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert expected in done.stderr, done.stderr


# 17. Raw HTML: kept by default, escaped with raw_html: false.

EMBED = (
    '<iframe src="https://www.youtube-nocookie.com/embed/x" title="Video"></iframe>\n\n'
    "<script>alert(1)</script>\n\n"
    'Inline <b onclick="alert(2)">bold</b> text.\n\n'
    "First part.\n\n<!--more-->\n\nAfter the fold.\n"
)


def raw_site(make_site: Site, setting: str) -> tuple[Elements, str, str]:
    """Build an article of embeds; return its parsed page, its source and the front page."""
    story = f"---\ntitle: Embed\ndate: 2024-02-09\n---\n{EMBED}"
    root = make_site({"content/articles/e.md": story}, SITE_YAML + setting)
    done = run_cli("build", cwd=root)
    assert done.returncode == 0, done.stderr
    page = (root / "output/2024/02/embed/index.html").read_text()
    return parse(page.encode()), page, (root / "output/index.html").read_text()


def test_raw_html_is_kept_by_default(make_site: Site) -> None:
    doc, _, _ = raw_site(make_site, "")
    iframe = ("iframe", [("src", "https://www.youtube-nocookie.com/embed/x"), ("title", "Video")])
    assert iframe in doc.tags
    assert [t for t in doc.texts["script"] if not t.startswith("{")] == ["alert(1)"]


def test_raw_html_false_escapes_it(make_site: Site) -> None:
    doc, page, _ = raw_site(make_site, "raw_html: false\n")
    tags = [t for t, _ in doc.tags]
    scripts = [a for t, a in doc.tags if t == "script" and ("type", "application/ld+json") not in a]
    assert "iframe" not in tags and not scripts
    assert injected(doc) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;iframe src=" in page


def test_raw_html_false_keeps_the_more_marker_working(make_site: Site) -> None:
    _, page, index = raw_site(make_site, "raw_html: false\n")
    assert "First part." in index and "After the fold." not in index
    for shown in ("&lt;!--more", "&lt;!–more", "–more–"):
        assert shown not in page and shown not in index
