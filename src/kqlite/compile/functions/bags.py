"""Property-bag and set functions of the issue-12 batch: bag_has_key, bag_pack_columns, pack_all, set_equals,
jaccard_index; and of its second batch: bag_remove_keys, bag_set_key, bag_zip.

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

    def f_bag_remove_keys(self, c, node, args):
        """The bag without the given keys: names of the first level, or `$.a.b` paths into nested bags (a
        path through a value that is not a bag removes nothing). Not a bag: null."""
        self.arity(c, node, args, 2)
        bag, keys = args
        if bag.type != "dynamic" or keys.type != "dynamic":
            raise KqlSemanticError("bag_remove_keys() expects a dynamic bag and a dynamic array of keys",
                                   c.text, node.pos)
        if not (keys.is_const and isinstance(keys.const, list) and all(isinstance(k, str) for k in keys.const)):
            raise KqlUnsupportedError("bag_remove_keys() with keys that are not a constant array of strings",
                                      c.text, node.pos)
        paths = [self._key_path(c, node, key) for key in keys.const]
        return Typed(self._without(c, bag.sql, paths), "dynamic")

    def _key_path(self, c, node, key: str) -> list[str]:
        """A key argument as the member names it goes through: `$.a.b` is a path, any other text one name."""
        if not key.startswith("$"):
            return [key]
        steps = json_path_steps(key)
        if not steps or any(isinstance(step, int) for step in steps):
            # the documentation: array indexing and the root path are not supported
            raise KqlSemanticError(f"{node.name}(): '{key}' is not a path of member names ($.a.b)",
                                   c.text, node.pos)
        return [str(step) for step in steps]

    def _without(self, c, bag: exp.Expression, paths: list[list[str]]) -> exp.Expression:
        """`bag` without the first-level keys of `paths`; a longer path rewrites the member it goes into."""
        names = [path[0] for path in paths if len(path) == 1]
        result = c.dialect.shape("json_bag_without", b=bag, names=exp.Array(expressions=[sb.string(n) for n in names]))
        inner: dict[str, list[list[str]]] = {}
        for path in paths:
            if len(path) > 1 and path[0] not in names:
                inner.setdefault(path[0], []).append(path[1:])
        for name, rest in inner.items():
            member = c.dialect.json_member(bag.copy(), name)
            # a member that is not a bag is kept as it is
            value = c.dialect.shape("json_bag_or_self", d=member, n=self._without(c, member.copy(), rest))
            result = c.dialect.shape("json_bag_replace", b=result, key=sb.string(name), value=value)
        return result

    def f_bag_set_key(self, c, node, args):
        """The bag with the key set to the value (replaced in place when it is there); a `$.a.b` path makes the
        bags it goes through, where missing. Not a bag: null."""
        self.arity(c, node, args, 3)
        bag, key, value = args
        if bag.type != "dynamic":
            raise KqlSemanticError("bag_set_key() expects a dynamic property bag", c.text, node.pos)
        if not (key.is_const and isinstance(key.const, str)):
            raise KqlUnsupportedError("bag_set_key() with a key that is not a constant string", c.text, node.pos)
        path = self._key_path(c, node, key.const)
        return Typed(self._set(c, bag.sql, path, self.json_of(value)), "dynamic")

    def _set(self, c, bag: exp.Expression, path: list[str], value: exp.Expression) -> exp.Expression:
        if len(path) > 1:
            # the member the path goes into, or a new bag when it is missing or not a bag
            member = c.dialect.shape("json_bag_or_empty", d=c.dialect.json_member(bag.copy(), path[0]))
            value = self._set(c, member, path[1:], value)
        return c.dialect.shape("json_bag_set", b=bag, key=sb.string(path[0]), value=value)

    def f_bag_zip(self, c, node, args):
        """A bag of keys[i]: values[i]; keys that are not strings are left out, a key without a value gets
        null, values without a key are dropped. Either argument not an array: null."""
        self.arity(c, node, args, 2)
        keys, values = args
        if keys.type != "dynamic" or values.type != "dynamic":
            raise KqlSemanticError("bag_zip() expects two dynamic arrays", c.text, node.pos)
        return Typed(c.dialect.shape("json_bag_zip", k=keys.sql, v=values.sql), "dynamic")
