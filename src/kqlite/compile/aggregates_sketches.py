"""hll() and tdigest(): Kusto's mergeable sketches, in an exact representation of kqlite's own.

Kusto keeps a HyperLogLog or T-Digest (binary, estimated); kqlite keeps what they summarise, so that counts and
percentiles computed from them are exact (documented in docs/semantics.md):
- an hll is the JSON array of the group's distinct non-null values, ordered by their JSON text;
- a tdigest is `[["type"], [values ascending, distinct], [the total weight of each]]`, the shape Kusto's own
  has for small sets (`[[7], [values], [weights]]`) with the KQL type name in place of its code; datetimes and
  timespans as their ticks.
Neither is Kusto's format: a sketch made by Kusto cannot be read by kqlite, nor the reverse.

A mixin of `kqlite.compile.aggregates.Aggregates`; the scalar functions over sketches are in
`kqlite.compile.functions.sketches`."""

from __future__ import annotations

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import Typed

# tdigest's value types: stored as whole numbers (exact) or as reals
WHOLE = ("int", "long", "datetime", "timespan")
REAL = ("real", "decimal")


def _filter(agg: exp.Expression, condition: exp.Expression | None) -> exp.Expression:
    return agg if condition is None else exp.Filter(this=agg, expression=exp.Where(this=condition))


def _not_null(x: exp.Expression) -> exp.Expression:
    return exp.Not(this=exp.Is(this=x.copy(), expression=exp.Null()))


def _struct(**fields: exp.Expression) -> exp.Struct:
    return exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier(k), expression=v) for k, v in fields.items()])


def tdigest_type(kql_type: str) -> str:
    """The type a digest records: an int's is a long, a decimal's a real (as percentile widens them)."""
    return {"int": "long", "decimal": "real"}.get(kql_type, kql_type)


def empty_tdigest(kql_type: str) -> exp.Expression:
    return sb.literal("dynamic", [[kql_type], [], []])


class SketchAggregates:
    # ------------------------------------------------------------------ hll

    def _hll(self, c, node, x: Typed, condition: exp.Expression | None, accuracy: Typed | None, prefix: str):
        if x.type in ("real", "bool"):
            raise self.semantic_error(c, node, f"{node.name}() does not take a {x.type} value")
        if accuracy is not None and accuracy.type not in ("int", "long"):
            raise self.semantic_error(c, node, f"{node.name}(): the accuracy must be an int or long")
        # the accuracy is accepted and has nothing to do: kqlite's count is exact
        value = x.sql if x.type == "dynamic" else self.compiler.functions.json_of(x)
        where = _not_null(x.sql) if condition is None else exp.and_(_not_null(x.sql), condition)
        values = c.dialect.shape("json_distinct_sorted", l=_filter(exp.ArrayAgg(this=value), where))
        sketch = sb.coalesce(c.dialect.call("to_json", [values]), sb.literal("dynamic", []))
        return [self.column(self.named(prefix, node.args[0]), "dynamic", sketch)]

    def hll(self, c, node, by):
        args = self.args(c, node, 1, 2)
        return self._hll(c, node, args[0], None, args[1] if len(args) > 1 else None, "hll")

    def hll_if(self, c, node, by):
        args = self.args(c, node, 2, 3)
        return self._hll(c, node, args[0], self.condition(c, args[1], node), args[2] if len(args) > 2 else None,
                         "hll_if")

    def hll_merge(self, c, node, by):
        """The union of the group's hll values (their distinct values together)."""
        (h,) = self.args(c, node, 1)
        if h.type != "dynamic":
            raise self.semantic_error(c, node, f"{node.name}() expects the dynamic result of hll(), got {h.type}")
        merged = c.dialect.shape("json_flatten_arrays", a=_filter(exp.ArrayAgg(this=h.sql), _not_null(h.sql)))
        sketch = c.dialect.call("to_json", [c.dialect.shape("json_distinct_sorted", l=merged)])
        return [self.column(self.named("hll_merge", node.args[0]), "dynamic",
                            sb.coalesce(sketch, sb.literal("dynamic", [])))]

    # ------------------------------------------------------------------ tdigest

    def tdigest(self, c, node, by):
        """The group's values with their total weights (1 a row, or the weight argument; rows of a null value,
        or of a weight that is null or under 1, count for nothing)."""
        args = self.args(c, node, 1, 2)
        x = args[0]
        if x.type not in WHOLE + REAL:
            raise self.semantic_error(c, node, f"{node.name}() needs a number, datetime or timespan, got {x.type}")
        if len(args) > 1:
            w = args[1]
            if w.type not in ("int", "long"):
                raise self.semantic_error(c, node, f"{node.name}(): the weight must be an int or long, got {w.type}")
            weight = sb.cast(w.sql, "long")
            where = exp.and_(_not_null(x.sql), exp.GT(this=weight.copy(), expression=exp.Literal.number(0)))
        else:
            weight, where = sb.cast(exp.Literal.number(1), "long"), _not_null(x.sql)
        kind = tdigest_type(x.type)
        key = _struct(i=sb.cast(x.sql, "long") if x.type in WHOLE else sb.null("long"),
                      d=sb.cast(x.sql, "real") if x.type in REAL else sb.null("real"))
        text = sb.cast(c.dialect.call("to_json", [sb.cast(x.sql, kind if kind in REAL else "long")]), "string")
        entries = _filter(exp.ArrayAgg(this=_struct(k=key, v=text, w=weight)), where)
        digest = c.dialect.shape("tdigest_from_entries", l=entries, t=sb.string(kind))
        return [self.column(self.named("tdigest", node.args[0]), "dynamic", digest)]

    def tdigest_merge(self, c, node, by):
        """The group's digests as one: every value with its weights summed (named merge_tdigests_<arg>)."""
        (d,) = self.args(c, node, 1)
        if d.type != "dynamic":
            raise self.semantic_error(c, node, f"{node.name}() expects the dynamic result of tdigest(), got {d.type}")
        entries = c.dialect.call("flatten", [_filter(exp.ArrayAgg(this=c.dialect.shape("tdigest_entries", d=d.sql)),
                                                     _not_null(d.sql))])
        kind = exp.Max(this=c.dialect.shape("tdigest_type", d=d.sql))
        digest = c.dialect.shape("tdigest_from_entries", l=entries, t=sb.coalesce(kind, sb.string("long")))
        return [self.column(self.named("merge_tdigests", node.args[0]), "dynamic", digest)]
