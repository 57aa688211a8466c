"""Dates as pages print them, in ISO 8601: the rules' ``2019-01-07 17:03`` fast, any other
printed date (``December 19, 2025 4:34 AM EST``, ``2025/12/20``) through dateutil, loaded
only for such a date. Shared by the article builder and the cleaners (the lowest layer)."""

from __future__ import annotations

import re

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[\sT\u00a0]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|[+-]\d\d:?\d\d)?")


_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _real_day(year: int, month: int, day: int) -> bool:
    """Whether the calendar has this day (29 February in leap years only)."""
    if not 1 <= month <= 12 or not 1 <= day <= _DAYS[month - 1]:
        return False
    return month != 2 or day < 29 or (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0))


def iso_datetime(value: str | None, timezone: str | None = None) -> str | None:
    """``2019-01-07 17:03`` (any space, ``T`` or NO-BREAK SPACE) to ISO 8601 with the offset.

    A date without a time stays a date (``2019-01-07``); an offset in the value wins over
    the layout's ``timezone``. ``None`` when no date is found, or when the calendar has no
    such day (``2025-13-45``, ``2025-02-29``); a time no clock shows gives the day alone.
    """
    if not value:
        return None
    m = _ISO.search(value)
    if m is None:
        return None
    y, mo, d, h, mi, s, tz = m.groups()
    if not _real_day(int(y), int(mo), int(d)):
        return None  # ``2025-13-45``: no such day, never passed on as found
    if h is None or int(h) > 23 or int(mi) > 59 or int(s or 0) > 59:
        return f"{y}-{mo}-{d}"  # an impossible time: the day alone is known
    offset = tz or timezone
    if offset == "Z":
        offset = "+00:00"  # one way to write UTC, so that dates sort and compare as text
    elif offset and ":" not in offset:
        offset = f"{offset[:3]}:{offset[3:]}"
    return f"{y}-{mo}-{d}T{int(h):02d}:{mi}:{s or '00'}{offset or ''}"


#: Zone abbreviations seen in pages' dates, with their offsets (an abbreviation not here is
#: not guessed: the date is then given without an offset).
_ZONES = {"UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7,
          "MDT": -6, "PST": -8, "PDT": -7, "BST": 1, "CET": 1, "CEST": 2, "EET": 2,
          "EEST": 3, "KST": 9, "JST": 9, "HKT": 8, "SGT": 8, "AEST": 10, "AEDT": 11}


_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
_MONTH_DATE = re.compile(r"([A-Z][a-z]{2})[a-z]*\.? (\d{1,2}), (\d{4})")


def iso_any(value: str | None, timezone: str | None = None) -> str | None:
    """A date as pages print it, in ISO 8601: ``2019-01-07 17:03`` as :func:`iso_datetime`
    reads it; otherwise written out (``December 19, 2025 4:34 AM EST`` ->
    ``2025-12-19T04:34:00-05:00``, ``2025/12/20`` -> ``2025-12-20``). ``None`` when no
    whole date (year, month and day) can be read: never a date made up from the parts
    missing."""
    if not value or not value.strip():
        return None
    value = value.strip()
    found = iso_datetime(value, timezone)
    if found is not None and _ISO.match(value):
        return found
    m = _MONTH_DATE.fullmatch(value)
    if m is not None and m.group(1) in _MONTHS and 1 <= int(m.group(2)) <= 31:
        # ``Jul 20, 2018`` (list pages' entries): no need to load the parser for it
        return f"{m.group(3)}-{_MONTHS[m.group(1)]:02d}-{int(m.group(2)):02d}"
    from datetime import datetime, timedelta
    from datetime import timezone as tz

    from dateutil import parser  # only for dates not in ISO form (HTML pages' metadata)

    zones = {k: tz(timedelta(hours=h)) for k, h in _ZONES.items()}
    try:
        a: datetime = parser.parse(value, default=datetime(1904, 1, 1, 0, 0, 0), tzinfos=zones)
        b: datetime = parser.parse(value, default=datetime(1908, 2, 2, 1, 1, 1), tzinfos=zones)
    except (ValueError, OverflowError, TypeError, parser.ParserError):
        return found
    if (a.year, a.month, a.day) != (b.year, b.month, b.day):
        return found  # a part of the date is missing
    if (a.hour, a.minute) != (b.hour, b.minute):
        return a.strftime("%Y-%m-%d")
    text = a.strftime("%Y-%m-%dT%H:%M:%S")
    if a.tzinfo is not None:
        offset = a.utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        sign = "-" if minutes < 0 else "+"
        return f"{text}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    if timezone:
        return text + ("+00:00" if timezone == "Z" else timezone)
    return text
