"""Resource controls: --timeout, --memory-limit and --threads (and the same connect() arguments).

A query that hits a limit stops with a KqlResourceError that says which limit and what to do, and any
database file is left as it was.
"""

from __future__ import annotations

import hashlib

import pyarrow as pa
import pytest
from click.testing import CliRunner

import kqlite
from kqlite.cli import main

# Long enough to outlast a fraction of a second on any machine, cheap in memory.
SLOW_QUERY = "range x from 1 to 2000000000 step 1 | summarize c = count() by k = x % 7919 | count"
# A single list of five million values: an aggregate state DuckDB cannot spill to disk.
HUNGRY_QUERY = "range x from 1 to 5000000 step 1 | summarize l = make_list(x, 10000000)"


def test_timeout_stops_a_long_query():
    connection = kqlite.connect(timeout=0.3)
    with pytest.raises(kqlite.KqlResourceError, match=r"longer than the 0.3 s timeout"):
        connection.query(SLOW_QUERY)
    # the connection is still usable, and a per-query timeout overrides the connection's, both ways (a longer one
    # here: compiling counts toward the limit, and a garbage collection late in a long test run took over 0.3 s)
    assert connection.query("print x = 1", timeout=30).rows() == [(1,)]
    with pytest.raises(kqlite.KqlResourceError, match=r"0.2 s timeout"):
        connection.query(SLOW_QUERY, timeout=0.2)


def test_a_quick_query_is_not_stopped():
    connection = kqlite.connect(timeout=30)
    assert connection.query("range x from 1 to 1000 step 1 | count").rows() == [(1000,)]


def test_memory_limit_stops_a_query_that_needs_more():
    connection = kqlite.connect(memory_limit="30MB")
    with pytest.raises(kqlite.KqlResourceError, match=r"more memory than the limit"):
        connection.query(HUNGRY_QUERY)
    assert connection.query("print x = 2").rows() == [(2,)]


def test_limits_are_applied_to_duckdb():
    connection = kqlite.connect(memory_limit="123MB", threads=1)
    settings = dict(connection.duckdb.execute(
        "SELECT name, value FROM duckdb_settings() WHERE name IN ('memory_limit', 'threads')").fetchall())
    assert settings["threads"] == "1"
    assert settings["memory_limit"].startswith("117.")  # 123 MB is 117.3 MiB, as DuckDB prints it


def test_a_bad_limit_is_a_clear_error():
    with pytest.raises(kqlite.KqlResourceError, match="memory_limit 'lots'"):
        kqlite.connect(memory_limit="lots")
    with pytest.raises(ValueError, match="timeout"):
        kqlite.connect(timeout=0)


@pytest.fixture
def store(tmp_path):
    """A database file with one table, made through kqlite's own store writer."""
    from kqlite.ingest.pipeline import IngestReport
    from kqlite.ingest.store import write

    path = tmp_path / "case.duckdb"
    table = pa.table({"FileName": ["a.exe", "b.exe"], "ProcessId": pa.array([4, 8], pa.int64())})
    write(path, {"DeviceProcessEvents": table}, IngestReport())
    return path


def test_a_stopped_query_leaves_the_database_file_intact(store):
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    connection = kqlite.connect(store, timeout=0.3, read_only=True)
    with pytest.raises(kqlite.KqlResourceError):
        connection.query(f"DeviceProcessEvents | join kind=inner ({SLOW_QUERY}) on $left.ProcessId == $right.Count")
    connection.close()
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before
    reopened = kqlite.connect(store)
    assert reopened.query("DeviceProcessEvents | project FileName, ProcessId").rows() == [("a.exe", 4), ("b.exe", 8)]


def test_cli_timeout_and_memory_limit():
    runner = CliRunner()
    result = runner.invoke(main, ["query", SLOW_QUERY, "--timeout", "0.3"])
    assert result.exit_code == 2
    assert "timeout" in result.stderr and "Traceback" not in result.output
    result = runner.invoke(main, ["query", HUNGRY_QUERY, "--memory-limit", "30MB", "--threads", "1"])
    assert result.exit_code == 2
    assert "more memory than the limit" in result.stderr


def test_cli_rejects_a_bad_timeout():
    result = CliRunner().invoke(main, ["query", "print 1", "--timeout", "0"])
    assert result.exit_code == 2
    assert "--timeout" in result.stderr
