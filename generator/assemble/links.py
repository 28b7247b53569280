"""Links between content files: Pelican's `{filename}`, `{static}`, `{attach}` placeholders and
links relative to the source file (`../2023/other.md`, `../images/map.png`), rewritten to the
URLs the targets are published at. Only placeholders and `.md` links must name a known file.

Runs after assemble, since only the finished Site knows every document's URL; pure.
"""

from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

from markupsafe import Markup

from generator.errors import Problem, display_path
from generator.htmlurls import CONTENT_LINK_ATTRIBUTES, rewrite_urls
from generator.model import Asset, DocumentT, Site, evolve
from generator.urls import MARKDOWN_LINK, PLACEHOLDERS, link

_SUFFIX = re.compile(r"[?#]")


class PublishedPaths(dict[str, str]):
    """The site path of every published document and asset, by content path."""

    @functools.cached_property
    def posts_named(self) -> dict[str, list[str]]:
        """Return the Markdown files among the paths by their name without extension: every
        document of a build looks its `post_url` names up in the same index."""
        by_name: dict[str, list[str]] = {}
        for known in sorted(self):
            stem, extension = posixpath.splitext(posixpath.basename(known))
            if extension in (".md", ".markdown"):
                by_name.setdefault(stem, []).append(known)
        return by_name


def published_paths(site: Site) -> PublishedPaths:
    """Return the site path of every published document and asset, by content path."""
    urls = {d.source: d.url for d in (*site.articles, *site.pages)}
    assets = {a.path: "/" + _asset_path(a, urls) for a in site.assets}
    return PublishedPaths({**assets, **urls})


def _asset_path(asset: Asset, urls: dict[str, str]) -> str:
    """Return where `asset` is published (relative): beside its bundle's page, or as it is."""
    if asset.owner and asset.owner in urls:
        inside = asset.path[len(posixpath.dirname(asset.owner)) + 1 :]
        return urls[asset.owner].lstrip("/") + inside
    return asset.path


def resolve_links(
    site: Site, content_dir: Path, base_path: str
) -> tuple[Site, tuple[Problem, ...]]:
    """Return `site` with content links rewritten to site URLs, and a warning per unknown target."""
    targets = published_paths(site)
    warnings: list[Problem] = []
    articles = tuple(
        resolve_document(a, targets, content_dir, base_path, warnings) for a in site.articles
    )
    pages = tuple(
        resolve_document(p, targets, content_dir, base_path, warnings) for p in site.pages
    )
    return replace(site, articles=articles, pages=pages), tuple(warnings)


def resolve_document(
    doc: DocumentT,
    targets: PublishedPaths,
    content_dir: Path,
    base_path: str,
    warnings: list[Problem],
) -> DocumentT:
    """Return `doc` with its content links rewritten to the site paths in `targets` (from
    published_paths); add a warning to `warnings` for each unknown target."""
    if not doc.links:
        return doc
    found: dict[str, str] = {}
    for target, line in doc.links:
        path, suffix = _content_path(target, doc.source)
        if path is not None and path not in targets:
            path = _named_path(target, path, doc.source, targets)
        if path is not None and path in targets:
            found[target] = link(base_path, targets[path]) + suffix
            continue
        if not (target.startswith(PLACEHOLDERS) or MARKDOWN_LINK.match(target)):
            continue  # another relative link (a page of a bundle, a file not in content/)
        shown = f" (no {path} in the content folder)" if path else ""
        message = f"unknown link target '{target}'{shown}"
        warnings.append(Problem(display_path(content_dir / doc.source), line, message))
    if not found:
        return doc
    return evolve(doc, content=_rewrite(doc.content, found), summary=_rewrite(doc.summary, found))


def _content_path(target: str, source: str) -> tuple[str | None, str]:
    """Return the content path `target` points at from document `source`, and its #/? suffix.

    The path is None when it leaves the content folder.
    """
    bare = target
    for placeholder in PLACEHOLDERS:
        if target.startswith(placeholder):
            bare = target[len(placeholder) :]
            break
    cut = _SUFFIX.search(bare)
    path, suffix = (bare[: cut.start()], bare[cut.start() :]) if cut else (bare, "")
    path = unquote(path)
    if path.startswith("/"):  # Pelican: relative to the content folder
        joined = path.lstrip("/")
    else:
        joined = posixpath.join(posixpath.dirname(source), path)
    normal = posixpath.normpath(joined)
    if normal.startswith("../") or normal in ("..", "."):
        return None, suffix
    return normal, suffix


def _named_path(target: str, path: str, source: str, targets: PublishedPaths) -> str:
    """Return the content path a `{post_url}` or `{ref}` target names, else `path`.

    `{post_url}2020-01-02-x` is a post by its file name without extension, wherever it is;
    `{ref}x` is tried as written, with `.md` and as a bundle's `index.md`, beside the
    document and then from the content folder, as Hugo looks.
    """
    if target.startswith("{post_url}"):
        name = posixpath.basename(path)
        inside = posixpath.dirname(target[len("{post_url}") :].split("#")[0].strip("/"))
        for known in targets.posts_named.get(name, ()):
            if not inside or f"/{inside}/" in f"/{known}":
                return known
        return path
    if target.startswith("{ref}"):
        bare = target[len("{ref}") :]
        relative = _content_path(bare, source)[0]
        rooted = _content_path("/" + bare.lstrip("/"), source)[0]
        for base in (relative, rooted):
            for candidate in (base, f"{base}.md", f"{base}/index.md"):
                if base is not None and candidate in targets:
                    return candidate
    return path


def _rewrite(fragment: Markup, found: dict[str, str]) -> Markup:
    rewritten = rewrite_urls(str(fragment), lambda v: found.get(v, v), CONTENT_LINK_ATTRIBUTES)
    return Markup(rewritten)
