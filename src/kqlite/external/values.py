"""Feed values read as KQL types the way Kusto's ingestion reads them: text that does not convert becomes
null (the caller counts it), it never fails the load.

Each converter returns the value, None for an empty or missing one, or BAD when the value does not convert.
Datetimes are microseconds since 1970 UTC (a 7th fractional digit is truncated: Arrow keeps microseconds),
timespans are 100-ns ticks, dynamic values are JSON text.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

BAD: Any = object()

# KQL type names and their documented synonyms -> the canonical name
TYPE_NAMES = {
    "string": "string", "long": "long", "int64": "long", "int": "int", "int32": "int", "real": "real",
    "double": "real", "bool": "bool", "boolean": "bool", "datetime": "datetime", "date": "datetime",
    "timespan": "timespan", "time": "timespan", "dynamic": "dynamic", "guid": "guid", "uuid": "guid",
    "uniqueid": "guid", "decimal": "decimal",
}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_INT_RANGE = {"long": (-(2**63), 2**63 - 1), "int": (-(2**31), 2**31 - 1)}
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)  # ASCII: no other digits
_SPECIAL_REAL = {"nan": math.nan, "inf": math.inf, "+inf": math.inf, "-inf": -math.inf,
                 "infinity": math.inf, "+infinity": math.inf, "-infinity": -math.inf}
_BOOLS = {"true": True, "false": False, "1": True, "0": False}


def _micros(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # Kusto datetimes are UTC; text without an offset means UTC
    return (moment - _EPOCH) // _MICRO


# --- text (CSV fields, txt lines) -----------------------------------------------------------------------

def _text_int(kind: str) -> Callable[[str], Any]:
    low, high = _INT_RANGE[kind]

    def convert(text: str) -> Any:
        text = text.strip()
        if not text:
            return None
        if not _NUMBER.fullmatch(text):
            return BAD
        try:
            number = int(text) if text.lstrip("+-").isdigit() else Decimal(text)
        except InvalidOperation:
            return BAD
        if isinstance(number, Decimal):
            if number != number.to_integral_value():
                return BAD  # a fraction in a whole-number column is null, as Kusto's ingestion does
            number = int(number)
        return number if low <= number <= high else BAD

    return convert


def text_real(text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    if _NUMBER.fullmatch(text):
        return float(text)
    return _SPECIAL_REAL.get(text.lower(), BAD)


def text_bool(text: str) -> Any:
    text = text.strip()
    return _BOOLS.get(text.lower(), BAD) if text else None


_ISO = re.compile(
    r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})"
    r"(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?", re.IGNORECASE | re.ASCII)
_US = re.compile(  # .NET's invariant culture: month first
    r"(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*([AP]M)?)?", re.IGNORECASE | re.ASCII)


def _offset(text: str | None) -> timedelta:
    if not text or text.upper() in ("Z", "UTC", "GMT"):
        return timedelta(0)
    digits = text[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    return -delta if text[0] == "-" else delta


def _fraction_micros(digits: str | None) -> int:
    return int((digits or "")[:6].ljust(6, "0"))


def text_datetime(text: str) -> Any:
    """ISO 8601 ('T' or space, 0-7+ fractional digits, Z/offset/none), M/d/yyyy, or RFC 822/850."""
    text = text.strip()
    if not text:
        return None
    try:
        if match := _ISO.fullmatch(text):
            y, mo, d, h, mi, s, frac, off = match.groups()
            moment = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0),
                              _fraction_micros(frac), tzinfo=UTC)
            return _micros(moment - _offset(off))
        if match := _US.fullmatch(text):
            mo, d, y, h, mi, s, frac, half = match.groups()
            hour = int(h or 0)
            if half:
                if not 1 <= hour <= 12:
                    return BAD
                hour = hour % 12 + (12 if half.upper() == "PM" else 0)
            return _micros(datetime(int(y), int(mo), int(d), hour, int(mi or 0), int(s or 0),
                                    _fraction_micros(frac), tzinfo=UTC))
        if any(c.isalpha() for c in text):
            return _micros(parsedate_to_datetime(text))
    except (ValueError, TypeError, IndexError, OverflowError):
        pass
    return BAD


_TICKS = {"d": 864_000_000_000, "day": 864_000_000_000, "days": 864_000_000_000,
          "h": 36_000_000_000, "hr": 36_000_000_000, "hrs": 36_000_000_000, "hour": 36_000_000_000,
          "hours": 36_000_000_000, "m": 600_000_000, "min": 600_000_000, "minute": 600_000_000,
          "minutes": 600_000_000, "s": 10_000_000, "sec": 10_000_000, "second": 10_000_000,
          "seconds": 10_000_000, "ms": 10_000, "milli": 10_000, "millis": 10_000, "millisecond": 10_000,
          "milliseconds": 10_000, "microsecond": 10, "microseconds": 10, "tick": 1, "ticks": 1}
_CLOCK = re.compile(r"([+-])?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?", re.ASCII)
_UNIT = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))\s*([a-z]*)", re.IGNORECASE | re.ASCII)


def text_timespan(text: str) -> Any:
    """[-][d.]hh:mm[:ss[.fffffff]] as .NET writes it, or a KQL literal such as 2d, 1.5h, 30m, 100ms, 10tick
    (a bare number counts days, as in KQL's time(2))."""
    text = text.strip()
    if not text:
        return None
    if match := _CLOCK.fullmatch(text):
        sign, days, h, mi, s, frac = match.groups()
        if int(h) > 23 or int(mi) > 59 or int(s or 0) > 59:
            return BAD
        ticks = ((int(days or 0) * 24 + int(h)) * 60 + int(mi)) * 60 + int(s or 0)
        ticks = ticks * 10_000_000 + int((frac or "")[:7].ljust(7, "0"))
        return -ticks if sign == "-" else ticks
    if match := _UNIT.fullmatch(text):
        unit = match.group(2).lower() or "d"
        if unit not in _TICKS:
            return BAD
        return int(Decimal(match.group(1)) * _TICKS[unit])
    return BAD


def text_guid(text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return BAD


def text_dynamic(text: str) -> Any:
    """JSON text as it is (compacted); text that is not JSON is a dynamic string, as Kusto keeps it."""
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = text
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


TEXT_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "string": str, "long": _text_int("long"), "int": _text_int("int"), "real": text_real, "decimal": text_real,
    "bool": text_bool, "datetime": text_datetime, "timespan": text_timespan, "guid": text_guid,
    "dynamic": text_dynamic,
}


# --- values of JSON records and Parquet columns ----------------------------------------------------------

def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def dynamic_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def _value_string(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float | dict | list):
        return dynamic_text(value)  # a number keeps its JSON spelling; an object or array its JSON text
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _value_int(kind: str) -> Callable[[Any], Any]:
    low, high = _INT_RANGE[kind]
    from_text = TEXT_CONVERTERS[kind]

    def convert(value: Any) -> Any:
        if isinstance(value, str):
            return from_text(value)
        if isinstance(value, bool):
            return BAD  # true is not a number in Kusto
        if isinstance(value, float | Decimal):
            if not math.isfinite(value) or value != int(value):
                return BAD
            value = int(value)
        if isinstance(value, int):
            return value if low <= value <= high else BAD
        return BAD

    return convert


def _value_real(value: Any) -> Any:
    if isinstance(value, str):
        return text_real(value)
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return float(value)
    return BAD


def _value_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return text_bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    return BAD


def _value_datetime(value: Any) -> Any:
    if isinstance(value, str):
        return text_datetime(value)
    if isinstance(value, datetime):
        return _micros(value)
    if isinstance(value, date):
        return _micros(datetime(value.year, value.month, value.day))
    return BAD


def _value_timespan(value: Any) -> Any:
    if isinstance(value, str):
        return text_timespan(value)
    if isinstance(value, timedelta):
        return (value // _MICRO) * 10
    return BAD


def _value_guid(value: Any) -> Any:
    if isinstance(value, str):
        return text_guid(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes) and len(value) == 16:  # Parquet's UUID logical type
        return str(uuid.UUID(bytes=value))
    return BAD


VALUE_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "string": _value_string, "long": _value_int("long"), "int": _value_int("int"), "real": _value_real,
    "decimal": _value_real, "bool": _value_bool, "datetime": _value_datetime, "timespan": _value_timespan,
    "guid": _value_guid, "dynamic": dynamic_text,
}
