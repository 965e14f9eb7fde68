"""Logic and number functions: not, iff, case, coalesce, math, bin.

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import Typed
from kqlite.compile.types import NUMERIC, widest_number
from kqlite.errors import KqlSemanticError
from kqlite.syntax import ast

if TYPE_CHECKING:
    pass


class LogicFunctions:
    def f_around(self, c, node, args):
        """Whether value is within [center - delta, center + delta]; null when any argument is."""
        self.arity(c, node, args, 3)
        for arg in args:
            if arg.type not in ("int", "long", "real", "datetime", "timespan"):
                raise KqlSemanticError(f"around() takes numbers, datetimes or timespans, not {arg.type}", c.text,
                                       node.pos)
        value, center, delta = node.args
        low = c.compile(ast.Binary(node.pos, "-", center, delta))
        high = c.compile(ast.Binary(node.pos, "+", center, delta))
        value_low, low = c.comparable(args[0], low, node)
        value_high, high = c.comparable(args[0], high, node)
        inside = exp.and_(exp.GTE(this=value_low.sql, expression=low.sql), exp.LTE(this=value_high.sql, expression=high.sql))
        return Typed(exp.Paren(this=inside), "bool")

    def f_not(self, c, node, args):
        self.arity(c, node, args, 1)
        t = args[0]
        if t.type == "dynamic":
            t = self.convert(c, t, "bool")
        self.expect(c, node, t, "bool")
        return Typed(exp.Paren(this=exp.Not(this=exp.Paren(this=t.sql))), "bool")

    def f_iff(self, c, node, args):
        self.arity(c, node, args, 3)
        cond, a, b = args
        a, b = self._unify(c, node, a, b)
        return Typed(
            exp.Case(ifs=[exp.If(this=self._cond(c, node, cond), true=a.sql)], default=b.sql), a.type
        )

    def f_case(self, c, node, args):
        if len(args) < 3 or len(args) % 2 == 0:
            raise KqlSemanticError(
                "case() takes predicate/value pairs and a final else value", c.text, node.pos
            )
        values = [args[i] for i in range(1, len(args), 2)] + [args[-1]]
        result_type = values[0].type
        for v in values[1:]:
            result_type = self._unify(c, node, Typed(v.sql, result_type), v)[0].type
        ifs = []
        for i in range(0, len(args) - 1, 2):
            value = args[i + 1]
            ifs.append(exp.If(this=self._cond(c, node, args[i]), true=self._cast_to(value, result_type)))
        return Typed(exp.Case(ifs=ifs, default=self._cast_to(args[-1], result_type)), result_type)

    def f_coalesce(self, c, node, args):
        self.arity(c, node, args, 2, 64)
        result_type = args[0].type
        for a in args[1:]:
            result_type = self._unify(c, node, Typed(a.sql, result_type), a)[0].type
        if result_type == "string":
            shape_args = [c.dialect.call("nullif", [a.sql, sb.string("")]) for a in args]
            return Typed(sb.coalesce(*shape_args, sb.string("")), "string")
        return Typed(sb.coalesce(*[self._cast_to(a, result_type) for a in args]), result_type)

    def f_abs(self, c, node, args):
        self.arity(c, node, args, 1)
        if args[0].type == "int":  # Kusto's abs() of an int is a long
            return Typed(exp.Abs(this=sb.cast(args[0].sql, "long")), "long")
        return Typed(exp.Abs(this=args[0].sql), args[0].type)

    def f_round(self, c, node, args):
        self.arity(c, node, args, 1, 2)
        digits = c.dialect.shape("to_int32", d=args[1].sql) if len(args) == 2 else exp.Literal.number(0)
        return Typed(exp.Round(this=args[0].sql, decimals=digits), args[0].type)

    def f_ceiling(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(exp.Ceil(this=args[0].sql), args[0].type)

    def f_sqrt(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(
            c.dialect.shape("sqrt_or_nan", x=args[0].sql), "real"
        )

    def f_pow(self, c, node, args):
        self.arity(c, node, args, 2)
        return Typed(exp.Pow(this=sb.cast(args[0].sql, "real"), expression=args[1].sql), "real")

    def _math(name: str, sql_name: str):  # noqa: N805
        def build(self, c, node, args):
            self.arity(c, node, args, 1)
            return Typed(c.dialect.call(sql_name, [sb.cast(args[0].sql, "real")]), "real")

        return build

    f_exp = _math("exp", "exp")
    f_log = _math("log", "ln")
    f_log10 = _math("log10", "log10")
    f_log2 = _math("log2", "log2")
    f_cos = _math("cos", "cos")
    f_sin = _math("sin", "sin")
    f_tan = _math("tan", "tan")

    def f_sign(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(sb.cast(c.dialect.call("sign", [args[0].sql]), "real"), "real")  # Kusto's sign() is a real

    def f_isnan(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(c.dialect.call("isnan", [sb.cast(args[0].sql, "real")]), "bool")

    def f_isinf(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(c.dialect.call("isinf", [sb.cast(args[0].sql, "real")]), "bool")

    def f_isfinite(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(c.dialect.call("isfinite", [sb.cast(args[0].sql, "real")]), "bool")

    def f_max_of(self, c, node, args):
        return self._extreme(c, node, args, "greatest")

    def f_min_of(self, c, node, args):
        return self._extreme(c, node, args, "least")

    def _extreme(self, c, node, args, sql_name):
        self.arity(c, node, args, 2, 64)
        result_type = args[0].type
        if all(a.type in NUMERIC for a in args):  # numbers widen: max_of(1, 2.5) is a real
            result_type = widest_number(*(a.type for a in args))
            return Typed(c.dialect.call(sql_name, [self._cast_to(a, result_type) for a in args]), result_type)
        if all(a.type in NUMERIC for a in args):  # numbers widen: max_of(1, 2.5) is a real
            result_type = widest_number(*(a.type for a in args))
            return Typed(c.dialect.call(sql_name, [self._cast_to(a, result_type) for a in args]), result_type)
        for a in args[1:]:
            result_type = self._unify(c, node, Typed(a.sql, result_type), a)[0].type
        return Typed(
            c.dialect.call(sql_name, [self._cast_to(a, result_type) for a in args]),
            result_type,
        )

    def f_bin(self, c, node, args):
        self.arity(c, node, args, 2)
        value, size = args
        name = value.name
        if value.type == "datetime":
            if size.type != "timespan":
                raise KqlSemanticError("bin() of a datetime needs a timespan size", c.text, node.pos)
            return Typed(c.dialect.shape("bin_datetime", v=value.sql, s=size.sql), "datetime", name)
        if value.type == "timespan" and size.type == "timespan":
            return Typed(c.dialect.shape("bin_long", v=value.sql, s=size.sql), "timespan", name)
        if value.type in NUMERIC and size.type in NUMERIC:
            result = {"int": "long"}.get(widest_number(value.type, size.type), widest_number(value.type, size.type))
            if result == "long":
                return Typed(sb.cast(c.dialect.shape("bin_floor_long", v=value.sql, s=size.sql), result), result, name)
            binned = c.dialect.shape("bin_real", v=value.sql, s=size.sql)
            return Typed(binned if result == "real" else sb.cast(binned, result), result, name)
        raise KqlSemanticError(f"bin() cannot round {value.type} by {size.type}", c.text, node.pos)

    def f_floor(self, c, node, args):  # Kusto's floor() is bin(): it always takes the bin size
        return self.f_bin(c, node, args)
