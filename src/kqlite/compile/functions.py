"""KQL scalar functions: one table from name to builder, plus conversions and list operators."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import ExprCompiler, Typed, has_regex
from kqlite.compile.types import NUMERIC, normalize_type, numeric_result
from kqlite.errors import KqlSemanticError, KqlUnsupportedError
from kqlite.syntax import ast

if TYPE_CHECKING:
    from kqlite.compile.compiler import Compiler

Builder = Callable[[ExprCompiler, ast.Call, list[Typed]], Typed]

TICKS = {
    "day": 864_000_000_000, "hour": 36_000_000_000, "minute": 600_000_000, "second": 10_000_000,
    "millisecond": 10_000, "microsecond": 10, "nanosecond": 1,
}

# tostring(timespan): [-][d.]hh:mm:ss[.fffffff]
_TIMESPAN_TEXT = (
    "CASE WHEN :t IS NULL THEN '' ELSE (CASE WHEN :t < 0 THEN '-' ELSE '' END)"
    " || (CASE WHEN abs(:t) >= 864000000000 THEN CAST(abs(:t) // 864000000000 AS VARCHAR) || '.' ELSE '' END)"
    " || lpad(CAST((abs(:t) // 36000000000) % 24 AS VARCHAR), 2, '0') || ':'"
    " || lpad(CAST((abs(:t) // 600000000) % 60 AS VARCHAR), 2, '0') || ':'"
    " || lpad(CAST((abs(:t) // 10000000) % 60 AS VARCHAR), 2, '0')"
    " || (CASE WHEN abs(:t) % 10000000 <> 0 THEN '.' || lpad(CAST(abs(:t) % 10000000 AS VARCHAR), 7, '0') ELSE '' END) END"
)
_DATETIME_TEXT = "COALESCE(strftime(:t, '%Y-%m-%dT%H:%M:%S.%f') || '0Z', '')"
_REAL_TEXT = (
    "CASE WHEN :x IS NULL THEN '' WHEN isnan(:x) THEN 'NaN' WHEN isinf(:x) AND :x > 0 THEN 'Infinity'"
    " WHEN isinf(:x) THEN '-Infinity' WHEN :x = trunc(:x) AND abs(:x) < 1e15 THEN CAST(CAST(:x AS BIGINT) AS VARCHAR)"
    " ELSE CAST(:x AS VARCHAR) END"
)
_DYNAMIC_TEXT = (
    "CASE WHEN :d IS NULL OR json_type(:d) = 'NULL' THEN '' WHEN json_type(:d) = 'VARCHAR'"
    " THEN json_extract_string(:d, '$') ELSE CAST(:d AS VARCHAR) END"
)


class Functions:
    def __init__(self, compiler: Compiler):
        self.compiler = compiler
        self.table: dict[str, Builder] = {}
        for attr in dir(self):
            if attr.startswith("f_"):
                self.table[attr[2:]] = getattr(self, attr)
        for alias, target in _ALIASES.items():
            self.table[alias] = self.table[target]

    # ------------------------------------------------------------------ dispatch

    def call(self, c: ExprCompiler, node: ast.Call) -> Typed:
        name = node.name
        binding = c.env.lookup(name)
        if binding is not None:
            return self.compiler.call_user_scalar(c, binding, node)
        if name in self.compiler.aggregates.table:
            raise KqlSemanticError(f"aggregate function {name}() can only be used in summarize", c.text, node.pos,
                                   "use it inside `| summarize ...`")
        builder = self.table.get(name)
        if builder is None:
            raise KqlUnsupportedError(f"function {name}() is not supported by kqlite yet", c.text, node.pos,
                                      "check the spelling, or open an issue with the query")
        special = _RAW_ARGS.get(name)
        args = [] if special else [c.compile(arg) for arg in node.args]
        return builder(c, node, args)

    def arity(self, c: ExprCompiler, node: ast.Call, args: list, low: int, high: int | None = None) -> None:
        high = low if high is None else high
        if not low <= len(args) <= high:
            want = f"{low}" if low == high else f"{low} to {high}"
            raise KqlSemanticError(f"{node.name}() takes {want} arguments, got {len(args)}", c.text, node.pos)

    def expect(self, c: ExprCompiler, node: ast.Call, arg: Typed, *types: str) -> None:
        if arg.type not in types:
            raise KqlSemanticError(f"{node.name}() expects {' or '.join(types)}, got {arg.type}", c.text, node.pos)

    def check_regex(self, pattern: str, node: ast.Expr) -> None:
        if re.search(r"\(\?[=!<]|\\[1-9]", pattern):
            raise KqlSemanticError("regular expressions use RE2 syntax: no look-around or back-references",
                                   self.compiler.text, node.pos)

    # ------------------------------------------------------------------ conversions

    def to_string(self, t: Typed) -> Typed:
        x = t.sql
        if t.type == "string":
            return t
        if t.type == "bool":
            return Typed(sb.tmpl("CASE WHEN :x IS NULL THEN '' WHEN :x THEN 'True' ELSE 'False' END", x=x), "string", t.name)
        if t.type == "datetime":
            return Typed(sb.tmpl(_DATETIME_TEXT, t=x), "string", t.name)
        if t.type == "timespan":
            return Typed(sb.tmpl(_TIMESPAN_TEXT, t=x), "string", t.name)
        if t.type == "real":
            return Typed(sb.tmpl(_REAL_TEXT, x=x), "string", t.name)
        if t.type == "dynamic":
            return Typed(sb.tmpl(_DYNAMIC_TEXT, d=x), "string", t.name)
        return Typed(sb.coalesce(sb.cast(x, "string"), sb.string("")), "string", t.name)

    def convert(self, c: ExprCompiler, t: Typed, target: str) -> Typed:
        """Kusto's to<type>(): failure gives null (strings never null)."""
        if target == "string":
            return self.to_string(t)
        if t.type == target:
            return t
        x = t.sql
        if t.type == "dynamic":
            if target in ("long", "int", "real", "decimal", "bool"):
                inner = sb.tmpl("json_extract_string(:d, '$')", d=x)
                return self.convert(c, Typed(inner, "string"), target)
            if target in ("datetime", "timespan", "guid"):
                return self.convert(c, Typed(sb.tmpl("json_extract_string(:d, '$')", d=x), "string"), target)
        if target in ("long", "int"):
            if t.type == "string":
                shape = ("CASE WHEN regexp_matches(trim(:s), '^[+-]?0[xX][0-9a-fA-F]+$') THEN TRY_CAST(('0x' || "
                         "regexp_extract(trim(:s), '0[xX]([0-9a-fA-F]+)', 1)) AS BIGINT) "
                         "ELSE TRY_CAST(trunc(TRY_CAST(trim(:s) AS DOUBLE)) AS BIGINT) END")
                value = sb.tmpl(shape, s=x)
                return Typed(sb.try_cast(value, target), target)
            if t.type in ("real", "decimal"):
                return Typed(sb.try_cast(exp.Anonymous(this="trunc", expressions=[x]), target), target)
            if t.type in ("bool", "long", "int", "timespan"):
                return Typed(sb.try_cast(x, target), target)
            if t.type == "datetime":
                return Typed(sb.tmpl("epoch_us(:x) * 10 + 621355968000000000", x=x), "long")
        if target in ("real", "decimal"):
            if t.type == "string":
                return Typed(sb.try_cast(sb.tmpl("trim(:s)", s=x), target), target)
            if t.type in NUMERIC + ("bool", "timespan"):
                return Typed(sb.try_cast(x, target), target)
        if target == "bool":
            if t.type == "string":
                shape = "CASE lower(trim(:s)) WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE WHEN '1' THEN TRUE WHEN '0' THEN FALSE ELSE NULL END"
                return Typed(sb.tmpl(shape, s=x), "bool")
            if t.type in NUMERIC:
                return Typed(sb.tmpl("(:x <> 0)", x=x), "bool")
        if target == "datetime":
            if t.type == "string":
                shape = "CAST(TRY_CAST(NULLIF(trim(:s), '') AS TIMESTAMPTZ) AS TIMESTAMP)"
                return Typed(sb.tmpl(shape, s=x), "datetime")
            if t.type in ("long", "int"):
                return Typed(sb.tmpl("make_timestamp((:x - 621355968000000000) // 10)", x=x), "datetime")
        if target == "timespan":
            if t.type == "string":
                return self.string_to_timespan(x)
            if t.type in NUMERIC:
                return Typed(sb.try_cast(x, "long"), "timespan")
        if target == "guid" and t.type == "string":
            return Typed(sb.try_cast(x, "guid"), "guid")
        if target == "dynamic":
            return Typed(self.json_of(t), "dynamic")
        raise KqlSemanticError(f"cannot convert {t.type} to {target}", c.text, None)

    def string_to_timespan(self, x: exp.Expression) -> Typed:
        shape = (
            "CASE WHEN regexp_matches(trim(:s), '^-?(\\d+\\.)?\\d{1,2}:\\d{2}(:\\d{2}(\\.\\d{1,7})?)?$') THEN "
            "(CASE WHEN starts_with(trim(:s), '-') THEN -1 ELSE 1 END) * ("
            "COALESCE(TRY_CAST(regexp_extract(trim(:s), '^-?(\\d+)\\.\\d{1,2}:', 1) AS BIGINT), 0) * 864000000000"
            " + CAST(regexp_extract(trim(:s), '(\\d{1,2}):\\d{2}', 1) AS BIGINT) * 36000000000"
            " + CAST(regexp_extract(trim(:s), ':(\\d{2})', 1) AS BIGINT) * 600000000"
            " + COALESCE(TRY_CAST(regexp_extract(trim(:s), ':\\d{2}:(\\d{2})', 1) AS BIGINT), 0) * 10000000"
            " + COALESCE(TRY_CAST(rpad(regexp_extract(trim(:s), '\\.(\\d{1,7})$', 1), 7, '0') AS BIGINT), 0))"
            " ELSE NULL END"
        )
        return Typed(sb.tmpl(shape, s=x), "timespan")

    def json_of(self, t: Typed) -> exp.Expression:
        """A SQL value of any KQL type as a JSON value (dynamic)."""
        if t.type == "dynamic":
            return t.sql
        if t.type == "datetime":
            return sb.tmpl("CASE WHEN :x IS NULL THEN NULL ELSE to_json(strftime(:x, '%Y-%m-%dT%H:%M:%S.%f') || '0Z') END", x=t.sql)
        if t.type == "timespan":
            return sb.tmpl("CASE WHEN :x IS NULL THEN NULL ELSE to_json(:s) END", x=t.sql, s=self.to_string(t).sql)
        if t.type == "guid":
            return sb.tmpl("to_json(CAST(:x AS VARCHAR))", x=t.sql)
        return exp.Anonymous(this="to_json", expressions=[t.sql])

    # ------------------------------------------------------------------ in / has_any lists

    def in_list(self, c: ExprCompiler, node: ast.InList) -> Typed:
        left = c.compile(node.left)
        op = node.op
        if len(node.items) == 1 and isinstance(node.items[0], ast.Pipeline | ast.Name) and self.compiler.is_tabular(c, node.items[0]):
            sub = self.compiler.subquery_first_column(c, node.items[0])
            if op in ("has_any", "has_all"):
                raise KqlUnsupportedError(f"{op} with a tabular argument is not supported yet", c.text, node.pos)
            lhs = left.sql
            sub_sql, sub_type = sub
            if op in ("in~", "!in~"):
                lhs = exp.Lower(this=c.as_string(left).sql)
                sub_sql = exp.select(exp.Lower(this=exp.column("c0"))).from_(exp.Subquery(this=sub_sql, alias=exp.TableAlias(this=exp.to_identifier("s"), columns=[exp.to_identifier("c0")])))
            result: exp.Expression = exp.In(this=lhs, query=exp.Subquery(this=sub_sql))
            return self._finish_in(left, result, op.startswith("!"))
        items = [c.compile(item) for item in node.items]
        flat: list[Typed] = []
        for item in items:
            if item.type == "dynamic" and item.is_const and isinstance(item.const, list):
                for value in _flatten(item.const):
                    kql_type = _json_type(value)
                    flat.append(Typed(sb.literal(kql_type, value), kql_type, None, value))
            elif item.type == "dynamic" and not item.is_const:
                raise KqlUnsupportedError(f"{op} with a non-constant dynamic list", c.text, node.pos)
            else:
                flat.append(item)
        if op in ("has_any", "has_all"):
            text = c.as_string(left).sql
            if not flat:
                return Typed(exp.Boolean(this=op == "has_all"), "bool")
            parts = []
            for item in flat:
                if item.is_const:
                    term = str(item.const) if item.type == "string" else c.as_string(item).sql.sql()
                    parts.append(exp.RegexpLike(this=text, expression=sb.string(has_regex(term))))
                else:
                    fake = ast.Binary(node.pos, "has", node.left, node.left)
                    parts.append(c.string_operator("has", left, item, fake).sql)
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

    def _finish_in(self, left: Typed, result: exp.Expression, negated: bool) -> Typed:
        if negated:
            result = exp.Not(this=exp.Paren(this=result))
        if left.type != "string":
            # a null left side: `in` is false, `!in` true (SQL would give null)
            result = sb.coalesce(exp.Paren(this=result), exp.Boolean(this=negated))
        return Typed(result, "bool")

    # ------------------------------------------------------------------ conversion functions

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
        shape = "CASE WHEN json_valid(:s) THEN CAST(:s AS JSON) ELSE to_json(:s) END"
        return Typed(sb.tmpl(shape, s=t.sql), "dynamic")

    def f_gettype(self, c, node, args):
        self.arity(c, node, args, 1)
        t = args[0]
        names = {"long": "long", "int": "int", "real": "real", "string": "string", "bool": "bool",
                 "datetime": "datetime", "timespan": "timespan", "guid": "guid", "decimal": "decimal"}
        if t.type != "dynamic":
            return Typed(sb.string(names[t.type]), "string")
        shape = ("CASE WHEN :d IS NULL OR json_type(:d) = 'NULL' THEN 'null' ELSE CASE json_type(:d) WHEN 'ARRAY' THEN 'array'"
                 " WHEN 'OBJECT' THEN 'dictionary' WHEN 'VARCHAR' THEN 'string' WHEN 'BIGINT' THEN 'long'"
                 " WHEN 'UBIGINT' THEN 'long' WHEN 'DOUBLE' THEN 'real' WHEN 'BOOLEAN' THEN 'bool' ELSE lower(json_type(:d)) END END")
        return Typed(sb.tmpl(shape, d=t.sql), "string")

    # ------------------------------------------------------------------ strings

    def f_tolower(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(exp.Lower(this=c.as_string(args[0]).sql), "string")

    def f_toupper(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(exp.Upper(this=c.as_string(args[0]).sql), "string")

    def f_strcat(self, c, node, args):
        if not 1 <= len(args) <= 64:
            self.arity(c, node, args, 1, 64)
        parts = [c.as_string(a).sql for a in args]
        result = parts[0]
        for part in parts[1:]:
            result = exp.DPipe(this=result, expression=part, safe=True)
        return Typed(result, "string")

    def f_strcat_delim(self, c, node, args):
        self.arity(c, node, args, 2, 65)
        return Typed(exp.Anonymous(this="concat_ws", expressions=[c.as_string(a).sql for a in args]), "string")

    def f_strlen(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(sb.cast(exp.Length(this=c.as_string(args[0]).sql), "long"), "long")

    def f_string_size(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(sb.cast(exp.Anonymous(this="strlen", expressions=[c.as_string(args[0]).sql]), "long"), "long")

    def f_substring(self, c, node, args):
        self.arity(c, node, args, 2, 3)
        s = c.as_string(args[0]).sql
        start = args[1].sql
        if len(args) == 2:
            shape = ("CASE WHEN :i IS NULL OR length(:s) + :i < 0 THEN '' ELSE COALESCE(substr(:s, CASE WHEN :i < 0 THEN length(:s) + :i ELSE :i END + 1), '') END")
            return Typed(sb.tmpl(shape, s=s, i=start), "string")
        shape = ("CASE WHEN :i IS NULL OR :n IS NULL OR :n < 0 OR length(:s) + :i < 0 THEN '' ELSE COALESCE(substr(:s, "
                 "CASE WHEN :i < 0 THEN greatest(length(:s) + :i, 0) ELSE :i END + 1, :n), '') END")
        return Typed(sb.tmpl(shape, s=s, i=start, n=args[2].sql), "string")

    def f_indexof(self, c, node, args):
        self.arity(c, node, args, 2, 5)
        if len(args) > 2:
            raise KqlUnsupportedError("indexof() with start/length/occurrence", c.text, node.pos)
        shape = "CASE WHEN :b = '' THEN 0 ELSE instr(:a, :b) - 1 END"
        return Typed(sb.cast(sb.tmpl(shape, a=c.as_string(args[0]).sql, b=c.as_string(args[1]).sql), "long"), "long")

    def f_split(self, c, node, args):
        self.arity(c, node, args, 2, 3)
        s, d = c.as_string(args[0]).sql, c.as_string(args[1]).sql
        parts = sb.tmpl("to_json(string_split(:s, :d))", s=s, d=d)
        if len(args) == 3:
            shape = "CASE WHEN :i >= 0 AND :i < len(string_split(:s, :d)) THEN to_json([string_split(:s, :d)[:i + 1]]) ELSE NULL END"
            return Typed(sb.tmpl(shape, s=s, d=d, i=args[2].sql), "dynamic")
        return Typed(parts, "dynamic")

    def f_replace_string(self, c, node, args):
        self.arity(c, node, args, 3)
        s, a, b = (c.as_string(x).sql for x in args)
        return Typed(sb.tmpl("CASE WHEN :a = '' THEN :s ELSE replace(:s, :a, :b) END", s=s, a=a, b=b), "string")

    def f_replace_regex(self, c, node, args):
        self.arity(c, node, args, 3)
        s, pattern, rewrite = (c.as_string(x) for x in args)
        if rewrite.is_const:
            rewrite_sql = sb.string(re.sub(r"\$(\d)", r"\\\1", str(rewrite.const)))
        else:
            rewrite_sql = rewrite.sql
        return Typed(sb.tmpl("regexp_replace(:s, :p, :r, 'g')", s=s.sql, p=pattern.sql, r=rewrite_sql), "string")

    # Kusto's trim removes one match of the pattern at each end, not a run of them.
    def f_trim(self, c, node, args):
        return self._trim(c, node, args, "^(?:{0})|(?:{0})$")

    def f_trim_start(self, c, node, args):
        return self._trim(c, node, args, "^(?:{0})")

    def f_trim_end(self, c, node, args):
        return self._trim(c, node, args, "(?:{0})$")

    def f_countof(self, c, node, args):
        self.arity(c, node, args, 2, 3)
        s, p = c.as_string(args[0]).sql, c.as_string(args[1]).sql
        kind = str(args[2].const) if len(args) == 3 and args[2].is_const else "normal"
        if kind == "regex":
            return Typed(sb.tmpl("CAST(len(regexp_extract_all(:s, :p)) AS BIGINT)", s=s, p=p), "long")
        # plain text: overlapping occurrences count ("aaa" has 2 of "aa")
        shape = "CASE WHEN :p = '' THEN 0 ELSE CAST(len(list_filter(range(length(:s)), i -> substr(:s, i + 1, length(:p)) = :p)) AS BIGINT) END"
        return Typed(sb.tmpl(shape, s=s, p=p), "long")

    def _trim(self, c, node, args, shape):
        self.arity(c, node, args, 2)
        pattern, s = args
        if not pattern.is_const:
            raise KqlUnsupportedError(f"{node.name}() with a non-constant pattern", c.text, node.pos)
        regex = shape.format(pattern.const)
        return Typed(sb.tmpl("regexp_replace(:s, :p, '', 'g')", s=c.as_string(s).sql, p=sb.string(regex)), "string")

    def f_extract(self, c, node, args):
        self.arity(c, node, args, 3, 4)
        pattern, group, s = args[0], args[1], c.as_string(args[2])
        if pattern.is_const:
            self.check_regex(str(pattern.const), node)
        if group.is_const and isinstance(group.const, int):
            group = Typed(exp.Literal.number(group.const), "int")  # DuckDB wants a constant INTEGER here
        extracted = sb.tmpl("CASE WHEN regexp_matches(:s, :p) THEN regexp_extract(:s, :p, :g) ELSE NULL END",
                            s=s.sql, p=pattern.sql, g=group.sql)
        if len(node.args) == 4:
            target = node.args[3]
            if not isinstance(target, ast.TypeOf):
                raise KqlSemanticError("extract()'s 4th argument must be typeof(type)", c.text, node.pos)
            kql_type = normalize_type(target.type)
            if kql_type is None:
                raise KqlSemanticError(f"unknown type {target.type}", c.text, target.pos)
            return self.convert(c, Typed(sb.coalesce(extracted, sb.string("")), "string"), kql_type) if kql_type != "string" else Typed(sb.coalesce(extracted, sb.string("")), "string")
        return Typed(sb.coalesce(extracted, sb.string("")), "string")

    def f_extract_all(self, c, node, args):
        self.arity(c, node, args, 2)
        pattern, s = args[0], c.as_string(args[1])
        shape = "CASE WHEN regexp_matches(:s, :p) THEN to_json(regexp_extract_all(:s, :p, CASE WHEN regexp_matches(:p, '\\(') THEN 1 ELSE 0 END)) ELSE NULL END"
        return Typed(sb.tmpl(shape, s=s.sql, p=pattern.sql), "dynamic")

    def f_reverse(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(exp.Anonymous(this="reverse", expressions=[c.as_string(args[0]).sql]), "string")

    def f_strrep(self, c, node, args):
        self.arity(c, node, args, 2, 3)
        s = c.as_string(args[0]).sql
        if len(args) == 3:
            shape = "CASE WHEN :n <= 0 THEN '' ELSE array_to_string(list_transform(range(:n), x -> :s), :d) END"
            return Typed(sb.tmpl(shape, s=s, n=args[1].sql, d=c.as_string(args[2]).sql), "string")
        return Typed(sb.tmpl("repeat(:s, greatest(:n, 0))", s=s, n=args[1].sql), "string")

    def f_strcmp(self, c, node, args):
        self.arity(c, node, args, 2)
        a, b = c.as_string(args[0]).sql, c.as_string(args[1]).sql
        return Typed(sb.tmpl("CASE WHEN :a < :b THEN -1 WHEN :a > :b THEN 1 ELSE 0 END", a=a, b=b), "int")

    def f_isempty(self, c, node, args):
        self.arity(c, node, args, 1)
        t = args[0]
        if t.type == "string":
            return Typed(exp.EQ(this=t.sql, expression=sb.string("")), "bool")
        if t.type == "dynamic":
            shape = "(:x IS NULL OR json_type(:x) = 'NULL' OR (json_type(:x) = 'VARCHAR' AND json_extract_string(:x, '$') = ''))"
            return Typed(sb.tmpl(shape, x=t.sql), "bool")
        return Typed(exp.Is(this=t.sql, expression=exp.Null()), "bool")

    def f_isnotempty(self, c, node, args):
        inner = self.f_isempty(c, node, args)
        return Typed(exp.Paren(this=exp.Not(this=exp.Paren(this=inner.sql))), "bool")

    def f_isnull(self, c, node, args):
        self.arity(c, node, args, 1)
        t = args[0]
        if t.type == "string":
            return Typed(exp.Boolean(this=False), "bool")
        if t.type == "dynamic":
            return Typed(sb.tmpl("(:x IS NULL OR json_type(:x) = 'NULL')", x=t.sql), "bool")
        return Typed(exp.Is(this=t.sql, expression=exp.Null()), "bool")

    def f_isnotnull(self, c, node, args):
        inner = self.f_isnull(c, node, args)
        return Typed(exp.Paren(this=exp.Not(this=exp.Paren(this=inner.sql))), "bool")

    # ------------------------------------------------------------------ logic

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
        return Typed(exp.Case(ifs=[exp.If(this=self._cond(c, node, cond), true=a.sql)], default=b.sql), a.type)

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
        raise KqlSemanticError(f"{node.name}(): all results must have the same type ({a.type} vs {b.type})",
                               c.text, node.pos)

    def f_case(self, c, node, args):
        if len(args) < 3 or len(args) % 2 == 0:
            raise KqlSemanticError("case() takes predicate/value pairs and a final else value", c.text, node.pos)
        values = [args[i] for i in range(1, len(args), 2)] + [args[-1]]
        result_type = values[0].type
        for v in values[1:]:
            result_type = self._unify(c, node, Typed(v.sql, result_type), v)[0].type
        ifs = []
        for i in range(0, len(args) - 1, 2):
            value = args[i + 1]
            ifs.append(exp.If(this=self._cond(c, node, args[i]), true=self._cast_to(value, result_type)))
        return Typed(exp.Case(ifs=ifs, default=self._cast_to(args[-1], result_type)), result_type)

    def _cast_to(self, t: Typed, kql_type: str) -> exp.Expression:
        return t.sql if t.type == kql_type else sb.cast(t.sql, kql_type)

    def f_coalesce(self, c, node, args):
        self.arity(c, node, args, 2, 64)
        result_type = args[0].type
        for a in args[1:]:
            result_type = self._unify(c, node, Typed(a.sql, result_type), a)[0].type
        if result_type == "string":
            shape_args = [exp.Anonymous(this="nullif", expressions=[a.sql, sb.string("")]) for a in args]
            return Typed(sb.coalesce(*shape_args, sb.string("")), "string")
        return Typed(sb.coalesce(*[self._cast_to(a, result_type) for a in args]), result_type)

    # ------------------------------------------------------------------ numbers

    def f_abs(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(exp.Abs(this=args[0].sql), args[0].type)

    def f_round(self, c, node, args):
        self.arity(c, node, args, 1, 2)
        digits = args[1].sql if len(args) == 2 else exp.Literal.number(0)
        return Typed(exp.Round(this=args[0].sql, decimals=digits), args[0].type)

    def f_ceiling(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(exp.Ceil(this=args[0].sql), args[0].type)

    def f_sqrt(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(sb.tmpl("CASE WHEN :x < 0 THEN CAST('nan' AS DOUBLE) ELSE sqrt(:x) END", x=args[0].sql), "real")

    def f_pow(self, c, node, args):
        self.arity(c, node, args, 2)
        return Typed(exp.Pow(this=sb.cast(args[0].sql, "real"), expression=args[1].sql), "real")

    def _math(name: str, sql_name: str):  # noqa: N805
        def build(self, c, node, args):
            self.arity(c, node, args, 1)
            return Typed(exp.Anonymous(this=sql_name, expressions=[sb.cast(args[0].sql, "real")]), "real")

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
        return Typed(exp.Anonymous(this="sign", expressions=[args[0].sql]), args[0].type)

    def f_isnan(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(exp.Anonymous(this="isnan", expressions=[sb.cast(args[0].sql, "real")]), "bool")

    def f_isinf(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(exp.Anonymous(this="isinf", expressions=[sb.cast(args[0].sql, "real")]), "bool")

    def f_isfinite(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(exp.Anonymous(this="isfinite", expressions=[sb.cast(args[0].sql, "real")]), "bool")

    def f_max_of(self, c, node, args):
        return self._extreme(c, node, args, "greatest")

    def f_min_of(self, c, node, args):
        return self._extreme(c, node, args, "least")

    def _extreme(self, c, node, args, sql_name):
        self.arity(c, node, args, 2, 64)
        result_type = args[0].type
        for a in args[1:]:
            result_type = self._unify(c, node, Typed(a.sql, result_type), a)[0].type
        return Typed(exp.Anonymous(this=sql_name, expressions=[self._cast_to(a, result_type) for a in args]), result_type)

    # ------------------------------------------------------------------ bin

    def f_bin(self, c, node, args):
        self.arity(c, node, args, 2)
        value, size = args
        name = value.name
        if value.type == "datetime":
            if size.type != "timespan":
                raise KqlSemanticError("bin() of a datetime needs a timespan size", c.text, node.pos)
            shape = ("CASE WHEN :s <= 0 THEN NULL ELSE make_timestamp(CAST(floor((epoch_us(:v) * 10 + 621355968000000000) / :s) AS BIGINT)"
                     " * :s // 10 - 62135596800000000) END")
            return Typed(sb.tmpl(shape, v=value.sql, s=size.sql), "datetime", name)
        if value.type == "timespan" and size.type == "timespan":
            shape = "CASE WHEN :s <= 0 THEN NULL ELSE CAST(floor(:v / :s) AS BIGINT) * :s END"
            return Typed(sb.tmpl(shape, v=value.sql, s=size.sql), "timespan", name)
        if value.type in NUMERIC and size.type in NUMERIC:
            result = value.type if value.type in ("real", "decimal") or size.type not in ("real", "decimal") else "real"
            if result in ("int", "long"):
                shape = "CASE WHEN :s <= 0 THEN NULL ELSE CAST(floor(:v / :s) * :s AS BIGINT) END"
                return Typed(sb.cast(sb.tmpl(shape, v=value.sql, s=size.sql), result), result, name)
            shape = "CASE WHEN :s <= 0 THEN NULL ELSE floor(:v / :s) * :s END"
            return Typed(sb.tmpl(shape, v=value.sql, s=size.sql), result, name)
        raise KqlSemanticError(f"bin() cannot round {value.type} by {size.type}", c.text, node.pos)

    def f_floor(self, c, node, args):
        if len(args) == 1:
            return Typed(exp.Floor(this=args[0].sql), args[0].type)
        return self.f_bin(c, node, args)

    # ------------------------------------------------------------------ datetime

    def f_now(self, c, node, args):
        self.arity(c, node, args, 0, 1)
        now = Typed(sb.literal("datetime", self.compiler.now), "datetime")
        if args:
            return c.arith("+", now, args[0], node)
        return now

    def f_ago(self, c, node, args):
        self.arity(c, node, args, 1)
        self.expect(c, node, args[0], "timespan")
        now = Typed(sb.literal("datetime", self.compiler.now), "datetime")
        return c.arith("-", now, args[0], node)

    def _start_of(unit: str):  # noqa: N805
        def build(self, c, node, args):
            self.arity(c, node, args, 1, 2)
            self.expect(c, node, args[0], "datetime")
            value = args[0].sql
            if unit == "week":
                start = sb.tmpl("CAST(date_trunc('day', :v) AS TIMESTAMP) - to_days(CAST(dayofweek(:v) AS INTEGER))", v=value)
            else:
                start = sb.tmpl(f"CAST(date_trunc('{unit}', :v) AS TIMESTAMP)", v=value)
            if len(args) == 2:
                step = {"day": "to_days", "week": "to_weeks", "month": "to_months", "year": "to_years"}[unit]
                start = sb.tmpl(f":s + {step}(CAST(:n AS INTEGER))", s=start, n=args[1].sql)
            return Typed(start, "datetime")

        return build

    f_startofday = _start_of("day")
    f_startofweek = _start_of("week")
    f_startofmonth = _start_of("month")
    f_startofyear = _start_of("year")

    def _end_of(unit: str):  # noqa: N805
        def build(self, c, node, args):
            start = getattr(self, f"f_startof{unit}")(c, node, args)
            step = {"day": "to_days(1)", "week": "to_days(7)", "month": "to_months(1)", "year": "to_years(1)"}[unit]
            return Typed(sb.tmpl(f":s + {step} - INTERVAL 1 MICROSECOND", s=start.sql), "datetime")

        return build

    f_endofday = _end_of("day")
    f_endofweek = _end_of("week")
    f_endofmonth = _end_of("month")
    f_endofyear = _end_of("year")

    def _part(sql_part: str, result: str = "int"):  # noqa: N805
        def build(self, c, node, args):
            self.arity(c, node, args, 1)
            self.expect(c, node, args[0], "datetime")
            return Typed(sb.cast(exp.Anonymous(this=sql_part, expressions=[args[0].sql]), result), result)

        return build

    f_getyear = _part("year")
    f_getmonth = _part("month")
    f_monthofyear = _part("month")
    f_dayofmonth = _part("day")
    f_dayofyear = _part("dayofyear")
    f_hourofday = _part("hour")
    f_week_of_year = _part("weekofyear")

    def f_dayofweek(self, c, node, args):
        self.arity(c, node, args, 1)
        self.expect(c, node, args[0], "datetime")
        return Typed(sb.tmpl("CAST(dayofweek(:v) AS BIGINT) * 864000000000", v=args[0].sql), "timespan")

    def f_datetime_add(self, c, node, args):
        self.arity(c, node, args, 3)
        period, amount, value = args
        if not period.is_const:
            raise KqlUnsupportedError("datetime_add() with a non-constant period", c.text, node.pos)
        unit = _period(str(period.const), c, node)
        if unit in ("year", "quarter", "month", "week", "day", "hour", "minute", "second"):
            n = {"quarter": 3, "week": 7}.get(unit, 1)
            sql_unit = {"quarter": "month", "week": "day"}.get(unit, unit)
            shape = f"CAST(:v + to_{sql_unit}s(CAST(:n * {n} AS {'INTEGER' if sql_unit in ('year', 'month', 'day') else 'BIGINT'})) AS TIMESTAMP)"
            return Typed(sb.tmpl(shape, v=value.sql, n=amount.sql), "datetime")
        ticks = Typed(sb.tmpl(f":n * {TICKS[unit]}", n=amount.sql), "timespan")
        return c.arith("+", value, ticks, node)

    def f_datetime_diff(self, c, node, args):
        self.arity(c, node, args, 3)
        period, a, b = args
        if not period.is_const:
            raise KqlUnsupportedError("datetime_diff() with a non-constant period", c.text, node.pos)
        unit = _period(str(period.const), c, node)
        if unit == "week":
            shape = "CAST((epoch_us(date_trunc('day', :a) - to_days(CAST(dayofweek(:a) AS INTEGER))) - epoch_us(date_trunc('day', :b) - to_days(CAST(dayofweek(:b) AS INTEGER)))) // 604800000000 AS BIGINT)"
            return Typed(sb.tmpl(shape, a=a.sql, b=b.sql), "long")
        if unit in ("year", "quarter", "month", "day", "hour", "minute", "second", "millisecond", "microsecond"):
            return Typed(sb.cast(sb.tmpl(f"date_diff('{unit}', :b, :a)", a=a.sql, b=b.sql), "long"), "long")
        diff = c.arith("-", a, b, node)
        return Typed(sb.tmpl(":d * 100", d=diff.sql), "long")

    def f_make_datetime(self, c, node, args):
        self.arity(c, node, args, 3, 7)
        parts = [a.sql for a in args] + [exp.Literal.number(0)] * (6 - len(args))
        shape = "TRY_CAST(make_timestamp(:y, :mo, :d, :h, :mi, CAST(:s AS DOUBLE)) AS TIMESTAMP)"
        return Typed(sb.tmpl(shape, y=parts[0], mo=parts[1], d=parts[2], h=parts[3], mi=parts[4], s=parts[5]), "datetime")

    def f_make_timespan(self, c, node, args):
        self.arity(c, node, args, 2, 5)
        if len(args) == 2:
            h, m, s, d = args[0].sql, args[1].sql, exp.Literal.number(0), exp.Literal.number(0)
        elif len(args) == 3:
            h, m, s, d = args[0].sql, args[1].sql, args[2].sql, exp.Literal.number(0)
        else:
            d, h, m, s = args[0].sql, args[1].sql, args[2].sql, args[3].sql
        shape = "CAST(round(((:d * 24 + :h) * 60 + :m) * 600000000 + :s * 10000000) AS BIGINT)"
        return Typed(sb.tmpl(shape, d=d, h=h, m=m, s=s), "timespan")

    def f_unixtime_seconds_todatetime(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(sb.tmpl("make_timestamp(CAST(:x * 1000000 AS BIGINT))", x=args[0].sql), "datetime")

    def f_unixtime_milliseconds_todatetime(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(sb.tmpl("make_timestamp(CAST(:x * 1000 AS BIGINT))", x=args[0].sql), "datetime")

    # ------------------------------------------------------------------ dynamic

    def f_array_length(self, c, node, args):
        self.arity(c, node, args, 1)
        t = args[0]
        if t.type != "dynamic":
            raise KqlSemanticError("array_length() expects a dynamic array", c.text, node.pos)
        shape = "CASE WHEN json_type(:d) = 'ARRAY' THEN CAST(json_array_length(:d) AS BIGINT) ELSE NULL END"
        return Typed(sb.tmpl(shape, d=t.sql), "long")

    def f_pack_array(self, c, node, args):
        items = [self.json_of(a) for a in args]
        if not items:
            return Typed(sb.literal("dynamic", []), "dynamic")
        return Typed(exp.Anonymous(this="json_array", expressions=items), "dynamic")

    def f_bag_pack(self, c, node, args):
        if len(args) % 2:
            raise KqlSemanticError(f"{node.name}() takes key/value pairs", c.text, node.pos)
        items: list[exp.Expression] = []
        for i in range(0, len(args), 2):
            items.append(c.as_string(args[i]).sql)
            items.append(self.json_of(args[i + 1]))
        if not items:
            return Typed(sb.literal("dynamic", {}), "dynamic")
        return Typed(exp.Anonymous(this="json_object", expressions=items), "dynamic")

    def f_bag_keys(self, c, node, args):
        self.arity(c, node, args, 1)
        shape = "CASE WHEN json_type(:d) = 'OBJECT' THEN to_json(json_keys(:d)) ELSE NULL END"
        return Typed(sb.tmpl(shape, d=args[0].sql), "dynamic")

    def f_set_has_element(self, c, node, args):
        self.arity(c, node, args, 2)
        shape = "list_contains(CAST(json_extract(:d, '$[*]') AS JSON[]), :v)"
        return Typed(sb.tmpl(shape, d=args[0].sql, v=self.json_of(args[1])), "bool")

    def f_dynamic_to_json(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(sb.coalesce(sb.cast(args[0].sql, "string"), sb.string("")), "string")

    # ------------------------------------------------------------------ window functions (serialized rows)

    def window(self, c: ExprCompiler, node: ast.Call, function: exp.Expression, partition: exp.Expression | None = None,
               cumulative: bool = False) -> exp.Expression:
        relation = c.relation
        if relation is None or not relation.serialized:
            raise KqlSemanticError(f"{node.name}() needs serialized rows", c.text, node.pos,
                                   "add `| serialize` or `| sort by ...` before it")
        spec = exp.Window(this=function, order=exp.Order(expressions=c.row_order()),
                          partition_by=[partition] if partition is not None else None)
        if cumulative:  # one row at a time, not RANGE (which would add up ties together)
            spec.set("spec", exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW"))
        return spec

    def restart_group(self, c: ExprCompiler, node: ast.Call, restart: Typed) -> exp.Expression:
        """A group number that grows at each row where `restart` is true (computed a level earlier)."""
        if restart.type != "bool":
            raise KqlSemanticError(f"{node.name}(): the restart argument must be bool", c.text, node.pos)
        # levels: 0 the row ordinal, 1 the flag (it may itself use prev()/next()), 2 the running group number
        flag = c.pre_column(1, exp.Case(ifs=[exp.If(this=restart.sql, true=exp.Literal.number(1))], default=exp.Literal.number(0)))
        return c.pre_column(2, self.window(c, node, exp.Sum(this=flag), cumulative=True))

    def f_row_number(self, c, node, args):
        self.arity(c, node, args, 0, 2)
        partition = self.restart_group(c, node, args[1]) if len(args) == 2 else None
        number = sb.cast(self.window(c, node, exp.RowNumber(), partition), "long")
        if args:
            number = sb.tmpl(":n + :s - 1", n=number, s=args[0].sql)
        return Typed(number, "long")

    def f_row_cumsum(self, c, node, args):
        self.arity(c, node, args, 1, 2)
        x = args[0]
        if x.type not in NUMERIC + ("timespan",):
            raise KqlSemanticError("row_cumsum() needs a number", c.text, node.pos)
        partition = self.restart_group(c, node, args[1]) if len(args) == 2 else None
        window = self.window(c, node, exp.Sum(this=sb.coalesce(x.sql, exp.Literal.number(0))), partition, cumulative=True)
        result = "long" if x.type in ("int", "long") else x.type
        return Typed(sb.cast(window, result), result)

    def _rank(self, c, node, args, dense: bool):
        self.arity(c, node, args, 1, 2)
        x = args[0]
        partition = self.restart_group(c, node, args[1]) if len(args) == 2 else None
        # a new rank starts where the term differs from the previous row's (or a restart group begins)
        previous = self.window(c, node, exp.Anonymous(this="lag", expressions=[x.sql]), partition)
        position = self.window(c, node, exp.RowNumber(), partition)
        changed = c.pre_column(3, sb.tmpl("CASE WHEN :p = 1 OR :x IS DISTINCT FROM :l THEN 1 ELSE 0 END",
                                          p=position, x=x.sql, l=previous))
        if dense:
            rank = self.window(c, node, exp.Sum(this=changed), partition, cumulative=True)
        else:
            row = c.pre_column(3, self.window(c, node, exp.RowNumber(), partition))
            start = exp.Case(ifs=[exp.If(this=exp.EQ(this=changed, expression=exp.Literal.number(1)), true=row)])
            rank = self.window(c, node, exp.Max(this=start), partition, cumulative=True)
        return Typed(sb.cast(rank, "long"), "long")

    def f_row_rank_dense(self, c, node, args):
        return self._rank(c, node, args, dense=True)

    def f_row_rank_min(self, c, node, args):
        return self._rank(c, node, args, dense=False)

    def _shift(self, c, node, args, sql_name):
        self.arity(c, node, args, 1, 3)
        x = args[0]
        parts = [x.sql, args[1].sql if len(args) > 1 else exp.Literal.number(1)]
        if len(args) == 3:
            if not args[2].is_const:
                raise KqlSemanticError(f"{node.name}(): the default value must be a constant", c.text, node.pos)
            x, default = self._unify(c, node, x, args[2])
            parts = [x.sql, parts[1], default.sql]
        elif x.type == "string":
            parts.append(sb.string(""))
        return Typed(self.window(c, node, exp.Anonymous(this=sql_name, expressions=parts)), x.type)

    def f_prev(self, c, node, args):
        return self._shift(c, node, args, "lag")

    def f_next(self, c, node, args):
        return self._shift(c, node, args, "lead")

    def json_list(self, c, node, t: Typed) -> exp.Expression:
        if t.type != "dynamic":
            raise KqlSemanticError(f"{node.name}() expects a dynamic array", c.text, node.pos)
        return sb.tmpl("CASE WHEN json_type(:d) = 'ARRAY' THEN CAST(:d AS JSON[]) ELSE NULL END", d=t.sql)

    def f_strcat_array(self, c, node, args):
        self.arity(c, node, args, 2)
        items = self.json_list(c, node, args[0])
        shape = ("COALESCE(array_to_string(list_transform(:l, e -> CASE WHEN json_type(e) = 'VARCHAR' THEN json_extract_string(e, '$')"
                 " WHEN json_type(e) = 'NULL' THEN '' ELSE CAST(e AS VARCHAR) END), :d), '')")
        return Typed(sb.tmpl(shape, l=items, d=c.as_string(args[1]).sql), "string")

    def f_array_concat(self, c, node, args):
        if not args:
            self.arity(c, node, args, 1, 64)
        lists = [self.json_list(c, node, a) for a in args]
        combined = lists[0]
        for other in lists[1:]:
            combined = exp.Anonymous(this="list_concat", expressions=[combined, other])
        return Typed(exp.Anonymous(this="to_json", expressions=[combined]), "dynamic")

    def f_array_reverse(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(sb.tmpl("to_json(list_reverse(:l))", l=self.json_list(c, node, args[0])), "dynamic")

    def f_array_slice(self, c, node, args):
        self.arity(c, node, args, 3)
        shape = ("to_json(list_slice(:l, (CASE WHEN :s < 0 THEN greatest(len(:l) + :s, 0) ELSE :s END) + 1,"
                 " (CASE WHEN :e < 0 THEN len(:l) + :e ELSE :e END) + 1))")
        return Typed(sb.tmpl(shape, l=self.json_list(c, node, args[0]), s=args[1].sql, e=args[2].sql), "dynamic")

    def f_bin_at(self, c, node, args):
        self.arity(c, node, args, 3)
        value, size, fixed = args
        shifted = c.arith("-", value, fixed, node)
        binned = self.f_bin(c, node, [shifted, size])
        result = c.arith("+", fixed, binned, node) if value.type == "datetime" else c.arith("+", binned, fixed, node)
        return Typed(result.sql, value.type if value.type != "int" else "long", value.name)

    def f_format_datetime(self, c, node, args):
        self.arity(c, node, args, 2)
        value, fmt = args
        if not fmt.is_const:
            raise KqlUnsupportedError("format_datetime() with a non-constant format", c.text, node.pos)
        pieces = []
        simple = {"yyyy": "%Y", "yy": "%y", "MM": "%m", "dd": "%d", "HH": "%H", "hh": "%I", "mm": "%M", "ss": "%S",
                  "tt": "%p"}
        numeric = {"M": "month", "d": "day", "H": "hour", "h": None, "m": "minute", "s": "second"}
        for token in re.findall(r"yyyy|yy|MM|M|dd|d|HH|H|hh|h|mm|m|ss|s|tt|f{1,7}|F{1,7}|\\.|.", str(fmt.const)):
            if token in simple:
                pieces.append(sb.tmpl("strftime(:v, :f)", v=value.sql, f=sb.string(simple[token])))
            elif token in numeric and numeric[token]:
                pieces.append(sb.tmpl(f"CAST(date_part('{numeric[token]}', :v) AS VARCHAR)", v=value.sql))
            elif token == "h":
                pieces.append(sb.tmpl("CAST(((date_part('hour', :v) + 11) % 12) + 1 AS VARCHAR)", v=value.sql))
            elif token[0] in "fF":
                pieces.append(sb.tmpl(f"substr(strftime(:v, '%f') || '0', 1, {len(token)})", v=value.sql))
            elif token in FORMAT_SEPARATORS:
                pieces.append(sb.string(token))
            else:
                raise KqlSemanticError(f"format_datetime(): {token!r} is not a format specifier or separator", c.text,
                                       node.pos, "separators: space / - : , . _ [ ]")
        result = pieces[0] if pieces else sb.string("")
        for piece in pieces[1:]:
            result = exp.DPipe(this=result, expression=piece, safe=True)
        return Typed(sb.coalesce(result, sb.string("")), "string")

    def f_format_timespan(self, c, node, args):
        self.arity(c, node, args, 2)
        value, fmt = args
        if not fmt.is_const:
            raise KqlUnsupportedError("format_timespan() with a non-constant format", c.text, node.pos)
        units = {"d": "abs(:t) // 864000000000", "h": "(abs(:t) // 36000000000) % 24", "m": "(abs(:t) // 600000000) % 60",
                 "s": "(abs(:t) // 10000000) % 60"}
        pieces = []
        for token in re.findall(r"d+|h+|H+|m+|s+|f{1,7}|F{1,7}|\\.|'[^']*'|.", str(fmt.const)):
            unit = token[0].lower()
            if unit in units and token[0] != "F":
                number = sb.tmpl(f"CAST({units[unit]} AS VARCHAR)", t=value.sql)
                pieces.append(sb.tmpl(f"lpad(:n, {len(token)}, '0')", n=number) if len(token) > 1 else number)
            elif token[0] in "fF":
                pieces.append(sb.tmpl(f"substr(lpad(CAST(abs(:t) % 10000000 AS VARCHAR), 7, '0'), 1, {len(token)})", t=value.sql))
            elif token in FORMAT_SEPARATORS:
                pieces.append(sb.string(token))
            else:
                raise KqlSemanticError(f"format_timespan(): {token!r} is not a format specifier or separator", c.text,
                                       node.pos, "separators: space / - : , . _ [ ]")
        result = pieces[0] if pieces else sb.string("")
        for piece in pieces[1:]:
            result = exp.DPipe(this=result, expression=piece, safe=True)
        sign = sb.tmpl("CASE WHEN :t < 0 THEN '-' ELSE '' END", t=value.sql)
        return Typed(sb.coalesce(exp.DPipe(this=sign, expression=result, safe=True), sb.string("")), "string")

    def f_array_sum(self, c, node, args):
        self.arity(c, node, args, 1)
        items = self.json_list(c, node, args[0])
        return Typed(sb.tmpl("list_sum(list_transform(:l, e -> TRY_CAST(json_extract_string(e, '$') AS DOUBLE)))", l=items), "real")

    def _array_sort(self, c, node, args, descending: bool):
        self.arity(c, node, args, 1, 2)
        items = self.json_list(c, node, args[0])
        # numbers sort as numbers, other values as text; JSON nulls go last
        keyed = ("list_transform(:l, e -> {'n': CASE WHEN json_type(e) = 'NULL' THEN 1 ELSE 0 END, "
                 "'k': TRY_CAST(json_extract_string(e, '$') AS DOUBLE), 's': json_extract_string(e, '$'), 'v': e})")
        direction = "'DESC'" if descending else "'ASC'"
        shape = f"to_json(list_transform(list_sort({keyed}, {direction}), x -> x.v))"
        if descending:  # keep nulls last when sorting down
            shape = f"to_json(list_transform(list_concat(list_filter(list_sort({keyed}, 'DESC'), x -> x.n = 0), list_filter({keyed}, x -> x.n = 1)), x -> x.v))"
        return Typed(sb.tmpl(shape, l=items), "dynamic")

    def f_array_sort_asc(self, c, node, args):
        return self._array_sort(c, node, args, False)

    def f_array_sort_desc(self, c, node, args):
        return self._array_sort(c, node, args, True)

    def f_array_index_of(self, c, node, args):
        self.arity(c, node, args, 2)
        items = self.json_list(c, node, args[0])
        shape = "CASE WHEN :l IS NULL THEN NULL ELSE COALESCE(list_position(list_transform(:l, e -> CAST(e AS VARCHAR)), CAST(:v AS VARCHAR)), 0) - 1 END"
        return Typed(sb.cast(sb.tmpl(shape, l=items, v=self.json_of(args[1])), "long"), "long")

    def _rotate(self, c, node, args, left: bool):
        self.arity(c, node, args, 2)
        items = self.json_list(c, node, args[0])
        n = args[1].sql if left else exp.Neg(this=exp.Paren(this=args[1].sql))
        shape = ("CASE WHEN len(:l) = 0 THEN to_json(:l) ELSE to_json(list_concat(list_slice(:l, ((:n % len(:l)) + len(:l)) % len(:l) + 1, len(:l)),"
                 " list_slice(:l, 1, ((:n % len(:l)) + len(:l)) % len(:l)))) END")
        return Typed(sb.tmpl(shape, l=items, n=n), "dynamic")

    def f_array_rotate_left(self, c, node, args):
        return self._rotate(c, node, args, True)

    def f_array_rotate_right(self, c, node, args):
        return self._rotate(c, node, args, False)

    def f_bag_merge(self, c, node, args):
        if len(args) < 2:
            self.arity(c, node, args, 2, 64)
        # the leftmost bag wins when a key repeats
        merged = args[-1].sql
        for bag in reversed(args[:-1]):
            merged = exp.Anonymous(this="json_merge_patch", expressions=[merged, bag.sql])
        return Typed(merged, "dynamic")

    def f_zip(self, c, node, args):
        if len(args) < 2:
            self.arity(c, node, args, 2, 16)
        lists = [self.json_list(c, node, a) for a in args]
        longest = exp.Anonymous(this="greatest", expressions=[exp.Anonymous(this="len", expressions=[lst]) for lst in lists])
        pairs = exp.Array(expressions=[sb.tmpl("COALESCE(:l[i + 1], 'null'::JSON)", l=lst) for lst in lists])
        return Typed(sb.tmpl("to_json(list_transform(range(:n), i -> :p))", n=longest, p=pairs), "dynamic")

    def f_typeof(self, c, node, args):
        raise KqlSemanticError("typeof() is only valid as an argument", c.text, node.pos)

    def f_toscalar(self, c, node, args):
        return self.compiler.toscalar(c, node)

    def f_materialize(self, c, node, args):
        raise KqlSemanticError("materialize() returns a table, not a scalar", c.text, node.pos)

    def f_hash_sha256(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(exp.Anonymous(this="sha256", expressions=[c.as_string(args[0]).sql]), "string")

    def f_hash_md5(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(exp.Anonymous(this="md5", expressions=[c.as_string(args[0]).sql]), "string")

    def f_url_decode(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(sb.coalesce(exp.Anonymous(this="url_decode", expressions=[c.as_string(args[0]).sql]), sb.string("")), "string")

    def f_base64_decode_tostring(self, c, node, args):
        self.arity(c, node, args, 1)
        shape = "COALESCE(TRY_CAST(from_base64(:s) AS VARCHAR), '')"
        return Typed(sb.tmpl(shape, s=c.as_string(args[0]).sql), "string")

    def f_base64_encode_tostring(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(sb.tmpl("to_base64(encode(:s))", s=c.as_string(args[0]).sql), "string")


# The only literal characters Kusto's format_datetime / format_timespan accept between specifiers.
FORMAT_SEPARATORS = set(" /-:,._[]")


def _period(text: str, c: ExprCompiler, node: ast.Expr) -> str:
    unit = text.lower().rstrip("s") if text.lower() not in ("ms",) else "millisecond"
    aliases = {"yy": "year", "qq": "quarter", "q": "quarter", "mm": "month", "m": "month", "wk": "week",
               "ww": "week", "dd": "day", "d": "day", "hh": "hour", "mi": "minute", "n": "minute",
               "ss": "second", "s": "second", "microsec": "microsecond", "nanosec": "nanosecond",
               "millisec": "millisecond", "mcs": "microsecond"}
    unit = aliases.get(unit, unit)
    if unit not in ("year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond",
                    "microsecond", "nanosecond"):
        raise KqlSemanticError(f"unknown period {text!r}", c.text, node.pos)
    return unit


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
    "todynamic": "parse_json", "parsejson": "parse_json", "toobject": "parse_json", "iif": "iff",
    "toreal": "todouble", "int": "toint", "long": "tolong", "pack": "bag_pack", "pack_dictionary": "bag_pack",
    "replace": "replace_string",
}

# Functions whose arguments are not compiled as scalars before the builder sees them.
_RAW_ARGS = {"toscalar": True}
