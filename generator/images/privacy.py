"""What a published raster image may carry: its picture and its colour, and of its
metadata only the fields `image_keep` names.

`clean_image` is pure: the bytes of a file in, the bytes to publish (or a Refusal) out, the
same bytes for the same input on every build. Metadata goes by editing the container
(`containers`), never by re-encoding; the pixels are re-encoded only when an EXIF
orientation other than "normal" must be applied to them, since the tag that says how to
turn the picture is removed with the rest.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Callable
from typing import TypeVar

from PIL import Image, IptcImagePlugin, JpegImagePlugin

from generator.images.containers import (
    AVIF,
    GIF,
    HEIF,
    JPEG,
    JXL,
    PNG,
    TIFF,
    WEBP,
    Unreadable,
    jpeg_with_exif,
    png_chunks,
    strip_gif,
    strip_jpeg,
    strip_png,
    strip_webp,
    webp_chunks,
    webp_with_exif,
)
from generator.images.plan import Refusal

ORIENTATION, ARTIST, COPYRIGHT = 0x0112, 0x013B, 0x8298
IPTC_CREDIT, IPTC_COPYRIGHT = (2, 110), (2, 116)
MAX_FIELD = 1000  # characters of a kept field
JPEG_QUALITY = 90  # a re-encoded JPEG without quantisation tables of its own to reuse
WEBP_QUALITY = 90  # a re-encoded lossy WebP
PNG_LEVEL = 9  # zlib level of a re-encoded PNG

T = TypeVar("T")

REFUSED = {
    HEIF: "HEIC/HEIF",
    AVIF: "AVIF",
    TIFF: "TIFF (or camera raw)",
    JXL: "JPEG XL",
}


# What Pillow and the readers here raise on damaged bytes (Pillow's plugins raise all of
# these on one fuzzed file or another; UnidentifiedImageError is an OSError).
DAMAGED = (Unreadable, OSError, ValueError, SyntaxError, EOFError, struct.error, IndexError,
            KeyError, TypeError, ZeroDivisionError)  # fmt: skip


def clean_image(data: bytes, kind: str, keep: tuple[str, ...] = ()) -> bytes | Refusal:
    """Return the bytes to publish for the image `data` in format `kind` (containers.sniff):
    without EXIF, XMP, IPTC, comments or text, turned upright if its EXIF orientation says
    so, with only the `keep` fields (of config.IMAGE_FIELDS) of its own; or a Refusal."""
    if kind in REFUSED:
        return Refusal(
            f"{REFUSED[kind]} images cannot be published: Gazette cannot remove the location "
            "and camera data they carry",
            "export the picture as JPEG, PNG or WebP and take this file out of content/",
        )
    return _guarded(kind, lambda: _clean(data, kind, keep))


def upright_size(data: bytes, kind: str) -> tuple[int, int] | Refusal:
    """Return the size of the raster image `data` in format `kind` as clean_image publishes
    it (turned as its EXIF orientation says), read from its headers alone: nothing is
    decoded, stripped or encoded; or a Refusal if they cannot be read."""
    return _guarded(kind, lambda: _upright_size(data, kind))


def _guarded(kind: str, work: Callable[[], T]) -> T | Refusal:
    """Return what `work` on an image in format `kind` returns, or the Refusal of an image
    it finds damaged or too large."""
    try:
        with warnings.catch_warnings():
            # Over 89 megapixels Pillow warns; a medium-format camera makes 100. Over twice
            # that, it raises, and the image is refused.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return work()
    except DAMAGED as exc:
        reason = str(exc) or type(exc).__name__
        return Refusal(f"not a readable {kind} image ({reason})")
    except Image.DecompressionBombError as exc:
        return Refusal(f"not a usable {kind} image ({exc})")


def _clean(data: bytes, kind: str, keep: tuple[str, ...]) -> bytes:
    # The container's structure is checked in full (every JPEG segment up to the end-of-image
    # marker, every PNG chunk's checksum, WebP and GIF block sizes) and Pillow reads the
    # headers; the pixels are not decoded, which would cost a tenth of a second a photo on
    # every build. A photo to be turned upright is decoded, and so checked, in full.
    stripped = _STRIP[kind](data)
    with Image.open(io.BytesIO(data), formats=[_PILLOW[kind]]) as image:
        exif = _exif(image, kind, data)
        fields = _fields(image, kind, data, exif, keep)
        orientation = _orientation(image, exif)
        if orientation is not None:
            stripped = _STRIP[kind](_upright(image, kind, data, orientation))
        size = _turned(image.size, orientation)
    return _with_fields(stripped, kind, fields, size) if fields else stripped


def _upright_size(data: bytes, kind: str) -> tuple[int, int]:
    with Image.open(io.BytesIO(data), formats=[_PILLOW[kind]]) as image:
        return _turned(image.size, _orientation(image, _exif(image, kind, data)))


_PILLOW = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP", GIF: "GIF"}
_STRIP = {JPEG: strip_jpeg, PNG: strip_png, WEBP: strip_webp, GIF: strip_gif}


def _exif(image: Image.Image, kind: str, data: bytes) -> Image.Exif:
    """Return the EXIF of `image` without decoding it (Pillow would, for a PNG's eXIf)."""
    if kind != PNG:
        return image.getexif()
    exif = Image.Exif()
    for chunk, body in png_chunks(data):
        if chunk == b"eXIf":
            exif.load(body)
            break
    return exif


# How to turn the stored pixels so they show as the EXIF orientation says (EXIF 2.32, 4.6.4;
# Pillow's ROTATE_90 turns counter-clockwise).
_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orientation(image: Image.Image, exif: Image.Exif) -> int | None:
    """Return the EXIF orientation that asks for `image` to be turned (2 to 8), or None for
    "normal", none, or a value that means nothing; raise Unreadable for an animation."""
    orientation = exif.get(ORIENTATION)
    if not (isinstance(orientation, int) and 2 <= orientation <= 8):
        return None
    if getattr(image, "n_frames", 1) > 1:
        raise Unreadable(f"an animated image with EXIF orientation {orientation}")
    return orientation


def _turned(size: tuple[int, int], orientation: int | None) -> tuple[int, int]:
    """Return the size of a picture of `size` once turned as `orientation` says: 5 to 8 lay
    it on its side."""
    return (size[1], size[0]) if orientation is not None and orientation >= 5 else size


def _upright(original: Image.Image, kind: str, data: bytes, orientation: int) -> bytes:
    """Return `data` re-encoded with its EXIF orientation applied to the pixels, carrying
    no metadata but its colour profile (the caller strips it again all the same)."""
    icc = original.info.get("icc_profile")
    options: dict[str, object] = {"icc_profile": icc} if icc else {}
    if kind == JPEG:
        # The photo's own quantisation tables and chroma subsampling: the same quality.
        tables = getattr(original, "quantization", None)
        sampling = JpegImagePlugin.get_sampling(original)
        if tables:
            options["qtables"] = tables
        else:
            options["quality"] = JPEG_QUALITY
        if sampling != -1:
            options["subsampling"] = sampling
        if original.info.get("dpi"):
            options["dpi"] = original.info["dpi"]
    elif kind == PNG:
        options.update(compress_level=PNG_LEVEL, optimize=False)
        if "transparency" in original.info:
            options["transparency"] = original.info["transparency"]
    elif kind == WEBP:
        lossless = any(chunk == b"VP8L" for chunk, _ in webp_chunks(data))
        options.update(lossless=lossless, quality=100 if lossless else WEBP_QUALITY)
    upright = original.transpose(_TURNS[orientation])
    upright.info = {}
    out = io.BytesIO()
    upright.save(out, _PILLOW[kind], **options)
    return out.getvalue()


def _fields(
    image: Image.Image, kind: str, data: bytes, exif: Image.Exif, keep: tuple[str, ...]
) -> dict[str, str]:
    """Return the kept fields of the image: name (of config.IMAGE_FIELDS) -> text."""
    if not keep or kind == GIF:
        return {}
    found = {"copyright": _utf8(exif.get(COPYRIGHT)), "credit": _utf8(exif.get(ARTIST))}
    if kind == JPEG:
        iptc = IptcImagePlugin.getiptcinfo(image) or {}
        found = {
            "copyright": found["copyright"] or _first(iptc.get(IPTC_COPYRIGHT)),
            "credit": found["credit"] or _first(iptc.get(IPTC_CREDIT)),
        }
    if kind == PNG:
        text = _png_text(data)
        found = {
            "copyright": found["copyright"] or text.get("Copyright"),
            "credit": found["credit"] or text.get("Author"),
        }
    fields = {}
    for name in keep:
        value = _text(found.get(name))
        if value:
            fields[name] = value
    return fields


def _utf8(value: object) -> object:
    """Return an EXIF text as written: Pillow reads its bytes as Latin-1, cameras and
    exiftool write UTF-8."""
    if isinstance(value, str):
        try:
            return value.encode("latin-1").decode("utf-8")
        except UnicodeError:
            return value
    return value


def _first(value: object) -> object:
    return value[0] if isinstance(value, list) and value else value


def _text(value: object) -> str:
    """Return a field's value as one line of text ('' for none)."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return ""
    return " ".join(value.replace("\x00", " ").split())[:MAX_FIELD]


def _png_text(data: bytes) -> dict[str, str]:
    """Return the uncompressed tEXt and iTXt fields of a PNG by keyword."""
    found: dict[str, str] = {}
    for kind, body in png_chunks(data):
        keyword, _, rest = body.partition(b"\x00")
        name = keyword.decode("latin-1")
        if kind == b"tEXt":
            found.setdefault(name, rest.decode("latin-1"))
        elif kind == b"iTXt" and rest[:1] == b"\x00":  # not compressed
            parts = rest[2:].split(b"\x00", 2)
            if len(parts) == 3:
                found.setdefault(name, parts[2].decode("utf-8", errors="replace"))
    return found


def kept_exif(fields: dict[str, str]) -> bytes:
    """Return an EXIF block (b"Exif\\0\\0" and TIFF) holding only Artist (the credit) and
    Copyright, as UTF-8 (what exiftool writes and reads in EXIF's text fields)."""
    exif = Image.Exif()
    if "credit" in fields:
        exif[ARTIST] = fields["credit"].encode("utf-8")
    if "copyright" in fields:
        exif[COPYRIGHT] = fields["copyright"].encode("utf-8")
    return exif.tobytes()


def _with_fields(data: bytes, kind: str, fields: dict[str, str], size: tuple[int, int]) -> bytes:
    if kind == JPEG:
        return jpeg_with_exif(data, kept_exif(fields))
    if kind == WEBP:
        return webp_with_exif(data, kept_exif(fields)[6:], size)
    chunks = []
    for name, keyword in (("copyright", b"Copyright"), ("credit", b"Author")):
        if name not in fields:
            continue
        try:
            chunks.append((b"tEXt", keyword + b"\x00" + fields[name].encode("latin-1")))
        except UnicodeEncodeError:
            body = keyword + b"\x00\x00\x00\x00\x00" + fields[name].encode("utf-8")
            chunks.append((b"iTXt", body))
    return strip_png(data, tuple(chunks))
