"""Split a document into its front matter (with file line numbers) and its Markdown body.

Three dialects are understood, detected per file: YAML between `---` lines (Jekyll, Hugo,
Gazette), TOML between `+++` lines (Hugo), and Pelican / MultiMarkdown `Key: value` header
lines up to the first blank line. Keys are read case-insensitively (`Title` is `title`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from generator.errors import Problem, SourceError
from generator.yamldata import load_mapping

YAML_FENCE = "---"
TOML_FENCE = "+++"
_YAML_CLOSER = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_TOML_CLOSER = re.compile(r"^\+\+\+[ \t]*$", re.MULTILINE)
# A header line: a simple key (letters, digits, '_', '-', no spaces inside) and its value.
# Pelican reads `Avatar:ab12` too: the space after the colon is optional.
_HEADER_LINE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9_-]*)[ \t]*:[ \t]*(?P<value>.*?)[ \t]*$")
_HEADER_KEYS_NEEDED = frozenset({"title", "date"})
# A value that starts as YAML's own syntax (a list, a mapping, a quote, a block).
_YAML_SYNTAX = re.compile(r"^[\[{\"'|>&*!-]")
_TOML_KEY = re.compile(
    r"""^[ \t]*(?:"(?P<dq>[^"]+)"|'(?P<sq>[^']+)'|(?P<bare>[A-Za-z0-9_-]+))[ \t]*="""
)
_TOML_TABLE = re.compile(r"^[ \t]*\[")
_TOML_ERROR_LINE = re.compile(r"\(at line (\d+), column \d+\)")


@dataclass(frozen=True)
class FrontMatter:
    """The metadata of a document, the line of each key, and the body with its first line.

    `dialect` is "yaml", "toml", "header" (Pelican `Key: value` lines) or "" (none).
    """

    data: dict[str, Any]
    lines: dict[str, int]
    body: str
    body_line: int
    warnings: tuple[Problem, ...] = ()
    dialect: str = ""
    notes: tuple[Problem, ...] = ()  # how it was read, for verbose mode


def split_front_matter(text: str, path: str) -> FrontMatter:
    """Return the front matter and body of `text` (newlines already normalised to '\\n').

    A document without front matter has empty metadata. Raises SourceError for front matter
    that is opened but never closed, or is not valid YAML or TOML.
    """
    first_end = text.find("\n")
    first = (text if first_end < 0 else text[:first_end]).rstrip(" \t")
    if first == YAML_FENCE:
        return _fenced(text, path, first_end, _YAML_CLOSER, "yaml")
    if first == TOML_FENCE:
        return _fenced(text, path, first_end, _TOML_CLOSER, "toml")
    header = _header(text, path)
    return header if header is not None else FrontMatter({}, {}, text, 1)


def _fenced(text: str, path: str, first_end: int, closer_re: re.Pattern, dialect: str):
    fence = YAML_FENCE if dialect == "yaml" else TOML_FENCE
    closer = closer_re.search(text, first_end + 1) if first_end >= 0 else None
    if closer is None:
        raise SourceError(
            path,
            1,
            f"front matter opened with '{fence}' is never closed",
            f"add a line '{fence}' after it",
        )
    inner = text[first_end + 1 : closer.start()]
    body_line = 3 + inner.count("\n")
    body = text[closer.end() + 1 :]
    if dialect == "yaml":
        try:
            doc = load_mapping(inner, path, first_line=2)
        except SourceError as error:
            # Pelican reads `title: Scraping: an introduction` between `---` lines; YAML
            # does not. Lines that all read as `Key: value` headers are taken as such.
            headers = _header_lines(inner.split("\n"), 2, continuations=False)
            if headers is None or any(_YAML_SYNTAX.match(v or "") for v in headers[0].values()):
                raise  # a YAML list or quote gone wrong: the YAML error says where
            note = Problem(
                error.problem.path, error.problem.line, "not YAML; read as Key: value headers"
            )
            return FrontMatter(*headers, body, body_line, (), "header", (note,))
        data, lines, warnings = doc.data, doc.lines, doc.warnings
    else:
        data, lines = _load_toml(inner, path, first_line=2)
        warnings = ()
    return FrontMatter(*_lowered(data, lines), body, body_line, warnings, dialect)


def _lowered(data: dict[str, Any], lines: dict[str, int]) -> tuple[dict, dict[str, int]]:
    """Return `data` and `lines` with lower-case keys: `Title` and `title` are one field."""
    return (
        {str(k).lower(): v for k, v in data.items()},
        {str(k).lower(): v for k, v in lines.items()},
    )


def _load_toml(text: str, path: str, first_line: int) -> tuple[dict[str, Any], dict[str, int]]:
    """Return the TOML table in `text` as YAML-like values (text, lists, mappings) and key lines."""
    import tomllib  # here: TOML front matter is rare, and its parser costs a start

    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _TOML_ERROR_LINE.search(message)
        line = first_line - 1 + int(where.group(1)) if where else first_line
        reason = _TOML_ERROR_LINE.sub("", message).strip()
        raise SourceError(path, line, f"invalid TOML: {reason}") from None
    lines: dict[str, int] = {}
    for number, raw in enumerate(text.split("\n"), start=first_line):
        if _TOML_TABLE.match(raw):  # keys after a [table] header belong to that table
            break
        key = _TOML_KEY.match(raw)
        if key:
            lines.setdefault(key["dq"] or key["sq"] or key["bare"], number)
    data = {key: _as_text(value) for key, value in table.items()}
    return data, {key: lines.get(key, first_line) for key in data}


def _as_text(value: Any) -> Any:
    """Return a TOML value as the YAML reader would give it: scalars become text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return [_as_text(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_text(v) for k, v in value.items()}
    return str(value)


def _header(text: str, path: str) -> FrontMatter | None:
    """Return Pelican / MultiMarkdown `Key: value` headers, or None if `text` does not start so.

    Every line up to the first blank one must be a `Key: value` line (or an indented
    continuation), and title or date must be among the keys, so that a body starting with
    "Note: ..." is not mistaken for a header.
    """
    block: list[str] = []
    for raw in text.split("\n"):
        if not raw.strip():
            break
        block.append(raw)
    headers = _header_lines(block, 1)
    if headers is None:
        return None
    end = sum(len(raw) + 1 for raw in block)
    body_line = text.count("\n", 0, end) + 1
    body = text[end:]
    if body.startswith("\n"):  # the blank line that ends the header
        body, body_line = body[1:], body_line + 1
    return FrontMatter(*headers, body, body_line, (), "header")


def _header_lines(
    raw_lines: list[str], first: int, continuations: bool = True
) -> tuple[dict, dict[str, int]] | None:
    """Return the fields and their lines if every one of `raw_lines` is a `Key: value` line
    (or, with `continuations`, an indented continuation) and title or date is among the
    keys; else None."""
    data: dict[str, Any] = {}
    lines: dict[str, int] = {}
    last = ""
    for number, raw in enumerate(raw_lines, start=first):
        if not raw.strip():
            continue
        match = _HEADER_LINE.match(raw)
        if match:
            last = match["key"].lower()
            data[last] = (match["value"] or "").strip()
            lines[last] = number
        elif continuations and last and raw[:1] in (" ", "\t"):  # MultiMarkdown's way
            data[last] = f"{data[last]} {raw.strip()}".strip()
        else:
            return None
    if not data or not _HEADER_KEYS_NEEDED & data.keys():
        return None
    return {k: (v or None) for k, v in data.items()}, lines
