"""News metadata for page heads: schema.org JSON-LD, and the template filters that make it.

The theme writes the tags; this module gives it values. The JSON-LD is built here as a dict so
it can be tested as data, and the theme serialises it with Jinja's `tojson`, which escapes
`<`, `>`, `&` and `'` so that a headline holding `</script>` cannot end the script element.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.config import Config
from generator.model import Article, last_change
from generator.urls import absolute, feed_path


def publisher_jsonld(config: Config) -> dict[str, Any]:
    """Return the schema.org Organization that publishes the site."""
    publisher: dict[str, Any] = {
        "@type": "Organization",
        "name": config.publisher or config.title,
        "url": absolute(config.base_url, "/"),
    }
    if config.publisher_logo:
        publisher["logo"] = {
            "@type": "ImageObject",
            "url": absolute(config.base_url, config.publisher_logo),
        }
    return publisher


def article_jsonld(config: Config, article: Article) -> dict[str, Any]:
    """Return the schema.org NewsArticle of `article`, every URL absolute."""
    url = absolute(config.base_url, article.url)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": article.date.isoformat(),
        "dateModified": last_change(article).isoformat(),
        "inLanguage": article.lang or config.language,
        "publisher": publisher_jsonld(config),
    }
    if article.description:
        data["description"] = article.description
    if article.image:
        data["image"] = [absolute(config.base_url, article.image)]
        if article.picture and article.picture.card:  # 1.91:1, one of the ratios Google asks for
            data["image"].append(absolute(config.base_url, article.picture.card))
    people = []
    for author in article.authors:
        person: dict[str, Any] = {"@type": "Person", "name": author.name}
        if config.builds("authors"):  # their page on the site
            person["url"] = absolute(config.base_url, author.url)
        profiles = [
            link.url
            for link in config.author_info(author.name).links
            if link.url.startswith(("http://", "https://"))
        ]
        if profiles:
            person["sameAs"] = profiles
        people.append(person)
    data["author"] = people or [publisher_jsonld(config)]
    if article.section:
        data["articleSection"] = article.section.name
    if article.tags:
        data["keywords"] = [t.name for t in article.tags]
    return data


def publishing_filters(config: Config) -> dict[str, Callable[..., Any]]:
    """Return the template filters of this module, bound to `config`.

    `article | jsonld` is the NewsArticle dict (write it with `| tojson`);
    `listing | feed_url` is the site path of a tag's, author's or section's Atom feed;
    `article | last_change` is its "Last update", else its publication date.
    """
    return {
        "jsonld": lambda article: article_jsonld(config, article),
        "feed_url": lambda listing: feed_path(listing.url),
        "last_change": last_change,
    }
