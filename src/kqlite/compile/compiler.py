"""Tabular operators: the syntax tree of a script -> one SQLGlot SELECT (a chain of CTEs) with KQL columns."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.aggregates import Aggregates
from kqlite.compile.catalog import Catalog
from kqlite.compile.context import CompileContext, ExternalReader, RowsRegistrar
from kqlite.compile.defender_functions import builtin_env, is_builtin
from kqlite.compile.dialects import Dialect, dialect_named
from kqlite.compile.env import Env, FunctionBinding, RelationBinding, ScalarBinding, TabularBinding
from kqlite.compile.expressions import ExprCompiler, Typed
from kqlite.compile.functions import Functions
from kqlite.compile.ops_activity import ActivityPlugins
from kqlite.compile.ops_columns import ColumnOperators
from kqlite.compile.ops_expand import ExpandOperators, PluginOperators
from kqlite.compile.ops_find import FindOperators
from kqlite.compile.ops_fork import ForkOperators, ResultTable
from kqlite.compile.ops_funnel_sequence import FunnelSequencePlugin
from kqlite.compile.ops_funnels import FunnelPlugins
from kqlite.compile.ops_iplookup import IpLookupOperators
from kqlite.compile.ops_joins import JoinOperators
from kqlite.compile.ops_patterns import PatternPlugins
from kqlite.compile.ops_pivot import PivotOperators
from kqlite.compile.ops_python import PythonPlugin
from kqlite.compile.ops_rows import RowOperators
from kqlite.compile.ops_scan import ScanOperators
from kqlite.compile.ops_schema_merge import SchemaMergePlugin
from kqlite.compile.ops_sequences import SequencePlugins
from kqlite.compile.ops_sessions import SessionOperators
from kqlite.compile.ops_summarize import SummarizeOperators
from kqlite.compile.ops_text import TextOperators
from kqlite.compile.ops_windows import WindowPlugins
from kqlite.compile.pruning import prune_unused_columns
from kqlite.compile.requests import RESULT_NEUTRAL, RequestOptions, python_to_literal
from kqlite.compile.scope import Column, Relation, col_ref, ident, unique_name
from kqlite.compile.sqlnames import SqlNames
from kqlite.compile.types import normalize_type
from kqlite.errors import (
    KqlError,
    KqlPositionedError,
    KqlResourceError,
    KqlSemanticError,
    KqlUnsupportedError,
)
from kqlite.syntax import ast

if TYPE_CHECKING:
    from kqlite.geoip import GeoIP


@dataclass
class CompiledQuery:
    sql: exp.Expression
    columns: list[Column]
    tables: list[str]
    operators: list[str]
    flavour: str = "defender"
    options: RequestOptions = field(default_factory=RequestOptions)
    notes: list[str] = field(default_factory=list)
    now: datetime | None = None  # the instant now() and ago() used
    ago_window: int | None = None  # the longest constant ago() span, in ticks
    dialect: Dialect = field(default_factory=lambda: dialect_named("duckdb"))  # the engine the SQL is for
    name: str = "PrimaryResult"  # the result table's name (Kusto's; fork and facet name theirs)
    more: list[CompiledQuery] = field(default_factory=list)  # the further result tables of fork and facet

    def sql_text(self, pretty: bool = False) -> str:
        """The SQL of the engine the query was compiled for."""
        return self.dialect.generate(self.sql, pretty=pretty)

    @property
    def parts(self) -> list[CompiledQuery]:
        """Every result table's query: this one, then those of `more`."""
        return [self, *self.more]


