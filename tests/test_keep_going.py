"""--keep-going: documents that cannot be built are left out and reported, the rest is built."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import SITE_YAML, article, run_cli, tree

BROKEN = "---\ntitle: Broken\ndate: 2024-02-30\n---\nText.\n"
MESSAGE = "content/articles/broken.md:3: 'date' is not a date: '2024-02-30'"


def _posts(count: int) -> dict[str, str]:
    return {
        f"content/articles/post-{i:03}.md": article(f"Post {i}", f"2024-01-{i % 28 + 1:02} 10:00")
        for i in range(count)
    }


def test_a_broken_file_is_left_out_and_the_rest_is_built(make_site, tmp_path: Path) -> None:
    site = make_site({**_posts(99), "content/articles/broken.md": BROKEN})
    done = run_cli("build", "-k", cwd=site)
    assert done.returncode == 3, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0] == MESSAGE
    assert lines[-1] == "Left out 1 document that could not be built."
    assert "Traceback" not in done.stderr
    # The same pages as a build of the folder without the broken file.
    clean = tmp_path / "clean"
    shutil.copytree(site, clean, ignore=shutil.ignore_patterns("output", ".cache", "broken.md"))
    assert run_cli("build", cwd=clean).returncode == 0
    built, reference = tree(site / "output"), tree(clean / "output")
    assert len([p for p in built if p.endswith("index.html")]) > 99
    assert built == reference

    again = run_cli("build", "-k", cwd=site)  # nothing changed: the same report, exit 3
    assert (again.returncode, again.stderr) == (3, done.stderr)

    (site / "content/articles/broken.md").write_text(article("Fixed", "2024-02-09 10:00"))
    fixed = run_cli("build", "-k", cwd=site)
    assert fixed.returncode == 0, fixed.stderr
    shutil.copy(site / "content/articles/broken.md", clean / "content/articles/broken.md")
    assert run_cli("build", "--no-cache", cwd=clean).returncode == 0
    assert tree(site / "output") == tree(clean / "output")


def test_without_keep_going_the_build_fails_and_writes_nothing(make_site) -> None:
    site = make_site({**_posts(3), "content/articles/broken.md": BROKEN})
    done = run_cli("build", cwd=site)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == MESSAGE
    assert not (site / "output").exists()


def test_keep_going_in_the_settings(make_site) -> None:
    site = make_site(
        {**_posts(3), "content/articles/broken.md": BROKEN}, SITE_YAML + "keep_going: true\n"
    )
    assert run_cli("build", cwd=site).returncode == 3


def test_a_live_story_broken_by_an_edit_is_named_as_gone(make_site) -> None:
    site = make_site({**_posts(3), "content/articles/vote.md": article("Vote", slug="vote")})
    assert run_cli("build", cwd=site).returncode == 0
    assert (site / "output/2024/02/vote/index.html").is_file()
    (site / "content/articles/vote.md").write_text(BROKEN)
    done = run_cli("build", "-k", cwd=site)
    assert done.returncode == 3
    assert "No longer published: /2024/02/vote/" in done.stderr
    assert not (site / "output/2024/02/vote/index.html").exists()


def test_documents_sharing_an_address_are_all_left_out(make_site) -> None:
    site = make_site(
        {
            **_posts(2),
            "content/articles/a.md": article("Same", slug="same"),
            "content/articles/b.md": article("Other", slug="same"),
        }
    )
    done = run_cli("build", "-k", cwd=site)
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines()[:4] == [
        "content/articles/a.md:4: left out: its address /2024/02/same/ is also claimed by "
        "content/articles/b.md:4",
        "  hint: give one of them another `slug`",
        "content/articles/b.md:4: left out: its address /2024/02/same/ is also claimed by "
        "content/articles/a.md:4",
        "  hint: give one of them another `slug`",
    ]
    assert not (site / "output/2024/02/same").exists()
    assert (site / "output/index.html").is_file()


def test_settings_and_theme_errors_still_fail(make_site) -> None:
    site = make_site({**_posts(2)}, SITE_YAML + "per_pgae: 3\n")
    done = run_cli("build", "-k", cwd=site)
    assert done.returncode == 1
    assert not (site / "output").exists()


def test_strict_warnings_are_still_errors(make_site) -> None:
    site = make_site(
        {
            **_posts(2),
            "content/articles/broken.md": BROKEN,
            "content/articles/link.md": article("Link", body="[gone](/nowhere/)"),
        }
    )
    done = run_cli("build", "-k", "--strict", cwd=site)
    assert done.returncode == 1
