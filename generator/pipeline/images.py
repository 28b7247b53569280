"""The site's images between assembly and writing: which assets are images, which raster
files pages show (lead images and images written in Markdown), their Pictures for the
render, and the published files of each (cleaned original, variants, social cards), made
once and kept in the ImageStore. Pillow is imported only to measure, clean or encode an
image the store does not hold.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from generator.assemble.links import published_paths
from generator.config import Config
from generator.errors import Problem, display_path
from generator.images.containers import GIF, HEAD, JPEG, PNG, WEBP, kind_of
from generator.images.plan import Refusal, plan_picture, with_card
from generator.incremental.imagestore import ImageStore
from generator.model import Asset, Picture, Site, Variant
from generator.outputs import Output, digest
from generator.processes import can_fork, fork_pool, signals_held, start_worker
from generator.render.pictures import Marks, image_marks, shown_paths
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
    # Site path -> the format of an asset that is an image (containers.sniff), or why its
    # first bytes cannot be read; the assets not here are published as they are.
    kinds: dict[str, str | Problem]
    assets: dict[str, Asset]  # every asset by the site path it is published at (asset_paths)
    marks: dict[str, Marks]  # document source path -> the images Markdown wrote in it


def asset_paths(site: Site) -> dict[str, Asset]:
    """Return the site's assets by the site path each is published at (a bundle's beside
    its page, so relative links keep working)."""
    published = published_paths(site)
    return {published[asset.path]: asset for asset in site.assets}


def plan_images(site: Site, config: Config, store: ImageStore) -> ImagePlan:
    """Return the Pictures of the raster images the site's pages show, with the social card
    of each article's lead image (and a warning for each `image_focus` that is no point),
    and the format of every asset that is an image."""
    marks: dict[str, Marks] = {}
    shown: set[str] = set()
    for doc in (*site.articles, *site.pages):
        found = image_marks(doc)
        if found is not None:
            marks[doc.source] = found
            shown |= shown_paths(doc, found, config.base_path)
    leads = {a.source: a.image.split("?")[0] for a in site.articles if a.image}
    shown.update(p for p in leads.values() if p.startswith("/"))
    kinds: dict[str, str | Problem] = {}
    measured: dict[str, tuple[str, tuple[int, int]]] = {}
    assets = asset_paths(site)
    for path, asset in assets.items():
        kind, size = _kind(asset, store)
        if kind is not None:
            kinds[path] = kind
        if isinstance(kind, str) and size is not None:
            measured[path] = (kind, size)
    pictures = {
        path: plan_picture(path, *measured[path], config.image_widths, config.image_formats)
        for path in sorted(shown & measured.keys())
    }
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
    return ImagePlan(pictures, lead_pictures, ordered, tuple(problems), kinds, assets, marks)


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


def _kind(asset: Asset, store: ImageStore) -> tuple[str | Problem | None, tuple[int, int] | None]:
    """Return the image format of `asset` (None for no image, or the Problem of a file
    whose first bytes cannot be read) and, for a raster image, its upright size read from
    its headers (None if they cannot be read: publishing it reports why). Both are kept in
    `store` under the source's digest, so an unchanged photo is not opened again; nothing
    is cleaned here: publishing cleans each image once, whether a store keeps it or not."""
    key = store.key("size", asset.digest)
    named_raster = kind_of(asset.path, b"") in RASTER  # by its name alone
    if named_raster:  # other files are not looked for
        known = store.get(key)  # a few bytes: the photo itself is not read
        kind, *size = (known or b"").decode("ascii", "replace").split(" ")
        if kind in RASTER and len(size) == 2 and all(n.isdigit() for n in size):
            return kind, (int(size[0]), int(size[1]))
    # A file named as a photo is read whole at once, to be measured; any other only as far
    # as its format shows.
    data = read_asset(asset, None if named_raster else HEAD)
    if isinstance(data, Problem):
        return data, None
    kind = kind_of(asset.path, data[:HEAD])
    if kind not in RASTER:
        return kind, None
    if not named_raster:
        data = read_asset(asset)
        if isinstance(data, Problem):
            return kind, None
    from generator.images.privacy import upright_size  # Pillow: only for an image to measure

    size = upright_size(data, kind)
    if isinstance(size, Refusal):
        return kind, None
    store.put(key, f"{kind} {size[0]} {size[1]}".encode("ascii"))
    return kind, size


def _cleaned(
    asset: Asset, kind: str, config: Config, store: ImageStore
) -> bytes | Refusal | Problem:
    """Return the bytes to publish for `asset`, cleaned now and kept in `store`."""
    data = read_asset(asset)
    if isinstance(data, Problem):
        return data
    from generator.images.privacy import clean_image  # Pillow: only for an image to clean

    cleaned = clean_image(data, kind, config.image_keep)
    if isinstance(cleaned, bytes):
        store.put(_clean_key(asset, config, store), cleaned)
    return cleaned


@dataclass(frozen=True)
class ImageJob:
    """One image to publish: where, and what pages show of it."""

    asset: Asset
    path: str  # site path
    kind: str  # containers.sniff
    picture: Picture | None  # None: no page shows it, so it has no variants
    cards: tuple[tuple[str, tuple[float, float]], ...] = ()  # (site path, focus)


@dataclass(frozen=True)
class ImageFile:
    """One file that publishes an image: its cleaned original, a variant or a card."""

    path: str  # output path
    key: str  # its name in the store
    variant: Variant | None = None
    focus: tuple[float, float] | None = None  # a card's

    @property
    def original(self) -> bool:
        return self.variant is None and self.focus is None


def _files(job: ImageJob, config: Config, store: ImageStore) -> list[ImageFile]:
    """Return the files that publish `job`'s image, the cleaned original first."""
    digest_keep = (job.asset.digest, config.image_keep)
    files = [ImageFile(job.path.lstrip("/"), _clean_key(job.asset, config, store))]
    if job.picture is not None:
        for v in job.picture.files:
            made_by = (*digest_keep, config.image_quality, v.width, v.height, v.mime)
            files.append(ImageFile(v.path.lstrip("/"), store.key("variant", *made_by), v))
        for card, focus in job.cards:
            key = store.key("card", *digest_keep, focus)
            files.append(ImageFile(card.lstrip("/"), key, focus=focus))
    return files


