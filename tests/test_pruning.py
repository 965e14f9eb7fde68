"""Unused pass-through columns are dropped from a compiled query's CTEs (kqlite.compile.pruning): each case runs
in DuckDB before and after, with the same rows, and the columns that go are exactly the unused plain ones."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot
from sqlglot import exp

import kqlite
from kqlite.compile.pruning import prune_unused_columns

SETUP = """
CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a', 10, 'x'), (2, 'b', 20, 'x'), (2, 'b', 30, 'y'), (3, 'c', NULL, 'y'))
    AS v(id, name, amount, tag)
"""


def pruned(sql: str) -> tuple[exp.Select, exp.Select]:
    before = sqlglot.parse_one(sql, read="duckdb")
    after = before.copy()
    prune_unused_columns(after)
    return before, after


def projections(select: exp.Select, cte: str) -> list[str]:
    for item in select.args["with_"].expressions:
        if item.alias_or_name == cte:
            return [p.alias_or_name for p in item.this.expressions]
    raise KeyError(cte)


def same_rows(before: exp.Select, after: exp.Select) -> None:
    connection = duckdb.connect()
    connection.execute(SETUP)
    rows = connection.execute(before.sql("duckdb")).fetchall()
    assert sorted(rows, key=repr) == sorted(connection.execute(after.sql("duckdb")).fetchall(), key=repr)


def test_a_column_only_passed_along_goes_from_every_cte():
    before, after = pruned("""
        WITH k0 AS (SELECT id, name, amount, tag FROM t WHERE amount > 5),
             k1 AS (SELECT id, name, amount, tag, amount * 2 AS doubled FROM k0),
             k2 AS (SELECT id, doubled FROM k1)
        SELECT id, doubled FROM k2""")
    assert projections(after, "k0") == ["id", "amount"]  # amount: k1's expression reads it
    assert projections(after, "k1") == ["id", "amount", "doubled"]
    same_rows(before, after)


def test_expressions_are_never_dropped_and_a_cte_keeps_one_column():
    before, after = pruned("""
        WITH k0 AS (SELECT id, name, upper(name) AS loud, unnest([1, 2]) AS n FROM t),
             k1 AS (SELECT id, name FROM k0)
        SELECT count(*) AS c FROM k1""")
    # k1 keeps one column (a SELECT needs one), which k0 keeps; an UNNEST multiplies rows: kept, as is any
    # expression; name too, since a kept expression names it (DuckDB would read an alias of that name first)
    assert projections(after, "k0") == ["id", "name", "loud", "n"]
    assert projections(after, "k1") == ["id"]
    same_rows(before, after)


@pytest.mark.parametrize("body", [
    "SELECT DISTINCT id, name, tag FROM t",
    "SELECT id, name, tag FROM t GROUP BY ALL",
    "SELECT name, id, tag FROM t ORDER BY 2 LIMIT 2",
])
def test_distinct_grouped_and_positionally_ordered_ctes_keep_their_columns(body):
    before, after = pruned(f"WITH k0 AS ({body}) SELECT count(*) AS c, max(id) AS m FROM k0")
    assert projections(after, "k0") == projections(before, "k0")
    same_rows(before, after)


@pytest.mark.parametrize("consumer", [
    "SELECT * FROM k0",
    "SELECT * EXCLUDE (tag) FROM k0",
    "SELECT k0.* FROM k0",
    "SELECT to_json(k0) AS row_value FROM k0",
    "SELECT to_json(r) AS row_value FROM k0 AS r",
    "SELECT id FROM k0 NATURAL JOIN (SELECT 1 AS id) AS one",
    "SELECT id, n FROM (SELECT * FROM k0) AS inner_rows, (SELECT 1 AS n) AS one",
])
def test_a_cte_read_whole_keeps_every_column(consumer):
    before, after = pruned(f"WITH k0 AS (SELECT id, name, amount, tag FROM t) {consumer}")
    assert projections(after, "k0") == ["id", "name", "amount", "tag"]
    same_rows(before, after)


def test_names_count_in_any_role_and_letter_case():
    before, after = pruned("""
        WITH k0 AS (SELECT id, name AS Label, amount, tag, {'amount': amount} AS s FROM t),
             k1 AS (SELECT ID, s.amount AS a, LABEL FROM k0 WHERE TAG = 'x')
        SELECT id, a, label FROM k1""")
    assert projections(after, "k0") == ["id", "Label", "amount", "tag", "s"]  # amount: a struct field's name
    same_rows(before, after)


def test_an_alias_a_kept_projection_or_clause_names_stays():
    before, after = pruned("""
        WITH k0 AS (SELECT id, name AS n, amount AS a, tag, upper(n) AS loud FROM t WHERE a IS NOT NULL),
             k1 AS (SELECT id, loud FROM k0)
        SELECT id, loud FROM k1""")
    assert projections(after, "k0") == ["id", "n", "a", "loud"]
    same_rows(before, after)


def test_a_recursive_query_is_left_alone():
    sql = """WITH RECURSIVE k0 AS (SELECT 1 AS n, 'x' AS unused UNION ALL SELECT n + 1, unused FROM k0 WHERE n < 3)
             SELECT n FROM k0"""
    before, after = pruned(sql)
    assert after.sql("duckdb") == before.sql("duckdb")


def test_compiled_queries_list_only_the_columns_they_use():
    import pyarrow as pa

    rows = pa.table({"FileName": ["svchost.exe"], "ProcessCommandLine": ["svchost.exe -k netsvcs -p"],
                     "DeviceName": ["pc1"]})
    connection = kqlite.connect(tables={"DeviceProcessEvents": rows})
    sql = connection.explain('DeviceProcessEvents | where FileName =~ "svchost.exe" '
                             '| parse ProcessCommandLine with * "-k " Group " " * | summarize count() by Group').sql
    compiled = sqlglot.parse_one(sql, read="duckdb")
    # the table's view is read whole by the first step (`*`, which DuckDB prunes); after it, 3 columns of 70
    assert projections(compiled, "_k1") == ["ProcessCommandLine", "_x"]
    assert projections(compiled, "_k2") == ["Group"]
    assert connection.query("DeviceProcessEvents | where FileName =~ 'svchost.exe' | parse ProcessCommandLine with "
                            "* '-k ' Group ' ' * | summarize count() by Group").rows() == [("netsvcs", 1)]
