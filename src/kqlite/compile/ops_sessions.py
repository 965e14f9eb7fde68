"""row_window_session(): each serialized row's session start, computed before the extend or project naming it.

`row_window_session(Expr, MaxDistanceFromFirst, MaxDistanceBetweenNeighbors [, Restart])` (Kusto's model: the
rows in order; a row starts a session when there was no session or its start was null, when Expr reaches the
start plus MaxDistanceFromFirst, when it reaches the previous row's Expr plus MaxDistanceBetweenNeighbors, or
when Restart is true; every row gives its session's start).

The rule on the distance between neighbours, the nulls and Restart depend on a row and the one before it:
window functions split the rows into runs (islands) that no session crosses. The rule on the distance from the
session's first row chains: within a run, the next session starts at the first later row reaching the current
start plus the distance. That is a recursive CTE over the sessions (one iteration per session of the longest
run, not per row), after which each row takes the start of the last session begun at or before it.

Mixed into `kqlite.compile.compiler.Compiler`: extend and project call `lower_sessions` when their items name
the function; the call is replaced by a hidden column of the session starts."""

from __future__ import annotations

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.env import Env
from kqlite.compile.scope import Column, Relation, col_ref, ident, unique_name
from kqlite.syntax import ast

FUNCTION = "row_window_session"


