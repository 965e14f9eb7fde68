"""The pattern-mining plugins: evaluate autocluster(), basket() and diffpatterns().

Their work (frequent-pattern search, local search) is not SQL: the engine groups the input rows by the values of
the columns mined and sums their weights (one query, the same on every backend), kqlite.patterns mines those
value combinations in Python, and the patterns found become a small relation of the engine, typed as
Microsoft's analyzer types the plugins' output: SegmentId, the counts and percentages, then every input column
(its value in the pattern, or the wildcard).

    T | evaluate autocluster([SizeWeight, WeightColumn, NumSeeds, CustomWildcard, ...])
    T | evaluate basket([Threshold, WeightColumn, MaxDimensions, CustomWildcard, ...])
    T | evaluate diffpatterns(SplitColumn, SplitValueA, SplitValueB [, WeightColumn, Threshold, MaxDimensions,
                              CustomWildcard, ...])

`'~'` stands for an argument's default. The columns mined are every input column but the weight column, the
split column and dynamic columns; those stay in the output, always the wildcard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.env import Env
from kqlite.compile.expressions import Typed
from kqlite.compile.ops_python import ARROW_TYPES, engine_cell
from kqlite.compile.scope import Column, Relation, col_ref
from kqlite.errors import KqlError
from kqlite.syntax import ast

if TYPE_CHECKING:
    from kqlite import patterns

PATTERN_PLUGINS = frozenset({"autocluster", "basket", "diffpatterns"})
_NUMBERS = ("int", "long", "real", "decimal")
_TOO_MANY = ("the data has more than {n} frequent patterns: project fewer columns, or raise the threshold or lower "
             "MaxDimensions")


@dataclass
class _Mining:
    """One call's arguments, read and checked."""

    weight: Column | None = None
    wildcards: dict[str, Any] = field(default_factory=dict)  # KQL type -> the wildcard value
    split: Column | None = None
    split_values: tuple[str, str] = ("", "")


