"""The preview's documents saved back into the cache `build` saved: only new documents are
written (no pack is read back), every other memo stays as saved, a save cut off leaves the
previous cache, and the saver keeps only the latest picture and never holds up its close."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import article, write_files

from generator.config import load_config
from generator.dev.saveback import SaveBack
from generator.incremental.cache import (
    CACHE_FILE,
    DOCUMENTS,
    BuildCache,
    Documents,
    code_stamp,
    load_cache,
    save_documents,
)
from generator.pipeline.build import BuildOptions, build

SITE = {
    "site.yaml": "title: T\nbase_url: https://example.org/\ntimezone: Asia/Baku\n",
    **{f"content/articles/s{i}.md": article(f"S{i}", f"2024-02-0{i + 1} 10:00") for i in range(4)},
}


def _loaded(folder: Path) -> BuildCache:
    cache, warning = load_cache(folder, code_stamp())
    assert warning is None and cache.complete() is None
    return cache


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The cache folder of a built site."""
    write_files(tmp_path, SITE)
    config = load_config(tmp_path / "site.yaml")
    build(config, BuildOptions(jobs=1))
    return config.cache_dir


def _picture(folder: Path, digest: str = "e" * 16) -> tuple[BuildCache, Documents]:
    cache = _loaded(folder)
    memo = cache.memos[DOCUMENTS]
    (path, old), parsed = sorted(memo.data.items())[0]
    documents = {key: p for key, p in memo.data.items() if key != (path, old)}
    documents[(path, digest)] = parsed
    files = cache.memos["files"].data
    return cache, Documents(folder, cache.stamp, memo.key, documents, files, dict(cache.packs))


def test_only_the_new_documents_are_written_and_every_other_memo_stays(folder: Path) -> None:
    before, documents = _picture(folder)
    (pack,) = before.packs
    pack_bytes = (folder / pack).read_bytes()
    saved = save_documents(documents)
    assert saved is not None and set(saved) > {pack}
    (new,) = set(saved) - {pack}
    assert saved[new] == frozenset(documents.parsed) - before.packs[pack]
    assert (folder / pack).read_bytes() == pack_bytes  # never written again
    after = _loaded(folder)
    assert set(after.packs) == {pack, new}
    assert after.parsed.keys() >= documents.parsed.keys()
    for stage in ("files", "templates", "last", "pages", "checks"):
        assert after.memos[stage] == before.memos[stage], stage


def test_packs_it_does_not_know_are_read_for_their_keys_alone(folder: Path) -> None:
    _, documents = _picture(folder)
    saved = save_documents(replace(documents, packs={}))  # as after a build it did not see
    assert saved is not None
    assert len(saved) == 2 and saved == _loaded(folder).packs
    assert set().union(*saved.values()) >= documents.parsed.keys()


def test_a_build_whose_cache_a_preview_saved_over_meanwhile_takes_its_documents(
    folder: Path,
) -> None:
    build_cache, warning = load_cache(folder, code_stamp())  # a build reads the first part
    assert warning is None
    _, documents = _picture(folder)
    # A preview saves before it reads the rest, with a file memo of its own: the first part
    # of the file is longer now, and the rest starts elsewhere.
    files = {**documents.files, "content/articles/new.md": (1, 2, 3, "f" * 16)}
    assert save_documents(replace(documents, files=files)) is not None
    assert build_cache.complete() is None  # no "damaged" warning, no cold build
    assert build_cache.parsed.keys() >= documents.parsed.keys()
    assert "last" in build_cache.memos


def test_a_cache_of_documents_for_other_settings_is_left_as_it_is(folder: Path) -> None:
    _, documents = _picture(folder)
    saved = (folder / CACHE_FILE).read_bytes()
    assert save_documents(replace(documents, key="other settings")) is None
    assert (folder / CACHE_FILE).read_bytes() == saved


