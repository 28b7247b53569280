"""The links of a document, read and put under the site's base path at parse time.

A writer links to site paths (`[corrections](/corrections/)`, `![](/images/map.png)`); on a
site served under a sub-path they must carry it (`/newsroom/corrections/`), in href, src,
srcset and poster alike (htmlurls.rebase_links). The elements Markdown made are rewritten
on its tree. Raw HTML (and a shortcode's figure), which Markdown
keeps aside as text, is read afterwards by the one tokenizer over the finished document, as
a browser reads it: a tag inside a raw <textarea> or <title> is text there, and a raw tag
and its end may be kept apart by Markdown. The tokenizer leaves the values the tree pass
marked as they are.

The values where a content link may be written (CONTENT_LINK_ATTRIBUTES) are read the same
way, for the links stage: from the tree, or by the tokenizer when there is raw HTML.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as etree

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor

from generator.htmlurls import (
    CONTENT_LINK_ATTRIBUTES,
    SITE_PATH_ATTRIBUTES,
    link_values,
    rebase_links,
    rebase_value,
)

_NAMES = CONTENT_LINK_ATTRIBUTES | SITE_PATH_ATTRIBUTES
# What raw HTML holds if one of its tags has one of _NAMES (srcset, data-src: "src").
_LINK_NAME = re.compile("href|src|poster", re.IGNORECASE)
# Python-Markdown removes this character from its input and the placeholders that use it are
# gone by the time the tokenizer runs: it can only be a mark of the tree pass.
_DONE = "\x03"


class _TreeLinks(Treeprocessor):
    def __init__(self, md: Markdown):
        super().__init__(md)
        self.base_path = ""  # set for each document by the converter
        self.raw_links = False  # whether raw HTML of the last document may hold a link
        # The link values of the last document, in order (those of raw HTML set later).
        self.links: list[str] = []

    def run(self, root: etree.Element) -> None:
        stash = self.md.htmlStash.rawHtmlBlocks
        self.raw_links = any(isinstance(block, str) and _LINK_NAME.search(block) for block in stash)
        mark = _DONE if self.raw_links else ""
        self.links = []
        for tree in (root, *(b for b in stash if isinstance(b, etree.Element))):
            # (an element left in the stash is a markdown="1" block)
            _visit(tree, self.base_path, mark, self.links)


def _visit(root: etree.Element, base_path: str, mark: str, links: list[str]) -> None:
    """Put `base_path` before the site paths under `root` (as rebase_links does), each
    preceded by `mark`, and add every link value to `links`."""
    for element in root.iter():
        if not element.attrib:
            continue
        for name, value in sorted(element.attrib.items()):  # as the serializer writes them
            if name not in _NAMES:
                continue
            if base_path and name in SITE_PATH_ATTRIBUTES:
                new = rebase_value(name, value, base_path, mark)
                if new != value:
                    element.set(name, new)
                    value = new.replace(mark, "") if mark else new
            if name in CONTENT_LINK_ATTRIBUTES:
                links.append(value)


class _RawLinks(Postprocessor):
    def __init__(self, md: Markdown, tree: _TreeLinks):
        super().__init__(md)
        self.tree = tree

    def run(self, text: str) -> str:
        if not self.tree.raw_links:
            return text
        if self.tree.base_path:
            # A marked value the tokenizer reads as text (a Markdown link inside a raw
            # <textarea>) keeps the path the tree gave it; only the mark goes.
            text = rebase_links(text, self.tree.base_path, _DONE).replace(_DONE, "")
        self.tree.links = list(link_values(text))
        return text


class SitePathsExtension(Extension):
    """Reads the links of a document and puts the base path before root-relative ones."""

    def extendMarkdown(self, md: Markdown) -> None:
        tree = _TreeLinks(md)
        # Last of the tree's processors: after attr_list (8) may set an href, the safety
        # pass (6) has dropped script URLs, toc (5) has made its links and escaped
        # characters are themselves again (unescape, 0).
        md.treeprocessors.register(tree, "gazette-site-paths", -1)
        # Once the raw HTML is back in place (raw_html, 30) and `&` too (amp_substitute, 20).
        md.postprocessors.register(_RawLinks(md, tree), "gazette-raw-site-paths", 15)
