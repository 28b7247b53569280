"""Checks over the finished site: broken links, missing images and anchors, alt text, dates.

A pure stage: it reads the rendered pages and the Site and returns findings; it never changes
what a build writes. Each finding names the file and line that made it: the Markdown source,
site.yaml or the template that holds the URL, else the output file and its line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from generator.check.links import (
    CheckMemo,
    DocumentFacts,
    PageCheck,
    Scanner,
    check_links,
    occurrences,
)
from generator.check.locate import Locator
from generator.check.refs import scan
from generator.check.summary import CONTENT, UNREADABLE
from generator.config import DEFAULT_CHECKS, Config
from generator.errors import Finding, Problem
from generator.markup.converter import plain_text
from generator.model import CARD_SIZE, Article, Document, Site, Source
from generator.source.files import SourceTexts


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


def unreadable_errors(
    unreadable: Iterable[Problem], config: Config, strict: bool = False
) -> list[Problem]:
    """Return the folders and files of content/ that cannot be read and stop the build at
    their level; the others are judged with the checks' findings (check_build)."""
    findings = judge(((UNREADABLE, p) for p in unreadable), config, strict)
    return [f.problem for f in findings if f.level == "error"]


def _no_card(article: Article, locator: Locator) -> list[tuple[str, Problem]]:
    """Return the social_cards finding of an article whose lead image, a file of this site,
    cannot make a social card; none for an image of another site."""
    if not article.image or not article.image.startswith("/") or article.image.startswith("//"):
        return []
    picture, need = article.picture, "x".join(map(str, CARD_SIZE))
    if picture is None:
        why = "it is not a JPEG, PNG, WebP or GIF image of this site"
    else:
        why = f"it is {picture.width}x{picture.height} pixels"
    problem = Problem(
        locator.source_path(article.source),
        article.lines.get("image"),
        f"the lead image '{article.image}' cannot make a {need} social card: {why}",
        f"use a raster image of at least {need} pixels: social networks show no SVG, and a "
        "smaller image as a thumbnail",
    )
    return [("social_cards", problem)]


def check_documents(
    site: Site,
    config: Config,
    locator: Locator,
    memo: CheckMemo | None = None,
    digests: Mapping[str, str] | None = None,
    contents: dict[str, DocumentFacts] | None = None,
) -> list[tuple[str, Problem]]:
    """Return (check, problem) for what is wrong in the documents themselves.

    `digests` (source path -> digest of the source) and `memo` (read only) spare reading
    the HTML of a document whose source was seen in an earlier build; see _facts. `contents`,
    when given, receives this build's facts.
    """
    on = {c for c in DEFAULT_CHECKS if config.check_level(c) != "off"}
    alt, summary = "missing_alt" in on, "long_summary" in on
    previous = memo.contents if memo else {}
    current: dict[str, DocumentFacts] = {} if contents is None else contents
    raw: list[tuple[str, Problem]] = []
    for doc in (*site.articles, *site.pages) if alt or summary else ():
        key = _facts_key(doc, digests or {})
        facts = current.get(key) or previous.get(key) or _facts(doc, alt, summary)
        current[key] = facts
        for src, nth, of in facts[0]:
            where = locator.locate(src, doc.source, None, None, None, nth, of)
            raw.append(("missing_alt", Problem(*where, f"image '{src}' has no alt text")))
        if summary and isinstance(doc, Article):
            raw += _summary_problems(doc, facts[1], config, locator)
    for article in site.articles:
        lines = article.lines
        if alt and article.image and not article.image_alt.strip():
            problem = Problem(
                locator.source_path(article.source),
                lines.get("image"),
                f"image '{article.image}' has no alt text",
                "add `image_alt:` to the front matter",
            )
            raw.append(("missing_alt", problem))
        if "social_cards" in on and not (article.picture and article.picture.card):
            raw += _no_card(article, locator)
        if "updated_before_date" in on and article.updated and article.updated < article.date:
            message = (
                f"'updated' ({_moment(article.updated)}) is earlier than "
                f"'date' ({_moment(article.date)})"
            )
            shown = locator.source_path(article.source)
            raw.append(("updated_before_date", Problem(shown, lines.get("updated"), message)))
    by_source = {a.source: a for a in site.articles}
    for tag in site.tags if "single_use_tags" in on else ():
        if tag.count == 1:
            article = by_source[tag.sources[0]]
            shown, line = locator.source_path(article.source), article.lines.get("tags")
            message = f"tag '{tag.name}' is used by this article only"
            raw.append(("single_use_tags", Problem(shown, line, message)))
    return raw


