"""Messages a newsroom migrating from another generator can act on, on real-looking input."""

from __future__ import annotations

from conftest import TINY_PNG, article, run_cli

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
