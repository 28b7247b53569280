"""The persistent cache holds data, never code: loading one runs no pickle, marshal, eval,
exec or compile; a planted pickle payload does nothing; a cache folder git tracks is
ignored with a warning; saves from two processes at once never leave a broken cache."""

from __future__ import annotations

import builtins
import copy
import marshal
import multiprocessing
import pickle
import shutil
import subprocess
import zlib
from pathlib import Path
from zoneinfo import ZoneInfo

import hypothesis
import hypothesis.strategies as st
import msgspec
import pytest
from conftest import article, write_files
from markupsafe import Markup

from generator.config import load_config
from generator.incremental.cache import (
    CACHE_FILE,
    DOCUMENTS,
    BuildCache,
    load_cache,
    memo_type,
    save_cache,
)
from generator.incremental.codec import CodecError, decode, encode
from generator.model import Article, Page, Term
from generator.pipeline.build import BuildOptions, build

_DOCUMENTS = memo_type(DOCUMENTS)

SITE = {
    "site.yaml": "title: T\nbase_url: https://example.org/\ntimezone: Asia/Baku\n",
    "content/articles/a.md": article("A", "2024-02-01 10:00", tags="[Baku]", extra="[1, x]"),
    "content/articles/b.md": article("B", "2024-02-02 10:00", body="[gone](/gone/)"),
    "content/pages/about.md": "---\ntitle: About\n---\nWho.\n",
}


def _built(root: Path):
    write_files(root, SITE)
    config = load_config(root / "site.yaml")
    build(config, BuildOptions(jobs=1))
    return config


def _forbidden(*args, **kwargs):
    raise AssertionError("the cache loader ran code")


def test_loading_the_cache_runs_no_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _built(tmp_path)
    for module, name in (
        (pickle, "loads"),
        (pickle, "load"),
        (pickle, "Unpickler"),
        (marshal, "loads"),
        (marshal, "load"),
        (builtins, "eval"),
        (builtins, "exec"),
        (builtins, "compile"),
    ):
        monkeypatch.setattr(module, name, _forbidden)
    cache, warning = load_cache(config.cache_dir, BuildCache().stamp)
    assert warning is None
    assert cache.complete() is None
    assert len(cache.parsed) == 3 and cache.get("last") is not None
    monkeypatch.undo()
    # What was loaded is what was saved: a build from it equals the first one.
    again = BuildCache(cache.stamp, dict(cache.memos))
    save_cache(tmp_path / "copy", again)
    reloaded, _ = load_cache(tmp_path / "copy", cache.stamp)
    assert reloaded.complete() is None
    assert reloaded.memos == cache.memos


class _Payload:
    def __reduce__(self):
        return (Path.touch, (Path("planted-pickle-ran"),))


def test_a_planted_pickle_runs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _built(tmp_path)
    monkeypatch.chdir(tmp_path)
    payload = pickle.dumps(_Payload())
    for file in config.cache_dir.iterdir():  # the cache file and every pack
        head = b"".join(file.read_bytes().splitlines(keepends=True)[:2])
        file.write_bytes(head + f"{len(payload):015d} 00000000\n".encode() + payload)
    (config.cache_dir / "other.pickle").write_bytes(payload)
    result = build(config, BuildOptions(jobs=1))
    assert result.parsed == 3  # cold: the cache was refused
    assert not (tmp_path / "planted-pickle-ran").exists()


def test_a_cache_git_tracks_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    config = _built(tmp_path)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "-f", ".cache"], cwd=tmp_path, check=True)
    before = (config.cache_dir / CACHE_FILE).read_bytes()
    (tmp_path / "content/articles/b.md").write_text(article("B", "2024-02-02 10:00", body="x"))
    with caplog.at_level("WARNING"):
        result = build(config, BuildOptions(jobs=1))
    assert result.parsed == 3  # cold, never an error
    assert any("cache not used: git tracks" in r.getMessage() for r in caplog.records)
    assert (config.cache_dir / CACHE_FILE).read_bytes() == before  # nor written over


def _save_many(folder: str, rounds: int) -> None:
    config = load_config(Path(folder) / "site.yaml")
    cache, _ = load_cache(config.cache_dir, BuildCache().stamp)
    cache.complete()
    for _ in range(rounds):
        cache.packs = {}  # every save writes a pack of its own and drops the others'
        save_cache(config.cache_dir, cache)


def test_saves_at_the_same_time_leave_a_valid_cache(tmp_path: Path) -> None:
    config = _built(tmp_path)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_save_many, args=(str(tmp_path), 25)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for _ in range(25):
        cache, warning = load_cache(config.cache_dir, BuildCache().stamp)
        assert warning is None
        # A pack another save removed meanwhile makes a warning, never a wrong cache.
        if cache.complete() is None:
            assert len(cache.parsed) == 3
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    cache, warning = load_cache(config.cache_dir, BuildCache().stamp)
    assert warning is None and cache.complete() is None and len(cache.parsed) == 3