def compile_script(script: ast.Script, catalog: Mapping[str, list[Column]], now: datetime | None = None,
                   probe: Callable[[str], list[tuple]] | None = None, names: SqlNames | None = None,
                   params: Mapping[str, Any] | None = None,
                   external: ExternalReader | None = None, deadline: float | None = None,
                   variables: Mapping[str, Any] | None = None, dialect: Dialect | None = None,
                   register_rows: RowsRegistrar | None = None, geoip: GeoIP | None = None,
                   allow_python: bool = False) -> CompiledQuery:
    """Compile a parsed script against a catalog of table name -> columns (a `Catalog`, or a plain mapping
    whose tables are read from SQL relations of the same names).

    `probe` runs a SQL query on the data; plugins whose output columns depend on the data (bag_unpack)
    need it, and are refused without it. `names`: the SQL names already given to the catalog's columns.
    `params`: values of the parameters a `declare query_parameters` statement declares. `external` reads
    the data of an `externaldata` operator (columns, URIs, properties) into a relation. `dialect`: the SQL
    engine the query is for (DuckDB by default). `register_rows` makes an Arrow table of rows computed while
    compiling a relation of the engine; `geoip` is the database geo_info_from_ip_address() reads;
    `allow_python` lets `evaluate python()` run its script in this process."""
    ctx = CompileContext(
        text=script.text, catalog=catalog if isinstance(catalog, Catalog) else Catalog(catalog),
        dialect=dialect or dialect_named("duckdb"), now=now or datetime.now(UTC), names=names or SqlNames(),
        params=dict(params or {}), variables=dict(variables or {}), external=external, run_sql=probe,
        deadline=deadline, register_rows=register_rows, geoip=geoip, allow_python=allow_python)
    return Compiler(ctx).script(script)


_PARAM_EXAMPLES = {"datetime": "2024-05-01T10:00:00Z", "timespan": "1d", "long": "42", "int": "42", "real": "0.5",
                   "bool": "true", "dynamic": "dynamic([1, 2])", "guid": "guid(...)"}


