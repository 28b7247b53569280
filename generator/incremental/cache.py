"""What survives between builds: parsed documents, keyed by everything that determines them.

A parsed document depends only on its source bytes, the settings and this generator's code, so
its key is (source path, content digest) inside a cache stamped with the settings fingerprint
and the generator's version. A stale entry can never be used: any change to its inputs changes
the key.

The folder holds `build.cache` (what the last build found, its pages and check results) and
the parsed documents in pack files beside it. A pack is written once and never changed: a
rebuild after an edit writes the documents it parsed as a new small pack, and folds packs
together only when there are many or most of one's documents are gone. Saving after one edit
then writes a few megabytes, not every document of the site.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import re
import secrets
import subprocess
import sys
import time
import zlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from generator import __version__
from generator.errors import display_path
from generator.incremental.codec import CodecError, decode, encode, to_data
from generator.incremental.uptodate import LastBuild
from generator.render.templatetree import Facts

if TYPE_CHECKING:
    from generator.check.links import CheckMemo
    from generator.incremental.warm import Built
    from generator.source.parse import Parsed

log = logging.getLogger(__name__)

_MAGIC = b"GAZETTE-CACHE 8\n"
_PACK_MAGIC = b"GAZETTE-PACK 2\n"
CACHE_FILE = "build.cache"
_PACK = re.compile(r"^docs-[0-9a-f]{16}\.pack$")
# What _write_atomically writes first: left behind by a save that was killed.
_TEMP = re.compile(r"^\.(?:build\.cache|docs-[0-9a-f]{16}\.pack)\.[0-9]+\.[0-9a-f]{8}\.tmp$")
_MAX_PACKS = 8  # beyond this many, the small ones are folded into one
_PACK_GRACE_SECONDS = 60
_STAMP = re.compile(r"^[\w.+-]+:[0-9a-f]{32}$")
# The libraries whose version can change a byte of output (or, msgspec, of the cache; pagefind
# and its binary, of the search index).
_OUTPUT_LIBRARIES = (
    "markdown", "jinja2", "markupsafe", "pygments", "pyyaml", "msgspec", "pagefind", "pagefind-bin",
    "pillow",
)  # fmt: skip


@dataclass(frozen=True)
class Memo:
    """One stage's result kept for the next build, with the key of exactly the inputs and
    settings it was made from: a build whose stage would have another key gets none."""

    key: str
    data: Any


# The stages that keep a memo, and where it lives. The first part of the cache file holds
# what every build reads (a build that changes nothing needs only these); the second what a
# build with work to do reads; the documents sit in packs beside it. The last two live in
# memory only (the dev server).
HEAD = ("files", "templates", "last", "output")
REST = ("pages", "checks")
DOCUMENTS = "documents"
IN_MEMORY = ("scans", "built")
STAGES = (*HEAD, DOCUMENTS, *REST, *IN_MEMORY)
# What each memo of the first part holds: a cache file is read back into these types and
# no others (memo_type gives the rest's).
HEAD_TYPES: dict[str, Any] = {
    "files": dict[str, tuple[int, int, int, str]],
    "templates": dict[str, Facts],
    "last": LastBuild,
    "output": dict[str, tuple[int, int, int, str]],
}


def memo_type(stage: str) -> Any:
    """Return the type `stage`'s saved memo is read back into."""
    return HEAD_TYPES[stage] if stage in HEAD_TYPES else _rest_types()[stage]


@functools.cache
def _rest_types() -> dict[str, Any]:
    # Imported when first read: a build that changes nothing reads only the first part,
    # and never loads the checks nor the parser.
    from generator.check.links import CheckMemo
    from generator.source.parse import Parsed

    return {
        "pages": dict[str, tuple[str, str]],
        "checks": CheckMemo,
        DOCUMENTS: dict[tuple[str, str], Parsed],
    }


# A file system keeps mtimes in ticks (two seconds on FAT), and a clock can be set back: a
# file whose mtime is this close to the clock, or ahead of it, can change again and keep its
# size and mtime, so its digest is not remembered.
_RACY_NS = 3_000_000_000


