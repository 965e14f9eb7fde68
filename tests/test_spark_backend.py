"""The Spark backend: the rule pack gives the same alerts as on DuckDB, data attaches from files, DataFrames and
the session's catalog, and errors, time limits and unavailable functions are reported as kqlite errors.

One local session (two threads, one shuffle partition) serves the whole module. The conformance suite runs on
Spark with ``pytest tests/conformance --backend spark``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import kqlite
from kqlite.alerts import alerts_of
from kqlite.detections import load_rules

pytest.importorskip("pyspark", reason="the Spark backend needs pyspark (pip install 'kqlite[spark]')")
if shutil.which("java") is None:
    pytest.skip("the Spark backend needs a Java 17 runtime on PATH (.ci/run installs one)", allow_module_level=True)

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def session(spark_session):
    return spark_session


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, str]:
    """Generated Defender telemetry with every labelled DCOM scenario, as Parquet files."""
    from kqlite.generate import generate

    folder = tmp_path_factory.mktemp("generated")
    generate(folder, devices=10, hours=2, fmt="parquet", seed=1, scenarios="all")
    return {path.stem: str(path) for path in folder.glob("*.parquet")}


@pytest.fixture(scope="module")
def both(session, generated):
    duck = kqlite.connect(tables=generated)
    spark = kqlite.connect(backend="spark", spark=session, tables=generated)
    yield duck, spark
    spark.close()
    duck.close()


RULES = load_rules()


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_every_rule_gives_the_same_alerts_on_duckdb_and_spark(both, rule):
    duck, spark = both
    expected, got = duck.query(rule.query), spark.query(rule.query)
    assert (got.columns, got.types) == (expected.columns, expected.types)
    assert got.rows() == expected.rows()  # same rows, same order
    same = [a.to_json() for a in alerts_of(rule, got.columns, got.rows())]
    assert same == [a.to_json() for a in alerts_of(rule, expected.columns, expected.rows())]


def test_the_pack_finds_the_generated_attacks_on_spark(both):
    """Not an empty agreement: the seed and the hardened rule alert on the generated scenarios."""
    _, spark = both
    counts = {rule.id: len(spark.query(rule.query)) for rule in RULES
              if rule.id in ("defender.remote-dcom-child-proc", "kqlite.dcom.hardened-seed")}
    assert all(count > 0 for count in counts.values()), counts


def test_innerunique_keeps_the_first_left_row_in_input_order(session, tmp_path):
    left = pa.table({"k": [1, 1, 1, 2], "tag": ["first", "second", "third", "only"]})
    right = pa.table({"k": [1, 2], "r": ["x", "y"]})
    pq.write_table(left, tmp_path / "L.parquet")
    pq.write_table(right, tmp_path / "R.parquet")
    tables = {"L": str(tmp_path / "L.parquet"), "R": str(tmp_path / "R.parquet")}
    query = "L | join R on k | order by k asc"
    for con in (kqlite.connect(tables=tables), kqlite.connect(backend="spark", spark=session, tables=tables)):
        result = con.query(query)
        assert result.columns == ["k", "tag", "k1", "r"]
        assert result.rows() == [(1, "first", 1, "x"), (2, "only", 2, "y")]


def test_tables_attach_from_paths_dataframes_arrow_and_the_catalog(session, tmp_path):
    rows = [{"Timestamp": "2024-05-01T10:00:00Z", "DeviceName": "ws1", "FileName": "a.exe", "ProcessId": 4},
            {"Timestamp": "2024-05-01T11:00:00Z", "DeviceName": "ws2", "FileName": "b.exe", "ProcessId": 8}]
    csv_path = tmp_path / "procs.csv"
    csv_path.write_text("Timestamp,DeviceName,FileName,ProcessId\n"
                        + "".join(f"{r['Timestamp']},{r['DeviceName']},{r['FileName']},{r['ProcessId']}\n"
                                  for r in rows))
    json_path = tmp_path / "procs.json"
    json_path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    frame = session.createDataFrame(rows)
    frame.createOrReplaceTempView("kqlite_test_catalog_procs")
    arrow = pa.Table.from_pylist(rows)
    query = "DeviceProcessEvents | summarize n = count(), last = max(Timestamp), pids = sum(ProcessId)"
    for source in (str(csv_path), str(json_path), frame, arrow, "table:kqlite_test_catalog_procs"):
        con = kqlite.connect(backend="spark", spark=session, tables={"DeviceProcessEvents": source})
        result = con.query(query)
        assert result.types == ["long", "datetime", "long"], source
        n, last, pids = result.rows()[0]
        assert (n, last.isoformat(), pids) == (2, "2024-05-01T11:00:00+00:00", 12), source
        # the schema's other columns are there, typed, and strings are empty rather than null
        shaped = con.query("DeviceProcessEvents | project AccountName, ProcessCreationTime | take 1")
        assert shaped.types == ["string", "datetime"]
        assert shaped.rows() == [("", None)]
        con.close()


def test_an_unreadable_source_is_a_data_error_naming_it(session, tmp_path):
    missing = tmp_path / "nope.parquet"
    with pytest.raises(kqlite.KqlDataError, match="nope.parquet"):
        kqlite.connect(backend="spark", spark=session, tables={"DeviceProcessEvents": str(missing)})


def test_spark_failures_are_kql_errors_not_java_stack_traces(session, tmp_path):
    path = tmp_path / "gone.parquet"
    pq.write_table(pa.table({"DeviceName": ["ws1"]}), path)
    con = kqlite.connect(backend="spark", spark=session, tables={"DeviceProcessEvents": str(path)})
    path.unlink()  # the data disappears between attach and query (a lake compacted under us)
    with pytest.raises(kqlite.KqlError) as raised:
        con.query("DeviceProcessEvents | summarize count()")
    message = str(raised.value)
    assert message.startswith("the query failed on Spark")
    assert "py4j" not in message.lower() and "\tat " not in message


def test_a_query_over_its_time_limit_is_stopped(session):
    con = kqlite.connect(backend="spark", spark=session)
    with pytest.raises(kqlite.KqlResourceError, match="time limit"):
        con.query("range x from 1 to 300000000 step 1 | summarize dcount(x, 4), make_set(x % 1000003)",
                  timeout=1)
    assert con.query("print 1").rows() == [(1,)]  # the session is usable afterwards


def test_a_shape_the_engine_lacks_refuses_the_query_by_name(session, monkeypatch):
    """Every shape has Spark SQL today; one that did not would refuse the query, naming it and the backend."""
    from kqlite.compile.dialects import dialect_named

    spark = dialect_named("spark")
    monkeypatch.setattr(spark, "SHAPES", {k: v for k, v in spark.SHAPES.items() if k != "url_object"})
    monkeypatch.setattr(spark, "_parsed", {})
    con = kqlite.connect(backend="spark", spark=session)
    with pytest.raises(kqlite.KqlUnsupportedError, match="spark backend cannot compute 'url_object'"):
        con.query('print parse_url("https://a.example/b?c=1")')


def test_explain_shows_the_spark_sql(session):
    con = kqlite.connect(backend="spark", spark=session)
    plan = con.explain("DeviceProcessEvents | where FileName =~ 'cmd.exe' | take 5")
    assert "`DeviceProcessEvents`" in plan.sql or "DeviceProcessEvents" in plan.sql
    assert "LIMIT 5" in plan.sql and "`" in plan.sql  # Spark's quoting, not DuckDB's
    assert plan.tables == ["DeviceProcessEvents"]


def test_dynamic_values_keep_long_and_real_apart(session):
    con = kqlite.connect(backend="spark", spark=session)
    result = con.query('print d = dynamic({"a": 1, "b": 1.5, "c": "x", "d": [1, 2]}) '
                       "| extend ta = gettype(d.a), tb = gettype(d.b), tc = gettype(d.c), td = gettype(d.d), "
                       "n = array_length(d.d)")
    assert result.rows() == [({"a": 1, "b": 1.5, "c": "x", "d": [1, 2]}, "long", "real", "string", "array", 2)]


def test_demo_hunt_on_spark_matches_duckdb(session, demo: Path):
    tables = {path.stem: str(path) for path in demo.glob("*.parquet")}
    seed = next(rule for rule in RULES if rule.original)
    duck = kqlite.connect(tables=tables).query(seed.query)
    spark = kqlite.connect(backend="spark", spark=session, tables=tables).query(seed.query)
    assert len(duck) > 0
    assert spark.rows() == duck.rows()


def test_externaldata_is_read_under_the_same_policy(session, tmp_path):
    (tmp_path / "iocs.csv").write_text("Sha,Tag\nabc,bad\ndef,worse\n")
    policy_free = kqlite.connect(backend="spark", spark=session)
    with pytest.raises(kqlite.KqlError):  # not a folder the user gave
        policy_free.query(f'externaldata(Sha:string, Tag:string)["{tmp_path / "iocs.csv"}"]')
    from kqlite.external import ExternalPolicy

    con = kqlite.connect(backend="spark", spark=session, external_policy=ExternalPolicy.default([tmp_path]))
    result = con.query(f'externaldata(Sha:string, Tag:string)["{tmp_path / "iocs.csv"}"] with (ignoreFirstRecord=true)'
                       " | order by Sha asc")
    assert result.rows() == [("abc", "bad"), ("def", "worse")]


def test_the_cli_hunt_on_spark_writes_the_same_alerts_as_on_duckdb(tmp_path):
    import subprocess
    import sys

    def hunt(*options: str) -> str:
        done = subprocess.run([sys.executable, "-m", "kqlite", "hunt", "--format", "json", *options],
                              capture_output=True, text=True, timeout=600, cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    duck = hunt()
    assert duck.count("\n") >= 3  # the demo's attack alerts
    assert hunt("--backend", "spark") == duck


def test_bag_unpack_reads_the_keys_from_the_data(session):
    con = kqlite.connect(backend="spark", spark=session)
    result = con.query('print d = dynamic({"b": 1, "a": "two", "c": [3]}) | evaluate bag_unpack(d)')
    assert dict(zip(result.columns, result.types, strict=True)) == {"a": "string", "b": "long", "c": "dynamic"}
    assert dict(zip(result.columns, result.rows()[0], strict=True)) == {"a": "two", "b": 1, "c": [3]}
