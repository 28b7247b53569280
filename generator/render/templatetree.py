"""Templates read without rendering: what each pulls in (for the page keys) and its syntax
error if any (every template of a theme is checked, used or not), remembered by source."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2


@dataclass(frozen=True)
class Facts:
    """What parsing one template's source tells."""

    uses: frozenset[str] | None  # templates it extends, includes or imports; None if any
    # is named by an expression, or the template does not parse
    error: tuple[int, str] | None = None  # (line, message) of its syntax error


@dataclass(frozen=True)
class ThemeTemplate:
    source: str
    filename: str | None
    facts: Facts


def read_templates(
    env: jinja2.Environment, known: MutableMapping[str, Facts]
) -> dict[str, ThemeTemplate]:
    """Return every template `env` can load, by name, with its facts.

    `known` maps a hash of a source to its facts: a template seen in an earlier build is not
    parsed again. It is left holding the facts of this theme's templates only.
    """
    templates: dict[str, ThemeTemplate] = {}
    current: dict[str, Facts] = {}
    for name in env.list_templates():
        source, filename, _ = env.loader.get_source(env, name)
        key = hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        facts = current.get(key) or known.get(key) or _parse(source)
        current[key] = facts
        templates[name] = ThemeTemplate(source, filename, facts)
    known.clear()
    known.update(current)
    return templates


def _parse(source: str) -> Facts:
    import jinja2  # here: the facts of templates seen before are read without Jinja
    import jinja2.meta

    try:
        tree = _parser().parse(source)
    except jinja2.TemplateSyntaxError as exc:
        return Facts(None, (exc.lineno, exc.message or ""))
    refs = set(jinja2.meta.find_referenced_templates(tree))
    return Facts(None if None in refs else frozenset(refs))


@functools.cache
def _parser() -> jinja2.Environment:
    """Return an environment that only parses: delimiters and tags as in the one that
    renders."""
    import jinja2

    from generator.render.fragments import FragmentCache

    return jinja2.Environment(extensions=[FragmentCache])
