"""Tabular operators: the syntax tree of a script -> one SQLGlot SELECT (a chain of CTEs) with KQL columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.aggregates import Aggregates
from kqlite.compile.expressions import ExprCompiler, Typed
from kqlite.compile.functions import Functions
from kqlite.compile.scope import Column, Relation, col_ref, ident, matches_pattern, unique_name
from kqlite.compile.types import normalize_type
from kqlite.errors import KqlSemanticError, KqlUnsupportedError
from kqlite.syntax import ast

# ---------------------------------------------------------------- bindings (let, function parameters)


@dataclass
class ScalarBinding:
    value: Typed


@dataclass
class TabularBinding:
    expr: ast.Expr
    env: Env


@dataclass
class RelationBinding:
    relation: Relation


@dataclass
class FunctionBinding:
    definition: ast.FunctionDef
    env: Env
    name: str


@dataclass
class Env:
    bindings: dict[str, object] = field(default_factory=dict)
    parent: Env | None = None

    def lookup(self, name: str) -> object | None:
        env: Env | None = self
        while env is not None:
            if name in env.bindings:
                return env.bindings[name]
            env = env.parent
        return None

    def child(self) -> Env:
        return Env({}, self)


@dataclass
class CompiledQuery:
    sql: exp.Expression
    columns: list[Column]
    tables: list[str]
    operators: list[str]

    def sql_text(self, dialect: str = "duckdb", pretty: bool = False) -> str:
        return self.sql.sql(dialect=dialect, pretty=pretty)


def compile_script(script: ast.Script, catalog: dict[str, list[Column]], now: datetime | None = None) -> CompiledQuery:
    """Compile a parsed script against a catalog of table name -> columns."""
    return Compiler(script.text, catalog, now).script(script)


JOIN_KINDS = {"innerunique", "inner", "leftouter", "rightouter", "fullouter", "leftsemi", "leftanti", "anti",
              "leftantisemi", "rightsemi", "rightanti", "rightantisemi"}


class Compiler:
    def __init__(self, text: str, catalog: dict[str, list[Column]], now: datetime | None = None):
        self.text = text
        self.catalog = catalog
        self.now = (now or datetime.now(UTC)).replace(microsecond=(now or datetime.now(UTC)).microsecond)
        self.ctes: list[exp.CTE] = []
        self.functions = Functions(self)
        self.aggregates = Aggregates(self)
        self.tables_used: list[str] = []
        self.operators_used: list[str] = []
        self._materialized: dict[int, Relation] = {}
        # inside an mv-apply subquery: the column that tells the input rows apart (kept by every operator)
        self.apply_key: str | None = None

    # ------------------------------------------------------------ errors

    def semantic(self, message: str, pos: int | None, hint: str | None = None) -> KqlSemanticError:
        return KqlSemanticError(message, self.text, pos, hint)

    def unsupported(self, what: str, pos: int) -> KqlUnsupportedError:
        return KqlUnsupportedError(f"{what} is not supported by kqlite yet", self.text, pos,
                                   "rewrite the query without it, or open an issue with the query")

    # ------------------------------------------------------------ statements

    def script(self, script: ast.Script) -> CompiledQuery:
        env = Env()
        result: Relation | None = None
        for statement in script.statements:
            if isinstance(statement, ast.Let):
                env.bindings[statement.name] = self.bind_let(statement, env)
            elif isinstance(statement, ast.QueryStatement):
                if result is not None:
                    raise self.unsupported("a script with more than one query statement", statement.pos)
                result = self.tabular(statement.expr, env)
        if result is None:
            raise self.semantic("the script has no query: its last statement must be a tabular expression",
                                script.statements[-1].pos if script.statements else 0)
        # Listed as the Defender portal lists a query's operators: each once, in order of first use.
        operators = list(dict.fromkeys(op for op in self.operators_used if op != "where"))
        return CompiledQuery(self.finish(result), result.columns, self.tables_used, operators)

    def bind_let(self, let: ast.Let, env: Env) -> object:
        value = let.value
        if isinstance(value, ast.FunctionDef):
            return FunctionBinding(value, env, let.name)
        if self.is_tabular_expr(value, env):
            if isinstance(value, ast.Call) and value.name == "materialize":
                self.operators_used.append("materialize")
                return RelationBinding(self.materialize(value, env))
            return TabularBinding(value, env)
        typed = ExprCompiler(self, env, None, None).compile(value)
        return ScalarBinding(typed)

    def is_tabular_expr(self, node: ast.Expr, env: Env) -> bool:
        if isinstance(node, ast.Pipeline):
            return True
        if isinstance(node, ast.Name):
            binding = env.lookup(node.name)
            if binding is not None:
                return isinstance(binding, TabularBinding | RelationBinding)
            return node.name in self.catalog
        if isinstance(node, ast.Call):
            if node.name in ("materialize", "view"):
                return True
            binding = env.lookup(node.name)
            if isinstance(binding, FunctionBinding):
                body = binding.definition.body[-1]
                inner_env = binding.env.child()
                for p in binding.definition.params:
                    inner_env.bindings[p.name] = TabularBinding(ast.Name(0, "__param"), inner_env) if p.type == "table" else ScalarBinding(Typed(sb.null("long"), "long"))
                for st in binding.definition.body[:-1]:
                    if isinstance(st, ast.Let):
                        inner_env.bindings[st.name] = TabularBinding(st.value, inner_env) if self.is_tabular_expr(st.value, inner_env) else ScalarBinding(Typed(sb.null("long"), "long"))
                return isinstance(body, ast.QueryStatement) and self.is_tabular_expr(body.expr, inner_env)
        return False

    def is_tabular(self, c: ExprCompiler, node: ast.Expr) -> bool:
        return self.is_tabular_expr(node, c.env)

    def scalar_binding(self, binding: object, node: ast.Expr) -> Typed | None:
        if isinstance(binding, ScalarBinding):
            return binding.value
        if isinstance(binding, FunctionBinding):
            raise self.semantic(f"'{binding.name}' is a function: call it with ()", node.pos)
        return None

    # ------------------------------------------------------------ CTE plumbing

    def step(self, select: exp.Select, columns: list[Column], previous: Relation | None = None,
             materialized: bool = False, keep_order: bool = False) -> Relation:
        name = f"_k{len(self.ctes)}"
        self.ctes.append(exp.CTE(this=select, alias=exp.TableAlias(this=ident(name)),
                                 materialized=True if materialized else None))
        relation = Relation(exp.Table(this=ident(name)), columns)
        if previous is not None and keep_order:
            relation.order = previous.order
            relation.serialized = previous.serialized
            relation.name_hint = previous.name_hint
        return relation

    def select_from(self, relation: Relation, alias: str | None = None) -> exp.Select:
        source = relation.source.copy()
        if alias:
            source = exp.Table(this=source.this, alias=exp.TableAlias(this=ident(alias))) if isinstance(source, exp.Table) else exp.Subquery(this=source, alias=exp.TableAlias(this=ident(alias)))
        return exp.Select().from_(source)

    def finish(self, relation: Relation) -> exp.Select:
        select = self.select_from(relation).select(*[col_ref(c.name) for c in relation.columns])
        if relation.order:
            select = select.order_by(*[self.ordered(col_ref(n), d, nf) for n, d, nf in relation.order])
        for cte in self.ctes:
            select.append("with", cte) if False else None
        if self.ctes:
            select.set("with_", exp.With(expressions=list(self.ctes)))
        return select

    @staticmethod
    def ordered(expr: exp.Expression, descending: bool, nulls_first: bool) -> exp.Ordered:
        return exp.Ordered(this=expr, desc=descending, nulls_first=nulls_first)

    def exprs(self, env: Env, relation: Relation | None, alias: str | None = None) -> ExprCompiler:
        return ExprCompiler(self, env, relation, alias)

    # ------------------------------------------------------------ tabular expressions

    def tabular(self, node: ast.Expr, env: Env) -> Relation:
        if isinstance(node, ast.Pipeline):
            relation = self.source(node.source, env)
            for op in node.operators:
                relation = self.operator(op, relation, env)
            return relation
        return self.source(node, env)

    def source(self, node: ast.Expr, env: Env) -> Relation:
        if isinstance(node, ast.Pipeline):
            return self.tabular(node, env)
        if isinstance(node, ast.Name):
            return self.named_table(node, env)
        if isinstance(node, ast.Call):
            return self.call_source(node, env)
        if isinstance(node, ast.DataTable):
            return self.datatable(node, env)
        if isinstance(node, ast.Print):
            return self.print_(node, env)
        if isinstance(node, ast.Range):
            return self.range_(node, env)
        if isinstance(node, ast.Union):
            return self.union(node, None, env)
        if isinstance(node, ast.Search):
            return self.op_Search(node, None, env)
        if isinstance(node, ast.GenericOperator):
            raise self.unsupported(f"'{node.name}'", node.pos)
        raise self.semantic("expected a table, a tabular expression or a let name here", node.pos)

    def named_table(self, node: ast.Name, env: Env) -> Relation:
        binding = env.lookup(node.name)
        if isinstance(binding, RelationBinding):
            rel = binding.relation
            return Relation(rel.source.copy(), list(rel.columns), rel.order, rel.serialized, rel.name_hint or node.name)
        if isinstance(binding, TabularBinding):
            rel = self.tabular(binding.expr, binding.env)
            rel.name_hint = None
            return rel
        if isinstance(binding, ScalarBinding):
            raise self.semantic(f"'{node.name}' is a scalar value, not a table", node.pos)
        if node.name in self.catalog:
            if node.name not in self.tables_used:
                self.tables_used.append(node.name)
            return Relation(exp.Table(this=ident(node.name)), list(self.catalog[node.name]), name_hint=node.name)
        import difflib

        close = difflib.get_close_matches(node.name, list(self.catalog), n=3)
        raise self.semantic(f"unknown table or tabular name '{node.name}'", node.pos,
                            f"did you mean {', '.join(close)}?" if close else "attach data with connect(tables=...) or --table NAME=PATH")

    def call_source(self, node: ast.Call, env: Env) -> Relation:
        if node.name == "materialize":
            self.operators_used.append("materialize")
            return self.materialize(node, env)
        if node.name == "view" and not node.args:
            raise self.unsupported("view()", node.pos)
        binding = env.lookup(node.name)
        if isinstance(binding, FunctionBinding):
            inner = self.function_env(binding, node, env, None)
            return self.function_body_tabular(binding, inner)
        raise self.semantic(f"'{node.name}(...)' is not a tabular function", node.pos)

    def materialize(self, node: ast.Call, env: Env) -> Relation:
        if len(node.args) != 1:
            raise self.semantic("materialize() takes one tabular argument", node.pos)
        cached = self._materialized.get(id(node))
        if cached is not None:
            return cached
        inner = self.tabular(node.args[0], env)
        select = self.select_from(inner).select(*[col_ref(c.name) for c in inner.columns])
        if inner.order:
            select = select.order_by(*[self.ordered(col_ref(n), d, nf) for n, d, nf in inner.order])
        rel = self.step(select, inner.columns, inner, materialized=True, keep_order=True)
        self._materialized[id(node)] = rel
        return rel

    def function_env(self, binding: FunctionBinding, node: ast.Call, env: Env, piped: Relation | None,
                     caller: ExprCompiler | None = None) -> Env:
        params = binding.definition.params
        args: list[ast.Expr] = list(node.args)
        inner = binding.env.child()
        offset = 0
        if piped is not None:
            if not params or params[0].type != "table":
                raise self.semantic(f"{binding.name}() has no tabular first parameter to receive the piped table", node.pos)
            inner.bindings[params[0].name] = RelationBinding(self.restrict(piped, params[0], node))
            offset = 1
        if len(args) > len(params) - offset:
            raise self.semantic(f"{binding.name}() takes {len(params) - offset} arguments, got {len(args)}", node.pos)
        for i, param in enumerate(params[offset:]):
            arg = args[i] if i < len(args) else param.default
            if arg is None:
                raise self.semantic(f"{binding.name}() is missing argument '{param.name}'", node.pos)
            if param.type == "table":
                rel = self.tabular(arg, env)
                inner.bindings[param.name] = RelationBinding(self.restrict(rel, param, node))
            else:
                arg_compiler = caller if caller is not None and i < len(args) else self.exprs(env, None)
                typed = arg_compiler.compile(arg)
                want = normalize_type(param.type or "")
                if want and typed.type != want and not (typed.is_const and typed.const is None):
                    typed = self.functions.convert(self.exprs(env, None), typed, want) if want != "dynamic" else typed
                inner.bindings[param.name] = ScalarBinding(typed)
        return inner

    def restrict(self, rel: Relation, param: ast.Param, node: ast.Expr) -> Relation:
        if param.columns is None:
            return rel
        for name, _type in param.columns:
            if rel.column(name) is None:
                raise self.semantic(f"the table passed as '{param.name}' has no column '{name}'", node.pos)
        return rel

    def function_body_tabular(self, binding: FunctionBinding, inner: Env) -> Relation:
        body = binding.definition.body
        for st in body[:-1]:
            if isinstance(st, ast.Let):
                inner.bindings[st.name] = self.bind_let(st, inner)
        last = body[-1]
        if not isinstance(last, ast.QueryStatement):
            raise self.semantic("a function body must end with an expression", last.pos)
        return self.tabular(last.expr, inner)

    def call_user_scalar(self, c: ExprCompiler, binding: object, node: ast.Call) -> Typed:
        if not isinstance(binding, FunctionBinding):
            raise self.semantic(f"'{node.name}' is not a function", node.pos)
        inner = self.function_env(binding, node, c.env, None, caller=c)
        body = binding.definition.body
        for st in body[:-1]:
            if isinstance(st, ast.Let):
                inner.bindings[st.name] = self.bind_let(st, inner)
        last = body[-1]
        if not isinstance(last, ast.QueryStatement):
            raise self.semantic("a function body must end with an expression", last.pos)
        if self.is_tabular_expr(last.expr, inner):
            raise self.semantic(f"{node.name}() returns a table, not a scalar", node.pos)
        # the body sees the caller's row: function bodies may reference columns of the input
        merged = inner
        return ExprCompiler(self, merged, c.relation, c.alias).compile(last.expr)

    def toscalar(self, c: ExprCompiler, node: ast.Call) -> Typed:
        if len(node.args) != 1:
            raise self.semantic("toscalar() takes one argument", node.pos)
        arg = node.args[0]
        if not self.is_tabular_expr(arg, c.env):
            return c.compile(arg)
        sub, kql_type = self.subquery_first_column(c, arg)
        return Typed(exp.Subquery(this=sub.limit(1)), kql_type)

    def subquery_first_column(self, c: ExprCompiler, node: ast.Expr) -> tuple[exp.Select, str]:
        rel = self.tabular(node, c.env)
        if not rel.columns:
            raise self.semantic("the tabular expression has no columns", node.pos)
        first = rel.columns[0]
        select = self.select_from(rel).select(col_ref(first.name))
        if rel.order:
            select = select.order_by(*[self.ordered(col_ref(n), d, nf) for n, d, nf in rel.order])
        return select, first.type

    # ------------------------------------------------------------ sources

    def datatable(self, node: ast.DataTable, env: Env) -> Relation:
        columns = []
        for name, type_name in node.columns:
            kql_type = normalize_type(type_name)
            if kql_type is None:
                raise self.semantic(f"unknown type '{type_name}' for column '{name}'", node.pos)
            columns.append(Column(name, kql_type))
        width = len(columns)
        if len(node.values) % width:
            raise self.semantic(f"datatable has {len(node.values)} values, not a multiple of its {width} columns",
                                node.pos)
        c = self.exprs(env, None)
        rows = []
        for start in range(0, len(node.values), width):
            row = []
            for col, value_node in zip(columns, node.values[start:start + width], strict=True):
                if not isinstance(value_node, ast.Literal | ast.Name) or (
                        isinstance(value_node, ast.Name) and value_node.name not in ("null",)):
                    raise self.semantic("datatable values must be literals", value_node.pos)
                value = c.compile(value_node) if isinstance(value_node, ast.Literal) else Typed(sb.null(col.type), col.type, None, None)
                if col.type == "string" and value.is_const and value.const is None:
                    raise self.semantic(f"datatable column '{col.name}' is a string: it cannot hold null", value_node.pos,
                                        'write "" for an empty string')
                row.append(self.coerce_cell(c, value, col, value_node))
            rows.append(row)
        if not rows:
            select = exp.Select().select(*[exp.alias_(sb.null(col.type), col.name, quoted=True) for col in columns]).where(exp.Boolean(this=False))
            return self.step(select, columns)
        # A VALUES list keeps rows in order; an ordinal column keeps that order through later operators.
        values = exp.Values(expressions=[exp.Tuple(expressions=r) for r in rows],
                            alias=exp.TableAlias(this=ident("_v"), columns=[ident(col.name) for col in columns]))
        select = exp.Select().select(*[col_ref(col.name) for col in columns]).from_(values)
        return self.step(select, columns)

    def coerce_cell(self, c: ExprCompiler, value: Typed, col: Column, node: ast.Expr) -> exp.Expression:
        if value.is_const and value.const is None:
            return sb.literal(col.type, "" if col.type == "string" else None)
        if value.type == col.type:
            return value.sql
        if value.type in ("long", "int", "real", "decimal") and col.type in ("long", "int", "real", "decimal"):
            return sb.cast(value.sql, col.type)
        if col.type == "dynamic":
            return self.functions.json_of(value)
        raise self.semantic(f"datatable value of type {value.type} does not fit column '{col.name}' of type {col.type}",
                            node.pos)

    def print_(self, node: ast.Print, env: Env) -> Relation:
        self.operators_used.append("print")
        c = self.exprs(env, None)
        projections, columns = [], []
        taken: set[str] = set()
        for i, item in enumerate(node.items):
            typed = c.compile(item.expr)
            name = item.name or f"print_{i}"
            name = unique_name(name, taken)
            taken.add(name)
            projections.append(exp.alias_(typed.sql, name, quoted=True))
            columns.append(Column(name, typed.type))
        return self.step(exp.Select().select(*projections), columns)

    def range_(self, node: ast.Range, env: Env) -> Relation:
        self.operators_used.append("range")
        c = self.exprs(env, None)
        start, stop, step = c.compile(node.start), c.compile(node.stop), c.compile(node.step)
        name = node.column
        if start.type == "datetime":
            if step.type != "timespan":
                raise self.semantic("range over datetimes needs a timespan step", node.pos)
            series = sb.tmpl("SELECT $a + to_microseconds(CAST(i * ($s // 10) AS BIGINT)) AS v FROM range(0, CAST(floor((epoch_us($b) - epoch_us($a)) * 10 / $s) AS BIGINT) + 1) AS t(i)",
                             a=start.sql, b=stop.sql, s=step.sql)
            kql_type = "datetime"
        elif start.type in ("long", "int", "real", "timespan"):
            kql_type = start.type if start.type != "int" else "long"
            if step.type == "real" or stop.type == "real":
                kql_type = "real" if start.type != "timespan" else "timespan"
            series = sb.tmpl("SELECT $a + i * $s AS v FROM range(0, CAST(floor(($b - $a) / $s) AS BIGINT) + 1) AS t(i)",
                             a=start.sql, b=stop.sql, s=step.sql)
        else:
            raise self.semantic(f"range cannot run over {start.type}", node.pos)
        select = exp.Select().select(exp.alias_(sb.cast(exp.column("v"), kql_type), name, quoted=True)).from_(
            exp.Subquery(this=series, alias=exp.TableAlias(this=ident("_r"))))
        rel = self.step(select, [Column(name, kql_type)])
        rel.order = [(name, False, True)]
        return rel

    # ------------------------------------------------------------ operators

    def operator(self, op: ast.Operator, rel: Relation, env: Env) -> Relation:
        handler = getattr(self, "op_" + type(op).__name__, None)
        if handler is None:
            name = op.name if isinstance(op, ast.GenericOperator) else type(op).__name__.lower()
            raise self.unsupported(f"operator '{name}'", op.pos)
        return handler(op, rel, env)

    def op_Where(self, op: ast.Where, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("where")
        condition = self.exprs(env, rel).predicate(op.predicate)
        select = self.select_from(rel).select(*[col_ref(c.name) for c in rel.columns]).where(condition)
        return self.step(select, rel.columns, rel, keep_order=True)

    def named_items(self, items: list[ast.NamedExpr], rel: Relation, env: Env, what: str,
                    c: ExprCompiler | None = None) -> list[tuple[str, Typed, int]]:
        c = c or self.exprs(env, rel)
        out = []
        counter = 0
        for item in items:
            if item.names is not None:
                raise self.unsupported(f"'(a, b) = ...' in {what}", item.expr.pos)
            typed = c.compile(item.expr)
            name = item.name
            if name is None:
                name = typed.name if isinstance(item.expr, ast.Name | ast.Member | ast.Index) and typed.name else None
            if name is None:
                counter += 1
                name = f"Column{counter}"
            out.append((name, typed, item.expr.pos))
        return out

    def op_Extend(self, op: ast.Extend, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("extend")
        c = self.exprs(env, rel)
        items = self.named_items(op.items, rel, env, "extend", c)
        columns = list(rel.columns)
        exprs: list[exp.Expression] = [col_ref(c.name) for c in rel.columns]
        changed: set[str] = set()
        for name, typed, _pos in items:
            existing = next((i for i, c in enumerate(columns) if c.name == name), None)
            if existing is not None:
                columns[existing] = Column(name, typed.type)
                exprs[existing] = typed.sql
                changed.add(name)
            else:
                columns.append(Column(name, typed.type))
                exprs.append(typed.sql)
        source = self.with_pre_columns(rel, c)
        select = self.select_from(source).select(*[exp.alias_(e, col.name, quoted=True) for e, col in zip(exprs, columns, strict=True)])
        select = self.keep_input_order(select, c)
        out = self.step(select, columns, rel, keep_order=True)
        out.order = self.order_after(rel.order, changed, {c.name for c in columns})
        return out

    @staticmethod
    def keep_input_order(select: exp.Select, c: ExprCompiler) -> exp.Select:
        """Window functions make DuckDB reshuffle rows; a serialized relation keeps its row order."""
        if c.uses_row_ordinal:
            return select.order_by(*c.row_order())
        return select

    def with_pre_columns(self, rel: Relation, c: ExprCompiler) -> Relation:
        """Steps computing the hidden columns that window functions asked for (one SELECT per level, since
        SQL cannot nest one window function inside another)."""
        source = rel
        carried = [col_ref(col.name) for col in rel.columns]
        for level in c.pre_columns:
            if not level:
                continue
            select = self.select_from(source).select(*carried, *[exp.alias_(e, n, quoted=True) for n, e in level])
            source = self.step(select, rel.columns)
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
        select = self.keep_input_order(self.select_from(self.with_pre_columns(rel, c)).select(*projections), c)
        out = self.step(select, columns, rel, keep_order=True)
        out.order = self.order_after(rel.order, changed, seen)
        return out

    def keep_columns(self, rel: Relation, keep: list[Column]) -> Relation:
        if self.apply_key and all(c.name != self.apply_key for c in keep):
            keep = [Column(self.apply_key, "long"), *keep]
        select = self.select_from(rel).select(*[col_ref(c.name) for c in keep])
        out = self.step(select, keep, rel, keep_order=True)
        out.order = self.order_after(rel.order, set(), {c.name for c in keep})
        return out

    def op_ProjectAway(self, op: ast.ProjectAway, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("project-away")
        drop: set[str] = set()
        for pattern, pos in op.patterns:
            hits = {c.name for c in rel.columns if matches_pattern(pattern, c.name)}
            if not hits and "*" not in pattern:
                raise self.semantic(f"project-away: unknown column '{pattern}'", pos)
            drop |= hits
        return self.keep_columns(rel, [c for c in rel.columns if c.name not in drop])

    def op_ProjectKeep(self, op: ast.ProjectKeep, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("project-keep")
        keep: set[str] = set()
        for pattern, pos in op.patterns:
            hits = {c.name for c in rel.columns if matches_pattern(pattern, c.name)}
            if not hits and "*" not in pattern:
                raise self.semantic(f"project-keep: unknown column '{pattern}'", pos)
            keep |= hits
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
        select = self.select_from(rel).select(*[exp.alias_(col_ref(c.name), mapping.get(c.name, c.name), quoted=True) for c in rel.columns])
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

    def sort_spec(self, keys: list[ast.SortKey], rel: Relation, env: Env) -> tuple[list[exp.Ordered], list | None]:
        c = self.exprs(env, rel)
        ordered, order = [], []
        for key in keys:
            typed = c.compile(key.expr)
            nulls_first = key.nulls_first if key.nulls_first is not None else not key.descending
            value = typed.sql
            if typed.type == "dynamic":
                raise self.semantic("cannot sort by a dynamic value", key.expr.pos, "convert it, e.g. tolong(x)")
            ordered.append(self.ordered(value, key.descending, nulls_first))
            if isinstance(key.expr, ast.Name) and rel.column(key.expr.name) is not None and order is not None:
                order.append((key.expr.name, key.descending, nulls_first))
            else:
                order = None
        return ordered, order

    def op_Sort(self, op: ast.Sort, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("sort by")
        ordered, order = self.sort_spec(op.keys, rel, env)
        select = self.select_from(rel).select(*[col_ref(c.name) for c in rel.columns]).order_by(*ordered)
        out = self.step(select, rel.columns, rel)
        out.order = order
        out.serialized = True
        return out

    def op_Take(self, op: ast.Take, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("take")
        count = self.exprs(env, None).compile(op.count)
        if count.type not in ("long", "int"):
            raise self.semantic("take needs a whole number of rows", op.pos)
        select = self.select_from(rel).select(*[col_ref(c.name) for c in rel.columns])
        if rel.order:
            select = select.order_by(*[self.ordered(col_ref(n), d, nf) for n, d, nf in rel.order])
        if self.apply_key:
            return self.limit_per_key(rel, [self.ordered(col_ref(n), d, nf) for n, d, nf in rel.order or []], count.sql)
        select = select.limit(count.sql)
        return self.step(select, rel.columns, rel, keep_order=True)

    def op_Top(self, op: ast.Top, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("top")
        ordered, order = self.sort_spec([op.key], rel, env)
        count = self.exprs(env, None).compile(op.count)
        if self.apply_key:
            return self.limit_per_key(rel, ordered, count.sql)
        select = self.select_from(rel).select(*[col_ref(c.name) for c in rel.columns]).order_by(*ordered).limit(count.sql)
        out = self.step(select, rel.columns, rel)
        out.order = order
        return out

    def limit_per_key(self, rel: Relation, ordered: list[exp.Ordered], count: exp.Expression) -> Relation:
        """take/top inside mv-apply: the first rows of each input row's group, not of the whole table."""
        window = exp.Window(this=exp.RowNumber(), partition_by=[col_ref(self.apply_key)],
                            order=exp.Order(expressions=ordered) if ordered else None)
        select = self.select_from(rel).select(*[col_ref(c.name) for c in rel.columns])
        select.set("qualify", exp.Qualify(this=exp.LTE(this=window, expression=count)))
        return self.step(select, rel.columns)

    def op_Distinct(self, op: ast.Distinct, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("distinct")
        if op.items is None:
            select = self.select_from(rel).select(*[col_ref(c.name) for c in rel.columns]).distinct()
            return self.step(select, rel.columns)
        items = self.named_items(op.items, rel, env, "distinct")
        columns = [Column(name, t.type) for name, t, _ in items]
        select = self.select_from(rel).select(*[exp.alias_(t.sql, name, quoted=True) for name, t, _ in items]).distinct()
        return self.step(select, columns)

    def op_Count(self, op: ast.Count, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("count")
        select = self.select_from(rel).select(exp.alias_(exp.Count(this=exp.Star()), "Count", quoted=True))
        return self.step(select, [Column("Count", "long")])

    def op_Invoke(self, op: ast.Invoke, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("invoke")
        binding = env.lookup(op.call.name)
        if not isinstance(binding, FunctionBinding):
            raise self.semantic(f"'{op.call.name}' is not a function defined with let", op.call.pos)
        inner = self.function_env(binding, op.call, env, rel)
        return self.function_body_tabular(binding, inner)

    def op_Render(self, op: ast.Render, rel: Relation, env: Env) -> Relation:
        return rel

    def op_As(self, op: ast.As, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("as")
        env.bindings[op.name] = RelationBinding(Relation(rel.source, rel.columns, rel.order, rel.serialized, op.name))
        return Relation(rel.source, rel.columns, rel.order, rel.serialized, op.name)

    def op_Serialize(self, op: ast.Serialize, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("serialize")
        serialized = Relation(rel.source, rel.columns, rel.order, True, rel.name_hint)
        out = self.op_Extend(ast.Extend(op.pos, op.items), serialized, env) if op.items else serialized
        out.serialized = True
        return out

    # ------------------------------------------------------------ summarize

    def op_Summarize(self, op: ast.Summarize, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("summarize")
        c = self.exprs(env, rel)
        taken: set[str] = set()
        group_exprs, group_cols = [], []
        by_items = list(op.by)
        if self.apply_key:
            by_items.insert(0, ast.NamedExpr(self.apply_key, ast.Name(op.pos, self.apply_key)))
        for item in by_items:
            typed = c.compile(item.expr)
            name = item.name or typed.name
            if name is None:
                name = "Column1"
            if typed.type == "dynamic":
                raise self.semantic("summarize cannot group by a dynamic value", item.expr.pos,
                                    "convert it first, e.g. by tostring(...)")
            name = unique_name(name, taken)
            taken.add(name)
            group_exprs.append(typed.sql)
            group_cols.append(Column(name, typed.type))
        by_names = {col.name for col in group_cols}
        agg_cols = []
        for item in op.aggregates:
            expr = item.expr
            if not isinstance(expr, ast.Call):
                raise self.semantic("summarize needs aggregate function calls (count(), sum(x), ...)", expr.pos)
            outputs = self.aggregates.build(c, expr, by_names)
            if item.name is not None:
                outputs[0].name = item.name
                outputs[0].explicit_name = True
            if item.names:
                for output, name in zip(outputs, item.names, strict=False):
                    output.name = name
            for output in outputs:
                output.name = unique_name(output.name, taken)
                taken.add(output.name)
            agg_cols.extend(outputs)
        inner_proj = [exp.alias_(e, f"_g{i}", quoted=True) for i, e in enumerate(group_exprs)]
        hidden_for = {}
        current_hidden = None
        for i, col in enumerate(agg_cols):
            if col.sql is not None:
                current_hidden = f"_a{i}"
                inner_proj.append(exp.alias_(col.sql, current_hidden, quoted=True))
            hidden_for[i] = current_hidden
        select = self.select_from(rel).select(*inner_proj)
        if group_exprs:
            select = select.group_by(*[exp.Literal.number(i + 1) for i in range(len(group_exprs))])
        grouped = self.step(select, [])
        outer = [exp.alias_(col_ref(f"_g{i}"), col.name, quoted=True) for i, col in enumerate(group_cols)]
        for i, col in enumerate(agg_cols):
            ref = col_ref(hidden_for[i])
            value = col.post(ref) if col.post else ref
            outer.append(exp.alias_(value, col.name, quoted=True))
        columns = group_cols + [Column(col.name, col.type) for col in agg_cols]
        return self.step(self.select_from(grouped).select(*outer), columns)

    # ------------------------------------------------------------ join / lookup

    def join_keys(self, op, left: Relation, right: Relation) -> list[tuple[Column, Column]]:
        keys = []
        for cond in op.conditions:
            lc, rc = left.column(cond.left), right.column(cond.right)
            if lc is None:
                raise self.semantic(f"join: the left side has no column '{cond.left}'", cond.pos)
            if rc is None:
                raise self.semantic(f"join: the right side has no column '{cond.right}'", cond.pos)
            compatible = lc.type == rc.type or ({lc.type, rc.type} <= {"int", "long"})
            if not compatible:
                raise self.semantic(f"join keys '{cond.left}' ({lc.type}) and '{cond.right}' ({rc.type}) have different types",
                                    cond.pos)
            keys.append((lc, rc))
        return keys

    @staticmethod
    def key_equal(lc: Column, rc: Column, la: str, ra: str) -> exp.Expression:
        a, b = col_ref(lc.name, la), col_ref(rc.name, ra)
        if lc.type == "string" and rc.type == "string":
            return exp.EQ(this=a, expression=b)
        # null keys match each other in Kusto
        return exp.NullSafeEQ(this=a, expression=b)

    def dedup_left(self, rel: Relation, keys: list[Column]) -> Relation:
        """innerunique: keep the first row (in input order) of each distinct left key."""
        numbered = self.select_from(rel).select(*[col_ref(c.name) for c in rel.columns],
                                                exp.alias_(sb.tmpl("row_number() OVER ()"), "_rn", quoted=True))
        numbered_rel = self.step(numbered, rel.columns)
        window = exp.Window(this=exp.RowNumber(), partition_by=[col_ref(k.name) for k in keys],
                            order=exp.Order(expressions=[exp.Ordered(this=col_ref("_rn"))]))
        select = self.select_from(numbered_rel).select(*[col_ref(c.name) for c in rel.columns])
        select.set("qualify", exp.Qualify(this=exp.EQ(this=window, expression=exp.Literal.number(1))))
        return self.step(select, rel.columns)

    def op_Join(self, op: ast.Join, left: Relation, env: Env) -> Relation:
        self.operators_used.extend(["join", "on"])
        kind = op.kind
        if kind not in JOIN_KINDS:
            raise self.semantic(f"unknown join kind '{kind}'", op.pos,
                                "kinds: innerunique, inner, leftouter, rightouter, fullouter, leftsemi, leftanti, rightsemi, rightanti")
        kind = {"anti": "leftanti", "leftantisemi": "leftanti", "rightantisemi": "rightanti"}.get(kind, kind)
        right = self.tabular(op.right, env)
        keys = self.join_keys(op, left, right)
        if kind == "innerunique":
            left = self.dedup_left(left, [lc for lc, _ in keys])
        condition = None
        for lc, rc in keys:
            eq = self.key_equal(lc, rc, "_l", "_r")
            condition = eq if condition is None else exp.And(this=condition, expression=eq)
        if kind in ("leftsemi", "leftanti", "rightsemi", "rightanti"):
            keep, other, keep_alias, other_alias = (left, right, "_l", "_r") if kind.startswith("left") else (right, left, "_r", "_l")
            exists = exp.Exists(this=self.select_from(other, other_alias).select(exp.Literal.number(1)).where(condition))
            where = exists if kind.endswith("semi") else exp.Not(this=exists)
            select = self.select_from(keep, keep_alias).select(*[col_ref(c.name, keep_alias) for c in keep.columns]).where(where)
            return self.step(select, keep.columns)
        left_nullable = kind in ("rightouter", "fullouter")
        right_nullable = kind in ("leftouter", "fullouter")
        taken = set(left.names()) | set(right.names())
        assigned = set(left.names())
        projections, columns = [], []
        for col in left.columns:
            projections.append(exp.alias_(self.outer_cell(col, "_l", left_nullable), col.name, quoted=True))
            columns.append(col)
        for col in right.columns:
            name = col.name
            if name in assigned:
                name = unique_name(name, taken | assigned)
            assigned.add(name)
            projections.append(exp.alias_(self.outer_cell(col, "_r", right_nullable), name, quoted=True))
            columns.append(Column(name, col.type))
        join_kind = {"innerunique": None, "inner": None, "leftouter": "LEFT", "rightouter": "RIGHT", "fullouter": "FULL"}[kind]
        right_source = self.select_from(right, "_r").args["from_"].this
        select = self.select_from(left, "_l").select(*projections).join(
            right_source, on=condition, join_type=join_kind)
        return self.step(select, columns)

    @staticmethod
    def outer_cell(col: Column, alias: str, nullable: bool) -> exp.Expression:
        ref = col_ref(col.name, alias)
        if nullable and col.type == "string":
            return sb.coalesce(ref, sb.string(""))
        return ref

    def op_Lookup(self, op: ast.Lookup, left: Relation, env: Env) -> Relation:
        self.operators_used.append("lookup")
        kind = op.kind
        if kind not in ("leftouter", "inner"):
            raise self.semantic(f"lookup supports kind=leftouter or kind=inner, not '{kind}'", op.pos)
        right = self.tabular(op.right, env)
        keys = self.join_keys(op, left, right)
        condition = None
        for lc, rc in keys:
            eq = self.key_equal(lc, rc, "_l", "_r")
            condition = eq if condition is None else exp.And(this=condition, expression=eq)
        right_keys = {rc.name for _, rc in keys}
        taken = set(left.names()) | set(right.names())
        assigned = set(left.names())
        projections = [exp.alias_(col_ref(c.name, "_l"), c.name, quoted=True) for c in left.columns]
        columns = list(left.columns)
        for col in right.columns:
            if col.name in right_keys:
                continue
            name = unique_name(col.name, taken | assigned) if col.name in assigned else col.name
            assigned.add(name)
            projections.append(exp.alias_(self.outer_cell(col, "_r", kind == "leftouter"), name, quoted=True))
            columns.append(Column(name, col.type))
        right_source = self.select_from(right, "_r").args["from_"].this
        select = self.select_from(left, "_l").select(*projections).join(
            right_source, on=condition, join_type="LEFT" if kind == "leftouter" else None)
        return self.step(select, columns)

    # ------------------------------------------------------------ union

    def op_Union(self, op: ast.Union, rel: Relation, env: Env) -> Relation:
        return self.union(op, rel, env)

    def union(self, op: ast.Union, piped: Relation | None, env: Env) -> Relation:
        self.operators_used.append("union")
        legs: list[tuple[Relation, str]] = []
        if piped is not None:
            legs.append((piped, piped.name_hint or "union_arg0"))
        for leg in op.legs:
            if isinstance(leg, ast.Name) and "*" in leg.name:
                matched = [t for t in sorted(self.catalog) if matches_pattern(leg.name, t)]
                if not matched and not op.isfuzzy:
                    raise self.semantic(f"union: no table matches '{leg.name}'", leg.pos)
                for table in matched:
                    legs.append((self.named_table(ast.Name(leg.pos, table), env), table))
                continue
            try:
                leg_rel = self.tabular(leg, env)
            except KqlSemanticError:
                if op.isfuzzy:
                    continue
                raise
            index = len(legs)
            label = leg.name if isinstance(leg, ast.Name) and leg.name in self.catalog else (leg_rel.name_hint if leg_rel.name_hint and not isinstance(leg, ast.Name) else None)
            legs.append((leg_rel, label or f"union_arg{index}"))
        if not legs:
            raise self.semantic("union has no legs to read", op.pos)
        return self.union_relations(legs, op.kind, op.withsource)

    def union_relations(self, legs: list[tuple[Relation, str]], kind: str, withsource: str | None) -> Relation:
        """Rows of all legs; columns by (name, type) in order of first appearance (Kusto's outer union)."""
        # columns: one per (name, type), by first appearance; clashing types become name_type
        by_name: dict[str, list[str]] = {}
        for leg_rel, _ in legs:
            for col in leg_rel.columns:
                types = by_name.setdefault(col.name, [])
                if col.type not in types:
                    types.append(col.type)
        if kind == "inner":
            common = set.intersection(*[{(c.name, c.type) for c in r.columns} for r, _ in legs])
        out_cols: list[Column] = []
        key_to_name: dict[tuple[str, str], str] = {}
        taken: set[str] = set()
        for leg_rel, _ in legs:
            for col in leg_rel.columns:
                key = (col.name, col.type)
                if key in key_to_name:
                    continue
                if kind == "inner" and key not in common:
                    continue
                name = col.name if len(by_name[col.name]) == 1 else f"{col.name}_{col.type}"
                name = unique_name(name, taken)
                taken.add(name)
                key_to_name[key] = name
                out_cols.append(Column(name, col.type))
        if withsource:
            out_cols.insert(0, Column(withsource, "string"))
        selects = []
        for leg_rel, label in legs:
            projections = []
            leg_keys = {(c.name, c.type) for c in leg_rel.columns}
            for col in out_cols:
                if withsource and col.name == withsource and col is out_cols[0]:
                    projections.append(exp.alias_(sb.string(label), col.name, quoted=True))
                    continue
                source_key = next((k for k, v in key_to_name.items() if v == col.name), None)
                if source_key in leg_keys:
                    projections.append(exp.alias_(col_ref(source_key[0]), col.name, quoted=True))
                else:
                    projections.append(exp.alias_(sb.literal(col.type, "" if col.type == "string" else None), col.name, quoted=True))
            selects.append(self.select_from(leg_rel).select(*projections))
        combined = selects[0]
        for s in selects[1:]:
            combined = exp.Union(this=combined, expression=s, distinct=False)
        if isinstance(combined, exp.Union):
            combined = exp.Select().select(*[col_ref(c.name) for c in out_cols]).from_(
                exp.Subquery(this=combined, alias=exp.TableAlias(this=ident("_u"))))
        return self.step(combined, out_cols)

    # ------------------------------------------------------------ mv-apply

    def op_MvApply(self, op: ast.MvApply, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("mv-apply")
        key = unique_name("_apply_row", set(rel.names()))
        numbered = self.step(self.select_from(rel).select(*[col_ref(c.name) for c in rel.columns],
                                                          exp.alias_(exp.Window(this=exp.RowNumber()), key, quoted=True)),
                             rel.columns + [Column(key, "long")])
        sub = self.op_MvExpand(op.expand, numbered, env)
        outer_key = self.apply_key
        self.apply_key = key
        try:
            for inner in op.subquery:
                sub = self.operator(inner, sub, env)
        finally:
            self.apply_key = outer_key
        if sub.column(key) is None:
            raise self.unsupported("this mv-apply subquery (it does not keep its input rows apart)", op.pos)
        # the subquery's rows for each input row, next to that row's other columns
        sub_names = set(sub.names())
        kept = [c for c in rel.columns if c.name not in sub_names]
        out_sub = [c for c in sub.columns if c.name != key]
        select = (self.select_from(numbered, "_n").select(*[col_ref(c.name, "_n") for c in kept],
                                                          *[col_ref(c.name, "_s") for c in out_sub])
                  .join(exp.Table(this=sub.source.this.copy(), alias=exp.TableAlias(this=ident("_s"))),
                        on=exp.EQ(this=col_ref(key, "_n"), expression=col_ref(key, "_s"))))
        return self.step(select, kept + out_sub)

    # ------------------------------------------------------------ make-series

    def op_MakeSeries(self, op: ast.MakeSeries, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("make-series")
        c = self.exprs(env, rel)
        axis = c.compile(op.axis)
        axis_name = axis.name or "Column1"
        if axis.type not in ("datetime", "timespan", "long", "int", "real"):
            raise self.semantic(f"make-series needs a datetime or numeric axis, not {axis.type}", op.axis.pos)
        as_number = (lambda t: sb.tmpl("epoch_us(:x) * 10", x=t)) if axis.type == "datetime" else (lambda t: t)
        constants = self.exprs(env, None)
        step = constants.compile(op.step)
        ax = as_number(axis.sql)
        start = as_number(constants.compile(op.start).sql) if op.start is not None else sb.tmpl(
            "floor(min(:a) / :s) * :s", a=ax, s=step.sql)
        if op.stop is not None:
            count = sb.tmpl("CAST(greatest(ceil((:b - :a) / :s), 0) AS BIGINT)",
                            a=start, b=as_number(constants.compile(op.stop).sql), s=step.sql)
        else:
            count = sb.tmpl("CAST(floor((max(:x) - :a) / :s) + 1 AS BIGINT)", x=ax, a=start, s=step.sql)
        # one row of parameters: where the series starts, its step and its number of bins
        params_select = exp.Select().select(exp.alias_(start, "_start", quoted=True), exp.alias_(step.sql, "_step", quoted=True),
                                            exp.alias_(count, "_n", quoted=True))
        if op.start is None or op.stop is None:  # the bounds come from the data: aggregate over it
            params_select = params_select.from_(exp.Table(this=rel.source.this.copy()))
        params = self.step(params_select, [])
        group_cols: list[Column] = []
        group_exprs: list[exp.Expression] = []
        taken: set[str] = set()
        for item in op.by:
            typed = c.compile(item.expr)
            name = unique_name(item.name or typed.name or "Column1", taken)
            taken.add(name)
            group_cols.append(Column(name, typed.type))
            group_exprs.append(typed.sql)
        series: list[tuple[str, str, exp.Expression, exp.Expression]] = []  # name, type, aggregate, default
        for item, default in op.aggregates:
            if not isinstance(item.expr, ast.Call):
                raise self.semantic("make-series needs aggregate function calls", item.expr.pos)
            outputs = self.aggregates.build(c, item.expr, set())
            if len(outputs) != 1 or outputs[0].post is not None:
                raise self.unsupported(f"{item.expr.name}() in make-series", item.expr.pos)
            out = outputs[0]
            name = unique_name(item.name or out.name, taken)
            taken.add(name)
            fill = constants.compile(default) if default is not None else Typed(sb.literal("long", 0), "long")
            fill_sql = sb.cast(fill.sql, out.type) if fill.type != out.type else fill.sql
            series.append((name, out.type, out.sql, fill_sql))
        taken.add(axis_name)
        p_start, p_step, p_n = (exp.column(n, table="_p", quoted=True) for n in ("_start", "_step", "_n"))
        bin_index = sb.tmpl("CAST(floor((:x - :a) / :s) AS BIGINT)", x=ax, a=p_start, s=p_step)
        in_range = sb.tmpl(":x >= :a AND :x < :a + :n * :s", x=ax, a=p_start, n=p_n, s=p_step)
        binned = (exp.Select().select(*[exp.alias_(e, f"_g{i}", quoted=True) for i, e in enumerate(group_exprs)],
                                      exp.alias_(bin_index, "_b", quoted=True),
                                      *[exp.alias_(agg, f"_a{i}", quoted=True) for i, (_, _, agg, _) in enumerate(series)])
                  .from_(exp.Table(this=rel.source.this.copy()))
                  .join(exp.Table(this=params.source.this.copy(), alias=exp.TableAlias(this=ident("_p"))), join_type="CROSS")
                  .where(in_range)
                  .group_by(*[exp.Literal.number(i + 1) for i in range(len(group_exprs) + 1)]))
        binned_rel = self.step(binned, [])
        groups = self.select_from(rel).select(*[exp.alias_(e, f"_g{i}", quoted=True) for i, e in enumerate(group_exprs)]).distinct() \
            if group_exprs else exp.Select().select(exp.alias_(exp.Literal.number(1), "_one", quoted=True))
        groups_rel = self.step(groups, [])
        cells = self.step(
            exp.Select().select(exp.Star(), exp.alias_(sb.tmpl("unnest(range(0, :n))", n=p_n), "_i", quoted=True))
            .from_(exp.Table(this=groups_rel.source.this.copy()))
            .join(exp.Table(this=params.source.this.copy(), alias=exp.TableAlias(this=ident("_p"))), join_type="CROSS"), [])
        on = exp.EQ(this=exp.column("_b", table="_x", quoted=True), expression=exp.column("_i", table="_c", quoted=True))
        for i in range(len(group_exprs)):
            on = exp.and_(on, exp.NullSafeEQ(this=exp.column(f"_g{i}", table="_x", quoted=True),
                                             expression=exp.column(f"_g{i}", table="_c", quoted=True)))
        index = exp.column("_i", table="_c", quoted=True)
        axis_value = sb.tmpl(":a + :i * :s", a=exp.column("_start", table="_c", quoted=True), i=index,
                             s=exp.column("_step", table="_c", quoted=True))
        if axis.type == "datetime":
            axis_value = sb.tmpl("make_timestamp(CAST(:v // 10 AS BIGINT))", v=axis_value)
        axis_value = sb.cast(axis_value, axis.type) if axis.type not in ("datetime",) else axis_value

        def series_list(value: exp.Expression) -> exp.Expression:
            return sb.tmpl("to_json(list(:v ORDER BY :i))", v=value, i=index.copy())

        projections = [exp.alias_(exp.column(f"_g{i}", table="_c", quoted=True), col.name, quoted=True) for i, col in enumerate(group_cols)]
        for i, (name, _type, _agg, fill) in enumerate(series):
            value = sb.coalesce(exp.column(f"_a{i}", table="_x", quoted=True), fill)
            projections.append(exp.alias_(series_list(value), name, quoted=True))
        projections.append(exp.alias_(series_list(self.functions.json_of(Typed(axis_value, axis.type))), axis_name, quoted=True))
        final = (exp.Select().select(*projections)
                 .from_(exp.Table(this=cells.source.this.copy(), alias=exp.TableAlias(this=ident("_c"))))
                 .join(exp.Table(this=binned_rel.source.this.copy(), alias=exp.TableAlias(this=ident("_x"))), on=on, join_type="LEFT"))
        if group_exprs:
            final = final.group_by(*[exp.column(f"_g{i}", table="_c", quoted=True) for i in range(len(group_exprs))])
        else:
            final = final.group_by(exp.column("_one", table="_c", quoted=True))
        columns = group_cols + [Column(name, "dynamic") for name, *_ in series] + [Column(axis_name, "dynamic")]
        return self.step(final, columns)

    # ------------------------------------------------------------ search, parse

    def op_Search(self, op: ast.Search, rel: Relation | None, env: Env) -> Relation:
        self.operators_used.append("search")
        if op.case_sensitive:
            raise self.unsupported("search kind=case_sensitive", op.pos)
        if rel is not None:
            legs = [(rel, "search_arg0")]
        else:
            names = op.tables if op.tables is not None else sorted(self.catalog)
            legs = [(self.named_table(ast.Name(op.pos, name), env), name) for name in names]
        filtered = []
        for leg, label in legs:
            condition = self.exprs(env, leg).predicate(op.predicate)
            select = self.select_from(leg).select(*[col_ref(c.name) for c in leg.columns]).where(condition)
            filtered.append((self.step(select, leg.columns), label))
        return self.union_relations(filtered, "outer", "$table")

    def op_ParseKv(self, op: ast.ParseKv, rel: Relation, env: Env) -> Relation:
        """Key/value extraction: the first `key<kv>value` after the start or a pair delimiter, per key."""
        import re

        self.operators_used.append("parse-kv")
        unknown = set(op.options) - {"pair_delimiter", "kv_delimiter", "quote", "escape", "greedy"}
        if unknown or "escape" in op.options or op.options.get("greedy") == "true":
            raise self.unsupported(f"parse-kv option {', '.join(sorted(unknown or {'escape/greedy'}))}", op.pos)
        pair = op.options.get("pair_delimiter", " ")
        kv = op.options.get("kv_delimiter", "=")
        quotes = op.options.get("quote", "")
        c = self.exprs(env, rel)
        text = c.as_string(c.compile(op.source)).sql
        value_forms = [f"{re.escape(q)}[^{re.escape(q)}]*{re.escape(q)}" for q in quotes]
        value_forms.append(f"[^{re.escape(pair)}]*" if len(pair) == 1 else f"(?:(?!{re.escape(pair)}).)*")
        columns = list(rel.columns)
        projections: dict[str, exp.Expression] = {col.name: col_ref(col.name) for col in rel.columns}
        for key, type_name, key_pos in op.keys:
            kql_type = normalize_type(type_name)
            if kql_type is None:
                raise self.semantic(f"unknown type '{type_name}'", key_pos)
            pattern = (f"(?:^|{re.escape(pair)})\\s*{re.escape(key)}\\s*{re.escape(kv)}\\s*({'|'.join(value_forms)})")
            raw = sb.tmpl("trim(regexp_extract(:s, :p, 1))", s=text, p=sb.string(pattern.replace("\\\\", "\\")))
            for q in quotes:  # a quoted value loses its quotes
                raw = sb.tmpl("regexp_replace(:v, :q, '\\1')", v=raw, q=sb.string(f"^{re.escape(q)}(.*){re.escape(q)}$"))
            value = Typed(raw, "string")
            if kql_type != "string":
                value = self.functions.convert(c, Typed(sb.tmpl("NULLIF(:v, '')", v=raw), "string"), kql_type)
            projections[key] = value.sql
            if rel.column(key) is None:
                columns.append(Column(key, kql_type))
            else:
                columns = [Column(key, kql_type) if col.name == key else col for col in columns]
        select = self.select_from(rel).select(*[exp.alias_(projections[col.name], col.name, quoted=True) for col in columns])
        return self.step(select, columns, rel, keep_order=True)

    def op_Parse(self, op: ast.Parse, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("parse-where" if op.keep_only_matches else "parse")
        c = self.exprs(env, rel)
        text = c.as_string(c.compile(op.source)).sql
        regex, columns = parse_pattern(op, self)
        matched = exp.RegexpLike(this=text, expression=sb.string(regex))
        extract = exp.Anonymous(this="regexp_extract", expressions=[
            text, sb.string(regex), exp.Array(expressions=[sb.string(f"g{i}") for i in range(len(columns))])])
        step_in = self.select_from(rel).select(*[col_ref(col.name) for col in rel.columns],
                                               exp.alias_(matched, "_m", quoted=True), exp.alias_(extract, "_x", quoted=True))
        staged = self.step(step_in, [])
        out_cols = list(rel.columns)
        projections: dict[str, exp.Expression] = {col.name: col_ref(col.name) for col in rel.columns}
        for i, (name, kql_type) in enumerate(columns):
            raw = Typed(exp.Dot(this=col_ref("_x"), expression=exp.to_identifier(f"g{i}")), "string")
            value = self.functions.convert(c, raw, kql_type).sql if kql_type != "string" else raw.sql
            empty = sb.literal(kql_type, "" if kql_type == "string" else None)
            projections[name] = exp.Case(ifs=[exp.If(this=col_ref("_m"), true=value)], default=empty)
            if rel.column(name) is None:
                out_cols.append(Column(name, kql_type))
            else:
                out_cols = [Column(name, kql_type) if col.name == name else col for col in out_cols]
        select = self.select_from(staged).select(*[exp.alias_(projections[col.name], col.name, quoted=True) for col in out_cols])
        if op.keep_only_matches:
            select = select.where(col_ref("_m"))
        return self.step(select, out_cols)

    # ------------------------------------------------------------ mv-expand

    def op_MvExpand(self, op: ast.MvExpand, rel: Relation, env: Env) -> Relation:
        self.operators_used.append("mv-expand")
        if op.limit is not None or op.kind != "bag":
            raise self.unsupported("mv-expand with limit or kind=array", op.pos)
        c = self.exprs(env, rel)
        targets = []
        for item, to_type in op.items:
            typed = c.compile(item.expr)
            name = item.name or typed.name
            if name is None:
                raise self.semantic("mv-expand needs a column or Name = expression", item.expr.pos)
            if typed.type != "dynamic":
                raise self.semantic(f"mv-expand needs a dynamic column, '{name}' is {typed.type}", item.expr.pos)
            result_type = normalize_type(to_type) if to_type else "dynamic"
            if result_type is None:
                raise self.semantic(f"unknown type '{to_type}'", item.expr.pos)
            targets.append((name, typed, result_type))
        # elements as a JSON list: arrays expand element-wise, bags key by key, null gives one null row,
        # an empty array or bag gives no row
        lists = []
        for _name, typed, _rt in targets:
            lists.append(sb.tmpl(
                "CASE WHEN :d IS NULL OR json_type(:d) = 'NULL' THEN [NULL::JSON] "
                "WHEN json_type(:d) = 'ARRAY' THEN CAST(:d AS JSON[]) "
                "WHEN json_type(:d) = 'OBJECT' THEN list_transform(json_keys(:d), k -> json_object(k, json_extract(:d, '$.\"' || k || '\"'))) "
                "ELSE [:d] END", d=typed.sql))
        numbered = self.select_from(rel).select(
            *[col_ref(col.name) for col in rel.columns],
            *[exp.alias_(lst, f"_l{i}", quoted=True) for i, lst in enumerate(lists)],
        )
        base = self.step(numbered, rel.columns)
        length = sb.tmpl("greatest(" + ", ".join(f"len(\"_l{i}\")" for i in range(len(lists))) + ")") if len(lists) > 1 else sb.tmpl("len(\"_l0\")")
        idx_series = exp.alias_(exp.Anonymous(this="unnest", expressions=[exp.Anonymous(this="range", expressions=[length])]), "_i", quoted=True)
        exploded = self.step(self.select_from(base).select(*[col_ref(col.name) for col in rel.columns],
                                                            *[col_ref(f"_l{i}") for i in range(len(lists))], idx_series), [])
        projections, columns = [], []
        replaced = {name for name, _, _ in targets}
        for col in rel.columns:
            if col.name in replaced:
                i = next(j for j, t in enumerate(targets) if t[0] == col.name)
                value, kql_type = self.mv_element(i, targets[i][2])
                projections.append(exp.alias_(value, col.name, quoted=True))
                columns.append(Column(col.name, kql_type))
            else:
                projections.append(col_ref(col.name))
                columns.append(col)
        for i, (name, _typed, result_type) in enumerate(targets):
            if rel.column(name) is None:
                value, kql_type = self.mv_element(i, result_type)
                projections.append(exp.alias_(value, name, quoted=True))
                columns.append(Column(name, kql_type))
        if op.item_index:
            projections.append(exp.alias_(sb.cast(col_ref("_i"), "long"), op.item_index, quoted=True))
            columns.append(Column(op.item_index, "long"))
        return self.step(self.select_from(exploded).select(*projections), columns)

    def mv_element(self, i: int, result_type: str) -> tuple[exp.Expression, str]:
        element = sb.tmpl(f"\"_l{i}\"[\"_i\" + 1]")
        if result_type == "dynamic":
            return element, "dynamic"
        typed = self.functions.convert(self.exprs(Env(), None), Typed(element, "dynamic"), result_type)
        return typed.sql, result_type


# Regular expressions for typed columns in a parse pattern.
_PARSE_TYPED = {
    "int": r"-?\d+", "long": r"-?\d+", "real": r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?", "decimal": r"-?\d+(?:\.\d+)?",
    "bool": r"(?i:true|false)",
}


def parse_pattern(op: ast.Parse, compiler: Compiler) -> tuple[str, list[tuple[str, str]]]:
    """The RE2 pattern of a `parse` operator (groups g0, g1, ...) and its (column, type) list.

    simple mode: constants match literally and string columns lazily, the last one taking the rest;
    regex mode: constants are regular expressions and string columns are greedy (`.*`)."""
    import re

    regex_mode = op.kind == "regex"
    pieces: list[str] = []
    columns: list[tuple[str, str]] = []
    for index, part in enumerate(op.parts):
        is_last = index == len(op.parts) - 1
        if part.kind == "const":
            pieces.append(part.text if regex_mode else re.escape(part.text))
        elif part.kind == "star":
            pieces.append(".*?")
        else:
            kql_type = normalize_type(part.type)
            if kql_type is None:
                raise compiler.semantic(f"unknown type '{part.type}' for parse column '{part.name if hasattr(part, 'name') else part.text}'", part.pos)
            body = _PARSE_TYPED.get(kql_type)
            if body is None:
                body = ".*" if regex_mode or is_last else ".*?"
            pieces.append(f"(?P<g{len(columns)}>{body})")
            columns.append((part.text, kql_type))
    flags = ""
    if regex_mode and op.flags:
        flags = "(?" + "".join(f for f in op.flags if f in "imsU") + ")"
    return flags + ("(?s)" if not regex_mode else "") + "".join(pieces), columns
