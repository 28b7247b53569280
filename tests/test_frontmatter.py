"""Splitting front matter from the body, with the file's line numbers."""

from __future__ import annotations

import pytest

from generator.errors import SourceError
from generator.source.files import decode
from generator.source.frontmatter import split_front_matter


def test_yaml_front_matter_and_body() -> None:
    front = split_front_matter("---\ntitle: Vote\ndate: 2024-02-09\n---\nBody\n", "a.md")
    assert front.data == {"title": "Vote", "date": "2024-02-09"}
    assert front.lines == {"title": 2, "date": 3}
    assert front.body == "Body\n"
    assert front.body_line == 5


def test_dots_close_front_matter_too() -> None:
    front = split_front_matter("---\ntitle: Vote\n...\nBody\n", "a.md")
    assert front.data == {"title": "Vote"}
    assert front.body == "Body\n"


def test_a_rule_in_the_body_is_not_front_matter() -> None:
    front = split_front_matter("---\ntitle: T\n---\nOne\n\n---\n\nTwo\n", "a.md")
    assert front.body == "One\n\n---\n\nTwo\n"


def test_no_front_matter_means_empty_metadata() -> None:
    front = split_front_matter("# Just a heading\n", "a.md")
    assert front.data == {}
    assert front.body == "# Just a heading\n"
    assert front.body_line == 1


def test_empty_front_matter() -> None:
    front = split_front_matter("---\n---\nBody\n", "a.md")
    assert front.data == {}
    assert front.body == "Body\n"


def test_unclosed_front_matter_is_an_error_at_line_1() -> None:
    with pytest.raises(SourceError) as error:
        split_front_matter("---\ntitle: Vote\n\nBody text\n", "a.md")
    assert error.value.problem.line == 1
    assert "never closed" in error.value.problem.message


def test_yaml_error_line_is_a_line_of_the_file() -> None:
    text = "---\ntitle: Vote\ndate: 2024-02-09\ntags: [a, b\n---\nBody\n"
    with pytest.raises(SourceError) as error:
        split_front_matter(text, "a.md")
    assert error.value.problem.line in (4, 5)
    assert error.value.problem.message.startswith("invalid YAML")


def test_duplicate_key_warning_has_file_lines() -> None:
    front = split_front_matter("---\ntitle: A\ntitle: B\n---\n", "a.md")
    [warning] = front.warnings
    assert warning.line == 3
    assert "first on line 2" in warning.message


def test_bom_and_crlf_are_fine_after_decoding() -> None:
    text = decode("\ufeff---\r\ntitle: Vote\r\ndate: 2024-02-09\r\n---\r\nBody\r\n".encode())
    front = split_front_matter(text, "a.md")
    assert front.data == {"title": "Vote", "date": "2024-02-09"}
    assert front.lines == {"title": 2, "date": 3}
    assert front.body == "Body\n"


def test_not_utf8_is_refused_by_decoding() -> None:
    with pytest.raises(UnicodeDecodeError):
        decode("---\ntitle: Bakı\n---\n".encode("latin-1", "replace") + b"\xe9\n")


def test_a_pelican_header_may_leave_out_the_space_after_the_colon() -> None:
    front = split_front_matter("Title: Vote\nDate: 2024-02-09\nAvatar:ab12\n\nBody\n", "a.md")
    assert front.dialect == "header"
    assert front.data == {"title": "Vote", "date": "2024-02-09", "avatar": "ab12"}
    assert (front.body, front.body_line) == ("Body\n", 5)


@pytest.mark.parametrize(
    "title", ["Scraping: an introduction", "Q&A: what: now", "C#: the #1 language"]
)
def test_a_fenced_block_that_is_not_yaml_but_key_value_lines_is_read_as_headers(title) -> None:
    text = f"---\ntitle: {title}\ndate: 2021-06-01 09:15\nTags: a, b\n---\nBody\n"
    front = split_front_matter(text, "a.md")
    assert front.dialect == "header"
    assert front.data == {"title": title, "date": "2021-06-01 09:15", "tags": "a, b"}
    assert front.lines == {"title": 2, "date": 3, "tags": 4}
    assert (front.body, front.body_line) == ("Body\n", 6)
    [note] = front.notes
    assert note.message == "not YAML; read as Key: value headers" and note.line == 2


@pytest.mark.parametrize(
    "inner",
    ["title: A\ntags: [a, b\n", "title: A\ndate: 2024-02-07\n  tags: x\n", 'title: "A: b\n'],
)
def test_yaml_gone_wrong_is_still_a_yaml_error(inner: str) -> None:
    with pytest.raises(SourceError) as error:
        split_front_matter(f"---\n{inner}---\nBody\n", "a.md")
    assert error.value.problem.message.startswith("invalid YAML")
