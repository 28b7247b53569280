"""The inline pass that skips patterns which cannot match, and builds simple runs of text
itself, writes what Python-Markdown's own pass writes, for any text."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.inlinepatterns import SimpleTagInlineProcessor
from markdown.treeprocessors import InlineProcessor

from generator.markup.converter import Converter
from generator.markup.sanitize import MarkupError
from generator.markup.speedups import applicable
from tests.conftest import converted, fixture_markdown

if not applicable():  # their modules name internals other releases may not have
    pytest.skip("the speed-ups are off with this Python-Markdown", allow_module_level=True)

from generator.markup.speedups.inline import _NEEDS

EXAMPLES = int(os.environ.get("GAZETTE_HYPOTHESIS_EXAMPLES", "300"))

PIECES = [
    "word", "Azərbaycan", " ", "  \n", "\n", "\n\n", "`", "``", "\\", "\\`", "[", "]", "[^1]",
    "[^1]: note\n", "(", ")", "(/a)", "![", "[x]: /y\n", "<", ">", "<https://x.org>",
    "<a@b.org>", "://", "@", "<b>", "</b>", "<!-- c -->", "&", "&amp;", "&#1;", ";", "*",
    "**", "_", "__", "\"", "'", "--", "...", "# ", "> ", "- ", "1. ", "    ", "```\n",
    "{: .x }", "*[HTML]: Markup\n", "HTML", "<!--more-->", "{{<", "\x02", "\x03",
]  # fmt: skip


# A story's ordinary text, and what comes close to it without being simple.
SIMPLE_PIECES = [
    "Word", "Azərbaycan", " ", "\n", "\n\n", ",", ".", "!", "?", "(", ")", "\"", "'", "“", "^",
    "*word*", "**two words**", "*(aside)*", "*word *", "* word*", "**word **", "x*y*z",
    "`code_x()`", "` spaced `", "`a*b[c]`", "`&<>`",
    "[link text](https://example.org/a_b*c)", "[x](/y)", "[^x](/y)", "[a (b)](/c)",
    "*", "**", "***", "* ", " *", "`", "``", "[", "]", "](", "![", "_", "\\", "<", "&", "  \n",
    "\x02", "\x03", "(/a)", "[x](/a b)", "[x](/a\"b\")", "\u00a0", "{: .x }", "HTML",
    "*[HTML]: Markup\n", "# ", "> ", "- ",
]  # fmt: skip


SKIPPING = Converter(smart_typography=True)
STOCK = Converter(smart_typography=True, speedups=False)


def _converted(converter: Converter, text: str) -> object:
    """Return what `converter` makes of `text`: its HTML, or the error it refuses it with
    (a fence written "```{: .x }" sets an attribute no code block may have)."""
    try:
        return converter.convert(text)
    except MarkupError as exc:
        return (exc.line, str(exc), exc.hint)


def test_every_pattern_of_our_extension_set_is_known() -> None:
    inline = SKIPPING._md.treeprocessors["inline"]
    assert type(inline) is not InlineProcessor
    assert [p.pattern in _NEEDS for p in SKIPPING._md.inlinePatterns] == [True] * 15


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_any_text_converts_as_with_the_stock_pass(text: str) -> None:
    assert _converted(SKIPPING, text) == _converted(STOCK, text)
    assert SKIPPING.inline(text) == STOCK.inline(text)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.sampled_from(SIMPLE_PIECES), max_size=30).map("".join))
def test_text_near_a_simple_run_converts_as_with_the_stock_pass(text: str) -> None:
    assert _converted(SKIPPING, text) == _converted(STOCK, text)
    assert SKIPPING.inline(text) == STOCK.inline(text)


def test_simple_runs_are_built_with_this_python_markdown() -> None:
    # Without this the pass would quietly fall back to upstream's way (correct, but slower).
    text = "A *quote*, **two words**, `code()` and [a link](https://example.org/a_b)."
    html = SKIPPING.convert(text).html
    assert SKIPPING._md.treeprocessors["inline"].simple
    assert html == (
        "<p>A <em>quote</em>, <strong>two words</strong>, <code>code()</code> and "
        '<a href="https://example.org/a_b">a link</a>.</p>'
    )
    assert html == STOCK.convert(text).html


def test_the_fixture_documents_convert_as_with_the_stock_pass() -> None:
    documents = fixture_markdown()
    assert len(documents) > 10
    for file, text in documents:
        assert converted(SKIPPING, text) == converted(STOCK, text), file


def test_a_pattern_it_does_not_know_is_tried_on_every_run_of_text() -> None:
    def shouting(converter: Converter) -> Converter:
        shout = SimpleTagInlineProcessor(r"()\b(wow)\b", "strong")
        converter._md.inlinePatterns.register(shout, "shout", 1)
        return converter

    text = "Plain wow, and [a wow link](/x/)."
    converter = shouting(Converter(smart_typography=False))
    html = converter.convert(text).html
    assert not converter._md.treeprocessors["inline"].simple
    assert html.startswith("<p>Plain <strong>wow</strong>, and")
    assert html == shouting(Converter(smart_typography=False, speedups=False)).convert(text).html


def test_emphasis_changed_by_an_extension_turns_simple_runs_off() -> None:
    converter = Converter(smart_typography=False)
    converter.convert("a *b*")
    assert converter._md.treeprocessors["inline"].simple
    converter._md.delimiters.add("*", "strong,em", smart=True)  # '*' only at word edges
    text = "snake*case*word and *emphasis*"
    html = converter.convert(text).html
    assert not converter._md.treeprocessors["inline"].simple
    reference = Converter(smart_typography=False, speedups=False)
    reference._md.delimiters.add("*", "strong,em", smart=True)
    assert html == reference.convert(text).html == "<p>snake*case*word and <em>emphasis</em></p>"
