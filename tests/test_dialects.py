"""The dialect seam: every engine's SQL for the seed and representative queries (golden files), and the shape
tables kept consistent across engines.

Golden SQL lives in tests/golden/<name>.<dialect>.sql. A change to the compiler that changes a query's SQL
fails here until the files are rewritten with ``KQLITE_UPDATE_GOLDEN=1 pytest tests/test_dialects.py`` and
the diff is reviewed: on DuckDB, a change must be a fix (conformance and the benchmarks say so).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from kqlite.compile import compile_script
from kqlite.compile.catalog import Catalog
from kqlite.compile.dialects import ShapeUnavailable, dialect_named
from kqlite.compile.dialects.base import group_numbers
from kqlite.compile.scope import Column
from kqlite.schemas import known_tables, table_schema
from kqlite.syntax import parse

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2024, 5, 2, tzinfo=UTC)  # ago() and now() become constants: fixed, so the SQL is too
DIALECTS = ("duckdb", "spark")


def _queries() -> dict[str, str]:
    text = (GOLDEN / "queries.kql").read_text(encoding="utf-8")
    named = dict(re.findall(r"^// name: (\S+)\n(.+?)(?=^// name: |\Z)", text, flags=re.M | re.S))
    seed = (resources.files("kqlite") / "rules" / "remote_dcom_child_proc.kql").read_text(encoding="utf-8")
    return {"seed": seed, **{name: query.strip() for name, query in named.items()}}


QUERIES = _queries()


class _Schemas(Catalog):
    """Every bundled Defender table, read from a relation of its own name."""

    def __getitem__(self, name: str) -> list[Column]:
        schema = table_schema(name)
        if schema is None:
            raise KeyError(name)
        return [Column(column, kql_type) for column, kql_type in schema]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and table_schema(name) is not None

    def __iter__(self):
        return iter(known_tables())

    def __len__(self) -> int:
        return len(known_tables())


def compiled_sql(query: str, dialect: str) -> str:
    compiled = compile_script(parse(query), _Schemas(), now=NOW, dialect=dialect_named(dialect))
    return compiled.sql_text(pretty=True) + "\n"


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", list(QUERIES))
def test_golden_sql(name, dialect):
    path = GOLDEN / f"{name}.{dialect}.sql"
    sql = compiled_sql(QUERIES[name], dialect)
    if os.environ.get("KQLITE_UPDATE_GOLDEN"):
        path.write_text(sql, encoding="utf-8")
    assert path.exists(), f"no golden SQL yet for {name} on {dialect}: run with KQLITE_UPDATE_GOLDEN=1"
    assert sql == path.read_text(encoding="utf-8"), f"{name} on {dialect}: the SQL changed (see the module doc)"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_golden_sql_is_what_the_engine_parses(dialect):
    """The golden SQL reads back through SQLGlot's reader for the engine (no DuckDB-only syntax on Spark)."""
    read = dialect_named(dialect).sqlglot_dialect
    for name in QUERIES:
        sql = (GOLDEN / f"{name}.{dialect}.sql").read_text(encoding="utf-8")
        assert sqlglot.parse_one(sql, read=read) is not None, name


def test_spark_sql_has_no_duckdb_functions():
    duckdb_only = re.compile(r"\b(JSON_EXTRACT_STRING|LIST_FILTER|LIST_TRANSFORM|EPOCH_US|MAKE_TIMESTAMP|"
                             r"STRFTIME|REGEXP_MATCHES|STRING_SPLIT|TO_MICROSECONDS|LIST_POSITION)\s*\(", re.I)
    for name in QUERIES:
        sql = (GOLDEN / f"{name}.spark.sql").read_text(encoding="utf-8")
        assert not duckdb_only.search(sql), (name, duckdb_only.search(sql))


def _holes(text: str, dialect: str) -> set[str]:
    tree = sqlglot.parse_one(text, read=dialect_named(dialect).sqlglot_dialect)
    return {node.name for node in tree.find_all(exp.Placeholder)}


def test_every_shape_parses_and_takes_the_same_holes_on_every_engine():
    duck, spark = dialect_named("duckdb"), dialect_named("spark")
    for name, text in duck.SHAPES.items():
        holes = _holes(text, "duckdb")
        if spark.has_shape(name):
            assert _holes(spark.SHAPES[name], "spark") == holes, name
    extra = set(spark.SHAPES) - set(duck.SHAPES)
    assert extra <= {"text_to_dynamic", "value_to_dynamic"}, extra  # what only the Spark backend's views use


def test_every_shape_has_spark_sql_and_a_missing_one_is_refused_by_name():
    """A shape without an engine's SQL refuses the query by name (never a silent translation)."""
    assert set(dialect_named("duckdb").SHAPES) <= set(dialect_named("spark").SHAPES)
    with pytest.raises(ShapeUnavailable, match="spark backend cannot compute 'no_such_shape'"):
        dialect_named("spark").shape("no_such_shape")


def test_spark_group_numbers_skip_non_capturing_groups_classes_and_escapes():
    assert group_numbers(r"(?s)a(b)(?<g0>x[(]y)\((?:z)(?<g1>.*)(?<=q)") == {"g0": 2, "g1": 3}
    assert group_numbers(r"(?P<g0>.*)(\d+)(?P<g1>.*)") == {"g0": 1, "g1": 3}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_literals_are_nodes_never_pasted_text(dialect):
    """A value with quotes and backslashes reaches the engine intact: it is a literal node, escaped by the
    engine's printer."""
    query = "print s = 'it\\'s \\\\ \"quoted\"' | where s has 'it'"
    sql = compiled_sql(query, dialect)
    reparsed = sqlglot.parse_one(sql, read=dialect_named(dialect).sqlglot_dialect)
    strings = [lit.this for lit in reparsed.find_all(exp.Literal) if lit.is_string]
    assert "it's \\ \"quoted\"" in strings
