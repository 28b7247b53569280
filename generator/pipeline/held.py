"""Articles held back from publication: drafts, scheduled (future) and expired ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from generator.check.findings import unreadable_errors
from generator.config import Config
from generator.errors import BuildFailed
from generator.model import Article, Page
from generator.pipeline.build import BuildOptions, parse_all
from generator.source.files import read_content

HELD_KINDS = ("drafts", "future", "expired")


@dataclass(frozen=True)
class Held:
    """A document a build at `now` does not publish, and the moment that matters for it:
    its date for drafts and scheduled articles, its expiry for expired ones."""

    source: str
    title: str
    when: datetime | None


def held_back(documents: list[Article | Page], kind: str, now: datetime) -> list[Held]:
    """Return the documents of `kind` ('drafts', 'future' or 'expired') at `now`, soonest first."""
    held: list[Held] = []
    for doc in documents:
        article = doc if isinstance(doc, Article) else None
        if kind == "drafts" and doc.draft:
            held.append(Held(doc.source, doc.title, article.date if article else None))
        elif kind == "future" and article and not doc.draft and article.date > now:
            if article.expires is None or article.expires > now:
                held.append(Held(doc.source, doc.title, article.date))
        elif kind == "expired" and article and article.expires and article.expires <= now:
            held.append(Held(doc.source, doc.title, article.expires))
    return sorted(held, key=lambda h: (h.when is None, h.when or datetime.min, h.source))


def list_held(config: Config, kind: str, now: datetime) -> list[Held]:
    """Return the documents of config's content held back as `kind` at `now`.

    Raises BuildFailed when a document cannot be read: a list must not silently miss one.
    """
    tree = read_content(config.content_dir)
    parsed = parse_all(tree, config, None, BuildOptions())  # on every core
    # A folder that cannot be read may hold drafts too: it fails the list as it fails a
    # build (at the level `unreadable_sources` gives it).
    errors = (*parsed.errors, *unreadable_errors(tree.unreadable, config))
    if errors:
        raise BuildFailed(errors)
    return held_back(list(parsed.documents), kind, now)
