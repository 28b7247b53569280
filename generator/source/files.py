"""The only reader of content/: finds documents and assets, decodes text, hashes bytes."""

from __future__ import annotations

import codecs
import logging
import os
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from generator.errors import Problem, display_path
from generator.markup.rawfiles import is_markup_file, markup_file_problems
from generator.model import Asset, Source
from generator.outputs import digest, stamp
from generator.urls import is_junk

log = logging.getLogger(__name__)

MARKDOWN_SUFFIXES = (".md", ".markdown")
PAGES_FOLDER = "pages"
# Documents other generators read and Gazette publishes only as files: reStructuredText,
# AsciiDoc, Textile, Org, and the Markdown suffixes Jekyll and Hugo also accept.
OTHER_DOCUMENT_SUFFIXES = (
    ".rst", ".adoc", ".asciidoc", ".asc", ".textile", ".org", ".pandoc", ".pdc", ".rmd",
    ".mdown", ".mkdn", ".mkd", ".mdwn", ".mdtxt", ".mdtext", ".mediawiki", ".creole",
)  # fmt: skip
# Jekyll keeps its machinery in folders and files whose name starts with '_' (_layouts,
# _includes, _site, _data, _config.yml) and publishes none of it; Hugo's _index.md describes a
# list page. Only Jekyll's articles (_posts) and drafts (_drafts) are content.
CONTENT_UNDERSCORE_FOLDERS = ("_posts", "_drafts")


@dataclass(frozen=True)
class ContentTree:
    sources: tuple[Source, ...]
    assets: tuple[Asset, ...]
    errors: tuple[Problem, ...]  # files that should be content but cannot be used
    skipped: tuple[Problem, ...]  # files left out on purpose (links out, FIFOs)
    # Folders and files that cannot be read (permission denied, I/O error): the check
    # `unreadable_sources` gives them their level, since what they hold is missing.
    unreadable: tuple[Problem, ...] = ()


def unread_documents(content_dir: Path, assets: Iterable[Asset]) -> Problem | None:
    """Return a note counting the `assets` that are documents in a format Gazette does not
    read (copied as they are, never articles), by suffix; None when there are none."""
    counts: dict[str, int] = {}
    for asset in assets:
        suffix = os.path.splitext(asset.path)[1].lower()
        if suffix in OTHER_DOCUMENT_SUFFIXES:
            counts[suffix] = counts.get(suffix, 0) + 1
    if not counts:
        return None
    total = sum(counts.values())
    kinds = ", ".join(f"{n} {suffix}" for suffix, n in sorted(counts.items()))
    message = (
        f"{total} file{'s' if total != 1 else ''} in other formats ({kinds}) "
        f"{'are' if total != 1 else 'is'} copied as {'they are' if total != 1 else 'it is'}, "
        "not read as articles; Gazette reads Markdown (.md, .markdown)"
    )
    return Problem(display_path(content_dir), None, message)


def is_machinery(name: str, folder: bool) -> bool:
    """Return True for another generator's files that are not content (`_layouts`, `_index.md`)."""
    return name.startswith("_") and not (folder and name in CONTENT_UNDERSCORE_FOLDERS)


def decode(data: bytes) -> str:
    """Return UTF-8 `data` (a BOM allowed) as text with '\\n' newlines; raise UnicodeDecodeError."""
    text = data.decode("utf-8-sig")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


FileMemo = dict[str, tuple[int, int, int, str]]  # file -> (size, mtime_ns, ctime_ns, digest)


def file_digest(file: Path, memo: FileMemo) -> str:
    """Return the digest of a file's bytes, reading it only if its stat changed."""
    return _memo_digest(str(file), os.stat(file), memo)


def memo_known(memo: FileMemo, file: str, info: os.stat_result) -> str | None:
    """Return the digest `memo` holds for `file` if its stat, `info`, is as when it was
    remembered; None if it is not known or may have changed since."""
    known = memo.get(file)
    return known[3] if known is not None and known[:3] == stamp(info) else None


def memo_note(memo: FileMemo, file: str, info: os.stat_result, value: str) -> None:
    """Remember in `memo` that `file`, whose stat is `info`, holds bytes of digest `value`."""
    memo[file] = (*stamp(info), value)


def _memo_digest(file: str, info: os.stat_result, memo: FileMemo) -> str:
    """Return the digest of `file`, whose stat is `info`, read only if the memo is out of date."""
    known = memo_known(memo, file, info)
    if known is not None:
        return known
    with open(file, "rb") as stream:
        value = digest(stream.read())
    memo_note(memo, file, info, value)
    return value


