"""What an HTML page refers to (links, images, files) and which anchors it offers."""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple


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

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled with plain tuples: a named tuple is unpickled through its Python __new__,
        # and the render workers send back every page's refs (a million at 10,000 articles):
        # five times faster each way.
        refs, images = tuple(map(tuple, self.refs)), tuple(map(tuple, self.images))
        return _unpickled, (refs, self.ids, images)


def _unpickled(
    refs: tuple[tuple[str, str, int], ...],
    ids: frozenset[str],
    images: tuple[tuple[str, str | None, int], ...],
) -> PageRefs:
    new = tuple.__new__
    return PageRefs(
        tuple([new(Ref, ref) for ref in refs]), ids, tuple([new(Img, img) for img in images])
    )


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


# Two quick passes instead of a parser. The first reads the tags that refer to something,
# matching comments, CDATA and the bodies of scripts and styles whole so that markup inside
# them is not read as markup (a script's own tag is, as it may carry a src). The second finds
# ids: a page has few, so each `id=` is looked up in the tag around it. Several times faster
# than html.parser, and checks read every page of every build.
_ATTRS = r"""((?:\s+[^\s/>"'=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*/?>"""
# The lookahead, on the first letter of every tag read below (in any case, as the whole
# pattern), turns down at once most tags of no interest (</a>, <li>, <div>, <meta>...),
# which would otherwise try every alternative in turn: the expression runs 40% faster.
# Its first alternative is the tag most read, <a href="..."> alone, whose URL needs nothing
# done to it: more than half of the tags read, taken without reading their attributes.
_TOKEN = re.compile(
    r'<(?=[!aeilopstv])(?:a\s+href="([^"&]*)"\s*/?>|!--.*?-->|!\[CDATA\[.*?\]\]>'
    rf"|(script|style){_ATTRS}.*?</\2\s*>"
    rf"|(a|area|iframe|img|source|video|audio|track|embed|object|script|link|picture)\b{_ATTRS})",
    re.DOTALL | re.IGNORECASE,
)
_ANY_TAG = re.compile(rf"<([a-zA-Z][a-zA-Z0-9-]*){_ATTRS}")
_ATTR = re.compile(r"""([^\s/>"'=]+)(?:\s*(=)\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
# Most tags read carry one attribute, quoted, with nothing to unescape: <a href="/tags/x/">.
_ONE_ATTR = re.compile(r'\s+([a-zA-Z][a-zA-Z-]*)="([^"&]*)"')
# `id=` in any case. Two patterns that start with a literal letter are searched many times
# faster than one case-insensitive pattern.
_ID = (re.compile(r"d(?<=[iI]d)\s*="), re.compile(r"D(?<=[iI]D)\s*="))
# tag -> {attribute: kind}, for every tag _TOKEN reads.
_KINDS: dict[str, dict[str, str]] = {"link": {}, "picture": {}, "style": {}}
for (_tag, _name), _kind in _REFS.items():
    _KINDS.setdefault(_tag, {})[_name] = _kind


def _attributes(text: str) -> dict[str, str | None]:
    """Return a tag's attributes, lower-cased names to unescaped values (None for a bare name).

    A repeated name keeps the last value given to it (HTML says the first, but the checks
    have always read the last, and such a page is invalid anyway).
    """
    one = _ONE_ATTR.fullmatch(text)
    if one is not None:
        return {one[1].lower(): one[2]}
    attrs: dict[str, str | None] = {}
    for name, equals, double, single, bare in _ATTR.findall(text):
        value = double or single or bare
        if equals:
            attrs[name.lower()] = html.unescape(value) if "&" in value else value
        else:
            attrs.setdefault(name.lower(), None)
    return attrs


def scan(page: str) -> PageRefs:
    """Return the references, ids and images of an HTML page or fragment."""
    refs: list[Ref] = []
    ids: set[str] = set()
    images: list[Img] = []
    skipped: list[int] = []  # start, end, start, end ... of comments, scripts and styles
    line, counted = 1, 0
    for match in _TOKEN.finditer(page):
        which = match.lastindex
        if which is None:  # a comment or CDATA
            skipped += match.span()
            continue
        start = match.start()
        line += page.count("\n", counted, start)
        counted = start
        if which == 1:  # <a href="...">
            refs.append(Ref("link", match[1], line))
            continue
        if which == 5:
            tag, text = match.group(4, 5)
        else:  # a script or style: its own tag is read, its body is not
            skipped += match.end(3), match.end()
            tag, text = match.group(2, 3)
        tag = tag.lower()
        attrs = _attributes(text) if text else {}
        kinds = _KINDS[tag]
        for name, value in attrs.items():
            if name in kinds and value is not None:
                refs.append(Ref(kinds[name], value, line))
        if tag == "a":
            if attrs.get("name"):
                ids.add(attrs["name"])  # type: ignore[arg-type]
        elif tag == "img":
            alt = attrs["alt"] or "" if "alt" in attrs else None
            images.append(Img(attrs.get("src") or "", alt, line))
        elif tag == "link" and attrs.get("href") is not None:
            rels = set((attrs.get("rel") or "").lower().split())
            kind = "link" if rels & _PAGE_RELS and "stylesheet" not in rels else "file"
            refs.append(Ref(kind, attrs["href"], line))  # type: ignore[arg-type]
        if attrs.get("srcset"):
            for candidate in attrs["srcset"].split(","):  # type: ignore[union-attr]
                url = candidate.strip().split(" ")[0]
                if url:
                    refs.append(Ref("image", url, line))
    ids.update(_ids(page, skipped))
    return PageRefs(tuple(refs), frozenset(ids), tuple(images))


def _ids(page: str, skipped: list[int]) -> Iterator[str]:
    """Yield the id of every element of `page` outside the `skipped` spans."""
    read = -1
    for at in sorted(m.start() - 1 for pattern in _ID for m in pattern.finditer(page)):
        start = page.rfind("<", 0, at)
        if start == read or bisect.bisect_right(skipped, start) % 2:
            continue  # a tag already read, or inside a comment, script or style
        tag = _ANY_TAG.match(page, start)
        if tag is None or tag.end() <= at:
            continue  # text between tags ("id=5" in prose or code)
        read = start
        found = _attributes(tag.group(2)).get("id")
        if found:
            yield found


def scan_bytes(page: bytes) -> PageRefs:
    """Return what `scan` finds in a page's UTF-8 bytes."""
    return scan(page.decode("utf-8", "replace"))
