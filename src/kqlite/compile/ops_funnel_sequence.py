"""funnel_sequence: the states that lead to a sequence of states and those that follow it, per bin.

`T | evaluate funnel_sequence(IdColumn, TimelineColumn, Start, End, MaxSequenceStepWindow, Step, StateColumn,
Sequence)` gives three tables: (prev, next) pairs, prev alone, next alone, each with the ids that went
prev -> Sequence -> next (`dcount`) and up to 128 of them (`samples`). The page does not say how a sequence is
found; its StormEvents example fixes this reading (docs/supported.md says why):

- the rows are binned at Start (bin_at(Timeline, Step, Start), bins from Start to End); each id's rows of a bin,
  in order (later, or at the same instant and later in the input), become runs: rows of the same state in a row
  are one step of the id's path (no state follows itself: the page's Tornado has no Tornado before or after);
- a match starts at every run of Sequence[0]; each next step is the id's first later run of that state, at most
  MaxSequenceStepWindow after the step before (other states may come between: the page's Hail -> Tornado ->
  Thunderstorm Wind is found in more episodes than its Tornado has Hail right before and Thunderstorm Wind right
  after);
- prev is the state of the run right before the match, next that of the run right after, when at most
  MaxSequenceStepWindow away, else empty (the page counts ids with several empty prevs);
- dcount counts the ids with a match of the row's prev and next, once each.

The analyzer types the plugin's output as the first table (prev and next of the state column's type): the first
table is what later operators read; a query that ends with the plugin returns the three.
"""

from __future__ import annotations

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.env import Env
from kqlite.compile.lowering import Lowering
from kqlite.compile.scope import Column, Relation, col_ref
from kqlite.syntax import ast

# the three tables: their names (the page's titles) and the states they are counted by
FUNNEL_TABLES = (("prev_sequence_next", ("prev", "next")), ("prev_sequence", ("prev",)),
                 ("sequence_next", ("next",)))
MAX_SAMPLES = 128


def _aliased(rel: Relation, alias: str) -> exp.Table:
    return exp.Table(this=rel.source.this.copy(), alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=True)))


def _same(name: str, a: str, b: str) -> exp.Expression:
    return exp.NullSafeEQ(this=col_ref(name, a), expression=col_ref(name, b))


