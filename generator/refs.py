"""What an HTML page refers to (links, images, files) and which anchors it offers."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple


class Ref(NamedTuple):
    """One URL in a page: `kind` is 'link' (a, area, iframe), 'image' or 'file' (scripts, CSS).

    Named tuples rather than dataclasses: the cache keeps every page's references, and
    tuples pickle several times faster.
    """

    kind: str
    url: str
    line: int


class Img(NamedTuple):
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


# A start tag and its attributes. Comments and the bodies of scripts and styles are skipped
# first; within them markup is not markup. A regular scanner rather than html.parser: checks
# read every page of every build, and this is several times faster on the same pages.
_SKIP = re.compile(
    r"<!--.*?-->|<(script|style)\b[^>]*>.*?</\1\s*>|<!\[CDATA\[.*?\]\]>",
    re.DOTALL | re.IGNORECASE,
)
_TAG = re.compile(
    r"<(a|area|iframe|img|source|video|audio|track|embed|object|script|link|picture)\b"
    r"((?:\s+[^\s/>\"'=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)\s*/?>",
    re.IGNORECASE,
)
# Anchors: any element's id, and the name of an <a>; every element may carry one, so a cheap
# pattern finds the candidate tags and only those have their attributes read.
_ID_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)(\s[^>]*?(?:id|name)\s*=[^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r"([^\s/>\"'=]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")


def _attributes(text: str) -> list[tuple[str, str | None]]:
    attrs = []
    for match in _ATTR.finditer(text):
        name, *values = match.groups()
        value = next((v for v in values if v is not None), None)
        attrs.append((name.lower(), html.unescape(value) if value else value))
    return attrs


def _tags(page: str) -> Iterator[tuple[str, list[tuple[str, str | None]], int]]:
    """Yield (tag, attributes, line) for every start tag of `page`."""
    line, counted, pos = 1, 0, 0
    for skip in [*_SKIP.finditer(page), None]:
        end = skip.start() if skip else len(page)
        found = list(_TAG.finditer(page, pos, end))
        if skip is not None and skip.group(1):  # a script's own tag may carry a src
            opening = _TAG.match(page, skip.start())
            found += [opening] if opening else []
        for match in found:
            line += page.count("\n", counted, match.start())
            counted = match.start()
            yield match.group(1).lower(), _attributes(match.group(2)), line
        if skip is not None:
            pos = skip.end()


def scan(page: str) -> PageRefs:
    """Return the references, ids and images of an HTML page or fragment."""
    refs: list[Ref] = []
    ids: set[str] = set()
    images: list[Img] = []
    for match in _ID_TAG.finditer(page):
        tag, attrs = match.group(1).lower(), dict(_attributes(match.group(2)))
        for name in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(name):
                ids.add(attrs[name])
    for tag, attrs, line in _tags(page):
        values = {name: value for name, value in attrs if value is not None}
        for name, value in values.items():
            kind = _REFS.get((tag, name))
            if kind:
                refs.append(Ref(kind, value, line))
        if tag == "link" and "href" in values:
            rels = set(values.get("rel", "").lower().split())
            kind = "link" if rels & _PAGE_RELS and "stylesheet" not in rels else "file"
            refs.append(Ref(kind, values["href"], line))
        if "srcset" in values:
            for candidate in values["srcset"].split(","):
                url = candidate.strip().split(" ")[0]
                if url:
                    refs.append(Ref("image", url, line))
        if tag == "img":
            alt = next((value or "" for name, value in attrs if name == "alt"), None)
            images.append(Img(values.get("src", ""), alt, line))
    return PageRefs(tuple(refs), frozenset(ids), tuple(images))


def scan_bytes(page: bytes) -> PageRefs:
    """Return what `scan` finds in a page's UTF-8 bytes."""
    return scan(page.decode("utf-8", "replace"))
