"""Dates as writers type them, turned into aware datetimes in the site's timezone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

_ISO = re.compile(
    r"""^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})
    (?:(?:[T\s]+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,6})\d*)?)?)?
    \s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?$""",
    re.VERBOSE | re.IGNORECASE,
)
# Years a date may name: four digits (strftime writes years before 1000 differently on
# different machines), and a margin below 9999 for the arithmetic that moves a date across
# timezones and through publication windows.
FIRST_YEAR, LAST_YEAR = 1000, 9998
_DAY_FIRST = re.compile(
    r"^(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})"
    r"(?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)

# Three numbers none of which has four digits: which one is the year, and which century?
_TWO_DIGIT_YEAR = re.compile(
    r"^(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{2})(?:[T\s]+\d{1,2}:\d{2}.*)?$"
)


def parse_date(value: str, tz: tzinfo) -> datetime:
    """Return `value` as an aware datetime; a value without an offset is taken in `tz`.

    Raises ValueError with a reader-facing reason.
    """
    text = value.strip()
    match = _ISO.match(text)
    if match is None:
        match = _DAY_FIRST.match(text)
        if match is None:
            raise ValueError(_two_digit_year(text) or _EXPECTED)
        if int(match["d"]) <= 12 and int(match["m"]) <= 12 and match["d"] != match["m"]:
            raise ValueError("ambiguous day and month; write it as YYYY-MM-DD")
    parts = match.groupdict()
    fraction = (parts.get("f") or "0").ljust(6, "0")
    try:
        moment = datetime(
            int(parts["y"]),
            int(parts["m"]),
            int(parts["d"]),
            int(parts["H"] or 0),
            int(parts["M"] or 0),
            int(parts["S"] or 0),
            int(fraction),
        )
    except ValueError as exc:
        raise ValueError(f"not a real date ({exc})") from None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"the year must be from {FIRST_YEAR} to {LAST_YEAR}")
    offset = parts.get("tz")
    if not offset:
        return _localize(moment, tz)
    return moment.replace(tzinfo=_offset(offset)).astimezone(tz)


_EXPECTED = "expected a date such as 2024-02-09 or 2024-02-09 14:05"


def _two_digit_year(text: str) -> str | None:
    """Return why `text`, a date with a two-digit year (21-06-01, 01/06/21), cannot be
    read, naming the dates it may mean; None for any other text."""
    match = _TWO_DIGIT_YEAR.match(text)
    if match is None:
        return None
    a, b, c = (int(match[n]) for n in "abc")
    readings = []
    for year, month, day in ((a, b, c), (c, b, a), (c, a, b)):  # YMD, DMY, MDY
        try:
            readings.append(datetime(2000 + year, month, day).strftime("%Y-%m-%d"))
        except ValueError:
            continue
    *others, last = list(dict.fromkeys(readings)) or [""]
    shown = f"{', '.join(others)} or {last}" if others else last
    meaning = f": it may be {shown}" if shown else ""
    return f"a two-digit year is ambiguous{meaning}; write the year in full, as YYYY-MM-DD"


def _localize(moment: datetime, tz: tzinfo) -> datetime:
    """Attach `tz` to a wall-clock time; a time skipped by a clock change moves forward."""
    aware = moment.replace(tzinfo=tz)
    round_trip = aware.astimezone(UTC).astimezone(tz)
    return round_trip if round_trip.replace(tzinfo=None) != moment else aware


def _offset(text: str) -> timezone:
    if text.upper() == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"not a valid UTC offset: {text}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
