"""Incremental equals clean for every setting: each field of Config is changed between two
cached builds (and two preview rebuilds), and the result is compared with a clean build of
the same inputs: the same bytes in output/, the same findings, the same exit code.

The table of alternative values has an entry for every field, so a setting added later
without one fails here until it has one.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import TINY_PNG, article, tree, write_files
from PIL import Image

from generator.config import AuthorInfo, Config, Link, load_config
from generator.dev.events import Hub
from generator.dev.loop import DevLoop
from generator.errors import BuildFailed
from generator.pipeline.build import BuildOptions, build


def _wide_png() -> bytes:
    """Return a 600x300 PNG, wide enough for variants of the default and alternative widths."""
    out = io.BytesIO()
    Image.linear_gradient("L").resize((600, 300)).convert("RGB").save(out, "PNG")
    return out.getvalue()


SITE_YAML = """\
title: Test Gazette
base_url: https://example.org/
timezone: Asia/Baku
per_page: 2
menu:
  - {title: About, url: /about/}
checks:
  broken_links: "off"
  missing_alt: "off"
  long_summary: warning
"""

SITE = {
    "content/articles/alpha.md": article(
        "Alpha",
        "2024-02-01 10:00",
        body='A "quoted" [dead link](/nowhere/) and ![](/images/x.png) and [up](#top).\n\n'
        + "Long words here. " * 30,
        tags="[Politics, Baku]",
        author="Leyla",
    ),
    "content/articles/beta.md": article(
        "Beta",
        "2024-02-02 10:00",
        body="Short -- text...\n\n![Wide](/images/wide.png)",
        tags="[Politics]",
        author="Leyla",
        image="/images/wide.png",
    ),
    "content/articles/gamma.md": article(
        "Gamma",
        "2024-02-03 10:00",
        summary="A short summary.",
        updated="2024-01-01 10:00",
        section="Sport",
        tags="[Sport]",
    ),
    "content/articles/delta.md": article("Delta", "2024-02-04 10:00", draft="true"),
    "content/articles/later.md": article(
        "Later", "2024-03-04 10:00", expires="2024-03-05 10:00", tags="[İlham]"
    ),
    "content/pages/about.md": "---\ntitle: About\n---\nWho we are. <b>bold</b>\n",
    "content/images/y.png": TINY_PNG,
    "content/images/wide.png": _wide_png(),
}

# Fields set from the command line or by where the files are: a build elsewhere is another
# build, and none of them can be changed between two builds of the same site folder.
EXEMPT = {
    "root": "the site's folder: set from where site.yaml is",
    "content_dir": "a path given on the command line (--content)",
    "output_dir": "a path given on the command line (--output)",
    "cache_dir": "a path given on the command line (--cache-dir)",
    "config_path": "the settings file itself",
}

# Another valid value for every setting; a field missing here fails the test.
ALTERNATIVES: dict[str, Any] = {
    "title": "Another Gazette",
    "base_url": "https://example.net/news/",
    "description": "All the news.",
    "language": "az",
    "timezone": "America/New_York",
    "per_page": 1,
    "permalink": "/{year}/{slug}/",
    "theme": "plain",
    "smart_typography": False,
    "unicode_slugs": True,
    "default_author": "Staff",
    "menu": (Link("Home", "/"), Link("Gone", "/gone/")),
    "authors": (("Leyla", AuthorInfo(bio="Reporter.", links=(Link("Site", "/about/"),))),),
    "feed_entries": 1,
    "feed_content": "summary",
    "disable": ("archives", "tags"),
    "publisher": "Gazette Media",
    "publisher_logo": "/images/y.png",
    "checks": (
        ("broken_links", "error"),
        ("long_summary", "warning"),
        ("missing_alt", "warning"),
        ("single_use_tags", "warning"),
    ),
    "summary_length": 20,
    "raw_html": False,
    "max_document_mb": 1,
    "max_parse_seconds": 5,
    "max_tags": 1,
    "max_nesting": 3,
    "max_page_mb": 1,
    "keep_going": True,
    "image_keep": ("copyright",),
    "search": True,
    "image_widths": (300, 500),
    "image_formats": (),
    "image_quality": 50,
}

FIELDS = [f.name for f in dataclasses.fields(Config) if f.name not in EXEMPT]
CLOCK_OPTIONS = dict(clock=None, jobs=1)


def test_every_setting_has_an_alternative_value() -> None:
    missing = [name for name in FIELDS if name not in ALTERNATIVES]
    assert not missing, f"add an alternative value for {missing} to ALTERNATIVES"
    assert not set(ALTERNATIVES) - set(FIELDS), "ALTERNATIVES names a field Config lacks"
    assert set(EXEMPT) <= {f.name for f in dataclasses.fields(Config)}


def _site(root: Path) -> Path:
    write_files(root, {**SITE, "site.yaml": SITE_YAML})
    write_files(
        root,
        {
            "themes/plain/theme.yaml": "parent: default\n",
            "themes/plain/templates/article.html": (
                '{% extends "base.html" %}{% block content %}<h1>{{ article.title }}</h1>'
                "{{ article.content }}{% endblock %}"
            ),
        },
    )
    return root / "site.yaml"


def _outcome(config: Config, options: BuildOptions) -> tuple:
    """Return what a build did: (exit code, findings, files of output/)."""
    try:
        result = build(config, options)
    except BuildFailed as exc:
        findings = tuple(str(f) for f in exc.findings) or tuple(str(p) for p in exc.problems)
        return 1, findings, tree(config.output_dir) if config.output_dir.exists() else {}
    return 0, tuple(str(f) for f in result.findings), tree(config.output_dir)


def _changed(config: Config, name: str) -> Config:
    value = ALTERNATIVES[name]
    assert getattr(config, name) != value, f"the alternative for {name} is its value already"
    return replace(config, **{name: value})


@pytest.mark.parametrize("name", FIELDS)
def test_a_changed_setting_gives_the_clean_build(tmp_path: Path, name: str) -> None:
    config = load_config(_site(tmp_path / "site"), cache_dir=tmp_path / "cache")
    options = BuildOptions(jobs=1)
    _outcome(config, options)  # fills the cache
    changed = _changed(config, name)
    cached = _outcome(changed, options)
    clean = _outcome(
        replace(changed, output_dir=tmp_path / "clean"), replace(options, use_cache=False)
    )
    assert cached[:2] == clean[:2]
    assert cached[2] == clean[2] or cached[0] == 1  # a failed build leaves output/ as it was


@pytest.mark.parametrize("name", FIELDS)
def test_a_changed_setting_gives_the_clean_build_in_the_preview(tmp_path: Path, name: str) -> None:
    site = _site(tmp_path / "site")
    loop = DevLoop(site, tmp_path / "preview", Hub(), overrides={"cache_dir": tmp_path / "c"})
    try:
        assert loop.rebuild().ok
        loop.overrides[name] = ALTERNATIVES[name]
        rebuild = loop.rebuild([site])
        clean_config = replace(loop.load(), output_dir=tmp_path / "clean")
        clean = _outcome(clean_config, replace(loop.options, use_cache=False, jobs=1))
        if rebuild.ok:
            findings = tuple(str(f) for f in rebuild.result.findings)
            assert (0, findings, tree(tmp_path / "preview")) == clean
        elif rebuild.result is not None:
            # The preview kept going, showing the documents the setting now refuses as they
            # last built: the same problems as a clean build that leaves them out.
            assert tuple(str(e.problem) for e in rebuild.problems) == tuple(
                str(p) for p in _left_out(clean_config, loop.options)
            )
        else:
            assert clean[0] == 1
            assert tuple(str(e.problem) for e in rebuild.problems) == tuple(
                str(p) for p in _problems(clean_config, loop.options)
            )
    finally:
        loop.close()


def _left_out(config: Config, options: BuildOptions) -> tuple:
    out = replace(config, output_dir=config.output_dir.with_name("clean3"))
    return build(out, replace(options, use_cache=False, jobs=1)).left_out


def _problems(config: Config, options: BuildOptions) -> tuple:
    try:
        build(replace(config, output_dir=config.output_dir.with_name("clean2")), options)
    except BuildFailed as exc:
        return exc.problems
    return ()


def test_a_check_level_changed_between_cached_builds_is_reported(tmp_path: Path) -> None:
    """Regression: broken_links off -> error between two cached builds made the cached build
    exit 0 with nothing reported, while a clean build failed."""
    config = load_config(_site(tmp_path / "site"), cache_dir=tmp_path / "cache")
    assert build(config, BuildOptions(jobs=1)).findings is not None
    strict = replace(config, checks=(("broken_links", "error"), ("long_summary", "warning")))
    with pytest.raises(BuildFailed) as failed:
        build(strict, BuildOptions(jobs=1))
    assert any(f.check == "broken_links" and f.level == "error" for f in failed.value.findings)


def test_summary_length_changed_between_cached_builds_is_reported(tmp_path: Path) -> None:
    """Regression: a shorter summary_length between two cached builds was not reported."""
    config = load_config(_site(tmp_path / "site"), cache_dir=tmp_path / "cache")
    before = build(config, BuildOptions(jobs=1))
    assert not any("summary is" in str(f) for f in before.findings)
    after = build(replace(config, summary_length=10), BuildOptions(jobs=1))
    assert any("more than summary_length (10)" in str(f) for f in after.findings)