class FunnelSequencePlugin:
    def funnel_sequence(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        """The plugin inside a query: its first table (as the analyzer types it)."""
        return self.funnel_sequence_tables(plugin, rel, env)[0][1]

    def funnel_sequence_tables(self, plugin: ast.Call, rel: Relation, env: Env) -> list[tuple[str, Relation]]:
        low = Lowering(self, plugin, rel, env)
        args = low.arity(8, 8)
        id_col, timeline, start, end = low.id_timeline_range(args)
        window = low.step_value(args[4], "MaxSequenceStepWindow", timeline)
        step = low.bind(low.step_value(args[5], "Step", timeline), "step")
        state = low.column(args[6], "state column")
        if state.type == "dynamic":
            raise low.semantic(f"the state column '{state.name}' is dynamic: convert it first, e.g. tostring()", args[6])
        sequence = self.funnel_sequence_values(low, args[7], state)
        t, ident, s, b, o = (low.hidden(h) for h in ("t", "id", "s", "b", "o"))
        rows = low.run(
            rel,
            low.project([low.named(t, low.name(timeline.name)), low.named(ident, low.name(id_col.name)),
                         low.named(s, low.name(state.name))]),
            low.extend(**{b: low.along(low.call("bin_at", low.name(t), step, start), timeline)}),
            low.where(low.binary(">=", low.name(b), start), low.binary("<=", low.name(b), end)))
        rows = self.step(self.select_from(rows).select(
            *[col_ref(c.name) for c in rows.columns],
            exp.alias_(self.dialect.shape("input_order"), o, quoted=True), copy=False),
            [*rows.columns, Column(o, "long")])
        runs = self.funnel_runs(rows, ident, b, t, s, o)
        limit = sb.literal(window.type, window.const)
        matches = self.funnel_matches(runs, sequence, state, ident, b, s, limit)
        ends = self.funnel_ends(runs, matches, state, ident, b, s, limit)
        tables = []
        for name, by in FUNNEL_TABLES:
            counted = low.run(ends, low.summarize(
                [low.named("dcount", low.call("dcount", low.name(ident))),
                 low.named("samples", low.call("make_set", low.name(ident), low.literal("long", MAX_SAMPLES)))],
                [low.named(timeline.name, low.name(b)), *low.columns(list(by))]))
            # as the page lists them: by bin, most ids first (then by the states, for a stable order)
            keys = [ast.SortKey(low.name(timeline.name), False, True), ast.SortKey(low.name("dcount"), True, False),
                    *[ast.SortKey(low.name(n), False, True) for n in by]]
            out = low.run(counted, ast.Sort(low.pos, keys))
            out.serialized = False  # ordered for reading: a plugin's output is not serialized in Kusto
            tables.append((name, out))
        return tables

    @staticmethod
    def funnel_sequence_values(low: Lowering, node: ast.Expr, state: Column) -> list[exp.Expression]:
        """The Sequence's states as constants of the state column's type."""
        sequence = low.constant(node, "Sequence")
        if sequence.type != "dynamic" or not isinstance(sequence.const, list) or not sequence.const:
            raise low.semantic("the Sequence must be a constant array of states, e.g. dynamic(['a', 'b'])", node)
        python = {"string": str, "bool": bool, "long": int, "int": int, "real": int | float}.get(state.type)
        values = []
        for value in sequence.const:
            if python is None or not isinstance(value, python) or (state.type != "bool" and isinstance(value, bool)):
                raise low.semantic(f"the Sequence's state {value!r} is not a {state.type}, as the state column "
                                   f"'{state.name}' is", node)
            values.append(sb.literal(state.type, value))
        return values

    def funnel_runs(self, rows: Relation, ident: str, b: str, t: str, s: str, o: str) -> Relation:
        """Each id's runs per bin: `_n` numbers them in order, `_tf` and `_tl` are their first and last times."""
        def over(running: bool) -> dict:
            order = exp.Order(expressions=[exp.Ordered(this=col_ref(t)), exp.Ordered(this=col_ref(o))])
            spec = exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW")
            return {"partition_by": [col_ref(ident), col_ref(b)], "order": order, "spec": spec if running else None}

        keep = [ident, b, t, s, o]
        lagged = self.step(self.select_from(rows).select(
            *[col_ref(n) for n in keep],
            exp.alias_(exp.Window(this=exp.Anonymous(this="lag", expressions=[col_ref(s)]), **over(False)), "_ps",
                       quoted=True),
            exp.alias_(exp.Window(this=exp.RowNumber(), **over(False)), "_rn", quoted=True), copy=False),
            [*rows.columns, Column("_ps", rows.column(s).type), Column("_rn", "long")])
        starts = exp.Case(ifs=[exp.If(this=exp.or_(exp.EQ(this=col_ref("_rn"), expression=exp.Literal.number(1)),
                                                   exp.Not(this=exp.NullSafeEQ(this=col_ref(s), expression=col_ref("_ps")))),
                                      true=exp.Literal.number(1))], default=exp.Literal.number(0))
        numbered = self.step(self.select_from(lagged).select(
            *[col_ref(n) for n in keep], exp.alias_(exp.Window(this=exp.Sum(this=starts), **over(True)), "_n",
                                                    quoted=True), copy=False),
            [c for c in rows.columns if c.name in keep] + [Column("_n", "long")])
        groups = [col_ref(n) for n in (ident, b, "_n", s)]
        select = (self.select_from(numbered).select(
            *groups, exp.alias_(exp.Min(this=col_ref(t)), "_tf", quoted=True),
            exp.alias_(exp.Max(this=col_ref(t)), "_tl", quoted=True), copy=False)
            .group_by(*[g.copy() for g in groups], copy=False))
        kept = {c.name: c for c in numbered.columns}
        return self.step(select, [kept[ident], kept[b], kept["_n"], kept[s], Column("_tf", kept[t].type),
                                  Column("_tl", kept[t].type)])

    def funnel_matches(self, runs: Relation, sequence: list[exp.Expression], state: Column, ident: str, b: str,
                       s: str, limit: exp.Expression) -> Relation:
        """Every match of the sequence: its first run (`_n0`, `_tf0`) and its last (`_nk`, ending at `_tk`)."""
        kept = {c.name: c for c in runs.columns}
        columns = [kept[ident], kept[b], Column("_n0", "long"), Column("_tf0", kept["_tf"].type),
                   Column("_nk", "long"), Column("_tk", kept["_tl"].type)]
        first = (self.select_from(runs).select(
            col_ref(ident), col_ref(b), exp.alias_(col_ref("_n"), "_n0", quoted=True),
            exp.alias_(col_ref("_tf"), "_tf0", quoted=True), exp.alias_(col_ref("_n"), "_nk", quoted=True),
            exp.alias_(col_ref("_tl"), "_tk", quoted=True), copy=False)
            .where(exp.EQ(this=col_ref(s), expression=sequence[0].copy()), copy=False))
        matches = self.step(first, columns)
        for value in sequence[1:]:
            keys = [col_ref(n, "m") for n in (ident, b, "_n0", "_tf0")]
            # the first later run of the step's state; the runs' times grow, so when it is too far all are
            found = (exp.Select().select(*keys, exp.alias_(exp.Min(this=col_ref("_n", "r")), "_nk", quoted=True),
                                         copy=False)
                     .from_(_aliased(matches, "m"), copy=False)
                     .join(_aliased(runs, "r"), on=exp.and_(
                         _same(ident, "r", "m"), exp.EQ(this=col_ref(b, "r"), expression=col_ref(b, "m")),
                         exp.GT(this=col_ref("_n", "r"), expression=col_ref("_nk", "m")),
                         exp.EQ(this=col_ref(s, "r"), expression=value.copy()),
                         exp.LTE(this=exp.Sub(this=col_ref("_tf", "r"), expression=col_ref("_tk", "m")),
                                 expression=limit.copy())), join_type="inner", copy=False)
                     .group_by(*[k.copy() for k in keys], copy=False))
            found_rel = self.step(found, columns[:5])
            ended = (exp.Select().select(*[col_ref(c.name, "f") for c in columns[:5]],
                                         exp.alias_(col_ref("_tl", "r"), "_tk", quoted=True), copy=False)
                     .from_(_aliased(found_rel, "f"), copy=False)
                     .join(_aliased(runs, "r"), on=exp.and_(
                         _same(ident, "r", "f"), exp.EQ(this=col_ref(b, "r"), expression=col_ref(b, "f")),
                         exp.EQ(this=col_ref("_n", "r"), expression=col_ref("_nk", "f"))), join_type="inner",
                           copy=False))
            matches = self.step(ended, columns)
        return matches

    def funnel_ends(self, runs: Relation, matches: Relation, state: Column, ident: str, b: str, s: str,
                    limit: exp.Expression) -> Relation:
        """Each match's id and bin with `prev` and `next`: the states of the runs right before and after it, when
        close enough (else empty: "" for a string state, null otherwise)."""
        def neighbour(alias: str, number: exp.Expression, gap: exp.Expression) -> exp.Expression:
            return exp.and_(_same(ident, alias, "m"), exp.EQ(this=col_ref(b, alias), expression=col_ref(b, "m")),
                            exp.EQ(this=col_ref("_n", alias), expression=number),
                            exp.LTE(this=gap, expression=limit.copy()))

        def value(alias: str) -> exp.Expression:
            cell = col_ref(s, alias)
            return sb.coalesce(cell, sb.string("")) if state.type == "string" else cell

        before = neighbour("p", exp.Sub(this=col_ref("_n0", "m"), expression=exp.Literal.number(1)),
                           exp.Sub(this=col_ref("_tf0", "m"), expression=col_ref("_tl", "p")))
        after = neighbour("q", exp.Add(this=col_ref("_nk", "m"), expression=exp.Literal.number(1)),
                          exp.Sub(this=col_ref("_tf", "q"), expression=col_ref("_tk", "m")))
        select = (exp.Select().select(col_ref(ident, "m"), col_ref(b, "m"), exp.alias_(value("p"), "prev", quoted=True),
                                      exp.alias_(value("q"), "next", quoted=True), copy=False)
                  .from_(_aliased(matches, "m"), copy=False)
                  .join(_aliased(runs, "p"), on=before, join_type="left", copy=False)
                  .join(_aliased(runs, "q"), on=after, join_type="left", copy=False))
        kept = {c.name: c for c in matches.columns}
        return self.step(select, [kept[ident], kept[b], Column("prev", state.type), Column("next", state.type)])
