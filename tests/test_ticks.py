"""Datetimes are Kusto's 100 ns ticks over years 1 to 9999 (issue 12: "datetimes keep microseconds, not
Kusto's 100 ns ticks, and only the years DuckDB's types span"). Runs on the engine under test (--backend)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa

from kqlite.formatting import format_datetime, format_timespan, to_text
from kqlite.ticks import (
    KustoDatetime,
    KustoTimespan,
    datetime_from_ticks,
    datetime_ticks,
    timedelta_from_ticks,
    timedelta_ticks,
)


def texts(con, kql: str) -> list[str]:
    """The first row as Kusto writes its values."""
    return [to_text(v) for v in con.query(kql).rows()[0]]


def test_a_seven_digit_literal_keeps_its_last_tick(con):
    assert texts(con, "print a = datetime(2024-05-01 10:00:07.1234567), s = tostring(datetime(2024-05-01 10:00:07.1234567))") == [
        "2024-05-01T10:00:07.1234567Z", "2024-05-01T10:00:07.1234567Z"]


def test_one_tick_is_seen_by_arithmetic_and_comparison(con):
    row = con.query("let t = datetime(2024-05-01 10:00:07.1234567); "
                    "print plus = t + 1tick, gap = t - datetime(2024-05-01 10:00:07.1234561), "
                    "later = t > datetime(2024-05-01 10:00:07.1234566), same = t == datetime(2024-05-01 10:00:07.123456)"
                    ).rows()[0]
    assert format_datetime(row[0]) == "2024-05-01T10:00:07.1234568Z"
    assert timedelta_ticks(row[1]) == 6
    assert row[2:] == (True, False)


def test_text_and_numbers_convert_to_the_tick(con):
    assert texts(con, "print t = todatetime('2024-05-01T10:00:07.1234567Z'), "
                      "n = unixtime_nanoseconds_todatetime(1714557607123456789), "
                      "back = todatetime(tolong(datetime(2024-05-01 10:00:07.1234567))), "
                      "ticks = tolong(datetime(2024-05-01 10:00:07.1234567))") == [
        "2024-05-01T10:00:07.1234567Z", "2024-05-01T10:00:07.1234567Z", "2024-05-01T10:00:07.1234567Z",
        str(datetime_ticks(datetime(2024, 5, 1, 10, 0, 7, 123456, tzinfo=UTC)) + 7)]


def test_parts_and_formats_read_the_ticks(con):
    assert texts(con, "let t = datetime(2020-06-15 13:45:09.0000007); print ns = datetime_part('nanosecond', t), "
                      "f = format_datetime(t, 'ss.fffffff'), F3 = format_datetime(t, 'HH:mm:ss.FFF'), "
                      "F7 = format_datetime(t, 'ss.FFFFFFF'), "
                      "j = tostring(bag_pack('t', t))") == [
        "700", "09.0000007", "13:45:09", "09.0000007", '{"t":"2020-06-15T13:45:09.0000007Z"}']


def test_calendar_functions_keep_or_drop_the_ticks_as_kusto_does(con):
    assert texts(con, "let t = datetime(2024-02-10 08:00:00.0000003); print "
                      "eom = endofmonth(t), som = startofmonth(t), eod = endofday(t), sow = startofweek(t), "
                      "m = datetime_add('month', 1, t), b = bin(t, 1tick), dow = dayofweek(t), "
                      "local = datetime_utc_to_local(t, 'Europe/Paris')") == [
        "2024-02-29T23:59:59.9999999Z", "2024-02-01T00:00:00.0000000Z", "2024-02-10T23:59:59.9999999Z",
        "2024-02-04T00:00:00.0000000Z", "2024-03-10T08:00:00.0000003Z", "2024-02-10T08:00:00.0000003Z",
        "6.00:00:00", "2024-02-10T09:00:00.0000003Z"]


def test_years_one_to_9999(con):
    assert texts(con, "print lo = datetime(0001-01-01), hi = datetime(9999-12-31 23:59:59.9999999), "
                      "y = getyear(datetime(0001-01-01)), span = datetime(9999-12-31) - datetime(0001-01-01), "
                      "past_the_end = datetime(9999-12-31 23:59:59.9999999) + 1tick, "
                      "before_the_start = datetime(0001-01-01) - 1tick") == [
        "0001-01-01T00:00:00.0000000Z", "9999-12-31T23:59:59.9999999Z", "1", "3652058.00:00:00", "", ""]


def test_bins_and_series_are_exact_to_the_tick(con):
    rows = con.query("datatable(T: datetime, v: long)[datetime(2024-01-01 00:00:00.0000001), 1, "
                     "datetime(2024-01-01 00:00:00.0000009), 2, datetime(2024-01-01 00:00:00.0000011), 3] "
                     "| summarize sum(v) by b = bin(T, 5tick) | order by b asc").rows()
    assert [(datetime_ticks(b) % 10, s) for b, s in rows] == [(0, 1), (5, 2), (0, 3)]
    series = con.query("datatable(T: datetime, v: long)[datetime(2024-01-01 00:00:00.0000001), 1, "
                       "datetime(2024-01-01 00:10:00), 2] | make-series sum(v) default=0 on T step 5m").rows()[0]
    assert series[0] == [1, 0, 2]
    assert [to_text(t) for t in series[1]] == ["2024-01-01T00:00:00.0000000Z", "2024-01-01T00:05:00.0000000Z",
                                               "2024-01-01T00:10:00.0000000Z"]


def test_python_values_hold_the_ticks_below_the_microsecond():
    value = datetime_from_ticks(datetime_ticks(datetime(2024, 5, 1, tzinfo=UTC)) + 3)
    assert isinstance(value, KustoDatetime) and value.extra_ticks == 3
    assert value == datetime(2024, 5, 1, tzinfo=UTC)  # the microsecond it falls in, as Python compares
    assert format_datetime(value) == "2024-05-01T00:00:00.0000003Z"
    assert type(datetime_from_ticks(datetime_ticks(datetime(2024, 5, 1, tzinfo=UTC)))) is datetime
    span = timedelta_from_ticks(-15)
    assert isinstance(span, KustoTimespan) and timedelta_ticks(span) == -15 and format_timespan(span) == "-00:00:00.0000015"
    assert timedelta_from_ticks(20) == timedelta(microseconds=2)


def test_arrow_output_keeps_microseconds_of_the_ticks(con):
    table = con.query("print t = datetime(2024-05-01 10:00:07.1234567), old = datetime(1601-01-01)").to_arrow()
    assert table.schema.field("t").type == pa.timestamp("us", tz="UTC")
    assert table.column("t").to_pylist() == [datetime(2024, 5, 1, 10, 0, 7, 123456, tzinfo=UTC)]
    assert table.column("old").to_pylist() == [datetime(1601, 1, 1, tzinfo=UTC)]
