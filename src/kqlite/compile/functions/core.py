"""The function table (name -> builder) and what every builder shares: dispatch, conversions, list operators."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import known_values, signatures
from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import ExprCompiler, Typed, has_any_regex, has_regex
from kqlite.compile.types import NUMERIC, numeric_result
from kqlite.errors import KqlPositionedError, KqlSemanticError, KqlUnsupportedError, placed
from kqlite.syntax import ast

if TYPE_CHECKING:
    from kqlite.compile.compiler import Compiler

Builder = Callable[[ExprCompiler, ast.Call, list[Typed]], Typed]

TICKS = {
    "day": 864_000_000_000,
    "hour": 36_000_000_000,
    "minute": 600_000_000,
    "second": 10_000_000,
    "millisecond": 10_000,
    "microsecond": 10,
    "nanosecond": 1,
}

class CoreFunctions:
    def __init__(self, compiler: Compiler):
        self.compiler = compiler
        self.table: dict[str, Builder] = {}
        for attr in dir(self):
            if attr.startswith("f_"):
                self.table[attr[2:]] = getattr(self, attr)
        for alias, target in _ALIASES.items():
            self.table[alias] = self.table[target]
        # functions that return several columns (series_stats, series_fit_line): name -> builder of the columns
        self.tuples: dict[str, Callable[[ExprCompiler, ast.Call, list[Typed]], list[tuple[str, Typed]]]] = {
            attr[2:]: getattr(self, attr) for attr in dir(self) if attr.startswith("t_")}

    def columns_of(self, c: ExprCompiler, node: ast.Call) -> list[tuple[str, Typed]]:
        """The columns a function of several results gives (extend/project spread them)."""
        return self.tuples[node.name](c, node, [c.compile(arg) for arg in node.args])

    def call(self, c: ExprCompiler, node: ast.Call) -> Typed:
        name = node.name
        binding = c.env.lookup(name)
        if binding is not None:
            return self.compiler.call_user_scalar(c, binding, node)
        if name in self.compiler.aggregates.table and name not in self.table:  # hll_merge: both kinds
            raise KqlSemanticError(
                f"aggregate function {name}() can only be used in summarize",
                c.text,
                node.pos,
                "use it inside `| summarize ...`",
            )
        builder = self.table.get(name)
        if builder is None and name in self.tuples:
            raise KqlSemanticError(
                f"{name}() returns several columns, so it cannot be part of an expression",
                c.text,
                node.pos,
                f"use it alone in extend or project: extend (a, b) = {name}(...)",
            )
        if builder is None:
            raise KqlUnsupportedError(
                f"function {name}() is not supported by kqlite yet",
                c.text,
                node.pos,
                "check the spelling, or open an issue with the query",
            )
        special = _RAW_ARGS.get(name)
        args = [] if special else [c.compile(arg) for arg in node.args]
        try:
            result = builder(c, node, args)
        except KqlPositionedError as error:  # one raised without a place (a conversion...): at this call
            raise placed(error, c.text, node.pos, name) from None
        if args:  # after the builder, whose own refusal of an argument says more
            self.check_types(c, node, args)
        return result

    def check_types(self, c: ExprCompiler, node: ast.Call, args: list[Typed]) -> None:
        """Refuse, as Kusto does, a call whose argument types no signature of the function takes."""
        refused = signatures.refusal(node.name, args)  # type: ignore[arg-type]
        if refused is not None:
            index, message = refused
            raise KqlSemanticError(message, c.text, node.args[index].pos or node.pos)

    def arity(self, c: ExprCompiler, node: ast.Call, args: list, low: int, high: int | None = None) -> None:
        high = low if high is None else high
        if not low <= len(args) <= high:
            want = f"{low}" if low == high else f"{low} to {high}"
            raise KqlSemanticError(f"{node.name}() takes {want} arguments, got {len(args)}", c.text, node.pos)

    def expect(self, c: ExprCompiler, node: ast.Call, arg: Typed, *types: str) -> None:
        if arg.type not in types:
            raise KqlSemanticError(
                f"{node.name}() expects {' or '.join(types)}, got {arg.type}", c.text, node.pos
            )

    def check_regex(self, pattern: str, node: ast.Expr) -> None:
        if re.search(r"\(\?[=!<]|\\[1-9]", pattern):
            raise KqlSemanticError(
                "regular expressions use RE2 syntax: no look-around or back-references",
                self.compiler.text,
                node.pos,
            )

    def to_string(self, t: Typed) -> Typed:
        x = t.sql
        if t.type == "string":
            return t
        if t.type == "bool":
            return Typed(
                self.compiler.dialect.shape("bool_to_text", x=x),
                "string",
                t.name,
            )
        if t.type == "datetime":
            return Typed(self.compiler.dialect.shape("datetime_to_text", t=x), "string", t.name)
        if t.type == "timespan":
            return Typed(self.compiler.dialect.shape("timespan_to_text", t=x), "string", t.name)
        if t.type == "real":
            return Typed(self.compiler.dialect.shape("real_to_text", x=x), "string", t.name)
        if t.type == "dynamic":
            text = known_values.text(t.known, x, lambda value: self.compiler.dialect.shape("json_to_kql_text", d=value))
            return Typed(text, "string", t.name)
        return Typed(sb.coalesce(sb.cast(x, "string"), sb.string("")), "string", t.name)

    def convert(self, c: ExprCompiler, t: Typed, target: str) -> Typed:
        """Kusto's to<type>(): failure gives null (strings never null)."""
        if target == "string":
            return self.to_string(t)
        if t.type == target:
            return t
        x = t.sql
        if t.type == "dynamic":
            if target in ("long", "int"):  # a dynamic number is truncated (9.99 -> 9), text is read as text
                number = Typed(c.dialect.shape("json_number", e=x), "real")
                as_text = self.convert(c, Typed(c.dialect.shape("json_to_text", d=x), "string"), target)
                return Typed(exp.Case(ifs=[exp.If(this=c.dialect.shape("json_is_number", d=x.copy()),
                                                  true=self.convert(c, number, target).sql)],
                                      default=as_text.sql), target)
            if target in ("real", "decimal", "bool"):
                inner = c.dialect.shape("json_to_text", d=x)
                return self.convert(c, Typed(inner, "string"), target)
            if target in ("datetime", "timespan", "guid"):
                return self.convert(c, Typed(c.dialect.shape("json_to_text", d=x), "string"), target)
        if target in ("long", "int"):
            if t.type == "string":
                # whole numbers only ("5.9" is not an int), or hex ("0xFF")
                value = c.dialect.shape("text_to_long", s=c.dialect.shape("trim_whitespace", s=x))
                if target == "int":  # out of an int's range is null (an engine's cast may wrap it instead)
                    fits = exp.Between(this=value.copy(), low=sb.number(-2**31), high=sb.number(2**31 - 1))
                    return Typed(exp.Case(ifs=[exp.If(this=fits, true=sb.cast(value, "int"))],
                                          default=sb.null("int")), target)
                return Typed(sb.try_cast(value, target), target)
            if t.type in ("real", "decimal"):
                return Typed(sb.try_cast(c.dialect.call("trunc", [x]), target), target)
            if target == "int" and t.type in ("long", "timespan"):
                # Kusto wraps a long that does not fit in an int (two's complement), it does not fail
                return Typed(sb.cast(c.dialect.shape("wrap_int32", x=x), "int"), "int")
            if t.type in ("bool", "long", "int", "timespan"):
                return Typed(sb.try_cast(x, target), target)
            if t.type == "datetime":
                ticks = Typed(c.dialect.shape("datetime_to_kusto_ticks", x=x), "long")
                return ticks if target == "long" else self.convert(c, ticks, target)
        if target in ("real", "decimal"):
            if t.type == "string":  # DuckDB would read "1_000" as 1000; Kusto does not
                trimmed = c.dialect.shape("trim_whitespace", s=x)  # tabs and line breaks too, not only spaces
                return Typed(sb.try_cast(c.dialect.shape("text_to_real", s=trimmed), target), target)
            if t.type in NUMERIC + ("bool", "timespan"):
                return Typed(sb.try_cast(x, target), target)
        if target == "bool":
            if t.type == "string":
                # true/false in any case, or a whole number (non-zero is true); no surrounding spaces
                return Typed(c.dialect.shape("text_to_bool", s=x), "bool")
            if t.type in NUMERIC:
                return Typed(c.dialect.shape("number_to_bool", x=x), "bool")
        if target == "datetime":
            if t.type == "string":
                return Typed(c.dialect.shape("text_to_datetime", s=x), "datetime")
            if t.type in ("long", "int"):
                return Typed(c.dialect.shape("kusto_ticks_to_datetime", x=x), "datetime")
        if target == "timespan":
            if t.type == "string":
                # [d.]hh:mm[:ss[.fffffff]], or a number with a unit as KQL writes timespans (1d, 2h, 90s, 5ms)
                return Typed(sb.coalesce(c.dialect.shape("timespan_from_text", s=x),
                                         c.dialect.shape("timespan_from_unit_text", s=x.copy())), "timespan")
            if t.type in NUMERIC:
                return Typed(sb.try_cast(x, "long"), "timespan")
        if target == "guid" and t.type == "string":
            return Typed(sb.try_cast(x, "guid"), "guid")
        if target == "dynamic":
            return Typed(self.json_of(t), "dynamic")
        raise KqlSemanticError(f"cannot convert {t.type} to {target}", c.text, None)

    def json_of(self, t: Typed) -> exp.Expression:
        """A SQL value of any KQL type as a JSON value (dynamic)."""
        if t.type == "dynamic":
            return t.sql
        if t.type == "datetime":
            return self.compiler.dialect.shape(
                "datetime_to_json",
                x=t.sql,
            )
        if t.type == "timespan":
            return self.compiler.dialect.shape(
                "text_to_json_or_null", x=t.sql, s=self.to_string(t).sql
            )
        if t.type == "guid":
            return self.compiler.dialect.shape("value_to_json_text", x=t.sql)
        return self.compiler.dialect.call("to_json", [t.sql])

    def in_list(self, c: ExprCompiler, node: ast.InList) -> Typed:
        left = c.compile(node.left)
        op = node.op
        if (
            len(node.items) == 1
            and isinstance(node.items[0], ast.Pipeline | ast.Name)
            and self.compiler.is_tabular(c, node.items[0])
        ):
            sub = self.compiler.subquery_first_column(c, node.items[0])
            if op in ("has_any", "has_all"):
                return self._has_terms_of_table(c, node, left, sub)
            lhs = left.sql
            sub_sql, sub_type = sub
            if op in ("in~", "!in~"):
                lhs = exp.Lower(this=c.as_string(left).sql)
                sub_sql = exp.select(exp.Lower(this=exp.column("c0")), copy=False).from_(
                    exp.Subquery(
                        this=sub_sql,
                        alias=exp.TableAlias(this=exp.to_identifier("s"), columns=[exp.to_identifier("c0")]),
                    )
                , copy=False)
            result: exp.Expression = exp.In(this=lhs, query=exp.Subquery(this=sub_sql))
            return self._finish_in(left, result, op.startswith("!"))
        items = [c.compile(item) for item in node.items]
        flat: list[Typed] = []
        computed: list[Typed] = []  # dynamic arrays the query computes (toscalar(make_set(...)), a column)
        for item in items:
            if item.type == "dynamic" and item.is_const and isinstance(item.const, list):
                for value in _flatten(item.const):
                    kql_type = _json_type(value)
                    flat.append(Typed(sb.literal(kql_type, value), kql_type, None, value))
            elif item.type == "dynamic" and not item.is_const:
                computed.append(item)
            else:
                flat.append(item)
        if computed:
            return self._in_computed_lists(c, node, left, flat, computed)
        if op in ("has_any", "has_all"):
            text = c.as_string(left).sql
            if not flat:
                return Typed(exp.Boolean(this=op == "has_all"), "bool")
            parts = []
            words = [str(item.const) for item in flat if item.is_const and item.type == "string"]
            if "" in words and op == "has_any":  # every text has the empty term
                return Typed(exp.true(), "bool")
            alternation = op == "has_any" and len(words) > 1  # the words in one regex, one scan of the text
            if alternation:
                parts.append(exp.RegexpLike(this=text, expression=sb.string(c.dialect.regex(has_any_regex(words)))))
            for item in flat:
                if item.is_const and item.type == "string":
                    if not alternation:
                        term = str(item.const)
                        parts.append(exp.RegexpLike(this=text, expression=sb.string(c.dialect.regex(has_regex(term)))))
                else:  # a number, a datetime...: its text as tostring() writes it, as `has 123` reads it
                    fake = ast.Binary(node.pos, "has", node.left, node.left)
                    parts.append(c.string_operator("has", left, c.as_string(item), fake).sql)
            combined = parts[0]
            for part in parts[1:]:
                combined = (exp.Or if op == "has_any" else exp.And)(this=combined, expression=part)
            return Typed(exp.Paren(this=combined), "bool")
        if not flat:
            return Typed(exp.Boolean(this=op.startswith("!")), "bool")
        insensitive = op in ("in~", "!in~")
        lhs = left
        values = []
        for item in flat:
            a, b = c.comparable(lhs, item, node)
            if insensitive:
                values.append(exp.Lower(this=c.as_string(b).sql))
            else:
                values.append(b.sql)
            lhs_sql = a.sql
        if insensitive:
            lhs_sql = exp.Lower(this=c.as_string(left).sql)
        result = exp.In(this=lhs_sql, expressions=values)
        return self._finish_in(left, result, op.startswith("!"))

    def _in_computed_lists(self, c: ExprCompiler, node: ast.InList, left: Typed, flat: list[Typed],
                           computed: list[Typed]) -> Typed:
        """in / in~ / has_any / has_all over arrays known only when the query runs: each element (a scalar; nested
        arrays are not flattened) is tested in a lambda; the constants of the same list join in."""
        op = node.op
        base = op.lstrip("!")
        every = base == "has_all"
        parts: list[exp.Expression] = []
        if flat:
            if not all(t.is_const for t in flat):
                raise KqlUnsupportedError(f"{op} mixing computed lists with non-constant values", c.text, node.pos)
            constants = ast.InList(node.pos, base, node.left, [ast.Literal(node.pos, "dynamic", [t.const for t in flat])])
            parts.append(self.in_list(c, constants).sql)
        element = Typed(c.dialect.shape("loop_element"), "dynamic")
        if base in ("has_any", "has_all"):
            fake = ast.Binary(node.pos, "has", node.left, node.left)
            test = c.string_operator("has", left, self.to_string(element), fake).sql
        elif base == "in~":
            test = exp.EQ(this=exp.Lower(this=c.as_string(left).sql), expression=exp.Lower(this=self.to_string(element).sql))
        else:
            value = element if left.type == "dynamic" else self.convert(c, element, left.type)
            a, b = c.comparable(left, value, node)
            test = exp.EQ(this=a.sql, expression=b.sql)
        for listed in computed:
            shape = "list_all" if every else "list_any"
            if listed.sql.find(exp.Subquery, exp.Select) is not None:
                shape += "_of_subquery"
            parts.append(c.dialect.shape(shape, l=self.json_list(c, node, listed), p=test.copy()))
        result = parts[0]
        for part in parts[1:]:
            result = (exp.And if every else exp.Or)(this=result, expression=part)
        if base in ("has_any", "has_all"):
            return Typed(exp.Paren(this=result), "bool")
        return self._finish_in(left, exp.Paren(this=result), op.startswith("!"))

    def _has_terms_of_table(self, c: ExprCompiler, node: ast.InList, left: Typed,
                            sub: tuple[exp.Select, str]) -> Typed:
        """`x has_any (T)` / `has_all`: the terms are the first column of a tabular expression (a list the
        query computes, a threat-intel feed): some term, or every one, is a term of x."""
        sub_sql, sub_type = sub
        term = Typed(exp.column("_term", table="_terms", quoted=True), sub_type)
        if sub_type != "string":
            term = c.as_string(term)
        fake = ast.Binary(node.pos, "has", node.left, node.left)
        has = c.string_operator("has", left, term, fake).sql
        terms = exp.Subquery(this=sub_sql, alias=exp.TableAlias(this=exp.to_identifier("_terms", quoted=True),
                                                                columns=[exp.to_identifier("_term", quoted=True)]))
        if node.op == "has_any":
            found = exp.select(exp.Literal.number(1)).from_(terms, copy=False).where(has, copy=False)
            return Typed(exp.Exists(this=found), "bool")
        missing = exp.select(exp.Literal.number(1)).from_(terms, copy=False).where(exp.not_(exp.Paren(this=has)), copy=False)
        return Typed(exp.not_(exp.Exists(this=missing)), "bool")

    def _finish_in(self, left: Typed, result: exp.Expression, negated: bool) -> Typed:
        if negated:
            result = exp.Not(this=exp.Paren(this=result))
        if left.type != "string":
            # a null left side: `in` is false, `!in` true (SQL would give null)
            result = sb.coalesce(exp.Paren(this=result), exp.Boolean(this=negated))
        return Typed(result, "bool")

    def f_tostring(self, c, node, args):
        self.arity(c, node, args, 1)
        return self.to_string(args[0])

    def _converter(target: str):  # noqa: N805 - a builder factory used in the class body
        def build(self, c, node, args):
            self.arity(c, node, args, 1)
            return self.convert(c, args[0], target)

        return build

    f_toint = _converter("int")
    f_tolong = _converter("long")
    f_todouble = _converter("real")
    f_todecimal = _converter("decimal")
    f_tobool = _converter("bool")
    f_todatetime = _converter("datetime")
    f_totimespan = _converter("timespan")
    f_toguid = _converter("guid")

    def f_parse_json(self, c, node, args):
        self.arity(c, node, args, 1)
        t = args[0]
        if t.type == "dynamic":
            return t
        if t.type != "string":
            return Typed(self.json_of(t), "dynamic")
        # valid JSON parses; anything else becomes a dynamic string holding the text (Kusto's rule)
        return Typed(c.dialect.shape("parse_json", s=t.sql), "dynamic")

    def f_gettype(self, c, node, args):
        self.arity(c, node, args, 1)
        t = args[0]
        names = {
            "long": "long",
            "int": "int",
            "real": "real",
            "string": "string",
            "bool": "bool",
            "datetime": "datetime",
            "timespan": "timespan",
            "guid": "guid",
            "decimal": "decimal",
        }
        if t.type != "dynamic":
            return Typed(sb.string(names[t.type]), "string")
        return Typed(c.dialect.shape("json_kql_type", d=t.sql), "string")

    def _cond(self, c, node, cond: Typed) -> exp.Expression:
        if cond.type == "dynamic":
            cond = self.convert(c, cond, "bool")
        self.expect(c, node, cond, "bool")
        return cond.sql

    def _unify(self, c, node, a: Typed, b: Typed) -> tuple[Typed, Typed]:
        if a.type == b.type:
            return a, b
        if {a.type, b.type} <= {"int", "long"}:
            wide = numeric_result(a.type, b.type)
            return Typed(sb.cast(a.sql, wide), wide), Typed(sb.cast(b.sql, wide), wide)
        if a.is_const and a.const is None:
            return Typed(sb.null(b.type), b.type), b
        if b.is_const and b.const is None:
            return a, Typed(sb.null(a.type), a.type)
        raise KqlSemanticError(
            f"{node.name}(): all results must have the same type ({a.type} vs {b.type})", c.text, node.pos
        )

    def _cast_to(self, t: Typed, kql_type: str) -> exp.Expression:
        return t.sql if t.type == kql_type else sb.cast(t.sql, kql_type)

    def f_typeof(self, c, node, args):
        raise KqlSemanticError("typeof() is only valid as an argument", c.text, node.pos)

    def f_toscalar(self, c, node, args):
        return self.compiler.toscalar(c, node)

    def f_materialize(self, c, node, args):
        raise KqlSemanticError("materialize() returns a table, not a scalar", c.text, node.pos)


def _flatten(values: list) -> list:
    out = []
    for v in values:
        if isinstance(v, list):
            out.extend(_flatten(v))
        else:
            out.append(v)
    return out


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "real"
    if isinstance(value, str):
        return "string"
    return "dynamic"


_ALIASES = {
    "todynamic": "parse_json",
    "parsejson": "parse_json",
    "toobject": "parse_json",
    "iif": "iff",
    "toreal": "todouble",
    "pack": "bag_pack",
    "pack_dictionary": "bag_pack",
    # functions added with the issue-12 function batch
    "toboolean": "tobool",
    "array_strcat": "strcat_array",
    "extractjson": "extract_json",
}

# Functions whose arguments are not compiled as scalars before the builder sees them.
_RAW_ARGS = {"toscalar": True, "extract_json": True, "extractjson": True, "extract": True,
             # a trailing typeof(T): compiled by the builder
             "percentile_tdigest": True, "percentiles_array_tdigest": True}
