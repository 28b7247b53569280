"""Pagefind's index files made reproducible: the same pages give the same bytes.

Pagefind 1.5 writes a filter's values, and the languages of pagefind-entry.json, in the
order of a Rust hash map, which differs from run to run; the file names are hashes of the
contents, so the names that point at those files differ too. Here the values are sorted,
the files renamed after a hash of their new contents, and the references followed:
filter files -> each language's pf_meta -> pagefind-entry.json. Every other file is
already the same from run to run and is kept as it is.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Mapping

from generator.search import cbor

_SIGNATURE = b"pagefind_dcd"
_FILTER = re.compile(r"^filter/(?P<lang>[^/]+?)_[0-9a-f]+\.pf_filter$")
_META = re.compile(r"^pagefind\.(?P<lang>.+?)_[0-9a-f]+\.pf_meta$")


def canonical_files(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """Return `files` (path under pagefind/ -> bytes) with the filters, metas and entry
    file in a canonical order and named after their contents."""
    out = dict(files)
    renamed: dict[str, str] = {}  # old hash -> new hash (as the meta files name them)
    for path in sorted(files):
        match = _FILTER.match(path)
        if match is None:
            continue
        name, values = _read(files[path])
        data = _write([name, sorted(values, key=lambda v: str(v[0]))])
        new = f"{match['lang']}_{_hash(data, 7)}"
        renamed[path[len("filter/") : -len(".pf_filter")]] = new
        del out[path]
        out[f"filter/{new}.pf_filter"] = data
    metas: dict[str, str] = {}
    for path in sorted(files):
        match = _META.match(path)
        if match is None:
            continue
        meta = _read(files[path])
        # [version, pages, index chunks, filters [name, hash], sorts, meta fields]
        if len(meta) > 3 and isinstance(meta[3], list):
            meta[3] = sorted([[n, renamed.get(h, h)] for n, h in meta[3]], key=lambda f: f[0])
        if len(meta) > 4 and isinstance(meta[4], list):
            meta[4] = sorted(meta[4], key=lambda s: str(s[0]))
        if len(meta) > 5 and isinstance(meta[5], list):
            meta[5] = sorted(meta[5], key=str)
        data = _write(meta)
        new = f"{match['lang']}_{_hash(data, 10)}"
        metas[path[len("pagefind.") : -len(".pf_meta")]] = new
        del out[path]
        out[f"pagefind.{new}.pf_meta"] = data
    if "pagefind-entry.json" in files:
        entry = json.loads(files["pagefind-entry.json"])
        for language in entry.get("languages", {}).values():
            language["hash"] = metas.get(language["hash"], language["hash"])
        text = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        out["pagefind-entry.json"] = text.encode("utf-8")
    return out


def _read(data: bytes):
    raw = gzip.decompress(data)
    if not raw.startswith(_SIGNATURE):
        raise ValueError("not a Pagefind index file")
    return cbor.loads(raw[len(_SIGNATURE) :])


def _write(value) -> bytes:
    return gzip.compress(_SIGNATURE + cbor.dumps(value), compresslevel=9, mtime=0)


def _hash(data: bytes, length: int) -> str:
    return hashlib.sha256(data).hexdigest()[:length]
