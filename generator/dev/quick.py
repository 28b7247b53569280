"""The page of one edited document, ahead of the rebuild that follows it.

A writer saving an article wants to see that article. When the edit leaves the site's shape
as it was (the same URL, date, groups, template: every field but the text and its
presentation), the article's own page depends only on the new document and on what the last
build made, so it can be rendered at once from that; the full rebuild then makes the same
bytes and everything else.
"""

from __future__ import annotations

import dataclasses
import os
import stat
from dataclasses import replace
from pathlib import Path

from generator.assemble.links import resolve_document
from generator.assemble.summaries import anchor_summary
from generator.config import Config
from generator.errors import Problem
from generator.incremental.warm import Built
from generator.model import Article, Source
from generator.outputs import Output, digest
from generator.render.fragments import forget_fragments
from generator.render.pages import document_job, render_page
from generator.render.pictures import image_marks, shown_paths, with_body_pictures
from generator.source.files import decode
from generator.source.parallel import parse_many
from generator.source.parse import Parsed

# What an edit may change and still leave every other page's shape alone: the text and what
# is shown with it. Any other field (URL, dates, tags, template...) means a full build first.
FREE = frozenset(
    {
        "title", "content", "summary", "description", "toc", "word_count", "meta", "lines",
        "links", "lang", "updated", "image", "image_alt", "image_caption",
    }
)  # fmt: skip
# What assembling the site gives an article beyond what parsing did.
ASSEMBLED = ("tags", "authors", "section", "previous", "next", "scheduled", "picture")


def quick_page(file: Path, built: Built, config: Config) -> Output | None:
    """Return the page a full build would make for the document at `file` after an edit,
    or None when that cannot be known without one (a new, removed or unreadable document,
    one that does not parse, or an edit that changes more than the document's own page)."""
    try:
        rel = file.relative_to(config.content_dir).as_posix()
    except ValueError:
        return None
    old_source = built.sources.get(rel)
    _, old = built.parsed.get(rel, ("", None))
    shown = built.documents.get(rel)
    if old_source is None or old is None or shown is None:
        return None
    source = _read(file, old_source, config)
    if source is None or source.digest == old_source.digest:
        return None
    parsed = next(parse_many([source], config, jobs=1))
    if not isinstance(parsed, Parsed) or parsed.warnings:
        return None
    new = parsed.document
    if type(new) is not type(old) or any(
        getattr(new, f.name) != getattr(old, f.name)
        for f in dataclasses.fields(new)
        if f.name not in FREE
    ):
        return None
    sites = set(built.published.values())
    if isinstance(new, Article):
        new = replace(new, **{name: getattr(shown, name) for name in ASSEMBLED})
        lead = (new.image, new.meta.get("image_focus"))
        if lead != (old.image, old.meta.get("image_focus")):
            # The Picture of another image of this site is made by the build.
            if new.image and new.image.split("?")[0] in sites:
                return None
            new = replace(new, picture=None)
    warnings: list[Problem] = []
    new = resolve_document(new, built.published, config.content_dir, config.base_path,
                           warnings)  # fmt: skip
    # Anchored first, as a build anchors summaries before reading their images.
    new = anchor_summary(new, config.base_path)
    marks = image_marks(new)
    # An image the last build published but showed on no page has no variants yet.
    shown_images = shown_paths(new, marks, config.base_path) - built.pictures.keys()
    if warnings or shown_images & sites:
        return None
    new = with_body_pictures(new, marks, built.pictures, config.base_path)
    job = document_job(new, built.articles, built.info, built.env, config)
    forget_fragments(built.env)  # a theme may key a fragment on something this edit changed
    page = render_page(job, built.env, config)
    return page if isinstance(page, Output) else None


def _read(file: Path, old: Source, config: Config) -> Source | None:
    """Return the source at `file` as reading the content folder would, or None if it is
    no longer a plain, readable, small enough UTF-8 file."""
    try:
        info = os.lstat(file)
        if not stat.S_ISREG(info.st_mode) or info.st_size > config.max_document_mb * 1_000_000:
            return None
        data = file.read_bytes()
        return replace(old, text=decode(data), digest=digest(data))
    except (OSError, UnicodeDecodeError):
        return None
