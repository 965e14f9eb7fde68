"""The command line over read data: ``kqlite ingest`` (store, dedup, rejects), ``hunt`` and ``query`` on
files and folders or a store; and the acceptance on the real recordings of ../shared/datasets (skipped
when that folder is absent)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from ingest_fixtures import (
    ATTACKER_IP,
    CMD1_LINE,
    CMD2_LINE,
    DEVICE,
    benign_mmc_events,
    events_xml,
    mmc20_events,
)

import kqlite
from kqlite.cli import main
from kqlite.ingest.pipeline import load

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
EVTX_SAMPLES = DATASETS / "evtx-attack-samples"
MMC20_EVTX = EVTX_SAMPLES / "lateral-movement" / "LM_impacket_docmexec_mmc_sysmon_01.evtx"
SEED_ID = "defender.remote-dcom-child-proc"
RULE = resources.files("kqlite.rules").joinpath("remote_dcom_child_proc.kql").read_text(encoding="utf-8")


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default rejects file of query/hunt is ./kqlite-rejects.jsonl
    runner = CliRunner(env={"COLUMNS": "250"})

    def invoke(*args: str):
        return runner.invoke(main, [str(arg) for arg in args])

    return invoke


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def attack(tmp_path) -> Path:
    """A folder of XML exports: the MMC20 attack on wks10 and, on admin01, mmc.exe started by explorer.exe
    that accepts a connection and starts cmd.exe (no DCOM: no alert)."""
    folder = tmp_path / "attack"
    (folder / "admin01").mkdir(parents=True)
    (folder / "wks10-sysmon.xml").write_text(events_xml(mmc20_events()), encoding="utf-8")
    (folder / "admin01" / "sysmon.xml").write_text(events_xml(benign_mmc_events()), encoding="utf-8")
    return folder


EXPECTED_ALERTS = {(1504, CMD1_LINE), (3372, CMD2_LINE)}


# --- hunt and query on files --------------------------------------------------------------------------


def test_hunt_on_a_folder_prints_the_alerts(run, attack, tmp_path):
    result = run("hunt", attack, "--rule", SEED_ID)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Remote DCOM Child Proc: 2 alerts" in out
    for line in (CMD1_LINE, CMD2_LINE):
        assert line in out
    assert out.count(ATTACKER_IP) == 2
    assert out.count(DEVICE) == 2
    assert "admin01" not in out
    assert "Read 2 file(s)" in result.stderr
    assert not (tmp_path / "kqlite-rejects.jsonl").exists()  # nothing malformed: no rejects file


def test_hunt_json_one_object_a_row(run, attack):
    result = run("hunt", "--format", "json", "--rule", SEED_ID, attack)
    assert result.exit_code == 0, result.output
    rows = [alert["evidence"] for alert in json_lines(result.stdout)]
    assert {(row["ProcessId"], row["ProcessCommandLine"]) for row in rows} == EXPECTED_ALERTS
    for row in rows:
        assert (row["DeviceName"], row["FileName"], row["InitiatingProcessFileName"]) == (DEVICE, "cmd.exe", "mmc.exe")
        assert (row["RemoteIP"], row["RemotePort"], row["LocalPort"]) == (ATTACKER_IP, 50123, 49163)
        assert row["InitiatingProcessId"] == 3572
    assert sorted(row["Timestamp"] for row in rows) == ["2024-03-01T10:05:02.0000000Z", "2024-03-01T10:05:03.1250000Z"]


def test_query_on_a_folder(run, attack):
    result = run("query", "DeviceProcessEvents | where FileName == 'cmd.exe' "
                          "| project ProcessId, InitiatingProcessFileName, InitiatingProcessParentFileName "
                          "| sort by ProcessId asc", attack, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "ProcessId,InitiatingProcessFileName,InitiatingProcessParentFileName",
        "1504,mmc.exe,svchost.exe", "3372,mmc.exe,svchost.exe", "4100,mmc.exe,explorer.exe"]


def test_query_rule_file_on_files(run, attack, tmp_path):
    rule = tmp_path / "rule.kql"
    rule.write_text(RULE, encoding="utf-8")
    result = run("query", "-f", rule, attack / "wks10-sysmon.xml", attack / "admin01" / "sysmon.xml",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json_lines(result.stdout)
    assert {(row["ProcessId"], row["ProcessCommandLine"]) for row in rows} == EXPECTED_ALERTS


def test_query_on_files_writes_the_rejects(run, tmp_path):
    data = tmp_path / "DeviceProcessEvents.csv"
    data.write_text("Timestamp,FileName,ProcessId\n2024-01-02T03:04:05Z,a.exe,1\n2024-01-02T03:04:06Z,b.exe,x\n",
                    encoding="utf-8")
    result = run("query", "DeviceProcessEvents | project FileName", data, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["FileName", "a.exe"]
    default = tmp_path / "kqlite-rejects.jsonl"
    assert "1 malformed record(s) kept aside in kqlite-rejects.jsonl" in result.stderr
    [reject] = json_lines(default.read_text(encoding="utf-8"))
    assert (reject["file"], reject["position"]) == (str(data), "line 3")
    assert reject["reason"] == "table DeviceProcessEvents: column ProcessId (long): 'x' is not a whole number"

    chosen = tmp_path / "out" / "bad.jsonl"
    result = run("query", "DeviceProcessEvents | count", data, "--rejects", chosen)
    assert result.exit_code == 0, result.output
    assert json_lines(chosen.read_text(encoding="utf-8")) == [reject]


# --- ingest into a store ------------------------------------------------------------------------------


def store_counts(db: Path) -> dict[str, int]:
    with kqlite.connect(db, read_only=True) as connection:  # closed: the next ingest opens the file to write
        return {table: connection.query(f"{table} | count").rows()[0][0]
                for table in ("DeviceProcessEvents", "DeviceNetworkEvents")}


def test_ingest_twice_adds_nothing_the_second_time(run, attack, tmp_path):
    extra = tmp_path / "DeviceProcessEvents.csv"
    extra.write_text("Timestamp,DeviceName,ActionType,FileName,ProcessId\n"
                     "2024-03-02T00:00:00Z,srv01,ProcessCreated,notepad.exe,10\n"
                     "2024-03-02T00:00:01Z,srv01,ProcessCreated,calc.exe,eleven\n", encoding="utf-8")
    db = tmp_path / "store.duckdb"
    first = run("ingest", attack, extra, "--db", db)
    assert first.exit_code == 0, first.output
    assert "3 file(s) read, 0 skipped, 10 rows added, 1 malformed record(s)" in first.stdout
    assert store_counts(db) == {"DeviceProcessEvents": 4 + 2 + 1, "DeviceNetworkEvents": 2 + 1}

    # the rejects go beside the store by default
    rejects_file = tmp_path / "store.duckdb.rejects.jsonl"
    [reject] = json_lines(rejects_file.read_text(encoding="utf-8"))
    assert (reject["file"], reject["position"]) == (str(extra), "line 3")
    assert "'eleven' is not a whole number" in reject["reason"]
    assert "store.duckdb.rejects.jsonl" in first.stderr

    second = run("ingest", attack, extra, "--db", db)
    assert second.exit_code == 0, second.output
    assert "0 file(s) read, 3 skipped, 0 rows added" in second.stdout
    assert "already ingested" in second.stderr
    assert store_counts(db) == {"DeviceProcessEvents": 7, "DeviceNetworkEvents": 3}

    # the same content under another name is skipped too
    renamed = tmp_path / "copy.xml"
    renamed.write_bytes((attack / "wks10-sysmon.xml").read_bytes())
    third = run("ingest", renamed, "--db", db)
    assert "0 file(s) read, 1 skipped" in third.stdout
    assert store_counts(db) == {"DeviceProcessEvents": 7, "DeviceNetworkEvents": 3}


def test_a_new_extra_column_extends_the_stored_table(run, tmp_path):
    db = tmp_path / "store.duckdb"
    first = tmp_path / "one.csv"
    first.write_text("Timestamp,DeviceName,ActionType,FileName\n2024-03-02T00:00:00Z,srv01,ProcessCreated,a.exe\n",
                     encoding="utf-8")
    second = tmp_path / "two.csv"
    second.write_text("Timestamp,DeviceName,ActionType,FileName,MachineGroup\n"
                      "2024-03-02T00:00:01Z,srv02,ProcessCreated,b.exe,Servers\n", encoding="utf-8")
    assert run("ingest", first, "--db", db).exit_code == 0
    result = run("ingest", second, "--db", db)
    assert result.exit_code == 0, result.output
    with kqlite.connect(db, read_only=True) as connection:
        rows = connection.query("DeviceProcessEvents | project FileName, MachineGroup, Missing = isempty(MachineGroup) "
                                "| sort by FileName asc").to_dicts()
    assert rows == [{"FileName": "a.exe", "MachineGroup": "", "Missing": True},
                    {"FileName": "b.exe", "MachineGroup": "Servers", "Missing": False}]
    with duckdb.connect(str(db), read_only=True) as connection:
        stored = connection.execute('SELECT FileName, MachineGroup FROM "DeviceProcessEvents" ORDER BY 1').fetchall()
        columns = [row[0] for row in connection.execute('DESCRIBE "DeviceProcessEvents"').fetchall()]
    assert stored == [("a.exe", None), ("b.exe", "Servers")]
    # the columns files brought (the engine reads the schema's others as empty), the ingestion time, the new one
    assert columns == ["Timestamp", "DeviceName", "ActionType", "FileName", "_kqlite_ingestion_time", "MachineGroup"]


def test_query_and_hunt_on_a_store(run, attack, tmp_path):
    db = tmp_path / "store.duckdb"
    assert run("ingest", attack, "--db", db).exit_code == 0
    hunt = run("hunt", "--db", db, "--format", "json", "--rule", SEED_ID)
    assert hunt.exit_code == 0, hunt.output
    assert {(a["evidence"]["ProcessId"], a["evidence"]["ProcessCommandLine"]) for a in json_lines(hunt.stdout)} == \
        EXPECTED_ALERTS
    table = run("hunt", "--db", db, "--rule", SEED_ID)
    assert "Remote DCOM Child Proc: 2 alerts" in table.stdout
    query = run("query", "DeviceNetworkEvents | where ActionType == 'InboundConnectionAccepted' "
                         "| project DeviceName, LocalIP, RemoteIP | sort by DeviceName asc", "--db", db, "--format", "csv")
    assert query.exit_code == 0, query.output
    assert query.stdout.splitlines() == ["DeviceName,LocalIP,RemoteIP", "admin01.corp.local,10.0.0.8,10.0.0.77",
                                         f"{DEVICE},10.0.0.5,{ATTACKER_IP}"]
    # the ledger is no table of the store
    missing = run("query", "_kqlite_files | count", "--db", db)
    assert missing.exit_code == 2


def test_ingest_of_nothing_readable(run, tmp_path):
    junk = tmp_path / "notes.md"
    junk.write_text("# nothing\n", encoding="utf-8")
    db = tmp_path / "store.duckdb"
    result = run("ingest", junk, "--db", db)
    assert result.exit_code == 0, result.output
    assert "0 file(s) read, 1 skipped, 0 rows added" in result.stdout
    assert "not a supported format" in result.stderr
    assert not (tmp_path / "store.duckdb.rejects.jsonl").exists()


def test_a_store_that_is_no_duckdb_file(run, attack, tmp_path):
    db = tmp_path / "store.duckdb"
    db.write_text("not a database", encoding="utf-8")
    result = run("ingest", attack, "--db", db)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert "cannot open the store" in result.stderr
    assert "Traceback" not in result.output


# --- acceptance on the real recordings ------------------------------------------------------------------

needs_datasets = pytest.mark.skipif(not DATASETS.is_dir(), reason="../shared/datasets is not present")
OTHER_EVTX = sorted(path for path in EVTX_SAMPLES.rglob("*.evtx") if path.name != MMC20_EVTX.name) \
    if EVTX_SAMPLES.is_dir() else []
OTHER_ZIPS = sorted(path for path in (DATASETS / "security-datasets").glob("*.zip")
                    if path.name != "Microsoft365DefenderEvents.zip") if DATASETS.is_dir() else []
MMC20_CHILDREN = {
    1504: r'"C:\Windows\System32\cmd.exe" /Q /c cd \ 1> \\127.0.0.1\ADMIN$\__1556656511.61 2>&1',
    3372: r'"C:\Windows\System32\cmd.exe" /Q /c cd  1> \\127.0.0.1\ADMIN$\__1556656511.61 2>&1',
    1256: r'"C:\Windows\System32\cmd.exe" /Q /c whoami /all 1> \\127.0.0.1\ADMIN$\__1556656511.61 2>&1',
}


def test_datasets_folder_is_beside_the_project():
    assert DATASETS == Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
    if DATASETS.is_dir():
        assert MMC20_EVTX.is_file() and len(OTHER_EVTX) == 47 and len(OTHER_ZIPS) == 2


@needs_datasets
def test_real_mmc20_capture_fires_on_the_three_cmd_children(run):
    result = run("hunt", "--format", "json", "--rule", SEED_ID, MMC20_EVTX)
    assert result.exit_code == 0, result.output
    rows = [alert["evidence"] for alert in json_lines(result.stdout)]
    assert {row["ProcessId"]: row["ProcessCommandLine"] for row in rows} == MMC20_CHILDREN
    assert len(rows) == 3
    for row in rows:
        assert (row["FileName"], row["InitiatingProcessFileName"]) == ("cmd.exe", "mmc.exe")
        assert (row["RemoteIP"], row["DeviceName"]) == ("10.0.2.19", "iewin7")
        assert row["InitiatingProcessId"] == 3572


@needs_datasets
def test_real_mmc20_capture_through_load():
    tables, report = load([MMC20_EVTX])
    assert len(report.rejects) == 0
    rows = kqlite.connect(tables=tables).query(RULE).to_dicts()
    assert {row["ProcessId"]: row["ProcessCommandLine"] for row in rows} == MMC20_CHILDREN
    assert {row["RemoteIP"] for row in rows} == {"10.0.2.19"}


@needs_datasets
@pytest.mark.parametrize("path", OTHER_EVTX, ids=[path.name for path in OTHER_EVTX])
def test_seed_rule_is_silent_on_the_other_evtx_samples(path):
    tables, report = load([path])
    assert [f.format for f in report.files] == ["evtx"]
    assert report.files[0].records > 0
    assert len(report.rejects) == 0
    assert kqlite.connect(tables=tables).query(RULE).rows() == []


@needs_datasets
@pytest.mark.parametrize("path", OTHER_ZIPS, ids=[path.name for path in OTHER_ZIPS])
def test_seed_rule_is_silent_on_the_otrf_recordings(path):
    tables, report = load([path])
    assert [f.format for f in report.files] == ["windows-json"]
    assert report.files[0].records > 4000
    assert len(report.rejects) == 0
    # the data has what the rule looks at: processes, and inbound connections to DcomLaunch children
    assert report.rows["DeviceProcessEvents"] > 0 and report.rows["DeviceNetworkEvents"] > 0
    assert kqlite.connect(tables=tables).query(RULE).rows() == []


@needs_datasets
def test_microsoft365_defender_events_zip(run):
    path = DATASETS / "security-datasets" / "Microsoft365DefenderEvents.zip"
    tables, report = load([path])
    assert [(f.name, f.format, f.records) for f in report.files] == [
        (f"{path}!Microsoft365DefenderEvents.json", "defender-json", 9)]
    assert report.rows == {"DeviceEvents": 5, "Microsoft365DefenderEvents": 4}
    connection = kqlite.connect(tables=tables)
    assert connection.query("DeviceEvents | summarize n = count() by ActionType").to_dicts() == [
        {"ActionType": "LdapSearch", "n": 5}]
    devices = connection.query("DeviceEvents | distinct DeviceName, InitiatingProcessFileName").to_dicts()
    assert devices == [{"DeviceName": "adfs01.simulandlabs.com", "InitiatingProcessFileName": "powershell.exe"}]
    assert connection.query("Microsoft365DefenderEvents | count").rows() == [(4,)]
    result = run("query", "DeviceEvents | summarize n = count()", path, "--format", "csv")
    assert result.stdout.splitlines() == ["n", "5"]
