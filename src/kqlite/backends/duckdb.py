"""The DuckDB backend: attach data as schema-shaped views, run compiled queries, return Results."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlglot import exp

from kqlite.compile import CompiledQuery, compile_script
from kqlite.compile import sqlbuild as sb
from kqlite.compile.functions.core import timespan_from_text
from kqlite.compile.scope import Column, ident
from kqlite.compile.types import sql_type
from kqlite.errors import KqlDataError, KqlError, KqlResourceError
from kqlite.result import Result
from kqlite.schemas import known_tables, table_schema
from kqlite.syntax import parse
from kqlite.syntax.parser import deep_recursion

# DuckDB storage type -> KQL type, for columns that no bundled schema describes.
_DUCK_TO_KQL = {
    "BOOLEAN": "bool", "TINYINT": "int", "SMALLINT": "int", "INTEGER": "int", "BIGINT": "long", "HUGEINT": "long",
    "UTINYINT": "int", "USMALLINT": "int", "UINTEGER": "long", "UBIGINT": "long", "FLOAT": "real", "DOUBLE": "real",
    "VARCHAR": "string", "TIMESTAMP": "datetime", "TIMESTAMP WITH TIME ZONE": "datetime", "TIMESTAMP_NS": "datetime",
    "TIMESTAMP_MS": "datetime", "TIMESTAMP_S": "datetime", "DATE": "datetime", "INTERVAL": "timespan", "JSON": "dynamic",
    "UUID": "guid",
}


# Storage types whose cast to a KQL type never fails: no need to scan the data for a bad value first.
_SMALL_INTS = ("TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT")
_LOSSLESS = {
    "datetime": ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATE", "TIMESTAMP"),
    "long": (*_SMALL_INTS, "BIGINT", "UINTEGER"),
    "int": _SMALL_INTS,
    "real": (*_SMALL_INTS, "BIGINT", "UINTEGER", "UBIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL"),
}


@dataclass(frozen=True)
class StoredTable:
    """A table of the database file itself (a kqlite store), attached like any other source."""

    name: str


@dataclass
class Explanation:
    tables: list[str]
    operators: list[str]
    sql: str


class Connection:
    """A kqlite session over one DuckDB database (in memory unless a file is given)."""

    def __init__(self, database: str | os.PathLike = ":memory:", tables: dict[str, Any] | None = None,
                 *, threads: int | None = None, memory_limit: str | None = None, timeout: float | None = None,
                 read_only: bool = False):
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        self.timeout = timeout
        try:
            self.duckdb = duckdb.connect(str(database), read_only=read_only and str(database) != ":memory:")
        except duckdb.Error as error:
            raise KqlDataError(f"{database}: cannot open the database: {_first_line(error)}") from None
        self.duckdb.execute("SET TimeZone = 'UTC'")
        self.duckdb.execute("SET enable_progress_bar = false")  # DuckDB would draw it on our stdout
        for setting, value in (("threads", threads), ("memory_limit", memory_limit)):
            if value:  # DuckDB settings as SQLGlot nodes: the value is a quoted literal, never pasted
                item = exp.SetItem(this=exp.EQ(this=exp.column(setting), expression=sb.string(str(value))))
                try:
                    self.duckdb.execute(exp.Set(expressions=[item]).sql("duckdb"))
                except duckdb.Error as error:
                    raise KqlResourceError(f"{setting} {value!r} is not accepted: {_first_line(error)}") from None
        self._schemas: dict[str, list[Column]] = {}
        self._raw_names: dict[str, str] = {}
        self._attach_count = 0
        for name in known_tables():
            self._create_empty(name)
        for name in self._stored_tables():  # a kqlite store (``kqlite ingest --db``): its tables are the data
            self.attach(name, StoredTable(name))
        for name, source in (tables or {}).items():
            self.attach(name, source)

    # ------------------------------------------------------------ data

    def _stored_tables(self) -> list[str]:
        rows = self.duckdb.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary "
            "AND database_name = current_database() ORDER BY table_name").fetchall()
        return [name for (name,) in rows if not name.startswith("_")]

    def _create_empty(self, name: str) -> None:
        schema = [Column(c, t) for c, t in table_schema(name) or []]
        select = exp.Select().select(*[exp.alias_(sb.literal(c.type, "" if c.type == "string" else None), c.name, quoted=True) for c in schema], copy=False).where(exp.Boolean(this=False), copy=False)
        self._create_view(name, select)
        self._schemas[name] = schema

    def _create_view(self, name: str, select: exp.Expression) -> None:
        create = exp.Create(this=exp.Table(this=ident(name)), kind="VIEW", expression=select, replace=True,
                            properties=exp.Properties(expressions=[exp.TemporaryProperty()]))
        self.duckdb.execute(create.sql("duckdb"))

    def attach(self, name: str, source: Any) -> None:
        """Make `source` (a Parquet/CSV/JSON-lines path, a pyarrow Table or a pandas DataFrame) queryable as
        table `name`, shaped to the table's bundled schema when it has one.

        All or nothing: if the data cannot be read, the table keeps what it had before."""
        self._attach_count += 1
        raw_name = f"_raw_{name}_{self._attach_count}"
        schema = table_schema(name)
        self._register_raw(name, raw_name, source, typed_csv=schema is None)
        try:
            null_free = _arrow_null_free(source) if isinstance(source, pa.Table) else None
            select, columns = self._shaped_select(name, raw_name, schema, null_free)
            self._create_view(name, select)
        except duckdb.Error as error:
            self._drop_raw(raw_name)
            raise KqlDataError(f"table {name}: cannot read {_describe(source)}: {_first_line(error)}") from None
        except KqlDataError:
            self._drop_raw(raw_name)
            raise
        previous = self._raw_names.get(name)
        if previous:
            self._drop_raw(previous)
        self._raw_names[name] = raw_name
        self._schemas[name] = columns

    def _register_raw(self, name: str, raw_name: str, source: Any, typed_csv: bool) -> None:
        if isinstance(source, StoredTable):
            catalog = self.duckdb.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
            # catalog-qualified: temp objects (our views) live in temp.main and would shadow main.<name>
            stored = exp.Table(this=ident(source.name), db=ident("main"), catalog=ident(catalog))
            self._create_view(raw_name, exp.Select().select(exp.Star(), copy=False).from_(stored, copy=False))
            return
        if isinstance(source, str | os.PathLike):
            path = Path(source)
            if not path.exists():
                raise KqlDataError(f"table {name}: file not found: {path}")
            reader = {".parquet": "read_parquet", ".csv": "read_csv", ".json": "read_json", ".jsonl": "read_json",
                      ".ndjson": "read_json"}.get(path.suffix.lower())
            if reader is None:
                raise KqlDataError(f"table {name}: cannot tell the format of {path} (use .parquet, .csv, .json or .jsonl)")
            args: list[exp.Expression] = [sb.string(str(path))]
            if reader == "read_csv" and not typed_csv:
                # a known schema decides the types; text keeps every value for a precise error message
                args.append(exp.EQ(this=exp.column("all_varchar"), expression=exp.Boolean(this=True)))
            select = exp.Select().select(exp.Star(), copy=False).from_(exp.Table(this=exp.Anonymous(this=reader, expressions=args)), copy=False)
            try:
                self._create_view(raw_name, select)
            except duckdb.Error as error:
                raise KqlDataError(f"table {name}: cannot read {path}: {_first_line(error)}") from None
            return
        if not isinstance(source, pa.Table):
            try:
                source = pa.Table.from_pandas(source, preserve_index=False)
            except Exception as error:  # noqa: BLE001 - any conversion failure is a data error
                raise KqlDataError(f"table {name}: cannot read data of type {type(source).__name__}: {error}") from error
        self.duckdb.register(raw_name, source)

    def _drop_raw(self, raw_name: str) -> None:
        try:
            self.duckdb.unregister(raw_name)
        except duckdb.Error:
            pass
        self.duckdb.execute(exp.Drop(tables=[exp.Table(this=ident(raw_name))], kind="VIEW", exists=True).sql("duckdb"))

    def _shaped_select(self, name: str, raw_name: str, schema: list[tuple[str, str]] | None,
                       null_free: set[str] | None) -> tuple[exp.Select, list[Column]]:
        """The view's SELECT: schema columns in order (missing ones as empty), then the extra ones.
        `null_free`: text columns known to hold no null (None: ask the storage statistics)."""
        described = self.duckdb.execute(exp.Describe(this=exp.Table(this=ident(raw_name))).sql("duckdb")).fetchall()
        present = {row[0]: row[1] for row in described}
        if null_free is None:
            null_free = self._stored_null_free(raw_name, [c for c, t in present.items() if t == "VARCHAR"])
        columns: list[Column] = []
        projections: list[exp.Expression] = []
        for col_name, kql_type in schema or []:
            columns.append(Column(col_name, kql_type))
            if col_name in present:
                value = self._shape(name, raw_name, col_name, present[col_name], kql_type, col_name in null_free)
            else:
                value = sb.literal(kql_type, "" if kql_type == "string" else None)
            projections.append(exp.alias_(value, col_name, quoted=True))
        known = {c.name for c in columns}
        for col_name, duck_type in present.items():
            if col_name in known:
                continue
            kql_type = _DUCK_TO_KQL.get(duck_type.split("(")[0], "string")
            if duck_type.startswith(("STRUCT", "MAP")) or duck_type.endswith("[]"):
                kql_type = "dynamic"
            columns.append(Column(col_name, kql_type))
            shaped = self._shape(name, raw_name, col_name, duck_type, kql_type, col_name in null_free)
            projections.append(exp.alias_(shaped, col_name, quoted=True))
        return exp.Select().select(*projections, copy=False).from_(exp.Table(this=ident(raw_name)), copy=False), columns

    def _shape(self, table: str, raw: str, column: str, duck_type: str, kql_type: str,
               no_null: bool) -> exp.Expression:
        ref = exp.Column(this=ident(column))
        target = sql_type(kql_type)
        if kql_type == "string":
            if duck_type == "VARCHAR" and no_null:
                return ref  # strings are never null in Kusto; this column has no null to replace
            return sb.coalesce(sb.cast(ref, "string") if duck_type != "VARCHAR" else ref, sb.string(""))
        if kql_type == "dynamic":
            if duck_type == "JSON":
                return ref
            if duck_type == "VARCHAR":
                return sb.tmpl("CASE WHEN :c IS NULL OR :c = '' THEN NULL WHEN json_valid(:c) THEN CAST(:c AS JSON) ELSE to_json(:c) END", c=ref)
            return exp.Anonymous(this="to_json", expressions=[ref])
        if kql_type == "timespan":
            if duck_type == "INTERVAL":
                return sb.tmpl("epoch_us(:c) * 10", c=ref)
            if duck_type == "VARCHAR":
                return timespan_from_text(ref)
            return sb.cast(ref, "long")
        if target.sql("duckdb") == duck_type:
            return ref
        if kql_type == "datetime" and duck_type == "TIMESTAMP WITH TIME ZONE":
            # the instant's microseconds since the epoch, as a plain timestamp: the same value as a cast
            # (the session is UTC) at a quarter of the cost, which goes through the time zone library
            return sb.tmpl("make_timestamp(epoch_us(:c))", c=ref)
        if kql_type == "datetime" and duck_type == "VARCHAR":
            # offsets are honoured (the session time zone is UTC); 'Z' and no offset mean UTC
            converted = sb.tmpl("CAST(TRY_CAST(NULLIF(trim(:c), '') AS TIMESTAMPTZ) AS TIMESTAMP)", c=ref)
            self._check_conversion(table, raw, column, converted, kql_type)
            return converted
        converted = exp.TryCast(this=ref if duck_type != "VARCHAR" else sb.tmpl("NULLIF(trim(:c), '')", c=ref), to=target)
        if duck_type.split("(")[0] not in _LOSSLESS.get(kql_type, ()):  # a cast that can fail is checked on the data
            self._check_conversion(table, raw, column, converted, kql_type)
        return converted

    def _stored_null_free(self, raw: str, columns: list[str]) -> set[str]:
        """Text columns whose storage statistics (Parquet metadata, DuckDB tables) say they hold no null:
        they need no COALESCE, which costs as much as reading the column."""
        if not columns:
            return set()
        select = exp.Select().select(*[exp.Anonymous(this="stats", expressions=[exp.Column(this=ident(c))]) for c in columns],
                                     copy=False).from_(exp.Table(this=ident(raw)), copy=False).limit(1, copy=False)
        try:
            row = self.duckdb.execute(select.sql("duckdb")).fetchone()
        except duckdb.Error:
            return set()
        if row is None:  # no rows: nothing to replace either
            return set(columns)
        return {column for column, stat in zip(columns, row, strict=True)
                if isinstance(stat, dict) and stat.get("has_null") is False}

    def _check_conversion(self, table: str, raw: str, column: str, converted: exp.Expression, kql_type: str) -> None:
        ref = exp.Column(this=ident(column))
        probe = (exp.Select().select(sb.cast(ref, "string"), copy=False).from_(exp.Table(this=ident(raw)), copy=False)
                 .where(exp.and_(exp.Not(this=exp.Is(this=ref, expression=exp.Null())),
                                 exp.NEQ(this=sb.tmpl("trim(CAST(:c AS VARCHAR))", c=ref), expression=sb.string("")),
                                 exp.Is(this=converted.copy(), expression=exp.Null())), copy=False)
                 .limit(1, copy=False))
        bad = self.duckdb.execute(probe.sql("duckdb")).fetchall()
        if bad:
            raise KqlDataError(f"table {table}, column {column}: value {bad[0][0]!r} cannot be read as {kql_type}",)

    def _probe(self, sql: str) -> list[tuple]:
        """Run a compiler-made SQL query (for plugins whose output columns depend on the data)."""
        try:
            return self.duckdb.sql(sql).fetchall()
        except duckdb.Error as error:
            raise KqlError(f"the query failed while running: {_first_line(error)}") from None

    def catalog(self) -> dict[str, list[Column]]:
        return dict(self._schemas)

    # ------------------------------------------------------------ queries

    def compile(self, kql: str) -> tuple[CompiledQuery, str]:
        """The compiled query and its DuckDB SQL text."""
        with deep_recursion():
            try:
                compiled = compile_script(parse(kql), self._schemas, probe=self._probe)
                return compiled, compiled.sql_text()
            except RecursionError:
                raise KqlError("the query is too deeply nested to compile; split it with let statements") from None

    def query(self, kql: str, *, timeout: float | None = None) -> Result:
        """Run a KQL query and return its rows with Kusto's column names and types.

        `timeout` (seconds; default: the connection's) stops a query that runs longer, with KqlResourceError;
        so does running out of the memory limit. The database is left as it was: queries only read."""
        compiled, sql = self.compile(kql)
        limit = timeout if timeout is not None else self.timeout
        timer = threading.Timer(limit, self.duckdb.interrupt) if limit else None
        if timer is not None:
            timer.daemon = True
            timer.start()
        try:
            table = self.duckdb.sql(sql).to_arrow_table()
        except duckdb.InterruptException:
            raise KqlResourceError(f"the query ran longer than the {limit:g} s timeout and was stopped; narrow it "
                                   "(a shorter time range, filters first) or allow more time") from None
        except duckdb.OutOfMemoryException as error:
            raise KqlResourceError(f"the query needs more memory than the limit allows ({_first_line(error)}); "
                                   "raise the memory limit or narrow the query") from None
        except duckdb.Error as error:
            raise KqlError(f"the query failed while running: {error}") from error
        finally:
            if timer is not None:
                timer.cancel()
        return Result(table, [c.name for c in compiled.columns], [c.type for c in compiled.columns], sql)

    def explain(self, kql: str) -> Explanation:
        compiled, _ = self.compile(kql)
        with deep_recursion():
            return Explanation(compiled.tables, compiled.operators, compiled.sql_text(pretty=True))

    def close(self) -> None:
        self.duckdb.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _arrow_null_free(table: pa.Table) -> set[str]:
    return {field.name for field, column in zip(table.schema, table.columns, strict=True) if column.null_count == 0}


def _describe(source: Any) -> str:
    return str(source) if isinstance(source, str | os.PathLike) else f"the {type(source).__name__} given"


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
