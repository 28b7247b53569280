"""The HTML test oracle: the start tags html5lib's tokenizer reads, and pages to read."""

from __future__ import annotations

from html5lib._tokenizer import HTMLTokenizer
from html5lib.constants import tokenTypes
from hypothesis import strategies as st

from generator.htmltokens import RAW_TEXT

# Where html5lib's tree builder switches its tokenizer to raw text, as a browser does.
_CONTENT_STATES = {
    "title": "rcdataState",
    "textarea": "rcdataState",
    "script": "scriptDataState",
    "style": "rawtextState",
    "xmp": "rawtextState",
    "iframe": "rawtextState",
    "noembed": "rawtextState",
    "noframes": "rawtextState",
    "plaintext": "plaintextState",
}


def html5lib_start_tags(page: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Return each start tag html5lib's tokenizer reads in `page`: name, attributes in order.

    The tokenizer alone, so that no tree construction adds or moves an element; it is told
    when an element's content is raw text, as html5lib's parser tells it.
    """
    tokenizer = HTMLTokenizer(page)
    found = []
    for token in tokenizer:
        if token["type"] == tokenTypes["StartTag"]:
            found.append((token["name"], list(token["data"].items())))
            state = _CONTENT_STATES.get(token["name"])
            if state:
                tokenizer.state = getattr(tokenizer, state)
    return found


NAMES = ["a", "A", "img", "IMG", "div", "p", "link", "iframe", "Script", "svg", "a-b", "di<v"]
ATTRIBUTE_NAMES = ["href", "HREF", "src", "id", "title", "alt", "data-x", "=x", "a'b", "srcset"]
VALUES = [
    "/x/", "a>b", "", "/q?a=1&amp;b=2", "&copy=1", "&notit;", "&#38;", "&#x41;x", "&lt;a&gt;",
    "<a href=y>", "x y", "--", "'", '"', "-->", "/newsroom/",
]  # fmt: skip
SPACE = st.sampled_from([" ", "  ", "\n", "\t", "\r\n", "/", " / "])


@st.composite
def attribute(draw) -> str:
    name = draw(st.sampled_from(ATTRIBUTE_NAMES))
    value = draw(st.sampled_from(VALUES))
    quoting = draw(st.sampled_from(["double", "single", "bare", "none", "spaced"]))
    if quoting == "none":
        return name
    if quoting == "single" and "'" not in value:
        return f"{name}='{value}'"
    if quoting == "bare" and value and not set(value) & set(" \"'=<>`"):
        return f"{name}={value}"
    if quoting == "spaced" and '"' not in value:
        return f'{name} = "{value}"'
    return f'{name}="{value}"' if '"' not in value else f"{name}='{value}'"


@st.composite
def start_tag(draw) -> str:
    attributes = draw(st.lists(attribute(), max_size=4))
    gaps = [draw(SPACE) for _ in attributes]
    written = "".join(gap + a for gap, a in zip(gaps, attributes, strict=True))
    return f"<{draw(st.sampled_from(NAMES))}{written}{draw(st.sampled_from(['', ' ', '/']))}>"


def raw_text(name: str, inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    ends = st.sampled_from([f"</{name}>", f"</{name.upper()}>", f"</{name} >", f"</{name}x>", ""])
    return st.tuples(inner, ends).map(lambda parts: f"<{name}>{parts[0]}{parts[1]}")


# Text, comments, declarations and stray pieces of markup.
OTHER = [
    "text", "\n", "<", ">", "&amp;", "&lt;a href=x&gt;", "</a>", "</p >", "</ x>", "</>",
    "<!-- <a href=c> -->", "<!-->", "<!--->", "<!-- --!>", "<!-- -- >", "<!DOCTYPE html>",
    "<?php echo '<a>' ?>", "<![CDATA[<a href=d>]]>", "<!x>", '<a title="a>b" href=/c/>', "<!--",
    "<script>", "</script>", "<!--<script>", "-->", "<plaintext>", '"', "'",
]  # fmt: skip
PIECES = st.deferred(
    lambda: st.one_of(
        start_tag(),
        st.sampled_from(OTHER),
        *(raw_text(name, PIECE_TEXT) for name in sorted(RAW_TEXT)),
    )
)
PIECE_TEXT = st.lists(
    st.one_of(
        start_tag(),
        st.sampled_from(["x", "<!--", "-->", "<script>", "</script>", "</title>", "<", "</"]),
    ),
    max_size=4,
).map("".join)
# An HTML page made of those pieces.
PAGES = st.lists(PIECES, max_size=12).map("".join)
