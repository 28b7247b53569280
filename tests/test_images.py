"""Published images carry no location or device data: made here with Pillow, with every
kind of metadata a camera, a phone or an editor writes, then built and searched byte by byte."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import hypothesis
import hypothesis.strategies as st
import pytest
from conftest import article, run_cli
from PIL import Image, ImageSequence
from PIL.PngImagePlugin import PngInfo

from generator.config import load_config
from generator.images.containers import GIF, Unreadable, png_chunks, strip_jpeg, webp_chunks
from generator.images.privacy import Refusal, clean_image, upright_size
from generator.pipeline.build import BuildOptions, build
from generator.render.pictures import _joined, site_path

MAKE, MODEL, SERIAL, PLACE = "Canon", "EOS R5", "SN-424242", "Baku"
XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
    b'exif:GPSLatitude="40,22.5N" photoshop:City="Baku"/></rdf:RDF></x:xmpmeta>'
    b'<?xpacket end="w"?>'
)
# What no published file may contain, searched for in its raw bytes.
LEAKS = (
    b"Exif\x00\x00",
    b"<x:xmpmeta",
    b"http://ns.adobe.com/xap",
    b"Photoshop 3.0",
    b"GPS",
    MAKE.encode(),
    MODEL.encode(),
    SERIAL.encode(),
    PLACE.encode(),
    b"secret note",
)
COPYRIGHT, CREDIT = "© 2024 Leyla Həsənova", "AP Photo"


def exif(orientation: int | None = None, fields: bool = False) -> Image.Exif:
    """Return EXIF as a phone writes it: camera, serial number, GPS position."""
    data = Image.Exif()
    data[0x010F], data[0x0110] = MAKE, MODEL  # Make, Model
    data[0x8825] = {1: "N", 2: (40.0, 22.0, 30.0), 3: "E", 4: (49.0, 52.0, 3.0)}  # GPS IFD
    data[0x8769] = {0xA431: SERIAL, 0x9286: b"ASCII\x00\x00\x00GPS " + PLACE.encode()}
    if orientation is not None:
        data[0x0112] = orientation
    if fields:
        data[0x8298] = COPYRIGHT.encode()
        data[0x013B] = CREDIT.encode()
    return data


def segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def iptc() -> bytes:
    """Return a Photoshop APP13 payload with IPTC city, copyright and credit."""
    records = b"".join(
        b"\x1c\x02" + bytes((tag,)) + struct.pack(">H", len(value)) + value
        for tag, value in ((90, PLACE.encode()), (116, b"IPTC copyright"), (110, b"IPTC credit"))
    )
    block = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(records)) + records
    return b"Photoshop 3.0\x00" + block


def with_segments(jpeg: bytes, *segments: bytes) -> bytes:
    """Return `jpeg` with `segments` just after its start-of-image marker."""
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def picture(size: tuple[int, int] = (48, 32)) -> Image.Image:
    """Return a grey picture with a red top-left corner, to tell how it is turned."""
    image = Image.new("RGB", size, (128, 128, 128))
    image.paste((230, 20, 20), (0, 0, size[0] // 3, size[1] // 3))
    return image


def jpeg(image: Image.Image | None = None, orientation: int | None = None, **kw: object) -> bytes:
    """Return a JPEG with EXIF (GPS, camera, serial), XMP, IPTC and a comment."""
    out = io.BytesIO()
    (image or picture()).save(out, "JPEG", quality=95, exif=exif(orientation, **kw))
    return with_segments(
        out.getvalue(),
        segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + XMP),
        segment(0xED, iptc()),
        segment(0xFE, b"secret note: shot at the " + PLACE.encode() + b" safe house"),
    )


def png(orientation: int | None = None, **kw: object) -> bytes:
    info = PngInfo()
    info.add_text("Comment", "secret note")
    info.add_text("Location", PLACE, zip=True)  # zTXt
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    info.add_text("Copyright", COPYRIGHT.encode("latin-1", "replace").decode("latin-1"))
    out = io.BytesIO()
    picture().save(out, "PNG", pnginfo=info, exif=exif(orientation, **kw))
    data = out.getvalue()
    stamp = b"tIME" + bytes.fromhex("07e8020e0c0000")
    chunk = struct.pack(">I", 7) + stamp + struct.pack(">I", zlib.crc32(stamp))
    return data[:33] + chunk + data[33:]  # after IHDR


def webp(orientation: int | None = None, **kw: object) -> bytes:
    out = io.BytesIO()
    picture().save(out, "WEBP", lossless=True, exif=exif(orientation, **kw), xmp=XMP)
    return out.getvalue()


def gif() -> bytes:
    frames = [picture(), picture().transpose(Image.Transpose.ROTATE_180)]
    out = io.BytesIO()
    frames[0].save(
        out, "GIF", save_all=True, append_images=frames[1:], loop=0, duration=100,
        comment=b"secret note",
    )  # fmt: skip
    data = out.getvalue()
    xmp = b"\x21\xff\x0bXMP DataXMP" + bytes((len(XMP[:255]),)) + XMP[:255] + b"\x00"
    return data[:-1] + xmp + data[-1:]


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def cleaned(data: bytes, kind: str, keep: tuple[str, ...] = ()) -> bytes:
    result = clean_image(data, kind, keep)
    assert isinstance(result, bytes), result
    return result


def assert_clean(data: bytes) -> None:
    """Assert that `data` carries none of the metadata written above."""
    for leak in LEAKS:
        assert leak not in data, leak
    image = opened(data)
    assert not image.getexif(), dict(image.getexif())
    assert not {k for k in image.info if k in ("exif", "xmp", "comment", "XML:com.adobe.xmp")}
    if data.startswith(b"\x89PNG"):
        kinds = {kind for kind, _ in png_chunks(data)}
        assert not kinds & {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}
    if data.startswith(b"RIFF"):
        kinds = [kind for kind, _ in webp_chunks(data)]
        assert b"EXIF" not in kinds and b"XMP " not in kinds


def test_a_jpeg_loses_gps_camera_xmp_iptc_and_comments_but_not_a_pixel():
    original = jpeg()
    for leak in LEAKS:
        assert leak in original or leak == b"GPS", leak  # the test writes what it looks for
    result = cleaned(original, "JPEG")
    assert_clean(result)
    assert opened(result).tobytes() == opened(original).tobytes()  # no re-encoding
    # Only headers went: the scan data is byte for byte the same.
    scan = original.index(b"\xff\xda")
    assert result.endswith(original[scan:])


def test_a_jpeg_keeps_its_colour_profile_and_loses_a_second_picture_after_its_end():
    out = io.BytesIO()
    profile = b"\x00" * 128 + b"acsp" + b"\x00" * 128
    picture().save(out, "JPEG", icc_profile=profile, exif=exif())
    trailer = b"\xff\xd8" + segment(0xE1, b"Exif\x00\x00" + MAKE.encode()) + b"\xff\xd9"
    result = cleaned(out.getvalue() + trailer, "JPEG")
    assert opened(result).info["icc_profile"] == profile
    assert_clean(result)


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WebP"])
def test_every_orientation_is_applied_to_the_pixels(orientation: int, kind: str):
    upright = picture((48, 32))
    # What a camera stores so that a viewer honouring `orientation` shows `upright`
    # (EXIF 2.32, 4.6.4; Pillow's ROTATE_90 turns counter-clockwise).
    T = Image.Transpose
    stored_as = {
        1: None, 2: T.FLIP_LEFT_RIGHT, 3: T.ROTATE_180, 4: T.FLIP_TOP_BOTTOM,
        5: T.TRANSPOSE, 6: T.ROTATE_90, 7: T.TRANSVERSE, 8: T.ROTATE_270,
    }  # fmt: skip
    method = stored_as[orientation]
    stored = upright if method is None else upright.transpose(method)
    data = {
        "JPEG": lambda: jpeg(stored, orientation),
        "PNG": lambda: _saved(stored, "PNG", orientation),
        "WebP": lambda: _saved(stored, "WEBP", orientation),
    }[kind]()
    result = cleaned(data, kind)
    assert_clean(result)
    image = opened(result).convert("RGB")
    assert image.size == (48, 32)
    red, grey = (230, 20, 20), (128, 128, 128)
    corners = [(2, 2), (45, 2), (2, 29), (45, 29)]
    seen = [image.getpixel(xy) for xy in corners]
    assert _near(seen[0], red), seen
    assert all(_near(pixel, grey) for pixel in seen[1:]), seen
    assert clean_image(data, kind) == result  # the same bytes every time


def _saved(image: Image.Image, form: str, orientation: int) -> bytes:
    out = io.BytesIO()
    options = {"lossless": True} if form == "WEBP" else {}
    image.save(out, form, exif=exif(orientation), **options)
    return out.getvalue()


def _near(pixel: tuple[int, ...], colour: tuple[int, ...]) -> bool:
    return all(abs(a - b) <= 24 for a, b in zip(pixel, colour, strict=False))


def test_a_png_loses_its_text_exif_and_time_chunks_but_not_a_pixel():
    original = png()
    result = cleaned(original, "PNG")
    assert_clean(result)
    assert [kind for kind, _ in png_chunks(result)] == [b"IHDR", b"IDAT", b"IEND"]
    assert opened(result).tobytes() == opened(original).tobytes()


def test_a_webp_loses_exif_and_xmp_with_its_flags_and_size_made_right():
    original = webp()
    result = cleaned(original, "WebP")
    assert_clean(result)
    flags = dict(webp_chunks(result))[b"VP8X"][0]
    assert flags & 0x0C == 0  # neither EXIF nor XMP announced
    assert struct.unpack_from("<I", result, 4)[0] == len(result) - 8
    assert opened(result).tobytes() == opened(original).tobytes()


def test_a_gif_loses_comments_and_xmp_but_keeps_its_animation():
    original = gif()
    result = cleaned(original, "GIF")
    assert_clean(result)
    image = Image.open(io.BytesIO(result))
    assert image.info.get("loop") == 0
    frames = [f.convert("RGB").tobytes() for f in ImageSequence.Iterator(image)]
    before = Image.open(io.BytesIO(original))
    assert frames == [f.convert("RGB").tobytes() for f in ImageSequence.Iterator(before)]


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WebP"])
def test_image_keep_copyright_keeps_exactly_the_copyright(kind: str):
    data = {
        "JPEG": lambda: jpeg(fields=True),
        "PNG": lambda: png(fields=True),
        "WebP": lambda: webp(fields=True),
    }[kind]()
    result = cleaned(data, kind, ("copyright",))
    for leak in LEAKS[1:]:  # EXIF is back, with one field
        assert leak not in result, leak
    assert CREDIT.encode() not in result
    image = opened(result)
    if kind == "PNG":
        assert image.text == {"Copyright": COPYRIGHT}
        assert not image.getexif()
    else:
        assert dict(image.getexif()) == {0x8298: COPYRIGHT.encode().decode("latin-1")}
    both = opened(cleaned(data, kind, ("copyright", "credit")))
    if kind == "PNG":
        assert both.text == {"Copyright": COPYRIGHT, "Author": CREDIT}
    else:
        assert set(both.getexif()) == {0x8298, 0x013B}


@pytest.mark.parametrize("orientation", [3, 6, 8])
@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WebP"])
def test_a_turned_photo_keeps_its_fields_at_its_upright_size(kind: str, orientation: int):
    # A WebP given its fields back needs a header naming its size: the upright one.
    make = {"JPEG": jpeg, "PNG": png, "WebP": webp}[kind]
    data = make(orientation=orientation, fields=True)
    image = opened(cleaned(data, kind, ("copyright", "credit")))
    assert image.size == ((32, 48) if orientation > 4 else (48, 32))
    fields = image.text if kind == "PNG" else image.getexif()
    assert len(fields) == 2, fields


@pytest.mark.parametrize("orientation", [None, *range(1, 9), 9])
@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WebP"])
def test_the_size_read_from_the_headers_is_the_size_published(kind: str, orientation: int | None):
    # Planning a page reads the size alone; publishing cleans: the two must agree.
    make = {"JPEG": jpeg, "PNG": png, "WebP": webp}[kind]
    data = make(orientation=orientation, fields=True)
    for keep in ((), ("copyright", "credit")):
        assert upright_size(data, kind) == opened(cleaned(data, kind, keep)).size
    assert upright_size(gif(), GIF) == opened(cleaned(gif(), GIF)).size
    assert isinstance(upright_size(data[:40], kind), Refusal)


def test_iptc_copyright_and_credit_are_kept_when_exif_has_none():
    result = cleaned(jpeg(), "JPEG", ("copyright", "credit"))
    assert dict(opened(result).getexif()) == {0x8298: "IPTC copyright", 0x013B: "IPTC credit"}
    assert b"Photoshop" not in result and PLACE.encode() not in result


@pytest.mark.parametrize(
    "head",
    [
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
        b"\x00\x00\x00\x14ftypmif1\x00\x00\x00\x00",
    ],
)
def test_heic_is_refused_whatever_its_name(head: bytes):
    from generator.images.containers import kind_of

    assert kind_of("photo.jpg", head + b"\x00" * 64) == "HEIC/HEIF"
    assert kind_of("IMG_0001.HEIC", b"garbage") == "HEIC/HEIF"
    result = clean_image(head, "HEIC/HEIF")
    assert isinstance(result, Refusal) and "cannot be published" in result.message


@pytest.mark.parametrize("cut", [3, 100, 400, -60, -2])
def test_a_truncated_jpeg_is_unreadable(cut: int):
    data = jpeg()
    result = clean_image(data[:cut], "JPEG")
    assert isinstance(result, Refusal), cut
    assert result.message.startswith("not a readable JPEG image ("), result.message
    with pytest.raises(Unreadable):
        strip_jpeg(data[:cut])


def test_damaged_files_of_every_kind_are_refusals_never_exceptions():
    for kind, data in (("JPEG", jpeg()), ("PNG", png()), ("WebP", webp()), ("GIF", gif())):
        for cut in range(0, len(data), max(1, len(data) // 40)):
            assert isinstance(clean_image(data[:cut], kind), Refusal), (kind, cut)
        flipped = bytearray(data)
        flipped[len(data) // 2] ^= 0xFF
        result = clean_image(bytes(flipped), kind)
        assert isinstance(result, Refusal | bytes)


# --- in a build ---------------------------------------------------------------------------


def photo_site(make_site, site_yaml: str | None = None) -> Path:
    files = {
        "content/articles/vote.md": article(
            "Vote", image="/images/lead.jpg", body="![a](/images/a.png)"
        ),
        "content/articles/jazz/index.md": article("Jazz", body="![Stage](stage.jpg)"),
        "content/articles/jazz/stage.jpg": jpeg(picture(), 6),
        "content/images/lead.jpg": jpeg(),
        "content/images/a.png": png(),
        "content/images/b.webp": webp(),
        "content/images/c.gif": gif(),
        "content/images/renamed.bin": jpeg(),  # a JPEG by its bytes, whatever its name
    }
    if site_yaml is None:
        return make_site(files)
    return make_site(files, site_yaml)


def test_no_file_of_a_built_site_carries_location_or_device_data(make_site, monkeypatch):
    site = photo_site(make_site)
    monkeypatch.chdir(site)
    build(load_config(site / "site.yaml"), BuildOptions(use_cache=False))
    files = [p for p in sorted((site / "output").rglob("*")) if p.is_file()]
    images = 0
    for path in files:
        data = path.read_bytes()
        for leak in (b"Exif\x00\x00", b"<x:xmpmeta", b"http://ns.adobe.com/xap", SERIAL.encode()):
            assert leak not in data, (path, leak)
        if path.suffix in (".jpg", ".png", ".webp", ".gif", ".bin"):
            images += 1
            assert_clean(data)
    # The originals, and a WebP of each image a page shows (none is wider than 480 pixels).
    assert images == 9
    assert (site / "output/2024/02/jazz/stage-32w.webp").is_file()
    stage = opened((site / "output/2024/02/jazz/stage.jpg").read_bytes())
    assert stage.size == (32, 48)  # turned upright: orientation 6 of a 48x32 picture


def test_two_builds_of_a_site_with_photos_are_byte_identical(make_site, tmp_path, monkeypatch):
    site = photo_site(make_site)
    monkeypatch.chdir(site)
    trees = []
    for name in ("one", "two"):
        config = load_config(site / "site.yaml", output_dir=str(tmp_path / name))
        build(config, BuildOptions(use_cache=False))
        out = tmp_path / name
        trees.append(
            {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
        )
    assert trees[0] == trees[1]


def test_image_keep_is_a_setting_checked_like_the_others(make_site):
    site = photo_site(make_site, "title: T\nimage_keep: [copyright, gps]\n")
    done = run_cli("build", cwd=site)
    assert done.returncode != 0
    assert "image_keep" in done.stderr and "'gps'" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_image_keep_copyright_in_a_build(make_site):
    site = photo_site(make_site, "title: T\nimage_keep: [copyright]\n")
    site.joinpath("content/images/lead.jpg").write_bytes(jpeg(fields=True))
    done = run_cli("build", cwd=site)
    assert done.returncode == 0, done.stderr
    lead = opened((site / "output/images/lead.jpg").read_bytes())
    assert set(lead.getexif()) == {0x8298}


def test_a_heic_photo_is_refused_by_name_and_nothing_is_written(make_site):
    site = photo_site(make_site)
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100
    site.joinpath("content/images/IMG_0001.heic").write_bytes(heic)
    done = run_cli("build", cwd=site)
    assert done.returncode == 1, done.stderr
    assert "content/images/IMG_0001.heic: HEIC/HEIF images cannot be published" in done.stderr
    assert "hint: export the picture as JPEG" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (site / "output").exists()


def test_a_truncated_jpeg_names_the_file_and_the_article_that_uses_it(make_site):
    site = photo_site(make_site)
    lead = site / "content/images/lead.jpg"
    lead.write_bytes(lead.read_bytes()[:-300])
    site.joinpath("content/articles/jazz/stage.jpg").write_bytes(b"not a picture")
    done = run_cli("build", cwd=site)
    assert done.returncode == 1, done.stderr
    assert "content/images/lead.jpg: not a readable JPEG image (" in done.stderr
    assert "hint: used by content/articles/vote.md" in done.stderr
    assert "content/articles/jazz/stage.jpg: not a readable JPEG image (" in done.stderr
    assert "hint: used by content/articles/jazz/index.md" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (site / "output").exists()


@hypothesis.settings(max_examples=400, deadline=None)
@hypothesis.given(
    src=st.text(alphabet="/._-~aZ09é%?#;:@+ \\", max_size=16),
    page=st.sampled_from(["/", "/2024/05/a/", "/news/a/", "/a.html"]),
    base=st.sampled_from(["", "/news", "/_"]),
)
def test_an_image_path_is_the_one_a_browser_would_join(src: str, page: str, base: str) -> None:
    # site_path takes a plain path from the root as it is, and joins anything else as a
    # URL: both ways must name the same file.
    assert site_path(src, page, base) == _joined(src, page, base)
    assert site_path(base + src, page, base) == _joined(base + src, page, base)
