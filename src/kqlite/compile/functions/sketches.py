"""Functions over the exact sketches of hll() and tdigest() (see kqlite.compile.aggregates_sketches for their
representation): dcount_hll(), hll_merge(), tdigest_merge(), percentile_tdigest(), percentiles_array_tdigest(),
rank_tdigest().

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>."""

from __future__ import annotations

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import Typed
from kqlite.compile.types import normalize_type
from kqlite.errors import KqlSemanticError
from kqlite.syntax import ast

# Kusto names the column of these calls after them when no name is given (the analyzer's names): `project
# dcount_hll(h)` is dcount_hll_h. Read by the project/extend naming (ops_columns).
RESULT_NAMES = {"dcount_hll": "dcount_hll_", "percentile_tdigest": "percentile_tdigest_",
                "percentiles_array_tdigest": "percentile_tdigest_", "hll_merge": "hll_merged_result",
                "tdigest_merge": "tdigests_merge_result", "merge_tdigest": "tdigests_merge_result"}


def result_name(node: ast.Call) -> str | None:
    """The column name Kusto gives an unnamed call of a sketch function (None for other calls)."""
    prefix = RESULT_NAMES.get(node.name)
    if prefix is None or not prefix.endswith("_"):
        return prefix
    first = node.args[0] if node.args else None
    return prefix + first.name if isinstance(first, ast.Name) else None


