"""Small helpers to build SQLGlot trees. Literals are SQLGlot nodes, never pasted into SQL text."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import Any

import sqlglot
from sqlglot import exp

from kqlite.compile.types import sql_type
from kqlite.ticks import datetime_ticks


@cache
def _parsed_template(template: str) -> exp.Expression:
    return sqlglot.parse_one(template, read="duckdb")


def tmpl(template: str, **parts: exp.Expression) -> exp.Expression:
    """Instantiate DuckDB SQL text whose holes are `:name` (or `$name`) placeholders with the given nodes.

    For the DuckDB backend's own SQL (attaching data); the compiler asks its dialect for shapes instead
    (`kqlite.compile.dialects`). The text is fixed code; only SQLGlot nodes are substituted, so no value is
    ever pasted.
    """
    return fill_holes(_parsed_template(template).copy(), parts)


def fill_holes(tree: exp.Expression, parts: dict[str, exp.Expression]) -> exp.Expression:
    """Replace the `:name` placeholders of a (copied) tree by copies of the given nodes."""

    def fill(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder) and node.name in parts:
            return _grouped(parts[node.name].copy())
        return node

    return tree.transform(fill, copy=False)


# Nodes that print as one unit; anything else (a + b, NOT x, x IS NULL ...) is parenthesised when it fills
# a hole, so that `:v // 10` with v = a + b means (a + b) // 10.
_ATOMIC = (exp.Column, exp.Literal, exp.Paren, exp.Func, exp.Cast, exp.Case, exp.Null, exp.Boolean, exp.Subquery,
           exp.Window, exp.Dot, exp.Identifier, exp.Star, exp.Array, exp.Struct, exp.Bracket, exp.Table)


def _grouped(node: exp.Expression) -> exp.Expression:
    return node if isinstance(node, _ATOMIC) else exp.Paren(this=node)


def fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def cast(node: exp.Expression, kql_type: str) -> exp.Expression:
    return exp.Cast(this=node, to=sql_type(kql_type))


def try_cast(node: exp.Expression, kql_type: str) -> exp.Expression:
    return exp.TryCast(this=node, to=sql_type(kql_type))


def string(value: str) -> exp.Expression:
    return exp.Literal.string(value)


def number(value: int | float) -> exp.Expression:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        text = "nan" if value != value else ("inf" if value > 0 else "-inf")
        return exp.Cast(this=exp.Literal.string(text), to=sql_type("real"))
    if value < 0:
        return exp.Neg(this=exp.Literal.number(-value))
    return exp.Literal.number(value)


def null(kql_type: str) -> exp.Expression:
    return exp.Cast(this=exp.Null(), to=sql_type(kql_type))


def missing(kql_type: str) -> exp.Expression:
    """Kusto's value where there is none (a column a row lacks): '' for a string (never null), else null."""
    return string("") if kql_type == "string" else null(kql_type)


def literal(kql_type: str, value: object) -> exp.Expression:
    """A KQL literal as a typed SQL constant."""
    if value is None:
        return null(kql_type)
    if kql_type == "string":
        return string(str(value))
    if kql_type == "bool":
        return exp.Boolean(this=bool(value))
    if kql_type in ("long", "int", "timespan"):
        return cast(number(int(value)), kql_type)  # type: ignore[call-overload]
    if kql_type == "real":
        return cast(number(float(value)), "real")  # type: ignore[arg-type]
    if kql_type == "decimal":
        return cast(string(str(value)), "decimal")
    if kql_type == "datetime":  # Kusto's ticks: 100 ns since 0001-01-01 UTC
        assert isinstance(value, datetime)
        return cast(number(datetime_ticks(value)), "datetime")
    if kql_type == "dynamic":
        return cast(string(json.dumps(value, separators=(",", ":"))), "dynamic")
    if kql_type == "guid":
        return cast(string(str(value)), "guid")
    raise ValueError(kql_type)


def whole_number(value: Any) -> exp.Expression:
    """A count or offset: a plain integer literal when it is a constant (engines want one in LIMIT and lag()),
    else the expression. `value` is a compiled `Typed`."""
    if value.is_const and isinstance(value.const, int) and not isinstance(value.const, bool) and value.const >= 0:
        return exp.Literal.number(value.const)
    return value.sql


def coalesce(*args: exp.Expression) -> exp.Expression:
    return exp.Coalesce(this=args[0], expressions=list(args[1:]))


def concat(parts: list[exp.Expression]) -> exp.Expression:
    """Text concatenation (||) of the parts; '' for none."""
    if not parts:
        return string("")
    result = parts[0]
    for part in parts[1:]:
        result = exp.DPipe(this=result, expression=part, safe=True)
    return result
