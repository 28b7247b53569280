"""Property: whatever a writer types, parsing gives a document or a SourceError naming the file,
never another exception. GAZETTE_HYPOTHESIS_EXAMPLES raises the number of examples."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.config import Config
from generator.errors import SourceError
from generator.markup.converter import Converter
from generator.model import Source
from generator.source.parse import parse_document

EXAMPLES = int(os.environ.get("GAZETTE_HYPOTHESIS_EXAMPLES", "150"))
CONFIG = Config(title="Test", timezone="Asia/Baku")
CONVERTER = Converter(smart_typography=True)
FILE = Path("content/articles/story.md")

KEYS = [
    "title", "date", "updated", "author", "authors", "tags", "section", "summary", "slug",
    "draft", "image", "image_caption", "template", "layout", "status", "published", "lang",
    "categories", "lastmod", "weight", "Title", "aliases",
]  # fmt: skip
SCALARS = [
    "", "~", "null", "no", "yes", "on", "1.10", "012", "0x1F", "2024-02-30", "2024-02-09",
    "2024-02-09 14:05 +04:00", "tomorrow", "'quoted'", '"a\\tb"', "[a, b]", "{a: 1}", "[",
    "{", "&a x", "*a", "!!python/object/apply:os.system [id]", "!tag x", "|", ">", "- x",
    "a: b", "'", '"', "#", "%", "@x", "`x`", "<script>", "javascript:x", "../../etc", "\t",
]  # fmt: skip
MARKDOWN = [
    "# Heading", "*", "**", "_", "[", "]", "(", ")", "![", "<", ">", "<!--more-->", "```",
    "~~~", "    code", "> ", "- ", "1. ", "|a|b|\n|-|-|", "[^1]", "[^1]: n", "{: .x }",
    "{: foo }", "&#106;", "&amp;", "\\", "\n", "\n\n", " ", "\t", "<div>", "</div>", "{{<", "{%",
    "*[HTML]: x", "\x00", "\x02", "\x03", "\r", "\u2028", "\ufeff", "é", "ə", "---", "+++",
]  # fmt: skip

scalar = st.one_of(st.sampled_from(SCALARS), st.text(max_size=12))
line = st.one_of(
    st.tuples(st.sampled_from(KEYS), scalar).map(lambda kv: f"{kv[0]}: {kv[1]}"),
    st.tuples(st.sampled_from(KEYS), st.lists(scalar, max_size=3)).map(
        lambda kv: f"{kv[0]}:\n" + "".join(f"  - {v}\n" for v in kv[1])
    ),
    st.text(max_size=20),
)
front = st.lists(line, max_size=8).map("\n".join)
body = st.lists(st.one_of(st.sampled_from(MARKDOWN), st.text(max_size=10)), max_size=30).map(
    "".join
)
fence = st.sampled_from(["---", "+++", "", "---\n---", "Title: x\nDate: 2024-01-01"])


@st.composite
def documents(draw) -> str:
    opener = draw(fence)
    if opener in ("---", "+++"):
        closer = draw(st.sampled_from([opener, "", "..."]))
        return f"{opener}\n{draw(front)}\n{closer}\n{draw(body)}"
    return f"{opener}\n{draw(body)}"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 150,  # the default run is the same every time; more runs explore
    suppress_health_check=[HealthCheck.too_slow],
)
@given(text=documents(), kind=st.sampled_from(["article", "page"]))
def test_parsing_gives_a_document_or_a_source_error_naming_the_file(text: str, kind: str):
    source = Source("articles/story.md", FILE, text, "digest", kind)
    try:
        parsed = parse_document(source, CONFIG, CONVERTER)
    except SourceError as exc:
        assert exc.problem.path == "content/articles/story.md"
        assert exc.problem.line is None or exc.problem.line >= 1
        assert exc.problem.message
        return
    assert parsed.document.title
    assert parsed.document.url.startswith("/") and ".." not in parsed.document.url.split("/")
