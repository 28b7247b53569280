"""How deeply a Markdown text nests lists, quotes and HTML, found before converting it.

Python-Markdown's memory grows with the nesting of what it converts (a 2 MB body nested
1,000 levels deep takes 700 MB), and the parse time limit does not bound memory; a quick
scan of the text finds a document too deep to convert before it is converted.
"""

from __future__ import annotations

import re

# A line's quote markers (`> > >`) and the indentation after them.
_PREFIX = re.compile(r"((?:[ \t]{0,3}>)*)([ \t]*)([-*+]|\d{1,9}[.)])?(?=[ \t]|$)")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)\b[^<>]*?(/?)>")
# Elements that never hold others, so never nest.
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"}
)  # fmt: skip


def deeper_than(text: str, limit: int) -> tuple[int, int] | None:
    """Return how deeply `text` nests lists, quotes and HTML elements and the line (from 1)
    where that is first reached, if deeper than `limit`; else None."""
    # Each level is a '>' of a quote, a '<' of a tag, or four columns of indentation (a
    # tab's worth of a character): most texts cannot reach the limit, found without a scan.
    rest = limit - text.count("<") - text.count(">") - 1
    if rest < 0 or _indented(text, rest):
        depth, line = deepest(text)
        return (depth, line) if depth > limit else None
    return None


def _indented(text: str, width: int) -> bool:
    """Return whether a line of `text` starts with `width` spaces or tabs or more."""
    # Lines are found from their `\n`, which the engine looks for without trying the rest
    # of the expression at every character, as it would after a `^`.
    indent = f"[ \t]{{{width},}}"
    return bool(re.match(indent, text) or re.search(f"\n{indent}", text))


def deepest(text: str) -> tuple[int, int]:
    """Return the deepest nesting of lists, quotes and HTML elements in `text` and the line
    (from 1) where it is first reached."""
    peaks, ends = _html_depths(text) if "<" in text else ({}, {})
    depth, where, carried = 0, 1, 0
    for number, line in enumerate(text.split("\n"), 1):
        level = peaks.get(number, carried)
        carried = ends.get(number, carried)
        if line[:1] in (" ", "\t", ">", "-", "*", "+") or line[:1].isdigit():
            match = _PREFIX.match(line)
            if match is not None:
                quotes, indent, marker = match.groups()
                width = len(indent.expandtabs(4))
                level += quotes.count(">") + width // 4 + (marker is not None)
        if level > depth:
            depth, where = level, number
    return depth, where


def _html_depths(text: str) -> tuple[dict[int, int], dict[int, int]]:
    """Return, for each line holding tags, the deepest HTML nesting reached on it and the
    nesting at its end."""
    peaks: dict[int, int] = {}
    ends: dict[int, int] = {}
    depth, line, position = 0, 1, 0
    for match in _TAG.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        closing, name, self_closing = match.groups()
        if name.lower() in _VOID or self_closing:
            continue
        if closing:
            depth = max(0, depth - 1)
        else:
            depth += 1
            peaks[line] = max(depth, peaks.get(line, 0))
        ends[line] = depth
    return peaks, ends
