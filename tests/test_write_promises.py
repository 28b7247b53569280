"""What a build promises about output/, each finding of the hostile-writer review tested as
reported: the writer's own names, files turned into folders, a commit that fails or is
killed half-way, a cache that cannot be saved, collisions in a large site, and output
folders that must not be adopted. Each test compares a hash of output/ before and after."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, SITE_YAML, article, run_cli, tree, write_files

from generator.config import load_config
from generator.errors import BuildFailed, OutputFailed, display_path
from generator.incremental.cache import BuildCache
from generator.outputs import Output
from generator.pipeline.build import BuildOptions, build
from generator.write.staging import JOURNAL, MANIFEST, Staging, recover_output, sync_output

REQUIRE_TOOLS = os.environ.get("GAZETTE_REQUIRE_TOOLS") == "1"


def output_hash(folder: Path) -> str:
    """Return a hash of every file below `folder`: its path and its bytes (links by target)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        if path.is_symlink():
            digest.update(b"link:" + os.readlink(path).encode())
        elif path.is_file():
            digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


@pytest.fixture
def built(make_site: Callable[..., Path]) -> Path:
    """Return a site with two articles, an image and output/ built once."""
    root = make_site(
        {
            "content/articles/vote.md": article("Vote", slug="vote"),
            "content/articles/rename.md": article("Rename", slug="rename"),
            "content/images/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        }
    )
    done = run_cli("build", "-q", cwd=root)
    assert done.returncode == 0, done.stderr
    return root


def build_with_alias(root: Path, alias: str) -> subprocess.CompletedProcess:
    write_files(root, {"content/articles/rename.md": article("Rename", aliases=f"['{alias}']")})
    return run_cli("build", "-q", cwd=root)


def error_lines(done: subprocess.CompletedProcess) -> list[str]:
    assert "Traceback" not in done.stderr, done.stderr
    return done.stderr.splitlines()


# Finding 1: an alias naming the writer's own files.


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("/.index.html.gazette-tmp", ".index.html.gazette-tmp"),
        ("/.gazette-manifest.json", ".gazette-manifest.json"),
        ("/.GAZETTE-Manifest.json", ".GAZETTE-Manifest.json"),
        ("/2024/02/vote/.index.html.gazette-tmp", ".index.html.gazette-tmp"),
        ("/.gazette-journal/journal.json", ".gazette-journal"),
        ("/feed.xml.gazette-tmp", "feed.xml.gazette-tmp"),
    ],
)
def test_an_alias_cannot_name_the_writers_own_files(built: Path, alias: str, name: str) -> None:
    before = output_hash(built / "output")
    done = build_with_alias(built, alias)
    assert done.returncode == 1
    assert error_lines(done) == [
        f"content/articles/rename.md:4: cannot write {alias}: {name!r} is a name Gazette "
        "keeps for its own files in the output folder",
        "Build failed: 1 error; output/ was not changed.",
    ]
    assert output_hash(built / "output") == before
    write_files(built, {"content/articles/rename.md": article("Rename", body="Changed.")})
    assert run_cli("build", "-q", cwd=built).returncode == 0  # output/ is still ours


def test_dot_paths_a_site_publishes_stay_allowed(built: Path) -> None:
    done = build_with_alias(built, "/.well-known/old-story/")
    assert done.returncode == 0, done.stderr
    assert (built / "output/.well-known/old-story/index.html").is_file()


# Finding 2: an alias ending in '/' over a file of the site.


@pytest.mark.parametrize(
    ("alias", "owner", "file"),
    [
        ("/robots.txt/", "robots.txt", "/robots.txt"),
        ("/images/logo.svg/", "content/images/logo.svg", "/images/logo.svg"),
        ("/feed.xml/", "feed", "/feed.xml"),
        ("/sitemap.xml/old/", "sitemap", "/sitemap.xml"),
        ("/2024/02/vote/index.html/", "content/articles/vote.md", "/2024/02/vote/index.html"),
    ],
)
def test_an_alias_cannot_turn_a_file_into_a_folder(
    built: Path, alias: str, owner: str, file: str
) -> None:
    before = output_hash(built / "output")
    done = build_with_alias(built, alias)
    assert done.returncode == 1
    assert error_lines(done) == [
        f"content/articles/rename.md:4: writes {alias}index.html, which needs a folder where "
        f"{owner} writes the file {file}",
        "Build failed: 1 error; output/ was not changed.",
    ]
    assert output_hash(built / "output") == before


def test_an_alias_in_another_case_collides_with_the_file(built: Path) -> None:
    before = output_hash(built / "output")
    done = build_with_alias(built, "/ROBOTS.TXT")
    assert error_lines(done) == [
        "content/articles/rename.md:4: writes /ROBOTS.TXT, as does robots.txt",
        "Build failed: 1 error; output/ was not changed.",
    ]
    assert output_hash(built / "output") == before


