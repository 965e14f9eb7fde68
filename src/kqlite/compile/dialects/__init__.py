"""SQL dialects: what the compiler needs from an engine, written once per engine.

The compiler builds engine-neutral SQLGlot trees wherever a typed node means the same on every engine
(`exp.Lower`, `exp.Coalesce`, comparisons, CASE...). Where engines differ (JSON, lists, regex rewrite
syntax, datetime arithmetic, window ordering), builders ask the dialect for a named *shape*: a small
SQL expression with `:name` holes that each dialect writes in its own SQL, parsed with its own reader.
A shape one engine lacks is an error that names the shape and the engine, never a silent translation.

Capability flags say what an engine's SQL can express (materialized CTEs, windows without an order).
The model is SQLGlot's own dialect tables: data per engine, one code path for the compiler.
"""

from __future__ import annotations

from functools import cache

from kqlite.compile.dialects.base import Dialect, ShapeUnavailable
from kqlite.compile.dialects.duckdb import DuckDB

__all__ = ["Dialect", "DuckDB", "ShapeUnavailable", "dialect_named"]


@cache
def dialect_named(name: str) -> Dialect:
    """The dialect object for an engine name ("duckdb", "spark")."""
    if name == "duckdb":
        return DuckDB()
    if name == "spark":
        from kqlite.compile.dialects.spark import Spark

        return Spark()
    raise ValueError(f"unknown SQL dialect {name!r}: kqlite speaks 'duckdb' and 'spark'")
