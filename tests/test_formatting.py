from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import uuid

import pytest

from kqlite.formatting import (
    format_datetime,
    format_real,
    format_timespan,
    row_to_json,
    to_json_value,
    to_text,
)

UTC = dt.UTC


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.datetime(2007, 1, 1, tzinfo=UTC), "2007-01-01T00:00:00.0000000Z"),
        (dt.datetime(2024, 8, 5, 13, 45, 7, 123456, tzinfo=UTC), "2024-08-05T13:45:07.1234560Z"),
        (dt.datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00.0000000Z"),
        (dt.datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "0999-12-31T23:59:59.9999990Z"),
        (
            dt.datetime(2020, 1, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "2020-01-01T00:00:00.0000000Z",
        ),
        (dt.datetime(2020, 1, 1), "2020-01-01T00:00:00.0000000Z"),  # naive: taken as UTC
    ],
)
def test_format_datetime(value, text):
    assert format_datetime(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.timedelta(0), "00:00:00"),
        (dt.timedelta(seconds=1), "00:00:01"),
        (dt.timedelta(hours=1, minutes=30), "01:30:00"),
        (dt.timedelta(days=1, hours=2), "1.02:00:00"),
        (dt.timedelta(hours=-1, minutes=-1, seconds=-1), "-01:01:01"),
        (dt.timedelta(days=-1), "-1.00:00:00"),
        (dt.timedelta(hours=-1), "-01:00:00"),
        (dt.timedelta(milliseconds=1), "00:00:00.0010000"),
        (dt.timedelta(microseconds=-1), "-00:00:00.0000010"),
        (dt.timedelta(days=6, hours=23, minutes=59, seconds=59, microseconds=999999), "6.23:59:59.9999990"),
        (dt.timedelta(days=3652058), "3652058.00:00:00"),
    ],
)
def test_format_timespan(value, text):
    assert format_timespan(value) == text


@pytest.mark.parametrize(
    ("value", "text"), [(1.5, "1.5"), (0.1 + 0.2, "0.30000000000000004"), (1e300, "1e+300"), (-0.0, "-0.0")]
)
def test_format_real(value, text):
    assert format_real(value) == text


@pytest.mark.parametrize(
    ("value", "text"), [(math.nan, "NaN"), (math.inf, "Infinity"), (-math.inf, "-Infinity")]
)
def test_special_reals(value, text):
    assert format_real(value) == text
    assert to_text(value) == text
    assert to_json_value(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("", ""),
        ("a,b", "a,b"),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (9223372036854775807, "9223372036854775807"),
        (2.5, "2.5"),
        (decimal.Decimal("0.10000000000000000001"), "0.10000000000000000001"),
        (uuid.UUID("74be27de-1e4e-49d9-b579-fe0b331d3642"), "74be27de-1e4e-49d9-b579-fe0b331d3642"),
        (dt.datetime(2020, 1, 1, tzinfo=UTC), "2020-01-01T00:00:00.0000000Z"),
        (dt.timedelta(days=2), "2.00:00:00"),
        ({"a": [1, 2.5, None, True]}, '{"a":[1,2.5,null,true]}'),
        (["é", {"b": "x"}], '["é",{"b":"x"}]'),
        ([], "[]"),
    ],
)
def test_to_text(value, text):
    assert to_text(value) == text


def test_to_json_value_keeps_json_and_converts_the_rest():
    value = {
        "n": 1,
        "r": 1.5,
        "s": "x",
        "b": False,
        "z": None,
        "t": dt.datetime(2020, 1, 1, tzinfo=UTC),
        "d": dt.timedelta(minutes=90),
        "list": (1, math.nan, [math.inf]),
        "dec": decimal.Decimal("1.10"),
    }
    assert to_json_value(value) == {
        "n": 1,
        "r": 1.5,
        "s": "x",
        "b": False,
        "z": None,
        "t": "2020-01-01T00:00:00.0000000Z",
        "d": "01:30:00",
        "list": [1, "NaN", ["Infinity"]],
        "dec": "1.10",
    }


def test_row_to_json_is_one_valid_json_line():
    line = row_to_json(
        ["Timestamp", "Duration", "Count", "Score", "Tags", "Name"],
        [
            dt.datetime(2024, 8, 5, 13, 45, 7, tzinfo=UTC),
            dt.timedelta(seconds=-90),
            3,
            math.nan,
            {"k": [1]},
            'a"\n',
        ],
    )
    assert "\n" not in line
    assert json.loads(line) == {
        "Timestamp": "2024-08-05T13:45:07.0000000Z",
        "Duration": "-00:01:30",
        "Count": 3,
        "Score": "NaN",
        "Tags": {"k": [1]},
        "Name": 'a"\n',
    }
