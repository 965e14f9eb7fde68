"""Defender advanced-hunting readers (portal CSV, Streaming API, Graph/hunting API JSON, JSON lines of
rows, Parquet) and the inputs around them (folders, .zip, .gz, detection from content), on fixtures the
tests write themselves."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ingest_fixtures import events_xml, mmc20_events

import kqlite
from kqlite.ingest.pipeline import load

LATERAL = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "evtx-attack-samples" / "lateral-movement"


def query(tables, text: str) -> list[dict]:
    return kqlite.connect(tables=tables).query(text).to_dicts()


def rejects_jsonl(report, path: Path) -> list[dict]:
    report.rejects.write(path)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- portal CSV ---------------------------------------------------------------------------------------

CSV_HEADER = ("ReportId,MachineGroup,DeviceName,FileName,Timestamp,ProcessId,ProcessCommandLine,"
              "IsProcessRemoteSession,InitiatingProcessFileName,ActionType")
# (line in the file, text) -- line 1 is the header
CSV_LINES = [
    (2, '1,Servers,srv01,cmd.exe,2024-01-02T03:04:05Z,101,"cmd.exe /c ""echo a,b""",true,services.exe,ProcessCreated'),
    (3, "2,Servers,srv01,cmd.exe,2024-01-02T03:04:05.1Z,102,cmd.exe,false,services.exe,ProcessCreated"),
    (4, "3,,srv01,cmd.exe,2024-01-02T03:04:05.12Z,103,cmd.exe,True,services.exe,ProcessCreated"),
    (5, "4,,srv01,cmd.exe,2024-01-02T03:04:05.123Z,104,cmd.exe,FALSE,services.exe,ProcessCreated"),
    (6, "5,,srv01,cmd.exe,2024-01-02T03:04:05.1234Z,105,cmd.exe,,services.exe,ProcessCreated"),
    (7, "6,,srv01,cmd.exe,2024-01-02T03:04:05.12345Z,106,cmd.exe,true,services.exe,ProcessCreated"),
    (8, "7,,srv01,cmd.exe,2024-01-02T03:04:05.123456Z,107,cmd.exe,true,services.exe,ProcessCreated"),
    (9, "8,,srv01,cmd.exe,2024-01-02T03:04:05.1234567Z,108,cmd.exe,true,services.exe,ProcessCreated"),
    # a quoted field over two lines (lines 10 and 11)
    (10, '9,,srv01,powershell.exe,2024-01-02T03:04:06Z,109,"powershell -c ""Write-Host \'hi\'""\nGet-Date",'
         "true,cmd.exe,ProcessCreated"),
    (12, "10,Servers,srv01,cmd.exe,2024-01-02T03:04:06Z,110,cmd.exe,true"),  # 8 fields
    (13, "11,,srv01,cmd.exe,2024-02-30T00:00:00Z,111,cmd.exe,true,services.exe,ProcessCreated"),  # no Feb 30
    (14, "12,,srv01,cmd.exe,2024-01-02T03:04:07Z,12a,cmd.exe,true,services.exe,ProcessCreated"),  # ProcessId
    (15, "13,,srv01,whoami.exe,2024-01-02T03:04:08.5Z,113,whoami,True,cmd.exe,ProcessCreated"),
]


def portal_csv(tmp_path: Path, newline: str = "\n", bom: bool = False, name: str = "DeviceProcessEvents_2024.csv"):
    text = newline.join([CSV_HEADER, *(line for _, line in CSV_LINES)])  # the quoted line break stays \n
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


@pytest.fixture(params=[("\n", False), ("\r\n", True)], ids=["lf", "crlf-bom"])
def csv_load(request, tmp_path):
    newline, bom = request.param
    path = portal_csv(tmp_path, newline, bom)
    tables, report = load([path])
    return path, tables, report


def test_csv_rows_and_counts(csv_load):
    path, tables, report = csv_load
    assert [(f.format, f.records) for f in report.files] == [("defender-csv", 10)]
    assert report.rows == {"DeviceProcessEvents": 10}  # table from the file name
    assert sorted(tables["DeviceProcessEvents"].column("ReportId").to_pylist()) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 13]
    assert len(report.rejects) == 3


