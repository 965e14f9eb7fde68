"""Reshaping plugins. evaluate pivot(): one output column per value of a column, read from the data first (like
bag_unpack); evaluate narrow(): one row per cell (Row, Column, Value as text).

`T | evaluate pivot(PivotColumn [, Aggregate(Column)] [, Column1, ...])`: the rows grouped by the listed columns
(by default every column but the pivot column and the aggregated one), with, for each distinct value of the
pivot column in first-seen order, the aggregate over the group's rows having that value (`count()` by default).
It compiles to a summarize of `<aggregate>if(..., tostring(PivotColumn) == "value")` per value.
"""

from __future__ import annotations

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.env import Env
from kqlite.compile.scope import Column, Relation, col_ref, unique_name
from kqlite.syntax import ast

# the aggregates pivot takes (Kusto's documented list) -> their conditional form
_CONDITIONAL = {
    "count": "countif", "sum": "sumif", "min": "minif", "max": "maxif", "avg": "avgif", "dcount": "dcountif",
    "stdev": "stdevif", "variance": "varianceif", "make_list": "make_list_if", "make_set": "make_set_if",
    "make_bag": "make_bag_if", "take_any": "take_anyif",
}


class PivotOperators:
    def pivot(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        if not plugin.args or not isinstance(plugin.args[0], ast.Name) or rel.column(plugin.args[0].name) is None:
            raise self.semantic("pivot() needs the column to pivot as its first argument", plugin.pos)
        pivot = plugin.args[0]
        rest = list(plugin.args[1:])
        aggregate = ast.Call(plugin.pos, "count", [])
        if rest and isinstance(rest[0], ast.Call):
            aggregate = rest.pop(0)
        if aggregate.name not in _CONDITIONAL:
            raise self.semantic(f"pivot() cannot aggregate with {aggregate.name}()", aggregate.pos,
                                "use one of " + ", ".join(f"{name}()" for name in _CONDITIONAL))
        if any(not isinstance(arg, ast.Name) or rel.column(arg.name) is None for arg in rest):
            raise self.semantic("pivot()'s arguments after the aggregate are column names", plugin.pos)
        used = {pivot.name} | {arg.name for arg in aggregate.args if isinstance(arg, ast.Name)}
        by = [arg.name for arg in rest] or [c.name for c in rel.columns if c.name not in used]
        if self.probe is None:
            raise self.unsupported("pivot() without data to read the values from", plugin.pos)
        values = self.pivot_values(pivot, rel, env)
        text = ast.Call(pivot.pos, "tostring", [pivot])
        taken = set(by)
        aggregates = []
        for value in values:
            name = unique_name(value or "Column1", taken)
            taken.add(name)
            test = ast.Binary(pivot.pos, "==", text, ast.Literal(pivot.pos, "string", value))
            call = ast.Call(aggregate.pos, _CONDITIONAL[aggregate.name], [*aggregate.args, test])
            aggregates.append(ast.NamedExpr(name, call))
        if not aggregates:  # no rows: the groups alone
            aggregates.append(ast.NamedExpr("__pivot_none", ast.Call(aggregate.pos, "count", [])))
        summarize = ast.Summarize(plugin.pos, aggregates, [ast.NamedExpr(None, ast.Name(plugin.pos, n)) for n in by])
        out = self.op_Summarize(summarize, rel, env)
        if not values:
            out = self.keep_columns(out, [c for c in out.columns if c.name != "__pivot_none"])
        return out

    def pivot_values(self, pivot: ast.Name, rel: Relation, env: Env) -> list[str]:
        """The pivot column's distinct values as text, in the order they first appear."""
        c = self.exprs(env, rel)
        text = self.functions.convert(c, c.compile(pivot), "string").sql
        numbered = exp.Select().select(exp.alias_(text, "v", quoted=True),
                                       exp.alias_(self.dialect.shape("input_order"), "o", quoted=True), copy=False)
        numbered = numbered.from_(rel.source.copy(), copy=False)
        first = exp.Select().select(col_ref("v"), exp.alias_(exp.Min(this=col_ref("o")), "o", quoted=True), copy=False)
        first = first.from_(exp.Subquery(this=numbered, alias=exp.TableAlias(this=exp.to_identifier("_n"))), copy=False)
        first = first.group_by(col_ref("v"), copy=False)
        select = exp.Select().select(col_ref("v"), copy=False).from_(
            exp.Subquery(this=first, alias=exp.TableAlias(this=exp.to_identifier("_f"))), copy=False)
        select = select.order_by(col_ref("o"), copy=False)
        select = self.with_ctes(select)
        return [row[0] for row in self.probe(select)]

    def narrow(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        """Every cell as a row: its row's number from 0 (input order), its column's name, its value as text;
        row by row, columns in order."""
        if plugin.args:
            raise self.semantic("narrow() takes no arguments", plugin.pos)
        order = exp.Order(expressions=[exp.Ordered(this=self.dialect.shape("input_order"))]) \
            if self.dialect.window_needs_order else None
        number = exp.Sub(this=exp.Window(this=exp.RowNumber(), order=order), expression=exp.Literal.number(1))
        numbered = self.step(self.select_from(rel).select(*[col_ref(c.name) for c in rel.columns],
                                                          exp.alias_(sb.cast(number, "long"), "_row", quoted=True),
                                                          copy=False), rel.columns)
        numbered.exact = False
        c = self.exprs(env, numbered)
        columns = [Column("Row", "long"), Column("Column", "string"), Column("Value", "string")]
        if not rel.columns:
            empty = exp.Select().select(*[exp.alias_(sb.null(col.type), col.name, quoted=True) for col in columns],
                                        copy=False).where(exp.false(), copy=False)
            return self.step(empty, columns)
        legs = []
        for index, col in enumerate(rel.columns):
            text = self.functions.to_string(c.compile(ast.Name(plugin.pos, col.name))).sql
            legs.append(self.select_from(numbered).select(
                exp.alias_(col_ref("_row"), "Row", quoted=True), exp.alias_(sb.string(col.name), "Column", quoted=True),
                exp.alias_(text, "Value", quoted=True), exp.alias_(exp.Literal.number(index), "_col", quoted=True),
                copy=False))
        union = legs[0]
        for leg in legs[1:]:
            union = exp.Union(this=union, expression=leg, distinct=False)
        cells = self.step(union, columns + [Column("_col", "long")])
        select = self.select_from(cells).select(*[col_ref(col.name) for col in columns], copy=False)
        out = self.step(select.order_by(col_ref("Row"), col_ref("_col"), copy=False), columns)
        out.order = [("Row", False, True)]
        return out
