"""Property-bag and set functions of the issue-12 batch: bag_has_key, bag_pack_columns, pack_all, set_equals,
jaccard_index.

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>."""

from __future__ import annotations

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import Typed
from kqlite.compile.functions.text import json_path_steps
from kqlite.errors import KqlSemanticError, KqlUnsupportedError
from kqlite.syntax import ast


class BagFunctions:
    def f_bag_has_key(self, c, node, args):
        """Whether the bag has the key (its value may be null); a constant `$.a.b` path looks in nested bags."""
        self.arity(c, node, args, 2)
        bag, key = args
        if bag.type != "dynamic":
            raise KqlSemanticError("bag_has_key() expects a dynamic property bag", c.text, node.pos)
        if key.is_const and isinstance(key.const, str) and key.const.startswith("$"):
            steps = json_path_steps(key.const)
            if steps is None or any(isinstance(step, int) for step in steps) or not steps:
                raise KqlUnsupportedError("bag_has_key(): a path of member names only ($.a.b)", c.text, node.pos)
            value = bag.sql
            for step in steps:
                value = c.dialect.json_member(value, step)
        else:
            value = c.dialect.shape("json_member", t=bag.sql, i=c.as_string(key).sql)
        # a key whose value is null holds a JSON null, not a missing value
        return Typed(exp.Not(this=exp.Is(this=value, expression=exp.Null())), "bool")

    def f_bag_pack_columns(self, c, node, args):
        """A bag of the given columns, each under its own name."""
        if not args:
            self.arity(c, node, args, 1, 64)
        pairs: list[Typed] = []
        for arg, value in zip(node.args, args, strict=True):
            if not isinstance(arg, ast.Name):
                raise KqlSemanticError("bag_pack_columns() takes column names", c.text, node.pos)
            pairs += [Typed(sb.string(arg.name), "string", None, arg.name), value]
        return self.f_bag_pack(c, node, pairs)

    def f_pack_all(self, c, node, args):
        """A bag of every column of the row, nulls and empty strings included."""
        self.arity(c, node, args, 0, 1)
        if args and not (args[0].is_const and args[0].const is False):
            raise KqlUnsupportedError("pack_all(true): leaving out null and empty columns", c.text, node.pos)
        if c.relation is None:
            raise KqlSemanticError("pack_all() needs the columns of a row", c.text, node.pos)
        pairs: list[Typed] = []
        for column in c.relation.columns:
            pairs += [Typed(sb.string(column.name), "string", None, column.name),
                      c.compile(ast.Name(node.pos, column.name))]
        return self.f_bag_pack(c, node, pairs)

    def f_set_equals(self, c, node, args):
        """Whether the two arrays hold the same distinct values (order and repeats aside)."""
        self.arity(c, node, args, 2)
        a, b = args
        missing = [self._set_of(c, node, [x, y], "none").sql for x, y in ((a, b), (b, a))]
        empty = [exp.EQ(this=c.dialect.shape("json_array_length", d=m), expression=sb.number(0)) for m in missing]
        return Typed(exp.and_(*empty), "bool")

    def f_jaccard_index(self, c, node, args):
        """|A ∩ B| / |A ∪ B| of the arrays' distinct values; 0 / 0 (two empty arrays) is NaN, as .NET divides."""
        self.arity(c, node, args, 2)
        common = c.dialect.shape("json_array_length", d=self._set_of(c, node, args, "all").sql)
        every = c.dialect.shape("json_array_length", d=self._set_of(c, node, args, None).sql)
        ratio = exp.Div(this=sb.cast(common, "real"), expression=sb.cast(every, "real"), typed=False, safe=False)
        zero = exp.EQ(this=every.copy(), expression=sb.number(0))
        return Typed(exp.Case(ifs=[exp.If(this=zero, true=sb.number(float("nan")))], default=ratio), "real")
