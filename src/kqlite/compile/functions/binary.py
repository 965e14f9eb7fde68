"""Bitwise functions on 64-bit integers: and, or, xor, not, shifts, population count.

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>. Kusto
takes int or long arguments and always returns a long (its analyzer says so), so ints are widened first."""

from __future__ import annotations

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import Typed
from kqlite.errors import KqlSemanticError


class BinaryFunctions:
    def _longs(self, c, node, args, count: int) -> list[exp.Expression]:
        self.arity(c, node, args, count)
        for a in args:
            if a.type not in ("int", "long"):
                raise KqlSemanticError(f"{node.name}() expects an int or long, got {a.type}", c.text, node.pos)
        return [a.sql if a.type == "long" else sb.cast(a.sql, "long") for a in args]

    def _bitwise(cls: type[exp.Binary]):  # noqa: N805 - a builder factory used in the class body
        def build(self, c, node, args):
            a, b = self._longs(c, node, args, 2)
            return Typed(exp.Paren(this=cls(this=a, expression=b)), "long")

        return build

    f_binary_and = _bitwise(exp.BitwiseAnd)
    f_binary_or = _bitwise(exp.BitwiseOr)
    f_binary_xor = _bitwise(exp.BitwiseXor)

    def f_binary_not(self, c, node, args):
        (a,) = self._longs(c, node, args, 1)
        return Typed(exp.Paren(this=exp.BitwiseNot(this=a)), "long")

    def f_binary_shift_left(self, c, node, args):
        # value << (shift % 64), wrapping around 64 bits as .NET does; a negative shift is null
        x, n = self._longs(c, node, args, 2)
        return Typed(c.dialect.shape("shift_left_64", x=x, n=n), "long")

    def f_binary_shift_right(self, c, node, args):
        # value >> (shift % 64), the sign bit copied in; a negative shift is null
        x, n = self._longs(c, node, args, 2)
        return Typed(c.dialect.shape("shift_right_64", x=x, n=n), "long")

    def f_bitset_count_ones(self, c, node, args):
        (a,) = self._longs(c, node, args, 1)
        return Typed(sb.cast(c.dialect.call("bit_count", [a]), "long"), "long")
