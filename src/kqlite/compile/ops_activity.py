"""The activity plugins: counts of ids per bin of a timeline, each measured against other bins.

Each bins the timeline at Start (bin_at(Timeline, Step, Start)) and keeps the rows whose bin is between Start and
End; a combination of the dimensions is measured apart from the others. The outputs' columns are the analyzer's
(the dimensions right after the timeline, where some pages list them last).
"""

from __future__ import annotations

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.env import Env
from kqlite.compile.lowering import Lowering
from kqlite.compile.scope import Column, Relation, col_ref
from kqlite.syntax import ast


class ActivityPlugins:
    def activity_counts_metrics(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        """`activity_counts_metrics(IdColumn, TimelineColumn, Start, End, Step [, dim ...])`: per bin, the rows
        (count), the ids (dcount), the ids not seen in an earlier bin (new_dcount) and the ids seen so far
        (aggregated_dcount)."""
        low = Lowering(self, plugin, rel, env)
        args = low.arity(5)
        id_col, timeline, start, end = low.id_timeline_range(args)
        step = low.bind(low.step_value(args[4], "Step", timeline), "step")
        dims = [d.name for d in low.dimensions(args[5:])]
        ident, b, first, new = (low.hidden(h) for h in ("id", "b", "first", "new"))
        rows = self.activity_rows(low, timeline, id_col, dims, start, end, step, ident, b)
        # an id's first bin (per dimensions): the bin where it is new
        rows = low.window(rows, first, timeline.type, exp.Min(this=col_ref(b)), [ident, *dims])
        counts = low.run(rows, low.summarize(
            [low.named("count", low.call("count")), low.named("dcount", low.call("dcount", low.name(ident))),
             low.named("new_dcount", low.call("dcountif", low.name(ident),
                                              low.binary("==", low.name(b), low.name(first))))],
            [low.named(timeline.name, low.name(b)), *low.columns(dims)]))
        counts = low.window(counts, new, "long", exp.Sum(this=col_ref("new_dcount")), dims, [timeline.name])
        out = low.run(counts, low.project([*low.columns([timeline.name, *dims, "count", "dcount", "new_dcount"]),
                                           low.named("aggregated_dcount", low.name(new))]))
        return low.ordered(out, [timeline.name, *dims])

    def active_users_count(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        """`active_users_count(IdColumn, TimelineColumn, Start, End, LookbackWindow, Period, ActivePeriodsCount,
        Bin [, dim ...])`: per bin, the ids with an active appearance in it. An appearance is active when the id
        was seen in at least ActivePeriodsCount distinct periods (bin(Timeline, Period)) in the LookbackWindow
        that ends with it: after its time minus the window, up to its time (the documentation's example: the
        appearance on 7/8 does not count the one on 6/30, 8 days before). Rows before Start count in lookbacks."""
        low = Lowering(self, plugin, rel, env)
        args = low.arity(8)
        id_col, timeline, start, end = low.id_timeline_range(args)
        lookback = low.step_value(args[4], "LookbackWindow", timeline)
        period = low.bind(low.step_value(args[5], "Period", timeline), "period")
        needed = low.constant(args[6], "ActivePeriodsCount")
        if needed.type not in ("int", "long", "real", "decimal"):
            raise low.semantic("the ActivePeriodsCount must be a number", args[6])
        step = low.bind(low.step_value(args[7], "Bin", timeline), "bin")
        dims = [d.name for d in low.dimensions(args[8:])]
        t, ident, p, b = (low.hidden(h) for h in ("t", "id", "p", "b"))
        seen = low.run(rel, low.project([low.named(t, low.name(timeline.name)), low.named(ident, low.name(id_col.name)),
                                         *low.columns(dims)]),
                       low.where(low.call("isnotnull", low.name(t))),
                       low.summarize([], [*low.columns([ident, *dims, t])]),
                       low.extend(**{p: low.call("bin", low.name(t), period),
                                     b: low.along(low.call("bin_at", low.name(t), step, start), timeline)}))
        active = self.active_appearances(seen, ident, dims, t, p, b, lookback, needed, start, end, low)
        out = low.run(active, low.summarize([low.named("dcount", low.call("dcount", low.name(ident)))],
                                            [low.named(timeline.name, low.name(b)), *low.columns(dims)]))
        return low.ordered(out, [timeline.name, *dims])

    def active_appearances(self, seen: Relation, ident: str, dims: list[str], t: str, p: str, b: str,
                           lookback: object, needed: object, start: ast.Name, end: ast.Name,
                           low: Lowering) -> Relation:
        """The appearances in the analysis period (bins Start to End) with enough periods in their lookback."""
        counted = low.run(seen, low.where(low.binary(">=", low.name(b), start), low.binary("<=", low.name(b), end)))
        keep = [ident, *dims, t, b]
        on = exp.and_(*[exp.NullSafeEQ(this=col_ref(n, "o"), expression=col_ref(n, "a")) for n in [ident, *dims]],
                      exp.GT(this=col_ref(t, "o"),
                             expression=exp.Sub(this=col_ref(t, "a"),
                                                expression=sb.literal(lookback.type, lookback.const))),  # type: ignore[attr-defined]
                      exp.LTE(this=col_ref(t, "o"), expression=col_ref(t, "a")))
        select = (exp.Select().select(*[col_ref(n, "a") for n in keep], copy=False)
                  .from_(exp.Table(this=counted.source.this.copy(), alias=exp.TableAlias(this=exp.to_identifier("a", quoted=True))), copy=False)
                  .join(exp.Table(this=seen.source.this.copy(), alias=exp.TableAlias(this=exp.to_identifier("o", quoted=True))),
                        on=on, join_type="inner", copy=False)
                  .group_by(*[col_ref(n, "a") for n in keep], copy=False)
                  .having(exp.GTE(this=exp.Count(this=exp.Distinct(expressions=[col_ref(p, "o")])),
                                  expression=sb.literal(needed.type, needed.const)), copy=False))  # type: ignore[attr-defined]
        return self.step(select, [c for c in seen.columns if c.name in keep])

    def activity_rows(self, low: Lowering, timeline: Column, id_col: Column, dims: list[str], start: ast.Name,
                      end: ast.Name, step: ast.Name, ident: str, b: str) -> Relation:
        """The input's id and dimensions, with its bin (at Start), the rows whose bin is from Start to End."""
        return low.run(
            low.rel,
            low.project([low.named(ident, low.name(id_col.name)), *low.columns(dims),
                         low.named(b, low.along(low.call("bin_at", low.name(timeline.name), step, start), timeline))]),
            low.where(low.binary(">=", low.name(b), start), low.binary("<=", low.name(b), end)))

    def new_activity_metrics(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        """`new_activity_metrics(IdColumn, TimelineColumn, Start, End, Window [, Cohort] [, dim ...] [, Lookback])`: for every
        pair of periods from <= to (periods of Window from Start to End, empty ones included), the cohort of
        `from` (ids first seen in it) measured in `to`: the ids of `to` first seen after `from`
        (dcount_new_values; in `to` == `from`, the cohort itself), the cohort's ids seen in `to` (retained) and
        not (churn), and those as shares of the cohort. The documentation's worked example fixes these readings.
        The ids of the Lookback table (seen before the analysis) are not new in any period."""
        low = Lowering(self, plugin, rel, env)
        args = low.arity(5)
        id_col = low.column(args[0], "id column")
        timeline = low.timeline(args[1])
        start_value = low.timeline_value(args[2], "Start", timeline)
        start = low.bind(start_value, "start")
        end = low.bind(low.timeline_value(args[3], "End", timeline), "end")
        step = low.bind(low.step_value(args[4], "Window", timeline), "window")
        rest = list(args[5:])
        lookback_node = rest.pop() if rest and self.is_tabular_expr(rest[-1], env) else None
        for arg in rest:
            if self.is_tabular_expr(arg, env):
                raise low.semantic("the Lookback table must be the last argument", arg)
        cohort = None
        if rest and not (isinstance(rest[0], ast.Name) and rel.column(rest[0].name) is not None):
            cohort = low.bind(low.timeline_value(rest.pop(0), "Cohort", timeline), "cohort")
        dims = [d.name for d in low.dimensions(rest)]
        ident, p, first = (low.hidden(h) for h in ("id", "p", "first"))
        lookback = self.new_activity_lookback(low, lookback_node, id_col, ident, env) if lookback_node else None
        # each id once per period, with its first period
        seen = low.run(self.activity_rows(low, timeline, id_col, dims, start, end, step, ident, p),
                       low.summarize([], low.columns([ident, *dims, p])))
        combos = seen  # the dimension combinations of the rows, the lookback's ids' included
        if lookback is not None:  # the ids seen before Start are never new: in no cohort, never counted new
            seen = low.run(seen, low.join("leftanti", lookback, [ident]))
        seen = low.window(seen, first, timeline.type, exp.Min(this=col_ref(p)), [ident, *dims])
        firsts = low.run(seen, low.summarize([low.named("_n", low.call("count"))], low.columns([p, first, *dims])))
        # the periods from Start to End (an array expanded: Spark's range() wants constant bounds)
        k = low.hidden("k")
        count = low.call("tolong", low.binary("/", low.binary("-", end, start), step))
        periods = low.run(low.print_row(**{k: low.call("range", low.literal("long", 0), count)}),
                          ast.MvExpand(low.pos, [(low.named(None, low.name(k)), "long")]),
                          low.project([low.named("_period", low.along(
                              low.binary("+", start, low.binary("*", low.name(k), step)), timeline))]))
        pairs = self.new_activity_pairs(periods, combos, dims, timeline, cohort, low)
        counts = self.new_activity_counts(pairs, firsts, dims, p, first)
        retained, cohort_size = low.name("_retained"), low.name("_cohort")

        def rate(part: ast.Expr) -> ast.Expr:
            return low.binary("/", low.call("todouble", part), cohort_size)

        churn = low.binary("-", cohort_size, retained)
        out = low.run(counts, low.project([
            low.named(f"from_{timeline.name}", low.name("_from")), low.named(f"to_{timeline.name}", low.name("_to")),
            *low.columns(dims), low.named("dcount_new_values", low.name("_new")),
            low.named("dcount_retained_values", retained), low.named("dcount_churn_values", churn),
            low.named("retention_rate", rate(retained)), low.named("churn_rate", rate(churn))]))
        return low.ordered(out, [f"from_{timeline.name}", f"to_{timeline.name}", *dims])

    def new_activity_lookback(self, low: Lowering, node: ast.Expr, id_col: Column, ident: str, env: Env) -> ast.Name:
        """The Lookback table's ids (its column named as the IdColumn), each once, under the hidden id name."""
        table = self.tabular(node, env)
        ids = table.column(id_col.name)
        if ids is None:
            raise low.semantic(f"the Lookback table has no column '{id_col.name}' (the IdColumn): it lists the ids "
                               "seen before the analysis", node)
        if ids.type != id_col.type and not (low.fits(ids.type, id_col.type) and ids.type != "real"
                                            and id_col.type != "real"):
            raise low.semantic(f"the Lookback table's '{ids.name}' is {ids.type}, the IdColumn is {id_col.type}", node)
        ids_only = low.run(table, low.project([low.named(ident, low.name(ids.name))]),
                           low.summarize([], low.columns([ident])))
        return low.bind_table(ids_only, "lookback")

    def new_activity_pairs(self, periods: Relation, seen: Relation, dims: list[str], timeline: Column,
                           cohort: ast.Name | None, low: Lowering) -> Relation:
        """(from, to) periods with from <= to (from the Cohort only, when given), for every combination of the
        dimensions the rows have."""
        combos = exp.Select().select(*([col_ref(d) for d in dims] or [exp.alias_(exp.Literal.number(1), "_one")]),
                                     copy=False).from_(seen.source.copy(), copy=False).distinct()
        f, t = (exp.TableAlias(this=exp.to_identifier(n, quoted=True)) for n in ("f", "t"))
        select = (exp.Select().select(exp.alias_(col_ref("_period", "f"), "_from", quoted=True),
                                      exp.alias_(col_ref("_period", "t"), "_to", quoted=True),
                                      *[col_ref(d, "d") for d in dims], copy=False)
                  .from_(exp.Table(this=periods.source.this.copy(), alias=f), copy=False)
                  .join(exp.Table(this=periods.source.this.copy(), alias=t),
                        on=exp.LTE(this=col_ref("_period", "f"), expression=col_ref("_period", "t")),
                        join_type="inner", copy=False)
                  .join(exp.Subquery(this=combos, alias=exp.TableAlias(this=exp.to_identifier("d", quoted=True))),
                        join_type="cross", copy=False))
        columns = [Column("_from", timeline.type), Column("_to", timeline.type),
                   *(c for c in seen.columns if c.name in dims)]
        pairs = self.step(select, columns)
        if cohort is not None:
            pairs = low.run(pairs, low.where(low.binary("==", low.name("_from"), cohort)))
        return pairs

    def new_activity_counts(self, pairs: Relation, firsts: Relation, dims: list[str], p: str, first: str) -> Relation:
        """Each pair with its new ids, the cohort's ids seen in `to`, and the cohort's size (`firsts`: ids per
        period and first period)."""
        def n_when(test: exp.Expression) -> exp.Expression:
            total = exp.Sum(this=exp.Case(ifs=[exp.If(this=test, true=col_ref("_n", "n"))], default=exp.Literal.number(0)))
            return sb.cast(sb.coalesce(total, exp.Literal.number(0)), "long")

        same_dims = [exp.NullSafeEQ(this=col_ref(d, "n"), expression=col_ref(d, "q")) for d in dims]
        is_from = exp.EQ(this=col_ref(first, "n"), expression=col_ref("_from", "q"))
        new = exp.or_(exp.GT(this=col_ref(first, "n"), expression=col_ref("_from", "q")),
                      exp.and_(is_from.copy(), exp.EQ(this=col_ref("_to", "q"), expression=col_ref("_from", "q"))))
        keys = [col_ref("_from", "q"), col_ref("_to", "q"), *[col_ref(d, "q") for d in dims]]
        measured = (exp.Select().select(*keys, exp.alias_(n_when(new), "_new", quoted=True),
                                        exp.alias_(n_when(is_from), "_retained", quoted=True), copy=False)
                    .from_(exp.Table(this=pairs.source.this.copy(), alias=exp.TableAlias(this=exp.to_identifier("q", quoted=True))), copy=False)
                    .join(exp.Table(this=firsts.source.this.copy(), alias=exp.TableAlias(this=exp.to_identifier("n", quoted=True))),
                          on=exp.and_(exp.EQ(this=col_ref(p, "n"), expression=col_ref("_to", "q")), *same_dims),
                          join_type="left", copy=False)
                    .group_by(*[k.copy() for k in keys], copy=False))
        measured_rel = self.step(measured, [*pairs.columns, Column("_new", "long"), Column("_retained", "long")])
        # the cohort: the ids whose first period is `from`
        sizes = (exp.Select().select(*[col_ref(c.name, "m") for c in measured_rel.columns],
                                     exp.alias_(n_when(exp.EQ(this=col_ref(p, "n"), expression=col_ref(first, "n"))),
                                                "_cohort", quoted=True), copy=False)
                 .from_(exp.Table(this=measured_rel.source.this.copy(), alias=exp.TableAlias(this=exp.to_identifier("m", quoted=True))), copy=False)
                 .join(exp.Table(this=firsts.source.this.copy(), alias=exp.TableAlias(this=exp.to_identifier("n", quoted=True))),
                       on=exp.and_(exp.EQ(this=col_ref(first, "n"), expression=col_ref("_from", "m")),
                                   *[exp.NullSafeEQ(this=col_ref(d, "n"), expression=col_ref(d, "m")) for d in dims]),
                       join_type="left", copy=False)
                 .group_by(*[col_ref(c.name, "m") for c in measured_rel.columns], copy=False))
        return self.step(sizes, [*measured_rel.columns, Column("_cohort", "long")])

    def activity_period_args(self, low: Lowering, timeline: Column, args: list[ast.Expr],
                             windows: int) -> tuple[ast.Name | None, ast.Name | None, list[ast.Expr]]:
        """[Start, End,] then `windows` window arguments: Start and End when the third argument is of the
        timeline's type and not a column (else the windows come right after the timeline); the arguments left."""
        rest = list(args[2:])
        third = rest[0] if rest else None
        is_start = (third is not None and len(rest) >= 2 + windows
                    and not (isinstance(third, ast.Name) and low.rel.column(third.name) is not None)
                    and low.fits(low.scalar(third, "Start").type, timeline.type)
                    and not (len(rest) > windows and isinstance(rest[windows], ast.Name)
                             and low.rel.column(rest[windows].name) is not None))
        if not is_start:
            return None, None, rest
        start = low.bind(low.timeline_value(rest[0], "Start", timeline), "start")
        end = low.bind(low.timeline_value(rest[1], "End", timeline), "end")
        return start, end, rest[2:]

    def binned_ids(self, low: Lowering, timeline: Column, id_col: Column, dims: list[str], start: ast.Name | None,
                   end: ast.Name | None, step: ast.Name, ident: str, b: str) -> Relation:
        """Each id once per bin (and dimensions): bins at Start from Start to End, or bin() of the whole timeline."""
        if start is not None and end is not None:
            rows = self.activity_rows(low, timeline, id_col, dims, start, end, step, ident, b)
        else:
            rows = low.run(low.rel, low.project([low.named(ident, low.name(id_col.name)), *low.columns(dims),
                                                 low.named(b, low.along(low.call("bin", low.name(timeline.name), step),
                                                                        timeline))]),
                           low.where(low.call("isnotnull", low.name(b))))
        return low.run(rows, low.summarize([], low.columns([ident, *dims, b])))

    def activity_metrics(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        """`activity_metrics(IdColumn, TimelineColumn, [Start, End,] Window [, dim ...])`: per bin, the ids
        (dcount_values), those not seen in the bin before (dcount_newvalues), and of the ids of the bin before
        the share seen again (retention_rate) and not (churn_rate); the first bin's rates are 0/0 (NaN)."""
        low = Lowering(self, plugin, rel, env)
        args = low.arity(3)
        id_col = low.column(args[0], "id column")
        timeline = low.timeline(args[1])
        start, end, rest = self.activity_period_args(low, timeline, args, 1)
        if not rest:
            raise low.semantic("needs the Window after the timeline (and Start, End)")
        window = low.step_value(rest[0], "Window", timeline)
        step = low.bind(window, "window")
        dims = [d.name for d in low.dimensions(rest[1:])]
        ident, b, before, back, prev_bin, prev_count = (low.hidden(h) for h in ("id", "b", "before", "back", "pb", "pc"))
        seen = self.binned_ids(low, timeline, id_col, dims, start, end, step, ident, b)
        # the id's bin before this one, and whether it is the bin right before
        seen = low.window(seen, before, timeline.type, exp.Anonymous(this="lag", expressions=[col_ref(b)]),
                          [ident, *dims], [b], running=False)
        returning = low.both(low.call("isnotnull", low.name(before)),
                             low.binary("==", low.name(before), low.binary("-", low.name(b), step)))
        counts = low.run(seen, low.summarize(
            [low.named("dcount_values", low.call("dcount", low.name(ident))),
             low.named("dcount_newvalues", low.call("dcountif", low.name(ident), low.call("not", returning))),
             low.named(back, low.call("dcountif", low.name(ident), returning))],
            [low.named(timeline.name, low.name(b)), *low.columns(dims)]))
        lag = exp.Anonymous(this="lag", expressions=[col_ref(timeline.name)])
        counts = low.window(counts, prev_bin, timeline.type, lag, dims, [timeline.name], running=False)
        lag = exp.Anonymous(this="lag", expressions=[col_ref("dcount_values")])
        counts = low.window(counts, prev_count, "long", lag, dims, [timeline.name], running=False)
        # the ids of the bin before: none when that bin had no rows
        previous = low.call("iff", low.binary("==", low.name(prev_bin), low.binary("-", low.name(timeline.name), step)),
                            low.name(prev_count), low.literal("long", 0))
        out = low.run(counts, low.project([
            *low.columns([timeline.name, *dims, "dcount_values", "dcount_newvalues"]),
            low.named("retention_rate", low.binary("/", low.call("todouble", low.name(back)), previous)),
            low.named("churn_rate", low.binary("/", low.call("todouble", low.binary("-", previous, low.name(back))),
                                               previous))]))
        return low.ordered(out, [timeline.name, *dims])

    def activity_engagement(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        """`activity_engagement(IdColumn, TimelineColumn, [Start, End,] InnerActivityWindow, OuterActivityWindow
        [, dim ...])`: per inner window (bins of InnerActivityWindow), its ids (dcount_activities_inner), the
        ids of the outer window that ends with it (OuterActivityWindow rounded down to whole inner windows:
        dcount_activities_outer), and their ratio (DAU/WAU with 1d and 7d)."""
        low = Lowering(self, plugin, rel, env)
        # the analyzer wants 6 arguments at least (Start and End given); the page has them optional: both read
        args = low.arity(4)
        id_col = low.column(args[0], "id column")
        timeline = low.timeline(args[1])
        start, end, rest = self.activity_period_args(low, timeline, args, 2)
        if len(rest) < 2:
            raise low.semantic("needs the InnerActivityWindow and the OuterActivityWindow")
        inner = low.step_value(rest[0], "InnerActivityWindow", timeline)
        outer = low.step_value(rest[1], "OuterActivityWindow", timeline)
        bins = int(outer.const // inner.const)  # type: ignore[operator]
        if bins < 1:
            raise low.semantic("the OuterActivityWindow is shorter than the InnerActivityWindow", rest[1])
        step = low.bind(inner, "inner")
        dims = [d.name for d in low.dimensions(rest[2:])]
        ident, b, last, k, w = (low.hidden(h) for h in ("id", "b", "last", "k", "w"))
        seen = self.binned_ids(low, timeline, id_col, dims, start, end, step, ident, b)
        seen = low.window(seen, last, timeline.type, exp.Max(this=col_ref(b)), [])
        # each id counts in its inner window and in the outer windows of the inner windows after it
        in_period = [low.binary("<=", low.name(w), end if end is not None else low.name(last))]
        if start is not None:
            in_period.append(low.binary(">=", low.name(w), start))
        inner_count, outer_count = low.name("dcount_activities_inner"), low.name("dcount_activities_outer")
        out = low.run(
            seen,
            ast.MvExpand(low.pos, [(low.named(k, low.call("range", low.literal("long", 0),
                                                                low.literal("long", bins - 1))), "long")]),
            low.extend(**{w: low.along(low.binary("+", low.name(b), low.binary("*", low.name(k), step)), timeline)}),
            low.where(*in_period),
            low.summarize([low.named("dcount_activities_inner", low.call(
                              "dcountif", low.name(ident), low.binary("==", low.name(k), low.literal("long", 0)))),
                           low.named("dcount_activities_outer", low.call("dcount", low.name(ident)))],
                          [low.named(timeline.name, low.name(w)), *low.columns(dims)]),
            low.extend(activity_ratio=low.binary("/", low.call("todouble", inner_count), outer_count)))
        return low.ordered(out, [timeline.name, *dims])