def _clean_key(asset: Asset, config: Config, store: ImageStore) -> str:
    return store.key("clean", asset.digest, config.image_keep)


# Images made in one process below this many; a pool costs more than it saves.
PARALLEL_IMAGES = 4

Made = list[tuple[str, Output]] | Refusal | Problem  # the files of an image, by store key


def image_outputs(
    jobs: list[ImageJob], config: Config, site: Site, store: ImageStore,
    present: Mapping[str, str], workers: int, method: str,
) -> Iterator[Output | Problem]:  # fmt: skip
    """Yield the files that publish each image of `jobs`: cleaned of its metadata, with its
    variants and cards; or why it cannot be. A file the output folder holds already, as
    `present` (output path -> digest) and the store's file memo say, is kept unread; the
    others are read from `store`, or made. Images with files missing from `store` are made
    by `workers` processes when there are enough of them (and `method` is "fork")."""
    rest: list[tuple[ImageJob, list[ImageFile]]] = []  # files to read from the store, or make
    todo: list[tuple[ImageJob, list[ImageFile]]] = []  # those of them with files to make
    for job in jobs:
        wanted, missing = [], False
        for file in _files(job, config, store):  # one look at each, for all it tells
            entry = store.entry(file.key)
            if entry.digest is not None and present.get(file.path) == entry.digest:
                yield Output(file.path, job.asset.path, digest=entry.digest)
            else:
                wanted.append(file)
                missing = missing or not entry.there
        if wanted:
            rest.append((job, wanted))
            if missing:
                todo.append((job, wanted))
    if workers < 2 or len(todo) < PARALLEL_IMAGES or not can_fork(method):
        made = (image_files(job, files, config, store) for job, files in rest)
        yield from _outputs(rest, made, config, site, store)
        return
    pool = fork_pool(workers, start_worker, (os.getpid(),))
    try:
        with signals_held():  # the workers are forked as the images are handed out
            make = functools.partial(image_files, config=config, store=store)
            made = pool.map(make, *zip(*todo, strict=True))
        making = {job.path for job, _ in todo}
        stored = [(job, files) for job, files in rest if job.path not in making]
        taken = (image_files(job, files, config, store) for job, files in stored)
        yield from _outputs(stored, taken, config, site, store)
        yield from _outputs(todo, made, config, site, store)
    finally:  # on an error or Ctrl-C, stop at once rather than make the images still queued
        pool.shutdown(wait=True, cancel_futures=True)


def _outputs(
    jobs: list[tuple[ImageJob, list[ImageFile]]],
    made: Iterator[Made],
    config: Config,
    site: Site,
    store: ImageStore,
) -> Iterator[Output | Problem]:
    for (job, _), files in zip(jobs, made, strict=True):
        if isinstance(files, Refusal):
            yield _refused(job.asset, job.path, files, config, site)
        elif isinstance(files, Problem):
            yield files
        else:
            for key, output in files:
                if output.digest is not None:
                    store.remember(key, output.digest)
                yield output


def image_files(job: ImageJob, files: list[ImageFile], config: Config, store: ImageStore) -> Made:
    """Return `files` of `job`'s image with their bytes, taken from `store` or made (and
    kept there), each with its store key; or why the image cannot be published."""
    found = {file: store.get(file.key) for file in files}
    if None in found.values():
        original = files[0] if files[0].original else None
        cleaned = (
            found[original]
            if original is not None
            else store.get(_clean_key(job.asset, config, store))
        )
        if cleaned is None:
            cleaned = _cleaned(job.asset, job.kind, config, store)
            if not isinstance(cleaned, bytes):
                return cleaned
        if original is not None:
            found[original] = cleaned
        make = [file for file, data in found.items() if data is None]
        if make:
            from generator.images.variants import make_files  # Pillow: only to make them

            variants = [f.variant for f in make if f.variant is not None]
            focuses = [f.focus for f in make if f.focus is not None]
            made = make_files(cleaned, variants, focuses, config.image_quality)
            if isinstance(made, Refusal):
                return made
            for file, data in zip(make, [*made[0], *made[1]], strict=True):  # files' order
                store.put(file.key, data)
                found[file] = data
    origin = job.asset.path
    return [
        (file.key, Output(file.path, origin, data=data, digest=digest(data)))
        for file, data in found.items()
        if data is not None
    ]


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
