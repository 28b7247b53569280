"""Checks over the finished site: broken links, missing images and anchors, alt text, dates.

A pure stage: it reads the rendered pages and the Site and returns findings; it never changes
what a build writes. Each finding names the file and line that made it: the Markdown source,
site.yaml or the template that holds the URL, else the output file and its line.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

from .config import DEFAULT_CHECKS, Config
from .errors import BuildFailed, Problem, display_path
from .markup import plain_text
from .model import Site, Source
from .outputs import Output
from .refs import PageRefs, scan, scan_bytes
from .templates import find_theme

# The check that wraps warnings of earlier stages (a duplicate front matter key, a skipped file).
CONTENT = "content"
NOUNS: dict[str, tuple[str, str]] = {
    "broken_links": ("broken link", "broken links"),
    "missing_images": ("missing image", "missing images"),
    "missing_files": ("missing file", "missing files"),
    "broken_anchors": ("broken anchor", "broken anchors"),
    "missing_alt": ("image without alt text", "images without alt text"),
    "updated_before_date": ("update dated before publication", "updates dated before publication"),
    "long_summary": ("summary too long or missing", "summaries too long or missing"),
    "single_use_tags": ("tag used once", "tags used once"),
    "external_links": ("broken external link", "broken external links"),
    CONTENT: ("content warning", "content warnings"),
}
_PAGE_SUFFIXES = ("", ".html", ".htm", ".md", ".markdown")
_TEMPLATE_SUFFIXES = (".html", ".xml", ".txt", ".j2")


@dataclass(frozen=True)
class Finding:
    """One problem a check found; `level` is 'error' or 'warning'."""

    check: str
    problem: Problem
    level: str = "warning"

    def __str__(self) -> str:
        text = str(self.problem)
        where, _, message = text.partition(": ")
        return f"{where}: {self.level}: {message}"


class ChecksFailed(BuildFailed):
    """A build stopped because checks at level 'error' failed; `findings` holds them all."""

    def __init__(self, findings: Sequence[Finding], timings: Mapping[str, float] | None = None):
        self.findings = tuple(findings)
        self.timings = dict(timings or {})
        super().__init__([f.problem for f in self.findings if f.level == "error"])


def judge(
    raw: Iterable[tuple[str, Problem]], config: Config, strict: bool = False
) -> list[Finding]:
    """Return the findings of `raw` (check, problem) at their levels, deduplicated and sorted.

    Checks set to 'off' are dropped; under `strict` every warning is an error.
    """
    findings: dict[tuple[str, Problem], Finding] = {}
    for check, problem in raw:
        level = "warning" if check == CONTENT else config.check_level(check)
        if level == "off":
            continue
        if strict:
            level = "error"
        findings.setdefault((check, problem), Finding(check, problem, level))
    return sorted(
        findings.values(),
        key=lambda f: (f.problem.path, f.problem.line or 0, f.problem.message, f.check),
    )


def summarize(findings: Sequence[Finding]) -> list[str]:
    """Return one line per level: '3 warnings: 2 broken links, 1 missing image'."""
    lines = []
    for level in ("error", "warning"):
        counts = Counter(f.check for f in findings if f.level == level)
        if not counts:
            continue
        total = sum(counts.values())
        order = sorted(counts, key=lambda c: (-counts[c], list(NOUNS).index(c)))
        parts = [f"{counts[c]} {NOUNS[c][0 if counts[c] == 1 else 1]}" for c in order]
        lines.append(f"{total} {level}{'s' if total != 1 else ''}: {', '.join(parts)}")
    return lines


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


def page_url(output_path: str) -> str:
    """Return the site path served by an output file: 'a/index.html' -> '/a/'."""
    if output_path == "index.html" or output_path.endswith("/index.html"):
        return "/" + output_path[: -len("index.html")]
    return "/" + output_path


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
        host = url.partition("://")[2].partition("/")[0].partition("?")[0].partition("#")[0]
        if host.lower() != urlsplit(config.base_url).netloc.lower():
            return None  # another site: the external check's business, not this one's
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


def find_output(site_path: str, paths: set[str]) -> str | None:
    """Return the output file that serves `site_path`, or None when there is none."""
    rel = site_path.lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    if rel in paths:
        return rel
    if "." not in rel.rsplit("/", 1)[-1] and rel + "/index.html" in paths:
        return rel + "/index.html"  # a folder named without its slash: hosts redirect
    return None


def _missing(kind: str, url: str, target: Target) -> tuple[str, str]:
    if kind == "image":
        return "missing_images", f"missing image '{url}': no file at {target.shown}"
    suffix = posixpath.splitext(target.shown.rstrip("/"))[1].lower()
    if kind == "link" and suffix in _PAGE_SUFFIXES:
        return "broken_links", f"broken link to '{url}': no page at {target.shown}"
    return "missing_files", f"missing file '{url}': no file at {target.shown}"


def check_links(
    scanned: Mapping[str, PageRefs],
    paths: set[str],
    origins: Mapping[str, str],
    config: Config,
    locator: Locator,
) -> list[tuple[str, Problem]]:
    """Return (check, problem) for every link, image or anchor in `scanned` that leads nowhere,
    and every <img> without an alt attribute."""
    wanted = {
        c
        for c in ("broken_links", "missing_images", "missing_files", "broken_anchors")
        if config.check_level(c) != "off"
    }
    alt = config.check_level("missing_alt") != "off"
    if not wanted and not alt:
        return []
    raw: list[tuple[str, Problem]] = []
    resolved: dict[tuple[str, str], Target | None] = {}  # the same menu link is on every page
    for path in sorted(scanned):
        origin, here = origins.get(path), page_url(path)
        for ref in scanned[path].refs:
            key = (ref.url, "" if ref.url.startswith("/") else here)
            if key not in resolved:
                resolved[key] = resolve(ref.url, here, config)
            target = resolved[key]
            if target is None:
                continue
            found = find_output(target.site_path, paths) if target.site_path else None
            if found is None:
                check, message = _missing(ref.kind, ref.url, target)
            elif (
                target.fragment
                and target.fragment != "top"
                and found in scanned
                and target.fragment not in scanned[found].ids
            ):
                check = "broken_anchors"
                message = f"broken anchor '{ref.url}': no id '{target.fragment}' on {target.shown}"
            else:
                continue
            if check in wanted:
                where = locator.locate(ref.url, origin, path, ref.line, target.site_path)
                raw.append((check, Problem(*where, message)))
        for img in scanned[path].images if alt else ():
            if img.alt is None:
                where = locator.locate(img.src, origin, path, img.line)
                raw.append(("missing_alt", Problem(*where, f"image '{img.src}' has no alt text")))
    return raw


def check_documents(site: Site, config: Config, locator: Locator) -> list[tuple[str, Problem]]:
    """Return (check, problem) for what is wrong in the documents themselves."""
    on = {c for c in DEFAULT_CHECKS if config.check_level(c) != "off"}
    raw: list[tuple[str, Problem]] = []
    for doc in (*site.articles, *site.pages) if "missing_alt" in on else ():
        for img in scan(doc.content).images if "<img" in doc.content else ():
            if not (img.alt or "").strip():
                where = locator.locate(img.src, doc.source, None, None)
                raw.append(("missing_alt", Problem(*where, f"image '{img.src}' has no alt text")))
    for article in site.articles:
        shown = locator.source_path(article.source)
        lines = article.lines
        if "missing_alt" in on and article.image and not article.image_alt.strip():
            raw.append(
                (
                    "missing_alt",
                    Problem(
                        shown,
                        lines.get("image"),
                        f"image '{article.image}' has no alt text",
                        "add `image_alt:` to the front matter",
                    ),
                )
            )
        if "updated_before_date" in on and article.updated and article.updated < article.date:
            message = (
                f"'updated' ({_moment(article.updated)}) is earlier than "
                f"'date' ({_moment(article.date)})"
            )
            raw.append(("updated_before_date", Problem(shown, lines.get("updated"), message)))
        if "long_summary" in on:
            length = len(plain_text(article.summary))
            line = lines.get("summary") or lines.get("title")
            if length == 0:
                raw.append(("long_summary", Problem(shown, line, "article has no summary")))
            elif length > config.summary_length:
                message = (
                    f"summary is {length} characters long, "
                    f"more than summary_length ({config.summary_length})"
                )
                raw.append(("long_summary", Problem(shown, line, message)))
    by_source = {a.source: a for a in site.articles}
    for tag in site.tags if "single_use_tags" in on else ():
        if tag.count == 1:
            article = by_source[tag.sources[0]]
            shown, line = locator.source_path(article.source), article.lines.get("tags")
            message = f"tag '{tag.name}' is used by this article only"
            raw.append(("single_use_tags", Problem(shown, line, message)))
    return raw


def _moment(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


class Locator:
    """Finds the file and line that wrote a URL: the page's own source, a lead image field,
    site.yaml, or a theme template; failing those, the output file and its line."""

    def __init__(
        self,
        config: Config,
        sources: Mapping[str, str],
        site: Site | None,
        out_dir: Path | None = None,
    ):
        self.config = config
        self.sources = sources
        self.out_dir = out_dir or config.output_dir
        self.fields: dict[str, tuple[str, int | None]] = {}
        self.shown: dict[str, str] = {}
        # Content links as written ({filename}/vote.md#details), rewritten to URLs since.
        self.links = {d.source: d.links for d in (*site.articles, *site.pages)} if site else {}
        for article in site.articles if site else ():
            if article.image:
                where = (self.source_path(article.source), article.lines.get("image"))
                self.fields.setdefault(article.image, where)
        self.files: list[tuple[str, str]] | None = None
        self.found: dict[tuple[str, str | None, str | None], tuple[str, int | None] | None] = {}
        self.index: dict[str, tuple[str, int]] | None = None

    def source_path(self, source: str) -> str:
        shown = self.shown.get(source)
        if shown is None:
            shown = self.shown[source] = display_path(self.config.content_dir / source)
        return shown

    def _settings_and_templates(self) -> list[tuple[str, str]]:
        if self.files is None:
            found: list[Path] = []
            if self.config.config_path:
                found.append(self.config.config_path)
            try:
                dirs = find_theme(self.config).template_dirs
            except BuildFailed:
                dirs = ()
            for folder in dirs:
                found += sorted(p for p in folder.rglob("*") if p.suffix in _TEMPLATE_SUFFIXES)
            self.files = []
            for file in found:
                try:
                    text = file.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                self.files.append((display_path(file), text))
        return self.files

    def locate(
        self,
        url: str,
        origin: str | None,
        output: str | None,
        html_line: int | None,
        site_path: str | None = None,
    ) -> tuple[str, int | None]:
        """Return (path, line) of the file that most likely wrote `url`."""
        key = (url, origin, site_path)
        if key not in self.found:
            self.found[key] = self._search(url, origin, site_path)
        found = self.found[key]
        if found is not None:
            return found
        if output is None:
            return self.source_path(origin or ""), None
        return display_path(self.out_dir / output), html_line

    def _search(
        self, url: str, origin: str | None, site_path: str | None
    ) -> tuple[str, int | None] | None:
        # Writers link to site paths; the page carries them under the base path.
        forms = [url]
        prefix = self.config.base_path
        if prefix and url.startswith(prefix + "/"):
            forms.append(url[len(prefix) :])
        if origin in self.sources:
            line = find_line(self.sources[origin], forms)
            fragment = url.partition("#")[2]
            if not line and fragment:
                written = self.links.get(origin or "", ())
                line = next((n for t, n in written if t.partition("#")[2] == fragment), None)
            if line:
                return self.source_path(origin), line
        if site_path in self.fields:
            return self.fields[site_path]
        for shown, text in self._settings_and_templates():
            line = find_line(text, forms)
            if line:
                return shown, line
        # A listing shows summaries of other documents: a link there may be theirs.
        index = self._url_index()
        for form in forms:
            if form in index:
                source, line = index[form]
                return self.source_path(source), line
        return None

    def _url_index(self) -> dict[str, tuple[str, int]]:
        """Return, for every URL-like token in the sources, its first source and line.

        Built once, when a link is first found outside its own page's source: searching
        every source for every such link would cost findings x sources.
        """
        if self.index is None:
            self.index = {}
            for source in sorted(self.sources):
                text, line, counted = self.sources[source], 1, 0
                for match in _URL_TOKEN.finditer(text):
                    token = match.group()
                    if token not in self.index:
                        line += text.count("\n", counted, match.start())
                        counted = match.start()
                        self.index[token] = (source, line)
        return self.index


_BEFORE_URL = frozenset(" \t\n(\"'<=:[")
_AFTER_URL = frozenset(" \t\n)\"'>]|,")
# What find_line accepts as a whole URL: a run of non-ending characters after a starting one.
_URL_TOKEN = re.compile(r"(?:\A|(?<=[ \t\n(\"'<=:\[]))[^ \t\n)\"'>\]|,]+")


def find_line(text: str, forms: Sequence[str]) -> int | None:
    """Return the first line of `text` holding one of `forms` as a whole URL, or None.

    A plain substring search, checked at both ends: this runs once per finding over whole
    source files, so it must not compile or scan line by line.
    """
    for form in forms:
        start = text.find(form)
        while start >= 0:
            end = start + len(form)
            if (start == 0 or text[start - 1] in _BEFORE_URL) and (
                end == len(text) or text[end] in _AFTER_URL
            ):
                return text.count("\n", 0, start) + 1
            start = text.find(form, start + 1)
    return None


class Scanner:
    """What each page of a build refers to; only pages not seen in an earlier build are
    scanned, by page digest, and a kept page's file is read from the output folder."""

    def __init__(self, config: Config, scans: dict[str, PageRefs] | None = None):
        self.out_dir = config.output_dir
        self.known = dict(scans) if scans else {}
        self.scans = scans
        if scans is not None:
            scans.clear()  # refilled with this build's pages only
        self.pages: dict[str, PageRefs] = {}

    def add(self, output: Output, found: PageRefs | None = None) -> None:
        """Take one file of the build; `found` is its scan if the renderer made one."""
        if output.file is not None or not output.path.endswith(".html"):
            return
        refs = found or (self.known.get(output.digest) if output.digest else None)
        if refs is None:
            data = output.data
            if data is None:
                data = (self.out_dir / output.path).read_bytes()
            refs = scan_bytes(data)
        self.pages[output.path] = refs
        if self.scans is not None and output.digest:
            self.scans[output.digest] = refs


def check_build(
    site: Site,
    scanned: Mapping[str, PageRefs],
    origins: Mapping[str, str],
    sources: Sequence[Source],
    warnings: Iterable[Problem],
    link_warnings: Iterable[Problem],
    config: Config,
    strict: bool = False,
) -> list[Finding]:
    """Return the findings of a build: the checks over its pages (`scanned`, by output path;
    `origins` holds every output path and what made it), the unknown content links
    (`link_warnings`, as broken links), then the other warnings of earlier stages (as check
    'content')."""
    locator = Locator(config, {s.path: s.text for s in sources}, site)
    paths = set(origins)
    unknown = list(link_warnings)
    reported = {(p.path, p.line) for p in unknown}
    raw = [
        (check, problem)
        for check, problem in check_links(scanned, paths, origins, config, locator)
        if check != "broken_links" or (problem.path, problem.line) not in reported
    ]
    raw += [("broken_links", p) for p in unknown]
    raw += check_documents(site, config, locator)
    return judge(raw, config, strict) + judge(((CONTENT, p) for p in warnings), config, strict)
