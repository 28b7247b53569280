"""build.py as a user runs it: verbs, options, exit codes, the summary and stderr."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import generator
from tests.conftest import ROOT, SITE_YAML, article, run_cli, tree

SUMMARY = re.compile(
    r"^Built (\d+) articles, (\d+) pages, (\d+) tags: (\d+) files written, (\d+) unchanged, "
    r"(\d+) removed in \d+\.\d+ s(?:; .+ left out)?$"
)

FILES = {
    "content/articles/vote.md": article("Vote", "2024-02-07", tags="Iran, Oil"),
    "content/articles/draft.md": article("Draft", "2024-02-08", draft="true"),
    "content/articles/later.md": article("Later", "2099-01-01"),
    "content/pages/about.md": "---\ntitle: About\n---\nUs.\n",
}


def _summary(stdout: str) -> tuple[int, ...]:
    match = SUMMARY.match(stdout.strip().splitlines()[-1])
    assert match, stdout
    return tuple(int(n) for n in match.groups())


def test_no_arguments_builds(make_site) -> None:
    root = make_site(FILES)
    result = run_cli(cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    articles, pages, tags, written, unchanged, removed = _summary(result.stdout)
    assert (articles, pages, tags) == (1, 1, 2)
    assert written == len(tree(root / "output")) - 1  # every file but the manifest
    assert (unchanged, removed) == (0, 0)
    assert (root / "output/2024/02/vote/index.html").is_file()


def test_build_verb_is_the_same(make_site) -> None:
    root = make_site(FILES)
    assert run_cli("build", cwd=root).returncode == 0
    again = run_cli(cwd=root)
    _, _, _, written, unchanged, removed = _summary(again.stdout)
    assert (written, removed) == (0, 0)
    assert unchanged == len(tree(root / "output")) - 1


def test_summary_says_what_the_build_left_out_also_when_nothing_changed(make_site) -> None:
    root = make_site(FILES)
    for _ in range(2):  # the second build finds nothing changed and touches nothing
        result = run_cli(cwd=root)
        assert result.returncode == 0, result.stderr
        assert result.stdout.endswith(" s; 1 draft and 1 scheduled story left out\n")
    assert _summary(result.stdout)[3] == 0
    for rel, text in {
        "content/articles/d2.md": article("D2", draft="true"),
        "content/articles/gone.md": article("Gone", "2024-01-01", expires="2024-02-01"),
        "content/articles/gone2.md": article("Gone 2", "2024-01-02", expires="2024-02-01"),
    }.items():
        (root / rel).write_text(text, encoding="utf-8")
    result = run_cli(cwd=root)
    assert result.stdout.endswith(
        " s; 2 drafts, 1 scheduled story and 2 expired stories left out\n"
    )
    shown = run_cli("build", "--drafts", "--future", cwd=root)
    assert shown.stdout.endswith(" s; 2 expired stories left out\n")
    every = run_cli("build", "--drafts", "--future", "--clock", "2024-01-31T00:00", cwd=root)
    assert re.search(r" in \d+\.\d+ s\n$", every.stdout), every.stdout
    assert _summary(every.stdout)[0] == 6  # every article, none expired yet


def test_help_explains_the_verbs_and_options(tmp_path: Path) -> None:
    top = run_cli("--help", cwd=tmp_path)
    assert top.returncode == 0
    assert "build" in top.stdout and "COMMAND" in top.stdout
    sub = run_cli("build", "--help", cwd=tmp_path)
    assert sub.returncode == 0
    for option in ("--drafts", "--future", "--content", "--config", "--output", "--base-url"):
        assert option in sub.stdout
    assert "-q, --quiet" in sub.stdout and "-v, --verbose" in sub.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    for args in (["--bogus"], ["build", "--bogus"], ["frobnicate"], ["build", "--output"]):
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 2, args
        assert "usage:" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "output").exists()


@pytest.mark.parametrize("command", ["build", "serve"])
@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_jobs_must_be_a_positive_number(tmp_path: Path, command: str, jobs: str) -> None:
    done = run_cli(command, "--jobs", jobs, cwd=tmp_path)
    assert done.returncode == 2
    assert "not a number of processes (1 or more)" in done.stderr
    assert not (tmp_path / "output").exists()


def test_build_errors_exit_1_gnu_style_without_traceback(make_site) -> None:
    root = make_site({"content/articles/bad.md": "---\ntitle: Bad\ndate: 2024-02-30\n---\n"})
    result = run_cli(cwd=root)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == (
        "content/articles/bad.md:3: 'date' is not a date: '2024-02-30'"
    )
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == "Build failed: 1 error; output/ was not changed."


def test_missing_settings_exit_1(tmp_path: Path) -> None:
    result = run_cli(cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("site.yaml: settings file not found")


def test_bad_settings_are_listed_together(make_site) -> None:
    root = make_site({}, "title: T\nper_pgae: 2\ntimezone: Mars/Base\n")
    result = run_cli(cwd=root)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert "site.yaml:2: unknown setting 'per_pgae'" in lines
    assert "  hint: did you mean 'per_page'?" in lines
    assert any(line.startswith("site.yaml:3: timezone: unknown timezone") for line in lines)


def test_drafts_and_future(make_site) -> None:
    root = make_site(FILES)
    plain = run_cli("build", "--output", "plain", cwd=root)
    assert _summary(plain.stdout)[0] == 1
    assert not (root / "plain/2024/02/draft").exists()
    drafts = run_cli("build", "--drafts", "--output", "drafts", cwd=root)
    assert _summary(drafts.stdout)[0] == 2
    assert (root / "drafts/2024/02/draft/index.html").is_file()
    future = run_cli("build", "--future", "--output", "future", cwd=root)
    assert _summary(future.stdout)[0] == 2
    assert (root / "future/2099/01/later/index.html").is_file()
    both = run_cli("--drafts", "--future", "--output", "both", cwd=root)
    assert _summary(both.stdout)[0] == 3


def test_content_config_and_output_options(make_site, tmp_path: Path) -> None:
    root = make_site({"other/articles/x.md": article("Elsewhere", "2024-03-01")})
    (root / "conf").mkdir()
    (root / "conf/alt.yaml").write_text(SITE_YAML.replace("Test Gazette", "Alt Gazette"))
    result = run_cli(
        "build", "--config", "conf/alt.yaml", "--content", "other", "--output", "public", cwd=root
    )
    assert result.returncode == 0, result.stderr
    page = (root / "public/2024/03/elsewhere/index.html").read_text()
    assert "Alt Gazette" in page
    assert not (root / "output").exists()


def test_default_output_is_beside_the_settings(make_site) -> None:
    root = make_site(FILES)
    (root / "elsewhere").mkdir()
    result = run_cli("build", "--config", str(root / "site.yaml"), cwd=root / "elsewhere")
    assert result.returncode == 0, result.stderr
    assert (root / "output/index.html").is_file()
    assert not (root / "elsewhere/output").exists()


def test_base_url_override(make_site) -> None:
    root = make_site(FILES)
    result = run_cli("build", "--base-url", "https://preview.example.net/pr-7", cwd=root)
    assert result.returncode == 0, result.stderr
    page = (root / "output/2024/02/vote/index.html").read_text()
    assert 'href="/pr-7/tags/iran/"' in page
    assert "https://preview.example.net/pr-7/2024/02/vote/" in page
    bad = run_cli("build", "--base-url", "nope", cwd=root)
    assert bad.returncode == 1
    assert bad.stderr.startswith("--base-url: expected an absolute http(s) URL")


def test_quiet_prints_nothing_on_success(make_site) -> None:
    root = make_site(FILES)
    result = run_cli("-q", cwd=root)
    assert result.returncode == 0
    assert (result.stdout, result.stderr) == ("", "")
    failed = run_cli("-q", "--config", "missing.yaml", cwd=root)
    assert failed.returncode == 1
    assert "settings file not found" in failed.stderr


def test_verbose_says_what_each_stage_does(make_site) -> None:
    root = make_site(FILES)
    result = run_cli("-v", cwd=root)
    assert result.returncode == 0, result.stderr
    for stage in ("read", "parse", "assemble", "render", "write"):
        assert re.search(rf"^{stage}\b.*\d s$", result.stderr, re.MULTILINE), result.stderr
    assert "Successfully loaded extension" not in result.stderr  # our stages, not library chatter
    assert _summary(result.stdout)[0] == 1


def test_quiet_and_verbose_together_is_a_usage_error(make_site) -> None:
    root = make_site(FILES)
    assert run_cli("-q", "-v", cwd=root).returncode == 2


def test_warnings_do_not_fail_the_build(make_site) -> None:
    root = make_site({"content/articles/a.md": "---\ntitle: A\ntitle: B\ndate: 2024-02-07\n---\n"})
    result = run_cli(cwd=root)
    assert result.returncode == 0
    assert result.stderr.startswith(
        "content/articles/a.md:3: warning: duplicate key 'title' (first on line 2)"
    )


def test_version_is_the_packages_and_its_metadatas(tmp_path: Path) -> None:
    result = run_cli("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == f"gazette {generator.__version__}\n"
    try:  # installed (editable or not), the metadata says the same
        installed = importlib.metadata.version("gazette")
    except importlib.metadata.PackageNotFoundError:
        installed = None
    assert installed in (None, generator.__version__)


def test_the_metadata_takes_its_version_and_command_from_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "generator.__version__"}
    assert project["project"]["scripts"] == {"gazette": "generator.cli.main:main"}


def run_gazette(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the `gazette` command's entry point as the script pip installs for it runs it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    module, _, name = project["project"]["scripts"]["gazette"].partition(":")
    script = (
        f"import sys; sys.argv[0] = '/usr/local/bin/gazette'; "
        f"from {module} import {name}; sys.exit({name}())"
    )
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


def test_the_gazette_command_does_what_build_py_does(make_site) -> None:
    root = make_site(FILES)
    built = run_gazette("build", cwd=root)
    assert built.returncode == 0, built.stderr
    assert _summary(built.stdout)[:3] == (1, 1, 2)
    assert (root / "output/2024/02/vote/index.html").is_file()
    assert run_gazette("--version", cwd=root).stdout == f"gazette {generator.__version__}\n"
    # main's return value is the exit code, and help and usage name the command typed.
    wrong = run_gazette("list", "everything", cwd=root)
    assert wrong.returncode == 2
    assert wrong.stderr.startswith("usage: gazette list ")
    broken = run_gazette("build", "--config", "missing.yaml", cwd=root)
    assert broken.returncode == 1
    assert run_gazette("--help", cwd=root).stdout.startswith("usage: gazette ")
    assert run_cli("--help", cwd=root).stdout.startswith("usage: build.py ")
    assert run_cli("list", "everything", cwd=root).stderr.startswith("usage: build.py list ")


def test_a_reader_that_stops_early_ends_the_listing_quietly(make_site):
    # `build.py list drafts | head -1`: the rest of the listing has no reader.
    drafts = {f"content/articles/d{i}.md": article(f"Draft {i}", draft="true") for i in range(400)}
    root = make_site(drafts)
    listing = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "list", "drafts"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    listing.stdout.close()  # the reader is gone before the first line
    errors = listing.stderr.read()
    assert listing.wait(timeout=120) == 141  # as a process ended by SIGPIPE
    assert errors == b""
