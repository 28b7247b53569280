"""Safety of the output folder and the file system: nothing is written outside output/, a
folder we did not fill is never cleaned, links planted in output/ or content/ are never
followed, and an interrupted or failing build leaves the previous site whole."""

from __future__ import annotations

import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import BUILD_PY, SITE_YAML, article, as_from_a_terminal, run_cli, tree, write_files

SUFFIX = ".gazette-tmp"
REQUIRE_TOOLS = os.environ.get("GAZETTE_REQUIRE_TOOLS") == "1"


def all_files(folder: Path) -> set[str]:
    """Return every entry below `folder` (files, folders and links) by relative path."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


def assert_clean_failure(done: subprocess.CompletedProcess, *needles: str) -> None:
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    for needle in needles:
        assert needle in done.stderr, done.stderr


@pytest.fixture
def small_site(make_site: Callable[..., Path]) -> Path:
    return make_site({"content/articles/vote.md": article("Vote")})


# 1. Output folders that must never be filled or cleaned.


@pytest.mark.parametrize("output", [".", "..", "", "/", "~", "content", "themes", "content/sub"])
def test_output_folder_that_holds_the_project_or_its_sources_is_refused(
    small_site: Path, output: str
) -> None:
    (small_site / "themes" / "mine" / "templates").mkdir(parents=True)
    before = all_files(small_site)
    done = run_cli("build", "--output", output, cwd=small_site)
    assert_clean_failure(done, "refusing to use")
    assert done.returncode == 1
    assert all_files(small_site) == before


@pytest.mark.parametrize(
    ("output", "cache"), [("site", "site/.cache"), (".cache", ".cache"), (".cache/site", ".cache")]
)
def test_output_folder_that_holds_the_cache_or_is_inside_it_is_refused(
    small_site: Path, output: str, cache: str
) -> None:
    # The cache holds every parsed document, drafts included: never to be published, and
    # files the next build would find in output/ without having written them.
    write_files(small_site, {"content/articles/draft.md": article("Secret", draft="true")})
    before = all_files(small_site)
    done = run_cli("build", "--output", output, "--cache-dir", cache, cwd=small_site)
    assert_clean_failure(done, "refusing to use")
    assert done.returncode == 1
    assert all_files(small_site) == before


def test_output_folder_holding_files_we_did_not_write_is_refused(small_site: Path) -> None:
    foreign = small_site / "photos"
    write_files(foreign, {"holiday.jpg": b"\xff\xd8", "notes/list.txt": "milk"})
    done = run_cli("build", "--output", "photos", cwd=small_site)
    assert_clean_failure(done, "refusing to write into photos", "did not write")
    assert tree(foreign) == {"holiday.jpg": b"\xff\xd8", "notes/list.txt": b"milk"}


def test_output_folder_that_is_a_file_or_a_link_is_refused(small_site: Path, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (small_site / "output").symlink_to(outside, target_is_directory=True)
    done = run_cli("build", cwd=small_site)
    assert_clean_failure(done, "is not a folder")
    assert list(outside.iterdir()) == []


# 2. Slugs and permalink patterns that try to leave output/.

EVIL_NAMES = ["../../evil", "/etc/evil", "..", ".", "%2e%2e%2f%2e%2e%2fevil", "..\\..\\evil"]


def outside_output(root: Path) -> set[str]:
    """Return what lies in the project and beside it, leaving out output/ and the cache."""
    inside = {p for p in all_files(root) if not p.startswith(("output", ".cache"))}
    return inside | {f"../{p.name}" for p in root.parent.iterdir()}


@pytest.mark.parametrize("slug", EVIL_NAMES)
def test_hostile_slug_stays_inside_the_output_folder(make_site, slug: str) -> None:
    root = make_site({"content/articles/a.md": article("Story", slug=f"'{slug}'")})
    before = outside_output(root)
    done = run_cli("build", cwd=root)
    assert done.returncode == 0, done.stderr
    assert outside_output(root) == before
    pages = [p for p in tree(root / "output") if p.startswith("2024/")]
    assert len(pages) == 1 and ".." not in pages[0] and "%" not in pages[0], pages


@pytest.mark.parametrize(
    "pattern",
    [
        "/../../{slug}/",
        "/{year}/../../../{slug}/",
        "/./{slug}/",
        "/a//{slug}/",
        "/%2e%2e/{slug}/",
        "/%2E%2E%2F{slug}/",
        "/..\\..\\{slug}/",
        "/{slug}/?.html",
    ],
)
def test_permalink_pattern_leaving_the_site_is_a_settings_error(make_site, pattern: str) -> None:
    site_yaml = SITE_YAML + f"permalink: '{pattern}'\n"
    root = make_site({"content/articles/a.md": article("Story")}, site_yaml)
    done = run_cli("build", cwd=root)
    assert_clean_failure(done, "site.yaml:5: permalink:")
    assert not (root / "output").exists()


@pytest.mark.parametrize("pattern", ["/{section}/{slug}/", "/{year}/{slug}.html", "/n/{slug}/"])
def test_permalink_from_hostile_section_stays_inside(make_site, pattern: str) -> None:
    site_yaml = SITE_YAML + f"permalink: '{pattern}'\n"
    story = article("Story", section="'../../etc'")
    root = make_site({"content/articles/a.md": story}, site_yaml)
    before = outside_output(root)
    done = run_cli("build", cwd=root)
    assert done.returncode == 0, done.stderr
    assert outside_output(root) == before
    assert not any(".." in p for p in all_files(root / "output"))


@pytest.mark.parametrize("alias", EVIL_NAMES)
def test_hostile_alias_is_made_safe_or_rejected(make_site, alias: str) -> None:
    story = article("Story", aliases=f"['/old/story/', '{alias}']")
    root = make_site({"content/articles/a.md": story})
    done = run_cli("build", cwd=root)
    assert "Traceback" not in done.stderr
    assert not (root.parent / "evil").exists() and not Path("/etc/evil").exists()
    if done.returncode != 0:
        assert "content/articles/a.md:4:" in done.stderr, done.stderr
        return
    redirect = (root / "output" / "old" / "story" / "index.html").read_text()
    assert "/2024/02/story/" in redirect


# 3. Links planted in output/ are replaced, never written through.


def test_file_link_planted_in_output_is_replaced_not_written_through(
    small_site: Path, tmp_path_factory
) -> None:
    assert run_cli("build", cwd=small_site).returncode == 0
    victim = tmp_path_factory.mktemp("outside") / "victim.txt"
    victim.write_text("precious")
    page = small_site / "output" / "2024" / "02" / "vote" / "index.html"
    page.unlink()
    page.symlink_to(victim)
    write_files(small_site, {"content/articles/vote.md": article("Vote", body="Changed.")})
    done = run_cli("build", cwd=small_site)
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "precious"
    assert not page.is_symlink() and "Changed." in page.read_text()


def test_folder_link_planted_in_output_is_replaced_not_written_through(
    small_site: Path, tmp_path_factory
) -> None:
    assert run_cli("build", cwd=small_site).returncode == 0
    outside = tmp_path_factory.mktemp("outside")
    (outside / "keep.txt").write_text("precious")
    folder = small_site / "output" / "2024"
    shutil.rmtree(folder)
    folder.symlink_to(outside, target_is_directory=True)
    done = run_cli("build", cwd=small_site)
    assert done.returncode == 0, done.stderr
    assert all_files(outside) == {"keep.txt"}
    assert not folder.is_symlink()
    assert (folder / "02" / "vote" / "index.html").is_file()


def test_links_planted_in_output_stop_the_build_and_are_kept(
    small_site: Path, tmp_path_factory
) -> None:
    assert run_cli("build", cwd=small_site).returncode == 0
    outside = tmp_path_factory.mktemp("outside")
    (outside / "keep.txt").write_text("precious")
    (small_site / "output" / "planted").symlink_to(outside, target_is_directory=True)
    (small_site / "output" / "planted.txt").symlink_to(outside / "keep.txt")
    write_files(small_site, {"content/articles/vote.md": article("Vote", body="Changed.")})
    before = tree(small_site / "output")
    done = run_cli("build", cwd=small_site)
    assert_clean_failure(
        done,
        "error: refusing to write into output: it holds output/planted, output/planted.txt, "
        "which this tool did not write and never deletes",
    )
    assert (outside / "keep.txt").read_text() == "precious"
    assert tree(small_site / "output") == before
    assert os.path.islink(small_site / "output" / "planted")


# 4. Links, loops and special files in content/.


@pytest.mark.parametrize("target", ["/etc/hostname", "/proc/self/environ", "../site.yaml"])
def test_link_out_of_content_is_not_read_and_is_reported(make_site, target: str) -> None:
    root = make_site({"content/articles/vote.md": article("Vote")})
    (root / "content" / "leak.md").symlink_to(target)
    (root / "content" / "leak.png").symlink_to(target)
    done = run_cli("build", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "content/leak.md: warning: skipped: a symbolic link to a file outside" in done.stderr
    assert "content/leak.png: warning: skipped: a symbolic link" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (root / "output" / "leak.png").exists()
    assert len([p for p in tree(root / "output") if p.startswith("2024/")]) == 1


def test_folder_link_out_of_content_is_not_followed_and_is_reported(
    make_site, tmp_path_factory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    write_files(outside, {"secret.md": article("Secret"), "key.pem": "KEY"})
    root = make_site({"content/articles/vote.md": article("Vote")})
    (root / "content" / "linked").symlink_to(outside, target_is_directory=True)
    done = run_cli("build", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "content/linked: warning: skipped: a symbolic link to a folder" in done.stderr
    assert not any("secret" in p or "key.pem" in p for p in tree(root / "output"))


def test_symlink_loops_in_content_do_not_hang_the_build(make_site) -> None:
    root = make_site({"content/articles/vote.md": article("Vote")})
    content = root / "content"
    (content / "loop").symlink_to(content, target_is_directory=True)
    (content / "articles" / "self").symlink_to(content / "articles", target_is_directory=True)
    (content / "a.md").symlink_to(content / "b.md")
    (content / "b.md").symlink_to(content / "a.md")
    done = run_cli("build", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "content/a.md: warning: cannot read: Too many levels" in done.stderr
    assert "content/b.md: warning: cannot read" in done.stderr
    assert "Traceback" not in done.stderr


def test_fifo_and_device_named_md_are_skipped_with_a_message(make_site) -> None:
    root = make_site({"content/articles/vote.md": article("Vote")})
    os.mkfifo(root / "content" / "pipe.md")
    try:
        os.mknod(root / "content" / "null.md", stat.S_IFCHR | 0o600, os.makedev(1, 3))
        device = True
    except PermissionError:
        device = False
    done = run_cli("build", cwd=root)  # reading the FIFO would block until the timeout
    assert done.returncode == 0, done.stderr
    assert "content/pipe.md: warning: skipped: not a regular file" in done.stderr
    if device:
        assert "content/null.md: warning: skipped: not a regular file" in done.stderr


# 5. Interruption, a full disk, a read-only folder.


def many_articles(count: int, version: str) -> dict[str, str]:
    body = f"Paragraph of version {version}. " * 40
    return {
        f"content/articles/story-{i:03d}.md": article(
            f"Story {i} {version}", date=f"2024-01-{1 + i % 28:02d} 10:{i % 60:02d}", body=body,
            tags=f"[t{i % 15}, {version}]",
        )
        for i in range(count)
    }  # fmt: skip


def handlers_installed(pid: int) -> bool:
    """Return True once the process catches SIGTERM (its command line is set up)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True  # already finished
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) & (1 << (signal.SIGTERM - 1)))


