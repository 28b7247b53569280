"""Checks over the built site: each fails a --strict build with its exact message, and only
warns without --strict."""

from __future__ import annotations

import io

import pytest
from conftest import SITE_YAML, TINY_PNG, article, run_cli, tree
from PIL import Image

WITH_OPTIONAL_CHECKS = SITE_YAML + (
    "summary_length: 20\nchecks:\n  long_summary: warning\n  single_use_tags: warning\n"
)
# Every file below is a fixture with one problem; `expected` is the message after the level.
CASES = {
    "broken_links": (
        {"content/articles/vote.md": article("Vote", body="See [the tally](/2024/01/tally/).")},
        "content/articles/vote.md:5: {level}: "
        "broken link to '/2024/01/tally/': no page at /2024/01/tally/",
    ),
    "relative_md_link": (
        {"content/articles/vote.md": article("Vote", body="Intro.\n\nSee [it](tally.md).")},
        "content/articles/vote.md:7: {level}: "
        "unknown link target 'tally.md' (no articles/tally.md in the content folder)",
    ),
    "filename_link": (
        {"content/articles/vote.md": article("Vote", body="See [it]({filename}/pages/gone.md).")},
        "content/articles/vote.md:5: {level}: "
        "unknown link target '{{filename}}/pages/gone.md' (no pages/gone.md in the content folder)",
    ),
    "missing_images": (
        {"content/articles/vote.md": article("Vote", body="![A chart](/images/chart.png)")},
        "content/articles/vote.md:5: {level}: "
        "missing image '/images/chart.png': no file at /images/chart.png",
    ),
    "missing_files": (
        {"content/articles/vote.md": article("Vote", body="The [PDF](/files/report.pdf).")},
        "content/articles/vote.md:5: {level}: "
        "missing file '/files/report.pdf': no file at /files/report.pdf",
    ),
    "broken_anchors": (
        {
            "content/articles/vote.md": article(
                "Vote", body="Jump to [the results](#results).\n\n## Outcome\n\nText."
            )
        },
        "content/articles/vote.md:5: {level}: "
        "broken anchor '#results': no id 'results' on /2024/02/vote/",
    ),
    "anchor_on_other_page": (
        {
            "content/articles/vote.md": article("Vote", body="See [turnout](/about/#turnout)."),
            "content/pages/about.md": "---\ntitle: About\n---\n## Staff\n",
        },
        "content/articles/vote.md:5: {level}: "
        "broken anchor '/about/#turnout': no id 'turnout' on /about/",
    ),
    "missing_alt": (
        {
            "content/articles/vote.md": article("Vote", body="Intro.\n\n![](/images/x.png)"),
            "content/images/x.png": TINY_PNG,
        },
        "content/articles/vote.md:7: {level}: image '/images/x.png' has no alt text",
    ),
    "lead_image_alt": (
        {
            "content/articles/vote.md": article("Vote", image="/images/x.png"),
            "content/images/x.png": TINY_PNG,
        },
        "content/articles/vote.md:4: {level}: image '/images/x.png' has no alt text",
    ),
    "social_cards": (
        {
            "content/articles/vote.md": article("Vote", image="/images/x.png", image_alt="X"),
            "content/images/x.png": TINY_PNG,
        },
        "content/articles/vote.md:4: {level}: the lead image '/images/x.png' cannot make a "
        "1200x630 social card: it is 1x1 pixels",
    ),
    "social_cards_svg": (
        {
            "content/articles/vote.md": article("Vote", image="chart.svg", image_alt="X"),
            "content/articles/chart.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>',
        },
        "content/articles/vote.md:4: {level}: the lead image '/articles/chart.svg' cannot make a "
        "1200x630 social card: it is not a JPEG, PNG, WebP or GIF image of this site",
    ),
    "updated_before_date": (
        {"content/articles/vote.md": article("Vote", updated="2024-02-01 10:00")},
        "content/articles/vote.md:4: {level}: "
        "'updated' (2024-02-01 10:00) is earlier than 'date' (2024-02-09 14:05)",
    ),
    "long_summary": (
        {
            "content/articles/vote.md": article(
                "Vote", summary="A summary far longer than twenty characters."
            )
        },
        "content/articles/vote.md:4: {level}: "
        "summary is 44 characters long, more than summary_length (20)",
    ),
    "single_use_tags": (
        {
            "content/articles/vote.md": article("Vote", tags="[Elections, Baku]"),
            "content/articles/poll.md": article("Poll", tags="[Elections]"),
        },
        "content/articles/vote.md:4: {level}: tag 'Baku' is used by this article only",
    ),
    "template_link": (
        {
            "content/articles/vote.md": article("Vote"),
            "themes/local/theme.yaml": "parent: default\n",
            "themes/local/templates/404.html": (
                '{% extends "base.html" %}\n{% block content %}\n'
                "<a href=\"{{ '/contact/' | url }}\">Contact us</a>\n{% endblock %}\n"
            ),
        },
        "themes/local/templates/404.html:3: {level}: "
        "broken link to '/contact/': no page at /contact/",
    ),
    "menu_link": (
        {"content/articles/vote.md": article("Vote")},
        "site.yaml:7: {level}: broken link to '/about/': no page at /about/",
    ),
}
SITE_YAMLS = {
    "template_link": SITE_YAML + "theme: local\n",
    "menu_link": SITE_YAML + "menu:\n  - title: About\n    url: /about/\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_problem_fails_strict_builds_and_warns_otherwise(make_site, name):
    files, expected = CASES[name]
    site = make_site(files, SITE_YAMLS.get(name, WITH_OPTIONAL_CHECKS))

    strict = run_cli("build", "--strict", cwd=site)
    assert strict.returncode == 1, strict.stderr
    assert expected.format(level="error") in strict.stderr.splitlines()
    assert not (site / "output").exists()  # a failed build writes nothing

    relaxed = run_cli("build", cwd=site)
    assert relaxed.returncode == 0, relaxed.stderr
    assert expected.format(level="warning") in relaxed.stderr.splitlines()
    assert (site / "output" / "index.html").is_file()


def _card_sized_png() -> bytes:
    """Return a PNG just large enough to make a social card."""
    out = io.BytesIO()
    Image.new("RGB", (1200, 630), (40, 90, 120)).save(out, "PNG")
    return out.getvalue()


def test_a_sound_site_has_no_findings(make_site):
    site = make_site(
        {
            "content/articles/vote.md": article(
                "Vote",
                body="The vote, in short.\n\n"
                "See [the poll](/2024/02/poll/), [its method](/2024/02/poll/#method), "
                "[below](#outcome), [about](../../../about/), [us](https://example.org/about/), "
                "[the poll again](poll.md) and [about us]({filename}/pages/about.md)."
                "\n\n![Ballot box](/images/box.png)\n\n## Outcome\n",
                tags="[Elections]",
                image="/images/box.png",
                image_alt="A ballot box",
                updated="2024-02-10 09:00",
            ),
            "content/articles/poll.md": article(
                "Poll", body="A poll.\n\n## Method\n", tags="[Elections]"
            ),
            "content/pages/about.md": "---\ntitle: About\n---\nWho we are.\n",
            "content/images/box.png": _card_sized_png(),
        },
        WITH_OPTIONAL_CHECKS.replace("summary_length: 20", "summary_length: 300"),
    )
    result = run_cli("build", "--strict", cwd=site)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_links_are_site_paths_checked_under_the_base_path(make_site):
    # Writers link to site paths; under a sub-path the page carries the base path, and a
    # broken link is still reported at the line the writer wrote it.
    body = "[Good](/2024/02/poll/) and\n[gone](/2024/02/gone/)."
    site = make_site(
        {
            "content/articles/vote.md": article("Vote", body=body),
            "content/articles/poll.md": article("Poll"),
        },
        SITE_YAML.replace("https://example.org/", "https://example.org/news/"),
    )
    result = run_cli("build", cwd=site)
    assert result.stderr.splitlines() == [
        "content/articles/vote.md:6: warning: "
        "broken link to '/news/2024/02/gone/': no page at /news/2024/02/gone/",
        "1 warning: 1 broken link",
    ]


def test_levels_come_from_site_yaml(make_site):
    files = {"content/articles/vote.md": article("Vote", body="[Gone](/gone/)")}
    as_error = make_site(files, SITE_YAML + "checks:\n  broken_links: error\n")
    result = run_cli("build", cwd=as_error)
    assert result.returncode == 1
    assert "content/articles/vote.md:5: error: broken link to '/gone/': no page at /gone/" in (
        result.stderr.splitlines()
    )

    make_site(files, SITE_YAML + "checks:\n  broken_links: off\n")
    result = run_cli("build", "--strict", cwd=as_error)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_unknown_check_names_and_levels_are_settings_errors(make_site):
    site = make_site({}, SITE_YAML + "checks:\n  broken_link: error\n")
    result = run_cli("build", cwd=site)
    assert result.returncode == 1
    assert (
        "site.yaml:5: checks: unknown check 'broken_link' (did you mean 'broken_links'?)"
        in result.stderr.splitlines()
    )
    make_site({}, SITE_YAML + "checks:\n  missing_alt: loud\n")
    result = run_cli("build", cwd=site)
    assert "site.yaml:5: checks: missing_alt: expected error, warning or off, got 'loud'" in (
        result.stderr.splitlines()
    )


def test_warnings_are_summarised_at_the_end(make_site):
    body = "[One](/one/) [two](/two/)\n\n![Chart](/chart.png)"
    site = make_site({"content/articles/vote.md": article("Vote", body=body)})
    result = run_cli("build", cwd=site)
    assert result.returncode == 0
    assert result.stderr.splitlines()[-1] == "3 warnings: 2 broken links, 1 missing image"


def test_a_broken_link_in_every_page_is_reported_once(make_site):
    site = make_site(
        {f"content/articles/a{i}.md": article(f"Story {i}") for i in range(5)},
        SITE_YAML + "menu:\n  - title: Gone\n    url: /gone/\n",
    )
    result = run_cli("build", cwd=site)
    assert result.stderr.splitlines() == [
        "site.yaml:7: warning: broken link to '/gone/': no page at /gone/",
        "1 warning: 1 broken link",
    ]


def test_check_reads_an_existing_output_folder(make_site):
    site = make_site({"content/articles/vote.md": article("Vote")})
    assert run_cli("build", cwd=site).returncode == 0
    before = tree(site / "output")
    page = site / "output" / "2024" / "02" / "vote" / "index.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</main>", '<a href="/post-processed/">x</a>\n</main>'))
    lines = page.read_text(encoding="utf-8").split("\n")
    line = next(n for n, text in enumerate(lines) if "/post-processed/" in text)

    result = run_cli("check", cwd=site)
    expected = (
        f"output/2024/02/vote/index.html:{line + 1}: {{level}}: "
        "broken link to '/post-processed/': no page at /post-processed/"
    )
    assert result.returncode == 0
    assert expected.format(level="warning") in result.stderr.splitlines()
    strict = run_cli("check", "--strict", cwd=site)
    assert strict.returncode == 1
    assert expected.format(level="error") in strict.stderr.splitlines()
    del before["2024/02/vote/index.html"]
    after = tree(site / "output")
    del after["2024/02/vote/index.html"]
    assert after == before  # check never writes to output/


def test_check_without_output_is_an_error(make_site):
    site = make_site({})
    result = run_cli("check", cwd=site)
    assert result.returncode == 1
    assert "build the site first" in result.stderr


def test_usage_errors_exit_with_2(make_site):
    site = make_site({})
    assert run_cli("build", "--no-such-option", cwd=site).returncode == 2
    assert run_cli("list", "everything", cwd=site).returncode == 2
    bad_clock = run_cli("build", "--clock", "next tuesday", cwd=site)
    assert bad_clock.returncode == 2
    assert "--clock: expected a date" in bad_clock.stderr
