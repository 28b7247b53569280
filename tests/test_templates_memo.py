"""What a rebuild keeps of the theme's templates: their parse facts and compiled code, each
used only for the very source it was made from."""

from __future__ import annotations

from conftest import SITE_YAML

from generator.config import load_config
from generator.render.templatetree import Facts, read_templates
from generator.render.themes import find_theme, make_environment, syntax_errors

THEME = {
    "themes/local/theme.yaml": "parent: default\n",
    "themes/local/templates/page.html": '{% extends "base.html" %}\n',
    "themes/local/templates/broken.html": "line one\n{% if x %}\n",
}


def _setup(make_site) -> tuple:
    root = make_site(THEME, SITE_YAML + "theme: local\n")
    config = load_config(root / "site.yaml")
    return root, config, find_theme(config)


def test_facts_are_parsed_once_per_source(make_site) -> None:
    root, config, theme = _setup(make_site)
    known: dict[str, Facts] = {}
    first = read_templates(make_environment(config, theme), known)
    assert first["page.html"].facts.uses == frozenset({"base.html"})
    assert first["broken.html"].facts.error[0] == 2
    (problem,) = syntax_errors(first)
    assert problem.path.endswith("themes/local/templates/broken.html") and problem.line == 2
    assert len(known) == len(first)
    # What is known is used as it is: planted facts come back, nothing is parsed.
    planted = Facts(frozenset({"planted.html"}))
    known.update(dict.fromkeys(known, planted))
    again = read_templates(make_environment(config, theme), known)
    assert {t.facts for t in again.values()} == {planted}
    # An edited template is parsed again, and facts of sources gone are forgotten.
    (root / "themes/local/templates/broken.html").write_text("fixed\n")
    fixed = read_templates(make_environment(config, theme), known)
    assert fixed["broken.html"].facts == Facts(frozenset())
    assert syntax_errors(fixed) == []
    assert len(known) == len(fixed)