def _facts_key(doc: Document, digests: Mapping[str, str]) -> str:
    """Return a key that names the content and summary of `doc` exactly.

    Parsing is pure, so a document's HTML is a function of its source, the settings and the
    code (the cache is discarded when either of those changes): its source path and digest
    name it, unless resolve_links rewrote links to other documents into it, which only a hash
    of the HTML itself names.
    """
    digest = digests.get(doc.source)
    if digest is not None and not doc.links:
        return f"{doc.source}\0{digest}"
    text = f"{doc.content}\0{doc.summary}".encode()
    return "#" + hashlib.blake2b(text, digest_size=16).hexdigest()


def _facts(doc: Document, alt: bool, summary: bool) -> DocumentFacts:
    """Return what the checks need of `doc`'s HTML, for the checks that are on."""
    images: tuple[tuple[str, int, int], ...] = ()
    if alt and "<img" in doc.content:
        found = scan(doc.content).images
        unnamed = [i for i, img in enumerate(found) if not (img.alt or "").strip()]
        where = occurrences([img.src for img in found], unnamed)
        images = tuple((found[i].src, *where[i]) for i in unnamed)
    return images, len(plain_text(doc.summary)) if summary else -1


def _summary_problems(
    article: Article, length: int, config: Config, locator: Locator
) -> list[tuple[str, Problem]]:
    line = article.lines.get("summary") or article.lines.get("title")
    if length == 0:
        message = "article has no summary"
    elif length > config.summary_length:
        message = (
            f"summary is {length} characters long, "
            f"more than summary_length ({config.summary_length})"
        )
    else:
        return []
    return [("long_summary", Problem(locator.source_path(article.source), line, message))]


def _moment(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def check_build(
    site: Site,
    pages: Scanner,
    origins: Mapping[str, str],
    sources: Sequence[Source],
    warnings: Iterable[Problem],
    link_warnings: Iterable[Problem],
    config: Config,
    strict: bool = False,
    memo: CheckMemo | None = None,
    unreadable: Iterable[Problem] = (),
) -> tuple[list[Finding], CheckMemo]:
    """Return the findings of a build: the checks over its `pages` (`origins` holds every
    output path and what made it), the unknown content links (`link_warnings`, as broken
    links), the `unreadable` folders and files of content/, then the other warnings of
    earlier stages (as check 'content'); and what the checks found, for the next build,
    which takes it as `memo` (never changed here)."""
    digests = {s.path: s.digest for s in sources}
    lines = memo.lines if memo else None
    locator = Locator(config, SourceTexts(sources), site, None, digests, lines)
    unknown = list(link_warnings)
    reported = {(p.path, p.line) for p in unknown}
    results: dict[str, PageCheck] = {}
    found = check_links(
        pages.digests, pages.refs, set(origins), origins, config, locator, memo, results
    )
    raw = [
        (check, problem)
        for check, problem in found
        if check != "broken_links" or (problem.path, problem.line) not in reported
    ]
    raw += [("broken_links", p) for p in unknown]
    contents: dict[str, DocumentFacts] = {}
    raw += check_documents(site, config, locator, memo, digests, contents)
    raw += [(UNREADABLE, p) for p in unreadable]
    new = CheckMemo(frozenset(origins), results, contents, locator.lines)
    judged = judge(raw, config, strict) + judge(((CONTENT, p) for p in warnings), config, strict)
    return judged, new
