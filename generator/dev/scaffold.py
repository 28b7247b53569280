"""Starting a story or a page: a new file with its front matter filled in, and the authors a
site knows already, so a misspelt byline can be caught before it makes a new author page."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from generator.config import Config
from generator.errors import Problem, SourceError
from generator.source.fields import Fields, canonical
from generator.source.files import PAGES_FOLDER, read_content, with_text
from generator.source.frontmatter import split_front_matter
from generator.urls import slugify

ARTICLES_FOLDER = "articles"


def _quoted(text: str) -> str:
    # JSON strings are valid YAML double-quoted scalars: any text survives, colons included.
    return json.dumps(text, ensure_ascii=False)


def split_tags(text: str) -> tuple[str, ...]:
    """Return the tags of a comma-separated string, stripped, without blanks or repeats."""
    return tuple(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))


def article_text(
    title: str,
    when: datetime,
    author: str | None,
    section: str | None = None,
    tags: Sequence[str] = (),
) -> str:
    """Return a draft article's text: front matter (title, date, author, section, tags,
    draft) and a body."""
    lines = ["---", f"title: {_quoted(title)}", f"date: {when:%Y-%m-%d %H:%M}"]
    if author:
        lines.append(f"author: {_quoted(author)}")
    if section:
        lines.append(f"section: {_quoted(section)}")
    if tags:
        lines.append(f"tags: [{', '.join(_quoted(t) for t in tags)}]")
    lines += ["draft: true", "---", "", "Write the story here.", ""]
    return "\n".join(lines)


def page_text(title: str) -> str:
    """Return a static page's text: its title (pages have no date, author or draft) and a
    body."""
    return "\n".join(["---", f"title: {_quoted(title)}", "---", "", "Write the page here.", ""])


def create_article(
    config: Config,
    title: str,
    when: datetime,
    author: str | None,
    section: str | None = None,
    tags: Sequence[str] = (),
) -> Path:
    """Create content/articles/<slug>.md for `title` and return its path.

    `when` is shown in the site's timezone. Raises FileExistsError rather than overwrite.
    """
    author = author or config.default_author
    text = article_text(title, when.astimezone(config.tz), author, section, tags)
    return _create(config.content_dir / ARTICLES_FOLDER, title, text, config)


def create_page(config: Config, title: str) -> Path:
    """Create content/pages/<slug>.md for `title` and return its path (the page is published
    at /<slug>/). Raises FileExistsError rather than overwrite."""
    return _create(config.content_dir / PAGES_FOLDER, title, page_text(title), config)


def _create(folder: Path, title: str, text: str, config: Config) -> Path:
    path = folder / f"{slugify(title, config.unicode_slugs)}.md"
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8", newline="\n") as out:
        out.write(text)
    return path


def known_authors(config: Config) -> list[str]:
    """Return the authors the site knows: default_author, the keys of `authors:` in the
    settings and the authors of its articles, in that order, once each.

    Only front matter is read; a file that cannot be read or parsed is passed over (`new`
    must not fail on a broken story, the build reports it).
    """
    names = [config.default_author] if config.default_author else []
    names += [name for name, _ in config.authors]
    tree = read_content(config.content_dir, max_bytes=config.max_document_mb * 1_000_000)
    for source in tree.sources:
        if source.kind != "article":
            continue
        loaded = with_text(source) if source.text is None else source
        if isinstance(loaded, Problem) or loaded.text is None:
            continue
        names += _authors_of(loaded.text, loaded.file)
    return list(dict.fromkeys(names))


def _authors_of(text: str, file: Path) -> list[str]:
    """Return the authors named in the front matter of `text`, or none if it is broken."""
    try:
        front = split_front_matter(text, str(file))
        data, lines = canonical(front)
        fields = Fields(data, lines, file, front.dialect)
        return fields.names("authors") or fields.names("author")
    except SourceError:
        return []


def unknown_author(author: str, known: Iterable[str], config: Config) -> bool:
    """Return True if `author` is none of `known` (compared as their author pages are: by
    slug, so case and accents do not make a new author)."""
    slug = slugify(author, config.unicode_slugs)
    return all(slugify(name, config.unicode_slugs) != slug for name in known)


def closest_author(author: str, known: Iterable[str]) -> str | None:
    """Return the known author whose name is closest to `author`, if any is close."""
    import difflib  # here: only an unknown author needs it

    by_folded = {name.casefold(): name for name in known}
    match = difflib.get_close_matches(author.casefold(), list(by_folded), n=1, cutoff=0.6)
    return by_folded[match[0]] if match else None
