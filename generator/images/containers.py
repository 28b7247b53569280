"""The bytes of JPEG, PNG, WebP and GIF files: their segments and chunks, read and edited
without decoding a pixel.

Each `strip_*` returns the file with everything but the picture, its colour and its
animation left out, or raises Unreadable naming what is wrong with the structure. The
pixels (entropy-coded data, IDAT, VP8/VP8L, LZW blocks) are copied byte for byte.
"""

from __future__ import annotations

import re
import struct
import zlib


class Unreadable(ValueError):
    """The bytes are not a well-formed file of the format they claim to be."""


# --- sniffing -------------------------------------------------------------------------------

JPEG, PNG, WEBP, GIF = "JPEG", "PNG", "WebP", "GIF"
# Formats whose metadata Gazette cannot remove: published as they are, they would leak.
HEIF, AVIF, TIFF, JXL = "HEIC/HEIF", "AVIF", "TIFF", "JPEG XL"

SUFFIXES = {
    ".jpg": JPEG, ".jpeg": JPEG, ".jpe": JPEG, ".jfif": JPEG, ".png": PNG, ".apng": PNG,
    ".webp": WEBP, ".gif": GIF, ".heic": HEIF, ".heif": HEIF, ".heics": HEIF, ".heifs": HEIF,
    ".hif": HEIF, ".avif": AVIF, ".tif": TIFF, ".tiff": TIFF, ".dng": TIFF, ".jxl": JXL,
}  # fmt: skip
# ISO base media brands (the `ftyp` box) of HEIF stills and sequences, and of AVIF.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs",
                b"mif1", b"msf1", b"mif2", b"miaf"}  # fmt: skip
_AVIF_BRANDS = {b"avif", b"avis"}

HEAD = 32  # bytes enough to tell every format above


