"""A summary's relative links anchored to its document's address: listings show the summary
on pages of their own, where a relative link would lead somewhere else."""

from __future__ import annotations

from dataclasses import replace

from markupsafe import Markup

from generator.htmlurls import rewrite_urls
from generator.model import DocumentT, Site, evolve
from generator.urls import link, relative_target


def anchor_summaries(site: Site, base_path: str) -> Site:
    """Return `site` with the relative links of every summary anchored (see anchor_summary)."""
    return replace(
        site,
        articles=tuple(anchor_summary(a, base_path) for a in site.articles),
        pages=tuple(anchor_summary(p, base_path) for p in site.pages),
    )


def anchor_summary(doc: DocumentT, base_path: str) -> DocumentT:
    """Return `doc` with the relative links of its summary (`../2023/`, `map.png`, `#vote`)
    made root-relative from the document's own address, where they were written to lead.

    On a listing page or a tag page a relative link would lead somewhere else, a different
    place on each; run after the links stage, which rewrites the content files' links.
    """
    if not doc.summary or ("href" not in doc.summary and "src" not in doc.summary):
        return doc
    here = link(base_path, doc.url)

    def anchored(value: str) -> str:
        return (value and relative_target(value, here)) or value

    summary = rewrite_urls(doc.summary, anchored)
    return doc if summary == doc.summary else evolve(doc, summary=Markup(summary))
