"""Messages a newsroom migrating from another generator can act on, on real-looking input."""

from __future__ import annotations

from conftest import SITE_YAML, TINY_PNG, article, run_cli

NOTE = (
    "content: note: 4 files in other formats (1 .adoc, 1 .mkd, 2 .rst) are copied as they "
    "are, not read as articles; Gazette reads Markdown (.md, .markdown)"
)


def test_documents_in_other_formats_are_counted_in_one_note(make_site) -> None:
    site = make_site(
        {
            "content/articles/vote.md": article("Vote"),
            "content/articles/2019-old-post.rst": "Old post\n========\n\nText.\n",
            "content/pages/ABOUT.RST": "About\n=====\n",
            "content/articles/guide.adoc": "= Guide\n",
            "content/articles/jekyll-era.mkd": "---\ntitle: Jekyll era\n---\nText.\n",
            "content/images/notes.txt": "not a document\n",
        }
    )
    done = run_cli("build", "--strict", cwd=site)  # a note is no warning: --strict passes
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [NOTE]
    assert (site / "output/articles/2019-old-post.rst").is_file()  # copied as it is
    again = run_cli("build", cwd=site)  # a build that changes nothing says it again
    assert again.stderr.splitlines() == [NOTE]
    assert run_cli("build", "-q", cwd=site).stderr == ""


def test_no_note_without_documents_in_other_formats(make_site) -> None:
    site = make_site({"content/articles/vote.md": article("Vote"), "content/a.txt": "x\n"})
    done = run_cli("build", cwd=site)
    assert (done.returncode, done.stderr) == (0, "")


def test_one_file_in_another_format_is_named_in_the_singular(make_site) -> None:
    site = make_site({"content/articles/vote.md": article("Vote"), "content/post.org": "* A\n"})
    done = run_cli("build", cwd=site)
    assert done.stderr == (
        "content: note: 1 file in other formats (1 .org) is copied as it is, not read as "
        "articles; Gazette reads Markdown (.md, .markdown)\n"
    )


def test_a_draft_sharing_a_live_storys_address_is_reported_only_when_published(
    make_site,
) -> None:
    site = make_site(
        {
            "content/articles/vote.md": article("Vote"),
            "content/articles/vote-draft.md": article("Vote", draft="true"),
        }
    )
    assert run_cli("build", cwd=site).returncode == 0
    assert run_cli("build", "-k", cwd=site).returncode == 0  # the live story stays
    assert (site / "output/2024/02/vote/index.html").is_file()
    done = run_cli("build", "--drafts", cwd=site)
    assert done.returncode == 1
    assert done.stderr.splitlines()[:2] == [
        "content/articles/vote-draft.md:2: its address /2024/02/vote/ is also claimed by "
        "content/articles/vote.md:2",
        "  hint: the address is made from the title: give one of them a `slug` of its own",
    ]


def test_addresses_differing_in_case_and_clashing_images_fail_in_one_run(make_site) -> None:
    site = make_site(
        {
            "content/articles/a.md": article("A", url="/Elections/2024/"),
            "content/articles/b.md": article("B", permalink="/elections/2024/"),
            "content/img/Map.png": TINY_PNG,
            "content/img/map.png": TINY_PNG,
        }
    )
    done = run_cli("build", cwd=site)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "content/articles/a.md:4: its address /Elections/2024/ is also claimed by "
        "content/articles/b.md:4",
        "  hint: give one of them another `url`",
        "content/img/Map.png: writes /img/Map.png, as does content/img/map.png",
        "Build failed: 2 errors; output/ was not changed.",
    ]
    assert not (site / "output").exists()


SUMMARY_STORY = """\
---
title: Turnout
date: 2024-02-09 10:00
tags: [vote, baku]
---
Turnout was low, says the [commission](../commission/); see [the table](#table)
and [last year's story](../../../2023/02/turnout/).

<!--more-->

<h2 id="table">Table</h2>
"""


