"""The `{% cache %}` tag: a block rendered once per build for each key, keys by identity."""

from __future__ import annotations

import itertools

import jinja2
import pytest
from conftest import article

from generator.config import load_config
from generator.incremental.cache import BuildCache
from generator.model import Article
from generator.pipeline.build import BuildOptions, build
from generator.render.fragments import FragmentCache, forget_fragments
from generator.render.templatetree import _parse

LIST = (
    "{% for item in items %}"
    "{% cache item, level %}[{{ item.name }} {{ level }} #{{ calls() }}]{% endcache %}"
    "{% endfor %}"
)


class Item:
    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:  # equal items must still be cached apart
        return isinstance(other, Item) and other.name == self.name

    __hash__ = None  # type: ignore[assignment]  # a key need not be hashable


def environment() -> tuple[jinja2.Environment, itertools.count]:
    env = jinja2.Environment(extensions=[FragmentCache], autoescape=True)
    counter = itertools.count(1)
    env.globals["calls"] = lambda: next(counter)
    return env, counter


def test_a_block_renders_once_per_key_and_is_reused() -> None:
    env, _ = environment()
    a, b = Item("a"), Item("b")
    page = env.from_string(LIST)
    assert page.render(items=[a, b, a], level=2) == "[a 2 #1][b 2 #2][a 2 #1]"
    assert page.render(items=[b, a], level=2) == "[b 2 #2][a 2 #1]"  # a later page
    assert page.render(items=[a], level=3) == "[a 3 #3]"  # another key


def test_keys_are_compared_by_identity() -> None:
    env, _ = environment()
    page = env.from_string(LIST)
    assert page.render(items=[Item("a"), Item("a")], level=1) == "[a 1 #1][a 1 #2]"


def test_forgotten_fragments_render_again() -> None:
    env, _ = environment()
    a = Item("a")
    page = env.from_string(LIST)
    assert page.render(items=[a], level=1) == "[a 1 #1]"
    a.name = "edited"  # what a rebuild would see in a new object; here the same one
    forget_fragments(env)
    assert page.render(items=[a], level=1) == "[edited 1 #2]"


def test_blocks_with_the_same_key_keep_their_own_fragments() -> None:
    env, _ = environment()
    page = env.from_string("{% cache x %}{{ x }}<b>{% endcache %}|{% cache x %}<i>{% endcache %}")
    assert page.render(x="<i>") == "&lt;i&gt;<b>|<i>"  # escaped as any other output
    assert page.render(x="<i>") == "&lt;i&gt;<b>|<i>"


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("{% cache %}x{% endcache %}", 1),
        ("\n{% cache a %}x", 2),
        ("{% cache a, %}{% endcache %}", 1),
    ],
)
def test_a_malformed_tag_is_a_syntax_error_with_its_line(source: str, line: int) -> None:
    facts = _parse(source)
    assert facts.error is not None
    assert facts.error[0] == line


def test_a_rebuild_keeps_only_its_own_fragments(make_site) -> None:
    site = make_site(
        {f"content/articles/a{i}.md": article(f"A{i}", tags="[Baku]") for i in range(3)}
    )
    config = load_config(site / "site.yaml")
    cache = BuildCache()
    options = BuildOptions(use_cache=False)
    build(config, options, cache)  # as the dev server does, its environment kept
    env = cache.built.env
    first = {
        id(v) for values, _ in env.fragments.values() for v in values if isinstance(v, Article)
    }
    assert first and first <= {id(a) for a in cache.built.articles.values()}
    (site / "content/articles/a1.md").write_text(article("A1, edited", tags="[Baku]"))
    build(config, options, cache)
    assert cache.built.env is env
    cards = [html for _, html in env.fragments.values()]
    assert len(cards) == len(first)  # the edited article's old card is gone, not kept beside
    assert any("A1, edited" in card for card in cards)
    assert not any(">A1<" in card for card in cards)
