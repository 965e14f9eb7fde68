"""KQL aggregation functions for summarize: name -> builder of SQL aggregate and result columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import signatures
from kqlite.compile import sqlbuild as sb
from kqlite.compile.aggregates_sketches import SketchAggregates
from kqlite.compile.expressions import ExprCompiler, Typed
from kqlite.compile.naming import aggregate_name
from kqlite.computed import schema_of
from kqlite.errors import KqlPositionedError, KqlSemanticError, KqlUnsupportedError, placed
from kqlite.syntax import ast

if TYPE_CHECKING:
    from kqlite.compile.compiler import Compiler


# the key a null datetime reads as in arg_max / arg_min: below and above every datetime's ticks (0 to 3.2e18),
# and a 64-bit integer literal in every engine (the extreme ones would be read as wider numbers)
_NULL_KEY = {"max": -(2**62), "min": 2**62}


@dataclass
class AggColumn:
    """One output column of an aggregate. `sql` is the aggregate; `post` (if any) finishes it from a
    reference to the aggregate's hidden column (e.g. picking a field of arg_max's struct)."""

    name: str
    type: str
    sql: exp.Expression
    post: object = None  # Callable[[exp.Expression], exp.Expression] | None
    # finishes it from that reference with an expression compiler over the grouped rows (a function computed in
    # Python per value, which reads those rows: buildschema): Callable[[ExprCompiler, exp.Expression], ...]
    post_over: object = None

    @property
    def finished(self) -> bool:
        """Whether the aggregate needs a finishing step after the grouping (not allowed inside expressions)."""
        return self.post is not None or self.post_over is not None
    distinct: DistinctValues | None = None  # summarize computes it this faster way where it can (see there)


@dataclass
class DistinctValues:
    """make_set's plan for summarize: the group's distinct non-null values of `value` (where `where` holds) in
    first-seen order, as JSON, at most `limit`: a GROUP BY (keys, value) keeping each value's first position,
    then the values of each group ordered by it: two hash aggregations, no list scanned per value."""

    value: Typed
    where: exp.Expression | None
    limit: exp.Expression | None


# Functions whose result keeps the name of their first argument: sum(toint(v)) is named sum_v.
_NAME_PASSING = {"tostring", "toint", "tolong", "todouble", "toreal", "tobool", "todatetime", "totimespan",
                 "todecimal", "toguid", "bin", "floor"}


def argument_name(arg: ast.Expr | None) -> str | None:
    while isinstance(arg, ast.Call) and arg.name in _NAME_PASSING and arg.args:
        arg = arg.args[0]
    return arg.name if isinstance(arg, ast.Name) else None


def _second(args: list[Typed]) -> Typed | None:
    return args[1] if len(args) > 1 else None


def _third(args: list[Typed]) -> Typed | None:
    return args[2] if len(args) > 2 else None


def _filter(agg: exp.Expression, condition: exp.Expression | None) -> exp.Expression:
    if condition is None:
        return agg
    return exp.Filter(this=agg, expression=exp.Where(this=condition))


def _not_null(x: exp.Expression) -> exp.Expression:
    return exp.Not(this=exp.Is(this=x, expression=exp.Null()))


class Aggregates(SketchAggregates):
    def __init__(self, compiler: Compiler):
        self.compiler = compiler
        # argument types no signature takes, by call: raised once the call's builder has had its say
        self._type_refusals: dict[int, KqlSemanticError] = {}
        self.table = {
            "count": self.count, "countif": self.countif, "dcount": self.dcount, "dcountif": self.dcountif,
            "count_distinct": self.dcount, "count_distinctif": self.dcountif,
            "sum": self.sum, "sumif": self.sumif, "avg": self.avg, "avgif": self.avgif,
            "min": self.min, "max": self.max, "minif": self.minif, "maxif": self.maxif,
            "make_set": self.make_set, "makeset": self.make_set, "make_set_if": self.make_set_if,
            "make_list": self.make_list, "makelist": self.make_list, "make_list_if": self.make_list_if,
            "make_list_with_nulls": self.make_list_with_nulls,
            "arg_max": self.arg_max, "arg_min": self.arg_min, "take_any": self.take_any, "any": self.take_any,
            "take_anyif": self.take_anyif,
            "stdev": self.stat("stddev_samp", "stdev"), "stdevp": self.stat("stddev_pop", "stdevp"),
            "variance": self.stat("var_samp", "variance"), "variancep": self.stat("var_pop", "variancep"),
            "stdevif": self.stat("stddev_samp", "stdevif", True), "varianceif": self.stat("var_samp", "varianceif", True),
            "make_bag": self.make_bag, "make_bag_if": self.make_bag_if,
            "percentile": self.percentile, "percentiles": self.percentiles,
            "buildschema": self.buildschema,
            # functions added with the issue-12 function batch
            "binary_all_and": self.bitwise("bit_and"), "binary_all_or": self.bitwise("bit_or"),
            "binary_all_xor": self.bitwise("bit_xor"),
            "variancepif": self.stat("var_pop", "variancepif", True),
            "covariance": self.covariance("covar_samp", "covariance"),
            "covariancep": self.covariance("covar_pop", "covariancep"),
            "covarianceif": self.covariance("covar_samp", "covarianceif", True),
            "covariancepif": self.covariance("covar_pop", "covariancepif", True),
            "percentiles_array": self.percentiles_array,
            "percentilew": self.percentilew, "percentilesw": self.percentilesw,
            "percentilesw_array": self.percentilesw_array,
            # exact sketches (aggregates_sketches.py)
            "hll": self.hll, "hll_if": self.hll_if, "hll_merge": self.hll_merge, "tdigest": self.tdigest,
            "tdigest_merge": self.tdigest_merge, "merge_tdigest": self.tdigest_merge,
        }

    def build(self, c: ExprCompiler, node: ast.Call, by_names: set[str]) -> list[AggColumn]:
        builder = self.table.get(node.name)
        if builder is None:
            if node.name in self.compiler.functions.table:
                raise KqlSemanticError(f"{node.name}() is not an aggregate; summarize needs aggregates such as count(), sum(), make_set()",
                                       c.text, node.pos)
            raise KqlUnsupportedError(f"aggregate {node.name}() is not supported by kqlite yet", c.text, node.pos)
        try:
            columns = builder(c, node, by_names)
        except KqlPositionedError as error:  # one raised without a place (a conversion...): at this call
            raise placed(error, c.text, node.pos, node.name) from None
        finally:
            refusal = self._type_refusals.pop(id(node), None)
        if refusal is not None:  # after the builder, whose own refusal of an argument says more
            raise refusal
        return columns

    def args(self, c: ExprCompiler, node: ast.Call, low: int, high: int | None = None) -> list[Typed]:
        high = low if high is None else high
        if not low <= len(node.args) <= high:
            want = f"{low}" if low == high else f"{low} to {high}"
            raise KqlSemanticError(f"{node.name}() takes {want} arguments, got {len(node.args)}", c.text, node.pos)
        args = [c.compile(a) for a in node.args]
        self.check_types(c, node, args)
        return args

    def check_types(self, c: ExprCompiler, node: ast.Call, args: list[Typed | None]) -> None:
        """Note a call whose argument types (None: not known) no signature of the aggregate takes, as Kusto
        refuses it (see kqlite.compile.signatures): raised by build() once the builder has had its say."""
        refused = signatures.refusal(node.name, args, "aggregate")
        if refused is not None:
            index, message = refused
            self._type_refusals[id(node)] = KqlSemanticError(message, c.text, node.args[index].pos or node.pos)

    def condition(self, c: ExprCompiler, t: Typed, node: ast.Call) -> exp.Expression:
        if t.type != "bool":
            raise KqlSemanticError(f"{node.name}() needs a bool predicate", c.text, node.pos)
        return t.sql

    @staticmethod
    def named(prefix: str, arg: ast.Expr | None) -> str:
        return aggregate_name(prefix, argument_name(arg))

    @staticmethod
    def column(name: str, kql_type: str, sql: exp.Expression) -> AggColumn:
        return AggColumn(name, kql_type, sql)

    @staticmethod
    def semantic_error(c: ExprCompiler, node: ast.Call, message: str) -> KqlSemanticError:
        return KqlSemanticError(message, c.text, node.pos)

    # ------------------------------------------------------------------ counts

    def count(self, c, node, by):
        self.args(c, node, 0, 1)
        return [AggColumn("count_", "long", exp.Count(this=exp.Star()))]

    def countif(self, c, node, by):
        (p,) = self.args(c, node, 1)
        return [AggColumn(self.named("countif", node.args[0]), "long", _filter(exp.Count(this=exp.Star()), self.condition(c, p, node)))]

    def dcount(self, c, node, by):
        args = self.args(c, node, 1, 1 if node.name == "count_distinct" else 2)  # dcount's accuracy
        x = args[0]
        prefix = "dcount" if node.name == "dcount" else "count_distinct"
        return [AggColumn(self.named(prefix, node.args[0]), "long", exp.Count(this=exp.Distinct(expressions=[x.sql])))]

    def dcountif(self, c, node, by):
        args = self.args(c, node, 2, 2 if node.name == "count_distinctif" else 3)  # dcountif's accuracy
        agg = exp.Count(this=exp.Distinct(expressions=[args[0].sql]))
        prefix = "dcountif" if node.name == "dcountif" else "count_distinctif"
        return [AggColumn(self.named(prefix, node.args[0]), "long", _filter(agg, self.condition(c, args[1], node)))]

    # ------------------------------------------------------------------ sums and averages

    def _sum(self, c, node, x: Typed, condition, prefix):
        if x.type == "dynamic":
            x = self.compiler.functions.convert(c, x, "real")
        if x.type not in ("int", "long", "real", "decimal", "timespan"):
            raise KqlSemanticError(f"{node.name}() needs a number or timespan, got {x.type}", c.text, node.pos)
        result = {"int": "long"}.get(x.type, x.type)
        agg = _filter(exp.Sum(this=x.sql), condition)
        return [AggColumn(self.named(prefix, node.args[0]), result, sb.cast(sb.coalesce(agg, exp.Literal.number(0)), result))]

    def sum(self, c, node, by):
        (x,) = self.args(c, node, 1)
        return self._sum(c, node, x, None, "sum")

    def sumif(self, c, node, by):
        x, p = self.args(c, node, 2)
        return self._sum(c, node, x, self.condition(c, p, node), "sumif")

    def _avg(self, c, node, x, condition, prefix):
        if x.type == "dynamic":
            x = self.compiler.functions.convert(c, x, "real")
        if x.type not in ("int", "long", "real", "decimal", "timespan"):
            raise KqlSemanticError(f"{node.name}() needs a number, got {x.type}", c.text, node.pos)
        agg = _filter(exp.Avg(this=x.sql), condition)
        if x.type == "timespan":
            return [AggColumn(self.named(prefix, node.args[0]), "timespan", sb.cast(exp.Round(this=agg), "long"))]
        if x.type == "decimal":  # Kusto's average of decimals is a decimal (null, not NaN, of no rows)
            return [AggColumn(self.named(prefix, node.args[0]), "decimal", sb.cast(agg, "decimal"))]
        return [AggColumn(self.named(prefix, node.args[0]), "real", sb.coalesce(agg, sb.number(float("nan"))))]

    def avg(self, c, node, by):
        (x,) = self.args(c, node, 1)
        return self._avg(c, node, x, None, "avg")

    def avgif(self, c, node, by):
        x, p = self.args(c, node, 2)
        return self._avg(c, node, x, self.condition(c, p, node), "avgif")

    def stat(self, sql_name: str, prefix: str, conditional: bool = False):
        def build(c, node, by):
            args = self.args(c, node, 2 if conditional else 1)
            x = args[0]
            if x.type == "dynamic":
                x = self.compiler.functions.convert(c, x, "real")
            if x.type == "datetime":
                raise KqlUnsupportedError(f"{node.name}() of datetimes is not supported by kqlite yet", c.text,
                                          node.pos, "take the variance of a number, such as datetime - datetime(1970-01-01)")
            if x.type not in ("int", "long", "real", "decimal", "timespan", "bool"):
                raise KqlSemanticError(f"{node.name}() needs a number, got {x.type}", c.text, node.pos)
            agg = _filter(c.dialect.call(sql_name, [sb.cast(x.sql, "real")]),
                          self.condition(c, args[1], node) if conditional else None)
            return [AggColumn(self.named(prefix, node.args[0]), "real", sb.coalesce(agg, sb.number(0.0)))]

        return build

    # ------------------------------------------------------------------ extremes

    def _extreme(self, c, node, x, condition, prefix, sql_cls):
        if x.type == "dynamic":
            x = self.compiler.functions.convert(c, x, "real")
        agg = _filter(sql_cls(this=x.sql), condition)
        if x.type == "real" and sql_cls is exp.Min:
            # Kusto's min of reals with a NaN is NaN; the engines order NaN above every number
            has_nan = _filter(c.dialect.call("bool_or", [c.dialect.call("isnan", [x.sql])]), condition)
            agg = exp.Case(ifs=[exp.If(this=has_nan, true=sb.number(float("nan")))], default=agg)
        return [AggColumn(self.named(prefix, node.args[0]), x.type, agg)]

    def min(self, c, node, by):
        (x,) = self.args(c, node, 1)
        return self._extreme(c, node, x, None, "min", exp.Min)

    def max(self, c, node, by):
        (x,) = self.args(c, node, 1)
        return self._extreme(c, node, x, None, "max", exp.Max)

    def minif(self, c, node, by):
        x, p = self.args(c, node, 2)
        return self._extreme(c, node, x, self.condition(c, p, node), "minif", exp.Min)

    def maxif(self, c, node, by):
        x, p = self.args(c, node, 2)
        return self._extreme(c, node, x, self.condition(c, p, node), "maxif", exp.Max)

    # ------------------------------------------------------------------ lists and sets

    def _list(self, c, node, x: Typed, condition, prefix, distinct, keep_nulls=False, limit: Typed | None = None):
        value = self.compiler.functions.json_of(x)
        # a dynamic null is a value: make_list keeps it (as make_list_with_nulls does for every type)
        keep_nulls = keep_nulls or (x.type == "dynamic" and not distinct)
        conditions = [] if keep_nulls else [_not_null(x.sql)]
        if condition is not None:
            conditions.append(condition)
        where = None
        for cond in conditions:
            where = cond if where is None else exp.And(this=where, expression=cond)
        if keep_nulls:
            value = sb.coalesce(value, c.dialect.shape("json_null"))
        agg = _filter(exp.ArrayAgg(this=value), where)
        if x.type == "dynamic":
            # the elements of arrays are listed one by one (make_list of [1, 2] and [3] is [1, 2, 3])
            agg = c.dialect.shape("json_flatten_arrays", a=agg)
        if distinct:
            agg = c.dialect.shape("list_distinct_first_seen", l=agg)
        # the size cap: an explicit max, or 128 for the deprecated makeset()/makelist()
        if limit is None and node.name in ("makeset", "makelist"):
            limit = Typed(exp.Literal.number(128), "long", None, 128)
        if limit is not None:
            if limit.type not in ("int", "long"):
                raise KqlSemanticError(f"{node.name}(): the maximum size must be a whole number", c.text, node.pos)
            if not limit.is_const:
                raise KqlSemanticError(f"{node.name}(): the maximum size must be a constant", c.text, node.pos)
            agg = c.dialect.shape("list_head", a=agg, n=limit.sql)
        agg = c.dialect.call("to_json", [agg])
        plan = DistinctValues(x, where, limit.sql if limit is not None else None) \
            if distinct and x.type != "dynamic" else None
        return [AggColumn(self.named(prefix, node.args[0]), "dynamic", sb.coalesce(agg, sb.literal("dynamic", [])),
                          distinct=plan)]

    # ------------------------------------------------------------------ bags and percentiles

    def _bag(self, c, node, x: Typed, condition, limit: Typed | None):
        """The union of the property bags of a group (a key in several bags takes one of its values; values
        that are not bags are ignored); `{}` when there is none."""
        if x.type != "dynamic":
            raise KqlSemanticError(f"{node.name}() needs a dynamic property bag, got {x.type}", c.text, node.pos)
        where = exp.EQ(this=c.dialect.call("json_type", [x.sql]), expression=sb.string("OBJECT"))
        if condition is not None:
            where = exp.And(this=where, expression=condition)
        bags = _filter(exp.ArrayAgg(this=x.sql), where)
        merged = c.dialect.shape("json_merge_bags", b=bags)
        if limit is not None:
            if not (limit.is_const and isinstance(limit.const, int)):
                raise KqlSemanticError(f"{node.name}(): the maximum size must be a constant", c.text, node.pos)
        return [AggColumn(self.named("bag", node.args[0]), "dynamic", sb.coalesce(merged, sb.literal("dynamic", {})))]

    def make_bag(self, c, node, by):
        args = self.args(c, node, 1, 2)
        return self._bag(c, node, args[0], None, _second(args))

    def make_bag_if(self, c, node, by):
        args = self.args(c, node, 2, 3)
        return self._bag(c, node, args[0], self.condition(c, args[1], node), _third(args))

    def _nearest_rank(self, c, node, x: Typed, p: Typed, name: str, weight: Typed | None = None) -> AggColumn:
        """Kusto's percentile of a group: the nearest-rank value (an element of the group, its type kept). With a
        weight (percentilew), each value counts as that many copies of itself."""
        if x.type not in ("int", "long", "real", "decimal", "datetime", "timespan"):
            raise KqlSemanticError(f"{node.name}() needs numbers, datetimes or timespans, got {x.type}", c.text,
                                   node.pos)
        # Kusto widens the element type: an int's percentile is a long, a decimal's a real
        result = {"int": "long", "decimal": "real"}.get(x.type, x.type)
        percent = sb.number(self._percent(c, node, p))
        if weight is not None:
            return AggColumn(name, result, self._weighted_nearest_rank(c, x, weight, percent, result))
        ordered = c.dialect.call("list_sort", [_filter(exp.ArrayAgg(this=x.sql), _not_null(x.sql))])
        rank = c.dialect.shape("percentile_nearest_rank", p=percent, x=x.sql)
        value = c.dialect.call("list_extract", [ordered, rank])
        return AggColumn(name, result, value if result == x.type else sb.cast(value, result))

    @staticmethod
    def _weighted_nearest_rank(c, x: Typed, weight: Typed, percent: exp.Expression, result: str) -> exp.Expression:
        """The smallest value whose running weight (values in order) reaches ceil(p% of the total weight): the
        nearest rank among the values repeated weight times. Rows of a null value or of a weight under 1 count
        for nothing."""
        w = sb.cast(weight.sql, "long")
        counted = exp.and_(_not_null(x.sql), exp.GT(this=w.copy(), expression=exp.Literal.number(0)))
        pair = exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier("v"), expression=sb.cast(x.sql, result)),
                                       exp.PropertyEQ(this=exp.to_identifier("w"), expression=w.copy())])
        pairs = _filter(exp.ArrayAgg(this=pair), counted)
        total = _filter(exp.Sum(this=w.copy()), counted.copy())
        # p * total / 100 rather than p / 100 * total: exact for whole percentages
        rank = sb.cast(exp.func("greatest", exp.Literal.number(1), exp.Ceil(this=exp.Div(
            this=exp.Mul(this=percent, expression=total), expression=sb.number(100.0)))), "long")
        return c.dialect.shape("weighted_nearest_rank", l=pairs, r=rank, n=sb.null(result))

    @staticmethod
    def _percent(c, node, p: Typed) -> float:
        """The constant percentage (0 to 100) of a percentile."""
        if p.type not in ("int", "long", "real", "decimal") or not p.is_const or p.const is None:
            raise KqlSemanticError(f"{node.name}(): the percentage must be a constant from 0 to 100", c.text,
                                   node.pos)
        value = float(p.const)
        if not 0 <= value <= 100:
            raise KqlSemanticError(f"{node.name}(): the percentage must be a constant from 0 to 100", c.text,
                                   node.pos)
        return value

    def _percent_label(self, c, node, p: Typed) -> str:
        value = self._percent(c, node, p)
        text = f"{value:g}" if value != int(value) else str(int(value))
        return text.replace(".", "_")

    def percentile(self, c, node, by):
        x, p = self.args(c, node, 2)
        name = f"{self.named('percentile', node.args[0])}_{self._percent_label(c, node, p)}"
        return [self._nearest_rank(c, node, x, p, name)]

    def percentiles(self, c, node, by):
        args = self.args(c, node, 2, 64)
        x, percents = args[0], args[1:]
        base = self.named("percentile", node.args[0])
        return [self._nearest_rank(c, node, x, p, f"{base}_{self._percent_label(c, node, p)}") for p in percents]

    def buildschema(self, c, node, by):
        """The smallest schema admitting every value: the group's values gathered as one JSON array, their
        schema computed in Python once per distinct array (kqlite.computed.schema_of)."""
        (x,) = self.args(c, node, 1)
        if x.type != "dynamic":
            raise KqlSemanticError(f"buildschema() needs a dynamic value, got {x.type}", c.text, node.pos)
        values = c.dialect.call("to_json", [_filter(exp.ArrayAgg(this=x.sql), _not_null(x.sql))])
        functions = self.compiler.functions

        def finish(over: ExprCompiler, ref: exp.Expression) -> exp.Expression:
            text = Typed(over.dialect.shape("json_text", d=ref), "string")
            return functions.computed_per_value(over, node, text, schema_of, "dynamic").sql

        return [AggColumn(self.named("schema", node.args[0]), "dynamic", values, post_over=finish)]

    def make_list(self, c, node, by):
        args = self.args(c, node, 1, 2)
        return self._list(c, node, args[0], None, "list", False, limit=_second(args))

    def make_list_if(self, c, node, by):
        args = self.args(c, node, 2, 3)
        return self._list(c, node, args[0], self.condition(c, args[1], node), "list", False, limit=_third(args))

    def make_list_with_nulls(self, c, node, by):
        (x,) = self.args(c, node, 1)
        return self._list(c, node, x, None, "list", False, keep_nulls=True)

    def make_set(self, c, node, by):
        args = self.args(c, node, 1, 2)
        return self._list(c, node, args[0], None, "set", True, limit=_second(args))

    def make_set_if(self, c, node, by):
        args = self.args(c, node, 2, 3)
        return self._list(c, node, args[0], self.condition(c, args[1], node), "set", True, limit=_third(args))

    # ------------------------------------------------------------------ row pickers

    def _arg(self, c, node, by, prefix: str, sql_name: str) -> list[AggColumn]:
        if len(node.args) < 1:
            raise KqlSemanticError(f"{node.name}() needs the expression to maximise or minimise", c.text, node.pos)
        key = c.compile(node.args[0])
        self.check_types(c, node, [key, *([None] * (len(node.args) - 1))])
        key_name = node.args[0].name if isinstance(node.args[0], ast.Name) else f"{prefix}_"
        picked: list[tuple[str, Typed]] = [(key_name, key)]
        emitted = {key_name}
        for arg in node.args[1:]:
            if isinstance(arg, ast.Star):
                for col in c.relation.columns:
                    if col.name in by or col.name in emitted:
                        continue
                    picked.append((col.name, c.compile(ast.Name(arg.pos, col.name))))
                    emitted.add(col.name)
            else:
                name = arg.name if isinstance(arg, ast.Name) else None
                picked.append((name or "Column", c.compile(arg)))
        # One aggregate per column, not one over a struct of them (packing a struct per row was the cost). They
        # agree on the row: every aggregate of a group sees the same rows in the same order and keeps the first
        # of tied keys. The _null forms keep a null value of the picked row (plain arg_max skips such rows).
        # Rows whose key is null are ignored unless every key is null; then the first row.
        no_key = exp.EQ(this=exp.Count(this=key.sql.copy()), expression=exp.Literal.number(0))
        # A datetime key (ticks, never beyond year 9999) reads a null as a number below or above every datetime
        # instead: a row with a key then always wins, and where every key is null the first row does (ties keep
        # the first), as the fallback below gives, without its count and first() per column.
        sentinel = _NULL_KEY[prefix] if key.type == "datetime" and c.dialect.arg_ties_keep_first else None
        out = []
        for i, (name, t) in enumerate(picked):
            if i == 0:
                best: exp.Expression = (exp.Max if prefix == "max" else exp.Min)(this=key.sql.copy())
            elif sentinel is not None:
                best = c.dialect.call(f"{sql_name}_null", [t.sql.copy(), exp.Coalesce(
                    this=key.sql.copy(), expressions=[exp.Literal.number(sentinel)])])
            else:
                best = exp.Case(ifs=[exp.If(this=no_key.copy(), true=c.dialect.call("first", [t.sql.copy()]))],
                                default=c.dialect.call(f"{sql_name}_null", [t.sql.copy(), key.sql.copy()]))
            out.append(AggColumn(name, t.type, best))
        return out

    def arg_max(self, c, node, by):
        return self._arg(c, node, by, "max", "arg_max")

    def arg_min(self, c, node, by):
        return self._arg(c, node, by, "min", "arg_min")

    def take_any(self, c, node, by):
        if not node.args:
            raise KqlSemanticError("take_any() needs at least one argument", c.text, node.pos)
        out = []
        if len(node.args) == 1 and not isinstance(node.args[0], ast.Star):
            x = c.compile(node.args[0])
            name = node.args[0].name if isinstance(node.args[0], ast.Name) else ("any_" if node.name == "any" else "take_any_")
            if node.name == "any" and isinstance(node.args[0], ast.Name):
                name = f"any_{node.args[0].name}"
            value = c.dialect.call("first", [x.sql])
            if x.type != "string":
                value = c.dialect.call("any_value", [x.sql])
            return [AggColumn(name, x.type, value)]
        return self._arg_any(c, node, by, out)

    def _arg_any(self, c, node, by, out):
        picked: list[tuple[str, Typed]] = []
        for arg in node.args:
            if isinstance(arg, ast.Star):
                for col in c.relation.columns:
                    if col.name not in by:
                        picked.append((col.name, c.compile(ast.Name(arg.pos, col.name))))
            else:
                picked.append((arg.name if isinstance(arg, ast.Name) else "Column", c.compile(arg)))
        fields = [exp.PropertyEQ(this=exp.to_identifier(f"f{i}"), expression=t.sql) for i, (_, t) in enumerate(picked)]
        agg = c.dialect.call("first", [exp.Struct(expressions=fields)])
        for i, (name, t) in enumerate(picked):
            field = f"f{i}"
            out.append(AggColumn(name, t.type, agg if i == 0 else None,
                                 post=lambda ref, field=field: exp.Dot(this=ref, expression=exp.to_identifier(field))))
        return out

    def take_anyif(self, c, node, by):
        x, p = self.args(c, node, 2)
        name = node.args[0].name if isinstance(node.args[0], ast.Name) else "take_anyif_"
        return [AggColumn(name, x.type, _filter(c.dialect.call("any_value", [x.sql]), self.condition(c, p, node)))]


    # ------------------------------------------------------------------ functions added with the issue-12 batch

    def bitwise(self, sql_name: str):
        """binary_all_and/or/xor: the bits of a group's non-null ints or longs, in the argument's type; named
        after the argument's column as the analyzer names them (Column1 for an expression)."""
        def build(c, node, by):
            (x,) = self.args(c, node, 1)
            if x.type not in ("int", "long"):
                raise KqlSemanticError(f"{node.name}() expects an int or long, got {x.type}", c.text, node.pos)
            agg = sb.cast(c.dialect.call(sql_name, [x.sql]), x.type)
            return [AggColumn(argument_name(node.args[0]) or "Column1", x.type, agg)]

        return build

    def covariance(self, sql_name: str, prefix: str, conditional: bool = False):
        """covariance (sample) and covariancep (population) of two numbers, 0 for a group too small (as variance);
        named after the first argument."""
        def build(c, node, by):
            args = self.args(c, node, 3 if conditional else 2)
            for a in args[:2]:
                if a.type not in ("int", "long", "real", "decimal"):
                    raise KqlSemanticError(f"{node.name}() expects numbers, got {a.type}", c.text, node.pos)
            x, y = (sb.cast(a.sql, "real") for a in args[:2])
            agg = _filter(c.dialect.call(sql_name, [x, y]), self.condition(c, args[2], node) if conditional else None)
            return [AggColumn(self.named(prefix, node.args[0]), "real", sb.coalesce(agg, sb.number(0.0)))]

        return build

    def _percent_list(self, c, node, percents: list[Typed]) -> list[Typed]:
        """The percentages of a percentiles_array: given one by one, or as one constant array."""
        if len(percents) == 1 and percents[0].type == "dynamic":
            listed = percents[0].const if percents[0].is_const else None
            if not (isinstance(listed, list) and all(isinstance(p, int | float) for p in listed)):
                raise KqlSemanticError(f"{node.name}(): the percentages must be a constant array of numbers",
                                       c.text, node.pos)
            return [Typed(sb.number(p), "real", None, p) for p in listed]
        return percents

    def _percentile_array(self, c, node, x: Typed, percents: list[Typed], weight: Typed | None) -> list[AggColumn]:
        columns = [self._nearest_rank(c, node, x, p, "", weight) for p in self._percent_list(c, node, percents)]
        json_values = [self.compiler.functions.json_of(Typed(col.sql, col.type)) for col in columns]
        array = c.dialect.call("json_array", json_values)
        return [AggColumn(self.named("percentiles", node.args[0]), "dynamic", array)]

    def percentiles_array(self, c, node, by):
        """percentiles as one dynamic array, the percentages given one by one or as a constant array."""
        args = self.args(c, node, 2, 64)
        return self._percentile_array(c, node, args[0], args[1:], None)

    # ------------------------------------------------------------------ weighted percentiles

    def _weight(self, c, node, w: Typed) -> Typed:
        if w.type not in ("int", "long"):
            raise KqlSemanticError(f"{node.name}(): the weight must be an int or long, got {w.type}", c.text, node.pos)
        return w

    def percentilew(self, c, node, by):
        x, w, p = self.args(c, node, 3)
        name = f"{self.named('percentile', node.args[0])}_{self._percent_label(c, node, p)}"
        return [self._nearest_rank(c, node, x, p, name, self._weight(c, node, w))]

    def percentilesw(self, c, node, by):
        args = self.args(c, node, 3, 64)
        x, w, percents = args[0], self._weight(c, node, args[1]), args[2:]
        base = self.named("percentile", node.args[0])
        return [self._nearest_rank(c, node, x, p, f"{base}_{self._percent_label(c, node, p)}", w) for p in percents]

    def percentilesw_array(self, c, node, by):
        """percentilesw as one dynamic array (named percentiles_<column>, as the analyzer names it)."""
        args = self.args(c, node, 3, 64)
        return self._percentile_array(c, node, args[0], args[2:], self._weight(c, node, args[1]))
