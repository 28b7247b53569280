"""read_content: which files of content/ are documents, assets or problems, and in what order."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import article, write_files

from generator.errors import Problem
from generator.outputs import digest
from generator.source.files import FileMemo, SourceTexts, read_content, with_text


def _problems(problems) -> dict[str, str]:
    return {Path(p.path).name: p.message for p in problems}


def test_walk_order_files_before_subfolders_and_what_is_left_out(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write_files(
        content,
        {
            "b.md": article("B"),
            "a/z.md": article("Z"),
            "a/b/x.md": article("X"),
            "a/a.md": article("A"),
            "pages/about.md": article("About"),
            "_layouts/base.html": "<html>",
            "_index.md": article("Hugo list page"),
            "_posts/2024-02-09-post.md": article("Post"),
            ".git/config": "[core]",
            "a/notes.md~": "backup",
            "a/.hidden.md": article("Hidden"),
            "a/b/photo.jpg": b"\xff\xd8",
        },
    )
    tree = read_content(content)
    assert [(s.path, s.kind) for s in tree.sources] == [
        ("b.md", "article"),
        ("_posts/2024-02-09-post.md", "article"),
        ("a/a.md", "article"),
        ("a/z.md", "article"),
        ("a/b/x.md", "article"),
        ("pages/about.md", "page"),
    ]
    assert [a.path for a in tree.assets] == ["a/b/photo.jpg"]
    assert tree.sources[0].file == content.resolve() / "b.md"
    assert tree.sources[0].digest == digest(article("B").encode())
    assert (tree.errors, tree.skipped) == ((), ())


def test_links_inside_content_are_read_as_themselves_others_are_skipped(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write_files(content, {"articles/vote.md": article("Vote"), "img/chart.png": b"PNG"})
    write_files(tmp_path, {"outside.md": article("Outside"), "outside/x.md": article("X")})
    (content / "again.md").symlink_to(content / "articles" / "vote.md")
    (content / "img" / "same.png").symlink_to("chart.png")
    (content / "leak.md").symlink_to(tmp_path / "outside.md")
    (content / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)
    (content / "gone.md").symlink_to(content / "nowhere.md")
    tree = read_content(content)
    assert [s.path for s in tree.sources] == ["again.md", "articles/vote.md"]
    assert tree.sources[0].file == content.resolve() / "again.md"  # the link, not its target
    assert tree.sources[0].text == tree.sources[1].text
    assert [a.path for a in tree.assets] == ["img/chart.png", "img/same.png"]
    assert _problems(tree.skipped) == {
        "linked": "skipped: a symbolic link to a folder (links to folders are not followed)",
        "gone.md": "cannot read: No such file or directory",
        "leak.md": "skipped: a symbolic link to a file outside the content folder",
    }


def test_fifo_is_skipped_and_oversized_document_is_an_error(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write_files(content, {"big.md": "x" * 2000, "small.md": article("Small")})
    os.mkfifo(content / "pipe.md")
    tree = read_content(content, max_bytes=1000)
    assert [s.path for s in tree.sources] == ["small.md"]
    assert _problems(tree.skipped) == {"pipe.md": "skipped: not a regular file"}
    assert _problems(tree.errors) == {"big.md": "larger than the 0.001 MB limit for a document"}


def test_assets_are_hashed_again_only_when_they_change(tmp_path: Path) -> None:
    content = tmp_path / "content"
    photo = content / "photo.jpg"
    write_files(content, {"photo.jpg": b"one"})
    memo: FileMemo = {}
    [first] = read_content(content, memo).assets
    assert first.digest == digest(b"one")
    assert memo[str(content.resolve() / "photo.jpg")][-1] == digest(b"one")
    photo.write_bytes(b"two, longer")
    [second] = read_content(content, memo).assets
    assert second.digest == digest(b"two, longer")


def test_missing_content_folder_is_an_error(tmp_path: Path) -> None:
    tree = read_content(tmp_path / "nowhere")
    assert [p.message for p in tree.errors] == ["content folder not found"]


def test_documents_are_read_again_only_when_they_change(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write_files(content, {"articles/vote.md": "---\ntitle: Vote\n---\nAzərbaycan.\n"})
    memo: FileMemo = {}
    [first] = read_content(content, memo).sources
    assert first.text == "---\ntitle: Vote\n---\nAzərbaycan.\n"
    [unread] = read_content(content, memo).sources
    assert unread.text is None and unread.digest == first.digest
    assert with_text(unread) == first
    assert SourceTexts([unread])["articles/vote.md"] == first.text
    (content / "articles/vote.md").write_text("---\ntitle: Vote\n---\nEdited, longer.\n")
    [edited] = read_content(content, memo).sources
    assert edited.text == "---\ntitle: Vote\n---\nEdited, longer.\n"
    assert edited.digest != first.digest


def test_a_document_left_unread_that_went_bad_is_a_problem(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write_files(content, {"vote.md": "Fine.\n"})
    memo: dict[str, tuple[int, int, str]] = {}
    read_content(content, memo)
    [unread] = read_content(content, memo).sources
    (content / "vote.md").write_bytes(b"Caf\xe9\n")
    problem = with_text(unread)
    assert isinstance(problem, Problem) and problem.line == 1
    assert problem.message == "not valid UTF-8 text"
    (content / "vote.md").unlink()
    assert with_text(unread).message == "cannot read: No such file or directory"


def test_an_asset_belongs_to_the_innermost_bundle_that_holds_it(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write_files(
        content,
        {
            "articles/trip/index.md": article("Trip"),
            "articles/trip/map.png": b"\x89PNG",
            "articles/trip/photos/sea.jpg": b"\xff\xd8",  # a plain folder of the bundle
            "articles/trip/day-2/index.md": article("Day 2"),
            "articles/trip/day-2/notes/train.jpg": b"\xff\xd8",
            "articles/tripod.jpg": b"\xff\xd8",  # beside the bundle, not in it
            "articles/trip-2/index.md": article("Trip 2"),  # a name the first one begins
            "articles/trip-2/x.gif": b"GIF89a",
            "images/logo.png": b"\x89PNG",
        },
    )
    owners = {a.path: a.owner for a in read_content(content).assets}
    assert owners == {
        "articles/trip/map.png": "articles/trip/index.md",
        "articles/trip/photos/sea.jpg": "articles/trip/index.md",
        "articles/trip/day-2/notes/train.jpg": "articles/trip/day-2/index.md",
        "articles/tripod.jpg": None,
        "articles/trip-2/x.gif": "articles/trip-2/index.md",
        "images/logo.png": None,
    }
