"""News metadata in page heads: canonical link, Open Graph, Twitter card and NewsArticle JSON-LD."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SITE_YAML, article, run_cli
from sitecheck import build_sample, parse_page

from generator.config import load_config
from generator.render.themes import find_theme, make_environment

BASE = "https://example.org/newsroom/"
STORY = "2024/02/aliyev-re-elected/"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return build_sample(tmp_path_factory.mktemp("sample"), "--base-url", BASE)


def _page(out: Path, rel: str):
    return parse_page((out / rel / "index.html").read_text(encoding="utf-8"))


def test_article_head_has_canonical_and_social_tags(sample):
    page = _page(sample, STORY)
    canonical = [link["href"] for link in page.links if link.get("rel") == "canonical"]
    assert canonical == [BASE + STORY]
    assert page.meta_values("og:url") == [BASE + STORY]
    assert page.meta_values("og:type") == ["article"]
    assert page.meta_values("og:title") == ["Aliyev re-elected in snap presidential vote"]
    summary = page.meta_values("description")
    assert summary[0].startswith("Preliminary results give the incumbent a fifth term")
    assert page.meta_values("og:description") == summary == page.meta_values("twitter:description")
    assert page.meta_values("og:image") == [BASE + "images/ballot-box-card.jpg"]
    assert page.meta_values("twitter:image") == [BASE + "images/ballot-box-card.jpg"]
    assert page.meta_values("twitter:card") == ["summary_large_image"]
    assert page.meta_values("article:published_time") == ["2024-02-08T09:30:00+04:00"]
    assert page.meta_values("article:modified_time") == ["2024-02-09T14:05:00+04:00"]
    assert page.meta_values("article:author") == [BASE + "authors/leyla-hesenova/"]
    assert page.meta_values("author") == ["Leyla Həsənova"]
    assert page.meta_values("article:tag") == ["Azərbaycan", "İlham Əliyev", "Elections"]


def test_article_json_ld_is_a_news_article(sample):
    (data,) = _page(sample, STORY).json_ld()
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Aliyev re-elected in snap presidential vote"
    assert data["url"] == data["mainEntityOfPage"]["@id"] == BASE + STORY
    assert data["image"] == [BASE + "images/ballot-box.jpg", BASE + "images/ballot-box-card.jpg"]
    assert data["datePublished"] == "2024-02-08T09:30:00+04:00"
    assert data["dateModified"] == "2024-02-09T14:05:00+04:00"
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Leyla Həsənova",
            "url": BASE + "authors/leyla-hesenova/",
            "sameAs": ["https://example.social/@leyla"],
        }
    ]
    assert data["publisher"] == {
        "@type": "Organization",
        "name": "The Caspian Courier",
        "url": BASE,
        "logo": {"@type": "ImageObject", "url": BASE + "images/logo.svg"},
    }
    assert data["keywords"] == ["Azərbaycan", "İlham Əliyev", "Elections"]
    assert data["articleSection"] == "Politics"
    assert (sample / "images/logo.svg").is_file()


def test_a_story_never_updated_was_modified_when_published(sample):
    page = _page(sample, "2024/04/sturgeon-numbers-still-falling-joint-caspian-survey-finds/")
    (data,) = page.json_ld()
    assert data["dateModified"] == data["datePublished"] == "2024-04-10T12:00:00+04:00"
    assert page.meta_values("article:modified_time") == ["2024-04-10T12:00:00+04:00"]
    assert page.meta_values("twitter:card") == ["summary"]  # no lead image
    assert "image" not in data


def test_other_pages_are_websites_without_article_metadata(sample):
    for rel in ("", "tags/iran/", "about/"):
        page = _page(sample, rel)
        assert page.meta_values("og:type") == ["website"], rel
        assert page.jsonld == [], rel
        canonical = [link["href"] for link in page.links if link.get("rel") == "canonical"]
        assert canonical == [BASE + rel]
    assert _page(sample, "authors/leyla-hesenova/").meta_values("og:type") == ["profile"]


def test_story_without_author_credits_the_publisher(make_site):
    site = make_site({"content/articles/a.md": article("Unsigned")}, SITE_YAML)
    assert run_cli("build", "-q", cwd=site).returncode == 0
    (data,) = parse_page(
        (site / "output/2024/02/unsigned/index.html").read_text(encoding="utf-8")
    ).json_ld()
    assert data["author"] == [
        {"@type": "Organization", "name": "Test Gazette", "url": "https://example.org/"}
    ]


def test_absolute_url_filter(make_site):
    site = make_site({}, SITE_YAML.replace("https://example.org/", "https://example.org/sub/"))
    config = load_config(site / "site.yaml")
    env = make_environment(config, find_theme(config))
    render = env.from_string("{{ value | absolute_url }}").render
    assert render(value="/images/x.png") == "https://example.org/sub/images/x.png"
    assert render(value="/") == "https://example.org/sub/"
    assert render(value="https://cdn.example/x.png") == "https://cdn.example/x.png"
    assert (
        render(value="http://cdn.example/x.png?a=1&b=2") == "http://cdn.example/x.png?a=1&amp;b=2"
    )
    assert render(value="//cdn.example/x.png") == "https://cdn.example/x.png"
