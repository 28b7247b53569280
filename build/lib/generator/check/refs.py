"""What an HTML page refers to (links, images, files) and which anchors it offers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from generator.htmltokens import start_tags


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
# tag -> {attribute: kind}, for every tag that may refer to something.
_KINDS: dict[str, dict[str, str]] = {"link": {}}
for (_tag, _name), _kind in _REFS.items():
    _KINDS.setdefault(_tag, {})[_name] = _kind
# Tags of other names are read only for their id, or a srcset (<picture><source srcset>).
_NAMES = frozenset(_KINDS)
_ALSO = frozenset({"id", "srcset"})


def scan(page: str) -> PageRefs:
    """Return the references, ids and images of an HTML page or fragment."""
    refs: list[Ref] = []
    ids: set[str] = set()
    images: list[Img] = []
    for tag, attrs, _, _, line in start_tags(page, _NAMES, _ALSO):
        if tag == "a" and len(attrs) == 1 and "href" in attrs:  # most tags read
            refs.append(Ref("link", attrs["href"].value, line))
            continue
        kinds = _KINDS.get(tag)
        if kinds:
            for name, attr in attrs.items():
                # A bare `<a href>` names no URL to check.
                if name in kinds and attr.start < attr.end:
                    refs.append(Ref(kinds[name], attr.value, line))
        if "id" in attrs and attrs["id"].value:
            ids.add(attrs["id"].value)
        if tag == "a":
            if "name" in attrs and attrs["name"].value:
                ids.add(attrs["name"].value)
        elif tag == "img":
            alt = attrs["alt"].value if "alt" in attrs else None
            images.append(Img(attrs["src"].value if "src" in attrs else "", alt, line))
        elif tag == "link" and "href" in attrs and attrs["href"].start < attrs["href"].end:
            rels = set(attrs["rel"].value.lower().split()) if "rel" in attrs else set()
            kind = "link" if rels & _PAGE_RELS and "stylesheet" not in rels else "file"
            refs.append(Ref(kind, attrs["href"].value, line))
        if "srcset" in attrs:
            for candidate in attrs["srcset"].value.split(","):
                url = candidate.strip().split(" ")[0]
                if url:
                    refs.append(Ref("image", url, line))
    return PageRefs(tuple(refs), frozenset(ids), tuple(images))


def scan_bytes(page: bytes) -> PageRefs:
    """Return what `scan` finds in a page's UTF-8 bytes."""
    return scan(page.decode("utf-8", "replace"))
