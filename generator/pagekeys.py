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
import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import jinja2
import jinja2.meta

from .model import Document
from .outputs import Output, digest


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def template_fingerprints(env: jinja2.Environment) -> dict[str, str]:
    """Return, for each template name, a hash of its source and of every template it uses."""
    sources: dict[str, str] = {}
    uses: dict[str, frozenset[str] | None] = {}
    for name in env.list_templates():
        source = env.loader.get_source(env, name)[0]
        sources[name] = source
        uses[name] = _uses(source)
    everything = _hash("\0".join(f"{n}\0{s}" for n, s in sorted(sources.items())))
    fingerprints = {}
    for name in sources:
        closure = _closure(name, uses)
        if closure is None:
            fingerprints[name] = everything
        else:
            fingerprints[name] = _hash("\0".join(f"{n}\0{sources[n]}" for n in sorted(closure)))
    return fingerprints


@functools.lru_cache(maxsize=1024)
def _uses(source: str) -> frozenset[str] | None:
    """Return the templates `source` extends, includes or imports; None if any is dynamic
    or the template does not parse. Remembered by source: the dev server asks every build."""
    try:
        refs = set(jinja2.meta.find_referenced_templates(_PARSER.parse(source)))
    except jinja2.TemplateSyntaxError:
        return None  # rendering will report it; key it on everything meanwhile
    return None if None in refs else frozenset(refs)


# Only parses templates to find what they reference; delimiters are Jinja's defaults, as in
# the environment that renders them.
_PARSER = jinja2.Environment()


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


class PageKeys:
    """Computes page keys for one build; documents are keyed once and remembered."""

    def __init__(
        self,
        stamp: str,
        templates: Mapping[str, str],
        parsed: Mapping[str, tuple[str, Document]],
    ):
        self.stamp = stamp
        self.templates = templates
        self.parsed = parsed  # source path -> (digest, the document as parsing returned it)
        self.documents: dict[str, str] = {}
        self.shared: dict[int, tuple[Any, str]] = {}

    def key(self, template: str, url: str, context: Mapping[str, Any]) -> str:
        """Return the key of rendering `template` at `url` with `context`."""
        parts = [self.stamp, self.templates.get(template, "missing:" + template), url]
        parts += [f"{name}={self.encode(value)}" for name, value in sorted(context.items())]
        return _hash("\n".join(parts))

    def encode(self, value: Any) -> str:
        """Return a text that is equal for equal values, as they would render."""
        if isinstance(value, Document):
            return self.document(value)
        if value is None or isinstance(value, str | int | float):
            return repr(value)
        if isinstance(value, list):
            return "[" + ",".join(self.encode(v) for v in value) + "]"
        # Immutable values recur on many pages (the site, groups, terms): encode each once.
        # The memo holds the value itself so its id cannot be reused within the build.
        memo = self.shared.get(id(value))
        if memo is not None and memo[0] is value:
            return memo[1]
        if isinstance(value, tuple):
            text = "(" + ",".join(self.encode(v) for v in value) + ")"
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = (self.encode(getattr(value, f.name)) for f in dataclasses.fields(value))
            text = type(value).__name__ + "(" + ",".join(fields) + ")"
        else:
            text = repr(value)
        if len(text) > 64:
            text = "#" + _hash(text)
        self.shared[id(value)] = (value, text)
        return text

    def document(self, doc: Document) -> str:
        key = self.documents.get(doc.source)
        if key is not None:
            return key
        digest, original = self.parsed[doc.source]
        changed = [
            f"{f.name}={self.encode(getattr(doc, f.name))}"
            for f in dataclasses.fields(doc)
            if getattr(doc, f.name) is not getattr(original, f.name)
        ]
        key = "doc:" + _hash("\n".join([doc.source, digest, *changed]))
        self.documents[doc.source] = key
        return key


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
