"""hll(), hll_if(), hll_merge(), dcount_hll() and tdigest(), tdigest_merge(), percentile_tdigest(),
percentiles_array_tdigest(), rank_tdigest(): kqlite's sketches are exact (the distinct values; the values with
their weights), so counts and percentiles from them equal dcount() and percentile()/percentilew() over the
rows. The documentation's examples (data-explorer/kusto/query/<name>-function.md) run where they do not need
StormEvents; those that do run over a stand-in table giving the documented answer. Output names and types
are the analyzer's. On the engine under test (--backend)."""

from __future__ import annotations

import random

import pytest
from query_helpers import one

import kqlite

# ---- hll

def test_dcount_hll_documentation_example(con):
    # StormEvents' DamageProperty has 315 distinct values over its 10-minute bins: a stand-in with 315
    values = ", ".join(f"datetime(2007-01-01 00:{i % 6 * 10:02}), {i % 315 * 1000}" for i in range(700))
    result = con.query(f"let StormEvents = datatable(StartTime:datetime, DamageProperty:long) [{values}];\n"
                       "StormEvents\n"
                       "| summarize hllRes = hll(DamageProperty) by bin(StartTime,10m)\n"
                       "| summarize hllMerged = hll_merge(hllRes)\n"
                       "| project dcount_hll(hllMerged)")
    assert (result.columns, result.types, result.rows()) == (["dcount_hll_hllMerged"], ["long"], [(315,)])


def test_hll_names_types_and_representation(con):
    result = con.query('datatable(x:long, s:string, k:string) [3, "b", "g", 1, "a", "g", 3, "b", "g", 2, "", "h"] '
                       "| summarize hll(x), hll(s, 2), hll_if(x, x > 1), h = hll(x, 4) by k | order by k asc")
    assert result.columns == ["k", "hll_x", "hll_s", "hll_if_x", "h"]
    assert result.types == ["string"] + ["dynamic"] * 4
    # kqlite's hll: the distinct values, not Kusto's HyperLogLog
    assert result.rows()[0] == ("g", [1, 3], ["a", "b"], [3], [1, 3])


def test_dcount_hll_is_dcount_exactly(con):
    rng = random.Random(3)
    rows = ", ".join(f'"{rng.choice("abcd")}", {rng.randint(0, 60)}' for _ in range(300))
    table = f"datatable(k:string, v:long) [{rows}]"
    merged = one(con, f"{table} | summarize h = hll(v) by k | summarize m = hll_merge(h) | project dcount_hll(m)")
    assert merged == one(con, f"{table} | summarize dcount(v)")
    by_key = con.query(f"{table} | summarize h = hll(v), d = dcount(v) by k | extend c = dcount_hll(h) "
                       "| where c != d").rows()
    assert by_key == []


def test_hll_merge_function_and_empty_groups(con):
    row = one(con, "datatable(a:long, b:long) [1, 2, 2, 3] | summarize ha = hll(a), hb = hll(b) "
                   "| project hll_merge(ha, hb), m = hll_merge(ha, hb, ha), dcount_hll(hll_merge(ha, hb))")
    assert row == ([1, 2, 3], [1, 2, 3], 3)
    empty = one(con, "datatable(a:long) [1] | where a > 5 | summarize h = hll(a) | extend n = dcount_hll(h)")
    assert empty == ([], 0)


# ---- tdigest

def test_rank_tdigest_documentation_example(con):
    result = con.query("range x from 1 to 1000 step 1\n| summarize t_x=tdigest(x)\n"
                       "| project rank_of_685=rank_tdigest(t_x, 685)")
    assert (result.columns, result.types, result.rows()) == (["rank_of_685"], ["real"], [(685.0,)])


DAMAGE = ("let StormEvents = datatable(State:string, DamageProperty:long, EndTime:datetime) ["
          '"TEXAS", 0, datetime(2007-12-20 11:30), "TEXAS", 62000000, datetime(2007-03-01), "TEXAS", 5000, '
          'datetime(2007-02-01), "IOWA", 0, datetime(2007-12-31 23:59), "IOWA", 0, datetime(2007-01-01)];\n')


def test_percentile_tdigest_documentation_examples(con):
    # the documented answers are StormEvents' maxima per state; the stand-in has two states
    result = con.query(DAMAGE + "StormEvents\n| summarize tdigestRes = tdigest(DamageProperty) by State\n"
                                "| project percentile_tdigest(tdigestRes, 100)")
    assert (result.columns, result.types) == (["percentile_tdigest_tdigestRes"], ["dynamic"])
    assert sorted(result.rows()) == [(0,), (62000000,)]
    # a datetime digest's value is a datetime (in a dynamic without a type)
    dated = con.query(DAMAGE + "StormEvents\n| summarize tdigestRes = tdigest(EndTime) by State\n"
                               "| project percentile_tdigest(tdigestRes, 100)").rows()
    assert sorted(dated) == [("2007-12-20T11:30:00.0000000Z",), ("2007-12-31T23:59:00.0000000Z",)]
    typed = con.query(DAMAGE + "StormEvents\n| summarize tdigestRes = tdigest(DamageProperty)\n"
                               "| project percentile_tdigest(tdigestRes, 85, typeof(long))")
    assert (typed.columns, typed.types, typed.rows()) == (["percentile_tdigest_tdigestRes"], ["long"],
                                                          [(62000000,)])


