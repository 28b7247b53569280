"""Machine-readable outputs: the Atom feed, sitemap.xml and robots.txt."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from .config import Config
from .model import Article, Site
from .outputs import Output
from .urls import absolute

FEED_PATH = "/feed.xml"


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _last_change(article: Article) -> datetime:
    return article.updated if article.updated and article.updated > article.date else article.date


def atom_feed(config: Config, articles: Sequence[Article], path: str, title: str) -> Output:
    """Return the Atom feed at `path` of the newest `feed_entries` of `articles` (newest first)."""
    entries = list(articles[: config.feed_entries])
    updated = max((_last_change(a) for a in entries), default=None)
    home = absolute(config.base_url, "/")
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(config.language)}>',
        f"<title>{escape(title)}</title>",
        f"<id>{escape(absolute(config.base_url, path))}</id>",
        f'<link rel="self" href={quoteattr(absolute(config.base_url, path))}/>',
        f'<link rel="alternate" type="text/html" href={quoteattr(home)}/>',
        f"<updated>{_stamp(updated) if updated else '1970-01-01T00:00:00+00:00'}</updated>",
    ]
    if config.description:
        lines.append(f"<subtitle>{escape(config.description)}</subtitle>")
    for article in entries:
        url = absolute(config.base_url, article.url)
        lines += [
            "<entry>",
            f"<title>{escape(article.title)}</title>",
            f'<link rel="alternate" type="text/html" href={quoteattr(url)}/>',
            f"<id>{escape(url)}</id>",
            f"<published>{_stamp(article.date)}</published>",
            f"<updated>{_stamp(_last_change(article))}</updated>",
        ]
        lines += [f"<author><name>{escape(a.name)}</name></author>" for a in article.authors]
        if not article.authors:
            lines.append(f"<author><name>{escape(config.title)}</name></author>")
        lines += [f"<category term={quoteattr(t.name)}/>" for t in article.tags]
        lines.append(f'<summary type="html">{escape(str(article.summary))}</summary>')
        lines.append(f'<content type="html">{escape(str(article.content))}</content>')
        lines.append("</entry>")
    lines.append("</feed>\n")
    return Output(path.lstrip("/"), "feed", "\n".join(lines).encode("utf-8"))


def sitemap(config: Config, site: Site) -> Output:
    """Return sitemap.xml listing every article and page, with its last change for articles."""
    rows = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for article in site.articles:
        rows.append(
            f"<url><loc>{escape(absolute(config.base_url, article.url))}</loc>"
            f"<lastmod>{_stamp(_last_change(article))}</lastmod></url>"
        )
    for page in site.pages:
        rows.append(f"<url><loc>{escape(absolute(config.base_url, page.url))}</loc></url>")
    rows.append("</urlset>\n")
    return Output("sitemap.xml", "sitemap", "\n".join(rows).encode("utf-8"))


def robots(config: Config) -> Output:
    """Return robots.txt allowing everything and naming the sitemap."""
    text = f"User-agent: *\nAllow: /\n\nSitemap: {absolute(config.base_url, '/sitemap.xml')}\n"
    return Output("robots.txt", "robots.txt", text.encode("utf-8"))


def feed_outputs(config: Config, site: Site) -> list[Output]:
    """Return the feed, the sitemap and robots.txt of `site`."""
    return [
        atom_feed(config, site.listed, FEED_PATH, config.title),
        sitemap(config, site),
        robots(config),
    ]