def reference_trees(make_site, tmp_path: Path, count: int) -> dict[str, dict[str, bytes]]:
    """Return the output of a clean build of each version, built in folders of their own."""
    trees = {}
    for version in ("old", "new"):
        ref = tmp_path / f"ref-{version}"
        ref.mkdir()
        (ref / "site.yaml").write_text(SITE_YAML)
        write_files(ref, many_articles(count, version))
        done = run_cli("build", "-q", cwd=ref)
        assert done.returncode == 0, done.stderr
        trees[version] = tree(ref / "output")
    return trees


def test_interrupted_build_leaves_the_old_site_or_the_new_one(make_site, tmp_path) -> None:
    count = 250  # enough to parse in worker processes and write for a while
    trees = reference_trees(make_site, tmp_path, count)
    root = tmp_path / "site"
    root.mkdir()
    (root / "site.yaml").write_text(SITE_YAML)
    write_files(root, many_articles(count, "old"))
    assert run_cli("build", "-q", cwd=root).returncode == 0
    rng = random.Random(8)
    current = "old"
    outcomes = []
    for sig in [signal.SIGINT, signal.SIGTERM] * 4:
        target = "new" if current == "old" else "old"
        shutil.rmtree(root / "content")
        write_files(root, many_articles(count, target))
        proc = subprocess.Popen(
            [sys.executable, str(BUILD_PY), "build", "-q"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=as_from_a_terminal,
        )
        deadline = time.monotonic() + 60
        while not handlers_installed(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 1.5))  # a random point of the build, not a wait for it
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
        assert "Traceback" not in err, err
        if proc.returncode != 0:
            assert proc.returncode == 128 + sig, err
            assert "interrupted" in err, err
        found = tree(root / "output")  # the manifest too: it must match the files
        assert not [p for p in found if p.endswith(SUFFIX)]
        state = next((v for v, t in trees.items() if t == found), None)
        assert state is not None, "output/ is a mix of two sites"
        outcomes.append((proc.returncode, state))
        current = state
    assert any(code != 0 for code, _ in outcomes), outcomes


