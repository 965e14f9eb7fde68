"""Text and conversion functions of the issue-12 batch: hashes, character tests, URL encoding, hexadecimal,
translate, repeat, JSONPath extraction, Unix times, random values.

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>."""

from __future__ import annotations

import re

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import Typed
from kqlite.compile.types import NUMERIC, normalize_type
from kqlite.errors import KqlSemanticError, KqlUnsupportedError
from kqlite.syntax import ast

# repeat()'s value types (its documentation; the engine refuses a dynamic value)
_REPEATABLE = ("bool", "int", "long", "real", "decimal", "datetime", "timespan", "string", "guid")

# one step of a JSONPath: .name, ['name'] or ["name"], [index]
_PATH_STEP = re.compile(r"""\.([A-Za-z_$@][\w$@-]*)|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*(\d+)\s*\]""")


def json_path_steps(path: str) -> list[str | int] | None:
    """The member names and array indexes of a JSONPath made of `$`, `.name`, `['name']` and `[n]`; None for
    anything else (wildcards, recursive descent, filters, slices)."""
    text = path.strip()
    if not text.startswith("$"):
        return None
    steps: list[str | int] = []
    i = 1
    while i < len(text):
        m = _PATH_STEP.match(text, i)
        if m is None:
            return None
        name, single, double, index = m.groups()
        if index is not None:
            steps.append(int(index))
        else:
            quoted = single if single is not None else double
            steps.append(name if name is not None else re.sub(r"\\(.)", r"\1", quoted))
        i = m.end()
    return steps