def test_csv_timestamps_with_0_to_7_fractional_digits(csv_load):
    _, tables, _ = csv_load
    stored = dict(zip(tables["DeviceProcessEvents"].column("ReportId").to_pylist(),
                      tables["DeviceProcessEvents"].column("Timestamp").to_pylist(), strict=True))
    micros = [0, 100000, 120000, 123000, 123400, 123450, 123456, 123456]  # the 7th digit (100 ns) is cut
    for report_id, micro in enumerate(micros, start=1):
        assert stored[report_id] == datetime(2024, 1, 2, 3, 4, 5, micro), report_id
    rows = query(tables, "DeviceProcessEvents | where ReportId == 8 | project Timestamp, Text = tostring(Timestamp)")
    assert rows == [{"Timestamp": datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
                     "Text": "2024-01-02T03:04:05.1234560Z"}]


def test_csv_quoting_and_booleans(csv_load):
    _, tables, _ = csv_load
    rows = {row["ReportId"]: row for row in tables["DeviceProcessEvents"].to_pylist()}
    assert rows[1]["ProcessCommandLine"] == 'cmd.exe /c "echo a,b"'
    assert rows[9]["ProcessCommandLine"] == "powershell -c \"Write-Host 'hi'\"\nGet-Date"
    assert rows[9]["FileName"] == "powershell.exe"
    assert [rows[i]["IsProcessRemoteSession"] for i in (1, 2, 3, 4, 5, 13)] == [True, False, True, False, None, True]
    assert rows[1]["ProcessId"] == 101


def test_csv_missing_and_extra_columns(csv_load):
    _, tables, _ = csv_load
    # columns the export lacks are not stored...
    assert "ProcessUniqueId" not in tables["DeviceProcessEvents"].column_names
    assert "InitiatingProcessSessionId" not in tables["DeviceProcessEvents"].column_names
    # ... and read, as in Kusto, as "" for a string column, null for the others
    rows = query(tables, "DeviceProcessEvents | where ReportId == 1 "
                         "| project ProcessUniqueId, InitiatingProcessSessionId, IsInitiatingProcessRemoteSession, "
                         "ProcessCreationTime, MachineGroup")
    assert rows == [{"ProcessUniqueId": "", "InitiatingProcessSessionId": None,
                     "IsInitiatingProcessRemoteSession": None, "ProcessCreationTime": None,
                     "MachineGroup": "Servers"}]
    # the column the schema does not know is kept and can be queried
    counts = query(tables, "DeviceProcessEvents | summarize n = count() by MachineGroup | sort by MachineGroup asc")
    assert counts == [{"MachineGroup": "", "n": 8}, {"MachineGroup": "Servers", "n": 2}]


def test_csv_malformed_rows_are_rejected_with_their_line(csv_load, tmp_path):
    path, _, report = csv_load
    rejects = rejects_jsonl(report, tmp_path / "rejects.jsonl")
    assert [(r["file"], r["position"]) for r in rejects] == [
        (str(path), "line 12"), (str(path), "line 13"), (str(path), "line 14")]
    assert rejects[0]["reason"] == "the row has 8 fields, the header 10"
    assert rejects[0]["raw"] == "10,Servers,srv01,cmd.exe,2024-01-02T03:04:06Z,110,cmd.exe,true"
    assert rejects[1]["reason"] == ("table DeviceProcessEvents: column Timestamp (datetime): "
                                    "'2024-02-30T00:00:00Z' is not a datetime")
    assert json.loads(rejects[1]["raw"])["Timestamp"] == "2024-02-30T00:00:00Z"
    assert json.loads(rejects[1]["raw"])["ReportId"] == "11"
    assert rejects[2]["reason"] == "table DeviceProcessEvents: column ProcessId (long): '12a' is not a whole number"
    assert json.loads(rejects[2]["raw"])["ProcessId"] == "12a"


def test_csv_header_only_and_table_from_action_type(tmp_path):
    empty = tmp_path / "DeviceEvents.csv"
    empty.write_text("Timestamp,DeviceName,ActionType\n", encoding="utf-8")
    rows = tmp_path / "results.csv"  # a name that is no table: the table comes from ActionType
    rows.write_text("Timestamp,DeviceName,ActionType,RemoteIP,RemotePort\n"
                    "2024-01-02 03:04:05,srv01,ConnectionSuccess,10.0.0.1,443\n"
                    "2024-01-02 03:04:06,srv01,Something,,\n", encoding="utf-8")
    tables, report = load([empty, rows])
    assert [f.records for f in report.files] == [0, 2]
    assert report.rows == {"DeviceNetworkEvents": 1, "results": 1}
    assert tables["DeviceNetworkEvents"].to_pylist()[0]["RemotePort"] == 443
    assert tables["results"].column_names == ["Timestamp", "DeviceName", "ActionType", "RemoteIP", "RemotePort"]


