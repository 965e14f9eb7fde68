"""Counting plugins over a binned timeline: sliding_window_counts and session_count.

Both bin the timeline at Start (bin_at(Timeline, Bin, Start)) and give one row per bin between Start and End
(inclusive) and combination of the dimensions that has rows to count; bins with nothing to count are absent.
"""

from __future__ import annotations

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.env import Env
from kqlite.compile.lowering import Lowering
from kqlite.compile.scope import Column, Relation, col_ref
from kqlite.syntax import ast


class WindowPlugins:
    def sliding_window_counts(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        """`sliding_window_counts(IdColumn, TimelineColumn, Start, End, LookbackWindow, Bin [, dim ...])`: for each
        bin, the count of rows and the distinct count of ids in the lookback window ending with the bin (the
        bin and the LookbackWindow / Bin - 1 bins before it; the window rounded down to whole bins)."""
        low = Lowering(self, plugin, rel, env)
        args = low.arity(6)
        id_col, timeline, start, end = low.id_timeline_range(args)
        lookback = low.step_value(args[4], "LookbackWindow", timeline)
        bin_ = low.step_value(args[5], "Bin", timeline)
        dims = low.dimensions(args[6:])
        bins = int(lookback.const // bin_.const)  # type: ignore[operator]
        if bins < 1:
            raise low.semantic("the LookbackWindow is shorter than the Bin", args[4])
        step = low.bind(bin_, "bin")
        t, ident, own_bin, k, window = (low.hidden(h) for h in ("t", "id", "b", "k", "w"))
        out = low.run(
            rel,
            low.project([low.named(t, low.name(timeline.name)), low.named(ident, low.name(id_col.name)),
                         *low.columns([d.name for d in dims])]),
            low.extend(**{own_bin: low.call("bin_at", low.name(t), step, start)}),
            # each row counts in its own bin and in the bins - 1 after it: mv-expand over the offsets
            ast.MvExpand(low.pos, [(low.named(k, low.call("range", low.literal("long", 0),
                                                                low.literal("long", bins - 1))), "long")]),
            low.extend(**{window: low.along(low.binary("+", low.name(own_bin), low.binary("*", low.name(k), step)),
                                            timeline)}),
            low.where(low.binary(">=", low.name(window), start), low.binary("<=", low.name(window), end)),
            # Count and Dcount: the analyzer's names (the page's schema table says count/dcount, its output
            # Count/dcount)
            low.summarize([low.named("Count", low.call("count")), low.named("Dcount", low.call("dcount", low.name(ident)))],
                          [low.named(timeline.name, low.name(window)), *low.columns([d.name for d in dims])]),
        )
        return low.ordered(out, [timeline.name, *(d.name for d in dims)])

    def session_count(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        """`session_count(IdColumn, TimelineColumn, Start, End, Bin, LookBackWindow [, dim ...])`: for each bin,
        the number of sessions under way in it. A session is an id's run of rows (per combination of the
        dimensions) each at most LookBackWindow after the one before (a longer gap starts a new session); it
        is under way in the bins from its first row's to its last row's.

        The documentation defines the session by the lookback (an id seen within the LookBackWindow continues
        its session, else starts a new one) but shows its example's output only as a chart: the count of
        each bin is this reading of it, not checked against Kusto's numbers."""
        low = Lowering(self, plugin, rel, env)
        args = low.arity(6)
        id_col, timeline, start, end = low.id_timeline_range(args)
        step = low.bind(low.step_value(args[4], "Bin", timeline), "bin")
        lookback = low.step_value(args[5], "LookBackWindow", timeline)
        dims = low.dimensions(args[6:])
        dim_names = [d.name for d in dims]
        t, ident, first, last, lo, hi, k, window = (
            low.hidden(h) for h in ("t", "id", "first", "last", "lo", "hi", "k", "w"))
        rows = low.run(rel, low.project([low.named(t, low.name(timeline.name)),
                                         low.named(ident, low.name(id_col.name)), *low.columns(dim_names)]),
                       low.where(low.call("isnotnull", low.name(t))))
        sessions = self.session_numbers(rows, ident, t, dim_names, lookback, low.hidden("session"))
        last_bin = low.call("bin_at", end, step, start)
        out = low.run(
            sessions,
            low.summarize([low.named(first, low.call("min", low.name(t))), low.named(last, low.call("max", low.name(t)))],
                          low.columns([ident, *dim_names, sessions.columns[-1].name])),
            # the session's bins, cut to the analysis period's
            low.extend(**{lo: low.call("max_of", low.call("bin_at", low.name(first), step, start), start),
                          hi: low.call("min_of", low.call("bin_at", low.name(last), step, start), last_bin)}),
            low.where(low.binary("<=", low.name(lo), low.name(hi))),
            ast.MvExpand(low.pos, [(low.named(k, low.call(
                "range", low.literal("long", 0),
                low.call("tolong", low.binary("/", low.binary("-", low.name(hi), low.name(lo)), step)))), "long")]),
            low.extend(**{window: low.along(low.binary("+", low.name(lo), low.binary("*", low.name(k), step)), timeline)}),
            low.summarize([low.named("count_sessions", low.call("count"))],
                          [low.named(timeline.name, low.name(window)), *low.columns(dim_names)]),
        )
        return low.ordered(out, [timeline.name, *dim_names])

    def session_numbers(self, rows: Relation, ident: str, t: str, dims: list[str], gap: object, name: str) -> Relation:
        """`rows` with a column `name` that numbers each id's sessions (per dimensions): a row starts a new
        session when it is the id's first or comes more than `gap` (a constant) after the row before."""
        partition = [col_ref(ident), *(col_ref(d) for d in dims)]
        order = exp.Order(expressions=[exp.Ordered(this=col_ref(t))])
        previous = exp.Window(this=exp.Anonymous(this="lag", expressions=[col_ref(t)]), partition_by=partition,
                              order=order)
        gap_sql = sb.literal(gap.type, gap.const)  # type: ignore[attr-defined]
        starts = exp.Case(ifs=[exp.If(this=exp.or_(exp.Is(this=previous, expression=exp.Null()),
                                                     exp.GT(this=exp.Sub(this=col_ref(t), expression=previous.copy()),
                                                            expression=gap_sql)),
                                      true=exp.Literal.number(1))], default=exp.Literal.number(0))
        flagged_cols = [*rows.columns, Column("_new", "long")]
        flagged = self.step(self.select_from(rows).select(*[col_ref(c.name) for c in rows.columns],
                                                          exp.alias_(starts, "_new", quoted=True), copy=False),
                            flagged_cols)
        running = exp.Window(this=exp.Sum(this=col_ref("_new")), partition_by=[p.copy() for p in partition],
                             order=order.copy(),
                             spec=exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING",
                                                 end="CURRENT ROW"))
        numbered = self.select_from(flagged).select(*[col_ref(c.name) for c in rows.columns],
                                                    exp.alias_(sb.cast(running, "long"), name, quoted=True), copy=False)
        return self.step(numbered, [*rows.columns, Column(name, "long")])

    def rolling_percentile(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        """`rolling_percentile(ValueColumn, Percentile, IndexColumn, BinSize, BinsPerWindow [, dim ...])`: for each
        bin (bin(IndexColumn, BinSize)) from the first to the last the data has, the percentile (nearest rank, as
        percentile()) of the values in the window of BinsPerWindow bins that ends with it."""
        low = Lowering(self, plugin, rel, env)
        args = low.arity(5)
        value = low.column(args[0], "value column", ("int", "long", "real", "decimal", "datetime", "timespan"))
        percent = low.constant(args[1], "Percentile")
        if percent.type not in ("int", "long", "real", "decimal") or not 0 <= percent.const <= 100:  # type: ignore[operator]
            raise low.semantic("the Percentile must be a number from 0 to 100", args[1])
        index = low.timeline(args[2])
        step = low.bind(low.step_value(args[3], "BinSize", index), "bin")
        bins = low.constant(args[4], "BinsPerWindow")
        if bins.type not in ("int", "long") or bins.const < 1:  # type: ignore[operator]
            raise low.semantic("the BinsPerWindow must be a whole number of at least 1", args[4])
        dims = [d.name for d in low.dimensions(args[5:])]
        v, own_bin, last, k, window = (low.hidden(h) for h in ("v", "b", "last", "k", "w"))
        rows = low.run(rel, low.project([low.named(v, low.name(value.name)), *low.columns(dims),
                                         low.named(own_bin, low.call("bin", low.name(index.name), step))]),
                       low.where(low.call("isnotnull", low.name(own_bin))))
        rows = low.window(rows, last, index.type, exp.Max(this=col_ref(own_bin)), [])
        label = str(percent.const).removesuffix(".0") if isinstance(percent.const, float) else str(percent.const)
        out = low.run(
            rows,
            ast.MvExpand(low.pos, [(low.named(k, low.call("range", low.literal("long", 0),
                                                                low.literal("long", int(bins.const) - 1))), "long")]),  # type: ignore[arg-type]
            low.extend(**{window: low.along(low.binary("+", low.name(own_bin), low.binary("*", low.name(k), step)),
                                            index)}),
            low.where(low.binary("<=", low.name(window), low.name(last))),
            low.summarize([low.named(f"rolling_{bins.const}_percentile_{value.name}_{label}",
                                     low.call("percentile", low.name(v), low.literal(percent.type, percent.const)))],
                          [low.named(index.name, low.name(window)), *low.columns(dims)]))
        return low.ordered(out, [*dims, index.name])
