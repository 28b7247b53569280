"""The URLs inside rendered HTML: rewriting the href and src attributes of real tags.

Writers link to site paths (`[corrections](/corrections/)`); these helpers put a sub-path
before such links in raw HTML (markup/sitepaths.py rewrites Markdown's own on its tree), and
make every link absolute where a page is read elsewhere (feeds).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from urllib.parse import urljoin

from generator.htmltokens import Attribute, quoted, rewrite_attributes, start_tags, tag_values
from generator.urls import link

_URL_ATTRIBUTES = frozenset({"href", "src"})
# What a site path written in Markdown may be in besides: the images of a srcset (what the link
# check reads as images) and a video's poster.
SITE_PATH_ATTRIBUTES = frozenset({*_URL_ATTRIBUTES, "srcset", "poster"})
_SPACE = " \t\n\f\r"


def rewrite_urls(
    fragment: str, change: Callable[[str], str], names: frozenset[str] = _URL_ATTRIBUTES
) -> str:
    """Return `fragment` with every href/src value (or those of `names`) replaced by
    `change(value)`.

    `change` sees the value unescaped (each URL of a srcset alone) and its result is escaped
    again for the attribute.
    Only attributes of real tags: text such as `&lt;a href="/x"&gt;` in a code block, or a
    tag inside a comment, a script or a textarea, is left alone.
    """
    changes: list[tuple[Attribute, str]] = []
    for tag in start_tags(fragment, (), names):
        for attribute in tag.attributes.values():
            if attribute.name in names:
                value = attribute.value
                new = (
                    _each_candidate(value, change) if attribute.name == "srcset" else change(value)
                )
                if new != attribute.value:
                    changes.append((attribute, quoted(new)))
    return rewrite_attributes(fragment, changes)


def _each_candidate(srcset: str, change: Callable[[str], str]) -> str:
    """Return `srcset` with the URL of each candidate replaced by `change(url)`, read as the
    WHATWG srcset parser reads it (a URL may hold commas, but not end with one)."""
    out, i, n = [], 0, len(srcset)
    while i < n:
        start = i
        while i < n and srcset[i] in _SPACE + ",":
            i += 1
        out.append(srcset[start:i])
        start = i
        while i < n and srcset[i] not in _SPACE:
            i += 1
        url = srcset[start:i].rstrip(",")
        out.append(change(url) + srcset[start + len(url) : i] if url else srcset[start:i])
        if url and url == srcset[start:i]:  # descriptors follow, up to a comma outside (...)
            start, inside = i, False
            while i < n and (srcset[i] != "," or inside):
                inside = (inside or srcset[i] == "(") and srcset[i] != ")"
                i += 1
            out.append(srcset[start:i])
    return "".join(out)


# Where a content link may be written: also the sources of lazily loaded images, and SVG's.
CONTENT_LINK_ATTRIBUTES = frozenset({*_URL_ATTRIBUTES, "data-src", "data-href", "xlink:href"})


def link_values(fragment: str) -> Iterator[str]:
    """Yield the values written in the real tags of `fragment` where a content link may be
    (CONTENT_LINK_ATTRIBUTES), unescaped, in order (a bare `href` has none)."""
    names = CONTENT_LINK_ATTRIBUTES
    for _, values, _ in tag_values(fragment, (), names):
        for name, value in values.items():
            if name in names and value is not None:
                yield value


def rebase_links(fragment: str, base_path: str, done: str = "") -> str:
    """Return `fragment` with root-relative links (`/corrections/`) under `base_path`; a
    URL that starts with `done` (a mark of rebase_value) is only stripped of it."""
    if not base_path:
        return fragment

    def change(value: str) -> str:
        if done and value.startswith(done):
            return value[len(done) :]
        return _rebased(value, base_path)

    return rewrite_urls(fragment, change, SITE_PATH_ATTRIBUTES)


def rebase_value(name: str, value: str, base_path: str, done: str = "") -> str:
    """Return the value of attribute `name` as rebase_links would write it (a srcset's URLs
    one by one), each URL it changes preceded by `done`."""

    def change(url: str) -> str:
        new = _rebased(url, base_path)
        return url if new == url else done + new

    return _each_candidate(value, change) if name == "srcset" else change(value)


def _rebased(value: str, base_path: str) -> str:
    """Return `value` under `base_path` if it is a site path: read, as a browser reads a URL,
    without the white space around it."""
    url = value.strip(_SPACE)
    new = link(base_path, url)
    return value if new == url else new


def absolute_links(fragment: str, page_url: str) -> str:
    """Return `fragment` with every link made absolute against the page's absolute URL.

    Root-relative links are expected to carry the base path already (see rebase_links).
    """
    return rewrite_urls(fragment, lambda value: join(page_url, value), SITE_PATH_ATTRIBUTES)


# A full http(s) URL that urljoin gives back as it is: it takes a URL with a host as given,
# rebuilt from its parts, which changes nothing for ASCII without a query, fragment,
# parameters, brackets or white space. Most links in a story lead to other sites, and
# feeds hold thousands of stories.
_WHOLE = re.compile(r"https?://[^/\x00-\x20?#;\[\]][^\x00-\x20?#;\[\]]*")


def join(page_url: str, value: str) -> str:
    """Return `value` (a URL on the page at `page_url`) made absolute, as urljoin does."""
    if not value or (_WHOLE.fullmatch(value) and value.isascii()):
        return value
    return urljoin(page_url, value)
