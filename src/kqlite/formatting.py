"""Kusto's text forms of result values, for terminals, CSV and JSON lines.

* datetime -> ``2024-08-05T13:45:07.1234560Z`` (UTC, 7 fractional digits, as Kusto's ``tostring``)
* timespan -> ``[-][d.]hh:mm:ss[.fffffff]`` (``1.02:00:00``, ``-01:01:01``, ``00:00:00.0010000``)
* real -> shortest round-trip digits; ``NaN``, ``Infinity``, ``-Infinity``
* bool -> ``true``/``false``; null -> empty text (``None`` in JSON)
* dynamic -> compact JSON text (a dynamic string is its text, as ``tostring`` gives it)
* decimal -> its exact digits (a JSON string in JSON output, so no digit is lost)
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from typing import Any

from kqlite.ticks import timedelta_ticks

_MICROSECONDS_PER_DAY = 86_400 * 1_000_000


def format_datetime(value: dt.datetime) -> str:
    """Kusto's form of a datetime; a naive value is taken as UTC. A KustoDatetime's 7th digit is its own."""
    extra = getattr(value, "extra_ticks", 0)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    date = f"{value.year:04d}-{value.month:02d}-{value.day:02d}"  # %Y drops zeros before year 1000
    return f"{date}T{value.hour:02d}:{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}{extra}Z"


def format_timespan(value: dt.timedelta) -> str:
    """Kusto's form of a timespan: ``[-][d.]hh:mm:ss[.fffffff]``."""
    return format_timespan_ticks(timedelta_ticks(value))


def format_timespan_ticks(ticks: int) -> str:
    """Kusto's form of a timespan given in 100 ns ticks: ``[-][d.]hh:mm:ss[.fffffff]``."""
    sign = "-" if ticks < 0 else ""
    days, rest = divmod(abs(ticks), _MICROSECONDS_PER_DAY * 10)
    seconds, fraction = divmod(rest, 10_000_000)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    text = f"{sign}{f'{days}.' if days else ''}{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{text}.{fraction:07d}" if fraction else text


def format_real(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def to_json_value(value: Any) -> Any:
    """A value that ``json.dumps`` writes as valid JSON, in Kusto's forms."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else format_real(value)
    if isinstance(value, dict):
        return {str(key): to_json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_value(item) for item in value]
    return to_text(value)


def to_text(value: Any) -> str:
    """A value as one CSV field or table cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return format_real(value)
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.timedelta):
        return format_timespan(value)
    if isinstance(value, dict | list | tuple):
        return json.dumps(to_json_value(value), ensure_ascii=False, separators=(",", ":"))
    return str(value)  # int, decimal.Decimal (exact digits), uuid.UUID


def row_to_json(columns: Sequence[str], row: Sequence[Any]) -> str:
    """One result row as a JSON object on one line (JSON lines)."""
    record = {name: to_json_value(value) for name, value in zip(columns, row, strict=True)}
    return json.dumps(record, ensure_ascii=False)