# Finding 4: a commit that fails half-way puts the previous site back.


def outputs(version: str, count: int) -> list[Output]:
    return [Output(f"p{i:04d}/index.html", "test", f"{version} {i}".encode()) for i in range(count)]


def test_a_commit_failing_half_way_puts_every_file_back(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sync_output(outputs("old", 6), out)
    before = output_hash(out)
    with Staging(out) as staging:
        for item in outputs("new", 6):
            staging.add(item)
        staging.wait()  # the copies are written by threads: let them finish first
        # The staged copy of the fourth page goes missing: its rename fails after three
        # pages were replaced.
        os.unlink(out / "p0003/.index.html.gazette-tmp")
        with pytest.raises(OutputFailed) as failed:
            staging.commit()
    assert str(failed.value) == (
        f"cannot write {out}/p0003/index.html: No such file or directory; "
        "the previous site is unchanged"
    )
    assert output_hash(out) == before
    assert sorted(p.name for p in out.iterdir())[:2] == [MANIFEST, "p0000"]


def test_a_failed_commit_that_turned_a_folder_into_a_file_puts_the_folder_back(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    sync_output([Output("a/b.html", "test", b"old b"), Output("z.html", "test", b"old z")], out)
    manifest = (out / MANIFEST).read_bytes()
    before = output_hash(out)
    with Staging(out) as staging:
        for item in (Output("a", "test", b"new a"), Output("z.html", "test", b"new z")):
            staging.add(item)
        # The manifest, the commit's last step, cannot be replaced: a folder stands there.
        (out / MANIFEST).unlink()
        (out / MANIFEST / "x").mkdir(parents=True)
        with pytest.raises(OutputFailed):
            staging.commit()
    shutil.rmtree(out / MANIFEST)
    (out / MANIFEST).write_bytes(manifest)
    assert output_hash(out) == before
    assert recover_output(out) == ""  # nothing was left for the next build to finish


def chattr(path: Path, flag: str) -> bool:
    done = subprocess.run(["chattr", flag, str(path)], capture_output=True)
    if done.returncode != 0 and REQUIRE_TOOLS:
        pytest.fail(f"chattr {flag} failed: {done.stderr!r}")
    return done.returncode == 0


@pytest.mark.parametrize("page", ["2024/02/vote/index.html", "index.html", "feed.xml"])
def test_a_file_that_cannot_be_replaced_leaves_the_previous_site(built: Path, page: str) -> None:
    out = built / "output"
    before = output_hash(out)
    if shutil.which("chattr") is None or not chattr(out / page, "+i"):
        pytest.skip("chattr +i is not available here")
    try:
        write_files(built, {"content/articles/vote.md": article("Vote", slug="vote", body="New")})
        done = run_cli("build", "-q", cwd=built)
    finally:
        chattr(out / page, "-i")
    assert done.returncode == 1
    assert error_lines(done) == [
        f"error: cannot write output/{page}: Operation not permitted; "
        "the previous site is unchanged"
    ]
    assert output_hash(out) == before
    assert run_cli("build", "-q", cwd=built).returncode == 0


@pytest.mark.parametrize("blocker", ["file", "folder"])
def test_a_cache_that_cannot_be_saved_is_a_warning(
    built: Path, blocker: str, tmp_path_factory
) -> None:
    cache = built / ".cache"
    shutil.rmtree(cache, ignore_errors=True)
    if blocker == "file":
        cache.write_text("not a folder")
    else:  # a folder the cache cannot write into: a file where its cache file goes
        (cache / "build.cache").mkdir(parents=True)
    write_files(built, {"content/articles/vote.md": article("Vote", slug="vote", body="New")})
    done = run_cli("build", "-q", cwd=built)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert ".cache: warning: cannot save the cache: " in done.stderr
    clean = tmp_path_factory.mktemp("clean") / "site"
    shutil.copytree(built, clean, ignore=shutil.ignore_patterns(".cache", "output"))
    assert run_cli("build", "-q", cwd=clean).returncode == 0
    assert tree(built / "output") == tree(clean / "output")


# The commit journal: a build killed half-way through its commit.

KILLED_COMMIT = """
import sys
from pathlib import Path
from generator.outputs import Output
from generator.write.staging import sync_output
version, count = sys.argv[2], int(sys.argv[3])
files = [Output(f"p{i:04d}/index.html", "t", f"{version} {i}".encode()) for i in range(count)]
sync_output(files, Path(sys.argv[1]))
"""


def test_a_build_killed_mid_commit_leaves_one_whole_site(tmp_path: Path) -> None:
    out, count = tmp_path / "out", 3000
    trees = {}
    for version in ("old", "new"):
        sync_output(outputs(version, count), tmp_path / version)
        trees[version] = tree(tmp_path / version)
    sync_output(outputs("old", count), out)
    journal = out / JOURNAL / "journal.json"
    for version in ["new", "old"] * 5:
        previous = "old" if version == "new" else "new"
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLED_COMMIT, str(out), version, str(count)], cwd=ROOT
        )
        while proc.poll() is None and not journal.exists():
            pass
        proc.kill()
        proc.wait()
        if journal.exists():
            break
    else:
        pytest.skip("no kill landed inside a commit")
    half = tree(out)
    assert half not in trees.values()  # the kill did leave a mix behind
    message = recover_output(out)
    assert message == f"{out}: warning: a build was killed while replacing its files; " + (
        "put the previous site back"
    )
    # Staged files are left for the next build to remove, as after any killed build.
    assert {k: v for k, v in tree(out).items() if not k.endswith(".gazette-tmp")} == (
        trees[previous]
    )
    assert not (out / JOURNAL).exists()
    sync_output(outputs("new", count), out)
    assert tree(out) == trees["new"]


