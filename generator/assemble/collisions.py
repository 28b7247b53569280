"""Documents that would be published at one address: each named with the line of the field
that made the address, and how to part them."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.assemble.assembly import Selection, is_published
from generator.errors import Problem, display_path
from generator.model import Article, Page

# What made a document's address, most specific first, and how to give it another.
_HINTS = {
    "url": "give one of them another `url`",
    "slug": "give one of them another `slug`",
    "title": "the address is made from the title: give one of them a `slug` of its own",
    "file": "the address is made from the file name: rename one, or give it a `slug`",
    "aliases": "an alias may not be another page's address: remove it or change it",
}


@dataclass(frozen=True)
class _Claim:
    doc: Article | Page
    path: str  # the address, or one of its aliases
    field: str  # the field that made it: url, slug, title, file or aliases

    @property
    def line(self) -> int | None:
        return self.doc.lines.get(self.field)


def collisions(
    documents: Iterable[Article | Page],
    selection: Selection,
    content_dir: Path,
    left_out: bool = False,
) -> tuple[frozenset[str], tuple[Problem, ...]]:
    """Return the source paths of the documents `selection` publishes whose address (or an
    alias) another one has too, and the problems, naming the others by file and line: with
    `left_out`, one for each document, saying it was left out; else one for each address,
    at its first document."""
    owners: dict[str, list[_Claim]] = {}
    for doc in documents:
        if not is_published(doc, selection):
            continue
        for claim in _claims(doc):
            key = unicodedata.normalize("NFC", claim.path).casefold()
            owners.setdefault(key, []).append(claim)
    problems: list[Problem] = []
    out: set[str] = set()
    for claims in owners.values():
        if len({c.doc.source for c in claims}) < 2:
            continue
        claims.sort(key=lambda c: (c.doc.source, c.line or 0))
        for claim in claims if left_out else claims[:1]:
            others = ", ".join(
                _where(c, content_dir) for c in claims if c.doc.source != claim.doc.source
            )
            what = "alias" if claim.field == "aliases" else "address"
            message = f"its {what} {claim.path} is also claimed by {others}"
            problems.append(
                Problem(
                    display_path(content_dir / claim.doc.source),
                    claim.line,
                    f"left out: {message}" if left_out else message,
                    _HINTS[claim.field],
                )
            )
            out.add(claim.doc.source)
    problems.sort(key=lambda p: (p.path, p.line or 0, p.message))
    return frozenset(out), tuple(dict.fromkeys(problems))


def _claims(doc: Article | Page) -> list[_Claim]:
    """Return the addresses `doc` is published at: its own, then its aliases."""
    made = next((f for f in ("url", "slug") if f in doc.lines), None)
    if made is None:
        made = "title" if isinstance(doc, Article) else "file"
    aliases = doc.aliases if isinstance(doc, Article) else ()
    return [_Claim(doc, doc.url, made), *(_Claim(doc, a, "aliases") for a in aliases)]


def _where(claim: _Claim, content_dir: Path) -> str:
    """Return the file of `claim` with the line of the field that made its address."""
    shown = display_path(content_dir / claim.doc.source)
    return f"{shown}:{claim.line}" if claim.line else shown
