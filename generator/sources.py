"""The only reader of content/: finds documents and assets, decodes text, hashes bytes."""

from __future__ import annotations

import codecs
import fnmatch
import logging
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import Problem, display_path
from .model import Asset, Source
from .outputs import digest

log = logging.getLogger(__name__)

MARKDOWN_SUFFIXES = (".md", ".markdown")
PAGES_FOLDER = "pages"
# Jekyll keeps its machinery in folders and files whose name starts with '_' (_layouts,
# _includes, _site, _data, _config.yml) and publishes none of it; Hugo's _index.md describes a
# list page. Only Jekyll's articles (_posts) and drafts (_drafts) are content.
CONTENT_UNDERSCORE_FOLDERS = ("_posts", "_drafts")
# Editor and operating-system leftovers that are never content.
JUNK = (".DS_Store", "._*", "*.swp", "*.swo", "*~", ".#*", "#*#", "Thumbs.db", "desktop.ini")


@dataclass(frozen=True)
class ContentTree:
    sources: tuple[Source, ...]
    assets: tuple[Asset, ...]
    errors: tuple[Problem, ...]  # files that should be content but cannot be read
    skipped: tuple[Problem, ...]  # files left out on purpose (links out, FIFOs)


def is_junk(name: str) -> bool:
    """Return True for editor swap files, OS metadata and hidden files."""
    return name.startswith(".") or any(fnmatch.fnmatchcase(name, pattern) for pattern in JUNK)


def is_machinery(name: str, folder: bool) -> bool:
    """Return True for another generator's files that are not content (`_layouts`, `_index.md`)."""
    return name.startswith("_") and not (folder and name in CONTENT_UNDERSCORE_FOLDERS)


def decode(data: bytes) -> str:
    """Return UTF-8 `data` (a BOM allowed) as text with '\\n' newlines; raise UnicodeDecodeError."""
    text = data.decode("utf-8-sig")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


FileMemo = dict[str, tuple[int, int, str]]  # file -> (size, mtime_ns, digest)


def file_digest(file: Path, memo: FileMemo) -> str:
    """Return the digest of a file's bytes, reading it only if its size or mtime changed."""
    info = file.stat()
    known = memo.get(str(file))
    if known is not None and known[:2] == (info.st_size, info.st_mtime_ns):
        return known[2]
    value = digest(file.read_bytes())
    memo[str(file)] = (info.st_size, info.st_mtime_ns, value)
    return value


def read_content(
    content_dir: Path, memo: FileMemo | None = None, max_bytes: int | None = None
) -> ContentTree:
    """Return every document and asset under `content_dir`, in sorted path order.

    Assets are hashed through `memo`, so unchanged images are not read again. A Markdown
    file over `max_bytes` is an error rather than a document.
    """
    memo = {} if memo is None else memo
    root = content_dir.resolve()
    sources: list[Source] = []
    assets: list[Asset] = []
    errors: list[Problem] = []
    skipped: list[Problem] = []
    bundles: list[tuple[str, str]] = []  # (folder prefix, source path of its index.md)
    if not root.is_dir():
        missing = Problem(display_path(content_dir), None, "content folder not found")
        return ContentTree((), (), (missing,), ())
    for folder, dirs, files in os.walk(root):
        rel_folder = Path(folder).relative_to(root).as_posix()
        prefix = "" if rel_folder == "." else rel_folder + "/"
        for name in sorted(n for n in (*dirs, *files) if is_machinery(n, n in dirs)):
            shown = display_path(Path(folder) / name)
            log.debug("%s: skipped: another generator's file, not content", shown)
        dirs[:] = sorted(d for d in dirs if not is_junk(d) and not is_machinery(d, True))
        for name in [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            # os.walk does not follow them; say so rather than leave the folder out silently
            message = "skipped: a symbolic link to a folder (links to folders are not followed)"
            skipped.append(Problem(display_path(Path(folder) / name), None, message))
        names = sorted(n for n in files if not is_junk(n) and not is_machinery(n, False))
        is_pages = prefix.startswith(PAGES_FOLDER + "/")
        if not is_pages and prefix and any(n in ("index.md", "index.markdown") for n in names):
            index = "index.md" if "index.md" in names else "index.markdown"
            bundles.append((prefix, prefix + index))
        for name in names:
            file = Path(folder) / name
            rel = prefix + name
            problem = _unsafe(file, root)
            if problem:
                skipped.append(Problem(display_path(file), None, problem))
                continue
            if not name.lower().endswith(MARKDOWN_SUFFIXES):
                try:
                    assets.append(Asset(rel, file, file_digest(file, memo)))
                except OSError as exc:
                    errors.append(Problem(display_path(file), None, f"cannot read: {exc.strerror}"))
                continue
            if max_bytes is not None and file.stat().st_size > max_bytes:
                limit = f"{max_bytes / 1_000_000:g} MB"
                errors.append(
                    Problem(
                        display_path(file),
                        None,
                        f"larger than the {limit} limit for a document",
                        "raise max_document_mb in site.yaml if the file is genuine",
                    )
                )
                continue
            try:
                data = file.read_bytes()
                text = decode(data)
            except UnicodeDecodeError as exc:
                errors.append(_not_utf8(file, data, exc))
                continue
            except OSError as exc:
                errors.append(Problem(display_path(file), None, f"cannot read: {exc.strerror}"))
                continue
            kind = "page" if is_pages else "article"
            bundle = bool(bundles) and rel == bundles[-1][1]
            sources.append(Source(rel, file, text, digest(data), kind, bundle))
    owned = [_with_owner(a, bundles) for a in assets]
    return ContentTree(tuple(sources), tuple(owned), tuple(errors), tuple(skipped))


def _not_utf8(file: Path, data: bytes, exc: UnicodeDecodeError) -> Problem:
    """Return the problem of a Markdown file that is not UTF-8, at the line of the first bad
    byte, saying what it is when that is clear."""
    head = data[:400]
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        min(even, odd) == 0 and max(even, odd) > len(head) // 4  # ASCII letters as UTF-16
    ):
        return Problem(
            display_path(file), 1, "not valid UTF-8 text: it is UTF-16", "save it as UTF-8"
        )
    line = data.count(b"\n", 0, exc.start) + 1
    if b"\x00" in data:
        message = "not valid UTF-8 text: it looks like a binary file"
        return Problem(display_path(file), line, message)
    hint = "save it as UTF-8 (it may be Latin-1 or Windows-1252)"
    return Problem(display_path(file), line, "not valid UTF-8 text", hint)


def _with_owner(asset: Asset, bundles: list[tuple[str, str]]) -> Asset:
    """Attach an asset to the innermost bundle folder that holds it."""
    owners = [(len(prefix), index) for prefix, index in bundles if asset.path.startswith(prefix)]
    if not owners:
        return asset
    return replace(asset, owner=max(owners)[1])


def _unsafe(file: Path, root: Path) -> str | None:
    """Return why `file` must not be read (a link out of content/, not a regular file), or None."""
    try:
        info = file.stat()
    except OSError as exc:  # a dangling link or a symlink loop
        return f"cannot read: {exc.strerror or exc}"
    if file.is_symlink():
        target = file.resolve()
        if not target.is_relative_to(root):
            return "skipped: a symbolic link to a file outside the content folder"
    if not stat.S_ISREG(info.st_mode):
        return "skipped: not a regular file"
    return None