def read_content(
    content_dir: Path,
    memo: FileMemo | None = None,
    max_bytes: int | None = None,
    raw_html: bool = True,
) -> ContentTree:
    """Return every document and asset under `content_dir`, in sorted path order.

    Files are hashed through `memo`: an unchanged image is not read again, and an unchanged
    document comes without its text (with_text reads it when it must be parsed). A Markdown
    file over `max_bytes` is an error rather than a document. Without `raw_html`, a file a
    browser would run as markup (HTML, XML, an SVG with script) is an error too.
    """
    memo = {} if memo is None else memo
    root = content_dir.resolve()
    if not root.is_dir():
        missing = Problem(display_path(content_dir), None, "content folder not found")
        return ContentTree((), (), (missing,), ())
    reader = _Reader(str(root), memo, max_bytes, raw_html)
    # Depth first, a folder's files before its subfolders, each in name order (as os.walk
    # does); os.scandir spares a stat per name and pathlib's cost on every file.
    todo = [("", str(root))]
    while todo:
        prefix, folder = todo.pop()
        subfolders = reader.folder(prefix, folder)
        todo.extend(reversed(subfolders))
    return reader.tree()


class _Reader:
    """Collects the documents, assets and problems of one content tree, folder by folder."""

    def __init__(self, root: str, memo: FileMemo, max_bytes: int | None, raw_html: bool):
        self.root = root
        self.inside = root.rstrip("/") + "/"
        self.memo = memo
        self.max_bytes = max_bytes
        self.raw_html = raw_html
        self.sources: list[Source] = []
        self.assets: list[Asset] = []
        self.errors: list[Problem] = []
        self.skipped: list[Problem] = []
        self.unreadable: list[Problem] = []
        self.bundles: list[tuple[str, str]] = []  # (folder prefix, source path of its index.md)

    def tree(self) -> ContentTree:
        owners = dict(self.bundles)
        owned = [_with_owner(a, owners) for a in self.assets]
        return ContentTree(
            tuple(self.sources),
            tuple(owned),
            tuple(self.errors),
            tuple(self.skipped),
            tuple(self.unreadable),
        )

    def folder(self, prefix: str, folder: str) -> list[tuple[str, str]]:
        """Read the files of `folder` (content path `prefix`); return its subfolders to walk
        as (prefix, folder), in name order."""
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:  # its stories would vanish: say so (unreadable_sources)
            self.unreadable.append(_unreadable(folder, exc, "folder"))
            return []
        subfolders: list[tuple[str, str]] = []
        files: list[os.DirEntry] = []
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if not _is_utf8(name):
                self.errors.append(_not_utf8_name(folder, name, is_dir))
            elif is_machinery(name, is_dir):
                log.debug(
                    "%s: skipped: another generator's file, not content", display_path(entry.path)
                )
            elif is_junk(name):
                pass
            elif not is_dir:
                files.append(entry)
            elif entry.is_symlink():
                # not followed; say so rather than leave the folder out silently
                message = "skipped: a symbolic link to a folder (links to folders are not followed)"
                self.skipped.append(Problem(display_path(entry.path), None, message))
            else:
                subfolders.append((f"{prefix}{name}/", entry.path))
        names = {e.name for e in files}
        is_pages = prefix.startswith(PAGES_FOLDER + "/")
        if not is_pages and prefix and ("index.md" in names or "index.markdown" in names):
            index = "index.md" if "index.md" in names else "index.markdown"
            self.bundles.append((prefix, prefix + index))
        for entry in files:
            self.file(entry, prefix + entry.name, is_pages)
        return subfolders

    def file(self, entry: os.DirEntry, rel: str, is_pages: bool) -> None:
        """Take one file: a document, an asset, or a problem."""
        path = entry.path
        try:
            info = entry.stat()
        except OSError as exc:  # a dangling link or a symlink loop
            self.skipped.append(
                Problem(display_path(path), None, f"cannot read: {exc.strerror or exc}")
            )
            return
        problem = self._unsafe(entry, info)
        if problem:
            self.skipped.append(Problem(display_path(path), None, problem))
            return
        if not entry.name.lower().endswith(MARKDOWN_SUFFIXES):
            try:
                if not self.raw_html and is_markup_file(entry.name):
                    value = self._markup_digest(path, info)
                    if value is None:
                        return
                else:
                    value = _memo_digest(path, info, self.memo)
                self.assets.append(Asset(rel, Path(path), value))
            except OSError as exc:
                self.unreadable.append(_unreadable(path, exc, "file"))
            return
        if self.max_bytes is not None and info.st_size > self.max_bytes:
            limit = f"{self.max_bytes / 1_000_000:g} MB"
            self.errors.append(
                Problem(
                    display_path(path),
                    None,
                    f"larger than the {limit} limit for a document",
                    "raise max_document_mb in site.yaml if the file is genuine",
                )
            )
            return
        kind = "page" if is_pages else "article"
        bundle = bool(self.bundles) and rel == self.bundles[-1][1]
        known = memo_known(self.memo, path, info)
        if known is not None:
            # As it was when last read: its text is read only if it must be parsed again.
            self.sources.append(Source(rel, Path(path), None, known, kind, bundle))
            return
        try:
            loaded = _load(Source(rel, Path(path), None, "", kind, bundle), info.st_size)
        except OSError as exc:
            self.unreadable.append(_unreadable(path, exc, "file"))
            return
        if isinstance(loaded, Problem):
            self.errors.append(loaded)
            return
        memo_note(self.memo, path, info, loaded.digest)
        self.sources.append(loaded)

    def _markup_digest(self, path: str, info: os.stat_result) -> str | None:
        """Return the digest of a markup file (HTML, XML, SVG) that may be published without
        raw HTML, that is a clean SVG; else record why not and return None. Raises OSError."""
        name = os.path.basename(path)
        svg = name.lower().endswith(".svg")
        if svg and self.max_bytes is not None and info.st_size > self.max_bytes:
            limit = f"{self.max_bytes / 1_000_000:g} MB"
            message = f"an SVG larger than the {limit} limit of max_document_mb cannot be checked"
            hint = "raise max_document_mb in site.yaml if the file is genuine"
            self.errors.append(Problem(display_path(path), None, message, hint))
            return None
        data = _read_bytes(path, info.st_size) if svg else b""
        problems = markup_file_problems(name, data)
        if problems:
            shown = display_path(path)
            self.errors += [Problem(shown, line, message, hint) for line, message, hint in problems]
            return None
        value = digest(data)
        memo_note(self.memo, path, info, value)
        return value

    def _unsafe(self, entry: os.DirEntry, info: os.stat_result) -> str | None:
        """Return why a file whose stat is `info` must not be read (a link out of content/,
        not a regular file), or None."""
        if entry.is_symlink():
            target = os.path.realpath(entry.path)
            if target != self.root and not target.startswith(self.inside):
                return "skipped: a symbolic link to a file outside the content folder"
        if not stat.S_ISREG(info.st_mode):
            return "skipped: not a regular file"
        return None


