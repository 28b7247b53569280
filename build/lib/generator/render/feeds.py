"""Feeds: Atom for the site and for every tag, author and section; RSS 2.0 for the site.

A listing's feed sits beside its first page (/tags/iran/ -> /tags/iran/feed.xml). Entries carry
ids built from the article's source, so a retitled story (and so a new URL) is not a new entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import format_datetime
from urllib.parse import quote, urlsplit

from generator.config import Config
from generator.htmlurls import absolute_links
from generator.model import Article, Site, last_change, syndicated
from generator.outputs import Output
from generator.render.pagekeys import PageMemo
from generator.render.xmltext import escape, quoteattr, stamp
from generator.urls import FEED_PATH, RSS_PATH, absolute, feed_path

EPOCH = "1970-01-01T00:00:00+00:00"  # `updated` of an empty feed: never the build clock


def entry_id(config: Config, article: Article) -> str:
    """Return the article's permanent id, a tag URI (RFC 4151) from host, date and source.

    tag:example.org,2024-02-09:/articles/vote.md does not change with the title or URL.
    """
    host = urlsplit(config.base_url).hostname or "localhost"
    day = article.date.date().isoformat()
    return f"tag:{host},{day}:{quote('/' + article.source, safe='/')}"


def _authors(config: Config, article: Article) -> list[str]:
    if not article.authors:
        return [f"<author><name>{escape(config.publisher or config.title)}</name></author>"]
    if not config.builds("authors"):  # no author page to point at
        return [f"<author><name>{escape(a.name)}</name></author>" for a in article.authors]
    return [
        f"<author><name>{escape(a.name)}</name>"
        f"<uri>{escape(absolute(config.base_url, a.url))}</uri></author>"
        for a in article.authors
    ]


def _atom_entry(config: Config, article: Article, memo: dict[str, str] | None) -> str:
    """Return the <entry> of `article`; the same in every feed, so made once per build."""
    if memo is not None and article.source in memo:
        return memo[article.source]
    url = absolute(config.base_url, article.url)
    lines = [
        "<entry>" if not article.lang else f"<entry xml:lang={quoteattr(article.lang)}>",
        f"<title>{escape(article.title)}</title>",
        f'<link rel="alternate" type="text/html" href={quoteattr(url)}/>',
        f"<id>{escape(entry_id(config, article))}</id>",
        f"<published>{stamp(article.date)}</published>",
        f"<updated>{stamp(last_change(article))}</updated>",
        *_authors(config, article),
        *(f"<category term={quoteattr(t.name)}/>" for t in article.tags),
    ]
    if article.summary:
        summary = absolute_links(article.summary, url)
        lines.append(f'<summary type="html">{escape(summary)}</summary>')
    if config.feed_content == "full":
        content = absolute_links(article.content, url)
        lines.append(f'<content type="html">{escape(content)}</content>')
    lines.append("</entry>")
    entry = "\n".join(lines)
    if memo is not None:
        memo[article.source] = entry
    return entry


def atom_feed(
    config: Config,
    articles: Sequence[Article],
    path: str,
    title: str,
    page: str = "/",
    memo: dict[str, str] | None = None,
) -> Output:
    """Return the Atom feed at `path` of the newest `feed_entries` of `articles` (newest first).

    `page` is the site path of the HTML listing the feed mirrors; `memo` keeps entries made
    for other feeds of the same build.
    """
    entries = list(articles[: config.feed_entries])
    updated = max((last_change(a) for a in entries), default=None)
    self_url = absolute(config.base_url, path)
    page_url = absolute(config.base_url, page)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(config.language)}>',
        f"<title>{escape(title)}</title>",
        f"<id>{escape(self_url)}</id>",
        f'<link rel="self" type="application/atom+xml" href={quoteattr(self_url)}/>',
        f'<link rel="alternate" type="text/html" href={quoteattr(page_url)}/>',
        f"<updated>{stamp(updated) if updated else EPOCH}</updated>",
    ]
    if config.description:
        lines.append(f"<subtitle>{escape(config.description)}</subtitle>")
    lines += [_atom_entry(config, article, memo) for article in entries]
    lines.append("</feed>\n")
    return Output(path.lstrip("/"), "feed", "\n".join(lines).encode("utf-8"))


def rss_feed(config: Config, articles: Sequence[Article], path: str = RSS_PATH) -> Output:
    """Return the RSS 2.0 feed of the site's newest `feed_entries` articles.

    `description` holds the summary; `content:encoded` the full story unless the site
    publishes summaries only.
    """
    entries = list(articles[: config.feed_entries])
    updated = max((last_change(a) for a in entries), default=None)
    home = absolute(config.base_url, "/")
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/">',
        "<channel>",
        f"<title>{escape(config.title)}</title>",
        f"<link>{escape(home)}</link>",
        f"<description>{escape(config.description or config.title)}</description>",
        f"<language>{escape(config.language)}</language>",
        f'<atom:link rel="self" type="application/rss+xml" '
        f"href={quoteattr(absolute(config.base_url, path))}/>",
    ]
    if updated:
        lines.append(f"<lastBuildDate>{format_datetime(updated)}</lastBuildDate>")
    for article in entries:
        url = absolute(config.base_url, article.url)
        lines += [
            "<item>",
            f"<title>{escape(article.title)}</title>",
            f"<link>{escape(url)}</link>",
            f'<guid isPermaLink="false">{escape(entry_id(config, article))}</guid>',
            f"<pubDate>{format_datetime(article.date)}</pubDate>",
            *(f"<dc:creator>{escape(a.name)}</dc:creator>" for a in article.authors),
            *(f"<category>{escape(t.name)}</category>" for t in article.tags),
            f"<description>{escape(absolute_links(article.summary, url))}</description>",
        ]
        if config.feed_content == "full":
            content = absolute_links(article.content, url)
            lines.append(f"<content:encoded>{escape(content)}</content:encoded>")
        lines.append("</item>")
    lines += ["</channel>", "</rss>\n"]
    return Output(path.lstrip("/"), "feed", "\n".join(lines).encode("utf-8"))


def feed_outputs(config: Config, site: Site, memo: PageMemo | None = None) -> list[Output]:
    """Return every feed of `site`: the site's Atom and RSS feeds, and one Atom feed per
    tag, author and section (each listing page links its own), less those config.disable
    leaves out.

    With `memo`, a feed whose entries and settings are unchanged since the last build is
    kept rather than made again.
    """
    articles = syndicated(site)
    published = {a.source: a for a in articles}
    feeds: list[tuple[str, str, Sequence[Article], str, str]] = [
        ("atom", FEED_PATH, articles, config.title, "/")
    ]
    if config.builds("rss"):
        feeds.append(("rss", RSS_PATH, articles, config.title, "/"))
    for kind, pages, groups in (
        ("Topic", "tags", site.tags),
        ("Author", "authors", site.authors),
        ("Section", "sections", site.sections),
    ):
        if not (config.builds("listing_feeds") and config.builds(pages)):
            continue  # a listing's feed is the feed of its page: none without the page
        for group in groups:
            members = [published[s] for s in group.sources if s in published]
            title = f"{config.title} — {kind}: {group.name}"
            feeds.append(("atom", feed_path(group.url), members, title, group.url))
    entries: dict[str, str] = {}
    outputs = []
    for form, path, members, title, page in feeds:
        newest = members[: config.feed_entries]
        key = None
        if memo is not None:
            context = {"articles": newest, "title": title, "page": page}
            key = memo.keys.key(f"feed:{form}", path, context)
            kept = memo.keep(path.lstrip("/"), "feed", key)
            if kept is not None:
                outputs.append(kept)
                continue
        if form == "rss":
            feed = rss_feed(config, newest, path)
        else:
            feed = atom_feed(config, newest, path, title, page, entries)
        outputs.append(memo.made(feed, key) if memo is not None and key else feed)
    return outputs
