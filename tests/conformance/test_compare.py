"""Unit tests of the conformance comparison rules: plain Python values, no kqlite compiler involved."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
import time
import uuid

import pytest
from compare import (
    CASES_PATH,
    case_key,
    compare_dynamic,
    compare_result,
    compare_value,
    datetime_ticks,
    is_ordered,
    last_operator,
    load_cases,
    parse_datetime_ticks,
    parse_known_failures,
    parse_timespan_ticks,
    run_case,
    timedelta_ticks,
    type_family,
)

UTC = dt.UTC


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


# --- types ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kql_type", "family"),
    [
        ("int", "Int"),
        ("long", "Int"),
        ("real", "Real"),
        ("decimal", "Real"),
        ("bool", "Bool"),
        ("string", "String"),
        ("datetime", "DateTime"),
        ("timespan", "TimeSpan"),
        ("guid", "Guid"),
        ("dynamic", "Dynamic"),
        ("double", None),
        ("Int", None),
        (None, None),
    ],
)
def test_type_family(kql_type, family):
    assert type_family(kql_type) == family


# --- ticks -----------------------------------------------------------------------------------------


def test_datetime_ticks_round_trip():
    assert parse_datetime_ticks("0001-01-01T00:00:00.0000000Z") == 0
    assert parse_datetime_ticks("0001-01-01T00:00:00.0000001Z") == 1
    assert parse_datetime_ticks("1970-01-01T00:00:00.0000000Z") == 621355968000000000
    assert datetime_ticks(utc(1970, 1, 1)) == 621355968000000000
    assert datetime_ticks(utc(9999, 12, 31, 23, 59, 59, 999999)) == parse_datetime_ticks(
        "9999-12-31T23:59:59.9999990Z"
    )


@pytest.mark.parametrize("text", ["2007-01-01", "2007-01-01T00:00:00Z ", "2007-01-01 00:00:00.0000000Z", ""])
def test_parse_datetime_rejects_other_forms(text):
    with pytest.raises(ValueError):
        parse_datetime_ticks(text)


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("00:00:00", dt.timedelta(0)),
        ("01:30:00", dt.timedelta(hours=1, minutes=30)),
        ("-01:01:01", -dt.timedelta(hours=1, minutes=1, seconds=1)),
        ("-1.00:00:00", dt.timedelta(days=-1)),
        ("1461.00:00:00", dt.timedelta(days=1461)),
        ("00:00:00.0010000", dt.timedelta(milliseconds=1)),
        ("3652058.00:00:00", dt.timedelta(days=3652058)),
    ],
)
def test_timespan_ticks(text, delta):
    assert parse_timespan_ticks(text) == timedelta_ticks(delta)


# --- scalar cells ------------------------------------------------------------------------------------

MATCHES = [
    ("Int", 1, 1),
    ("Int", 9223372036854775807, 9223372036854775807),
    ("Int", None, None),
    ("Real", 0.3, 0.1 + 0.2),
    ("Real", 1.0, 1.0000000001),
    ("Real", 123456789.0, 123456789.4),
    ("Real", 2.5, decimal.Decimal("2.5")),
    ("Real", 15.0, 15),
    ("Real", 0.0, -0.0),
    ("Real", "NaN", math.nan),
    ("Real", "Infinity", math.inf),
    ("Real", "-Infinity", -math.inf),
    ("Real", -9.223372036854776e18, -9.223372036854775808e18),
    ("Real", None, None),
    ("Bool", True, True),
    ("Bool", False, False),
    ("Bool", None, None),
    ("String", "", ""),
    ("String", "O'Brien", "O'Brien"),
    ("DateTime", "2007-01-01T00:00:00.0000000Z", utc(2007, 1, 1)),
    ("DateTime", "2020-01-01T00:00:01.5000000Z", utc(2020, 1, 1, 0, 0, 1, 500000)),
    (
        "DateTime",
        "2020-01-01T00:00:00.0000000Z",
        dt.datetime(2020, 1, 1, tzinfo=dt.timezone(dt.timedelta(0))),
    ),
    # Sub-microsecond digits: anything less than 1 µs away matches (truncated or rounded).
    ("DateTime", "2000-02-29T23:59:59.9999999Z", utc(2000, 2, 29, 23, 59, 59, 999999)),
    ("DateTime", "2000-02-29T23:59:59.9999999Z", utc(2000, 3, 1)),
    ("DateTime", "9999-12-31T23:59:59.9999999Z", utc(9999, 12, 31, 23, 59, 59, 999999)),
    ("DateTime", "0001-01-01T00:00:00.0000001Z", utc(1, 1, 1)),
    ("DateTime", "0001-01-01T00:00:00.0000001Z", utc(1, 1, 1, 0, 0, 0, 1)),
    ("DateTime", None, None),
    ("TimeSpan", "-01:00:00", dt.timedelta(hours=-1)),
    ("TimeSpan", "2.03:00:00", dt.timedelta(days=2, hours=3)),
    (
        "TimeSpan",
        "6.23:59:59.9999999",
        dt.timedelta(days=6, hours=23, minutes=59, seconds=59, microseconds=999999),
    ),
    ("TimeSpan", None, None),
    ("Guid", "74be27de-1e4e-49d9-b579-fe0b331d3642", "74BE27DE-1E4E-49D9-B579-FE0B331D3642"),
    ("Guid", "74be27de-1e4e-49d9-b579-fe0b331d3642", uuid.UUID("74be27de-1e4e-49d9-b579-fe0b331d3642")),
    ("Dynamic", None, None),
    ("Dynamic", 1, 1),
    ("Dynamic", "x", "x"),
    ("Dynamic", [1, 2, 3], [1, 2, 3]),
    ("Dynamic", [1, 2], (1, 2)),
    ("Dynamic", {"a": 1, "b": 2}, {"b": 2, "a": 1}),
    ("Dynamic", {"n": 3.14, "i": 7, "nil": None}, {"nil": None, "i": 7, "n": 3.1400000000001}),
    ("Dynamic", [{"x": 1}, None, {"y": [True, False]}], [{"x": 1}, None, {"y": [True, False]}]),
    ("Dynamic", [], []),
    ("Dynamic", {}, {}),
]

MISMATCHES = [
    ("Int", 1, 2),
    ("Int", 1, True),
    ("Int", 1, 1.0),
    ("Int", 1, "1"),
    ("Int", 1, None),
    ("Int", None, 0),
    ("Real", 1.0, 1.00000001),
    ("Real", 0.1, 0.10000001),
    ("Real", 1.0, True),
    ("Real", "NaN", 0.0),
    ("Real", 0.0, math.nan),
    ("Real", "Infinity", -math.inf),
    ("Real", "Infinity", 1e308),
    ("Real", 1.5, "1.5"),
    ("Real", None, 0.0),
    ("Real", 0.0, None),
    ("Bool", True, 1),
    ("Bool", False, None),
    ("Bool", True, "true"),
    ("String", "", None),
    ("String", "a", "A"),
    ("String", "1", 1),
    ("DateTime", "2007-01-01T00:00:00.0000000Z", utc(2007, 1, 1, 0, 0, 0, 1)),
    ("DateTime", "2007-01-01T00:00:00.0000000Z", dt.datetime(2007, 1, 1)),  # naive
    (
        "DateTime",
        "2007-01-01T00:00:00.0000000Z",
        dt.datetime(2007, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    ),
    ("DateTime", "2007-01-01T00:00:00.0000000Z", "2007-01-01T00:00:00.0000000Z"),
    ("DateTime", "2007-01-01T00:00:00.0000000Z", dt.date(2007, 1, 1)),
    ("DateTime", "2000-02-29T23:59:59.9999999Z", utc(2000, 2, 29, 23, 59, 59, 999998)),
    ("DateTime", "2007-01-01T00:00:00.0000000Z", None),
    ("TimeSpan", "01:00:00", dt.timedelta(hours=-1)),
    ("TimeSpan", "00:00:01", 1.0),
    ("TimeSpan", "00:00:01", "00:00:01"),
    ("TimeSpan", "00:00:00.0010000", dt.timedelta(microseconds=1001)),
    ("Guid", "74be27de-1e4e-49d9-b579-fe0b331d3642", "74be27de-1e4e-49d9-b579-fe0b331d3643"),
    ("Dynamic", 1, 1.0),
    ("Dynamic", 1.0, 1),
    ("Dynamic", 1, True),
    ("Dynamic", True, 1),
    ("Dynamic", None, ""),
    ("Dynamic", "", None),
    ("Dynamic", [1, 2], [2, 1]),
    ("Dynamic", [1, 2], [1, 2, 3]),
    ("Dynamic", [1], 1),
    ("Dynamic", {"a": 1}, {"a": 1, "b": None}),
    ("Dynamic", {"a": 1}, [["a", 1]]),
    ("Dynamic", {"a": [1, 2]}, '{"a": [1, 2]}'),
    ("Dynamic", ["2021-01-01T00:00:00.0000000Z"], [utc(2021, 1, 1)]),
]


@pytest.mark.parametrize(("family", "expected", "actual"), MATCHES)
def test_values_that_match(family, expected, actual):
    assert compare_value(family, expected, actual) is None


@pytest.mark.parametrize(("family", "expected", "actual"), MISMATCHES)
def test_values_that_do_not_match(family, expected, actual):
    assert compare_value(family, expected, actual)


def test_dynamic_mismatch_names_the_path():
    problem = compare_dynamic({"a": {"b": [1, 2]}}, {"a": {"b": [1, 3]}})
    assert problem.startswith("at $.a.b[1]:")


# --- whole results ------------------------------------------------------------------------------------

EXPECT = {
    "columns": [["k", "Int"], ["avg_v", "Real"], ["t", "DateTime"]],
    "rows": [[1, 15.0, "2020-01-01T00:00:00.0000000Z"], [2, 30.0, None]],
}
COLUMNS = ["k", "avg_v", "t"]
TYPES = ["long", "real", "datetime"]
ROWS = [(1, 15.0, utc(2020, 1, 1)), (2, 30.0, None)]


def test_result_matches():
    assert compare_result(EXPECT, COLUMNS, TYPES, ROWS, ordered=True) is None
    assert compare_result(EXPECT, COLUMNS, ["int", "decimal", "datetime"], ROWS, ordered=True) is None


def test_result_unordered_is_a_multiset():
    assert compare_result(EXPECT, COLUMNS, TYPES, ROWS[::-1], ordered=False) is None


def test_result_ordered_reports_order():
    problem = compare_result(EXPECT, COLUMNS, TYPES, ROWS[::-1], ordered=True)
    assert "order differs" in problem


def test_result_multiset_counts_duplicates():
    expect = {"columns": [["x", "Int"]], "rows": [[1], [1], [2]]}
    assert compare_result(expect, ["x"], ["long"], [(1,), (2,), (2,)], ordered=False)
    assert compare_result(expect, ["x"], ["long"], [(2,), (1,), (1,)], ordered=False) is None


def test_result_multiset_finds_a_matching_when_tolerance_makes_rows_ambiguous():
    # The first expected row (5 ticks) matches both kqlite rows, the second only the first one:
    # a greedy pairing would fail, a maximum matching does not.
    expect = {
        "columns": [["t", "DateTime"]],
        "rows": [["2020-01-01T00:00:00.0000005Z"], ["2020-01-01T00:00:00.0000000Z"]],
    }
    rows = [(utc(2020, 1, 1),), (utc(2020, 1, 1, 0, 0, 0, 1),)]
    assert compare_result(expect, ["t"], ["datetime"], rows, ordered=False) is None


@pytest.mark.parametrize(
    ("columns", "types", "rows", "fragment"),
    [
        (["avg_v", "k", "t"], TYPES, ROWS, "columns differ"),
        (["k", "avg_v"], TYPES[:2], [r[:2] for r in ROWS], "columns differ"),
        (COLUMNS, ["long", "long", "datetime"], ROWS, "avg_v: expected Real, got 'long'"),
        (COLUMNS, ["long", "real", "string"], ROWS, "t: expected DateTime"),
        (COLUMNS, ["long", "real"], ROWS, "column types differ"),
        (COLUMNS, TYPES, ROWS[:1], "expected 2 rows, got 1"),
        (
            COLUMNS,
            TYPES,
            [ROWS[0], (2, 30.5, None)],
            "the row differs: column avg_v: expected 30.0, got 30.5",
        ),
        (COLUMNS, TYPES, [ROWS[0], (2, 30.0)], "the row differs: expected a row of 3 values"),
        (COLUMNS, TYPES, [(3, 15.0, None), (4, 30.0, None)], "expected rows not found: [[1, 15.0,"),
    ],
)
def test_result_mismatches(columns, types, rows, fragment):
    problem = compare_result(EXPECT, columns, types, rows, ordered=False)
    assert problem and fragment in problem


def test_ordered_row_mismatch_names_the_row_and_column():
    problem = compare_result(EXPECT, COLUMNS, TYPES, [ROWS[0], (2, 31.0, None)], ordered=True)
    assert problem.startswith("row 1: column avg_v:")


# --- ordering -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "operator"),
    [
        ("T | sort by x", "sort"),
        ("T\n| order by x asc\n// trailing comment", "order"),
        ("T | top 3 by x", "top"),
        ("T | sort by x | project x", "project"),
        ("T | top-nested 2 of t by max(x)", "top-nested"),
        ("print x = 1", ""),
        ("T", ""),
        ("let t = T | sort by x; t | where x > 1", "where"),
        ("let t = T | where x > 1; t | sort by x;", "sort"),
        ("T | where s == '| sort by x'", "where"),
        ('T | where s == "a\\" | sort by x"', "where"),
        ('T | where p == @"C:\\" | sort by p', "sort"),
        ('T | where p == @"say ""|"" ok" | take 1', "take"),
        ("T | where s == h'secret|x' | top 1 by s", "top"),
        ("T | where x > 1 // | sort by x", "where"),
        ("T | join (U | sort by y) on k", "join"),
        ("union (T | sort by x), (U | top 1 by y)", ""),
        ("datatable(s:string)['a|b', ';'] | order by s", "order"),
        ("T | extend s = ```a | sort``` | sort by s", "sort"),
        ("T |\n  // comment\n  sort by x", "sort"),
    ],
)
def test_last_operator(query, operator):
    assert last_operator(query) == operator
    assert is_ordered(query) == (operator in {"sort", "order", "top"})


# --- known failures and running -------------------------------------------------------------------


def test_case_key_tells_cases_with_one_id_apart():
    first = {"id": "agent-aggregation-0005", "query": "print 1"}
    second = {"id": "agent-aggregation-0005", "query": "print 2"}
    assert re.fullmatch(r"agent-aggregation-0005\.[0-9a-f]{6}", case_key(first))
    assert case_key(first) != case_key(second)
    assert case_key(first) == case_key(dict(first))


def test_parse_known_failures():
    lines = ["# header", "", "case-1", "case-2  # why it fails", "   case-3   ", "# case-4"]
    assert parse_known_failures(lines) == {"case-1", "case-2", "case-3"}


class FakeError(Exception):
    pass


class FakeResult:
    def __init__(self, columns, types, rows):
        self.columns, self.types, self._rows = columns, types, rows

    def rows(self):
        return self._rows


class FakeConnection:
    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.closed = False

    def query(self, text):
        return self.behaviour(text)

    def close(self):
        self.closed = True


ROWS_CASE = {"id": "c1", "family": "aggregation", "query": "T | sort by k", "expect": EXPECT}
ERROR_CASE = {"id": "c2", "family": "null-and-edge", "query": "T | bad", "expect": {"error": True}}


def run_with(case, behaviour, timeout=30.0):
    connections = []

    def connect():
        connections.append(FakeConnection(behaviour))
        return connections[-1]

    result = run_case(case, connect=connect, error_type=FakeError, timeout=timeout)
    assert all(con.closed for con in connections)
    return result


def raise_(error):
    def behaviour(text):
        raise error

    return behaviour


def test_run_case_passes_matching_rows():
    result = run_with(ROWS_CASE, lambda text: FakeResult(COLUMNS, TYPES, ROWS))
    assert result.passed and not result.crashed and result.family == "aggregation"


def test_run_case_fails_different_rows_with_the_reason():
    result = run_with(ROWS_CASE, lambda text: FakeResult(COLUMNS, TYPES, ROWS[::-1]))
    assert not result.passed and "order differs" in result.reason


def test_run_case_expected_error():
    assert run_with(ERROR_CASE, raise_(FakeError("line 1, column 5: unknown operator"))).passed
    result = run_with(ERROR_CASE, lambda text: FakeResult([], [], []))
    assert not result.passed and "rejects this query" in result.reason


def test_run_case_error_where_rows_are_expected():
    result = run_with(ROWS_CASE, raise_(FakeError("line 1, column 1: unsupported\n  T\n  ^")))
    assert not result.passed and result.reason == "kqlite raised FakeError: line 1, column 1: unsupported"


@pytest.mark.parametrize("case", [ROWS_CASE, ERROR_CASE])
def test_run_case_crash_is_always_a_failure(case):
    result = run_with(case, raise_(TypeError("'NoneType' object is not subscriptable")))
    assert not result.passed and result.crashed and result.reason.startswith("CRASH TypeError")


def test_run_case_odd_values_are_a_failure_not_an_exception():
    result = run_with(ROWS_CASE, lambda text: FakeResult(COLUMNS, TYPES, [object(), object()]))
    assert not result.passed


def test_run_case_timeout():
    def slow(text):
        try:
            time.sleep(5)
        except Exception:  # a timeout must not be swallowed by kqlite's own handlers
            pass
        return FakeResult(COLUMNS, TYPES, ROWS)

    started = time.monotonic()
    result = run_with(ROWS_CASE, slow, timeout=0.2)
    assert not result.passed and result.reason.startswith("timeout")
    assert time.monotonic() - started < 2


# --- the recorded cases themselves ----------------------------------------------------------------------

FAMILY_TYPE = {
    "Int": "long",
    "Real": "real",
    "Bool": "bool",
    "String": "string",
    "DateTime": "datetime",
    "TimeSpan": "timespan",
    "Guid": "guid",
    "Dynamic": "dynamic",
}


def as_kqlite_value(family, cell):
    """A recorded cell as kqlite's result API would give it (microseconds, truncated)."""
    if cell is None:
        return None
    if family == "Real":
        return float(cell)  # float("NaN") and float("Infinity") included
    if family == "DateTime":
        return dt.datetime(1, 1, 1, tzinfo=UTC) + dt.timedelta(microseconds=parse_datetime_ticks(cell) // 10)
    if family == "TimeSpan":
        ticks = parse_timespan_ticks(cell)
        return dt.timedelta(microseconds=int(ticks / 10))
    return cell


@pytest.mark.skipif(not CASES_PATH.exists(), reason="no recorded conformance cases")
def test_every_recorded_result_matches_itself_as_kqlite_values():
    checked = 0
    for case in load_cases():
        expect = case["expect"]
        if expect.get("error"):
            continue
        families = [family for _, family in expect["columns"]]
        rows = [
            tuple(as_kqlite_value(f, cell) for f, cell in zip(families, row, strict=True))
            for row in expect["rows"]
        ]
        columns = [name for name, _ in expect["columns"]]
        types = [FAMILY_TYPE[f] for f in families]
        assert compare_result(expect, columns, types, rows[::-1], ordered=False) is None, case["id"]
        assert compare_result(expect, columns, types, rows, ordered=is_ordered(case["query"])) is None, case[
            "id"
        ]
        checked += 1
    assert checked > 700
