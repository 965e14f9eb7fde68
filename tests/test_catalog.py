"""Every Defender and Sentinel table, both flavours of the tables both products have, and Kusto's
case-sensitive column names (`LogonId` beside `LogonID`, a user's `user` beside `User`).

Expected schemas come from `../shared/schemas/` (Microsoft's table references) when it is there, else from
the bundle built from it; names and types of results are Kusto's rules worked out by hand."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import kqlite
from kqlite.cli import main
from kqlite.schemas import (
    KQLITE_TABLES,
    differing_tables,
    flavour_only_tables,
    known_tables,
    table_differs,
    table_schema,
)

SHARED_SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "schemas"


def shared_schema(flavour: str, table: str) -> list[tuple[str, str]]:
    with (SHARED_SCHEMAS / flavour / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return [(row["column"], row["type"]) for row in csv.DictReader(handle)]


@pytest.mark.skipif(not SHARED_SCHEMAS.is_dir(), reason="../shared/schemas is not here")
@pytest.mark.parametrize("flavour", ["defender", "sentinel"])
def test_every_shared_table_is_bundled_queryable_and_getschema_matches_its_csv(flavour):
    con = kqlite.connect(flavour=flavour)
    files = sorted((SHARED_SCHEMAS / flavour).glob("*.csv"))
    assert len(files) == {"defender": 62, "sentinel": 925}[flavour]
    for path in files:
        table = path.stem
        expected = shared_schema(flavour, table)
        assert table_schema(table, flavour) == expected, table
        got = con.query(f"{table} | getschema | project ColumnName, ColumnType").rows()
        assert got == expected, table
        assert con.query(f"{table} | count").rows() == [(0,)], table


def test_known_tables_cover_both_products():
    names = set(known_tables())
    assert {"DeviceProcessEvents", "DeviceInfo", "EmailEvents", "IdentityInfo", "AlertEvidence",
            "SigninLogs", "AuditLogs", "SecurityEvent", "OfficeActivity", "SecurityAlert"} <= names
    assert "SigninLogs" in flavour_only_tables("sentinel")
    assert "DeviceProcessEvents" in differing_tables()
    # one table asked at a time (what a query does) agrees with the whole list
    assert {t for t in known_tables() if table_differs(t)} == differing_tables()
    assert not table_differs("SigninLogs") and not table_differs("NoSuchTable")
    assert len(known_tables("defender")) == 62 + len(KQLITE_TABLES)  # and kqlite's FileProfiles, SiteAllowlist


def test_logonid_and_logonID_are_two_columns():
    con = kqlite.connect(tables={"DeviceProcessEvents": pa.table({
        "LogonId": pa.array([1, 2], pa.int64()), "LogonID": pa.array([10, 20], pa.int64())})})
    result = con.query("DeviceProcessEvents | project LogonId, LogonID, Sum = LogonId + LogonID")
    assert result.columns == ["LogonId", "LogonID", "Sum"]
    assert result.rows() == [(1, 10, 11), (2, 20, 22)]
    assert result.to_arrow().column_names == ["LogonId", "LogonID", "Sum"]


@pytest.mark.parametrize("attach", ["arrow", "parquet", "csv"])
def test_user_columns_differing_only_in_case_both_survive(attach, tmp_path):
    table = pa.table({"user": ["alice", "bob"], "User": ["ALICE", "BOB"]})
    source: object = table
    if attach == "parquet":
        source = tmp_path / "t.parquet"
        pq.write_table(table, source)
    elif attach == "csv":
        source = tmp_path / "t.csv"
        source.write_text("user,User\nalice,ALICE\nbob,BOB\n", encoding="utf-8")
    con = kqlite.connect(tables={"Accounts": str(source) if attach != "arrow" else source})
    result = con.query("Accounts | extend Both = strcat(user, '/', User) | where User == 'BOB'")
    assert result.columns == ["user", "User", "Both"]
    assert result.rows() == [("bob", "BOB", "bob/BOB")]


def test_a_query_column_differing_only_in_case_from_a_table_column():
    con = kqlite.connect()
    result = con.query("print FileName = 'a' | extend filename = 'b', FILENAME = 'c' | project FILENAME, FileName, filename")
    assert result.columns == ["FILENAME", "FileName", "filename"]
    assert result.rows() == [("c", "a", "b")]


# ---------------------------------------------------------------- flavours

DEFENDER_ROWS = pa.table({
    "Timestamp": pa.array([datetime(2024, 5, 1, 10, 0)], pa.timestamp("us")),
    "DeviceName": ["ws-01"], "FileName": ["cmd.exe"], "AdditionalFields": ['{"Tag": "x"}'],
})
SENTINEL_ROWS = pa.table({
    "TimeGenerated": pa.array([datetime(2024, 5, 1, 10, 0)], pa.timestamp("us")),
    "DeviceName": ["ws-01"], "FileName": ["cmd.exe"], "AdditionalFields": ['{"Tag": "x"}'],
    "TenantId": ["t-1"], "Type": ["DeviceProcessEvents"],
})


@pytest.mark.parametrize("rows", [DEFENDER_ROWS, SENTINEL_ROWS], ids=["defender-export", "sentinel-export"])
def test_both_flavours_run_on_the_same_data(rows):
    con = kqlite.connect(tables={"DeviceProcessEvents": rows})
    when = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    portal = con.query("DeviceProcessEvents | project Timestamp, DeviceName, FileName")
    assert portal.rows() == [(when, "ws-01", "cmd.exe")]
    sentinel = con.query("DeviceProcessEvents | where TimeGenerated > datetime(2024-01-01) "
                         "| project TimeGenerated, Timestamp, Tag = tostring(AdditionalFields.Tag), Type")
    assert sentinel.rows() == [(when, when, "x", "DeviceProcessEvents")]
    assert con.explain("DeviceProcessEvents | project TimeGenerated").flavour == "sentinel"
    assert con.explain("DeviceProcessEvents | project Timestamp").flavour == "defender"


def test_each_flavour_shows_its_own_columns_in_its_own_order():
    con = kqlite.connect()
    defender = con.query("DeviceProcessEvents | take 1", flavour="defender")
    sentinel = con.query("DeviceProcessEvents | take 1", flavour="sentinel")
    assert defender.columns == [c for c, _ in table_schema("DeviceProcessEvents", "defender")]
    assert sentinel.columns == [c for c, _ in table_schema("DeviceProcessEvents", "sentinel")]
    assert dict(zip(defender.columns, defender.types, strict=True))["AdditionalFields"] == "string"
    assert dict(zip(sentinel.columns, sentinel.types, strict=True))["AdditionalFields"] == "dynamic"
    assert "TimeGenerated" not in defender.columns and "LogonID" not in sentinel.columns


def test_a_sentinel_only_table_makes_the_query_sentinel_flavoured():
    con = kqlite.connect()
    plan = con.explain("SigninLogs | join kind=inner (DeviceLogonEvents) on $left.UserPrincipalName == "
                       "$right.AccountName | take 1")
    assert plan.flavour == "sentinel"
    result = con.query("SigninLogs | join kind=inner (DeviceLogonEvents) on $left.UserPrincipalName == "
                       "$right.AccountName | take 1")
    assert "TimeGenerated1" in result.columns and "MachineGroup" in result.columns  # Sentinel flavour of the right side


def test_a_forced_flavour_reports_unknown_columns():
    con = kqlite.connect(flavour="defender")
    with pytest.raises(kqlite.KqlSemanticError, match="TimeGenerated"):
        con.query("DeviceProcessEvents | project TimeGenerated")


def test_unknown_flavour_is_refused():
    with pytest.raises(ValueError, match="flavour"):
        kqlite.connect(flavour="splunk")


# ---------------------------------------------------------------- kqlite tables


def test_tables_command_lists_and_filters():
    runner = CliRunner()
    listed = runner.invoke(main, ["tables", "signinlogs"])
    assert listed.exit_code == 0, listed.output
    assert "SigninLogs" in listed.output and "Sentinel" in listed.output
    assert "DeviceProcessEvents" not in listed.output
    wildcard = runner.invoke(main, ["tables", "Device*Events", "--flavour", "defender"])
    assert "DeviceProcessEvents" in wildcard.output and "Defender, Sentinel" in wildcard.output
    columns = runner.invoke(main, ["tables", "DeviceNetworkInfo", "--columns"])
    assert "IPAddresses: string" in columns.output  # as Defender documents it (JSON text)
    missing = runner.invoke(main, ["tables", "NoSuchTable"])
    assert missing.exit_code == 2 and "no table matches" in missing.output


# ---------------------------------------------------------------- ingestion_time()


def test_ingestion_time_is_per_row_in_a_store_and_the_read_time_for_files(tmp_path):
    csv_path = tmp_path / "DeviceProcessEvents.csv"
    csv_path.write_text("Timestamp,DeviceName,FileName\n2024-05-01T10:00:00Z,ws-01,cmd.exe\n", encoding="utf-8")
    db = tmp_path / "case.duckdb"
    before = datetime.now(UTC)
    assert CliRunner().invoke(main, ["ingest", str(csv_path), "--db", str(db)]).exit_code == 0
    after = datetime.now(UTC)
    con = kqlite.connect(db, read_only=True)
    rows = con.query("DeviceProcessEvents | where ingestion_time() between (datetime(2000-01-01) .. now()) "
                     "| extend Ingested = ingestion_time() | project FileName, Ingested").rows()
    assert len(rows) == 1 and rows[0][0] == "cmd.exe" and before <= rows[0][1] <= after
    assert "_kqlite_ingestion_time" not in con.query("DeviceProcessEvents | take 1").columns  # hidden
    assert con.query("DeviceProcessEvents | summarize n = count() | extend t = ingestion_time()").rows() == [
        (1, None)]  # no longer one table's rows
    direct = kqlite.connect(tables={"DeviceProcessEvents": str(csv_path)})
    read = direct.query("DeviceProcessEvents | project FileName | extend t = ingestion_time()").rows()
    assert read[0][0] == "cmd.exe" and after <= read[0][1] <= datetime.now(UTC)
