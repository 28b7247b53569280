"""The URLs inside rendered HTML: rewriting the href and src attributes of real tags.

Markdown writers link to site paths (`[corrections](/corrections/)`); these helpers make such
links work under a sub-path, and make every link absolute where a page is read elsewhere (feeds).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urljoin

from markupsafe import Markup

from generator.model import DocumentT, Site, evolve
from generator.urls import link

# Only attributes of real tags: text such as `&lt;a href="/x"&gt;` in a code block is left alone.
# Tags without an href or src (most: paragraphs, emphasis, highlighted code) are passed over.
# Case-insensitive for the attribute only: with the flag on the whole expression, [A-Za-z]
# would also take the letters that fold to ASCII (İ, ı, ſ, K), which start no tag.
_TAG = re.compile(r"<[A-Za-z](?=[^<>]*\s(?i:href|src)\s*=)[^<>]*>")
_ATTRIBUTE = re.compile(r"""(\s(?:href|src)\s*=\s*)("[^"]*"|'[^']*'|[^\s"'=<>`]+)""", re.IGNORECASE)


def rewrite_urls(fragment: str, change: Callable[[str], str]) -> str:
    """Return `fragment` with every href/src value replaced by `change(value)`.

    `change` sees the value unescaped and its result is escaped again for the attribute.
    """

    def attribute(match: re.Match) -> str:
        raw = match.group(2)
        value = html.unescape(raw[1:-1] if raw[0] in "\"'" else raw)
        new = change(value)
        if new == value:
            return match.group(0)
        return f'{match.group(1)}"{html.escape(new, quote=True)}"'

    return _TAG.sub(lambda tag: _ATTRIBUTE.sub(attribute, tag.group(0)), fragment)


def rebase_links(fragment: str, base_path: str) -> str:
    """Return `fragment` with root-relative links (`/corrections/`) under `base_path`."""
    if not base_path:
        return fragment
    return rewrite_urls(fragment, lambda value: link(base_path, value))


def absolute_links(fragment: str, page_url: str) -> str:
    """Return `fragment` with every link made absolute against the page's absolute URL.

    Root-relative links are expected to carry the base path already (see rebase_links).
    """
    return rewrite_urls(fragment, lambda value: join(page_url, value))


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
