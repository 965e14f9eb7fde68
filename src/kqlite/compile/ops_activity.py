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
        id_col = low.column(args[0], "id column")
        timeline = low.timeline(args[1])
        start = low.bind(low.timeline_value(args[2], "Start", timeline), "start")
        end = low.bind(low.timeline_value(args[3], "End", timeline), "end")
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
        id_col = low.column(args[0], "id column")
        timeline = low.timeline(args[1])
        start = low.bind(low.timeline_value(args[2], "Start", timeline), "start")
        end = low.bind(low.timeline_value(args[3], "End", timeline), "end")
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
                                     b: low.call("bin_at", low.name(t), step, start)}))
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
                         low.named(b, low.call("bin_at", low.name(timeline.name), step, start))]),
            low.where(low.binary(">=", low.name(b), start), low.binary("<=", low.name(b), end)))