class TextFunctions:
    def f_hash_sha1(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(c.dialect.call("sha1", [c.as_string(args[0]).sql]), "string")

    def f_isascii(self, c, node, args):
        self.arity(c, node, args, 1)
        pattern = sb.string(c.dialect.regex(r"^[\x00-\x7F]*$"))
        return Typed(exp.RegexpLike(this=c.as_string(args[0]).sql, expression=pattern), "bool")

    def f_isutf8(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(c.dialect.shape("is_valid_utf8", s=c.as_string(args[0]).sql), "bool")

    def f_regex_quote(self, c, node, args):
        # Kusto's regexes are RE2's: RE2::QuoteMeta escapes every character but [A-Za-z0-9_] and non-ASCII
        self.arity(c, node, args, 1)
        return Typed(c.dialect.shape("regex_quote_meta", s=c.as_string(args[0]).sql), "string")

    def f_translate(self, c, node, args):
        # a search character past the end of the replacements takes the last one; no replacements deletes
        self.arity(c, node, args, 3)
        search, replacement, source = (c.as_string(a).sql for a in args)
        return Typed(c.dialect.shape("translate_chars", s=source, a=search, b=replacement), "string")

    def f_url_encode(self, c, node, args):
        # .NET's HttpUtility.UrlEncode: lower-case %xx of the UTF-8 bytes, a space as '+'
        self.arity(c, node, args, 1)
        return Typed(c.dialect.shape("url_encode_form", s=c.as_string(args[0]).sql), "string")

    def f_url_encode_component(self, c, node, args):
        # as url_encode, but a space is %20
        self.arity(c, node, args, 1)
        return Typed(c.dialect.shape("url_encode_component", s=c.as_string(args[0]).sql), "string")

    def f_tohex(self, c, node, args):
        self.arity(c, node, args, 1, 2)
        value = args[0]
        if value.type not in ("int", "long"):
            raise KqlSemanticError(f"tohex() expects an int or long, got {value.type}", c.text, node.pos)
        x = value.sql
        if value.type == "int":  # a negative int is written in 32 bits (ffffff00), not 64
            negative = exp.LT(this=x.copy(), expression=sb.number(0))
            x = exp.Case(ifs=[exp.If(this=negative, true=exp.Add(this=sb.cast(x.copy(), "long"),
                                                                  expression=sb.number(2**32)))],
                         default=sb.cast(x, "long"))
        text = c.dialect.shape("hex_of_long", x=x)
        if len(args) == 1:
            return Typed(text, "string")
        width = c.dialect.call("least", [args[1].sql, sb.number(16)])  # at most 16 digits of padding
        return Typed(c.dialect.shape("zero_pad_left", s=text, n=width), "string")

    def f_repeat(self, c, node, args):
        self.arity(c, node, args, 2)
        value, count = args
        if value.type not in _REPEATABLE:
            raise KqlSemanticError(f"repeat() cannot repeat a {value.type} value", c.text, node.pos)
        if count.type not in ("int", "long"):
            raise KqlSemanticError(f"repeat() expects a whole count, got {count.type}", c.text, node.pos)
        # a negative count is null, zero an empty array
        return Typed(c.dialect.shape("json_repeat", v=self.json_of(value), n=count.sql), "dynamic")

    def f_unixtime_microseconds_todatetime(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(c.dialect.shape("unix_micros_to_datetime", x=self._whole(c, node, args[0])), "datetime")

    def f_unixtime_nanoseconds_todatetime(self, c, node, args):
        # datetimes are kept to the microsecond: the nanoseconds below it are dropped (rounded down)
        self.arity(c, node, args, 1)
        return Typed(c.dialect.shape("unix_nanos_to_datetime", x=self._whole(c, node, args[0])), "datetime")

    def _whole(self, c, node, t: Typed) -> exp.Expression:
        """A count of time units as a long: a real is rounded down (below a microsecond or a nanosecond)."""
        if t.type in ("int", "long"):
            return sb.cast(t.sql, "long")
        if t.type in ("real", "decimal"):
            return sb.try_cast(exp.Floor(this=t.sql), "long")
        raise KqlSemanticError(f"{node.name}() expects a number, got {t.type}", c.text, node.pos)

    def f_new_guid(self, c, node, args):
        self.arity(c, node, args, 0)
        return Typed(c.dialect.call("uuid", []), "guid")

    def f_rand(self, c, node, args):
        """rand(): a real in [0, 1); rand(N): one of 0.0, 1.0, ..., N - 1 (a real)."""
        self.arity(c, node, args, 0, 1)
        value = c.dialect.call("random", [])
        if not args:
            return Typed(value, "real")
        if args[0].type not in NUMERIC:
            raise KqlSemanticError(f"rand() expects a number, got {args[0].type}", c.text, node.pos)
        scaled = exp.Mul(this=value, expression=sb.cast(args[0].sql, "real"))
        return Typed(sb.cast(exp.Floor(this=scaled), "real"), "real")

    def f_extract_json(self, c, node, args):
        # raw arguments (the third is a typeof(), not a value)
        self.arity(c, node, node.args, 2, 3)
        path = c.compile(node.args[0])
        if not (path.is_const and isinstance(path.const, str)):
            raise KqlUnsupportedError(f"{node.name}() with a JSONPath that is not a constant", c.text, node.pos)
        steps = json_path_steps(path.const)
        if steps is None:
            raise KqlUnsupportedError(f"{node.name}(): only $, .name, ['name'] and [index] JSONPath steps",
                                      c.text, node.pos)
        value = self.f_parse_json(c, node, [c.as_string(c.compile(node.args[1]))]).sql
        for step in steps:
            value = c.dialect.json_element(value, step) if isinstance(step, int) else c.dialect.json_member(value, step)
        target = "string"
        if len(node.args) == 3:
            kind = node.args[2]
            if not isinstance(kind, ast.TypeOf):
                raise KqlSemanticError(f"{node.name}()'s 3rd argument must be typeof(type)", c.text, node.pos)
            target = normalize_type(kind.type) or ""
            if not target:
                raise KqlSemanticError(f"unknown type {kind.type}", c.text, kind.pos)
        if target == "dynamic":
            return Typed(value, "dynamic")
        # the value found, as text (a string unquoted, anything else as JSON), then converted
        text = Typed(c.dialect.shape("json_to_kql_text", d=value), "string")
        return text if target == "string" else self.convert(c, text, target)