def settled_files(files: Mapping[str, tuple[int, int, str]]) -> dict[str, tuple[int, int, str]]:
    """Return the entries of a file memo (file -> (size, mtime_ns, digest)) a later build may
    trust: those whose mtime is safely in the past."""
    limit = time.time_ns() - _RACY_NS
    return {file: entry for file, entry in files.items() if entry[1] < limit}


@dataclass
class BuildCache:
    """What one build hands to the next: a memo per stage (STAGES), valid only for code with
    the same `stamp` (this generator, Python and the libraries that shape output).

    Each memo's data: `files`: file -> (size, mtime_ns, ctime_ns, digest), so unchanged
    sources, images, theme files and processed images (imagestore) are not read again;
    `templates`: template facts by hash of the source; `last`: the last build's LastBuild;
    `output`: the same for each file the last build left in the output folder the memo is
    keyed on (write.staging.Record), so a file changed since is noticed without reading
    any; `documents`: parsed documents by (source path, digest); `pages`: output path ->
    (page key, digest); `checks`: a CheckMemo; `scans`: what each page refers to, by page
    digest; `built`: what the dev server's quick pages need. A build reads the memos it was
    given and puts new ones in their place (BuildCache.put); a memo itself is never changed.
    """

    stamp: str = field(default_factory=lambda: code_stamp())
    memos: dict[str, Memo] = field(default_factory=dict)
    # The pack files the documents were loaded from or saved to, with the documents of each.
    packs: dict[str, frozenset[tuple[str, str]]] = field(default_factory=dict)
    keep: bool = True  # False: not saved either (git tracks the folder's files)
    # The saved parts not read yet: the cache file and where they start in it.
    rest: tuple[Path, int] | None = field(default=None, repr=False, compare=False)

    def get(self, stage: str, key: str = "") -> Any:
        """Return the data of `stage`'s memo if it was made with `key`, else None."""
        assert stage in STAGES, stage
        memo = self.memos.get(stage)
        return memo.data if memo is not None and memo.key == key else None

    def put(self, stage: str, key: str, data: Any) -> None:
        """Keep `data` as `stage`'s memo, made with `key`, in place of the last one."""
        assert stage in STAGES, stage
        self.memos[stage] = Memo(key, data)

    def drop(self, stage: str) -> None:
        self.memos.pop(stage, None)

    # Read-only views for tests and the dev server.
    @property
    def parsed(self) -> Mapping[tuple[str, str], Parsed]:
        memo = self.memos.get(DOCUMENTS)
        return memo.data if memo else {}

    @property
    def checks(self) -> CheckMemo:
        memo = self.memos.get("checks")
        return memo.data if memo else _rest_types()["checks"]()

    @property
    def built(self) -> Built | None:
        memo = self.memos.get("built")
        return memo.data if memo else None

    def snapshot(self) -> tuple:
        """Return a cheap summary that differs whenever the saved memos do, so a build that
        changed nothing need not save the cache."""
        return tuple(
            (stage, memo.key, id(memo.data))
            for stage, memo in sorted(self.memos.items())
            if stage not in IN_MEMORY
        )

    def complete(self) -> str | None:
        """Read the documents, pages and check results load_cache left unread; return a
        warning if they cannot be used (the build then has only the first part's memos)."""
        if self.rest is None:
            return None
        (file, offset), self.rest = self.rest, None
        where = file
        try:
            with file.open("rb") as stream:
                stream.seek(offset)
                try:
                    rest, documents_key, names = _memos(_read_part(stream), REST)
                except _Damaged:
                    # Replaced since load_cache by a save beside this build (a preview's):
                    # its documents serve as well, being keyed on their bytes and settings;
                    # its pages and check results need not describe this build's output.
                    rest, (_, documents_key, names) = {}, _replaced_rest(stream, self.stamp)
            parsed: dict[tuple[str, str], Parsed] = {}
            packs = {}
            for name in names:
                where = file.parent / name
                documents = _load_pack(where, self.stamp)
                parsed.update(documents)
                packs[name] = frozenset(documents)
        except Exception:  # damaged, replaced, missing or unreadable: all mean the same
            self.drop("last")
            return f"cache not used: {display_path(where)} is damaged or truncated"
        self.memos.update(rest)
        if names:
            self.put(DOCUMENTS, documents_key, parsed)
        self.packs = packs
        return None


