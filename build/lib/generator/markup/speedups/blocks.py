"""Python-Markdown's block parser, without asking processors that cannot apply.

The parser offers every block to each block processor in turn until one takes it, and a
paragraph, the most common block, is offered to all of them: most of those tests search the
whole block with a regular expression. A processor whose expression needs a character the
block lacks cannot take it, so checking for that character first saves about a sixth of a
document's conversion, and the output is the same by construction.

Before the parser, Python-Markdown empties the lines that hold only spaces, with an
expression whose lookbehind is tried at every space of the document; the same lines are
found from the newlines alone, in a twentieth of the time (4% of a conversion). Its fenced
code preprocessor searches the whole document for a fence, which cannot be there without
three backticks or tildes in a row (5%), and its raw HTML preprocessor runs an HTML parser
over a document that may hold no '<' or '&' at all (2%). Its registries make a new list of
their items each time they are iterated, which the parser does for every block (5%), and
its block-level test looks a tag up in a list of fifty (6%).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from xml.etree.ElementTree import Element

import markdown
from markdown import util
from markdown.extensions import md_in_html
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.preprocessors import NormalizeWhitespace, Preprocessor

# What any block a processor takes contains, by the processor's class and the expression its
# test searches, as written (for footnotes, abbreviations and link references, whose test
# always passes, the expression their run searches before giving the block back). A
# processor whose expression changed in a later Python-Markdown, or one added by an
# extension, is simply always asked; tests/test_blocks.py compares the output with the
# stock parser's, so an upgrade that changes a test's logic alone shows there.
_NEEDS: dict[tuple[str, str], tuple[str, ...]] = {
    (
        "HashHeaderProcessor",
        r"(?:^|\n)(?P<level>#{1,6})(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)",
    ): ("#",),
    # The first line ends and the next starts with its underline ('.' stops at a newline).
    ("SetextHeaderProcessor", r"^.*?\n(?:=+|-+)[ ]*(\n|$)"): ("\n=", "\n-"),
    (
        "HRProcessor",
        r"^[ ]{0,3}(?=(?P<atomicgroup>(-+[ ]{0,2}){3,}|(_+[ ]{0,2}){3,}|(\*+[ ]{0,2}){3,}))"
        r"(?P=atomicgroup)[ ]*$",
    ): ("--", "- -", "-  -", "__", "_ _", "_  _", "**", "* *", "*  *"),  # its first two marks
    ("DefListProcessor", r"(^|\n)[ ]{0,3}:[ ]{1,3}(.*?)(\n|$)"): (": ",),
    ("BlockQuoteProcessor", r"(^|\n)[ ]{0,3}>[ ]?(.*)"): (">",),
    ("FootnoteBlockProcessor", r"^[ ]{0,3}\[\^([^\]]*)\]:[ ]*(.*)$"): ("[^",),
    ("AbbrBlockprocessor", r"^[*]\[(?P<abbr>[^\\]*?)\][ ]?:[ ]*\n?[ ]*(?P<title>.*)$"): ("*[",),
    # As Python-Markdown 3.11.4 writes it (an abbreviation may not span lines).
    ("AbbrBlockprocessor", r"^[*]\[(?P<abbr>[^\\\n]*?)\][ ]?:[ ]*\n?[ ]*(?P<title>.*)$"): ("*[",),
    (
        "ReferenceProcessor",
        r"""^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(?:\n[ ]*)?([^\s]+)[ ]*(?:\n[ ]*)?((["\'])(.*)\4[ ]*"""
        r"""|\((.*)\)[ ]*)?$""",
    ): ("]:",),
    # Its test splits the first rows at pipes: a block without one has a single cell a row.
    ("TableProcessor", ""): ("|",),
}


def _key(processor: object) -> tuple[str, str]:
    """Return the processor's class name and the expression its test searches ('' if none)."""
    expression = getattr(processor, "SEARCH_RE", None) or getattr(processor, "RE", "")
    return type(processor).__name__, getattr(expression, "pattern", expression)


def _asking_only_if(needs: tuple[str, ...], test: Callable[..., bool]) -> Callable[..., bool]:
    """Return `test`, answering False at once for a block that holds none of `needs`."""

    def quick_test(parent: Element | None, block: str) -> bool:
        for part in needs:
            if part in block:
                return test(parent, block)
        return False

    return quick_test


# Upstream's expression for a line of spaces, and one that finds the same lines from the
# newline before them (the newline after is looked at, not taken, so that runs of such lines
# are all found, as upstream's lookbehind finds them).
_UPSTREAM_SPACES = r"(?<=\n) +\n"
_SPACES_LINE = re.compile(r"\n +(?=\n)")


class _NormalizeWhitespace(NormalizeWhitespace):
    """Python-Markdown's whitespace preprocessor, with the faster expression."""

    def run(self, lines: list[str]) -> list[str]:
        source = "\n".join(lines)
        source = source.replace(util.STX, "").replace(util.ETX, "")
        source = source.replace("\r\n", "\n").replace("\r", "\n") + "\n\n"
        source = source.expandtabs(self.md.tab_length)
        return _SPACES_LINE.sub("\n", source).split("\n")


# The opening of upstream's fence expression: a fence is three or more backticks or tildes.
_UPSTREAM_FENCE = "(?P<fence>^(?:~{3,}|`{3,}))"


class _Skipping(Preprocessor):
    """A preprocessor that gives back a text holding none of its `marks` as its upstream
    class would, without running it: joined and split at newlines."""

    upstream: type[Preprocessor]
    marks: tuple[str, ...]

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        for mark in self.marks:
            if mark in text:
                return self.upstream.run(self, lines)
        return text.split("\n")


def _skipping(upstream: type[Preprocessor], *marks: str) -> type[_Skipping]:
    """Return the subclass of `upstream` that skips a text holding none of `marks`."""
    return type(f"Skipping{upstream.__name__}", (_Skipping, upstream), {"upstream": upstream,
                "marks": marks})  # fmt: skip


_FencedCode = _skipping(FencedBlockPreprocessor, "```", "~~~")
# Raw HTML starts with '<', an entity with '&': upstream's HTML parser hands any other text
# to handle_data, which keeps it as it is (tests/test_blocks.py compares them). `extra`
# brings md_in_html's preprocessor, which replaces the core one.
_HtmlBlocks = _skipping(md_in_html.HtmlBlockPreprocessor, "<", "&")


class _Listed(util.Registry):
    """A Registry that lists its items once for each change rather than at each iteration."""

    _listed: list | None = None

    def __iter__(self) -> Iterator:
        if self._listed is None:
            self._listed = list(super().__iter__())
        return iter(self._listed)

    def register(self, item: object, name: str, priority: float) -> None:
        self._listed = None
        super().register(item, name, priority)

    def deregister(self, name: str, strict: bool = True) -> None:
        self._listed = None
        super().deregister(name, strict)


def _block_level(names: list[str]) -> Callable[[object], bool]:
    """Return Markdown.is_block_level for the tag names `names`, looked up in a set that is
    made again if a name is added to the list or taken from it."""
    known = frozenset(names)
    count = len(names)

    def is_block_level(tag: object) -> bool:
        nonlocal known, count
        if len(names) != count:
            known, count = frozenset(names), len(names)
        return isinstance(tag, str) and tag.lower().rstrip("/") in known

    return is_block_level


def registries(md: markdown.Markdown) -> tuple[util.Registry, ...]:
    """Return `md`'s registries of preprocessors, block processors, tree processors, inline
    patterns and postprocessors."""
    return (md.preprocessors, md.parser.blockprocessors, md.treeprocessors, md.inlinePatterns,
            md.postprocessors)  # fmt: skip


def install(md: markdown.Markdown) -> None:
    """Make `md`'s block processors turn down at once the blocks they cannot take, its
    whitespace and fenced code preprocessors faster, its registries list their items once,
    and its block-level test a set lookup. Call it once `md`'s extensions are loaded: the
    block-level names are read then."""
    normalize = md.preprocessors["normalize_whitespace"]
    # Only where upstream's preprocessor is the one written out above (the expression is
    # among its code's constants).
    if type(normalize) is NormalizeWhitespace and _UPSTREAM_SPACES in _constants(normalize.run):
        normalize.__class__ = _NormalizeWhitespace
    if "fenced_code_block" in md.preprocessors:
        fenced = md.preprocessors["fenced_code_block"]
        pattern = fenced.FENCED_BLOCK_RE.pattern.lstrip("\n")
        if type(fenced) is FencedBlockPreprocessor and pattern.startswith(_UPSTREAM_FENCE):
            fenced.__class__ = _FencedCode
    if "html_block" in md.preprocessors:
        html_block = md.preprocessors["html_block"]
        if type(html_block) is md_in_html.HtmlBlockPreprocessor:
            html_block.__class__ = _HtmlBlocks
    for registry in registries(md):
        if type(registry) is util.Registry:
            registry.__class__ = _Listed
    if (
        "is_block_level" not in vars(md)
        and type(md).is_block_level is markdown.Markdown.is_block_level
    ):
        md.is_block_level = _block_level(md.block_level_elements)  # type: ignore[method-assign]
    for processor in md.parser.blockprocessors:
        needs = _NEEDS.get(_key(processor))
        if needs is not None:
            # On the instance, in front of its own test: the parser calls processor.test.
            processor.test = _asking_only_if(needs, processor.test)  # type: ignore[method-assign]


def _constants(function: Callable[..., object]) -> tuple[object, ...]:
    return getattr(getattr(function, "__code__", None), "co_consts", ())
