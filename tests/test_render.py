"""render_site: which template makes which page, pagination, and template errors."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import SITE_YAML, article, run_cli

from generator.assemble.assembly import Selection, assemble_site
from generator.config import load_config
from generator.errors import BuildFailed, Problem
from generator.pipeline.parsing import parse_all
from generator.render.pages import paginate, render_site
from generator.render.themes import find_theme, make_environment
from generator.source.files import read_content

FIXTURES = Path(__file__).parent / "fixtures" / "sites"

NOW = datetime(2024, 6, 1, tzinfo=UTC)

TITLES = "{% for a in articles %}{{ a.title }};{% endfor %}"

# A theme that prints only what each page receives, so the tests read the context directly.
TINY = {
    "base.html": "{% block body %}{% endblock %}\n",
    "article.html": (
        "{% extends 'base.html' %}{% block body %}article {{ article.title }} "
        "prev={{ previous.title if previous else '-' }} next={{ next.title if next else '-' }}"
        "{% endblock %}"
    ),
    "page.html": "page {{ page.title }}\n",
    "index.html": (
        "{{ page_url }} {{ paginator.number }}/{{ paginator.count }} "
        "[{% for a in articles %}{{ a.title }};{% endfor %}] "
        "prev={{ paginator.previous_url }} next={{ paginator.next_url }}\n"
    ),
    "tag.html": "tag {{ tag.name }} {{ paginator.number }} " + TITLES,
    "section.html": "section {{ section.name }} " + TITLES,
    "author.html": "author {{ author.name }} bio={{ author.bio }} {{ paginator.total }}\n",
    "archive.html": "archive {{ year }} " + TITLES,
    "tags.html": "{% for t in tags %}{{ t.name }}={{ t.count }};{% endfor %}\n",
    "authors.html": "{% for a in authors %}{{ a.name }}={{ a.count }};{% endfor %}\n",
    "archives.html": "{% for y in years %}{{ y.year }}={{ y.count }};{% endfor %}\n",
    "404.html": "not found {{ '/' | url }}\n",
}

SITE = """\
title: Render Test
base_url: https://example.org/
timezone: UTC
per_page: 2
theme: tiny
authors:
  Leyla:
    bio: Reporter in Baku.
