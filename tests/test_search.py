"""Search: what the Pagefind index holds and what it never holds, read from the index files a
build writes; reproducible index files; no indexer run when nothing changed; a machine where
Pagefind cannot run fails the build and writes nothing."""

from __future__ import annotations

import gzip
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import article, run_cli, tree, write_files
from dev_support import get

from generator.config import load_config
from generator.dev.preview import Preview
from generator.errors import BuildFailed
from generator.pipeline.build import BuildOptions, build
from generator.search import cbor
from generator.search.indexer import PageCollector, index_files

SITE_YAML = """\
title: Search Gazette
base_url: https://example.org/
timezone: Asia/Baku
search: true
"""

# Each story carries a word no other file has, so the index can be asked for it.
SITE = {
    "content/articles/vote.md": article(
        "Polls close in Baku", "2024-02-01 10:00", body="Turnout was *kumquatvote* high.",
        section="Politics", tags="[Elections, Azərbaycan]", author="Leyla Həsənova",
    ),
    "content/articles/port.md": article(
        "Port of Alat grows", "2024-02-02 10:00", body="Cargo *tamarindport* rose.",
        section="Business", tags="[Trade]", authors="[Giorgi Beridze, Nino Kapanadze]",
    ),
    "content/articles/yerli.md": article(
        "Bakıda yeni park", "2024-02-03 10:00", body="Parkda *quincepark* ağaclar.",
        section="Culture", lang="az",
    ),
    "content/articles/draft.md": article(
        "Draft story", "2024-02-04 10:00", body="Secret *draftonlyword*.", draft="true"
    ),
    "content/articles/future.md": article(
        "Future story", "2031-02-04 10:00", body="Embargoed *scheduledonlyword*."
    ),
    "content/articles/quiet.md": article(
        "Quiet story", "2024-02-05 10:00", body="Unlisted *noindexonlyword*.", noindex="true"
    ),
    "content/articles/hidden.md": article(
        "Hidden story", "2024-02-06 10:00", body="Tucked *hiddenonlyword*.", status="hidden"
    ),
    "content/articles/moved.md": article(
        "Moved story", "2024-02-07 10:00", body="Moved *persimmonmoved*.",
        aliases="[/old/moved/]",
    ),
    "content/pages/about.md": "---\ntitle: About us\n---\nWe are *loquatabout*.\n",
    "content/pages/private.md": "---\ntitle: Staff\nnoindex: true\n---\nOnly *staffonlyword*.\n",
}  # fmt: skip
NEVER = ("draftonlyword", "scheduledonlyword", "noindexonlyword", "hiddenonlyword", "staffonlyword")


def _site(root: Path, site_yaml: str = SITE_YAML, files: dict | None = None) -> Path:
    write_files(root, {**(SITE if files is None else files), "site.yaml": site_yaml})
    return root / "site.yaml"


def _read(data: bytes):
    raw = gzip.decompress(data)
    assert raw.startswith(b"pagefind_dcd")
    return raw[len(b"pagefind_dcd") :]


def _fragments(out: Path) -> dict[str, dict]:
    """Return the index's pages by URL, as Pagefind stores each for the browser."""
    pages = {}
    for file in (out / "pagefind" / "fragment").iterdir():
        page = json.loads(_read(file.read_bytes()))
        pages[page["url"]] = page
    return pages