class Compiler(ColumnOperators, RowOperators, SummarizeOperators, JoinOperators, ExpandOperators, TextOperators,
               PluginOperators, PivotOperators, IpLookupOperators, ScanOperators, FindOperators,
               WindowPlugins, SequencePlugins, FunnelPlugins, FunnelSequencePlugin, ActivityPlugins, ForkOperators, SessionOperators,
               PythonPlugin, PatternPlugins, SchemaMergePlugin):
    """Compiles one script. Statements, sources and the CTE plumbing live here; each operator family
    lives in its own module (ops_*.py) as a mixin."""

    def __init__(self, ctx: CompileContext | str, catalog: Mapping[str, list[Column]] | None = None):
        if isinstance(ctx, str):  # Compiler(text, catalog): a bare compiler (tools and tests list its tables)
            ctx = CompileContext(text=ctx, catalog=Catalog(catalog or {}), dialect=dialect_named("duckdb"),
                                 now=datetime.now(UTC))
        self.ctx = ctx
        self.probe = self.run_probe if ctx.run_sql is not None else None
        # the compiler's own traversal state: the CTE chain and what is being compiled right now
        self.ctes: list[exp.CTE] = []
        self.functions = Functions(self)
        self.aggregates = Aggregates(self)
        self._materialized: dict[int, Relation] = {}
        self._let_relations: dict[tuple[int, str | None], tuple[TabularBinding, Relation]] = {}
        self._calls: list[ast.FunctionDef] = []  # the user functions being compiled, innermost last
        self._deciding: list[ast.FunctionDef] = []  # the functions is_tabular_expr is looking into
        # inside an mv-apply subquery: the column that tells the input rows apart (kept by every operator)
        self.apply_key: str | None = None
        self.hidden_count = 0  # numbers the hidden columns that window functions compute
        self.recursive = False  # a CTE refers to itself (scan): the WITH is WITH RECURSIVE

    def with_ctes(self, select: exp.Select) -> exp.Select:
        """`select` with the CTE chain compiled so far, so that it can run on its own (a probe of the data)."""
        if self.ctes:
            select.set("with_", exp.With(expressions=[cte.copy() for cte in self.ctes], recursive=self.recursive or None))
        return select

    def run_probe(self, tree: exp.Expression) -> list[tuple]:
        """Run a partial query on the data, its names made SQL-safe as the final query's are."""
        assert self.ctx.run_sql is not None
        return self.ctx.run_sql(self.dialect.generate(self.names.apply(tree.copy())))

    # ------------------------------------------------------------ errors

    def semantic(self, message: str, pos: int | None, hint: str | None = None) -> KqlSemanticError:
        return KqlSemanticError(message, self.text, pos, hint)

    def unsupported(self, what: str, pos: int) -> KqlUnsupportedError:
        return KqlUnsupportedError(f"{what} is not supported by kqlite yet", self.text, pos,
                                   "rewrite the query without it, or open an issue with the query")

    # ------------------------------------------------------------ statements

    def script(self, script: ast.Script) -> CompiledQuery:
        env = builtin_env().child()
        if self.variables:  # a notebook's Python variables: the script's own lets and columns hide them
            c = ExprCompiler(self, env, None, None)
            for name, value in self.variables.items():
                env.bindings[name] = ScalarBinding(c.compile(python_to_literal(value, 0)))
            env = env.child()
        result: Relation | None = None
        tables: list[ResultTable] = []  # the result tables of a query that ends with fork or facet
        for statement in script.statements:
            if isinstance(statement, ast.Let):
                env.bindings[statement.name] = self.bind_let(statement, env)
            elif isinstance(statement, ast.SetOption):
                self.set_option(statement, env)
            elif isinstance(statement, ast.DeclareParameters):
                self.declare_parameters(statement, env)
            elif isinstance(statement, ast.QueryStatement):
                if result is not None:
                    raise self.unsupported("a script with more than one query statement", statement.pos)
                if ast.ends_in_several_tables(statement.expr):
                    *before, last = statement.expr.operators
                    head = self.tabular(ast.Pipeline(statement.expr.pos, statement.expr.source, before), env)
                    tables = self.result_tables(last, head, env)
                    result = tables[0].relation
                else:
                    result = self.tabular(statement.expr, env)
        if result is None:
            raise self.semantic("the script has no query: its last statement must be a tabular expression",
                                script.statements[-1].pos if script.statements else 0)
        # Listed as the Defender portal lists a query's operators: each once, in order of first use.
        operators = list(dict.fromkeys(op for op in self.operators_used if op != "where"))
        if not tables:
            return self.compiled(self.finish(result), result.columns, operators)
        # each table's SQL carries the CTEs compiled up to it (its own, the shared input's, an earlier let's)
        parts = [self.compiled(self.finish(t.relation, [cte.copy() for cte in self.ctes[:t.ctes]]),
                               t.relation.columns, operators, t.name) for t in tables]
        parts[0].more = parts[1:]
        return parts[0]

    def compiled(self, final: exp.Select, columns: list[Column], operators: list[str],
                 name: str = "PrimaryResult") -> CompiledQuery:
        if self.options.max_records is not None:
            final = final.limit(self.options.max_records, copy=False)
        return CompiledQuery(self.names.apply(final), columns, self.tables_used, operators,
                             options=self.options, notes=list(dict.fromkeys(self.notes)), now=self.now,
                             ago_window=max(self.ago_windows, default=None), dialect=self.dialect, name=name)

    def set_option(self, statement: ast.SetOption, env: Env) -> None:
        """`set name [= value]`: see `requests.py` for what each property does."""
        name = statement.name
        value = ExprCompiler(self, env, None, None).compile(statement.value) if statement.value is not None else None
        const = value.const if value is not None and value.is_const else (True if value is None else None)
        key = name.lower()
        if key == "query_now":
            if not isinstance(const, datetime):
                raise self.semantic("query_now takes a datetime constant", statement.pos,
                                    "set query_now = datetime(2024-05-01T12:00:00Z);")
            self.now = const
            self.options.now = const
        elif key in ("truncationmaxrecords", "query_take_max_records"):
            if not isinstance(const, int) or isinstance(const, bool) or const < 0:
                raise self.semantic(f"{name} takes a number of records", statement.pos)
            limits = [n for n in (self.options.max_records, const) if n is not None]
            self.options.max_records = min(limits)
        elif key == "servertimeout":
            if value is None or value.type != "timespan" or not isinstance(const, int) or const <= 0:
                raise self.semantic("servertimeout takes a positive timespan", statement.pos, "set servertimeout = 10m;")
            self.options.timeout = const / 10_000_000
        elif key in RESULT_NEUTRAL or key.startswith("hint."):
            self.options.accepted.append(name)
        else:
            raise KqlUnsupportedError(
                f"request property '{name}' is not supported by kqlite: ignoring it could give a different answer "
                "than Kusto's", self.text, statement.pos, "remove the set statement, or open an issue with the query")

    def declare_parameters(self, statement: ast.DeclareParameters, env: Env) -> None:
        """Bind each declared parameter to the value the caller gave (else its default), as its declared type."""
        c = ExprCompiler(self, env, None, None)
        for param in statement.params:
            want = normalize_type(param.type or "")
            if want is None:
                raise self.semantic(f"unknown type '{param.type}' for query parameter '{param.name}'", statement.pos)
            if param.name in self.params:
                typed = self.parameter_value(c, param.name, self.params[param.name], want, statement.pos)
            elif param.default is not None:
                typed = c.compile(param.default)
                if typed.type != want and not (typed.is_const and typed.const is None):
                    typed = self.functions.convert(c, typed, want)
            else:
                raise self.semantic(f"query parameter '{param.name}' has no value", statement.pos,
                                    f"give it: --param {param.name}=VALUE, or query(..., params={{'{param.name}': ...}})")
            env.bindings[param.name] = ScalarBinding(typed)

    def parameter_value(self, c: ExprCompiler, name: str, value: Any, want: str, pos: int) -> Typed:
        """A caller's value for a parameter of type `want`. Text for a non-string parameter is read as KQL
        (`1d`, `42`, `datetime(2024-05-01)`, `dynamic([1, 2])`), else as the type's literal (`2024-05-01`)."""
        if isinstance(value, str) and want != "string":
            from kqlite.syntax import parse

            for text in (value, f"{want}({value})"):
                try:
                    script = parse(text)
                    statement = script.statements[-1]
                    if len(script.statements) == 1 and isinstance(statement, ast.QueryStatement):
                        typed = c.compile(statement.expr)
                        if typed.is_const and (typed.type == want or (want in ("int", "long", "real") and typed.type in ("int", "long", "real"))):
                            return typed if typed.type == want else self.functions.convert(c, typed, want)
                except KqlError:
                    continue
            raise self.semantic(f"query parameter '{name}': {value!r} is not a {want}", pos,
                                f"write it as KQL, e.g. {_PARAM_EXAMPLES.get(want, want + '(...)')}")
        typed = c.compile(python_to_literal(value, pos))
        if typed.type == want or (typed.is_const and typed.const is None):
            return typed if typed.type == want else Typed(sb.null(want), want, None, None)
        if typed.type in ("int", "long", "real") and want in ("int", "long", "real", "decimal"):
            return self.functions.convert(c, typed, want)
        if want == "dynamic":
            return Typed(self.functions.json_of(typed), "dynamic")
        raise self.semantic(f"query parameter '{name}': a {typed.type} value was given for a {want} parameter", pos)

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
                if any(d is binding.definition for d in self._deciding):
                    return False  # a function that calls itself: refused when its body is compiled
                self._deciding.append(binding.definition)
                try:
                    return self._returns_table(binding)
                finally:
                    self._deciding.pop()
        return False

    def _returns_table(self, binding: FunctionBinding) -> bool:
        body = binding.definition.body[-1]
        inner_env = binding.env.child()
        for p in binding.definition.params:
            inner_env.bindings[p.name] = TabularBinding(ast.Name(0, "__param"), inner_env) if p.type == "table" else ScalarBinding(Typed(sb.null("long"), "long"))
        for st in binding.definition.body[:-1]:
            if isinstance(st, ast.Let):
                inner_env.bindings[st.name] = TabularBinding(st.value, inner_env) if self.is_tabular_expr(st.value, inner_env) else ScalarBinding(Typed(sb.null("long"), "long"))
        return isinstance(body, ast.QueryStatement) and self.is_tabular_expr(body.expr, inner_env)

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
                                 materialized=True if materialized and self.dialect.materialized_ctes else None))
        relation = Relation(exp.Table(this=ident(name)), columns)
        if previous is not None and keep_order:
            relation.order = previous.order
            relation.serialized = previous.serialized
            relation.name_hint = previous.name_hint
            if isinstance(previous.ingestion_time, exp.Literal | exp.Cast):  # a constant stays true of the rows
                relation.ingestion_time = previous.ingestion_time
        return relation

    @staticmethod
    def same_columns(relation: Relation) -> list[exp.Expression]:
        """The projection that keeps a relation's columns as they are: `*` when nothing else is there
        (shorter SQL, faster to generate), else the explicit list."""
        return [exp.Star()] if relation.exact else [col_ref(c.name) for c in relation.columns]

    def select_from(self, relation: Relation, alias: str | None = None) -> exp.Select:
        source = relation.source.copy()
        if alias:
            source = exp.Table(this=source.this, alias=exp.TableAlias(this=ident(alias))) if isinstance(source, exp.Table) else exp.Subquery(this=source, alias=exp.TableAlias(this=ident(alias)))
        return exp.Select().from_(source, copy=False)

    def finish(self, relation: Relation, ctes: list[exp.CTE] | None = None) -> exp.Select:
        """The query of `relation`'s rows, over `ctes` (by default every CTE compiled)."""
        select = self.select_from(relation).select(*[col_ref(c.name) for c in relation.columns], copy=False)
        if relation.order:
            select = select.order_by(*[self.ordered(col_ref(n), d, nf) for n, d, nf in relation.order], copy=False)
        ctes = self.ctes if ctes is None else ctes
        if ctes:
            select.set("with_", exp.With(expressions=list(ctes), recursive=self.recursive or None))
            prune_unused_columns(select)
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
        if isinstance(node, ast.ExternalData):
            return self.externaldata(node, env)
        if isinstance(node, ast.Print):
            return self.print_(node, env)
        if isinstance(node, ast.Range):
            return self.range_(node, env)
        if isinstance(node, ast.Union):
            return self.union(node, None, env)
        if isinstance(node, ast.Search):
            return self.op_Search(node, None, env)
        if isinstance(node, ast.Find):
            return self.find(node, env)
        if isinstance(node, ast.GenericOperator):
            raise self.unsupported(f"'{node.name}'", node.pos)
        raise self.semantic("expected a table, a tabular expression or a let name here", node.pos)

    def named_table(self, node: ast.Name, env: Env) -> Relation:
        binding = env.lookup(node.name)
        if isinstance(binding, RelationBinding):
            rel = binding.relation
            return Relation(rel.source.copy(), list(rel.columns), rel.order, rel.serialized, rel.name_hint or node.name)
        if isinstance(binding, TabularBinding):
            # compiled once, whatever the number of uses: a let used twice by the next let, and so on, would
            # otherwise double the query at each level
            key = (id(binding), self.apply_key)
            cached = self._let_relations.get(key)
            if cached is None:
                rel = self.tabular(binding.expr, binding.env)
                rel.name_hint = None
                cached = self._let_relations[key] = (binding, rel)
            rel = cached[1]
            return Relation(rel.source.copy(), list(rel.columns), rel.order, rel.serialized, None, rel.exact,
                            rel.ingestion_time)
        if isinstance(binding, ScalarBinding):
            raise self.semantic(f"'{node.name}' is a scalar value, not a table", node.pos)
        if node.name in self.catalog:
            if node.name not in self.tables_used:
                self.tables_used.append(node.name)
            columns = list(self.catalog[node.name])
            ingested = self.catalog.ingestion_time(node.name)
            bounds = self.catalog.time_bounds(node.name)
            # a per-row ingestion time and stored timestamps are hidden columns of the source: `SELECT *` would
            # show them
            return Relation(self.catalog.relation(node.name), columns, name_hint=node.name,
                            exact=not isinstance(ingested, exp.Column) and not bounds, ingestion_time=ingested,
                            time_bounds=bounds)
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
            return self.builtin_quietly(binding, lambda: self.function_body_tabular(binding, inner, node.pos))
        raise self.semantic(f"'{node.name}(...)' is not a tabular function", node.pos)

    def builtin_quietly(self, binding: FunctionBinding, body: Callable[[], Relation]) -> Relation:
        """Compile a function's body; a built-in's own operators are not the query's (explain lists the
        query's operators as the portal does, and the built-in's name among them)."""
        if not is_builtin(binding):
            return body()
        mark = len(self.operators_used)
        relation = body()
        del self.operators_used[mark:]
        self.operators_used.append(binding.name)
        return relation

    def materialize(self, node: ast.Call, env: Env) -> Relation:
        if len(node.args) != 1:
            raise self.semantic("materialize() takes one tabular argument", node.pos)
        cached = self._materialized.get(id(node))
        if cached is not None:
            return cached
        inner = self.tabular(node.args[0], env)
        select = self.select_from(inner).select(*[col_ref(c.name) for c in inner.columns], copy=False)
        if inner.order:
            select = select.order_by(*[self.ordered(col_ref(n), d, nf) for n, d, nf in inner.order], copy=False)
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

    @contextmanager
    def calling(self, binding: FunctionBinding, pos: int) -> Iterator[None]:
        """Compile a function's body; Kusto refuses a function that calls itself, directly or not."""
        if any(definition is binding.definition for definition in self._calls):
            raise self.semantic(f"function '{binding.name}' calls itself: Kusto does not allow recursion", pos)
        self._calls.append(binding.definition)
        try:
            yield
        finally:
            self._calls.pop()

    def function_body_tabular(self, binding: FunctionBinding, inner: Env, pos: int = 0) -> Relation:
        with self.calling(binding, pos):
            return self._function_body_tabular(binding, inner)

    def _function_body_tabular(self, binding: FunctionBinding, inner: Env) -> Relation:
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
        with self.calling(binding, node.pos):
            return self._call_user_scalar(c, binding, node)

    def _call_user_scalar(self, c: ExprCompiler, binding: FunctionBinding, node: ast.Call) -> Typed:
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
        return Typed(exp.Subquery(this=sub.limit(1, copy=False)), kql_type)

    def subquery_first_column(self, c: ExprCompiler, node: ast.Expr) -> tuple[exp.Select, str]:
        rel = self.tabular(node, c.env)
        if not rel.columns:
            raise self.semantic("the tabular expression has no columns", node.pos)
        first = rel.columns[0]
        select = self.select_from(rel).select(col_ref(first.name), copy=False)
        if rel.order:
            select = select.order_by(*[self.ordered(col_ref(n), d, nf) for n, d, nf in rel.order], copy=False)
        return select, first.type

    # ------------------------------------------------------------ sources

    def declared_columns(self, node: ast.DataTable | ast.ExternalData) -> list[Column]:
        columns = []
        for name, type_name in node.columns:
            kql_type = normalize_type(type_name)
            if kql_type is None:
                raise self.semantic(f"unknown type '{type_name}' for column '{name}'", node.pos)
            columns.append(Column(name, kql_type))
        return columns

    def datatable(self, node: ast.DataTable, env: Env) -> Relation:
        columns = self.declared_columns(node)
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
            select = exp.Select().select(*[exp.alias_(sb.null(col.type), col.name, quoted=True) for col in columns], copy=False).where(exp.Boolean(this=False), copy=False)
            return self.step(select, columns)
        # A VALUES list keeps rows in order; an ordinal column keeps that order through later operators.
        values = exp.Values(expressions=[exp.Tuple(expressions=r) for r in rows],
                            alias=exp.TableAlias(this=ident("_v"), columns=[ident(col.name) for col in columns]))
        select = exp.Select().select(*[col_ref(col.name) for col in columns], copy=False).from_(values, copy=False)
        return self.step(select, columns)

    def externaldata(self, node: ast.ExternalData, env: Env) -> Relation:
        """`externaldata (columns) [uris] with (properties)`: the backend reads the data (files inside the
        folders the user gave, or http(s) URLs through a cache) into a relation of the declared columns."""
        self.operators_used.append("externaldata")
        columns = self.declared_columns(node)
        c = self.exprs(env, None)
        uris: list[str] = []
        for uri in node.uris:
            value = c.compile(uri)
            if not (value.is_const and isinstance(value.const, str)):
                raise self.semantic("externaldata takes constant strings as storage URIs", uri.pos)
            uris.append(value.const)
        properties: dict[str, object] = {}
        for key, expr in node.properties.items():
            value = c.compile(expr)
            if not value.is_const:
                raise self.semantic(f"externaldata property '{key}' must be a constant", expr.pos)
            properties[key] = value.const
        if self.external is None:
            raise self.unsupported("externaldata without a connection to read the data", node.pos)
        try:
            relation, notes = self.external(columns, uris, properties)
        except KqlPositionedError:
            raise
        except KqlError as error:  # the data cannot be read: say where in the query it was asked for
            raise self.semantic(str(error), node.pos) from None
        self.notes.extend(notes)
        select = exp.Select().select(*[col_ref(col.name) for col in columns], copy=False).from_(relation, copy=False)
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
        return self.step(exp.Select().select(*projections, copy=False), columns)

    def range_(self, node: ast.Range, env: Env) -> Relation:
        self.operators_used.append("range")
        c = self.exprs(env, None)
        start, stop, step = c.compile(node.start), c.compile(node.stop), c.compile(node.step)
        name = node.column
        if start.type == "datetime":
            if step.type != "timespan":
                raise self.semantic("range over datetimes needs a timespan step", node.pos)
            series = self.dialect.shape("range_number_rows", a=start.sql, b=stop.sql, s=step.sql)  # of ticks
            kql_type = "datetime"
        elif start.type in ("long", "int", "real", "timespan"):
            kql_type = start.type if start.type != "int" else "long"
            if step.type == "real" or stop.type == "real":
                kql_type = "real" if start.type != "timespan" else "timespan"
            series = self.dialect.shape("range_number_rows",
                             a=start.sql, b=stop.sql, s=step.sql)
        else:
            raise self.semantic(f"range cannot run over {start.type}", node.pos)
        select = exp.Select().select(exp.alias_(sb.cast(exp.column("v"), kql_type), name, quoted=True), copy=False).from_(
            exp.Subquery(this=series, alias=exp.TableAlias(this=ident("_r"))), copy=False)
        rel = self.step(select, [Column(name, kql_type)])
        rel.order = [(name, False, True)]
        return rel

    # ------------------------------------------------------------ operators

    def operator(self, op: ast.Operator, rel: Relation, env: Env) -> Relation:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise KqlResourceError("the query ran out of its time while being compiled and was stopped; "
                                   "simplify it or allow more time")
        handler = getattr(self, "op_" + type(op).__name__, None)
        if handler is None:
            name = op.name if isinstance(op, ast.GenericOperator) else type(op).__name__.lower()
            raise self.unsupported(f"operator '{name}'", op.pos)
        return handler(op, rel, env)


def _context_attribute(name: str) -> property:
    def get(self: Compiler) -> Any:
        return getattr(self.ctx, name)

    def put(self: Compiler, value: Any) -> None:
        setattr(self.ctx, name, value)

    return property(get, put, doc=f"The compile context's {name} (see CompileContext).")


for _field in fields(CompileContext):
    setattr(Compiler, _field.name, _context_attribute(_field.name))
