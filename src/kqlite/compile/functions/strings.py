"""String functions: case, concatenation, substrings, splitting, regex extraction, emptiness tests.

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import known_values
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
        self.arity(c, node, args, 3, 65)  # the delimiter and at least two values
        return Typed(
            c.dialect.call("concat_ws", [c.as_string(a).sql for a in args]), "string"
        )

    def f_strlen(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(sb.cast(exp.Length(this=c.as_string(args[0]).sql), "long"), "long")

    def f_string_size(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(
            sb.cast(c.dialect.call("strlen", [c.as_string(args[0]).sql]), "long"), "long"
        )

    def f_substring(self, c, node, args):
        self.arity(c, node, args, 2, 3)
        s = c.as_string(args[0]).sql
        start = args[1].sql
        if len(args) == 2:
            return Typed(c.dialect.shape("substring_kql_from", s=s, i=start), "string")
        return Typed(c.dialect.shape("substring_kql", s=s, i=start, n=args[2].sql), "string")

    def f_indexof(self, c, node, args):
        self.arity(c, node, args, 2, 5)
        if len(args) > 3:
            raise KqlUnsupportedError("indexof() with length or occurrence", c.text, node.pos)
        text, lookup = c.as_string(args[0]).sql, c.as_string(args[1]).sql
        if len(args) == 3:  # from `start` (negative: that many characters before the end)
            return Typed(sb.cast(c.dialect.shape("index_of_text_from", a=text, b=lookup, i=args[2].sql), "long"), "long")
        return Typed(sb.cast(c.dialect.shape("index_of_text", a=text, b=lookup), "long"), "long")

    def f_split(self, c, node, args):
        self.arity(c, node, args, 2, 3)
        s, d = c.as_string(args[0]).sql, c.as_string(args[1]).sql
        if len(args) == 3:
            return Typed(c.dialect.shape("string_split_part_json", s=s, d=d, i=args[2].sql), "dynamic")
        parts = c.dialect.shape("string_split_json", s=s, d=d)
        # an index then reads the engine's list of parts (see known_values): no JSON per row
        known = known_values.string_list(c.dialect.shape("string_split_list", s=s.copy(), d=d.copy()), parts.copy())
        return Typed(parts, "dynamic", known=known)

    def f_replace_string(self, c, node, args):
        self.arity(c, node, args, 3)
        s, a, b = (c.as_string(x).sql for x in args)
        return Typed(
            c.dialect.shape("replace_text", s=s, a=a, b=b), "string"
        )

    def f_replace(self, c, node, args):
        """The deprecated replace(regex, rewrite, text): replace_regex with the text last."""
        self.arity(c, node, args, 3)
        return self.f_replace_regex(c, node, [args[2], args[0], args[1]])

    def f_replace_regex(self, c, node, args):
        self.arity(c, node, args, 3)
        s, pattern, rewrite = (c.as_string(x) for x in args)
        if rewrite.is_const:
            # Kusto writes group references $1; the engine's regex library may spell them otherwise
            reference = c.dialect.regex_group_reference
            rewrite_sql = sb.string(re.sub(r"\$(\d)|\\(\d)", lambda m: reference.format(m.group(1) or m.group(2)),
                                           str(rewrite.const)))
        else:
            rewrite_sql = rewrite.sql
        return Typed(
            c.dialect.shape("regex_replace_all", s=s.sql, p=_regex(c, pattern), r=rewrite_sql), "string"
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
            return Typed(c.dialect.shape("count_regex_matches", s=s, p=p), "long")
        # plain text: overlapping occurrences count ("aaa" has 2 of "aa")
        return Typed(c.dialect.shape("count_text_occurrences", s=s, p=p), "long")

    def _trim(self, c, node, args, shape):
        self.arity(c, node, args, 2)
        pattern, s = args
        if not pattern.is_const:
            raise KqlUnsupportedError(f"{node.name}() with a non-constant pattern", c.text, node.pos)
        regex = shape.format(pattern.const)
        return Typed(
            c.dialect.shape("regex_remove_all", s=c.as_string(s).sql, p=sb.string(c.dialect.regex(regex))), "string"
        )

    def f_extract(self, c, node, args):
        # compiled here: a 4th argument typeof(T) is not a value
        self.arity(c, node, node.args, 3, 4)
        pattern, group, s = (c.compile(arg) for arg in node.args[:3])
        self.check_types(c, node, [pattern, group, s])
        s = c.as_string(s)
        if pattern.is_const:
            self.check_regex(str(pattern.const), node)
        if group.is_const and isinstance(group.const, int) and not isinstance(group.const, bool):
            group = Typed(exp.Literal.number(group.const), "int")  # DuckDB wants a constant INTEGER here
        else:
            raise KqlUnsupportedError("extract() with a capture group that is not a constant whole number", c.text,
                                      node.pos, "give the group's number, such as 1")
        # the group's text, empty where the pattern does not match (or the group took no part): extract()'s
        # string, and a text that converts to null for the other types
        extracted = c.dialect.shape("regex_extract_text", s=s.sql, p=_regex(c, pattern), g=group.sql)
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

    def f_indexof_regex(self, c, node, args):
        """Where the occurrence-th match of a regex (non-overlapping, leftmost first) begins, from 0; -1 for none;
        null for a negative start or occurrence or a length under -1. Searched in text[start:start+length]."""
        self.arity(c, node, args, 2, 5)
        pattern = args[1]
        if not (pattern.is_const and isinstance(pattern.const, str)):
            raise KqlUnsupportedError("indexof_regex() with a regex that is not a constant", c.text, node.pos)
        self.check_regex(pattern.const, node)
        occurrence = args[4] if len(args) == 5 else Typed(exp.Literal.number(1), "long", None, 1)
        if not (occurrence.is_const and isinstance(occurrence.const, int) and not isinstance(occurrence.const, bool)):
            raise KqlUnsupportedError("indexof_regex() with an occurrence that is not a constant", c.text, node.pos)
        if occurrence.const < 0:
            return Typed(sb.null("long"), "long")
        text = node.args[0]
        start = node.args[2] if len(args) > 2 else ast.Literal(node.pos, "long", 0)
        whole = c.compile(ast.Call(node.pos, "substring", [text, start]))
        if len(args) > 3:
            bounded = c.compile(ast.Call(node.pos, "substring", [text, start, node.args[3]]))
            region = exp.Case(ifs=[exp.If(this=exp.EQ(this=args[3].sql, expression=sb.number(-1)), true=whole.sql)],
                              default=bounded.sql)
        else:
            region = whole.sql
        if occurrence.const == 0:
            return Typed(sb.number(-1), "long")
        wanted = f"(?:{pattern.const})"
        before = f"(?:.*?{wanted}){{{occurrence.const - 1}}}" if occurrence.const > 1 else ""
        found = exp.RegexpLike(this=region.copy(), expression=sb.string(
            c.dialect.regex(f"(?s)^(?:.*?{wanted}){{{occurrence.const}}}")))
        prefix = c.dialect.shape("regex_extract_or_null", s=region.copy(),
                                 p=sb.string(c.dialect.regex(f"(?s)^({before}.*?){wanted}")), g=exp.Literal.number(1))
        start_value = args[2].sql if len(args) > 2 else sb.number(0)
        index = exp.Add(this=start_value.copy(), expression=exp.Length(this=prefix))
        invalid = [exp.LT(this=start_value.copy(), expression=sb.number(0))]
        if len(args) > 3:
            invalid.append(exp.LT(this=args[3].sql.copy(), expression=sb.number(-1)))
        result = exp.Case(ifs=[exp.If(this=exp.or_(*invalid), true=sb.null("long")),
                               exp.If(this=found, true=sb.cast(index, "long"))], default=sb.number(-1))
        return Typed(result, "long")

    def f_extract_all(self, c, node, args):
        self.arity(c, node, args, 2)
        pattern, s = args[0], c.as_string(args[1])
        return Typed(c.dialect.shape("regex_extract_all_json", s=s.sql, p=_regex(c, pattern)), "dynamic")

    def f_reverse(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(c.dialect.call("reverse", [c.as_string(args[0]).sql]), "string")

    def f_strrep(self, c, node, args):
        self.arity(c, node, args, 2, 3)
        s = c.as_string(args[0]).sql
        if len(args) == 3:
            return Typed(c.dialect.shape("repeat_text_delimited", s=s, n=args[1].sql, d=c.as_string(args[2]).sql), "string")
        return Typed(c.dialect.shape("repeat_text", s=s, n=args[1].sql), "string")

    def f_strcmp(self, c, node, args):
        self.arity(c, node, args, 2)
        a, b = c.as_string(args[0]).sql, c.as_string(args[1]).sql
        return Typed(sb.cast(c.dialect.shape("compare_text", a=a, b=b), "long"), "long")

    def f_isempty(self, c, node, args):
        self.arity(c, node, args, 1)
        t = args[0]
        if t.type == "string":
            return Typed(exp.EQ(this=t.sql, expression=sb.string("")), "bool")
        if t.type == "dynamic":
            return Typed(c.dialect.shape("json_is_empty", x=t.sql), "bool")
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
            return Typed(c.dialect.shape("json_is_null", x=t.sql), "bool")
        return Typed(exp.Is(this=t.sql, expression=exp.Null()), "bool")

    def f_isnotnull(self, c, node, args):
        inner = self.f_isnull(c, node, args)
        return Typed(exp.Paren(this=exp.Not(this=exp.Paren(this=inner.sql))), "bool")

    def f_hash_sha256(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(c.dialect.call("sha256", [c.as_string(args[0]).sql]), "string")

    def f_hash_md5(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(c.dialect.call("md5", [c.as_string(args[0]).sql]), "string")

    def f_url_decode(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(
            sb.coalesce(
                c.dialect.call("url_decode", [c.as_string(args[0]).sql]), sb.string("")
            ),
            "string",
        )

    def f_base64_decode_tostring(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(c.dialect.shape("base64_decode_text", s=c.as_string(args[0]).sql), "string")

    def f_base64_encode_tostring(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(c.dialect.shape("base64_encode_text", s=c.as_string(args[0]).sql), "string")


def _regex(c, pattern: Typed) -> exp.Expression:
    """A regex argument: a constant (RE2, as Kusto writes it) in the engine's own regex syntax."""
    if pattern.is_const and isinstance(pattern.const, str):
        return sb.string(c.dialect.regex(pattern.const))
    return pattern.sql
