"""Python-Markdown's inline pass, without trying patterns that cannot match.

The inline pass tries each of its fifteen patterns on every run of text, and most runs hold
none of the characters a given pattern needs: a paragraph without '[' has no link. Trying a
pattern is several microseconds of Python, checking for a character is a fraction of one;
skipping saves about a fifth of a document's conversion, and the output is the same by
construction, since a pattern is skipped only when its regular expression cannot match.
"""

from __future__ import annotations

import re

import markdown
from markdown import util
from markdown.treeprocessors import InlineProcessor

# What any match of a pattern's expression contains, by the expression as written. Keyed
# by the expression itself, not the pattern's name: a pattern changed in a later
# Python-Markdown, or one added by an extension, is simply always tried.
_NEEDS: dict[str, tuple[str, ...]] = {
    r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)": ("`",),  # code spans
    r"\\(.)": ("\\",),  # backslash escapes
    r"\[\^([^\]]*)\]": ("[^",),  # footnote references
    r"(?<!\!)\[": ("[",),  # links and references
    r"\!\[": ("![",),  # images
    r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>": ("://",),  # <https://...>
    r"<([^<> !]+@[^@<> ]+)>": ("@",),  # <name@example.org>
    r"  \n": ("  \n",),  # hard line breaks
    r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)": ("&",),  # entities
    r"\*|_": ("*", "_"),  # emphasis
}
# Raw inline HTML; an opening '<' starts every alternative.
_NEEDS[
    r"""(<(\/?+[a-zA-Z][^\s"'<>@]*+(?:\s+[^\s"'=<>]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'"""
    r"""|[^\s"'=<>]++))?+)*+\s*+/?|!--(?:(?!<!--|-->).)*--|[?](?:(?!<[?]|[?]>).)*[?]"""
    r"""|!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\])>)"""
] = ("<",)

# The upstream methods this pass stands in for and calls; without them it is not installed.
_HANDLE = "_InlineProcessor__handleInline"
_APPLY = "_InlineProcessor__applyPattern"


class _SkippingInline(InlineProcessor):
    """The inline pass, trying at each run of text only the patterns whose needed
    characters it holds."""

    needs: list[tuple[str, ...] | None]  # by pattern index; None: always tried
    # Finds any part any pattern needs; None when some pattern is always tried.
    anything: re.Pattern[str] | None
    patterns: tuple[object, ...] = ()  # the patterns `needs` and `anything` were made for

    def run(self, tree, ancestors=None):
        patterns = tuple(self.inlinePatterns)
        if patterns != self.patterns:  # made once, again only if a pattern is registered
            self.patterns = patterns
            self.needs = [_NEEDS.get(getattr(p, "pattern", None)) for p in patterns]
            parts = sorted({part for need in self.needs for part in need or ()}, key=len)
            self.anything = (
                re.compile("|".join(map(re.escape, parts))) if None not in self.needs else None
            )
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        # Upstream's loop (a pattern is tried again after it matched, from just past the
        # match), with the check for needed characters in front.
        if isinstance(data, util.AtomicString):
            return data
        # Most runs of text (a link's words, the text after a link) need no pattern at all.
        if self.anything is not None and self.anything.search(data) is None:
            return data
        patterns, needs, apply = self.inlinePatterns, self.needs, getattr(self, _APPLY)
        start = 0
        while patternIndex < len(patterns):
            need = needs[patternIndex]
            if need is None or need[0] in data or any(part in data for part in need[1:]):
                data, matched, start = apply(patterns[patternIndex], data, patternIndex, start)
                if matched:
                    continue
            patternIndex += 1
            start = 0
        return data


def install(md: markdown.Markdown) -> None:
    """Make `md`'s inline pass skip the patterns that cannot match."""
    if not (hasattr(InlineProcessor, _HANDLE) and hasattr(InlineProcessor, _APPLY)):
        return  # a Python-Markdown that changed its internals: keep its own pass
    inline = md.treeprocessors["inline"]
    if type(inline) is InlineProcessor:  # not already replaced by an extension
        inline.__class__ = _SkippingInline  # in place: same state, same place in the order
