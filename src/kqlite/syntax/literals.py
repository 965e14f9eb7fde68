"""Decoding of the raw text inside typed literals: datetime(...), timespan(...), long(null) ..."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

from kqlite.ticks import TICKS_PER_DAY, TICKS_PER_SECOND, with_extra_ticks

_DATETIME = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_DATE_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_TIMESPAN_CLOCK = re.compile(r"^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$")
_TIMESPAN_WORDS = re.compile(r"^(-?\d+(?:\.\d+)?)\s*([a-zA-Z]+)$")


def parse_datetime(text: str) -> datetime | None:
    """A Kusto datetime string as an aware UTC datetime, or None; a 7th fractional digit (100 ns) is kept
    (a KustoDatetime), digits after it are dropped as Kusto drops them."""
    text = text.strip().strip("\"'")
    m = _DATETIME.match(text)
    if m:
        year, month, day, hour, minute, second, fraction, zone = m.groups()
        digits = (fraction or "0")[:7].ljust(7, "0")
        micro, extra = int(digits[:6]), int(digits[6])
        try:
            value = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                             int(second or 0), micro, tzinfo=UTC)
        except ValueError:
            return None
        if zone and zone != "Z":
            sign = 1 if zone[0] == "+" else -1
            offset = zone[1:].replace(":", "")
            value -= sign * timedelta(hours=int(offset[:2]), minutes=int(offset[2:]))
        return with_extra_ticks(value, extra)
    m = _DATE_SLASH.match(text)
    if m:
        month, day, year, hour, minute, second = m.groups()
        try:
            return datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                            tzinfo=UTC)
        except ValueError:
            return None
    for fmt in ("%a, %d %b %Y %H:%M:%S GMT", "%a, %d %b %Y %H:%M:%S %Z", "%d %b %Y %H:%M:%S", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def parse_timespan(text: str, units: dict[str, int]) -> int | None:
    """A Kusto timespan string ('1.02:03:04.5', '2', '15 seconds', '1h') as 100 ns ticks, or None."""
    text = text.strip().strip("\"'")
    m = _TIMESPAN_CLOCK.match(text)
    if m:
        neg, days, hours, minutes, seconds, fraction = m.groups()
        ticks = ((int(days or 0) * 24 + int(hours)) * 60 + int(minutes)) * 60 + int(seconds or 0)
        ticks = ticks * TICKS_PER_SECOND + int((fraction or "0").ljust(7, "0"))
        return -ticks if neg else ticks
    if re.fullmatch(r"-?\d+", text):
        return int(text) * TICKS_PER_DAY
    m = _TIMESPAN_WORDS.match(text)
    if m and m.group(2).lower() in units:
        from decimal import Decimal

        return int(Decimal(m.group(1)) * units[m.group(2).lower()])
    return None


def parse_real(text: str) -> float | None:
    lowered = text.strip().lower()
    if lowered == "nan":
        return math.nan
    if lowered in ("inf", "+inf", "infinity", "+infinity"):
        return math.inf
    if lowered in ("-inf", "-infinity"):
        return -math.inf
    try:
        return float(lowered)
    except ValueError:
        return None
