"""The only writer of output/: brings it to exactly the new site, touching only what changed."""

from __future__ import annotations

import errno
import fcntl
import functools
import json
import logging
import os
import shutil
import signal
import stat
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import OutputFailed, OutputRefused, display_path
from generator.outputs import Output, digest, stamp
from generator.write.claims import TEMP_SUFFIX, Claims, is_reserved

# Marks a folder as ours and names every file we wrote with the hash of its bytes. It is
# published, and the same for the same site, so it says nothing of when the files were
# written: whether a file still holds those bytes is told by a Record kept elsewhere (the
# cache), or else by reading the file.
MANIFEST = ".gazette-manifest.json"
# Where a commit keeps the files it replaces until it is over (see _Journal).
JOURNAL = ".gazette-journal"
_JOURNAL_FILE = "journal.json"
_DEFERRED = (signal.SIGINT, signal.SIGTERM)

log = logging.getLogger(__name__)


# What a build left in output/: path -> (size, mtime_ns, ctime_ns, digest) of each file as
# the build wrote or found it. A file whose stamp (outputs.stamp) is still the same holds
# those bytes; any other change to it, a modification time set back included, changes
# the status change time at least.
Record = Mapping[str, tuple[int, int, int, str]]


@dataclass(frozen=True)
class SyncResult:
    written: tuple[str, ...]
    unchanged: int
    removed: tuple[str, ...]
    files: Mapping[str, str] = field(default_factory=dict)  # what output/ holds: path -> digest
    record: Record = field(default_factory=dict)  # the stamps of those files (none: not taken)


def check_output_dir(
    out_dir: Path, root: Path, sources: Sequence[Path], contents: bool = True
) -> None:
    """Raise OutputRefused unless `out_dir` is a folder this tool may fill and clean.

    The output may not be, or hold, the project `root` or a source folder (content/, themes/),
    nor lie inside a source folder, where the next build would read it back. A folder this
    tool did not fill is adopted only if it is empty and private: not a folder anyone may
    write to (/tmp), a mount point or $TMPDIR, where other programs put files later. With
    `contents`, it may not hold files this tool did not write (a check to make under
    output_lock).
    """
    if out_dir.absolute().is_symlink():  # checked before resolving, which would follow it
        raise OutputRefused(f"{display_path(out_dir)} exists and is not a folder (it is a link)")
    out = out_dir.resolve()
    if out == Path(out.anchor) or out == Path.home().resolve():
        raise OutputRefused(f"refusing to use {out} as the output folder")
    for folder in (root.resolve(), *(f.resolve() for f in sources)):
        if folder.is_relative_to(out):
            raise OutputRefused(
                f"refusing to use {display_path(out)} as the output folder: "
                f"it holds {display_path(folder)}"
            )
    for folder in sources:
        if out.is_relative_to(folder.resolve()):
            raise OutputRefused(
                f"refusing to use {display_path(out)} as the output folder: "
                f"it is inside {display_path(folder)}"
            )
    if out.exists() and not out.is_dir():
        raise OutputRefused(f"{display_path(out)} exists and is not a folder")
    if not out.is_dir():
        return
    shared = _shared(out)
    if shared:
        raise OutputRefused(
            f"refusing to use {display_path(out)} as the output folder: {shared} "
            "(name a new folder inside it instead)"
        )
    if not contents:
        return
    ours = (out / MANIFEST).is_file() or (out / JOURNAL / _JOURNAL_FILE).is_file()
    if not ours and any(out.iterdir()):
        raise OutputRefused(
            f"refusing to write into {display_path(out)}: it holds files this tool did not write "
            "(empty it, or choose another folder with --output)"
        )


def _shared(out: Path) -> str:
    """Return why `out` is a folder other programs use too, or '' if it is not one."""
    mode = out.stat().st_mode
    if mode & (stat.S_IWOTH | stat.S_ISVTX):
        return "anyone may write to it"
    if os.path.ismount(out):
        return "it is a mount point"
    temporary = (os.environ.get("TMPDIR"), tempfile.gettempdir())
    if any(Path(t).resolve() == out for t in temporary if t):
        return "it is the temporary folder"
    return ""


