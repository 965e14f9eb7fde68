"""funnel_sequence_completion: how many ids reach each step of a sequence of states, per bin and period.

`T | evaluate funnel_sequence_completion(IdColumn, TimelineColumn, Start, End, BinSize, StateColumn, Sequence,
MaxSequenceStepWindows)`: the rows are binned at Start (bin_at(Timeline, BinSize, Start), bins from Start to End)
and each bin is a funnel of its own. An id reaches step k of the Sequence in a bin, for a period P of
MaxSequenceStepWindows, when its rows of the bin hold states Sequence[0], ..., Sequence[k-1] in that order (each
row after the one before: later, or at the same instant and later in the input) with the last at most P after
the first. One row per bin, period and step: the ids that reached it (0 when none did).

Which ids reach a step is found step by step: for every row of state Sequence[k-1], the latest first-step time of
a chain that ends at it (a later start only shortens the chain), from the chains that end at the rows before it.
"""

from __future__ import annotations

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.env import Env
from kqlite.compile.lowering import TIMELINE_STEP, Lowering
from kqlite.compile.scope import Column, Relation, col_ref
from kqlite.syntax import ast
from kqlite.syntax.literals import parse_timespan
from kqlite.syntax.tokens import TIMESPAN_UNITS


def _table(rel: Relation, alias: str) -> exp.Table:
    return exp.Table(this=rel.source.this.copy(), alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=True)))


def _values(rows: list[list[exp.Expression]], alias: str, names: list[str]) -> exp.Values:
    return exp.Values(expressions=[exp.Tuple(expressions=row) for row in rows],
                      alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=True),
                                           columns=[exp.to_identifier(n, quoted=True) for n in names]))


