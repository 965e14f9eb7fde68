"""around() and series_product(): the documentation's examples and their edges, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import kqlite


def test_around_filters_rows_near_a_time(con):
    query = ("range dt from datetime(2021-01-01 01:00) to datetime(2021-01-01 02:00) step 1min"
             " | where around(dt, datetime(2021-01-01 01:30), 1min)")
    assert con.query(query).rows() == [(datetime(2021, 1, 1, 1, minute, tzinfo=UTC),) for minute in (29, 30, 31)]


def test_around_numbers_timespans_and_nulls(con):
    query = ("print a = around(5, 4, 1), b = around(5.5, 4, 1), c = around(long(null), 4, 1), d = around(3h, 2h, 1h),"
             " e = around(2, 4, -3), f = around(1.5, 2, 0.5)")
    assert con.query(query).rows() == [(True, False, None, True, False, True)]
    with pytest.raises(kqlite.KqlSemanticError, match="around"):
        con.query("print around('a', 1, 1)")


def test_series_product(con):
    query = ("print arr = dynamic([1, 2, 3, 4]) | extend p = series_product(arr),"
             " empty = series_product(dynamic([])), holes = series_product(dynamic([2.5, null, 2]))")
    assert con.query(query).rows() == [([1, 2, 3, 4], 24.0, 1.0, 5.0)]


def test_indexof_regex_documented_examples(con):
    query = ('print idx1 = indexof_regex("abcabc", @"a.c"), idx2 = indexof_regex("abcabcdefg", @"a.c", 0, 9, 2),'
             ' idx3 = indexof_regex("abcabc", @"a.c", 1, -1, 2), idx4 = indexof_regex("ababaa", @"a.a", 0, -1, 2),'
             ' idx5 = indexof_regex("abcabc", @"a|ab", -1)')
    assert con.query(query).rows() == [(0, 3, -1, -1, None)]


def test_indexof_regex_over_a_column(con):
    query = ('datatable(s:string)["powershell -enc AAAA", "cmd /c whoami", "", "x -EncodedCommand y -enc z"]'
             ' | extend one = indexof_regex(s, @"-(?i:enc)"), two = indexof_regex(s, @"-(?i:enc)", 0, -1, 2),'
             ' from5 = indexof_regex(s, "o", 5), head = indexof_regex(s, "o", 0, 3)')
    assert sorted(con.query(query).rows()) == sorted([
        ("powershell -enc AAAA", 11, -1, -1, 1), ("cmd /c whoami", -1, -1, 9, -1), ("", -1, -1, -1, -1),
        ("x -EncodedCommand y -enc z", 2, 20, 6, -1)])


def test_datetime_list_timezones_lists_the_zones_the_conversions_take(con):
    query = "print z = datetime_list_timezones() | extend n = array_length(z), paris = set_has_element(z, 'Europe/Paris')"
    zones, count, paris = con.query(query).rows()[0]
    assert count == len(zones) > 300 and paris and "UTC" in zones and zones == sorted(zones)
    converted = con.query(f"print t = datetime_utc_to_local(datetime(2024-07-01 12:00), '{zones[len(zones) // 2]}')")
    assert converted.rows()[0][0] is not None


def tukey_scores(values, low_pct, high_pct, ignore=None):
    """Tukey's test as series_outliers documents it, with linear-interpolation percentiles."""
    import numpy as np

    kept = [v for v in values if v is not None and v != ignore]
    low, high = np.percentile(kept, low_pct), np.percentile(kept, high_pct)
    spread = high - low
    out = []
    for v in values:
        if v is None or v == ignore or not spread > 0:
            out.append(0.0)
        elif v > high:
            out.append((v - high) / spread)
        elif v < low:
            out.append((v - low) / spread)
        else:
            out.append(0.0)
    return out


@pytest.mark.parametrize("seed", range(3))
def test_series_outliers_scores(con, seed):
    import random

    rng = random.Random(seed)
    values = [round(rng.gauss(10, 3), 2) for _ in range(40)] + [60.0, -30.0, None, 7.0]
    text = "[" + ", ".join("null" if v is None else str(v) for v in values) + "]"
    query = (f"print s = dynamic({text}) | project a = series_outliers(s), b = series_outliers(s, 'tukey'),"
             " c = series_outliers(s, 'ctukey', 7.0, 5, 95)")
    a, b, c = con.query(query).rows()[0]
    for got, want in ((a, tukey_scores(values, 10, 90)), (b, tukey_scores(values, 25, 75)),
                      (c, tukey_scores(values, 5, 95, ignore=7.0))):
        assert got == pytest.approx(want, abs=1e-9)
    assert a[40] > 1.5 and a[41] < -1.5  # the rise and the decline stand out


def test_series_seasonal_detects_the_documented_periods(con):
    query = """print i = 1, s=dynamic([2, 5, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1])
        | union (print i = 2, s=dynamic([8, 12, 14, 12, 10, 10, 12, 14, 12, 10, 10, 12, 14, 12, 10, 10, 12, 14, 12, 10]))
        | union (print i = 3, s=dynamic([1, 3, 5, 2, 4, 6, 1, 3, 5, 2, 4, 6]))
        | project i, s_seasonal = series_seasonal(s) | order by i asc"""
    rows = con.query(query).rows()
    assert rows[0][1] == [1.0, 2.0, 3.0, 4.0, 3.0, 2.0] * 4 + [1.0]
    assert rows[1][1] == [10.0, 12.0, 14.0, 12.0, 10.0] * 4
    assert rows[2][1] == [0.0] * 12  # too short for its period to be detected


def test_series_seasonal_with_a_given_period(con):
    query = ("print i = 1, s=dynamic([1, 3, 5, 1, 3, 5, 2, 4, 6]) | union (print i = 2, s=dynamic([1, 3, 5, 2, 4, 6, 1, 3,"
             " 5, 2, 4, 6])) | project i, a = series_seasonal(s, 3), z = series_seasonal(s, 0) | order by i asc")
    rows = con.query(query).rows()
    assert rows[0][1] == [1.0, 3.0, 5.0] * 3 and rows[1][1] == [1.5, 3.5, 5.5] * 4
    assert rows[0][2] == [0.0] * 9