@pytest.fixture
def mounted(tmp_path: Path):
    """Return a function mounting a small tmpfs at a folder; unmounted after the test."""
    points: list[Path] = []

    def mount(point: Path, size: str) -> Path:
        point.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
            capture_output=True,
        )
        if done.returncode != 0:
            if REQUIRE_TOOLS:
                pytest.fail(f"cannot mount a tmpfs: {done.stderr!r}")
            pytest.skip("mounting a tmpfs is not permitted here")
        points.append(point)
        return point

    yield mount
    for point in reversed(points):
        subprocess.run(["umount", "-l", str(point)], check=False)


def remount_read_only(point: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)


def test_full_disk_leaves_the_previous_site_whole(small_site: Path, mounted) -> None:
    mounted(small_site / "public", "256k")  # a mount point itself is refused as the output
    assert run_cli("build", "--output", "public/site", cwd=small_site).returncode == 0
    before = tree(small_site / "public/site")
    write_files(
        small_site,
        {
            "content/articles/vote.md": article("Vote", body="Changed."),
            "content/video.bin": os.urandom(400_000),
        },
    )
    done = run_cli("build", "--output", "public/site", cwd=small_site)
    assert_clean_failure(done, "error: cannot write public/site: No space left on device")
    assert "the previous site is unchanged" in done.stderr
    assert tree(small_site / "public/site") == before


