"""Sequence plugins: sequence_detect (every chain of rows that meets the steps' predicates in order).

`T | evaluate sequence_detect(TimelineColumn, MaxSequenceStepWindow, MaxSequenceSpan, Expr1, Expr2, ..., Dim1, ...)`:
one row per occurrence, an occurrence being rows r1..rn of the same dimension values where ri meets Expr_i,
each comes after the one before (later on the timeline, or at the same instant and later in the input) at most
MaxSequenceStepWindow after it, and rn is at most MaxSequenceSpan after r1. Every such chain is an occurrence
(a row can be the step of several), as the documentation's example shows (one 'Excessive Heat' followed by two
wildfires gives two rows, and two heats before one wildfire two rows).
"""

from __future__ import annotations

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.env import Env
from kqlite.compile.lowering import Lowering
from kqlite.compile.scope import Column, Relation, col_ref, unique_name
from kqlite.syntax import ast


class SequencePlugins:
    def sequence_detect(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        low = Lowering(self, plugin, rel, env)
        args = plugin.args
        if len(args) < 4:
            raise low.semantic(f"takes a timeline, two windows and at least one predicate, got {len(args)} arguments")
        timeline = low.timeline(args[0])
        step = low.step_value(args[1], "MaxSequenceStepWindow", timeline)
        span = low.step_value(args[2], "MaxSequenceSpan", timeline)
        c = self.exprs(env, rel)
        steps: list[tuple[str, ast.Expr]] = []  # (the step's name, its predicate)
        rest = list(args[3:])
        while rest and not (steps and isinstance(rest[0], ast.Name) and c.compile(rest[0]).type != "bool"):
            arg = rest.pop(0)
            predicate = arg.value if isinstance(arg, ast.NamedArg) else arg
            typed = c.compile(predicate)
            if typed.type != "bool":
                raise low.semantic(f"a step is a predicate (bool) and a dimension a column name: this {typed.type} "
                                   "is neither", arg)
            steps.append((arg.name if isinstance(arg, ast.NamedArg) else typed.name or "", predicate))
        dims = low.dimensions(rest)
        dim_names = [d.name for d in dims]
        # the rows of any step, with the step tests, the timeline and the input order under hidden names
        t, order = low.hidden("t"), low.hidden("o")
        tests = [low.hidden(f"p{i}") for i in range(len(steps))]
        base = low.run(rel, low.project([*low.columns(dim_names), low.named(t, low.name(timeline.name)),
                                         *(low.named(n, p) for n, (_, p) in zip(tests, steps, strict=True))]),
                       low.where(low.call("isnotnull", low.name(t))))
        numbered = self.step(self.select_from(base).select(
            *[col_ref(col.name) for col in base.columns],
            exp.alias_(self.dialect.shape("input_order"), order, quoted=True), copy=False),
            [*base.columns, Column(order, "long")])
        out = self.sequence_chains(numbered, steps, tests, dim_names, timeline, t, order, step, span)
        # as the documentation lists them: by the steps' times
        return low.ordered(out, [col.name for col in out.columns[len(dims):-1]] + dim_names)

    def sequence_chains(self, rows: Relation, steps: list[tuple[str, ast.Expr]], tests: list[str], dims: list[str],
                        timeline: Column, t: str, order: str, step: object, span: object) -> Relation:
        """The occurrences: one alias of `rows` per step, joined on the dimensions and the step window."""
        aliases = [f"_s{i}" for i in range(len(steps))]
        step_sql = sb.literal(step.type, step.const)  # type: ignore[attr-defined]
        span_sql = sb.literal(span.type, span.const)  # type: ignore[attr-defined]

        def at(i: int, name: str) -> exp.Column:
            return col_ref(name, aliases[i])

        select = self.select_from(rows, aliases[0]).where(exp.EQ(this=at(0, tests[0]), expression=exp.true()),
                                                          copy=False)
        for i in range(1, len(steps)):
            after = exp.or_(exp.GT(this=at(i, t), expression=at(i - 1, t)),
                            exp.and_(exp.EQ(this=at(i, t), expression=at(i - 1, t)),
                                     exp.GT(this=at(i, order), expression=at(i - 1, order))))
            on = exp.and_(exp.EQ(this=at(i, tests[i]), expression=exp.true()),
                          *[exp.NullSafeEQ(this=at(i, d), expression=at(0, d)) for d in dims],
                          after,
                          exp.LTE(this=exp.Sub(this=at(i, t), expression=at(i - 1, t)), expression=step_sql.copy()))
            select = select.join(exp.Table(this=rows.source.this.copy(), alias=exp.TableAlias(this=exp.to_identifier(aliases[i], quoted=True))),
                                 on=on, join_type="inner", copy=False)
        last = len(steps) - 1
        duration = exp.Sub(this=at(last, t), expression=at(0, t))
        select = select.where(exp.LTE(this=duration.copy(), expression=span_sql), copy=False)
        columns = [Column(d, next(c.type for c in rows.columns if c.name == d)) for d in dims]
        projections: list[exp.Expression] = [exp.alias_(at(0, d), d, quoted=True) for d in dims]
        taken = set(dims)
        for i, (name, _) in enumerate(steps):
            out = unique_name(f"{name}_{timeline.name}", taken)
            taken.add(out)
            projections.append(exp.alias_(at(i, t), out, quoted=True))
            columns.append(Column(out, timeline.type))
        # always a timespan, whatever the timeline (the analyzer's type): a number timeline's difference as ticks
        if timeline.type == "real":
            duration = exp.Round(this=duration)
        projections.append(exp.alias_(sb.cast(duration, "timespan"), unique_name("Duration", taken), quoted=True))
        columns.append(Column(unique_name("Duration", taken), "timespan"))
        return self.step(select.select(*projections, copy=False), columns)
