"""The block parser that turns down blocks a processor cannot take, and the faster whitespace
preprocessor, write what Python-Markdown's own write, for any text."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.preprocessors import NormalizeWhitespace

from generator.markup import Converter
from tests.conftest import fixture_markdown

EXAMPLES = int(os.environ.get("GAZETTE_HYPOTHESIS_EXAMPLES", "300"))

# Pieces of block syntax of every processor with a quick test, and text around them.
PIECES = [
    "word", "Azərbaycan", " ", "   ", "    ", "\t", "\n", "\n\n", "# ", "#", "###### ", " #",
    "=", "===", "-", "---", "- ", "* * *", "***", "___", "_", "*", "1. ", ":", ": ", ":   ",
    ">", "> ", ">>", "[^1]", "[^1]: note", "[^1]:", "*[HTML]: Markup", "*[", "HTML", "[a]",
    "[a]: /b", "[a]: /b \"T\"", "]:", "(/c)", "|", "| a | b |", "|---|---|", "a | b",
    "--- | ---", ":-:", "```", "~~~", "<div>", "</div>", "<div markdown=\"1\">", "\\#",
]  # fmt: skip


def stock(converter: Converter) -> Converter:
    """Return `converter` with every block processor's own test, and upstream's whitespace
    preprocessor, back in place."""
    for processor in converter._md.parser.blockprocessors:
        vars(processor).pop("test", None)
    converter._md.preprocessors["normalize_whitespace"].__class__ = NormalizeWhitespace
    return converter


QUICK = Converter(smart_typography=True)
STOCK = stock(Converter(smart_typography=True))


def test_the_processors_of_our_extension_set_with_a_searching_test_are_quick() -> None:
    quick = {type(p).__name__ for p in QUICK._md.parser.blockprocessors if "test" in vars(p)}
    assert quick == {
        "HashHeaderProcessor", "SetextHeaderProcessor", "HRProcessor", "DefListProcessor",
        "BlockQuoteProcessor", "FootnoteBlockProcessor", "AbbrBlockprocessor",
        "ReferenceProcessor", "TableProcessor",
    }  # fmt: skip


WHITESPACE = [" ", "  ", "\n", "\r", "\r\n", "\t", " \t", "a", "\x02", "\x03"]


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WHITESPACE), max_size=8).map("".join), max_size=12))
def test_lines_of_spaces_are_emptied_as_upstream_empties_them(lines: list[str]) -> None:
    quick = QUICK._md.preprocessors["normalize_whitespace"]
    assert type(quick) is not NormalizeWhitespace
    assert quick.run(lines) == STOCK._md.preprocessors["normalize_whitespace"].run(lines)


def test_a_block_without_the_needed_character_is_turned_down_at_once() -> None:
    quote = QUICK._md.parser.blockprocessors["quote"]
    assert not quote.test(None, "no quote here\nnor here")
    assert quote.test(None, "text\n> quoted")


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_any_text_converts_as_with_the_stock_parser(text: str) -> None:
    assert QUICK.convert(text) == STOCK.convert(text)


def test_the_fixture_documents_convert_as_with_the_stock_parser() -> None:
    documents = fixture_markdown()
    assert len(documents) > 10
    for file, text in documents:
        assert QUICK.convert(text) == STOCK.convert(text), file
