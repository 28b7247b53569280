"""Content written for Pelican, Jekyll and Hugo, built end to end: the migrated fixture site.

Its whole output is compared byte for byte in test_fixtures.py; here each post's URL, title,
date and body are asserted one by one, and the same site is built again with
`unicode_slugs: true`. (Liquid tags and shortcodes are in the liquid fixture, test_foreign.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from markupsafe import escape

from tests.test_fixtures import SITES, build_fixture

# content path -> (output file, title, date, fragments of the body)
POSTS = {
    "post/my-story.md": (
        "2015/12/20/my-story/index.html",  # Hugo's url, not the title's slug
        "My story",
        "2015-12-20T10:00:00+04:00",
        [
            # a figure written mid-paragraph parts the paragraph rather than sitting in it
            "<p>A figure written mid-paragraph</p>\n"
            '<figure><img src="/images/map.svg" alt="A map"></figure>\n'
            "<p>stays out of it.</p>",
            # C, C++ and C# are three tags
            '<li><a rel="tag" href="/tags/c/">C</a></li>'
            '<li><a rel="tag" href="/tags/c-plus-plus/">C++</a></li>'
            '<li><a rel="tag" href="/tags/c-sharp/">C#</a></li>',
        ],
    ),
    "post/no-slash.md": (
        "blog/no-slash/index.html",  # `url` without its leading slash
        "Without a leading slash",
        "2015-12-21T10:00:00+04:00",
        # shares the page of 'C++', which more articles use, and keeps its own label
        ['<li><a rel="tag" href="/tags/c-plus-plus/">C plus plus</a></li>'],
    ),
    "_posts/2016-01-02-other.md": (
        "blog/other.html",  # Jekyll's permalink
        "Jekyll's guide",
        "2016-01-02T09:30:00+04:00",
        [
            # link and post_url after the site's root, with and without a slash between
            '<a href="/2016/01/python%E5%85%A5%E9%97%A8%E6%8C%87%E5%8D%97/">'
            "the mixed-script post</a>",
            '<a href="/2024/02/no-space-after-the-colon/">the avatar</a>',
            '<a href="/about-the-paper/">the reference</a>',
            '<a rel="tag" href="/tags/ilham/">İlham</a>',
        ],
    ),
    "_posts/2016-01-03-mixed.md": (
        "2016/01/python入门指南/index.html",
        "Python入门指南",
        "2016-01-03T09:00:00+04:00",
        ["<p>Mixed scripts keep both.</p>"],
    ),
    "_posts/2016-01-04-mixed.md": (
        "2016/01/python-性能优化/index.html",
        "Python 性能优化",
        "2016-01-04T09:00:00+04:00",
        ["<p>Its slug no longer collides with the one before.</p>"],
    ),
    "_posts/2016-01-05-book.md": (
        "2016/01/c-sharp-编程-读书笔记/index.html",
        "《C#编程》读书笔记",
        "2016-01-05T09:00:00+04:00",
        ["<p>Not <code>c</code>.</p>"],
    ),
    "_posts/2016-01-06-chinese.md": (
        "2016/01/机器学习/index.html",
        "机器学习",
        "2016-01-06T09:00:00+04:00",
        ["<p>All Chinese.</p>"],
    ),
    "_posts/2016-01-07-azeri.md": (
        "2016/01/secki-neticeleri-ilham/index.html",
        "Seçki nəticələri İlham",
        "2016-01-07T09:00:00+04:00",
        ["<p>A script with a table is transliterated.</p>"],
    ),
    "_posts/2016-01-08-apostrophe.md": (
        "2016/01/jekylls-tips/index.html",  # not jekyll-s-tips
        "Jekyll's tips",
        "2016-01-08T09:00:00+04:00",
        ["<p>The apostrophe vanishes from the slug.</p>"],
    ),
    "pelican/avatar.md": (
        "2024/02/no-space-after-the-colon/index.html",  # `Avatar:ab12` spoils nothing
        "No space after the colon",
        "2024-02-09T14:05:00+04:00",
        [
            "<p>Pelican reads <code>Avatar:ab12</code>.</p>",
            "<p>Extra: [(&#39;avatar&#39;, &#39;ab12&#39;)]</p>",
        ],
    ),
    "pelican/scraping.md": (
        "2021/06/scraping-an-introduction/index.html",  # a --- block that is not YAML
        "Scraping: an introduction",
        "2021-06-01T09:15:00+04:00",
        ['<li><a rel="tag" href="/tags/c-plus-plus/">C++</a></li>'],
    ),
    "code/braces.md": (
        "2022/03/braces-in-code/index.html",
        "Braces in code",
        "2022-03-04T08:00:00+04:00",
        [
            '<span class="p">{{</span><span class="mi">1</span>',
            '<span class="p">{</span><span class="mi">3</span><span class="p">,</span>'
            '<span class="w"> </span><span class="mi">4</span><span class="p">}};</span>',
            '<span class="kt">int</span><span class="p">{{</span><span class="mi">1</span>',
            '<span class="se">{{</span><span class="s2">&lt;literal&gt;</span>',
            "<code>m := map[string][]int{{&lt;nil&gt;}}</code> and prose {{&lt;b&gt;}} stay",
        ],
    ),
}
FIXTURE = SITES / "migrated"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return build_fixture(FIXTURE, tmp_path_factory.mktemp("migrated"))[0]


def test_every_post_of_the_fixture_is_asserted() -> None:
    posts = {
        str(p.relative_to(FIXTURE / "content"))
        for p in (FIXTURE / "content").rglob("*.md")
        if p.parts[-2] != "pages"
    }
    assert posts == set(POSTS)


@pytest.mark.parametrize("path", sorted(POSTS))
def test_each_post_at_its_url_with_its_title_date_and_body(built, path: str) -> None:
    output, title, date, fragments = POSTS[path]
    page = built[output].decode()
    assert f"<h1>{escape(title)}</h1>" in page
    assert f'<time datetime="{date}">' in page
    for fragment in fragments:
        assert fragment in page


def test_the_page_hugo_placed_and_its_aliases(built) -> None:
    assert "<h1>About us</h1>" in built["about-the-paper/index.html"].decode()
    target = 'url=https://example.org/2015/12/20/my-story/"'
    # a relative alias resolves against the source's folder; a rooted one stays as written
    for alias in ("post/old-name/index.html", "archives/1234/index.html"):
        assert target in built[alias].decode()
    # the alias naming the page's own address is left out: the page is the page
    assert "<h1>My story</h1>" in built["2015/12/20/my-story/index.html"].decode()
    assert not any(p.startswith(("old-name", "2015/12/20/my-story/index.html/")) for p in built)


def test_tag_pages_one_per_spelling_and_the_most_used_name(built) -> None:
    tags = {p for p in built if p.startswith("tags/") and p.endswith(".html")}
    assert tags == {
        "tags/index.html",
        "tags/c/index.html",
        "tags/c-plus-plus/index.html",
        "tags/c-sharp/index.html",
        "tags/ilham/index.html",
    }
    assert "<h1>C++</h1>" in built["tags/c-plus-plus/index.html"].decode()
    assert "<h1>İlham</h1>" in built["tags/ilham/index.html"].decode()


def test_the_warning_names_both_spellings() -> None:
    warnings = (FIXTURE / "expected-stderr.txt").read_text(encoding="utf-8")
    assert warnings.startswith(
        "content/post/no-slash.md:5: warning: tag 'C plus plus' makes the same page "
        "/tags/c-plus-plus/ as 'C++', which names it\n"
    )


def test_unicode_slugs_keep_letters_and_lowercase_a_dotted_capital(tmp_path: Path) -> None:
    built, _ = build_fixture(FIXTURE, tmp_path, "unicode_slugs: true\n")
    assert "tags/ilham/index.html" in built  # not i̇lham, nor i-lham
    assert "2016/01/seçki-nəticələri-ilham/index.html" in built
    assert "2016/01/python入门指南/index.html" in built
    assert "2016/01/c-sharp-编程-读书笔记/index.html" in built
