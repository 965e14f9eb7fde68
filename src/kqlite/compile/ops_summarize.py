"""Aggregating operators: summarize and make-series.

Mixed into `kqlite.compile.compiler.Compiler`; every method compiles one operator onto a new CTE."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.env import Env
from kqlite.compile.expressions import Typed
from kqlite.compile.scope import Column, Relation, col_ref, ident, unique_name
from kqlite.errors import KqlUnsupportedError
from kqlite.syntax import ast

if TYPE_CHECKING:
    from kqlite.compile.aggregates import AggColumn


class SummarizeOperators:
    # ------------------------------------------------------------ summarize

    def op_Summarize(self, op: ast.Summarize, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("summarize")
        c = self.exprs(env, rel)
        taken: set[str] = set()
        group_exprs, group_cols = [], []
        by_items = list(op.by)
        if self.apply_key:
            by_items.insert(0, ast.NamedExpr(self.apply_key, ast.Name(op.pos, self.apply_key)))
        for item in by_items:
            typed = c.compile(item.expr)
            name = item.name or typed.name
            if name is None:
                name = "Column1"
            if typed.type == "dynamic":
                raise self.semantic("summarize cannot group by a dynamic value", item.expr.pos,
                                    "convert it first, e.g. by tostring(...)")
            name = unique_name(name, taken)
            taken.add(name)
            group_exprs.append(typed.sql)
            group_cols.append(Column(name, typed.type))
        by_names = {col.name for col in group_cols}
        agg_cols = []
        lifted: list[tuple[str, AggColumn]] = []  # aggregates inside expressions, computed as hidden columns
        expression_items: list[tuple[str, ast.Expr]] = []
        order: list[tuple[str, int]] = []  # output columns in argument order: ("agg", i) or ("expr", i)
        unnamed = 0
        for item in op.aggregates:
            expr = item.expr
            if not self.is_aggregate_call(expr, env):
                # an expression over aggregates, e.g. countif(x) * 100.0 / count()
                by_refs = {col.name: f"_g{i}" for i, col in enumerate(group_cols)}
                rewritten = self.lift_aggregates(expr, c, by_names, by_refs, lifted, env)
                if not lifted or rewritten is expr:
                    if isinstance(expr, ast.Call) and expr.name not in self.functions.table \
                            and env.lookup(expr.name) is None:
                        raise KqlUnsupportedError(f"aggregate {expr.name}() is not supported by kqlite yet", self.text,
                                                  expr.pos, "rewrite the query without it, or open an issue with it")
                    raise self.semantic("summarize needs aggregate functions (count(), sum(x), ...)", expr.pos)
                unnamed += item.name is None
                name = unique_name(item.name or f"Column{unnamed}", taken)
                taken.add(name)
                expression_items.append((name, rewritten))
                order.append(("expr", len(expression_items) - 1))
                continue
            outputs = self.aggregates.build(c, expr, by_names)
            if item.name is not None:
                outputs[0].name = item.name
            if item.names:
                for output, name in zip(outputs, item.names, strict=False):
                    output.name = name
            for output in outputs:
                output.name = unique_name(output.name, taken)
                taken.add(output.name)
                order.append(("agg", len(agg_cols)))
                agg_cols.append(output)
        separate = {i: col for i, col in enumerate(agg_cols) if col.distinct is not None}
        if separate:  # make_set: its own two aggregations over the rows numbered in input order
            # the hidden columns stay: the expressions compiled above may read them (Relation.bag_entries)
            rel = self.step(self.select_from(rel).select(*[col_ref(col.name) for col in rel.columns],
                                                         *[col_ref(name) for name in rel.hidden_names()],
                                                         exp.alias_(self.dialect.shape("input_order"), "_pos", quoted=True),
                                                         copy=False), rel.columns)
            rel.exact = False
        inner_proj = [exp.alias_(e, f"_g{i}", quoted=True) for i, e in enumerate(group_exprs)]
        hidden_for = {}
        current_hidden = None
        for i, col in enumerate(agg_cols):
            if i in separate:
                continue
            if col.sql is not None:
                current_hidden = f"_a{i}"
                inner_proj.append(exp.alias_(col.sql, current_hidden, quoted=True))
            hidden_for[i] = current_hidden
        for hidden, col in lifted:
            inner_proj.append(exp.alias_(col.sql, hidden, quoted=True))
        if not inner_proj:  # only make_set, no keys: still one row for the whole input
            inner_proj.append(exp.alias_(exp.Count(this=exp.Star()), "_n", quoted=True))
        select = self.select_from(rel).select(*inner_proj, copy=False)
        if group_exprs:
            select = select.group_by(*[exp.Literal.number(i + 1) for i in range(len(group_exprs))], copy=False)
        grouped_columns = [Column(f"_g{i}", col.type) for i, col in enumerate(group_cols)]
        grouped_columns += [Column(hidden, col.type) for hidden, col in lifted]
        grouped = self.step(select, grouped_columns)
        outer = [exp.alias_(col_ref(f"_g{i}"), col.name, quoted=True) for i, col in enumerate(group_cols)]
        columns = list(group_cols)
        over_groups = self.exprs(env, grouped)
        joins = {i: self.distinct_values(rel, group_exprs, group_cols, col.distinct, f"_s{i}")
                 for i, col in separate.items()}
        for kind, i in order:
            if kind == "agg":
                col = agg_cols[i]
                if i in joins:
                    values = col_ref(f"_s{i}_v")
                    if col.distinct.limit is not None:
                        values = self.dialect.shape("list_head", a=values, n=col.distinct.limit)
                    value = sb.coalesce(self.dialect.call("to_json", [values]), sb.literal("dynamic", []))
                    outer.append(exp.alias_(value, col.name, quoted=True))
                    columns.append(Column(col.name, col.type))
                    continue
                ref = col_ref(hidden_for[i])
                value = col.post(ref) if col.post else ref
                if col.post_over is not None:
                    value = col.post_over(over_groups, ref)
                outer.append(exp.alias_(value, col.name, quoted=True))
                columns.append(Column(col.name, col.type))
            else:
                name, rewritten = expression_items[i]
                typed = over_groups.compile(rewritten)
                outer.append(exp.alias_(typed.sql, name, quoted=True))
                columns.append(Column(name, typed.type))
        final = self.select_from(grouped).select(*outer, copy=False)
        for i, values in joins.items():
            on = exp.and_(*[exp.NullSafeEQ(this=col_ref(f"_g{k}"), expression=col_ref(f"_s{i}_g{k}"))
                            for k in range(len(group_exprs))]) if group_exprs else exp.true()
            final = final.join(values, on=on, join_type="left", copy=False)
        return self.step(final, columns)

    def distinct_values(self, rel: Relation, group_exprs: list[exp.Expression], group_cols: list[Column], plan,
                        prefix: str) -> exp.Table:
        """make_set's values per group (see aggregates.DistinctValues), as a relation of the group keys
        (`<prefix>_g<k>`) and the list (`<prefix>_v`)."""
        keys = [exp.alias_(e.copy(), f"_g{k}", quoted=True) for k, e in enumerate(group_exprs)]
        value = plan.value
        where = exp.Not(this=exp.Is(this=value.sql.copy(), expression=exp.Null()))
        if plan.where is not None:
            where = exp.and_(where, plan.where.copy())
        first = self.select_from(rel).select(*keys, exp.alias_(value.sql.copy(), "_v", quoted=True),
                                             exp.alias_(exp.Min(this=col_ref("_pos")), "_p", quoted=True), copy=False)
        first = first.where(where, copy=False).group_by(*[exp.Literal.number(k + 1) for k in range(len(keys) + 1)],
                                                         copy=False)
        firsts = self.step(first, [Column(f"_g{k}", col.type) for k, col in enumerate(group_cols)]
                           + [Column("_v", value.type), Column("_p", "long")])
        as_json = self.functions.json_of(Typed(col_ref("_v"), value.type))
        listed = self.dialect.shape("list_in_order", v=as_json, p=col_ref("_p"))
        second = self.select_from(firsts).select(*[exp.alias_(col_ref(f"_g{k}"), f"{prefix}_g{k}", quoted=True)
                                                   for k in range(len(keys))],
                                                 exp.alias_(listed, f"{prefix}_v", quoted=True), copy=False)
        if keys:
            second = second.group_by(*[exp.Literal.number(k + 1) for k in range(len(keys))], copy=False)
        return self.step(second, [Column(f"{prefix}_g{k}", col.type) for k, col in enumerate(group_cols)]
                         + [Column(f"{prefix}_v", "dynamic")]).source

    def is_aggregate_call(self, node: ast.Expr, env: Env) -> bool:
        """A call of a built-in aggregate (a let-defined function of the same name shadows it)."""
        return isinstance(node, ast.Call) and node.name in self.aggregates.table and env.lookup(node.name) is None

    def lift_aggregates(self, node: ast.Expr, c, by_names: set[str], by_refs: dict[str, str],
                        lifted: list, env: Env) -> ast.Expr:
        """`node` with each aggregate call replaced by a hidden column it is computed into, and each group
        key by its grouped column; a bare input column that is not a key stays and fails to resolve."""
        def replace(sub: ast.Expr) -> ast.Expr | None:
            if self.is_aggregate_call(sub, env):
                outputs = self.aggregates.build(c, sub, by_names)
                if len(outputs) != 1 or outputs[0].finished:
                    raise self.unsupported(f"{sub.name}() inside an expression", sub.pos)
                hidden = f"_x{len(lifted)}"
                lifted.append((hidden, outputs[0]))
                return ast.Name(sub.pos, hidden)
            if isinstance(sub, ast.Name) and sub.name in by_refs:
                return ast.Name(sub.pos, by_refs[sub.name])
            return None

        return ast.rewrite(node, replace)

    # ------------------------------------------------------------ top-nested

    def op_TopNested(self, op: ast.TopNested, rel: Relation, env: Env) -> Relation:
        """Hierarchical top: each level keeps the top N values of its key within every kept prefix."""
        self.operators_used.append("top-nested")
        c = self.exprs(env, rel)
        constants = self.exprs(env, None)
        keys: list[tuple[str, Typed]] = []
        columns: list[Column] = []
        previous: Relation | None = None
        taken: set[str] = set()
        for depth, level in enumerate(op.levels):
            if level.others is not None:
                raise self.unsupported("top-nested 'with others'", level.pos)
            key = c.compile(level.key.expr)
            key_name = unique_name(level.key.name or key.name or f"Column{depth + 1}", taken)
            taken.add(key_name)
            if not isinstance(level.aggregate.expr, ast.Call):
                raise self.semantic("top-nested needs an aggregate after 'by'", level.aggregate.expr.pos)
            outputs = self.aggregates.build(c, level.aggregate.expr, set())
            if len(outputs) != 1 or outputs[0].finished:
                raise self.unsupported(f"{level.aggregate.expr.name}() in top-nested", level.aggregate.expr.pos)
            agg_name = unique_name(level.aggregate.name or f"aggregated_{key_name}", taken)
            taken.add(agg_name)
            keys.append((key_name, key))
            # group the input by every key so far, restricted to the prefixes the previous level kept
            select = self.select_from(rel, "_t").select(
                *[exp.alias_(k.sql, f"_k{i}", quoted=True) for i, (_, k) in enumerate(keys)],
                exp.alias_(outputs[0].sql, "_agg", quoted=True),
                *[exp.alias_(self.dialect.call("any_value", [col_ref(f"_a{i}", "_p")]), f"_a{i}", quoted=True)
                  for i in range(depth)], copy=False)
            if previous is not None:
                on = None
                for i in range(depth):
                    eq = exp.NullSafeEQ(this=keys[i][1].sql.copy(), expression=col_ref(f"_k{i}", "_p"))
                    on = eq if on is None else exp.and_(on, eq)
                select = select.join(exp.Table(this=previous.source.this.copy(), alias=exp.TableAlias(this=ident("_p"))), on=on, copy=False)
            select = select.group_by(*[exp.Literal.number(i + 1) for i in range(len(keys))], copy=False)
            grouped = self.step(select, [])
            rank = exp.Window(this=exp.RowNumber(), partition_by=[col_ref(f"_k{i}") for i in range(depth)] or None,
                              order=exp.Order(expressions=[exp.Ordered(this=col_ref("_agg"), desc=level.descending,
                                                                       nulls_first=not level.descending)]))
            kept = self.select_from(grouped).select(
                *[col_ref(f"_k{i}") for i in range(len(keys))], *[col_ref(f"_a{i}") for i in range(depth)],
                exp.alias_(col_ref("_agg"), f"_a{depth}", quoted=True), copy=False)
            if level.count is not None:
                count = constants.compile(level.count)
                kept.set("qualify", exp.Qualify(this=exp.LTE(this=rank, expression=count.sql)))
            previous = self.step(kept, [])
            columns += [Column(key_name, key.type), Column(agg_name, outputs[0].type)]
        assert previous is not None
        projections = []
        for i in range(len(op.levels)):
            projections += [exp.alias_(col_ref(f"_k{i}"), columns[2 * i].name, quoted=True),
                             exp.alias_(col_ref(f"_a{i}"), columns[2 * i + 1].name, quoted=True)]
        return self.step(self.select_from(previous).select(*projections, copy=False), columns)

    # ------------------------------------------------------------ make-series

    def op_MakeSeries(self, op: ast.MakeSeries, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("make-series")
        c = self.exprs(env, rel)
        axis = c.compile(op.axis)
        axis_name = axis.name or "Column1"
        if axis.type not in ("datetime", "timespan", "long", "int", "real"):
            raise self.semantic(f"make-series needs a datetime or numeric axis, not {axis.type}", op.axis.pos)
        constants = self.exprs(env, None)
        step = constants.compile(op.step)
        ax = axis.sql  # a datetime is its ticks: the axis is a number whatever its type
        # whole ticks are floored exactly: a double holds a datetime's ticks only to ~100 of them
        whole = axis.type in ("datetime", "timespan", "long", "int") and step.type != "real"
        start = constants.compile(op.start).sql if op.start is not None else self.dialect.shape(
            "series_start_from_min_whole" if whole else "series_start_from_min", a=ax, s=step.sql)
        if op.stop is not None:
            count = self.dialect.shape("series_bin_count",
                            a=start, b=constants.compile(op.stop).sql, s=step.sql)
        else:
            count = self.dialect.shape("series_bin_count_from_max", x=ax, a=start, s=step.sql)
        # one row of parameters: where the series starts, its step and its number of bins
        params_select = exp.Select().select(exp.alias_(start, "_start", quoted=True), exp.alias_(step.sql, "_step", quoted=True),
                                            exp.alias_(count, "_n", quoted=True), copy=False)
        if op.start is None or op.stop is None:  # the bounds come from the data: aggregate over it
            params_select = params_select.from_(exp.Table(this=rel.source.this.copy()), copy=False)
        params = self.step(params_select, [])
        group_cols: list[Column] = []
        group_exprs: list[exp.Expression] = []
        taken: set[str] = set()
        for item in op.by:
            typed = c.compile(item.expr)
            name = unique_name(item.name or typed.name or "Column1", taken)
            taken.add(name)
            group_cols.append(Column(name, typed.type))
            group_exprs.append(typed.sql)
        series: list[tuple[str, str, exp.Expression, exp.Expression]] = []  # name, type, aggregate, default
        for item, default in op.aggregates:
            if not isinstance(item.expr, ast.Call):
                raise self.semantic("make-series needs aggregate function calls", item.expr.pos)
            outputs = self.aggregates.build(c, item.expr, set())
            if len(outputs) != 1 or outputs[0].finished:
                raise self.unsupported(f"{item.expr.name}() in make-series", item.expr.pos)
            out = outputs[0]
            name = unique_name(item.name or out.name, taken)
            taken.add(name)
            fill = constants.compile(default) if default is not None else Typed(sb.literal("long", 0), "long")
            fill_sql = sb.cast(fill.sql, out.type) if fill.type != out.type else fill.sql
            series.append((name, out.type, out.sql, fill_sql))
        taken.add(axis_name)
        p_start, p_step, p_n = (exp.column(n, table="_p", quoted=True) for n in ("_start", "_step", "_n"))
        bin_index = self.dialect.shape("series_bin_index", x=ax, a=p_start, s=p_step)
        in_range = self.dialect.shape("series_in_range", x=ax, a=p_start, n=p_n, s=p_step)
        binned = (exp.Select().select(*[exp.alias_(e, f"_g{i}", quoted=True) for i, e in enumerate(group_exprs)],
                                      exp.alias_(bin_index, "_b", quoted=True),
                                      *[exp.alias_(agg, f"_a{i}", quoted=True) for i, (_, _, agg, _) in enumerate(series)], copy=False)
                  .from_(exp.Table(this=rel.source.this.copy()), copy=False)
                  .join(exp.Table(this=params.source.this.copy(), alias=exp.TableAlias(this=ident("_p"))), join_type="CROSS", copy=False)
                  .where(in_range, copy=False)
                  .group_by(*[exp.Literal.number(i + 1) for i in range(len(group_exprs) + 1)], copy=False))
        binned_rel = self.step(binned, [])
        groups = self.select_from(rel).select(*[exp.alias_(e, f"_g{i}", quoted=True) for i, e in enumerate(group_exprs)], copy=False).distinct(copy=False) \
            if group_exprs else exp.Select().select(exp.alias_(exp.Literal.number(1), "_one", quoted=True), copy=False)
        groups_rel = self.step(groups, [])
        cells = self.step(
            exp.Select().select(exp.Star(), exp.alias_(self.dialect.shape("series_bin_indexes", n=p_n), "_i", quoted=True), copy=False)
            .from_(exp.Table(this=groups_rel.source.this.copy()), copy=False)
            .join(exp.Table(this=params.source.this.copy(), alias=exp.TableAlias(this=ident("_p"))), join_type="CROSS", copy=False), [])
        on = exp.EQ(this=exp.column("_b", table="_x", quoted=True), expression=exp.column("_i", table="_c", quoted=True))
        for i in range(len(group_exprs)):
            on = exp.and_(on, exp.NullSafeEQ(this=exp.column(f"_g{i}", table="_x", quoted=True),
                                             expression=exp.column(f"_g{i}", table="_c", quoted=True)))
        index = exp.column("_i", table="_c", quoted=True)
        axis_value = self.dialect.shape("series_axis_value", a=exp.column("_start", table="_c", quoted=True), i=index,
                             s=exp.column("_step", table="_c", quoted=True))
        axis_value = sb.cast(axis_value, axis.type)

        def series_list(value: exp.Expression) -> exp.Expression:
            return self.dialect.shape("series_json_list", v=value, i=index.copy())

        projections = [exp.alias_(exp.column(f"_g{i}", table="_c", quoted=True), col.name, quoted=True) for i, col in enumerate(group_cols)]
        for i, (name, _type, _agg, fill) in enumerate(series):
            value = sb.coalesce(exp.column(f"_a{i}", table="_x", quoted=True), fill)
            projections.append(exp.alias_(series_list(value), name, quoted=True))
        projections.append(exp.alias_(series_list(self.functions.json_of(Typed(axis_value, axis.type))), axis_name, quoted=True))
        final = (exp.Select().select(*projections, copy=False)
                 .from_(exp.Table(this=cells.source.this.copy(), alias=exp.TableAlias(this=ident("_c"))), copy=False)
                 .join(exp.Table(this=binned_rel.source.this.copy(), alias=exp.TableAlias(this=ident("_x"))), on=on, join_type="LEFT", copy=False))
        if group_exprs:
            final = final.group_by(*[exp.column(f"_g{i}", table="_c", quoted=True) for i in range(len(group_exprs))], copy=False)
        else:
            final = final.group_by(exp.column("_one", table="_c", quoted=True), copy=False)
        columns = group_cols + [Column(name, "dynamic") for name, *_ in series] + [Column(axis_name, "dynamic")]
        return self.step(final, columns)
