"""Weighted percentiles: percentilew(), percentilesw(), percentilesw_array(). The examples of Microsoft's
documentation (data-explorer/kusto/query/percentilesw-aggregation-function.md) with their outputs, output names
as Microsoft's analyzer gives them, and the nearest-rank rule of percentile() with each value counted weight
times, on the engine under test (--backend)."""

from __future__ import annotations

import math
import random

import pytest
from query_helpers import one

import kqlite

LATENCY = ("let latencyTable = datatable (ReqCount:long, LatencyBucket:long) "
           "[8, 10, 6, 20, 3, 30, 1, 40];\nlatencyTable\n")


def test_percentilesw_documentation_example(con):
    result = con.query(LATENCY + "| summarize percentilesw(LatencyBucket, ReqCount, 50, 75, 99.9)")
    assert result.columns == ["percentile_LatencyBucket_50", "percentile_LatencyBucket_75",
                              "percentile_LatencyBucket_99_9"]
    assert result.types == ["long", "long", "long"]
    assert result.rows() == [(20, 20, 40)]


@pytest.mark.parametrize("percents", ["50, 75, 99.9", "dynamic([50, 75, 99.9])"])
def test_percentilesw_array_documentation_examples(con, percents):
    # the documentation's header says percentile_LatencyBucket; the analyzer names it percentiles_LatencyBucket
    result = con.query(LATENCY + f"| summarize percentilesw_array(LatencyBucket, ReqCount, {percents})")
    assert (result.columns, result.types) == (["percentiles_LatencyBucket"], ["dynamic"])
    assert result.rows() == [([20, 20, 40],)]


def test_percentilew_one_percentile_and_names(con):
    result = con.query(LATENCY + "| summarize percentilew(LatencyBucket, ReqCount, 50), "
                                 "p = percentilew(LatencyBucket * 2, ReqCount, 0), "
                                 "percentilew(toint(LatencyBucket), ReqCount, 100)")
    assert result.columns == ["percentile_LatencyBucket_50", "p", "percentile_LatencyBucket_100"]
    assert result.rows() == [(20, 20, 40)]


def test_weights_under_one_and_null_values_count_for_nothing(con):
    row = one(con, "datatable(v:long, w:long) [1, 0, 2, -5, 3, 1, long(null), 9, 4, long(null), 5, 1] "
                   "| summarize percentilew(v, w, 0), percentilew(v, w, 50), percentilew(v, w, 100)")
    assert row == (3, 3, 5)


def test_no_counted_rows_give_null(con):
    row = one(con, "datatable(v:long, w:long) [1, 0] | summarize percentilew(v, w, 50), "
                   "percentilesw_array(v, w, 50)")
    assert row == (None, [None])


def test_types_follow_percentile(con):
    # as percentile(): an int's is a long, a decimal's a real; datetimes and timespans keep their type
    result = con.query("datatable(i:int, d:decimal, t:datetime, s:timespan, r:real, w:int) "
                       "[1, 1.5, datetime(2024-01-01), 1h, 0.5, 2, 3, 2.5, datetime(2024-01-03), 3h, 1.5, 1] "
                       "| summarize percentilew(i, w, 50), percentilew(d, w, 50), percentilew(t, w, 90), "
                       "percentilew(s, w, 90), percentilew(r, w, 90)")
    assert result.types == ["long", "real", "datetime", "timespan", "real"]
    first = result.rows()[0]
    assert first[:2] == (1, 1.5)
    assert first[2].day == 3 and first[3].seconds == 3 * 3600 and first[4] == 1.5


def test_by_groups(con):
    rows = con.query("datatable(k:string, v:long, w:long) ['a', 1, 1, 'a', 2, 3, 'b', 7, 1, 'b', 9, 1] "
                     "| summarize percentilew(v, w, 50) by k | order by k asc").rows()
    assert rows == [("a", 2), ("b", 7)]


def test_matches_percentile_with_unit_weights_and_repeated_rows(con):
    """percentilew(v, w, p) is percentile() over the rows each repeated w times (the definition)."""
    rng = random.Random(7)
    pairs = [(rng.randint(-20, 20), rng.randint(1, 4)) for _ in range(40)]
    table = ", ".join(f"{v}, {w}" for v, w in pairs)
    expanded = ", ".join(str(v) for v, w in pairs for _ in range(w))
    percents = [0, 1, 10, 25, 33.3, 50, 70, 90, 99, 100]
    weighted = one(con, f"datatable(v:long, w:long) [{table}] | summarize "
                        + ", ".join(f"percentilew(v, w, {p})" for p in percents))
    plain = one(con, f"datatable(v:long) [{expanded}] | summarize "
                     + ", ".join(f"percentile(v, {p})" for p in percents))
    assert weighted == plain
    ordered = sorted(v for v, w in pairs for _ in range(w))
    assert list(weighted) == [ordered[max(1, math.ceil(p * len(ordered) / 100)) - 1] for p in percents]


def test_inside_expressions_and_make_series(con):
    row = one(con, LATENCY + "| summarize twice = 2 * percentilew(LatencyBucket, ReqCount, 50)")
    assert row == (40,)
    series = one(con, LATENCY + "| extend t = datetime(2024-01-01) "
                                "| make-series p = percentilew(LatencyBucket, ReqCount, 50) on t "
                                "from datetime(2024-01-01) to datetime(2024-01-02) step 1d")
    assert series[0] == [20]


@pytest.mark.parametrize("query, message", [
    ("percentilew(LatencyBucket, 2.5, 50)", "weight must be an int or long"),
    ("percentilew(LatencyBucket, ReqCount, 150)", "percentage must be a constant from 0 to 100"),
    ("percentilew(LatencyBucket, ReqCount, ReqCount)", "percentage must be a constant"),
    ("percentilew(LatencyBucket, ReqCount)", "takes 3 arguments"),
    ("percentilesw(LatencyBucket, ReqCount)", "takes 3 to 64 arguments"),
    ("percentilew(tostring(LatencyBucket), ReqCount, 50)", "needs numbers, datetimes or timespans"),
])
def test_refusals_are_positioned(con, query, message):
    with pytest.raises(kqlite.KqlSemanticError, match=message) as caught:
        con.query(LATENCY + "| summarize " + query)
    assert caught.value.line == 3 and caught.value.column is not None
