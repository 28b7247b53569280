"""The files of a site besides its pages: feeds, sitemap, redirects, theme files and assets."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from generator.config import Config
from generator.errors import Problem, display_path
from generator.images.containers import HEAD, kind_of
from generator.model import Asset, Site
from generator.outputs import Output, digest
from generator.render.feeds import feed_outputs
from generator.render.pagekeys import PageMemo
from generator.render.redirects import redirect_outputs
from generator.render.sitemap import sitemap_outputs
from generator.render.themes import Theme
from generator.source.assets import read_asset
from generator.source.files import FileMemo, file_digest

THEME_URL = "theme"


def other_outputs(
    site: Site, config: Config, theme: Theme, memo: PageMemo | None, files: FileMemo
) -> Iterator[Output | Problem]:
    """Yield every file of the site but its pages: feeds, sitemap, redirects, theme files
    and content assets, images cleaned of their metadata (one at a time: a site's photos are
    never in memory at once); and the Problem of each image that cannot be published.
    `files` spares re-reading unchanged theme files."""
    yield from feed_outputs(config, site, memo)
    yield from sitemap_outputs(config, site)
    yield from redirect_outputs(config, site)
    for rel, file in theme.static_files().items():
        value = file_digest(file, files)
        yield Output(f"{THEME_URL}/{rel}", f"theme file {rel}", file=file, digest=value)
    urls = {d.source: d.url for d in (*site.articles, *site.pages)}
    for asset in site.assets:
        if asset.owner:  # published beside its bundle's page, so relative links keep working
            inside = asset.path[len(posixpath.dirname(asset.owner)) + 1 :]
            path = urls[asset.owner].lstrip("/") + inside
        else:
            path = asset.path
        yield _asset_output(asset, path, config, site)


def _asset_output(asset: Asset, path: str, config: Config, site: Site) -> Output | Problem:
    """Return the file that publishes `asset` at `path`: a raster image cleaned of its
    metadata, anything else as it is; or why it cannot be published."""
    head = read_asset(asset, HEAD)
    if isinstance(head, Problem):
        return head
    kind = kind_of(asset.path, head)
    if kind is None:
        return Output(path, asset.path, file=asset.file, digest=asset.digest)
    data = read_asset(asset)
    if isinstance(data, Problem):
        return data
    # Loaded with the first raster image: a site without photos never loads the imaging
    # library, an eighth of what importing the package costs.
    from generator.images.privacy import clean_image

    cleaned = clean_image(data, kind, config.image_keep)
    if isinstance(cleaned, bytes):
        return Output(path, asset.path, data=cleaned, digest=digest(cleaned))
    users = [
        display_path(config.content_dir / a.source)
        for a in site.articles
        if a.image and a.image.split("?")[0].endswith("/" + path)
    ]
    if asset.owner and not users:
        users = [display_path(config.content_dir / asset.owner)]
    hint = cleaned.hint
    if users:
        hint = f"used by {', '.join(users)}" + (f"; {hint}" if hint else "")
    return Problem(display_path(config.content_dir / asset.path), None, cleaned.message, hint)
