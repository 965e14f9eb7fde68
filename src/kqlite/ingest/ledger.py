"""The ledger of a kqlite store: the BLAKE3 digest of every file read into it (``store`` writes it).

Light to import (DuckDB only when there is a store to open): ``kqlite ingest`` checks the store and reads
the digests it holds before it starts reading, and starts its EVTX workers before it imports the rest.
"""

from __future__ import annotations

from pathlib import Path

LEDGER = "_kqlite_files"


def known_hashes(path: str | Path) -> set[str]:
    """The digests of the files the store at `path` holds (none when there is no store yet)."""
    if not Path(path).exists():
        return set()
    import duckdb

    with duckdb.connect(str(path), read_only=True) as connection:
        if LEDGER not in {name for (name,) in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()}:
            return set()
        return {digest for (digest,) in connection.execute(f"SELECT blake3 FROM {LEDGER}").fetchall()}