def test_xlsx_export(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Timestamp", "DeviceName", "ActionType", "ProcessId", "FileName", "Note"])
    sheet.append([datetime(2024, 1, 2, 3, 4, 5, 120000), "srv01", "ProcessCreated", 101, "cmd.exe", "a"])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["2024-01-02T03:04:06.5Z", "srv01", "ProcessCreated", "x1", "cmd.exe", "b"])
    path = tmp_path / "DeviceProcessEvents.xlsx"
    workbook.save(path)
    tables, report = load([path])
    assert report.files[0].format == "xlsx"
    assert report.rows == {"DeviceProcessEvents": 1}
    row = tables["DeviceProcessEvents"].to_pylist()[0]
    assert (row["Timestamp"], row["ProcessId"], row["Note"]) == (datetime(2024, 1, 2, 3, 4, 5, 120000), 101, "a")
    [reject] = report.rejects.rejects
    assert (reject.file, reject.position) == (str(path), "row 4")
    assert "column ProcessId (long)" in reject.reason


# --- Streaming API ------------------------------------------------------------------------------------

TENANT = "8a1e0c2d-4b6f-4d3a-9c7e-1f2a3b4c5d6e"


def envelope(table: str, time: str, properties: dict | None | str) -> dict:
    record = {"time": time, "tenantId": TENANT, "operationName": "Publish", "category": f"AdvancedHunting-{table}"}
    if properties is not None:
        record["properties"] = properties
    return record


PROCESS_PROPERTIES = {
    "Timestamp": "2020-09-17T21:46:05.5600000Z", "DeviceId": "9c1d2e3f", "DeviceName": "workstation6.theshire.local",
    "ActionType": "ProcessCreated", "FileName": "EXCEL.EXE", "ProcessId": 1324,
    "ProcessCommandLine": '"EXCEL.EXE" /automation -Embedding', "InitiatingProcessFileName": "svchost.exe",
    "InitiatingProcessId": 896, "InitiatingProcessCommandLine": "svchost.exe -k DcomLaunch -p", "ReportId": 51873,
    "AdditionalFields": None, "IsProcessRemoteSession": False, "MachineGroup": "Workstations",
}
NETWORK_PROPERTIES = {
    "Timestamp": "2020-09-17T21:46:12.261Z", "DeviceName": "workstation6.theshire.local",
    "ActionType": "InboundConnectionAccepted", "LocalIP": "172.18.39.6", "LocalPort": 49603,
    "RemoteIP": "172.18.39.5", "RemotePort": 61545, "Protocol": "Tcp", "InitiatingProcessFileName": "excel.exe",
    "InitiatingProcessId": 1324, "ReportId": 51902, "MachineGroup": "Workstations",
}


def test_event_hub_message(tmp_path):
    message = {"records": [
        envelope("DeviceProcessEvents", "2020-09-17T21:46:40.1187654Z", PROCESS_PROPERTIES),
        envelope("DeviceNetworkEvents", "2020-09-17T21:46:41.0031220Z", NETWORK_PROPERTIES),
        envelope("DeviceFileEvents", "2020-09-17T21:46:42.0000000Z", {
            "Timestamp": "2020-09-17T21:46:13.42499Z", "ActionType": "FileCreated", "FileName": "a.dll",
            "AdditionalFields": '{"FileType":"PortableExecutable"}', "ReportId": 51903}),
        envelope("DeviceFileEvents", "2020-09-17T21:46:42.0000000Z", None),
        envelope("DeviceFileEvents", "2020-09-17T21:46:42.0000000Z", "not an object"),
    ]}
    path = tmp_path / "eventhub-message.json"
    path.write_text(json.dumps(message, indent=1), encoding="utf-8")
    tables, report = load([path])
    assert [(f.format, f.records) for f in report.files] == [("streaming-json", 3)]
    assert report.rows == {"DeviceProcessEvents": 1, "DeviceNetworkEvents": 1, "DeviceFileEvents": 1}
    process = tables["DeviceProcessEvents"].to_pylist()[0]
    assert process["Timestamp"] == datetime(2020, 9, 17, 21, 46, 5, 560000)  # properties.Timestamp, not time
    assert (process["ProcessId"], process["ReportId"], process["IsProcessRemoteSession"]) == (1324, 51873, False)
    assert process["AdditionalFields"] is None
    assert process["MachineGroup"] == "Workstations"
    network = tables["DeviceNetworkEvents"].to_pylist()[0]
    assert network["Timestamp"] == datetime(2020, 9, 17, 21, 46, 12, 261000)
    assert (network["LocalPort"], network["RemotePort"]) == (49603, 61545)
    assert tables["DeviceFileEvents"].to_pylist()[0]["Timestamp"] == datetime(2020, 9, 17, 21, 46, 13, 424990)
    extra = query(tables, "DeviceFileEvents | project T = tostring(parse_json(AdditionalFields).FileType)")
    assert extra == [{"T": "PortableExecutable"}]
    rejects = rejects_jsonl(report, tmp_path / "rejects.jsonl")
    assert [(r["file"], r["position"], r["reason"]) for r in rejects] == [
        (str(path), "document, record 3", "a streaming record without a 'properties' object"),
        (str(path), "document, record 4", "a streaming record without a 'properties' object"),
    ]
    assert json.loads(rejects[0]["raw"])["category"] == "AdvancedHunting-DeviceFileEvents"


