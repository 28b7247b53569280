"""Responsive images and social cards: real photos made here with Pillow, built, and every
`srcset` candidate, `width` and `height` read back from the pages (by html5lib, not by
Gazette's own tokenizer) and checked against the files they name."""

from __future__ import annotations

import io
import os
import time
import warnings
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import SITE_YAML, article, run_cli, tree
from html_oracle import html5lib_start_tags
from PIL import Image, features

import generator.pipeline.images as pipeline_images
import generator.source.files as source_files
from generator.config import load_config
from generator.errors import BuildFailed
from generator.incremental.cache import BuildCache
from generator.incremental.imagestore import ImageStore
from generator.model import IMAGE_MARK
from generator.outputs import digest
from generator.pipeline.build import BuildOptions, build
from generator.pipeline.inputs import StageKeys
from generator.source.assets import read_asset

STORY = "output/2024/02/vote/index.html"


def photo(size: tuple[int, int], kind: str = "JPEG", orientation: int | None = None) -> bytes:
    """Return an image of `size` with a gradient (so encoders have work to do) and a red
    top-left quarter, to tell how it is turned."""
    width, height = size
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image.paste((200, 30, 30), (0, 0, width // 2, height // 2))
    out = io.BytesIO()
    options = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif.tobytes()
    image.save(out, kind, **options)
    return out.getvalue()


def three_bands(size: tuple[int, int]) -> bytes:
    """Return a PNG whose left, middle and right thirds are red, green and blue."""
    width, height = size
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, width // 3, height))
    image.paste((0, 255, 0), (width // 3, 0, 2 * width // 3, height))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def tags(page: Path, name: str) -> list[dict[str, str]]:
    """Return the attributes of each `name` start tag of `page`, as html5lib reads them."""
    return [
        dict(attributes)
        for tag, attributes in html5lib_start_tags(page.read_text(encoding="utf-8"))
        if tag == name
    ]


def file_of(site: Path, url: str, base_path: str = "") -> Path:
    path = unquote(urlsplit(url).path)
    assert path.startswith(base_path + "/"), url
    return site / "output" / path[len(base_path) + 1 :]


def candidates(srcset: str) -> list[tuple[str, int]]:
    """Return (URL, width) of each candidate of `srcset`, as the HTML standard reads one
    whose URLs hold no comma (Gazette escapes them)."""
    found = []
    for candidate in srcset.split(","):
        url, descriptor = candidate.split()
        assert descriptor.endswith("w") and descriptor[:-1].isdigit(), srcset
        found.append((url, int(descriptor[:-1])))
    return found


def assert_srcset_true(site: Path, srcset: str, mime: str, base_path: str = "") -> list[int]:
    """Assert every candidate of `srcset` names a file of that width in format `mime` and
    return the widths."""
    widths = []
    for url, width in candidates(srcset):
        with Image.open(file_of(site, url, base_path)) as image:
            assert image.width == width, url
            assert Image.MIME[image.format] == mime, url
        widths.append(width)
    assert widths == sorted(widths), srcset
    return widths


def photo_site(make_site, site_yaml: str = SITE_YAML, **more: str | bytes) -> Path:
    body = (
        "Above.\n\n![A wide one](/images/wide.jpg)\n\n![Small](/images/small.png)\n\n"
        '<img src="/images/wide.jpg" alt="raw">\n\n![Remote](https://example.net/x.jpg)\n\n'
        "![Drawing](/images/d.svg)\n\n![Moving](/images/m.gif)\n"
    )
    files: dict[str, str | bytes] = {
        "content/articles/vote.md": article(
            "Vote", image="/images/lead.jpg", image_alt="Lead", body=body
        ),
        "content/images/lead.jpg": photo((1700, 900)),
        "content/images/wide.jpg": photo((1000, 600)),
        "content/images/small.png": photo((300, 200), "PNG"),
        "content/images/d.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>',
        "content/images/m.gif": photo((40, 30), "GIF"),
        **more,
    }
    return make_site(files, site_yaml)


def counted_encodes(monkeypatch) -> list[str]:
    """Return the list that each image Pillow encodes from now on adds its format to."""
    encodes: list[str] = []
    save = Image.Image.save

    def counted(image, fp, format=None, **params):
        encodes.append(format)
        return save(image, fp, format, **params)

    monkeypatch.setattr(Image.Image, "save", counted)
    return encodes


def built(site: Path, **options) -> None:
    build(load_config(site / "site.yaml"), BuildOptions(jobs=1, **options))


def test_body_images_get_their_size_variants_and_lazy_loading(make_site, monkeypatch):
    site = photo_site(make_site)
    monkeypatch.chdir(site)
    built(site, use_cache=False)
    page = site / STORY
    images = {i["alt"]: i for i in tags(page, "img")}
    sources = tags(page, "source")

    wide = images["A wide one"]
    assert (wide["width"], wide["height"]) == ("1000", "600")
    assert wide["loading"] == "lazy" and wide["decoding"] == "async"
    # JPEG at 480 and 800 (never upscaled), the original standing for its own width.
    assert wide["src"] == "/images/wide.jpg"
    assert assert_srcset_true(site, wide["srcset"], "image/jpeg") == [480, 800, 1000]
    assert candidates(wide["srcset"])[-1][0] == "/images/wide.jpg"
    webp = [s for s in sources if "wide" in s["srcset"]]
    assert [s["type"] for s in webp] == ["image/webp"]
    assert assert_srcset_true(site, webp[0]["srcset"], "image/webp") == [480, 800, 1000]
    assert webp[0]["sizes"] == wide["sizes"]

    # Narrower than every width: offered at its own width only, in both formats.
    small = images["Small"]
    assert (small["width"], small["height"]) == ("300", "200")
    assert assert_srcset_true(site, small["srcset"], "image/png") == [300]

    # Heights follow the width, rounded: 800 of 1000x600 is 800x480.
    with Image.open(site / "output/images/wide-800w.webp") as variant:
        assert variant.size == (800, 480)

    # Raw HTML and other sites' images as written; an SVG and a GIF as they are, the GIF
    # with its size; the mark nowhere.
    assert images["raw"] == {"src": "/images/wide.jpg", "alt": "raw"}
    assert images["Remote"] == {"alt": "Remote", "src": "https://example.net/x.jpg"}
    assert images["Drawing"] == {"alt": "Drawing", "src": "/images/d.svg"}
    moving = images["Moving"]
    assert (moving["width"], moving["height"], moving["src"]) == ("40", "30", "/images/m.gif")
    assert "srcset" not in moving
    assert not list((site / "output/images").glob("m-*"))
    for file in (site / "output").rglob("*.*ml"):
        assert IMAGE_MARK.encode() not in file.read_bytes(), file


def test_the_lead_image_is_eager_and_the_card_is_the_social_image(make_site, monkeypatch):
    site = photo_site(make_site)
    monkeypatch.chdir(site)
    built(site, use_cache=False)
    page = site / STORY
    lead = next(i for i in tags(page, "img") if i["alt"] == "Lead")
    assert "loading" not in lead and lead["decoding"] == "async"
    assert (lead["width"], lead["height"]) == ("1700", "900")
    # Never wider than the widest setting: no 2000 px variant is made.
    assert assert_srcset_true(site, lead["srcset"], "image/jpeg") == [480, 800, 1200, 1600]
    assert not (site / "output/images/lead-1700w.webp").exists()
    meta = {m.get("property") or m.get("name"): m.get("content") for m in tags(page, "meta")}
    assert meta["og:image"] == meta["twitter:image"] == "https://example.org/images/lead-card.jpg"
    assert meta["twitter:card"] == "summary_large_image"
    with Image.open(site / "output/images/lead-card.jpg") as card:
        assert (card.size, card.format) == ((1200, 630), "JPEG")
    # The front page leads with the story: the same picture, eager, with its size.
    (front,) = [i for i in tags(site / "output/index.html", "img") if i["alt"] == "Lead"]
    assert front["width"] == "1700" and "loading" not in front
    assert_srcset_true(site, front["srcset"], "image/jpeg")


def test_only_a_lead_image_is_given_a_card(make_site, monkeypatch):
    # A body image as large as a card is shown without one: no page names a card of it.
    big_body = "![Big](/images/big.jpg)\n\n![Lead again](/images/lead.jpg)\n"
    site = photo_site(make_site)
    (site / "content/articles/body.md").write_text(article("Body", body=big_body))
    (site / "content/images/big.jpg").write_bytes(photo((1300, 700)))
    monkeypatch.chdir(site)
    config = load_config(site / "site.yaml")
    cache = BuildCache()
    build(config, BuildOptions(jobs=1, use_cache=False), cache=cache)
    pictures = cache.get("built", StageKeys.of(cache.stamp, config).pages).pictures
    assert pictures["/images/big.jpg"].card is None
    assert pictures["/images/lead.jpg"].card is None  # the lead's card is its article's
    assert not list((site / "output/images").glob("big-card*"))
    assert [p.name for p in (site / "output/images").glob("*card*")] == ["lead-card.jpg"]


def test_a_photo_is_decoded_once_for_its_variants_and_its_card(make_site, monkeypatch):
    site = photo_site(make_site)
    monkeypatch.chdir(site)
    decoded: list[str] = []
    decoder = Image._getdecoder  # every decoding of pixels asks for one

    def counted(mode, name, *args, **options):
        decoded.append(name)
        return decoder(mode, name, *args, **options)

    monkeypatch.setattr(Image, "_getdecoder", counted)
    built(site, use_cache=False)
    # The lead (its variants and its card), the wide and the small image (their variants).
    assert sorted(decoded) == ["jpeg", "jpeg", "zip"]
    assert (site / "output/images/lead-card.jpg").is_file()


def test_under_a_sub_path_every_candidate_carries_it_and_feeds_are_absolute(make_site, monkeypatch):
    site = photo_site(make_site, SITE_YAML.replace("example.org/", "example.org/news/"))
    monkeypatch.chdir(site)
    built(site, use_cache=False)
    wide = next(i for i in tags(site / STORY, "img") if i["alt"] == "A wide one")
    assert wide["src"] == "/news/images/wide.jpg"
    assert_srcset_true(site, wide["srcset"], "image/jpeg", "/news")
    feed = (site / "output/feed.xml").read_text(encoding="utf-8")
    assert "https://example.org/news/images/wide-480w.webp 480w" in feed
    assert 'srcset="/news' not in feed.replace("&quot;", '"')


def test_hostile_names_make_valid_srcsets_the_link_check_follows(make_site, monkeypatch):
    name = "a photo, ünïcode & 'quotes' (1).jpg"
    site = make_site(
        {
            "content/articles/vote.md": article("Vote", body=f"![Odd](</images/{name}>)\n"),
            f"content/images/{name}": photo((900, 500)),
        },
        SITE_YAML + "checks:\n  missing_images: error\n",
    )
    monkeypatch.chdir(site)
    built(site, use_cache=False)  # a candidate the link check cannot find fails the build
    odd = next(i for i in tags(site / STORY, "img") if i["alt"] == "Odd")
    assert ", " not in odd["srcset"].replace(" 480w, ", "").replace(" 800w, ", "")
    assert assert_srcset_true(site, odd["srcset"], "image/jpeg") == [480, 800, 900]


def test_a_variant_name_taken_by_another_file_is_an_error_naming_both(make_site):
    site = photo_site(make_site, **{"content/images/wide-480w.webp": photo((10, 10), "WEBP")})
    result = run_cli("build", cwd=site)
    assert result.returncode == 1
    assert "images/wide-480w.webp" in result.stderr
    assert "images/wide.jpg" in result.stderr
    assert not (site / "output").exists()


def test_an_upright_size_for_a_turned_photo(make_site, monkeypatch):
    # Stored 1000x600 with orientation 6: shown, and published, 600x1000.
    site = make_site(
        {
            "content/articles/vote.md": article("Vote", body="![Turned](/images/t.jpg)\n"),
            "content/images/t.jpg": photo((1000, 600), orientation=6),
        }
    )
    monkeypatch.chdir(site)
    built(site, use_cache=False)
    turned = next(i for i in tags(site / STORY, "img") if i["alt"] == "Turned")
    assert (turned["width"], turned["height"]) == ("600", "1000")
    with Image.open(site / "output/images/t-480w.jpg") as variant:
        assert variant.size == (480, 800)


def test_without_the_cache_a_turned_photo_is_turned_once(make_site, monkeypatch):
    # Planning the page reads its size from its headers; publishing turns it, once.
    site = make_site(
        {
            "content/articles/vote.md": article("Vote", body="![Turned](/images/t.jpg)\n"),
            "content/images/t.jpg": photo((1000, 600), orientation=6),
        }
    )
    monkeypatch.chdir(site)
    encodes = counted_encodes(monkeypatch)
    built(site, use_cache=False)
    # Turned (a JPEG), then 480 px in JPEG and WebP and 600 px in WebP.
    assert sorted(encodes) == ["JPEG", "JPEG", "WEBP", "WEBP"]
    assert not (site / ".cache/images").exists()


def test_two_clean_builds_and_a_cached_one_are_byte_identical(make_site, tmp_path, monkeypatch):
    site = photo_site(make_site)
    monkeypatch.chdir(site)
    built(site, use_cache=False)
    first = tree(site / "output")
    # Made by two worker processes (four images to make), the same bytes.
    build(load_config(site / "site.yaml"), BuildOptions(jobs=2, use_cache=False))
    assert tree(site / "output") == first
    for options in ({"use_cache": False}, {}, {}):
        (site / "content/articles/vote.md").write_text(
            (site / "content/articles/vote.md").read_text() + "\nMore.\n"
        )
        built(site, **options)
        (site / "content/articles/vote.md").write_text(
            (site / "content/articles/vote.md").read_text().removesuffix("\nMore.\n")
        )
        built(site, **options)
        assert tree(site / "output") == first


def test_a_rebuild_finds_its_images_in_the_cache_and_encodes_none(make_site, monkeypatch):
    site = photo_site(make_site)
    monkeypatch.chdir(site)
    encodes = counted_encodes(monkeypatch)
    built(site)
    # WebP: 4 widths of the lead, 3 of the wide image, 1 of the small one; JPEG: 4 of the
    # lead, 2 of the wide one and the card.
    assert sorted(encodes) == ["JPEG"] * 7 + ["WEBP"] * 8
    assert list((site / ".cache/images").rglob("*"))
    story = site / "content/articles/vote.md"
    encodes.clear()
    story.write_text(story.read_text() + "\nAn edit.\n")
    built(site)
    assert encodes == []
    # A setting that shapes the variants makes them again, and only them.
    (site / "site.yaml").write_text(SITE_YAML + "image_quality: 60\n")
    built(site)
    assert len(encodes) == 14  # the card's quality is its own
    assert len(encodes) == len([f for f in (site / "output/images").glob("*-*w.*")])


def test_a_rebuild_looks_each_stored_image_up_once(make_site, monkeypatch):
    site = photo_site(make_site)
    monkeypatch.chdir(site)
    built(site)
    looked: dict[str, Counter[str]] = {"entry": Counter(), "get": Counter()}

    def spy(name):
        look = getattr(ImageStore, name)

        def counted(store, key):
            looked[name][key] += 1
            return look(store, key)

        return counted

    for name in looked:
        monkeypatch.setattr(ImageStore, name, spy(name))
    story = site / "content/articles/vote.md"
    story.write_text(story.read_text() + "\nAn edit.\n")
    built(site)  # whether a pool is worth its cost is decided on one look at each file
    assert looked["entry"] and set(looked["entry"].values()) == {1}
    assert set(looked["get"].values()) <= {1}  # read when output/ needs it, once


def test_a_warm_build_reads_and_hashes_no_photo(make_site, monkeypatch):
    site = photo_site(make_site)
    monkeypatch.chdir(site)
    built(site)
    # As a later build finds them: every file older than the file memo's margin of safety.
    old = time.time() - 60
    for file in [*(site / "content").rglob("*"), *(site / ".cache").rglob("*")]:
        os.utime(file, (old, old))
    story = site / "content/articles/vote.md"
    story.write_text(story.read_text() + "\nAn edit.\n")
    built(site)  # the first to find the store's files settled keeps their digests
    read: list[str] = []
    hashed: list[int] = []

    def reading(asset, limit=None):
        read.append(asset.path)
        return read_asset(asset, limit)

    def hashing(data):
        hashed.append(len(data))
        return digest(data)

    monkeypatch.setattr(pipeline_images, "read_asset", reading)
    monkeypatch.setattr(pipeline_images, "digest", hashing)
    monkeypatch.setattr(source_files, "digest", hashing)
    story.write_text(story.read_text() + "\nAnother.\n")
    built(site)
    assert read == ["images/d.svg"]  # its first bytes, to tell it is no photo
    assert hashed == [len(story.read_bytes())]
    warm = tree(site / "output")
    built(site, use_cache=False)
    assert tree(site / "output") == warm


@pytest.mark.parametrize(
    ("focus", "colour"),
    [(None, (0, 255, 0)), ("0,0.5", (255, 0, 0)), ("1, 0.5", (0, 0, 255))],
)
def test_the_card_is_cut_around_the_focus(make_site, monkeypatch, focus, colour):
    fields = {"image": "/images/bands.png", "image_alt": "Bands"}
    if focus is not None:
        fields["image_focus"] = f'"{focus}"'
    site = make_site(
        {
            "content/articles/vote.md": article("Vote", **fields),
            "content/images/bands.png": three_bands((3780, 630)),
        }
    )
    monkeypatch.chdir(site)
    built(site, use_cache=False)
    (card,) = (site / "output/images").glob("bands-card*.jpg")
    with Image.open(card) as image:
        assert image.size == (1200, 630)
        middle = image.convert("RGB").getpixel((600, 315))
    assert all(abs(a - b) < 40 for a, b in zip(middle, colour, strict=True)), middle
    meta = {m.get("property"): m.get("content") for m in tags(site / STORY, "meta")}
    assert meta["og:image"].endswith("/images/" + card.name)


def test_a_focus_that_is_no_point_is_a_warning_at_its_line(make_site):
    site = make_site(
        {
            "content/articles/vote.md": article(
                "Vote", image="/images/lead.jpg", image_alt="L", image_focus="left"
            ),
            "content/images/lead.jpg": photo((1300, 700)),
        }
    )
    result = run_cli("build", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "content/articles/vote.md:6: warning: image_focus must be two fractions" in result.stderr
    assert (site / "output/images/lead-card.jpg").is_file()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("image_formats: [webp, gif]", "image_formats: unknown format 'gif'"),
        ("image_formats: [wepb]", "image_formats: unknown format 'wepb' (did you mean 'webp'?)"),
        ("image_widths: []", "image_widths: expected a list of widths"),
        ("image_widths: [480, -1]", "image_widths: expected a whole number of at least 1"),
        ("image_quality: 101", "image_quality: expected a whole number from 1 to 100"),
    ],
)
def test_bad_image_settings_are_errors_at_their_line(make_site, setting, message):
    site = make_site({}, SITE_YAML + setting + "\n")
    result = run_cli("build", cwd=site)
    assert result.returncode == 1
    assert f"site.yaml:5: {message}" in result.stderr.replace("error: ", "")


def test_a_format_this_pillow_cannot_write_is_a_settings_error(make_site):
    site = make_site({}, SITE_YAML + "image_formats: [avif]\n")
    result = run_cli("build", cwd=site)
    with warnings.catch_warnings():  # Pillow before 11.2 warns of a feature it does not know
        warnings.simplefilter("ignore")
        can = features.check("avif")
    if can:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode == 1
        assert "site.yaml:5: " in result.stderr and "cannot write avif" in result.stderr


def test_only_the_original_format_when_image_formats_is_empty(make_site, monkeypatch):
    site = photo_site(make_site, SITE_YAML + "image_formats: []\nimage_widths: [500]\n")
    monkeypatch.chdir(site)
    built(site, use_cache=False)
    assert not tags(site / STORY, "source")
    wide = next(i for i in tags(site / STORY, "img") if i["alt"] == "A wide one")
    # Wider than the widest setting: the original is the fallback, not a candidate.
    assert assert_srcset_true(site, wide["srcset"], "image/jpeg") == [500]
    assert not list((site / "output").rglob("*.webp"))


def test_a_failed_image_stage_leaves_output_untouched(make_site, monkeypatch):
    site = photo_site(make_site)
    monkeypatch.chdir(site)
    built(site, use_cache=False)
    before = tree(site / "output")
    (site / "content/images/clash-card.jpg").write_bytes(photo((10, 10)))
    (site / "content/images/clash.jpg").write_bytes(photo((1300, 700)))
    story = site / "content/articles/vote.md"
    story.write_text(story.read_text().replace("/images/lead.jpg", "/images/clash.jpg"))
    with pytest.raises(BuildFailed) as failed:
        built(site, use_cache=False)
    assert any("clash-card.jpg" in str(p) for p in failed.value.problems)
    assert tree(site / "output") == before