class SketchFunctions:
    def _sketch(self, c, node, t: Typed, of: str) -> exp.Expression:
        if t.type != "dynamic":
            raise KqlSemanticError(f"{node.name}() expects the dynamic result of {of}(), got {t.type}", c.text,
                                   node.pos)
        return t.sql

    # ------------------------------------------------------------------ hll

    def f_dcount_hll(self, c, node, args):
        """The number of distinct values an hll holds: exact (its length), 0 for none."""
        self.arity(c, node, args, 1)
        h = self._sketch(c, node, args[0], "hll")
        count = sb.coalesce(c.dialect.shape("json_array_length", d=h), sb.literal("long", 0))
        return Typed(count, "long", result_name(node))

    def f_hll_merge(self, c, node, args):
        """hll values merged: their distinct values together."""
        self.arity(c, node, args, 2, 16)
        sketches = [self._sketch(c, node, a, "hll") for a in args]
        merged = c.dialect.shape("json_flatten_arrays", a=exp.Array(expressions=sketches))
        values = c.dialect.shape("json_distinct_sorted", l=merged)
        return Typed(c.dialect.call("to_json", [values]), "dynamic", result_name(node))

    # ------------------------------------------------------------------ tdigest

    def f_tdigest_merge(self, c, node, args):
        """tdigest values merged: each value's weights summed."""
        self.arity(c, node, args, 2, 16)
        sketches = [self._sketch(c, node, a, "tdigest") for a in args]
        entries = c.dialect.shape("tdigest_entries", d=sketches[0])
        for other in sketches[1:]:
            entries = c.dialect.call("array_concat", [entries, c.dialect.shape("tdigest_entries", d=other)])
        kind = sb.coalesce(*[c.dialect.shape("tdigest_type", d=s) for s in sketches], sb.string("long"))
        digest = c.dialect.shape("tdigest_from_entries", l=entries, t=kind)
        return Typed(digest, "dynamic", result_name(node))

    f_merge_tdigest = f_tdigest_merge

    def _typeof_arg(self, c, node) -> tuple[list[Typed], str | None]:
        """The compiled arguments, and the type of a trailing typeof(T) (None without one)."""
        raw = list(node.args)
        target = None
        if raw and isinstance(raw[-1], ast.TypeOf):
            target = normalize_type(raw[-1].type)
            if target is None:
                raise KqlSemanticError(f"unknown type {raw[-1].type}", c.text, raw[-1].pos)
            raw = raw[:-1]
        if any(isinstance(a, ast.TypeOf) for a in raw):
            raise KqlSemanticError(f"{node.name}(): typeof() must be the last argument", c.text, node.pos)
        return [c.compile(a) for a in raw], target

    def _digest_percentile(self, c, node, digest: exp.Expression, p: Typed, target: str | None) -> Typed:
        """The nearest-rank value of the digest at percentage `p`: as the digest's type (a dynamic value, a
        datetime or timespan as such), or converted to `target`."""
        if p.type not in ("int", "long", "real", "decimal"):
            raise KqlSemanticError(f"{node.name}(): the percentage must be a number, got {p.type}", c.text, node.pos)
        if p.is_const and p.const is not None and not 0 <= float(p.const) <= 100:
            raise KqlSemanticError(f"{node.name}(): the percentage must be from 0 to 100", c.text, node.pos)
        value = c.dialect.shape("tdigest_value_at", d=digest, p=sb.cast(p.sql, "real"))
        if target is None:  # a datetime or timespan digest's value as such, a number as it is
            kind = c.dialect.shape("tdigest_type", d=digest.copy())
            as_dynamic = exp.Case(ifs=[
                exp.If(this=exp.EQ(this=kind.copy(), expression=sb.string(t)),
                       true=self.json_of(Typed(c.dialect.shape("json_integer", e=value.copy()), t)))
                for t in ("datetime", "timespan")], default=value)
            return Typed(as_dynamic, "dynamic")
        if target in ("int", "long", "datetime", "timespan"):  # whole numbers (ticks) read exactly
            return Typed(sb.cast(c.dialect.shape("json_integer", e=value), "long" if target == "long" else target),
                         target)
        if target in ("real", "decimal"):
            return Typed(sb.cast(c.dialect.shape("json_number", e=value), target), target)
        return self.convert(c, Typed(value, "dynamic"), target)

    def f_percentile_tdigest(self, c, node, args):
        args, target = self._typeof_arg(c, node)
        self.arity(c, node, args, 2)
        digest = self._sketch(c, node, args[0], "tdigest")
        result = self._digest_percentile(c, node, digest, args[1], target)
        return Typed(result.sql, result.type, result_name(node))

    def f_percentiles_array_tdigest(self, c, node, args):
        """The values at several percentages, as a dynamic array (percentages given one by one or as a
        constant array; a typeof(T) converts each)."""
        args, target = self._typeof_arg(c, node)
        self.arity(c, node, args, 2, 64)
        digest = self._sketch(c, node, args[0], "tdigest")
        percents = args[1:]
        if len(percents) == 1 and percents[0].type == "dynamic":
            listed = percents[0].const if percents[0].is_const else None
            if not (isinstance(listed, list) and all(isinstance(p, int | float) for p in listed)):
                raise KqlSemanticError(f"{node.name}(): the percentages must be a constant array of numbers",
                                       c.text, node.pos)
            percents = [Typed(sb.number(p), "real", None, p) for p in listed]
        values = [self.json_of(self._digest_percentile(c, node, digest.copy(), p, target)) for p in percents]
        return Typed(c.dialect.call("json_array", values), "dynamic", result_name(node))

    def f_percentrank_tdigest(self, c, node, args):
        """rank_tdigest() as a percentage of the digest's total weight (exact where Kusto interpolates; null for
        an empty digest)."""
        rank = self.f_rank_tdigest(c, node, args)
        total = c.dialect.shape("tdigest_total_weight", d=self._sketch(c, node, args[0], "tdigest"))
        percent = exp.Div(this=exp.Mul(this=sb.number(100.0), expression=rank.sql),
                          expression=sb.cast(total, "real"))
        return Typed(exp.Case(ifs=[exp.If(this=exp.GT(this=total.copy(), expression=sb.number(0)), true=percent)],
                              default=sb.null("real")), "real")

    def f_rank_tdigest(self, c, node, args):
        """The total weight of the digest's values at or below `value` (exact: Kusto's is estimated); a real,
        as the analyzer types it."""
        self.arity(c, node, args, 2)
        digest = self._sketch(c, node, args[0], "tdigest")
        value = args[1]
        if value.type not in ("int", "long", "real", "decimal", "datetime", "timespan"):
            raise KqlSemanticError(f"{node.name}() needs a number, datetime or timespan to rank, got {value.type}",
                                   c.text, node.pos)
        whole = value.type in ("int", "long", "datetime", "timespan")
        rank = c.dialect.shape("tdigest_rank_bigint" if whole else "tdigest_rank_double", d=digest,
                               x=sb.cast(value.sql, "long" if whole else "real"))
        return Typed(sb.cast(rank, "real"), "real")
