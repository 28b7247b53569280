"""Liquid tags and Hugo shortcodes: what is understood, and everything else as typed."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.config import Config
from generator.markup.converter import Converter
from generator.source.files import read_content
from generator.source.parse import parse_document

CONTENT = Path(__file__).parent / "fixtures" / "sites" / "liquid" / "content"
CONFIG = Config(title="Test", timezone="Asia/Baku")
FAST, PLAIN = Converter(False), Converter(False, speedups=False)

# path -> (url, title, date, fragments of the body); the whole page is in expected/.
POSTS = {
    "_posts/2020-01-02-first-post.md": (
        "/2020/01/first-post/",
        "First post",
        "2020-01-02T09:00:00+04:00",
        ["<p>The post the others link to.</p>"],
    ),
    "_posts/2020-03-04-liquid.md": (
        "/2020/03/liquid-as-jekyll-wrote-it/",
        "Liquid as Jekyll wrote it",
        "2020-03-04T10:30:00+04:00",
        [
            "<p>A paragraph before a tag.\n{% endhighlight %}</p>",
            "<p>After <code>code</code>  and {braces} stay.</p>",
            '<span class="gi">+ added &lt;b&gt;line&lt;/b&gt;</span>',
            "<p>{{ page.title }} and {% if x %} are shown as typed.</p>",
            '<a href="{filename}/_posts/2020-01-02-first-post.md">the first post</a>',
            '<a href="{post_url}2020-01-02-first-post">again</a>',
            '<a href="/about/">about</a> and <a href="/">home</a>',
            '{% include note.html %}, {{ page.date | date: "%Y" }}, {{ *not emphasis* }}.',
            "<code>{% raw %} in indented code\n</code>",
        ],
    ),
    "post/hugo.md": (
        "/2020/05/shortcodes-as-hugo-wrote-them/",
        "Shortcodes as Hugo wrote them",
        "2020-05-06T08:00:00+04:00",
        [
            '<figure><a href="https://example.net/trade"><img src="/images/chart.svg" '
            'alt="A chart"></a><figcaption><strong>Trade</strong> Exports by month'
            "</figcaption></figure>",
            '<figure><img src="bundle/map.svg" alt="The map"><figcaption>The map</figcaption>',
            '<a href="{ref}bundle">the bundle</a>',
            '<a href="{ref}/_posts/2020-03-04-liquid.md#section">its heading</a>',
            '<span class="s">"{{&lt;"</span>',
            '<p><a href="https://www.youtube.com/watch?v=w7Ft2ymGmfc">'
            "https://www.youtube.com/watch?v=w7Ft2ymGmfc</a></p>",
            '<p><a href="https://vimeo.com/146022717">A film about ports</a></p>',
            '<p>{{&lt; tweet user="x" id="1" &gt;}} and {{% note %}}kept{{% /note %}} and '
            '{{&lt; figure src="x" &gt;}}.</p>',
            '<code>{{&lt; figure src="code.png" &gt;}}</code>',
        ],
    ),
}


@pytest.mark.parametrize("path", sorted(POSTS))
def test_fixture_posts(path: str) -> None:
    url, title, date, fragments = POSTS[path]
    source = next(s for s in read_content(CONTENT).sources if s.path == path)
    doc = parse_document(source, CONFIG, Converter(True)).document
    assert (doc.url, doc.title, doc.date.isoformat()) == (url, title, date)
    for fragment in fragments:
        assert fragment in doc.content


def test_every_fixture_post_is_asserted() -> None:
    sources = read_content(CONTENT).sources
    assert {s.path for s in sources if s.kind == "article"} - set(POSTS) == {"post/bundle/index.md"}


@pytest.mark.parametrize("path", sorted(POSTS))
def test_the_same_html_without_speedups(path: str) -> None:
    text = (CONTENT / path).read_text()
    assert FAST.convert(text) == PLAIN.convert(text)


def test_a_tag_left_as_typed_is_noted_at_its_line() -> None:
    assert FAST.convert("One.\n\n{% raw %}{{ a }}{% endraw %} {{ b }}\n").foreign == (
        (3, "{{ b }}"),
    )
    assert FAST.convert('{{< figure src="a.png" alt="A" >}}').foreign == ()


def test_unsafe_urls_are_never_a_figure() -> None:
    body = FAST.convert('{{< figure src="javascript:alert(1)" >}}').html
    assert "<figure" not in body and "<img" not in body


def test_an_unclosed_highlight_stays_text() -> None:
    assert FAST.convert("{% highlight ruby %}\n*a*\n").html == (
        "<p>{% highlight ruby %}\n<em>a</em></p>"
    )


_TOKENS = ["{%", "%}", "{{", "}}", "{{<", ">}}", "{{%", " ", "word", "x", "{", "}", "%"]
_PIECES = st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=12).map("".join)
_UNDERSTOOD = ("highlight", "raw", "link", "post_url", "ref", "site.", "figure", "youtube", "vimeo")


@settings(max_examples=300, deadline=None)
@given(_PIECES)
def test_braces_come_out_as_typed(text: str) -> None:
    text = "a " + text.strip() + " z"  # a paragraph, neither a list nor a heading
    shown = html.escape(text, quote=False)
    for body, expected in (
        (text, f"<p>{shown}</p>"),
        (f"`{text}`", f"<p><code>{shown}</code></p>"),
        (
            f"```\n{text}\n```",
            f'<div class="highlight"><pre><span></span><code>{shown}\n</code></pre></div>',
        ),
    ):
        assert not any(word in text for word in _UNDERSTOOD)
        rendered = FAST.convert(body).html
        assert rendered == expected, body
        assert PLAIN.convert(body).html == rendered


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'Before {{< figure src="/a.png" alt="A" >}} *after*.',
            '<p>Before</p>\n<figure><img src="/a.png" alt="A"></figure>\n<p><em>after</em>.</p>',
        ),
        (
            'One\n{{< figure src="/a.png" >}}\ntwo',
            '<p>One</p>\n<figure><img src="/a.png" alt=""></figure>\n<p>two</p>',
        ),
        (
            '[x](/y) {{< figure src="/a.png" >}}{{% figure src="/b.png" %}}',
            '<p><a href="/y">x</a></p>\n<figure><img src="/a.png" alt=""></figure>\n'
            '<figure><img src="/b.png" alt=""></figure>',
        ),
        (
            '> quoted {{< figure src="/a.png" >}}',
            '<blockquote>\n<p>quoted</p>\n<figure><img src="/a.png" alt=""></figure>\n'
            "</blockquote>",
        ),
        ('{{< figure src="/a.png" >}}', '<figure><img src="/a.png" alt=""></figure>'),
        # a heading keeps its words whole, and its figure follows it
        (
            '## Map {{< figure src="/a.png" >}} *of* {{< figure src="/b.png" >}} ports',
            '<h2 id="map-of-ports">Map <em>of</em> ports</h2>\n'
            '<figure><img src="/a.png" alt=""></figure>\n'
            '<figure><img src="/b.png" alt=""></figure>',
        ),
        ('## {{< figure src="/a.png" >}}', '<figure><img src="/a.png" alt=""></figure>'),
        # a video is a link: it stays in its paragraph
        (
            "See {{< youtube abc >}} now.",
            '<p>See <a href="https://www.youtube.com/watch?v=abc">'
            "https://www.youtube.com/watch?v=abc</a> now.</p>",
        ),
    ],
)
def test_a_figure_is_never_inside_a_paragraph(body: str, expected: str) -> None:
    assert FAST.convert(body).html == expected
    assert PLAIN.convert(body).html == expected


@pytest.mark.parametrize(
    ("body", "target"),
    [
        ("[a]({% post_url 2020-01-02-x %})", "{post_url}2020-01-02-x"),
        ("[a]({{ site.baseurl }}{% post_url x %})", "{post_url}x"),
        ("[a]({{ site.baseurl }}/{% post_url x %})", "{post_url}x"),  # before Jekyll 4
        (
            "[a]({{site.url}}{{site.baseurl}}/{%- link _posts/x.md -%}#s)",
            "{filename}/_posts/x.md#s",
        ),
        ('<a title="x" href="{{ site.baseurl }}/{% link x.md %}">a</a>', "{filename}/x.md"),
        ('<img data-src="/{% link a.png %}">', "{filename}/a.png"),
        ("[a][r]\n\n[r]: {{ site.baseurl }}/{% link x.md %}", "{filename}/x.md"),
    ],
)
def test_link_and_post_url_anywhere_after_the_sites_root(body: str, target: str) -> None:
    assert f'="{target}"' in FAST.convert(body).html


def test_link_tags_in_code_stay_as_typed() -> None:
    body = "`[a]({{ site.baseurl }}/{% link x.md %})`"
    assert FAST.convert(body).html == (
        "<p><code>[a]({{ site.baseurl }}/{% link x.md %})</code></p>"
    )