def intact_files(out_dir: Path, record: Record | None) -> dict[str, str] | None:
    """Return path -> digest of the files in `out_dir` if they are exactly those this tool
    wrote last (every one a plain file, none other, each with the stamp `record` gives it,
    and the manifest as written), else None. No file is read but the manifest."""
    out = out_dir.resolve()
    manifest, text = _read_manifest(out)
    if record is None or text != _manifest_text(manifest):
        return None
    found = _list_output(out, manifest, record)
    whole = found.listed and not found.others and not found.empty and not found.ours
    return manifest if whole and len(found.trusted) == len(manifest) else None


@dataclass
class _Listing:
    """What an output folder holds, from one walk of it."""

    present: dict[str, str] = field(default_factory=dict)  # the manifest's files still there
    stamps: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # theirs, if taken
    trusted: dict[str, str] = field(default_factory=dict)  # those the record vouches for
    others: list[str] = field(default_factory=list)  # files and links the manifest lacks
    ours: list[str] = field(default_factory=list)  # staged files a killed build left
    empty: list[str] = field(default_factory=list)  # folders that hold nothing
    listed: bool = True  # False if a folder could not be listed (it is left as it is)


def _list_output(out: Path, manifest: Mapping[str, str], record: Record | None) -> _Listing:
    """Return what `out` holds, with os.scandir and plain strings: this visits every file of
    the site on every build. Each file the manifest lists is stamped (one lstat) and
    trusted to hold the bytes the manifest says if `record` has it with that stamp and
    digest; it is never read."""
    found = _Listing()
    record = record or {}
    folders = [(str(out), "")]
    while folders:
        folder, prefix = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            found.listed = False
            continue
        if not entries and prefix:
            found.empty.append(prefix[:-1])
        for entry in entries:
            rel = prefix + entry.name
            if rel in (MANIFEST, JOURNAL):
                continue
            if entry.is_dir(follow_symlinks=False):  # a link to a folder is an entry, not a way in
                folders.append((entry.path, rel + "/"))
            elif rel in manifest and entry.is_file(follow_symlinks=False):
                value = found.present[rel] = manifest[rel]
                try:
                    now = found.stamps[rel] = stamp(entry.stat(follow_symlinks=False))
                except OSError:  # gone since: not trusted, and written again
                    continue
                if record.get(rel) == (*now, value):
                    found.trusted[rel] = value
            elif is_reserved(entry.name):
                found.ours.append(rel)
            else:
                found.others.append(rel)
    return found


def _read_manifest(out: Path) -> tuple[dict[str, str], bytes | None]:
    """Return the files the manifest in `out` lists, and its bytes (None if there is none)."""
    try:
        text = (out / MANIFEST).read_bytes()
    except OSError:
        return {}, None
    try:
        files = json.loads(text)["files"]
    except (ValueError, KeyError, TypeError):
        return {}, text
    return (files, text) if isinstance(files, dict) else ({}, text)


def _manifest_text(files: Mapping[str, str]) -> bytes:
    """Return the manifest of a site of `files` (path -> digest), as the commit writes it."""
    manifest = {"generator": "gazette", "files": dict(sorted(files.items()))}
    return json.dumps(manifest, indent=0).encode("utf-8")


