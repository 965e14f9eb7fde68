"""Plugins written as KQL: a plugin's arguments read and checked, then its work expressed as a chain of KQL
operators (syntax-tree nodes, never text) that the compiler compiles as it compiles a query's own.

The user-analytics plugins (sliding_window_counts, activity_metrics, ...) are sums and joins over binned
timelines: written as summarize/join/mv-expand they get Kusto's bin, dcount and null rules and every
backend for free. Their constants (Start, End, Bin ...) are bound to hidden let names, their helper columns
get hidden names that no input column has, so nothing the plugin adds can meet a name of the query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.env import Env, RelationBinding, ScalarBinding
from kqlite.compile.expressions import Typed
from kqlite.compile.scope import Column, Relation, col_ref, unique_name
from kqlite.syntax import ast

if TYPE_CHECKING:
    from kqlite.compile.compiler import Compiler

# the user-analytics plugins, each a method of the same name of the compiler (ops_windows, ...)
ANALYTICS_PLUGINS = frozenset({"sliding_window_counts", "session_count", "sequence_detect",
                               "funnel_sequence", "funnel_sequence_completion",
                               "activity_counts_metrics", "active_users_count",
                               "new_activity_metrics", "rolling_percentile", "activity_metrics",
                               "activity_engagement"})

# the types a timeline (and so Start, End, Bin) may have, and the type of a step along each
TIMELINE_STEP = {"datetime": "timespan", "timespan": "timespan", "long": "long", "int": "long", "real": "real"}


class Lowering:
    """One plugin call being lowered to KQL operators: its arguments, its hidden names, its operators."""

    def __init__(self, compiler: Compiler, plugin: ast.Call, rel: Relation, env: Env):
        self.compiler = compiler
        self.plugin = plugin
        self.rel = rel
        self.pos = plugin.pos
        self.env = env.child()  # the hidden lets live here, out of the query's own scope
        self.taken = set(rel.names())
        self._env_names: set[str] = set()

    # ------------------------------------------------------------ errors

    def semantic(self, message: str, node: ast.Expr | None = None, hint: str | None = None) -> Exception:
        return self.compiler.semantic(f"{self.plugin.name}(): {message}", (node or self.plugin).pos, hint)

    def unsupported(self, what: str, node: ast.Expr | None = None) -> Exception:
        return self.compiler.unsupported(f"{self.plugin.name}() {what}", (node or self.plugin).pos)

    # ------------------------------------------------------------ arguments

    def arity(self, least: int, most: int | None = None) -> list[ast.Expr]:
        args = self.plugin.args
        if len(args) < least or (most is not None and len(args) > most):
            wanted = f"{least}" if most == least else f"at least {least}" if most is None else f"{least} to {most}"
            raise self.semantic(f"takes {wanted} arguments, got {len(args)}")
        for arg in args:
            if isinstance(arg, ast.NamedArg):
                raise self.semantic(f"takes no named argument ('{arg.name} = ...')", arg)
        return args

    def column(self, node: ast.Expr, what: str, types: tuple[str, ...] | None = None) -> Column:
        """An argument that must name a column of the input (of one of `types`)."""
        col = self.rel.column(node.name) if isinstance(node, ast.Name) else None
        if col is None:
            raise self.semantic(f"the {what} must be a column of the input", node)
        if types is not None and col.type not in types:
            raise self.semantic(f"the {what} '{col.name}' is {col.type}, not {' or '.join(types)}", node)
        return col

    def scalar(self, node: ast.Expr, what: str) -> Typed:
        """An argument that is a scalar of the query (no column of the input)."""
        return self.compiler.exprs(self.env, None).compile(node)

    def constant(self, node: ast.Expr, what: str) -> Typed:
        value = self.scalar(node, what)
        if not value.is_const or value.const is None:
            raise self.semantic(f"the {what} must be a constant", node)
        return value

    def timeline_value(self, node: ast.Expr, what: str, timeline: Column) -> Typed:
        """Start or End: a scalar of the timeline's type (a number for a number timeline)."""
        value = self.scalar(node, what)
        if not self.fits(value.type, timeline.type):
            raise self.semantic(f"the {what} is {value.type}, the timeline '{timeline.name}' is {timeline.type}", node)
        return value

    def step_value(self, node: ast.Expr, what: str, timeline: Column) -> Typed:
        """A bin or window along the timeline: a positive constant (a timespan along datetimes)."""
        value = self.constant(node, what)
        if isinstance(value.const, str):  # 'week', 'month', 'year': documented, but the analyzer refuses them
            raise self.unsupported(f"with the calendar {what} '{value.const}' (give a timespan)", node)
        if not self.fits(value.type, TIMELINE_STEP.get(timeline.type, timeline.type)):
            raise self.semantic(f"the {what} is {value.type}, a step along the {timeline.type} timeline "
                                f"'{timeline.name}' is a {TIMELINE_STEP.get(timeline.type)}", node)
        if not value.const > 0:  # type: ignore[operator]
            raise self.semantic(f"the {what} must be positive", node)
        return value

    @staticmethod
    def fits(have: str, want: str) -> bool:
        numbers = ("int", "long", "real", "decimal")
        return have == want or (have in numbers and want in numbers)

    def timeline(self, node: ast.Expr) -> Column:
        return self.column(node, "timeline column", tuple(TIMELINE_STEP))

    def id_timeline_range(self, args: list[ast.Expr]) -> tuple[Column, Column, ast.Name, ast.Name]:
        """The leading `IdColumn, TimelineColumn, Start, End` most analytics plugins take: the two columns, and
        Start and End bound to hidden names."""
        id_col = self.column(args[0], "id column")
        timeline = self.timeline(args[1])
        start = self.bind(self.timeline_value(args[2], "Start", timeline), "start")
        end = self.bind(self.timeline_value(args[3], "End", timeline), "end")
        return id_col, timeline, start, end

    def dimensions(self, nodes: list[ast.Expr]) -> list[Column]:
        dims = [self.column(node, "dimension") for node in nodes]
        for dim, node in zip(dims, nodes, strict=True):
            if dim.type == "dynamic":
                raise self.semantic(f"the dimension '{dim.name}' is dynamic: convert it first, e.g. tostring()",
                                    node)
        return dims

    # ------------------------------------------------------------ hidden names

    def hidden(self, hint: str) -> str:
        """A new column name that the input has not and this lowering has not used."""
        name = unique_name(f"__kq_{hint}", self.taken)
        self.taken.add(name)
        return name

    def bind(self, value: Typed, hint: str) -> ast.Name:
        """A hidden let for a scalar: a name the plugin's operators refer to it by."""
        name = unique_name(f"__kq_{hint}", self.taken | self._env_names)
        self._env_names.add(name)
        self.env.bindings[name] = ScalarBinding(value)
        return ast.Name(self.pos, name)

    def bind_table(self, rel: Relation, hint: str) -> ast.Name:
        name = unique_name(f"__kq_{hint}", self.taken | self._env_names)
        self._env_names.add(name)
        self.env.bindings[name] = RelationBinding(rel)
        return ast.Name(self.pos, name)

    # ------------------------------------------------------------ syntax nodes

    def name(self, name: str) -> ast.Name:
        return ast.Name(self.pos, name)

    def call(self, function: str, *args: ast.Expr) -> ast.Call:
        return ast.Call(self.pos, function, list(args))

    def binary(self, op: str, left: ast.Expr, right: ast.Expr) -> ast.Binary:
        return ast.Binary(self.pos, op, left, right)

    def literal(self, kql_type: str, value: object) -> ast.Literal:
        return ast.Literal(self.pos, kql_type, value)

    def both(self, *tests: ast.Expr) -> ast.Expr:
        result = tests[0]
        for test in tests[1:]:
            result = self.binary("and", result, test)
        return result

    def along(self, expr: ast.Expr, timeline: Column) -> ast.Expr:
        """A point of a number timeline kept of the timeline's own type (bin_at of an int is a long; the
        analyzer gives the timeline's type back)."""
        convert = {"int": "toint", "long": "tolong", "real": "todouble"}.get(timeline.type)
        return self.call(convert, expr) if convert else expr

    @staticmethod
    def named(name: str | None, expr: ast.Expr) -> ast.NamedExpr:
        return ast.NamedExpr(name, expr)

    def columns(self, names: list[str]) -> list[ast.NamedExpr]:
        return [ast.NamedExpr(None, self.name(n)) for n in names]

    def extend(self, **items: ast.Expr) -> ast.Extend:
        return ast.Extend(self.pos, [ast.NamedExpr(n, e) for n, e in items.items()])

    def where(self, *tests: ast.Expr) -> ast.Where:
        return ast.Where(self.pos, self.both(*tests))

    def project(self, items: list[ast.NamedExpr]) -> ast.Project:
        return ast.Project(self.pos, items)

    def summarize(self, aggregates: list[ast.NamedExpr], by: list[ast.NamedExpr]) -> ast.Summarize:
        return ast.Summarize(self.pos, aggregates, by)

    def join(self, kind: str, right: ast.Name, keys: list[str]) -> ast.Join:
        return ast.Join(self.pos, kind, ast.Pipeline(self.pos, right, []),
                        [ast.JoinCondition(k, k, self.pos) for k in keys])

    # ------------------------------------------------------------ running

    def run(self, rel: Relation, *operators: ast.Operator) -> Relation:
        """The operators applied to `rel`; they are the plugin's, not the query's (explain lists 'evaluate')."""
        used = self.compiler.operators_used
        mark = len(used)
        try:
            for op in operators:
                rel = self.compiler.operator(op, rel, self.env)
        finally:
            del used[mark:]
        return rel

    def print_row(self, **items: ast.Expr) -> Relation:
        """A one-row table of scalars (print), as the plugin's own source."""
        used = self.compiler.operators_used
        mark = len(used)
        try:
            return self.compiler.print_(ast.Print(self.pos, [ast.NamedExpr(n, e) for n, e in items.items()]), self.env)
        finally:
            del used[mark:]

    def ordered(self, rel: Relation, names: list[str]) -> Relation:
        """The rows ordered by these columns (ascending, nulls first), as the documentation shows them."""
        sort = ast.Sort(self.pos, [ast.SortKey(self.name(n), False, True) for n in names])
        out = self.run(rel, sort)
        out.serialized = False  # a plugin's output is not serialized in Kusto: ordered for reading only
        return out

    # ------------------------------------------------------------ SQL the operators lack

    def window(self, rel: Relation, name: str, kql_type: str, function: exp.Expression, partition: list[str],
               order: list[str] | None = None, running: bool = True) -> Relation:
        """`rel` with a column computed by a window function over the rows of the same `partition` values
        (nulls one value, as KQL groups them), in `order` when one is given: an aggregate runs from the first
        row to the current one (`running`), lag() and the like take no frame."""
        window = exp.Window(this=function, partition_by=[col_ref(n) for n in partition] or None,
                            order=exp.Order(expressions=[exp.Ordered(this=col_ref(n)) for n in order]) if order else None,
                            spec=exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING",
                                                end="CURRENT ROW") if order and running else None)
        select = self.compiler.select_from(rel).select(*[col_ref(c.name) for c in rel.columns],
                                                       exp.alias_(sb.cast(window, kql_type), name, quoted=True),
                                                       copy=False)
        return self.compiler.step(select, [*rel.columns, Column(name, kql_type)])
