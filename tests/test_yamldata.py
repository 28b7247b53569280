"""YAML read as typed: text scalars, no YAML 1.1 guesses, no tags, no aliases."""

from __future__ import annotations

import pytest

from generator.errors import SourceError
from generator.yamldata import load_mapping


def test_scalars_stay_text_as_typed() -> None:
    doc = load_mapping(
        "title: no\nversion: 1.10\ndate: 2024-02-09\ncount: 012\nflag: yes\ncountry: NO\n",
        "a.md",
    )
    assert doc.data == {
        "title": "no",
        "version": "1.10",
        "date": "2024-02-09",
        "count": "012",
        "flag": "yes",
        "country": "NO",
    }


def test_lists_and_mappings_hold_text() -> None:
    doc = load_mapping("tags: [Iran, 2024]\nextra:\n  votes: 12\n  nested: [a, b]\n", "a.md")
    assert doc.data == {"tags": ["Iran", "2024"], "extra": {"votes": "12", "nested": ["a", "b"]}}


def test_null_means_not_given_but_quoted_null_is_text() -> None:
    doc = load_mapping("a: ~\nb: null\nc:\nd: 'null'\ne: \"~\"\nf: ''\n", "a.md")
    assert doc.data == {"a": None, "b": None, "c": None, "d": "null", "e": "~", "f": ""}


def test_lines_are_lines_of_the_file() -> None:
    doc = load_mapping("title: T\n\ndate: 2024-02-09\n", "a.md", first_line=2)
    assert doc.lines == {"title": 2, "date": 4}


@pytest.mark.parametrize(
    "text",
    [
        "x: !!python/object/apply:os.system [echo hi]\n",
        "x: !!binary aGk=\n",
        "x: !custom 1\n",
        "x: !!set {a}\n",
    ],
)
def test_tags_are_refused(text: str) -> None:
    with pytest.raises(SourceError) as error:
        load_mapping(text, "a.md", first_line=2)
    assert error.value.problem.line == 2
    assert "is not allowed" in error.value.problem.message


def test_aliases_and_merge_keys_are_refused() -> None:
    with pytest.raises(SourceError) as error:
        load_mapping("a: &x [1, 2]\nb: *x\n", "a.md")
    assert "aliases" in error.value.problem.message
    with pytest.raises(SourceError) as error:
        load_mapping("base: &b {a: 1}\nother:\n  <<: *b\n", "a.md")
    assert error.value.problem.line in (2, 3)


def test_alias_bomb_is_refused_quickly() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    with pytest.raises(SourceError):
        load_mapping(bomb, "a.md")


def test_duplicate_key_warns_with_both_lines_and_keeps_the_last() -> None:
    doc = load_mapping("title: One\ndate: 2024-02-09\ntitle: Two\n", "a.md", first_line=2)
    assert doc.data["title"] == "Two"
    [warning] = doc.warnings
    assert warning.line == 4
    assert "duplicate key 'title' (first on line 2)" in warning.message


def test_invalid_yaml_names_the_line_of_the_file() -> None:
    with pytest.raises(SourceError) as error:
        load_mapping("title: T\ntags: [a, b\ndate: x\n", "a.md", first_line=2)
    assert error.value.problem.line in (3, 4)
    assert error.value.problem.message.startswith("invalid YAML")


def test_tabs_get_a_hint() -> None:
    with pytest.raises(SourceError) as error:
        load_mapping("title: T\n\tdate: x\n", "a.md")
    assert "spaces" in error.value.problem.hint


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n"])
def test_top_level_must_be_a_mapping(text: str) -> None:
    with pytest.raises(SourceError) as error:
        load_mapping(text, "a.md")
    assert "mapping" in error.value.problem.message


def test_empty_text_is_an_empty_mapping() -> None:
    assert load_mapping("", "a.md").data == {}
