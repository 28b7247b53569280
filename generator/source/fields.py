"""Front matter fields: the names other generators use for ours, and typed access to values.

Pelican, Jekyll and Hugo call the same things by different names (`lastmod`, `categories`,
`excerpt`, `status: draft` ...). `canonical()` maps them onto Gazette's fields once, so the
rest of parsing only knows one vocabulary.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from generator.config import Config
from generator.errors import SourceError
from generator.source.dates import parse_date
from generator.source.frontmatter import FrontMatter

# Gazette's field, then the names peers use for it, in order of preference.
ALIASES: dict[str, tuple[str, ...]] = {
    "updated": ("modified", "lastmod", "last_modified_at"),
    "section": ("category", "categories"),
    "summary": ("description", "excerpt"),
    "url": ("permalink",),  # Hugo's and Jekyll's own address for one page
}
STATUSES = ("published", "draft", "hidden")
_TRUE = {"true", "yes", "on"}
_FALSE = {"false", "no", "off"}
_SPACES = re.compile(r"\s+")


def canonical(front: FrontMatter) -> tuple[dict[str, Any], dict[str, int]]:
    """Return the fields of `front` under Gazette's names, with the line of each.

    A field given under its own name wins over its aliases; the aliases used are dropped.
    """
    data, lines = dict(front.data), dict(front.lines)
    for name, aliases in ALIASES.items():
        for alias in aliases:
            if alias not in data:
                continue
            value = data.pop(alias)
            line = lines.pop(alias)
            if name in data or value is None:
                continue
            if name == "section" and (alias == "categories" or isinstance(value, list)):
                value = next(iter(split_names(value, front.dialect, words=True)), None)
                if value is None:
                    continue
            data[name], lines[name] = value, line
    return data, lines


def split_names(value: Any, dialect: str, words: bool = False) -> list[Any]:
    """Return a list field's items; a string is split on ';' or ',' as Pelican writes it.

    With `words`, a YAML or TOML string without commas is split on spaces (Jekyll's
    `tags: vote baku`). Items that are not text are returned as they are for the caller.
    """
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if not isinstance(value, str):
        return [value]
    if ";" in value:
        return value.split(";")
    if "," in value:
        return value.split(",")
    if words and dialect in ("yaml", "toml"):
        return _SPACES.split(value)
    return [value]


class Fields:
    """Typed access to canonical front matter values, raising SourceError at the key's line."""

    def __init__(self, data: dict[str, Any], lines: dict[str, int], file: object, dialect: str):
        self.data = data
        self.lines = lines
        self.file = file
        self.dialect = dialect

    def error(self, key: str, message: str, hint: str = "") -> SourceError:
        return SourceError(self.file, self.lines.get(key, 1), message, hint)

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.error(key, f"'{key}' must be text, not a {_kind(value)}")
        return value.strip()

    def flag(self, key: str) -> bool:
        value = self.data.get(key)
        if value is None:
            return False
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        raise self.error(key, f"'{key}' must be true or false, not {value!r}")

    def status(self) -> str:
        """Return 'published', 'draft' or 'hidden' from `status`, `draft` and `published`."""
        status = (self.text("status") or "published").lower()
        if status not in STATUSES:
            raise self.error("status", f"unknown status {status!r}", "use " + ", ".join(STATUSES))
        if self.flag("draft") or ("published" in self.data and not self.flag("published")):
            return "draft"
        return status

    def names(self, key: str, words: bool = False) -> list[str]:
        """Return a list field, also accepting a comma-, ';'- or (with `words`) space-separated
        string, a single value, an empty list or nothing."""
        items = split_names(self.data.get(key), self.dialect, words)
        if not all(isinstance(i, str | None) for i in items):
            raise self.error(key, f"'{key}' must be a list of names or a comma-separated string")
        return [i.strip() for i in items if i and i.strip()]

    def date(self, key: str, config: Config) -> datetime | None:
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise self.error(key, f"'{key}' is not a date: {value!r}")
        try:
            return parse_date(value, config.tz)
        except ValueError as exc:
            raise self.error(key, f"'{key}' is not a date: '{value}'", str(exc)) from None


def _kind(value: Any) -> str:
    return "list" if isinstance(value, list) else "mapping" if isinstance(value, dict) else "value"
