"""sitemap.xml and robots.txt: every published page, with when it last changed.

Last modification comes from the articles (their "Last update", else their date), never from
the build clock: a listing changed when its newest story did. Static pages carry no date, so
they are listed without one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import datetime

from generator.config import Config
from generator.model import Site, last_change, syndicated
from generator.outputs import Output
from generator.render.pages import listing_page_url
from generator.render.xmltext import escape, stamp
from generator.urls import absolute, absolute_all


def _listing(
    base: str, sources: Sequence[str], changed: dict[str, datetime], per_page: int
) -> Iterator[tuple[str, datetime]]:
    """Yield (site path, last change) for every page of the listing at `base`.

    A listing holding no published story (only drafts, in a preview) is left out.
    """
    # filter(None) drops the sources without a moment: a datetime is never false.
    newest = max(filter(None, map(changed.get, sources)), default=None)
    if newest is None:
        return
    for number in range(1, max(1, math.ceil(len(sources) / per_page)) + 1):
        yield listing_page_url(base, number), newest


def sitemap_entries(config: Config, site: Site) -> list[tuple[str, datetime | None]]:
    """Return (site path, last change or None) of every page the sitemap lists."""
    articles = syndicated(site)
    changed = {a.source: last_change(a) for a in articles}
    per_page = config.per_page
    entries: list[tuple[str, datetime | None]] = []
    entries += _listing("/", [a.source for a in site.listed], changed, per_page)
    entries += [(a.url, changed[a.source]) for a in articles if not a.noindex]
    entries += [(p.url, None) for p in site.pages if not p.draft and not p.noindex]
    listings = (
        ("sections", site.sections, None),
        ("tags", site.tags, "/tags/"),
        ("authors", site.authors, "/authors/"),
        ("archives", site.years, "/archive/"),
    )
    newest = max(changed.values(), default=None)
    indexes = []
    for kind, groups, index in listings:
        if not config.builds(kind):
            continue
        for group in groups:
            entries += _listing(group.url, group.sources, changed, per_page)
        if index is not None and newest is not None:
            indexes.append((index, newest))
    return entries + indexes


def sitemap(config: Config, site: Site) -> Output:
    """Return sitemap.xml (sitemaps.org 0.9) of every published page."""
    entries = sitemap_entries(config, site)
    locs = _escape_all(absolute_all(config.base_url, [path for path, _ in entries]))
    rows = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for loc, (_, moment) in zip(locs, entries, strict=True):
        if moment is None:
            rows.append(f"<url><loc>{loc}</loc></url>")
        else:
            rows.append(f"<url><loc>{loc}</loc><lastmod>{stamp(moment)}</lastmod></url>")
    rows.append("</urlset>\n")
    return Output("sitemap.xml", "sitemap", "\n".join(rows).encode("utf-8"))


def _escape_all(texts: list[str]) -> list[str]:
    """Return escape(t) for every t of `texts`.

    escape() maps character by character and keeps newlines, so the texts are escaped in one
    call when none holds a newline (as no URL of the site does).
    """
    joined = "\n".join(texts)
    if joined.count("\n") != max(len(texts) - 1, 0):
        return [escape(t) for t in texts]
    return escape(joined).split("\n") if texts else []


def robots(config: Config) -> Output:
    """Return robots.txt allowing everything and naming the sitemap by its absolute URL."""
    text = f"User-agent: *\nAllow: /\n\nSitemap: {absolute(config.base_url, '/sitemap.xml')}\n"
    return Output("robots.txt", "robots.txt", text.encode("utf-8"))


def sitemap_outputs(config: Config, site: Site) -> list[Output]:
    """Return sitemap.xml and robots.txt."""
    return [sitemap(config, site), robots(config)]