def test_tdigest_merge_documentation_example_names(con):
    result = con.query(DAMAGE + "StormEvents\n| summarize PreAggDamageProperty=tdigest(DamageProperty) by State\n"
                                "| summarize tdigest_merge(PreAggDamageProperty)")
    assert (result.columns, result.types) == (["merge_tdigests_PreAggDamageProperty"], ["dynamic"])
    # kqlite's digest: [[type], [values ascending], [their weights]]
    assert result.rows() == [([["long"], [0, 5000, 62000000], [3, 1, 1]],)]


def test_percentiles_from_digests_equal_percentile(con):
    """percentile_tdigest(tdigest(v), p) is percentile(v, p); merged digests and weights too (percentilew)."""
    rng = random.Random(11)
    rows = ", ".join(f'"{rng.choice("abc")}", {rng.randint(-50, 50)}, {rng.randint(1, 3)}' for _ in range(200))
    table = f"datatable(k:string, v:long, w:long) [{rows}]"
    percents = [0, 1, 10, 25, 50, 75, 90, 99.5, 100]
    from_digest = one(con, f"{table} | summarize t = tdigest(v) by k | summarize m = tdigest_merge(t) | project "
                           + ", ".join(f"percentile_tdigest(m, {p}, typeof(long))" for p in percents))
    direct = one(con, f"{table} | summarize " + ", ".join(f"percentile(v, {p})" for p in percents))
    assert from_digest == direct
    weighted = one(con, f"{table} | summarize t = tdigest(v, w) | project "
                        + ", ".join(f"percentile_tdigest(t, {p}, typeof(long))" for p in percents))
    assert weighted == one(con, f"{table} | summarize " + ", ".join(f"percentilew(v, w, {p})" for p in percents))
    array = one(con, f"{table} | summarize t = tdigest(v) | project percentiles_array_tdigest(t, "
                     + ", ".join(map(str, percents)) + ")")
    assert array == (list(direct),)


def test_tdigest_of_reals_datetimes_and_timespans(con):
    row = one(con, "datatable(r:real, d:datetime, s:timespan) [1.5, datetime(2024-01-01), 1h, 0.25, "
                   "datetime(2024-01-03), 2h, 1.5, datetime(2024-01-02), 3h] | summarize tr = tdigest(r), "
                   "td = tdigest(d), ts = tdigest(s) | project tr, percentile_tdigest(tr, 50), "
                   "percentile_tdigest(td, 50, typeof(datetime)), percentile_tdigest(ts, 100, typeof(timespan)), "
                   "rank_tdigest(tr, 1.0), rank_tdigest(td, datetime(2024-01-02)), "
                   "percentiles_array_tdigest(ts, dynamic([0, 100]))")
    assert row[0] == [["real"], [0.25, 1.5], [1, 2]]
    assert row[1] == 1.5
    assert row[2].day == 2 and row[3].seconds == 3 * 3600
    assert row[4:6] == (1.0, 2.0)
    assert row[6] == ["01:00:00", "03:00:00"]


def test_tdigest_merge_function_and_aliases(con):
    row = one(con, "datatable(a:long, b:long) [1, 2, 2, 2] | summarize ta = tdigest(a), tb = tdigest(b) "
                   "| project tdigest_merge(ta, tb), m = merge_tdigest(ta, tb, ta)")
    assert row == ([["long"], [1, 2], [1, 3]], [["long"], [1, 2], [2, 4]])
    merged = one(con, "datatable(a:long) [1, 2] | summarize t = tdigest(a) | summarize merge_tdigest(t)")
    assert merged == ([["long"], [1, 2], [1, 1]],)


def test_empty_digest(con):
    row = one(con, "datatable(a:long) [1] | where a > 5 | summarize t = tdigest(a) "
                   "| extend p = percentile_tdigest(t, 50), r = rank_tdigest(t, 3)")
    assert row == ([["long"], [], []], None, 0.0)


@pytest.mark.parametrize("query, message", [
    ("summarize hll(r)", "does not take a real"),
    ("summarize tdigest(s)", "needs a number, datetime or timespan"),
    ("summarize tdigest(l, r)", "weight must be an int or long"),
    ("summarize t = tdigest(l) | project percentile_tdigest(t, 150)", "from 0 to 100"),
    ("summarize t = tdigest(l) | project percentile_tdigest(t, 50, typeof(foo))", "unknown type foo"),
    ("project dcount_hll(l)", "expects the dynamic result of hll()"),
])
def test_refusals_are_positioned(con, query, message):
    with pytest.raises(kqlite.KqlSemanticError, match=message) as caught:
        con.query('datatable(l:long, r:real, s:string) [1, 1.5, "a"] | ' + query)
    assert caught.value.line == 1 and caught.value.column is not None


def test_percentrank_tdigest_is_the_rank_as_a_percentage(con):
    """The documentation's pair: the value at percentile 85 has a percent rank of (about, in Kusto) 85."""
    query = ("range x from 1 to 200 step 1 | extend v = x * 7 % 101 | summarize t = tdigest(v)"
             " | project p85 = percentile_tdigest(t, 85), rank = percentrank_tdigest(t, percentile_tdigest(t, 85, typeof(long))),"
             " low = percentrank_tdigest(t, -1), high = percentrank_tdigest(t, 1000)")
    p85, rank, low, high = con.query(query).rows()[0]
    assert 85.0 <= rank < 86.0 and low == 0.0 and high == 100.0
    empty = con.query("range x from 1 to 3 step 1 | where x < 0 | summarize t = tdigest(x)"
                      " | project percentrank_tdigest(t, 1)")
    assert empty.rows() == [(None,)]
