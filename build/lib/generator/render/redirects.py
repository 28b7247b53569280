"""Redirect pages: an article's `aliases` (old site paths) keep working after a rename."""

from __future__ import annotations

import html

from generator.config import Config
from generator.model import Site
from generator.outputs import Output
from generator.urls import absolute, output_path


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
    page is reported against the article (write.claims), at the line of its `aliases`.
    """
    outputs = []
    for article in site.articles:
        if not article.aliases:
            continue
        target = absolute(config.base_url, article.url)
        lang = article.lang or config.language
        for alias in article.aliases:
            page = redirect_page(config, article.title, target, lang)
            data = page.encode("utf-8")
            line = article.lines.get("aliases")
            outputs.append(Output(output_path(alias), article.source, data, line=line))
    return outputs
