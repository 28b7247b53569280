"""Where a finding comes from: the Markdown source, site.yaml or the theme template that wrote
a URL, else the output file and its line."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from generator.config import Config
from generator.errors import BuildFailed, display_path
from generator.model import Site
from generator.render.themes import TEMPLATE_SUFFIXES, find_theme
from generator.urls import link, relative_target

_Where = tuple[str, int | None]


class Locator:
    """Finds the file and line that wrote a URL: the page's own source, a lead image field,
    site.yaml, or a theme template; failing those, the output file and its line."""

    def __init__(
        self,
        config: Config,
        sources: Mapping[str, str],
        site: Site | None,
        out_dir: Path | None = None,
        digests: Mapping[str, str] | None = None,
        lines: Mapping[tuple[str, str, str], int | None] | None = None,
    ):
        self.config = config
        self.sources = sources
        # Lines found in a page's own source by (source, its digest, URL), from the last
        # build: a source unchanged since then is not read again to find them.
        self.digests = digests or {}
        self.known_lines = lines or {}
        self.lines: dict[tuple[str, str, str], int | None] = {}  # this build's, for the next
        self.out_dir = out_dir or config.output_dir
        self.fields: dict[str, tuple[str, int | None]] = {}
        self.shown: dict[str, str] = {}
        self.folders: dict[str, str] = {}  # a folder of content/ -> how its files are shown
        # Content links as written ({filename}/vote.md#details), rewritten to URLs since.
        self.links = {d.source: d.links for d in (*site.articles, *site.pages)} if site else {}
        # Where each document is published: a summary's relative links, shown on listings,
        # lead from there (see assemble.summaries.anchor_summary).
        documents = (*site.articles, *site.pages) if site else ()
        self.addresses = {d.source: link(config.base_path, d.url) for d in documents}
        for article in site.articles if site else ():
            if article.image:
                where = (self.source_path(article.source), article.lines.get("image"))
                self.fields.setdefault(article.image, where)
        self.files: list[tuple[str, str]] | None = None
        self.found: dict[tuple[str, str | None, str | None, int, int], _Where | None] = {}
        self.index: dict[str, tuple[str, int]] | None = None

    def source_path(self, source: str) -> str:
        """Return display_path() of the content file `source`.

        display_path resolves a file's folder, never its name, so the files of one folder
        share how their folder is shown: it is worked out once per folder, since a finding
        may name any of thousands of sources.
        """
        shown = self.shown.get(source)
        if shown is None:
            folder, _, name = source.rpartition("/")
            prefix = self.folders.get(folder) if name not in ("", ".", "..") else None
            if prefix is not None:
                shown = prefix + name
            else:
                shown = display_path(self.config.content_dir / source)
                cut = len(shown) - len(name)
                if (
                    name not in ("", ".", "..")
                    and shown.endswith(name)
                    and shown[cut - 1 : cut] in ("", "/")
                ):
                    self.folders[folder] = shown[:cut]
            self.shown[source] = shown
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
                found += sorted(p for p in folder.rglob("*") if p.suffix in TEMPLATE_SUFFIXES)
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
        nth: int = 0,
        of: int = 1,
    ) -> tuple[str, int | None]:
        """Return (path, line) of the file that most likely wrote `url`, the `nth` (from 0)
        of `of` references to it on its page."""
        key = (url, origin, site_path, nth, of)
        if key not in self.found:
            self.found[key] = self._search(url, origin, site_path, nth, of)
        found = self.found[key]
        if found is not None:
            return found
        if output is None:
            return self.source_path(origin or ""), None
        return display_path(self.out_dir / output), html_line

    def _search(
        self, url: str, origin: str | None, site_path: str | None, nth: int = 0, of: int = 1
    ) -> tuple[str, int | None] | None:
        # Writers link to site paths; the page carries them under the base path.
        forms = [url]
        prefix = self.config.base_path
        if prefix and url.startswith(prefix + "/"):
            forms.append(url[len(prefix) :])
        if origin in self.sources:
            line = self._own_line(origin, url, forms, nth, of)
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
        for form in forms:  # a URL written across lines: found by its first line's part
            head = _SPACE.split(form, 1)[0]
            if head != form and head in index:
                source = index[head][0]
                line = find_line(self.sources[source], [form])
                if line:
                    return self.source_path(source), line
        return None

    def _own_line(
        self, origin: str, url: str, forms: list[str], nth: int = 0, of: int = 1
    ) -> int | None:
        """Return the line of `origin`'s source that wrote `url` (the `nth` of `of` on its
        page: the nth in the source when it holds as many), or None."""
        # The memo's keys are text: which of several is told apart inside the URL's.
        key = (origin, self.digests.get(origin, ""), url if of == 1 else f"{url}\0{nth}/{of}")
        if key[1] and key in self.known_lines:
            line = self.known_lines[key]
        else:
            text = self.sources[origin]
            lines = find_lines(text, [*forms, *_written_forms(forms)])
            line = lines[nth] if len(lines) == of else lines[0] if lines else None
            fragment = url.partition("#")[2]
            if not line and fragment:
                written = self.links.get(origin, ())
                line = next((n for t, n in written if t.partition("#")[2] == fragment), None)
        if key[1]:
            self.lines[key] = line
        return line

    def _url_index(self) -> dict[str, tuple[str, int]]:
        """Return, for every URL-like token in the sources, its first source and line.

        Built once, when a link is first found outside its own page's source: searching
        every source for every such link would cost findings x sources.
        """
        if self.index is None:
            self.index = {}
            for source in sorted(self.sources):
                text, line, counted = self.sources[source], 1, 0
                address = self.addresses.get(source)
                for match in _URL_TOKEN.finditer(text):
                    token, start = match.group(), match.start()
                    if token.startswith("<"):  # Markdown's (<target>)
                        token, start = token[1:], start + 1
                    anchored = address and _anchored(text, start, token, address)
                    if token not in self.index or (anchored and anchored not in self.index):
                        line += text.count("\n", counted, start)
                        counted = start
                        self.index.setdefault(token, (source, line))
                        if anchored:
                            self.index.setdefault(anchored, (source, line))
        return self.index


_SPACE = re.compile(r"[ \t\n]")
_BEFORE_URL = frozenset(" \t\n(\"'<=:[")
_AFTER_URL = frozenset(" \t\n)\"'>]|,")
# What find_line accepts as a whole URL: a run of non-ending characters after a starting one.
_URL_TOKEN = re.compile(r"(?:\A|(?<=[ \t\n(\"'<=:\[]))[^ \t\n)\"'>\]|,]+")


def _anchored(text: str, start: int, token: str, address: str) -> str | None:
    """Return where the relative link `token`, written at `start` of the source of the
    document at `address`, leads (as a summary on a listing shows it); None for a token
    that is no link target or not relative."""
    if start == 0 or text[start - 1] not in "(\"'<=":
        return None
    return relative_target(token, address)


def _written_forms(forms: Sequence[str]) -> list[str]:
    """Return how else `forms` may be written in a source: with entities (`&amp;`), or
    after a Liquid or Hugo variable (`{{ site.baseurl }}/images/map.png`)."""
    escaped = [e for f in forms if (e := html.escape(f, quote=False)) != f]
    return escaped + [f"}}}}{f}" for f in forms if f.startswith("/")]


def find_lines(text: str, forms: Sequence[str]) -> list[int]:
    """Return every line of `text` holding the first of `forms` found as a whole URL."""
    for form in forms:
        found = list(_lines_of(text, form))
        if found:
            return found
    return []


def find_line(text: str, forms: Sequence[str]) -> int | None:
    """Return the first line of `text` holding one of `forms` as a whole URL, or None."""
    for form in forms:
        for line in _lines_of(text, form):
            return line
    return None


def _lines_of(text: str, form: str) -> Iterator[int]:
    """Yield the line of each place `form` stands in `text` as a whole URL (a form after a
    template variable, `}}/x`, is whole at its end alone).

    A plain substring search, checked at both ends: this runs once per finding over whole
    source files, so it must not compile or scan line by line.
    """
    start = text.find(form)
    while start >= 0:
        end = start + len(form)
        if (start == 0 or form[0] == "}" or text[start - 1] in _BEFORE_URL) and (
            end == len(text) or text[end] in _AFTER_URL
        ):
            yield text.count("\n", 0, start) + 1
        start = text.find(form, start + 1)
