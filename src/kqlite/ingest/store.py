"""A kqlite store: a DuckDB file holding ingested Defender tables, and a ledger of the files they came from.

Tables keep the bundled schema's columns and any extra ones (added as later files bring them). The ledger
(``_kqlite_files``) holds the BLAKE3 digest of every file read, so that ingesting the same file again adds nothing.
Every row gets the time (UTC) of the write that stored it in ``_kqlite_ingestion_time``, KQL's
``ingestion_time()`` (rows of a store written before that column existed keep null).
Open a store with ``kqlite.connect("store.duckdb")``: its tables are attached like any other data.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from duckdb import ColumnExpression, ConstantExpression

from kqlite.errors import KqlError
from kqlite.ingest.columns import integers, strings
from kqlite.ingest.ledger import LEDGER, known_hashes  # noqa: F401 - the store's API too
from kqlite.ingest.lock import DEFAULT_WAIT
from kqlite.ingest.pipeline import FileReport, IngestReport
from kqlite.schemas import table_schema

INGESTION_TIME = "_kqlite_ingestion_time"
_CREATE_LEDGER = (f"CREATE TABLE IF NOT EXISTS {LEDGER} (blake3 VARCHAR PRIMARY KEY, name VARCHAR, format VARCHAR, "
                  "records BIGINT, ingested_at TIMESTAMP)")


def stored_tables(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """The data tables of a store (its ledger and other internal tables left out)."""
    rows = connection.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary "
                              "AND database_name = current_database() ORDER BY table_name").fetchall()
    return [name for (name,) in rows if not name.startswith("_kqlite")]


def write(path: str | Path, tables: dict[str, pa.Table], report: IngestReport,
          origins: dict[str, pa.ChunkedArray] | None = None, wait: float = DEFAULT_WAIT) -> None:
    """Append `tables` to the store at `path` (created if needed) and record the files read, in one transaction.

    The ledger is read again inside the transaction: the rows of a file that another run stored meanwhile
    are dropped (`origins`, the file of each row, tells which) and the file is reported as skipped. Without
    `origins` such a write is refused. Callers that read and write should hold ``lock.writer_lock``."""
    writer = Writer(path, report, wait)
    try:
        writer.finish(tables, origins)
    finally:
        writer.close()


class Writer:
    """`write` in two steps, so that its first one runs while the caller maps the events: made once the files are
    read (`report` final), it opens the store on a thread (waiting for a process that has it open), begins the
    transaction, reads the ledger and records the files read; `finish(tables, origins)` then appends the tables
    and commits. DuckDB works outside Python's lock, on the core the mapping leaves idle. `close()` rolls back
    what was not finished (the mapping failed: nothing is written)."""

    def __init__(self, path: str | Path, report: IngestReport, wait: float = DEFAULT_WAIT):
        self.path = path
        self._report = report
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._stale: list[FileReport] = []  # files of the ledger now: another run stored them meanwhile
        self._now = datetime.now(UTC).replace(tzinfo=None)  # the write's time: every row's ingestion time
        self._error: BaseException | None = None
        self._cancelled = threading.Event()  # close() before finish(): stop waiting for the store
        self._thread = threading.Thread(target=self._begin, args=(wait,), name="kqlite-store", daemon=True)
        self._thread.start()
        self._closing: threading.Thread | None = None  # after the commit: the store closed (DuckDB's checkpoint)
        self._close_error: BaseException | None = None

    def _begin(self, wait: float) -> None:
        try:
            self._connection = _connect_for_writing(self.path, wait, self._cancelled)
            self._connection.execute("BEGIN TRANSACTION")
            self._connection.execute(_CREATE_LEDGER)
            digests = {digest for (digest,) in self._connection.execute(f"SELECT blake3 FROM {LEDGER}").fetchall()}
            self._stale = [file for file in self._report.files if file.digest in digests and not file.skipped]
            stale = {id(file) for file in self._stale}
            _record_files(self._connection, [file for file in self._report.files if id(file) not in stale], self._now)
        except BaseException as error:  # noqa: BLE001 - raised in the caller's thread, by finish()
            self._error = error

    def finish(self, tables: dict[str, pa.Table], origins: dict[str, pa.ChunkedArray] | None) -> None:
        """Append `tables` (less the rows of files another run stored meanwhile) and commit. The store is then
        closed on a thread (DuckDB writes the committed rows into the file: 20 ms for a folder of small logs) while
        the caller reports; `close()` waits for it."""
        self._thread.join()
        connection = self._connection
        try:
            if self._error is not None:
                raise self._error
            assert connection is not None
            tables = _without_stored_files(tables, self._report, self._stale, origins)
            existing = set(stored_tables(connection))
            for name, table in tables.items():
                _append(connection, name, table, name in existing, self._now)
            connection.execute("COMMIT")
        except BaseException as error:
            self.close()
            if isinstance(error, duckdb.Error):
                raise KqlError(f"{self.path}: cannot write the store (nothing was written): {error}") from error
            raise
        self._connection = None
        self._closing = threading.Thread(target=self._close_committed, args=(connection,), name="kqlite-store-close")
        self._closing.start()

    def _close_committed(self, connection: duckdb.DuckDBPyConnection) -> None:
        try:
            connection.close()
        except BaseException as error:  # noqa: BLE001 - raised in the caller's thread, by close()
            self._close_error = error

    def close(self) -> None:
        """Roll back and close what `finish` did not commit (a wait for the store ends at once); after `finish`,
        wait for the store to be closed."""
        self._cancelled.set()
        self._thread.join()
        if self._closing is not None:
            self._closing.join()
            error, self._close_error = self._close_error, None
            if error is not None:
                raise KqlError(f"{self.path}: the rows are committed, but closing the store failed: {error}") from error
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.execute("ROLLBACK")
        except duckdb.Error:  # the transaction is already gone: the first error is the one to tell
            pass
        connection.close()


def _record_files(connection: duckdb.DuckDBPyConnection, files: list[FileReport], now: datetime) -> None:
    """The files read, into the ledger in one statement (one INSERT per file took 3 ms each: 15 s for a
    folder of 4,800 small logs)."""
    first: dict[str, FileReport] = {}  # one row per digest: the first file that had it
    for file in files:
        if file.digest and not file.skipped:
            first.setdefault(file.digest, file)
    files = list(first.values())
    if not files:
        return
    ledger = pa.table({"blake3": strings([file.digest for file in files]), "name": strings([file.name for file in files]),
                       "format": strings([file.format for file in files]),
                       "records": integers([file.records for file in files])})
    connection.register("_kq_ledger", ledger)
    try:
        connection.execute(f"INSERT OR IGNORE INTO {LEDGER} SELECT blake3, name, format, records, ? "
                           "FROM _kq_ledger", [now])
    finally:
        connection.unregister("_kq_ledger")


def _without_stored_files(tables: dict[str, pa.Table], report: IngestReport, stale: list[FileReport],
                          origins: dict[str, pa.ChunkedArray] | None) -> dict[str, pa.Table]:
    """`tables` less the rows of the `stale` files (the ledger holds them now: stored by a concurrent run)."""
    if not stale:
        return tables
    import pyarrow.compute as pc  # here: rare, and 0.02 s to import
    if origins is None:
        raise KqlError(f"{stale[0].name}: stored by another run while this one read it; ingest again")
    names = pa.array(sorted({file.name for file in stale}), pa.string())
    kept = {}
    for name, table in tables.items():
        table = table.filter(pc.invert(pc.is_in(origins[name], value_set=names)))
        report.rows[name] = table.num_rows
        if table.num_rows:
            kept[name] = table
    report.rows = +report.rows  # drop the tables left empty
    for file in stale:
        file.skipped = "already ingested (by another run, meanwhile)"
    return kept


def _connect_for_writing(path: str | Path, wait: float, cancelled: threading.Event) -> duckdb.DuckDBPyConnection:
    """A writing connection; while another process has the file open (a query on the store), wait for it (until
    `cancelled` is set)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() >= deadline:
                raise KqlError(f"{path}: cannot open the store for writing: {error}") from None
            if cancelled.wait(0.2):
                raise KqlError(f"{path}: the write was abandoned while waiting for the store") from None


