"""Search in a real headless Chromium, on the sample site built and served over HTTP: the
masthead box, the search page's results and section filter, the page without JavaScript,
and axe's accessibility rules in light and dark; at the domain root and under a sub-path.

Skipped without chromium or Playwright, unless GAZETTE_REQUIRE_TOOLS=1 (as in CI).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser import WAIT_MS, _missing, browser  # noqa: F401  (the fixture)

from generator.config import load_config
from generator.pipeline.build import BuildOptions, build

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", params=["", "newsroom/"], ids=["root", "sub-path"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Return the address of the sample site, built with search and served over HTTP."""
    prefix = request.param
    folder = tmp_path_factory.mktemp("served")
    site = folder / "site"
    shutil.copytree(ROOT / "content", site / "content")
    shutil.copytree(ROOT / "themes", site / "themes")
    shutil.copy(ROOT / "site.yaml", site / "site.yaml")
    config = load_config(site / "site.yaml", output_dir=folder / "www" / prefix)
    assert config.search, "the sample site has search on"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder / "www"))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base_url = f"http://127.0.0.1:{server.server_port}/{prefix}"
    config = load_config(site / "site.yaml", output_dir=folder / "www" / prefix, base_url=base_url)
    build(config, BuildOptions(jobs=1, use_cache=False))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base_url
    server.shutdown()
    server.server_close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:  # noqa: F811
    opened = browser.new_context()
    yield opened
    opened.close()


def test_a_reader_searches_filters_and_follows_a_result(context: Any, served: str) -> None:
    from playwright.sync_api import expect

    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    index = f"{served}pagefind/"
    fetched: dict[str, int] = {}  # what the page asked of the index, with its status
    page.on("requestfailed", lambda r: fetched.setdefault(r.url, 0))
    page.on("response", lambda r: r.url.startswith(index) and fetched.setdefault(r.url, r.status))
    page.goto(served)
    box = page.get_by_role("searchbox", name="Search the site")
    box.fill("sturgeon")
    box.press("Enter")
    page.wait_for_url(f"{served}search/?q=sturgeon")
    results = page.locator(".search-result")
    expect(results.first.locator("h2")).to_have_text(
        "Sturgeon numbers still falling, joint Caspian survey finds"
    )
    expect(results.first.locator(".meta")).to_contain_text("World")
    expect(results.first.locator(".search-excerpt mark").first).to_have_text(
        "sturgeon", ignore_case=True
    )
    expect(page.get_by_role("status")).to_contain_text("found for “sturgeon”")

    # Typing on the search page searches again; the section narrows the results.
    field = page.get_by_label("Words to look for")
    field.fill("Caspian")
    expect(page.get_by_role("status")).to_contain_text("found for “Caspian”")
    everywhere = results.count()
    assert everywhere > 1
    page.get_by_label("Section").select_option("Business")
    expect(results.first.locator(".meta")).to_contain_text("Business")
    expect(results).not_to_have_count(everywhere)
    metas = results.locator(".meta").all_inner_texts()
    assert metas and all(m.startswith("Business") for m in metas), metas
    assert "section=Business" in page.url
    # Only what pagefind.js loads is published (no ready-made interface): every piece it
    # asked for was there, its worker and a filter among them.
    assert fetched and all(status == 200 for status in fetched.values()), fetched
    kinds = {_kind(url[len(index) :]) for url in fetched}
    assert kinds == {"script", "worker", "entry", "meta", "wasm", "index", "fragment", "filter"}

    results.first.locator("a").click()
    page.wait_for_url(f"{served}20*/**")
    expect(page.locator("h1")).to_contain_text("Caspian")


def _kind(path: str) -> str:
    """Return which of Pagefind's files `path` (under pagefind/) is."""
    name = path.split("?")[0]
    if "/" in name:
        return name.split("/")[0]  # index/, fragment/, filter/
    kinds = {"pagefind.js": "script", "pagefind-worker.js": "worker"}
    kinds["pagefind-entry.json"] = "entry"
    if name in kinds:
        return kinds[name]
    return "meta" if name.endswith(".pf_meta") else "wasm" if name.startswith("wasm.") else name


def test_the_search_page_passes_axe_in_light_and_dark(context: Any, served: str) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(f"{served}search/?q=baku")
        expect(page.locator(".search-result").first).to_be_visible()
        report = Axe().run(page)
        assert report.violations_count == 0, report.generate_report()


def test_without_javascript_the_box_leads_to_a_page_that_says_so(
    browser: Any,  # noqa: F811
    served: str,
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(served)
        box = page.get_by_role("searchbox", name="Search the site")
        box.fill("sturgeon")
        box.press("Enter")
        page.wait_for_url(f"{served}search/?q=sturgeon")
        expect(page.get_by_text("Search needs JavaScript")).to_be_visible()
        expect(page.get_by_role("search")).to_have_count(1)  # the masthead's; the page's is hidden
        page.get_by_role("link", name="Browse the archive").click()
        page.wait_for_url(f"{served}archive/")
    finally:
        context.close()
