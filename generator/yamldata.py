"""YAML read as the writer typed it: text scalars, lists and mappings, with the line of every key.

Front matter and site.yaml go through here, never through `yaml.load`: nothing is constructed
from tags (no code can run), YAML 1.1 guesses do not apply (`title: no` stays "no", `1.10` stays
"1.10"), and aliases are refused so an alias bomb cannot grow in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:  # the C parser is several times faster; the pure one gives the same nodes
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

from generator.errors import Problem, SourceError, display_path

_STANDARD_TAGS = frozenset(
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})


@dataclass(frozen=True)
class YamlMapping:
    """A top-level mapping: its values, the file line of each key, and warnings found on the way."""

    data: dict[str, Any]
    lines: dict[str, int]
    warnings: tuple[Problem, ...]


def load_mapping(text: str, path: Path | str, first_line: int = 1) -> YamlMapping:
    """Return the YAML mapping in `text`, whose first line is line `first_line` of `path`.

    Raises SourceError for invalid YAML or anything but a mapping at the top.
    """
    offset = first_line - 1
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, path, offset) from None
    except yaml.YAMLError as exc:
        raise SourceError(path, first_line, f"invalid YAML: {exc}") from None
    if node is None:
        return YamlMapping({}, {}, ())
    if not isinstance(node, yaml.MappingNode):
        raise SourceError(
            path, node.start_mark.line + 1 + offset, "expected a mapping of `key: value` lines"
        )
    reader = _Reader(path, offset, text)
    data, lines = reader.mapping(node)
    return YamlMapping(data, lines, tuple(reader.warnings))


class _Reader:
    """Turns composed nodes into plain values, refusing tags and aliases."""

    def __init__(self, path: Path | str, offset: int, text: str):
        self.path = path
        self.offset = offset
        self.text = text
        self.seen: set[int] = set()
        self.warnings: list[Problem] = []

    def line(self, node: yaml.Node) -> int:
        return node.start_mark.line + 1 + self.offset

    def _alias_line(self) -> int:
        """Return the line of the first `*alias`: composed nodes only know their anchor's."""
        for event in yaml.parse(self.text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                return event.start_mark.line + 1 + self.offset
        return self.offset + 1

    def value(self, node: yaml.Node) -> Any:
        if id(node) in self.seen:
            raise SourceError(
                self.path, self._alias_line(), "YAML aliases (*name) are not supported"
            )
        self.seen.add(id(node))
        if node.tag not in _STANDARD_TAGS:
            raise SourceError(self.path, self.line(node), f"YAML tag {node.tag!r} is not allowed")
        if isinstance(node, yaml.ScalarNode):
            if not node.style and node.value in _NULLS:  # the C parser gives "" for plain
                return None
            return node.value
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item) for item in node.value]
        return self.mapping(node)[0]

    def mapping(self, node: yaml.MappingNode) -> tuple[dict[str, Any], dict[str, int]]:
        data: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise SourceError(self.path, self.line(key_node), "a key must be plain text")
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise SourceError(
                    self.path, self.line(key_node), "YAML merge keys are not supported"
                )
            key = key_node.value
            if key in lines:
                self.warnings.append(
                    Problem(
                        display_path(self.path),
                        self.line(key_node),
                        f"duplicate key {key!r} (first on line {lines[key]}); the last one is used",
                    )
                )
            lines[key] = self.line(key_node)
            data[key] = self.value(value_node)
        return data, lines


def _syntax_error(
    exc: yaml.MarkedYAMLError, text: str, path: Path | str, offset: int
) -> SourceError:
    """Return the SourceError for a YAML syntax error, at the line where it was noticed and
    naming the line where the unfinished construct (a quote, a list) began."""
    opened = exc.context_mark
    if (
        exc.context == "while scanning a quoted scalar"
        and opened
        and "end of stream" in str(exc.problem)
    ):
        # Read to the end of the front matter looking for the closing quote: where it is
        # missing is the line that opened it, not the fence the reader stopped at.
        quote = text[opened.index : opened.index + 1] or '"'
        message = f"invalid YAML: the quote ({quote}) opened on this line is never closed"
        hint = f"end the value with {quote}, or write it without quotes"
        return SourceError(path, opened.line + 1 + offset, message, hint)
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    message = f"invalid YAML: {exc.problem or exc.context or 'cannot be read'}"
    if exc.context and exc.context_mark and exc.problem and exc.context_mark.line + 1 != line:
        message += f" ({exc.context}, which starts on line {exc.context_mark.line + 1 + offset})"
    lines = text.split("\n")
    text_line = lines[line - 1] if line <= len(lines) else ""
    indent = text_line[: len(text_line) - len(text_line.lstrip(" \t"))]
    hint = "indent YAML with spaces, not tabs" if "\t" in indent else ""
    return SourceError(path, line + offset, message, hint)
