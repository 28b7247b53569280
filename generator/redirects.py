"""Redirect pages: an article's `aliases` (old site paths) keep working after a rename."""

from __future__ import annotations

import html
import posixpath
from urllib.parse import urlsplit

from .config import Config
from .model import Site
from .outputs import Output
from .urls import absolute, output_path


def alias_path(value: str) -> str:
    """Return the site path an alias names: '/2019/old-slug' -> '/2019/old-slug/'.

    A last segment without a file extension is a folder, so the redirect page is its
    index.html (what a static host serves for both spellings). Raises ValueError for anything
    but a safe site path.
    """
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/"):
        raise ValueError(f"an alias must be a site path starting with '/', not {value!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"an alias cannot have a query or a fragment: {value!r}")
    path = value
    if not path.endswith("/") and "." not in posixpath.basename(path):
        path += "/"
    if path == "/":
        raise ValueError("an alias cannot be the front page '/'")
    output_path(path)  # raises ValueError for '..' and other unsafe paths
    return path


def redirect_page(config: Config, title: str, target: str, lang: str) -> str:
    """Return the HTML of a page that sends readers and crawlers on to `target` (absolute)."""
    url = html.escape(target, quote=True)
    name = html.escape(title, quote=False)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(lang, quote=True)}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        f"<title>{name} — {html.escape(config.title, quote=False)}</title>\n"
        f'<link rel="canonical" href="{url}">\n'
        '<meta name="robots" content="noindex">\n'
        f'<meta http-equiv="refresh" content="0; url={url}">\n'
        "</head>\n"
        "<body>\n"
        f'<p>This story has moved to <a href="{url}">{name}</a>.</p>\n'
        "</body>\n"
        "</html>\n"
    )


def redirect_outputs(config: Config, site: Site) -> list[Output]:
    """Return one redirect page per alias of every published article.

    Each page names the article's source as its origin, so an alias that collides with another
    page is reported against the article (pipeline.check_unique).
    """
    outputs = []
    for article in site.articles:
        if not article.aliases:
            continue
        target = absolute(config.base_url, article.url)
        lang = article.lang or config.language
        for alias in article.aliases:
            page = redirect_page(config, article.title, target, lang)
            outputs.append(Output(output_path(alias), article.source, page.encode("utf-8")))
    return outputs
