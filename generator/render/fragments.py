"""The `{% cache %}` tag of themes: a block rendered once per build for each key.

A story card appears on the front page and on the pages of its tags, section, author and
year: rendered once and reused, the listing pages of a build render a fifth faster.

    {% cache article, level %}{{ m.card(article, level) }}{% endcache %}

The key is the values after the tag, compared by identity (the same article object, the
same level), and the tag itself: two blocks never share fragments. The theme decides what
the block depends on; anything else it reads must be the same on every page (the site, the
settings). Fragments last one build (render_site forgets them before each), so an edited
article is never shown with its old card.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser

# (the tag's template, line and number, the ids of the key's values) -> (the values, the HTML).
# Keeping the values alive keeps their ids from being reused: equal ids are the same objects.
Fragments = dict[tuple[str, tuple[int, ...]], tuple[tuple[Any, ...], str]]


class FragmentCache(Extension):
    """`{% cache key, ... %}...{% endcache %}`: the block's output, once per key per build."""

    tags = frozenset({"cache"})

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__(environment)
        environment.extend(fragments={})

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        values = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            values.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        # Which tag of which template: the bytecode of a compiled template keeps it.
        number = parser.__dict__.setdefault("cache_tags", itertools.count())
        template = parser.name or secrets.token_hex(16)  # a template made from a string has no name
        block = nodes.Const(f"{template}:{lineno}:{next(number)}")
        call = self.call_method("_fragment", [block, nodes.Tuple(values, "load")])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _fragment(self, block: str, values: tuple[Any, ...], caller: Callable[[], str]) -> str:
        fragments: Fragments = self.environment.fragments  # type: ignore[attr-defined]
        key = (block, tuple(map(id, values)))
        kept = fragments.get(key)
        if kept is not None:
            return kept[1]
        html = caller()
        fragments[key] = (values, html)
        return html


def forget_fragments(env: jinja2.Environment) -> None:
    """Forget the fragments of the last build (before rendering the next)."""
    fragments: Fragments | None = getattr(env, "fragments", None)
    if fragments is not None:
        fragments.clear()
