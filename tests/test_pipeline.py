"""build(): the stages together, on real files: what gets written, and when nothing does."""

from __future__ import annotations

import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.config import load_config
from generator.errors import BuildFailed
from generator.pipeline.build import BuildOptions, build
from tests.conftest import BUILD_PY, ROOT, SITE_YAML, article, run_cli, tree

SITE = {
    "content/articles/vote.md": article(
        "Aliyev re-elected", "2024-02-07 18:00", author="Leyla", tags="Azərbaycan, Iran"
    ),
    "content/articles/jazz/index.md": article(
        "Baku jazz", "2024-02-08", image="stage.svg", body="![Stage](stage.svg)"
    ),
    "content/articles/jazz/stage.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
    "content/images/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
    "content/pages/about.md": "---\ntitle: About\n---\nWe report.\n",
}


def _snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_build_writes_the_site(make_site) -> None:
    root = make_site(SITE)
    result = run_cli(cwd=root)
    assert result.returncode == 0, result.stderr
    files = tree(root / "output")
    for path in (
        "index.html",
        "404.html",
        "2024/02/aliyev-re-elected/index.html",
        "2024/02/baku-jazz/index.html",
        "2024/02/baku-jazz/stage.svg",  # the photo beside its folder article
        "images/logo.svg",
        "about/index.html",
        "tags/index.html",
        "tags/azerbaycan/index.html",
        "tags/iran/index.html",
        "authors/leyla/index.html",
        "archive/2024/index.html",
        "feed.xml",
        "sitemap.xml",
        "theme/css/site.css",
    ):
        assert path in files, path
    jazz = files["2024/02/baku-jazz/index.html"].decode()
    assert '<img alt="Stage" src="/2024/02/baku-jazz/stage.svg">' in jazz  # the relative link
    assert 'src="/2024/02/baku-jazz/stage.svg"' in jazz  # the lead image


def test_second_build_writes_nothing(make_site) -> None:
    root = make_site(SITE)
    assert run_cli(cwd=root).returncode == 0
    before = _snapshot(root / "output")
    second = run_cli(cwd=root)
    assert second.returncode == 0, second.stderr
    assert ": 0 files written, " in second.stdout
    assert f"{len(before) - 1} unchanged, 0 removed" in second.stdout  # all but the manifest
    assert _snapshot(root / "output") == before


def test_failed_build_leaves_the_previous_output_untouched(make_site) -> None:
    root = make_site(SITE)
    assert run_cli(cwd=root).returncode == 0
    before = _snapshot(root / "output")
    (root / "content/articles/new.md").write_text(article("New", "2024-02-09"))
    (root / "content/articles/vote.md").write_text("---\ntitle: Vote\ndate: 2024-02-30\n---\n")
    failed = run_cli(cwd=root)
    assert failed.returncode == 1
    assert "content/articles/vote.md:3: 'date' is not a date: '2024-02-30'" in failed.stderr
    assert _snapshot(root / "output") == before


def test_template_error_leaves_the_previous_output_untouched(make_site) -> None:
    root = make_site({**SITE, "themes/mine/templates/404.html": "{{ oops }}\n"})
    (root / "themes/mine/theme.yaml").write_text("parent: default\n")
    assert run_cli(cwd=root).returncode == 0
    before = _snapshot(root / "output")
    (root / "site.yaml").write_text((root / "site.yaml").read_text() + "theme: mine\n")
    failed = run_cli(cwd=root)
    assert failed.returncode == 1
    assert "themes/mine/templates/404.html:1: 'oops' is undefined" in failed.stderr
    assert _snapshot(root / "output") == before


def test_edits_update_only_what_changed_and_remove_what_left(make_site) -> None:
    root = make_site(SITE)
    assert run_cli(cwd=root).returncode == 0
    (root / "content/images/logo.svg").unlink()
    (root / "content/pages/about.md").write_text("---\ntitle: About\n---\nWe report daily.\n")
    result = run_cli(cwd=root)
    assert result.returncode == 0, result.stderr
    assert re.search(r": 1 files? written, \d+ unchanged, 1 removed in ", result.stdout)
    assert not (root / "output/images").exists()
    assert b"We report daily." in (root / "output/about/index.html").read_bytes()


def test_two_builds_are_byte_identical(make_site, tmp_path: Path) -> None:
    root = make_site(SITE)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1717200000"}
    assert run_cli("build", "--output", "one", cwd=root, env=env).returncode == 0
    shutil.rmtree(root / ".cache", ignore_errors=True)
    assert run_cli("build", "--output", "two", cwd=root, env=env).returncode == 0
    assert tree(root / "one") == tree(root / "two")


def test_source_date_epoch_decides_what_is_scheduled(make_site) -> None:
    root = make_site({"content/articles/later.md": article("Later", "2024-06-02")})
    before = {**os.environ, "SOURCE_DATE_EPOCH": "1717200000"}  # 2024-06-01 UTC
    after = {**os.environ, "SOURCE_DATE_EPOCH": "1717400000"}  # 2024-06-03 UTC
    assert run_cli("build", "--output", "a", cwd=root, env=before).returncode == 0
    assert not (root / "a/2024/06/later/index.html").exists()
    assert run_cli("build", "--output", "b", cwd=root, env=after).returncode == 0
    assert (root / "b/2024/06/later/index.html").exists()


