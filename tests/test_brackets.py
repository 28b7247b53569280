"""The search for the end of a link's text gives what Python-Markdown's own gives, for any
text, in linear time."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.inlinepatterns import LinkInlineProcessor

from generator.markup.converter import Converter
from generator.markup.speedups import applicable

if not applicable():  # their modules name internals other releases may not have
    pytest.skip("the speed-ups are off with this Python-Markdown", allow_module_level=True)

from generator.markup.speedups.brackets import BracketEnds, bracket_ends

EXAMPLES = int(os.environ.get("GAZETTE_HYPOTHESIS_EXAMPLES", "300"))
UPSTREAM = getattr(LinkInlineProcessor, "_findBracketEnds", None)
needs_upstream = pytest.mark.skipif(
    UPSTREAM is None, reason="this Python-Markdown has no bracket table to stand in for"
)


@needs_upstream
@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(alphabet="[]a \\`(", max_size=200))
def test_any_text_gives_upstreams_table(text: str) -> None:
    assert bracket_ends(text) == UPSTREAM(text)
    assert _asked_one_at_a_time(text) == UPSTREAM(text)


def _asked_one_at_a_time(text: str) -> list[int | None]:
    """Return BracketEnds' answers for every position, each from a fresh table, so each
    is worked out from the brackets after it."""
    return [BracketEnds(text)[i] for i in range(len(text) + 1)]


@needs_upstream
@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(alphabet="[]a", min_size=40, max_size=400))
def test_text_with_many_brackets_gives_upstreams_table(text: str) -> None:
    ends = BracketEnds(text)
    assert [ends[i] for i in range(len(ends))] == UPSTREAM(text)  # the table, once built
    assert _asked_one_at_a_time(text) == UPSTREAM(text)


@needs_upstream
@pytest.mark.parametrize(
    "text", ["", "[", "]", "[" * 3000, "]" * 3000, "[" * 3000 + "a" + "]" * 3000, "a [b] c"]
)
def test_unclosed_and_deep_brackets_give_upstreams_table(text: str) -> None:
    assert bracket_ends(text) == UPSTREAM(text)
    ends = BracketEnds(text)
    assert [ends[i] for i in range(len(ends))] == UPSTREAM(text)


@needs_upstream
def test_the_link_patterns_use_it() -> None:
    md = Converter(smart_typography=True)._md
    users = [p for p in md.inlinePatterns if hasattr(p, "_findBracketEnds")]
    assert len(users) >= 4  # links, images, references, image references...
    assert all(p._findBracketEnds is BracketEnds for p in users)


def test_nested_link_text_converts() -> None:
    html = Converter(smart_typography=False).convert("See [the [2024] vote](/vote/) now.").html
    assert html == '<p>See <a href="/vote/">the [2024] vote</a> now.</p>'
