"""Log Analytics / Sentinel exports (the portal's CSV with locale datetimes, the query API JSON, the Azure
CLI's output), Sentinel-flavour rows of Defender tables, columns typed from their data, and the ingestion time
of stored rows; on fixtures the tests write themselves."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

import kqlite
from kqlite.ingest import store
from kqlite.ingest.infer import DYNAMIC
from kqlite.ingest.locale_times import DAY_FIRST, MONTH_FIRST, DateOrder, parse_header, to_utc_text
from kqlite.ingest.pipeline import Ingest, load
from kqlite.ingest.rows import table_from_name


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def rejects_of(report) -> list[tuple[str, str, str]]:
    return [(Path(r.file).name, r.position, r.reason) for r in report.rejects.rejects]


def utc(*parts: int) -> datetime:
    return datetime(*parts)  # stored datetimes are naive UTC


# --- the portal's CSV export --------------------------------------------------------------------------------

SIGNIN_US = (
    'TimeGenerated [UTC],UserPrincipalName,ResultType,DurationMs,IsInteractive,LocationDetails,'
    'CreatedDateTime [UTC],Type\n'
    '"12/6/2026, 2:22:48.123 PM",alice@contoso.com,0,17,True,"{""city"":""Oslo""}","12/6/2026, 2:22:47.000 PM",SigninLogs\n'
    '"12/6/2026, 12:05:01.5 AM",bob@contoso.com,50126,,False,,,SigninLogs\n'
    '"12/6/2026, 12:00:00.000 PM",carol@contoso.com,0,3,true,"{}","2026-12-06T11:59:59.1234567Z",SigninLogs\n'
    '"2/30/2026, 1:00:00.000 PM",dave@contoso.com,0,3,true,,,SigninLogs\n'        # no February 30
    '"12/6/2026, 1:00:00.000 PM",erin@contoso.com,0,x3,true,,,SigninLogs\n'       # DurationMs is a long
)


def test_portal_csv_us_locale(tmp_path):
    """US locale (M/D/YYYY, h:mm:ss.fff AM/PM), [UTC] headers mapped to the plain columns, the table from the
    Type column (the file is called query_data.csv, as the portal names it), types from the Sentinel schema."""
    path = write(tmp_path / "query_data.csv", SIGNIN_US)
    tables, report = load([path])
    assert report.rows == {"SigninLogs": 3}
    assert rejects_of(report) == [
        ("query_data.csv", "line 5", "column TimeGenerated: '2/30/2026, 1:00:00.000 PM' is not a datetime "
                                     "(day is out of range for month; dates read month-first, settled by "
                                     "'2/30/2026, 1:00:00.000 PM')"),
        ("query_data.csv", "line 6", "table SigninLogs: column DurationMs (long): 'x3' is not a whole number"),
    ]
    assert report.files[0].records + len(report.rejects) == 5  # records in = rows stored + rejected
    table = tables["SigninLogs"]
    assert "TimeGenerated [UTC]" not in table.column_names
    rows = table.to_pylist()
    assert [r["TimeGenerated"] for r in rows] == [utc(2026, 12, 6, 14, 22, 48, 123000), utc(2026, 12, 6, 0, 5, 1, 500000),
                                                  utc(2026, 12, 6, 12, 0, 0)]
    assert [r["CreatedDateTime"] for r in rows] == [utc(2026, 12, 6, 14, 22, 47), None,
                                                    utc(2026, 12, 6, 11, 59, 59, 123456)]
    assert [r["DurationMs"] for r in rows] == [17, None, 3]
    assert [r["IsInteractive"] for r in rows] == [True, False, True]
    got = kqlite.connect(tables=tables).query(
        "SigninLogs | where TimeGenerated > datetime(2026-12-06 12:00) | project UserPrincipalName, City = "
        "tostring(LocationDetails.city)").to_dicts()
    assert got == [{"UserPrincipalName": "alice@contoso.com", "City": "Oslo"}]


@pytest.mark.parametrize(("values", "order"), [
    (["6.12.2026 14:22:48,123", "7.12.2026 09:00:00"], DAY_FIRST),             # de-DE: dots, 24-hour clock
    (["06/12/2026 14:22:48", "13/12/2026 01:00:00"], DAY_FIRST),               # a first field over 12 settles it
    (["06/12/2026 14:22:48", "07/11/2026 01:00:00"], DAY_FIRST),               # undecided, 24-hour: day first
    (["12/6/2026, 2:22:48 PM", "1/2/2026, 1:00:00 AM"], MONTH_FIRST),          # undecided, AM/PM: US
    (["06/12/2026 14:22:48", "12/13/2026 01:00:00"], MONTH_FIRST),             # a second field over 12 settles it
])
def test_day_month_order_is_decided_per_file_from_the_values(values, order):
    assert DateOrder.of(values).order == order


def test_locale_datetime_forms():
    us, eu = DateOrder.of(["1/1/2026, 1:00 PM"]), DateOrder.of(["1.1.2026 13:00"])
    assert to_utc_text("12/6/2026, 2:22:48.123 PM", None, us) == "2026-12-06T14:22:48.123000+00:00"
    assert to_utc_text("12/6/2026, 12:22:48 AM", None, us) == "2026-12-06T00:22:48+00:00"
    assert to_utc_text("12/6/2026, 12:22 PM", None, us) == "2026-12-06T12:22:00+00:00"
    assert to_utc_text("6.12.2026 14:22:48,1234567", None, eu) == "2026-12-06T14:22:48.123456+00:00"
    assert to_utc_text("2026/12/06 14:22:48", None, eu) == "2026-12-06T14:22:48+00:00"  # year first: ja-JP
    assert to_utc_text("2026-12-06T14:22:48.123Z", None, eu) == "2026-12-06T14:22:48.123000+00:00"
    assert to_utc_text("2026-12-06 15:22:48+01:00", None, eu) == "2026-12-06T14:22:48+00:00"
    assert to_utc_text("6.12.2026 14:22:48", timedelta(hours=1), eu) == "2026-12-06T13:22:48+00:00"
    with pytest.raises(ValueError, match="hour 13 with AM/PM"):
        to_utc_text("12/6/2026, 13:22:48 PM", None, us)
    with pytest.raises(ValueError, match="no four-digit year"):
        to_utc_text("12/6/26, 1:22:48 PM", None, us)


def test_header_tags():
    assert parse_header("TimeGenerated [UTC]") == ("TimeGenerated", timedelta())
    assert parse_header("TimeGenerated [UTC+01:00]") == ("TimeGenerated", timedelta(hours=1))
    assert parse_header("TimeGenerated [UTC-05:30]") == ("TimeGenerated", -timedelta(hours=5, minutes=30))
    assert parse_header("TimeGenerated [Local Time]") == ("TimeGenerated", "local")
    assert parse_header("TimeGenerated [Ortszeit]") == ("TimeGenerated", "local")
    assert parse_header("TimeGenerated [Local Time]", timedelta(hours=2)) == ("TimeGenerated", timedelta(hours=2))
    assert parse_header("Computer") == ("Computer", None)


def test_portal_csv_day_first_locale_and_an_offset_header(tmp_path):
    """de-DE values, decided day first from the file (13.12. settles it); a [UTC+01:00] column moved to UTC."""
    path = write(tmp_path / "Heartbeat.csv",
                 "TimeGenerated [UTC+01:00],Computer,Type\n"
                 "\"6.12.2026 14:22:48,123\",srv01,Heartbeat\n"
                 "13.12.2026 00:30:00,srv02,Heartbeat\n")
    tables, report = load([path])
    assert not report.rejects.rejects
    assert tables["Heartbeat"].column("TimeGenerated").to_pylist() == [utc(2026, 12, 6, 13, 22, 48, 123000),
                                                                       utc(2026, 12, 12, 23, 30)]


LOCAL_CSV = ("TimeGenerated [Local Time],Computer,Type\n"
             "\"12/6/2026, 2:22:48.123 PM\",srv01,Heartbeat\n"
             "2026-12-06T14:22:48.123+02:00,srv02,Heartbeat\n"
             ",srv03,Heartbeat\n")


def test_local_time_column_without_a_known_offset_rejects_its_rows(tmp_path):
    path = write(tmp_path / "heartbeats.csv", LOCAL_CSV)
    tables, report = load([path])
    assert rejects_of(report) == [
        ("heartbeats.csv", "line 2", "column TimeGenerated: '12/6/2026, 2:22:48.123 PM' is in the exporting "
                                     "browser's local time, whose UTC offset the file does not say (the column "
                                     "is 'TimeGenerated [Local Time]': export with the portal's time zone set to "
                                     "UTC, or give the offset: --local-utc-offset +HH:MM)")]
    # a value with its own offset, and an empty one, are read
    assert tables["Heartbeat"].to_pylist() == [
        {"TimeGenerated": utc(2026, 12, 6, 12, 22, 48, 123000), "Computer": "srv02", "Type": "Heartbeat"},
        {"TimeGenerated": None, "Computer": "srv03", "Type": "Heartbeat"}]


def test_local_time_column_with_the_offset_given(tmp_path):
    path = write(tmp_path / "heartbeats.csv", LOCAL_CSV)
    tables, report = load([path], local_utc_offset=timedelta(hours=-5))
    assert not report.rejects.rejects
    assert tables["Heartbeat"].column("TimeGenerated").to_pylist() == [
        utc(2026, 12, 6, 19, 22, 48, 123000), utc(2026, 12, 6, 12, 22, 48, 123000), None]


def test_untagged_column_of_locale_datetimes_in_a_table_without_schema(tmp_path):
    """A column the schema does not know is rewritten only if all its values read; else its text stays."""
    path = write(tmp_path / "Custom_CL.csv",
                 "Seen,Label,Type\n"
                 "\"12/6/2026, 2:22:48 PM\",\"12/6/2026, 2:22:48 PM\",Custom_CL\n"
                 "\"12/7/2026, 3:00:00 AM\",not a date,Custom_CL\n")
    tables, report = load([path])
    assert not report.rejects.rejects
    table = tables["Custom_CL"]
    assert table.schema.field("Seen").type == pa.timestamp("us")
    assert table.column("Seen").to_pylist() == [utc(2026, 12, 6, 14, 22, 48), utc(2026, 12, 7, 3, 0)]
    assert table.column("Label").to_pylist() == ["12/6/2026, 2:22:48 PM", "not a date"]


def test_type_column_sends_rows_to_their_tables(tmp_path):
    """A union exported as one CSV: each row to the table its Type names (over the file name), custom logs too."""
    path = write(tmp_path / "DeviceEvents.csv",
                 "TimeGenerated [UTC],Computer,Type\n"
                 "2026-12-06T14:22:48Z,srv01,Heartbeat\n"
                 "2026-12-06T14:22:49Z,srv02,MyApp_CL\n"
                 "2026-12-06T14:22:50Z,srv03,NotATable\n")
    tables, report = load([path])
    assert report.rows == {"Heartbeat": 1, "MyApp_CL": 1, "DeviceEvents": 1}
    assert tables["MyApp_CL"].schema.field("TimeGenerated").type == pa.timestamp("us")


def test_table_from_file_name():
    assert table_from_name("DeviceProcessEvents_2024") == "DeviceProcessEvents"
    assert table_from_name("deviceprocessevents2024") == "DeviceProcessEvents"
    assert table_from_name("export-SigninLogs") == "SigninLogs"
    assert table_from_name("Events") is None  # not the Event table
    assert table_from_name("my_events") is None
    assert table_from_name("query_data") is None


# --- Sentinel-flavour rows of Defender tables ---------------------------------------------------------------

SENTINEL_PROCESS = (
    "TenantId,TimeGenerated [UTC],DeviceName,FileName,ProcessId,AdditionalFields,MachineGroup,SourceSystem,Type,"
    "_BilledSize\n"
    "t-1,\"12/6/2026, 2:22:48.123 PM\",ws1,cmd.exe,42,\"{\"\"a\"\":1}\",Servers,,DeviceProcessEvents,1024.5\n"
)


def test_sentinel_export_of_a_device_table(tmp_path):
    """Stored in the Defender table with the Sentinel columns typed as Sentinel types them; Timestamp,
    absent from the export, stays absent (the engine fills it from TimeGenerated)."""
    tables, report = load([write(tmp_path / "query_data.csv", SENTINEL_PROCESS)])
    table = tables["DeviceProcessEvents"]
    assert "Timestamp" not in table.column_names
    types = {field.name: field.type for field in table.schema}
    assert types["TimeGenerated"] == pa.timestamp("us") and types["ProcessId"] == pa.int64()
    assert types["_BilledSize"] == pa.float64() and types["TenantId"] == pa.string()
    row = table.to_pylist()[0]
    assert row["TimeGenerated"] == utc(2026, 12, 6, 14, 22, 48, 123000)
    assert (row["TenantId"], row["MachineGroup"], row["Type"], row["_BilledSize"]) == (
        "t-1", "Servers", "DeviceProcessEvents", 1024.5)


def test_sentinel_export_keeps_both_times_and_marks_sentinel_only_dynamic_columns(tmp_path):
    """IdentityLogonEvents from Sentinel: Timestamp and TimeGenerated both kept; LastSeenForUser, dynamic in
    Sentinel only (Defender does not have it), is stored as JSON so that the engine knows it is dynamic."""
    rows = [{"Timestamp": "2026-12-06T14:22:40Z", "TimeGenerated": "2026-12-06T14:22:48Z", "AccountUpn": "a@b.c",
             "LastSeenForUser": {"ISP": 0}, "Type": "IdentityLogonEvents"},
            {"Timestamp": "2026-12-06T14:23:40Z", "TimeGenerated": "2026-12-06T14:23:48Z", "AccountUpn": "d@b.c",
             "LastSeenForUser": "not json", "Type": "IdentityLogonEvents"}]
    path = tmp_path / "results.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    tables, _ = load([path])
    table = tables["IdentityLogonEvents"]
    assert table.column("Timestamp").to_pylist() == [utc(2026, 12, 6, 14, 22, 40), utc(2026, 12, 6, 14, 23, 40)]
    assert table.column("TimeGenerated").to_pylist() == [utc(2026, 12, 6, 14, 22, 48), utc(2026, 12, 6, 14, 23, 48)]
    assert table.schema.field("LastSeenForUser").type == DYNAMIC
    assert table.column("LastSeenForUser").to_pylist() == ['{"ISP":0}', '"not json"']
    got = kqlite.connect(tables=tables).query(
        "IdentityLogonEvents | project AccountUpn, ISP = toint(LastSeenForUser.ISP)").to_dicts()
    assert got == [{"AccountUpn": "a@b.c", "ISP": 0}, {"AccountUpn": "d@b.c", "ISP": None}]


# --- the Log Analytics query API and the Azure CLI -----------------------------------------------------------

def api_response(rows: list[list], columns: list[tuple[str, str]]) -> dict:
    return {"tables": [{"name": "PrimaryResult", "columns": [{"name": n, "type": t} for n, t in columns],
                        "rows": rows}]}


def test_log_analytics_api_response(tmp_path):
    columns = [("TimeGenerated", "datetime"), ("Computer", "string"), ("Code", "string"), ("Props", "dynamic"),
               ("Count", "long"), ("Type", "string")]
    document = api_response([
        ["2026-12-06T14:22:48.123Z", "srv01", "007", "5", 3, "MyApp_CL"],
        ["2026-12-06T14:22:49Z", "srv02", "8", '{"k":[1,2]}', None, "MyApp_CL"],
        ["2026-12-06T14:22:50Z", "srv03"],                                        # two values short
        ["2026-12-06T14:22:51Z", "srv04", "", None, 1, "Heartbeat"],
    ], columns)
    path = tmp_path / "response.json"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    tables, report = load([path])
    assert [(f.format, f.records) for f in report.files] == [("log-analytics-api-json", 3)]
    assert rejects_of(report) == [("response.json", "tables[0].rows[2]", "the row has 2 values, the columns 6")]
    assert report.rows == {"MyApp_CL": 2, "Heartbeat": 1}
    table = tables["MyApp_CL"]
    # declared types: Code stays text (not long), Props is dynamic even for a scalar
    assert {f.name: f.type for f in table.schema} == {
        "TimeGenerated": pa.timestamp("us"), "Computer": pa.string(), "Code": pa.string(), "Props": DYNAMIC,
        "Count": pa.int64(), "Type": pa.string()}
    assert table.column("Code").to_pylist() == ["007", "8"]
    assert table.column("Props").to_pylist() == ["5", '{"k":[1,2]}']
    assert tables["Heartbeat"].column("TimeGenerated").to_pylist() == [utc(2026, 12, 6, 14, 22, 51)]


def test_azure_cli_output(tmp_path):
    """`az monitor log-analytics query`: every value str()'d, TableName first; None is null (but text in a
    string column), True/False booleans, a dynamic printed as a Python literal read as JSON."""
    rows = [
        {"TableName": "PrimaryResult", "TimeGenerated": "2026-12-06T14:22:48.123Z", "UserPrincipalName": "None",
         "DurationMs": "None", "IsInteractive": "True", "LocationDetails": "{'city': 'Oslo', 'geo': None}",
         "Type": "SigninLogs"},
        {"TableName": "PrimaryResult", "TimeGenerated": "2026-12-06T14:22:49Z", "UserPrincipalName": "bob",
         "DurationMs": "12", "IsInteractive": "False", "LocationDetails": '{"city": "Bergen"}',
         "Type": "SigninLogs"},
    ]
    path = tmp_path / "az.json"
    path.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    tables, report = load([path])
    assert not report.rejects.rejects and report.rows == {"SigninLogs": 2}
    table = tables["SigninLogs"]
    assert "TableName" not in table.column_names
    got = table.select(["UserPrincipalName", "DurationMs", "IsInteractive", "LocationDetails"]).to_pylist()
    assert got == [
        {"UserPrincipalName": "None", "DurationMs": None, "IsInteractive": True,
         "LocationDetails": '{"city":"Oslo","geo":null}'},
        {"UserPrincipalName": "bob", "DurationMs": 12, "IsInteractive": False, "LocationDetails": '{"city": "Bergen"}'},
    ]


# --- columns no schema describes ---------------------------------------------------------------------------

def test_columns_without_schema_are_typed_from_their_values(tmp_path):
    path = write(tmp_path / "Custom_CL.csv",
                 "Timestamp,Count,Ratio,Flag,Bag,Mixed,Big,Blank,Name\n"
                 "2026-12-06T14:22:48.1234567Z,1,1.5,true,\"{\"\"a\"\":1}\",1,99999999999999999999,,x\n"
                 "2026-12-06 15:22:48+01:00,-2,3,FALSE,[1],b,1,,y\n"
                 ",,,,,,,,\n")
    tables, report = load([path])
    assert not report.rejects.rejects
    table = tables["Custom_CL"]
    assert {f.name: f.type for f in table.schema} == {
        "Timestamp": pa.timestamp("us"), "Count": pa.int64(), "Ratio": pa.float64(), "Flag": pa.bool_(),
        "Bag": DYNAMIC, "Mixed": pa.string(), "Big": pa.string(), "Blank": pa.string(), "Name": pa.string()}
    assert table.to_pylist()[:2] == [
        {"Timestamp": utc(2026, 12, 6, 14, 22, 48, 123456), "Count": 1, "Ratio": 1.5, "Flag": True, "Bag": '{"a":1}',
         "Mixed": "1", "Big": "99999999999999999999", "Blank": "", "Name": "x"},
        {"Timestamp": utc(2026, 12, 6, 14, 22, 48), "Count": -2, "Ratio": 3.0, "Flag": False, "Bag": "[1]",
         "Mixed": "b", "Big": "1", "Blank": "", "Name": "y"}]
    assert table.to_pylist()[2]["Count"] is None and table.to_pylist()[2]["Timestamp"] is None
    got = kqlite.connect(tables=tables).query(
        "Custom_CL | where Timestamp > datetime(2026-12-01) and Flag | project Name, A = toint(Bag.a)").to_dicts()
    assert got == [{"Name": "x", "A": 1}]


def test_extra_column_of_different_kinds_across_files_widens_to_text(tmp_path):
    """A number in one file, text in another: text, each value as it was read (0012 stays 0012)."""
    write(tmp_path / "a.csv", "Code,Type\n0012,Custom_CL\n")
    (tmp_path / "b.json").write_text(json.dumps([{"Code": "abc", "Type": "Custom_CL"}]), encoding="utf-8")
    (tmp_path / "c.json").write_text(json.dumps([{"Code": 7.5, "Type": "Custom_CL"}]), encoding="utf-8")
    tables, report = load([tmp_path])
    assert tables["Custom_CL"].column("Code").to_pylist() == ["0012", "abc", "7.5"]
    # numbers only: one number type
    tables, _ = load([tmp_path / "a.csv", tmp_path / "c.json"])
    assert tables["Custom_CL"].column("Code").to_pylist() == [12.0, 7.5]


def test_extra_column_typed_by_parquet_and_text_disagreeing(tmp_path):
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"ActionType": ["ProcessCreated"], "Code": pa.array([5], pa.int64())}),
                   tmp_path / "DeviceProcessEvents.parquet")
    write(tmp_path / "DeviceProcessEvents.csv", "ActionType,Code\nProcessCreated,n/a\n")
    tables, _ = load([tmp_path])
    assert tables["DeviceProcessEvents"].column("Code").to_pylist() == ["n/a", "5"]


# --- the store: ingestion time and widening -----------------------------------------------------------------

def ingest(db: Path, paths: list[Path]) -> None:
    run = Ingest(known_hashes=store.known_hashes(db))
    try:
        run.add(paths)
        store.write(db, run.tables(), run.report)
    finally:
        run.close()


def test_store_rows_get_their_ingestion_time(tmp_path):
    db = tmp_path / "case.duckdb"
    before = datetime.now(UTC).replace(tzinfo=None)
    ingest(db, [write(tmp_path / "one.csv", "Code,Type\n1,Custom_CL\n")])
    middle = datetime.now(UTC).replace(tzinfo=None)
    ingest(db, [write(tmp_path / "two.csv", "Code,Type\nabc,Custom_CL\n")])  # Code: a number, then text
    after = datetime.now(UTC).replace(tzinfo=None)
    with duckdb.connect(str(db), read_only=True) as connection:
        described = dict(connection.execute('SELECT column_name, column_type FROM (DESCRIBE "Custom_CL")').fetchall())
        rows = connection.execute('SELECT Code, _kqlite_ingestion_time FROM "Custom_CL" ORDER BY 2').fetchall()
    assert described == {"Code": "VARCHAR", "Type": "VARCHAR", "_kqlite_ingestion_time": "TIMESTAMP"}
    assert [code for code, _ in rows] == ["1", "abc"]
    assert before <= rows[0][1] <= middle <= rows[1][1] <= after


def test_old_store_without_ingestion_time_still_appends(tmp_path):
    db = tmp_path / "old.duckdb"
    with duckdb.connect(str(db)) as connection:  # a store as written before the column existed
        connection.execute(store._CREATE_LEDGER)
        connection.execute('CREATE TABLE "Heartbeat" ("TimeGenerated" TIMESTAMP, "Computer" VARCHAR)')
        connection.execute("INSERT INTO \"Heartbeat\" VALUES ('2026-12-01 00:00:00', 'old')")
    ingest(db, [write(tmp_path / "Heartbeat.csv", "TimeGenerated [UTC],Computer\n2026-12-06T14:22:48Z,new\n")])
    with duckdb.connect(str(db), read_only=True) as connection:
        rows = connection.execute('SELECT Computer, TimeGenerated, _kqlite_ingestion_time IS NULL FROM "Heartbeat" '
                                  "ORDER BY 2").fetchall()
    assert rows == [("old", datetime(2026, 12, 1), True), ("new", datetime(2026, 12, 6, 14, 22, 48), False)]


def test_store_keeps_dynamic_columns_as_json(tmp_path):
    db = tmp_path / "case.duckdb"
    ingest(db, [write(tmp_path / "Custom_CL.csv", "Bag\n\"{\"\"a\"\":1}\"\n")])
    with duckdb.connect(str(db), read_only=True) as connection:
        described = dict(connection.execute('SELECT column_name, column_type FROM (DESCRIBE "Custom_CL")').fetchall())
    assert described["Bag"] == "JSON"
    with kqlite.connect(db, read_only=True) as connection:
        assert connection.query("Custom_CL | project A = toint(Bag.a)").to_dicts() == [{"A": 1}]


def test_local_utc_offset_option_on_the_command_line(tmp_path):
    from click.testing import CliRunner

    from kqlite.cli import main

    path = write(tmp_path / "heartbeats.csv", LOCAL_CSV)
    result = CliRunner().invoke(main, ["query", "Heartbeat | project TimeGenerated, Computer", str(path),
                                       "--local-utc-offset", "-05:00", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["TimeGenerated,Computer", "2026-12-06T19:22:48.1230000Z,srv01",
                                          "2026-12-06T12:22:48.1230000Z,srv02", ",srv03"]
    bad = CliRunner().invoke(main, ["query", "print 1", "--local-utc-offset", "Paris"])
    assert bad.exit_code == 2 and "not a UTC offset" in bad.output
