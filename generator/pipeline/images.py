"""The site's images between assembly and writing: which raster files pages show (lead
images and images written in Markdown), their Pictures for the render, and the published
files of each asset (cleaned original, variants, social cards), made once and kept in the
ImageStore.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from PIL import Image

from generator.assemble.links import published_paths
from generator.config import Config
from generator.errors import Problem, display_path
from generator.images.containers import GIF, HEAD, JPEG, PNG, WEBP, kind_of
from generator.images.privacy import Refusal, clean_image
from generator.images.variants import (
    card_path,
    make_card,
    make_variants,
    plan_picture,
)
from generator.incremental.imagestore import ImageStore
from generator.model import Asset, Picture, Site
from generator.outputs import Output, digest
from generator.render.pictures import shown_paths
from generator.source.assets import read_asset

log = logging.getLogger(__name__)

RASTER = (JPEG, PNG, WEBP, GIF)
CENTRE = (0.5, 0.5)


@dataclass(frozen=True)
class ImagePlan:
    """What the pages show of the site's images, and what to publish for them."""

    pictures: dict[str, Picture]  # site path -> Picture, of every image a page shows
    leads: dict[str, Picture]  # article source path -> its lead's Picture, with its card
    cards: dict[str, tuple[str, tuple[float, float]]]  # card path -> (image path, focus)
    warnings: tuple[Problem, ...]


def asset_paths(site: Site) -> dict[str, Asset]:
    """Return the site's assets by the site path each is published at (a bundle's beside
    its page, so relative links keep working)."""
    published = published_paths(site)
    return {published[asset.path]: asset for asset in site.assets}


def plan_images(site: Site, config: Config, store: ImageStore) -> ImagePlan:
    """Return the Pictures of the raster images the site's pages show, with the social card
    of each article's lead image (and a warning for each `image_focus` that is no point)."""
    assets = asset_paths(site)
    shown: set[str] = set()
    for doc in (*site.articles, *site.pages):
        shown |= shown_paths(doc, config.base_path)
    leads = {a.source: a.image.split("?")[0] for a in site.articles if a.image}
    shown.update(p for p in leads.values() if p.startswith("/"))
    pictures = {}
    for path in sorted(shown):
        asset = assets.get(path)
        size = _size(asset, config, store) if asset else None
        if size is not None:
            kind, dimensions = size
            pictures[path] = plan_picture(
                path, kind, dimensions, config.image_widths, config.image_formats
            )
    problems: list[Problem] = []
    lead_pictures: dict[str, Picture] = {}
    cards: dict[str, tuple[str, tuple[float, float]]] = {}
    for article in site.articles:
        if not article.image:
            continue
        where = display_path(config.content_dir / article.source)
        focus = _focus(article.meta.get("image_focus"), where, article.lines, problems)
        picture = pictures.get(leads[article.source])
        if picture is not None and picture.card is not None:
            picture = replace(picture, card=card_path(picture.src, focus))
            cards[picture.card] = (picture.src, focus)
        if picture is not None:
            lead_pictures[article.source] = picture
    return ImagePlan(pictures, lead_pictures, cards, tuple(problems))


def _focus(
    value: object, where: str, lines: Mapping[str, int], problems: list[Problem]
) -> tuple[float, float]:
    """Return the point of a lead image a card is cut around: `image_focus: x,y`, fractions
    of its width and height from the top left; the centre (and a warning) if it is not."""
    if value is None:
        return CENTRE
    try:
        x, y = (float(part) for part in str(value).split(","))
        if 0 <= x <= 1 and 0 <= y <= 1:
            return (x, y)
    except ValueError:
        pass
    problems.append(
        Problem(
            where,
            lines.get("image_focus"),
            f"image_focus must be two fractions 'x,y' from 0 to 1, got {value!r}",
            "0.5,0.5 is the centre; the card is cut around the centre",
        )
    )
    return CENTRE