def _parents(path: str) -> list[str]:
    """Return the folders of `path`, outermost first: 'a/b/c' -> ['a', 'a/b']."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


class _InTheWay(Exception):
    """A file or a link stands where a folder must go; it is moved aside only in the commit."""


class _Tree:
    """Makes folders inside one root, never through a symbolic link planted in it.

    The writer threads call `folder` at once: a folder another thread has just made is
    taken as it is. A file or link where a folder must go is left alone (_InTheWay): the
    commit moves it aside, under its journal.
    """

    def __init__(self, root: str):
        self.root = root
        self.created: list[str] = []  # folders this build made
        self.made: set[str] = {""}  # folders known to be real folders, relative to root
        if not os.path.isdir(root):
            os.makedirs(root)
            self.created.append(root)

    def folder(self, rel: str) -> None:
        """Make folder `rel` (relative to the root, posix) and its parents where missing."""
        if rel in self.made:
            return
        self.folder(rel.rpartition("/")[0])
        path = f"{self.root}/{rel}"
        try:
            os.mkdir(path)  # one system call for a new folder, the common case
            self.created.append(path)
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                raise _InTheWay(rel) from None
        self.made.add(rel)

    def remove_made(self) -> None:
        """Remove the folders this build made, innermost first, where they are empty."""
        # Sorted, as threads may note a folder after its subfolder: "a/b" sorts after "a".
        for folder in sorted(self.created, reverse=True):
            with suppress(OSError):
                os.rmdir(folder)


@dataclass(frozen=True)
class _Staged:
    temp: str
    dest: str
    path: str


def _write_temp(tree: _Tree, folder: str, temp: str, item: Output) -> bool:
    """Write `item` to `temp`; return False, writing nothing, if its folder is in the way."""
    try:
        tree.folder(folder)
    except _InTheWay:
        return False
    _write_file(temp, item)
    return True


def _write_file(temp: str, item: Output) -> None:
    with open(_create(temp), "wb") as file:
        if item.data is not None:
            file.write(item.data)
        else:
            with open(item.file, "rb") as source:  # type: ignore[arg-type]
                shutil.copyfileobj(source, file)


def _create(path: str) -> int:
    """Return a descriptor of a new, empty file at `path` for writing; whatever was there
    (a killed build's temporary file, a planted link) is removed, never written through."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(path, flags, 0o666)
    except FileExistsError:
        os.unlink(path)
        return os.open(path, flags, 0o666)


def _cannot_write(out: Path, exc: OSError, rel: str = "") -> OutputFailed:
    reason = exc.strerror or str(exc)
    where = display_path(out / rel if rel else out)
    return OutputFailed(f"cannot write {where}: {reason}; the previous site is unchanged")


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block ends, so a commit is never cut in half."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda n, _f: received.append(n)) for sig in _DEFERRED}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in received:
            signal.raise_signal(sig)


# One step of a commit: ("replace", path, backup) puts a staged file (or a file written in
# the commit) at path, keeping the file it replaces as a hard link named `backup`;
# ("move", path, backup) renames a folder or link in the way to `backup`; ("remove", path,
# backup) deletes a file of the old site, kept as `backup`. `backup` is None where nothing was.
_Step = tuple[str, str, "str | None"]


class _Journal:
    """The rollback journal of one commit, in output/.gazette-journal/.

    Every file the commit replaces or removes is first kept there as a hard link, and the
    steps are written down before the first one runs; until the journal is gone, `undo`
    (in this build, or in the next one after a kill) puts the previous site back.
    """

    def __init__(self, out: Path):
        self.root = str(out) + os.sep
        self.folder = out / JOURNAL
        self.steps: list[_Step] = []
        self.manifest: str | None = None  # digest of the new manifest, the commit's last step

    def keep(self, rel: str) -> str | None:
        """Return the name of a hard link to the file at `rel` made in the journal, or None
        if nothing is there."""
        name = str(len(self.steps))
        if not _is_file(self.root + rel):  # nothing there, or a folder moved aside first
            return None
        os.link(self.root + rel, self.folder / name, follow_symlinks=False)
        return name

    def begin(self) -> None:
        """Write the journal down: from here on, the output folder may change."""
        text = json.dumps({"manifest": self.manifest, "steps": self.steps}).encode("utf-8")
        temp = self.folder / f"{_JOURNAL_FILE}.tmp"
        with open(_create(str(temp)), "wb") as file:
            file.write(text)
        os.replace(temp, self.folder / _JOURNAL_FILE)

    def undo(self) -> None:
        """Put back every file the steps replaced, moved or removed, last step first; safe to
        run again after it was cut short."""
        for kind, rel, backup in reversed(self.steps):
            dest = self.root + rel
            kept = str(self.folder / backup) if backup else ""
            if kind == "replace" and kept and os.path.lexists(kept):
                os.replace(kept, dest)
            elif kind == "replace" and not kept and _is_file(dest):
                os.unlink(dest)
            elif kind == "move" and kept and os.path.lexists(kept):
                _remove_entry(dest)
                os.rename(kept, dest)
            elif kind == "remove" and kept and os.path.lexists(kept) and not os.path.lexists(dest):
                if any(_is_file(self.root + f) for f in _parents(rel)):
                    continue  # in a folder moved aside whole, which a later undo puts back
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                os.rename(kept, dest)
        for kind, rel, backup in self.steps:  # folders the new files needed, if now empty
            if kind == "replace" and not backup:
                _remove_empty(self.root, rel)

    def end(self) -> None:
        """Remove the journal: the commit is over, one way or the other."""
        with suppress(FileNotFoundError):
            os.unlink(self.folder / _JOURNAL_FILE)
        shutil.rmtree(self.folder, ignore_errors=True)


def _is_file(path: str) -> bool:
    """Return True if something other than a folder is at `path` (a file, a link)."""
    try:
        return not stat.S_ISDIR(os.lstat(path).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return False


def _remove_entry(path: str) -> None:
    """Remove whatever is at `path` (a file, a link, or a folder the commit filled)."""
    if _is_file(path):
        os.unlink(path)
    elif os.path.lexists(path):
        shutil.rmtree(path)


def _remove_empty(root: str, rel: str) -> None:
    """Remove the folders of `rel` that are empty, innermost first."""
    for folder in reversed(_parents(rel)):
        try:
            os.rmdir(root + folder)
        except OSError:
            return


def _safe_rel(rel: object) -> bool:
    """Return True for a relative posix path without '..' (read from a journal on disk)."""
    if not isinstance(rel, str) or rel.startswith("/"):
        return False
    return all(part not in ("", ".", "..") for part in rel.split("/"))


def recover_output(out_dir: Path) -> str:
    """Finish what a killed build's commit left in `out_dir`: complete it if its manifest is
    in place, else put the previous site back. Return what was done, or '' if nothing."""
    out = out_dir.absolute()
    journal = _Journal(out)
    if out.is_symlink() or not journal.folder.is_dir() or journal.folder.is_symlink():
        return ""
    try:
        data = json.loads((journal.folder / _JOURNAL_FILE).read_text(encoding="utf-8"))
        manifest, steps = data["manifest"], data["steps"]
        journal.steps = [
            (kind, rel, backup)
            for kind, rel, backup in steps
            if kind in ("replace", "move", "remove")
            and _safe_rel(rel)
            and (backup is None or (isinstance(backup, str) and backup.isdigit()))
        ]
    except FileNotFoundError:  # killed before the commit began: the site was not touched
        journal.end()
        return ""
    except (OSError, ValueError, KeyError, TypeError):
        raise OutputFailed(
            f"{display_path(out / JOURNAL)}: the journal of an interrupted build cannot be "
            "read; move the output folder away and build again"
        ) from None
    try:
        done = manifest is not None and digest((out / MANIFEST).read_bytes()) == manifest
    except OSError:
        done = False
    where = display_path(out)
    killed = f"{where}: warning: a build was killed while replacing its files"
    if done:  # the manifest is the last step: every other one ran
        journal.end()
        return f"{killed}; completed its commit"
    try:
        journal.undo()
    except OSError as exc:
        raise _cannot_write(out, exc) from None
    journal.end()
    return f"{killed}; put the previous site back"


class Staging:
    """Brings one output folder to a new site, file by file as the site is rendered.

    `add` claims each file's path (write.claims) and writes each changed file to a temporary
    file beside its destination (a few threads do the writing, since the time goes to the
    file system); `commit` renames them all into place with Ctrl-C and SIGTERM held back and
    a rollback journal kept, then removes files that no longer belong. `abort` (or leaving
    the `with` block on an error) removes the temporary files and any folder it made, so the
    previous site stays whole.

    A file of the last site is left as it is if it holds the new bytes: known without
    reading it when `record` (the last build's SyncResult.record) gives it the stamp it
    has now, else found by comparing its size, then its bytes. Without a record, every
    file is compared: a file edited behind the writer's back is always put right.
    """

    _IN_FLIGHT = 64  # files handed to the threads at once: bounds the memory they hold

    def __init__(self, out_dir: Path, record: Record | None = None):
        self.out = out_dir.resolve()
        self.root = str(self.out) + os.sep
        self.old, self.old_text = _read_manifest(self.out)
        # Listed once, before anything is written: what may be kept, and what goes at commit.
        self.listing = _list_output(self.out, self.old, record)
        # path -> digest of the last build's files known to hold it still: only these may
        # be kept unread (PageMemo.keep).
        self.present = self.listing.trusted
        self._refuse_strangers()
        self.claims = Claims(self.root)
        self.new: dict[str, str] = {}
        self.staged: list[_Staged] = []
        self.staged_at: dict[str, _Staged] = {}  # path -> its staged copy
        self.deferred: dict[_Staged, Output] = {}  # files whose folder is in the way
        self.tree: _Tree | None = None
        self.pool = ThreadPoolExecutor(max_workers=8)
        self.pending: deque[tuple[_Staged, Output, Future]] = deque()
        self.at = ""  # the file the commit is at, to name it if the commit fails

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None:
            self.abort()

    def _refuse_strangers(self) -> None:
        """Raise OutputRefused if the folder holds a file the last build did not write, in
        a place that is not one of its files or folders: it is never deleted."""
        folders = {f for path in self.old for f in _parents(path)}
        strangers = [p for p in self.listing.others if p not in self.old and p not in folders]
        if not strangers:
            return
        strangers.sort()
        names = ", ".join(display_path(self.out / p) for p in strangers[:5])
        more = f" and {len(strangers) - 5} more" if len(strangers) > 5 else ""
        raise OutputRefused(
            f"refusing to write into {display_path(self.out)}: it holds {names}{more}, which "
            "this tool did not write and never deletes (move it out of the output folder)"
        )

    def add(self, item: Output) -> None:
        """Take one file of the new site; write it aside if it differs from what is there.
        A file whose path cannot be claimed is left out (Claims.problems says why)."""
        if not self.claims.claim(item):
            return
        value = item.digest or digest(item.data or b"")  # copied files always carry a digest
        self.new[item.path] = value
        if item.data is None and item.file is None:
            # A kept page: PageMemo.keep found it in output/ (Staging.present) in this build.
            if self.present.get(item.path) != value:
                raise RuntimeError(f"kept page {item.path} is not in the output folder")
            return
        held = self.present.get(item.path)  # what the file there holds, if that is known
        if held == value or (held is None and self._holds(item, value)):
            return
        self._stage(item)

    def _holds(self, item: Output, value: str) -> bool:
        """Return True if the last site's file at item.path, not vouched for by the record,
        holds the bytes of `item` (digest `value`): its size first, then its bytes."""
        known = self.listing.stamps.get(item.path)
        if known is None:
            return False
        if known[0] != (len(item.data) if item.data is not None else _size(item)):
            return False
        try:
            with open(_open_plain(self.root + item.path), "rb") as file:
                data = file.read()
        except OSError:
            return False  # gone or replaced since it was listed: written again
        return data == item.data if item.data is not None else digest(data) == value

    def new_bytes(self, path: str) -> bytes:
        """Return the bytes of `path` in the new site: its staged copy, or what output/
        holds if unchanged or kept; empty if `path` could not be claimed (then the build
        stops at commit). Read back rather than held: a page is written aside anyway."""
        if path not in self.new:
            return b""
        job = self.staged_at.get(path)
        if job is not None and self.pending:
            self.wait()
        if job is not None and job in self.deferred:
            return self.deferred[job].data or b""  # its folder is in the way until commit
        try:
            with open(job.temp if job is not None else self.out / path, "rb") as file:
                return file.read()
        except OSError as exc:
            self._failed(exc)
            raise  # unreachable: _failed raises

    def _stage(self, item: Output) -> None:
        try:
            if self.tree is None:
                self.tree = _Tree(str(self.out))
            parent, _, name = item.path.rpartition("/")
            folder = f"{self.root}{parent}/" if parent else self.root
            job = _Staged(f"{folder}.{name}{TEMP_SUFFIX}", folder + name, item.path)
            self.staged.append(job)
            self.staged_at[item.path] = job
            # The threads make the folders too: in this thread, every system call would wait
            # for the interpreter to come back from the writers.
            future = self.pool.submit(_write_temp, self.tree, parent, job.temp, item)
            self.pending.append((job, item, future))
            while len(self.pending) > self._IN_FLIGHT:
                self._collect()
        except OSError as exc:
            self._failed(exc)

    def _collect(self) -> None:
        job, item, future = self.pending.popleft()
        if not future.result():
            self.deferred[job] = item

    def wait(self) -> None:
        """Return once every file added so far is written aside (raises OutputFailed, with
        the output folder unchanged, if one cannot be)."""
        try:
            while self.pending:
                self._collect()
        except OSError as exc:
            self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        self.abort()
        raise _cannot_write(self.out, exc) from None

    def commit(self) -> SyncResult:
        """Put every staged file in place and remove stale ones; return what changed.

        Raises OutputFailed, with the previous site put back, if a file cannot be replaced."""
        text = _manifest_text(self.new)
        if text != self.old_text:
            self._stage(Output(MANIFEST, "manifest", text))
        self.wait()
        self.pool.shutdown()
        journal = _Journal(self.out)
        if any(job.path == MANIFEST for job in self.staged):
            journal.manifest = digest(text)
        with _signals_deferred():
            shutil.rmtree(journal.folder, ignore_errors=True)
            try:
                os.mkdir(journal.folder)
                actions = self._plan(journal)
                journal.begin()
                for action in actions:
                    self.at = action.path
                    action.run()
            except OSError as exc:
                self._roll_back(journal)
                raise _cannot_write(self.out, exc, self.at) from None
            journal.end()
        removed = [rel for kind, rel, _ in journal.steps if kind == "remove"]
        self._remove_leftovers(removed)
        written = tuple(job.path for job in self.staged if job.path != MANIFEST)
        files = dict(self.new)
        unchanged = len(self.new) - len(written)
        return SyncResult(written, unchanged, tuple(removed), files, self._record(written))

    def _record(self, written: Iterable[str]) -> dict[str, tuple[int, int, int, str]]:
        """Return the stamp and digest of every file of the new site, after the commit: a
        written file is stamped now, any other as it was listed (it was not touched)."""
        stamps = dict(self.listing.stamps)
        for path in written:
            try:
                stamps[path] = stamp(os.lstat(self.root + path))
            except OSError:  # removed already by another program: not vouched for
                stamps.pop(path, None)
        return {path: (*stamps[path], value) for path, value in self.new.items() if path in stamps}

    def _plan(self, journal: _Journal) -> list[_Action]:
        """Return the actions of the commit, noting each in `journal` and keeping each file
        they replace or remove; the output folder is not changed yet."""
        actions: list[_Action] = []

        def note(kind: str, rel: str, action: Callable[[], None] | None = None) -> None:
            self.at = rel
            backup = journal.keep(rel) if kind != "move" else str(len(journal.steps))
            journal.steps.append((kind, rel, backup))
            if kind == "move":
                path = journal.folder / backup
                action = functools.partial(os.rename, self.root + rel, path)
            actions.append(_Action(rel, action))  # type: ignore[arg-type]

        moved: set[str] = set()
        last = [job for job in self.staged if job.path == MANIFEST]
        for job in [j for j in self.staged if j.path != MANIFEST and j not in self.deferred]:
            if os.path.isdir(job.dest) and not os.path.islink(job.dest):  # a folder becomes a file
                note("move", job.path)
            note("replace", job.path, functools.partial(os.replace, job.temp, job.dest))
        for job, item in self.deferred.items():
            for folder in _parents(job.path):
                if folder not in moved and _is_file(self.root + folder):
                    moved.add(folder)
                    note("move", folder)
            note("replace", job.path, functools.partial(self._write_now, job, item))
        new_folders = {f for path in self.new for f in _parents(path)}
        for rel in (*self.listing.present, *self.listing.others):
            if rel not in self.new and rel not in new_folders and rel not in moved:
                note("remove", rel, functools.partial(_unlink_if_there, self.root + rel))
        for job in last:
            note("replace", job.path, functools.partial(os.replace, job.temp, job.dest))
        return actions

    def _write_now(self, job: _Staged, item: Output) -> None:
        """Write a file whose folder was in the way while staging (it is moved aside now)."""
        os.makedirs(os.path.dirname(job.dest), exist_ok=True)
        _write_file(job.temp, item)
        os.replace(job.temp, job.dest)

    def _roll_back(self, journal: _Journal) -> None:
        """Put the previous site back after a failed commit; the journal is left for the
        next build if even that fails."""
        try:
            journal.undo()
        except OSError:
            log.error("cannot put the previous site back; the next build will try again")
            return
        journal.end()
        self.abort()

    def _remove_leftovers(self, removed: list[str]) -> None:
        """Remove temporary files a killed build left, and the folders left empty."""
        for rel in self.listing.ours:
            with suppress(OSError):
                os.unlink(self.root + rel)
        for rel in (*removed, *self.listing.ours, *(f"{f}/" for f in self.listing.empty)):
            _remove_empty(self.root, rel)

    def abort(self) -> None:
        """Remove every temporary file and every folder this staging made."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pending.clear()
        for job in self.staged:
            with suppress(OSError):  # gone already, or a read-only file system refuses even this
                os.unlink(job.temp)
        self.staged.clear()
        if self.tree is not None:
            self.tree.remove_made()


@dataclass(frozen=True)
class _Action:
    """One step of a commit: `run` changes the output folder at `path`."""

    path: str
    run: Callable[[], None]


def _size(item: Output) -> int | None:
    """Return the size of the file `item` copies, or None if it cannot be told."""
    try:
        return os.stat(item.file).st_size  # type: ignore[arg-type]
    except OSError:
        return None


def _open_plain(path: str) -> int:
    """Return a descriptor of the file at `path` for reading; raise OSError if it is a link."""
    return os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)


def _unlink_if_there(path: str) -> None:
    """Delete the file at `path`; one gone already, or whose folder became a file, is fine."""
    with suppress(FileNotFoundError, NotADirectoryError, IsADirectoryError):
        os.unlink(path)


def sync_output(
    outputs: Iterable[Output], out_dir: Path, record: Record | None = None
) -> SyncResult:
    """Make `out_dir` hold exactly `outputs`; return what was written, kept and removed.
    `record` is the last sync's SyncResult.record, if it is known (see Staging).

    Raises OutputFailed if a path cannot be claimed (write.claims)."""
    with Staging(out_dir, record) as staging:
        for item in outputs:
            staging.add(item)
        problems = staging.claims.problems(str)
        if problems:
            raise OutputFailed("; ".join(str(p) for p in problems))
        return staging.commit()


# POSIX record locks belong to a process, not to a thread: two builds on threads of one process
# (tests, an embedding program) are kept apart by a thread lock per lock file. The table
# only grows by one entry per output folder the process builds into.
_THREAD_LOCKS: dict[str, threading.Lock] = {}
_TABLE = threading.Lock()
LOCK_SUFFIX = ".gazette-lock"


def lock_file(out_dir: Path) -> Path:
    """Return the lock file of builds into `out_dir`: beside it, so it is never published."""
    out = out_dir.resolve()
    return out.parent / f".{out.name}{LOCK_SUFFIX}"


@contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock for building into `out_dir`; a second build waits for the first.

    The lock is a POSIX record lock (fcntl) on lock_file(out_dir), which names the process
    holding it and is there only while a build is. Only the process that took it holds it:
    worker processes it forks do not inherit it, and the system releases it when that
    process dies, even by kill -9 (the file is then left behind, and the next build uses it).
    """
    path = lock_file(out_dir)
    with _TABLE:
        local = _THREAD_LOCKS.setdefault(str(path), threading.Lock())
    with local:
        try:
            fd = _take_lock(path, out_dir)
        except _ParentReadOnly:
            with _folder_lock(out_dir):
                yield
            return
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
            yield
        finally:
            with suppress(OSError):
                os.unlink(path)  # while still held: a build waiting on it then opens it anew
            os.close(fd)  # releases the lock


def _take_lock(path: Path, out_dir: Path) -> int:
    """Return a descriptor of the lock file `path`, locked by this process."""
    said = False
    while True:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) and out_dir.is_dir():
                raise _ParentReadOnly from None
            raise _cannot_write(out_dir, exc) from None
        try:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EACCES, errno.EAGAIN):
                    raise _cannot_write(out_dir, exc) from None
                if not said:
                    holder = _holder(fd)
                    who = f"another build (pid {holder})" if holder else "another build"
                    log.warning("%s is writing to %s; waiting for it", who, display_path(out_dir))
                    said = True
                fcntl.lockf(fd, fcntl.LOCK_EX)
            # The build that held it removes it before letting go: locked is only the file
            # still at `path`.
            mine = os.fstat(fd)
            there = os.stat(path, follow_symlinks=False)
            if (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino):
                return fd
        except FileNotFoundError:
            pass
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


class _ParentReadOnly(Exception):
    """The lock file cannot be made beside an output folder that exists."""


@contextmanager
def _folder_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive flock on the output folder itself, for an output folder whose
    parent this process may not write in (a mounted volume, a shared web root): a folder
    takes no record lock, and nothing can name the holder."""
    try:
        fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise _cannot_write(out_dir, exc) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("another build is writing to %s; waiting for it", display_path(out_dir))
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _holder(fd: int) -> int | None:
    """Return the process id the lock file names, if it names one."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None
