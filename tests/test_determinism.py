"""Two builds of the same site in different environments write byte-identical output."""

from __future__ import annotations

import os
import random
import shutil

from conftest import ROOT, run_cli, tree


def copy_site(target, order_seed: int) -> None:
    """Copy the sample site into `target`, creating its files in a shuffled order."""
    files = [p for p in (ROOT / "content").rglob("*") if p.is_file()]
    files.append(ROOT / "site.yaml")
    random.Random(order_seed).shuffle(files)
    for file in files:
        dest = target / file.relative_to(ROOT)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, dest)


def environment(**changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "LANG")}
    env.update(changes)
    return env


def test_builds_are_identical_across_hash_seeds_timezones_locales_and_file_order(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    copy_site(first, 1)
    copy_site(second, 2)
    runs = [
        (first, environment(PYTHONHASHSEED="1", TZ="UTC", LC_ALL="C.UTF-8")),
        (second, environment(PYTHONHASHSEED="4242", TZ="Pacific/Kiritimati", LC_ALL="POSIX")),
    ]
    for folder, env in runs:
        result = run_cli("build", "--no-cache", cwd=folder, env=env)
        assert result.returncode == 0, result.stderr
    a, b = tree(first / "output"), tree(second / "output")
    assert len(a) > 20
    assert sorted(a) == sorted(b)
    assert [p for p in a if a[p] != b[p]] == []
