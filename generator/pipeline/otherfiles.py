"""The files of a site besides its pages: feeds, sitemap, redirects, theme files, assets
and the images' variants and cards."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from generator.config import Config
from generator.errors import Problem
from generator.incremental.imagestore import ImageStore
from generator.model import Site
from generator.outputs import Output
from generator.pipeline.images import ImageJob, ImagePlan, image_outputs
from generator.pipeline.options import BuildOptions
from generator.processes import worker_count
from generator.render.feeds import feed_outputs
from generator.render.pagekeys import PageMemo
from generator.render.redirects import redirect_outputs
from generator.render.sitemap import sitemap_outputs

THEME_URL = "theme"


def other_outputs(
    site: Site,
    config: Config,
    theme_files: Mapping[str, tuple[Path, str]],
    memo: PageMemo | None,
    images: ImagePlan,
    store: ImageStore,
    present: Mapping[str, str],
    options: BuildOptions,
) -> Iterator[Output | Problem]:
    """Yield every file of the site but its pages: feeds, sitemap, redirects, theme files
    and content assets, images cleaned of their metadata with their variants and cards (on
    the cores `options` give); and the Problem of each image that cannot be published.
    `theme_files` are the theme's static files as the build's inputs read them; `present`
    is what the output folder holds already (output path -> digest)."""
    yield from feed_outputs(config, site, memo)
    yield from sitemap_outputs(config, site)
    yield from redirect_outputs(config, site)
    for rel, (file, value) in theme_files.items():
        yield Output(f"{THEME_URL}/{rel}", f"theme file {rel}", file=file, digest=value)
    jobs: list[ImageJob] = []
    for path, asset in images.assets.items():
        kind = images.kinds.get(path)
        if isinstance(kind, Problem):
            yield kind
        elif kind is None:
            yield Output(path.lstrip("/"), asset.path, file=asset.file, digest=asset.digest)
        else:
            picture, cards = images.pictures.get(path), images.cards.get(path, ())
            jobs.append(ImageJob(asset, path, kind, picture, cards))
    workers = worker_count(options.jobs)
    yield from image_outputs(jobs, config, site, store, present, workers, options.start_method)
