"""Starting a story: a new article file with its front matter filled in."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from generator.config import Config
from generator.urls import slugify

ARTICLES_FOLDER = "articles"


def article_text(title: str, when: datetime, author: str | None) -> str:
    """Return a draft article's text: front matter (title, date, author, draft) and a body."""
    # JSON strings are valid YAML double-quoted scalars: any title survives, colons included.
    lines = ["---", f"title: {json.dumps(title, ensure_ascii=False)}"]
    lines.append(f"date: {when:%Y-%m-%d %H:%M}")
    if author:
        lines.append(f"author: {json.dumps(author, ensure_ascii=False)}")
    lines += ["draft: true", "---", "", "Write the story here.", ""]
    return "\n".join(lines)


def create_article(config: Config, title: str, when: datetime, author: str | None) -> Path:
    """Create content/articles/<slug>.md for `title` and return its path.

    `when` is shown in the site's timezone. Raises FileExistsError rather than overwrite.
    """
    folder = config.content_dir / ARTICLES_FOLDER
    path = folder / f"{slugify(title, config.unicode_slugs)}.md"
    text = article_text(title, when.astimezone(config.tz), author or config.default_author)
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8", newline="\n") as out:
        out.write(text)
    return path
