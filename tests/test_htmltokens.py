"""The one HTML tokenizer: the start tags it finds are the ones html5lib's tokenizer finds."""

from __future__ import annotations

import os

from html_oracle import PAGES, html5lib_start_tags
from hypothesis import example, given, settings

from generator.htmltokens import quoted, rewrite_attributes, start_tags, tag_values

EXAMPLES = int(os.environ.get("GAZETTE_HYPOTHESIS_EXAMPLES", "200"))


def our_start_tags(page: str, **only) -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (tag.name, [(a.name, a.value) for a in tag.attributes.values()])
        for tag in start_tags(page, **only)
    ]


@settings(max_examples=EXAMPLES, deadline=None)
@given(PAGES)
@example('<a title="a>b" href="/corrections/">')
@example("<textarea><a href='/x/'></textarea><title><a href=/y/></title>")
@example("<script><!--<script></script><a href=1></script><b>")
@example("<a href=&copy=&notit;&#38;&#x41 href=2>")
@example("<a href='&#0000000000106;avascript:x' title=&#x000000000000000065&#x0000110000;>")
def test_start_tags_are_the_ones_html5lib_reads(page: str) -> None:
    assert our_start_tags(page) == html5lib_start_tags(page)


@settings(max_examples=EXAMPLES, deadline=None)
@given(PAGES)
def test_a_filter_passes_over_only_what_it_does_not_want(page: str) -> None:
    # The fast path, which passes over tags of no interest inside the expression, reads
    # every tag it keeps as the full reading does.
    every = our_start_tags(page)
    names, wanted = {"a", "img", "link"}, {"id", "srcset"}
    expected = [
        (name, attrs)
        for name, attrs in every
        if name in names or any(attr in wanted for attr, _ in attrs)
    ]
    assert our_start_tags(page, names=names, attributes=wanted) == expected


@settings(max_examples=EXAMPLES, deadline=None)
@given(PAGES)
@example('<a href="/x/" class="y"><a href="/x/" href="/z/"><img src="a" alt=""/><a href>')
def test_values_are_what_the_full_reading_finds(page: str) -> None:
    # tag_values reads plain tags in one expression; everything else as start_tags does.
    for only in ({}, {"names": {"a", "img", "link"}, "attributes": {"id", "srcset"}}):
        expected = [
            (
                tag.name,
                {n: a.value if a.start < a.end else None for n, a in tag.attributes.items()},
                tag.line,
            )
            for tag in start_tags(page, **only)
        ]
        assert list(tag_values(page, **only)) == expected


def test_lines_and_spans_point_into_the_page():
    page = "<p>\n<a\ntitle=\"a>b\" href='/c/'>x</a>\r\n<img src=/i.png>"
    tags = list(start_tags(page, names={"a", "img"}))
    assert [(t.name, t.line) for t in tags] == [("a", 2), ("img", 4)]
    href = tags[0].attributes["href"]
    assert page[href.start : href.end] == "'/c/'" and href.value == "/c/"
    assert page[tags[1].start : tags[1].end] == "<img src=/i.png>"


def test_rewriting_changes_the_values_and_nothing_else():
    page = "<A HREF='/x/' title=\"a>b\"><img src=y.png alt><a href>"
    changes = [
        (attr, quoted(attr.value + "?v=1&w"))
        for tag in start_tags(page)
        for attr in tag.attributes.values()
        if attr.name in ("href", "src")
    ]
    assert rewrite_attributes(page, changes) == (
        '<A HREF="/x/?v=1&amp;w" title="a>b"><img src="y.png?v=1&amp;w" alt><a href="?v=1&amp;w">'
    )
