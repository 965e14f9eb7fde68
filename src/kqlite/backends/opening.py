"""A DuckDB database opened on a thread while the compiler's modules load.

Opening a database (even an in-memory one) takes DuckDB about 20 ms of native work that does not hold Python's
lock; importing SQLGlot and the compiler takes longer and holds it. `kqlite.connect` starts the one before the
other: a short `kqlite query` starts up 20 ms sooner. Light: DuckDB only."""

from __future__ import annotations

import os
import threading

import duckdb


class Opening:
    """`duckdb.connect(database, read_only=...)` running on a thread; `connection()` waits for it and returns
    the connection, or raises the error DuckDB raised, in the caller's thread."""

    def __init__(self, database: str | os.PathLike, read_only: bool = False):
        self._database = str(database)
        self._read_only = read_only and self._database != ":memory:"
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._open, name="kqlite-open-duckdb", daemon=True)
        self._thread.start()

    def _open(self) -> None:
        try:
            self._connection = duckdb.connect(self._database, read_only=self._read_only)
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread, raised there
            self._error = error

    def matches(self, database: str | os.PathLike, read_only: bool) -> bool:
        """Whether this opening is the connection `Connection(database, read_only=read_only)` would make."""
        return str(database) == self._database and (read_only and str(database) != ":memory:") == self._read_only

    def connection(self) -> duckdb.DuckDBPyConnection:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._connection is not None
        return self._connection