def test_storage_blob_crlf_json_lines(tmp_path):
    folder = tmp_path / "insights-logs-advancedhunting-devicenetworkevents" / f"tenantId={TENANT}" / "y=2020" / "m=09"
    folder.mkdir(parents=True)
    second = {**NETWORK_PROPERTIES, "ReportId": 51904, "Timestamp": "2020-09-17T21:47:00Z"}
    third = {**NETWORK_PROPERTIES, "ReportId": 51905, "Timestamp": "2020-09-17T21:48:00.5Z", "RemotePort": 1}
    lines = [
        json.dumps(envelope("DeviceNetworkEvents", "2020-09-17T21:46:41Z", NETWORK_PROPERTIES)),
        json.dumps(envelope("DeviceNetworkEvents", "2020-09-17T21:47:41Z", second)),
        json.dumps(envelope("DeviceNetworkEvents", "2020-09-17T21:47:42Z", second))[:70],  # line 3: cut short
        json.dumps(envelope("DeviceNetworkEvents", "2020-09-17T21:47:43Z", None)),  # line 4
        "",
        json.dumps(envelope("DeviceNetworkEvents", "2020-09-17T21:48:41Z", third)),  # line 6
    ]
    blob = folder / "PT1H.json"
    blob.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    tables, report = load([tmp_path])  # a folder, read recursively
    assert [(f.name, f.format, f.records) for f in report.files] == [(str(blob), "streaming-json", 3)]
    assert sorted(tables["DeviceNetworkEvents"].column("ReportId").to_pylist()) == [51902, 51904, 51905]
    rejects = rejects_jsonl(report, tmp_path / "rejects.jsonl")
    assert [(r["file"], r["position"]) for r in rejects] == [(str(blob), "line 3"), (str(blob), "line 4")]
    assert rejects[0]["reason"].startswith("broken JSON line: ")
    assert rejects[0]["raw"] == lines[2]
    assert rejects[1]["reason"] == "a streaming record without a 'properties' object"


# --- Graph runHuntingQuery and the older hunting APIs -------------------------------------------------


def test_graph_hunting_query_response(tmp_path):
    response = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults",
        "schema": [{"name": "Timestamp", "type": "DateTime"}, {"name": "DeviceName", "type": "String"},
                   {"name": "ActionType", "type": "String"}, {"name": "LocalPort", "type": "Int32"},
                   {"name": "InitiatingProcessFileName", "type": "String"},
                   {"name": "InitiatingProcessParentFileName", "type": "String"},
                   {"name": "InitiatingProcessId", "type": "Int64"}],
        "results": [{"Timestamp": "2019-05-14T01:29:00.318Z", "DeviceName": "iewin7",
                     "ActionType": "InboundConnectionAccepted", "LocalPort": 49168,
                     "InitiatingProcessFileName": "mshta.exe", "InitiatingProcessParentFileName": "svchost.exe",
                     "InitiatingProcessId": 1932}],
    }
    path = tmp_path / "hunting-results.json"  # not a table's name: the table comes from ActionType
    path.write_text(json.dumps(response), encoding="utf-8")
    tables, report = load([path])
    assert [(f.format, f.records) for f in report.files] == [("hunting-api-json", 1)]
    [row] = tables["DeviceNetworkEvents"].to_pylist()
    assert row["Timestamp"] == datetime(2019, 5, 14, 1, 29, 0, 318000)
    assert (row["LocalPort"], row["InitiatingProcessId"], row["InitiatingProcessFileName"]) == (49168, 1932, "mshta.exe")