class PatternPlugins:
    # ------------------------------------------------------------ the three plugins

    def autocluster(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        from kqlite import patterns  # here: NumPy only when a query mines patterns

        args = plugin.args
        mining = _Mining()
        size_weight = self._pattern_number(plugin, args, 0, "SizeWeight", 0.5, env)
        if not 0 < size_weight < 1:
            raise self._pattern_error(plugin, args[0], "SizeWeight must be between 0 and 1")
        mining.weight = self._pattern_weight(plugin, args, 1, rel, env, integer=True)
        seeds = self._pattern_count(plugin, args, 2, "NumSeeds", 25, env)
        mining.wildcards = self._pattern_wildcards(plugin, args[3:], env)
        data, columns = self._pattern_data(plugin, rel, env, mining)
        found = self._pattern_mine(plugin, lambda: patterns.autocluster(data, size_weight, seeds))
        return self._pattern_output(plugin, rel, mining, columns, found, float(data.weights.sum()))

    def basket(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        from kqlite import patterns  # here: NumPy only when a query mines patterns

        args = plugin.args
        mining = _Mining()
        threshold = self._pattern_threshold(plugin, args, 0, env)
        mining.weight = self._pattern_weight(plugin, args, 1, rel, env, integer=False)
        max_dimensions = self._pattern_count(plugin, args, 2, "MaxDimensions", 5, env)
        mining.wildcards = self._pattern_wildcards(plugin, args[3:], env)
        data, columns = self._pattern_data(plugin, rel, env, mining)
        found = self._pattern_mine(plugin, lambda: patterns.basket(data, threshold, max_dimensions))
        return self._pattern_output(plugin, rel, mining, columns, found, float(data.weights.sum()))

    def diffpatterns(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        from kqlite import patterns  # here: NumPy only when a query mines patterns

        args = plugin.args
        if len(args) < 3:
            raise self._pattern_error(plugin, plugin, f"takes SplitColumn, SplitValueA and SplitValueB, got {len(args)} "
                                      "argument(s)")
        mining = _Mining()
        mining.split = self._pattern_column(plugin, args[0], rel, "SplitColumn")
        mining.split_values = (self._pattern_split_value(plugin, args[1], "SplitValueA", env),
                               self._pattern_split_value(plugin, args[2], "SplitValueB", env))
        if mining.split_values[0] == mining.split_values[1]:
            raise self._pattern_error(plugin, args[2], "SplitValueA and SplitValueB must differ")
        mining.weight = self._pattern_weight(plugin, args, 3, rel, env, integer=False)
        threshold = self._pattern_threshold(plugin, args, 4, env)
        max_dimensions = self._pattern_count(plugin, args, 5, "MaxDimensions", 0, env)
        mining.wildcards = self._pattern_wildcards(plugin, args[6:], env)
        data, columns = self._pattern_data(plugin, rel, env, mining)
        found = self._pattern_mine(plugin, lambda: patterns.diffpatterns(data, threshold,
                                                                          max_dimensions or len(columns)))
        assert data.sides is not None
        totals = (float(data.weights[data.sides == 0].sum()), float(data.weights[data.sides == 1].sum()))
        return self._pattern_output(plugin, rel, mining, columns, found, totals)

    # ------------------------------------------------------------ arguments

    def _pattern_error(self, plugin: ast.Call, node: ast.Expr, message: str) -> Exception:
        return self.semantic(f"{plugin.name}(): {message}", node.pos)

    def _pattern_default(self, args: list[ast.Expr], index: int) -> bool:
        """The argument is absent or `'~'` (the default)."""
        if index >= len(args):
            return True
        arg = args[index]
        return isinstance(arg, ast.Literal) and arg.type == "string" and arg.value == "~"

    def _pattern_constant(self, plugin: ast.Call, node: ast.Expr, what: str, env: Env) -> Typed:
        if isinstance(node, ast.NamedArg):
            raise self._pattern_error(plugin, node, f"takes no named argument ('{node.name} = ...')")
        value = self.exprs(env, None).compile(node)
        if not value.is_const or value.const is None:
            raise self._pattern_error(plugin, node, f"{what} must be a constant")
        return value

    def _pattern_number(self, plugin: ast.Call, args: list[ast.Expr], index: int, what: str, default: float,
                        env: Env) -> float:
        if self._pattern_default(args, index):
            return default
        value = self._pattern_constant(plugin, args[index], what, env)
        if value.type not in _NUMBERS or isinstance(value.const, bool):
            raise self._pattern_error(plugin, args[index], f"{what} must be a number, not {value.type}")
        return float(value.const)  # type: ignore[arg-type]

    def _pattern_threshold(self, plugin: ast.Call, args: list[ast.Expr], index: int, env: Env) -> float:
        threshold = self._pattern_number(plugin, args, index, "Threshold", 0.05, env)
        if not 0.015 <= threshold <= 1:
            raise self._pattern_error(plugin, args[index], "Threshold must be between 0.015 and 1")
        return threshold

    def _pattern_count(self, plugin: ast.Call, args: list[ast.Expr], index: int, what: str, default: int,
                       env: Env) -> int:
        if self._pattern_default(args, index):
            return default
        value = self._pattern_constant(plugin, args[index], what, env)
        if value.type not in ("int", "long") or isinstance(value.const, bool) or value.const < 1:  # type: ignore[operator]
            raise self._pattern_error(plugin, args[index], f"{what} must be a positive whole number")
        return int(value.const)  # type: ignore[call-overload]

    def _pattern_column(self, plugin: ast.Call, node: ast.Expr, rel: Relation, what: str) -> Column:
        col = rel.column(node.name) if isinstance(node, ast.Name) else None
        if col is None:
            raise self._pattern_error(plugin, node, f"{what} must name a column of the input")
        return col

    def _pattern_weight(self, plugin: ast.Call, args: list[ast.Expr], index: int, rel: Relation, env: Env,
                        integer: bool) -> Column | None:
        if self._pattern_default(args, index):
            return None
        col = self._pattern_column(plugin, args[index], rel, "WeightColumn")
        allowed = ("int", "long") if integer else _NUMBERS
        if col.type not in allowed:
            kind = "a whole-number" if integer else "a numeric"
            raise self._pattern_error(plugin, args[index], f"WeightColumn '{col.name}' is {col.type}, not {kind} column")
        return col

    def _pattern_split_value(self, plugin: ast.Call, node: ast.Expr, what: str, env: Env) -> str:
        value = self._pattern_constant(plugin, node, what, env)
        if value.type != "string":
            raise self._pattern_error(plugin, node, f"{what} must be a string (the split column's value as text)")
        return str(value.const)

    def _pattern_wildcards(self, plugin: ast.Call, args: list[ast.Expr], env: Env) -> dict[str, Any]:
        """CustomWildcard arguments: a typed constant each, the wildcard of the columns of its type."""
        wildcards: dict[str, Any] = {}
        for node in args:
            if isinstance(node, ast.Literal) and node.type == "string" and node.value == "~":
                continue
            value = self._pattern_constant(plugin, node, "a CustomWildcard", env)
            kql_type = value.type
            if kql_type in wildcards:
                raise self._pattern_error(plugin, node, f"a second CustomWildcard of type {kql_type}")
            if kql_type == "dynamic":
                raise self._pattern_error(plugin, node, "a CustomWildcard cannot be dynamic")
            wildcards[kql_type] = value.const
        return wildcards

    # ------------------------------------------------------------ data in, patterns out

    def _pattern_data(self, plugin: ast.Call, rel: Relation, env: Env, mining: _Mining
                      ) -> tuple[patterns.Combinations, list[Column]]:
        """The distinct value combinations of the mined columns with their summed weights (and their set, A or B,
        for diffpatterns), read with one query."""
        from kqlite import patterns  # here: NumPy only when a query mines patterns

        if self.apply_key is not None:
            raise self.unsupported(f"evaluate {plugin.name}() inside mv-apply or partition", plugin.pos)
        if self.probe is None or self.ctx.register_rows is None:
            raise self.unsupported(f"{plugin.name}() without data to mine", plugin.pos)
        skipped = {c.name for c in (mining.weight, mining.split) if c is not None}
        columns = [c for c in rel.columns if c.name not in skipped and c.type != "dynamic"]
        c = self.exprs(env, rel)
        keys: list[exp.Expression] = [col_ref(col.name) for col in columns]
        if mining.split is not None:
            split_text = self.functions.convert(c, c.compile(ast.Name(plugin.pos, mining.split.name)), "string").sql
            keys.append(split_text)
        weight: exp.Expression = exp.Count(this=exp.Star()) if mining.weight is None else \
            exp.Sum(this=sb.cast(col_ref(mining.weight.name), "real"))
        select = exp.Select().select(*[exp.alias_(key.copy(), f"k{i}", quoted=True) for i, key in enumerate(keys)],
                                     exp.alias_(weight, "w", quoted=True), copy=False)
        select = select.from_(rel.source.copy(), copy=False)
        if mining.split is not None:
            select = select.where(exp.In(this=split_text.copy(), expressions=[sb.string(v) for v in mining.split_values]),
                                  copy=False)
        if keys:
            select = select.group_by(*[key.copy() for key in keys], copy=False)
        rows = self.probe(self.with_ctes(select))
        width = len(columns)
        combos = [row[:width] for row in rows]
        weights = [row[-1] for row in rows]
        sides = [0 if row[width] == mining.split_values[0] else 1 for row in rows] if mining.split else None
        return patterns.Combinations(combos, weights, width, sides), columns

    def _pattern_mine(self, plugin: ast.Call, mine) -> list[patterns.Found]:
        from kqlite import patterns  # here: NumPy only when a query mines patterns

        try:
            return mine()
        except patterns.TooManyPatterns:
            raise KqlError(f"{plugin.name}(): " + _TOO_MANY.format(n=patterns.MAX_PATTERNS)) from None

    def _pattern_output(self, plugin: ast.Call, rel: Relation, mining: _Mining, mined: list[Column],
                        found: list[patterns.Found], totals: float | tuple[float, float]) -> Relation:
        """The patterns as rows: SegmentId, the counts and percentages, every input column."""
        import pyarrow as pa

        from kqlite.result import _convert

        if isinstance(totals, tuple):
            total_a, total_b = totals
            head = [Column("SegmentId", "long"), Column("CountA", "long"), Column("CountB", "long"),
                    Column("PercentA", "real"), Column("PercentB", "real"), Column("PercentDiffAB", "real")]
            values: list[list[Any]] = [list(range(len(found))), [round(p.weight) for p in found],
                                       [round(p.weight_b) for p in found],
                                       [100 * p.weight / total_a for p in found],
                                       [100 * p.weight_b / total_b for p in found],
                                       [abs(100 * p.weight / total_a - 100 * p.weight_b / total_b) for p in found]]
        else:
            head = [Column("SegmentId", "long"), Column("Count", "long"), Column("Percent", "real")]
            values = [list(range(len(found))), [round(p.weight) for p in found],
                      [100 * p.weight / totals for p in found]]
        position = {col.name: index for index, col in enumerate(mined)}
        for col in rel.columns:
            wildcard = mining.wildcards.get(col.type, "" if col.type == "string" else None)
            index = position.get(col.name)
            cells = []
            for pattern in found:
                if index is not None and index in pattern.values:
                    cells.append(engine_cell(_convert(pattern.values[index], col.type), col.type, col.name))
                else:
                    cells.append(engine_cell(wildcard, col.type, col.name))
            values.append(cells)
        columns = head + list(rel.columns)
        arrays = [pa.array(cells, getattr(pa, ARROW_TYPES[col.type])()) for col, cells in zip(columns, values,
                                                                                               strict=True)]
        table = self.ctx.register_rows(pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(columns))]))
        select = exp.Select().select(*[exp.alias_(self.engine_value(col_ref(f"c{i}"), col.type), col.name, quoted=True)
                                       for i, col in enumerate(columns)], copy=False).from_(table, copy=False)
        select = select.order_by(col_ref("c0"), copy=False)
        out = self.step(select, columns)
        out.order = [("SegmentId", False, True)]
        return out
