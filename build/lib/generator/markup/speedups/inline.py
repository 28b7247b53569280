"""Python-Markdown's inline pass, without trying patterns that cannot match.

The inline pass tries each of its fifteen patterns on every run of text, and most runs hold
none of the characters a given pattern needs: a paragraph without '[' has no link. Trying a
pattern is several microseconds of Python, checking for a character is a fraction of one;
skipping saves about a fifth of a document's conversion, and the output is the same by
construction, since a pattern is skipped only when its regular expression cannot match.

Most of the rest is a story's ordinary paragraphs: words with a few `code` spans, *emphasis*,
**strong** words and [links](https://example.org/) that neither touch nor nest. For such a
run the pass builds those elements itself, in one scan, where upstream tries its patterns one
after another and pairs emphasis a character at a time; anything else (and any pattern set
but upstream's own) takes upstream's way.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
from markdown import inlinepatterns as ip
from markdown import util
from markdown.extensions.footnotes import FootnoteInlineProcessor
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
_STASH = "_InlineProcessor__stashNode"
_PLACE = "_InlineProcessor__processPlaceholders"

# The patterns of upstream's pass with `extra`, in order, for which the simple runs below are
# known to come out as upstream makes them ('html' is absent when raw HTML is escaped).
_UPSTREAM = (
    ("backtick", ip.BacktickInlineProcessor),
    ("escape", ip.EscapeInlineProcessor),
    ("footnote", FootnoteInlineProcessor),
    ("reference", ip.ReferenceInlineProcessor),
    ("link", ip.LinkInlineProcessor),
    ("image_link", ip.ImageInlineProcessor),
    ("image_reference", ip.ImageReferenceInlineProcessor),
    ("short_reference", ip.ShortReferenceInlineProcessor),
    ("short_image_ref", ip.ShortImageReferenceInlineProcessor),
    ("autolink", ip.AutolinkInlineProcessor),
    ("automail", ip.AutomailInlineProcessor),
    ("linebreak", ip.SubstituteTagInlineProcessor),
    ("html", ip.HtmlInlineProcessor),
    ("entity", ip.HtmlInlineProcessor),
    ("em_strong", ip.DelimiterProcessor),
)

# A simple run of text: plain characters (none opens a pattern) and, apart from each other,
# `code`, *emphasis* or **strong** plain words (not starting or ending with a space), and
# [plain words](a-url-without-spaces-quotes-or-brackets). Each token is recognised by its first
# character, so the scan is linear; a '![' (an image) or a hard line break is not simple.
_P = r"[^`\\*_\[\]<&\x02\x03]"
_TOKENS = (  # each starts with its character, for the engine's quick scan to find it
    r"`(?<!``)(?P<code>[^`\n\x02\x03]+)`(?!`)"
    rf"|(?P<delim>\*(?<!\*\*)\*?)(?![\s*])(?P<emphasis>{_P}+)(?<!\s)(?P=delim)(?!\*)"
    rf"|\[(?<!!\[)(?!\^)(?P<text>{_P}+)\]\((?P<href>[^\s()<>\"'`\\\x02\x03\[\]]+)\)"
)
_SIMPLE = re.compile(rf"(?:(?>{_P}+)|{_TOKENS})*")
_TOKEN = re.compile(_TOKENS)


class _SkippingInline(InlineProcessor):
    """The inline pass, building simple runs of text itself and trying at any other only
    the patterns whose needed characters it holds."""

    needs: list[tuple[str, ...] | None]  # by pattern index; None: always tried
    # Finds any part any pattern needs; None when some pattern is always tried.
    anything: re.Pattern[str] | None
    simple: bool = False  # whether the patterns are upstream's, for which simple runs are built
    # The patterns and emphasis settings `needs`, `anything` and `simple` were worked out for.
    made_for: tuple[tuple[object, ...], tuple[object, ...]] = ((), ())
    # The last simple run built: what _simple returned, and its words and elements in order.
    built: tuple[str, list[str | etree.Element]] | None = None

    def run(self, tree, ancestors=None):
        made_for = (tuple(self.inlinePatterns), _emphasis(self.md))
        if made_for != self.made_for:  # once, again only if an extension changes either
            self.made_for = made_for
            self.needs = [_NEEDS.get(getattr(p, "pattern", None)) for p in made_for[0]]
            parts = sorted({part for need in self.needs for part in need or ()}, key=len)
            self.anything = (
                re.compile("|".join(map(re.escape, parts))) if None not in self.needs else None
            )
            self.simple = self.anything is not None and _upstream(self.md)
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        # Upstream's loop (a pattern is tried again after it matched, from just past the
        # match), with the check for needed characters in front.
        if isinstance(data, util.AtomicString):
            return data
        # Most runs of text (a link's words, the text after a link) need no pattern at all.
        if self.anything is not None and self.anything.search(data) is None:
            return data
        if patternIndex == 0 and self.simple and (built := self._simple(data)) is not None:
            return built
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

    def _simple(self, data: str) -> str | None:
        """Return `data` with its code, emphasis and links stashed as the elements upstream's
        patterns make of them, or None if it is not a simple run.

        Upstream stashes pattern by pattern, this left to right: the placeholders' numbers
        differ, the tree they become does not. The words inside are plain, so upstream's
        further pass over them would change nothing.
        """
        stars = self.md.delimiters
        if stars.cache or stars.remainder:  # pairing left from an earlier run: upstream's way
            return None
        if "  \n" in data or not _SIMPLE.fullmatch(data):
            return None
        pieces: list[str | etree.Element] = []
        end = 0
        for token in _TOKEN.finditer(data):
            code, delim, text = token.group("code", "delim", "text")
            if code is not None:
                element = etree.Element("code")
                element.text = util.AtomicString(util.code_escape(code.strip()))
            elif delim is not None:
                element = etree.Element("strong" if len(delim) == 2 else "em")
                element.text = token.group("emphasis")
            else:
                element = etree.Element("a")
                element.text = text
                element.set("href", token.group("href"))
            pieces += (data[end : token.start()], element)
            end = token.end()
        pieces.append(data[end:])
        stash = getattr(self, _STASH)
        built = "".join(p if isinstance(p, str) else stash(p, "") for p in pieces)
        self.built = (built, pieces)
        return built

    def _InlineProcessor__processPlaceholders(
        self, data: str | None, parent: etree.Element, isText: bool = True
    ) -> list[tuple[etree.Element, list[str]]]:
        # Upstream reads the placeholders of a simple run back into its elements (and
        # re-reads each element's plain words): the same result, from the pieces kept.
        # Upstream's run() hands what __handleInline returned straight to this method, so the
        # run just built is recognised by identity. (A run without tokens is returned as it
        # came, and its one piece is that same text: read either way, it is the same.)
        built, self.built = self.built, None
        if built is None or data is not built[0]:
            return getattr(super(), _PLACE)(data, parent, isText)
        result: list[tuple[etree.Element, list[str]]] = []
        for piece in built[1]:
            if not isinstance(piece, str):
                result.append((piece, self.ancestors[:]))
            elif piece:  # after the last element, else into the parent's text or tail
                holder = result[-1][0] if result else parent
                if result or not isText:
                    holder.tail = holder.tail + piece if holder.tail else piece
                else:
                    holder.text = holder.text + piece if holder.text else piece
        return result


def _upstream(md: markdown.Markdown) -> bool:
    """Return whether `md`'s inline patterns are upstream's own, in upstream's order."""
    registry = md.inlinePatterns
    expected = [(name, kind) for name, kind in _UPSTREAM if name != "html" or "html" in registry]
    if len(registry) != len(expected):
        return False
    for index, (name, kind) in enumerate(expected):
        if name not in registry or registry.get_index_for_name(name) != index:
            return False
        if type(registry[name]) is not kind:
            return False
    return _emphasis(md) == _UPSTREAM_EMPHASIS


# What upstream registers for emphasis: '*' pairs anywhere, '_' only at word edges.
_UPSTREAM_EMPHASIS = (("*", False, False, ("strong", "em")), ("_", True, False, ("strong", "em")))


def _emphasis(md: markdown.Markdown) -> tuple[object, ...]:
    """Return each emphasis delimiter's character, smartness, doubling and tags, in order."""
    stars = getattr(md, "delimiters", None)
    if type(stars) is not ip.DelimiterProcessor:
        return (stars,)
    return tuple((t, d.smart, d.double, d.tags) for t, d in stars.delimiters.items())


def install(md: markdown.Markdown) -> None:
    """Make `md`'s inline pass skip the patterns that cannot match and build simple runs."""
    if not all(hasattr(InlineProcessor, name) for name in (_HANDLE, _APPLY, _STASH, _PLACE)):
        return  # a Python-Markdown that changed its internals: keep its own pass
    inline = md.treeprocessors["inline"]
    if type(inline) is InlineProcessor:  # not already replaced by an extension
        inline.__class__ = _SkippingInline  # in place: same state, same place in the order
