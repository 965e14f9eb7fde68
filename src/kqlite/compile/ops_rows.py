"""Row-order and row-count operators: sort, take, top, distinct, count, serialize, as, invoke.

Mixed into `kqlite.compile.compiler.Compiler`; every method compiles one operator onto a new CTE."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.defender_functions import PROFILE_TABLE, is_builtin
from kqlite.compile.env import Env, FunctionBinding, RelationBinding
from kqlite.compile.expressions import Typed
from kqlite.compile.scope import Column, Relation, col_ref, ident
from kqlite.syntax import ast

if TYPE_CHECKING:
    pass


DOTNET_TYPES = {
    "bool": "System.SByte", "int": "System.Int32", "long": "System.Int64", "real": "System.Double",
    "decimal": "System.Data.SqlTypes.SqlDecimal", "string": "System.String", "datetime": "System.DateTime",
    "timespan": "System.TimeSpan", "dynamic": "System.Object", "guid": "System.Guid",
}


class RowOperators:
    def sort_spec(self, keys: list[ast.SortKey], rel: Relation, env: Env) -> tuple[list[exp.Ordered], list | None]:
        c = self.exprs(env, rel)
        ordered, order = [], []
        for key in keys:
            typed = c.compile(key.expr)
            nulls_first = key.nulls_first if key.nulls_first is not None else not key.descending
            value = typed.sql
            if typed.type == "dynamic":
                raise self.semantic("cannot sort by a dynamic value", key.expr.pos, "convert it, e.g. tolong(x)")
            ordered.append(self.ordered(value, key.descending, nulls_first))
            if isinstance(key.expr, ast.Name) and rel.column(key.expr.name) is not None and order is not None:
                order.append((key.expr.name, key.descending, nulls_first))
            else:
                order = None
        return ordered, order

    def op_Sort(self, op: ast.Sort, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("sort by")
        ordered, order = self.sort_spec(op.keys, rel, env)
        select = self.select_from(rel).select(*self.same_columns(rel), copy=False).order_by(*ordered, copy=False)
        out = self.step(select, rel.columns, rel)
        out.order = order
        out.serialized = True
        return out

    def op_Take(self, op: ast.Take, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("take")
        count = self.exprs(env, None).compile(op.count)
        if count.type not in ("long", "int"):
            raise self.semantic("take needs a whole number of rows", op.pos)
        select = self.select_from(rel).select(*self.same_columns(rel), copy=False)
        if rel.order:
            select = select.order_by(*[self.ordered(col_ref(n), d, nf) for n, d, nf in rel.order], copy=False)
        if self.apply_key:
            return self.limit_per_key(rel, [self.ordered(col_ref(n), d, nf) for n, d, nf in rel.order or []], count.sql)
        select = select.limit(sb.whole_number(count), copy=False)
        return self.step(select, rel.columns, rel, keep_order=True)

    def op_Top(self, op: ast.Top, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("top")
        ordered, order = self.sort_spec([op.key], rel, env)
        count = self.exprs(env, None).compile(op.count)
        if self.apply_key:
            return self.limit_per_key(rel, ordered, count.sql)
        select = self.select_from(rel).select(*self.same_columns(rel), copy=False).order_by(*ordered, copy=False).limit(sb.whole_number(count), copy=False)
        out = self.step(select, rel.columns, rel)
        out.order = order
        return out

    def limit_per_key(self, rel: Relation, ordered: list[exp.Ordered], count: exp.Expression) -> Relation:
        """take/top inside mv-apply: the first rows of each input row's group, not of the whole table."""
        if not ordered and self.dialect.window_needs_order:  # any rows will do: the first ones read
            ordered = [exp.Ordered(this=self.dialect.shape("input_order"))]
        window = exp.Window(this=exp.RowNumber(), partition_by=[col_ref(self.apply_key)],
                            order=exp.Order(expressions=ordered) if ordered else None)
        select = self.select_from(rel).select(*self.same_columns(rel), copy=False)
        select.set("qualify", exp.Qualify(this=exp.LTE(this=window, expression=count)))
        return self.step(select, rel.columns)

    def op_Sample(self, op: ast.Sample, rel: Relation, env: Env) -> Relation:
        """`sample N`: N rows picked at random; `sample-distinct N of Column`: N of its distinct values."""
        self.operators_used.append("sample" if op.column is None else "sample-distinct")
        count = self.exprs(env, None).compile(op.count)
        if count.type not in ("long", "int"):
            raise self.semantic("sample needs a whole number of rows", op.pos)
        if op.column is not None:
            if rel.column(op.column.name) is None:
                raise self.semantic(f"sample-distinct: no column '{op.column.name}'", op.column.pos)
            rel = self.op_Distinct(ast.Distinct(op.pos, [ast.NamedExpr(None, op.column)]), rel, env)
        at_random = [exp.Ordered(this=exp.Rand())]
        if self.apply_key:  # engines refuse a volatile window order: draw the numbers a step earlier
            drawn = self.step(self.select_from(rel).select(*[col_ref(c.name) for c in rel.columns],
                                                           exp.alias_(exp.Rand(), "_sample", quoted=True), copy=False),
                              rel.columns)
            drawn.exact = False
            return self.limit_per_key(drawn, [exp.Ordered(this=col_ref("_sample"))], count.sql)
        select = self.select_from(rel).select(*self.same_columns(rel), copy=False)
        select = select.order_by(*at_random, copy=False).limit(sb.whole_number(count), copy=False)
        return self.step(select, rel.columns)

    def op_TopHitters(self, op: ast.TopHitters, rel: Relation, env: Env) -> Relation:
        """The N values of a column seen most often (or with the largest sum of a weight), largest first; exact
        counts where Kusto's are approximate."""
        self.operators_used.append("top-hitters")
        if rel.column(op.column.name) is None:
            raise self.semantic(f"top-hitters: no column '{op.column.name}'", op.column.pos)
        if op.weight is None:
            name, aggregate = f"approximate_count_{op.column.name}", ast.Call(op.pos, "count", [])
        else:
            weight_name = op.weight.name if isinstance(op.weight, ast.Name) else ""
            name, aggregate = f"approximate_sum_{weight_name}", ast.Call(op.pos, "sum", [op.weight])
        summarize = ast.Summarize(op.pos, [ast.NamedExpr(name, aggregate)], [ast.NamedExpr(None, op.column)])
        counted = self.op_Summarize(summarize, rel, env)
        return self.op_Top(ast.Top(op.pos, op.count, ast.SortKey(ast.Name(op.pos, name), True, None)),
                           counted, env)

    def op_Distinct(self, op: ast.Distinct, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("distinct")
        if op.items is None:
            select = self.select_from(rel).select(*self.same_columns(rel), copy=False).distinct(copy=False)
            return self.step(select, rel.columns)
        items = self.named_items(op.items, rel, env, "distinct")
        if self.apply_key and all(name != self.apply_key for name, _, _ in items):  # per partition
            items = [(self.apply_key, Typed(col_ref(self.apply_key), "long", self.apply_key), op.pos), *items]
        columns = [Column(name, t.type) for name, t, _ in items]
        select = self.select_from(rel).select(*[exp.alias_(t.sql, name, quoted=True) for name, t, _ in items], copy=False).distinct(copy=False)
        return self.step(select, columns)

    def op_Count(self, op: ast.Count, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("count")
        select = self.select_from(rel).select(exp.alias_(exp.Count(this=exp.Star()), "Count", quoted=True), copy=False)
        if self.apply_key:  # per partition
            select = select.select(col_ref(self.apply_key), copy=False).group_by(col_ref(self.apply_key), copy=False)
            return self.step(select, [Column("Count", "long"), Column(self.apply_key, "long")])
        return self.step(select, [Column("Count", "long")])

    def op_Invoke(self, op: ast.Invoke, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("invoke")
        binding = env.lookup(op.call.name)
        if not isinstance(binding, FunctionBinding):
            raise self.semantic(f"'{op.call.name}' is not a function defined with let", op.call.pos)
        call = op.call
        if is_builtin(binding) and binding.name == "FileProfile":
            call = self.file_profile_call(call, rel)
        inner = self.function_env(binding, call, env, rel)
        return self.builtin_quietly(binding, lambda: self.function_body_tabular(binding, inner, op.call.pos))

    def file_profile_call(self, call: ast.Call, rel: Relation) -> ast.Call:
        """FileProfile() names its hash column bare or quoted (`FileProfile(SHA256, 500)`): pass the name."""
        args = list(call.args)
        if args and isinstance(args[0], ast.Name) and rel.column(args[0].name) is not None:
            args[0] = ast.Literal(args[0].pos, "string", args[0].name)
        if PROFILE_TABLE not in self.catalog.populated():
            self.notes.append(f"FileProfile(): no {PROFILE_TABLE} table is attached, so the file profile columns "
                              f"are empty; attach file profiles as table {PROFILE_TABLE} (--table "
                              f"{PROFILE_TABLE}=PATH, or a {PROFILE_TABLE}.csv/.parquet in --data)")
        return ast.Call(call.pos, call.name, args)

    def op_GetSchema(self, op: ast.GetSchema, rel: Relation, env: Env) -> Relation:
        """One row per column: name, position, .NET type name (as Kusto reports it) and KQL type."""
        self.operators_used.append("getschema")
        columns = [Column("ColumnName", "string"), Column("ColumnOrdinal", "long"), Column("DataType", "string"),
                   Column("ColumnType", "string")]
        rows = [exp.Tuple(expressions=[sb.string(col.name), sb.literal("long", i), sb.string(DOTNET_TYPES[col.type]),
                                       sb.string(col.type)]) for i, col in enumerate(rel.columns)]
        if not rows:
            return self.step(exp.Select().select(*[exp.alias_(sb.null(c.type), c.name, quoted=True) for c in columns], copy=False)
                             .where(exp.false(), copy=False), columns)
        values = exp.Values(expressions=rows, alias=exp.TableAlias(this=ident("_v"), columns=[ident(c.name) for c in columns]))
        select = exp.Select().select(*[col_ref(c.name) for c in columns], copy=False).from_(values, copy=False)
        out = self.step(select, columns)
        out.order = [("ColumnOrdinal", False, True)]
        return out

    def op_Render(self, op: ast.Render, rel: Relation, env: Env) -> Relation:
        return rel

    def op_As(self, op: ast.As, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("as")
        env.bindings[op.name] = RelationBinding(Relation(rel.source, rel.columns, rel.order, rel.serialized, op.name))
        return Relation(rel.source, rel.columns, rel.order, rel.serialized, op.name)

    def op_Serialize(self, op: ast.Serialize, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("serialize")
        serialized = Relation(rel.source, rel.columns, rel.order, True, rel.name_hint)
        out = self.op_Extend(ast.Extend(op.pos, op.items), serialized, env) if op.items else serialized
        out.serialized = True
        return out
