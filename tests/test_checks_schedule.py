"""`list drafts|future|expired` and `--clock`: what a scheduled CI rebuild publishes, and when."""

from __future__ import annotations

import pytest
from conftest import article, run_cli


@pytest.fixture
def site(make_site):
    return make_site(
        {
            "content/articles/live.md": article("Live", date="2024-05-01 08:00"),
            "content/articles/draft.md": article("Draft", date="2024-05-02 08:00", draft="true"),
            "content/articles/embargo.md": article("Embargo", date="2024-06-01 09:00"),
            "content/articles/later.md": article("Later", date="2024-07-15 18:30"),
            "content/articles/gone.md": article(
                "Gone", date="2024-03-01 10:00", expires="2024-05-31 23:59"
            ),
        }
    )


def listed(site, kind: str, clock: str) -> list[str]:
    result = run_cli("list", kind, "--clock", clock, cwd=site)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_list_future_drafts_and_expired(site):
    clock = "2024-06-01T08:59"
    assert listed(site, "future", clock) == [
        "file\tgoes live\ttitle",
        "content/articles/embargo.md\t2024-06-01T09:00+04:00\tEmbargo",
        "content/articles/later.md\t2024-07-15T18:30+04:00\tLater",
    ]
    assert listed(site, "drafts", clock) == [
        "file\tdate\ttitle",
        "content/articles/draft.md\t2024-05-02T08:00+04:00\tDraft",
    ]
    assert listed(site, "expired", clock) == [
        "file\texpired\ttitle",
        "content/articles/gone.md\t2024-05-31T23:59+04:00\tGone",
    ]


def test_list_says_so_when_nothing_is_held_back(site):
    assert listed(site, "expired", "2024-05-01T00:00") == ["No expired articles."]
    assert listed(site, "future", "2025-01-01T00:00") == ["No scheduled articles."]
    (site / "content/articles/draft.md").unlink()
    assert listed(site, "drafts", "2024-06-01T00:00") == ["No drafts."]


def test_clock_decides_what_a_build_publishes(site):
    before = run_cli("build", "--clock", "2024-06-01T08:59", cwd=site)
    assert before.returncode == 0, before.stderr
    out = site / "output" / "2024"
    assert not (out / "06" / "embargo").exists()
    assert (out / "05" / "live" / "index.html").is_file()
    assert not (out / "05" / "draft").exists()
    assert not (out / "03" / "gone").exists()  # expired the evening before

    after = run_cli("build", "--clock", "2024-06-01 09:00", cwd=site)
    assert after.returncode == 0, after.stderr
    assert (out / "06" / "embargo" / "index.html").is_file()
    assert not (out / "07" / "later").exists()

    earlier = run_cli("build", "--clock", "2024-04-01T12:00", cwd=site)
    assert earlier.returncode == 0, earlier.stderr
    assert (out / "03" / "gone" / "index.html").is_file()  # not yet expired
    assert not (out / "05").exists()


def test_expires_must_be_a_date(make_site):
    site = make_site({"content/articles/a.md": article("A", expires="soon")})
    result = run_cli("build", cwd=site)
    assert result.returncode == 1
    assert "content/articles/a.md:4: 'expires' is not a date: 'soon'" in result.stderr
