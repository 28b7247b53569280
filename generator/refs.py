"""What an HTML page refers to (links, images, files) and which anchors it offers."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser


@dataclass(frozen=True)
class Ref:
    """One URL in a page: `kind` is 'link' (a, area, iframe), 'image' or 'file' (scripts, CSS)."""

    kind: str
    url: str
    line: int


@dataclass(frozen=True)
class Img:
    """An <img>: its source, its alt text (None when the attribute is absent) and its line."""

    src: str
    alt: str | None
    line: int


@dataclass(frozen=True)
class PageRefs:
    refs: tuple[Ref, ...]
    ids: frozenset[str]
    images: tuple[Img, ...]


# (tag, attribute) -> kind of reference; <link> is decided by its rel.
_REFS = {
    ("a", "href"): "link",
    ("area", "href"): "link",
    ("iframe", "src"): "link",
    ("img", "src"): "image",
    ("source", "src"): "file",
    ("video", "src"): "file",
    ("video", "poster"): "image",
    ("audio", "src"): "file",
    ("track", "src"): "file",
    ("embed", "src"): "file",
    ("object", "data"): "file",
    ("script", "src"): "file",
}
_PAGE_RELS = {"canonical", "prev", "next", "alternate", "author", "help", "license", "search"}


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[Ref] = []
        self.ids: set[str] = set()
        self.images: list[Img] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        values = {name: value for name, value in attrs if value is not None}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.ids.add(values["name"])
        for name, value in values.items():
            kind = _REFS.get((tag, name))
            if kind:
                self.refs.append(Ref(kind, value, line))
        if tag == "link" and "href" in values:
            rels = set(values.get("rel", "").lower().split())
            kind = "link" if rels & _PAGE_RELS and "stylesheet" not in rels else "file"
            self.refs.append(Ref(kind, values["href"], line))
        if "srcset" in values:
            for candidate in values["srcset"].split(","):
                url = candidate.strip().split(" ")[0]
                if url:
                    self.refs.append(Ref("image", url, line))
        if tag == "img":
            alt = next((value or "" for name, value in attrs if name == "alt"), None)
            self.images.append(Img(values.get("src", ""), alt, line))

    handle_startendtag = handle_starttag


def scan(html: str) -> PageRefs:
    """Return the references, ids and images of an HTML page or fragment."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return PageRefs(tuple(scanner.refs), frozenset(scanner.ids), tuple(scanner.images))
