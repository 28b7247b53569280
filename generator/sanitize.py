"""What Markdown may put into a page: no script URLs, no event handlers, raw HTML on request.

Writers are trusted to embed video and social posts with raw HTML, so it is kept by default;
`raw_html: false` in site.yaml escapes it for sites that build contributions from strangers.
Links and images written in Markdown are always checked: a `javascript:`, `vbscript:` or
`data:` URL (however it is disguised with case, entities or control characters) becomes
harmless, and attribute lists cannot add `on...` event handlers.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

URL_ATTRIBUTES = ("href", "src", "action", "formaction", "poster", "cite", "background", "data")
_BLANKS = re.compile(r"[\x00-\x20\x7f-\x9f]+")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_SAFE_DATA_IMAGE = re.compile(r"^data:image/(png|gif|jpeg|webp|avif);", re.IGNORECASE)
_UNSAFE_SCHEMES = frozenset({"javascript", "vbscript", "data", "livescript", "mocha"})


def is_unsafe_url(value: str, image: bool = False) -> bool:
    """Return True for a URL that would run script when followed or loaded.

    Browsers decode entities and drop tabs and newlines inside a scheme (`java&#10;script:`),
    so the check does the same before reading the scheme. Inline raster images
    (`data:image/png;...`) are allowed in image sources.
    """
    plain = _BLANKS.sub("", html.unescape(value))
    match = _SCHEME.match(plain)
    if match is None or match.group(1).lower() not in _UNSAFE_SCHEMES:
        return False
    return not (image and _SAFE_DATA_IMAGE.match(plain))


class _Neutralise(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            for name in list(element.attrib):
                lowered = name.lower()
                if lowered.startswith("on"):
                    del element.attrib[name]
                elif lowered in URL_ATTRIBUTES and is_unsafe_url(
                    element.attrib[name], image=element.tag == "img"
                ):
                    element.set(name, "#" if lowered == "href" else "")


class SafetyExtension(Extension):
    """Neutralises script URLs and event handlers; escapes raw HTML unless it is allowed."""

    def __init__(self, raw_html: bool = True):
        super().__init__()
        self.raw_html = raw_html

    def extendMarkdown(self, md: Markdown) -> None:
        # After inline parsing (20) made every link and image and attr_list (8) set attributes.
        md.treeprocessors.register(_Neutralise(md), "gazette-safety", 6)
        if not self.raw_html:
            md.preprocessors.deregister("html_block")
            md.inlinePatterns.deregister("html")
