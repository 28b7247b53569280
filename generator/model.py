"""The data a build passes between stages: frozen, picklable, and free of I/O.

Documents refer to each other by source path (content-relative, posix), never by reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from markupsafe import Markup


@dataclass(frozen=True)
class Source:
    """One Markdown file under content/, decoded, with newlines normalised to '\\n'."""

    path: str  # relative to content/, posix
    file: Path
    text: str | None  # None when left unread, its digest known (sources.with_text reads it)
    digest: str
    kind: str  # "article" or "page"
    bundle: bool = False  # an index.md whose folder's other files belong to it


@dataclass(frozen=True)
class Asset:
    """A file under content/ that is published as it is (an image, a PDF)."""

    path: str  # relative to content/, posix
    file: Path
    digest: str
    owner: str | None = None  # source path of the bundle document it sits beside


@dataclass(frozen=True)
class Term:
    """A tag, author or section as a link: its display name, slug and site path."""

    name: str
    slug: str
    url: str


@dataclass(frozen=True)
class Document:
    """What an article and a static page have in common."""

    source: str
    title: str
    url: str
    content: Markup
    summary: Markup
    description: str
    toc: Markup
    template: str
    lang: str | None = None
    draft: bool = False
    word_count: int = 0
    meta: dict[str, Any] = field(default_factory=dict, hash=False)
    lines: dict[str, int] = field(default_factory=dict, hash=False, compare=False)
    layout: str | None = None  # a peer's `layout`: used only if the theme has that template
    links: tuple[tuple[str, int], ...] = ()  # (target, file line) for the links stage to resolve

    @property
    def reading_time(self) -> int:
        """Minutes to read at 220 words a minute, at least 1."""
        return max(1, round(self.word_count / 220))


@dataclass(frozen=True)
class Article(Document):
    date: datetime = datetime.min
    updated: datetime | None = None
    expires: datetime | None = None  # held back from this moment on
    authors: tuple[Term, ...] = ()
    tags: tuple[Term, ...] = ()
    section: Term | None = None
    image: str | None = None
    image_alt: str = ""
    image_caption: str = ""
    hidden: bool = False  # published, but in no listing or feed
    scheduled: bool = False  # dated after the build's clock (only shown in previews)
    previous: str | None = None  # source path of the older neighbour
    next: str | None = None  # source path of the newer neighbour
    aliases: tuple[str, ...] = ()  # old site paths that redirect here


@dataclass(frozen=True)
class Page(Document):
    """A static page such as About or Corrections."""


@dataclass(frozen=True)
class Group:
    """A tag, author, section or year with the source paths of its articles, newest first."""

    name: str
    slug: str
    url: str
    sources: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.sources)


@dataclass(frozen=True)
class Site:
    """Everything to publish, ordered and grouped; `articles` is newest first."""

    articles: tuple[Article, ...]
    pages: tuple[Page, ...]
    tags: tuple[Group, ...]
    authors: tuple[Group, ...]
    sections: tuple[Group, ...]
    years: tuple[Group, ...]
    assets: tuple[Asset, ...]
    year: int  # the year (UTC) of the build's clock: what a site with no article shows

    @property
    def listed(self) -> tuple[Article, ...]:
        """Articles that appear in listings and feeds (not hidden), newest first."""
        return tuple(a for a in self.articles if not a.hidden)


# An article or a static page, kept as what it was: a per-document step returns the same kind.
DocumentT = TypeVar("DocumentT", Article, Page)


def evolve(doc: DocumentT, **changes: Any) -> DocumentT:
    """Return a copy of `doc` with `changes`, as dataclasses.replace() would.

    replace() runs the generated __init__ over all thirty fields; assembling a large site
    gives every article its neighbours, and copying the fields is several times faster.
    Documents have no __post_init__ to skip.
    """
    assert changes.keys() <= doc.__dataclass_fields__.keys(), "not a field of a document"
    new = object.__new__(type(doc))
    new.__dict__.update(doc.__dict__, **changes)
    return new


def last_change(article: Article) -> datetime:
    """Return the article's "Last update", or its publication date if it was never updated."""
    return article.updated if article.updated and article.updated > article.date else article.date


def syndicated(site: Site) -> tuple[Article, ...]:
    """Return the articles feeds and the sitemap announce: listed, not drafts, not scheduled.

    Previews (--drafts, --future) show held-back articles on pages, never in feeds.
    """
    return tuple(a for a in site.listed if not a.draft and not a.scheduled)
