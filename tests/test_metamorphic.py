"""A wrong-result fuzzer: generated queries over a table full of edge values (nulls, empty strings, NaN,
case, duplicates) and the same query rewritten in ways that cannot change Kusto's answer. Both must give
the same rows. The crash fuzzer (test_parser_fuzz.py) checks that nothing crashes; this one checks that
nothing answers differently from itself.

Rewrites: an always-true `where`; the operands of `and` / `or` swapped; `not(not(p))`; a union with an
empty copy; an `extend` undone by `project-away`; `sort | take` against `top`; a filter moved before or
after an `extend` it does not read."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kqlite

TABLE = """datatable(s:string, n:long, r:real, t:datetime, b:bool, d:dynamic)[
    "alpha", 1, 1.5, datetime(2024-01-01T00:00:00Z), true, dynamic({"k": "v"}),
    "Alpha", -2, real(null), datetime(null), false, dynamic([1, 2]),
    "", long(null), 0.0, datetime(2024-01-01T12:00:00Z), bool(null), dynamic(null),
    "beta gamma", 0, real(nan), datetime(2023-12-31T23:59:59.9999999Z), true, dynamic("text"),
    "BETA", 1, -1.5, datetime(2024-01-01T00:00:00Z), false, dynamic({"k": 2}),
    "alpha", 1, 1.5, datetime(2024-01-01T00:00:00Z), true, dynamic({"k": "v"}),
    "x-ray.exe", 9223372036854775807, 1e308, datetime(2024-02-29T10:00:00Z), false, dynamic([])
]"""

COLUMNS = {"s": "string", "n": "long", "r": "real", "t": "datetime", "b": "bool"}
LITERALS = {
    "string": ['"alpha"', '"ALPHA"', '""', '"beta"', '"x-ray.exe"', '"a"'],
    "long": ["0", "1", "-2", "long(null)"],
    "real": ["1.5", "0.0", "real(null)", "-1.5"],
    "datetime": ["datetime(2024-01-01)", "datetime(2024-01-01T12:00:00Z)", "datetime(null)"],
    "bool": ["true", "false"],
}


@st.composite
def predicates(draw: st.DrawFn, depth: int = 0) -> str:
    kind = draw(st.sampled_from(["compare", "string", "null", "membership"] + (["logic"] * 2 if depth < 2 else [])))
    column = draw(st.sampled_from(list(COLUMNS)))
    kql_type = COLUMNS[column]
    if kind == "logic":
        op = draw(st.sampled_from(["and", "or"]))
        return f"({draw(predicates(depth + 1))} {op} {draw(predicates(depth + 1))})"
    if kind == "null":
        return f"{draw(st.sampled_from(['isnull', 'isnotnull', 'isempty', 'isnotempty']))}({column})"
    if kind == "string":
        op = draw(st.sampled_from(["has", "!has", "contains", "!contains", "startswith", "endswith", "=~", "!~",
                                   "has_cs", "contains_cs"]))
        return f"s {op} {draw(st.sampled_from(LITERALS['string']))}"
    if kind == "membership":
        op = draw(st.sampled_from(["in", "!in"] + (["in~", "!in~"] if kql_type == "string" else [])))
        items = draw(st.lists(st.sampled_from(LITERALS[kql_type]), min_size=1, max_size=3))
        return f"{column} {op} ({', '.join(items)})"
    op = draw(st.sampled_from(["==", "!=", "<", ">", "<=", ">="] if kql_type != "bool" else ["==", "!="]))
    return f"{column} {op} {draw(st.sampled_from(LITERALS[kql_type]))}"


def canonical(rows: list[tuple]) -> list[str]:
    """Rows as comparable text, as a multiset (NaN equals NaN, as in Kusto's output)."""
    def cell(value: object) -> str:
        if isinstance(value, float) and math.isnan(value):
            return "NaN"
        return repr(value)
    return sorted("|".join(cell(v) for v in row) for row in rows)


@pytest.fixture(scope="module")
def con() -> kqlite.Connection:
    return kqlite.connect()


def same_answer(con: kqlite.Connection, first: str, second: str) -> None:
    a, b = con.query(first), con.query(second)
    assert a.columns == b.columns and a.types == b.types, (first, second)
    assert canonical(a.rows()) == canonical(b.rows()), f"\n{first}\n!=\n{second}"


FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(p=predicates())
def test_an_always_true_filter_changes_nothing(con, p):
    same_answer(con, f"{TABLE} | where {p}", f"{TABLE} | where {p} | where 1 == 1 or isnull(n)")


@FUZZ
@given(p=predicates(), q=predicates(), op=st.sampled_from(["and", "or"]))
def test_swapped_operands_of_and_and_or(con, p, q, op):
    same_answer(con, f"{TABLE} | where ({p}) {op} ({q})", f"{TABLE} | where ({q}) {op} ({p})")


@FUZZ
@given(p=predicates())
def test_double_negation(con, p):
    same_answer(con, f"{TABLE} | where {p}", f"{TABLE} | where not(not({p}))")


@FUZZ
@given(p=predicates())
def test_a_filter_and_its_negation_split_the_rows(con, p):
    everything = con.query(f"{TABLE} | count").rows()[0][0]
    kept = con.query(f"{TABLE} | where {p} | count").rows()[0][0]
    dropped = con.query(f"{TABLE} | where not({p}) | count").rows()[0][0]
    # Kusto's predicates are two-valued on these types but for null comparisons, which are false both ways
    assert kept + dropped <= everything


@FUZZ
@given(p=predicates())
def test_a_union_with_an_empty_copy(con, p):
    query = f"{TABLE} | where {p}"
    same_answer(con, query, f"union ({query}), ({query} | take 0)")


@FUZZ
@given(p=predicates(), expr=st.sampled_from(["strlen(s)", "n * 2", "tostring(d.k)", "iff(b, r, -r)",
                                             "bin(t, 1h)", "tolower(s)"]))
def test_an_extend_undone_by_project_away(con, p, expr):
    same_answer(con, f"{TABLE} | where {p}", f"{TABLE} | extend zz = {expr} | where {p} | project-away zz")


@FUZZ
@given(p=predicates(), column=st.sampled_from(["n", "r", "t", "s"]), n=st.integers(1, 5),
       order=st.sampled_from(["asc", "desc"]))
def test_sort_then_take_is_top(con, p, column, n, order):
    # top takes one sort key: with ties, which rows it keeps is open, their values of the key are not
    first = f"{TABLE} | where {p} | sort by {column} {order} | take {n} | project {column}"
    second = f"{TABLE} | where {p} | top {n} by {column} {order} | project {column}"
    same_answer(con, first, second)


TERMS = ["alpha", "BETA", "gamma", "x-ray", ".exe", "ray.", "-", "a", "x-ray.exe", "", "beta gamma", "Ray"]


@FUZZ
@given(terms=st.lists(st.sampled_from(TERMS), min_size=1, max_size=6))
def test_has_any_is_the_or_of_has_and_has_all_the_and(con, terms):
    """has_any over many terms compiles to one alternation grouped by the terms' boundary needs: it must answer
    as the terms tested one by one."""
    listed = ", ".join(f'"{t}"' for t in terms)
    same_answer(con, f"{TABLE} | where s has_any ({listed})",
                f"{TABLE} | where " + " or ".join(f's has "{t}"' for t in terms))
    same_answer(con, f"{TABLE} | where s has_all ({listed})",
                f"{TABLE} | where " + " and ".join(f's has "{t}"' for t in terms))
    same_answer(con, f"{TABLE} | where not(s has_any ({listed}))",
                f"{TABLE} | where " + " and ".join(f's !has "{t}"' for t in terms))
