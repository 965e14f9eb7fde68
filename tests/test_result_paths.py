"""A result comes back as Python rows when it is small and Arrow is not loaded (a fresh command line), as its
first rows then Arrow when it is larger, or as Arrow: every view of it is the same whichever way it came."""

from __future__ import annotations

import pytest

import kqlite
from kqlite.backends import duckdb as duckdb_backend
from kqlite.result import Rows

QUERY = """range i from 1 to 25 step 1
| extend s = iff(i % 5 == 0, '', strcat('row', i)), d = iff(i % 4 == 0, dynamic(null), pack('i', i, 'a', pack_array(i, 'x'))),
    g = guid(74be27de-1e4e-49d9-b579-fe0b331d3642), t = datetime(2024-01-01 00:00:00.1234567) + i * 1s,
    ts = i * 1ms + 1tick, r = iff(i % 3 == 0, real(null), i / 7.0), b = i % 2 == 0, n = iff(i % 6 == 0, int(null), toint(i)),
    m = todecimal(i) / 8"""


def views(result: kqlite.Result) -> tuple:
    return (len(result), result.rows(), result.head(3), list(result.iter_batches(7)), result.take([4, 0, 2]).rows(),
            result.select(["t", "s"]).rows(), result.to_arrow().to_pylist(), result.to_dicts()[:2])


@pytest.mark.parametrize(("arrow_loaded", "small"), [(True, 10_000), (False, 10_000), (False, 10)])
def test_every_view_is_the_same_whichever_way_the_rows_came(monkeypatch, arrow_loaded, small):
    expected = views(kqlite.connect().query(QUERY))  # Arrow (the test process has it loaded)
    monkeypatch.setattr(duckdb_backend, "_arrow_loaded", lambda: arrow_loaded)
    monkeypatch.setattr(duckdb_backend, "_SMALL_RESULT", small)
    result = kqlite.connect().query(QUERY)
    assert isinstance(result._table, Rows) == (not arrow_loaded and small >= 25)
    assert views(result) == expected
    empty = kqlite.connect().query(QUERY + " | where i < 0")
    assert len(empty) == 0 and empty.rows() == [] and empty.to_arrow().num_rows == 0


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_the_command_line_prints_the_same_either_way(fmt):
    """A fresh command line (no Arrow: Python rows) prints exactly what one with Arrow loaded prints."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    src = str(Path(__file__).resolve().parent.parent / "src")
    env = {**os.environ, "PYTHONPATH": src, "COLUMNS": "200"}
    run = ("import sys\n{preload}from kqlite.cli import main\n"
           f"sys.argv = ['kqlite', 'query', {QUERY!r}, '--format', {fmt!r}]\n"
           "try:\n    main()\nexcept SystemExit:\n    pass")
    outputs = [subprocess.run([sys.executable, "-c", run.format(preload=preload)], env=env, capture_output=True,
                              text=True, check=True).stdout for preload in ("", "import pyarrow\n")]
    assert outputs[0] == outputs[1] and outputs[0].count("\n") >= 25


def test_a_stream_gives_the_same_rows_either_way(monkeypatch):
    def streamed() -> list[tuple]:
        with kqlite.connect().stream(QUERY) as batches:
            return [row for batch in batches for row in batch]

    expected = streamed()
    monkeypatch.setattr(duckdb_backend, "_arrow_loaded", lambda: False)
    monkeypatch.setattr(duckdb_backend, "_BATCH_ROWS", 7)  # several batches of Python rows
    assert streamed() == expected and len(expected) == 25
    with kqlite.connect().stream(QUERY + " | take 3") as batches:  # a consumer that stops early
        assert len(next(iter(batches))) == 3