def _size(asset: Asset, config: Config, store: ImageStore) -> tuple[str, tuple[int, int]] | None:
    """Return the format and upright size of the raster image `asset`, cleaning it (or
    finding it cleaned in `store`); None if it is no raster image or cannot be published
    (publishing it reports why)."""
    head = read_asset(asset, HEAD)
    kind = kind_of(asset.path, head) if isinstance(head, bytes) else None
    if kind not in RASTER:
        return None
    key = store.key("size", asset.digest, config.image_keep)
    known = store.get(key)  # a few bytes: the cleaned image itself is not read
    if known is not None and known.count(b" ") == 1 and known.replace(b" ", b"").isdigit():
        width, height = map(int, known.split())
        return kind, (width, height)
    cleaned = _cleaned(asset, kind, config, store)
    if not isinstance(cleaned, bytes):
        return None
    size = _opened(cleaned).size
    store.put(key, f"{size[0]} {size[1]}".encode())
    return kind, size


def _cleaned(
    asset: Asset, kind: str, config: Config, store: ImageStore
) -> bytes | Refusal | Problem:
    """Return the bytes to publish for `asset` (from `store`, else cleaned now and kept)."""
    key = store.key("clean", asset.digest, config.image_keep)
    cleaned = store.get(key)
    if cleaned is not None:
        return cleaned
    data = read_asset(asset)
    if isinstance(data, Problem):
        return data
    cleaned = clean_image(data, kind, config.image_keep)
    if isinstance(cleaned, bytes):
        store.put(key, cleaned)
    return cleaned


def _opened(data: bytes) -> Image.Image:
    with warnings.catch_warnings():  # its size was judged when it was cleaned
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data))


def image_outputs(
    asset: Asset, path: str, kind: str, config: Config, site: Site, plan: ImagePlan,
    store: ImageStore,
) -> Iterator[Output | Problem]:  # fmt: skip
    """Yield the files that publish the raster image `asset` at site path `path`: cleaned
    of its metadata, with its variants and cards if pages show it; or why it cannot be."""
    cleaned = _cleaned(asset, kind, config, store)
    if isinstance(cleaned, Problem):
        yield cleaned
        return
    if isinstance(cleaned, Refusal):
        yield _refused(asset, path, cleaned, config, site)
        return
    yield Output(path.lstrip("/"), asset.path, data=cleaned, digest=digest(cleaned))
    picture = plan.pictures.get(path)
    if picture is None:
        return
    variants = picture.files
    made_by = (asset.digest, config.image_keep, config.image_quality)
    keys = [store.key("variant", *made_by, v.width, v.height, v.mime) for v in variants]
    found = [store.get(key) for key in keys]
    missing = [v for v, data in zip(variants, found, strict=True) if data is None]
    if missing:
        made = make_variants(cleaned, missing, config.image_quality)
        if isinstance(made, Refusal):
            yield _refused(asset, path, made, config, site)
            return
        fresh = iter(made)
        found = [data if data is not None else next(fresh) for data in found]
        for key, variant, data in zip(keys, variants, found, strict=True):
            if variant in missing:
                store.put(key, data)
    for variant, data in zip(variants, found, strict=True):
        yield Output(variant.path.lstrip("/"), asset.path, data=data, digest=digest(data))
    for card, (src, focus) in sorted(plan.cards.items()):
        if src != path:
            continue
        key = store.key("card", asset.digest, config.image_keep, focus)
        data = store.get(key)
        if data is None:
            card_data = make_card(cleaned, focus)
            if isinstance(card_data, Refusal):
                yield _refused(asset, path, card_data, config, site)
                return
            data = card_data
            store.put(key, data)
        yield Output(card.lstrip("/"), asset.path, data=data, digest=digest(data))


def _refused(asset: Asset, path: str, refusal: Refusal, config: Config, site: Site) -> Problem:
    """Return the Problem of an image that cannot be published, naming the stories that
    show it as their lead."""
    users = [
        display_path(config.content_dir / a.source)
        for a in site.articles
        if a.image and a.image.split("?")[0] == path
    ]
    if asset.owner and not users:
        users = [display_path(config.content_dir / asset.owner)]
    hint = refusal.hint
    if users:
        hint = f"used by {', '.join(users)}" + (f"; {hint}" if hint else "")
    return Problem(display_path(config.content_dir / asset.path), None, refusal.message, hint)
