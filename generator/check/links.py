"""Links, images and anchors of the finished pages: what each page refers to that is not there.

What a page's references lead to depends only on the page's bytes, on which files the site
has, and on the ids of the pages it links into with a fragment. Each page's result is kept with
those inputs (CheckMemo), so a rebuild checks again only the pages whose inputs changed, and
reads a kept page's file only then.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

from generator.check.locate import Locator
from generator.check.refs import PageRefs, scan_bytes
from generator.config import Config
from generator.errors import Problem
from generator.outputs import Output
from generator.urls import served_path

_PAGE_SUFFIXES = ("", ".html", ".htm", ".md", ".markdown")
LINK_CHECKS = ("broken_links", "missing_images", "missing_files", "broken_anchors")


@dataclass(frozen=True)
class Target:
    shown: str  # the path on the host, for messages
    site_path: str | None  # below the site's base path; None when outside it
    fragment: str


def resolve(url: str, page: str, config: Config) -> Target | None:
    """Return where `url` on the page at site path `page` points, or None if not on this site."""
    url = url.strip()
    if not url or url == "#":
        return None
    if url.startswith(("https://", "http://")):
        after = url.partition("://")[2]
        host = after.partition("/")[0].partition("?")[0].partition("#")[0]
        if host.lower() != urlsplit(config.base_url).netloc.lower():
            return None  # another site: the external check's business, not this one's
        # On this site (a page's canonical URL): its site path leads to the same place,
        # unless urljoin would have resolved dot segments or dropped tabs and newlines.
        rest = after[len(host) :]
        if rest[:1] == "/" and rest[1:2] != "/" and "/." not in rest and rest.isprintable():
            url = rest
    if url[0] in "/#" and not url.startswith("//") and "/." not in url:
        # The common cases, a site path or an anchor on the same page, without urljoin.
        path, _, fragment = url.partition("#")
        path = path.partition("?")[0] or config.base_path + quote(page)
    else:
        base = urlsplit(config.base_url)
        page_abs = f"{base.scheme}://{base.netloc}{config.base_path}{quote(page)}"
        try:
            parts = urlsplit(urljoin(page_abs, url))
        except ValueError:
            return None
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != base.netloc.lower():
            return None
        path, fragment = parts.path, parts.fragment
    path, prefix = unquote(path) or "/", config.base_path
    fragment = unquote(fragment)
    if prefix and path != prefix and not path.startswith(prefix + "/"):
        return Target(path, None, fragment)
    return Target(path, path[len(prefix) :] or "/", fragment)


def candidates(site_path: str) -> tuple[str, ...]:
    """Return the output files that could serve `site_path`, in the order they are tried."""
    rel = site_path.lstrip("/")
    if rel == "" or rel.endswith("/"):
        return (rel + "index.html",)
    if "." not in rel.rsplit("/", 1)[-1]:
        return (rel, rel + "/index.html")  # a folder named without its slash: hosts redirect
    return (rel,)


# A URL's target, the output files that could serve it, and the one of those the site has.
Resolved = tuple[Target, tuple[str, ...], str | None]
_ANYWHERE = ("/", "https://", "http://")
_UNSEEN = object()


def _resolved(url: str, here: str, config: Config, paths: Set[str]) -> Resolved | None:
    """Return where `url` on the page at `here` leads, and which of `paths` serves it; None
    for a URL off the site."""
    target = resolve(url, here, config)
    if target is None:
        return None
    tried = candidates(target.site_path) if target.site_path else ()
    return target, tried, next((rel for rel in tried if rel in paths), None)


def _missing(kind: str, url: str, target: Target) -> tuple[str, str]:
    if kind == "image":
        return "missing_images", f"missing image '{url}': no file at {target.shown}"
    suffix = posixpath.splitext(target.shown.rstrip("/"))[1].lower()
    if kind == "link" and suffix in _PAGE_SUFFIXES:
        return "broken_links", f"broken link to '{url}': no page at {target.shown}"
    return "missing_files", f"missing file '{url}': no file at {target.shown}"


@dataclass(frozen=True)
class Broken:
    """A reference on a page that leads nowhere (or an image without alt), not yet located."""

    check: str
    url: str
    line: int
    site_path: str | None
    message: str
    # Which of the page's references to `url` it is (from 0), and how many there are: the
    # third <img src="map.png"> on a page is most likely the third in its source.
    nth: int = 0
    of: int = 1


@dataclass(frozen=True)
class PageCheck:
    """One page's result and the inputs it depends on besides the page itself."""

    digest: str
    targets: frozenset[str]  # output paths that were tried for its references, found or not
    anchors: tuple[tuple[str, str | None], ...]  # (output path, digest) whose ids it needed
    broken: tuple[Broken, ...]


