"""The cache's values as data: plain lists, maps, text and numbers (MessagePack), read back
into the types their declarations name, and into no other.

Nothing in a cache file names a class or a function: a value is decoded by the type the
memo declares (a dataclass's annotated fields, a tuple, a mapping), and a union of classes
is one of the classes it lists. So a cache file written by anyone can at worst hold wrong
values of the right types; loading it never runs code (no pickle, marshal or eval).

Each declared type has a wire type: the shape `to_data` gives it, in terms msgspec checks
in C while it decodes (a dataclass is a fixed-length array of its fields' wire types, a
mapping an array of pairs). What msgspec cannot build itself (dataclasses, moments, Markup,
front matter of any type) is then made from the checked data by a converter.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
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

    convert = _converter(tp)
    try:
        wire = _reader(tp).decode(data)
        return wire if convert is None else convert(wire)
    except msgspec.DecodeError as exc:  # a ValidationError too
        raise CodecError(str(exc)) from None
    except (TypeError, ValueError, LookupError, ArithmeticError) as exc:  # by a converter
        raise CodecError(str(exc)) from None


def to_data(value: Any, tp: Any) -> Any:
    """Return `value`, of type `tp`, as plain lists, tuples, text and numbers."""
    code = _encoder(tp)
    return value if code is None else code(value)


def _args(tp: Any) -> tuple[Any, ...]:
    return typing.get_args(tp)


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _members(tp: Any) -> list[Any]:
    return [t for t in _args(tp) if t is not type(None)]


def _is_mapping(tp: Any) -> bool:
    return typing.get_origin(tp) in (dict, Mapping) or tp in (dict, Mapping)


@functools.cache
def _hints(cls: type) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))


def _each(code: Codec | None, kind: Callable = list) -> Codec | None:
    """Return a codec applying `code` to each item of a sequence, giving a `kind`."""
    return None if code is None else lambda v: kind(map(code, v))


# Encoding. None stands for "as it is": msgspec writes tuples and lists as arrays, so a value
# made of scalars, tuples and lists needs no copy.
@functools.cache
def _encoder(tp: Any) -> Codec | None:
    if tp in _SCALARS:
        return None
    if tp is Markup:
        return str
    if tp is Any:
        return _encode_any
    if tp is datetime:
        return _encode_datetime
    if dataclasses.is_dataclass(tp):
        names = [name for name, _ in _hints(tp)]
        codes = [_encoder(t) for _, t in _hints(tp)]
        get = (
            operator.attrgetter(*names)
            if len(names) > 1  # of one name, attrgetter gives the value, not a tuple
            else lambda v: tuple(getattr(v, n) for n in names)
        )
        if all(c is None for c in codes):
            return get
        pairs = [c or _identity for c in codes]
        return lambda v: [c(x) for c, x in zip(pairs, get(v), strict=True)]
    if _is_union(tp):
        members = _members(tp)
        if all(m in _SCALARS for m in members):
            return None
        if len(members) == 1:
            inner = _encoder(members[0])
            return None if inner is None else lambda v: None if v is None else inner(v)
        coders = {m: (m.__name__, _encoder(m) or _identity) for m in members}  # classes only

        def tagged(v: Any) -> Any:
            if v is None:
                return None
            name, code = coders[type(v)]
            return [name, code(v)]

        return tagged
    origin, args = typing.get_origin(tp), _args(tp)
    if origin is tuple and args and args[-1] is not Ellipsis:
        codes = [_encoder(a) for a in args]
        if all(c is None for c in codes):
            return None
        pairs = [c or _identity for c in codes]
        return lambda v: [c(x) for c, x in zip(pairs, v, strict=True)]
    if origin in (tuple, list):
        return _each(_encoder(args[0]))
    if origin in (frozenset, set):  # in order, so equal sets make equal bytes
        item = _encoder(args[0])
        return sorted if item is None else lambda v: sorted(map(item, v))
    if _is_mapping(tp):
        key, value = (_encoder(a) for a in (args or (Any, Any)))
        if key is None and value is None:
            return lambda v: list(v.items())
        key, value = key or _identity, value or _identity
        return lambda v: [(key(k), value(x)) for k, x in v.items()]
    raise TypeError(f"the cache cannot hold {tp!r}")


def _identity(value: Any) -> Any:
    return value


# Decoding: the wire type msgspec checks, then the converter (None: msgspec made the value).
@functools.cache
def _wire(tp: Any) -> Any:
    """Return the msgspec type of `to_data`'s form of `tp`."""
    import msgspec

    if tp in _SCALARS:
        return tp
    if tp is Markup:
        return str
    if tp is Any:
        return Any
    if tp is datetime:
        return tuple[str, str | int | None, int]
    if dataclasses.is_dataclass(tp):
        return tuple[tuple(_wire(t) for _, t in _hints(tp))]  # type: ignore[misc]
    if _is_union(tp):
        members = _members(tp)
        if all(m in _SCALARS for m in members):
            return tp
        if len(members) == 1:
            return _wire(members[0]) | None
        tagged = tuple[str, msgspec.Raw]  # the class's name, then its data
        return tagged | None if type(None) in _args(tp) else tagged
    origin, args = typing.get_origin(tp), _args(tp)
    if origin is tuple and args and args[-1] is not Ellipsis:
        return tuple[tuple(_wire(a) for a in args)]  # type: ignore[misc]
    if origin in (tuple, list):
        return tuple[_wire(args[0]), ...] if origin is tuple else list[_wire(args[0])]
    if origin in (frozenset, set):
        return (origin if _converter(args[0]) is None else list)[_wire(args[0])]
    if _is_mapping(tp):
        key, value = (_wire(a) for a in (args or (Any, Any)))
        return list[tuple[key, value]]
    raise TypeError(f"the cache cannot hold {tp!r}")


