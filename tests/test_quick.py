"""A quick page is exactly the page the rebuild after the edit writes, or none at all."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import article, write_files
from PIL import Image

from generator.config import load_config
from generator.dev.quick import quick_page
from generator.incremental.cache import BuildCache
from generator.pipeline.build import BuildOptions, build

STORY = "content/articles/story.md"
STORY_PAGE = "2024/02/story/index.html"


def story(
    body: str = "First “version”, with a [link]({filename}/pages/about.md).",
    title: str = "Story",
    **fields: str,
) -> str:
    fields.setdefault("tags", "[Azərbaycan, Elections]")
    return article(title, body=body, **fields)


@pytest.fixture
def site(make_site, monkeypatch) -> Path:
    site = make_site(
        {
            STORY: story(),
            "content/articles/older.md": article("Older", date="2024-01-05", tags="[Elections]"),
            "content/articles/newer.md": article("Newer", date="2024-03-05"),
            "content/pages/about.md": "---\ntitle: About\n---\nWho we are.\n",
        },
        "title: T\nbase_url: https://example.org/sub/\ntimezone: UTC\n",
    )
    monkeypatch.chdir(site)
    return site


def first_build(site: Path):
    """Build as the dev server does; return its settings and in-memory cache."""
    config = load_config(site / "site.yaml", output_dir=site / "preview")
    cache = BuildCache()
    build(config, BuildOptions(use_cache=False), cache)
    return config, cache


def rebuilt(site: Path, config, cache, path: str) -> bytes:
    build(config, BuildOptions(use_cache=False), cache)
    return (site / "preview" / path).read_bytes()


@pytest.mark.parametrize(
    "text",
    [
        story(body="A “new” text with 'quotes', a [link]({filename}/pages/about.md) and [top](/)."),
        story(body="New text.", image="/lead.jpg", image_alt="A map", image_caption="Baku"),
        story(
            body="## Part\n\nNew text.",
            title="Story, retitled",
            slug="story",
            updated="2024-02-10 09:00",
        ),
    ],
)
def test_an_edited_article_s_quick_page_is_what_the_rebuild_writes(site, text):
    config, cache = first_build(site)
    (site / STORY).write_text(text, encoding="utf-8")
    page = quick_page(site / STORY, cache.built, config)
    assert page is not None and page.path == STORY_PAGE
    assert page.data == rebuilt(site, config, cache, STORY_PAGE)


def test_an_edited_static_page_s_quick_page_is_what_the_rebuild_writes(site):
    config, cache = first_build(site)
    about = site / "content/pages/about.md"
    about.write_text("---\ntitle: About us\n---\nWho we are, now.\n", encoding="utf-8")
    page = quick_page(about, cache.built, config)
    assert page is not None and page.path == "about/index.html"
    assert page.data == rebuilt(site, config, cache, "about/index.html")


@pytest.mark.parametrize(
    "files",
    [
        {STORY: story(date="2024-03-09 14:05")},  # moves among its neighbours
        {STORY: story(tags="[Elections]")},  # changes the tag pages
        {STORY: story(draft="true")},
        {STORY: story(slug="renamed")},
        {STORY: "---\ntitle: [unclosed\n---\nBroken.\n"},  # does not parse
        {STORY: story(body="See [gone]({filename}/nowhere.md).")},  # a warning to show
        {STORY: story()},  # nothing changed
        {"content/articles/new.md": story()},  # not in the last build
    ],
)
def test_no_quick_page_when_the_rebuild_must_decide(site, files):
    config, cache = first_build(site)
    write_files(site, files)
    (changed,) = files
    assert quick_page(site / changed, cache.built, config) is None


def test_no_quick_page_for_a_file_outside_the_content_folder(site):
    config, cache = first_build(site)
    assert quick_page(site / "site.yaml", cache.built, config) is None
    (site / STORY).unlink()
    assert quick_page(site / STORY, cache.built, config) is None


def _photo(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.linear_gradient("L").resize(size).convert("RGB").save(out, "JPEG")
    return out.getvalue()


def test_a_quick_page_keeps_the_pictures_the_rebuild_gives(site):
    # The body's image is under a sub-path, the lead makes a card: both as the last build.
    write_files(site, {"content/images/a.jpg": _photo((700, 400))})
    write_files(site, {"content/images/lead.jpg": _photo((1300, 700))})
    pictured = story(body="![A](/images/a.jpg)", image="/images/lead.jpg", image_alt="L")
    (site / STORY).write_text(pictured, encoding="utf-8")
    config, cache = first_build(site)
    (site / STORY).write_text(pictured.replace("![A]", "New.\n\n![A]"), encoding="utf-8")
    page = quick_page(site / STORY, cache.built, config)
    assert page is not None and b"a-480w.webp 480w" in page.data and b"lead-card.jpg" in page.data
    assert page.data == rebuilt(site, config, cache, STORY_PAGE)
    # An image no page showed has no variants yet: the rebuild makes them, not a quick page.
    write_files(site, {"content/images/b.jpg": _photo((700, 400))})
    config, cache = first_build(site)
    (site / STORY).write_text(pictured + "\n![B](/images/b.jpg)\n", encoding="utf-8")
    assert quick_page(site / STORY, cache.built, config) is None
    # Nor does a new lead image, or a new focus for its card.
    focused = pictured.replace("image_alt: L", "image_alt: L\nimage_focus: 0,0")
    for changed in (pictured.replace("lead.jpg", "a.jpg"), focused):
        (site / STORY).write_text(pictured, encoding="utf-8")
        config, cache = first_build(site)
        (site / STORY).write_text(changed, encoding="utf-8")
        assert quick_page(site / STORY, cache.built, config) is None
