"""Keys of rendered pages: a hash of everything the template can see.

Two renders with equal keys produce equal bytes, so a page whose key is unchanged since the
last build is neither rendered nor written again. The key covers the template and every
template it pulls in, the settings and generator version (the stamp), the page's URL and
every value in its context. A document is keyed by its source digest plus any field that a
later stage (assemble, link resolution) changed after parsing, so the key stays cheap without
trusting any stage to say what it changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from markupsafe import Markup

from generator.model import Document
from generator.outputs import Output, digest
from generator.render.templatetree import ThemeTemplate


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def template_fingerprints(templates: Mapping[str, ThemeTemplate]) -> dict[str, str]:
    """Return, for each template name, a hash of its source and of every template it uses
    (of every template of the theme when one of those names another by an expression, or
    does not parse: the build reports that)."""
    sources = {name: t.source for name, t in templates.items()}
    uses = {name: t.facts.uses for name, t in templates.items()}
    everything = _hash("\0".join(f"{n}\0{s}" for n, s in sorted(sources.items())))
    fingerprints = {}
    for name in sources:
        closure = _closure(name, uses)
        if closure is None:
            fingerprints[name] = everything
        else:
            fingerprints[name] = _hash("\0".join(f"{n}\0{sources[n]}" for n in sorted(closure)))
    return fingerprints


def _closure(name: str, uses: Mapping[str, frozenset[str] | None]) -> set[str] | None:
    """Return `name` and every template it reaches, or None if any of them is dynamic."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        refs = uses.get(current, set())  # a missing template fails at render time
        if refs is None:
            return None
        todo.extend(refs)
    return seen


# Values encoded by their repr, as they are; anything else is encoded once per build.
_SCALARS = frozenset({str, int, float, bool, type(None)})


class PageKeys:
    """Computes page keys for one build; every immutable value, documents included, is
    encoded once and remembered by identity."""

    def __init__(
        self,
        stamp: str,
        templates: Mapping[str, str],
        parsed: Mapping[str, tuple[str, Document]],
    ):
        self.stamp = stamp
        self.templates = templates
        self.parsed = parsed  # source path -> (digest, the document as parsing returned it)
        # id -> (the value, its text). The memo holds the value itself so its id cannot be
        # reused within the build: a hit is always the same object.
        self.shared: dict[int, tuple[Any, str]] = {}
        self.layouts: dict[type, tuple[tuple[str, ...], Callable[[Any], tuple]] | None] = {}

    def key(self, template: str, url: str, context: Mapping[str, Any]) -> str:
        """Return the key of rendering `template` at `url` with `context`."""
        # In the context's own order: each value is named, so another order of the same
        # values can only make another key (a page made again), never a false match.
        texts = self.texts(context.values())
        parts = [f"{name}={text}" for name, text in zip(context, texts, strict=True)]
        head = [self.stamp, self.templates.get(template) or "missing:" + template, url]
        return _hash("\n".join(head + parts))

    def texts(self, values: Iterable[Any]) -> list[str]:
        """Return the encoding of each of `values`; scalars and values met before cost no call."""
        shared = self.shared
        return [
            repr(v)
            if type(v) in _SCALARS
            else hit[1]
            if (hit := shared.get(id(v))) is not None
            else self.encode(v)
            for v in values
        ]

    def encode(self, value: Any) -> str:
        """Return a text that is equal for equal values, as they would render."""
        cls = type(value)
        if cls in _SCALARS:
            return repr(value)
        if cls is list:  # mutable, so never remembered; its items mostly are
            return "[" + ",".join(self.texts(value)) + "]"
        hit = self.shared.get(id(value))
        if hit is not None:
            return hit[1]
        layout = self.layout(cls)
        if isinstance(value, Document):
            text = self.document(value)
        elif cls is Markup:  # a body, often: not copied by repr's escaping, only hashed
            text = "Markup:" + value
        elif cls is tuple:
            text = "(" + ",".join(self.texts(value)) + ")"
        elif layout is not None:
            text = cls.__name__ + "(" + ",".join(self.texts(layout[1](value))) + ")"
        else:
            text = repr(value)
        if len(text) > 64:
            text = "#" + _hash(text)
        self.shared[id(value)] = (value, text)
        return text

    def document(self, doc: Document) -> str:
        """Return the key of `doc`: its source digest and each field a later stage changed."""
        digest, original = self.parsed[doc.source]
        layout = self.layout(type(doc))
        assert layout is not None, "documents are dataclasses"
        names, values = layout
        changed = [
            (name, now)
            for name, now, then in zip(names, values(doc), values(original), strict=True)
            if now is not then
        ]
        texts = self.texts(now for _, now in changed)
        fields = [f"{name}={text}" for (name, _), text in zip(changed, texts, strict=True)]
        return "doc:" + _hash("\n".join([doc.source, digest, *fields]))

    def layout(self, cls: type) -> tuple[tuple[str, ...], Callable[[Any], tuple]] | None:
        """Return the field names of dataclass `cls` and a function returning an instance's
        field values in that order; None if `cls` is not a dataclass."""
        try:
            return self.layouts[cls]
        except KeyError:
            pass
        found = None
        if dataclasses.is_dataclass(cls):
            names = tuple(f.name for f in dataclasses.fields(cls))
            if len(names) > 1:
                found = (names, operator.attrgetter(*names))
            else:  # attrgetter of one name returns the value, not a tuple; of none, fails
                found = (names, lambda value: tuple(getattr(value, n) for n in names))
        self.layouts[cls] = found
        return found


@dataclass
class PageMemo:
    """Which files of the last build can be kept: their keys, and what output/ holds now."""

    keys: PageKeys
    previous: Mapping[str, tuple[str, str]]  # output path -> (key, digest) of the last build
    present: Mapping[str, str]  # output path -> digest of the file in output/ now
    current: dict[str, tuple[str, str]] = field(default_factory=dict)  # this build's entries

    def keep(self, path: str, origin: str, key: str) -> Output | None:
        """Return the file at `path` as kept if the last build made it from the same key and
        it is still in output/; else None (it must be made)."""
        old = self.previous.get(path)
        if old is None or old[0] != key or self.present.get(path) != old[1]:
            return None
        self.current[path] = old
        return Output(path, origin, digest=old[1])

    def made(self, output: Output, key: str) -> Output:
        """Remember a file made from `key`; return it with its digest."""
        value = output.digest or digest(output.data or b"")
        self.current[output.path] = (key, value)
        return replace(output, digest=value)
