"""The Spark backend: the same KQL, compiled through the Spark dialect, run by a SparkSession.

Data stays where it is (Parquet, Delta, CSV, JSON on local disk or object storage, or tables of the session's
catalog); each attached table is read through a temporary view shaped to its bundled schema. Results come back
as Arrow and are the same `Result` the DuckDB backend returns.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlglot import exp

from kqlite.backends.common import (
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
from kqlite.compile import CompiledQuery, compile_script
from kqlite.compile import sqlbuild as sb
from kqlite.compile.catalog import Catalog
from kqlite.compile.dialects import ShapeUnavailable, dialect_named
from kqlite.compile.scope import Column, ident
from kqlite.compile.sqlnames import SqlNames
from kqlite.errors import KqlDataError, KqlError, KqlResourceError, KqlUnsupportedError
from kqlite.geoip import open_geoip
from kqlite.result import Result
from kqlite.schemas import FLAVOURS, table_differs, table_schema
from kqlite.syntax import ast, parse
from kqlite.syntax.parser import deep_recursion

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from kqlite.external.policy import ExternalPolicy

# Spark type name (DataType.typeName()) -> KQL type, for columns no bundled schema describes
_SPARK_TO_KQL = {
    "boolean": "bool", "byte": "int", "short": "int", "integer": "int", "long": "long", "float": "real",
    "double": "real", "decimal": "decimal", "string": "string", "timestamp": "datetime", "timestamp_ntz": "datetime",
    "date": "datetime", "variant": "dynamic", "array": "dynamic", "map": "dynamic", "struct": "dynamic",
    "binary": "string", "varchar": "string", "char": "string",
}
_READERS = {".parquet": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json",
            ".orc": "orc", ".avro": "avro"}
_NUMBER_TYPES = {"int": "integer", "long": "long", "real": "double"}  # KQL type -> Spark type name
_connection_numbers = itertools.count(1)

# The settings kqlite's SQL relies on; a session the user gives gets them too (they are session-scoped).
SESSION_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",  # datetimes are UTC instants, as in Kusto
    "spark.sql.ansi.enabled": "false",  # Kusto: a bad conversion is null, an integer overflow wraps
    "spark.sql.mapKeyDedupPolicy": "LAST_WIN",  # bag_merge and friends: a later key wins
    "spark.sql.legacy.sizeOfNull": "false",  # size(null) is null, not -1
    "spark.sql.caseSensitive": "true",  # KQL names are case-sensitive: LogonId and LogonID are two columns
    # scan reads one row per recursion level (per partition): as many levels and rows as the input has
    "spark.sql.cteRecursionLevelLimit": "-1",
    "spark.sql.cteRecursionRowLimit": "-1",
    # the series algorithms (series_decompose...) nest lambdas deeper than the analyzer's 100 passes resolve
    "spark.sql.analyzer.maxIterations": "1000",
}


def local_session(threads: str = "*", shuffle_partitions: int | None = None, adaptive: bool = True) -> SparkSession:
    """A local SparkSession for kqlite (or the one already running): UTC, no UI, few shuffle partitions.
    Adaptive execution (on by default) turns a join with a small side into a broadcast once it knows the
    size; tests turn it off for plans that do not change from run to run."""
    from pyspark.sql import SparkSession

    partitions = shuffle_partitions or (os.cpu_count() or 2 if threads == "*" else int(threads))
    builder = (SparkSession.builder.master(f"local[{threads}]").appName("kqlite")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", str(partitions))
               .config("spark.sql.adaptive.enabled", str(adaptive).lower()))
    for key, value in SESSION_SETTINGS.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


TIME_BOUND_PREFIX = "__kq_time_"  # a hidden column repeating a datetime column's stored timestamp
# Spark's timestamp types (DataType.typeName()) -> the SQL type a bound on the stored value is cast to
_STORED_TIMESTAMPS = {"timestamp": "TIMESTAMP", "timestamp_ntz": "TIMESTAMP_NTZ"}


class SparkConnection:
    """A kqlite session over a SparkSession (the user's, or a local one). Same query API as `Connection`."""

    backend = "spark"

    def __init__(self, tables: dict[str, Any] | None = None, *, spark: SparkSession | None = None,
                 flavour: str = "auto", now: datetime | None = None, timeout: float | None = None,
                 external_policy: ExternalPolicy | None = None, evidence: list[str | os.PathLike] | None = None,
                 geoip_database: str | os.PathLike | None = None, allow_python: bool = False):
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        if flavour not in ("auto", *FLAVOURS):
            raise ValueError(f"flavour must be 'auto', 'defender' or 'sentinel', not {flavour!r}")
        _quiet_pyspark_logging()
        self.spark = spark or local_session()
        for key, value in SESSION_SETTINGS.items():
            self.spark.conf.set(key, value)
        self.dialect = dialect_named("spark")
        self.flavour = flavour
        self.now = now
        self.timeout = timeout
        self.names = SqlNames()
        self.allow_python = allow_python  # evaluate python() may run its script here (see docs/semantics.md)
        self.geoip = open_geoip(geoip_database)  # geo_info_from_ip_address()'s database (or the environment's)
        self._prefix = f"kqlite{next(_connection_numbers)}_"  # this connection's temporary views
        self._sources: dict[str, DataFrame] = {}
        self._views: dict[tuple[str, str], list[Column]] = {}
        self._time_bounds: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
        self._view_names: list[str] = []
        self._rows_count = 0  # relations of rows computed while compiling (_register_rows)
        self._lock = threading.RLock()
        self._jobs = itertools.count(1)
        self._external_policy = external_policy
        self._local_paths: list[str] = []  # local files attached: externaldata may read beside them
        self._external_views: dict[str, tuple[str, list[str]]] = {}
        self.evidence_report = None  # what reading `evidence` found: files, rows per table, rejects
        if evidence:
            self.add_evidence(evidence)
        for name, source in (tables or {}).items():
            self.attach(name, source)

    # ------------------------------------------------------------ data

    def add_evidence(self, paths: list[str | os.PathLike]) -> None:
        """Read files, folders and archives of any format kqlite ingests (EVTX, Defender exports, ...) and attach
        every table they hold; `evidence_report` says what was read (as on DuckDB)."""
        from kqlite.ingest.pipeline import load

        tables, report = load([Path(p) for p in paths])
        self.evidence_report = report
        for name, table in tables.items():
            self.attach(name, table)

    def attach(self, name: str, source: Any, *, format: str | None = None, options: dict[str, str] | None = None
               ) -> None:
        """Make `source` queryable as table `name`: a Spark DataFrame, a path or URI of Parquet, Delta, CSV,
        JSON lines, ORC or Avro data (local, ``s3a://``, ``abfss://``, ``hdfs://`` ...; a folder is read whole),
        ``"table:db.name"`` for a table of the session's catalog, or a pyarrow Table / pandas DataFrame."""
        frame = self._frame(source, format, options or {})
        with self._lock:
            previous = self._sources.get(name)
            stale = [key for key in self._views if key[0] == name]
            self._sources[name] = frame
            for key in stale:
                del self._views[key]
                self._time_bounds.pop(key, None)
            try:
                self.table_columns(name, "defender")
            except KqlDataError:
                if previous is None:
                    del self._sources[name]
                else:
                    self._sources[name] = previous
                raise

    def _frame(self, source: Any, format: str | None, options: dict[str, str]) -> DataFrame:
        from pyspark.sql import DataFrame

        if isinstance(source, DataFrame):
            return source
        if isinstance(source, pa.Table):
            return self.spark.createDataFrame(source.to_pandas())
        if type(source).__name__ == "DataFrame" and hasattr(source, "to_dict"):  # pandas
            return self.spark.createDataFrame(source)
        text = str(source)
        if "://" not in text and not text.startswith("table:"):
            self._local_paths.append(text)
        try:
            if text.startswith("table:"):
                return self.spark.table(text.removeprefix("table:"))
            reader = self.spark.read.options(**options)
            kind = format or _format_of(text)
            if kind == "csv":
                reader = reader.option("header", "true").option("multiLine", "true").option("escape", '"')
            return reader.format(kind).load(text)
        except Exception as error:  # noqa: BLE001 - Spark raises many classes; the message says which
            raise KqlDataError(f"cannot read {text}: {_first_line(error)}") from None

    def has_table(self, name: str) -> bool:
        return name in self._sources or name in known_table_names()

    def view_name(self, table: str, flavour: str) -> str:
        suffix = "_sentinel" if flavour == "sentinel" and table_differs(table) else ""
        return f"{self._prefix}{table}{suffix}"

    def table_columns(self, name: str, flavour: str = "defender") -> list[Column]:
        """The KQL columns of table `name` as a query of `flavour` sees it (its view made on first use)."""
        flavour = flavour if flavour in FLAVOURS and table_differs(name) else "defender"
        key = (name, flavour)
        with self._lock:
            columns = self._views.get(key)
            if columns is None:
                if name not in self._sources and name not in known_table_names():
                    raise KeyError(name)
                bounds: dict[str, tuple[str, str]] = {}
                frame, columns = self._shaped(name, flavour, time_bounds=bounds)
                self._time_bounds[key] = bounds
                view = self.view_name(name, flavour)
                frame.createOrReplaceTempView(view)
                self._view_names.append(view)
                self._views[key] = columns
            return list(columns)

    def _shaped(self, name: str, flavour: str, schema: list[tuple[str, str]] | None = None,
                source: DataFrame | None = None,
                time_bounds: dict[str, tuple[str, str]] | None = None) -> tuple[DataFrame, list[Column]]:
        """The table as its schema says (missing columns empty, extra columns after), as a DataFrame.
        `time_bounds` receives, for each datetime column stored as a timestamp, the hidden column repeating the
        stored value and its type: a filter on the column bounds it too, and Spark prunes files and row groups
        with it (see kqlite.compile.time_bounds)."""
        schema = schema if schema is not None else table_schema(name, flavour) or []  # type: ignore[arg-type]
        source = source if source is not None else self._sources.get(name)
        columns: list[Column] = []
        projections: list[exp.Expression] = []
        present: dict[str, str] = {}
        if source is not None:
            present = {field.name: field.dataType.typeName() for field in source.schema.fields}
        used: set[str] = set()
        for col_name, kql_type in schema:
            columns.append(Column(col_name, kql_type))
            found = source_column(col_name, schema, present)
            if found is not None:
                used.add(found)
                value = self._convert(exp.Column(this=ident(found)), present[found], kql_type)
                stored = _STORED_TIMESTAMPS.get(present[found])
                if kql_type == "datetime" and stored is not None and time_bounds is not None:
                    hidden = TIME_BOUND_PREFIX + col_name
                    projections.append(exp.alias_(exp.Column(this=ident(found)), ident(hidden), copy=False))
                    time_bounds[col_name] = (hidden, stored)
            elif col_name == "Type" and kql_type == "string" and flavour == "sentinel":
                value = sb.string(name)
            else:
                value = sb.missing(kql_type)
            projections.append(self._output(value, col_name))
        schema_names = {c for f in FLAVOURS for c, _ in (table_schema(name, f) or [])}
        for col_name, spark_type in present.items():
            if col_name in used or col_name in schema_names:
                continue
            kql_type = _SPARK_TO_KQL.get(spark_type, "string")
            columns.append(Column(col_name, kql_type))
            projections.append(self._output(self._convert(exp.Column(this=ident(col_name)), spark_type, kql_type),
                                            col_name))
        select = exp.Select().select(*projections, copy=False)
        if source is None:
            select = select.where(exp.false(), copy=False)
        else:
            raw = f"{self._prefix}raw_{name}"
            source.createOrReplaceTempView(raw)
            self._view_names.append(raw)
            select = select.from_(exp.Table(this=ident(raw)), copy=False)
        try:
            frame = self.spark.sql(self.dialect.generate(select))
        except Exception as error:  # noqa: BLE001
            raise KqlDataError(f"table {name}: cannot read its data: {_first_line(error)}") from None
        return frame, columns

    def _convert(self, ref: exp.Expression, spark_type: str, kql_type: str) -> exp.Expression:
        """A column of the data as the KQL type its schema gives (bad values become null, as Kusto reads)."""
        d = self.dialect
        if kql_type == "string":
            text = ref if spark_type == "string" else exp.Cast(this=ref, to=d.sql_type("string"))
            return sb.coalesce(text, sb.string(""))
        if kql_type == "dynamic":
            if spark_type == "variant":
                return ref
            if spark_type == "string":
                return d.shape("text_to_dynamic", s=ref)
            return d.shape("value_to_dynamic", x=ref)
        if kql_type == "timespan":
            if spark_type == "string":
                return d.shape("timespan_from_text", s=ref)
            return exp.TryCast(this=ref, to=d.sql_type("long"))
        if kql_type == "datetime":  # Kusto's ticks: 100 ns since 0001-01-01 UTC
            if spark_type == "string":
                return d.shape("text_to_datetime", s=ref)
            if spark_type in ("timestamp", "timestamp_ntz"):
                return sb.tmpl("unix_micros(:c) * 10 + 621355968000000000", c=ref)
            return sb.tmpl("unix_micros(TRY_CAST(:c AS TIMESTAMP)) * 10 + 621355968000000000", c=ref)
        target = d.sql_type(kql_type)
        if spark_type == "string":
            return exp.TryCast(this=exp.Trim(this=ref), to=target)
        return exp.TryCast(this=ref, to=target)

    def _output(self, value: exp.Expression, column: str) -> exp.Expression:
        return exp.alias_(value, exp.to_identifier(self.names.register(column), quoted=True), copy=False)

    def external_policy(self) -> ExternalPolicy:
        """Where externaldata may read: the policy given to connect(), else the current folder and the folders
        of the local files attached (as on DuckDB)."""
        if self._external_policy is not None:
            return self._external_policy
        from kqlite.external import ExternalPolicy

        return ExternalPolicy.default(sorted({Path(p).resolve().parent for p in self._local_paths}))

    def _register_rows(self, table: Any) -> exp.Table:
        """Rows computed while compiling (an Arrow table) as a temporary view of the session."""
        self._rows_count += 1
        name = f"{self._prefix}rows_{self._rows_count}"
        self.spark.createDataFrame(table).createOrReplaceTempView(name)
        self._view_names.append(name)
        return exp.Table(this=ident(name))

    def _external(self, columns: list[Column], uris: list[str], properties: dict[str, object]
                  ) -> tuple[exp.Table, list[str]]:
        """An externaldata operator's rows, read by kqlite (the same loader as on DuckDB), as a view of the
        declared columns; the same operator in a later query reuses it."""
        from kqlite.external import load_externaldata_report

        key = repr((columns, uris, sorted(properties.items())))
        with self._lock:
            cached = self._external_views.get(key)
            if cached is None:
                declared = [(c.name, c.type) for c in columns]
                load = load_externaldata_report(declared, uris, properties, self.external_policy())
                frame = self.spark.createDataFrame(load.table.to_pandas()) if load.table.num_rows else None
                view = f"{self._prefix}external{len(self._external_views) + 1}"
                shaped, _ = self._shaped(view, "defender", declared, frame)
                shaped.createOrReplaceTempView(view)
                self._view_names.append(view)
                cached = self._external_views[key] = (view, list(load.warnings))
        return exp.Table(this=ident(cached[0])), cached[1]

    def catalog(self, flavour: str = "defender") -> Catalog:
        return ConnectionCatalog(self, flavour)

    def time_bounds(self, name: str, flavour: str = "defender") -> dict[str, tuple[str, str]]:
        """For each datetime column of the table's view stored as a timestamp: the hidden column repeating the
        stored value, and its type (see `_shaped`)."""
        flavour = flavour if flavour in FLAVOURS and table_differs(name) else "defender"
        return dict(self._time_bounds.get((name, flavour), {}))

    def source_names(self) -> list[str]:
        return list(self._sources)

    def ingestion_time(self, name: str) -> exp.Expression | None:
        """ingestion_time() on Spark: when the data was attached is not tracked (null)."""
        return None

    # ------------------------------------------------------------ queries

    def choose_flavour(self, script: ast.Script) -> str:
        return choose_flavour(script, self.flavour)

    def compile(self, kql: str, *, flavour: str | None = None, params: dict[str, Any] | None = None,
                now: datetime | None = None, deadline: float | None = None,
                variables: dict[str, Any] | None = None) -> tuple[CompiledQuery, str]:
        """The compiled query and its Spark SQL text."""
        options = {"probe": self._probe, "external": self._external, "names": self.names, "params": params,
                   "now": now or self.now, "deadline": deadline, "variables": variables, "dialect": self.dialect,
                   "register_rows": self._register_rows, "geoip": self.geoip,
                   "allow_python": self.allow_python}
        with deep_recursion():
            try:
                script = parse(kql)
                compiled = compile_in_flavour(
                    script, lambda chosen: compile_script(script, self.catalog(chosen), **options), flavour,
                    self.flavour)
                return compiled, compiled.sql_text()
            except ShapeUnavailable as missing:
                raise KqlUnsupportedError(f"{missing}: run this query on the DuckDB backend") from None
            except RecursionError:
                raise KqlError("the query is too deeply nested to compile; split it with let statements") from None

    def query(self, kql: str, *, timeout: float | None = None, flavour: str | None = None,
              params: dict[str, Any] | None = None, now: datetime | None = None,
              variables: dict[str, Any] | None = None) -> Result:
        """Run a KQL query on Spark and return its rows with Kusto's column names and types."""
        started = time.monotonic()
        limit = timeout if timeout is not None else self.timeout
        compiled, sql = self.compile(kql, flavour=flavour, params=params, now=now,
                                     deadline=started + limit if limit else None, variables=variables)
        if timeout is None and compiled.options.timeout:
            limit = compiled.options.timeout
        table = self._run(sql, compiled.columns, limit)
        result = Result(table, [c.name for c in compiled.columns], [c.type for c in compiled.columns], sql,
                        compiled.name)
        result_notes(result, compiled)
        # fork and facet: each further table is a query of its own
        result.more = [further_result(part, self._run(part.sql_text(), part.columns, limit)) for part in compiled.more]
        return result

    def stream(self, kql: str, *, timeout: float | None = None, flavour: str | None = None,
               params: dict[str, Any] | None = None, now: datetime | None = None,
               variables: dict[str, Any] | None = None) -> _ResultRows:
        """The rows of a query a batch at a time (the result is fetched as Arrow, then handed out in batches)."""
        one_table(self.compile(kql, flavour=flavour, params=params, now=now, variables=variables)[0])
        result = self.query(kql, timeout=timeout, flavour=flavour, params=params, now=now, variables=variables)
        return _ResultRows(result)

    def _run(self, sql: str, columns: list[Column], limit: float | None) -> pa.Table:
        """Run the SQL as one Spark job group (cancelled when the time limit passes) and fetch it as Arrow."""
        from pyspark.sql import functions as F

        group = f"{self._prefix}job{next(self._jobs)}"
        context = self.spark.sparkContext
        context.setJobGroup(group, "kqlite query", interruptOnCancel=True)
        timer = threading.Timer(limit, context.cancelJobGroup, args=(group,)) if limit else None
        if timer is not None:
            timer.daemon = True
            timer.start()
        try:
            frame = self.spark.sql(sql)
            # dynamic values leave Spark as JSON text, as they leave DuckDB; a number leaves as its KQL type
            # even where a Spark function typed it otherwise (floor() of a real is a BIGINT)
            outputs = []
            for i, column in enumerate(columns):
                value = frame[i]
                if column.type == "dynamic":
                    value = F.to_json(value)
                elif column.type in _NUMBER_TYPES and frame.schema.fields[i].dataType.typeName() != _NUMBER_TYPES[column.type]:
                    value = value.cast(_NUMBER_TYPES[column.type])
                outputs.append(value)
            frame = frame.select(*outputs)
            return frame.toArrow()
        except Exception as error:  # noqa: BLE001
            if timer is not None and not timer.is_alive():
                raise KqlResourceError(f"the query ran longer than its time limit ({limit:g} s) and was stopped",
                                       ) from None
            raise KqlError(f"the query failed on Spark: {_first_line(error)}") from None
        finally:
            if timer is not None:
                timer.cancel()
            context.setLocalProperty("spark.jobGroup.id", None)

    def _probe(self, sql: str) -> list[tuple]:
        """Run a compiler-made query (plugins whose output columns depend on the data read the data first)."""
        try:
            return [tuple(row) for row in self.spark.sql(sql).collect()]
        except Exception as error:  # noqa: BLE001
            raise KqlError(f"the query failed on Spark: {_first_line(error)}") from None

    def explain(self, kql: str, *, flavour: str | None = None, params: dict[str, Any] | None = None,
                now: datetime | None = None) -> Explanation:
        compiled, _ = self.compile(kql, flavour=flavour, params=params, now=now)
        return Explanation(compiled.tables, compiled.operators, explained_sql(compiled), compiled.flavour,
                           list(compiled.notes))

    def close(self) -> None:
        """Drop this connection's temporary views (the session stays: it may be the user's)."""
        with self._lock:
            for view in self._view_names:
                self.spark.catalog.dropTempView(view)
            self._view_names.clear()
            self._views.clear()
        if self.geoip is not None:
            self.geoip.close()

    def __enter__(self) -> SparkConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _ResultRows:
    """`stream()`'s answer: the columns, types and notes, then the rows in batches of Python tuples."""

    def __init__(self, result: Result, size: int = 10_000):
        self.columns, self.types, self.notes = result.columns, result.types, result.notes
        self._result, self._size = result, size

    def __iter__(self) -> Iterator[list[tuple]]:
        return self._result.iter_batches(self._size)

    def close(self) -> None:
        pass

    def __enter__(self) -> _ResultRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _format_of(path: str) -> str:
    """The reader for a path: by its suffix; a local folder with a _delta_log is a Delta table; anything else
    (a folder of a data lake, an object store prefix) is Parquet unless `attach(..., format=...)` says."""
    suffix = Path(path.rstrip("/")).suffix.lower()
    if suffix in _READERS:
        return _READERS[suffix]
    if "://" not in path and (Path(path) / "_delta_log").is_dir():
        return "delta"
    return "parquet"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("JVM stacktrace", "at ")):
            return line[:500]
    return type(error).__name__


def _quiet_pyspark_logging() -> None:
    # PySpark logs every failed query, with its Java stack, as JSON on stderr; kqlite reports errors itself
    for name in ("pyspark", "py4j", "SQLQueryContextLogger"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
