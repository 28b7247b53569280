"""Turn one source file into an Article or a Page: pure, and every bad field is a SourceError."""

from __future__ import annotations

import logging
import posixpath
import re
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup
from pygments.util import OptionError

from generator.config import Config
from generator.errors import Problem, SourceError, display_path
from generator.htmlurls import link_values
from generator.markup.converter import Converter, Rendered, plain_text, summary_of, word_count
from generator.markup.nesting import deeper_than
from generator.markup.sanitize import MarkupError
from generator.model import Article, Page, Source, Term
from generator.source.dates import parse_date
from generator.source.fields import ALIASES, Fields, canonical
from generator.source.frontmatter import split_front_matter
from generator.urls import PLACEHOLDERS, alias_path, given_path, is_unsafe_url, permalink, slugify

log = logging.getLogger(__name__)

KNOWN_FIELDS = frozenset(
    {
        "title", "date", "updated", "author", "authors", "tags", "section", "summary", "slug",
        "draft", "image", "image_alt", "image_caption", "template", "lang", "layout", "status",
        "published", "aliases", "expires", "url",
        *(alias for aliases in ALIASES.values() for alias in aliases),
    }
)  # fmt: skip
_PLACEHOLDER = re.compile(r"(?:^|/):[A-Za-z_]")
_TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_FILE_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})-")
_HEADING = re.compile(r"^#[ \t]+(?P<title>.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
# A link relative to the source file: no scheme, not site-absolute, not a bare #fragment.
_RELATIVE = re.compile(r"^(?![a-z][a-z0-9+.-]*:|[/#?{])", re.IGNORECASE)


@dataclass(frozen=True)
class Parsed:
    document: Article | Page
    warnings: tuple[Problem, ...] = ()
    notes: tuple[Problem, ...] = ()  # worth a line in verbose mode, not a warning


def _term(name: str, prefix: str, config: Config) -> Term:
    slug = slugify(name, config.unicode_slugs)
    return Term(name, slug, f"/{prefix}/{slug}/")


def _given_url(fields: Fields) -> str | None:
    """Return the site path front matter gives the document (Hugo's `url`, Jekyll's
    `permalink`), or None."""
    value = fields.text("url")
    if not value:
        return None
    if _PLACEHOLDER.search(value):  # Jekyll's /blog/:title/ belongs in site.yaml's permalink
        raise fields.error(
            "url",
            f"'url' must be the page's own path, not a pattern: {value!r}",
            "set `slug`, or site.yaml's `permalink` for a pattern",
        )
    try:
        return given_path(value, "'url'")
    except ValueError as exc:
        raise fields.error("url", str(exc)) from None


def _template(fields: Fields, default: str) -> str:
    name = fields.text("template") or default
    if not _TEMPLATE_NAME.match(name):
        raise fields.error("template", f"'template' must be a template file name, not {name!r}")
    return name if name.endswith(".html") else name + ".html"


def _layout(fields: Fields) -> str | None:
    """Return the template a peer's `layout` asks for; the renderer uses it only if it exists."""
    name = fields.text("layout") if isinstance(fields.data.get("layout"), str) else None
    if not name or fields.data.get("template") or not _TEMPLATE_NAME.match(name):
        return None
    return name if name.endswith(".html") else name + ".html"


def resolve_placeholder(target: str) -> str:
    """Return a Pelican `{static}/img.png` target without its placeholder: '/img.png'."""
    for placeholder in PLACEHOLDERS:
        if target.startswith(placeholder):
            return target[len(placeholder) :]
    return target


def _safe_url(fields: Fields, key: str) -> str | None:
    """Return a URL field, refusing one that would run script in a page (`javascript:`)."""
    value = fields.text(key)
    if value and is_unsafe_url(value, image=True):
        raise fields.error(key, f"'{key}' is not a safe URL: {value!r}")
    return value


def _image_url(image: str | None, source: Source, url: str) -> str | None:
    """Resolve a lead image given relative to the source file (or its bundle) to a site path."""
    if image:
        image = resolve_placeholder(image)
    if not image or image.startswith("/") or re.match(r"^[a-z][a-z0-9+.-]*:", image, re.I):
        return image or None
    if source.bundle:
        return posixpath.normpath(url + image)
    return posixpath.normpath("/" + posixpath.join(posixpath.dirname(source.path), image))


def _title_from_heading(body: str) -> tuple[str | None, str]:
    """Return the first `# heading` outside code and the body; a heading that opens the body
    is blanked out (keeping line numbers) since the theme shows the title itself."""
    lines = body.split("\n")
    fence = ""
    seen_text = False
    for index, line in enumerate(lines):
        opener = _FENCE.match(line)
        if opener and (not fence or opener.group(1)[0] == fence[0]):
            fence = "" if fence else opener.group(1)
        elif not fence:
            heading = _HEADING.match(line)
            if heading:
                if not seen_text:
                    lines[index] = ""
                return heading["title"], "\n".join(lines)
        seen_text = seen_text or bool(line.strip())
    return None, body


def _link_lines(
    rendered: Rendered, summary: str, body: str, body_line: int, fields: Fields
) -> tuple[tuple[str, int], ...]:
    """Return (target, file line) for every placeholder or relative link, for the links stage."""
    found: dict[str, int] = {}
    for values, text, first in (
        (rendered.links, body, body_line),
        (link_values(summary), fields.data.get("summary") or "", fields.lines.get("summary", 1)),
    ):
        for target in values:
            if target in found or not (target.startswith(PLACEHOLDERS) or _RELATIVE.match(target)):
                continue
            at = text.find(target) if isinstance(text, str) else -1
            found[target] = first + text.count("\n", 0, at) if at >= 0 else first
    return tuple(found.items())


def _foreign_syntax(source: Source, rendered: Rendered, first_line: int) -> tuple[Problem, ...]:
    """Return a note on the first Liquid tag or shortcode the converter left as typed."""
    if not rendered.foreign:
        return ()
    line, tag = rendered.foreign[0]
    message = f"template syntax of another generator ({tag[:12]!r}...) is left as text"
    return (Problem(display_path(source.file), first_line + line - 1, message),)


def _default_slug(source: Source, title: str) -> str:
    """Return what a slug is made from: a page's file (or folder) name, an article's title.

    Static pages keep the address their file names promise (pages/about.md -> /about/);
    articles are named by their headline, as newsrooms expect.
    """
    if source.kind != "page":
        return title
    stem = posixpath.splitext(posixpath.basename(source.path))[0]
    return posixpath.basename(posixpath.dirname(source.path)) if stem == "index" else stem


def _lines_removed(original: str, body: str) -> int:
    """Return how many lines from the start of `original` are not in `body` (a heading taken
    as the title)."""
    return original.count("\n") - body.count("\n")


def _convert(
    converter: Converter, body: str, source: Source, first_line: int, base_path: str
) -> Rendered:
    """Return the converted `body`, which starts at line `first_line` of the source, its
    root-relative links under `base_path`; raise SourceError for Markdown the converter
    refuses or cannot convert."""
    try:
        return converter.convert(body, base_path)
    except MarkupError as exc:
        raise SourceError(source.file, first_line + exc.line - 1, str(exc), exc.hint) from None
    # What Python-Markdown and Pygments raise on input they did not foresee: a writer's file
    # must never end a build in a traceback. (Deep nesting and the time limit are reported
    # where parsing is run.)
    except (LookupError, TypeError, ValueError, AttributeError, OptionError) as exc:
        log.debug("converting %s", source.file, exc_info=True)
        raise SourceError(
            source.file, None, f"the Markdown could not be converted ({type(exc).__name__}: {exc})"
        ) from None


def parse_document(source: Source, config: Config, converter: Converter) -> Parsed:
    """Return the Article or Page in `source`; raise SourceError for the first bad field."""
    front = split_front_matter(source.text, source.file)
    data, lines = canonical(front)
    fields = Fields(data, lines, source.file, front.dialect)
    body = front.body
    title = fields.text("title")
    if not title:
        title, body = _title_from_heading(body)
    if not title:
        raise fields.error(
            "title",
            "missing 'title' (and no '# heading' to take it from)",
            "add e.g. `title: Headline` to the front matter",
        )
    slug = slugify(fields.text("slug") or _default_slug(source, title), config.unicode_slugs)
    first_line = front.body_line + _lines_removed(front.body, body)
    if too_deep := deeper_than(body, config.max_nesting):
        depth, line = too_deep
        raise SourceError(
            source.file,
            first_line + line - 1,
            f"nested {depth} levels deep (lists, quotes and HTML); at most {config.max_nesting}",
            "raise max_nesting in site.yaml if the file is genuine",
        )
    rendered = _convert(converter, body, source, first_line, config.base_path)
    summary_text = fields.text("summary")
    summary = (
        converter.inline(summary_text, config.base_path)
        if summary_text
        else summary_of(rendered.html)
    )
    status = fields.status()
    in_drafts = "_drafts" in source.path.split("/")[:-1]
    common = dict(
        source=source.path,
        title=title,
        content=Markup(rendered.html),
        summary=summary,
        description=plain_text(summary),
        toc=Markup(rendered.toc),
        lang=fields.text("lang"),
        draft=status == "draft" or in_drafts,
        word_count=word_count(rendered.html),
        meta={k: v for k, v in data.items() if k not in KNOWN_FIELDS},
        lines=lines,
        layout=_layout(fields),
        links=_link_lines(rendered, summary, body, front.body_line, fields),
    )
    notes = front.notes + _foreign_syntax(source, rendered, first_line)
    if source.kind == "page":
        url = _given_url(fields) or f"/{slug}/"
        page = Page(url=url, template=_template(fields, "page.html"), **common)
        return Parsed(page, front.warnings, notes)

    date = fields.date("date", config) or _file_date(source, fields, config)
    if date is None and common["draft"]:
        # An undated draft (Jekyll's _drafts/) builds, dated at the epoch, only with --drafts.
        date = datetime(1970, 1, 1, tzinfo=config.tz)
        notes += (Problem(display_path(source.file), None, "undated draft: dated 1970-01-01"),)
    if date is None:
        raise fields.error(
            "date",
            "missing 'date'",
            "add e.g. `date: 2024-02-09 14:05`, or start the file name with 2024-02-09-",
        )
    updated = fields.date("updated", config)
    author_names = fields.names("authors") or fields.names("author")
    if not author_names and config.default_author:
        author_names = [config.default_author]
    section_name = fields.text("section")
    section = _term(section_name, "sections", config) if section_name else None
    url = _given_url(fields) or permalink(
        config.permalink, slug, date, section.slug if section else None
    )
    folder = posixpath.dirname(source.path)
    try:
        aliases = tuple(dict.fromkeys(alias_path(a, folder) for a in fields.names("aliases")))
    except ValueError as exc:
        raise fields.error("aliases", str(exc)) from None
    if url in aliases:  # the page itself is there: nothing to redirect
        aliases = tuple(a for a in aliases if a != url)
        notes += (
            Problem(
                display_path(source.file),
                fields.lines.get("aliases"),
                f"alias {url} is the page's own address; left out",
            ),
        )
    tag_names = dict.fromkeys(fields.names("tags", words=True))
    if len(tag_names) > config.max_tags:
        raise fields.error(
            "tags",
            f"{len(tag_names)} tags; an article may have at most {config.max_tags}",
            "raise max_tags in site.yaml if the article is genuine",
        )
    article = Article(
        url=url,
        template=_template(fields, "article.html"),
        date=date,
        updated=updated,
        expires=fields.date("expires", config),
        authors=tuple(_term(n, "authors", config) for n in dict.fromkeys(author_names)),
        tags=tuple(_term(n, "tags", config) for n in tag_names),
        section=section,
        image=_image_url(_safe_url(fields, "image"), source, url),
        image_alt=fields.text("image_alt", ""),
        image_caption=fields.text("image_caption", ""),
        aliases=aliases,
        hidden=status == "hidden",
        **common,
    )
    return Parsed(article, front.warnings, notes)


def _file_date(source: Source, fields: Fields, config: Config) -> datetime | None:
    """Return the date of a Jekyll-style `2024-02-09-title.md` file name, or None."""
    match = _FILE_DATE.match(posixpath.basename(source.path))
    if match is None:
        return None
    try:
        return parse_date(match.group(1), config.tz)
    except ValueError:
        raise SourceError(
            source.file, 1, f"the file name's date {match.group(1)!r} is not a real date"
        ) from None