@pytest.mark.parametrize("cut", ["at the pack", "at the cache file"])
def test_a_save_cut_off_leaves_the_previous_cache(
    folder: Path, cut: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, documents = _picture(folder)
    saved = (folder / CACHE_FILE).read_bytes()
    replace_file = os.replace

    def cut_off(source: str, target: str | Path) -> None:
        if (Path(target).name == CACHE_FILE) == (cut == "at the cache file"):
            raise KeyboardInterrupt  # the process ends here
        replace_file(source, target)

    monkeypatch.setattr(os, "replace", cut_off)
    with pytest.raises(KeyboardInterrupt):
        save_documents(documents)
    monkeypatch.undo()
    assert (folder / CACHE_FILE).read_bytes() == saved
    after = _loaded(folder)
    assert after.packs == before.packs and after.parsed == before.parsed


def _block_on_a_pack(folder: Path, documents: Documents) -> tuple[Documents, Path, bytes]:
    """Swap the cache's pack for a pipe nobody writes to yet, and return a picture that does
    not know the pack, so saving it blocks on reading the pack's keys; and the pack's bytes."""
    (pack,) = documents.packs
    pipe = folder / pack
    data = pipe.read_bytes()
    pipe.unlink()
    os.mkfifo(pipe)
    return replace(documents, packs={}), pipe, data


def _writer_once_read(pipe: Path) -> int:
    """Return a blocking descriptor writing to `pipe` once something has it open for
    reading (within 20 s): a save is then in flight, reading it."""
    deadline = time.monotonic() + 20
    while True:
        try:
            fd = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError:  # ENXIO: nothing reads it yet
            assert time.monotonic() < deadline, "nothing read the pipe"
            time.sleep(0.02)
    os.set_blocking(fd, True)
    return fd


def _feed(fd: int, data: bytes) -> None:
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)


def test_close_does_not_wait_for_a_save_that_does_not_end(folder: Path) -> None:
    _, documents = _picture(folder)
    blocked, pipe, data = _block_on_a_pack(folder, documents)
    saved = (folder / CACHE_FILE).read_bytes()
    saver = SaveBack()
    saver.submit(blocked)
    writer = _writer_once_read(pipe)  # the save is in flight, blocked on the pipe
    assert not saver.close(timeout=0.2)  # it gave up waiting: the save still reads the pipe
    assert (folder / CACHE_FILE).read_bytes() == saved
    _feed(writer, data)
    assert saver.close(timeout=20)  # the save, once it could read, ended
    pipe.unlink()
    pipe.write_bytes(data)
    after = _loaded(folder)
    assert after.parsed.keys() >= documents.parsed.keys()


def test_only_the_latest_picture_waiting_is_saved(folder: Path) -> None:
    _, documents = _picture(folder)
    blocked, pipe, data = _block_on_a_pack(folder, documents)
    saver = SaveBack()
    saver.submit(blocked)
    writer = _writer_once_read(pipe)  # the first save is in flight, blocked on the pipe
    for digest in ("1" * 16, "2" * 16, "3" * 16):  # three pictures while it runs
        saver.submit(_picture_of(documents, digest))
    _feed(writer, data)
    assert saver.close(timeout=20)
    pipe.unlink()
    pipe.write_bytes(data)
    packs = sorted(p.name for p in folder.glob("docs-*.pack"))
    assert len(packs) == 3  # the build's, the first picture's and the last one's
    after = _loaded(folder)
    digests = {digest for _, digest in after.parsed}
    assert "3" * 16 in digests and not {"1" * 16, "2" * 16} & digests


def _picture_of(documents: Documents, digest: str) -> Documents:
    """Return `documents` with its first edited document under another digest."""
    (path, _), parsed = next((k, p) for k, p in documents.parsed.items() if k[1] == "e" * 16)
    parsed_now = {k: p for k, p in documents.parsed.items() if k[1] != "e" * 16}
    parsed_now[(path, digest)] = parsed
    return replace(documents, parsed=parsed_now)
