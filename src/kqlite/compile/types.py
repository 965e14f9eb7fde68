"""KQL scalar types and their DuckDB storage types.

timespan is stored as BIGINT 100 ns ticks (exact arithmetic, as in Kusto); datetime as BIGINT ticks since
0001-01-01 UTC (Kusto's 100 ns precision over years 1-9999; engine timestamps only inside calendar shapes);
dynamic as JSON; strings are VARCHAR and never NULL (missing strings are '').
"""

from __future__ import annotations

from functools import cache

from sqlglot import exp

KQL_TYPES = ("bool", "int", "long", "real", "decimal", "string", "datetime", "timespan", "dynamic", "guid")

_ALIASES = {
    "boolean": "bool", "int32": "int", "int64": "long", "double": "real", "float": "real", "date": "datetime",
    "time": "timespan", "uniqueid": "guid", "object": "dynamic",
}

SQL_TYPES = {
    "bool": "BOOLEAN",
    "int": "INTEGER",
    "long": "BIGINT",
    "real": "DOUBLE",
    "decimal": "DECIMAL(38, 18)",
    "string": "VARCHAR",
    "datetime": "BIGINT",
    "timespan": "BIGINT",
    "dynamic": "JSON",
    "guid": "UUID",
}

NUMERIC = ("int", "long", "real", "decimal")


def normalize_type(name: str) -> str | None:
    """The canonical KQL type for a type name or alias, or None when it is not a type."""
    name = _ALIASES.get(name, name)
    return name if name in KQL_TYPES else None


def sql_type(kql_type: str) -> exp.DataType:
    return _parsed_sql_type(kql_type).copy()  # a copy: the caller puts it in a tree of its own


@cache
def _parsed_sql_type(kql_type: str) -> exp.DataType:
    return exp.DataType.build(SQL_TYPES[kql_type], dialect="duckdb")


def numeric_result(a: str, b: str) -> str:
    """Type of arithmetic on two numeric types (int op int is int, anything with real is real)."""
    for wider in ("real", "decimal", "long", "int"):
        if wider in (a, b):
            return wider
    return "long"


def widest_number(*types: str) -> str:
    """The type Kusto gives bin(), bin_at(), max_of() and min_of() of numbers: the widest of them, decimal
    over real over long over int."""
    for wider in ("decimal", "real", "long", "int"):
        if wider in types:
            return wider
    return "long"
