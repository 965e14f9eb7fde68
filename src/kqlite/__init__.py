"""kqlite: run Microsoft Defender advanced-hunting KQL offline, with Kusto's semantics, on DuckDB."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

# The errors are light (no third-party import): `except kqlite.KqlError` costs nothing to write.
from kqlite.errors import (
    KqlDataError,
    KqlError,
    KqlResourceError,
    KqlSemanticError,
    KqlSyntaxError,
    KqlUnsupportedError,
)

if TYPE_CHECKING:
    from kqlite.backends.duckdb import Connection, Explanation
    from kqlite.result import Result

__version__ = "0.1.0"

__all__ = [
    "Connection", "Explanation", "KqlDataError", "KqlError", "KqlResourceError", "KqlSemanticError",
    "KqlSyntaxError", "KqlUnsupportedError", "Result", "connect", "__version__",
]

# Imported on first use (PEP 562): DuckDB, Arrow, SQLGlot and the compiler cost more than the rest of a short
# command together, and `import kqlite` (or the CLI's --help) needs none of them.
_LAZY = {
    "Connection": "kqlite.backends.duckdb",
    "Explanation": "kqlite.backends.common",
    "Result": "kqlite.result",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kqlite' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once imported, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


def connect(database: str | os.PathLike = ":memory:", tables: dict[str, Any] | None = None, *,
            backend: str = "duckdb", **options: Any) -> Connection:
    """Open a kqlite connection (in-memory DuckDB unless `database` names a file) and attach `tables`.

    ``backend="spark"`` runs the same KQL on Apache Spark instead: ``spark=`` a SparkSession (default: a local
    one), ``tables`` paths or URIs of Parquet/Delta/CSV/JSON data, ``"table:db.name"`` catalog tables or
    DataFrames; ``flavour``, ``now`` and ``timeout`` as below (see docs/spark.md).

    Options: ``threads`` and ``memory_limit`` (DuckDB's, e.g. ``"4GB"``), ``timeout`` (seconds a query may
    run) and ``read_only`` (for a database file). A query that hits a limit raises KqlResourceError.
    ``evidence=[paths]`` reads files and folders of any format kqlite ingests (EVTX included) and attaches every
    table they hold; a value of ``tables`` may be such a path too. ``flavour`` ("auto", "defender",
    "sentinel"), ``now`` and ``external_policy`` are described in docs/semantics.md."""
    if backend == "spark":
        from kqlite.backends.spark import SparkConnection

        if str(database) != ":memory:":
            raise ValueError("the Spark backend reads tables where they are: give them as tables={name: path}")
        return SparkConnection(tables, **options)  # type: ignore[return-value]
    if backend != "duckdb":
        raise ValueError(f"backend must be 'duckdb' or 'spark', not {backend!r}")
    import sys

    if "kqlite.backends.duckdb" in sys.modules:
        from kqlite.backends.duckdb import Connection

        return Connection(database, tables, **options)
    # the first connection of the process: DuckDB opens the database while the compiler's modules load
    from kqlite.backends.opening import Opening

    opening = Opening(database, read_only=bool(options.get("read_only", False)))
    from kqlite.backends.duckdb import Connection

    return Connection(database, tables, _opening=opening, **options)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext kqlite``: the ``%%kql`` cell magic and ``%kql_connect`` (see kqlite.notebook)."""
    from kqlite.notebook import load_ipython_extension as load

    load(ipython)