def test_legacy_hunting_api_response_named_after_its_table(tmp_path):
    response = {
        "Schema": [{"Name": "Timestamp", "Type": "DateTime"}, {"Name": "AccountName", "Type": "String"}],
        "Results": [
            {"Timestamp": "2024-01-02T03:04:05.5Z", "AccountName": "alice", "ActionType": "LogonSuccess"},
            {"Timestamp": "2024-01-02T03:04:06Z", "AccountName": "bob"},  # no ActionType: the file name tells
            ["not", "a", "row"],
            {"Timestamp": "yesterday", "AccountName": "carol"},
        ],
    }
    path = tmp_path / "devicelogonevents-export.json"
    path.write_text(json.dumps(response, indent=2), encoding="utf-8")
    tables, report = load([path])
    assert report.files[0].records == 2
    assert report.rows == {"DeviceLogonEvents": 2}
    assert tables["DeviceLogonEvents"].column("AccountName").to_pylist() == ["alice", "bob"]
    assert [(r.position, r.reason) for r in report.rejects.rejects] == [
        ("results[2]", "a result that is not a row object"),
        ("results[3]", "table DeviceLogonEvents: column Timestamp (datetime): 'yesterday' is not a datetime"),
    ]


def test_hunting_api_lines_without_results(tmp_path):
    path = tmp_path / "DeviceEvents-responses.json"
    path.write_text("\n".join([
        json.dumps({"schema": [], "results": [{"ActionType": "LdapSearch", "DeviceName": "dc01"}]}),
        json.dumps({"schema": [], "results": None}),
        json.dumps(["not", "a", "response"]),
    ]) + "\n", encoding="utf-8")
    tables, report = load([path])
    assert report.rows == {"DeviceEvents": 1}
    assert [(r.position, r.reason) for r in report.rejects.rejects] == [
        ("line 2", "no 'results' list in the hunting API response"),
        ("line 3", "a JSON value that is not a hunting API response"),
    ]


# --- JSON lines of rows, Parquet -------------------------------------------------------------------------


def test_json_rows_of_a_union_export(tmp_path):
    rows = [
        {"Timestamp": "2021-08-02T07:02:57.6947318Z", "DeviceId": "d1", "DeviceName": "adfs01.simulandlabs.com",
         "ActionType": "LdapSearch", "InitiatingProcessFileName": "powershell.exe",
         "AdditionalFields_dynamic": None, "AdditionalFields_string": '{"AttributeList":"[]"}',
         "ReportId_long": 42, "ReportId_string": None},
        {"Timestamp": "2021-08-02T07:03:00Z", "DeviceName": "adfs01.simulandlabs.com", "ActionType": "ProcessCreated",
         "FileName": "whoami.exe", "ProcessId": "700", "ReportId_long": 43},
        {"Timestamp": "2021-08-02T07:04:00Z", "ActionType": "MailItemsAccessed", "Application": "Exchange Online",
         "ReportId_string": "a1b2"},
        {"Timestamp": "2021-08-02T07:05:00Z", "ActionType": "ConnectionSuccess", "RemotePort": "https"},
        [1, 2],
        {"Timestamp": "2021-08-02T07:06:00Z", "ActionType": "Add delegated permission grant.", "AccountName": "x"},
    ]
    path = tmp_path / "union-export.json"
    text = "\n".join(json.dumps(row) for row in rows[:4]) + "\n{broken\n" + "\n".join(json.dumps(r) for r in rows[4:])
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # a BOM, as in real exports
    tables, report = load([path])
    assert [(f.format, f.records) for f in report.files] == [("defender-json", 4)]
    assert report.rows == {"DeviceEvents": 1, "DeviceProcessEvents": 1, "union-export": 2}
    ldap = tables["DeviceEvents"].to_pylist()[0]
    assert (ldap["ReportId"], ldap["AdditionalFields"]) == (42, '{"AttributeList":"[]"}')
    assert ldap["Timestamp"] == datetime(2021, 8, 2, 7, 2, 57, 694731)
    assert "AdditionalFields_string" not in tables["DeviceEvents"].column_names
    process = tables["DeviceProcessEvents"].to_pylist()[0]
    assert (process["ProcessId"], process["ReportId"]) == (700, 43)
    assert tables["union-export"].column("ActionType").to_pylist() == ["MailItemsAccessed",
                                                                       "Add delegated permission grant."]
    positions = [(r.position, r.reason.split(":")[0]) for r in report.rejects.rejects]
    assert positions == [("line 4", "table DeviceNetworkEvents"),
                         ("line 5", "broken JSON line"),
                         ("line 6", "a JSON value that is not a row object")]
    assert report.rejects.rejects[0].reason == ("table DeviceNetworkEvents: column RemotePort (int): "
                                                "'https' is not a whole number")
    counts = query(tables, "['union-export'] | summarize n = count()")
    assert counts == [{"n": 2}]