def _append(connection: duckdb.DuckDBPyConnection, name: str, table: pa.Table, exists: bool, now: datetime) -> None:
    """Add `table`'s rows to the stored table `name` by column name (created on first need; columns a later
    file brings are added, and widened when their type changed). Built with DuckDB's relational API: no SQL
    text, so no SQLGlot to import for an ordinary write (only to alter a table's columns)."""
    incoming = _incoming(connection, name, table, now)
    if not exists:
        incoming.create(name)  # one statement: the table with its first rows
        return
    columns = _stored_columns(connection, name)
    altered = False
    for column, duck_type in zip(incoming.columns, map(str, incoming.types), strict=True):
        if column not in columns:  # a later file brings a new extra column (or an old store meets the stamp)
            altered = _alter(connection, name, column, duck_type, add=True)
        elif not _fits(duck_type, columns[column]):
            # an extra column typed one way before and another now (a number, then text): widen it
            numbers = {duck_type, columns[column]} <= {*_INTEGERS, "BIGINT", "FLOAT", "DOUBLE"}
            altered = _alter(connection, name, column, "DOUBLE" if numbers else "VARCHAR", add=False)
    stored = connection.table(name).columns if altered else list(columns)
    if stored != incoming.columns:  # by name: the stored table's order, null where this file has no value
        have = set(incoming.columns)
        incoming = incoming.set_alias(_INCOMING).select(*(
            ColumnExpression(_INCOMING, column) if column in have else ConstantExpression(None).alias(column)
            for column in stored))
    incoming.insert_into(name)


