"""The names of the checks and the summary of findings a build prints: what a build that
changed nothing needs of the checks, without loading them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from generator.errors import Finding

# The check that wraps warnings of earlier stages (a duplicate front matter key, a skipped file).
CONTENT = "content"
# The check of folders and files of content/ that cannot be read (ContentTree.unreadable).
UNREADABLE = "unreadable_sources"
NOUNS: dict[str, tuple[str, str]] = {
    "broken_links": ("broken link", "broken links"),
    "missing_images": ("missing image", "missing images"),
    "missing_files": ("missing file", "missing files"),
    "broken_anchors": ("broken anchor", "broken anchors"),
    "missing_alt": ("image without alt text", "images without alt text"),
    "updated_before_date": ("update dated before publication", "updates dated before publication"),
    "long_summary": ("summary too long or missing", "summaries too long or missing"),
    "single_use_tags": ("tag used once", "tags used once"),
    "social_cards": ("lead image without a social card", "lead images without a social card"),
    "external_links": ("broken external link", "broken external links"),
    UNREADABLE: ("unreadable source", "unreadable sources"),
    CONTENT: ("content warning", "content warnings"),
}


def summarize(findings: Sequence[Finding]) -> list[str]:
    """Return one line per level: '3 warnings: 2 broken links, 1 missing image'."""
    lines = []
    for level in ("error", "warning"):
        counts = Counter(f.check for f in findings if f.level == level)
        if not counts:
            continue
        total = sum(counts.values())
        order = sorted(counts, key=lambda c: (-counts[c], list(NOUNS).index(c)))
        parts = [f"{counts[c]} {NOUNS[c][0 if counts[c] == 1 else 1]}" for c in order]
        lines.append(f"{total} {level}{'s' if total != 1 else ''}: {', '.join(parts)}")
    return lines