def test_json_array_of_rows(tmp_path):
    path = tmp_path / "DeviceRegistryEvents.json"
    path.write_text(json.dumps([
        {"Timestamp": "2024-01-02T03:04:05Z", "RegistryKey": "HKEY_LOCAL_MACHINE\\SOFTWARE", "ActionType": "x"},
        {"Timestamp": "2024-01-02T03:04:06Z", "RegistryKey": "HKEY_USERS", "ReportId": 1.5},
    ], indent=2), encoding="utf-8")
    tables, report = load([path])
    assert report.rows == {"DeviceRegistryEvents": 1}
    [reject] = report.rejects.rejects
    assert (reject.position, reject.reason) == (
        "item 1", "table DeviceRegistryEvents: column ReportId (long): 1.5 is not a whole number")


def test_parquet_of_typed_rows(tmp_path):
    frame = pa.table({
        "Timestamp": pa.array([datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC), None], pa.timestamp("us", "UTC")),
        "DeviceName": ["srv01", "srv02"],
        "ActionType": ["ConnectionSuccess", "InboundConnectionAccepted"],
        "LocalPort": pa.array([49152, 445], pa.int64()),
        "Tag": ["x", "y"],
    })
    path = tmp_path / "DeviceNetworkEvents.parquet"
    pq.write_table(frame, path)
    tables, report = load([path])
    assert [(f.format, f.records) for f in report.files] == [("parquet", 2)]
    table = tables["DeviceNetworkEvents"]
    assert table.schema.field("LocalPort").type == pa.int32()  # the schema's int
    assert table.schema.field("Timestamp").type == pa.timestamp("us")
    assert table.column("Timestamp").to_pylist() == [datetime(2024, 1, 2, 3, 4, 5, 123456), None]
    assert table.column("Tag").to_pylist() == ["x", "y"]
    rows = query(tables, "DeviceNetworkEvents | where LocalPort == 445 | project DeviceName, Tag, RemoteIP")
    assert rows == [{"DeviceName": "srv02", "Tag": "y", "RemoteIP": ""}]


def test_parquet_with_values_that_do_not_fit_is_read_row_by_row(tmp_path):
    frame = pa.table({"DeviceName": ["a", "b", "c", "d", "e"], "LocalPort": ["80", "x", "443", "y", "8080"]})
    path = tmp_path / "DeviceNetworkEvents-extra.parquet"
    pq.write_table(frame, path, row_group_size=2)  # three row groups: rows 1-2, 3-4, 5
    tables, report = load([path])
    assert report.files[0].records == 3
    assert tables["DeviceNetworkEvents"].column("LocalPort").to_pylist() == [80, 443, 8080]
    assert [(r.position, r.reason) for r in report.rejects.rejects] == [
        ("row 2", "table DeviceNetworkEvents: column LocalPort (int): 'x' is not a whole number"),
        ("row 4", "table DeviceNetworkEvents: column LocalPort (int): 'y' is not a whole number"),
    ]