def test_a_broken_link_in_a_summary_is_reported_once_at_its_line(make_site) -> None:
    site = make_site(
        {
            "content/articles/turnout.md": SUMMARY_STORY,
            **{f"content/articles/p{i}.md": article(f"P{i}", f"2024-01-0{i}") for i in (1, 2)},
        }
    )
    done = run_cli("build", cwd=site)
    assert done.returncode == 0, done.stderr
    # Shown on the home page, two tag pages and the story itself: one report, as written.
    assert done.stderr.splitlines() == [
        "content/articles/turnout.md:6: warning: broken link to '../commission/': "
        "no page at /2024/02/commission/",
        "content/articles/turnout.md:7: warning: broken link to '../../../2023/02/turnout/': "
        "no page at /2023/02/turnout/",
        "2 warnings: 2 broken links",
    ]
    # On a listing the summary's links lead where they lead on the story's own page.
    for listing in ("index.html", "tags/vote/index.html", "tags/baku/index.html"):
        page = (site / "output" / listing).read_text(encoding="utf-8")
        assert 'href="/2024/02/commission/"' in page, listing
        assert 'href="/2024/02/turnout/#table"' in page, listing
        assert 'href="/2023/02/turnout/"' in page, listing
    story = (site / "output/2024/02/turnout/index.html").read_text(encoding="utf-8")
    assert 'href="../commission/"' in story and 'href="#table"' in story


def test_summary_links_under_a_sub_path_and_in_the_summary_field(make_site) -> None:
    story = article(
        "Turnout",
        "2024-02-09 10:00",
        summary='"Low, says the [commission](../commission/)."',
        tags="[vote]",
    )
    site = make_site(
        {"content/articles/turnout.md": story},
        SITE_YAML.replace("https://example.org/", "https://example.org/news/"),
    )
    done = run_cli("build", cwd=site)
    assert done.stderr.splitlines() == [
        "content/articles/turnout.md:4: warning: broken link to '/news/2024/02/commission/': "
        "no page at /news/2024/02/commission/",
        "1 warning: 1 broken link",
    ]
    page = (site / "output/tags/vote/index.html").read_text(encoding="utf-8")
    assert 'href="/news/2024/02/commission/"' in page


RAW_IMAGES = """\
---
title: Flood
date: 2024-02-09 10:00
---
The river rose overnight, flooding the old town
and the market.
<img src="/images/flood.png" alt="The market under water">
Residents were moved to schools.

The same street at noon:
<img src="/images/flood.png">
and a map <img src="{{ site.baseurl }}/images/map.png" alt="Map">
of the area, from the <img src="/images/a&amp;b.png" alt="A and B"> survey.
"""


def test_raw_images_are_reported_at_their_own_lines(make_site) -> None:
    site = make_site(
        {"content/articles/flood.md": RAW_IMAGES, "content/images/flood.png": TINY_PNG}
    )
    done = run_cli("build", cwd=site)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "content/articles/flood.md:11: warning: image '/images/flood.png' has no alt text",
        "content/articles/flood.md:12: warning: missing image '/images/map.png': "
        "no file at /images/map.png",
        "content/articles/flood.md:13: warning: missing image '/images/a&b.png': "
        "no file at /images/a&b.png",
        "3 warnings: 2 missing images, 1 image without alt text",
    ]


def test_a_link_target_holding_a_newline_is_shown_escaped(make_site) -> None:
    body = (
        "See [the results](</elections/2024\n/results/>) and\n[the archive](<archive\u202e.md>).\n"
    )
    site = make_site({"content/articles/vote.md": article("Vote", body=body)})
    done = run_cli("build", cwd=site)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "content/articles/vote.md:5: warning: broken link to '/elections/2024\\n/results/': "
        "no page at /elections/2024\\n/results/",
        "content/articles/vote.md:7: warning: unknown link target 'archive\\u202e.md' "
        "(no articles/archive\\u202e.md in the content folder)",
        "2 warnings: 2 broken links",
    ]
