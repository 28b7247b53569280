"""The markup of published images: the images Markdown wrote (marked IMAGE_MARK by the
converter) given their size, their variants as a `srcset` (a `<picture>` when there are
several formats) and lazy loading; lead images given their Picture for the theme. Raw HTML
`<img>` and images of other sites are left as written.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from urllib.parse import unquote, urljoin, urlsplit

from markupsafe import Markup

from generator.htmltokens import StartTag, start_tags
from generator.model import IMAGE_MARK, Article, Document, DocumentT, Picture, Site, evolve
from generator.urls import link

# How wide a body image is shown by the default theme (`.prose`, 40rem, inside 1.25rem of
# padding each side): the browser picks a variant by it before any style is loaded.
BODY_SIZES = "(max-width: 680px) calc(100vw - 40px), 640px"
# Attributes the markup of a picture writes itself.
_OWN = frozenset({IMAGE_MARK, "src", "srcset", "sizes", "width", "height", "loading", "decoding"})


def srcset(picture: Picture, mime: str, base_path: str) -> str:
    """Return the srcset of `picture`'s variants in format `mime`, under `base_path`; a comma
    in a file's name is escaped, as srcset would read it as the end of a candidate."""
    return ", ".join(
        f"{link(base_path, v.path).replace(',', '%2C')} {v.width}w"
        for v in picture.variants
        if v.mime == mime
    )


def picture_markup(
    picture: Picture,
    attributes: Mapping[str, str],
    base_path: str,
    sizes: str,
    lazy: bool,
) -> str:
    """Return the HTML that shows `picture`: an `<img>` with `attributes` (alt, title,
    class...), its size and srcset, in a `<picture>` offering the other formats first when
    it has several; loaded lazily if `lazy` (below the lead)."""
    formats = picture.formats
    own = {
        "src": link(base_path, picture.src),
        "width": str(picture.width),
        "height": str(picture.height),
    }
    if picture.files:
        own.update(srcset=srcset(picture, formats[-1], base_path), sizes=sizes)
    if lazy:
        own["loading"] = "lazy"
    own["decoding"] = "async"
    kept = {k: v for k, v in attributes.items() if k not in _OWN}
    img = "<img" + _attributes({**kept, **own}) + ">"
    if len(formats) < 2:
        return img
    sources = "".join(
        f'<source type="{m}"'
        + _attributes({"srcset": srcset(picture, m, base_path), "sizes": sizes})
        + ">"
        for m in formats[:-1]
    )
    return f"<picture>{sources}{img}</picture>"


def _attributes(values: Mapping[str, str]) -> str:
    return "".join(f' {name}="{html.escape(value, quote=True)}"' for name, value in values.items())


# The <img> Markdown wrote (those carrying IMAGE_MARK) in a document's content and in its
# summary: read once for the images stage, then shown by their pictures.
Marks = tuple[tuple[StartTag, ...], tuple[StartTag, ...]]


def image_marks(doc: Document) -> Marks | None:
    """Return the marked images of `doc`'s content and summary; None if it has none."""
    if IMAGE_MARK not in doc.content and IMAGE_MARK not in doc.summary:
        return None
    return _marked(doc.content), _marked(doc.summary)


def _marked(fragment: str) -> tuple[StartTag, ...]:
    if IMAGE_MARK not in fragment:
        return ()
    tags = start_tags(fragment, ("img",), (IMAGE_MARK,))
    return tuple(tag for tag in tags if IMAGE_MARK in tag.attributes)


def with_pictures(
    site: Site,
    marks: Mapping[str, Marks],
    pictures: Mapping[str, Picture],
    leads: Mapping[str, Picture],
    base_path: str,
) -> Site:
    """Return `site` with the images Markdown wrote in every document's content and summary
    (`marks`, by source path, of this very site) shown by their Picture (`pictures`, by site
    path), and each article's `picture` set from `leads` (by source path)."""

    def article(doc: Article) -> Article:
        doc = with_body_pictures(doc, marks.get(doc.source), pictures, base_path)
        lead = leads.get(doc.source)
        return evolve(doc, picture=lead) if lead is not None else doc

    return replace(
        site,
        articles=tuple(article(a) for a in site.articles),
        pages=tuple(
            with_body_pictures(p, marks.get(p.source), pictures, base_path) for p in site.pages
        ),
    )


def with_body_pictures(
    doc: DocumentT, marks: Marks | None, pictures: Mapping[str, Picture], base_path: str
) -> DocumentT:
    """Return `doc` with the images Markdown wrote in its content and summary (`marks`, from
    image_marks) shown by their Picture; the same object when it has none."""
    if marks is None:
        return doc

    def find(src: str) -> Picture | None:
        path = site_path(src, doc.url, base_path)
        return pictures.get(path) if path else None

    content, summary = marks
    return evolve(
        doc,
        content=Markup(rewrite_images(doc.content, content, find, base_path)),
        summary=Markup(rewrite_images(doc.summary, summary, find, base_path)),
    )


def rewrite_images(
    fragment: str,
    tags: Iterable[StartTag],
    find: Callable[[str], Picture | None],
    base_path: str,
) -> str:
    """Return `fragment` with each of its marked `<img>` (`tags`) shown by the Picture `find`
    gives its src, or as written without the mark when there is none (an image of another
    site, an SVG)."""
    parts: list[str] = []
    at = 0
    for tag in tags:
        values = {name: a.value for name, a in tag.attributes.items()}
        picture = find(values.get("src", ""))
        if picture is None:
            values.pop(IMAGE_MARK)
            markup = "<img" + _attributes(values) + ">"
        else:
            markup = picture_markup(picture, values, base_path, BODY_SIZES, lazy=True)
        parts += fragment[at : tag.start], markup
        at = tag.end
    parts.append(fragment[at:])
    return "".join(parts)


def shown_paths(doc: Document, marks: Marks | None, base_path: str) -> set[str]:
    """Return the site paths of the images Markdown wrote in `doc`'s content and summary
    (`marks`, from image_marks)."""
    found = set()
    for tag in itertools.chain(*marks) if marks else ():
        src = tag.attributes.get("src")
        path = site_path(src.value, doc.url, base_path) if src else None
        if path:
            found.add(path)
    return found


# A src that is a path from the site's root, of plain segments (none empty, none starting
# with a dot, nothing a URL parser would read as a query, an escape or parameters): the path
# it names is itself, as a URL parser would join it to any page's address.
_PLAIN_SRC = re.compile(r"(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+/?")


def site_path(src: str, page_url: str, base_path: str) -> str | None:
    """Return the site path (without the base path) an image's `src` on the page at
    `page_url` names, or None for an image of another site."""
    if _PLAIN_SRC.fullmatch(src) is None:
        return _joined(src, page_url, base_path)
    if not base_path:
        return src
    return src[len(base_path) :] if src.startswith(base_path + "/") else None


def _joined(src: str, page_url: str, base_path: str) -> str | None:
    """Return what site_path does, by joining `src` to the page's address as a browser would."""
    target = urlsplit(urljoin(f"https://gazette.invalid{base_path}{page_url}", src))
    if target.scheme != "https" or target.netloc != "gazette.invalid":
        return None
    path = unquote(target.path)
    if base_path:
        if not path.startswith(base_path + "/"):
            return None
        path = path[len(base_path) :]
    return path
