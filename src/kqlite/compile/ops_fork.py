"""fork and facet: the operators whose answer is several tables.

Mixed into `kqlite.compile.compiler.Compiler`. Such an operator can only end a query: its tables are the
query's results, which no later operator, let or subquery can read (Kusto's analyzer types nothing after
them). `Compiler.script` compiles the input once into CTEs and each result table onto them."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from kqlite.compile.env import Env
from kqlite.compile.scope import Relation
from kqlite.syntax import ast

# The operators Kusto's analyzer accepts inside a fork subquery (it refuses join, union, lookup, make-series,
# mv-apply, serialize, getschema, evaluate, search, scan, partition, render, and fork and facet themselves).
FORK_LEG_OPERATORS = (ast.As, ast.Count, ast.Distinct, ast.Extend, ast.MvExpand, ast.Parse, ast.ParseKv,
                      ast.Project, ast.ProjectAway, ast.ProjectKeep, ast.ProjectRename, ast.ProjectReorder,
                      ast.Sample, ast.Sort, ast.Summarize, ast.Take, ast.Top, ast.TopHitters, ast.TopNested,
                      ast.Where)

GENERIC_RESULT = "GenericResult"  # Kusto's name for an unnamed fork result


@dataclass
class ResultTable:
    """One of several result tables: its name, its rows, and how many of the compiler's CTEs (the first ones)
    its SQL needs."""

    name: str
    relation: Relation
    ctes: int


def operator_word(op: ast.Operator) -> str:
    """The KQL name of a parsed operator (MakeSeries -> make-series), for messages."""
    if isinstance(op, ast.GenericOperator):
        return op.name
    word = re.sub(r"(?<!^)(?=[A-Z])", "-", type(op).__name__).lower()
    return "getschema" if word == "get-schema" else word


def _unique(name: str, taken: set[str]) -> str:
    """`name`, else `name_1`, `name_2`... (Kusto's GenericResult, GenericResult_1)."""
    candidate, n = name, 0
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate)
    return candidate


class ForkOperators:
    # ------------------------------------------------------------ anywhere but at the end: refused

    def op_Fork(self, op: ast.Fork, rel: Relation, env: Env) -> Relation:
        raise self._not_last(op, "fork")

    def op_Facet(self, op: ast.Facet, rel: Relation, env: Env) -> Relation:
        raise self._not_last(op, "facet")

    def _not_last(self, op: ast.Operator, word: str):
        return self.semantic(f"{word} must be the last operator of the query: its results are separate tables, "
                             "which no later operator, let statement or subquery can read", op.pos,
                             f"end the query with {word}, or use materialize() and one query per table")

    # ------------------------------------------------------------ at the end: the query's result tables

    def result_tables(self, op: ast.Fork | ast.Facet | ast.Evaluate, rel: Relation, env: Env) -> list[ResultTable]:
        if isinstance(op, ast.Fork):
            return self.fork_tables(op, rel, env)
        if isinstance(op, ast.Evaluate):  # a plugin of several tables (funnel_sequence)
            self.operators_used.append("evaluate")
            tables = getattr(self, f"{op.plugin.name}_tables")(op.plugin, rel, env)
            return [ResultTable(name, relation, len(self.ctes)) for name, relation in tables]
        return self.facet_tables(op, rel, env)

    def _subquery(self, operators: list[ast.Operator], rel: Relation, env: Env) -> tuple[Relation, str | None]:
        """The operators run on the input (an `as` names the result, as `name=` does); the last `as` name."""
        current = dataclasses.replace(rel, columns=list(rel.columns))
        inner = env.child()  # an `as` binds inside its own subquery only
        named = None
        for op in operators:
            current = self.operator(op, current, inner)
            if isinstance(op, ast.As):
                named = op.name
        return current, named

    def fork_tables(self, op: ast.Fork, rel: Relation, env: Env) -> list[ResultTable]:
        """One table per leg, named by `name=`, else by the leg's `as`, else GenericResult, GenericResult_1..."""
        self.operators_used.append("fork")
        out: list[ResultTable] = []
        taken: set[str] = set()
        for leg in op.legs:
            for inner in leg.operators:
                if not isinstance(inner, FORK_LEG_OPERATORS):
                    word = operator_word(inner)
                    raise self.semantic(f"the query operator '{word}' is not allowed in a fork subquery", inner.pos,
                                        "a fork subquery takes where, extend, project, summarize, top, take, sort, "
                                        "distinct, count, parse, mv-expand and as; run other operators in a "
                                        "query of their own over materialize()")
            relation, as_name = self._subquery(leg.operators, rel, env)
            name = _unique(leg.name or as_name or GENERIC_RESULT, taken)
            out.append(ResultTable(name, relation, len(self.ctes)))
        return out

    def facet_tables(self, op: ast.Facet, rel: Relation, env: Env) -> list[ResultTable]:
        """The `with` pipe's table first (as the documentation shows it), then one per column: its values and
        the number of rows of each (`count_<Column>`), named after the column."""
        self.operators_used.append("facet")
        out: list[ResultTable] = []
        taken: set[str] = set()
        if op.with_operators is not None:
            relation, as_name = self._subquery(op.with_operators, rel, env)
            out.append(ResultTable(_unique(as_name or GENERIC_RESULT, taken), relation, len(self.ctes)))
        for column in op.columns:
            counted = ast.Summarize(column.pos, [ast.NamedExpr(f"count_{column.name}", ast.Call(column.pos, "count", []))],
                                    [ast.NamedExpr(None, column)])
            mark = len(self.operators_used)
            relation = self.op_Summarize(counted, rel, env)
            del self.operators_used[mark:]  # the query's operator is facet, not a summarize of its own
            out.append(ResultTable(_unique(column.name, taken), relation, len(self.ctes)))
        return out
