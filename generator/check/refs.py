"""What an HTML page refers to (links, images, files) and which anchors it offers."""

from __future__ import annotations

from dataclasses import dataclass
from sys import intern
from typing import Any, NamedTuple

from generator.htmltokens import tag_values


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
    # Most of a site's links are on every page (its menu, its tags, its feeds): each page's
    # comes unpickled as its own text, so they are shared here (a tenth of a large site's
    # memory at its peak).
    return PageRefs(
        tuple([new(Ref, (kind, intern(url), line)) for kind, url, line in refs]),
        ids,
        tuple([new(Img, img) for img in images]),
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


_new = tuple.__new__  # a named tuple made without its Python __new__


def scan(page: str) -> PageRefs:
    """Return the references, ids and images of an HTML page or fragment."""
    refs: list[Ref] = []
    ids: set[str] = set()
    images: list[Img] = []
    # Values are None for a bare name: `<a href>` names no URL to check.
    for tag, values, line in tag_values(page, _NAMES, _ALSO):
        if tag == "a" and len(values) == 1 and "href" in values:  # most tags read
            if values["href"] is not None:
                refs.append(_new(Ref, ("link", values["href"], line)))
            continue
        kinds = _KINDS.get(tag)
        if kinds:
            for name, value in values.items():
                if name in kinds and value is not None:
                    refs.append(Ref(kinds[name], value, line))
        if values.get("id"):
            ids.add(values["id"])  # type: ignore[arg-type]
        if tag == "a":
            if values.get("name"):
                ids.add(values["name"])  # type: ignore[arg-type]
        elif tag == "img":
            alt = (values["alt"] or "") if "alt" in values else None
            images.append(Img(values.get("src") or "", alt, line))
        elif tag == "link" and values.get("href") is not None:
            rels = set((values.get("rel") or "").lower().split())
            kind = "link" if rels & _PAGE_RELS and "stylesheet" not in rels else "file"
            refs.append(Ref(kind, values["href"], line))  # type: ignore[arg-type]
        srcset = values.get("srcset")
        if srcset:
            for candidate in srcset.split(","):
                url = candidate.strip().split(" ")[0]
                if url:
                    refs.append(Ref("image", url, line))
    return PageRefs(tuple(refs), frozenset(ids), tuple(images))


def scan_bytes(page: bytes) -> PageRefs:
    """Return what `scan` finds in a page's UTF-8 bytes."""
    return scan(page.decode("utf-8", "replace"))
