"""The bytes of a published photo's responsive variants and social card, made from its
cleaned bytes with Pillow, the same on every build (`plan` decides which files they are).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence

from PIL import Image

from generator.images.plan import Refusal
from generator.images.privacy import DAMAGED
from generator.model import CARD_SIZE, Variant

_PILLOW = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/avif": "AVIF"}
CARD_QUALITY = 85  # cards are JPEG: every social network reads it
PNG_LEVEL = 6  # zlib level of a PNG variant


def make_files(
    cleaned: bytes,
    variants: Sequence[Variant],
    focuses: Sequence[tuple[float, float]],
    quality: int,
) -> tuple[list[bytes], list[bytes]] | Refusal:
    """Return the bytes of each of `variants` and of the card cut around each of `focuses`,
    all made from the `cleaned` (upright, stripped) image decoded once; or a Refusal if its
    pixels cannot be decoded."""
    try:
        with opened(cleaned) as image:
            icc = image.info.get("icc_profile")
            # Formats that hold the pixels alike share them, and so each width's resizing.
            flat: dict[bool, Image.Image] = {}
            sized: dict[tuple[bool, int, int], Image.Image] = {}
            made = []
            for variant in variants:
                white = variant.mime == "image/jpeg" and _has_alpha(image)
                if white not in flat:
                    flat[white] = _flat(image, variant.mime)
                size = (variant.width, variant.height)
                if (white, *size) not in sized:
                    frame = flat[white]
                    if frame.size != size:
                        frame = frame.resize(size, Image.Resampling.LANCZOS)
                    sized[(white, *size)] = frame
                made.append(_encode(sized[(white, *size)], variant.mime, quality, icc))
            white = _has_alpha(image)  # a card is a JPEG: laid over white
            if focuses and white not in flat:
                flat[white] = _flat(image, "image/jpeg")
            cards = [_card(flat[white], focus, icc) for focus in focuses]
            return made, cards
    except DAMAGED as exc:
        return Refusal(f"not a readable image ({str(exc) or type(exc).__name__})")


def _card(frame: Image.Image, focus: tuple[float, float], icc: bytes | None) -> bytes:
    """Return the CARD_SIZE JPEG of `frame`: scaled to cover the card, cut around `focus`
    (fractions of its width and height from the top left), kept inside it."""
    width, height = frame.size
    scale = max(CARD_SIZE[0] / width, CARD_SIZE[1] / height)
    cut_w, cut_h = CARD_SIZE[0] / scale, CARD_SIZE[1] / scale
    left = min(max(focus[0] * width - cut_w / 2, 0), width - cut_w)
    top = min(max(focus[1] * height - cut_h / 2, 0), height - cut_h)
    box = (left, top, left + cut_w, top + cut_h)
    card = frame.resize(CARD_SIZE, Image.Resampling.LANCZOS, box=box)
    return _encode(card, "image/jpeg", CARD_QUALITY, icc)


def opened(data: bytes) -> Image.Image:
    """Return the image of cleaned bytes, not yet decoded."""
    with warnings.catch_warnings():  # the size was judged when the image was cleaned
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data))


def _flat(image: Image.Image, mime: str) -> Image.Image:
    """Return the pixels of `image` in a mode `mime` can hold: transparency kept where the
    format has it, laid over white where it has not (JPEG); always a new image."""
    source = image
    alpha = _has_alpha(image)
    if image.mode not in ("RGB", "RGBA", "L", "LA") or (alpha and image.mode in ("RGB", "L")):
        image = image.convert("RGBA" if alpha else "RGB")
    if mime == "image/jpeg" and alpha:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba).convert("RGB")
    elif mime == "image/jpeg" and image.mode == "LA":
        image = image.convert("L")
    if image is source:  # a copy of its own: encoding clears its info
        image = image.copy()
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def _encode(image: Image.Image, mime: str, quality: int, icc: bytes | None) -> bytes:
    """Return `image` encoded as `mime`, carrying no metadata but its colour profile."""
    options: dict[str, object] = {"icc_profile": icc} if icc else {}
    if mime == "image/jpeg":
        options.update(quality=quality, optimize=True)
    elif mime == "image/webp":
        options.update(quality=quality, method=4)
    elif mime == "image/avif":
        options.update(quality=quality)
    else:
        options.update(compress_level=PNG_LEVEL)
    info, image.info = image.info, {}  # nothing of the source's besides what `options` name
    out = io.BytesIO()
    image.save(out, _PILLOW[mime], **options)
    image.info = info
    return out.getvalue()
