"""String functions: case, concatenation, substrings, splitting, regex extraction, emptiness tests.

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import Typed
from kqlite.compile.types import normalize_type
from kqlite.errors import KqlSemanticError, KqlUnsupportedError
from kqlite.syntax import ast

if TYPE_CHECKING:
    pass


class StringFunctions:
    def f_tolower(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(exp.Lower(this=c.as_string(args[0]).sql), "string")

    def f_toupper(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(exp.Upper(this=c.as_string(args[0]).sql), "string")

    def f_strcat(self, c, node, args):
        if not 1 <= len(args) <= 64:
            self.arity(c, node, args, 1, 64)
        return Typed(sb.concat([c.as_string(a).sql for a in args]), "string")

    def f_strcat_delim(self, c, node, args):
        self.arity(c, node, args, 2, 65)
        return Typed(
            exp.Anonymous(this="concat_ws", expressions=[c.as_string(a).sql for a in args]), "string"
        )

    def f_strlen(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(sb.cast(exp.Length(this=c.as_string(args[0]).sql), "long"), "long")

    def f_string_size(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(
            sb.cast(exp.Anonymous(this="strlen", expressions=[c.as_string(args[0]).sql]), "long"), "long"
        )

    def f_substring(self, c, node, args):
        self.arity(c, node, args, 2, 3)
        s = c.as_string(args[0]).sql
        start = args[1].sql
        if len(args) == 2:
            shape = "CASE WHEN :i IS NULL OR length(:s) + :i < 0 THEN '' ELSE COALESCE(substr(:s, CASE WHEN :i < 0 THEN length(:s) + :i ELSE :i END + 1), '') END"
            return Typed(sb.tmpl(shape, s=s, i=start), "string")
        shape = (
            "CASE WHEN :i IS NULL OR :n IS NULL OR :n < 0 OR length(:s) + :i < 0 THEN '' ELSE COALESCE(substr(:s, "
            "CASE WHEN :i < 0 THEN greatest(length(:s) + :i, 0) ELSE :i END + 1, :n), '') END"
        )
        return Typed(sb.tmpl(shape, s=s, i=start, n=args[2].sql), "string")

    def f_indexof(self, c, node, args):
        self.arity(c, node, args, 2, 5)
        if len(args) > 2:
            raise KqlUnsupportedError("indexof() with start/length/occurrence", c.text, node.pos)
        shape = "CASE WHEN :b = '' THEN 0 ELSE instr(:a, :b) - 1 END"
        return Typed(
            sb.cast(sb.tmpl(shape, a=c.as_string(args[0]).sql, b=c.as_string(args[1]).sql), "long"), "long"
        )

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
        return Typed(
            sb.tmpl("CASE WHEN :a = '' THEN :s ELSE replace(:s, :a, :b) END", s=s, a=a, b=b), "string"
        )

    def f_replace_regex(self, c, node, args):
        self.arity(c, node, args, 3)
        s, pattern, rewrite = (c.as_string(x) for x in args)
        if rewrite.is_const:
            rewrite_sql = sb.string(re.sub(r"\$(\d)", r"\\\1", str(rewrite.const)))
        else:
            rewrite_sql = rewrite.sql
        return Typed(
            sb.tmpl("regexp_replace(:s, :p, :r, 'g')", s=s.sql, p=pattern.sql, r=rewrite_sql), "string"
        )

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
        return Typed(
            sb.tmpl("regexp_replace(:s, :p, '', 'g')", s=c.as_string(s).sql, p=sb.string(regex)), "string"
        )

    def f_extract(self, c, node, args):
        self.arity(c, node, args, 3, 4)
        pattern, group, s = args[0], args[1], c.as_string(args[2])
        if pattern.is_const:
            self.check_regex(str(pattern.const), node)
        if group.is_const and isinstance(group.const, int):
            group = Typed(exp.Literal.number(group.const), "int")  # DuckDB wants a constant INTEGER here
        extracted = sb.tmpl(
            "CASE WHEN regexp_matches(:s, :p) THEN regexp_extract(:s, :p, :g) ELSE NULL END",
            s=s.sql,
            p=pattern.sql,
            g=group.sql,
        )
        if len(node.args) == 4:
            target = node.args[3]
            if not isinstance(target, ast.TypeOf):
                raise KqlSemanticError("extract()'s 4th argument must be typeof(type)", c.text, node.pos)
            kql_type = normalize_type(target.type)
            if kql_type is None:
                raise KqlSemanticError(f"unknown type {target.type}", c.text, target.pos)
            return (
                self.convert(c, Typed(sb.coalesce(extracted, sb.string("")), "string"), kql_type)
                if kql_type != "string"
                else Typed(sb.coalesce(extracted, sb.string("")), "string")
            )
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
            shape = (
                "CASE WHEN :n <= 0 THEN '' ELSE array_to_string(list_transform(range(:n), x -> :s), :d) END"
            )
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

    def f_hash_sha256(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(exp.Anonymous(this="sha256", expressions=[c.as_string(args[0]).sql]), "string")

    def f_hash_md5(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(exp.Anonymous(this="md5", expressions=[c.as_string(args[0]).sql]), "string")

    def f_url_decode(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(
            sb.coalesce(
                exp.Anonymous(this="url_decode", expressions=[c.as_string(args[0]).sql]), sb.string("")
            ),
            "string",
        )

    def f_base64_decode_tostring(self, c, node, args):
        self.arity(c, node, args, 1)
        shape = "COALESCE(TRY_CAST(from_base64(:s) AS VARCHAR), '')"
        return Typed(sb.tmpl(shape, s=c.as_string(args[0]).sql), "string")

    def f_base64_encode_tostring(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(sb.tmpl("to_base64(encode(:s))", s=c.as_string(args[0]).sql), "string")
