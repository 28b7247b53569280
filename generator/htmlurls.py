"""The URLs inside rendered HTML: rewriting the href and src attributes of real tags.

Markdown writers link to site paths (`[corrections](/corrections/)`); these helpers make such
links work under a sub-path, and make every link absolute where a page is read elsewhere (feeds).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from urllib.parse import urljoin

from markupsafe import Markup

from generator.htmltokens import Attribute, quoted, rewrite_attributes, start_tags, tag_values
from generator.model import DocumentT, Site, evolve
from generator.urls import link

_URL_ATTRIBUTES = frozenset({"href", "src"})


def rewrite_urls(
    fragment: str, change: Callable[[str], str], names: frozenset[str] = _URL_ATTRIBUTES
) -> str:
    """Return `fragment` with every href/src value (or those of `names`) replaced by
    `change(value)`.

    `change` sees the value unescaped and its result is escaped again for the attribute.
    Only attributes of real tags: text such as `&lt;a href="/x"&gt;` in a code block, or a
    tag inside a comment, a script or a textarea, is left alone.
    """
    changes: list[tuple[Attribute, str]] = []
    for tag in start_tags(fragment, (), names):
        for attribute in tag.attributes.values():
            if attribute.name in names:
                new = change(attribute.value)
                if new != attribute.value:
                    changes.append((attribute, quoted(new)))
    return rewrite_attributes(fragment, changes)


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


def rebase_links(fragment: str, base_path: str) -> str:
    """Return `fragment` with root-relative links (`/corrections/`) under `base_path`."""
    if not base_path:
        return fragment
    return rewrite_urls(fragment, lambda value: link(base_path, value))


def absolute_links(fragment: str, page_url: str) -> str:
    """Return `fragment` with every link made absolute against the page's absolute URL,
    each candidate of a `srcset` included.

    Root-relative links are expected to carry the base path already (see rebase_links).
    """
    fragment = rewrite_urls(fragment, lambda value: join(page_url, value))
    if "srcset" not in fragment:
        return fragment
    return rewrite_urls(fragment, lambda value: _join_srcset(page_url, value), _SRCSET)


_SRCSET = frozenset({"srcset"})


def _join_srcset(page_url: str, srcset: str) -> str:
    """Return `srcset` with the URL of each candidate made absolute."""
    candidates = []
    for candidate in srcset.split(","):
        url, _, descriptor = candidate.strip().partition(" ")
        if url:
            candidates.append(f"{join(page_url, url)} {descriptor}".rstrip())
    return ", ".join(candidates)


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


def rebase_site(site: Site, base_path: str) -> Site:
    """Return `site` with the root-relative links of every article and page under `base_path`.

    Under a domain root (`base_path` empty) the site is returned as it is.
    """
    if not base_path:
        return site
    return replace(
        site,
        articles=tuple(rebase_document(a, base_path) for a in site.articles),
        pages=tuple(rebase_document(p, base_path) for p in site.pages),
    )


def rebase_document(doc: DocumentT, base_path: str) -> DocumentT:
    """Return `doc` with the root-relative links of its content and summary under `base_path`."""
    if not base_path:
        return doc
    return evolve(
        doc,
        content=Markup(rebase_links(doc.content, base_path)),
        summary=Markup(rebase_links(doc.summary, base_path)),
    )
