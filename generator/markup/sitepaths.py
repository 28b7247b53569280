"""Root-relative links of a document under the site's base path, rewritten at parse time.

A writer links to site paths (`[corrections](/corrections/)`, `![](/images/map.png)`); on a
site served under a sub-path they must carry it (`/newsroom/corrections/`). The elements
Markdown made are rewritten on its tree. Raw HTML (and a shortcode's figure), which Markdown
keeps aside as text, is read afterwards by the one tokenizer over the finished document, as
a browser reads it: a tag inside a raw <textarea> or <title> is text there, and a raw tag
and its end may be kept apart by Markdown. The tokenizer leaves the values the tree pass
marked as they are.
"""

from __future__ import annotations

from xml.etree import ElementTree as etree

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor

from generator.htmlurls import rewrite_urls
from generator.urls import link

_NAMES = ("href", "src")
# Python-Markdown removes this character from its input and the placeholders that use it are
# gone by the time the tokenizer runs: it can only be a mark of the tree pass.
_DONE = "\x03"


class _Rebase(Treeprocessor):
    def __init__(self, md: Markdown):
        super().__init__(md)
        self.base_path = ""  # set for each document by the converter
        self.raw_links = False  # whether raw HTML of the last document may hold a link

    def run(self, root: etree.Element) -> None:
        self.raw_links = False
        if not self.base_path:
            return
        stash = self.md.htmlStash.rawHtmlBlocks
        self.raw_links = any(
            isinstance(block, str) and ("href" in block.lower() or "src" in block.lower())
            for block in stash
        )
        mark = _DONE if self.raw_links else ""
        _rebase_tree(root, self.base_path, mark)
        for block in stash:
            if isinstance(block, etree.Element):  # a markdown="1" block left in the stash
                _rebase_tree(block, self.base_path, mark)


def _rebase_tree(root: etree.Element, base_path: str, mark: str) -> None:
    """Put `base_path` and `mark` before the root-relative href and src values under `root`."""
    for element in root.iter():
        for name in _NAMES:
            value = element.get(name)
            if value is not None and value[:1] == "/":
                element.set(name, mark + link(base_path, value))


class _RebaseRaw(Postprocessor):
    def __init__(self, md: Markdown, tree: _Rebase):
        super().__init__(md)
        self.tree = tree

    def run(self, text: str) -> str:
        if not self.tree.raw_links:
            return text
        base_path = self.tree.base_path

        def change(value: str) -> str:
            return value[1:] if value[:1] == _DONE else link(base_path, value)

        # A marked value the tokenizer reads as text (a Markdown link inside a raw
        # <textarea>) keeps the path the tree gave it; only the mark goes.
        return rewrite_urls(text, change).replace(_DONE, "")


class SitePathsExtension(Extension):
    """Puts the site's base path before root-relative links (see the module)."""

    def extendMarkdown(self, md: Markdown) -> None:
        tree = _Rebase(md)
        # Last of the tree's processors: after attr_list (8) may set an href, the safety
        # pass (6) has dropped script URLs, toc (5) has made its links and escaped
        # characters are themselves again (unescape, 0).
        md.treeprocessors.register(tree, "gazette-site-paths", -1)
        # Once the raw HTML is back in place (raw_html, 30) and `&` too (amp_substitute, 20).
        md.postprocessors.register(_RebaseRaw(md, tree), "gazette-raw-site-paths", 15)
