"""What Markdown may put into a page: no script URLs, no event handlers, raw HTML on request.

Writers are trusted to embed video and social posts with raw HTML, so it is kept by default;
`raw_html: false` in site.yaml escapes it for sites that build contributions from strangers.
Links and images written in Markdown are always checked: a `javascript:`, `vbscript:` or
`data:` URL (however it is disguised with case, entities or control characters) becomes
harmless, and attribute lists cannot add `on...` event handlers.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown import Extension, Markdown
from markdown.extensions.attr_list import get_attrs_and_remainder
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE, HTML_PLACEHOLDER_RE

from generator.urls import is_unsafe_url

URL_ATTRIBUTES = ("href", "src", "action", "formaction", "poster", "cite", "background", "data")
# The comments that mark a summary's end (see converter.py): kept even when raw HTML is escaped.
_SUMMARY_MARKER = re.compile(r"<!--\s*(?:more|PELICAN_(?:BEGIN|END)_SUMMARY)\s*-->", re.IGNORECASE)


class _Neutralise(Treeprocessor):
    def _as_served(self, value: str) -> str:
        """Return an attribute as the browser will get it: Markdown keeps entities such as
        `&#106;` in its stash until the page is serialised, and the check must see them."""
        stash = self.md.htmlStash.rawHtmlBlocks
        value = HTML_PLACEHOLDER_RE.sub(lambda m: str(stash[int(m.group(1))]), value)
        return value.replace(AMP_SUBSTITUTE, "&")

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            for name in list(element.attrib):
                lowered = name.lower()
                # attr_list can leave a bare attribute without a value: `{: a }`
                value = self._as_served(element.attrib[name] or "")
                if lowered.startswith("on"):
                    del element.attrib[name]
                elif lowered in URL_ATTRIBUTES and is_unsafe_url(value, element.tag == "img"):
                    element.set(name, "#" if lowered == "href" else "")


class _KeepSummaryMarkers(Preprocessor):
    """Passes a `<!--more-->` line through as HTML when other raw HTML is escaped."""

    def run(self, lines: list[str]) -> list[str]:
        return [
            self.md.htmlStash.store(line.strip())
            if _SUMMARY_MARKER.fullmatch(line.strip())
            else line
            for line in lines
        ]


# A fence's attribute list: ```{.python hl_lines="2"}.
_FENCE_ATTRS = re.compile(r"^ {0,3}(?:`{3,}|~{3,})[ \t]*\{(.*)\}[ \t]*$")
# What it may set besides its language (.python), classes and id. Any other key goes to the
# highlighter as an option, where a clash (style=, lang=) or a bad value (linenostart="abc")
# raises deep inside Python-Markdown and Pygments.
FENCE_OPTIONS = ("hl_lines", "linenums")


class MarkupError(ValueError):
    """Markdown that cannot be converted; `line` counts from 1 in the converted text."""

    def __init__(self, line: int, message: str, hint: str = ""):
        super().__init__(message)
        self.line = line
        self.hint = hint


class _CheckFences(Preprocessor):
    """Refuses a fenced code block whose attributes would reach the highlighter."""

    def run(self, lines: list[str]) -> list[str]:
        for number, line in enumerate(lines, 1):
            if "{" not in line or (match := _FENCE_ATTRS.match(line)) is None:
                continue
            attrs, _ = get_attrs_and_remainder(match.group(1))
            for key, _value in attrs:
                if key not in ("id", ".", *FENCE_OPTIONS):
                    raise MarkupError(
                        number,
                        f"a code block cannot set {key!r}",
                        "give its language as a class ({.python}); it may also set "
                        + " and ".join(FENCE_OPTIONS),
                    )
        return lines


class SafetyExtension(Extension):
    """Neutralises script URLs and event handlers; escapes raw HTML unless it is allowed."""

    def __init__(self, raw_html: bool = True):
        super().__init__()
        self.raw_html = raw_html

    def extendMarkdown(self, md: Markdown) -> None:
        # After inline parsing (20) made every link and image and attr_list (8) set attributes.
        md.treeprocessors.register(_Neutralise(md), "gazette-safety", 6)
        # After whitespace is normalised (30), before fenced code is stashed (25).
        md.preprocessors.register(_CheckFences(md), "gazette-fences", 28)
        if not self.raw_html:
            md.preprocessors.deregister("html_block")
            md.inlinePatterns.deregister("html")
            md.preprocessors.register(_KeepSummaryMarkers(md), "gazette-markers", 20)