def test_duplicate_urls_name_both_files(make_site) -> None:
    root = make_site(
        {
            "content/articles/a.md": article("Vote", "2024-02-07"),
            "content/news/b.md": article("vote!", "2024-02-20"),
        }
    )
    result = run_cli(cwd=root)
    assert result.returncode == 1
    assert result.stderr.splitlines()[:2] == [
        "content/articles/a.md:2: its address /2024/02/vote/ is also claimed by "
        "content/news/b.md:2",
        "  hint: the address is made from the title: give one of them a `slug` of its own",
    ]
    assert not (root / "output").exists()


def test_every_bad_file_is_reported_in_one_run(make_site) -> None:
    root = make_site(
        {
            "content/articles/a.md": "---\ntitle: A\n",
            "content/articles/b.md": "---\ndate: 2024-02-07\n---\n",
            "content/articles/c.md": b"---\ntitle: Bak\xfd\ndate: 2024-02-07\n---\n",
            "content/articles/ok.md": article("Fine", "2024-02-07"),
        }
    )
    result = run_cli(cwd=root)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert "content/articles/a.md:1: front matter opened with '---' is never closed" in lines
    assert any(line.startswith("content/articles/b.md:1: missing 'title'") for line in lines)
    assert "content/articles/c.md:2: not valid UTF-8 text" in lines
    assert "Build failed: 3 errors" in result.stderr


CORPUS = ROOT.parent / "shared" / "bench" / "make_corpus.py"


@pytest.mark.skipif(
    not CORPUS.is_file(), reason="shared/bench/make_corpus.py is not beside the clone"
)
def test_generated_corpus_builds(tmp_path: Path) -> None:
    content = tmp_path / "corpus"
    made = subprocess.run(
        [sys.executable, str(CORPUS), "--articles", "150", "--out", str(content)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    # The sample site's settings, copied so that the build's cache stays out of the clone.
    shutil.copy(ROOT / "site.yaml", tmp_path / "site.yaml")
    result = run_cli(
        "build",
        "--config",
        str(tmp_path / "site.yaml"),
        "--content",
        str(content),
        "--output",
        str(tmp_path / "out"),
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert re.match(r"Built 1[0-9]{2} articles, ", result.stdout), result.stdout
    assert (tmp_path / "out/index.html").is_file()


def _newsroom(count: int) -> dict[str, str]:
    """Return `count` articles with shared tags, authors and sections, links between them,
    emphasis, quotes and code: enough for worker processes to parse and render them."""
    files = {}
    for n in range(count):
        body = (
            f"A “quoted” *story* number {n} about **Azərbaycan**, with a [link](/tags/baku/) "
            f'and [another](https://example.org/x/{n}). "Straight quotes" too.\n\n'
            f"```python\nprint({n})\n```\n\n## Part {n % 3}\n\nMore text.\n"
        )
        files[f"content/articles/story-{n:03}.md"] = article(
            f"Story {n}",
            f"2024-0{1 + n % 9}-1{n % 10} 1{n % 10}:05",
            body,
            tags=f"[Baku, Topic {n % 7}]",
            author=f"Writer {n % 4}",
            section=f"Section {n % 3}",
        )
    return files


def test_a_site_built_by_worker_processes_is_the_one_built_in_one_process(make_site) -> None:
    site = make_site(_newsroom(260))  # above both the parse and the render thresholds
    outputs = {}
    for jobs in ("2", "1"):  # 1: parsed and rendered in the build's own process
        done = subprocess.run(
            [sys.executable, str(BUILD_PY), "build", "--no-cache", "--output", f"out-{jobs}",
             "--jobs", jobs],
            cwd=site,
            capture_output=True,
            text=True,
            timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        said = re.sub(r" in [0-9.]+ s\b", "", done.stdout.strip())  # all but the time taken
        outputs[jobs] = (tree(site / f"out-{jobs}"), said)
    assert len(outputs["2"][0]) > 600
    assert outputs["2"] == outputs["1"]


def test_a_build_the_checks_stop_carries_every_finding_and_the_stage_times(make_site) -> None:
    site = make_site(
        {
            "content/articles/a.md": article("A", body="![](/images/chart.svg) [x](/nowhere/)"),
        },
        SITE_YAML + "checks:\n  missing_alt: error\n",
    )
    config = load_config(site / "site.yaml")
    with pytest.raises(BuildFailed) as failed:
        build(config, BuildOptions(use_cache=False))
    exc = failed.value
    levels = sorted((f.check, f.level) for f in exc.findings)
    assert levels == [
        ("broken_links", "warning"),
        ("missing_alt", "error"),
        ("missing_images", "warning"),
    ]
    assert exc.problems == tuple(f.problem for f in exc.findings if f.level == "error")
    assert {"read", "parse", "render", "check"} <= set(exc.timings)
    assert not (site / "output").exists()
    again = pickle.loads(pickle.dumps(exc))
    assert (again.problems, again.findings, again.timings) == (
        exc.problems,
        exc.findings,
        exc.timings,
    )


def test_a_build_stopped_before_the_checks_has_problems_only(make_site) -> None:
    site = make_site({"content/articles/a.md": article("A", date="2024-02-31")})
    with pytest.raises(BuildFailed) as failed:
        build(load_config(site / "site.yaml"), BuildOptions(use_cache=False))
    assert [p.message for p in failed.value.problems] == ["'date' is not a date: '2024-02-31'"]
    assert failed.value.findings == ()
    assert {"read", "parse"} <= set(failed.value.timings)
