"""Python-Markdown 3.11.4's search for the end of a link's text, visiting only the brackets.

From 3.11.4 a link, image or reference finds the `]` closing its text in a table of every
position of the paragraph, rebuilt for each link, one character at a time in Python (a fix
that keeps unclosed brackets from taking quadratic time). That table costs a third of a
news article's conversion. Between two brackets the depth does not change, so the same
table can be filled a run of positions at a time, visiting only the brackets: the same
result, still in linear time. And a link asks the table for one position only, the one after
its `[`, whose closing `]` is usually a few brackets on: BracketEnds looks there first, and
builds the whole table only for text with many brackets.
"""

from __future__ import annotations

import re

import markdown

_BRACKET = re.compile(r"[\[\]]")
_UPSTREAM = "_findBracketEnds"
# Brackets one lookup visits before the whole table is built: enough for any real link text,
# and what keeps thousands of unclosed brackets linear.
_LOOKAHEAD = 32


def bracket_ends(data: str) -> list[int | None]:
    """Return, for each index of `data` and one past its end, the index just past the `]`
    that closes an opening bracket before it, or None if none does (upstream's
    LinkInlineProcessor._findBracketEnds)."""
    ends: list[int | None] = [None] * (len(data) + 1)
    depth = 0
    runs: list[tuple[int, int, int]] = []  # (first, last, depth): positions still waiting
    first = 0
    for bracket in _BRACKET.finditer(data):
        at = bracket.start()
        runs.append((first, at, depth))  # positions first..at are all at this depth
        if data[at] == "[":
            depth += 1
        else:
            depth -= 1
            while runs and runs[-1][2] > depth:  # closed by this bracket
                start, last, _ = runs.pop()
                ends[start : last + 1] = [at + 1] * (last + 1 - start)
        first = at + 1
    return ends


class BracketEnds:
    """Upstream's table for `data`, worked out at the positions asked for."""

    __slots__ = ("_data", "_table")

    def __init__(self, data: str) -> None:
        self._data = data
        self._table: list[int | None] | None = None

    def __len__(self) -> int:
        return len(self._data) + 1

    def __getitem__(self, index: int) -> int | None:
        """Return the index just past the `]` closing the bracket opened just before
        `index`, or None if none does."""
        if self._table is not None:
            return self._table[index]
        depth = 0
        for visited, bracket in enumerate(_BRACKET.finditer(self._data, index)):
            if visited == _LOOKAHEAD:
                self._table = bracket_ends(self._data)
                return self._table[index]
            if bracket[0] == "[":
                depth += 1
            elif depth:
                depth -= 1
            else:
                return bracket.end()
        return None


def install(md: markdown.Markdown) -> None:
    """Make `md`'s link, image and reference patterns use BracketEnds, where they have
    upstream's table to stand in for."""
    for pattern in md.inlinePatterns:
        if callable(getattr(pattern, _UPSTREAM, None)):
            setattr(pattern, _UPSTREAM, BracketEnds)  # on the instance, as self calls it
