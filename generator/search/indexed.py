"""Which pages the search index holds: published stories and static pages, by output path."""

from __future__ import annotations

from generator.config import Config
from generator.model import Site, syndicated
from generator.urls import output_path


def indexed_pages(site: Site, config: Config) -> dict[str, str]:
    """Return output path -> site path of every page the index holds (without the base
    path: Pagefind's script puts the folder it is served from in front of it).

    Drafts, scheduled stories and `noindex` documents are never indexed, even in a preview
    that shows them; nor are listings, redirects or the 404 page, which are no documents.
    Hidden stories stay out as they stay out of listings and the sitemap.
    """
    if not config.search:
        return {}
    documents = (*syndicated(site), *(p for p in site.pages if not p.draft))
    return {output_path(doc.url): doc.url for doc in documents if not doc.noindex}
