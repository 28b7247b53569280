"""The preview in a real headless Chromium: live reload, stylesheet swaps and the error overlay.

Skipped without chromium or Playwright, unless GAZETTE_REQUIRE_TOOLS=1 (as in CI), where a
missing tool fails instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import article, write_files
from test_dev_loop import ARTICLE_TEMPLATE, SITE_YAML, small_site

from generator.dev.preview import Preview

WAIT_MS = 20_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing(reason: str) -> None:
    if os.environ.get("GAZETTE_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{reason} (required because GAZETTE_REQUIRE_TOOLS=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        _missing("chromium is not installed")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def site(make_site) -> Path:
    files = {**small_site(), "themes/local/static/css/site.css": "body { margin: 0; }\n"}
    return make_site(files, SITE_YAML)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    opened = context.new_page()
    opened.set_default_timeout(WAIT_MS)
    yield opened
    context.close()


def test_edits_on_disk_show_in_the_open_page(browser: Any, page: Any, site: Path) -> None:
    from playwright.sync_api import expect

    with Preview(site / "site.yaml", port=0) as preview:
        assert preview.start().ok
        page.goto(preview.url + "2024/02/beta/")
        expect(page.locator("h1")).to_have_text("Beta")

        story = site / "content/articles/beta.md"
        story.write_text(article("Beta", "2024-02-02 10:00", body="Fresh words from disk."))
        expect(page.locator("main")).to_contain_text("Fresh words from disk.", timeout=WAIT_MS)

        # A stylesheet change swaps the stylesheet in place: the page is not reloaded.
        page.evaluate("window.gazetteMarker = 'still here'")
        write_files(site, {"themes/local/static/css/site.css": "h1 { color: rgb(1, 2, 3); }\n"})
        expect(page.locator("h1")).to_have_css("color", "rgb(1, 2, 3)", timeout=WAIT_MS)
        assert page.evaluate("window.gazetteMarker") == "still here"

        template = site / "themes/local/templates/article.html"
        template.write_text(
            ARTICLE_TEMPLATE.replace("article.title }}</h1>", "article.titel }}</h1>")
        )
        overlay = page.locator("#gazette-overlay")
        expect(overlay).to_be_visible(timeout=WAIT_MS)
        expect(overlay).to_contain_text("themes/local/templates/article.html:4:")
        expect(overlay).to_contain_text("titel")
        expect(overlay).to_contain_text("<h1>{{ article.titel }}</h1>")
        expect(page.locator("main")).to_contain_text("Fresh words from disk.")  # last good page

        template.write_text(ARTICLE_TEMPLATE.replace("<h1>", '<h1 class="headline">'))
        expect(page.locator("h1.headline")).to_have_text("Beta", timeout=WAIT_MS)
        expect(overlay).to_have_count(0)


def test_a_broken_front_matter_shows_over_the_last_good_page(
    browser: Any, page: Any, site: Path
) -> None:
    from playwright.sync_api import expect

    with Preview(site / "site.yaml", port=0) as preview:
        assert preview.start().ok
        page.goto(preview.url)
        story = site / "content/articles/gamma.md"
        story.write_text('---\ntitle: "Gamma" again\ndate: 2024-02-03\n---\nText.\n')
        overlay = page.locator("#gazette-overlay")
        expect(overlay).to_contain_text(
            "content/articles/gamma.md:2: invalid YAML", timeout=WAIT_MS
        )
        expect(overlay).to_contain_text('title: "Gamma" again')

        page.reload()  # a tab opened while the build is broken shows the error too
        expect(overlay).to_contain_text("content/articles/gamma.md:2:", timeout=WAIT_MS)

        story.write_text(article("Gamma Fixed", "2024-02-03 10:00"))
        expect(page.locator("main")).to_contain_text("Gamma Fixed", timeout=WAIT_MS)
        expect(overlay).to_have_count(0)


def test_tabs_reconnect_after_the_server_restarts(browser: Any, page: Any, site: Path) -> None:
    from playwright.sync_api import expect

    with Preview(site / "site.yaml", port=0) as first:
        assert first.start(watch=False).ok
        port = first.server.port
        page.goto(first.url + "2024/02/beta/")
        expect(page.locator("h1")).to_have_text("Beta")
        page.evaluate("window.gazetteMarker = 'old page'")
    story = site / "content/articles/beta.md"
    story.write_text(article("Beta Returns", "2024-02-02 10:00", slug="beta"))
    with Preview(site / "site.yaml", port=port) as second:
        assert second.server.port == port
        assert second.start(watch=False).ok
        page.wait_for_function("() => window.gazetteMarker === undefined", timeout=WAIT_MS)
        expect(page.locator("h1")).to_have_text("Beta Returns", timeout=WAIT_MS)