# --- folders, archives, detection -----------------------------------------------------------------------


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_of_several_formats_and_a_gz_file(tmp_path):
    csv_text = b"Timestamp,DeviceName,ActionType,FileName\n2024-01-02T03:04:05Z,srv01,ProcessCreated,a.exe\n"
    blob = json.dumps(envelope("DeviceNetworkEvents", "2020-09-17T21:46:41Z", NETWORK_PROPERTIES)).encode()
    inner = zip_bytes({"DeviceFileEvents.json": b'{"Timestamp":"2024-01-02T03:04:05Z","FileName":"x.dll"}\n'})
    bundle = tmp_path / "in" / "bundle.zip"
    bundle.parent.mkdir()
    bundle.write_bytes(zip_bytes({
        "csv/DeviceProcessEvents.csv": csv_text,
        "stream/PT1H.json": blob + b"\r\n{not json\r\n",
        "sysmon/wks10.xml": events_xml(mmc20_events()).encode(),
        "nested/more.zip": inner,
        "__MACOSX/sysmon/._wks10.xml": b"\x00\x05\x16\x07 resource fork",
        "sysmon/.hidden.csv": b"a,b\n1,2\n",
    }))
    logons = tmp_path / "in" / "deep" / "er" / "DeviceLogonEvents.csv.gz"
    logons.parent.mkdir(parents=True)
    logons.write_bytes(gzip.compress(b"Timestamp,AccountName,ActionType\n2024-01-02T03:04:05Z,alice,LogonSuccess\n"))
    tables, report = load([tmp_path / "in"])
    names = [(f.name, f.format, f.records) for f in report.files]
    assert names == [
        (f"{bundle}!csv/DeviceProcessEvents.csv", "defender-csv", 1),
        (f"{bundle}!nested/more.zip!DeviceFileEvents.json", "defender-json", 1),
        (f"{bundle}!stream/PT1H.json", "streaming-json", 1),
        (f"{bundle}!sysmon/wks10.xml", "windows-xml", 6),
        (str(logons)[:-3], "defender-csv", 1),
    ]
    assert report.rows == {"DeviceProcessEvents": 5, "DeviceFileEvents": 1, "DeviceNetworkEvents": 3,
                           "DeviceLogonEvents": 1}
    [reject] = report.rejects.rejects
    assert (reject.file, reject.position) == (f"{bundle}!stream/PT1H.json", "line 2")


def test_damaged_archives_do_not_stop_the_other_inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-damaged.zip").write_bytes(b"PK\x03\x04" + b"\x00garbage" * 20)
    (folder / "b-damaged.json.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"not deflate data" * 4)
    (folder / "c-broken.parquet").write_bytes(b"PAR1" + b"\x00" * 64)
    (folder / "d.csv").write_text("Timestamp,ActionType,FileName\n2024-01-02T03:04:05Z,ProcessCreated,a.exe\n",
                                  encoding="utf-8")
    (folder / "e-readme.md").write_text("# notes\nnothing to read here\n", encoding="utf-8")
    tables, report = load([folder, tmp_path / "missing.csv"])
    assert report.rows == {"DeviceProcessEvents": 1}
    rejects = [(r.file, r.position, r.reason) for r in report.rejects.rejects]
    assert [(file, position) for file, position, _ in rejects] == [
        (str(folder / "a-damaged.zip"), "file"), (str(folder / "b-damaged.json.gz"), "file"),
        (str(folder / "c-broken.parquet"), "file"), (str(tmp_path / "missing.csv"), "file")]
    assert "damaged archive" in rejects[0][2] and "damaged archive" in rejects[1][2]
    assert rejects[2][2].startswith("cannot read the parquet file")
    assert rejects[3][2].endswith("no such file or folder")
    skipped = {Path(f.name).name: f.skipped for f in report.files if f.skipped}
    assert skipped == {"e-readme.md": "not a supported format"}


def test_format_from_content_not_extension(tmp_path):
    csv_as_txt = tmp_path / "export.txt"
    csv_as_txt.write_text("Timestamp,ActionType,FileName\n2024-01-02T03:04:05Z,ProcessCreated,a.exe\n",
                          encoding="utf-8")
    xml_as_log = tmp_path / "sysmon.log"
    xml_as_log.write_text(events_xml(mmc20_events()), encoding="utf-8")
    json_as_csv = tmp_path / "DeviceEvents.csv"
    json_as_csv.write_text('{"Timestamp":"2024-01-02T03:04:05Z","ActionType":"LdapSearch"}\n', encoding="utf-8")
    parquet_as_dat = tmp_path / "DeviceImageLoadEvents.dat"
    pq.write_table(pa.table({"FileName": ["a.dll"]}), parquet_as_dat)
    _, report = load([csv_as_txt, xml_as_log, json_as_csv, parquet_as_dat])
    assert [(Path(f.name).name, f.format, f.records) for f in report.files] == [
        ("export.txt", "defender-csv", 1), ("sysmon.log", "windows-xml", 6),
        ("DeviceEvents.csv", "defender-json", 1), ("DeviceImageLoadEvents.dat", "parquet", 1)]
    assert report.rows["DeviceEvents"] == 1 and report.rows["DeviceImageLoadEvents"] == 1


@pytest.mark.skipif(not LATERAL.is_dir(), reason="shared/datasets is not present")
def test_evtx_detected_by_content(tmp_path):
    copy = tmp_path / "capture.bin"
    copy.write_bytes((LATERAL / "LM_impacket_docmexec_mmc_sysmon_01.evtx").read_bytes())
    _, report = load([copy])
    assert [(f.format, f.records) for f in report.files] == [("evtx", 9)]
    assert report.rows == {"DeviceProcessEvents": 5, "DeviceNetworkEvents": 4}


def test_same_content_twice_is_read_once(tmp_path):
    text = "Timestamp,ActionType,FileName\n2024-01-02T03:04:05Z,ProcessCreated,a.exe\n"
    first, second = tmp_path / "one.csv", tmp_path / "two.csv"
    first.write_text(text, encoding="utf-8")
    second.write_text(text, encoding="utf-8")
    _, report = load([first, second, first])
    assert report.rows == {"DeviceProcessEvents": 1}
    assert [f.skipped for f in report.files] == ["", "already ingested (same content)",
                                                 "already ingested (same content)"]


def test_clean_csv_typed_by_columns_equals_typing_row_by_row(tmp_path):
    """A CSV named after its table is typed column by column (Arrow casts); one that is not is typed row by
    row. On the same clean rows both give the same table, value for value."""
    clean = [line for number, line in CSV_LINES if number not in (12, 13, 14)]
    text = "\n".join([CSV_HEADER, *clean])
    (tmp_path / "DeviceProcessEvents.csv").write_text(text, encoding="utf-8")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "results.csv").write_text(text, encoding="utf-8")  # no table name: row by row
    by_columns, report = load([tmp_path / "DeviceProcessEvents.csv"])
    by_rows, other = load([tmp_path / "other" / "results.csv"])
    assert not report.rejects and not other.rejects

    def rows(tables):  # as Kusto sees them: every schema column, the extra one too
        return query(tables, "DeviceProcessEvents | sort by ReportId asc")

    assert rows(by_columns) == rows(by_rows)
    assert len(rows(by_columns)) == 10
    assert rows(by_columns)[9]["Timestamp"] == datetime(2024, 1, 2, 3, 4, 8, 500000, tzinfo=UTC)