def test_a_killed_commit_is_reported_by_the_next_build(built: Path) -> None:
    out = built / "output"
    before = tree(out)
    # What a build killed after its first rename leaves: a journal, the old page kept as a
    # hard link, and the new page in its place.
    page = "2024/02/vote/index.html"
    (out / JOURNAL).mkdir()
    os.link(out / page, out / JOURNAL / "0")
    (out / page).unlink()
    (out / page).write_text("half a commit")
    steps = [["replace", page, "0"], ["replace", "new/index.html", None]]
    (out / "new").mkdir()
    (out / "new/index.html").write_text("new")
    (out / JOURNAL / "journal.json").write_text(json.dumps({"manifest": "0", "steps": steps}))
    done = run_cli("build", cwd=built)
    assert done.returncode == 0, done.stderr
    assert error_lines(done)[0] == (
        "output: warning: a build was killed while replacing its files; put the previous site back"
    )
    assert tree(out) == before


def test_a_killed_commit_whose_manifest_is_in_place_is_completed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sync_output(outputs("old", 3), out)
    before = tree(out)
    manifest = hashlib.blake2b((out / MANIFEST).read_bytes(), digest_size=16).hexdigest()
    (out / JOURNAL).mkdir()
    (out / JOURNAL / "0").write_text("the replaced page, kept until the commit ends")
    steps = [["replace", "p0000/index.html", "0"]]
    (out / JOURNAL / "journal.json").write_text(json.dumps({"manifest": manifest, "steps": steps}))
    message = recover_output(out)
    assert message == f"{out}: warning: a build was killed while replacing its files; " + (
        "completed its commit"
    )
    assert tree(out) == before and not (out / JOURNAL).exists()


# Finding 5: collisions in a large site are reported the same way every time.


def test_collisions_in_a_large_site_give_the_same_messages_every_time(make_site) -> None:
    # Pairs of stories with one URL, rendered by several processes and written by several
    # threads: the messages must not depend on which page arrives first. (The review used
    # 350 stories; 160 keep the twenty builds short, with parsed documents kept in memory.)
    files = {
        f"content/articles/story-{i:03d}.md": article(f"Story {i % 80}", slug=f"s{i % 80}")
        for i in range(160)
    }
    root = make_site(files, SITE_YAML.replace("per_page: 2", "per_page: 50"))
    config = load_config(root / "site.yaml", output_dir=str(root / "new-output"))
    cache = BuildCache()
    seen = set()
    for _ in range(20):
        with pytest.raises(BuildFailed) as failed:
            build(config, BuildOptions(), cache)
        seen.add(tuple(str(p) for p in failed.value.problems))
        assert not (root / "new-output").exists()
    assert len(seen) == 1
    problems = seen.pop()
    assert len(problems) == 80
    articles = display_path(root / "content/articles")
    hint = "\n  hint: give one of them another `slug`"
    assert problems[:2] == (
        f"{articles}/story-000.md:4: its address /2024/02/s0/ is also claimed by "
        f"{articles}/story-080.md:4" + hint,
        f"{articles}/story-001.md:4: its address /2024/02/s1/ is also claimed by "
        f"{articles}/story-081.md:4" + hint,
    )


# Finding 6: output folders that are refused, and names too long for a file system.


def test_output_given_as_a_link_is_refused(built: Path, tmp_path_factory) -> None:
    target = tmp_path_factory.mktemp("elsewhere")
    (built / "public").symlink_to(target, target_is_directory=True)
    for given in ("public", "public/", str(built / "public")):
        done = run_cli("build", "-q", "--output", given, cwd=built)
        assert done.returncode == 1
        assert error_lines(done) == ["error: public exists and is not a folder (it is a link)"], (
            given
        )
    assert list(target.iterdir()) == []