def _replaced_rest(stream: BinaryIO, stamp: str) -> tuple[dict[str, Memo], str, list[str]]:
    """Return the second part of the cache file `stream` reads, from its start; raise
    _Damaged if it is not a whole cache file of `stamp`."""
    stream.seek(0)
    if not _headed(stream, _MAGIC, stamp):
        raise _Damaged
    _read_part(stream)  # the first part: this build has its memos already
    return _memos(_read_part(stream), REST)


_PACKAGE = Path(__file__).resolve().parents[1]  # the whole generator package
# The code that makes processed images (imagestore): what else shapes one is in its key.
_IMAGE_CODE = ("images/*.py", "pipeline/images.py", "incremental/imagestore.py")


@functools.cache
def code_fingerprint() -> str:
    """Return a hash of this generator's source and of the libraries that shape its output.

    A cache written by other code is never used, even when the version string was not
    bumped (a development checkout, a patched install).
    """
    return _fingerprint(sorted(_PACKAGE.rglob("*.py")), _OUTPUT_LIBRARIES)


@functools.cache
def image_fingerprint() -> str:
    """Return a hash of the code that makes processed images and of the libraries that
    shape them: a change elsewhere in the generator keeps them."""
    files = sorted(f for pattern in _IMAGE_CODE for f in _PACKAGE.glob(pattern))
    return _fingerprint(files, ("pillow",))


def _fingerprint(files: list[Path], libraries: tuple[str, ...]) -> str:
    h = hashlib.blake2b(digest_size=16)
    for file in files:
        h.update(file.relative_to(_PACKAGE).as_posix().encode() + b"\0" + file.read_bytes())
    h.update(f"python={sys.implementation.name}-{sys.version}".encode())
    for dist, folder in installed(libraries).items():
        h.update(f"{dist}={folder}".encode())
    return h.hexdigest()


def installed(libraries: tuple[str, ...]) -> dict[str, str | None]:
    """Return the metadata folder of each of `libraries` that the import path has, the
    first there as importlib.metadata finds it: its name holds the version installed
    ("jinja2-3.1.6.dist-info"). None for a library not installed."""
    # Listing the folders of sys.path costs a fraction of a millisecond; importlib.metadata
    # costs a build that changes nothing a tenth of its time (loading it, email, and
    # parsing each library's METADATA).
    wanted = {_normal(name): name for name in libraries}
    found: dict[str, str | None] = dict.fromkeys(libraries)
    for entry in sys.path:
        try:
            folders = sorted(os.listdir(entry or "."))
        except OSError:  # not a folder (a zip file), or gone
            continue
        for folder in folders:
            if folder.endswith((".dist-info", ".egg-info")):
                name = wanted.get(_normal(folder.split("-", 1)[0].removesuffix(".egg-info")))
                if name is not None and found[name] is None:
                    found[name] = folder
    return found


