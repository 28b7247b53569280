"""site.yaml: one schema, every problem reported at once with its line, no silent defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.config import AuthorInfo, Link, load_config
from generator.errors import BuildFailed, Problem


def _load(tmp_path: Path, text: str, **overrides):
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, **overrides)


def _problems(tmp_path: Path, text: str) -> list[Problem]:
    with pytest.raises(BuildFailed) as failed:
        _load(tmp_path, text)
    return list(failed.value.problems)


def test_full_settings_are_read(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        """\
title: The Caspian Courier
description: News
base_url: https://example.org/newsroom
language: az
timezone: Asia/Baku
per_page: 3
permalink: /{section}/{slug}/
theme: plain
smart_typography: false
unicode_slugs: yes
menu:
  - title: About
    url: /about/
authors:
  Leyla Həsənova:
    bio: Reporter.
    photo: /images/leyla.jpg
    links:
      - title: Mastodon
        url: https://example.social/@leyla
  Giorgi Beridze:
disable: [rss, authors, rss]
""",
    )
    assert config.title == "The Caspian Courier"
    assert config.base_url == "https://example.org/newsroom/"
    assert config.base_path == "/newsroom"
    assert (config.language, config.timezone, config.per_page) == ("az", "Asia/Baku", 3)
    assert config.permalink == "/{section}/{slug}/"
    assert config.theme == "plain"
    assert config.smart_typography is False
    assert config.unicode_slugs is True
    assert config.menu == (Link("About", "/about/"),)
    assert config.author_info("Leyla Həsənova") == AuthorInfo(
        "Reporter.", "/images/leyla.jpg", (Link("Mastodon", "https://example.social/@leyla"),)
    )
    assert config.author_info("Giorgi Beridze") == AuthorInfo()
    assert config.disable == ("authors", "rss")
    assert not config.builds("authors") and config.builds("tags")
    assert config.root == tmp_path.resolve()
    assert config.content_dir == tmp_path.resolve() / "content"
    assert config.output_dir == tmp_path.resolve() / "output"


def test_defaults(tmp_path: Path) -> None:
    config = _load(tmp_path, "title: T\n")
    assert config.per_page == 10
    assert config.permalink == "/{year}/{month}/{slug}/"
    assert config.theme == "default"
    assert config.smart_typography is True
    assert config.timezone == "UTC"
    assert config.disable == () and config.builds("rss")


def test_unknown_key_suggests_the_close_one(tmp_path: Path) -> None:
    [problem] = _problems(tmp_path, "title: T\nper_pgae: 5\n")
    assert problem.line == 2
    assert "unknown setting 'per_pgae'" in problem.message
    assert "did you mean 'per_page'?" in problem.hint


def test_every_problem_is_reported_at_once_with_its_line(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        """\
title: X
base_url: example.org
timezone: Mars/Olympus
permalink: /{year}/{title}/
per_page: 0
smart_typografy: false
""",
    )
    shown = [(p.path, p.line, p.message.split(":")[0]) for p in problems]
    assert [line for _, line, _ in shown] == [2, 3, 4, 5, 6]
    assert all(path.endswith("site.yaml") for path, _, _ in shown)
    messages = "\n".join(str(p) for p in problems)
    assert "base_url: expected an absolute http(s) URL" in messages
    assert "unknown timezone 'Mars/Olympus'" in messages
    assert "unknown placeholder {title}" in messages
    assert "per_page: expected a whole number" in messages
    assert "did you mean 'smart_typography'?" in messages


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("base_url: ftp://example.org/", "absolute http(s) URL"),
        ("base_url: https://example.org/?x=1", "query or a fragment"),
        ("base_url: /newsroom/", "absolute http(s) URL"),
        ("timezone: Europe/Atlantis", "unknown timezone"),
        ("permalink: /{year}/{month}/", "must contain {slug}"),
        ("permalink: '{slug}/'", "must start with /"),
        ("permalink: /{slug}", "end with / or .html"),
        ("permalink: /../{slug}/", "'..'"),
        ("per_page: many", "whole number"),
        ("smart_typography: maybe", "true or false"),
        ("menu: [About]", "title` and `url`"),
        ("authors: {Leyla: {phot: x.jpg}}", "did you mean 'photo'?"),
        ("disable: [author]", "disable: unknown kind 'author' (did you mean 'authors'?)"),
        ("disable: [comments]", "unknown kind 'comments' (use tags, sections, authors,"),
        ("disable: rss", "disable: expected a list of tags, sections, authors"),
    ],
)
def test_bad_values_are_refused_with_a_reason(tmp_path: Path, line: str, reason: str) -> None:
    [problem] = _problems(tmp_path, f"title: T\n{line}\n")
    assert problem.line == 2
    assert reason in problem.message


def test_title_is_required(tmp_path: Path) -> None:
    [problem] = _problems(tmp_path, "per_page: 5\n")
    assert "'title' is required" in problem.message


def test_missing_file_and_invalid_yaml(tmp_path: Path) -> None:
    with pytest.raises(BuildFailed) as failed:
        load_config(tmp_path / "nowhere.yaml")
    assert "settings file not found" in str(failed.value)
    [problem] = _problems(tmp_path, "title: T\nmenu: [unclosed\n")
    assert "invalid YAML" in problem.message
    assert problem.line in (2, 3)


def test_command_line_overrides(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        "title: T\n",
        base_url="https://preview.example.org/pr-7",
        content_dir=tmp_path / "elsewhere",
        output_dir=tmp_path / "out",
    )
    assert config.base_url == "https://preview.example.org/pr-7/"
    assert config.content_dir == (tmp_path / "elsewhere").resolve()
    assert config.output_dir == (tmp_path / "out").resolve()
    with pytest.raises(BuildFailed) as failed:
        _load(tmp_path, "title: T\n", base_url="not a url")
    assert failed.value.problems[0].path == "--base-url"


def test_fingerprint_follows_settings_not_paths(tmp_path: Path) -> None:
    one = _load(tmp_path, "title: T\n")
    two = _load(tmp_path, "title: T\n", output_dir=tmp_path / "elsewhere")
    three = _load(tmp_path, "title: T\nper_page: 3\n")
    assert one.fingerprint() == two.fingerprint()
    assert one.fingerprint() != three.fingerprint()
