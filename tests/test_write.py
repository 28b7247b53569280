"""sync_output and check_output_dir: the only writer of output/, and where it may write."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generator.errors import OutputRefused, display_path
from generator.outputs import digest
from generator.render.pages import Output
from generator.write.staging import MANIFEST, Staging, check_output_dir, sync_output
from tests.conftest import run_cli, tree


def _outputs(files: dict[str, str]) -> list[Output]:
    return [Output(path, "test", text.encode()) for path, text in files.items()]


def _stats(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_first_sync_writes_everything_and_marks_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = sync_output(_outputs({"index.html": "home", "a/b/index.html": "b"}), out)
    assert sorted(result.written) == ["a/b/index.html", "index.html"]
    assert (result.unchanged, result.removed) == (0, ())
    files = tree(out)
    assert files.pop(MANIFEST)
    assert files == {"index.html": b"home", "a/b/index.html": b"b"}


def test_unchanged_files_are_not_touched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sync_output(_outputs({"index.html": "home", "a/index.html": "a"}), out)
    before = _stats(out)
    result = sync_output(_outputs({"index.html": "home", "a/index.html": "a"}), out)
    assert (result.written, result.unchanged, result.removed) == ((), 2, ())
    assert _stats(out) == before


def test_only_changed_files_are_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sync_output(_outputs({"index.html": "home", "a/index.html": "a"}), out)
    before = _stats(out)
    result = sync_output(_outputs({"index.html": "home", "a/index.html": "A!"}), out)
    assert result.written == ("a/index.html",)
    assert result.unchanged == 1
    assert _stats(out)["index.html"] == before["index.html"]
    assert (out / "a/index.html").read_bytes() == b"A!"


def test_stale_files_and_empty_folders_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sync_output(_outputs({"index.html": "home", "old/deep/index.html": "x"}), out)
    result = sync_output(_outputs({"index.html": "home"}), out)
    assert result.removed == ("old/deep/index.html",)
    assert not (out / "old").exists()
    assert set(tree(out)) == {"index.html", MANIFEST}


def test_a_file_edited_by_hand_in_output_is_restored(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sync_output(_outputs({"index.html": "home"}), out)
    (out / "index.html").unlink()
    result = sync_output(_outputs({"index.html": "home"}), out)
    assert result.written == ("index.html",)
    assert (out / "index.html").read_bytes() == b"home"


def test_the_record_vouches_for_a_file_while_its_stamp_is_the_same(tmp_path: Path) -> None:
    out = tmp_path / "out"
    files = {"index.html": "home", "a/index.html": "a", "b/index.html": "b"}
    record = sync_output(_outputs(files), out).record
    assert set(record) == set(files)
    with Staging(out, record) as staging:
        assert staging.present == {path: value[3] for path, value in record.items()}
    with Staging(out) as staging:
        assert staging.present == {}  # without a record, every file is compared
    (out / "a/index.html").write_text("edited", encoding="utf-8")
    copy = out / "b/copy"
    shutil.copy2(out / "b/index.html", copy)
    os.replace(copy, out / "b/index.html")  # the same bytes in a new file
    with Staging(out, record) as staging:
        assert set(staging.present) == {"index.html"}
    before = _stats(out)
    result = sync_output(_outputs(files), out, record)
    assert result.written == ("a/index.html",)  # b/index.html was read: it holds "b"
    assert (out / "a/index.html").read_text(encoding="utf-8") == "a"
    assert _stats(out)["b/index.html"] == before["b/index.html"]
    with Staging(out, result.record) as staging:
        assert set(staging.present) == set(files)


def test_copied_files(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8jpeg")
    out = tmp_path / "out"
    value = digest(photo.read_bytes())  # a copied file carries the digest of its bytes
    copied = Output("images/photo.jpg", "images/photo.jpg", file=photo, digest=value)
    result = sync_output([copied], out)
    assert result.written == ("images/photo.jpg",)
    assert (out / "images/photo.jpg").read_bytes() == b"\xff\xd8jpeg"
    assert sync_output([copied], out).written == ()


def test_no_temporary_files_are_left(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sync_output(_outputs({f"p{i}/index.html": str(i) for i in range(20)}), out)
    assert not [p for p in out.rglob("*") if p.name.endswith("-tmp")]


def test_an_aborted_sync_leaves_no_file_and_no_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    # Many files in shared, nested folders: the writer threads make those folders at once.
    files = {
        f"{y}/{m}/story-{i}/index.html": "x" for y in range(3) for m in range(4) for i in range(9)
    }
    with Staging(out) as staging:
        for item in _outputs(files):
            staging.add(item)
        staging.abort()
    assert not out.exists()


def test_symlinked_file_planted_in_output_is_never_written_through(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sync_output(_outputs({"index.html": "home", "a/index.html": "a"}), out)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (out / "index.html").unlink()
    (out / "index.html").symlink_to(victim)
    sync_output(_outputs({"index.html": "home", "a/index.html": "a"}), out)
    assert victim.read_text() == "precious"
    assert not (out / "index.html").is_symlink()
    assert (out / "index.html").read_bytes() == b"home"


def test_symlinked_folder_planted_in_output_is_never_written_through(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sync_output(_outputs({"index.html": "home", "a/index.html": "a"}), out)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "a" / "index.html").unlink()
    (out / "a").rmdir()
    (out / "a").symlink_to(elsewhere, target_is_directory=True)
    sync_output(_outputs({"index.html": "home", "a/index.html": "changed"}), out)
    assert list(elsewhere.iterdir()) == []
    assert not (out / "a").is_symlink()
    assert (out / "a/index.html").read_bytes() == b"changed"


def test_a_link_planted_where_many_files_need_a_folder_is_replaced_once(tmp_path: Path) -> None:
    out = tmp_path / "out"
    files = {f"a/{i}/index.html": str(i) for i in range(200)}
    sync_output(_outputs({"index.html": "home", **files}), out)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(out / "a")
    (out / "a").symlink_to(elsewhere, target_is_directory=True)
    # The writer threads all reach the planted link at once; none writes through it or fails.
    files = {f"a/{i}/index.html": f"{i}!" for i in range(200)}
    sync_output(_outputs({"index.html": "home", **files}), out)
    assert list(elsewhere.iterdir()) == []
    assert not (out / "a").is_symlink()
    assert (out / "a/199/index.html").read_bytes() == b"199!"


def test_a_link_planted_at_a_temporary_file_is_never_written_through(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sync_output(_outputs({"index.html": "home"}), out)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (out / ".index.html.gazette-tmp").symlink_to(victim)
    sync_output(_outputs({"index.html": "changed"}), out)
    assert victim.read_text() == "precious"
    assert (out / "index.html").read_bytes() == b"changed"
    assert not (out / ".index.html.gazette-tmp").exists()


def test_a_stale_link_at_a_path_of_the_last_site_is_removed_not_followed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sync_output(_outputs({"index.html": "home", "link/index.html": "x"}), out)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("keep")
    shutil.rmtree(out / "link")
    (out / "link").symlink_to(elsewhere, target_is_directory=True)
    sync_output(_outputs({"index.html": "home"}), out)
    assert not os.path.lexists(out / "link")
    assert (elsewhere / "keep.txt").read_text() == "keep"


def test_files_nobody_listed_stop_the_build_and_are_kept_at_any_depth(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sync_output(_outputs({"index.html": "home", "a/b/index.html": "b"}), out)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("keep")
    (out / "a/b/notes.txt").write_text("put there by hand")
    (out / "a/link").symlink_to(elsewhere, target_is_directory=True)
    (out / "a/b/c/d").mkdir(parents=True)
    (out / "a/b/c/file-link").symlink_to(elsewhere / "keep.txt")
    before = tree(out)
    with pytest.raises(OutputRefused) as refused:
        sync_output(_outputs({"index.html": "changed", "a/b/index.html": "b"}), out)
    where = display_path(out)
    assert str(refused.value) == (
        f"refusing to write into {where}: it holds {where}/a/b/c/file-link, "
        f"{where}/a/b/notes.txt, {where}/a/link, which this tool did not write and never "
        "deletes (move it out of the output folder)"
    )
    assert tree(out) == before
    assert os.path.islink(out / "a/link") and (out / "a/b/c/d").is_dir()


def test_temporary_files_a_killed_build_left_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sync_output(_outputs({"index.html": "home", "a/b/index.html": "b"}), out)
    before = _stats(out)
    (out / "a/b/.index.html.gazette-tmp").write_text("left by a killed build")
    (out / "a/b/.gone.html.gazette-tmp").write_text("left by a killed build")
    result = sync_output(_outputs({"index.html": "home", "a/b/index.html": "b"}), out)
    assert result.removed == ()
    assert all_entries(out) == {"index.html", MANIFEST, "a", "a/b", "a/b/index.html"}
    assert _stats(out) == before


def all_entries(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for folder in ("content/articles", "themes/mine/templates"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "site.yaml").write_text("title: T\n")
    return tmp_path


def _check(project: Path, out: Path) -> None:
    check_output_dir(out, project, [project / "content", project / "themes"])


@pytest.mark.parametrize(
    "where", [".", "content", "themes", "content/articles", "themes/mine", ".."]
)
def test_refuses_the_project_its_sources_and_their_parents(project: Path, where: str) -> None:
    with pytest.raises(OutputRefused):
        _check(project, project / where)


def test_refuses_a_folder_with_foreign_files(project: Path) -> None:
    out = project / "public"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputRefused) as refused:
        _check(project, out)
    assert "did not write" in str(refused.value)


def test_refuses_a_file_or_a_symlink_as_output(project: Path) -> None:
    (project / "file").write_text("x")
    with pytest.raises(OutputRefused):
        _check(project, project / "file")
    (project / "link").symlink_to(project / "content", target_is_directory=True)
    with pytest.raises(OutputRefused):
        _check(project, project / "link")


def test_accepts_a_new_an_empty_or_our_own_folder(project: Path) -> None:
    _check(project, project / "output")
    (project / "empty").mkdir()
    _check(project, project / "empty")
    sync_output(_outputs({"index.html": "x"}), project / "ours")
    _check(project, project / "ours")
    _check(project, project.parent / f"{project.name}-elsewhere")


def test_refusal_writes_nothing_via_the_cli(project: Path) -> None:
    (project / "content/articles/a.md").write_text("---\ntitle: A\ndate: 2024-02-09\n---\n")
    before = tree(project)
    for target in (".", "content", "themes", ".."):
        result = run_cli("build", "--output", target, cwd=project)
        assert result.returncode == 1, result.stderr
        assert "refusing" in result.stderr
        assert "Traceback" not in result.stderr
    assert tree(project) == before
    assert os.listdir(project / "content") == ["articles"]


def test_a_file_may_become_a_folder_and_a_folder_a_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sync_output(_outputs({"index.html": "home", "feed": "old feed", "a/b/index.html": "b"}), out)
    result = sync_output(_outputs({"index.html": "home", "feed/index.xml": "x", "a": "A"}), out)
    assert result.removed == ("a/b/index.html",)  # it went with its folder, now a file
    assert (out / "feed/index.xml").read_text() == "x" and (out / "a").read_text() == "A"
    assert all_entries(out) == {"index.html", MANIFEST, "feed", "feed/index.xml", "a"}


def test_new_bytes_are_a_files_bytes_in_the_new_site_before_the_commit(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sync_output(_outputs({"same.html": "same", "old.html": "old", "feed": "old feed"}), out)
    with Staging(out) as staging:
        # Changed (staged), unchanged (left in output/), and one whose folder is a file
        # of the last site until the commit (held back).
        files = {"same.html": "same", "old.html": "new", "feed/index.xml": "x"}
        for item in _outputs(files):
            staging.add(item)
        assert {p: staging.new_bytes(p).decode() for p in files} == files
        assert [job.path for job in staging.deferred] == ["feed/index.xml"]
        assert staging.new_bytes("never-added.html") == b""
        staging.commit()
    assert (out / "old.html").read_text() == "new"
