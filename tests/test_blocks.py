"""The block parser that turns down blocks a processor cannot take, the faster whitespace and
fenced code preprocessors, the registries that list their items once and the set-based
block-level test write what Python-Markdown's own write, for any text."""

from __future__ import annotations

import os
from xml.etree.ElementTree import Comment

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown import util
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.extensions.md_in_html import HtmlBlockPreprocessor
from markdown.preprocessors import NormalizeWhitespace

from generator.markup.converter import Converter
from generator.markup.speedups import applicable
from tests.conftest import converted, fixture_markdown

if not applicable():  # their modules name internals other releases may not have
    pytest.skip("the speed-ups are off with this Python-Markdown", allow_module_level=True)

from generator.markup.speedups import blocks

EXAMPLES = int(os.environ.get("GAZETTE_HYPOTHESIS_EXAMPLES", "300"))

# Pieces of block syntax of every processor with a quick test, and text around them.
PIECES = [
    "word", "Azərbaycan", " ", "   ", "    ", "\t", "\n", "\n\n", "# ", "#", "###### ", " #",
    "=", "===", "-", "---", "- ", "* * *", "***", "___", "_", "*", "1. ", ":", ": ", ":   ",
    "-  -", "_ _", "*  *", " :",
    ">", "> ", ">>", "[^1]", "[^1]: note", "[^1]:", "*[HTML]: Markup", "*[", "HTML", "[a]",
    "[a]: /b", "[a]: /b \"T\"", "]:", "(/c)", "|", "| a | b |", "|---|---|", "a | b",
    "--- | ---", ":-:", "```", "~~~", "<div>", "</div>", "<div markdown=\"1\">", "\\#",
]  # fmt: skip


QUICK = Converter(smart_typography=True)
STOCK = Converter(smart_typography=True, speedups=False)


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


def test_the_stand_ins_are_installed_and_the_stock_converter_has_none() -> None:
    for registry in blocks.registries(QUICK._md):
        assert type(registry) is not util.Registry
    assert type(QUICK._md.preprocessors["fenced_code_block"]) is not FencedBlockPreprocessor
    assert type(QUICK._md.preprocessors["html_block"]) is not HtmlBlockPreprocessor
    assert type(STOCK._md.preprocessors["fenced_code_block"]) is FencedBlockPreprocessor
    assert type(STOCK._md.preprocessors["html_block"]) is HtmlBlockPreprocessor
    assert "is_block_level" in vars(QUICK._md)
    assert all(type(registry) is util.Registry for registry in blocks.registries(STOCK._md))
    assert "is_block_level" not in vars(STOCK._md)


FENCES = ["`", "``", "```", "````", "~", "~~~", " ", "\n", "code", "{.python}", "python"]


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.lists(st.sampled_from(FENCES), max_size=6).map("".join), max_size=10))
@example(["~~~", "code", "~~~"])
@example(["text", "```python", "code", "```", "text"])
@example(["````", "```", "````"])
@example(["~~~~{.python}", "~~~", "~~~~", "``` not a fence"])
def test_fenced_code_is_found_as_upstream_finds_it(lines: list[str]) -> None:
    quick, stock_md = QUICK._md.reset(), STOCK._md.reset()  # placeholders count from 0
    stock_lines = stock_md.preprocessors["fenced_code_block"].run(lines)
    assert quick.preprocessors["fenced_code_block"].run(lines) == stock_lines
    if not any("```" in line or "~~~" in line for line in lines):
        assert stock_lines == "\n".join(lines).split("\n")


HTML = ["<", ">", "&", "&amp;", "&copy", "&#169;", "<div>", "</div>", "<p>", "<!-- c -->", "a",
        " ", "\n", "\n\n", "<span>", "</span>", "markdown=\"1\"", "<br/>", "`"]  # fmt: skip


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.lists(st.sampled_from(HTML), max_size=8).map("".join), max_size=10))
@example(["Plain text", "", "with two paragraphs"])
@example(["M&A and &copy; 2024, no tag", "&#169 2024"])  # the last gains a ";"
@example(["a &copy; b", "<div>", "", "*x*", "</div>"])
def test_raw_html_is_stashed_as_upstream_stashes_it(lines: list[str]) -> None:
    quick, stock_md = QUICK._md.reset(), STOCK._md.reset()
    assert quick.preprocessors["html_block"].run(lines) == stock_md.preprocessors["html_block"].run(
        lines
    )
    assert quick.htmlStash.rawHtmlBlocks == stock_md.htmlStash.rawHtmlBlocks


def test_a_registry_lists_what_it_holds_after_every_change() -> None:
    registry = QUICK._md.parser.blockprocessors
    names = [type(p).__name__ for p in registry]
    hr = registry["hr"]
    try:
        registry.deregister("hr")
        assert hr not in list(registry) and len(list(registry)) == len(names) - 1
        registry.register(hr, "hr", 1000)  # first now
        assert next(iter(registry)) is hr
    finally:
        registry.deregister("hr")
        registry.register(hr, "hr", 50)
    assert [type(p).__name__ for p in registry] == names


def test_block_level_follows_a_name_added_to_the_list() -> None:
    md = Converter(smart_typography=True)._md
    assert not md.is_block_level("gazette-box")
    md.block_level_elements.append("gazette-box")
    assert md.is_block_level("gazette-box") and md.is_block_level("GAZETTE-BOX/")
    md.block_level_elements.remove("gazette-box")
    assert not md.is_block_level("gazette-box")


def test_block_level_is_what_upstream_says_for_any_tag() -> None:
    names = QUICK._md.block_level_elements
    assert names == STOCK._md.block_level_elements and len(names) > 40
    tags = [*names, *(n.upper() for n in names), *(n + "/" for n in names), "span", "em", "a"]
    tags += ["", "/", "DIV//", "Section", "p ", None, 3, Comment]
    for tag in tags:
        assert QUICK._md.is_block_level(tag) is STOCK._md.is_block_level(tag), tag


def test_a_block_without_the_needed_character_is_turned_down_at_once() -> None:
    quote = QUICK._md.parser.blockprocessors["quote"]
    assert not quote.test(None, "no quote here\nnor here")
    assert quote.test(None, "text\n> quoted")


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
@example("text\n\n- - -\n\n_  _  _\n\n * *  *\n\n--- \n")  # rules, spaced up to twice
@example("Term\n: definition\n\nAt 10:30: no definition")
def test_any_text_converts_as_with_the_stock_parser(text: str) -> None:
    assert QUICK.convert(text) == STOCK.convert(text)


def test_the_fixture_documents_convert_as_with_the_stock_parser() -> None:
    documents = fixture_markdown()
    assert len(documents) > 10
    for file, text in documents:
        assert converted(QUICK, text) == converted(STOCK, text), file
