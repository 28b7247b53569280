"""The cache's values as data: plain lists, maps, text and numbers (MessagePack), read back
into the types their declarations name, and into no other.

Nothing in a cache file names a class or a function: a value is decoded by the type the
memo declares (a dataclass's annotated fields, a tuple, a mapping), and a union of classes
is one of the classes it lists. So a cache file written by anyone can at worst hold wrong
values of the right types; loading it never runs code (no pickle, marshal or eval).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

Codec = Callable[[Any], Any]
_SCALARS = (str, int, float, bool, type(None))


class CodecError(ValueError):
    """A value that the declared type cannot hold."""


def encode(value: Any, tp: Any) -> bytes:
    """Return `value`, of type `tp`, as MessagePack bytes."""
    import msgspec  # here, not at the top: a build that neither loads nor saves a cache

    return msgspec.msgpack.encode(to_data(value, tp))


def decode(data: bytes, tp: Any) -> Any:
    """Return the value of type `tp` that `data` holds; raise CodecError if it holds none."""
    import msgspec

    wire = _wire(tp)
    try:
        if wire is not None:
            return dict(msgspec.msgpack.decode(data, type=wire))
        return from_data(msgspec.msgpack.decode(data), tp)
    except msgspec.DecodeError as exc:  # a ValidationError too
        raise CodecError(str(exc)) from None


_PLAIN = (str, int, bool)  # checked alike by msgspec and _scalar (a bool is no int to either)


@functools.cache
def _wire(tp: Any) -> Any:
    """Return the type msgspec checks to_data's form of `tp` against, in C, when `tp` is a
    dict of plain values or fixed tuples of them (the memos of files read and written: tens
    of thousands of entries, which from_data would check one call at a time); else None."""

    def plain(t: Any) -> bool:
        if typing.get_origin(t) is tuple:
            return Ellipsis not in _args(t) and all(a in _PLAIN for a in _args(t))
        return t in _PLAIN

    if typing.get_origin(tp) is not dict or not all(plain(a) for a in _args(tp)):
        return None
    return list[tuple[_args(tp)]]  # to_data writes a dict as [key, value] pairs


def to_data(value: Any, tp: Any) -> Any:
    """Return `value`, of type `tp`, as plain lists, text and numbers."""
    return _encoder(tp)(value)


def from_data(data: Any, tp: Any) -> Any:
    """Return the value of type `tp` that plain `data` holds; raise CodecError if none."""
    try:
        return _decoder(tp)(data)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        raise CodecError(str(exc)) from None


def _identity(value: Any) -> Any:
    return value


def _args(tp: Any) -> tuple[Any, ...]:
    return typing.get_args(tp)


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


@functools.cache
def _hints(cls: type) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))


@functools.cache
def _encoder(tp: Any) -> Codec:
    if tp in _SCALARS or tp is Markup:
        return _identity if tp is not Markup else str
    if tp is Any:
        return _encode_any
    if tp is datetime:
        return _encode_datetime
    if dataclasses.is_dataclass(tp):
        fields = [(name, _encoder(t)) for name, t in _hints(tp)]
        return lambda v: [code(getattr(v, name)) for name, code in fields]
    if _is_union(tp):
        members = [t for t in _args(tp) if t is not type(None)]
        if all(m in _SCALARS for m in members):
            return _identity
        if len(members) == 1:
            inner = _encoder(members[0])
            return lambda v: None if v is None else inner(v)
        coders = {m: (m.__name__, _encoder(m)) for m in members}  # classes only

        def tagged(v: Any) -> Any:
            if v is None:
                return None
            name, code = coders[type(v)]
            return [name, code(v)]

        return tagged
    origin, args = typing.get_origin(tp), _args(tp)
    if origin in (tuple, list, frozenset, set):
        if origin is tuple and args and args[-1] is not Ellipsis:
            items = [_encoder(a) for a in args]
            return lambda v: [code(x) for code, x in zip(items, v, strict=True)]
        item = _encoder(args[0])
        if origin in (frozenset, set):
            return lambda v: sorted(item(x) for x in v)
        return lambda v: [item(x) for x in v]
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        key, value = (_encoder(a) for a in (args or (Any, Any)))
        return lambda v: [[key(k), value(x)] for k, x in v.items()]
    raise TypeError(f"the cache cannot hold {tp!r}")


@functools.cache
def _decoder(tp: Any) -> Codec:
    if tp in _SCALARS:
        return functools.partial(_scalar, tp)
    if tp is Markup:
        return lambda v: Markup(_scalar(str, v))
    if tp is Any:
        return _decode_any
    if tp is datetime:
        return _decode_aware
    if dataclasses.is_dataclass(tp):
        return _dataclass_decoder(tp)
    if _is_union(tp):
        members = [t for t in _args(tp) if t is not type(None)]
        if all(m in _SCALARS for m in members):
            allowed = (*tuple(members), type(None))

            def scalar(v: Any) -> Any:
                if not isinstance(v, allowed) or (isinstance(v, bool) and bool not in allowed):
                    raise CodecError(f"{v!r} is not {tp}")
                return v

            return scalar
        if len(members) == 1:
            inner = _decoder(members[0])
            return lambda v: None if v is None else inner(v)
        decoders = {m.__name__: _decoder(m) for m in members}

        def tagged(v: Any) -> Any:
            if v is None:
                return None
            name, data = v
            return decoders[name](data)

        return tagged
    origin, args = typing.get_origin(tp), _args(tp)
    if origin in (tuple, list, frozenset, set):
        if origin is tuple and args and args[-1] is not Ellipsis:
            items = [_decoder(a) for a in args]
            return lambda v: tuple(code(x) for code, x in zip(items, _list(v), strict=True))
        item = _decoder(args[0])
        if item is _identity:
            return lambda v: origin(_list(v))
        return lambda v: origin(item(x) for x in _list(v))
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        key, value = (_decoder(a) for a in (args or (Any, Any)))
        return lambda v: {key(k): value(x) for k, x in _list(v)}
    raise TypeError(f"the cache cannot hold {tp!r}")


def _list(value: Any) -> list:
    if not isinstance(value, list):
        raise CodecError(f"expected a list, not {type(value).__name__}")
    return value


def _scalar(tp: type, value: Any) -> Any:
    if type(value) is not tp and not (tp is float and type(value) is int):
        raise CodecError(f"expected {tp.__name__}, not {type(value).__name__}")
    return value


def _dataclass_decoder(cls: type) -> Codec:
    fields = _hints(cls)
    names = [name for name, _ in fields]
    coders = [(name, _decoder(t)) for name, t in fields]
    converted = [(name, code) for name, code in coders if code is not _identity]
    direct = not hasattr(cls, "__post_init__") and not hasattr(cls, "__slots__")

    def decode_one(v: Any) -> Any:
        values = dict(zip(names, _list(v), strict=True))
        for name, code in converted:
            values[name] = code(values[name])
        if direct:  # as the generated __init__ would, without running it field by field
            new = object.__new__(cls)
            new.__dict__.update(values)
            return new
        return cls(**values)

    return decode_one


def _encode_datetime(value: datetime) -> list:
    tz = value.tzinfo
    if isinstance(tz, ZoneInfo):
        zone: Any = tz.key
    elif tz is None:
        zone = None
    else:
        offset = tz.utcoffset(value)
        if not isinstance(tz, timezone) or offset is None:
            raise TypeError(f"the cache cannot hold the timezone {tz!r}")
        zone = int(offset.total_seconds())
    return [value.replace(tzinfo=None).isoformat(), zone, value.fold]


def _decode_datetime(value: Any) -> datetime:
    text, zone, fold = _list(value)
    moment = datetime.fromisoformat(_scalar(str, text))
    if zone is None:
        tz = None
    elif isinstance(zone, str):
        tz = ZoneInfo(zone)
    else:
        tz = timezone(timedelta(seconds=_scalar(int, zone)))
    return moment.replace(tzinfo=tz, fold=_scalar(int, fold))


def _decode_aware(value: Any) -> datetime:
    """Return a declared moment, which Gazette always keeps with its zone: one without it
    could not be compared with another."""
    moment = _decode_datetime(value)
    if moment.tzinfo is None:
        raise CodecError(f"{moment.isoformat()} has no zone")
    return moment


# Values of unknown type (front matter kept as it was written): text, numbers, true/false
# and null as they are, anything else as a list tagged with its kind.
def _encode_any(value: Any) -> Any:
    if type(value) in _SCALARS:
        return value
    if isinstance(value, datetime):
        return ["datetime", _encode_datetime(value)]
    if isinstance(value, date):
        return ["date", value.isoformat()]
    if isinstance(value, time):
        return ["time", value.isoformat()]
    if isinstance(value, list | tuple):
        return ["list" if isinstance(value, list) else "tuple", [_encode_any(x) for x in value]]
    if isinstance(value, dict):
        return ["dict", [[_encode_any(k), _encode_any(x)] for k, x in value.items()]]
    raise TypeError(f"the cache cannot hold {type(value).__name__}")


def _decode_any(value: Any) -> Any:
    if type(value) in _SCALARS:
        return value
    kind, data = _list(value)
    if kind == "datetime":
        return _decode_datetime(data)
    if kind == "date":
        return date.fromisoformat(data)
    if kind == "time":
        return time.fromisoformat(data)
    if kind == "list":
        return [_decode_any(x) for x in _list(data)]
    if kind == "tuple":
        return tuple(_decode_any(x) for x in _list(data))
    if kind == "dict":
        return {_decode_any(k): _decode_any(x) for k, x in _list(data)}
    raise CodecError(f"unknown kind {kind!r}")
