"""The only writer of output/: brings it to exactly the new site, touching only what changed."""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import signal
import stat
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import OutputFailed, OutputRefused, display_path
from generator.outputs import Output, digest

# Marks a folder as ours and remembers the hash of every file we wrote, so unchanged files are
# recognised without reading them back.
MANIFEST = ".gazette-manifest.json"
_TEMP_SUFFIX = ".gazette-tmp"
_DEFERRED = (signal.SIGINT, signal.SIGTERM)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncResult:
    written: tuple[str, ...]
    unchanged: int
    removed: tuple[str, ...]
    files: Mapping[str, str] = field(default_factory=dict)  # what output/ holds: path -> digest


def check_output_dir(
    out_dir: Path, root: Path, sources: Sequence[Path], contents: bool = True
) -> None:
    """Raise OutputRefused unless `out_dir` is a folder this tool may fill and clean.

    The output may not be, or hold, the project `root` or a source folder (content/, themes/),
    nor lie inside a source folder, where the next build would read it back. With `contents`,
    it may not hold files this tool did not write (a check to make under output_lock).
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
    if contents and out.is_dir() and not (out / MANIFEST).is_file() and any(out.iterdir()):
        raise OutputRefused(
            f"refusing to write into {display_path(out)}: it holds files this tool did not write "
            "(empty it, or choose another folder with --output)"
        )


def intact_files(out_dir: Path) -> dict[str, str] | None:
    """Return path -> digest of the files in `out_dir` if they are exactly those this tool
    wrote last (every one a plain file, none other), else None."""
    out = out_dir.resolve()
    manifest = _read_manifest(out)
    found = _list_output(out, manifest)
    whole = found.listed and not found.others and not found.empty
    return manifest if whole and len(found.present) == len(manifest) else None


@dataclass
class _Listing:
    """What an output folder holds, from one walk of it."""

    present: dict[str, str] = field(default_factory=dict)  # the manifest's files still there
    others: list[str] = field(default_factory=list)  # files and links the manifest lacks
    empty: list[str] = field(default_factory=list)  # folders that hold nothing
    listed: bool = True  # False if a folder could not be listed (it is left as it is)


def _list_output(out: Path, manifest: Mapping[str, str]) -> _Listing:
    """Return what `out` holds, with os.scandir and plain strings: this visits every file of
    the site on every build."""
    found = _Listing()
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
            if entry.is_dir(follow_symlinks=False):  # a link to a folder is an entry, not a way in
                folders.append((entry.path, rel + "/"))
            elif rel in manifest and entry.is_file(follow_symlinks=False):
                found.present[rel] = manifest[rel]
            elif rel != MANIFEST:
                found.others.append(rel)
    return found


def _read_manifest(out: Path) -> dict[str, str]:
    try:
        files = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return files if isinstance(files, dict) else {}


class _Tree:
    """Makes folders inside one root, never through a symbolic link planted in it.

    The writer threads call `folder` at once: a folder another thread has just made is
    taken as it is, and replacing whatever was planted where a folder goes is done under a
    lock.
    """

    def __init__(self, root: str):
        self.root = root
        self.created: list[str] = []  # folders this build made
        self.made: set[str] = {""}  # folders known to be real folders, relative to root
        self.lock = threading.Lock()
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
            with self.lock:
                if not stat.S_ISDIR(os.lstat(path).st_mode):  # a file or a link is in the way
                    os.unlink(path)
                    with suppress(FileExistsError):  # or another thread made it meanwhile
                        os.mkdir(path)
                        self.created.append(path)
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


def _write_temp(tree: _Tree, folder: str, temp: str, item: Output) -> None:
    tree.folder(folder)
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


def _cannot_write(out: Path, exc: OSError) -> OutputFailed:
    reason = exc.strerror or str(exc)
    where = display_path(out)
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


class Staging:
    """Brings one output folder to a new site, file by file as the site is rendered.

    `add` writes each changed file to a temporary file beside its destination (a few
    threads do the writing, since the time goes to the file system); `commit` renames them
    all into place in one quick step with Ctrl-C and SIGTERM held back, then removes files
    that no longer belong. `abort` (or leaving the `with` block on an error) removes the
    temporary files and any folder it made, so the previous site stays whole.
    """

    _IN_FLIGHT = 64  # files handed to the threads at once: bounds the memory they hold

    def __init__(self, out_dir: Path):
        self.out = out_dir.resolve()
        self.root = str(self.out) + os.sep
        self.old = _read_manifest(self.out)
        # Listed once, before anything is written: what may be kept, and what goes at commit.
        self.listing = _list_output(self.out, self.old)
        self.present = self.listing.present  # path -> digest of the last build's files left
        self.new: dict[str, str] = {}
        self.staged: list[_Staged] = []
        self.tree: _Tree | None = None
        self.pool = ThreadPoolExecutor(max_workers=8)
        self.pending: deque[Future] = deque()

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None:
            self.abort()

    def add(self, item: Output) -> None:
        """Take one file of the new site; write it aside if it differs from what is there."""
        value = item.digest or digest(item.data or b"")  # copied files always carry a digest
        self.new[item.path] = value
        if item.data is None and item.file is None:
            # A kept page: PageMemo.keep found it in output/ (Staging.present) in this build.
            if self.old.get(item.path) != value:
                raise RuntimeError(f"kept page {item.path} is not in the output folder")
            return
        if self.present.get(item.path) == value:
            return
        self._stage(item)

    def _stage(self, item: Output) -> None:
        try:
            if self.tree is None:
                self.tree = _Tree(str(self.out))
            parent, _, name = item.path.rpartition("/")
            folder = f"{self.root}{parent}/" if parent else self.root
            job = _Staged(f"{folder}.{name}{_TEMP_SUFFIX}", folder + name, item.path)
            self.staged.append(job)
            # The threads make the folders too: in this thread, every system call would wait
            # for the interpreter to come back from the writers.
            self.pending.append(self.pool.submit(_write_temp, self.tree, parent, job.temp, item))
            while len(self.pending) > self._IN_FLIGHT:
                self.pending.popleft().result()
        except OSError as exc:
            self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        self.abort()
        raise _cannot_write(self.out, exc) from None

    def commit(self) -> SyncResult:
        """Put every staged file in place and remove stale ones; return what changed."""
        manifest = {"generator": "gazette", "files": dict(sorted(self.new.items()))}
        if self.new != self.old or not (self.out / MANIFEST).is_file():
            text = json.dumps(manifest, indent=0).encode("utf-8")
            self._stage(Output(MANIFEST, "manifest", text))
        try:
            while self.pending:
                self.pending.popleft().result()
        except OSError as exc:
            self._failed(exc)
        self.pool.shutdown()
        with _signals_deferred():
            for job in self.staged:
                try:
                    os.replace(job.temp, job.dest)  # replaces a planted symlink, not its target
                except IsADirectoryError:  # a folder became a file
                    shutil.rmtree(job.dest)
                    os.replace(job.temp, job.dest)
            removed = self._remove_stale()
        written = tuple(job.path for job in self.staged if job.path != MANIFEST)
        return SyncResult(written, len(self.new) - len(written), tuple(removed), dict(self.new))

    def _remove_stale(self) -> list[str]:
        """Delete what the folder held that the new site lacks, then the folders left empty;
        return the files removed.

        Temporary files left by a build that was killed go the same way, as do files and
        links put there by hand: output/ holds the site and nothing else.
        """
        removed: list[str] = []
        for rel in (*self.present, *self.listing.others):
            if rel in self.new:
                continue
            try:
                os.unlink(self.root + rel)
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                continue  # gone (its folder replaced by a file), or a folder now
            removed.append(rel)
        for rel in (*removed, *(f"{folder}/" for folder in self.listing.empty)):
            folder = rel.rpartition("/")[0]
            while folder:  # upwards while empty; a folder still holding anything stays
                try:
                    os.rmdir(self.root + folder)
                except OSError:
                    break
                folder = folder.rpartition("/")[0]
        return sorted(removed)

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


def sync_output(outputs: Iterable[Output], out_dir: Path) -> SyncResult:
    """Make `out_dir` hold exactly `outputs`; return what was written, kept and removed."""
    with Staging(out_dir) as staging:
        for item in outputs:
            staging.add(item)
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
        fd = _take_lock(path, out_dir)
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


def _holder(fd: int) -> int | None:
    """Return the process id the lock file names, if it names one."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None
