"""Links under the base path at parse time (markup/sitepaths.py), against the tokenizer alone.

Before, the whole built body went through the tokenizer after parsing; now Markdown's own
links are rewritten on its tree and only raw HTML through the tokenizer. For any document
the two must agree, but for a Markdown link inside a raw <textarea> or <title> (text to a
browser, and to the tokenizer), which the tree pass rewrites all the same.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.htmlurls import link_values, rebase_links
from generator.markup.converter import Converter

FAST, PLAIN = Converter(True), Converter(True, speedups=False)
STRICT = Converter(True, raw_html=False)

_PIECES = [
    "[a](/x/)", "![i](/i.png)", "[r][ref]", "[f]({filename}/a.md)", "[h](#h)", "[u](//u/x)",
    "[e](https://e.org/)", "<a href=\"/raw/\">", "</a>", '<a title="a>b" href="/q/">',
    "<img src='/r.png'>", "<A HREF=/upper/>", "<!-- <a href=\"/c/\"> -->", "`[c](/code/)`",
    "<span data-href=\"/d/\">", "{{< figure src=\"/f.png\" >}}", "{: #id }", "*em*", "word",
    "&amp;", "[q](/a?b=1&c=2)", "<b>", "</b>", "\n", "\n\n", "\n\n    [i](/indented/)\n\n",
    "\n\n```\n[f](/fenced/)\n```\n\n", "\n\n<div>\n<a href=\"/block/\">b</a>\n</div>\n\n",
    "\n\n> [q](/quote/)\n\n", "\n\n- [l](/list/)\n", "[^1]", "\n\n[^1]: [n](/note/)\n\n",
    '![l](/l.png){: data-src="/lazy.png" }', '[d](/d/){: data-href="{filename}/y.md" }',
    "[rel](../other.md)", "[TOC]", "\n\n## Heading\n\n",
    '<img srcset="/a.png 1x, b.png 2x,/c.png">', '<video poster="/p.jpg">', '<a href=" /ws/ ">',
    '![s](/s.png){: srcset="/s2.png 2x" }', '[p](/p/){: poster=" /p.jpg" }',
]  # fmt: skip
_DOCUMENTS = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=14).map(
    lambda pieces: " ".join(pieces) + "\n\n[ref]: /ref/\n"
)


@settings(max_examples=200, deadline=None)
@given(_DOCUMENTS, st.sampled_from(["/news", "/a b", "/ünï"]))
def test_the_tree_and_the_tokenizer_agree_with_the_tokenizer_alone(text: str, base: str) -> None:
    for converter in (FAST, PLAIN, STRICT):
        expected = rebase_links(converter.convert(text).html, base)
        assert converter.convert(text, base).html == expected, text


def test_a_document_at_the_domain_root_is_not_rewritten() -> None:
    text = '[a](/x/) <a href="/raw/">r</a>'
    assert (
        FAST.convert(text, "").html
        == FAST.convert(text).html
        == ('<p><a href="/x/">a</a> <a href="/raw/">r</a></p>')
    )


@settings(max_examples=200, deadline=None)
@given(_DOCUMENTS, st.sampled_from(["", "/news"]))
def test_the_links_read_are_those_the_tokenizer_reads(text: str, base: str) -> None:
    for converter in (FAST, PLAIN, STRICT):
        rendered = converter.convert(text, base)
        assert list(rendered.links) == list(link_values(rendered.html)), text
