"""Markdown bodies: the extensions a newsroom needs, one instance reset between documents."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.markup.converter import _PLAIN, Converter, plain_text, summary_of, word_count


@pytest.fixture(scope="module")
def md() -> Converter:
    return Converter(smart_typography=True)


def test_tables(md: Converter) -> None:
    html = md.convert("| Party | Seats |\n|---|---:|\n| YAP | 68 |\n").html
    assert "<table>" in html
    assert "<th>Party</th>" in html
    assert '<td style="text-align: right;">68</td>' in html


def test_footnotes(md: Converter) -> None:
    html = md.convert("Turnout was 76%.[^cec]\n\n[^cec]: Central Election Commission.\n").html
    assert '<sup id="fnref:cec"><a class="footnote-ref" href="#fn:cec">1</a></sup>' in html
    assert '<div class="footnote">' in html
    assert "Central Election Commission." in html


def test_footnotes_do_not_leak_into_the_next_document(md: Converter) -> None:
    md.convert("One.[^a]\n\n[^a]: First note.\n")
    html = md.convert("Two, without notes.\n").html
    assert html == "<p>Two, without notes.</p>"
    again = md.convert("Three.[^a]\n\n[^a]: Third note.\n").html
    assert "Third note." in again and "First note." not in again
    assert 'href="#fn:a">1</a>' in again  # numbering starts again


def test_abbreviations_do_not_leak(md: Converter) -> None:
    assert '<abbr title="Central Election Commission">CEC</abbr>' in (
        md.convert("The CEC said.\n\n*[CEC]: Central Election Commission\n").html
    )
    assert md.convert("The CEC said.\n").html == "<p>The CEC said.</p>"


def test_fenced_code_is_highlighted_with_classes(md: Converter) -> None:
    html = md.convert("```python\ndef vote():\n    return 1\n```\n").html
    assert html.startswith('<div class="highlight"><pre>')
    assert '<span class="k">def</span>' in html
    assert '<span class="nf">vote</span>' in html
    assert "style=" not in html  # classes for the theme's stylesheet, no inline styles


def test_code_without_language_is_not_guessed(md: Converter) -> None:
    html = md.convert("```\nSELECT 1;\n```\n").html
    assert "SELECT 1;" in html
    assert '<span class="k">' not in html


def test_heading_ids_and_table_of_contents(md: Converter) -> None:
    rendered = md.convert("## Results\n\ntext\n\n### Azərbaycan seçkiləri\n\ntext\n")
    assert '<h2 id="results">Results</h2>' in rendered.html
    assert '<h3 id="azərbaycan-seçkiləri">Azərbaycan seçkiləri</h3>' in rendered.html
    assert '<a href="#results">Results</a>' in rendered.toc
    assert '<a href="#azərbaycan-seçkiləri">Azərbaycan seçkiləri</a>' in rendered.toc


def test_no_headings_no_toc(md: Converter) -> None:
    md.convert("## A heading\n")
    assert md.convert("Just text.\n").toc == ""


def test_attribute_lists(md: Converter) -> None:
    html = md.convert("## Results {: #tally .wide }\n\nA lead paragraph.\n{: .lead }\n").html
    assert '<h2 class="wide" id="tally">Results</h2>' in html
    assert '<p class="lead">A lead paragraph.</p>' in html


def test_smart_typography(md: Converter) -> None:
    html = md.convert("\"Yes,\" he said -- it's 'done' --- finally...\n").html
    assert html == "<p>“Yes,” he said – it’s ‘done’ — finally…</p>"


def test_smart_typography_off() -> None:
    html = Converter(smart_typography=False).convert('"Yes," he said -- it\'s done\n').html
    assert html == '<p>"Yes," he said -- it\'s done</p>'


def test_typographic_text_and_a_stray_backtick_come_through_unchanged(md: Converter) -> None:
    text = "“Curly” quotes, it’s — and Your Excellency`s letter."
    assert md.convert(text + "\n").html == f"<p>{text}</p>"
    assert Converter(smart_typography=False).convert(text + "\n").html == f"<p>{text}</p>"


def test_inline_drops_the_paragraph(md: Converter) -> None:
    assert md.inline("A *short* summary") == "A <em>short</em> summary"
    assert md.inline("One\n\nTwo") == "<p>One</p>\n<p>Two</p>"


def test_summary_is_text_before_more_marker() -> None:
    html = "<p>First.</p>\n<p>Second.</p>\n<!-- more -->\n<p>Third.</p>"
    assert summary_of(html) == "<p>First.</p>\n<p>Second.</p>"


def test_summary_is_first_paragraph_without_marker() -> None:
    html = '<h2 id="x">X</h2>\n<p class="lead">First <em>one</em>.</p>\n<p>Second.</p>'
    assert summary_of(html) == '<p class="lead">First <em>one</em>.</p>'
    assert summary_of("<ul><li>no paragraph</li></ul>") == ""


def test_more_marker_survives_markdown(md: Converter) -> None:
    html = md.convert("Lead text.\n\nMore lead.\n\n<!--more-->\n\nThe rest.\n").html
    assert summary_of(html) == "<p>Lead text.</p>\n<p>More lead.</p>"


def test_word_count_counts_what_a_reader_sees() -> None:
    assert word_count("<p>Four <em>words</em> in here.</p>") == 4
    assert word_count('<p><a href="https://x.org/a/long/url">link</a> text</p>') == 2
    assert word_count("") == 0


def test_site_paths_in_links_and_images_carry_the_base_path(md: Converter) -> None:
    html = md.convert(
        "[Energy](/tags/energy/), [home](/), [here](#notes), [there](https://example.net/x), "
        "[cdn](//cdn.example/x), [beside](photo.jpg), [file]({filename}/a.md)\n\n"
        "![Map](/images/map.svg)\n\n[ref]: /tags/ref/\n\n[by reference][ref] "
        "[space](</tags/a b/>) `[code](/in/code/)`\n",
        "/newsroom",
    ).html
    assert '<a href="/newsroom/tags/energy/">Energy</a>' in html
    assert '<a href="/newsroom/">home</a>' in html
    assert '<a href="#notes">here</a>' in html
    assert '<a href="https://example.net/x">there</a>' in html
    assert '<a href="//cdn.example/x">cdn</a>' in html
    assert '<a href="photo.jpg">beside</a>' in html
    assert '<a href="{filename}/a.md">file</a>' in html  # the links stage resolves it
    assert '<img alt="Map" src="/newsroom/images/map.svg">' in html
    assert '<a href="/newsroom/tags/ref/">by reference</a>' in html
    assert '<a href="/newsroom/tags/a%20b/">space</a>' in html
    assert "<code>[code](/in/code/)</code>" in html
    assert md.convert("[Energy](/tags/energy/)").html == (
        '<p><a href="/tags/energy/">Energy</a></p>'
    )
    assert md.inline("[Energy](/tags/energy/)", "/newsroom") == (
        '<a href="/newsroom/tags/energy/">Energy</a>'
    )


def test_raw_html_links_carry_the_base_path_as_a_browser_reads_them(md: Converter) -> None:
    html = md.convert(
        'A <a title="a>b" href="/corrections/">fix</a> and [md](/md/).\n\n'
        '<textarea><a href="/in-textarea/"></textarea> <title><a href="/in-title/"></title>\n\n'
        '<!-- <a href="/in-comment/"> --> <img src="/raw.png">\n\n'
        "In <textarea>[a Markdown link](/md-in-textarea/)</textarea> too.\n\n"
        '{{< figure src="/figure.png" >}}\n',
        "/newsroom",
    ).html
    assert '<a title="a>b" href="/newsroom/corrections/">fix</a>' in html
    assert '<a href="/newsroom/md/">md</a>' in html
    assert '<textarea><a href="/in-textarea/"></textarea>' in html
    assert '<title><a href="/in-title/"></title>' in html
    assert '<!-- <a href="/in-comment/"> -->' in html
    assert '<img src="/newsroom/raw.png">' in html
    assert '<img src="/newsroom/figure.png" alt="">' in html
    # a link Markdown made is rewritten on its tree, wherever raw HTML puts it
    assert '<a href="/newsroom/md-in-textarea/">a Markdown link</a>' in html
    assert "\x03" not in html


def test_site_paths_unchanged_at_the_root(md: Converter) -> None:
    assert md.inline("[Energy](/tags/energy/)") == '<a href="/tags/energy/">Energy</a>'


def test_plain_text_keeps_punctuation_next_to_links() -> None:
    assert plain_text('<p>A newsroom <a href="/">below a sub-path</a>.</p>') == (
        "A newsroom below a sub-path."
    )
    assert plain_text("<p>One.</p>\n<p>Two.</p>") == "One. Two."
    assert plain_text("<h2>Head</h2><p>Body</p>") == "Head Body"


def test_summaries_leave_footnote_references_out(md: Converter) -> None:
    html = md.convert("Turnout was high[^cec].\n\nMore.\n\n[^cec]: Commission figures.\n").html
    assert 'href="#fn:cec"' in html
    assert summary_of(html) == "<p>Turnout was high.</p>"


_SUMMARY_PIECES = ["Vote", "é", "1", "1. ", "A. ", "'", '"', " ", "--", "...", "(", "/"]


@settings(max_examples=300, deadline=None)
@given(
    text=st.from_regex(_PLAIN, fullmatch=True)
    | st.lists(st.sampled_from(_SUMMARY_PIECES)).map("".join).filter(_PLAIN.fullmatch),
    smart=st.booleans(),
)
def test_plain_summaries_skip_markdown_yet_read_the_same(text: str, smart: bool) -> None:
    converter = Converter(smart_typography=smart)
    assert f"<p>{converter.inline(text)}</p>" == converter.convert(text).html


def test_summaries_with_markup_still_go_through_markdown(md: Converter) -> None:
    assert md.inline('"Quoted" -- and *emphasis*') == "“Quoted” – and <em>emphasis</em>"
    assert md.inline("1. A list") == "<ol>\n<li>A list</li>\n</ol>"
    assert md.inline("Tom & Jerry <b>") == "Tom &amp; Jerry &lt;b&gt;"  # HTML is text here
    assert md.inline("It's 'quoted'... isn't it?") == "It’s ‘quoted’… isn’t it?"


def test_a_toc_marker_is_replaced_only_where_written(md: Converter) -> None:
    with_marker = md.convert("[TOC]\n\n## One\n\nText.\n").html
    assert with_marker.startswith('<div class="toc">') and "[TOC]" not in with_marker
    assert md.convert("Not a [TOC] marker here.\n\n## One\n").html.startswith("<p>Not a [TOC]")
    assert "[TOC]" not in md.convert("## One\n\nText.\n").html
    assert md.convert("[TOC]\n").html.startswith('<div class="toc">')


def test_attribute_lists_may_hold_bare_names(md: Converter) -> None:
    # attr_list leaves a name without a value as None, which the script-URL check once choked on
    assert md.convert("[a](/b){: foo }").html == '<p><a foo href="/b">a</a></p>'
    assert md.convert("## H {: foo }").html == '<h2 foo id="h">H</h2>'
    assert md.convert("[a](javascript:x){: foo }").html == '<p><a foo href="#">a</a></p>'


_CODE_PIECES = ["{{<", ">}}", "{{", "}}", "{", "}", "<", ">", "[2]", "x", " ", "-ch", "1, 2", "&"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_CODE_PIECES), min_size=1, max_size=20).map("".join))
def test_code_comes_out_as_typed_whatever_braces_it_holds(code: str) -> None:
    md = Converter(smart_typography=True)
    for text in (f"```cpp\n{code}\n```\n", f"    {code}\n", f"Inline `{code}` here.\n"):
        if code.strip() == "" or "`" in code:
            continue
        html_out = md.convert(text).html
        found = re.findall(r"<code\b[^>]*>(.*?)</code>", html_out, re.DOTALL)
        shown = [html.unescape(re.sub(r"<[^>]+>", "", piece)) for piece in found]
        assert any(code.strip() in s for s in shown), (text, html_out)