# The images without alt text in a document's HTML, each with which of the document's
# images of that source it is and how many there are (see Broken), and the length of its
# summary's text (-1 when the long_summary check is off): plain tuples, since the cache
# holds one per document.
DocumentFacts = tuple[tuple[tuple[str, int, int], ...], int]


def occurrences(urls: Sequence[str], wanted: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Return, for each index of `wanted` into `urls`, which of the equal URLs it is (from
    0) and how many equal ones there are."""
    wanted, totals, seen = set(wanted), Counter(urls), Counter[str]()
    result = {}
    for index, url in enumerate(urls):
        if index in wanted:
            result[index] = (seen[url], totals[url])
        seen[url] += 1
    return result


@dataclass(frozen=True)
class CheckMemo:
    """What the checks found in one build, for the next: the page results and the output
    paths they were found against, the document facts and the lines of findings. Its memo
    in the cache is keyed on every setting, levels and summary_length included, since a
    page's result holds only the checks that were on. A build never changes one: it makes
    the next from it."""

    paths: frozenset[str] = frozenset()
    pages: Mapping[str, PageCheck] = field(default_factory=dict)
    # What the document checks found in each document's HTML, by a key that names that HTML
    # (checks._facts_key).
    contents: Mapping[str, DocumentFacts] = field(default_factory=dict)
    # Lines of findings in their page's own source (locate.Locator).
    lines: Mapping[tuple[str, str, str], int | None] = field(default_factory=dict)


class Scanner:
    """The HTML pages of a build by output path, with their digests and, when asked, their
    references: a rendered page comes with its scan; a kept page's scan is taken from an
    earlier build of the same bytes, else read from its file in the output folder."""

    def __init__(self, config: Config, scans: Mapping[str, PageRefs] | None = None):
        self.out_dir = config.output_dir
        self.known = scans or {}  # an earlier build's scans, by page digest; never changed
        self.scans: dict[str, PageRefs] = {}  # this build's, by page digest, for the next
        self.digests: dict[str, str | None] = {}
        self.found: dict[str, PageRefs] = {}

    def add(self, output: Output, found: PageRefs | None = None) -> None:
        """Take one file of the build; `found` is its scan if the renderer made one."""
        if output.file is not None or not output.path.endswith(".html"):
            return
        self.digests[output.path] = output.digest
        if found is None and output.data is not None:
            found = scan_bytes(output.data)
        if found is None and output.digest in self.known:
            found = self.known[output.digest]
        if found is not None:
            self.found[output.path] = found
            if output.digest:
                self.scans[output.digest] = found

    def refs(self, path: str) -> PageRefs:
        """Return what the page at `path` refers to, reading its file if need be."""
        found = self.found.get(path)
        if found is None:
            found = self.found[path] = scan_bytes((self.out_dir / path).read_bytes())
            if self.digests.get(path):
                self.scans[self.digests[path]] = found
        return found


def check_page(
    path: str,
    refs: PageRefs,
    lookup: Callable[[str], PageRefs],
    digests: Mapping[str, str | None],
    paths: Set[str],
    config: Config,
    resolved: dict[tuple[str, str], Resolved | None],
) -> PageCheck:
    """Return what the references of the page at `path` lead to that is not there.

    `lookup` gives another page's references (for its ids); `resolved` memoises, across the
    pages checked against the same `paths`, where each URL leads, the files tried and the
    one found, since the same menu links are on every page (and the cache then stores each
    of those paths once).
    """
    wanted = {c for c in LINK_CHECKS if config.check_level(c) != "off"}
    here = served_path(path)
    targets: set[str] = set()
    anchors: dict[str, str | None] = {}
    broken: list[Broken] = []
    at: list[int] = []  # the index of each broken reference among the page's references
    for index, ref in enumerate(refs.refs if wanted else ()):
        # Where a site path or a full URL leads does not depend on the page it is on.
        key = (ref.url, "" if ref.url.startswith(_ANYWHERE) else here)
        entry = resolved.get(key, _UNSEEN)
        if entry is _UNSEEN:
            entry = resolved[key] = _resolved(ref.url, here, config, paths)
        if entry is None:
            continue
        target, tried, found = entry
        targets.update(tried)
        if found is None:
            check, message = _missing(ref.kind, ref.url, target)
        elif target.fragment and target.fragment != "top" and found in digests:
            anchors[found] = digests[found]
            if target.fragment in (refs if found == path else lookup(found)).ids:
                continue
            check = "broken_anchors"
            message = f"broken anchor '{ref.url}': no id '{target.fragment}' on {target.shown}"
        else:
            continue
        if check in wanted:
            broken.append(Broken(check, ref.url, ref.line, target.site_path, message))
            at.append(index)
    if at:
        found = occurrences([ref.url for ref in refs.refs], at)
        broken = [
            replace(b, nth=found[i][0], of=found[i][1]) for b, i in zip(broken, at, strict=True)
        ]
    if config.check_level("missing_alt") != "off":
        unnamed = [i for i, img in enumerate(refs.images) if img.alt is None]
        found = occurrences([img.src for img in refs.images], unnamed) if unnamed else {}
        for index in unnamed:
            img = refs.images[index]
            message = f"image '{img.src}' has no alt text"
            nth, of = found[index]
            broken.append(Broken("missing_alt", img.src, img.line, None, message, nth, of))
    return PageCheck(
        digests.get(path) or "", frozenset(targets), tuple(sorted(anchors.items())), tuple(broken)
    )


def _still_valid(
    old: PageCheck | None, digest: str | None, flipped: set[str], digests: Mapping[str, str | None]
) -> bool:
    # Loops rather than all() over a generator: this runs for every page of the site.
    if old is None or digest is None or old.digest != digest:
        return False
    if flipped and not old.targets.isdisjoint(flipped):
        return False
    for path, kept in old.anchors:  # noqa: SIM110
        if kept is None or digests.get(path) != kept:
            return False
    return True


def check_links(
    digests: Mapping[str, str | None],
    lookup: Callable[[str], PageRefs],
    paths: set[str],
    origins: Mapping[str, str],
    config: Config,
    locator: Locator,
    memo: CheckMemo | None = None,
    results: dict[str, PageCheck] | None = None,
) -> list[tuple[str, Problem]]:
    """Return (check, problem) for every link, image or anchor of the pages in `digests`
    (output path -> digest, None when unknown) that leads nowhere, and every <img> without an
    alt attribute. `memo` holds the last build's results (read only); `results`, when
    given, receives this build's by output path."""
    previous = memo.pages if memo else {}
    flipped = set(paths ^ memo.paths) if memo else set()
    results = {} if results is None else results
    resolved: dict[tuple[str, str], Resolved | None] = {}
    raw: list[tuple[str, Problem]] = []
    # A summary's link shown on listings is reported once, at its source line: as its own
    # page has it (as written) if that page reports it, else as the first listing does.
    seen: dict[tuple[str, str, int | None, str, str], tuple[int, bool]] = {}
    for path in sorted(digests):
        result = previous.get(path)
        if not _still_valid(result, digests[path], flipped, digests):
            result = check_page(path, lookup(path), lookup, digests, paths, config, resolved)
        results[path] = result
        origin = origins.get(path)
        for b in result.broken:
            where = locator.locate(b.url, origin, path, b.line, b.site_path, b.nth, b.of)
            problem = (b.check, Problem(*where, b.message))
            if b.site_path is None:
                raw.append(problem)
                continue
            own = origin is not None and where[0] == locator.source_path(origin)
            key = (b.check, *where, b.site_path, b.url.partition("#")[2])
            if key not in seen:
                seen[key] = (len(raw), own)
                raw.append(problem)
            elif own and not seen[key][1]:
                seen[key] = (seen[key][0], own)
                raw[seen[key][0]] = problem
    return raw


def read_folder(out_dir: Path) -> tuple[dict[str, str], set[str]]:
    """Return the HTML pages (output path -> text) and every file path below `out_dir`."""
    paths = {
        p.relative_to(out_dir).as_posix()
        for p in out_dir.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }
    pages = {
        p: (out_dir / p).read_text(encoding="utf-8", errors="replace")
        for p in sorted(paths)
        if p.endswith((".html", ".htm"))
    }
    return pages, paths