"""


@pytest.fixture
def render(make_site):
    """Return a function rendering a site of `files` with the tiny theme (or `templates`)."""

    def run(files: dict[str, str], templates: dict[str, str] | None = None, site_yaml=SITE):
        theme = {f"themes/tiny/templates/{k}": v for k, v in {**TINY, **(templates or {})}.items()}
        root = make_site({**theme, **files}, site_yaml)
        config = load_config(root / "site.yaml")
        tree = read_content(config.content_dir)
        parsed = parse_all(tree, config)
        assert not parsed.errors, parsed.errors
        site = assemble_site(parsed.documents, tree.assets, Selection(NOW))
        env = make_environment(config, find_theme(config))
        with render_site(site, config, env) as pages:
            outputs = [output for output, _ in pages]
        # trim_blocks eats the newline after a closing tag: compare without the last one
        return {o.path: o.data.decode().removesuffix("\n") for o in outputs}

    return run


def _failure(render, files, templates) -> list[Problem]:
    with pytest.raises(BuildFailed) as failed:
        render(files, templates)
    return list(failed.value.problems)


FIVE = {
    f"content/articles/a{i}.md": article(
        f"A{i}", f"2024-02-0{i} 10:00", tags="Iran" if i != 3 else "iran, Oil"
    )
    for i in range(1, 6)
}


def test_paginate_urls_are_stable() -> None:
    pages = list(paginate("/tags/iran/", list(range(5)), 2))
    assert [(url, items) for url, items, _ in pages] == [
        ("/tags/iran/", [0, 1]),
        ("/tags/iran/page/2/", [2, 3]),
        ("/tags/iran/page/3/", [4]),
    ]
    middle = pages[1][2]
    assert (middle.number, middle.count, middle.total) == (2, 3, 5)
    assert (middle.previous_url, middle.next_url) == ("/tags/iran/", "/tags/iran/page/3/")


def test_empty_listing_has_one_page() -> None:
    [(url, items, paginator)] = list(paginate("/", [], 10))
    assert (url, items, paginator.count, paginator.previous_url, paginator.next_url) == (
        "/",
        [],
        1,
        None,
        None,
    )


def test_front_page_and_tag_pages_are_paginated(render) -> None:
    out = render(FIVE)
    assert out["index.html"] == "/ 1/3 [A5;A4;] prev=None next=/page/2/"
    assert out["page/2/index.html"] == "/page/2/ 2/3 [A3;A2;] prev=/ next=/page/3/"
    assert out["page/3/index.html"] == "/page/3/ 3/3 [A1;] prev=/page/2/ next=None"
    assert out["tags/iran/index.html"] == "tag Iran 1 A5;A4;"
    assert out["tags/iran/page/2/index.html"] == "tag Iran 2 A3;A2;"
    assert out["tags/iran/page/3/index.html"] == "tag Iran 3 A1;"
    assert "tags/iran/page/4/index.html" not in out
    assert out["tags/index.html"] == "Iran=5;Oil=1;"


def test_every_page_kind_is_produced(render) -> None:
    files = {
        "content/articles/vote.md": article(
            "Vote", "2024-02-07", author="Leyla", section="Politics", tags="Iran"
        ),
        "content/articles/old.md": article("Old", "2023-05-01", author="Giorgi"),
        "content/pages/about.md": "---\ntitle: About\n---\nUs.\n",
    }
    out = render(files)
    assert out["2024/02/vote/index.html"] == "article Vote prev=Old next=-"
    assert out["2023/05/old/index.html"] == "article Old prev=- next=Vote"
    assert out["about/index.html"] == "page About"
    assert out["tags/iran/index.html"] == "tag Iran 1 Vote;"
    assert out["sections/politics/index.html"] == "section Politics Vote;"
    assert out["authors/leyla/index.html"] == "author Leyla bio=Reporter in Baku. 1"
    assert out["authors/giorgi/index.html"] == "author Giorgi bio= 1"
    assert out["archive/2024/index.html"] == "archive 2024 Vote;"
    assert out["archive/2023/index.html"] == "archive 2023 Old;"
    assert out["archive/index.html"] == "2024=1;2023=1;"
    assert out["authors/index.html"] == "Giorgi=1;Leyla=1;"
    assert out["404.html"] == "not found /"
    assert sorted(out) == sorted(
        [
            "2024/02/vote/index.html",
            "2023/05/old/index.html",
            "about/index.html",
            "index.html",
            "tags/iran/index.html",
            "tags/index.html",
            "sections/politics/index.html",
            "authors/leyla/index.html",
            "authors/giorgi/index.html",
            "authors/index.html",
            "archive/2024/index.html",
            "archive/2023/index.html",
            "archive/index.html",
            "404.html",
        ]
    )


def test_output_is_autoescaped(render) -> None:
    out = render({"content/articles/a.md": article("Tom & <Jerry>", "2024-02-07", slug="tj")})
    assert out["2024/02/tj/index.html"] == "article Tom &amp; &lt;Jerry&gt; prev=- next=-"


def test_template_chosen_by_the_article(render) -> None:
    files = {"content/articles/a.md": article("Feature", "2024-02-07", template="feature")}
    out = render(files, {"feature.html": "FEATURE {{ article.title }}\n"})
    assert out["2024/02/feature/index.html"] == "FEATURE Feature"


def test_unknown_template_names_the_article_and_its_line(render) -> None:
    files = {
        "content/articles/a.md": "---\ntitle: A\ndate: 2024-02-07\ntemplate: feture\n---\n",
        "content/articles/b.md": "---\ntitle: B\ndate: 2024-02-08\ntemplate: nope.html\n---\n",
    }
    problems = _failure(render, files, None)
    assert [(p.path.rsplit("content/", 1)[-1], p.line, p.message) for p in problems] == [
        ("articles/b.md", 4, "unknown template 'nope.html'"),
        ("articles/a.md", 4, "unknown template 'feture.html'"),
    ]


def test_undefined_variable_names_template_line_and_page(render) -> None:
    broken = "{% extends 'base.html' %}{% block body %}\n\n{{ articel.title }}\n{% endblock %}"
    problems = _failure(
        render, {"content/articles/a.md": article("Vote", "2024-02-07")}, {"article.html": broken}
    )
    [problem] = problems
    assert problem.path.endswith("themes/tiny/templates/article.html")
    assert problem.line == 3
    assert problem.message == "'articel' is undefined (while rendering /2024/02/vote/)"


def test_syntax_error_names_template_and_line(render) -> None:
    problems = _failure(
        render,
        {"content/articles/a.md": article("Vote", "2024-02-07")},
        {"article.html": "ok\n{% for t in article.tags %}\nno end\n"},
    )
    [problem] = problems
    assert problem.path.endswith("themes/tiny/templates/article.html")
    assert problem.line == 3  # where the template ended without its endfor
    assert "endfor" in problem.message


def test_one_broken_template_is_reported_once(render) -> None:
    files = {f"content/articles/a{i}.md": article(f"A{i}", f"2024-02-0{i}") for i in range(1, 4)}
    problems = _failure(render, files, {"article.html": "{{ missing }}\n"})
    assert len(problems) == 1
    assert problems[0].line == 1


def test_base_path_is_in_every_link(render) -> None:
    site = SITE.replace("https://example.org/", "https://example.org/newsroom/")
    out = render({}, {"404.html": "{{ '/tags/' | url }} {{ '/x/' | absolute_url }}\n"}, site)
    assert out["404.html"] == "/newsroom/tags/ https://example.org/newsroom/x/"


def test_a_template_no_page_uses_is_still_checked(make_site) -> None:
    site = make_site(
        {
            "content/articles/vote.md": article("Vote"),
            "themes/local/theme.yaml": "parent: default\n",
            # Unused by any page, but a theme's bug all the same: a later layout would hit it.
            "themes/local/templates/special.html": "<p>{{ page.title }</p>\n",
        },
        SITE_YAML + "theme: local\n",
    )
    result = run_cli("build", cwd=site)
    assert result.returncode == 1
    assert "themes/local/templates/special.html:1: unexpected '}'" in result.stderr
    assert not (site / "output").exists()
    (site / "themes/local/templates/special.html").write_text("<p>{{ page.title }}</p>\n")
    assert run_cli("build", cwd=site).returncode == 0


def test_a_theme_lacking_standard_templates_is_named_once_with_what_each_makes(
    tmp_path: Path,
) -> None:
    # A theme of one's own without tag.html failed once per tag page, each naming the page
    # but neither the theme nor the setting that makes those pages.
    site = tmp_path / "basic"
    shutil.copytree(FIXTURES / "basic", site, ignore=shutil.ignore_patterns("expected"))
    templates = site / "themes" / "plain" / "templates"
    for name in ("tag.html", "tags.html", "article.html", "section.html"):
        (templates / name).unlink()
    (site / "site.yaml").write_text(
        (site / "site.yaml").read_text() + "disable: [sections]\n", encoding="utf-8"
    )
    done = run_cli("build", cwd=site)
    assert done.returncode == 1
    theme = "themes/plain/templates"
    assert done.stderr.splitlines() == [
        f"{theme}: no article.html, a template every site's pages need",
        "  hint: add one (the default theme's shows what it is given)",
        f"{theme}: no tag.html, the template of the tag pages",
        "  hint: add one, or leave those pages out with `disable: [tags]` in site.yaml",
        f"{theme}: no tags.html, the template of the tags index",
        "  hint: add one, or leave those pages out with `disable: [tags]` in site.yaml",
        "Build failed: 3 errors; output/ was not changed.",
    ]
    assert not (site / "output").exists()
    # Pages a setting leaves out need no template.
    (templates / "article.html").write_text('{% extends "base.html" %}')
    (site / "site.yaml").write_text(
        (site / "site.yaml").read_text().replace("[sections]", "[sections, tags]")
    )
    assert run_cli("build", "-q", cwd=site).returncode == 0
