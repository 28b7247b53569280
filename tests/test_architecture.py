"""The package's shape: which package may import which, and a README that names every module.

The arrow runs one way: the command line and the preview over the pipeline, the pipeline over
the stages, the stages over the shared vocabulary (the modules at the top of `generator/`).
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "generator"

VOCABULARY = "vocabulary"
STAGES = ("markup", "source", "assemble", "render", "images", "check", "write", "search")
# What each part may import besides itself. The vocabulary is every top-level module.
ALLOWED: dict[str, set[str]] = {
    VOCABULARY: set(),
    "markup": {VOCABULARY},
    "source": {VOCABULARY, "markup"},
    "assemble": {VOCABULARY},
    "render": {VOCABULARY},
    "images": {VOCABULARY},
    "check": {VOCABULARY, "markup", "source", "render"},
    "write": {VOCABULARY},
    "search": {VOCABULARY},
    "incremental": {VOCABULARY, *STAGES},
    "pipeline": {VOCABULARY, *STAGES, "incremental"},
    "dev": {VOCABULARY, *STAGES, "incremental", "pipeline"},
    "cli": {VOCABULARY, *STAGES, "incremental", "pipeline", "dev"},
}


def _modules() -> dict[str, Path]:
    """Return every module of the package by dotted name."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def part_of(module: str) -> str:
    """Return the part of the architecture `module` belongs to: a package, or the vocabulary."""
    parts = module.split(".")
    top = PACKAGE / parts[1] if len(parts) > 1 else None
    if top is not None and top.is_dir():
        return parts[1]
    return VOCABULARY


