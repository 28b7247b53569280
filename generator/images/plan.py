"""What a published photo is offered as, decided from its size and the settings alone, so
pages can be rendered before any pixel is touched: its variants (widths and formats, named
beside it) and the name of its social card; and a Refusal, why a file cannot be published.
Imports no Pillow: a build loads it only when it processes a raster image.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, replace

from generator.images.containers import GIF, JPEG, PNG, WEBP
from generator.model import CARD_SIZE, Picture, Variant

# The formats of published images and variants: MIME type and file extension.
MIME = {
    JPEG: "image/jpeg", PNG: "image/png", WEBP: "image/webp", GIF: "image/gif",
    "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "avif": "image/avif",
}  # fmt: skip
_EXTENSION = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/avif": "avif"}
# Formats offered before others when a browser takes several (a <picture>'s sources).
_PREFERENCE = ("image/avif", "image/webp", "image/jpeg", "image/png")


@dataclass(frozen=True)
class Refusal:
    """Why a file cannot be published, with what to do about it."""

    message: str
    hint: str = ""


def plan_picture(
    src: str,
    kind: str,
    size: tuple[int, int],
    widths: tuple[int, ...],
    formats: tuple[str, ...],
) -> Picture:
    """Return the Picture of the image published at site path `src`, in format `kind`
    (containers.sniff) and `size` (upright): its variants at each of `widths` narrower than
    it (never wider), and at its own width when it is no wider than the widest, in each of
    `formats` and its own, the original standing for its own format at its own width. A GIF
    is offered as it is. It has no card: only a lead image has one (with_card)."""
    width, height = size
    if kind not in (JPEG, PNG, WEBP):
        return Picture(src, width, height, (Variant(src, width, height, MIME[kind]),))
    own = MIME[kind]
    mimes = sorted({MIME[f] for f in formats} | {own}, key=_order(own))
    narrower = [w for w in widths if w < width]
    if not narrower or width <= widths[-1]:
        narrower.append(width)
    variants = []
    for mime in mimes:
        for w in narrower:
            h = max(1, round(height * w / width))
            if mime == own and w == width:
                variants.append(Variant(src, w, h, mime))
            else:
                variants.append(Variant(_named(src, f"{w}w", _EXTENSION[mime]), w, h, mime))
    return Picture(src, width, height, tuple(variants))


def _order(own: str):
    """Return the sort key of formats: by preference, the original's own format last."""
    return lambda mime: (mime == own, _PREFERENCE.index(mime))


def _named(src: str, suffix: str, extension: str) -> str:
    """Return the site path beside `src` for its variant `suffix`: photo-480w.webp."""
    folder, name = posixpath.split(src)
    stem = name.rsplit(".", 1)[0] if "." in name[1:] else name
    return posixpath.join(folder, f"{stem}-{suffix}.{extension}")


def with_card(picture: Picture, focus: tuple[float, float]) -> Picture:
    """Return the Picture of a lead image with its card cut around `focus`, if it is at
    least CARD_SIZE (else as it is: it makes no card)."""
    if picture.width < CARD_SIZE[0] or picture.height < CARD_SIZE[1]:
        return picture
    return replace(picture, card=card_path(picture.src, focus))


def card_path(src: str, focus: tuple[float, float]) -> str:
    """Return the site path of the card of `src` cut around `focus`: photo-card.jpg at the
    centre, photo-card-30-70.jpg around a point 30% across and 70% down."""
    if focus == (0.5, 0.5):
        return _named(src, "card", "jpg")
    x, y = (round(f * 100) for f in focus)
    return _named(src, f"card-{x}-{y}", "jpg")
