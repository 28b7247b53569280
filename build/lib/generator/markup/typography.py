"""Smart typography: straight quotes to curly ones, `--` and `---` to dashes, `...` to an ellipsis.

A Python-Markdown tree processor that walks the text of the document once, in reading order,
so a quote's direction can depend on the character before it even across inline elements
(`"*word*"`). Code, preformatted text and raw HTML are never touched; characters that are
already typographic pass through unchanged. It does what the bundled `smarty` extension does
for prose at a fraction of its cost, because it runs one pass instead of a dozen inline
patterns over every text node.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown import Extension
from markdown.treeprocessors import Treeprocessor

SKIPPED = frozenset({"code", "pre", "kbd", "samp", "script", "style", "math", "svg"})
BLOCKS = frozenset(
    {"p", "li", "td", "th", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
     "figcaption", "caption", "div"}
)  # fmt: skip
_OPENS_AFTER = frozenset(" \t\n([{<-–—/“‘\u00a0")
_CLOSES_AFTER = frozenset(".,!?;:)]}…%")
_QUOTE = re.compile(r"[\"']")


def _dashes(text: str) -> str:
    if "-" in text:
        text = text.replace("---", "\u2014").replace("--", "\u2013")
    if "..." in text:
        text = text.replace("...", "\u2026")
    return text


def smarten(text: str, before: str) -> str:
    """Return `text` with typographic quotes and dashes; `before` is the character preceding it."""
    text = _dashes(text)
    if '"' not in text and "'" not in text:
        return text

    def curl(match: re.Match[str]) -> str:
        i = match.start()
        prev = text[i - 1] if i else before
        after = text[i + 1] if i + 1 < len(text) else ""
        # At the end of a text node an inline element follows (`"*word*"`): that opens too.
        opening = prev in _OPENS_AFTER and after not in (" ", "\t", "\n")
        if match.group() == '"':
            return "\u201c" if opening else "\u201d"
        if prev.isalnum() or prev in _CLOSES_AFTER or prev in "\u201d\u2019":
            return "\u2019"  # an apostrophe (don't, Excellency's) or a closing quote
        if opening and after.isdigit():
            return "\u2019"  # an elided century: '80s
        return "\u2018" if opening else "\u2019"

    return _QUOTE.sub(curl, text)


class _Typography(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        self.last = " "
        self.visit(root)

    def visit(self, element: etree.Element) -> None:
        if element.tag in BLOCKS:
            self.last = " "
        if element.text:
            element.text = self.text(element.text)
        for child in element:
            if child.tag in SKIPPED:
                self.last = "x"  # code reads as a word: `"`x`"` gets an opening and a closing quote
            else:
                self.visit(child)
            if child.tail:
                child.tail = self.text(child.tail)
        if element.tag in BLOCKS:
            self.last = " "

    def text(self, text: str) -> str:
        result = smarten(text, self.last)
        self.last = result[-1]
        return result


class TypographyExtension(Extension):
    """Registers the typography pass after attribute lists (8), whose `{: key="value"}` syntax
    must still hold straight quotes, and before the table of contents (5) copies headings."""

    def extendMarkdown(self, md) -> None:
        md.treeprocessors.register(_Typography(md), "gazette-typography", 7)
