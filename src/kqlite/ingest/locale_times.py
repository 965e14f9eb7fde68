"""Datetimes as the Log Analytics / Sentinel portal writes them in a CSV export.

The portal writes datetime columns in the browser's locale (``12/6/2026, 2:22:48.123 PM``,
``6.12.2026 14:22:48,123``, ``2026-12-06T14:22:48.123Z``) and says in the header which clock they are on:
``TimeGenerated [UTC]``, ``TimeGenerated [UTC+01:00]`` or ``TimeGenerated [Local Time]`` (any other bracketed
word, such as a translated "Local Time", is taken as the browser's local time). The header maps to the plain
column name; values are rewritten as ISO 8601 UTC text, which the typing then reads like any export's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# The clock of a header tagged with the browser's local time: its UTC offset is not in the file.
LOCAL = "local"
Zone = timedelta | str | None  # an offset, LOCAL, or None (no tag: values say their own offset, else UTC)

_HEADER_TAG = re.compile(r"^(?P<name>.*\S)\s+\[(?P<tag>[^\[\]]*)\]$")
_UTC_TAG = re.compile(r"^(?:UTC|GMT|Z)\s*(?:(?P<sign>[+\-\u2212])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?)?$",
                      re.IGNORECASE)

# date (day, month and year in some order) [, or space] time [AM/PM]; ISO text is read by fromisoformat first
_LOCALE = re.compile(
    r"(?P<a>\d{1,4})(?P<sep>[./-])\s?(?P<b>\d{1,2})(?P=sep)\s?(?P<c>\d{1,4})\.?"
    r"(?:,\s*|\s+)"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?"
    r"(?:\s*(?P<half>[AaPp])\.?\s?[Mm]\.?)?")

MONTH_FIRST, DAY_FIRST = "month-first", "day-first"


def parse_header(name: str, local_offset: timedelta | None = None) -> tuple[str, Zone]:
    """'TimeGenerated [UTC]' -> ('TimeGenerated', 0 offset); '... [Local Time]' -> (..., LOCAL), or the
    caller's `local_offset` when given; a header without a tag -> (name, None)."""
    match = _HEADER_TAG.match(name.strip())
    if match is None:
        return name.strip(), None
    tag = match.group("tag").strip()
    utc = _UTC_TAG.match(tag)
    if utc is None:
        return match.group("name"), local_offset if local_offset is not None else LOCAL
    offset = timedelta(hours=int(utc.group("hours") or 0), minutes=int(utc.group("minutes") or 0))
    return match.group("name"), -offset if utc.group("sign") in ("-", "\u2212") else offset


def is_locale_datetime(text: str) -> bool:
    """Whether `text` is a datetime in a locale form (not ISO 8601)."""
    return _LOCALE.fullmatch(text.strip()) is not None


@dataclass(frozen=True)
class DateOrder:
    """The day/month order of one file's locale datetimes, decided from its values."""

    order: str  # MONTH_FIRST or DAY_FIRST (year-first dates are always year-month-day)
    settled_by: str  # the value that settled it, or why the default was taken

    @classmethod
    def of(cls, values: Iterable[str]) -> DateOrder:
        """A value whose first field is over 12 (``13/6/2026``) means day first, one whose second is
        (``6/13/2026``) month first; when every value could be either, AM/PM means the US order (month first),
        a 24-hour clock day first (en-GB, de-DE, fr-FR ... all write the day first)."""
        half = False
        for text in values:
            match = _LOCALE.fullmatch(text.strip())
            if match is None or len(match.group("a")) > 2:
                continue
            if int(match.group("a")) > 12:
                return cls(DAY_FIRST, text)
            if int(match.group("b")) > 12:
                return cls(MONTH_FIRST, text)
            half = half or match.group("half") is not None
        return cls(MONTH_FIRST, "AM/PM times (US order)") if half else cls(DAY_FIRST, "24-hour times")


class TimeError(ValueError):
    pass


def to_utc_text(text: str, zone: Zone, order: DateOrder) -> str:
    """`text` (ISO 8601 or a locale form) as ISO 8601 UTC text ('+00:00'). Values without an offset are on
    the header's clock (`zone`): none or UTC as they are; a known offset is taken off; LOCAL is an error."""
    text = text.strip()
    value = _parse(text, order)
    if value.tzinfo is None:
        if zone == LOCAL:
            raise TimeError(f"{text!r} is in the exporting browser's local time, whose UTC offset the file "
                            "does not say")
        value = value.replace(tzinfo=UTC) - (zone if isinstance(zone, timedelta) else timedelta())
    return value.astimezone(UTC).isoformat()


def _parse(text: str, order: DateOrder) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    match = _LOCALE.fullmatch(text)
    if match is None:
        raise TimeError(f"{text!r} is not a datetime")
    a, b, c = (int(match.group(key)) for key in "abc")
    if len(match.group("a")) > 2:  # 2026/12/06 (ja-JP, zh-CN, sv-SE ...)
        year, month, day = a, b, c
    elif len(match.group("c")) == 4:
        year, (month, day) = c, ((a, b) if order.order == MONTH_FIRST else (b, a))
    else:
        raise TimeError(f"{text!r} has no four-digit year")
    hour, minute = int(match.group("hour")), int(match.group("minute"))
    half = (match.group("half") or "").lower()
    if half:
        if not 1 <= hour <= 12:
            raise TimeError(f"{text!r}: hour {hour} with AM/PM")
        hour = hour % 12 + (12 if half == "p" else 0)
    fraction = (match.group("fraction") or "")[:6].ljust(6, "0")
    try:
        return datetime(year, month, day, hour, minute, int(match.group("second") or 0), int(fraction))
    except ValueError as error:
        raise TimeError(f"{text!r} is not a datetime ({error}; dates read {order.order}, "
                        f"settled by {order.settled_by!r})") from None
