"""Statistics: beta_cdf, beta_inv, beta_pdf and welch_test.

A mixin of `kqlite.compile.functions.Functions`. No engine has the incomplete beta function, so these are computed
in Python (kqlite.numeric) once per distinct set of argument values, as the other functions computed per value
are (functions/computed.py). The result is a real (Kusto's analyzer says so)."""

from __future__ import annotations

from collections.abc import Callable

from kqlite import numeric
from kqlite.compile.expressions import ExprCompiler, Typed
from kqlite.compile.types import NUMERIC
from kqlite.errors import KqlSemanticError
from kqlite.syntax import ast


class StatisticsFunctions:
    def _numbers_computed(self, c: ExprCompiler, node: ast.Call, args: list[Typed], count: int,
                          compute: Callable[..., float | None]) -> Typed:
        self.arity(c, node, args, count)
        for arg in args:
            if arg.type not in NUMERIC:
                raise KqlSemanticError(f"{node.name}() takes numbers, not {arg.type}", c.text, node.pos)
        return self.computed_per_values(c, node, args, compute, "real")

    def f_beta_cdf(self, c, node, args):
        return self._numbers_computed(c, node, args, 3, numeric.beta_cdf)

    def f_beta_inv(self, c, node, args):
        return self._numbers_computed(c, node, args, 3, numeric.beta_inv)

    def f_beta_pdf(self, c, node, args):
        return self._numbers_computed(c, node, args, 3, numeric.beta_pdf)

    def f_welch_test(self, c, node, args):
        """The two-sided p-value of Welch's t-test of two samples given by their means, variances and counts."""
        return self._numbers_computed(c, node, args, 6, numeric.welch_test)
