"""Datetime text as Defender exports and Windows logs write it, read into UTC microseconds since the epoch.

Accepted: ISO 8601 with 'T' or a space, 0 to 7 fractional digits (the 7th, 100 ns, is truncated: kqlite
stores microseconds), 'Z', an offset or none (no offset means UTC, as in Sysmon's UtcTime).
"""

from __future__ import annotations

from datetime import UTC, datetime

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_datetime(text: str) -> int:
    """Microseconds since 1970-01-01 UTC; ValueError when `text` is not a datetime."""
    text = text.strip()
    if not text:
        raise ValueError("empty datetime")
    value = datetime.fromisoformat(text)  # Python 3.11+ reads any number of fractional digits (keeps 6)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def to_micros(value: object) -> int | None:
    """A datetime cell of any reader (text, datetime, epoch micros, null) as epoch microseconds."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a datetime")
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        delta = value - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if isinstance(value, str):
        return parse_datetime(value) if value.strip() else None
    raise ValueError(f"{value!r} is not a datetime")
