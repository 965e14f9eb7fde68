"""Column-shaping operators: where, extend, project and the project-* family.

Mixed into `kqlite.compile.compiler.Compiler`; every method compiles one operator onto a new CTE."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile.env import Env
from kqlite.compile.expressions import ExprCompiler, Typed
from kqlite.compile.functions.sketches import result_name as sketch_result_name
from kqlite.compile.naming import extend_order, unique_name
from kqlite.compile.scope import Column, Relation, col_ref, matches_pattern
from kqlite.compile.time_bounds import bound_hints
from kqlite.syntax import ast

if TYPE_CHECKING:
    pass


class ColumnOperators:
    def op_Where(self, op: ast.Where, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("where")
        condition = self.exprs(env, rel).predicate(op.predicate)
        if rel.time_bounds:  # the stored timestamps bounded too: the scan prunes row groups with them
            hints = bound_hints(self, op.predicate, rel, env)
            if hints:
                condition = exp.and_(exp.Paren(this=condition), *hints, copy=False)
        select = self.select_from(rel).select(*self.same_columns(rel), copy=False).where(condition, copy=False)
        hidden = [col_ref(name) for name in rel.hidden_names()]
        if isinstance(rel.ingestion_time, exp.Column):  # a store's hidden per-row ingestion time: keep it
            hidden.append(rel.ingestion_time.copy())
        if not hidden:
            return self.step(select, rel.columns, rel, keep_order=True)
        out = self.step(select.select(*hidden, copy=False), rel.columns, rel, keep_order=True)
        out.exact, out.time_bounds, out.bag_entries = False, dict(rel.time_bounds), dict(rel.bag_entries)
        if isinstance(rel.ingestion_time, exp.Column):
            out.ingestion_time = rel.ingestion_time.copy()
        return out

    def named_items(self, items: list[ast.NamedExpr], rel: Relation, env: Env, what: str,
                    c: ExprCompiler | None = None) -> list[tuple[str, Typed, int]]:
        c = c or self.exprs(env, rel)
        out = []
        counter = 0
        for item in items:
            if self.is_tuple_call(item.expr, env):
                out += self.spread_columns(item, c, what)
                continue
            if item.names is not None:
                call = item.expr
                if isinstance(call, ast.Call) and call.name not in self.functions.table and env.lookup(call.name) is None:
                    raise self.unsupported(f"function {call.name}()", call.pos)  # series_decompose_anomalies...
                raise self.semantic("'(a, b) = ...' needs a function of several results, such as series_fit_line()",
                                    item.expr.pos)
            typed = c.compile(item.expr)
            name = item.name
            if name is None:
                name = typed.name if isinstance(item.expr, ast.Name | ast.Member | ast.Index) and typed.name else None
            if name is None and isinstance(item.expr, ast.Call) and env.lookup(item.expr.name) is None:
                name = sketch_result_name(item.expr)  # percentile_tdigest(td, 50) is percentile_tdigest_td
                if name is not None:  # a second one is percentile_tdigest_td1, as the analyzer names it
                    name = unique_name(name, {n for n, _, _ in out} | {i.name for i in items if i.name})
            if name is None:
                counter += 1
                name = f"Column{counter}"
            out.append((name, typed, item.expr.pos))
        return out

    def is_tuple_call(self, node: ast.Expr, env: Env) -> bool:
        return isinstance(node, ast.Call) and node.name in self.functions.tuples and env.lookup(node.name) is None

    def spread_columns(self, item: ast.NamedExpr, c: ExprCompiler, what: str) -> list[tuple[str, Typed, int]]:
        """The columns of series_stats() and its kind: `(a, b) = ` or `a = ` takes the first results under those
        names and only them (as the engine does; Microsoft's analyzer would add the others), a bare call all of
        them as `<function>_<argument column>_<result>`."""
        if what not in ("extend", "project"):
            raise self.unsupported(f"{item.expr.name}() in {what}", item.expr.pos)
        call = item.expr
        results = self.functions.columns_of(c, call)
        names = item.names if item.names is not None else ([item.name] if item.name else [])
        if len(names) > len(results):
            raise self.semantic(f"{call.name}() gives {len(results)} columns, not {len(names)}", call.pos)
        argument = call.args[0].name if call.args and isinstance(call.args[0], ast.Name) else ""
        if names:
            return [(name, typed, call.pos) for name, (_, typed) in zip(names, results, strict=False)]
        return [(f"{call.name}_{argument}_{field}", typed, call.pos) for field, typed in results]

    def op_Extend(self, op: ast.Extend, rel: Relation, env: Env) -> Relation:
        if self.session_calls(op.items, env):  # row_window_session(): computed first, as hidden columns
            items, rel, hidden = self.lower_sessions(op.items, rel, env)
            return self.without_columns(self.op_Extend(ast.Extend(op.pos, items), rel, env), hidden)
        self.operators_used.append("extend")
        c = self.exprs(env, rel)
        items = self.named_items(op.items, rel, env, "extend", c)
        values: dict[str, tuple[exp.Expression, str]] = {c.name: (col_ref(c.name), c.type) for c in rel.columns}
        for name, typed, _pos in items:  # a later assignment of the same name wins
            values[name] = (typed.sql, typed.type)
        order = extend_order(rel.names(), [name for name, _, _ in items])
        columns = [Column(name, values[name][1]) for name in order]
        exprs = [values[name][0] for name in order]
        changed = {name for name, _, _ in items if rel.column(name) is not None}
        source = self.with_pre_columns(rel, c)
        select = self.select_from(source).select(*[exp.alias_(e, col.name, quoted=True) for e, col in zip(exprs, columns, strict=True)], copy=False)
        entries = {name: pair for name, pair in rel.bag_entries.items() if name not in changed}
        select = select.select(*[col_ref(n) for pair in entries.values() for n in pair], copy=False)
        select = self.keep_input_order(select, c)
        out = self.step(select, columns, rel, keep_order=True)
        out.order = self.order_after(rel.order, changed, {c.name for c in columns})
        if entries:
            out.exact, out.bag_entries = False, entries
        return out

    @staticmethod
    def keep_input_order(select: exp.Select, c: ExprCompiler) -> exp.Select:
        """Window functions make DuckDB reshuffle rows; a serialized relation keeps its row order."""
        if c.uses_row_ordinal:
            return select.order_by(*c.row_order(), copy=False)
        return select

    def with_pre_columns(self, rel: Relation, c: ExprCompiler) -> Relation:
        """Steps computing the hidden columns that window functions asked for (one SELECT per level, since
        SQL cannot nest one window function inside another)."""
        source = rel
        carried = [col_ref(col.name) for col in rel.columns] + [
            col_ref(n) for pair in rel.bag_entries.values() for n in pair]  # op_Extend reads them after
        for level in c.pre_columns:
            if not level:
                continue
            select = self.select_from(source).select(*carried, *[exp.alias_(e, n, quoted=True) for n, e in level], copy=False)
            source = self.step(select, rel.columns)
            source.exact = False
            carried = carried + [col_ref(n) for n, _ in level]
        return source

    @staticmethod
    def order_after(order, changed: set[str], present: set[str]):
        if not order:
            return None
        if any(n in changed or n not in present for n, _, _ in order):
            return None
        return order

    def op_Project(self, op: ast.Project, rel: Relation, env: Env) -> Relation:
        if self.session_calls(op.items, env):  # row_window_session(): computed first, as hidden columns
            items, rel, _hidden = self.lower_sessions(op.items, rel, env)
            return self.op_Project(ast.Project(op.pos, items), rel, env)
        self.operators_used.append("project")
        c = self.exprs(env, rel)
        items = self.named_items(op.items, rel, env, "project", c)
        seen: set[str] = set()
        columns, projections = [], []
        changed = set()
        if self.apply_key and all(name != self.apply_key for name, _, _ in items):
            items = [(self.apply_key, Typed(col_ref(self.apply_key), "long", self.apply_key), op.pos), *items]
        for name, typed, pos in items:
            if name in seen:
                raise self.semantic(f"column '{name}' is projected twice", pos)
            seen.add(name)
            columns.append(Column(name, typed.type))
            projections.append(exp.alias_(typed.sql, name, quoted=True))
            if not (isinstance(typed.sql, exp.Column) and typed.sql.name == name):
                changed.add(name)
        select = self.keep_input_order(self.select_from(self.with_pre_columns(rel, c)).select(*projections, copy=False), c)
        out = self.step(select, columns, rel, keep_order=True)
        out.order = self.order_after(rel.order, changed, seen)
        return out

    def keep_columns(self, rel: Relation, keep: list[Column]) -> Relation:
        if self.apply_key and all(c.name != self.apply_key for c in keep):
            keep = [Column(self.apply_key, "long"), *keep]
        select = self.select_from(rel).select(*[col_ref(c.name) for c in keep], copy=False)
        out = self.step(select, keep, rel, keep_order=True)
        out.order = self.order_after(rel.order, set(), {c.name for c in keep})
        return out

    def matching_columns(self, operator: str, patterns: list[tuple[str, int]], rel: Relation) -> set[str]:
        """Names matched by column names or wildcards; a plain name that is no column is an error."""
        matched: set[str] = set()
        for pattern, pos in patterns:
            hits = {c.name for c in rel.columns if matches_pattern(pattern, c.name)}
            if not hits and "*" not in pattern:
                raise self.semantic(f"{operator}: unknown column '{pattern}'", pos)
            matched |= hits
        return matched

    def op_ProjectAway(self, op: ast.ProjectAway, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("project-away")
        drop = self.matching_columns("project-away", op.patterns, rel)
        return self.keep_columns(rel, [c for c in rel.columns if c.name not in drop])

    def op_ProjectKeep(self, op: ast.ProjectKeep, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("project-keep")
        keep = self.matching_columns("project-keep", op.patterns, rel)
        return self.keep_columns(rel, [c for c in rel.columns if c.name in keep])

    def op_ProjectRename(self, op: ast.ProjectRename, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("project-rename")
        mapping: dict[str, str] = {}
        for new, old, pos in op.renames:
            if rel.column(old) is None:
                raise self.semantic(f"project-rename: unknown column '{old}'", pos)
            mapping[old] = new
        columns = [Column(mapping.get(c.name, c.name), c.type) for c in rel.columns]
        names = [c.name for c in columns]
        if len(set(names)) != len(names):
            raise self.semantic("project-rename would create two columns with the same name", op.pos)
        select = self.select_from(rel).select(*[exp.alias_(col_ref(c.name), mapping.get(c.name, c.name), quoted=True) for c in rel.columns], copy=False)
        out = self.step(select, columns, rel, keep_order=True)
        if rel.order:
            out.order = [(mapping.get(n, n), d, nf) for n, d, nf in rel.order]
        return out

    def op_ProjectReorder(self, op: ast.ProjectReorder, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("project-reorder")
        first: list[Column] = []
        for pattern, order, pos in op.patterns:
            hits = [c for c in rel.columns if matches_pattern(pattern, c.name) and c not in first]
            if not hits and "*" not in pattern:
                raise self.semantic(f"project-reorder: unknown column '{pattern}'", pos)
            if order in ("asc", "desc"):
                hits.sort(key=lambda c: c.name, reverse=order == "desc")
            elif order in ("granny-asc", "granny-desc"):
                import re

                def granny(c: Column):
                    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", c.name)]

                hits.sort(key=granny, reverse=order == "granny-desc")
            first.extend(hits)
        rest = [c for c in rel.columns if c not in first]
        return self.keep_columns(rel, first + rest)
