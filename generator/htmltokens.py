"""The one reader of built HTML: the start tags of a page, as the WHATWG tokenizer finds them.

Everything that reads a rendered page (the link checks, the sub-path rewrite, absolute links in
feeds) reads it through `start_tags`, so they agree on what is a tag: a `>` inside a quoted
value does not end the tag, and nothing inside a comment, a `<!...>` or `<?...>` declaration,
a script, a style, a title or a textarea is read as a tag. Each attribute carries where its
value is written, so a caller can change one value in place without re-serialising the page.

What it leaves out: the tree builder's view. An `<svg>` or `<math>` element's content is read
as HTML (a `<title>` there is raw text too, and CDATA is a bogus comment); `<noscript>` is
read as markup, as with scripting off; NUL characters are not replaced.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterator
from functools import lru_cache
from html.entities import html5 as _ENTITIES
from typing import NamedTuple


class Attribute(NamedTuple):
    """An attribute: `value` with its character references decoded; `start`:`end` is the
    value as written in the page, quotes included (empty, after the name, for a bare name)."""

    name: str
    value: str
    start: int
    end: int


class StartTag(NamedTuple):
    """A start tag: its lower-cased name, its attributes by lower-cased name (the first of a
    repeated name, as browsers keep), where it is in the page and the line it starts on."""

    name: str
    attributes: dict[str, Attribute]
    start: int
    end: int
    line: int


# Elements whose content is text up to their own end tag, never markup.
RAW_TEXT = frozenset(
    {"script", "style", "xmp", "iframe", "noembed", "noframes", "title", "textarea"}
)
_EVERY_RAW = (*sorted(RAW_TEXT), "plaintext")

# HTML's white space; a carriage return is read as a line feed before tokenizing.
_S = "\\t\\n\\f\\r "
_VALUE = rf"""(?:"[^"]*+(?:"|\Z)|'[^']*+(?:'|\Z)|(?:[^{_S}>"'][^{_S}>]*+)?)"""
# An attribute: a name (anything up to white space, `/`, `>` or `=`; a leading `=` is part of
# it), then perhaps `=` and a value. Possessive throughout, so a tag is read one way only: an
# unclosed quote runs to the end of the page, which drops the tag, as the standard does.
_ATTRIBUTE = rf"[{_S}/]*+(?P<n>[^{_S}/>][^{_S}/>=]*+)(?:[{_S}]*+=[{_S}]*+(?P<v>{_VALUE}))?"


def _attributes_pattern(name: str) -> str:
    # `=` and a value, perhaps after white space, or nothing: written as alternatives, which
    # the expression engine tries by their first character, rather than as an optional group.
    value = rf"[{_S}]*+{_VALUE}"
    return rf"(?:[{_S}/]*+{name}(?:={value}|[{_S}]++={value}|))*+[{_S}/]*+"


_ANY_NAME = rf"[^{_S}/>][^{_S}/>=]*+"
_ATTRIBUTES = _attributes_pattern(_ANY_NAME)
_TAG_NAME = rf"[A-Za-z][^{_S}/>]*+"
# What is never a start tag, after a `<`: end tags (attributes and all; most have none) and
# `</` + anything else; comments (`<!-->` and `<!--->` are whole ones), other `<!`
# declarations (DOCTYPE, CDATA) and `<?...>` read to the next `>`; and a lone `<`, which is
# text.
_END_TAG = rf"/(?:{_TAG_NAME}(?:>|{_ATTRIBUTES}(?:>|\Z))|>|[^>]*+(?:>|\Z))"
_DECLARATION = r"!--(?:>|->|.*?(?:--!?>|\Z))|[!?][^>]*+(?:>|\Z)"
_LONE = r"(?![A-Za-z!/?])"
# A start tag, closed: one that the page ends inside is no tag, and then nothing matches.
_START_TAG = rf"(?P<tag><(?P<name>{_TAG_NAME})(?P<attrs>{_ATTRIBUTES})>)"
_ONE_ATTRIBUTE = re.compile(_ATTRIBUTE)
# Attributes as templates and Markdown write them: lower-case ASCII names (which lower-casing
# leaves as they are), each after white space, with a double-quoted value holding no
# reference to decode. Most tags read are written so; any other tag is read attribute by
# attribute.
_PLAIN_NAME = r"[a-z][a-z0-9_.:-]*+"
_PLAIN = re.compile(rf'(?:[{_S}]++{_PLAIN_NAME}="[^"&]*+")*+[{_S}/]*+')
_PLAIN_PAIR = re.compile(rf'({_PLAIN_NAME})="([^"&]*+)"')
# A tag with one such attribute, `<a href="...">`, the tag most read.
_ONE_PLAIN = re.compile(rf'[{_S}]++({_PLAIN_NAME})="([^"&]*+)"[{_S}/]*+')


# The scanner's groups, by number: a match's groups by name cost a lookup each.
_TAG, _NAME, _ATTRS = 1, 2, 3


def _any_case(word: str) -> str:
    """Return an expression for `word` in any ASCII case: `[aA][bB]`."""
    return "".join(
        f"[{c}{c.upper()}]" if c.isascii() and c.isalpha() else re.escape(c) for c in word
    )


def _one_of(words: Collection[str]) -> str:
    """Return an expression for any of `words`, in any ASCII case, grouped by first letter:
    the engine tries an alternative only when its first character is there, so a name is
    turned down in a few steps however many are listed."""
    by_first: dict[str, list[str]] = {}
    for word in sorted(words):
        by_first.setdefault(word[:1], []).append(word[1:])
    return "|".join(
        f"{_any_case(first)}(?:{'|'.join(_any_case(rest) for rest in rests)})"
        for first, rests in by_first.items()
    )


@lru_cache(maxsize=32)
def _scanner(names: frozenset[str] | None, attributes: frozenset[str]) -> re.Pattern[str]:
    """Return the pattern that passes over everything up to the next start tag that is named
    in `names` (every one when None), carries one of `attributes`, or opens raw text."""
    passed = ""  # start tags passed over
    if names is not None:
        # A start tag of no interest is passed over in the same match: the expression's loop
        # runs in C, and most tags of a page are of no interest to any reader. Most are
        # written plainly (`<p>`, `<span class="x">`), which one alternative reads in few
        # steps; the other reads any tag.
        other, plain_name = _ANY_NAME, r"[A-Za-z][-A-Za-z0-9_:.]*+"
        if attributes:
            kept = _one_of(attributes)
            other = rf"(?!(?:{kept})[{_S}/>=]){_ANY_NAME}"
            plain_name = rf"(?!(?:{kept})=){plain_name}"
        plain = rf'(?:[{_S}]++{plain_name}="[^"]*+")*+[{_S}/]*+>'
        tag = rf"(?!(?:{_one_of({*names, *_EVERY_RAW})})[{_S}/>]){_TAG_NAME}"
        passed = rf"|{tag}(?:{plain}|{_attributes_pattern(other)}(?:>|\Z))"
    # What follows a `<` tells the alternatives apart (`/`, a letter, `!` or `?`, anything
    # else), so their order changes no match; the engine tries them in turn, commonest first.
    skipped = rf"{_END_TAG}{passed}|{_DECLARATION}|{_LONE}"
    # Text, then tags passed over each followed by text: one turn of the loop per tag.
    # Case matters only in names, written in both cases: an expression ignoring case would
    # try every alternative of a list of names in full.
    scanner = re.compile(rf"[^<]*+(?:<(?:{skipped})[^<]*+)*+{_START_TAG}", re.ASCII | re.DOTALL)
    assert scanner.groupindex == {"tag": _TAG, "name": _NAME, "attrs": _ATTRS}
    return scanner


@lru_cache(maxsize=16)
def _raw_end(name: str) -> re.Pattern[str]:
    return re.compile(rf"</{name}[{_S}/>]", re.IGNORECASE | re.ASCII)


_SCRIPT_DATA = re.compile(rf"<!--|</script[{_S}/>]", re.IGNORECASE | re.ASCII)
_SCRIPT_ESCAPED = re.compile(rf"-->|</?script[{_S}/>]", re.IGNORECASE | re.ASCII)
_SCRIPT_DOUBLE = re.compile(rf"-->|</script[{_S}/>]", re.IGNORECASE | re.ASCII)


def _script_end(page: str, pos: int) -> int:
    """Return where the script whose content starts at `pos` ends: at its `</script`.

    Inside `<!--`, a `<script>` hides the next `</script>`, as in browsers.
    """
    pattern, escaped = _SCRIPT_DATA, 0
    while True:
        found = pattern.search(page, pos)
        if found is None:
            return len(page)
        token = found.group()
        if token == "-->":
            pattern, escaped, pos = _SCRIPT_DATA, 0, found.end()
        elif token == "<!--":
            pattern, escaped, pos = _SCRIPT_ESCAPED, 1, found.start() + 2  # `<!-->` closes
        elif token[1] == "/" and escaped < 2:
            return found.start()
        elif token[1] == "/":  # the end of a script inside the escaped text
            pattern, escaped, pos = _SCRIPT_ESCAPED, 1, found.end()
        else:
            pattern, escaped, pos = _SCRIPT_DOUBLE, 2, found.end()


def _content_end(page: str, name: str, pos: int) -> int:
    """Return where the raw text of element `name`, starting at `pos`, ends."""
    if name == "script":
        return _script_end(page, pos)
    if name == "plaintext":
        return len(page)
    found = _raw_end(name).search(page, pos)
    return found.start() if found else len(page)


def start_tags(
    page: str,
    names: Collection[str] | None = None,
    attributes: Collection[str] = (),
) -> Iterator[StartTag]:
    """Yield the start tags of `page`, in order, that are named in `names` (lower case; every
    start tag when None) or carry one of `attributes` (lower case)."""
    for name, first, last, start, end, line in _tags(page, names, attributes):
        yield StartTag(name, _read_attributes(page, first, last), start, end, line)


def tag_values(
    page: str,
    names: Collection[str] | None = None,
    attributes: Collection[str] = (),
) -> Iterator[tuple[str, dict[str, str | None], int]]:
    """Yield what `start_tags` yields, read for its values only: each tag's name, its
    attributes' values by name (None for a name written without a value) and its line.

    Cheaper where nothing is rewritten: a tag whose attributes are all lower-case names with
    double-quoted values free of references (what templates and Markdown write) is read in
    one pass of an expression, without an Attribute per value.
    """
    one_plain, plain, pairs = _ONE_PLAIN.fullmatch, _PLAIN.fullmatch, _PLAIN_PAIR.findall
    for name, first, last, _, _, line in _tags(page, names, attributes):
        if first == last:
            yield name, {}, line
            continue
        one = one_plain(page, first, last)
        if one is not None:
            key, value = one.groups()
            yield name, {key: value}, line
            continue
        if plain(page, first, last):
            found = pairs(page, first, last)
            values: dict[str, str | None] = dict(found)
            if len(values) == len(found):  # no name written twice, where the first one wins
                yield name, values, line
                continue
        values = {
            key: attribute.value if attribute.start < attribute.end else None
            for key, attribute in _read_attributes(page, first, last).items()
        }
        yield name, values, line


_RAW_OR_PLAINTEXT = frozenset(_EVERY_RAW)


def _tags(
    page: str, names: Collection[str] | None, attributes: Collection[str]
) -> Iterator[tuple[str, int, int, int, int, int]]:
    """Yield, for each start tag `start_tags` yields: its name, where its attributes are
    written (start and end), where the tag is (start and end) and its line."""
    wanted = None if names is None else frozenset(names)
    kept = frozenset(attributes)
    match = _scanner(wanted, kept).match
    count = page.count
    pos, line, counted, size = 0, 1, 0, len(page)
    while pos < size:
        found = match(page, pos)
        if found is None:
            return  # no start tag to the end, or the page ends inside one
        start, end = found.span(_TAG)
        pos = end
        name = found.group(_NAME).lower()
        line += count("\n", counted, start)
        counted = start
        first, last = found.span(_ATTRS)
        if name in _RAW_OR_PLAINTEXT:
            pos = _content_end(page, name, pos)
            if not (
                wanted is None
                or name in wanted
                or not kept.isdisjoint(_read_attributes(page, first, last))
            ):
                continue
        yield name, first, last, start, end, line


def _read_attributes(page: str, start: int, end: int) -> dict[str, Attribute]:
    """Return the attributes written in `page[start:end]`, by lower-cased name, first kept."""
    if start == end:
        return {}
    found: dict[str, Attribute] = {}
    if _PLAIN.fullmatch(page, start, end):
        for pair in _PLAIN_PAIR.finditer(page, start, end):
            name = pair[1]
            if name not in found:
                at, to = pair.span(2)
                found[name] = Attribute(name, pair[2], at - 1, to + 1)
        return found
    for attribute in _ONE_ATTRIBUTE.finditer(page, start, end):
        name = attribute["n"].lower()
        if name in found:
            continue
        written = attribute["v"]
        if written is None:
            at = attribute.end("n")
            found[name] = Attribute(name, "", at, at)
            continue
        value = written[1:-1] if written[:1] in "\"'" and len(written) > 1 else written
        if "&" in value:
            value = unescape_attribute(value)
        found[name] = Attribute(name, value, attribute.start("v"), attribute.end("v"))
    return found


_REFERENCE = re.compile(r"&(#[xX][0-9a-fA-F]+;?|#[0-9]+;?|[A-Za-z][A-Za-z0-9]*;?)")


def unescape_attribute(value: str) -> str:
    """Return an attribute value as written with its character references decoded."""
    return _REFERENCE.sub(_reference, value)


def _reference(match: re.Match[str]) -> str:
    text = match.group()
    if text[1] == "#":
        digits = text[2:].rstrip(";")
        hexadecimal = digits[:1] in "xX"
        # Leading zeros count for nothing (`&#0000000106;` is a `j`); past eight digits a
        # number is beyond U+10FFFF, and int() is spared a long one.
        significant = (digits[1:] if hexadecimal else digits).lstrip("0")
        if len(significant) > 8:
            return "\ufffd"
        number = int(significant or "0", 16 if hexadecimal else 10)
        if number == 0 or 0x80 <= number <= 0x9F or 0xD800 <= number <= 0xDFFF or number > 0x10FFFF:
            return html.unescape(f"&#{number};")  # the standard's table, or U+FFFD
        return chr(number)  # kept, where html.unescape drops a control or a non-character
    name = text[1:]
    if name[-1] == ";" and name in _ENTITIES:
        return _ENTITIES[name]
    # Without its `;`, the longest name known without one, unless a letter, digit or `=`
    # follows it (the standard's rule for attributes: a link's `?a=1&copy=2` stays).
    after = match.string[match.end() : match.end() + 1]
    for cut in range(min(len(name), 32), 1, -1):
        if name[:cut] in _ENTITIES:
            rest = name[cut:]
            follows = rest[:1] or after
            if follows == "=" or (follows.isascii() and follows.isalnum()):
                return text
            return _ENTITIES[name[:cut]] + rest
    return text


def rewrite_attributes(page: str, changes: Collection[tuple[Attribute, str]]) -> str:
    """Return `page` with each attribute's written value replaced by its new text (quotes
    included), everything else left byte for byte; `changes` are in page order."""
    if not changes:
        return page
    parts: list[str] = []
    at = 0
    for attribute, text in changes:
        parts += page[at : attribute.start], text if attribute.start < attribute.end else "=" + text
        at = attribute.end
    parts.append(page[at:])
    return "".join(parts)


def quoted(value: str) -> str:
    """Return `value` as a double-quoted attribute value."""
    return '"' + html.escape(value, quote=True) + '"'