def sniff(head: bytes) -> str | None:
    """Return the image format the first bytes of a file announce, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if head.startswith((b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n")):
        return JXL
    if head[4:8] == b"ftyp":
        box = head[8 : int.from_bytes(head[:4], "big")]
        brands = {box[i : i + 4] for i in range(0, len(box) - 3, 4)}  # major, version, others
        if brands & _AVIF_BRANDS:
            return AVIF
        if brands & _HEIF_BRANDS:
            return HEIF
    return None


def kind_of(name: str, head: bytes) -> str | None:
    """Return the image format of a file called `name` starting with `head`: what its bytes
    say, else what its suffix says (a `.jpg` that is no JPEG is then an unreadable JPEG)."""
    found = sniff(head)
    if found is not None:
        return found
    dot = name.rfind(".")
    return SUFFIXES.get(name[dot:].lower()) if dot != -1 else None


# --- JPEG -----------------------------------------------------------------------------------

_SOI, _EOI, _SOS, _COM = 0xD8, 0xD9, 0xDA, 0xFE
# The end of entropy-coded data: a 0xFF that is neither stuffing (FF 00) nor a restart marker.
_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")
_JFIF_FIXED = 14  # b"JFIF\0", version, units, densities, thumbnail size: no thumbnail pixels


def strip_jpeg(data: bytes) -> bytes:
    """Return the JPEG `data` with only the segments that make its picture and colour:
    quantisation and Huffman tables, frame and scan headers with their entropy-coded data,
    restart intervals, APP0 JFIF (its thumbnail dropped), APP2 ICC profile and APP14 Adobe.
    EXIF, XMP, Photoshop/IPTC, comments, other APPn segments and bytes after the end of the
    image (a phone's second picture) are left out."""
    if not data.startswith(b"\xff\xd8"):
        raise Unreadable("no start-of-image marker")
    out = [b"\xff\xd8"]
    i, end = 2, len(data)
    while True:
        if i >= end:
            raise Unreadable("truncated: the file ends before its end-of-image marker")
        if data[i] != 0xFF:
            raise Unreadable(f"no marker where one should be, at byte {i}")
        while i < end and data[i] == 0xFF:  # fill bytes
            i += 1
        if i >= end:
            raise Unreadable("truncated: the file ends before its end-of-image marker")
        marker = data[i]
        i += 1
        if marker == _EOI:
            out.append(b"\xff\xd9")
            return b"".join(out)
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # TEM and restart markers: no length
            out.append(bytes((0xFF, marker)))
            continue
        if marker in (0x00, _SOI):
            raise Unreadable(f"unexpected marker 0xFF{marker:02X} at byte {i - 2}")
        if i + 2 > end:
            raise Unreadable("truncated inside a segment header")
        (length,) = struct.unpack_from(">H", data, i)
        if length < 2 or i + length > end:
            raise Unreadable(f"truncated: a segment at byte {i - 2} runs past the end")
        payload = data[i + 2 : i + length]
        segment_end = i + length
        if 0xE0 <= marker <= 0xEF or marker == _COM:
            kept = _kept_app(marker, payload)
            if kept is not None:
                out.append(bytes((0xFF, marker)) + struct.pack(">H", len(kept) + 2) + kept)
            i = segment_end
            continue
        if marker != _SOS:
            out.append(bytes((0xFF, marker)) + data[i:segment_end])
            i = segment_end
            continue
        found = _MARKER.search(data, segment_end)
        if found is None:
            raise Unreadable("truncated: the image data ends without an end-of-image marker")
        out.append(b"\xff\xda" + data[i : found.start()])
        i = found.start()


def _kept_app(marker: int, payload: bytes) -> bytes | None:
    """Return the payload of an APPn or COM segment as published, or None to drop it."""
    if marker == 0xE0 and payload.startswith(b"JFIF\x00") and len(payload) >= _JFIF_FIXED:
        return payload[: _JFIF_FIXED - 2] + b"\x00\x00"  # no thumbnail: it may show the uncropped
    if marker == 0xE2 and payload.startswith(b"ICC_PROFILE\x00"):
        return payload
    if marker == 0xEE and payload.startswith(b"Adobe"):
        return payload
    return None


def jpeg_with_exif(data: bytes, exif: bytes) -> bytes:
    """Return the stripped JPEG `data` with an APP1 segment holding `exif` (b"Exif\\0\\0" and
    a TIFF block), after SOI and a JFIF APP0 if there is one."""
    if len(exif) + 2 > 0xFFFF:
        raise ValueError("EXIF block too large for one segment")
    at = 2
    if data[2:4] == b"\xff\xe0":
        at = 4 + struct.unpack_from(">H", data, 4)[0]
    return data[:at] + b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif + data[at:]


# --- PNG ------------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Ancillary chunks that make the picture, its colour or its animation (APNG). Everything
# else that is ancillary (eXIf, tEXt, zTXt, iTXt, tIME, vendors' private chunks) is dropped;
# critical chunks (an upper-case first letter) are always kept, as a decoder needs them.
PNG_KEPT = {
    b"iCCP", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"cICP", b"mDCV", b"cLLI", b"pHYs", b"tRNS",
    b"bKGD", b"hIST", b"sPLT", b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Return (type, data) of every chunk of the PNG `data` up to IEND, checking each CRC."""
    if not data.startswith(PNG_SIGNATURE):
        raise Unreadable("no PNG signature")
    chunks = []
    i, end = len(PNG_SIGNATURE), len(data)
    while True:
        if i + 8 > end:
            raise Unreadable("truncated: the file ends before its IEND chunk")
        length, kind = struct.unpack_from(">I4s", data, i)
        if i + 12 + length > end:
            raise Unreadable(f"truncated: chunk {_name(kind)} runs past the end")
        body = data[i + 8 : i + 8 + length]
        (crc,) = struct.unpack_from(">I", data, i + 8 + length)
        if zlib.crc32(kind + body) != crc:
            raise Unreadable(f"chunk {_name(kind)} is damaged (its checksum does not match)")
        chunks.append((kind, body))
        i += 12 + length
        if kind == b"IEND":
            return chunks


def _name(kind: bytes) -> str:
    return kind.decode("latin-1").encode("unicode_escape").decode("ascii")


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def strip_png(data: bytes, extra: tuple[tuple[bytes, bytes], ...] = ()) -> bytes:
    """Return the PNG `data` with only its critical chunks and those of PNG_KEPT, and the
    chunks of `extra` just before IEND; bytes after IEND are left out."""
    out = [PNG_SIGNATURE]
    for kind, body in png_chunks(data):
        if kind == b"IEND":
            out += [png_chunk(k, b) for k, b in extra]
        if kind[0] & 0x20 == 0 or kind in PNG_KEPT:  # bit 5 of the first letter: ancillary
            out.append(png_chunk(kind, body))
    return b"".join(out)


# --- WebP -----------------------------------------------------------------------------------

_VP8X_EXIF, _VP8X_XMP, _VP8X_ALPHA = 0x08, 0x04, 0x10
WEBP_KEPT = {b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}


def webp_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Return (fourcc, data) of every chunk of the WebP `data`."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise Unreadable("no RIFF WEBP header")
    (size,) = struct.unpack_from("<I", data, 4)
    if 8 + size > len(data):
        raise Unreadable("truncated: the file is shorter than its RIFF header says")
    chunks = []
    i, end = 12, 8 + size
    while i < end:
        if i + 8 > end:
            raise Unreadable("truncated inside a chunk header")
        kind, length = struct.unpack_from("<4sI", data, i)
        if i + 8 + length > end:
            raise Unreadable(f"truncated: chunk {_name(kind)} runs past the end")
        chunks.append((kind, data[i + 8 : i + 8 + length]))
        i += 8 + length + (length & 1)
    if not chunks:
        raise Unreadable("no image data")
    return chunks


def webp_file(chunks: list[tuple[bytes, bytes]]) -> bytes:
    """Return a WebP file of `chunks`, each padded to an even length."""
    body = b"".join(
        kind + struct.pack("<I", len(part)) + part + b"\x00" * (len(part) & 1)
        for kind, part in chunks
    )
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


def strip_webp(data: bytes) -> bytes:
    """Return the WebP `data` without its EXIF and XMP chunks (or any chunk not in
    WEBP_KEPT), their VP8X flags cleared and the RIFF size made right."""
    chunks = []
    for kind, part in webp_chunks(data):
        if kind not in WEBP_KEPT:
            continue
        if kind == b"VP8X":
            if len(part) < 10:
                raise Unreadable("VP8X chunk too short")
            part = bytes((part[0] & ~(_VP8X_EXIF | _VP8X_XMP),)) + part[1:]
        chunks.append((kind, part))
    return webp_file(chunks)


def webp_with_exif(data: bytes, tiff: bytes, size: tuple[int, int]) -> bytes:
    """Return the stripped WebP `data` (a canvas of `size`) with an EXIF chunk holding
    `tiff`; a simple file (one VP8 or VP8L chunk) gets the VP8X header this needs."""
    chunks = webp_chunks(data)
    if chunks[0][0] != b"VP8X":
        alpha = False
        if chunks[0][0] == b"VP8L" and len(chunks[0][1]) >= 5:
            alpha = bool(int.from_bytes(chunks[0][1][1:5], "little") >> 28 & 1)
        width, height = size
        header = bytes((_VP8X_ALPHA if alpha else 0, 0, 0, 0))
        header += (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
        chunks.insert(0, (b"VP8X", header))
    flags = chunks[0][1]
    chunks[0] = (b"VP8X", bytes((flags[0] | _VP8X_EXIF,)) + flags[1:])
    chunks.append((b"EXIF", tiff))
    return webp_file(chunks)


# --- GIF ------------------------------------------------------------------------------------

# Application extensions that make the picture: looping, and an ICC profile.
GIF_APPLICATIONS = (b"NETSCAPE2.0", b"ANIMEXTS1.0", b"ICCRGBG1012")


def strip_gif(data: bytes) -> bytes:
    """Return the GIF `data` without comment extensions, application extensions other than
    GIF_APPLICATIONS (XMP among them) and unknown extensions; bytes after the trailer are
    left out."""
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise Unreadable("no GIF header")
    if len(data) < 13:
        raise Unreadable("truncated inside the screen descriptor")
    i = 13 + _table(data[10])
    out = [data[:i]]
    end = len(data)
    while True:
        if i >= end:
            raise Unreadable("truncated: the file ends before its trailer")
        block = data[i]
        if block == 0x3B:
            out.append(b"\x3b")
            return b"".join(out)
        if block == 0x2C:  # an image: descriptor, local colour table, LZW size, data
            if i + 10 > end:
                raise Unreadable("truncated inside an image descriptor")
            start = i
            i = _sub_blocks(data, i + 10 + _table(data[i + 9]) + 1)
            out.append(data[start:i])
        elif block == 0x21:
            if i + 2 > end:
                raise Unreadable("truncated inside an extension")
            start, label = i, data[i + 1]
            i = _sub_blocks(data, i + 2)
            application = data[start + 3 : start + 14] if data[start + 2] == 11 else b""
            if label in (0xF9, 0x01) or (label == 0xFF and application in GIF_APPLICATIONS):
                out.append(data[start:i])  # graphic control, plain text, looping, colour
        else:
            raise Unreadable(f"unknown block 0x{block:02X} at byte {i}")


def _table(flags: int) -> int:
    """Return the size of the colour table a descriptor's `flags` announce."""
    return 3 << ((flags & 7) + 1) if flags & 0x80 else 0


def _sub_blocks(data: bytes, i: int) -> int:
    """Return the index just past the data sub-blocks starting at `i`."""
    end = len(data)
    while True:
        if i >= end:
            raise Unreadable("truncated inside a block of image data")
        size = data[i]
        i += 1 + size
        if size == 0:
            return i
