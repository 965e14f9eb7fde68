"""Queries that used to crash, run away or misbehave: each is now a KqlError, bounded by the time limit, or
correct. One test per defect, each failing on the code as it was."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

import kqlite


def doubling_lets(levels: int, base: str = "DeviceProcessEvents | take 10") -> str:
    text = f"let l0 = {base};\n"
    for level in range(1, levels + 1):
        text += f"let l{level} = union l{level - 1}, l{level - 1};\n"
    return text + f"l{levels} | count"


def test_a_let_used_twice_by_the_next_is_compiled_once():
    # 16 levels used to be 2^16 copies of the first let (minutes, and gigabytes of SQL); now it is linear
    con = kqlite.connect()
    compiled, sql = con.compile(doubling_lets(16))
    assert len(sql) < 200_000
    assert con.query(doubling_lets(3, "print x = 1")).rows() == [(8,)]


def test_the_timeout_covers_compiling():
    con = kqlite.connect(timeout=0.05)
    slow_to_compile = "print x = 1" + "| extend y = x + 1 | project x = y" * 3000
    started = time.monotonic()
    with pytest.raises(kqlite.KqlResourceError, match="compiled"):
        con.query(slow_to_compile)
    assert time.monotonic() - started < 10


def test_the_timeout_stops_a_long_running_query():
    con = kqlite.connect(timeout=1)
    started = time.monotonic()
    with pytest.raises(kqlite.KqlResourceError, match="1 s timeout"):
        con.query(doubling_lets(8, "range x from 1 to 3000000 step 1") .replace(
            "| count", "| summarize dcount(hash_sha256(tostring(x)))"))
    assert time.monotonic() - started < 10
    assert con.query("print 1").rows() == [(1,)]  # the connection is usable afterwards


def test_ctrl_c_interrupts_a_running_query():
    con = kqlite.connect()
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        con.query("range x from 1 to 3000000000 step 1 | summarize dcount(hash_sha256(tostring(x)))")
    assert time.monotonic() - started < 10
    assert con.query("print 2").rows() == [(2,)]


@pytest.mark.parametrize("query", [
    "let f = (x:long) { f(x) }; print f(1)",
    "let f = (x:long) { g(x) + 1 }; let g = (x:long) { f(x) }; print f(1)",
    "let f = (T:(*)) { T | invoke f() }; print 1 | invoke f()",
    "let f = () { f() }; f()",
])
def test_a_recursive_function_is_a_clear_error(query):
    with pytest.raises(kqlite.KqlSemanticError, match="calls itself"):
        kqlite.connect().query(query)


@pytest.mark.parametrize("literal", ["1" + "0" * 5000, "1" + "0" * 5000 + ".5", "1" + "0" * 5000 + "d"])
def test_a_huge_number_literal_is_a_clear_error(literal):
    with pytest.raises(kqlite.KqlSyntaxError, match="out of range"):
        kqlite.connect().query(f"print {literal}")


def test_a_connection_shared_by_threads_runs_their_queries_one_at_a_time():
    con = kqlite.connect()
    results: list[object] = []
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            results.append(con.query(f"range x from 1 to {n} step 1 | summarize s = sum(x)").rows())
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=work, args=(1000 + i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r[0][0] for r in results) == sorted((1000 + i) * (1001 + i) // 2 for i in range(8))


# ---------------------------------------------------------------- DuckDB locked down


@pytest.mark.parametrize("sql", [
    "SELECT * FROM read_text('/etc/hostname')",
    "COPY (SELECT 1) TO '{tmp}/out.csv'",
    "ATTACH '{tmp}/other.duckdb'",
    "INSTALL httpfs",
    "SET enable_external_access = true",
    "SELECT * FROM read_csv('{tmp}/secret.csv')",
    "SELECT * FROM glob('{tmp}/*')",
])
def test_after_the_first_query_duckdb_opens_no_file_but_the_attached_ones(sql, tmp_path):
    (tmp_path / "secret.csv").write_text("a\n1\n", encoding="utf-8")
    (tmp_path / "Data.csv").write_text("a\n2\n", encoding="utf-8")
    con = kqlite.connect(tables={"Data": str(tmp_path / "Data.csv")})
    assert con.query("Data").rows() == [(2,)]
    import duckdb

    with pytest.raises(duckdb.Error):
        con.duckdb.execute(sql.format(tmp=tmp_path))
    assert con.query("Data | count").rows() == [(1,)]  # the attached file is still read


@pytest.mark.parametrize("query", [
    "print x = \"'); COPY (SELECT 1) TO '/tmp/kqlite-pwned.csv'; --\"",
    "print x = strcat(\"a\", \"'; ATTACH '/tmp/kqlite-pwned.db'; --\")",
    "datatable(['x\\'; DROP TABLE y; --']:string)['v']",
])
def test_query_text_never_becomes_sql(query):
    con = kqlite.connect()
    result = con.query(query)
    assert len(result) == 1
    assert not os.path.exists("/tmp/kqlite-pwned.csv") and not os.path.exists("/tmp/kqlite-pwned.db")


def test_functions_outside_kql_are_not_reachable():
    con = kqlite.connect()
    for function in ("read_text('/etc/hostname')", "read_csv('/etc/hostname')", "getenv('HOME')"):
        with pytest.raises(kqlite.KqlUnsupportedError):
            con.query(f"print {function}")


def test_a_file_name_with_glob_characters_is_read_as_itself(tmp_path):
    (tmp_path / "T[ab].csv").write_text("a\n1\n", encoding="utf-8")
    (tmp_path / "Ta.csv").write_text("a\n2\n", encoding="utf-8")
    (tmp_path / "T*.csv").write_text("a\n3\n", encoding="utf-8")
    con = kqlite.connect(tables={"T": str(tmp_path / "T[ab].csv"), "S": str(tmp_path / "T*.csv")})
    assert con.query("T").rows() == [(1,)]
    assert con.query("S").rows() == [(3,)]
    con.attach("L", str(tmp_path / "Ta.csv"))  # after the first query: read by Arrow, still itself
    assert con.query("L").rows() == [(2,)]


def test_one_time_budget_covers_reading_the_evidence_on_the_command_line(tmp_path):
    from click.testing import CliRunner

    from kqlite.cli import main

    for i in range(400):
        (tmp_path / f"DeviceProcessEvents-{i:03d}.csv").write_text(f"FileName,ProcessId\nf{i}.exe,{i}\n",
                                                                     encoding="utf-8")
    started = time.monotonic()
    result = CliRunner().invoke(main, ["query", "DeviceProcessEvents | count", str(tmp_path), "--timeout", "0.05"])
    assert result.exit_code == 2
    assert "reading the evidence ran past the 0.05 s timeout" in result.output
    assert time.monotonic() - started < 30
    complete = CliRunner().invoke(main, ["query", "DeviceProcessEvents | count", str(tmp_path), "--format", "csv",
                                         "--timeout", "120"])
    assert complete.exit_code == 0 and complete.stdout.splitlines() == ["Count", "400"]


def test_a_stream_gives_batches_and_an_early_stop_frees_the_connection():
    con = kqlite.connect()
    with con.stream("range x from 1 to 200000 step 1 | project x") as rows:
        assert rows.columns == ["x"] and rows.types == ["long"]
        total = sum(len(batch) for batch in rows)
    assert total == 200000
    with con.stream("range x from 1 to 5000000 step 1") as rows:
        first = next(iter(rows))
        assert first[0] == (1,)
    assert con.query("print 7").rows() == [(7,)]  # the stopped stream left nothing running
    with pytest.raises(kqlite.KqlSemanticError):
        con.stream("print nope")
    assert con.query("print 8").rows() == [(8,)]


def test_a_folder_nested_a_thousand_deep_is_read(tmp_path):
    from kqlite.ingest.pipeline import load

    folder = tmp_path / "deep"
    folder.mkdir()
    current = folder
    for _ in range(1000):  # deeper than Python's recursion limit: the walk must not recurse
        current = current / "d"
        current.mkdir()
    (current / "DeviceProcessEvents.csv").write_text("FileName\nx.exe\n", encoding="utf-8")
    try:
        tables, report = load([folder])
        assert tables["DeviceProcessEvents"].column("FileName").to_pylist() == ["x.exe"]
    finally:  # bottom-up, without recursion: pytest's own clean-up of old temporary folders recurses
        (current / "DeviceProcessEvents.csv").unlink()
        while current != folder:
            current.rmdir()
            current = current.parent


def test_links_out_of_the_evidence_folder_are_not_followed(tmp_path):
    from kqlite.ingest.pipeline import load

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "DeviceNetworkEvents.csv").write_text("RemoteIP\n10.9.9.9\n", encoding="utf-8")
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "DeviceProcessEvents.csv").write_text("FileName\nx.exe\n", encoding="utf-8")
    (evidence / "net.csv").symlink_to(outside / "DeviceNetworkEvents.csv")
    (evidence / "more").symlink_to(outside, target_is_directory=True)
    (evidence / "same.csv").symlink_to(evidence / "DeviceProcessEvents.csv")  # inside: read
    tables, report = load([evidence])
    assert "DeviceNetworkEvents" not in tables
    assert tables["DeviceProcessEvents"].num_rows == 1  # the link inside is the same content: kept once
    reasons = {Path(f.name).name: f.skipped for f in report.files if f.skipped}
    assert "outside the folder given" in reasons["net.csv"] and "outside the folder given" in reasons["more"]
