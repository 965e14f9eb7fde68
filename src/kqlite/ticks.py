"""Kusto's 100 ns ticks and Python's datetime / timedelta, which stop at the microsecond.

kqlite carries datetimes as Kusto does: ticks (100 ns) since 0001-01-01 UTC, in a 64-bit integer; timespans
as ticks too. Python values keep the microsecond; a value with ticks below it comes back as a
`KustoDatetime` / `KustoTimespan`, a datetime / timedelta that also holds those ticks (`extra_ticks`,
0-9), so that nothing is lost on the way from the engine to the user and back (`datetime_ticks`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

TICKS_PER_MICROSECOND = 10
TICKS_PER_SECOND = 10_000_000
TICKS_PER_DAY = 86_400 * TICKS_PER_SECOND
UNIX_EPOCH_TICKS = 621_355_968_000_000_000  # 1970-01-01 in ticks since 0001-01-01
MAX_DATETIME_TICKS = 3_155_378_975_999_999_999  # 9999-12-31 23:59:59.9999999

_ZERO = datetime(1, 1, 1, tzinfo=UTC)


class KustoDatetime(datetime):
    """A UTC datetime with the 100 ns ticks below its microsecond (`extra_ticks`, 0-9)."""

    extra_ticks: int = 0

    @property
    def ticks(self) -> int:
        return datetime_ticks(self)


class KustoTimespan(timedelta):
    """A timedelta with the 100 ns ticks below its microsecond (`extra_ticks`, 0-9)."""

    extra_ticks: int = 0

    @property
    def ticks(self) -> int:
        return timedelta_ticks(self)


def datetime_ticks(value: datetime) -> int:
    """Ticks since 0001-01-01 UTC of a datetime (a naive one is taken as UTC)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return timedelta_ticks(aware - _ZERO) + getattr(value, "extra_ticks", 0)


def timedelta_ticks(value: timedelta) -> int:
    """Ticks of a timedelta (exact: integer arithmetic, no float)."""
    whole = (value.days * 86_400 + value.seconds) * TICKS_PER_SECOND + value.microseconds * TICKS_PER_MICROSECOND
    return whole + getattr(value, "extra_ticks", 0)


def datetime_from_ticks(ticks: int) -> datetime:
    """The aware UTC datetime of ticks since 0001-01-01; a KustoDatetime when ticks fall below the microsecond."""
    micro, extra = divmod(ticks, TICKS_PER_MICROSECOND)
    value = _ZERO + timedelta(microseconds=micro)
    if not extra:
        return value
    precise = KustoDatetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                            value.microsecond, tzinfo=UTC)
    precise.extra_ticks = extra
    return precise


def timedelta_from_ticks(ticks: int) -> timedelta:
    """The timedelta of ticks; a KustoTimespan when ticks fall below the microsecond."""
    micro, extra = divmod(ticks, TICKS_PER_MICROSECOND)
    if not extra:
        return timedelta(microseconds=micro)
    precise = KustoTimespan(microseconds=micro)
    precise.extra_ticks = extra
    return precise


def with_extra_ticks(value: datetime, extra: int) -> datetime:
    """`value` (aware) with `extra` ticks (0-9) below its microsecond."""
    if not extra:
        return value
    return datetime_from_ticks(datetime_ticks(value) - getattr(value, "extra_ticks", 0) + extra)
