"""Helpers for tests of a published site: build the sample site, find and resolve its links."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from conftest import ROOT, run_cli


def build_sample(dest: Path, *args: str) -> Path:
    """Copy the repository's sample site (site.yaml + content/) to `dest`, build it with the
    command line and `args`, and return its output folder."""
    shutil.copytree(ROOT / "content", dest / "content")
    shutil.copy(ROOT / "site.yaml", dest / "site.yaml")
    result = run_cli("build", "-q", *args, cwd=dest)
    assert result.returncode == 0, result.stderr
    return dest / "output"


class PageParser(HTMLParser):
    """Collects what tests look at in a page: link targets, meta tags, scripts and JSON-LD."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str]] = []  # (tag.attribute, value)
        self.meta: list[tuple[str, str]] = []  # (name or property, content)
        self.links: list[dict[str, str]] = []  # attributes of every <link>
        self.scripts: list[dict[str, str]] = []  # attributes of every <script>
        self.jsonld: list[str] = []  # the text of every ld+json script
        self.title = ""
        self.h1 = ""
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for name in ("href", "src"):
            if name in a:
                self.refs.append((f"{tag}.{name}", a[name]))
        if tag == "meta":
            key = a.get("property") or a.get("name") or a.get("http-equiv", "")
            self.meta.append((key, a.get("content", "")))
            if key == "refresh":
                self.refs.append(("meta.refresh", a["content"].partition("url=")[2]))
            elif a.get("content", "").startswith(("http://", "https://")):
                self.refs.append((f"meta.{key}", a["content"]))
        if tag == "link":
            self.links.append(a)
        if tag == "script":
            self.scripts.append(a)
            self._in = "jsonld" if a.get("type") == "application/ld+json" else "script"
        if tag in ("title", "h1"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "title", "h1"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "jsonld":
            self.jsonld.append(data)
        elif self._in == "title":
            self.title += data
        elif self._in == "h1":
            self.h1 += data

    def meta_values(self, key: str) -> list[str]:
        return [content for name, content in self.meta if name == key]

    def json_ld(self) -> list[object]:
        """Return every JSON-LD block parsed, with the URLs inside it added to `refs`."""
        blocks = [json.loads(text) for text in self.jsonld]
        for block in blocks:
            self.refs += [("json-ld", u) for u in _urls_in(block)]
        return blocks


def _urls_in(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _urls_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _urls_in(item)
    elif isinstance(value, str) and value.startswith(("http://", "https://")):
        yield value


def parse_page(data: str) -> PageParser:
    parser = PageParser()
    parser.feed(data)
    parser.close()
    return parser


def page_address(base_url: str, rel: str) -> str:
    """Return the absolute URL at which the output file `rel` is served."""
    if rel == "index.html" or rel.endswith("/index.html"):
        rel = rel[: -len("index.html")]
    return base_url + rel


def target(out: Path, base_url: str, page: str, ref: str) -> Path | None:
    """Return the file in `out` that `ref`, found on the page at URL `page`, must resolve to.

    None means the link leaves the site: another host or scheme, or an absolute URL outside
    the base path (e.g. a writer's link elsewhere on the same domain). A relative or
    root-relative link is always the site's own, so it must land under the base path.
    """
    ref = ref.strip()
    given = urlsplit(ref)
    url = urlsplit(urljoin(page, ref))
    base = urlsplit(base_url)
    if url.scheme not in ("http", "https") or url.netloc != base.netloc:
        return None
    if given.scheme and not url.path.startswith(base.path):
        return None
    if not url.path.startswith(base.path):
        return out / f"<outside {base.path}: {url.path}>"
    rel = unquote(url.path[len(base.path) :])
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return out / rel


def unresolved(out: Path, base_url: str, page: str, refs: list[tuple[str, str]]) -> list[str]:
    """Return a description of every ref of `page` that does not resolve to a file in `out`."""
    missing = []
    for where, ref in refs:
        file = target(out, base_url, page, ref)
        if file is not None and not file.is_file():
            missing.append(f"{page}: {where}={ref!r}")
    return missing
