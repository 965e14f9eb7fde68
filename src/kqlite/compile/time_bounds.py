"""Row-group pruning for time filters: a filter on a datetime column also bounds the stored timestamp.

A table's datetime column is Kusto's ticks, computed in the table's view from the stored timestamp; the scan
cannot prune row groups with a filter on the computed value. Where the view also carries the stored value
(a hidden column, `Catalog.time_bounds`), `where Timestamp > ago(7d)` gets a second, weaker condition on it
(`stored >= the microsecond the bound falls in`), implied by the first, which stays: same rows, fewer read."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.scope import Relation, col_ref
from kqlite.errors import KqlError
from kqlite.syntax import ast
from kqlite.ticks import UNIX_EPOCH_TICKS, datetime_ticks

if TYPE_CHECKING:
    from kqlite.compile.compiler import Compiler
    from kqlite.compile.env import Env

_FLIPPED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "=="}


def bound_hints(compiler: Compiler, predicate: ast.Expr, rel: Relation, env: Env) -> list[exp.Expression]:
    """Conditions on the hidden stored timestamps implied by the predicate's comparisons of a datetime column
    with a constant (in its top-level `and`s)."""
    hints: list[exp.Expression] = []
    for column, op, value in _comparisons(predicate):
        bound = rel.time_bounds.get(column)
        ticks = _constant_ticks(compiler, value, env) if bound is not None else None
        if bound is None or ticks is None:
            continue
        hidden, sql_type = bound
        tenths = ticks - UNIX_EPOCH_TICKS  # ticks since 1970; the stored value is whole microseconds
        if op in (">", ">=", "=="):
            hints.append(exp.GTE(this=col_ref(hidden), expression=_stored(compiler, tenths // 10, sql_type)))
        if op in ("<", "<=", "=="):
            hints.append(exp.LTE(this=col_ref(hidden), expression=_stored(compiler, -(-tenths // 10), sql_type)))
    return hints


def _stored(compiler: Compiler, micros: int, sql_type: str) -> exp.Expression:
    """The stored type's constant for microseconds since 1970."""
    value = compiler.dialect.shape("timestamp_of_unix_micros", n=sb.number(micros))
    return exp.Cast(this=value, to=exp.DataType.build(sql_type, dialect=compiler.dialect.sqlglot_dialect))


def _comparisons(predicate: ast.Expr):
    """(column, operator, other side) of each top-level conjunct that compares a bare column."""
    if isinstance(predicate, ast.Binary) and predicate.op == "and":
        yield from _comparisons(predicate.left)
        yield from _comparisons(predicate.right)
    elif isinstance(predicate, ast.Binary) and predicate.op in _FLIPPED:
        if isinstance(predicate.left, ast.Name):
            yield predicate.left.name, predicate.op, predicate.right
        elif isinstance(predicate.right, ast.Name):
            yield predicate.right.name, _FLIPPED[predicate.op], predicate.left
    elif isinstance(predicate, ast.Between) and not predicate.negated and isinstance(predicate.left, ast.Name):
        yield predicate.left.name, ">=", predicate.low
        yield predicate.left.name, "<=", predicate.high


def _constant_ticks(compiler: Compiler, node: ast.Expr, env: Env) -> int | None:
    """The ticks of a constant datetime expression (a literal, ago(...), a let of one); None otherwise."""
    try:
        typed = compiler.exprs(env, None).compile(node)
    except KqlError:
        return None
    if typed.type != "datetime":
        return None
    if typed.is_const and isinstance(typed.const, datetime):
        return datetime_ticks(typed.const)
    sql = typed.sql
    if isinstance(sql, exp.Cast) and isinstance(sql.this, exp.Literal) and not sql.this.is_string:
        return int(sql.this.this)
    return None
