"""The subset of CBOR (RFC 8949) Pagefind's index files are written in: integers, byte and
text strings, arrays, maps, simple values; heads always in their shortest form."""

from __future__ import annotations

from typing import Any


class CborError(ValueError):
    """The data is not the CBOR this module reads."""


def loads(data: bytes) -> Any:
    """Return the one value `data` holds; raise CborError if it holds anything else."""
    value, end = _item(data, 0)
    if end != len(data):
        raise CborError(f"{len(data) - end} bytes after the value")
    return value


def _head(data: bytes, at: int) -> tuple[int, int, int]:
    """Return (major type, argument, where the item's content starts)."""
    if at >= len(data):
        raise CborError("truncated")
    major, info = data[at] >> 5, data[at] & 31
    if info < 24:
        return major, info, at + 1
    if info > 27:
        raise CborError(f"unsupported additional information {info}")
    size = 1 << (info - 24)
    if at + 1 + size > len(data):
        raise CborError("truncated")
    return major, int.from_bytes(data[at + 1 : at + 1 + size], "big"), at + 1 + size


def _item(data: bytes, at: int) -> tuple[Any, int]:
    if at < len(data) and data[at] in (0xF9, 0xFA, 0xFB):  # floats: kept as exact bytes
        size = {0xF9: 2, 0xFA: 4, 0xFB: 8}[data[at]]
        return _Float(data[at : at + 1 + size]), at + 1 + size
    major, arg, at = _head(data, at)
    if major == 0:
        return arg, at
    if major == 1:
        return -1 - arg, at
    if major in (2, 3):
        raw = data[at : at + arg]
        if len(raw) != arg:
            raise CborError("truncated")
        return (raw if major == 2 else raw.decode("utf-8")), at + arg
    if major == 4:
        items = []
        for _ in range(arg):
            item, at = _item(data, at)
            items.append(item)
        return items, at
    if major == 5:
        pairs = []
        for _ in range(arg):
            key, at = _item(data, at)
            value, at = _item(data, at)
            pairs.append((key, value))
        return _Map(pairs), at
    if major == 7:
        return _Simple(arg), at
    raise CborError(f"unsupported major type {major}")


class _Map(list):
    """A CBOR map, as its pairs in the order they were written."""


class _Float(bytes):
    """A float, kept as the bytes it was written in."""


class _Simple(int):
    """false, true, null and other simple values, by number."""


def dumps(value: Any) -> bytes:
    """Return `value` (as loads() returns them) in CBOR, every head in its shortest form."""
    out = bytearray()
    _write(value, out)
    return bytes(out)


def _write_head(major: int, arg: int, out: bytearray) -> None:
    if arg < 24:
        out.append(major << 5 | arg)
        return
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            out.append(major << 5 | info)
            out += arg.to_bytes(size, "big")
            return
    raise CborError(f"integer too large: {arg}")


def _write(value: Any, out: bytearray) -> None:
    if isinstance(value, _Float):
        out += value
    elif isinstance(value, _Simple):
        _write_head(7, int(value), out)
    elif isinstance(value, int) and not isinstance(value, bool):
        _write_head(0, value, out) if value >= 0 else _write_head(1, -1 - value, out)
    elif isinstance(value, bytes):
        _write_head(2, len(value), out)
        out += value
    elif isinstance(value, str):
        raw = value.encode("utf-8")
        _write_head(3, len(raw), out)
        out += raw
    elif isinstance(value, _Map):
        _write_head(5, len(value), out)
        for key, item in value:
            _write(key, out)
            _write(item, out)
    elif isinstance(value, list):
        _write_head(4, len(value), out)
        for item in value:
            _write(item, out)
    else:
        raise CborError(f"cannot write {type(value).__name__}")
