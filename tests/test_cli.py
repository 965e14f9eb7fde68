"""The kqlite command line, through click's CliRunner (written against the public API contract)."""

from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from kqlite.cli import main


@pytest.fixture
def run():
    runner = CliRunner(env={"COLUMNS": "250"})  # a wide "terminal": rich tables do not fold values

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input)

    return invoke


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def assert_kql_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr


def assert_usage_error(result, fragment: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert fragment in result.stderr


@pytest.fixture
def events_parquet(tmp_path):
    path = tmp_path / "events.parquet"
    pq.write_table(pa.table({"k": pa.array([1, 2, 3], pa.int64()), "name": ["a", "b", "c"]}), path)
    return path


# --- top level --------------------------------------------------------------------------------------------


def test_version(run):
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("kqlite, version ")


def test_help_lists_the_commands(run):
    result = run("--help")
    assert result.exit_code == 0
    for command in ("query", "explain", "hunt"):
        assert command in result.stdout


# --- query ---------------------------------------------------------------------------------------------------


def test_query_table(run):
    result = run("query", 'print x = 42, s = "hello"')
    assert result.exit_code == 0, result.output
    assert "x" in result.stdout and "42" in result.stdout and "hello" in result.stdout
    assert "1 row" in result.stdout


def test_query_json_formats_kusto_values(run):
    query = (
        "print n = 1, r = 2.5, b = true, s = 'a', t = datetime(2024-08-05 13:45:07.5), d = 90m,"
        ' neg = -1d - 2h, dyn = dynamic({"k": [1, 2.5, "x"]}), nul = long(null)'
    )
    result = run("query", query, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json_lines(result.stdout) == [
        {
            "n": 1,
            "r": 2.5,
            "b": True,
            "s": "a",
            "t": "2024-08-05T13:45:07.5000000Z",
            "d": "01:30:00",
            "neg": "-1.02:00:00",
            "dyn": {"k": [1, 2.5, "x"]},
            "nul": None,
        }
    ]


def test_query_json_one_object_per_row(run):
    result = run("query", "range i from 1 to 3 step 1 | extend sq = i * i", "--format", "json")
    assert result.exit_code == 0, result.output
    assert sorted(json_lines(result.stdout), key=lambda r: r["i"]) == [
        {"i": 1, "sq": 1},
        {"i": 2, "sq": 4},
        {"i": 3, "sq": 9},
    ]


def test_query_csv(run):
    query = 'datatable(a:long, b:string, t:timespan)[1, "x,y", 1h, 2, "", timespan(null)] | order by a asc'
    result = run("query", query, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert list(csv.reader(io.StringIO(result.stdout))) == [
        ["a", "b", "t"],
        ["1", "x,y", "01:00:00"],
        ["2", "", ""],
    ]


def test_query_csv_empty_result_has_a_header(run):
    result = run("query", "datatable(a:long)[1] | where a > 5", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout == "a\n"


def test_query_table_caps_rows(run):
    result = run("query", "range i from 1 to 500 step 1", "--max-rows", "10")
    assert result.exit_code == 0, result.output
    assert "500 rows, first 10 shown" in result.stdout


def test_query_from_file(run, tmp_path):
    path = tmp_path / "q.kql"
    path.write_text("// a comment\nprint answer = 6 * 7\n", encoding="utf-8")
    result = run("query", "-f", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json_lines(result.stdout) == [{"answer": 42}]


def test_query_from_stdin(run):
    result = run("query", "-f", "-", "--format", "json", input="print answer = 1\n")
    assert result.exit_code == 0, result.output
    assert json_lines(result.stdout) == [{"answer": 1}]


def test_query_table_option(run, events_parquet):
    result = run(
        "query", "Events | where k >= 2 | count", "--table", f"Events={events_parquet}", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    assert json_lines(result.stdout) == [{"Count": 2}]


def test_query_data_dir_attaches_every_file(run, tmp_path):
    (tmp_path / "Alpha.csv").write_text("k,name\n1,a\n2,b\n", encoding="utf-8")
    (tmp_path / "Beta.jsonl").write_text('{"k": 1}\n{"k": 2}\n{"k": 3}\n', encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a table", encoding="utf-8")
    query = "union (Alpha | count | extend t = 'Alpha'), (Beta | count | extend t = 'Beta') | order by t asc"
    result = run("query", query, "--data", str(tmp_path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json_lines(result.stdout) == [{"Count": 2, "t": "Alpha"}, {"Count": 3, "t": "Beta"}]


def test_query_table_option_overrides_data_dir(run, tmp_path, events_parquet):
    data = tmp_path / "data"
    data.mkdir()
    (data / "Events.csv").write_text("k\n1\n", encoding="utf-8")
    result = run(
        "query",
        "Events | count",
        "--data",
        str(data),
        "--table",
        f"Events={events_parquet}",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    assert json_lines(result.stdout) == [{"Count": 3}]


# --- query errors ----------------------------------------------------------------------------------------------


def test_query_syntax_error(run):
    result = run("query", "print x = ")
    assert_kql_error(result, "line 1")
    assert "^" in result.stderr


def test_query_unknown_table(run):
    assert_kql_error(run("query", "NoSuchTable | take 1"), "NoSuchTable")


def test_query_error_in_file_points_at_the_line(run, tmp_path):
    path = tmp_path / "bad.kql"
    path.write_text("print x = 1\n| where\n", encoding="utf-8")
    assert_kql_error(run("query", "-f", str(path)), "line 2")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["query"], "either as an argument or with -f"),
        (["query", "print 1", "-f", "-"], "print 1: no such file or folder"),
        (["query", "print 1", "/no/such/data"], "/no/such/data: no such file or folder"),
        (["hunt", "/no/such/data"], "does not exist"),
        (["ingest", "/no/such/data", "--db", "x.duckdb"], "does not exist"),
        (["query", "print 1", "--table", "Events"], "NAME=PATH"),
        (["query", "print 1", "--table", "=x.parquet"], "NAME=PATH"),
        (["query", "print 1", "--table", "Events=/no/such/file.parquet"], "is not a file"),
        (["query", "print 1", "--data", "/no/such/dir"], "does not exist"),
        (["query", "print 1", "--format", "xml"], "xml"),
        (["query", "-f", "/no/such/file.kql"], "No such file"),
        (["explain"], "either as an argument or with -f"),
    ],
)
def test_usage_errors(run, args, fragment):
    assert_usage_error(run(*args), fragment)


def test_table_option_rejects_other_file_types(run, tmp_path):
    path = tmp_path / "events.txt"
    path.write_text("k\n1\n", encoding="utf-8")
    assert_usage_error(run("query", "print 1", "--table", f"Events={path}"), ".parquet")


def test_data_dir_with_two_files_for_one_table(run, tmp_path):
    (tmp_path / "Events.csv").write_text("k\n1\n", encoding="utf-8")
    (tmp_path / "Events.jsonl").write_text('{"k": 1}\n', encoding="utf-8")
    assert_usage_error(run("query", "Events", "--data", str(tmp_path)), "two files for table Events")


def test_data_dir_without_tables(run, tmp_path):
    assert_usage_error(run("query", "print 1", "--data", str(tmp_path)), "no .parquet")


# --- explain ------------------------------------------------------------------------------------------------


def test_explain(run):
    result = run(
        "explain", 'DeviceProcessEvents | where FileName == "cmd.exe" | project Timestamp, DeviceName'
    )
    assert result.exit_code == 0, result.output
    assert "Tables:    DeviceProcessEvents" in result.stdout
    assert "Operators:" in result.stdout and "project" in result.stdout
    assert "SELECT" in result.stdout.upper()


def test_explain_seed_rule_from_file(run, tmp_path):
    from importlib import resources

    path = tmp_path / "rule.kql"
    path.write_text(
        (resources.files("kqlite.rules") / "remote_dcom_child_proc.kql").read_text(encoding="utf-8")
    )
    result = run("explain", "-f", str(path))
    assert result.exit_code == 0, result.output
    assert "Tables:    DeviceNetworkEvents, DeviceProcessEvents" in result.stdout
    for operator in ("materialize", "!contains", "join", "project-away", "sort by"):
        assert operator in result.stdout


def test_explain_with_attached_table(run, events_parquet):
    result = run("explain", "Events | where k > 1", "--table", f"Events={events_parquet}")
    assert result.exit_code == 0, result.output
    assert "Tables:    Events" in result.stdout


def test_explain_error(run):
    assert_kql_error(run("explain", "DeviceProcessEvents | where NoSuchColumn == 1"), "NoSuchColumn")


# --- hunt ---------------------------------------------------------------------------------------------------


def test_hunt_on_demo_data(run):
    result = run("hunt")
    assert result.exit_code == 0, result.output
    assert "demo data" in result.stderr
    assert "Remote DCOM Child Proc: 3 alerts" in result.stdout
    for header in ("DCOM server", "Child process", "Command line", "Remote IP"):
        assert header in result.stdout
    assert "mmc.exe" in result.stdout and "cmd.exe" in result.stdout and "10.0.2.19" in result.stdout


SEED_ID = "defender.remote-dcom-child-proc"


def test_hunt_json_gives_one_alert_a_line_with_the_full_row_as_evidence(run):
    result = run("hunt", "--format", "json", "--rule", SEED_ID)
    assert result.exit_code == 0, result.output
    alerts = json_lines(result.stdout)
    assert len(alerts) == 3
    for alert in alerts:
        assert list(alert) == ["rule", "title", "severity", "timestamp", "device", "attack", "remote_ip", "summary",
                               "evidence"]
        assert (alert["rule"], alert["title"], alert["severity"]) == (SEED_ID, "Remote DCOM Child Proc", "medium")
        assert (alert["device"], alert["attack"], alert["remote_ip"]) == ("ws-fin-014.contoso.local", ["T1021.003"],
                                                                          "10.0.2.19")
        assert alert["summary"].startswith("mmc.exe started cmd.exe (") and alert["summary"].endswith(
            "on ws-fin-014.contoso.local after a connection from 10.0.2.19")
        evidence = alert["evidence"]
        assert (evidence["InitiatingProcessFileName"], evidence["FileName"]) == ("mmc.exe", "cmd.exe")
        assert alert["timestamp"] == evidence["Timestamp"] and alert["timestamp"].endswith("Z")
        assert len(evidence) == 71
    timestamps = [alert["timestamp"] for alert in alerts]
    assert timestamps == sorted(timestamps, reverse=True)  # `sort by` is descending by default


def test_hunt_csv_gives_one_alert_a_row(run):
    result = run("hunt", "--format", "csv", "--rule", SEED_ID)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 3
    assert list(rows[0]) == ["rule", "title", "severity", "timestamp", "device", "attack", "remote_ip", "summary"]
    assert {row["rule"] for row in rows} == {SEED_ID} and {row["remote_ip"] for row in rows} == {"10.0.2.19"}


def test_rules_are_listed_and_selected(run, tmp_path):
    listed = run("rules")
    assert listed.exit_code == 0, listed.output
    assert "Remote DCOM Child Proc" in listed.stdout and "(original)" in listed.stdout
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "mmc_children.kql").write_text(
        "// id: my.mmc-children\n// title: Children of mmc\n// severity: low\n// attack: T1021.003\n\n"
        "DeviceProcessEvents | where InitiatingProcessFileName =~ 'mmc.exe' "
        "| project Timestamp, DeviceName, FileName, ProcessCommandLine\n", encoding="utf-8")
    both = run("rules", "--rules", str(mine))
    assert "my.mmc-children" in both.stdout and "DeviceProcessEvents" in both.stdout
    only_mine = run("hunt", "--rules", str(mine), "--rule", "my.mmc-children", "--format", "json")
    assert only_mine.exit_code == 0, only_mine.output
    alerts = json_lines(only_mine.stdout)
    assert {a["rule"] for a in alerts} == {"my.mmc-children"} and {a["severity"] for a in alerts} == {"low"}
    high = run("hunt", "--rules", str(mine), "--rule", "my.mmc-children", "--min-severity", "high")
    assert high.exit_code == 0 and "no rule can raise an alert of severity high" in high.stderr
    unknown = run("hunt", "--rule", "no.such.rule")
    assert unknown.exit_code == 2 and "no rule 'no.such.rule'" in unknown.output


def test_hunt_on_a_data_dir(run, tmp_path):
    from kqlite.demo import write_demo

    write_demo(tmp_path)
    result = run("hunt", "--data", str(tmp_path), "--format", "json", "--rule", SEED_ID)
    assert result.exit_code == 0, result.output
    assert "demo data" not in result.stderr
    assert len(json_lines(result.stdout)) == 3


def test_hunt_without_alerts(run, tmp_path):
    from kqlite.demo import arrow_schema

    for name in ("DeviceProcessEvents", "DeviceNetworkEvents"):
        pq.write_table(arrow_schema(name).empty_table(), tmp_path / f"{name}.parquet")
    result = run("hunt", "--data", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "no alerts" in result.stdout


def test_the_command_freezes_its_objects_only_when_it_ends_the_process(capsys):
    """Standalone, the command ends the process and freezes its objects first (the interpreter's shutdown then
    skips a collection over them); called by a program with standalone_mode=False, it freezes nothing."""
    import gc
    import subprocess
    import sys

    before = gc.get_freeze_count()
    main(["query", "print x = 1"], standalone_mode=False)
    assert gc.get_freeze_count() == before
    assert "1" in capsys.readouterr().out
    script = ("import atexit, gc\n"
              "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0))\n"
              "from kqlite.cli import main\nmain(['query', 'print x = 1', '--format', 'json'])\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ['{"x": 1}', "frozen True"]


def test_an_ingest_read_by_workers_freezes_its_imports_only_when_it_ends_the_process(tmp_path, monkeypatch):
    """While EVTX workers read, the ingest imports what it needs after and, standalone, freezes the objects made so
    far (later collections skip them); called with standalone_mode=False it freezes nothing, and Python's garbage
    collector is on again after the imports either way."""
    import gc
    from pathlib import Path

    from kqlite.ingest import evtx_workers, pipeline

    sample = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "evtx-attack-samples" / "lateral-movement"
    logs = sorted(sample.glob("*.evtx"))
    if len(logs) < 8:
        pytest.skip("the shared EVTX samples are not here")
    monkeypatch.setattr(evtx_workers, "PARALLEL_BYTES", 0)  # workers whatever the size: the path under test
    monkeypatch.setattr(pipeline, "idle_cores", lambda since=None: 2)
    before = gc.get_freeze_count()
    main(["ingest", *map(str, logs[:4]), "--db", str(tmp_path / "a.duckdb")], standalone_mode=False)
    assert gc.get_freeze_count() == before and gc.isenabled()
    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))  # recorded, not done: this is pytest's process
    with pytest.raises(SystemExit) as ended:  # standalone: the command ends the process
        main(["ingest", *map(str, logs[4:8]), "--db", str(tmp_path / "b.duckdb")])
    assert ended.value.code == 0
    assert frozen == [True, True] and gc.isenabled()  # after the imports, and at the exit
