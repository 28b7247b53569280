"""Property over whole builds: whatever a site holds (odd front matter, Markdown and HTML
pieces, file names with spaces, unicode and control characters, a few settings), a build
exits 0, or exits 1 having printed only `path:line: message` lines (with their hints) before
its summary; never a traceback; and output/ is the previous site or the new one, never a mix.

Each example builds with the command line, as a user would. GAZETTE_FUZZ_EXAMPLES sets the
number of examples (25 by default, the same every run; more are freshly drawn).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from conftest import BUILD_PY, article, write_files
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("GAZETTE_FUZZ_EXAMPLES", "25"))

KEYS = [
    "title", "date", "updated", "expires", "author", "authors", "tags", "section", "summary",
    "slug", "draft", "image", "image_alt", "template", "layout", "status", "aliases",
    "categories", "lastmod",
]  # fmt: skip
TEXTS = [
    "", "no", "1.10", "2024-02-30", "2024-02-09", "2024-02-09 14:05 +04:00", "9999-12-31",
    "0001-01-01", "24-05-2015", "tomorrow", "<script>alert(1)</script>", "javascript:x",
    "../../etc", "/", "//x", "/2024/02/a/", "a, b, , c", "{{ 7*7 }}", "\t", "é ə", "%2e%2e",
    "\u202e", "x\ny", "index", "tags", "page.html", "post",
]  # fmt: skip
PIECES = [
    "# Heading", "## Sub {#id}", "*", "**b**", "[x](", "[a](/missing/)", "[b](other.md)",
    "![img](/images/a.png)", "![](x.svg)", "<!--more-->", "```python\nx\n```", "~~~", "> q",
    "- a\n- b", "1. x", "|a|b|\n|-|-|\n|1|2|", "[^1]\n\n[^1]: n", "{: .x }", "&#106;", "<div>",
    "</div>", "<a href='javascript:x'>j</a>", "<img src=x onerror=y>", "{filename}/a.md",
    "{static}/images/a.png", "<", "\n\n", "\\", "\x00", "\r\n", "\u2028", "\ufeff", "---",
    "[" * 5, "> " * 8 + "deep", "<svg onload=x>", "{% raw %}",
]  # fmt: skip
NAME_CHARS = st.sampled_from([*"abcxyz019-_. ", "é", "ə", "Ж", "\t", "\x01", "\x7f", ":"])
SUFFIXES = [".md", ".md", ".md", ".markdown", ".png", ".svg", ".html", ".txt", ""]
VALUE = st.deferred(
    lambda: st.one_of(
        st.sampled_from(TEXTS),
        st.text(max_size=8),
        st.integers(-5, 10**6),
        st.floats(allow_nan=True),
        st.booleans(),
        st.none(),
        st.dates(),
        st.datetimes(),
        st.lists(st.one_of(st.sampled_from(TEXTS), st.integers(), st.none()), max_size=3),
        st.dictionaries(st.sampled_from(["a", "b"]), st.sampled_from(TEXTS), max_size=2),
    )
)


@st.composite
def document(draw) -> bytes:
    fields = draw(st.dictionaries(st.sampled_from(KEYS), VALUE, max_size=7))
    body = "".join(draw(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)))))
    style = draw(st.sampled_from(["yaml", "yaml", "raw", "none", "latin-1"]))
    if style == "none":
        return body.encode("utf-8", "surrogatepass")
    if style == "raw":
        front = "\n".join(draw(st.lists(st.text(max_size=12), max_size=4)))
    else:
        front = yaml.safe_dump(fields, allow_unicode=True, default_flow_style=False)
    text = f"---\n{front}\n---\n{body}"
    if style == "latin-1":
        return text.encode("latin-1", "replace") + b"\xe9\xff"
    return text.encode("utf-8", "surrogatepass")


@st.composite
def sites(draw) -> tuple[dict[str, bytes], str]:
    files: dict[str, bytes] = {}
    for _ in range(draw(st.integers(1, 6))):
        folder = draw(st.sampled_from(["articles/", "pages/", "", "articles/bundle/", "images/"]))
        stem = "".join(draw(st.lists(NAME_CHARS, min_size=1, max_size=10)))
        suffix = draw(st.sampled_from(SUFFIXES))
        if stem in (".", "..") or stem.startswith("_"):
            continue
        if suffix in (".md", ".markdown"):
            data = draw(document())
        elif suffix == ".svg":
            data = draw(
                st.sampled_from(
                    [
                        b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>',
                        b'<svg xmlns="http://www.w3.org/2000/svg" onload="x"/>',
                        b"<svg",
                    ]
                )
            )
        else:
            data = draw(st.binary(max_size=16))
        files[f"content/{folder}{stem}{suffix}"] = data
    settings_ = {
        "title": "Fuzz",
        "base_url": draw(st.sampled_from(["https://example.org/", "https://example.org/sub/"])),
        "timezone": draw(st.sampled_from(["UTC", "Asia/Baku", "America/St_Johns"])),
        "per_page": draw(st.sampled_from(["1", "2", "10"])),
        "permalink": draw(
            st.sampled_from(["/{year}/{month}/{slug}/", "/{slug}.html", "/{section}/{slug}/"])
        ),
        "raw_html": draw(st.sampled_from(["true", "false"])),
        "unicode_slugs": draw(st.sampled_from(["true", "false"])),
        "smart_typography": draw(st.sampled_from(["true", "false"])),
        "max_tags": draw(st.sampled_from(["2", "100"])),
    }
    checks = draw(
        st.dictionaries(
            st.sampled_from(["broken_links", "missing_images", "missing_alt", "long_summary"]),
            st.sampled_from(["error", "warning", "off"]),
            max_size=2,
        )
    )
    site_yaml = "".join(
        f"{k}: {v!r}\n" if k == "title" else f"{k}: {v}\n" for k, v in settings_.items()
    )
    site_yaml += "checks:\n" if checks else ""
    site_yaml += "".join(f"  {k}: {v}\n" for k, v in checks.items())
    return files, site_yaml


# A line a failed or warning build may print: `path:line: message` or `path: message`, about
# a file of the site, or the hint that continues it; the summary lines end the list.
PROBLEM = re.compile(r"^(content|site\.yaml|themes|output)(/.*?)?(:\d+)?: \S|^  hint: \S")
SUMMARY = re.compile(r"^\d+ (errors?|warnings?): |^Build failed: ")


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BUILD_PY), "build", "--no-cache", "--jobs", "1", *args],
        cwd=root,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
    )


def hashes(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".gazette")
    }


def check_stderr(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 1), done.stderr
    lines = done.stderr.splitlines()
    for line in lines:
        if SUMMARY.match(line):
            break
        assert PROBLEM.match(line), f"not a problem line: {line!r}\n{done.stderr}"
    if done.returncode == 1:
        assert lines and lines[-1].startswith("Build failed: "), done.stderr


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a site built once, whose output/ each example starts from."""
    root = tmp_path_factory.mktemp("baseline")
    (root / "site.yaml").write_text("title: Before\n", encoding="utf-8")
    write_files(root, {"content/articles/before.md": article("Before")})
    first = run(root)
    assert first.returncode == 0, first.stderr
    return root


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 25,  # the default run is the same every time; more runs explore
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(site=sites())
@example(site=({"content/articles/ok.md": article("Ok").encode()}, "title: Fuzz\n"))
def test_a_build_of_any_site_succeeds_or_reports_each_problem_by_file(baseline: Path, site) -> None:
    files, site_yaml = site
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "site"
        shutil.copytree(baseline / "output", root / "output", symlinks=True)
        before = hashes(root / "output")
        (root / "content").mkdir()
        for rel, data in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        (root / "site.yaml").write_text(site_yaml, encoding="utf-8")
        done = run(root)
        check_stderr(done)
        after = hashes(root / "output")
        if done.returncode == 1:
            assert after == before
            return
        clean = run(root, "--output", "clean")
        assert clean.returncode == 0, clean.stderr
        assert after == hashes(root / "clean")