def test_read_only_output_folder_leaves_the_previous_site_whole(small_site, mounted) -> None:
    point = mounted(small_site / "public", "1m")
    assert run_cli("build", "--output", "public/site", cwd=small_site).returncode == 0
    before = tree(point / "site")
    remount_read_only(point)
    write_files(small_site, {"content/articles/vote.md": article("Vote", body="Changed.")})
    done = run_cli("build", "--output", "public/site", cwd=small_site)
    assert_clean_failure(done, "Read-only file system", "public/site")
    assert tree(point / "site") == before


def test_read_only_parent_of_a_new_output_folder_is_reported(small_site, mounted) -> None:
    point = mounted(small_site / "public", "1m")
    remount_read_only(point)
    done = run_cli("build", "--output", "public/site", cwd=small_site)
    assert_clean_failure(done, "Read-only file system", "public/site")
    assert list(point.iterdir()) == []


# 6. Two builds at once.


def test_two_builds_at_once_never_mix(make_site, tmp_path) -> None:
    root = make_site(many_articles(220, "old"))
    expected = {}
    for name in ("a", "b"):
        done = run_cli(
            "build", "-q", "--base-url", f"https://{name}.example/", "--output", f"ref-{name}",
            cwd=root,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        expected[name] = tree(root / f"ref-{name}")
    procs = [
        subprocess.Popen(
            [sys.executable, str(BUILD_PY), "-q", "--base-url", f"https://{name}.example/"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (_, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    found = tree(root / "output")
    assert found in (expected["a"], expected["b"])


# 7. A template path that leaves the theme.


@pytest.mark.parametrize(
    "name", ["../../../../etc/passwd", "/etc/passwd", "..\\..\\secret", "../base.html"]
)
def test_template_outside_the_theme_is_rejected(make_site, name: str) -> None:
    root = make_site({"content/articles/vote.md": article("Vote", template=f"'{name}'")})
    done = run_cli("build", cwd=root)
    assert_clean_failure(done, "content/articles/vote.md:4: 'template' must be a template file")
    assert not (root / "output").exists()


def test_unknown_template_name_is_rejected_with_its_line(make_site) -> None:
    root = make_site({"content/articles/vote.md": article("Vote", template="passwd")})
    done = run_cli("build", cwd=root)
    assert_clean_failure(done, "content/articles/vote.md:4: unknown template 'passwd.html'")
