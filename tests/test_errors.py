"""display_path: how every reported file is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import display_path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory holding content/articles/, a link to it and a link to a file."""
    root = tmp_path / "project"
    (root / "content" / "articles").mkdir(parents=True)
    (root / "content" / "articles" / "vote.md").write_text("x")
    (root / "linked").symlink_to(root / "content", target_is_directory=True)
    (root / "alias.md").symlink_to(root / "content" / "articles" / "vote.md")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(root)
    return root


def test_paths_below_the_working_directory_are_relative(project: Path) -> None:
    assert display_path("content/articles/vote.md") == "content/articles/vote.md"
    assert display_path(project / "content" / "articles" / "vote.md") == "content/articles/vote.md"
    assert display_path(Path("content/articles")) == "content/articles"
    assert display_path("./content//articles/./vote.md") == "content/articles/vote.md"
    assert display_path("content/articles/") == "content/articles"
    assert display_path("site.yaml") == "site.yaml"  # need not exist


def test_a_link_is_named_as_itself_and_a_linked_folder_by_its_target(project: Path) -> None:
    assert display_path("alias.md") == "alias.md"
    assert display_path(project / "linked") == "linked"
    assert display_path("linked/articles/vote.md") == "content/articles/vote.md"


def test_the_working_directory_and_dot_dot(project: Path) -> None:
    assert display_path(project) == "."
    assert display_path(".") == "."
    assert display_path("content/..") == "."
    assert display_path("content/articles/..") == "content"
    assert display_path("linked/..") == "."  # '..' of a link's target, as the system sees it


def test_paths_outside_are_given_as_they_are(project: Path) -> None:
    outside = project.parent / "elsewhere" / "x.md"
    assert display_path(outside) == outside.as_posix()
    assert display_path("../elsewhere/x.md") == "../elsewhere/x.md"
    assert display_path("..//elsewhere/x.md") == "../elsewhere/x.md"
    assert display_path("/") == "/"
    assert display_path("bad\0name.md") == "bad\0name.md"


def test_a_new_working_directory_gets_its_own_answers(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert display_path(project / "content" / "articles" / "vote.md") == "content/articles/vote.md"
    monkeypatch.chdir(project / "content")
    assert display_path(project / "content" / "articles" / "vote.md") == "articles/vote.md"
    assert display_path("articles/vote.md") == "articles/vote.md"
    monkeypatch.chdir(project / "linked")  # the same folder reached through a link
    assert display_path("articles/vote.md") == "articles/vote.md"
    assert display_path(project / "alias.md") == (project / "alias.md").as_posix()
