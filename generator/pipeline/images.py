"""The site's images between assembly and writing: which raster files pages show (lead
images and images written in Markdown), their Pictures for the render, and the published
files of each asset (cleaned original, variants, social cards), made once and kept in the
ImageStore.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from generator.assemble.links import published_paths
from generator.config import Config
from generator.errors import Problem, display_path
from generator.images.containers import GIF, HEAD, JPEG, PNG, WEBP, kind_of
from generator.images.plan import Refusal, plan_picture, with_card
from generator.incremental.imagestore import ImageStore
from generator.model import Asset, Picture, Site, Variant
from generator.outputs import Output, digest
from generator.processes import signals_held, start_worker
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
    cards: dict[str, tuple[tuple[str, tuple[float, float]], ...]]  # image -> (card, focus)
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
    cards: dict[str, dict[str, tuple[float, float]]] = {}
    for article in site.articles:
        if not article.image:
            continue
        where = display_path(config.content_dir / article.source)
        focus = _focus(article.meta.get("image_focus"), where, article.lines, problems)
        picture = pictures.get(leads[article.source])
        if picture is None:
            continue
        picture = with_card(picture, focus)
        if picture.card is not None:
            cards.setdefault(picture.src, {})[picture.card] = focus
        lead_pictures[article.source] = picture
    ordered = {src: tuple(sorted(made.items())) for src, made in cards.items()}
    return ImagePlan(pictures, lead_pictures, ordered, tuple(problems))


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
    """Return the format and upright size of the raster image `asset`, read from its headers
    (or found in `store`); None if it is no raster image or its headers cannot be read
    (publishing it reports why). Nothing is cleaned here: publishing cleans each image
    once, whether a store keeps it or not."""
    head = read_asset(asset, HEAD)
    kind = kind_of(asset.path, head) if isinstance(head, bytes) else None
    if kind not in RASTER:
        return None
    key = store.key("size", asset.digest)
    known = store.get(key)  # a few bytes: the photo itself is not read
    if known is not None and known.count(b" ") == 1 and known.replace(b" ", b"").isdigit():
        width, height = map(int, known.split())
        return kind, (width, height)
    data = read_asset(asset)
    if isinstance(data, Problem):
        return None
    from generator.images.privacy import upright_size  # Pillow: only for an image to measure

    size = upright_size(data, kind)
    if isinstance(size, Refusal):
        return None
    store.put(key, f"{size[0]} {size[1]}".encode())
    return kind, size


def _cleaned(
    asset: Asset, kind: str, config: Config, store: ImageStore
) -> bytes | Refusal | Problem:
    """Return the bytes to publish for `asset` (from `store`, else cleaned now and kept)."""
    key = _clean_key(asset, config, store)
    cleaned = store.get(key)
    if cleaned is not None:
        return cleaned
    data = read_asset(asset)
    if isinstance(data, Problem):
        return data
    from generator.images.privacy import clean_image  # Pillow: only for an image to clean

    cleaned = clean_image(data, kind, config.image_keep)
    if isinstance(cleaned, bytes):
        store.put(key, cleaned)
    return cleaned


@dataclass(frozen=True)
class ImageJob:
    """One raster image to publish: where, and what pages show of it."""

    asset: Asset
    path: str  # site path
    kind: str  # containers.sniff
    picture: Picture | None  # None: no page shows it, so it has no variants
    cards: tuple[tuple[str, tuple[float, float]], ...] = ()  # (site path, focus)


# Images made in one process below this many; a pool costs more than it saves.
PARALLEL_IMAGES = 4


def image_outputs(
    jobs: list[ImageJob], config: Config, site: Site, store: ImageStore, workers: int,
    method: str,
) -> Iterator[Output | Problem]:  # fmt: skip
    """Yield the files that publish each image of `jobs`: cleaned of its metadata, with its
    variants and cards; or why it cannot be. Those not all in `store` yet are made by
    `workers` processes when there are enough of them (and `method` is "fork")."""
    forking = method == "fork" and "fork" in multiprocessing.get_all_start_methods()
    # The store is looked at only when a pool could be worth its cost; else each image's
    # files are taken from it, or made, in this process.
    pool = workers >= 2 and forking and len(jobs) >= PARALLEL_IMAGES
    todo = [job for job in jobs if not _stored(job, config, store)] if pool else []
    made: Iterator[list[Output] | Refusal | Problem]
    if len(todo) < PARALLEL_IMAGES:
        made = (image_files(job, config, store) for job in jobs)
        yield from _outputs(jobs, made, config, site)
        return
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=start_worker,
        initargs=(os.getpid(),),
    )
    try:
        with signals_held():  # the workers are forked as the images are handed out
            made = pool.map(functools.partial(image_files, config=config, store=store), todo)
        done = {job.path for job in todo}
        yield from _outputs(
            [j for j in jobs if j.path not in done],
            (image_files(job, config, store) for job in jobs if job.path not in done),
            config,
            site,
        )
        yield from _outputs(todo, made, config, site)
    finally:  # on an error or Ctrl-C, stop at once rather than make the images still queued
        pool.shutdown(wait=True, cancel_futures=True)


def _outputs(
    jobs: list[ImageJob],
    made: Iterator[list[Output] | Refusal | Problem],
    config: Config,
    site: Site,
) -> Iterator[Output | Problem]:
    for job, files in zip(jobs, made, strict=True):
        if isinstance(files, Refusal):
            yield _refused(job.asset, job.path, files, config, site)
        elif isinstance(files, Problem):
            yield files
        else:
            yield from files


def _stored(job: ImageJob, config: Config, store: ImageStore) -> bool:
    """Return whether every file of `job` is in `store` already."""
    keys = [_clean_key(job.asset, config, store)]
    if job.picture is not None:
        keys += [_variant_key(job, v, config, store) for v in job.picture.files]
        keys += [_card_key(job, focus, config, store) for _, focus in job.cards]
    return all(store.has(key) for key in keys)


def _clean_key(asset: Asset, config: Config, store: ImageStore) -> str:
    return store.key("clean", asset.digest, config.image_keep)


def _variant_key(job: ImageJob, variant: Variant, config: Config, store: ImageStore) -> str:
    made_by = (job.asset.digest, config.image_keep, config.image_quality)
    return store.key("variant", *made_by, variant.width, variant.height, variant.mime)


def _card_key(job: ImageJob, focus: tuple[float, float], config: Config, store: ImageStore) -> str:
    return store.key("card", job.asset.digest, config.image_keep, focus)


def image_files(
    job: ImageJob, config: Config, store: ImageStore
) -> list[Output] | Refusal | Problem:
    """Return the files that publish `job`'s image (taken from `store`, else made and
    kept there), or why it cannot be published."""
    cleaned = _cleaned(job.asset, job.kind, config, store)
    if not isinstance(cleaned, bytes):
        return cleaned
    origin = job.asset.path
    files = [Output(job.path.lstrip("/"), origin, data=cleaned, digest=digest(cleaned))]
    if job.picture is None:
        return files
    variants, cards = job.picture.files, job.cards
    paths = [v.path for v in variants] + [card for card, _ in cards]
    keys = [_variant_key(job, v, config, store) for v in variants]
    keys += [_card_key(job, focus, config, store) for _, focus in cards]
    found = [store.get(key) for key in keys]
    if None in found:
        from generator.images.variants import make_files  # Pillow: only to make them

        wanted = found[: len(variants)]
        missing = [v for v, data in zip(variants, wanted, strict=True) if data is None]
        focuses = [
            f for (_, f), data in zip(cards, found[len(variants) :], strict=True) if data is None
        ]
        made = make_files(cleaned, missing, focuses, config.image_quality)
        if isinstance(made, Refusal):
            return made
        fresh = iter([*made[0], *made[1]])
        for i, data in enumerate(found):
            if data is None:
                found[i] = next(fresh)
                store.put(keys[i], found[i])
    for path, data in zip(paths, found, strict=True):
        files.append(Output(path.lstrip("/"), origin, data=data, digest=digest(data)))
    return files


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