_INCOMING = "_kq_incoming"


def _alter(connection: duckdb.DuckDBPyConnection, name: str, column: str, duck_type: str, add: bool) -> bool:
    """Add a column to a stored table, or change its type (SQLGlot builds the statement: rare, so imported here)."""
    from sqlglot import exp

    target = exp.Table(this=_ident(name))
    action = exp.ColumnDef(this=_ident(column), kind=exp.DataType.build(duck_type, dialect="duckdb")) if add \
        else exp.AlterColumn(this=_ident(column), dtype=exp.DataType.build(duck_type, dialect="duckdb"))
    connection.execute(exp.Alter(this=target, kind="TABLE", actions=[action]).sql("duckdb")).fetchall()
    return True


def _ident(name: str) -> Any:
    from sqlglot import exp

    return exp.to_identifier(name, quoted=True)


# DuckDB types of the KQL types, for columns whose values do not tell (all null)
_DUCKDB_TYPES = {"string": "VARCHAR", "long": "BIGINT", "int": "INTEGER", "real": "DOUBLE", "decimal": "DOUBLE",
                 "bool": "BOOLEAN", "datetime": "TIMESTAMP", "dynamic": "VARCHAR", "guid": "VARCHAR",
                 "timespan": "VARCHAR"}
_NULL_TYPE = '"NULL"'  # how DuckDB names the type of a column of nulls only


def _schema_type(table: str, column: str) -> str:
    """The DuckDB type a column of `table` gets when its values do not tell: the schema's, else text."""
    for flavour in ("defender", "sentinel"):
        kql_type = dict(table_schema(table, flavour) or []).get(column)  # type: ignore[arg-type]
        if kql_type is not None:
            return _DUCKDB_TYPES.get(kql_type, "VARCHAR")
    return "VARCHAR"


def _incoming(connection: duckdb.DuckDBPyConnection, name: str, table: pa.Table, now: datetime
              ) -> duckdb.DuckDBPyRelation:
    """The rows to store with their ingestion time, made in Arrow (a projection of DuckDB's relational API costs
    milliseconds per table in Python). A column of nulls only (Arrow's null type) is typed from the schema: a
    stored NULL-typed column would take no later value of its real type."""
    arrays = [pa.nulls(table.num_rows, _ARROW_TYPES[_schema_type(name, column)]) if pa.types.is_null(array.type)
              else array for column, array in zip(table.column_names, table.columns, strict=True)]
    micros = (now - _EPOCH) // _MICROSECOND
    stamp = pa.Array.from_buffers(pa.timestamp("us"), table.num_rows,  # from a buffer: no pandas to import
                                  [None, pa.py_buffer(np.full(table.num_rows, micros, np.int64))])
    return connection.from_arrow(pa.Table.from_arrays([*arrays, stamp], names=[*table.column_names, INGESTION_TIME]))


_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)
_ARROW_TYPES = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "INTEGER": pa.int32(), "DOUBLE": pa.float64(),
                "BOOLEAN": pa.bool_(), "TIMESTAMP": pa.timestamp("us")}


def _stored_columns(connection: duckdb.DuckDBPyConnection, name: str) -> dict[str, str]:
    """The stored table's columns and types; NULL-typed ones (left by an older kqlite) retyped from the schema."""
    stored = connection.table(name)
    columns = dict(zip(stored.columns, map(str, stored.types), strict=True))
    for column, duck_type in columns.items():
        if duck_type == _NULL_TYPE:
            columns[column] = _schema_type(name, column)
            _alter(connection, name, column, columns[column], add=False)
    return columns


_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")


def _fits(incoming: str, stored: str) -> bool:
    """Whether values of DuckDB type `incoming` go into a column of type `stored` without loss or error."""
    if incoming == stored or stored == "VARCHAR":
        return True
    if stored == "BIGINT":
        return incoming in _INTEGERS
    if stored == "DOUBLE":
        return incoming in (*_INTEGERS, "BIGINT", "FLOAT")
    return False
