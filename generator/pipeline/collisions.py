"""Documents left out of a keep-going build because another has their address."""

from __future__ import annotations

import unicodedata

from generator.config import Config
from generator.errors import Problem, display_path
from generator.model import Article, Page


def without_collisions(
    documents: tuple[Article | Page, ...], config: Config
) -> tuple[tuple[Article | Page, ...], list[Problem]]:
    """Return `documents` without those whose address (or an alias) another one has too,
    and a problem for each left out, naming the other and the field that made the URL."""
    owners: dict[str, list[Article | Page]] = {}
    for doc in documents:
        paths = {doc.url, *(doc.aliases if isinstance(doc, Article) else ())}
        for path in paths:
            key = unicodedata.normalize("NFC", path).casefold()
            owners.setdefault(key, []).append(doc)
    problems: list[Problem] = []
    out: set[str] = set()
    for key, docs in sorted(owners.items()):
        if len(docs) < 2:
            continue
        for doc in docs:
            others = ", ".join(
                display_path(config.content_dir / d.source) for d in docs if d is not doc
            )
            field = next((f for f in ("url", "slug", "title") if f in doc.lines), "title")
            problems.append(
                Problem(
                    display_path(config.content_dir / doc.source),
                    doc.lines.get(field),
                    f"left out: its address {key} is also that of {others}",
                    "give one of them another `slug` (or `url`)",
                )
            )
            out.add(doc.source)
    return tuple(d for d in documents if d.source not in out), problems
