"""The only writer of output/: brings it to exactly the new site, touching only what changed."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputRefused, display_path
from .outputs import Output, digest

# Marks a folder as ours and remembers the hash of every file we wrote, so unchanged files are
# recognised without reading them back.
MANIFEST = ".gazette-manifest.json"


@dataclass(frozen=True)
class SyncResult:
    written: tuple[str, ...]
    unchanged: int
    removed: tuple[str, ...]


def check_output_dir(out_dir: Path, root: Path, sources: Sequence[Path]) -> None:
    """Raise OutputRefused unless `out_dir` is a folder this tool may fill and clean.

    The output may not be, or hold, the project `root` or a source folder (content/, themes/),
    nor lie inside a source folder, where the next build would read it back.
    """
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
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputRefused(f"{display_path(out)} exists and is not a folder")
    if out.is_dir() and not (out / MANIFEST).is_file() and any(out.iterdir()):
        raise OutputRefused(
            f"refusing to write into {display_path(out)}: it holds files this tool did not write "
            "(empty it, or choose another folder with --output)"
        )


def present_files(out_dir: Path) -> dict[str, str]:
    """Return path -> digest of the files this tool wrote in `out_dir` that are still there."""
    out = out_dir.resolve()
    manifest = _read_manifest(out)
    return {path: value for path, value in manifest.items() if _is_plain_file(out / path)}


def _read_manifest(out: Path) -> dict[str, str]:
    try:
        files = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return files if isinstance(files, dict) else {}


class _Tree:
    """Writes inside one folder, never through a symbolic link planted in it."""

    def __init__(self, root: Path):
        self.root = root
        self.made: set[Path] = {root}

    def folder(self, rel_parent: str) -> Path:
        current = self.root
        for part in rel_parent.split("/") if rel_parent else ():
            current = current / part
            if current in self.made:
                continue
            if current.is_symlink() or current.is_file():
                current.unlink()
            current.mkdir(exist_ok=True)
            self.made.add(current)
        return current

    def write(self, rel: str, data: bytes | None, source: Path | None) -> None:
        parent, _, name = rel.rpartition("/")
        folder = self.folder(parent)
        dest = folder / name
        if dest.is_dir() and not dest.is_symlink():
            shutil.rmtree(dest)
        temp = folder / f".{name}.{os.getpid()}.tmp"
        try:
            if data is not None:
                temp.write_bytes(data)
            else:
                shutil.copyfile(source, temp)
            os.replace(temp, dest)  # replaces a planted symlink itself, never its target
        finally:
            temp.unlink(missing_ok=True)


def sync_output(outputs: Sequence[Output], out_dir: Path) -> SyncResult:
    """Make `out_dir` hold exactly `outputs`; return what was written, kept and removed."""
    out = out_dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    old = _read_manifest(out)
    new: dict[str, str] = {}
    tree = _Tree(out)
    written: list[str] = []
    for item in outputs:
        value = item.digest or digest(item.data or b"")  # copied files always carry a digest
        new[item.path] = value
        if old.get(item.path) == value and _is_plain_file(out / item.path):
            continue
        if item.data is None and item.file is None:
            raise RuntimeError(f"kept page {item.path} is not in the output folder")
        tree.write(item.path, item.data, item.file)
        written.append(item.path)
    removed = _remove_stale(out, set(new))
    if new != old or not (out / MANIFEST).is_file():
        text = json.dumps({"generator": "gazette", "files": dict(sorted(new.items()))}, indent=0)
        tree.write(MANIFEST, text.encode("utf-8"), None)
    return SyncResult(tuple(written), len(outputs) - len(written), tuple(removed))


def _is_plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _remove_stale(out: Path, keep: set[str]) -> list[str]:
    """Delete files under `out` that are not in `keep`, then empty folders; return them."""
    removed: list[str] = []
    for dirpath, dirs, files in os.walk(out, topdown=False):
        folder = Path(dirpath)
        rel_folder = folder.relative_to(out).as_posix()
        prefix = "" if rel_folder == "." else rel_folder + "/"
        for name in files + [d for d in dirs if (folder / d).is_symlink()]:
            rel = prefix + name
            if rel == MANIFEST or rel in keep:
                continue
            (folder / name).unlink()
            removed.append(rel)
        if folder != out and not any(folder.iterdir()):
            folder.rmdir()
    return sorted(removed)
