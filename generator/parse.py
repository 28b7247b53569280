"""Turn one source file into an Article or a Page: pure, and every bad field is a SourceError."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from .config import Config
from .dates import parse_date
from .errors import Problem, SourceError
from .frontmatter import split_front_matter
from .markup import Converter, plain_text, summary_of, word_count
from .model import Article, Page, Source, Term
from .urls import permalink, slugify

KNOWN_FIELDS = frozenset(
    {
        "title", "date", "updated", "author", "authors", "tags", "section", "summary", "slug",
        "draft", "image", "image_alt", "image_caption", "template", "lang",
        "expires",
    }
)  # fmt: skip
_TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_TRUE = {"true", "yes", "on"}
_FALSE = {"false", "no", "off"}


@dataclass(frozen=True)
class Parsed:
    document: Article | Page
    warnings: tuple[Problem, ...] = ()


class _Fields:
    """Typed access to front matter values, raising SourceError at the key's line."""

    def __init__(self, data: dict[str, Any], lines: dict[str, int], file: object):
        self.data = data
        self.lines = lines
        self.file = file

    def error(self, key: str, message: str, hint: str = "") -> SourceError:
        return SourceError(self.file, self.lines.get(key, 1), message, hint)

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.error(key, f"'{key}' must be text, not a {_kind(value)}")
        return value.strip()

    def flag(self, key: str) -> bool:
        value = self.data.get(key)
        if value is None:
            return False
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        raise self.error(key, f"'{key}' must be true or false, not {value!r}")

    def names(self, key: str) -> list[str]:
        """Return a list field, also accepting one comma-separated string."""
        value = self.data.get(key)
        if value is None:
            return []
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str | None) for i in items):
            raise self.error(key, f"'{key}' must be a list of names or a comma-separated string")
        return [i.strip() for i in items if i and i.strip()]

    def date(self, key: str, config: Config, required: bool):
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.error(key, f"missing '{key}'", "add e.g. `date: 2024-02-09 14:05`")
            return None
        if not isinstance(value, str):
            raise self.error(key, f"'{key}' is not a date: {value!r}")
        try:
            return parse_date(value, config.tz)
        except ValueError as exc:
            raise self.error(key, f"'{key}' is not a date: '{value}'", str(exc)) from None


def _kind(value: Any) -> str:
    return "list" if isinstance(value, list) else "mapping" if isinstance(value, dict) else "value"


def _term(name: str, prefix: str, config: Config) -> Term:
    slug = slugify(name, config.unicode_slugs)
    return Term(name, slug, f"/{prefix}/{slug}/")


def _template(fields: _Fields, default: str) -> str:
    name = fields.text("template") or default
    if not _TEMPLATE_NAME.match(name):
        raise fields.error("template", f"'template' must be a template file name, not {name!r}")
    return name if name.endswith(".html") else name + ".html"


def _image_url(image: str | None, source: Source, url: str) -> str | None:
    """Resolve a lead image given relative to the source file (or its bundle) to a site path."""
    if not image or image.startswith("/") or re.match(r"^[a-z][a-z0-9+.-]*:", image, re.I):
        return image or None
    if source.bundle:
        return posixpath.normpath(url + image)
    return posixpath.normpath("/" + posixpath.join(posixpath.dirname(source.path), image))


def parse_document(source: Source, config: Config, converter: Converter) -> Parsed:
    """Return the Article or Page in `source`; raise SourceError for the first bad field."""
    front = split_front_matter(source.text, source.file)
    fields = _Fields(front.data, front.lines, source.file)
    title = fields.text("title")
    if not title:
        raise fields.error(
            "title", "missing 'title'", "add e.g. `title: Headline` to the front matter"
        )
    slug = slugify(fields.text("slug") or title, config.unicode_slugs)
    body = converter.convert(front.body)
    summary_text = fields.text("summary")
    summary = converter.inline(summary_text) if summary_text else summary_of(body.html)
    common = dict(
        source=source.path,
        title=title,
        content=Markup(body.html),
        summary=summary,
        description=plain_text(summary),
        toc=Markup(body.toc),
        lang=fields.text("lang"),
        draft=fields.flag("draft"),
        word_count=word_count(body.html),
        meta={k: v for k, v in front.data.items() if k not in KNOWN_FIELDS},
        lines=front.lines,
    )
    if source.kind == "page":
        page = Page(url=f"/{slug}/", template=_template(fields, "page.html"), **common)
        return Parsed(page, front.warnings)

    date = fields.date("date", config, required=True)
    updated = fields.date("updated", config, required=False)
    author_names = fields.names("authors") or fields.names("author")
    if not author_names and config.default_author:
        author_names = [config.default_author]
    section_name = fields.text("section")
    section = _term(section_name, "sections", config) if section_name else None
    url = permalink(config.permalink, slug, date, section.slug if section else None)
    article = Article(
        url=url,
        template=_template(fields, "article.html"),
        date=date,
        updated=updated,
        expires=fields.date("expires", config, required=False),
        authors=tuple(_term(n, "authors", config) for n in dict.fromkeys(author_names)),
        tags=tuple(_term(n, "tags", config) for n in dict.fromkeys(fields.names("tags"))),
        section=section,
        image=_image_url(fields.text("image"), source, url),
        image_alt=fields.text("image_alt", ""),
        image_caption=fields.text("image_caption", ""),
        **common,
    )
    return Parsed(article, front.warnings)
