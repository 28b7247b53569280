"""Split a document into its front matter (with file line numbers) and its Markdown body."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import Problem, SourceError
from .yamldata import load_mapping

YAML_FENCE = "---"
_CLOSER = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class FrontMatter:
    """The metadata of a document, the line of each key, and the body with its first line."""

    data: dict[str, Any]
    lines: dict[str, int]
    body: str
    body_line: int
    warnings: tuple[Problem, ...] = ()


def split_front_matter(text: str, path: str) -> FrontMatter:
    """Return the front matter and body of `text` (newlines already normalised to '\\n').

    A document without front matter has empty metadata. Raises SourceError for front matter
    that is opened but never closed, or is not valid YAML.
    """
    first_end = text.find("\n")
    first = text if first_end < 0 else text[:first_end]
    if first.rstrip(" \t") != YAML_FENCE:
        return FrontMatter({}, {}, text, 1)
    closer = _CLOSER.search(text, first_end + 1) if first_end >= 0 else None
    if closer is None:
        raise SourceError(
            path, 1, "front matter opened with '---' is never closed", "add a line '---' after it"
        )
    yaml_text = text[first_end + 1 : closer.start()]
    doc = load_mapping(yaml_text, path, first_line=2)
    body_line = 3 + yaml_text.count("\n")
    body = text[closer.end() + 1 :]
    return FrontMatter(doc.data, doc.lines, body, body_line, doc.warnings)
