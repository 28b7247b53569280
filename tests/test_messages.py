"""Messages a newsroom migrating from another generator can act on, on real-looking input."""

from __future__ import annotations

from conftest import article, run_cli

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