def imports_of(module: str, path: Path) -> list[tuple[int, str]]:
    """Return (line, module) for every import of this package in `path`, however nested
    (inside functions and TYPE_CHECKING blocks too), relative ones resolved."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from generator.markup import speedups` imports a module, not only a name.
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found += [(node.lineno, name) for name in names if name.split(".")[0] == "generator"]
    return found


def test_every_module_belongs_to_a_known_part():
    parts = {part_of(name) for name in _modules()}
    assert parts <= set(ALLOWED), f"packages without import rules: {parts - set(ALLOWED)}"


def test_packages_import_only_what_they_may():
    modules = _modules()
    broken = []
    for name, path in modules.items():
        mine = part_of(name)
        for line, imported in imports_of(name, path):
            if imported not in modules or imported == "generator":
                continue  # a name imported from a module, checked as that module
            theirs = part_of(imported)
            if theirs != mine and theirs not in ALLOWED[mine]:
                broken.append(f"{path.relative_to(ROOT)}:{line}: {mine} imports {imported}")
    assert not broken, "\n".join(broken)


def test_the_rule_finds_a_violation(tmp_path):
    # The walk itself: a vocabulary module importing a stage, in every form, is seen.
    path = tmp_path / "urls.py"
    path.write_text(
        "from generator.render.pages import x\n"
        "def f():\n    import generator.check.links\n"
        "if 1:\n    from .markup import converter\n"
    )
    found = [name for _, name in imports_of("generator.urls", path)]
    assert "generator.render.pages" in found
    assert "generator.check.links" in found
    assert "generator.markup.converter" in found
    assert {part_of(n) for n in found} - ALLOWED[VOCABULARY] - {VOCABULARY}


def test_every_package_says_what_it_owns_and_may_import():
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert len(doc) > 80, f"{init.relative_to(ROOT)}: say what the package owns"
        assert "May import" in doc, f"{init.relative_to(ROOT)}: say what it may import"


def test_the_event_hub_loads_no_pipeline():
    # The preview's browsers talk to the hub; importing it must not load the whole build.
    code = (
        "import sys, generator.dev.events; "
        "print(' '.join(m for m in sys.modules if m.split('.')[0] in "
        "('markdown', 'jinja2', 'yaml', 'generator')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    assert not {m.split(".")[0] for m in loaded} & {"markdown", "jinja2", "yaml"}
    assert len([m for m in loaded if m.startswith("generator")]) <= 6, loaded


def test_a_build_without_search_or_cache_loads_no_asyncio_or_msgspec(tmp_path):
    # Pagefind's client runs on asyncio, which brings ssl and more: a build without search
    # must not pay for loading them; nor a build without the cache for its codec (msgspec,
    # some 4 MB and 15 ms); nor a build too small for worker processes for multiprocessing
    # (and ctypes, which only a worker uses), nor one without TOML front matter for tomllib.
    (tmp_path / "site.yaml").write_text("title: Plain\nbase_url: https://example.org/\n")
    (tmp_path / "content" / "pages").mkdir(parents=True)
    (tmp_path / "content" / "pages" / "about.md").write_text("---\ntitle: About\n---\nUs.\n")
    code = (
        "import sys; from generator.cli.main import main; "
        "code = main(['build', '-q', '--no-cache']); "
        "print(' '.join(m for m in ('asyncio', 'ssl', 'msgspec', 'multiprocessing', 'ctypes', "
        "'tomllib', 'difflib') if m in sys.modules)); "
        "sys.exit(code)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "output" / "about" / "index.html").is_file()
    assert done.stdout.split() == []


def _two_builds(tmp_path: Path, shown: str) -> list[list[str]]:
    """Build a copy of the basic fixture twice (cold, then with nothing changed), each in a
    fresh process; return what each printed: its exit code, then the values of `shown`, a
    Python expression seeing `sys`."""
    site = tmp_path / "basic"
    fixture = ROOT / "tests/fixtures/sites/basic"
    shutil.copytree(fixture, site, ignore=shutil.ignore_patterns("expected"))
    argv = ["build", "--config", str(site / "site.yaml"), "--output", str(site / "output"), "-q"]
    code = f"import sys; from generator.cli.main import main; print(main({argv!r}), {shown})"
    printed = []
    for _ in range(2):
        ran = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
        )
        printed.append(ran.stdout.split())
    assert list((site / "output").rglob("*.svg"))
    return printed


def test_a_site_without_photos_never_loads_pillow(tmp_path):
    # Pillow is an eighth of what a start costs: it is loaded with the first raster image a
    # build processes, never by importing the pipeline. The fixture's images are SVG.
    assert _two_builds(tmp_path, "'PIL' in sys.modules") == [["0", "False"]] * 2


def test_a_build_that_changes_nothing_loads_no_stage(tmp_path):
    # A build that finds nothing changed reads its inputs and the first part of the cache,
    # compares and stops: loading Markdown, the renderer and the checks (pipeline.stages)
    # would be a fifth of its time.
    heavy = (
        "markdown", "pygments", "generator.pipeline.stages", "generator.render.pages",
        "generator.check.links", "generator.markup.converter", "generator.source.parse",
    )  # fmt: skip
    cold, unchanged = _two_builds(tmp_path, f"*(m for m in {heavy!r} if m in sys.modules)")
    assert cold == ["0", *heavy]
    assert unchanged == ["0"]


def _readme_architecture() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## Architecture")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_readme_names_every_module_and_only_those():
    section = _readme_architecture()
    named = set(re.findall(r"`(generator/[\w/]+\.(?:py|js))`", section))
    # A row names its package once, then its modules by file name: `render/` ... `feeds.py`.
    for package, row in re.findall(r"^\| `(\w+)/` \|(.*)$", section, re.M):
        # The owner's column may quote other names (`content/`); modules are in the last.
        modules = row.rstrip(" |").rsplit("|", 1)[-1]
        named |= {f"generator/{package}/{m}" for m in re.findall(r"`([\w/]+\.(?:py|js))`", modules)}
    for row in re.findall(r"^\| vocabulary \|(.*)$", section, re.M):
        named |= {
            f"generator/{m}"
            for m in re.findall(r"`(\w+\.py)`", row.rstrip(" |").rsplit("|", 1)[-1])
        }
    actual = {
        str(p.relative_to(ROOT))
        for p in [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.js")]
        if p.name != "__init__.py"
    }
    assert named - actual == set(), "README names modules that do not exist"
    assert actual - named == set(), "README's architecture misses modules"


def test_readme_gives_each_part_a_row():
    section = _readme_architecture()
    rows = set(re.findall(r"^\| `(\w+)/` \|", section, re.M))
    rows |= {VOCABULARY} if "| vocabulary |" in section else set()
    assert rows == set(ALLOWED)
