"""The Markdown speed-ups are used only where tested, change no byte, and say when they run."""

from __future__ import annotations

import os
from pathlib import Path

import markdown
import pytest

from generator.markup.converter import Converter
from generator.markup.speedups import TESTED_RELEASES, applicable
from tests.conftest import ROOT, run_cli, tree


def test_speedups_are_used_only_on_the_releases_they_were_tested_on(monkeypatch) -> None:
    assert Converter(smart_typography=True).speedups is applicable()
    monkeypatch.delenv("GAZETTE_SPEEDUPS", raising=False)
    assert applicable("3.11.4") is ("3.11.4" in TESTED_RELEASES)
    for other in ("3.7", "3.10.3", "3.11.3", "3.12", "4.0"):
        assert not applicable(other)
    monkeypatch.setenv("GAZETTE_SPEEDUPS", "off")
    assert not applicable("3.11.4")
    assert not Converter(smart_typography=True, speedups=False).speedups


def test_a_stock_converter_has_none_of_the_stand_ins() -> None:
    md = Converter(smart_typography=True, speedups=False)._md
    assert type(md.treeprocessors["inline"]).__module__.startswith("markdown.")
    assert type(md.preprocessors["normalize_whitespace"]).__module__.startswith("markdown.")


def _build(tmp_path: Path, name: str, **env: str) -> tuple[dict[str, bytes], str]:
    out = tmp_path / name
    environ = {k: v for k, v in os.environ.items() if k != "GAZETTE_SPEEDUPS"} | env
    done = run_cli("build", "-v", "--no-cache", "--output", str(out), cwd=ROOT, env=environ)
    assert done.returncode == 0, done.stderr
    return tree(out), done.stderr


def test_the_sample_site_is_the_same_bytes_without_the_speedups(tmp_path: Path) -> None:
    fast, fast_log = _build(tmp_path, "fast")
    stock, stock_log = _build(tmp_path, "stock", GAZETTE_SPEEDUPS="off")
    assert fast == stock
    version = markdown.__version__
    mode = f"Python-Markdown {version}, speed-ups off"  # and why: a setting, another release
    assert any(line.startswith(mode) for line in stock_log.splitlines()), stock_log
    if version not in TESTED_RELEASES:
        pytest.skip(f"Python-Markdown {version} runs stock: nothing to compare with")
    assert f"Python-Markdown {version}, speed-ups on" in fast_log.splitlines()
