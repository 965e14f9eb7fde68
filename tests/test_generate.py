"""`kqlite generate`: synthetic Defender telemetry with labelled DCOM scenarios.

The checks read the generated files back (DuckDB, pyarrow, csv/json/xml parsers) and test properties of
the data, not the generator's internals; the acceptance test runs the seed rule verbatim through kqlite
and compares its alerts with labels.jsonl.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import kqlite
from kqlite.generate import SCENARIOS, generate
from kqlite.generate.command import generate as generate_command
from kqlite.schemas import table_schema

TABLES = ("DeviceProcessEvents", "DeviceNetworkEvents", "DeviceImageLoadEvents", "DeviceFileEvents", "DeviceLogonEvents")
KQL_TO_ARROW = {"string": pa.string(), "long": pa.int64(), "int": pa.int32(), "bool": pa.bool_(),
                "datetime": pa.timestamp("us", tz="UTC")}
SEED = resources.files("kqlite.rules").joinpath("remote_dcom_child_proc.kql").read_text(encoding="utf-8")


def read_labels(directory: Path) -> list[dict]:
    return [json.loads(line) for line in (directory / "labels.jsonl").read_text().splitlines()]


def duck(directory: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for table in TABLES:
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{directory / (table + '.parquet')}')")
    return con


def digest(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """The acceptance data set: 10 devices, 2 hours, every scenario, Parquet."""
    out = tmp_path_factory.mktemp("small")
    generate(out, devices=10, hours=2, fmt="parquet", seed=1, scenarios="all")
    return out


@pytest.fixture(scope="module")
def day(tmp_path_factory) -> Path:
    """A longer run (reboots, PID reuse, many role-server traps)."""
    out = tmp_path_factory.mktemp("day")
    generate(out, devices=24, hours=12, fmt="parquet", seed=7, scenarios="all")
    return out


# --- determinism --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path, fmt):
    first, again, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for directory, seed in ((first, 3), (again, 3), (other, 4)):
        generate(directory, devices=6, hours=1, fmt=fmt, seed=seed)
    assert digest(first) == digest(again)
    changed = {name for name, value in digest(first).items() if digest(other).get(name) != value}
    assert {f"{t}.{'jsonl' if fmt == 'jsonl' else fmt}" for t in TABLES} <= changed


# --- schema and invariants ------------------------------------------------------------------------------------------


def test_every_table_has_every_schema_column_in_order_with_its_type(small):
    for table in TABLES:
        schema = pq.read_schema(small / f"{table}.parquet")
        expected = table_schema(table)
        assert schema.names == [name for name, _ in expected]
        for name, kql_type in expected:
            assert schema.field(name).type == KQL_TO_ARROW[kql_type], (table, name)
        assert pq.ParquetFile(small / f"{table}.parquet").metadata.num_rows > 0


def _recording_start(con) -> object:
    return min(con.execute(f"SELECT min(Timestamp) FROM {t}").fetchone()[0] for t in TABLES)


def test_initiating_process_columns_describe_an_earlier_process_row_of_the_same_device(day):
    """Every row's InitiatingProcess* columns are those of one process instance. If it started during the
    recording they equal its own earlier DeviceProcessEvents row (parent columns included); a process that
    started before the recording has no creation row (Defender still fills the columns), and its creation time
    then precedes the recording, or is null on network rows (owner's start unknown)."""
    con = duck(day)
    first = _recording_start(con)
    for table in TABLES:
        logon = "AND p.LogonId = c.InitiatingProcessLogonId" if table == "DeviceProcessEvents" else ""
        created = ("EXISTS (SELECT 1 FROM DeviceProcessEvents q WHERE q.DeviceName = c.DeviceName "
                   "AND q.ProcessUniqueId = c.InitiatingProcessUniqueId)")
        orphans = con.execute(f"""
            SELECT count(*) FROM {table} c
            WHERE c.InitiatingProcessId <> 4 AND ({created} OR coalesce(c.InitiatingProcessCreationTime >= ?, FALSE)) AND NOT EXISTS (
                SELECT 1 FROM DeviceProcessEvents p
                WHERE p.DeviceName = c.DeviceName AND p.ProcessId = c.InitiatingProcessId
                  AND p.FileName = c.InitiatingProcessFileName AND p.ProcessCreationTime = c.InitiatingProcessCreationTime
                  AND p.ProcessCommandLine = c.InitiatingProcessCommandLine AND p.FolderPath = c.InitiatingProcessFolderPath
                  AND p.AccountName = c.InitiatingProcessAccountName AND p.AccountDomain = c.InitiatingProcessAccountDomain
                  AND p.SHA1 = c.InitiatingProcessSHA1 AND p.ProcessUniqueId = c.InitiatingProcessUniqueId {logon}
                  AND p.InitiatingProcessId = c.InitiatingProcessParentId
                  AND p.InitiatingProcessFileName = c.InitiatingProcessParentFileName
                  AND p.InitiatingProcessCreationTime = c.InitiatingProcessParentCreationTime)""", [first]).fetchone()[0]
        assert orphans == 0, table
        unknown = con.execute(f"SELECT count(*) FROM {table} c WHERE c.InitiatingProcessCreationTime IS NULL AND {created}").fetchone()[0]
        assert unknown == 0, table
        if table != "DeviceNetworkEvents":
            assert con.execute(f"SELECT count(*) FROM {table} WHERE InitiatingProcessCreationTime IS NULL").fetchone() == (0,), table
        # the kernel has no creation row, and is the only initiator whose parent columns are empty
        roots = con.execute(f"SELECT DISTINCT InitiatingProcessFileName FROM {table} WHERE InitiatingProcessId = 4").fetchall()
        assert roots in ([], [("System",)]), table
        assert con.execute(f"SELECT count(*) FROM {table} WHERE InitiatingProcessParentFileName = '' "
                           "AND InitiatingProcessId <> 4").fetchone() == (0,), table
    later = con.execute("SELECT count(*) FROM DeviceProcessEvents WHERE ProcessCreationTime <= InitiatingProcessCreationTime").fetchone()
    assert later == (0,)


def test_most_long_lived_parents_started_before_the_recording(day):
    """Real data holds the creation of only ~30% of the processes' parents: most long-lived processes started
    before the recording. Their children's InitiatingProcess* columns are still filled; some network rows do
    not know their owner's creation time."""
    con = duck(day)
    first = _recording_start(con)
    present = con.execute("""SELECT avg(CASE WHEN EXISTS (SELECT 1 FROM DeviceProcessEvents p WHERE p.DeviceName = c.DeviceName
                                                   AND p.ProcessUniqueId = c.InitiatingProcessUniqueId) THEN 1.0 ELSE 0.0 END)
                             FROM DeviceProcessEvents c""").fetchone()[0]
    assert 0.2 <= present <= 0.5, present
    # the DcomLaunch service host of most devices started before the recording (no creation row) ...
    launchers = con.execute("""
        SELECT DeviceName, bool_or(EXISTS (SELECT 1 FROM DeviceProcessEvents p WHERE p.DeviceName = c.DeviceName
                                           AND p.ProcessUniqueId = c.InitiatingProcessUniqueId)),
               min(InitiatingProcessCreationTime), min(InitiatingProcessParentFileName), count(*)
        FROM DeviceProcessEvents c WHERE InitiatingProcessCommandLine ILIKE '%svchost.exe -k DcomLaunch%' GROUP BY 1""").fetchall()
    assert len(launchers) == 24
    unrecorded = [row for row in launchers if not row[1]]
    assert 0.55 <= len(unrecorded) / len(launchers) <= 0.9, len(unrecorded)
    # ... yet its children name it completely, with its (earlier) creation time and its parent
    assert all(created < first and parent == "services.exe" for _, _, created, parent, _ in unrecorded)
    nulls = con.execute("SELECT avg(CASE WHEN InitiatingProcessCreationTime IS NULL THEN 1.0 ELSE 0.0 END) "
                        "FROM DeviceNetworkEvents").fetchone()[0]
    assert 0.05 <= nulls <= 0.5, nulls


def test_pids_are_multiples_of_four_and_get_reused(day):
    con = duck(day)
    for table in TABLES:
        assert con.execute(f"SELECT count(*) FROM {table} WHERE InitiatingProcessId % 4 <> 0").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM DeviceProcessEvents WHERE ProcessId % 4 <> 0").fetchone() == (0,)
    reused = con.execute("""SELECT count(*) FROM (SELECT DeviceName, ProcessId FROM DeviceProcessEvents
                            GROUP BY ALL HAVING count(DISTINCT ProcessCreationTime) > 1)""").fetchone()[0]
    assert reused > 10


def test_report_ids_are_unique_per_device_and_table(day):
    con = duck(day)
    for table in TABLES:
        assert con.execute(f"SELECT count(*) - count(DISTINCT (DeviceName, ReportId)) FROM {table}").fetchone() == (0,)


def test_device_names_timestamps_and_boot_trees(day):
    con = duck(day)
    assert con.execute("SELECT count(*) FROM DeviceProcessEvents WHERE DeviceName <> lower(DeviceName) "
                       "OR DeviceName NOT LIKE '%.%.%'").fetchone() == (0,)
    for table in TABLES:
        assert con.execute(f"SELECT count(*) FROM {table} WHERE epoch_us(Timestamp) % 1000 <> 0").fetchone() == (0,)
    # one DcomLaunch and one RPCSS svchost per recorded boot (= per session-manager start), both children of
    # services.exe; most devices booted before the recording (no boot tree in the files)
    rows = con.execute("""
        SELECT DeviceName,
               count(*) FILTER (WHERE FileName = 'smss.exe' AND InitiatingProcessFileName = 'System'),
               count(*) FILTER (WHERE ProcessCommandLine ILIKE '%svchost.exe -k DcomLaunch -p' AND InitiatingProcessFileName = 'services.exe'),
               count(*) FILTER (WHERE ProcessCommandLine ILIKE '%svchost.exe -k RPCSS -p' AND InitiatingProcessFileName = 'services.exe'
                                AND AccountName = 'network service')
        FROM DeviceProcessEvents GROUP BY 1""").fetchall()
    assert len(rows) == 24
    assert all(boots == dcom == rpcss for _, boots, dcom, rpcss in rows)
    assert 3 <= sum(boots >= 1 for _, boots, _, _ in rows) <= 14


def test_background_is_dominated_by_dcomlaunch_churn_and_rpc_management(day):
    con = duck(day)
    servers = dict(con.execute("""SELECT FileName, count(*) FROM DeviceProcessEvents
                                  WHERE InitiatingProcessCommandLine ILIKE '%-k DcomLaunch%' GROUP BY 1""").fetchall())
    for name in ("RuntimeBroker.exe", "dllhost.exe", "WmiPrvSE.exe", "backgroundTaskHost.exe"):
        assert servers.get(name, 0) > 20, name
    epm = con.execute("""SELECT count(*) FROM DeviceNetworkEvents WHERE ActionType = 'InboundConnectionAccepted'
                         AND LocalPort = 135 AND InitiatingProcessCommandLine ILIKE '%-k RPCSS%'""").fetchone()[0]
    assert epm > 100


# --- labels and the seed rule -----------------------------------------------------------------------------------------


def test_every_labelled_report_id_is_a_row_of_that_device(small):
    con = duck(small)
    labels = read_labels(small)
    assert {label["scenario_id"] for label in labels} == {s.id for s in SCENARIOS}
    for label in labels:
        assert label["expected_seed"] in {"TP", "FN", "FP", "TN"}
        places = [(label["device_name"], label["report_ids"])] + [(o["device_name"], o["report_ids"]) for o in label["other_devices"]]
        for device, report_ids in places:
            for table, ids in report_ids.items():
                found = con.execute(f"SELECT count(*) FROM {table} WHERE DeviceName = ? AND list_contains(?, ReportId)",
                                    [device, ids]).fetchone()[0]
                assert found == len(ids), (label["scenario_id"], table)
        assert label["start"] <= label["end"]


def test_seed_rule_alerts_are_exactly_the_labelled_tp_and_fp_scenarios(small):
    """The issue's acceptance criterion: the benign rows the seed returns are exactly the labelled traps."""
    connection = kqlite.connect(tables={t: str(small / f"{t}.parquet") for t in TABLES})
    alerts = connection.query(SEED).to_dicts()
    con = duck(small)
    # The seed's ReportId is the child process row's own: same device, file name and command line.
    for alert in alerts:
        assert con.execute("SELECT FileName, ProcessCommandLine FROM DeviceProcessEvents WHERE DeviceName = ? AND ReportId = ?",
                           [alert["DeviceName"], alert["ReportId"]]).fetchall() == [(alert["FileName"], alert["ProcessCommandLine"])]
    owner = {}
    for label in read_labels(small):
        for rid in label["report_ids"].get("DeviceProcessEvents", []):
            owner[(label["device_name"], rid)] = label
    fired: dict[int, int] = {}
    for alert in alerts:
        label = owner.get((alert["DeviceName"], alert["ReportId"]))
        assert label is not None, f"unlabelled row fired: {alert['DeviceName']} {alert['FileName']} {alert['ProcessCommandLine']}"
        assert label["expected_seed"] in ("TP", "FP"), (label["scenario_id"], alert["FileName"])
        fired[label["instance"]] = fired.get(label["instance"], 0) + 1
    labels = read_labels(small)
    for label in labels:
        should_fire = label["expected_seed"] in ("TP", "FP")
        assert (label["instance"] in fired) == should_fire, (label["scenario_id"], label["expected_seed"])
    assert {label["expected_seed"] for label in labels} == {"TP", "FN", "FP", "TN"}
    assert any(not label["is_malicious"] and label["expected_seed"] == "FP" for label in labels)


def test_without_scenarios_the_seed_rule_finds_nothing(tmp_path):
    generate(tmp_path, devices=12, hours=6, seed=5, scenarios="none")
    assert read_labels(tmp_path) == []
    connection = kqlite.connect(tables={t: str(tmp_path / f"{t}.parquet") for t in TABLES})
    assert connection.query(SEED).to_dicts() == []
    # ... although the background has inbound connections to long-lived DcomLaunch children (role servers)
    con = duck(tmp_path)
    assert con.execute("""SELECT count(*) FROM DeviceNetworkEvents WHERE ActionType = 'InboundConnectionAccepted'
                          AND InitiatingProcessParentFileName = 'svchost.exe' AND RemoteIP NOT LIKE '%127.0.0.1%'""").fetchone()[0] > 0


def test_attack_network_rows_precede_the_children_and_some_precede_the_server(small):
    con = duck(small)
    early = 0
    for label in read_labels(small):
        if label["expected_seed"] != "TP" or "DeviceNetworkEvents" not in label["report_ids"]:
            continue
        rows = con.execute("""
            SELECT n.Timestamp, n.InitiatingProcessCreationTime, min(c.Timestamp)
            FROM DeviceNetworkEvents n JOIN DeviceProcessEvents c
              ON c.DeviceName = n.DeviceName AND c.InitiatingProcessId = n.InitiatingProcessId
             AND c.InitiatingProcessCreationTime = n.InitiatingProcessCreationTime
            WHERE n.DeviceName = ? AND list_contains(?, n.ReportId) AND n.ActionType = 'InboundConnectionAccepted'
              AND list_contains(?, c.ReportId)
            GROUP BY ALL""", [label["device_name"], label["report_ids"]["DeviceNetworkEvents"],
                              label["report_ids"]["DeviceProcessEvents"]]).fetchall()
        assert rows, label["scenario_id"]
        assert all(net < child for net, _, child in rows), label["scenario_id"]
        early += sum(net < created for net, created, _ in rows)
    assert early >= 1  # the sensor artifact: an inbound stamped before its server's creation


def test_scenario_selection(tmp_path):
    generate(tmp_path, devices=8, hours=2, seed=2, scenarios="A1,b3c")
    assert {label["scenario_id"] for label in read_labels(tmp_path)} == {"A1", "B3c"}
    with pytest.raises(ValueError, match="unknown scenario"):
        generate(tmp_path / "x", devices=8, hours=1, scenarios="A1,Z9")


def test_target_rows_scales_each_table(tmp_path):
    summary = generate(tmp_path, devices=8, hours=3, seed=3, target_rows=40_000)
    for table in TABLES:
        assert 34_000 <= summary.rows[table] <= 46_000, (table, summary.rows[table])
        assert pq.ParquetFile(tmp_path / f"{table}.parquet").metadata.num_rows == summary.rows[table]


# --- fidelity to the real recordings --------------------------------------------------------------------------------


def _labelled(con, label: dict, table: str, columns: str, where: str = "TRUE") -> list[tuple]:
    ids = label["report_ids"].get(table, [])
    return con.execute(f"SELECT {columns} FROM {table} WHERE DeviceName = ? AND list_contains(?, ReportId) AND {where} "
                       "ORDER BY Timestamp", [label["device_name"], ids]).fetchall()


@pytest.mark.parametrize("fixture", ["small", "day"])
def test_complus_late_child_comes_long_after_the_last_remote_call_to_its_server(fixture, request):
    """B3b says "child hours after its last remote call": no remote call may reach that server instance in the
    hour before the child (background calls included, not only the labelled ones)."""
    directory = request.getfixturevalue(fixture)
    con = duck(directory)
    labels = [label for label in read_labels(directory) if label["scenario_id"] == "B3b"]
    assert labels
    for label in labels:
        children = _labelled(con, label, "DeviceProcessEvents", "Timestamp, InitiatingProcessUniqueId",
                             "InitiatingProcessFileName = 'dllhost.exe'")
        assert children, label
        for when, server in children:
            calls = con.execute("""SELECT count(*), max(Timestamp) FROM DeviceNetworkEvents
                                   WHERE DeviceName = ? AND InitiatingProcessUniqueId = ?
                                     AND ActionType = 'InboundConnectionAccepted' AND Timestamp <= ?""",
                                [label["device_name"], server, when]).fetchone()
            assert calls[0] >= 1, "the server must have been called remotely"
            assert (when - calls[1]).total_seconds() >= 3600, (label["instance"], calls[1], when)


def test_iertutil_inbound_follows_the_port_135_connection_and_precedes_the_processes(small):
    """Recorded order (covenant_dcom_iertutil_dll_hijack): :135 first, the inbound to ielowutil.exe under a
    second later, then the process creations."""
    con = duck(small)
    labels = [label for label in read_labels(small) if label["scenario_id"] == "A12"]
    assert labels
    for label in labels:
        epm = _labelled(con, label, "DeviceNetworkEvents", "Timestamp", "LocalPort = 135")
        low = _labelled(con, label, "DeviceNetworkEvents", "Timestamp",
                        "InitiatingProcessFileName = 'ielowutil.exe' AND ActionType = 'InboundConnectionAccepted'")
        created = _labelled(con, label, "DeviceProcessEvents", "Timestamp, FileName")
        assert epm and len(low) == 1 and created
        first_135, inbound = epm[0][0], low[0][0]
        assert epm[-1][0] < inbound and (inbound - first_135).total_seconds() < 1.0, (first_135, inbound)
        assert all(inbound < when for when, _ in created), (inbound, created[0])


def test_registerxll_excel_spawns_no_child(small):
    """Real RegisterXLL recordings: the XLL runs inside EXCEL.EXE, which has no child process (no WerFault.exe)."""
    con = duck(small)
    labels = [label for label in read_labels(small) if label["scenario_id"] == "A7"]
    assert labels
    for label in labels:
        assert _labelled(con, label, "DeviceProcessEvents", "FileName", "FileName = 'EXCEL.EXE'")
        assert _labelled(con, label, "DeviceImageLoadEvents", "FileName", "FileName LIKE '%.xll'")
        assert _labelled(con, label, "DeviceProcessEvents", "FileName", "InitiatingProcessFileName = 'EXCEL.EXE'") == []
        assert con.execute("SELECT count(*) FROM DeviceProcessEvents WHERE DeviceName = ? AND InitiatingProcessFileName = 'EXCEL.EXE' "
                           "AND InitiatingProcessCommandLine LIKE '%/automation%' AND lower(FileName) = 'werfault.exe'",
                           [label["device_name"]]).fetchone() == (0,)


def test_inbound_traffic_mixes_udp_link_local_ipv6_loopback_and_dc_self_traffic(day):
    """Real hosts accept more than private IPv4 over TCP: about a quarter of the inbound rows are UDP (NetBIOS,
    LLMNR, DNS/CLDAP/NTP on the DC), peers and the host itself use IPv6 link-local addresses, loopback also goes
    over ::1, and the domain controller talks to itself. All of it benign, none of it to a DCOM server."""
    con = duck(day)
    shares = dict(zip(("udp", "fe80", "v6loop", "all"), con.execute("""
        SELECT avg(CASE WHEN Protocol = 'Udp' THEN 1.0 ELSE 0.0 END), avg(CASE WHEN RemoteIP LIKE 'fe80:%' THEN 1.0 ELSE 0.0 END),
               avg(CASE WHEN RemoteIP = '::1' THEN 1.0 ELSE 0.0 END), count(*)
        FROM DeviceNetworkEvents WHERE ActionType = 'InboundConnectionAccepted'""").fetchone(), strict=True))
    assert 0.18 <= shares["udp"] <= 0.35, shares
    assert 0.02 <= shares["fe80"] <= 0.12, shares
    assert 0.005 <= shares["v6loop"] <= 0.06, shares
    self_talk = dict(con.execute("""
        SELECT CASE WHEN RemoteIP LIKE 'fe80:%' THEN 'fe80' WHEN RemoteIP = '::1' THEN '::1' ELSE 'ipv4' END, count(*)
        FROM DeviceNetworkEvents WHERE ActionType = 'InboundConnectionAccepted' AND DeviceName LIKE 'dc01.%'
          AND (RemoteIP = LocalIP OR RemoteIP = '::1') GROUP BY 1""").fetchall())
    assert set(self_talk) == {"fe80", "::1", "ipv4"}, self_talk
    udp_owners = {name for (name,) in con.execute("SELECT DISTINCT InitiatingProcessFileName FROM DeviceNetworkEvents "
                                                   "WHERE ActionType = 'InboundConnectionAccepted' AND Protocol = 'Udp'").fetchall()}
    assert {"System", "svchost.exe", "lsass.exe", "dns.exe"} <= udp_owners
    # none of these background rows goes to a DcomLaunch child (only the labelled B4c/B4f traps do)
    labelled = [(label["device_name"], rid) for label in read_labels(day)
                for rid in label["report_ids"].get("DeviceNetworkEvents", [])]
    con.execute("CREATE TEMP TABLE labelled (DeviceName VARCHAR, ReportId BIGINT)")
    con.executemany("INSERT INTO labelled VALUES (?, ?)", labelled)
    assert con.execute("""SELECT count(*) FROM DeviceNetworkEvents n WHERE ActionType = 'InboundConnectionAccepted'
                          AND (Protocol = 'Udp' OR RemoteIP LIKE 'fe80:%' OR RemoteIP = '::1')
                          AND InitiatingProcessParentFileName = 'svchost.exe'
                          AND NOT EXISTS (SELECT 1 FROM labelled l WHERE l.DeviceName = n.DeviceName AND l.ReportId = n.ReportId)
                       """).fetchone() == (0,)


def test_processes_load_realistic_module_sets(day):
    """A real Excel start loads ~120 modules, a service host or COM server 30-60, out of hundreds of real Windows
    DLL names; a few benign loads come from unusual places (user profiles, the Installer folder, the driver
    store), so rarity and side-loading logic are not perfect by construction."""
    con = duck(day)
    assert con.execute("SELECT count(DISTINCT lower(FileName)) FROM DeviceImageLoadEvents").fetchone()[0] >= 250
    per_start = dict(con.execute("""
        SELECT InitiatingProcessFileName, median(n) FROM (
            SELECT InitiatingProcessFileName, InitiatingProcessUniqueId, count(*) n FROM DeviceImageLoadEvents
            WHERE Timestamp <= InitiatingProcessCreationTime + INTERVAL 40 SECOND GROUP BY ALL) GROUP BY 1""").fetchall())
    for image in ("EXCEL.EXE", "WINWORD.EXE"):
        assert 60 <= per_start[image] <= 150, (image, per_start[image])
    for image in ("svchost.exe", "dllhost.exe", "WmiPrvSE.exe", "RuntimeBroker.exe", "taskhostw.exe"):
        assert 30 <= per_start[image] <= 60, (image, per_start[image])
    assert per_start["cmd.exe"] < 30
    twice = con.execute("""SELECT count(*) FROM (SELECT DeviceName, InitiatingProcessUniqueId, FolderPath FROM DeviceImageLoadEvents
                           WHERE Timestamp <= InitiatingProcessCreationTime + INTERVAL 40 SECOND GROUP BY ALL HAVING count(*) > 1)""").fetchone()
    assert twice == (0,)  # a module set names each module once
    odd = con.execute(r"""SELECT count(DISTINCT FolderPath) FROM DeviceImageLoadEvents
                          WHERE FolderPath LIKE 'C:\Users\%' OR FolderPath LIKE 'C:\Windows\Installer\%'
                             OR FolderPath LIKE '%\DriverStore\%'""").fetchone()[0]
    assert odd >= 3


def test_devices_have_routine_history_before_the_window_that_no_label_covers(day):
    """Rules that learn what is routine need history: the files start with a warm-up (default 4 h) of the same
    background before --start; no scenario row and no label lies in it."""
    con = duck(day)
    start = datetime(2024, 8, 5, tzinfo=UTC)
    first = dict(con.execute("SELECT DeviceName, min(Timestamp) FROM DeviceNetworkEvents GROUP BY 1").fetchall())
    assert len(first) == 24 and all(when < start - timedelta(hours=1.5) for when in first.values())
    # devices up before the recording report from its first minutes; the others boot in the warm-up's first half
    assert sum(when < start - timedelta(hours=3.9) for when in first.values()) >= 15
    for table in TABLES:
        assert con.execute(f"SELECT count(*) FROM {table} WHERE Timestamp < ?", [start]).fetchone()[0] > 0, table
    churn = con.execute("""SELECT count(*) FROM DeviceProcessEvents WHERE Timestamp < ?
                           AND InitiatingProcessCommandLine ILIKE '%-k DcomLaunch%'""", [start]).fetchone()[0]
    assert churn > 50
    labels = read_labels(day)
    for label in labels:
        assert label["start"] >= "2024-08-05T00:00:00.000Z", label
        for table, ids in label["report_ids"].items():
            assert con.execute(f"SELECT min(Timestamp) FROM {table} WHERE DeviceName = ? AND list_contains(?, ReportId)",
                               [label["device_name"], ids]).fetchone()[0] >= start, (label["scenario_id"], table)


def test_warmup_zero_starts_the_files_at_the_window(tmp_path):
    summary = generate(tmp_path, devices=6, hours=1, seed=2, warmup=0)
    assert summary.warmup == 0
    con = duck(tmp_path)
    for table in TABLES:
        assert con.execute(f"SELECT min(Timestamp) FROM {table}").fetchone()[0] >= datetime(2024, 8, 5, tzinfo=UTC), table


# --- formats ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("reference")
    summary = generate(out, devices=6, hours=1, fmt="parquet", seed=11)
    return out, summary.rows


def _formatted(tmp_path: Path, fmt: str) -> Path:
    generate(tmp_path, devices=6, hours=1, fmt=fmt, seed=11)
    return tmp_path


def test_csv_and_jsonl_hold_the_parquet_rows(tmp_path, reference):
    ref, rows = reference
    csv_dir = _formatted(tmp_path / "csv", "csv")
    json_dir = _formatted(tmp_path / "jsonl", "jsonl")
    for table in TABLES:
        with (csv_dir / f"{table}.csv").open(newline="") as handle:
            records = list(csv.DictReader(handle))
        assert len(records) == rows[table]
        assert list(records[0]) == [name for name, _ in table_schema(table)]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", records[0]["Timestamp"])
        lines = (json_dir / f"{table}.jsonl").read_text().splitlines()
        assert len(lines) == rows[table]
        first = json.loads(lines[0])
        assert list(first) == [name for name, _ in table_schema(table)]
        parquet = pq.read_table(ref / f"{table}.parquet").slice(0, 1).to_pylist()[0]
        assert first["ReportId"] == parquet["ReportId"] == int(records[0]["ReportId"])
        assert first["InitiatingProcessCommandLine"] == parquet["InitiatingProcessCommandLine"] == records[0]["InitiatingProcessCommandLine"]
    via_duckdb = duckdb.sql(f"SELECT count(*) FROM read_csv('{csv_dir / 'DeviceProcessEvents.csv'}')").fetchall()[0][0]
    assert via_duckdb == rows["DeviceProcessEvents"]


def test_defender_csv_is_the_portal_export_shape(tmp_path, reference):
    _, rows = reference
    out = _formatted(tmp_path, "defender-csv")
    raw = (out / "DeviceNetworkEvents.csv").read_bytes()
    assert raw.count(b"\r\n") == rows["DeviceNetworkEvents"] + 1
    with (out / "DeviceNetworkEvents.csv").open(newline="", encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z", r["Timestamp"]) for r in records)
    assert {r["IsInitiatingProcessRemoteSession"] for r in records} == {"false"}
    assert any(r["RemotePort"] == "" for r in records)  # null -> empty field (listeners have no remote side)
    quoted = [r["InitiatingProcessCommandLine"] for r in records if '"' in r["InitiatingProcessCommandLine"]]
    assert quoted and all(q.count('"') % 2 == 0 for q in quoted)


def test_streaming_json_blobs(tmp_path, reference):
    _, rows = reference
    out = _formatted(tmp_path, "streaming-json")
    blobs = sorted(out.glob("insights-logs-advancedhunting-deviceprocessevents/y=*/m=*/d=*/h=*/m=00/PT1H.json"))
    assert blobs
    total = 0
    for blob in blobs:
        raw = blob.read_bytes()
        assert raw.endswith(b"\r\n") and raw.count(b"\n") == raw.count(b"\r\n")
        hour = re.search(r"y=(\d{4})/m=(\d\d)/d=(\d\d)/h=(\d\d)", blob.as_posix()).groups()
        for line in raw.decode().splitlines():
            envelope = json.loads(line)
            assert set(envelope) == {"time", "tenantId", "operationName", "category", "properties"}
            assert envelope["operationName"] == "Publish" and envelope["category"] == "AdvancedHunting-DeviceProcessEvents"
            assert envelope["time"].startswith("{}-{}-{}T{}".format(*hour))
            assert envelope["properties"]["Timestamp"] <= envelope["time"]
            assert list(envelope["properties"]) == [name for name, _ in table_schema("DeviceProcessEvents")]
            total += 1
    assert total == rows["DeviceProcessEvents"]


def test_sysmon_xml_rebuilds_the_process_tree_and_keeps_report_ids(tmp_path, reference):
    ref, _ = reference
    out = _formatted(tmp_path, "sysmon-evtx-xml")
    ns = {"e": "http://schemas.microsoft.com/win/2004/08/events/event"}
    con = duck(ref)
    files = sorted(out.glob("*.xml"))
    assert len(files) == 6
    for path in files:
        device = path.name[: -len(".xml")]
        root = ElementTree.parse(path).getroot()
        assert root.tag == "Events"
        guids, parents, records, kinds = set(), [], [], set()
        for event in root.findall("e:Event", ns):
            system = event.find("e:System", ns)
            eid = int(system.find("e:EventID", ns).text)
            provider = system.find("e:Provider", ns).get("Name")
            kinds.add((provider, eid))
            assert system.find("e:Computer", ns).text == device
            records.append(int(system.find("e:EventRecordID", ns).text))
            data = {d.get("Name"): d.text or "" for d in event.find("e:EventData", ns)}
            if eid == 1:
                guids.add(data["ProcessGuid"])
                parents.append((int(system.find("e:EventRecordID", ns).text), data["ParentProcessGuid"], data["ParentImage"]))
                assert re.fullmatch(r"SHA1=[0-9A-F]{40},MD5=[0-9A-F]{32},SHA256=[0-9A-F]{64},IMPHASH=[0-9A-F]{32}", data["Hashes"])
                assert data["LogonId"].startswith("0x")
            if eid == 3 and data["Initiated"] == "false":  # Windows 10 convention: destination = this host
                assert data["DestinationHostname"] == device
        assert ("Microsoft-Windows-Sysmon", 1) in kinds and ("Microsoft-Windows-Sysmon", 3) in kinds
        assert ("Microsoft-Windows-Security-Auditing", 4624) in kinds
        # a parent without its own EID 1 is the kernel or a process started before the recording
        first = _recording_start(con)
        for record, parent, image in parents:
            if parent not in guids and image != "System":
                created = con.execute("SELECT InitiatingProcessCreationTime FROM DeviceProcessEvents WHERE DeviceName = ? "
                                      "AND ReportId = ?", [device, record]).fetchone()[0]
                assert created < first, (device, record, image)
        assert len(records) == len(set(records))
        known = {r for (r,) in con.execute("SELECT ReportId FROM DeviceProcessEvents WHERE DeviceName = ? UNION ALL "
                                           "SELECT ReportId FROM DeviceNetworkEvents WHERE DeviceName = ? UNION ALL "
                                           "SELECT ReportId FROM DeviceLogonEvents WHERE DeviceName = ?",
                                           [device, device, device]).fetchall()}
        known |= {r for (r,) in con.execute("SELECT ReportId FROM DeviceImageLoadEvents WHERE DeviceName = ? UNION ALL "
                                            "SELECT ReportId FROM DeviceFileEvents WHERE DeviceName = ?", [device, device]).fetchall()}
        assert set(records) <= known


# --- command line -------------------------------------------------------------------------------------------------------


def test_command_writes_the_files_and_rejects_bad_options(tmp_path):
    runner = CliRunner()
    result = runner.invoke(generate_command, ["--devices", "6", "--hours", "1", "--out", str(tmp_path), "--seed", "9",
                                              "--scenarios", "A2,B4c", "--start", "2025-01-06T08:00:00Z", "--warmup", "1.5"])
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.iterdir()} == {f"{t}.parquet" for t in TABLES} | {"labels.jsonl"}
    first = pq.read_table(tmp_path / "DeviceNetworkEvents.parquet", columns=["Timestamp"]).column(0)[0].as_py()
    assert first.isoformat().startswith("2025-01-06T06:3")  # the warm-up starts 1.5 h before --start
    assert all(label["start"] >= "2025-01-06T08:00" for label in read_labels(tmp_path))
    assert "DeviceProcessEvents" in result.output
    bad = runner.invoke(generate_command, ["--out", str(tmp_path), "--scenarios", "A99"])
    assert bad.exit_code == 2 and "unknown scenario" in bad.output
    assert runner.invoke(generate_command, ["--out", str(tmp_path), "--devices", "2"]).exit_code == 2
    assert runner.invoke(generate_command, ["--devices", "6"]).exit_code == 2  # --out is required
    assert runner.invoke(generate_command, ["--out", str(tmp_path), "--warmup", "-1"]).exit_code == 2