def test_json_rows_typed_by_columns_equal_typing_row_by_row():
    """Clean row objects are typed column by column; the same rows typed one by one give the same table."""
    from kqlite.ingest.rows import TableRows

    rows = [
        {"Timestamp": "2024-01-02T03:04:05.1234567Z", "DeviceName": "pc1", "ActionType": "ProcessCreated",
         "ProcessId": 4, "FileName": "cmd.exe", "IsProcessRemoteSession": True, "FileSize": None,
         "AdditionalFields": {"a": [1, 2]}, "MachineGroup": "Servers", "Extra": 7},
        {"Timestamp": "2024-01-02T03:04:06Z", "DeviceName": "pc1", "ActionType": "ProcessCreated",
         "ProcessId": 8, "FileName": "", "IsProcessRemoteSession": None, "FileSize": 1024,
         "AdditionalFields": None, "MachineGroup": None, "Extra": 8},
        {"Timestamp": None, "DeviceName": "pc2", "ActionType": "ProcessCreated",
         "ProcessId": None, "FileName": "a.exe", "IsProcessRemoteSession": False, "FileSize": 3,
         "AdditionalFields": "{\"b\":1}", "MachineGroup": "", "Extra": None},
    ]
    by_columns_rows = TableRows("DeviceProcessEvents")
    frame = by_columns_rows.object_frame(rows)
    assert frame is not None
    by_columns_rows.frames.append(frame)
    by_columns = by_columns_rows.to_arrow()
    one_by_one = TableRows("DeviceProcessEvents")
    for row in rows:
        one_by_one.add(row)
    kql = "DeviceProcessEvents | sort by ProcessId asc nulls last"
    assert query({"DeviceProcessEvents": by_columns}, kql) == query({"DeviceProcessEvents": one_by_one.to_arrow()}, kql)
    # a value of the wrong kind sends the whole table row by row
    assert TableRows("DeviceProcessEvents").object_frame([{"ProcessId": 1.5}]) is None
    assert TableRows("DeviceProcessEvents").object_frame([{"ProcessId": True}]) is None
    assert TableRows("DeviceProcessEvents").object_frame([{"ProcessId": "12"}]) is None