@functools.cache
def _reader(tp: Any) -> Any:
    """Return a msgspec decoder of `tp`'s wire type (made once: msgspec reads a type's
    declaration on every call given one)."""
    import msgspec

    return msgspec.msgpack.Decoder(_wire(tp))


@functools.cache
def _converter(tp: Any) -> Codec | None:
    """Return the function making the value of `tp` from its checked wire form, or None
    if msgspec's value is it."""
    if tp in _SCALARS:
        return None
    if tp is Markup:
        return Markup
    if tp is Any:
        return _decode_any
    if tp is datetime:
        return _decode_aware
    if dataclasses.is_dataclass(tp):
        return _dataclass_converter(tp)
    if _is_union(tp):
        members = _members(tp)
        if all(m in _SCALARS for m in members):
            return None
        if len(members) == 1:
            inner = _converter(members[0])
            return None if inner is None else lambda v: None if v is None else inner(v)
        return _tagged_converter(members)
    origin, args = typing.get_origin(tp), _args(tp)
    if origin is tuple and args and args[-1] is not Ellipsis:
        codes = [_converter(a) for a in args]
        if all(c is None for c in codes):
            return None
        pairs = [c or _identity for c in codes]
        return lambda v: tuple(c(x) for c, x in zip(pairs, v, strict=True))
    if origin in (tuple, list, frozenset, set):
        return _each(_converter(args[0]), origin)
    if _is_mapping(tp):
        key, value = (_converter(a) for a in (args or (Any, Any)))
        if key is None and value is None:
            return dict
        key, value = key or _identity, value or _identity
        return lambda v: {key(k): value(x) for k, x in v}
    raise TypeError(f"the cache cannot hold {tp!r}")


def _tagged_converter(members: list[type]) -> Codec:
    """Return the converter of a union of classes: [class name, its data] or None."""
    known = {m.__name__: m for m in members}

    def tagged(v: Any) -> Any:
        if v is None:
            return None
        name, raw = v
        member = known[name]
        wire = _reader(member).decode(raw)
        convert = _converter(member)
        return wire if convert is None else convert(wire)

    return tagged


def _dataclass_converter(cls: type) -> Codec:
    fields = _hints(cls)
    names = [name for name, _ in fields]
    converted = [(name, code) for name, t in fields if (code := _converter(t)) is not None]
    direct = not hasattr(cls, "__post_init__") and not hasattr(cls, "__slots__")

    def make(v: tuple) -> Any:
        values = dict(zip(names, v, strict=True))
        for name, code in converted:
            values[name] = code(values[name])
        if direct:  # as the generated __init__ would, without running it field by field
            new = object.__new__(cls)
            new.__dict__.update(values)
            return new
        return cls(**values)

    return make


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


def _list(value: Any) -> list | tuple:
    if not isinstance(value, list | tuple):
        raise CodecError(f"expected a list, not {type(value).__name__}")
    return value


def _scalar(tp: type, value: Any) -> Any:
    if type(value) is not tp:
        raise CodecError(f"expected {tp.__name__}, not {type(value).__name__}")
    return value


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
