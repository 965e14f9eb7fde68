"""Window functions over serialized rows: row_number, row_cumsum, prev/next, row ranks.

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import ExprCompiler, Typed
from kqlite.compile.types import NUMERIC
from kqlite.errors import KqlSemanticError, KqlUnsupportedError
from kqlite.syntax import ast

if TYPE_CHECKING:
    pass


class WindowFunctions:
    def window(
        self,
        c: ExprCompiler,
        node: ast.Call,
        function: exp.Expression,
        partition: exp.Expression | None = None,
        cumulative: bool = False,
    ) -> exp.Expression:
        relation = c.relation
        if relation is None or not relation.serialized:
            raise KqlSemanticError(
                f"{node.name}() needs serialized rows",
                c.text,
                node.pos,
                "add `| serialize` or `| sort by ...` before it",
            )
        spec = exp.Window(
            this=function,
            order=exp.Order(expressions=c.row_order()),
            partition_by=[partition] if partition is not None else None,
        )
        if cumulative:  # one row at a time, not RANGE (which would add up ties together)
            spec.set(
                "spec",
                exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW"),
            )
        return spec

    def restart_group(self, c: ExprCompiler, node: ast.Call, restart: Typed) -> exp.Expression:
        """A group number that grows at each row where `restart` is true (computed a level earlier)."""
        if restart.type != "bool":
            raise KqlSemanticError(f"{node.name}(): the restart argument must be bool", c.text, node.pos)
        # levels: 0 the row ordinal, 1 the flag (it may itself use prev()/next()), 2 the running group number
        flag = c.pre_column(
            1,
            exp.Case(
                ifs=[exp.If(this=restart.sql, true=exp.Literal.number(1))], default=exp.Literal.number(0)
            ),
        )
        return c.pre_column(2, self.window(c, node, exp.Sum(this=flag), cumulative=True))

    def f_row_number(self, c, node, args):
        self.arity(c, node, args, 0, 2)
        partition = self.restart_group(c, node, args[1]) if len(args) == 2 else None
        number = sb.cast(self.window(c, node, exp.RowNumber(), partition), "long")
        if args:
            number = c.dialect.shape("row_number_from", n=number, s=args[0].sql)
        return Typed(number, "long")

    def f_row_cumsum(self, c, node, args):
        self.arity(c, node, args, 1, 2)
        x = args[0]
        if x.type not in NUMERIC + ("timespan",):
            raise KqlSemanticError("row_cumsum() needs a number", c.text, node.pos)
        partition = self.restart_group(c, node, args[1]) if len(args) == 2 else None
        window = self.window(
            c, node, exp.Sum(this=sb.coalesce(x.sql, exp.Literal.number(0))), partition, cumulative=True
        )
        result = "long" if x.type in ("int", "long") else x.type
        return Typed(sb.cast(window, result), result)

    def _rank(self, c, node, args, dense: bool):
        self.arity(c, node, args, 1, 2)
        x = args[0]
        partition = self.restart_group(c, node, args[1]) if len(args) == 2 else None
        # a new rank starts where the term differs from the previous row's (or a restart group begins)
        previous = self.window(c, node, c.dialect.call("lag", [x.sql]), partition)
        position = self.window(c, node, exp.RowNumber(), partition)
        changed = c.pre_column(
            3,
            c.dialect.shape(
                "rank_step",
                p=position,
                x=x.sql,
                l=previous,
            ),
        )
        if dense:
            rank = self.window(c, node, exp.Sum(this=changed), partition, cumulative=True)
        else:
            row = c.pre_column(3, self.window(c, node, exp.RowNumber(), partition))
            start = exp.Case(
                ifs=[exp.If(this=exp.EQ(this=changed, expression=exp.Literal.number(1)), true=row)]
            )
            rank = self.window(c, node, exp.Max(this=start), partition, cumulative=True)
        return Typed(sb.cast(rank, "long"), "long")

    def f_row_rank_dense(self, c, node, args):
        return self._rank(c, node, args, dense=True)

    def f_row_rank_min(self, c, node, args):
        return self._rank(c, node, args, dense=False)

    def _shift(self, c, node, args, sql_name):
        self.arity(c, node, args, 1, 3)
        x = args[0]
        parts = [x.sql, sb.whole_number(args[1]) if len(args) > 1 else exp.Literal.number(1)]
        if len(args) == 3:
            if not args[2].is_const:
                raise KqlSemanticError(
                    f"{node.name}(): the default value must be a constant", c.text, node.pos
                )
            x, default = self._unify(c, node, x, args[2])
            parts = [x.sql, parts[1], default.sql]
        elif x.type == "string":
            parts.append(sb.string(""))
        return Typed(self.window(c, node, c.dialect.call(sql_name, parts)), x.type)

    def f_row_window_session(self, c, node, args):
        """Computed before the extend or project naming it (compile/ops_sessions.py); reached elsewhere."""
        raise KqlUnsupportedError("row_window_session() outside extend and project", c.text, node.pos,
                                  "compute it in an extend first")

    def f_prev(self, c, node, args):
        return self._shift(c, node, args, "lag")

    def f_next(self, c, node, args):
        return self._shift(c, node, args, "lead")
