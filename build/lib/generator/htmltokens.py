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
    return rf"(?:[{_S}/]*+{name}(?:[{_S}]*+=[{_S}]*+{_VALUE})?)*+[{_S}/]*+"


_ANY_NAME = rf"[^{_S}/>][^{_S}/>=]*+"
_ATTRIBUTES = _attributes_pattern(_ANY_NAME)
# What is never a start tag: text, comments (`<!-->` and `<!--->` are whole ones), other `<!`
# declarations (DOCTYPE, CDATA) and `<?...>` read to the next `>`, end tags (attributes and all)
# and `</` + anything else. A lone `<` is text.
_NOT_A_START_TAG = (
    r"[^<]++"
    r"|<!--(?:>|->|.*?(?:--!?>|\Z))"
    r"|<[!?][^>]*+(?:>|\Z)"
    rf"|</[A-Za-z][^{_S}/>]*+{_ATTRIBUTES}(?:>|\Z)"
    r"|</(?:>|[^>]*+(?:>|\Z))"
    r"|<(?![A-Za-z!/?])"
)
_START_TAG = (
    rf"(?:(?P<tag><(?P<name>[A-Za-z][^{_S}/>]*+)(?P<attrs>{_ATTRIBUTES})(?:(?P<close>>)|\Z))|\Z)"
)
_ONE_ATTRIBUTE = re.compile(_ATTRIBUTE)
# A page's lone `<a href="...">` whose value needs no decoding: most of the tags read.
_HREF_ONLY = re.compile(r'[\t\n\f\r ]+href="([^"&]*)"[\t\n\f\r ]*+')


@lru_cache(maxsize=32)
def _scanner(names: frozenset[str] | None, attributes: frozenset[str]) -> re.Pattern[str]:
    """Return the pattern that passes over everything up to the next start tag that is named
    in `names` (every one when None), carries one of `attributes`, or opens raw text."""
    skipped = _NOT_A_START_TAG
    if names is not None:
        # A start tag of no interest is passed over in the same match: the expression's loop
        # runs in C, and most tags of a page are of no interest to any reader.
        wanted = "|".join(re.escape(n) for n in sorted({*names, *_EVERY_RAW}))
        other = _ANY_NAME
        if attributes:
            kept = "|".join(re.escape(a) for a in sorted(attributes))
            other = rf"(?!(?:{kept})[{_S}/>=]){_ANY_NAME}"
        tag = rf"(?!(?:{wanted})[{_S}/>])[A-Za-z][^{_S}/>]*+"
        skipped += rf"|<{tag}{_attributes_pattern(other)}(?:>|\Z)"
    return re.compile(rf"(?:{skipped})*+{_START_TAG}", re.IGNORECASE | re.ASCII | re.DOTALL)


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
    scanner = _scanner(None if names is None else frozenset(names), frozenset(attributes))
    wanted = None if names is None else frozenset(names)
    kept = frozenset(attributes)
    match = scanner.match
    pos, line, counted, size = 0, 1, 0, len(page)
    while pos < size:
        found = match(page, pos)
        start = found.start("tag")
        if start < 0:
            return
        pos = found.end()
        if found.start("close") < 0:
            return  # the page ends inside the tag, which is then no tag
        name = found.group("name").lower()
        line += page.count("\n", counted, start)
        counted = start
        attrs = _read_attributes(page, found.start("attrs"), found.end("attrs"))
        if name in RAW_TEXT or name == "plaintext":
            pos = _content_end(page, name, pos)
            if not (wanted is None or name in wanted or not kept.isdisjoint(attrs)):
                continue
        yield StartTag(name, attrs, start, found.end(), line)


def _read_attributes(page: str, start: int, end: int) -> dict[str, Attribute]:
    """Return the attributes written in `page[start:end]`, by lower-cased name, first kept."""
    if start == end:
        return {}
    one = _HREF_ONLY.fullmatch(page, start, end)
    if one is not None:
        return {"href": Attribute("href", one[1], one.start(1) - 1, one.end(1) + 1)}
    found: dict[str, Attribute] = {}
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
        if len(digits) > 9:
            return "\ufffd"
        number = int(digits[1:], 16) if hexadecimal else int(digits)
        if number == 0 or 0x80 <= number <= 0x9F or 0xD800 <= number <= 0xDFFF or number > 0x10FFFF:
            return html.unescape(text)  # the replacements of the standard's table, or U+FFFD
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
