"""Templates parsed without rendering: their syntax trees, for the page keys (which
templates one pulls in) and for the syntax check of every template of a theme."""

from __future__ import annotations

import functools

import jinja2
import jinja2.nodes

# Parses only; delimiters are Jinja's defaults, as in the environment that renders.
_PARSER = jinja2.Environment()


@functools.lru_cache(maxsize=1024)
def parse_template(source: str) -> jinja2.nodes.Template | jinja2.TemplateSyntaxError:
    """Return the syntax tree of a template's source, or its syntax error. Remembered by
    source: every build reads every template, and the dev server builds again and again."""
    try:
        return _PARSER.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        return exc
