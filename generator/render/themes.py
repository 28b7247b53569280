"""Themes: finding a theme and its parents, and the Jinja environment that renders them."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import jinja2
import jinja2.bccache
from markupsafe import Markup

from generator.config import Config
from generator.errors import BuildFailed, Problem, SourceError, display_path
from generator.render.fragments import FragmentCache
from generator.render.pictures import picture_markup
from generator.render.seo import publishing_filters
from generator.render.templatetree import ThemeTemplate
from generator.urls import absolute, is_junk, link
from generator.yamldata import load_mapping

BUILTIN_THEMES = Path(__file__).resolve().parents[2] / "themes"


@dataclass(frozen=True)
class Theme:
    """A theme and its ancestors, child first: where templates and static files are looked up."""

    names: tuple[str, ...]
    folders: tuple[Path, ...]
    # Static files (paths under static/) published only with search on, as the theme.yaml
    # files of the chain name them.
    search_only: frozenset[str] = frozenset()

    @property
    def template_dirs(self) -> tuple[Path, ...]:
        return tuple(f / "templates" for f in self.folders)

    @functools.cached_property
    def static_files(self) -> dict[str, Path]:
        """The theme's static files by path under static/; a child's file wins. Walked once
        a theme: checking its search_only names and publishing its files both read it.

        Junk (editor swap files, hidden files) is left out as it is in content/.
        """
        files: dict[str, Path] = {}
        for folder in reversed(self.folders):
            static = folder / "static"
            for dirpath, dirs, names in os.walk(static):
                dirs[:] = sorted(d for d in dirs if not is_junk(d))
                for name in sorted(n for n in names if not is_junk(n)):
                    file = Path(dirpath) / name
                    files[file.relative_to(static).as_posix()] = file
        return dict(sorted(files.items()))

    def published_files(self, search: bool) -> dict[str, Path]:
        """Return the static files a site publishes: those of search only with `search`."""
        files = dict(self.static_files)
        return files if search else {k: v for k, v in files.items() if k not in self.search_only}


def find_theme(config: Config) -> Theme:
    """Return the configured theme with its parent chain; raise BuildFailed if one is missing."""
    names: list[str] = []
    folders: list[Path] = []
    search_only: dict[str, tuple[Path, int | None]] = {}  # file -> where it is named
    name: str | None = config.theme
    while name:
        if name in names:
            chain = " -> ".join([*names, name])
            raise BuildFailed(
                [Problem(_shown_theme(folders[-1]), None, f"theme parents loop: {chain}")]
            )
        folder = _theme_folder(name, config)
        names.append(name)
        folders.append(folder)
        name, named, line = _settings_of(folder)
        for file in named:
            search_only.setdefault(file, (folder, line))
    theme = Theme(tuple(names), tuple(folders), frozenset(search_only))
    static = theme.static_files if search_only else {}
    unknown = [
        Problem(_shown_theme(folder), line, f"search_only: {file!r} is no static file of the theme")
        for file, (folder, line) in search_only.items()
        if file not in static
    ]
    if unknown:
        raise BuildFailed(unknown)
    return theme


def _theme_folder(name: str, config: Config) -> Path:
    for base in (config.root / "themes", BUILTIN_THEMES):
        folder = base / name
        if (folder / "templates").is_dir():
            return folder
    where = display_path(config.config_path) if config.config_path else "site.yaml"
    raise BuildFailed([Problem(where, None, f"theme {name!r} not found in themes/")])


def _shown_theme(folder: Path) -> str:
    return display_path(folder / "theme.yaml")


def _settings_of(folder: Path) -> tuple[str | None, tuple[str, ...], int | None]:
    """Return what the theme's theme.yaml says: its parent, the static files it publishes
    only with search on, and the line that names them."""
    file = folder / "theme.yaml"
    if not file.is_file():
        return None, (), None
    try:
        doc = load_mapping(file.read_text(encoding="utf-8-sig"), file)
    except SourceError as exc:
        raise BuildFailed([exc.problem]) from None
    unknown = set(doc.data) - {"parent", "search_only"}
    if unknown:
        key = sorted(unknown)[0]
        raise BuildFailed([Problem(_shown_theme(folder), doc.lines[key], f"unknown key {key!r}")])
    parent = doc.data.get("parent")
    if parent is not None and not isinstance(parent, str):
        raise BuildFailed(
            [Problem(_shown_theme(folder), doc.lines["parent"], "parent must be a theme name")]
        )
    search_only = doc.data.get("search_only") or []
    if not isinstance(search_only, list) or not all(isinstance(f, str) for f in search_only):
        message = "search_only must be a list of files under static/"
        raise BuildFailed([Problem(_shown_theme(folder), doc.lines["search_only"], message)])
    return parent, tuple(search_only), doc.lines.get("search_only")


def _format_date(value: datetime, fmt: str = "%-d %B %Y") -> str:
    # strftime's %-d is platform specific; expand the day ourselves so output never differs.
    return value.strftime(fmt.replace("%-d", str(value.day)).replace("%-H", str(value.hour)))


def make_environment(config: Config, theme: Theme) -> jinja2.Environment:
    """Return the Jinja environment for `theme`: autoescaped, strict about undefined names."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in theme.template_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        cache_size=-1,
        extensions=[FragmentCache],
    )
    base_path = config.base_path
    env.filters["url"] = lambda site_path: link(base_path, str(site_path))
    env.filters["absolute_url"] = lambda site_path: absolute(config.base_url, str(site_path))
    env.filters["date"] = _format_date
    env.filters["isoformat"] = lambda value: value.isoformat()
    env.filters.update(publishing_filters(config))
    # Globals, not `site` fields, so that imported macros (which get no context) see them.
    env.globals["builds"] = config.builds
    env.globals["picture"] = lambda picture, sizes, lazy=True, **attributes: Markup(
        picture_markup(picture, _attributes(attributes), base_path, sizes, lazy)
    )
    return env


def _attributes(given: Mapping[str, object]) -> dict[str, str]:
    """Return the HTML attributes a template gives `picture()`: `class_` is `class`."""
    return {name.rstrip("_"): str(value) for name, value in given.items()}


TEMPLATE_SUFFIXES = (".html", ".xml", ".txt", ".j2")


def syntax_errors(templates: Mapping[str, ThemeTemplate]) -> list[Problem]:
    """Return the syntax errors (file, line, message) of every template of a theme, whether
    a page uses it or not."""
    return [
        Problem(display_path(t.filename or name), *t.facts.error)
        for name, t in templates.items()
        if t.facts.error is not None and name.endswith(TEMPLATE_SUFFIXES)
    ]