def test_shared_folders_are_not_adopted(built: Path) -> None:
    shared = built / "shared"
    shared.mkdir()
    for mode in (0o1777, 0o777, 0o1755):
        shared.chmod(mode)
        done = run_cli("build", "-q", "--output", "shared", cwd=built)
        assert error_lines(done) == [
            "error: refusing to use shared as the output folder: anyone may write to it "
            "(name a new folder inside it instead)"
        ]
    assert list(shared.iterdir()) == []
    done = run_cli("build", "-q", "--output", "shared/site", cwd=built)  # a new folder inside
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1755


def test_the_temporary_folder_itself_is_not_adopted(built: Path) -> None:
    private = built / "tmpdir"
    private.mkdir(mode=0o700)
    env = {**os.environ, "TMPDIR": str(private)}
    done = run_cli("build", "-q", "--output", str(private), cwd=built, env=env)
    assert error_lines(done) == [
        "error: refusing to use tmpdir as the output folder: it is the temporary folder "
        "(name a new folder inside it instead)"
    ]
    assert list(private.iterdir()) == []


def test_a_file_another_program_puts_in_output_is_never_deleted(built: Path) -> None:
    out = built / "output"
    (out / "2024" / "upload.partial").write_bytes(b"\x00" * 64)
    (out / "notes").mkdir()
    (out / "notes" / "todo.txt").write_text("mine")
    before = output_hash(out)
    write_files(built, {"content/articles/vote.md": article("Vote", slug="vote", body="New")})
    done = run_cli("build", "-q", cwd=built)
    assert done.returncode == 1
    assert error_lines(done) == [
        "error: refusing to write into output: it holds output/2024/upload.partial, "
        "output/notes/todo.txt, which this tool did not write and never deletes (move it out "
        "of the output folder)"
    ]
    assert output_hash(out) == before


@pytest.mark.parametrize("title", ["Word " * 80, "Azərbaycan " * 40, "Тбилиси и Баку " * 30])
def test_a_long_title_makes_a_slug_that_fits_a_file_name(make_site, title: str) -> None:
    root = make_site({"content/articles/long.md": article(title.strip())})
    done = run_cli("build", "-q", cwd=root)
    assert done.returncode == 0, done.stderr
    (page,) = (root / "output/2024/02").iterdir()
    assert len(page.name.encode()) <= 200


@pytest.mark.parametrize("size", [243, 250, 255])
def test_an_asset_name_too_long_to_stage_names_its_file(make_site, size: int) -> None:
    name = "a" * (size - 4) + ".svg"
    root = make_site({"content/articles/a.md": article("A"), f"content/images/{name}": "<svg/>"})
    done = run_cli("build", "-q", cwd=root)
    assert done.returncode == 1
    assert error_lines(done) == [
        f"content/images/{name}: cannot write /images/{name}: the name {name[:40]!r}... is "
        f"{size} bytes, and the output folder takes at most 242",
        "Build failed: 1 error; output/ was not changed.",
    ]
    assert not (root / "output").exists()


def test_an_alias_too_long_a_path_to_stage_names_its_file(built: Path) -> None:
    # Every name fits, but the path does not: a system call takes at most 4096 bytes.
    alias = "/" + "/".join(["abcdefghij"] * 420) + "/"
    before = output_hash(built / "output")
    done = build_with_alias(built, alias)
    assert done.returncode == 1
    room = 4095 - len(f"{built.resolve()}/output/") - len("..gazette-tmp")
    assert error_lines(done) == [
        f"content/articles/rename.md:4: cannot write /{alias[1:41]}...: the path is "
        f"{len(alias) + 9} bytes, and the output folder takes at most {room}",
        "Build failed: 1 error; output/ was not changed.",
    ]
    assert output_hash(built / "output") == before


def test_an_asset_name_that_fits_is_published(make_site) -> None:
    name = "a" * 238 + ".svg"
    root = make_site({"content/articles/a.md": article("A"), f"content/images/{name}": "<svg/>"})
    assert run_cli("build", "-q", cwd=root).returncode == 0
    assert (root / "output/images" / name).is_file()


def test_a_hostile_journal_cannot_reach_outside_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sync_output(outputs("old", 2), out)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    before = output_hash(out)
    (out / JOURNAL).mkdir()
    steps = [["replace", "../victim.txt", None], ["move", "/etc", "0"], ["remove", "a", "x"]]
    (out / JOURNAL / "journal.json").write_text(json.dumps({"manifest": None, "steps": steps}))
    recover_output(out)
    assert victim.read_text() == "precious"
    assert output_hash(out) == before and not (out / JOURNAL).exists()
