"""Content folders written for Pelican, Jekyll and Hugo build as they are, through the CLI."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SITE_YAML, run_cli, tree, write_files

from generator.config import load_config
from generator.pipeline.build import BuildOptions, build

FIXTURES = Path(__file__).parent / "fixtures" / "dialects"
JUNK = ("._vote.md", ".DS_Store", "vote.md.swp", "vote.md~", ".#vote.md", "Thumbs.db")


def site_with(make_site: Callable[..., Path], fixture: str, site_yaml: str = SITE_YAML) -> Path:
    root = make_site({}, site_yaml)
    shutil.rmtree(root / "content")
    shutil.copytree(FIXTURES / fixture, root / "content")
    return root


def test_the_same_article_in_three_dialects_renders_to_the_same_bytes(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(SITE_YAML + "base_url: https://example.org/news/\n")
    outputs = {}
    for dialect in ("yaml", "toml", "pelican"):
        config = load_config(
            tmp_path / "site.yaml",
            content_dir=FIXTURES / "same" / dialect,
            output_dir=tmp_path / f"out-{dialect}",
        )
        result = build(config, BuildOptions(use_cache=False))
        assert result.warnings == ()
        outputs[dialect] = tree(tmp_path / f"out-{dialect}")
    assert outputs["yaml"] == outputs["toml"] == outputs["pelican"]
    page = outputs["yaml"]["2024/02/parliament-passes-the-budget/index.html"].decode()
    assert '<a href="/news/images/budget.svg">the chart</a>' in page
    assert '<a href="/news/2024/02/budget-debate-opens/">earlier story</a>' in page
    assert "2024-02-09T14:05:00+04:00" in page
    for name in ("Budget", "Parliament", "Leyla Həsənova", "Giorgi Beridze", "Politics"):
        assert name in page


def test_pelican_content_builds_with_links_resolved(make_site) -> None:
    root = site_with(make_site, "pelican")
    write_files(root, {f"content/{name}": "junk" for name in JUNK})
    done = run_cli("build", cwd=root)
    assert done.returncode == 0, done.stderr
    assert done.stderr == (
        "content/links.md:7: warning: broken anchor '/2024/02/turnout-record/#details': "
        "no id 'details' on /2024/02/turnout-record/\n"
        "content/links.md:11: warning: unknown link target '{filename}/missing.md' "
        "(no missing.md in the content folder)\n"
        "2 warnings: 1 broken link, 1 broken anchor\n"
        "content: note: 1 file in other formats (1 .rst) is copied as it is, not read as "
        "articles; Gazette reads Markdown (.md, .markdown)\n"
    )
    out = tree(root / "output")
    page = out["2024/02/links-between-articles/index.html"].decode()
    assert '<a href="/2024/02/turnout-record/">the turnout story</a>' in page
    assert '<a href="/2024/02/turnout-record/#details">the same by relative path</a>' in page
    assert page.count('src="/images/chart.svg"') == 2
    assert '<a href="{filename}/missing.md">missing</a>' in page
    assert out["notes.rst"] == (FIXTURES / "pelican" / "notes.rst").read_bytes()
    assert "images/chart.svg" in out
    assert not any(Path(p).name in JUNK for p in out)
    assert "2024/02/a-draft-in-pelican/index.html" not in out
    assert "about/index.html" in out  # pages take their slug from the file name
    # hidden: published, but neither listed nor in the feed
    assert "links-between-articles" not in out["index.html"].decode()
    assert "links-between-articles" not in out["feed.xml"].decode()


def test_jekyll_site_builds_without_its_machinery(make_site) -> None:
    root = site_with(make_site, "jekyll")
    done = run_cli("build", "-v", cwd=root)
    assert done.returncode == 0, done.stderr
    out = tree(root / "output")
    assert not any(p.startswith(("_", "1970/")) or "/_" in p for p in out)
    assert "2019/03/welcome-to-the-new-site/index.html" in out
    liquid = out["2021/06/liquid-stays-text/index.html"].decode()
    assert '<p>{{ page.title }} and <a href="/about/">a link</a>.</p>' in liquid
    assert '<a href="/2019/03/welcome-to-the-new-site/">the welcome post</a>' in liquid
    err = done.stderr
    assert "content/_posts/2021-06-01-liquid.markdown:5: template syntax of another" not in err
    assert "content/_posts/2019-03-13-welcome.md: layout 'post.html' ignored" in err
    assert "content/_layouts: skipped: another generator's file, not content" in err
    drafts = run_cli("build", "--drafts", cwd=root)
    assert drafts.returncode == 0, drafts.stderr
    assert "1970/01/unfinished-story/index.html" in tree(root / "output")


def test_yaml_and_toml_folders_build_and_other_files_are_copied(make_site) -> None:
    for fixture in ("yaml", "toml"):
        root = site_with(make_site, fixture)
        done = run_cli("build", "-v", cwd=root)
        assert done.returncode == 0, done.stderr
        assert "warning" not in done.stderr
        out = tree(root / "output")
        if fixture == "yaml":
            assert out["articles/cover.psd"] == b"8BPS"
            assert "articles/diagram.drawio" in out and "articles/notes.rst" in out
            assert "content/articles/other-generators.md:5: template syntax" in done.stderr
            assert "2024/02/pipeline-talks-stall/index.html" not in out  # published: false
        else:
            assert "content/posts/_index.md: skipped" in done.stderr
            assert "2024/02/ferry-bundle/ferry.svg" in out
            bundle = out["2024/02/ferry-bundle/index.html"].decode()
            assert 'src="/2024/02/ferry-bundle/ferry.svg"' in bundle
            assert "2024/02/quoted-dates-in-toml/index.html" not in out  # draft = true
        shutil.rmtree(root / "output")


def test_urls_do_not_depend_on_the_machines_timezone(make_site) -> None:
    root = make_site(
        {
            # 22:30 in New York on 31 January is already February in Baku
            "content/late.md": "---\ntitle: Late\ndate: 2024-01-31T22:30:00-05:00\n---\nx\n",
            "content/2024-03-01-filename.md": "---\ntitle: From the file name\n---\nx\n",
        }
    )
    outputs = []
    for zone in ("Pacific/Kiritimati", "America/Los_Angeles"):
        done = run_cli("build", cwd=root, env={**os.environ, "TZ": zone})
        assert done.returncode == 0, done.stderr
        outputs.append(tree(root / "output"))
        shutil.rmtree(root / "output")
    assert outputs[0] == outputs[1]
    assert "2024/02/late/index.html" in outputs[0]
    assert "2024/03/from-the-file-name/index.html" in outputs[0]


def test_layout_is_used_only_when_the_theme_has_it(make_site) -> None:
    root = make_site(
        {
            "content/post.md": "---\ntitle: P\ndate: 2024-02-09\nlayout: post\n---\nx\n",
            "content/page-layout.md": "---\ntitle: Q\ndate: 2024-02-09\nlayout: page\n---\ny\n",
            "content/strict.md": "---\ntitle: R\ndate: 2024-02-09\ntemplate: post\n---\nz\n",
            "themes/custom/theme.yaml": "parent: default\n",
            "themes/custom/templates/post.html": "POST {{ article.title }}\n",
        },
        SITE_YAML + "theme: custom\n",
    )
    done = run_cli("build", cwd=root)
    assert done.returncode == 0, done.stderr
    out = tree(root / "output")
    assert out["2024/02/p/index.html"] == b"POST P\n"
    assert out["2024/02/r/index.html"] == b"POST R\n"
    # `layout: page` names a standard template for pages: an article keeps article.html
    assert b"<article" in out["2024/02/q/index.html"]
    (root / "themes/custom/templates/post.html").unlink()
    failed = run_cli("build", cwd=root)
    assert failed.returncode == 1
    assert "content/strict.md:4: unknown template 'post.html'" in failed.stderr


def test_a_page_is_published_at_the_url_its_front_matter_gives(make_site) -> None:
    site = make_site(
        {
            "content/post/hugo.md": "---\ntitle: My story\ndate: 2015-12-20\n"
            "url: /2015/12/20/my-story/\naliases: [old-name, /2015/12/20/my-story/]\n---\nText.\n",
            "content/post/jekyll.md": "---\ntitle: Other\ndate: 2016-01-02\n"
            "permalink: blog/other.html\n---\nText.\n",
            "content/pages/about.md": "---\ntitle: About us\nurl: /about-the-paper\n---\nText.\n",
        }
    )
    done = run_cli("build", "-v", cwd=site)
    assert done.returncode == 0, done.stderr
    out = site / "output"
    assert "My story" in (out / "2015/12/20/my-story/index.html").read_text(encoding="utf-8")
    assert "Other" in (out / "blog/other.html").read_text(encoding="utf-8")
    assert "About us" in (out / "about-the-paper/index.html").read_text(encoding="utf-8")
    redirect = (out / "post/old-name/index.html").read_text(encoding="utf-8")
    assert "/2015/12/20/my-story/" in redirect
    assert "content/post/hugo.md:5: alias /2015/12/20/my-story/ is the page's own address" in (
        done.stderr
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("https://example.org/x/", "'url' must be a path on this site"),
        ("/../../etc/", "unsafe site path"),
        ("/blog/:title/", "'url' must be the page's own path, not a pattern"),
        ("/x/?a=1", "'url' cannot have a query or a fragment"),
    ],
)
def test_a_url_that_is_not_a_safe_site_path_is_an_error_at_its_line(make_site, value, message):
    site = make_site(
        {"content/post/a.md": f"---\ntitle: A\ndate: 2015-12-20\nurl: '{value}'\n---\n"}
    )
    done = run_cli("build", cwd=site)
    assert done.returncode == 1
    assert done.stderr.startswith(f"content/post/a.md:4: {message}"), done.stderr