@pytest.mark.parametrize("zone", [None, 10**15, 90_000, "No/Such_Zone", "../../etc/passwd"])
def test_a_cache_holding_a_moment_without_a_usable_zone_is_not_used(tmp_path: Path, zone) -> None:
    # Every moment Gazette keeps has a zone; one without it, or with an offset no clock has
    # or a zone no system knows (written by another program), cannot be compared with the
    # build's clock, and must not stop the build.
    config = _built(tmp_path)
    file = tmp_path / ".cache" / CACHE_FILE
    magic, stamp, header, rest = file.read_bytes().split(b"\n", 3)
    size = int(header.split()[0])
    saved, *more = msgspec.msgpack.decode(rest[:size])
    saved["last"][1][1][0][1] = zone  # the window's first moment's zone
    head = msgspec.msgpack.encode([saved, *more])
    header = f"{len(head):015d} {zlib.crc32(head):08x}".encode()
    file.write_bytes(b"\n".join([magic, stamp, header, head + rest[size:]]))
    _, warning = load_cache(config.cache_dir, BuildCache().stamp)
    assert warning == f"cache not used: {file} cannot be read"
    assert build(config, BuildOptions(jobs=1)).parsed == 3


@pytest.mark.parametrize(
    "entry",
    [
        [True, 2, 3, "d"],  # a bool is no size
        [1.0, 2, 3, "d"],
        [1, 2, 3, 4],
        [1, 2, 3],
        [1, 2, 3, "d", 5],
        None,
        {"size": 1},
    ],
)
def test_a_memo_entry_of_the_wrong_shape_is_refused(entry: object) -> None:
    tp = dict[str, tuple[int, int, int, str]]
    assert decode(msgspec.msgpack.encode([["a.md", [1, 2, 3, "d"]]]), tp) == {
        "a.md": (1, 2, 3, "d")
    }
    with pytest.raises(CodecError):
        decode(msgspec.msgpack.encode([["a.md", entry]]), tp)


def test_documents_come_back_equal_and_of_their_declared_types(tmp_path: Path) -> None:
    config = _built(tmp_path)
    cache, _ = load_cache(config.cache_dir, BuildCache().stamp)
    assert cache.complete() is None
    parsed = dict(cache.parsed)
    again = decode(encode(parsed, _DOCUMENTS), _DOCUMENTS)
    assert again == parsed
    a = next(p.document for p in again.values() if p.document.title == "A")
    assert type(a) is Article and type(a.tags) is tuple and type(a.tags[0]) is Term
    assert type(a.content) is Markup and a.date.tzinfo == ZoneInfo("Asia/Baku")
    assert type(a.meta["extra"]) is list  # front matter of any type, kept as it was
    about = next(p.document for p in again.values() if p.document.title == "About")
    assert type(about) is Page


@pytest.mark.parametrize(
    "change",
    [
        lambda doc: doc.__setitem__(0, "Nothing"),  # a class the union does not list
        lambda doc: doc[1].__setitem__(1, 7),  # a number for the title
        lambda doc: doc[1].pop(),  # a field short
        lambda doc: doc[1].append(None),  # a field too many
    ],
)
def test_a_document_of_the_wrong_shape_is_refused(tmp_path: Path, change) -> None:
    config = _built(tmp_path)
    cache, _ = load_cache(config.cache_dir, BuildCache().stamp)
    assert cache.complete() is None
    data = msgspec.msgpack.decode(encode(dict(cache.parsed), _DOCUMENTS))
    change(data[0][1][0])  # the first entry's Parsed: [class name, fields]
    with pytest.raises(CodecError):
        decode(msgspec.msgpack.encode(data), _DOCUMENTS)


_PLANTED = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats() | st.text(max_size=8)
    | st.sampled_from(["Article", "Page", "datetime", "date", "list", "dict", "Asia/Baku"]),
    lambda inner: st.lists(inner, max_size=4),
    max_leaves=8,
)  # fmt: skip


@pytest.fixture(scope="module")
def documents_data(tmp_path_factory: pytest.TempPathFactory) -> list:
    config = _built(tmp_path_factory.mktemp("site"))
    cache, _ = load_cache(config.cache_dir, BuildCache().stamp)
    assert cache.complete() is None
    return msgspec.msgpack.decode(encode(dict(cache.parsed), _DOCUMENTS))


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(path=st.lists(st.integers(0, 40), min_size=1, max_size=6), value=_PLANTED)
def test_a_planted_value_anywhere_is_refused_or_read_never_a_crash(
    documents_data: list, path: list[int], value: object
) -> None:
    # Whatever another program writes at any place of the documents memo, reading it gives
    # documents of the declared types or CodecError (the cache is then not used).
    data = copy.deepcopy(documents_data)
    node = data
    for step in path[:-1]:
        if not isinstance(node, list) or not node:
            break
        node = node[step % len(node)]
    if isinstance(node, list) and node:
        node[path[-1] % len(node)] = value
    try:
        parsed = decode(msgspec.msgpack.encode(data), _DOCUMENTS)
    except CodecError:
        return
    assert all(type(p.document) in (Article, Page) for p in parsed.values())