def _normal(name: str) -> str:
    """Return a distribution's name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def code_stamp() -> str:
    """Return the stamp a cache must carry to be valid for this code: the generator's
    version and a hash of its code and of the libraries that shape output."""
    return f"{__version__}:{code_fingerprint()}"


def image_stamp() -> str:
    """Return the stamp of processed images (imagestore): the generator's version and a
    hash of the code and the libraries that make them."""
    return f"{__version__}:{image_fingerprint()}"


def load_cache(folder: Path, stamp: str) -> tuple[BuildCache, str | None]:
    """Return the cache saved in `folder` if it is whole and has `stamp`, else an empty one.

    The second value is a warning when a cache file existed but could not be used. The stamp
    is read first, so a cache for other code is passed over without decoding; only the
    small first part is read here, the documents and pages when complete() asks. A cache
    folder holding files git tracks (a cache committed to the repository, as a pull
    request could) is not used at all.
    """
    file = folder / CACHE_FILE
    if file.exists() and (tracked := git_tracked(folder)):
        return BuildCache(stamp, keep=False), (
            f"cache not used: git tracks {display_path(folder / tracked)}; a cache is never "
            f"taken from the repository (git rm -r --cached {display_path(folder)})"
        )
    try:
        with file.open("rb") as stream:
            magic = stream.readline()
            if magic != _MAGIC:
                if magic.startswith(_MAGIC.split()[0] + b" "):  # another version's format
                    log.info("cache is in another version's format; starting cold")
                    return BuildCache(stamp), None
                return BuildCache(stamp), f"cache not used: {file} is not a cache file"
            saved = stream.readline().rstrip(b"\n").decode("ascii", "replace")
            if not _STAMP.match(saved):
                return BuildCache(stamp), f"cache not used: {file} is damaged or truncated"
            if saved != stamp:
                log.info("cache is for other settings or another version; starting cold")
                return BuildCache(stamp), None
            head = _read_part(stream)
            # The rest is checksummed and decoded only if complete() is called; its length
            # is checked now, so a truncated file is reported whether or not it is.
            offset = stream.tell()
            header = _HEADER.match(stream.readline(100))
            size = os.fstat(stream.fileno()).st_size
            if header is None or size != stream.tell() + int(header.group(1)):
                raise _Damaged
    except FileNotFoundError:
        return BuildCache(stamp), None
    except OSError as exc:
        return BuildCache(stamp), f"cache not used: {exc.strerror}"
    except _Damaged:
        return BuildCache(stamp), f"cache not used: {file} is damaged or truncated"
    try:
        memos, _, _ = _memos(head, HEAD)
    except CodecError:
        return BuildCache(stamp), f"cache not used: {file} cannot be read"
    cache = BuildCache(stamp, memos)
    cache.rest = (file, offset)
    return cache, None


def git_tracked(folder: Path) -> str | None:
    """Return a file below `folder` that git tracks, if `folder` is in a git work tree and
    holds one (None without git, outside a work tree, or when git tracks nothing there)."""
    try:
        found = subprocess.run(
            ["git", "ls-files", "-z", "--", "."],
            cwd=folder,
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if found.returncode != 0 or not found.stdout:
        return None
    return found.stdout.split(b"\0", 1)[0].decode("utf-8", "replace")


class _Damaged(Exception):
    pass


_HEADER = re.compile(rb"^([0-9]{1,15}) ([0-9a-f]{8})\n$")


def _headed(stream: BinaryIO, magic: bytes, stamp: str) -> bool:
    """Return whether `stream` starts with the lines a cache file or pack of `stamp`
    starts with (`magic`, then the stamp), reading past them."""
    return stream.readline() == magic and stream.readline() == stamp.encode("ascii") + b"\n"


def _read_part(stream: BinaryIO) -> bytes:
    """Return the next part of a cache file (a line of length and checksum, then the bytes);
    raise _Damaged if it is truncated or altered."""
    header = _HEADER.match(stream.readline(100))
    if header is None:
        raise _Damaged
    payload = stream.read(int(header.group(1)))
    if _checksum(payload) != header.group(2).decode("ascii"):
        raise _Damaged
    return payload


def _checksum(payload: bytes) -> str:
    # Detects a damaged or cut file; anyone who could forge one could write the cache anyway.
    return f"{zlib.crc32(payload):08x}"


def save_cache(folder: Path, cache: BuildCache) -> None:
    """Write `cache` into `folder`: the documents no pack holds as a new pack, then the cache
    file atomically (magic line, stamp line, then two parts: the file memo and last build's
    summary, with the templates' facts; the pages, check results and pack
    names), then remove packs no longer named.
    Each part is a line with its length and checksum, which detects truncation, then its
    MessagePack data (codec), never code."""
    cache.complete()
    folder.mkdir(parents=True, exist_ok=True)
    documents = cache.memos.get(DOCUMENTS, Memo("", {}))
    packs = _with_new_pack(folder, cache.stamp, cache.packs, documents.data)
    memos = cache.memos
    _write_atomically(
        folder / CACHE_FILE,
        _MAGIC + cache.stamp.encode("ascii") + b"\n",
        _memo_bytes(memos, HEAD),
        _memo_bytes(memos, REST, documents.key, tuple(packs)),
    )
    cache.packs = packs
    # A pack written in the last minute may be named by a cache another process (a build
    # beside the preview) is saving or has just loaded: it is left for a later save, as is
    # a temporary file written to in the last minute (another save may be writing it).
    settled = time.time() - _PACK_GRACE_SECONDS
    for entry in os.scandir(folder):
        if (_PACK.match(entry.name) and entry.name not in packs) or _TEMP.match(entry.name):
            with contextlib.suppress(FileNotFoundError):
                if entry.stat().st_mtime < settled:
                    Path(entry.path).unlink(missing_ok=True)


Packs = dict[str, frozenset[tuple[str, str]]]


@dataclass(frozen=True)
class Documents:
    """A still picture of the parsed documents a preview holds, to save beside what `build`
    saved in `folder`: the memos are never changed once made, so another thread may save
    them while the preview goes on."""

    folder: Path
    stamp: str
    key: str  # the documents memo's key
    parsed: Mapping[tuple[str, str], Parsed]
    files: Mapping[str, tuple[int, int, int, str]] | None  # the file memo, if any
    packs: Mapping[str, frozenset[tuple[str, str]]]  # packs known to hold which documents


def save_documents(documents: Documents) -> Packs | None:
    """Write the documents of `documents` that no pack the cache file names holds as a new
    pack, then the cache file naming it beside those packs, with the new file memo and
    every other memo as saved (never the record of output/ a no-change build repeats).
    Return the packs the cache file now names, or None when it holds the documents of other
    settings (it is left as it is).

    Packs are never decoded: which documents one holds is taken from `documents.packs`, or
    else read from its keys alone. Nothing is deleted (the next build's save_cache clears
    what no cache file names), and each pack named is touched, so a build saving at the same
    time keeps it for its grace period. Each file is replaced whole: a save cut off leaves
    the previous cache."""
    import msgspec  # here, not at the top: a build that neither loads nor saves a cache

    folder, stamp = documents.folder, documents.stamp
    known = dict(documents.packs)
    for _ in range(2):  # again if a build removed a named pack meanwhile (a rare race)
        folder.mkdir(parents=True, exist_ok=True)
        index = _read_index(folder / CACHE_FILE, stamp)
        head, rest, saved_key, names = index or ({}, {}, documents.key, ())
        if names and saved_key != documents.key:
            return None
        named: Packs = {}
        for name in names:
            with contextlib.suppress(OSError):
                os.utime(folder / name)  # fresh: a concurrent save's grace spares it
                keys = known.get(name)
                named[name] = keys if keys is not None else _pack_keys(folder / name, stamp)
        packs = _with_new_pack(folder, stamp, named, documents.parsed)
        if documents.files is not None:
            head = {**head, "files": ["", to_data(documents.files, HEAD_TYPES["files"])]}
        _write_atomically(
            folder / CACHE_FILE,
            _MAGIC + stamp.encode("ascii") + b"\n",
            msgspec.msgpack.encode([head]),
            msgspec.msgpack.encode([rest, documents.key, tuple(packs)]),
        )
        if all((folder / name).exists() for name in packs):
            return packs
        known = {**known, **packs}
    return packs


def _read_index(file: Path, stamp: str) -> tuple[dict, dict, str, tuple[str, ...]] | None:
    """Return the memos of the cache `file` as saved bytes (its two parts), its documents'
    key and the packs it names; None when it is missing, damaged or for another stamp."""
    import msgspec

    try:
        with file.open("rb") as stream:
            if not _headed(stream, _MAGIC, stamp):
                return None
            memos = dict[str, msgspec.Raw]  # each memo left undecoded
            (head,) = msgspec.msgpack.decode(_read_part(stream), type=tuple[memos])
            rest, key, names = msgspec.msgpack.decode(
                _read_part(stream), type=tuple[memos, str, tuple[str, ...]]
            )
    except (OSError, _Damaged, msgspec.DecodeError):
        return None
    if not all(_PACK.match(name) for name in names):
        return None
    return head, rest, key, names


def _pack_keys(file: Path, stamp: str) -> frozenset[tuple[str, str]]:
    """Return the keys of the documents the pack `file` holds, without decoding them;
    raise OSError if it cannot be read or is not a pack of `stamp`."""
    import msgspec

    with file.open("rb") as stream:
        if not _headed(stream, _PACK_MAGIC, stamp):
            raise OSError(f"{file.name}: not a pack")
        try:
            payload = _read_part(stream)
            # a pack's keys, its documents left undecoded
            entries = msgspec.msgpack.decode(
                payload, type=list[tuple[tuple[str, str], msgspec.Raw]]
            )
        except (_Damaged, msgspec.DecodeError) as exc:
            raise OSError(f"{file.name}: damaged") from exc
    return frozenset(key for key, _ in entries)


def _with_new_pack(folder: Path, stamp: str, packs: Packs, parsed: Mapping[Any, Any]) -> Packs:
    """Return the packs of `packs` still needed for `parsed`, and a new pack, written to
    `folder`, of the documents of `parsed` that none of them holds."""
    kept = _packs_to_keep(packs, parsed.keys())
    held = set().union(*kept.values())
    new = {key: doc for key, doc in parsed.items() if key not in held}
    if new:
        kept[_write_pack(folder, stamp, new)] = frozenset(new)
    return kept


def _packs_to_keep(
    packs: dict[str, frozenset[tuple[str, str]]], live: Collection[tuple[str, str]]
) -> dict[str, frozenset[tuple[str, str]]]:
    """Return the packs worth keeping: those with at least half their documents still live,
    and, past _MAX_PACKS, only the largest of them (the rest are written again as one)."""
    kept = {name: keys for name, keys in packs.items() if 2 * len(keys & live) >= len(keys)}
    if len(kept) >= _MAX_PACKS:
        largest = max(kept, key=lambda name: len(kept[name]))
        kept = {largest: kept[largest]}
    return kept


def _write_pack(folder: Path, stamp: str, documents: dict[tuple[str, str], Parsed]) -> str:
    """Write `documents` as a new pack in `folder`; return its file name."""
    name = f"docs-{secrets.token_hex(8)}.pack"
    data = encode(documents, memo_type(DOCUMENTS))
    _write_atomically(folder / name, _PACK_MAGIC + stamp.encode("ascii") + b"\n", data)
    return name


def _load_pack(file: Path, stamp: str) -> dict[tuple[str, str], Parsed]:
    """Return the documents of the pack `file`; raise if it is missing, damaged or was
    written for another stamp."""
    with file.open("rb") as stream:
        if not _headed(stream, _PACK_MAGIC, stamp):
            raise _Damaged
        return decode(_read_part(stream), memo_type(DOCUMENTS))


def _memo_bytes(memos: Mapping[str, Memo], stages: tuple[str, ...], *more: Any) -> bytes:
    """Return the memos of `stages` (and the documents' key and packs, `more`) as bytes."""
    import msgspec

    saved = {s: [memos[s].key, to_data(memos[s].data, memo_type(s))] for s in stages if s in memos}
    return msgspec.msgpack.encode([saved, *more])


def _memos(payload: bytes, stages: tuple[str, ...]) -> tuple[dict[str, Memo], str, list[str]]:
    """Return the memos `payload` holds for `stages`, and the documents' key and packs when
    it names them; raise CodecError if it holds anything else."""
    import msgspec

    try:
        saved, *more = msgspec.msgpack.decode(payload, type=list[msgspec.Raw])
        saved = msgspec.msgpack.decode(saved, type=dict[str, tuple[str, msgspec.Raw]])
        if more:  # the documents' key and the names of their packs
            kinds = (str, tuple[str, ...])
            documents_key, names = (decode(p, tp) for p, tp in zip(more, kinds, strict=True))
    except (msgspec.DecodeError, ValueError, TypeError) as exc:
        raise CodecError(str(exc)) from None
    if not saved.keys() <= set(stages):
        raise CodecError("unknown memo")
    memos = {
        stage: Memo(key, decode(data, memo_type(stage))) for stage, (key, data) in saved.items()
    }
    if not more:
        return memos, "", []
    if not all(_PACK.match(name) for name in names):
        raise CodecError("not a pack name")
    return memos, documents_key, list(names)


def _write_atomically(file: Path, head: bytes, *parts: bytes) -> None:
    """Write `head` then each of `parts` (each after a line with its length and checksum)
    to `file`, replacing it only once it is whole: a reader sees the old file or the new
    one, never a mix, however many processes save at once."""
    temp = file.with_name(f".{file.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with temp.open("wb") as stream:
            stream.write(head)
            for part in parts:
                stream.write(f"{len(part):015d} {_checksum(part)}\n".encode("ascii"))
                stream.write(part)
        os.replace(temp, file)
    finally:
        temp.unlink(missing_ok=True)
