"""Templates compiled ahead by a forked process (render.ahead): the same site as compiled
here, no template compiled twice, errors reported as before, and no process left behind."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import jinja2
import pytest

from generator.config import load_config
from generator.errors import BuildFailed
from generator.pipeline.build import BuildOptions, build
from generator.pipeline.stages import AHEAD_SOURCES
from generator.render import ahead
from generator.render.ahead import compiled_ahead
from generator.render.templatetree import Facts, ThemeTemplate
from tests.conftest import article, tree

ARTICLES = {
    f"content/articles/story-{n:03}.md": article(
        f"Story {n}", f"2024-02-{1 + n % 28:02} 09:00", tags="Azərbaycan, Iran"
    )
    for n in range(AHEAD_SOURCES)
}


@pytest.fixture
def compiled_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Return the names of the theme templates this process compiles from now on (a forked
    process records its own in its copy of the list, never seen here)."""
    names: list[str] = []
    compile_ = jinja2.Environment.compile

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        if filename is not None:
            names.append(name)
        return compile_(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", compile)
    return names


def _build(root: Path, out: str, jobs: int) -> None:
    config = load_config(root / "site.yaml", output_dir=root / out)
    build(config, BuildOptions(jobs=jobs, use_cache=False))


def test_templates_compiled_ahead_make_the_same_site(make_site, compiled_here) -> None:
    root = make_site(ARTICLES)
    _build(root, "here", jobs=1)
    assert {"article.html", "base.html", "index.html"} <= set(compiled_here)
    compiled_here.clear()
    _build(root, "ahead", jobs=2)
    assert compiled_here == []  # every template came compiled from the forked process
    assert tree(root / "ahead") == tree(root / "here")


def test_a_process_that_fails_leaves_the_compiling_here(
    make_site, compiled_here, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(env, templates):
        raise MemoryError

    monkeypatch.setattr(ahead, "_compiled", fail)  # in the forked process too
    root = make_site(ARTICLES)
    _build(root, "ahead", jobs=2)
    assert "article.html" in compiled_here
    _build(root, "here", jobs=1)
    assert tree(root / "ahead") == tree(root / "here")


def test_a_template_that_does_not_compile_is_reported_as_without(make_site) -> None:
    root = make_site(ARTICLES)
    theme = root / "themes" / "broken"
    (theme / "templates").mkdir(parents=True)
    (theme / "theme.yaml").write_text("parent: default\n", encoding="utf-8")
    (theme / "templates" / "tag.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n{{ tag.name | no_such_filter }}\n'
        "{% endblock %}\n",
        encoding="utf-8",
    )
    site = root / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + "theme: broken\n", encoding="utf-8")
    messages = []
    for jobs in (1, 2):
        with pytest.raises(BuildFailed) as failed:
            _build(root, f"out-{jobs}", jobs)
        messages.append([str(p) for p in failed.value.problems])
        assert not (root / f"out-{jobs}").exists()
    assert messages[0] == messages[1]
    assert "tag.html:3" in messages[0][0] and "no_such_filter" in messages[0][0]


def test_a_build_that_fails_first_leaves_no_process(
    make_site, monkeypatch: pytest.MonkeyPatch
) -> None:
    forked: list[int] = []
    fork: Callable[[], int] = os.fork

    def recorded() -> int:
        pid = fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(ahead.os, "fork", recorded)
    files = dict(ARTICLES)
    files["content/articles/bad.md"] = "---\ntitle: [unclosed\n---\nBody.\n"
    root = make_site(files)
    with pytest.raises(BuildFailed) as failed:
        _build(root, "out", jobs=2)
    assert any(p.path.endswith("bad.md") for p in failed.value.problems)
    assert len(forked) == 1
    with pytest.raises(ChildProcessError):  # reaped: not even a zombie is left
        os.waitpid(forked[0], os.WNOHANG)


def test_code_compiled_from_another_source_is_not_used(tmp_path: Path, compiled_here) -> None:
    page = tmp_path / "page.html"
    page.write_text("saved {{ 1 + 1 }}\n", encoding="utf-8")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)))
    read = ThemeTemplate("read {{ 1 }}\n", str(page), Facts(frozenset()))
    with compiled_ahead(env, {"page.html": read}, start=True):
        assert env.get_template("page.html").render() == "saved 2"
    assert compiled_here == ["page.html"]  # the file was saved again after it was read
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)))
    compiled_here.clear()
    read = ThemeTemplate(page.read_text(encoding="utf-8"), str(page), Facts(frozenset()))
    with compiled_ahead(env, {"page.html": read}, start=True):
        assert env.get_template("page.html").render() == "saved 2"
    assert compiled_here == []
