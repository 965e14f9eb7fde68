"""The DuckDB backend: attach data as schema-shaped views, run compiled queries, return Results."""

from __future__ import annotations

import csv
import os
import queue
import re
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import sqlglot
import sqlglot.dialects.duckdb  # noqa: F401 - every query's SQL is in it: loaded here, not by the first query
from sqlglot import exp

from kqlite.backends.common import (
    STAND_INS,
    ConnectionCatalog,
    Explanation,
    choose_flavour,
    compile_in_flavour,
    explained_sql,
    further_result,
    known_table_names,
    one_table,
    result_notes,
    source_column,
)
from kqlite.backends.opening import Opening
from kqlite.compile import CompiledQuery, compile_script
from kqlite.compile import sqlbuild as sb
from kqlite.compile.catalog import Catalog
from kqlite.compile.dialects import dialect_named
from kqlite.compile.scope import Column, ident
from kqlite.compile.sqlnames import SqlNames
from kqlite.compile.types import sql_type
from kqlite.errors import KqlDataError, KqlError, KqlResourceError
from kqlite.geoip import open_geoip
from kqlite.result import Result, Rows
from kqlite.schemas import FLAVOURS, table_differs, table_schema
from kqlite.syntax import ast, parse
from kqlite.syntax.parser import deep_recursion
from kqlite.ticks import datetime_from_ticks

if TYPE_CHECKING:  # the externaldata package is imported when a query first reads external data
    import pyarrow as pa

    from kqlite.external.policy import ExternalPolicy

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


# Hidden column of store tables: when each row was ingested (KQL's ingestion_time())
INGESTION_TIME_COLUMN = "_kqlite_ingestion_time"
# Hidden columns of a table's view: a datetime column's stored timestamp, for the row-group pruning of filters
TIME_BOUND_PREFIX = "__kq_time_"
_TIMESTAMPS = ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP", "TIMESTAMP_MS", "TIMESTAMP_S")



@dataclass
class _Source:
    """Attached data: the DuckDB relation that reads it, and its columns."""

    raw: str
    columns: dict[str, tuple[str, str]]  # KQL name -> (name in the raw relation, DuckDB type), in order
    # text columns known to hold no null, which need no COALESCE: an Arrow table's, by its null counts. Files and
    # DuckDB tables get it on every text column: DuckDB drops it where its statistics show no null (a filter on
    # the column is still pushed into the scan), so their statistics need not be asked for here
    null_free: set[str]
    read_at: datetime  # when the data was read: ingestion_time() of data read from files
    # (raw column, KQL type) conversions already checked on the data: a second view of the table (another
    # flavour, the view made after the attach's check) need not scan the data again for them
    checked: set[tuple[str, str]] = field(default_factory=set)


