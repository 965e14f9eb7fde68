"""Functions whose values Python computes (kqlite.computed, and the GeoIP lookup): parse_xml, gzip and zlib,
Punycode.

A mixin of `kqlite.compile.functions.Functions`. No engine has them as SQL; rather than a per-row callback (which
neither engine runs well), the distinct values of the argument over the rows are read first (one query), each
is computed once in Python, and the answers become a small relation of the engine (value -> answer) that the
expression reads with a correlated lookup. A constant argument is computed while compiling."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

from sqlglot import exp

from kqlite import computed
from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import ExprCompiler, Typed
from kqlite.compile.scope import ident
from kqlite.errors import KqlSemanticError, KqlUnsupportedError
from kqlite.syntax import ast

_KEY, _ANSWER = "_kq_computed_key", "_kq_computed_answer"

Compute = Callable[[str], "str | None"]


def _answer_text(value: object, result_type: str) -> str | None:
    """A computed Python value as the text the lookup relation holds (JSON; a string result as itself)."""
    if value is None:
        return None
    if result_type == "string":
        return str(value) or None
    return json.dumps(value)  # NaN and the infinities as NaN, Infinity: both engines cast those texts to doubles


class ComputedFunctions:
    def computed_per_value(self, c: ExprCompiler, node: ast.Call, argument: Typed, compute: Compute,
                           result_type: str) -> Typed:
        """compute(text) for each row's value of `argument` (a string): JSON text for a dynamic result. A
        value compute() gives None for is null (the empty string for a string result)."""
        if argument.is_const:
            answer = compute(argument.const) if isinstance(argument.const, str) else None
            if answer is None:
                return Typed(sb.missing(result_type), result_type)
            value = json.loads(answer) if result_type == "dynamic" else answer
            if result_type not in ("dynamic", "string"):
                value = json.loads(answer)
            return Typed(sb.literal(result_type, value), result_type)
        found = [(value, answer) for value in self.distinct_texts(c, argument.sql, node)
                 if (answer := compute(value)) is not None]
        if not found:
            return Typed(sb.missing(result_type), result_type)
        if not c.dialect.nested_correlation and argument.sql.find(exp.Subquery):
            raise KqlUnsupportedError(f"{node.name}() of a value another such function computed, on this backend",
                                      c.text, node.pos, "compute the inner value in an extend of its own first")
        register = self.compiler.ctx.register_rows
        if register is None:
            raise KqlUnsupportedError(f"{node.name}() of values the data holds, on this backend", c.text, node.pos,
                                      "give it a constant")
        import pyarrow as pa

        table = register(pa.table({_KEY: [k for k, _ in found], _ANSWER: [a for _, a in found]}))
        # a correlated lookup, aggregated (Spark takes no other scalar subquery); the engine makes it a join.
        # Its alias is the relation's own: the argument may hold another such lookup (nested calls)
        alias = table.this.name
        lookup = (exp.Select().select(exp.Max(this=exp.column(_ANSWER, table=alias, quoted=True)), copy=False)
                  .from_(exp.Table(this=table.this.copy(), alias=exp.TableAlias(this=ident(alias))), copy=False)
                  .where(exp.EQ(this=exp.column(_KEY, table=alias, quoted=True), expression=argument.sql),
                         copy=False))
        answer = exp.Subquery(this=lookup)
        if result_type == "dynamic":
            return Typed(c.dialect.shape("parse_json", s=answer), "dynamic")
        if result_type != "string":  # the answer's text ("NaN" included) read as the result's type
            return Typed(sb.cast(answer, result_type), result_type)
        return Typed(sb.coalesce(answer, sb.string("")), result_type)

    def computed_per_values(self, c: ExprCompiler, node: ast.Call, args: list[Typed],
                            compute: Callable[..., object], result_type: str) -> Typed:
        """compute(*values) once per distinct combination of the arguments' values (numbers, text, dynamic:
        what JSON holds), keyed by the JSON text of the array of them. compute gives the result as a Python value
        (a float, a string, a list or dict for a dynamic result), None for null."""

        def answer_text(key: str) -> str | None:
            values = json.loads(key)
            return _answer_text(compute(*values) if isinstance(values, list) else None, result_type)

        if all(arg.is_const for arg in args):
            key = json.dumps([arg.const for arg in args])
            return self.computed_per_value(c, node, Typed(sb.string(key), "string", None, key), answer_text,
                                           result_type)
        items = c.dialect.call("json_array", [self.json_of(arg) for arg in args])
        key_sql = c.dialect.shape("json_text", d=items)
        return self.computed_per_value(c, node, Typed(key_sql, "string"), answer_text, result_type)

    def distinct_texts(self, c: ExprCompiler, text: exp.Expression, node: ast.Call) -> list[str]:
        """The distinct non-empty values of a text expression over the rows it runs on."""
        compiler = self.compiler
        if compiler.probe is None:
            raise KqlUnsupportedError(f"{node.name}() without data to read its values from", c.text, node.pos)
        select = exp.Select().select(exp.alias_(text.copy(), "v", quoted=True), copy=False).distinct()
        if c.relation is not None:
            select = select.from_(c.relation.source.copy(), copy=False)
        return sorted(value for (value,) in compiler.probe(compiler.with_ctes(select))
                      if isinstance(value, str) and value.strip())

    def _text_function(self, c: ExprCompiler, node: ast.Call, args: list[Typed], compute: Compute,
                       result_type: str) -> Typed:
        self.arity(c, node, args, 1)
        if args[0].type != "string":
            raise KqlSemanticError(f"{node.name}() takes a string, not {args[0].type}", c.text, node.pos)
        return self.computed_per_value(c, node, args[0], compute, result_type)

    def f_parse_xml(self, c, node, args):
        return self._text_function(c, node, args, computed.xml_to_json, "dynamic")

    def f_gzip_compress_to_base64_string(self, c, node, args):
        return self._text_function(c, node, args, computed.gzip_compress, "string")

    def f_gzip_decompress_from_base64_string(self, c, node, args):
        return self._text_function(c, node, args, computed.gzip_decompress, "string")

    def f_zlib_compress_to_base64_string(self, c, node, args):
        return self._text_function(c, node, args, computed.zlib_compress, "string")

    def f_zlib_decompress_from_base64_string(self, c, node, args):
        return self._text_function(c, node, args, computed.zlib_decompress, "string")

    def f_punycode_from_string(self, c, node, args):
        return self._text_function(c, node, args, computed.punycode_encode, "string")

    def f_punycode_to_string(self, c, node, args):
        return self._text_function(c, node, args, computed.punycode_decode, "string")

    def f_punycode_domain_to_string(self, c, node, args):
        return self._text_function(c, node, args, computed.punycode_domain_encode, "string")

    def f_punycode_domain_from_string(self, c, node, args):
        return self._text_function(c, node, args, computed.punycode_domain_decode, "string")

    def f_parse_user_agent(self, c, node, args):
        """parse_user_agent(text, "browser" | "os" | "device" | dynamic([...])): the parts asked for."""
        self.arity(c, node, args, 2)
        if args[0].type != "string":
            raise KqlSemanticError(f"parse_user_agent() takes a string, not {args[0].type}", c.text, node.pos)
        if not args[1].is_const:
            raise KqlUnsupportedError("parse_user_agent() with parts to look for that are not a constant", c.text,
                                      node.pos, "write them out: 'browser', or dynamic(['browser', 'os'])")
        wanted = args[1].const
        names = [wanted] if isinstance(wanted, str) else wanted
        if not isinstance(names, list) or not names or not all(
                isinstance(n, str) and n.lower() in computed.USER_AGENT_PARTS for n in names):
            raise KqlSemanticError("parse_user_agent()'s second argument is 'browser', 'os', 'device' or a dynamic "
                                   "array of them", c.text, node.pos)
        look_for = tuple(n.lower() for n in names)
        return self.computed_per_value(c, node, args[0], functools.partial(computed.user_agent_json,
                                                                           look_for=look_for), "dynamic")

    def f_treepath(self, c, node, args):
        """The paths of a dynamic value's properties and array elements (see kqlite.computed.tree_paths)."""
        self.arity(c, node, args, 1)
        if args[0].type != "dynamic":
            raise KqlSemanticError(f"treepath() takes a dynamic value, not {args[0].type}", c.text, node.pos)
        text = Typed(c.dialect.shape("json_text", d=args[0].sql), "string")
        if args[0].is_const:  # computed while compiling, from the constant's JSON text
            text.const = json.dumps(args[0].const)
        return self.computed_per_value(c, node, text, computed.tree_paths, "dynamic")

    def f_replace_strings(self, c, node, args):
        """Several strings replaced at once: the earlier lookups first, their rewrites left alone (see
        kqlite.computed.replace_strings); the lookups and rewrites are constant arrays."""
        self.arity(c, node, args, 3)
        text = c.as_string(args[0])
        lists = []
        for arg, what in ((args[1], "lookups"), (args[2], "rewrites")):
            if arg.type != "dynamic":
                raise KqlSemanticError(f"replace_strings()'s {what} must be a dynamic array, not {arg.type}", c.text,
                                       node.pos)
            if not (arg.is_const and isinstance(arg.const, list | type(None))):
                raise KqlUnsupportedError(f"replace_strings() with {what} that are not a constant array", c.text,
                                          node.pos, "write them out, e.g. dynamic(['cat', 'dog'])")
            lists.append(arg.const or [])
        replace = functools.partial(computed.replace_strings, lookups=lists[0], rewrites=lists[1])
        return self.computed_per_value(c, node, text, replace, "string")