class SessionOperators:
    def session_calls(self, items: list[ast.NamedExpr], env: Env) -> bool:
        found: list[ast.Call] = []
        for item in items:
            ast.rewrite(item.expr, lambda node: self._note_session(node, env, found))
        return bool(found)

    def _note_session(self, node: ast.Expr, env: Env, found: list[ast.Call]) -> None:
        if isinstance(node, ast.Call) and node.name == FUNCTION and env.lookup(FUNCTION) is None:
            found.append(node)

    def lower_sessions(self, items: list[ast.NamedExpr], rel: Relation,
                       env: Env) -> tuple[list[ast.NamedExpr], Relation, list[str]]:
        """The items with each row_window_session() call replaced by a hidden column that `rel` now has."""
        hidden: list[str] = []

        def replace(node: ast.Expr) -> ast.Expr | None:
            nonlocal rel
            if not (isinstance(node, ast.Call) and node.name == FUNCTION and env.lookup(FUNCTION) is None):
                return None
            name = unique_name("__kq_session", set(rel.names()) | set(hidden))
            rel = self.session_starts(node, rel, env, name)
            hidden.append(name)
            return ast.Name(node.pos, name)

        lowered = [ast.NamedExpr(item.name, ast.rewrite(item.expr, replace), item.names) for item in items]
        return lowered, rel, hidden

    def session_starts(self, call: ast.Call, rel: Relation, env: Env, name: str) -> Relation:
        """`rel` with the column `name`: each row's session start (its rows and order unchanged)."""
        if not 3 <= len(call.args) <= 4:
            raise self.semantic(f"{FUNCTION}(Expr, MaxDistanceFromFirst, MaxDistanceBetweenNeighbors [, Restart]) "
                                "takes 3 or 4 arguments", call.pos)
        if not rel.serialized:
            raise self.semantic(f"{FUNCTION}() needs serialized rows", call.pos,
                                "add `| serialize` or `| sort by ...` before it")
        c = self.exprs(env, rel)
        value = c.compile(call.args[0])
        if value.type != "datetime":
            raise self.semantic(f"{FUNCTION}()'s first argument must be a datetime, not {value.type}", call.args[0].pos)
        from_first = c.compile(call.args[1])
        for arg, typed in ((call.args[1], from_first), (call.args[2], c.compile(call.args[2]))):
            if typed.type != "timespan":
                raise self.semantic(f"{FUNCTION}()'s distances must be timespans, not {typed.type}", arg.pos)
        if not (from_first.is_const and isinstance(from_first.const, int)):
            raise self.unsupported(f"{FUNCTION}() with a distance from the first row that is not a constant",
                                   call.args[1].pos)
        if len(call.args) == 4 and c.compile(call.args[3]).type != "bool":
            raise self.semantic(f"{FUNCTION}()'s Restart must be a bool", call.args[3].pos)
        taken = set(rel.names()) | {name}

        def hidden(hint: str) -> str:
            fresh = unique_name(f"__kq_s_{hint}", taken)
            taken.add(fresh)
            return fresh

        v, pv, n, restart, island, run = (hidden(h) for h in ("v", "pv", "n", "restart", "island", "run"))
        expr, pos = call.args[0], call.pos
        restart_expr = call.args[3] if len(call.args) == 4 else ast.Literal(pos, "bool", False)
        # the row's value, the one before it, its number, and whether it begins a run no session crosses
        numbered = self.op_Extend(ast.Extend(pos, [
            ast.NamedExpr(v, expr), ast.NamedExpr(pv, ast.Call(pos, "prev", [expr])),
            ast.NamedExpr(n, ast.Call(pos, "row_number", [])), ast.NamedExpr(restart, restart_expr)]), rel, env)
        begins = _any(pos, ast.Binary(pos, "==", ast.Name(pos, n), ast.Literal(pos, "long", 1)),
                      ast.Call(pos, "isnull", [ast.Name(pos, v)]), ast.Call(pos, "isnull", [ast.Name(pos, pv)]),
                      ast.Binary(pos, ">=", ast.Name(pos, v), ast.Binary(pos, "+", ast.Name(pos, pv), call.args[2])),
                      ast.Binary(pos, "==", ast.Name(pos, restart), ast.Literal(pos, "bool", True)))
        flagged = self.op_Extend(ast.Extend(pos, [ast.NamedExpr(island, begins)]), numbered, env)
        one = ast.Call(pos, "iff", [ast.Name(pos, island), ast.Literal(pos, "long", 1), ast.Literal(pos, "long", 0)])
        runs = self.op_Extend(ast.Extend(pos, [ast.NamedExpr(run, ast.Call(pos, "row_cumsum", [one]))]), flagged, env)
        starts = self.session_chain(runs, v, n, island, run, from_first.const)
        return self.each_row_start(rel, runs, starts, v, n, name)

    def session_chain(self, runs: Relation, v: str, n: str, island: str, run: str, distance: int) -> str:
        """The recursive CTE of the session starts (run, row number, value): each run's first row, then in the
        same run the first later row whose value reaches the start's plus `distance` (ticks)."""
        source = runs.source.this.name
        state = f"_k{len(self.ctes)}"
        anchor = (exp.Select().select(col_ref(run), col_ref(n), col_ref(v), copy=False)
                  .from_(exp.Table(this=ident(source)), copy=False).where(col_ref(island), copy=False))
        later = (exp.Select().select(exp.Min(this=col_ref(n, "_b")), copy=False)
                 .from_(exp.Table(this=ident(source), alias=exp.TableAlias(this=ident("_b"))), copy=False)
                 .where(exp.and_(exp.EQ(this=col_ref(run, "_b"), expression=col_ref(run, "_s")),
                                 exp.GT(this=col_ref(n, "_b"), expression=col_ref(n, "_s")),
                                 exp.GTE(this=col_ref(v, "_b"),
                                         expression=exp.Add(this=col_ref(v, "_s"), expression=sb.number(distance)))),
                        copy=False))
        # the subquery in WHERE, not in the join's ON: Spark takes a correlated scalar subquery only there
        step = (exp.Select().select(col_ref(run, "_a"), col_ref(n, "_a"), col_ref(v, "_a"), copy=False)
                .from_(exp.Table(this=ident(state), alias=exp.TableAlias(this=ident("_s"))), copy=False)
                .join(exp.Table(this=ident(source), alias=exp.TableAlias(this=ident("_a"))),
                      on=exp.EQ(this=col_ref(run, "_a"), expression=col_ref(run, "_s")), copy=False)
                .where(exp.and_(exp.Not(this=exp.Is(this=col_ref(v, "_s"), expression=exp.Null())),
                                exp.EQ(this=col_ref(n, "_a"), expression=exp.Subquery(this=later))), copy=False))
        self.ctes.append(exp.CTE(this=exp.Union(this=anchor, expression=step, distinct=False),
                                 alias=exp.TableAlias(this=ident(state), columns=[ident(run), ident(n), ident(v)])))
        self.recursive = True
        return state

    def each_row_start(self, rel: Relation, runs: Relation, starts: str, v: str, n: str, name: str) -> Relation:
        """`rel`'s columns and each row's session start: the value of the last session start at or before it
        (null where the row's own value is null), in the rows' order."""
        marked = (self.select_from(runs, "_r")
                  .select(*[col_ref(c.name, "_r") for c in rel.columns], col_ref(v, "_r"), col_ref(n, "_r"),
                          exp.alias_(col_ref(n, "_t"), "_start", quoted=True), copy=False)
                  .join(exp.Table(this=ident(starts), alias=exp.TableAlias(this=ident("_t"))),
                        on=exp.EQ(this=col_ref(n, "_t"), expression=col_ref(n, "_r")), join_type="LEFT", copy=False))
        marked_rel = self.step(marked, [])
        by_row = exp.Order(expressions=[exp.Ordered(this=col_ref(n))])
        latest = exp.Window(this=exp.Max(this=col_ref("_start")), order=by_row,
                            spec=exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING",
                                                end="CURRENT ROW"))
        grouped = self.step(self.select_from(marked_rel).select(
            *[col_ref(c.name) for c in rel.columns], col_ref(v), col_ref(n),
            exp.alias_(latest, "_session", quoted=True), copy=False), [])
        first = exp.Window(this=exp.FirstValue(this=col_ref(v)), partition_by=[col_ref("_session")],
                           order=by_row.copy())
        start = exp.Case(ifs=[exp.If(this=exp.Is(this=col_ref(v), expression=exp.Null()),
                                     true=sb.null("datetime"))], default=first)
        select = (self.select_from(grouped).select(*[col_ref(c.name) for c in rel.columns],
                                                   exp.alias_(start, name, quoted=True), copy=False)
                  .order_by(col_ref(n), copy=False))
        out = self.step(select, [*rel.columns, Column(name, "datetime")])
        out.order, out.serialized, out.name_hint = rel.order, True, rel.name_hint
        return out

    def without_columns(self, rel: Relation, names: list[str]) -> Relation:
        """`rel` without the hidden columns `names` (rows and order kept)."""
        kept = [c for c in rel.columns if c.name not in names]
        select = self.select_from(rel).select(*[col_ref(c.name) for c in kept], copy=False)
        return self.step(select, kept, rel, keep_order=True)


def _any(pos: int, *tests: ast.Expr) -> ast.Expr:
    result = tests[0]
    for test in tests[1:]:
        result = ast.Binary(pos, "or", result, test)
    return result