def with_text(source: Source, size: int = 1 << 16) -> Source | Problem:
    """Return `source` with its text and the digest of the bytes read, reading the file if
    the reader left the text out; a Problem if it cannot be read or is not UTF-8. `size`
    is a hint of the file's size."""
    if source.text is not None:
        return source
    try:
        return _load(source, size)
    except OSError as exc:
        return Problem(display_path(source.file), None, f"cannot read: {exc.strerror}")


def _load(source: Source, size: int) -> Source | Problem:
    """Return `source` with its text read, or a Problem if it is not UTF-8; raise OSError
    if it cannot be read."""
    data = _read_bytes(str(source.file), size)
    try:
        text = decode(data)
    except UnicodeDecodeError as exc:
        return _not_utf8(source.file, data, exc)
    return replace(source, text=text, digest=digest(data))


def _is_utf8(name: str) -> bool:
    """Return whether a file name as the system gave it (undecodable bytes held as
    surrogates) is UTF-8: an address, a log line and the cache all need it to be."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _not_utf8_name(folder: str, name: str, is_dir: bool) -> Problem:
    """Return the problem of a file or folder whose name is not UTF-8, named with its
    undecodable bytes escaped (\xff)."""
    shown = os.fsencode(name).decode("utf-8", "backslashreplace")
    kind = "folder" if is_dir else "file"
    return Problem(
        display_path(os.path.join(folder, shown)),
        None,
        f"the name of this {kind} is not UTF-8, so it can make no address",
        "rename it (most often it was copied from a system using another encoding)",
    )


def _unreadable(path: str, exc: OSError, kind: str) -> Problem:
    """Return the problem of a folder or file (`kind`) at `path` that cannot be read."""
    return Problem(
        display_path(path),
        None,
        f"cannot read this {kind}: {exc.strerror or exc}",
        "what it holds is not published; give the build read access, or move it out of content/",
    )


class SourceTexts(Mapping[str, str]):
    """The text of each of `sources` by path, read when first asked for: finding the line
    of a problem needs only the few sources that have one."""

    def __init__(self, sources: Iterable[Source]):
        self.sources = {s.path: s for s in sources}
        self.texts: dict[str, str] = {}

    def __getitem__(self, path: str) -> str:
        text = self.texts.get(path)
        if text is None:
            loaded = with_text(self.sources[path])
            text = (loaded.text or "") if isinstance(loaded, Source) else ""
            self.texts[path] = text
        return text

    def __contains__(self, path: object) -> bool:
        return path in self.sources  # without reading it, as Mapping's own would

    def __iter__(self) -> Iterator[str]:
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self.sources)


def _read_bytes(path: str, size: int) -> bytes:
    """Return the bytes of the file at `path`, whose stat gave `size` (a hint: read to the end).

    Plain os.read, not a buffered file object: it is called for every document on every build.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        parts = [os.read(fd, size + 1)]
        while parts[-1]:
            parts.append(os.read(fd, 1 << 16))
    finally:
        os.close(fd)
    return b"".join(parts) if len(parts) > 2 else parts[0]


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


def _with_owner(asset: Asset, owners: Mapping[str, str]) -> Asset:
    """Attach an asset to the innermost bundle folder that holds it (`owners`: folder prefix
    -> source path of its index.md), looked up folder by folder from the asset's own: a
    site of a thousand bundles has as many assets."""
    end = asset.path.rfind("/")
    while end != -1:
        owner = owners.get(asset.path[: end + 1])
        if owner is not None:
            return replace(asset, owner=owner)
        end = asset.path.rfind("/", 0, end)
    return asset