class FunnelPlugins:
    def funnel_sequence_completion(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        low = Lowering(self, plugin, rel, env)
        args = low.arity(8, 8)
        id_col, timeline, start, end = low.id_timeline_range(args)
        step = low.bind(low.step_value(args[4], "BinSize", timeline), "bin")
        state = low.column(args[5], "state column")
        sequence = self.funnel_sequence_states(low, args[6])
        periods = self.funnel_periods(low, args[7], timeline)
        t, ident, s, b = (low.hidden(h) for h in ("t", "id", "s", "b"))
        rows = low.run(
            rel,
            low.project([low.named(t, low.name(timeline.name)), low.named(ident, low.name(id_col.name)),
                         low.named(s, low.call("tostring", low.name(state.name)))]),
            low.extend(**{b: low.along(low.call("bin_at", low.name(t), step, start), timeline)}),
            low.where(low.binary(">=", low.name(b), start), low.binary("<=", low.name(b), end)))
        order = low.hidden("o")
        rows = self.step(self.select_from(rows).select(
            *[col_ref(c.name) for c in rows.columns],
            exp.alias_(self.dialect.shape("input_order"), order, quoted=True), copy=False),
            [*rows.columns, Column(order, "long")])
        reached = self.funnel_reached(rows, sequence, ident, t, s, b, order)
        return self.funnel_counts(rows, reached, sequence, periods, timeline, state, ident, t, b)

    @staticmethod
    def funnel_sequence_states(low: Lowering, node: ast.Expr) -> list[str]:
        sequence = low.constant(node, "Sequence")
        if sequence.type != "dynamic" or not isinstance(sequence.const, list) or not sequence.const:
            raise low.semantic("the Sequence must be a constant array of states, e.g. dynamic(['a', 'b'])", node)
        return [value if isinstance(value, str) else str(value) for value in sequence.const]

    @staticmethod
    def funnel_periods(low: Lowering, node: ast.Expr, timeline: Column) -> list[int | float]:
        """The periods as steps along the timeline: ticks for a datetime timeline, else numbers."""
        periods = low.constant(node, "MaxSequenceStepWindows")
        if periods.type != "dynamic" or not isinstance(periods.const, list) or not periods.const:
            raise low.semantic("the MaxSequenceStepWindows must be a constant array, e.g. dynamic([1h, 1d])", node)
        values: list[int | float] = []
        for value in periods.const:
            if TIMELINE_STEP.get(timeline.type) == "timespan":
                ticks = parse_timespan(value, TIMESPAN_UNITS) if isinstance(value, str) else None
                if ticks is None:
                    raise low.semantic(f"the period {value!r} is not a timespan", node)
                values.append(ticks)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                values.append(value)
            else:
                raise low.semantic(f"the period {value!r} is not a number (the timeline is {timeline.type})", node)
        return values

    def funnel_reached(self, rows: Relation, sequence: list[str], ident: str, t: str, s: str, b: str,
                       order: str) -> list[Relation]:
        """Per step, the rows of its state that end a chain of the steps so far, with the chain's latest start
        (`_first`)."""
        keep = [ident, b, t, order]
        first = self.step(self.select_from(rows).select(
            *[col_ref(n) for n in keep], exp.alias_(col_ref(t), "_first", quoted=True), copy=False).where(
            exp.EQ(this=col_ref(s), expression=sb.string(sequence[0])), copy=False),
            [*(c for c in rows.columns if c.name in keep), Column("_first", "long")])
        reached = [first]
        for state in sequence[1:]:
            before = reached[-1]
            after = exp.or_(exp.GT(this=col_ref(t, "e"), expression=col_ref(t, "r")),
                            exp.and_(exp.EQ(this=col_ref(t, "e"), expression=col_ref(t, "r")),
                                     exp.GT(this=col_ref(order, "e"), expression=col_ref(order, "r"))))
            on = exp.and_(exp.NullSafeEQ(this=col_ref(ident, "e"), expression=col_ref(ident, "r")),
                          exp.EQ(this=col_ref(b, "e"), expression=col_ref(b, "r")), after)
            select = (exp.Select().select(*[col_ref(n, "e") for n in keep],
                                          exp.alias_(exp.Max(this=col_ref("_first", "r")), "_first", quoted=True),
                                          copy=False)
                      .from_(_table(rows, "e"), copy=False).join(_table(before, "r"), on=on, join_type="inner", copy=False)
                      .where(exp.EQ(this=col_ref(s, "e"), expression=sb.string(state)), copy=False)
                      .group_by(*[col_ref(n, "e") for n in keep], copy=False))
            reached.append(self.step(select, before.columns))
        return reached

    def funnel_counts(self, rows: Relation, reached: list[Relation], sequence: list[str],
                      periods: list[int | float], timeline: Column, state: Column, ident: str, t: str,
                      b: str) -> Relation:
        period_type = TIMELINE_STEP.get(timeline.type, "long")
        period_rows = [[sb.literal(period_type, p), exp.Literal.number(i)] for i, p in enumerate(periods)]
        step_rows = [[sb.string(name), exp.Literal.number(k)] for k, name in enumerate(sequence)]
        legs = []
        for k, rel in enumerate(reached):
            legs.append(exp.Select().select(
                col_ref(b, "r"), col_ref("_p", "p"), exp.alias_(exp.Literal.number(k), "_k", quoted=True),
                exp.alias_(exp.Count(this=exp.Distinct(expressions=[col_ref(ident, "r")])), "_n", quoted=True),
                copy=False).from_(_table(rel, "r"), copy=False).join(
                _values(period_rows, "p", ["_p", "_pi"]),
                on=exp.LTE(this=exp.Sub(this=col_ref(t, "r"), expression=col_ref("_first", "r")),
                           expression=col_ref("_p", "p")), join_type="inner", copy=False).group_by(
                col_ref(b, "r"), col_ref("_p", "p"), copy=False))
        union = legs[0]
        for leg in legs[1:]:
            union = exp.Union(this=union, expression=leg, distinct=False)
        counts = self.step(union, [Column(b, timeline.type), Column("_p", period_type), Column("_k", "long"),
                                   Column("_n", "long")])
        # every bin that has rows, with every period and step: a step no id reached counts 0
        bins = exp.Select().select(col_ref(b), copy=False).from_(rows.source.copy(), copy=False).distinct()
        frame = (exp.Select().select(
            exp.alias_(col_ref(b, "f"), timeline.name, quoted=True),
            exp.alias_(col_ref("_s", "k"), state.name, quoted=True),
            exp.alias_(sb.cast(col_ref("_p", "p"), "timespan"), "Period", quoted=True),
            exp.alias_(sb.coalesce(col_ref("_n", "c"), exp.Literal.number(0)), "dcount", quoted=True),
            exp.alias_(col_ref("_pi", "p"), "_pi", quoted=True), exp.alias_(col_ref("_k", "k"), "_k", quoted=True),
            copy=False)
            .from_(exp.Subquery(this=bins, alias=exp.TableAlias(this=exp.to_identifier("f", quoted=True))), copy=False)
            .join(_values(period_rows, "p", ["_p", "_pi"]), join_type="cross", copy=False)
            .join(_values(step_rows, "k", ["_s", "_k"]), join_type="cross", copy=False)
            .join(_table(counts, "c"), on=exp.and_(exp.EQ(this=col_ref(b, "c"), expression=col_ref(b, "f")),
                                                   exp.EQ(this=col_ref("_p", "c"), expression=col_ref("_p", "p")),
                                                   exp.EQ(this=col_ref("_k", "c"), expression=col_ref("_k", "k"))),
                  join_type="left", copy=False))
        columns = [Column(timeline.name, timeline.type), Column(state.name, "string"), Column("Period", "timespan"),
                   Column("dcount", "long")]
        funnel = self.step(frame, [*columns, Column("_pi", "long"), Column("_k", "long")])
        # as the documentation lists them: each period's funnel, its steps in order (an order of reading only:
        # Kusto's plugin output is not serialized)
        select = self.select_from(funnel).select(*[col_ref(c.name) for c in columns], copy=False).order_by(
            *[self.ordered(col_ref(n), False, True) for n in (timeline.name, "_pi", "_k")], copy=False)
        return self.step(select, columns)