def _index_bytes(out: Path) -> bytes:
    """Return every word list and fragment of the index, decompressed, in one."""
    folder = out / "pagefind"
    files = [*folder.glob("index/*.pf_index"), *folder.glob("fragment/*.pf_fragment")]
    return b"".join(_read(f.read_bytes()) for f in files)


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built as a preview shows it: drafts and scheduled stories on its pages."""
    root = tmp_path_factory.mktemp("search")
    config = load_config(_site(root), cache_dir=root / ".cache")
    clock = __import__("datetime").datetime(2025, 1, 1, tzinfo=config.tz)
    build(config, BuildOptions(jobs=1, drafts=True, future=True, clock=clock))
    return config.output_dir


def test_published_stories_and_pages_are_indexed_and_nothing_else(preview: Path) -> None:
    assert (preview / "2031/02/future-story/index.html").is_file()  # the preview shows them
    assert (preview / "2024/02/draft-story/index.html").is_file()
    assert set(_fragments(preview)) == {
        "/2024/02/polls-close-in-baku/",
        "/2024/02/port-of-alat-grows/",
        "/2024/02/bakida-yeni-park/",
        "/2024/02/moved-story/",
        "/about/",
    }
    words = _index_bytes(preview)
    for word in NEVER:
        assert word.encode() not in words, word
    for word in ("kumquatvote", "tamarindport", "quincepark", "persimmonmoved", "loquatabout"):
        assert word.encode() in words, word


def test_a_story_carries_its_metadata_and_filters_and_only_its_own_text(preview: Path) -> None:
    port = _fragments(preview)["/2024/02/port-of-alat-grows/"]
    assert port["meta"]["title"] == "Port of Alat grows"
    assert port["meta"]["section"] == "Business"
    assert port["meta"]["date"] == "2 February 2024"
    assert port["filters"] == {
        "section": ["Business"],
        "author": ["Giorgi Beridze", "Nino Kapanadze"],
        "tag": ["Trade"],
    }
    # The body and headline, not the navigation, the byline, the topics or the neighbours.
    assert "tamarindport" in port["content"]
    for elsewhere in ("Search Gazette", "Polls close in Baku", "Bakıda yeni park", "min read",
                      "Topics", "Skip to content"):  # fmt: skip
        assert elsewhere not in port["content"], elsewhere


def test_each_page_is_indexed_in_its_language(preview: Path) -> None:
    entry = json.loads((preview / "pagefind" / "pagefind-entry.json").read_bytes())
    assert {lang: v["page_count"] for lang, v in entry["languages"].items()} == {"az": 1, "en": 4}


def test_the_index_publishes_what_pagefind_js_loads_and_no_ready_made_interface(
    preview: Path,
) -> None:
    # The default theme reads the index through pagefind.js (its search.js): Pagefind's own
    # interfaces and highlighter, which pagefind.js never loads, stay out.
    folder = preview / "pagefind"
    files = {p.name for p in folder.iterdir() if p.is_file()}
    metas = {n for n in files if n.startswith("pagefind.") and n.endswith(".pf_meta")}
    wasm = {n for n in files if n.startswith("wasm.") and n.endswith(".pagefind")}
    assert len(metas) == 2 and "wasm.unknown.pagefind" in wasm  # en and az (no stemmer)
    assert files - metas - wasm == {"pagefind.js", "pagefind-worker.js", "pagefind-entry.json"}
    folders = {p.name for p in folder.iterdir() if p.is_dir()}
    assert folders == {"index", "fragment", "filter"}


def test_noindex_leaves_the_sitemap_and_asks_robots_not_to_index(preview: Path) -> None:
    sitemap = (preview / "sitemap.xml").read_text()
    assert "/quiet-story/" not in sitemap and "/private/" not in sitemap
    assert "/port-of-alat-grows/" in sitemap and "/about/" in sitemap
    for page in ("2024/02/quiet-story/index.html", "private/index.html"):
        assert '<meta name="robots" content="noindex">' in (preview / page).read_text()


def test_the_search_page_and_box_are_there_and_work_without_javascript(preview: Path) -> None:
    page = (preview / "search" / "index.html").read_text()
    assert "Search needs JavaScript" in page and 'href="/archive/"' in page
    front = (preview / "index.html").read_text()
    assert '<form class="search-box" role="search" action="/search/" method="get">' in front
    assert "search" not in _fragments(preview).get("/search/", {"url": ""})["url"]


def test_two_clean_builds_give_the_same_index_files(tmp_path: Path) -> None:
    # Several sections, tags, authors and two languages: Pagefind writes each of these in a
    # hash map's order, different from run to run.
    outputs = []
    for name in ("one", "two"):
        config = load_config(_site(tmp_path / name))
        build(config, BuildOptions(jobs=1, use_cache=False))
        outputs.append({p: d for p, d in tree(config.output_dir).items() if "pagefind" in p})
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 10


def test_a_build_that_changes_nothing_runs_no_indexer_and_an_edit_reindexes(
    tmp_path: Path,
) -> None:
    config = load_config(_site(tmp_path))
    first = build(config, BuildOptions(jobs=1))
    assert "search" in first.timings
    again = build(config, BuildOptions(jobs=1))
    assert "search" not in again.timings and again.sync.written == ()
    story = tmp_path / "content/articles/vote.md"
    story.write_text(story.read_text().replace("kumquatvote", "mangosteenvote"))
    edited = build(config, BuildOptions(jobs=1))
    assert "search" in edited.timings
    words = _index_bytes(config.output_dir)
    assert b"mangosteenvote" in words and b"kumquatvote" not in words
    # Only the index files that hold the story's words changed; the script and the
    # other languages' files were left as they were.
    index_written = [p for p in edited.sync.written if p.startswith("pagefind/")]
    assert index_written and "pagefind/pagefind.js" not in index_written
    assert edited.sync.removed and all(p.startswith("pagefind/") for p in edited.sync.removed)


def test_the_index_lives_under_a_sub_path(tmp_path: Path) -> None:
    site_yaml = SITE_YAML.replace("https://example.org/", "https://example.org/newsroom/")
    config = load_config(_site(tmp_path, site_yaml))
    build(config, BuildOptions(jobs=1))
    # Pagefind's script puts the folder it is served from (/newsroom/) before the site path.
    assert "/2024/02/port-of-alat-grows/" in _fragments(config.output_dir)
    page = (config.output_dir / "search" / "index.html").read_text()
    assert 'data-pagefind="/newsroom/pagefind/pagefind.js"' in page
    assert 'src="/newsroom/theme/js/search.js"' in page


def test_without_search_there_is_no_index_and_no_search_page(tmp_path: Path) -> None:
    config = load_config(_site(tmp_path, SITE_YAML.replace("search: true", "search: false")))
    build(config, BuildOptions(jobs=1))
    assert not (config.output_dir / "pagefind").exists()
    assert not (config.output_dir / "search").exists()
    assert "data-pagefind" not in (config.output_dir / "about/index.html").read_text()
    assert "search-box" not in (config.output_dir / "index.html").read_text()
    # Nor the theme's search script, which no page links without search.
    built = tree(config.output_dir)
    assert "theme/js/search.js" not in built and "theme/css/site.css" in built
    assert not [p for p, data in built.items() if b"search.js" in data]


def test_a_theme_names_the_static_files_only_search_uses(tmp_path: Path) -> None:
    files = {
        **SITE,
        "themes/local/theme.yaml": "parent: default\nsearch_only: [css/search.css]\n",
        "themes/local/static/css/search.css": ".found { color: red }\n",
        "themes/local/templates/_unused.html": "",
    }
    _site(tmp_path, SITE_YAML + "theme: local\n", files)
    assert run_cli("build", "-q", cwd=tmp_path).returncode == 0
    on = tree(tmp_path / "output")
    assert "theme/css/search.css" in on and "theme/js/search.js" in on
    (tmp_path / "site.yaml").write_text(SITE_YAML.replace("true", "false") + "theme: local\n")
    assert run_cli("build", "-q", cwd=tmp_path).returncode == 0
    # Its own file and the one its parent names are left out.
    off = tree(tmp_path / "output")
    assert "theme/css/search.css" not in off and "theme/js/search.js" not in off
    assert "theme/css/site.css" in off
    # A file the theme does not have is a mistake, named at its line.
    (tmp_path / "themes/local/theme.yaml").write_text("parent: default\nsearch_only: [serch.js]\n")
    done = run_cli("build", "-q", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == (
        "themes/local/theme.yaml:2: search_only: 'serch.js' is no static file of the theme"
    )


def test_a_theme_without_a_search_page_is_named_with_what_it_lacks(tmp_path: Path) -> None:
    # A theme of one's own made before search (the fixture sites' plain theme): no search.html.
    plain = Path(__file__).parent / "fixtures" / "sites" / "basic" / "themes"
    shutil.copytree(plain, tmp_path / "themes")
    _site(tmp_path, SITE_YAML + "theme: plain\n")
    missing = [
        "themes/plain/templates: no search.html, the template of the search page that "
        "search: true makes",
        "  hint: add one (the default theme's shows how to read the index), or set "
        "search: false in site.yaml",
    ]
    done = run_cli("build", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [*missing, "Build failed: 1 error; output/ was not changed."]
    # Reported with the theme's other mistakes, in the same run.
    (tmp_path / "themes" / "plain" / "templates" / "tags.html").write_text("{% if %}")
    done = run_cli("build", cwd=tmp_path)
    assert done.stderr.splitlines() == [
        "themes/plain/templates/tags.html:1: Expected an expression, got 'end of statement block'",
        *missing,
        "Build failed: 2 errors; output/ was not changed.",
    ]
    assert not (tmp_path / "output").exists()


def test_search_where_pagefind_cannot_run_fails_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(_site(tmp_path))
    build(config, BuildOptions(jobs=1))
    before = tree(config.output_dir)
    story = tmp_path / "content/articles/vote.md"
    story.write_text(story.read_text().replace("kumquatvote", "mangosteenvote"))
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-such-pagefind"))
    with pytest.raises(BuildFailed) as failed:
        build(config, BuildOptions(jobs=1))
    [problem] = failed.value.problems
    assert "site.yaml: search: Pagefind's binary cannot run" in str(problem)
    assert "pip install 'pagefind[bin]'" in str(problem)
    assert tree(config.output_dir) == before
    # The command line: exit code 1, the same line, no traceback.
    done = run_cli("build", "-q", cwd=tmp_path, env={"PAGEFIND_BINARY_PATH": "/nonexistent"})
    assert done.returncode == 1
    assert "search: Pagefind's binary cannot run" in done.stderr
    assert "Traceback" not in done.stderr
    assert tree(config.output_dir) == before


def test_the_stock_reader_of_pagefind_gives_the_same_index() -> None:
    html = {
        path: f'<html lang="{lang}"><body data-pagefind-body><h1>{path}</h1>'
        f'<span data-pagefind-filter="tag">x</span>'
        f'<span data-pagefind-filter="tag">y</span><p>words</p></body></html>'.encode()
        for path, lang in (("a/index.html", "en"), ("b/index.html", "az"))
    }
    pages = PageCollector({"a/index.html": "/a/", "b/index.html": "/b/"}, html.__getitem__)
    for path in html:
        pages.add(path)
    fast, stock = index_files(pages), index_files(pages, fast=False)
    assert [(o.path, o.data) for o in fast] == [(o.path, o.data) for o in stock]


@pytest.mark.parametrize(
    "value",
    [0, 23, 24, 255, 256, 65535, 65536, 2**32, -1, -25, "", "ə" * 30, b"\x00" * 300,
     [1, ["a", []]], [[i, str(i)] for i in range(30)]],
)  # fmt: skip
def test_cbor_reads_back_what_it_writes(value) -> None:
    assert cbor.loads(cbor.dumps(value)) == value
    with pytest.raises(cbor.CborError):
        cbor.loads(cbor.dumps(value) + b"\x00")


def test_cbor_refuses_truncated_data() -> None:
    data = cbor.dumps(["headline", [1, 2, 3]])
    for end in range(len(data)):
        with pytest.raises(cbor.CborError):
            cbor.loads(data[:end])


def test_a_changed_search_setting_rebuilds_like_a_clean_build(tmp_path: Path) -> None:
    config = load_config(_site(tmp_path / "site", SITE_YAML.replace("search: true", "")))
    build(config, BuildOptions(jobs=1))
    on = replace(config, search=True)
    build(on, BuildOptions(jobs=1))
    clean = replace(on, output_dir=tmp_path / "clean")
    build(clean, BuildOptions(jobs=1, use_cache=False))
    assert tree(on.output_dir) == tree(clean.output_dir)


def _served_index(url: str) -> dict[str, str]:
    """Return URL -> indexed text of every page of the index the preview at `url` serves,
    read over HTTP as a reader's browser reads it: entry, then meta, then fragments."""
    entry = json.loads(get(url + "pagefind/pagefind-entry.json").body)
    pages = {}
    for language in entry["languages"].values():
        meta = cbor.loads(_read(get(f"{url}pagefind/pagefind.{language['hash']}.pf_meta").body))
        for fragment, _words in meta[1]:
            page = json.loads(_read(get(f"{url}pagefind/fragment/{fragment}.pf_fragment").body))
            pages[page["url"]] = page["content"]
    return pages


def test_the_preview_serves_the_index_and_refreshes_it_after_an_edit(tmp_path: Path) -> None:
    site = _site(tmp_path / "site")
    with Preview(site, port=0) as preview:
        assert preview.start(watch=False).ok
        reply = get(preview.url + "pagefind/pagefind-entry.json")
        assert reply.status == 200 and reply.headers["Content-Type"] == "application/json"
        assert get(preview.url + "pagefind/pagefind.js").status == 200
        search_page = get(preview.url + "search/")
        assert search_page.status == 200 and "/theme/js/search.js" in search_page.text
        # The preview shows the draft, but its index holds no draft.
        assert get(preview.url + "2024/02/draft-story/").status == 200
        served = _served_index(preview.url)
        assert "kumquatvote" in served["/2024/02/polls-close-in-baku/"]
        assert "/2024/02/draft-story/" not in served

        story = tmp_path / "site/content/articles/vote.md"
        story.write_text(story.read_text().replace("kumquatvote", "mangosteenvote"))
        assert preview.loop.rebuild([story]).ok
        served = _served_index(preview.url)
        assert "mangosteenvote" in served["/2024/02/polls-close-in-baku/"]
        assert not any("kumquatvote" in text for text in served.values())