class Connection:
    """A kqlite session over one DuckDB database (in memory unless a file is given).

    Every table whose schema ships with kqlite can be queried, empty until data is attached. Tables that
    Defender and Sentinel both have are seen in the flavour a query is written for (`flavour`: "auto" picks
    it per query, see `docs/semantics.md`)."""

    def __init__(self, database: str | os.PathLike = ":memory:", tables: dict[str, Any] | None = None,
                 *, threads: int | None = None, memory_limit: str | None = None, timeout: float | None = None,
                 read_only: bool = False, flavour: str = "auto", now: datetime | None = None,
                 external_policy: ExternalPolicy | None = None, evidence: list[str | os.PathLike] | None = None,
                 geoip_database: str | os.PathLike | None = None, allow_python: bool = False,
                 _opening: Opening | None = None):
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        if flavour not in ("auto", *FLAVOURS):
            raise ValueError(f"flavour must be 'auto', 'defender' or 'sentinel', not {flavour!r}")
        self.timeout = timeout
        self.flavour = flavour
        self.now = now  # the instant now() and ago() use (None: the time each query is compiled)
        if _opening is not None and not _opening.matches(database, read_only):
            raise ValueError("_opening: opened for another database")  # kqlite.connect's own: a bug if so
        try:
            if _opening is not None:  # opened on a thread while this module loaded (kqlite.connect)
                self.duckdb = _opening.connection()
            else:
                self.duckdb = duckdb.connect(str(database), read_only=read_only and str(database) != ":memory:")
        except duckdb.Error as error:
            reason = _first_line(error)
            if "lock" in reason.lower():  # another process writes it: a `kqlite ingest` still running
                reason += " (another process is writing it, e.g. a kqlite ingest that has not finished: wait for it)"
            raise KqlDataError(f"{database}: cannot open the database: {reason}") from None
        # A database file opened twice in one process is one DuckDB instance, whose settings the first
        # connection may have locked: a setting that already has its value is not set again.
        # A plain ":memory:" database is new and this connection's own: nothing to ask it.
        self._fresh = str(database) == ":memory:"
        self._locked = not self._fresh and self._setting("lock_configuration") in (True, "true")
        self._configure("TimeZone", "UTC")
        self._configure("enable_progress_bar", False)  # DuckDB would draw it on our stdout
        for setting, value in (("threads", threads), ("memory_limit", memory_limit)):
            if value:
                try:
                    self._configure(setting, str(value))
                except duckdb.Error as error:
                    raise KqlResourceError(f"{setting} {value!r} is not accepted: {_first_line(error)}") from None
        self._time_bounds: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
        self.names = SqlNames()
        self._sources: dict[str, _Source] = {}
        self._views: dict[tuple[str, str], list[Column]] = {}  # (table, flavour) -> columns of its view
        self._lock = threading.RLock()  # views and attached sources
        # one query at a time: DuckDB's connection runs one statement at once, and our views are its own
        self._running = threading.RLock()
        self._attach_count = 0
        self._external_views: dict[str, tuple[str, list[str]]] = {}
        self._readable: set[str] = set()  # the files attached views read: all DuckDB may open once locked
        self._external_policy = external_policy
        self.allow_python = allow_python  # evaluate python() may run its script here (see docs/semantics.md)
        self.geoip = open_geoip(geoip_database)  # geo_info_from_ip_address()'s database (or the environment's)
        self._attached_paths: list[str] = []
        for name in self._stored_tables():  # a kqlite store (``kqlite ingest --db``): its tables are the data
            self.attach(name, StoredTable(name))
        self.evidence_report = None  # what reading `evidence` found: files, rows per table, rejects
        if evidence:
            self.add_evidence(evidence)
        for name, source in (tables or {}).items():
            self.attach(name, source)

    # ------------------------------------------------------------ data

    def _stored_tables(self) -> list[str]:
        if self._fresh:
            return []
        rows = self.duckdb.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary "
            "AND database_name = current_database() ORDER BY table_name").fetchall()
        return [name for (name,) in rows if not name.startswith("_")]

    def _create_view(self, name: str, select: exp.Expression) -> None:
        create = exp.Create(this=exp.Table(this=ident(name)), kind="VIEW", expression=select, replace=True,
                            properties=exp.Properties(expressions=[exp.TemporaryProperty()]))
        self.duckdb.execute(create.sql("duckdb", copy=False))  # a fresh tree: no copy (a 70-column view's 20 ms)

    @staticmethod
    def view_name(table: str, flavour: str) -> str:
        """The view a table is read from: tables whose flavours differ have one view per flavour."""
        return f"{table}@sentinel" if flavour == "sentinel" and table_differs(table) else table

    def has_table(self, name: str) -> bool:
        return name in self._sources or name in known_table_names()

    def table_columns(self, name: str, flavour: str = "defender") -> list[Column]:
        """The KQL columns of table `name` as a query of `flavour` sees it (its view made on first use)."""
        flavour = flavour if flavour in FLAVOURS else "defender"
        if not table_differs(name):
            flavour = "defender"
        key = (name, flavour)
        with self._lock:
            columns = self._views.get(key)
            if columns is None:
                source = self._sources.get(name)
                if source is None and name not in known_table_names():
                    raise KeyError(name)
                try:
                    bounds: dict[str, tuple[str, str]] = {}
                    select, columns = self._shaped_select(name, flavour, source, time_bounds=bounds)
                    self._time_bounds[key] = bounds
                    self._create_view(self.view_name(name, flavour), select)
                except duckdb.Error as error:
                    raise KqlDataError(f"table {name}: cannot read its data: {_first_line(error)}") from None
                self._views[key] = columns
            return list(columns)

    def add_evidence(self, paths: list[str | os.PathLike]) -> None:
        """Read files, folders and archives of any format kqlite ingests (Defender exports, Sysmon EVTX/XML/JSON,
        Parquet, CSV, JSON lines, zips) and attach every table they hold. `evidence_report` then says what was
        read, and keeps each malformed record with its file and position."""
        from kqlite.ingest.pipeline import load

        tables, report = load([Path(p) for p in paths])
        self.evidence_report = report
        for name, table in tables.items():
            self.attach(name, table)

    def attach(self, name: str, source: Any) -> None:
        """Make `source` (a Parquet/CSV/JSON-lines path, a pyarrow Table or a pandas DataFrame) queryable as
        table `name`, shaped to the table's bundled schema when it has one.

        All or nothing: if the data cannot be read, the table keeps what it had before."""
        with self._lock:
            self._attach_count += 1
            raw_name = f"_raw_{name}_{self._attach_count}"
            schema = table_schema(name)
            self._register_raw(name, raw_name, source, typed_csv=schema is None)
            previous = self._sources.get(name)
            previous_views = {key: cols for key, cols in self._views.items() if key[0] == name}
            try:
                self._sources[name] = self._describe_source(raw_name, source)
                for key in previous_views:
                    del self._views[key]
                # the casts that can fail are checked on the data now: a value the schema cannot hold fails the
                # attach. The view itself (its SQL planned) is made when a query first names the table.
                self._shaped_select(name, "defender", self._sources[name])
                for key in previous_views:
                    self.table_columns(*key)
            except (duckdb.Error, KqlDataError) as error:
                self._restore(name, previous, previous_views)
                self._drop_raw(raw_name)
                if isinstance(error, KqlDataError):
                    raise
                raise KqlDataError(f"table {name}: cannot read {_describe(source)}: {_first_line(error)}") from None
            if previous is not None:
                self._drop_raw(previous.raw)

    def _restore(self, name: str, previous: _Source | None, views: dict[tuple[str, str], list[Column]]) -> None:
        if previous is None:
            self._sources.pop(name, None)
        else:
            self._sources[name] = previous
        for key in [key for key in self._views if key[0] == name]:
            del self._views[key]
        for key in views:
            if previous is None:
                self.duckdb.execute(exp.Drop(this=exp.Table(this=ident(self.view_name(*key))), kind="VIEW",
                                             exists=True).sql("duckdb"))
            else:
                self.table_columns(*key)

    def _describe_source(self, raw_name: str, source: Any) -> _Source:
        physical = self._view_columns(raw_name)
        names = _original_names(source, [p for p, _ in physical], self._parquet_names)
        columns = {kql: (raw, duck_type) for kql, (raw, duck_type) in zip(names, physical, strict=True)}
        null_free = _arrow_null_free(source) if _is_arrow_table(source) else set()
        return _Source(raw_name, columns, null_free, datetime.now(UTC))

    def _view_columns(self, view: str) -> list[tuple[str, str]]:
        """A temporary view's (column, DuckDB type) list, as the catalog keeps it: DESCRIBE would bind the view
        again, which for a CSV file means sniffing it again."""
        select = sb.tmpl("SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 'temp' "
                         "AND schema_name = 'main' AND table_name = :v ORDER BY column_index", v=sb.string(view))
        return [(name, duck_type) for name, duck_type in self.duckdb.execute(select.sql("duckdb")).fetchall()]

    def _parquet_names(self, path: str) -> list[str] | None:
        """The top-level column names a Parquet file stores, as written (DuckDB's parquet_schema: no Arrow to
        import), or None when DuckDB cannot read the file here."""
        try:
            rows = self.duckdb.execute("SELECT name, num_children FROM parquet_schema(?)", [path]).fetchall()
        except duckdb.Error:
            return None
        names, inside = [], 0  # the schema's elements in pre-order, its root first: the root's children
        for name, children in rows[1:]:
            if inside:
                inside -= 1
            else:
                names.append(name)
            inside += children or 0
        return names

    def _register_raw(self, name: str, raw_name: str, source: Any, typed_csv: bool) -> None:
        if isinstance(source, StoredTable):
            catalog = self.duckdb.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
            # catalog-qualified: temp objects (our views) live in temp.main and would shadow main.<name>
            stored = exp.Table(this=ident(source.name), db=ident("main"), catalog=ident(catalog))
            self._create_view(raw_name, exp.Select().select(exp.Star(), copy=False).from_(stored, copy=False))
            return
        if isinstance(source, str | os.PathLike):
            path = Path(source)
            self._attached_paths.append(str(path))
            if not path.exists():
                raise KqlDataError(f"table {name}: file not found: {path}")
            reader = {".parquet": "read_parquet", ".csv": "read_csv", ".json": "read_json", ".jsonl": "read_json",
                      ".ndjson": "read_json"}.get(path.suffix.lower()) if path.is_file() else None
            if reader is None:  # a folder, an EVTX, an archive...: read as evidence, take this table of it
                self.duckdb.register(raw_name, self._table_of_evidence(name, path))
                return
            if self._locked:  # DuckDB may no longer open files: Arrow reads this one
                self.duckdb.register(raw_name, _arrow_source(path, reader, typed_csv))
                return
            pattern = _glob_escaped(str(path))  # a file name with [ * ? is a name, not a pattern
            self._readable.update((str(path), pattern))
            args: list[exp.Expression] = [sb.string(pattern)]
            if reader == "read_csv" and not typed_csv:
                # a known schema decides the types; text keeps every value for a precise error message
                args.append(exp.EQ(this=exp.column("all_varchar"), expression=exp.Boolean(this=True)))
            select = exp.Select().select(exp.Star(), copy=False).from_(exp.Table(this=exp.Anonymous(this=reader, expressions=args)), copy=False)
            if reader == "read_csv":
                select = self._sniffed_csv(pattern, args) or select
            try:
                self._create_view(raw_name, select)
            except duckdb.Error as error:
                raise KqlDataError(f"table {name}: cannot read {path}: {_first_line(error)}") from None
            return
        if not _is_arrow_table(source):
            try:
                import pyarrow as pa

                source = pa.Table.from_pandas(source, preserve_index=False)
            except Exception as error:  # noqa: BLE001 - any conversion failure is a data error
                raise KqlDataError(f"table {name}: cannot read data of type {type(source).__name__}: {error}") from error
        self.duckdb.register(raw_name, source)

    def _sniffed_csv(self, pattern: str, args: list[exp.Expression]) -> exp.Select | None:
        """The read_csv call DuckDB's sniffer makes of the file (its dialect, header and columns given, sniffing
        off), read as `args` would read it: the view is bound again by each check and query, and a view that
        sniffs sniffs each time. None when the sniffer's answer is not one read_csv call of the file."""
        sniff = exp.Select().select(exp.column("prompt"), copy=False).from_(
            exp.Table(this=exp.Anonymous(this="sniff_csv", expressions=[a.copy() for a in args])), copy=False)
        try:
            prompt = self.duckdb.execute(sniff.sql("duckdb")).fetchall()[0][0]
            tree = sqlglot.parse_one(prompt.strip().rstrip(";"), read="duckdb")
        except (duckdb.Error, sqlglot.errors.SqlglotError, IndexError):
            return None
        source = tree.args.get("from_")
        call = source.this.this if isinstance(source, exp.From) and isinstance(source.this, exp.Table) else None
        if (not isinstance(tree, exp.Select) or set(tree.args) - {"expressions", "from_"} or len(tree.expressions) != 1
                or not isinstance(tree.expressions[0], exp.Star) or not isinstance(call, exp.ReadCSV)):
            return None
        call.set("this", sb.string(pattern))  # the file is the one given, whatever the prompt's quoting of it
        return tree

    def _table_of_evidence(self, name: str, path: Path) -> pa.Table:
        from kqlite.ingest.pipeline import load

        tables, report = load([path])
        self.evidence_report = report
        if name not in tables:
            found = ", ".join(f"{t} ({n:,} rows)" for t, n in report.rows.items()) or "no rows"
            raise KqlDataError(f"table {name}: {path} holds no {name} rows (it holds: {found}); attach it under one "
                               "of those names, or give it as evidence to read every table it holds")
        return tables[name]

    def _drop_raw(self, raw_name: str) -> None:
        try:
            self.duckdb.unregister(raw_name)
        except duckdb.Error:
            pass
        self.duckdb.execute(exp.Drop(tables=[exp.Table(this=ident(raw_name))], kind="VIEW", exists=True).sql("duckdb"))

    def _shaped_select(self, name: str, flavour: str, source: _Source | None,
                       schema: list[tuple[str, str]] | None = None,
                       time_bounds: dict[str, tuple[str, str]] | None = None) -> tuple[exp.Select, list[Column]]:
        """The view's SELECT: the flavour's schema columns in order (missing ones as empty), then the data's
        extra columns (those neither flavour's schema has). No data: an empty table of the schema.
        `time_bounds` receives, for each datetime column stored as a timestamp,
        the hidden column that repeats the stored value and its type: a filter on the ticks can then also
        bound the stored column, which the scan prunes row groups with (it cannot with the ticks)."""
        if schema is None:
            schema = table_schema(name, flavour) or []  # type: ignore[arg-type]
        columns: list[Column] = []
        projections: list[exp.Expression] = []
        if source is None:
            for col_name, kql_type in schema:
                columns.append(Column(col_name, kql_type))
                projections.append(self._output(sb.missing(kql_type), col_name))
            return exp.Select().select(*projections, copy=False).where(exp.Boolean(this=False), copy=False), columns
        present = source.columns
        null_free = source.null_free
        used: set[str] = set()
        checks: list[tuple[str, exp.Expression, str]] = []  # casts that can fail: checked on the data at the end
        for col_name, kql_type in schema:
            columns.append(Column(col_name, kql_type))
            found = source_column(col_name, schema, present)
            if found is not None:
                used.add(found)
                raw, duck_type = present[found]
                value = self._shape(raw, duck_type, kql_type, found in null_free, checks)
                stand_in = STAND_INS.get(col_name)
                if found == col_name and stand_in in present and kql_type == "datetime":
                    # rows of a Defender export and of a Sentinel one in the same table: each has one of the two
                    other_raw, other_type = present[stand_in]
                    value = sb.coalesce(value, self._shape(other_raw, other_type, kql_type, False, checks))
                elif kql_type == "datetime" and duck_type in _TIMESTAMPS and time_bounds is not None:
                    hidden = TIME_BOUND_PREFIX + col_name
                    projections.append(exp.alias_(exp.Column(this=ident(raw)), ident(hidden), copy=False))
                    time_bounds[col_name] = (hidden, duck_type)
            elif col_name == "Type" and kql_type == "string" and flavour == "sentinel":
                value = sb.string(name)  # Log Analytics' Type column names the table
            else:
                value = sb.missing(kql_type)
            projections.append(self._output(value, col_name))
        schema_names = {c for schema_of in (table_schema(name, f) or [] for f in FLAVOURS) for c, _ in schema_of}
        schema_names.update(c for c, _ in schema)
        for col_name, (raw, duck_type) in present.items():
            if col_name in used or col_name in schema_names or col_name == INGESTION_TIME_COLUMN:
                continue
            kql_type = _DUCK_TO_KQL.get(duck_type.split("(")[0], "string")
            if duck_type.startswith(("STRUCT", "MAP")) or duck_type.endswith("]"):
                kql_type = "dynamic"
            elif duck_type == "VARCHAR" and self._holds_json(source.raw, raw):
                kql_type = "dynamic"  # a column no schema types, all of whose values are JSON objects or arrays
            columns.append(Column(col_name, kql_type))
            shaped = self._shape(raw, duck_type, kql_type, col_name in null_free, checks)
            projections.append(self._output(shaped, col_name))
        if INGESTION_TIME_COLUMN in present:  # hidden: not a KQL column, read by ingestion_time()
            raw, duck_type = present[INGESTION_TIME_COLUMN]
            ticks = self._datetime_ticks(exp.Column(this=ident(raw)), INGESTION_TIME_COLUMN, duck_type, [])
            projections.append(exp.alias_(ticks, ident(INGESTION_TIME_COLUMN), copy=False))
        self._check_conversions(name, source, checks)
        select = exp.Select().select(*projections, copy=False).from_(exp.Table(this=ident(source.raw)), copy=False)
        return select, columns

    def _holds_json(self, raw: str, column: str) -> bool:
        ref = exp.Column(this=ident(column))
        # a sample decides: a later value that is not JSON still reads (as a JSON string), nothing is lost
        probe = sb.tmpl("SELECT count(*) > 0 AND bool_and(json_valid(v) AND left(ltrim(v), 1) IN ('{', '[')) "
                        "FROM (SELECT :c AS v FROM :t WHERE :c IS NOT NULL AND trim(:c) <> '' LIMIT 1000)",
                        c=ref, t=exp.Table(this=ident(raw)))
        return bool(self.duckdb.execute(probe.sql("duckdb")).fetchall()[0][0])

    def _output(self, value: exp.Expression, column: str) -> exp.Expression:
        return exp.alias_(value, exp.to_identifier(self.names.register(column), quoted=True), copy=False)

    def _shape(self, column: str, duck_type: str, kql_type: str, no_null: bool,
               checks: list[tuple[str, exp.Expression, str]]) -> exp.Expression:
        """The raw column as `kql_type`; a cast that can fail on a value is added to `checks`."""
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
                return dialect_named("duckdb").shape("timespan_from_text", s=ref)
            return sb.cast(ref, "long")
        if kql_type == "datetime":
            return self._datetime_ticks(ref, column, duck_type, checks)
        if target.sql("duckdb") == duck_type:
            return ref
        converted = exp.TryCast(this=ref if duck_type != "VARCHAR" else sb.tmpl("NULLIF(trim(:c), '')", c=ref), to=target)
        if duck_type.split("(")[0] not in _LOSSLESS.get(kql_type, ()):  # a cast that can fail is checked on the data
            checks.append((column, converted, kql_type))
        return converted

    def _datetime_ticks(self, ref: exp.Column, column: str, duck_type: str,
                        checks: list[tuple[str, exp.Expression, str]]) -> exp.Expression:
        """A stored datetime as Kusto's ticks (100 ns since 0001-01-01 UTC, the compiler's datetime)."""
        if duck_type == "TIMESTAMP_NS":  # nanoseconds: floored to the tick
            return sb.tmpl("(epoch_ns(:c) - ((epoch_ns(:c) % 100) + 100) % 100) // 100 + 621355968000000000", c=ref)
        if duck_type in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP", "TIMESTAMP_MS", "TIMESTAMP_S"):
            # the instant's microseconds since the epoch (a TIMESTAMPTZ's too: no time zone library involved)
            return sb.tmpl("epoch_us(:c) * 10 + 621355968000000000", c=ref)
        if duck_type == "VARCHAR":
            # offsets are honoured (the session time zone is UTC); 'Z' and no offset mean UTC
            converted = dialect_named("duckdb").shape("text_to_datetime", s=ref)
        else:  # a DATE, or a type that may not convert: checked on the data
            converted = sb.tmpl("epoch_us(TRY_CAST(:c AS TIMESTAMP)) * 10 + 621355968000000000", c=ref)
        if duck_type != "DATE":
            checks.append((column, converted, "datetime"))
        return converted

    def _check_conversions(self, table: str, source: _Source, checks: list[tuple[str, exp.Expression, str]]) -> None:
        """Fail on the first column (in view order) holding a value its KQL type cannot read, naming the value.
        One scan of the data for all the columns, not one each: for a CSV file each scan sniffs and reads it.
        A conversion checked before on this source is not checked again."""
        checks = [check for check in checks if (check[0], check[2]) not in source.checked]
        if not checks:
            return
        firsts = []
        for column, converted, _ in checks:
            ref = exp.Column(this=ident(column))
            bad = exp.and_(exp.Not(this=exp.Is(this=ref, expression=exp.Null())),
                           exp.NEQ(this=sb.tmpl("trim(CAST(:c AS VARCHAR))", c=ref), expression=sb.string("")),
                           exp.Is(this=converted.copy(), expression=exp.Null()), copy=False)
            first = exp.Anonymous(this="first", expressions=[sb.cast(ref, "string")])
            firsts.append(exp.Filter(this=first, expression=exp.Where(this=bad)))
        probe = exp.Select().select(*firsts, copy=False).from_(exp.Table(this=ident(source.raw)), copy=False)
        row = self.duckdb.execute(probe.sql("duckdb", copy=False)).fetchall()[0]
        for (column, _, kql_type), value in zip(checks, row, strict=True):
            if value is not None:
                raise KqlDataError(f"table {table}, column {column}: value {value!r} cannot be read as {kql_type}")
        source.checked.update((column, kql_type) for column, _, kql_type in checks)

    def _register_rows(self, table: Any) -> exp.Table:
        """Rows computed while compiling (an Arrow table) as a relation of this connection."""
        with self._lock:
            self._attach_count += 1
            name = f"_rows_{self._attach_count}"
            self.duckdb.register(name, table)
        return exp.Table(this=ident(name))

    def _external(self, columns: list[Column], uris: list[str], properties: dict[str, object]
                  ) -> tuple[exp.Table, list[str]]:
        """Read an externaldata operator's data (under the connection's external-data policy) into a view of
        the declared columns; the same operator in a later query reuses it."""
        from kqlite.external import load_externaldata_report

        key = repr((columns, uris, sorted(properties.items())))
        with self._lock:
            cached = self._external_views.get(key)
            if cached is None:
                load = load_externaldata_report([(c.name, c.type) for c in columns], uris, properties,
                                                self.external_policy())
                self._attach_count += 1
                raw = f"_ext_{self._attach_count}"
                self.duckdb.register(raw, load.table)
                source = self._describe_source(raw, load.table)
                select, _ = self._shaped_select(raw, "defender", source, [(c.name, c.type) for c in columns])
                self._create_view(f"{raw}_view", select)
                cached = (f"{raw}_view", list(load.warnings))
                self._external_views[key] = cached
        return exp.Table(this=ident(cached[0])), cached[1]

    def clock_hint(self, compiled: CompiledQuery) -> str | None:
        """A warning when the query looks back with ago() and every row of its tables is older than that:
        evidence from last year finds nothing `ago(7d)` unless the clock is set to the evidence's time."""
        if compiled.ago_window is None or compiled.now is None:
            return None
        newest: datetime | None = None
        for table in compiled.tables:
            if table not in self._sources:
                continue
            columns = {c.name: c.type for c in self.table_columns(table, compiled.flavour)}
            time_column = next((c for c in ("Timestamp", "TimeGenerated") if columns.get(c) == "datetime"), None)
            if time_column is None:
                return None
            select = exp.Select().select(exp.Max(this=exp.Column(this=ident(self.names.register(time_column)))),
                                         copy=False).from_(exp.Table(this=ident(self.view_name(table, compiled.flavour))))
            value = self.duckdb.execute(select.sql("duckdb")).fetchall()[0][0]
            if value is not None:
                value = datetime_from_ticks(value)
                newest = value if newest is None else max(newest, value)
        if newest is None:
            return None
        start = compiled.now - timedelta(microseconds=compiled.ago_window // 10)
        if newest >= start:
            return None
        stamp = newest.strftime("%Y-%m-%dT%H:%M:%SZ")
        return (f"every row is older than the query's ago() window (it starts {start:%Y-%m-%d %H:%M} UTC; the newest "
                f"row is from {stamp}): to hunt this evidence at its own time, run with --now {stamp} or start the "
                f"query with: set query_now = datetime({stamp});")

    def external_policy(self) -> ExternalPolicy:
        """Where externaldata may read: the policy given to connect(), else the current folder and the folders
        of the files attached, with downloads cached in the user's cache folder."""
        if self._external_policy is not None:
            return self._external_policy
        from kqlite.external import ExternalPolicy

        folders = {Path(p).resolve().parent for p in self._attached_paths}
        return ExternalPolicy.default(sorted(folders))

    def _probe(self, sql: str) -> list[tuple]:
        """Run a compiler-made SQL query (for plugins whose output columns depend on the data)."""
        try:
            return self.duckdb.sql(sql).fetchall()
        except duckdb.Error as error:
            raise KqlError(f"the query failed while running: {_first_line(error)}") from None

    def catalog(self, flavour: str = "defender") -> Catalog:
        """The tables a query of `flavour` can name (every bundled schema, and every attached table)."""
        return ConnectionCatalog(self, flavour)

    def source_names(self) -> list[str]:
        """The tables that have data attached."""
        return list(self._sources)

    def time_bounds(self, name: str, flavour: str = "defender") -> dict[str, tuple[str, str]]:
        """For each datetime column of the table's view stored as a timestamp: the hidden column repeating
        the stored value, and its type (see `_shaped_select`)."""
        flavour = flavour if flavour in FLAVOURS and table_differs(name) else "defender"
        return dict(self._time_bounds.get((name, flavour), {}))

    def ingestion_time(self, name: str) -> exp.Expression | None:
        """KQL's ingestion_time() of a table's rows: a hidden column of a store, else when the data was read."""
        source = self._sources.get(name)
        if source is None:
            return None
        if INGESTION_TIME_COLUMN in source.columns:
            return exp.Column(this=ident(INGESTION_TIME_COLUMN))
        return sb.literal("datetime", source.read_at)

    # ------------------------------------------------------------ queries

    def choose_flavour(self, script: ast.Script) -> str:
        """The flavour a query is written for (see `kqlite.backends.common.choose_flavour`)."""
        return choose_flavour(script, self.flavour)

    def compile(self, kql: str, *, flavour: str | None = None, params: dict[str, Any] | None = None,
                now: datetime | None = None, deadline: float | None = None,
                variables: dict[str, Any] | None = None) -> tuple[CompiledQuery, str]:
        """The compiled query and its DuckDB SQL text. `deadline` (time.monotonic()) bounds compiling too."""
        self._lock_down()
        options = {"probe": self._probe, "names": self.names, "params": params, "now": now or self.now,
                   "external": self._external, "deadline": deadline, "variables": variables,
                   "register_rows": self._register_rows, "geoip": self.geoip,
                   "allow_python": self.allow_python}
        with deep_recursion():
            try:
                script = parse(kql)
                compiled = compile_in_flavour(
                    script, lambda chosen: compile_script(script, self.catalog(chosen), **options), flavour,
                    self.flavour)
                if not isinstance(compiled.sql, exp.Select | exp.Union):  # only ever one query, never a statement
                    raise KqlError("internal error: the compiler made something other than a query")
                return compiled, compiled.sql_text()
            except RecursionError:
                raise KqlError("the query is too deeply nested to compile; split it with let statements") from None

    def query(self, kql: str, *, timeout: float | None = None, flavour: str | None = None,
              params: dict[str, Any] | None = None, now: datetime | None = None,
              variables: dict[str, Any] | None = None) -> Result:
        """Run a KQL query and return its rows with Kusto's column names and types.

        `timeout` (seconds; default: the query's `set servertimeout`, else the connection's) stops a query that
        runs longer, with KqlResourceError; so does running out of the memory limit. `params` gives values to
        the parameters of `declare query_parameters(...)`; `variables` are values the query may name as if
        let-bound (a notebook's Python variables); `now` fixes now() and ago() (as `set query_now`).
        `flavour` ("defender" or "sentinel") overrides the connection's. The database is left as it was."""
        started = time.monotonic()
        limit = timeout if timeout is not None else self.timeout
        with self._running:
            compiled, sql = self.compile(kql, flavour=flavour, params=params, now=now,
                                         deadline=started + limit if limit else None, variables=variables)
            if timeout is None and compiled.options.timeout:  # `set servertimeout` in the query
                limit = compiled.options.timeout
            deadline = started + limit if limit else None
            table = self._execute(sql, deadline, limit)
            # fork and facet: each further table is a query of its own, within the same time limit
            more = [(part, self._execute(part.sql_text(), deadline, limit)) for part in compiled.more]
        result = Result(table, [c.name for c in compiled.columns], [c.type for c in compiled.columns], sql,
                        compiled.name)
        result_notes(result, compiled)
        if len(result) == 0:
            hint = self.clock_hint(compiled)
            if hint:
                result.notes.append(hint)
        result.more = [further_result(part, part_table) for part, part_table in more]
        return result

    def _execute(self, sql: str, deadline: float | None, limit: float | None) -> pa.Table | Rows:
        """The whole result: as one Arrow table, or as Rows when it is small and Arrow is not loaded yet (its
        import, 50 ms, is most of what a small query costs in a fresh process, as the command line is)."""
        rows_first = _SMALL_RESULT if not _arrow_loaded() else 0
        items = self._batches(sql, deadline, limit, rows_first)
        first = next(items)
        if isinstance(first, Rows):
            for _ in items:  # the end of the stream
                pass
            return first
        import pyarrow as pa

        head = None
        if isinstance(first, _Head):  # more rows than a small result: the head as Python values, the rest Arrow
            head, first = first.rows, next(items)
        table = pa.Table.from_batches(list(items), schema=first)
        if head is None:
            return table
        return _with_head(head, table)

    def _batches(self, sql: str, deadline: float | None, limit: float | None,
                 rows_first: int = 0, python_rows: bool = False) -> Iterator[Any]:
        """The result's schema, then its record batches, as DuckDB makes them on a worker thread: the caller
        holds a few batches at a time, and the deadline and Ctrl-C interrupt DuckDB mid-query. With
        `rows_first`, up to that many rows are first fetched as Python values: the whole result (Rows) when
        that is all, else those rows (_Head) before the schema and the batches of the rest. With `python_rows`,
        every batch is Rows (after a start marker instead of the schema): no Arrow at all."""
        results: queue.Queue[Any] = queue.Queue(maxsize=4)
        stop = threading.Event()

        def work() -> None:
            relation = None
            try:
                if python_rows:
                    cursor = self.duckdb.execute(sql)
                    _put(results, stop, _STARTED)
                    while chunk := cursor.fetchmany(_BATCH_ROWS):
                        if not _put(results, stop, Rows(chunk)):
                            break
                    _put(results, stop, _DONE)
                    return
                if rows_first:
                    cursor = self.duckdb.execute(sql)
                    head = cursor.fetchmany(rows_first + 1)
                    if len(head) <= rows_first:
                        _put(results, stop, Rows(head))
                        _put(results, stop, _DONE)
                        return
                    _put(results, stop, _Head(head))
                    with warnings.catch_warnings():  # that Arrow output of a DB-API result copies the rows
                        warnings.simplefilter("ignore", UserWarning)
                        reader = cursor.to_arrow_reader(_BATCH_ROWS)
                else:
                    relation = self.duckdb.sql(sql)
                    reader = relation.to_arrow_reader(_BATCH_ROWS)
                _put(results, stop, reader.schema)
                for batch in reader:
                    if not _put(results, stop, batch):
                        break
                _put(results, stop, _DONE)
            except BaseException as error:  # noqa: BLE001 - handed to the calling thread
                # without its frames: they hold the relation, which keeps the connection busy while alive
                _put(results, stop, error.with_traceback(None))
            finally:
                if relation is not None:
                    relation.close()  # an interrupted result left open keeps the connection busy

        worker = threading.Thread(target=work, name="kqlite-query", daemon=True)
        interrupted: list[int] = []
        try:
            with self._ctrl_c_interrupts(interrupted):
                worker.start()
                while True:
                    wait = 0.1 if deadline is None else min(0.1, max(0.0, deadline - time.monotonic()))
                    try:
                        item = results.get(timeout=wait)
                    except queue.Empty:
                        if interrupted or (deadline is not None and time.monotonic() >= deadline):
                            self.duckdb.interrupt()
                        continue
                    if item is _DONE:
                        break
                    if isinstance(item, BaseException):
                        raise self._query_error(item, limit, interrupted)
                    yield item
        finally:
            stop.set()  # a consumer that stopped early: the worker drops what is left
            while worker.is_alive():
                self.duckdb.interrupt()
                _drain(results)
                worker.join(0.05)
        if interrupted:
            raise KeyboardInterrupt

    @staticmethod
    def _query_error(error: BaseException, limit: float | None, interrupted: list[int]) -> BaseException:
        if interrupted:
            return KeyboardInterrupt()
        if isinstance(error, duckdb.InterruptException):
            return KqlResourceError(f"the query ran longer than the {limit or 0:g} s timeout and was stopped; narrow "
                                    "it (a shorter time range, filters first) or allow more time")
        if isinstance(error, duckdb.OutOfMemoryException):
            return KqlResourceError(f"the query needs more memory than the limit allows ({_first_line(error)}); "
                                    "raise the memory limit or narrow the query")
        if isinstance(error, duckdb.Error):
            return KqlError(f"the query failed while running: {error}")
        return error

    def stream(self, kql: str, *, timeout: float | None = None, flavour: str | None = None,
               params: dict[str, Any] | None = None, now: datetime | None = None) -> ResultStream:
        """Run a query and give its rows a batch at a time, as they are made (for results too large to hold):
        `with con.stream(kql) as rows: for batch in rows: ...`. The connection runs nothing else meanwhile."""
        started = time.monotonic()
        limit = timeout if timeout is not None else self.timeout
        self._running.acquire()
        try:
            compiled, sql = self.compile(kql, flavour=flavour, params=params, now=now,
                                         deadline=started + limit if limit else None)
            one_table(compiled)
            if timeout is None and compiled.options.timeout:
                limit = compiled.options.timeout
            # without Arrow loaded, the rows come as Python values (they are made so anyway)
            batches = self._batches(sql, started + limit if limit else None, limit, python_rows=not _arrow_loaded())
            next(batches)  # the schema (or the start): the query has started, or failed to
        except BaseException:
            self._running.release()
            raise
        return ResultStream(self, compiled, batches)

    def _lock_down(self) -> None:
        """Before the first query: DuckDB may open only the files attached so far, and its configuration is
        locked. The compiler's function allow-list is then not the only barrier between a query and the disk:
        no SQL can read, write, attach, install or change a setting. Files attached later are read by Arrow."""
        if self._locked:
            return
        with self._lock:
            if self._readable:
                paths = exp.Array(expressions=[sb.string(p) for p in sorted(self._readable)])
                self._set("allowed_paths", paths)
            self._set("enable_external_access", exp.false())
            self._set("lock_configuration", exp.true())
            self._locked = True

    def _setting(self, setting: str) -> Any:
        select = exp.select(exp.Anonymous(this="current_setting", expressions=[sb.string(setting)]))
        return self.duckdb.execute(select.sql("duckdb")).fetchall()[0][0]

    def _configure(self, setting: str, value: str | bool) -> None:
        """Set a DuckDB setting (as SQLGlot nodes: the value is a literal, never pasted), unless it already has
        that value (threads and memory_limit as DuckDB shows them are compared through a SET on a probe)."""
        if self._locked and _same_setting(self._setting(setting), value):
            return
        literal = exp.Boolean(this=value) if isinstance(value, bool) else sb.string(value)
        try:
            self._set(setting, literal)
        except duckdb.Error as error:
            if self._locked:
                raise KqlResourceError(
                    f"{setting} cannot be set to {value!r}: this database is open in another kqlite connection of "
                    "this process, which locked its settings; close that connection first") from None
            raise error

    def _set(self, setting: str, value: exp.Expression) -> None:
        item = exp.SetItem(this=exp.EQ(this=exp.column(setting), expression=value))
        self.duckdb.execute(exp.Set(expressions=[item]).sql("duckdb"))

    @contextmanager
    def _ctrl_c_interrupts(self, interrupted: list[int]) -> Iterator[None]:
        """While a query runs, Ctrl-C interrupts DuckDB (then KeyboardInterrupt is raised as usual). Python's own
        KeyboardInterrupt in the middle of a wait would leave the connection unusable."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def on_sigint(signum: int, frame: object) -> None:
            interrupted.append(signum)
            self.duckdb.interrupt()

        previous = signal.signal(signal.SIGINT, on_sigint)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    def explain(self, kql: str, *, flavour: str | None = None, params: dict[str, Any] | None = None,
                now: datetime | None = None) -> Explanation:
        compiled, _ = self.compile(kql, flavour=flavour, params=params, now=now)
        with deep_recursion():
            return Explanation(compiled.tables, compiled.operators, explained_sql(compiled), compiled.flavour,
                               list(compiled.notes))

    def close(self) -> None:
        self.duckdb.close()
        if self.geoip is not None:
            self.geoip.close()

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


_BATCH_ROWS = 65_536
_SMALL_RESULT = 10_000  # rows a result may have to come back as Python values (Rows) rather than Arrow
_STARTED = object()  # a stream of Python rows has started (where an Arrow stream gives its schema)


@dataclass
class _Head:
    """The first rows of a result that has more than a small one (as Python values), before its Arrow rest."""

    rows: list[tuple]


def _with_head(head: list[tuple], rest: pa.Table) -> pa.Table:
    """A result's first rows (Python values) and the Arrow table of the others, as one Arrow table."""
    import pyarrow as pa

    from kqlite.arrays import nullable_array  # not pa.array(): it imports pandas

    columns = list(zip(*head, strict=True))
    arrays = []
    for i, arrow_field in enumerate(rest.schema):
        values = [None if v is None else str(v) for v in columns[i]] if pa.types.is_string(arrow_field.type) else \
            list(columns[i])
        arrays.append(nullable_array(values, arrow_field.type))
    return pa.concat_tables([pa.Table.from_arrays(arrays, schema=rest.schema), rest])


def _arrow_loaded() -> bool:
    """Whether pyarrow is imported already (then a result comes back as Arrow, without a DB-API copy)."""
    return "pyarrow" in sys.modules


def _is_arrow_table(source: Any) -> bool:
    """Whether `source` is a pyarrow Table (without importing pyarrow: if it is not loaded, nothing is one)."""
    arrow = sys.modules.get("pyarrow")
    return arrow is not None and isinstance(source, arrow.Table)
_DONE = object()


def _put(results: queue.Queue[Any], stop: threading.Event, item: Any) -> bool:
    """Hand an item to the consumer unless it has stopped listening; whether it was handed."""
    while not stop.is_set():
        try:
            results.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _drain(results: queue.Queue[Any]) -> None:
    while True:
        try:
            results.get_nowait()
        except queue.Empty:
            return


class ResultStream:
    """The rows of a streamed query, a batch of Python tuples at a time (see `Connection.stream`)."""

    def __init__(self, connection: Connection, compiled: CompiledQuery, batches: Iterator[Any]):
        self.columns = [c.name for c in compiled.columns]
        self.types = [c.type for c in compiled.columns]
        self.notes = list(compiled.notes)
        self.rows_seen = 0
        self._connection, self._compiled, self._batches = connection, compiled, batches
        self._open = True

    def __iter__(self) -> Iterator[list[tuple]]:
        try:
            for batch in self._batches:
                if isinstance(batch, Rows):
                    rows = Result(batch, self.columns, self.types).rows()
                else:
                    import pyarrow as pa

                    rows = Result(pa.Table.from_batches([batch]), self.columns, self.types).rows()
                self.rows_seen += len(rows)
                yield rows
        finally:
            self.close()
        if self.rows_seen == 0:
            hint = self._connection.clock_hint(self._compiled)
            if hint:
                self.notes.append(hint)

    def close(self) -> None:
        if self._open:
            self._open = False
            self._batches.close()
            self._connection._running.release()

    def __enter__(self) -> ResultStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _same_setting(current: Any, wanted: str | bool) -> bool:
    utc = {"utc", "etc/utc", "gmt", "etc/gmt", "zulu", "etc/zulu", "universal", "etc/universal"}
    current, wanted = str(current).lower(), str(wanted).lower()
    return current == wanted or (current in utc and wanted in utc)


def _glob_escaped(path: str) -> str:
    """`path` as a DuckDB file pattern that matches only itself."""
    return "".join(f"[{c}]" if c in "[*?" else c for c in path)


def _arrow_source(path: Path, reader: str, typed_csv: bool) -> Any:
    """A file read by Arrow, for a connection whose DuckDB may no longer open files."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.dataset as ds
    import pyarrow.json as pajson

    try:
        if reader == "read_parquet":
            return ds.dataset(str(path), format="parquet")
        if reader == "read_csv":
            convert = pacsv.ConvertOptions()
            if not typed_csv:  # as DuckDB's all_varchar: the schema decides the types
                with open(path, encoding="utf-8-sig", newline="") as handle:
                    header = next(csv.reader(handle), [])
                convert = pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()))
            return pacsv.read_csv(path, convert_options=convert)
        return pajson.read_json(path)
    except (OSError, pa.ArrowException, csv.Error) as error:
        raise KqlDataError(f"cannot read {path}: {error}") from None


def _original_names(source: Any, described: list[str], parquet_names: Callable[[str], list[str] | None]
                    ) -> list[str]:
    """The data's own column names: DuckDB renames the second of two names that differ only in case
    (`user`, `User` -> `user`, `User_1`; Defender's DeviceProcessEvents has LogonId and LogonID); Kusto keeps
    both."""
    folded = [name.lower() for name in described]
    if not any(re.fullmatch(r"(.+)_\d+", name) and re.fullmatch(r"(.+)_\d+", name).group(1) in folded
               for name in folded):
        return described  # no name DuckDB could have renamed
    names: list[str] | None = None
    try:
        if _is_arrow_table(source):
            names = source.schema.names
        elif isinstance(source, str | os.PathLike) and Path(source).suffix.lower() == ".parquet":
            names = parquet_names(str(source))
            if names is None:  # DuckDB may not open files (a locked connection): Arrow reads the schema
                import pyarrow.parquet as pq

                names = pq.read_schema(source).names
        elif isinstance(source, str | os.PathLike) and Path(source).suffix.lower() == ".csv":
            with open(source, encoding="utf-8-sig", newline="") as handle:
                names = next(csv.reader(handle), None)
    except (OSError, ValueError, csv.Error):
        names = None
    except Exception as error:  # noqa: BLE001 - Arrow's errors, without importing Arrow to name them
        if type(error).__module__.split(".")[0] != "pyarrow":
            raise
        names = None
    return names if names is not None and len(names) == len(described) else described
