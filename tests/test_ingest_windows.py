"""Windows event readers (XML export, Winlogbeat and NXLog JSON lines, EVTX) and the Sysmon/Security ->
Defender mapping, on events the tests write themselves (EVTX: damaged copies of a real sample, made in
tmp_path at test time)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from ingest_fixtures import (
    ATTACKER_IP,
    CMD1_LINE,
    CMD2_LINE,
    COMPUTER,
    DEVICE,
    GUID_MMC,
    HOST_IP,
    MMC,
    MMC_CMD,
    SVCHOST,
    SVCHOST_CMD,
    Event,
    events_xml,
    logon_4624,
    mmc20_events,
    network_connect,
    nxlog_line,
    winlogbeat_line,
)

from kqlite.ingest.pipeline import load

LATERAL = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "evtx-attack-samples" / "lateral-movement"
EVTX_HEADER, EVTX_CHUNK = 4096, 65536


def by_report_id(table) -> dict[int, dict]:
    rows = table.to_pylist()
    index = {row["ReportId"]: row for row in rows}
    assert len(index) == len(rows)
    return index


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def mmc20(tmp_path):
    tables, report = load([write(tmp_path / "wks10-sysmon.xml", events_xml(mmc20_events()))])
    assert len(report.rejects) == 0, report.rejects.rejects
    return tables, report


# --- XML export: DeviceProcessEvents ------------------------------------------------------------------


def test_xml_export_reads_every_event(mmc20):
    tables, report = mmc20
    assert [(f.format, f.records) for f in report.files] == [("windows-xml", 6)]
    assert report.rows == {"DeviceProcessEvents": 4, "DeviceNetworkEvents": 2}
    assert set(tables) == {"DeviceProcessEvents", "DeviceNetworkEvents"}
    assert not report.unmapped_events


def test_process_creation_maps_image_hashes_account_and_ids(mmc20):
    tables, _ = mmc20
    mmc = by_report_id(tables["DeviceProcessEvents"])[101]
    assert mmc["Timestamp"] == datetime(2024, 3, 1, 10, 5, 0, 500000)
    assert mmc["ProcessCreationTime"] == datetime(2024, 3, 1, 10, 5, 0, 500000)
    assert mmc["DeviceName"] == DEVICE  # Computer WKS10.corp.local, lowercased
    assert mmc["ActionType"] == "ProcessCreated"
    assert mmc["FileName"] == "mmc.exe"
    assert mmc["FolderPath"] == MMC
    assert mmc["ProcessCommandLine"] == MMC_CMD
    assert mmc["ProcessId"] == 3572
    assert mmc["SHA1"] == "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
    assert mmc["SHA256"] == "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
    assert mmc["MD5"] == "0123456789abcdef0123456789abcdef"
    assert (mmc["AccountDomain"], mmc["AccountName"]) == ("corp", "alice")  # CORP\Alice
    assert mmc["LogonId"] == 0x1A2B3C == 1715004
    assert mmc["ProcessIntegrityLevel"] == "High"
    assert mmc["CreatedProcessSessionId"] == 1
    assert mmc["ProcessVersionInfoCompanyName"] == "Microsoft Corporation"
    assert mmc["ProcessVersionInfoOriginalFileName"] == "MMC.EXE"
    assert mmc["ProcessUniqueId"] == "6F1D0C2E-0002-0000-0100-000000000A00"
    extra = json.loads(mmc["AdditionalFields"])
    assert extra["ProcessGuid"] == "{6f1d0c2e-0002-0000-0100-000000000a00}"
    assert extra["Imphash"] == "fedcba9876543210fedcba9876543210"
    assert extra["SysmonEventId"] == 1
    assert extra["RuleName"] == ""  # "-" means none


def test_process_creation_initiating_process_is_the_parent_and_the_catalogue_gives_the_grandparent(mmc20):
    tables, _ = mmc20
    rows = by_report_id(tables["DeviceProcessEvents"])
    mmc = rows[101]
    # from the event's Parent* fields
    assert mmc["InitiatingProcessFileName"] == "svchost.exe"
    assert mmc["InitiatingProcessFolderPath"] == SVCHOST
    assert mmc["InitiatingProcessId"] == 612
    assert mmc["InitiatingProcessCommandLine"] == SVCHOST_CMD
    assert mmc["InitiatingProcessUniqueId"] == "6F1D0C2E-0001-0000-0100-000000000A00"
    # from svchost's own creation event (record 100): its time, user, logon id; its parent is services.exe
    assert mmc["InitiatingProcessCreationTime"] == datetime(2024, 3, 1, 8, 0, 0)
    assert (mmc["InitiatingProcessAccountDomain"], mmc["InitiatingProcessAccountName"]) == ("nt authority", "system")
    assert mmc["InitiatingProcessLogonId"] == 0x3E7
    assert mmc["InitiatingProcessParentFileName"] == "services.exe"
    assert mmc["InitiatingProcessParentId"] == 600

    for record, pid, line in ((203, 1504, CMD1_LINE), (204, 3372, CMD2_LINE)):
        child = rows[record]
        assert (child["FileName"], child["ProcessId"], child["ProcessCommandLine"]) == ("cmd.exe", pid, line)
        assert child["InitiatingProcessFileName"] == "mmc.exe"
        assert child["InitiatingProcessId"] == 3572
        assert child["InitiatingProcessCommandLine"] == MMC_CMD
        assert child["InitiatingProcessCreationTime"] == datetime(2024, 3, 1, 10, 5, 0, 500000)
        assert child["InitiatingProcessParentFileName"] == "svchost.exe"  # grandparent, via mmc's creation
        assert child["InitiatingProcessParentId"] == 612
        assert child["InitiatingProcessParentCreationTime"] == datetime(2024, 3, 1, 8, 0, 0)
        assert child["InitiatingProcessSHA1"] == "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"  # mmc's hashes

    # svchost's parent (services.exe) was not logged: what only its creation event could tell is empty
    svchost = rows[100]
    assert svchost["InitiatingProcessFileName"] == "services.exe"
    assert svchost["InitiatingProcessId"] == 600
    assert svchost["InitiatingProcessParentFileName"] == ""
    assert svchost["InitiatingProcessCreationTime"] is None
    assert svchost["InitiatingProcessParentId"] is None


# --- XML export: DeviceNetworkEvents ------------------------------------------------------------------


def test_inbound_connection_windows10_convention(mmc20):
    """Windows 10 writes the remote initiator as Source; the host's address (10.0.0.5) is known from its
    own outbound connection. The network events come before the process events in the file."""
    tables, _ = mmc20
    inbound = by_report_id(tables["DeviceNetworkEvents"])[201]
    assert inbound["ActionType"] == "InboundConnectionAccepted"
    assert inbound["Timestamp"] == datetime(2024, 3, 1, 10, 5, 1, 250000)
    assert (inbound["LocalIP"], inbound["LocalPort"]) == (HOST_IP, 49163)
    assert (inbound["RemoteIP"], inbound["RemotePort"]) == (ATTACKER_IP, 50123)
    assert (inbound["LocalIPType"], inbound["RemoteIPType"]) == ("Private", "Private")
    assert inbound["Protocol"] == "Tcp"
    assert inbound["RemoteUrl"] == ""
    assert inbound["DeviceName"] == DEVICE
    assert inbound["InitiatingProcessFileName"] == "mmc.exe"
    assert inbound["InitiatingProcessFolderPath"] == MMC
    assert inbound["InitiatingProcessId"] == 3572
    assert (inbound["InitiatingProcessAccountDomain"], inbound["InitiatingProcessAccountName"]) == ("corp", "alice")
    # from the catalogue (mmc's creation event comes later in the file)
    assert inbound["InitiatingProcessCommandLine"] == MMC_CMD
    assert inbound["InitiatingProcessCreationTime"] == datetime(2024, 3, 1, 10, 5, 0, 500000)
    assert inbound["InitiatingProcessParentFileName"] == "svchost.exe"
    assert inbound["InitiatingProcessParentId"] == 612
    assert inbound["InitiatingProcessParentCreationTime"] == datetime(2024, 3, 1, 8, 0, 0)
    assert inbound["InitiatingProcessUniqueId"] == "6F1D0C2E-0002-0000-0100-000000000A00"
    assert inbound["InitiatingProcessMD5"] == "0123456789abcdef0123456789abcdef"
    assert json.loads(inbound["AdditionalFields"])["Initiated"] == "false"


def test_outbound_connection(mmc20):
    tables, _ = mmc20
    dns = by_report_id(tables["DeviceNetworkEvents"])[202]
    assert dns["ActionType"] == "ConnectionSuccess"
    assert (dns["LocalIP"], dns["LocalPort"], dns["RemoteIP"], dns["RemotePort"]) == (HOST_IP, 61000, "10.0.0.1", 53)
    assert dns["Protocol"] == "Udp"
    assert dns["RemoteUrl"] == "dc01.corp.local"
    assert dns["InitiatingProcessFileName"] == "svchost.exe"
    assert dns["InitiatingProcessCommandLine"] == SVCHOST_CMD
    assert dns["InitiatingProcessParentFileName"] == "services.exe"


def test_event_order_does_not_change_the_rows(tmp_path, mmc20):
    tables, _ = mmc20
    reversed_tables, _ = load([write(tmp_path / "reversed.xml", events_xml(mmc20_events()[::-1]))])
    for name in ("DeviceProcessEvents", "DeviceNetworkEvents"):
        assert by_report_id(reversed_tables[name]) == by_report_id(tables[name])


def test_inbound_connection_windows7_convention(tmp_path):
    """Windows 7 writes the local side as Source. The local side is found by host name, else by the host's
    own outbound address, else (loopback pair) as the lower port, the listener."""
    def connect(record, image, initiated, source, destination):
        return network_connect(record, f"2019-04-30 20:35:{10 + record}.000", "{365abb72-0000-0000-0000-000000000001}",
                               3572, image, r"IEWIN7\IEUser", "tcp", initiated, source, destination, computer="IEWIN7")

    events = [
        connect(10, MMC, False, ("10.0.2.18", "IEWIN7", 49163), ("10.0.2.19", "", 33474)),  # by host name
        connect(11, "System", False, ("10.0.2.18", "", 445), ("10.0.2.19", "", 45622)),  # by own address
        connect(12, "System", True, ("10.0.2.18", "", 49170), ("10.0.2.19", "", 80)),  # tells that address
        connect(13, "System", True, ("127.0.0.1", "IEWIN7", 49164), ("127.0.0.1", "IEWIN7", 445)),
        connect(14, "System", False, ("127.0.0.1", "IEWIN7", 445), ("127.0.0.1", "IEWIN7", 49164)),
    ]
    tables, report = load([write(tmp_path / "iewin7.xml", events_xml(events))])
    assert len(report.rejects) == 0
    rows = by_report_id(tables["DeviceNetworkEvents"])
    sides = {record: (row["ActionType"], row["LocalIP"], row["LocalPort"], row["RemoteIP"], row["RemotePort"])
             for record, row in rows.items()}
    assert sides == {
        10: ("InboundConnectionAccepted", "10.0.2.18", 49163, "10.0.2.19", 33474),
        11: ("InboundConnectionAccepted", "10.0.2.18", 445, "10.0.2.19", 45622),
        12: ("ConnectionSuccess", "10.0.2.18", 49170, "10.0.2.19", 80),
        13: ("ConnectionSuccess", "127.0.0.1", 49164, "127.0.0.1", 445),
        14: ("InboundConnectionAccepted", "127.0.0.1", 445, "127.0.0.1", 49164),
    }
    assert (rows[14]["LocalIPType"], rows[14]["RemoteIPType"]) == ("Loopback", "Loopback")
    assert rows[10]["RemoteUrl"] == ""  # the remote side's host name (none given)
    assert rows[10]["DeviceName"] == "iewin7"
    assert rows[10]["InitiatingProcessFileName"] == "mmc.exe"
    assert rows[11]["InitiatingProcessFileName"] == "System"


def test_xml_without_namespace(tmp_path):
    text = events_xml(mmc20_events()).replace(" xmlns='http://schemas.microsoft.com/win/2004/08/events/event'", "")
    assert "xmlns" not in text
    tables, report = load([write(tmp_path / "plain.xml", text)])
    assert report.rows == {"DeviceProcessEvents": 4, "DeviceNetworkEvents": 2}


def test_image_load_file_and_registry_events(tmp_path):
    """Sysmon 7, 11, 12, 13 and 14 of mmc.exe: the acting process is completed from the catalogue."""
    def actor_event(event_id, record, fields):
        return Event(event_id, record, COMPUTER, {"RuleName": "-", "UtcTime": f"2024-03-01 10:06:{record - 300:02d}.000",
                                                 "ProcessGuid": GUID_MMC, "ProcessId": "3572", "Image": MMC, **fields})

    events = [*mmc20_events(),
              actor_event(7, 301, {"ImageLoaded": r"C:\Windows\System32\wbem\wbemcomn.dll",
                                   "Hashes": "SHA1=ABCDEF0123456789ABCDEF0123456789ABCDEF01,MD5=00112233445566778899AABBCCDDEEFF",
                                   "Signed": "true", "Signature": "Microsoft Windows"}),
              actor_event(11, 302, {"TargetFilename": r"C:\Users\alice\AppData\Local\Temp\run.ps1",
                                    "CreationUtcTime": "2024-03-01 10:06:02.000"}),
              actor_event(12, 303, {"EventType": "CreateKey", "TargetObject": r"HKLM\SOFTWARE\Evil"}),
              actor_event(12, 304, {"EventType": "DeleteValue",
                                    "TargetObject": r"HKU\S-1-5-21-1\Software\Microsoft\Windows\CurrentVersion\Run\x"}),
              actor_event(13, 305, {"EventType": "SetValue", "Details": "DWORD (0x00000002)",
                                    "TargetObject": r"HKLM\System\CurrentControlSet\Services\evil\Start"}),
              actor_event(13, 306, {"EventType": "SetValue", "Details": r"C:\Temp\evil.exe",
                                    "TargetObject": r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\evil"}),
              actor_event(14, 307, {"EventType": "RenameKey", "TargetObject": r"HKLM\SOFTWARE\Old",
                                    "NewName": r"HKLM\SOFTWARE\New"}),
              ]
    tables, report = load([write(tmp_path / "more.xml", events_xml(events))])
    assert len(report.rejects) == 0
    assert report.rows == {"DeviceProcessEvents": 4, "DeviceNetworkEvents": 2, "DeviceImageLoadEvents": 1,
                           "DeviceFileEvents": 1, "DeviceRegistryEvents": 5}
    [image] = tables["DeviceImageLoadEvents"].to_pylist()
    assert (image["ActionType"], image["FileName"]) == ("ImageLoaded", "wbemcomn.dll")
    assert image["FolderPath"] == r"C:\Windows\System32\wbem\wbemcomn.dll"
    assert (image["SHA1"], image["MD5"], image["SHA256"]) == (
        "abcdef0123456789abcdef0123456789abcdef01", "00112233445566778899aabbccddeeff", "")
    assert image["Timestamp"] == datetime(2024, 3, 1, 10, 6, 1)
    [file] = tables["DeviceFileEvents"].to_pylist()
    assert (file["ActionType"], file["FileName"]) == ("FileCreated", "run.ps1")
    assert file["FolderPath"] == r"C:\Users\alice\AppData\Local\Temp\run.ps1"
    assert json.loads(file["AdditionalFields"])["CreationUtcTime"] == "2024-03-01 10:06:02.000"
    for row in (image, file):
        assert (row["InitiatingProcessFileName"], row["InitiatingProcessId"]) == ("mmc.exe", 3572)
        assert row["InitiatingProcessCommandLine"] == MMC_CMD
        assert row["InitiatingProcessParentFileName"] == "svchost.exe"
        assert (row["InitiatingProcessAccountDomain"], row["InitiatingProcessAccountName"]) == ("corp", "alice")
        assert row["ReportId"] in (301, 302)
    registry = by_report_id(tables["DeviceRegistryEvents"])
    shapes = {record: (row["ActionType"], row["RegistryKey"], row["RegistryValueName"], row["RegistryValueType"],
                       row["RegistryValueData"], row["PreviousRegistryKey"]) for record, row in registry.items()}
    assert shapes == {
        303: ("RegistryKeyCreated", r"HKEY_LOCAL_MACHINE\SOFTWARE\Evil", "", "", "", ""),
        304: ("RegistryValueDeleted", r"HKEY_USERS\S-1-5-21-1\Software\Microsoft\Windows\CurrentVersion\Run", "x",
              "", "", ""),
        305: ("RegistryValueSet", r"HKEY_LOCAL_MACHINE\System\CurrentControlSet\Services\evil", "Start", "Dword",
              "DWORD (0x00000002)", ""),
        306: ("RegistryValueSet", r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run", "evil",
              "String", r"C:\Temp\evil.exe", ""),
        # a renamed key: RegistryKey is its new name, PreviousRegistryKey the old one
        307: ("RegistryKeyRenamed", r"HKEY_LOCAL_MACHINE\SOFTWARE\New", "", "", "", r"HKEY_LOCAL_MACHINE\SOFTWARE\Old"),
    }
    assert registry[305]["InitiatingProcessParentFileName"] == "svchost.exe"


# --- XML: malformed input -----------------------------------------------------------------------------


def test_truncated_xml_keeps_the_events_before_the_break(tmp_path):
    lines = events_xml(mmc20_events()).split("\n")
    # line 1 declaration, 2 <Events>, 3..8 the events: the file stops inside a tag of the third event
    cut = lines[4].index("<Execution") + 12
    path = write(tmp_path / "cut.xml", "\n".join(lines[:4]) + "\n" + lines[4][:cut])
    tables, report = load([path])
    assert report.files[0].records == 2
    assert report.rows == {"DeviceNetworkEvents": 2}
    assert sorted(by_report_id(tables["DeviceNetworkEvents"])) == [201, 202]
    [reject] = report.rejects.rejects
    assert reject.file == str(path)
    # the unclosed tag: line 5, column of its '<' (1-based)
    assert reject.position == f"line 5, column {lines[4].index('<Execution') + 1}"
    assert reject.reason.startswith("malformed XML (unclosed token)")
    assert "read up to there (2 events)" in reject.reason


def test_mismatched_tag_in_xml(tmp_path):
    lines = events_xml(mmc20_events()).split("\n")
    lines[5] = lines[5].replace("</EventData>", "</EventDatum>")  # the 4th event (record 101) is broken
    path = write(tmp_path / "bad.xml", "\n".join(lines))
    tables, report = load([path])
    assert report.files[0].records == 3
    [reject] = report.rejects.rejects
    # expat points at the closing tag's name: two characters after its '<', plus one for 1-based columns
    assert reject.position == f"line 6, column {lines[5].index('</EventDatum>') + 3}"
    assert reject.reason.startswith("malformed XML (mismatched tag)")
    assert sorted(by_report_id(tables["DeviceProcessEvents"])) == [100]


def test_unparseable_utctime_rejects_the_event(tmp_path):
    events = mmc20_events()
    events[4].data["UtcTime"] = "2024-03-01 25:61:00.000"  # cmd.exe, record 203
    path = write(tmp_path / "wks10.xml", events_xml(events))
    tables, report = load([path])
    assert report.files[0].records == 6  # all staged; the mapping rejects the one whose time is unreadable
    assert sorted(by_report_id(tables["DeviceProcessEvents"])) == [100, 101, 204]
    assert [(r.file, r.position, r.reason) for r in report.rejects.rejects] == [
        (str(path), "record 203", "table DeviceProcessEvents: unreadable event time '2024-03-01 25:61:00.000'"),
    ]


# --- Winlogbeat and NXLog JSON lines ------------------------------------------------------------------


@pytest.mark.parametrize("render", [winlogbeat_line, nxlog_line], ids=["winlogbeat", "nxlog"])
def test_json_lines_map_to_the_same_rows_as_the_xml_export(tmp_path, mmc20, render):
    tables, _ = mmc20
    # NXLog writes "-" for an empty host name, and every field as text ("false", "3572")
    events = mmc20_events(empty_hostname="-" if render is nxlog_line else "")
    path = write(tmp_path / "events.json", "\n".join(render(event) for event in events) + "\n")
    json_tables, report = load([path])
    assert [(f.format, f.records) for f in report.files] == [("windows-json", 6)]
    assert len(report.rejects) == 0
    for name in ("DeviceProcessEvents", "DeviceNetworkEvents"):
        assert by_report_id(json_tables[name]) == by_report_id(tables[name])


def test_nxlog_initiated_is_text(tmp_path):
    line = json.loads(nxlog_line(mmc20_events(empty_hostname="-")[0]))
    assert line["Initiated"] == "false" and line["SourceHostname"] == "-"
    tables, _ = load([write(tmp_path / "one.json", json.dumps(line) + "\n")])
    [row] = tables["DeviceNetworkEvents"].to_pylist()
    assert row["ActionType"] == "InboundConnectionAccepted"
    assert (row["LocalIP"], row["RemoteIP"], row["RemoteUrl"]) == (HOST_IP, ATTACKER_IP, "")
    # no process creation in this file: the catalogue has nothing to add
    assert (row["InitiatingProcessCommandLine"], row["InitiatingProcessParentFileName"]) == ("", "")


def test_nxlog_security_logon(tmp_path):
    # XML: TimeCreated is UTC; NXLog: EventTime is local (UTC+1 here) and @timestamp/EventReceivedTime give the offset
    logon = logon_4624(300, "2024-03-01T10:04:59.0000000Z")
    path = write(tmp_path / "security.json", nxlog_line(logon, utc_offset_hours=1) + "\n")
    assert json.loads(path.read_text())["EventTime"] == "2024-03-01 11:04:59"
    xml_tables, _ = load([write(tmp_path / "security.xml", events_xml([logon]))])
    tables, report = load([path])
    assert report.rows == {"DeviceLogonEvents": 1}
    [row] = tables["DeviceLogonEvents"].to_pylist()
    assert row == xml_tables["DeviceLogonEvents"].to_pylist()[0]
    assert row["Timestamp"] == datetime(2024, 3, 1, 10, 4, 59)
    assert row["ActionType"] == "LogonSuccess"
    assert row["LogonType"] == "Network"
    assert (row["AccountDomain"], row["AccountName"]) == ("corp", "alice")
    assert row["AccountSid"] == "S-1-5-21-1111111111-2222222222-3333333333-1104"
    assert (row["RemoteIP"], row["RemotePort"], row["RemoteIPType"]) == (ATTACKER_IP, 50200, "Private")
    assert row["RemoteDeviceName"] == "ATTACKER"
    assert row["Protocol"] == "NTLM"
    assert row["LogonId"] == 0x1A2B
    assert row["DeviceName"] == DEVICE
    assert row["ReportId"] == 300
    assert (row["InitiatingProcessFileName"], row["InitiatingProcessAccountName"]) == ("", "")  # "-"
    assert row["InitiatingProcessId"] is None  # 0x0
    assert json.loads(row["AdditionalFields"]) == {"SecurityEventId": 4624, "LogonProcessName": "NtLmSsp "}


def test_failed_logon(tmp_path):
    failed = logon_4624(301, "2024-03-01T10:05:30.0000000Z")
    failed.event_id = 4625
    failed.data.update({"Status": "0xc000006d", "SubStatus": "0xc000006a", "FailureReason": "%%2313"})
    tables, _ = load([write(tmp_path / "failed.xml", events_xml([failed]))])
    [row] = tables["DeviceLogonEvents"].to_pylist()
    assert (row["ActionType"], row["FailureReason"]) == ("LogonFailed", "%%2313")


def test_broken_json_lines_are_rejected_with_their_line_number(tmp_path):
    lines = [winlogbeat_line(event) for event in mmc20_events()]
    lines.insert(2, lines[2][:40])  # line 3: cut short
    lines.insert(4, json.dumps({"message": "no event id", "winlog": {"channel": "Security"}}))  # line 5
    lines.insert(5, "[1, 2]")  # line 6
    path = write(tmp_path / "beats.ndjson", "\n".join(lines) + "\n")
    tables, report = load([path])
    assert report.files[0].records == 6
    assert report.rows == {"DeviceProcessEvents": 4, "DeviceNetworkEvents": 2}
    rejects = [(r.file, r.position, r.reason.split(":")[0], r.raw) for r in report.rejects.rejects]
    assert rejects == [
        (str(path), "line 3", "broken JSON line", lines[2]),
        (str(path), "line 5", "not a Windows event", lines[4]),
        (str(path), "line 6", "a JSON line that is not an object", "[1, 2]"),
    ]


def test_unmapped_events_are_counted(tmp_path):
    others = [Event(4688, record, COMPUTER, {"NewProcessName": r"C:\Windows\System32\cmd.exe"},
                    provider="Microsoft-Windows-Security-Auditing", channel="Security",
                    system_time="2024-03-01T10:00:00.0000000Z") for record in (7, 8)]
    _, report = load([write(tmp_path / "mixed.xml", events_xml([*mmc20_events(), *others]))])
    assert report.files[0].records == 8
    assert report.rows == {"DeviceProcessEvents": 4, "DeviceNetworkEvents": 2}
    assert report.unmapped_events == {"Microsoft-Windows-Security-Auditing 4688": 2}


def test_same_event_in_two_files_is_read_once(tmp_path):
    events = mmc20_events()
    first = write(tmp_path / "a.xml", events_xml(events[:4]))
    second = write(tmp_path / "b.xml", events_xml(events[2:]))  # records 100 and 101 again
    tables, report = load([first, second])
    assert [f.records for f in report.files] == [4, 4]
    assert sorted(by_report_id(tables["DeviceProcessEvents"])) == [100, 101, 203, 204]


def test_process_without_process_id_gets_it_from_its_children(tmp_path):
    # Some NXLog captures drop ProcessId from the process creation event; the children name it as parent.
    events = mmc20_events()
    del events[3].data["ProcessId"]  # mmc.exe
    tables, _ = load([write(tmp_path / "nopid.xml", events_xml(events))])
    assert by_report_id(tables["DeviceProcessEvents"])[101]["ProcessId"] == 3572


# --- EVTX (damaged copies of a real sample) -----------------------------------------------------------

needs_samples = pytest.mark.skipif(not LATERAL.is_dir(), reason="shared/datasets is not present")


@pytest.fixture
def file_copy_evtx(tmp_path) -> bytes:
    """LM_5145_Remote_FileCopy.evtx: 10 chunks of Security 5145 events, records 1..869."""
    path = LATERAL / "LM_5145_Remote_FileCopy.evtx"
    if not path.is_file():
        pytest.skip("LM_5145_Remote_FileCopy.evtx is not present")
    return path.read_bytes()


def share_events(report) -> int:
    return report.unmapped_events["Microsoft-Windows-Security-Auditing 5145"]


@needs_samples
def test_evtx_whole_file(tmp_path, file_copy_evtx):
    path = tmp_path / "copy.evtx"
    path.write_bytes(file_copy_evtx)
    tables, report = load([path])
    assert len(report.rejects) == 0
    assert report.files[0].records == 869
    assert share_events(report) == 869
    assert tables == {}  # 5145 has no Defender table


@needs_samples
def test_truncated_evtx(tmp_path, file_copy_evtx):
    size = EVTX_HEADER + 3 * EVTX_CHUNK + 30000  # chunks 0..2 whole (records 1..287), chunk 3 cut
    path = tmp_path / "cut.evtx"
    path.write_bytes(file_copy_evtx[:size])
    _, report = load([path])
    assert report.files[0].records == 287
    assert share_events(report) == 287
    [reject] = report.rejects.rejects
    assert reject.file == str(path)
    assert reject.position == f"chunk 3 (bytes {EVTX_HEADER + 3 * EVTX_CHUNK}..{size})"
    assert reject.reason.startswith("truncated EVTX file: it ends 30000 bytes into chunk 3")
    assert "the header announces 10 chunks" in reject.reason


@needs_samples
def test_evtx_missing_whole_chunks(tmp_path, file_copy_evtx):
    path = tmp_path / "short.evtx"
    path.write_bytes(file_copy_evtx[:EVTX_HEADER + 4 * EVTX_CHUNK])
    _, report = load([path])
    assert report.files[0].records == 369  # chunks 0..3
    [reject] = report.rejects.rejects
    assert (reject.position, reject.reason) == (
        "chunk 4", "truncated EVTX file: 4 of the 10 chunks its header announces are present")


@needs_samples
@pytest.mark.parametrize("offset", [0x0, 0x200, 0x1000, 30000], ids=["chunk-header", "first-record", "record", "deep"])
def test_damaged_evtx_chunk(tmp_path, file_copy_evtx, offset):
    """Bytes overwritten inside the 2nd chunk (index 1, records 99..197): that chunk is rejected, whatever
    part of it is hit, and the 770 records of the nine others load."""
    data = bytearray(file_copy_evtx)
    start = EVTX_HEADER + EVTX_CHUNK
    data[start + offset:start + offset + 16] = b"\xff" * 16
    path = tmp_path / "damaged.evtx"
    path.write_bytes(bytes(data))
    _, report = load([path])
    assert report.files[0].records == 869 - 99
    assert share_events(report) == 770
    [reject] = report.rejects.rejects
    assert reject.file == str(path)
    assert reject.reason.startswith("damaged EVTX chunk")
    assert reject.position == f"chunk 1 (bytes {start}..{start + EVTX_CHUNK})"


def test_evtx_shorter_than_its_header(tmp_path):
    path = tmp_path / "stub.evtx"
    path.write_bytes(b"ElfFile\x00" + b"\x00" * 20)
    _, report = load([path])
    assert report.files[0].format == "evtx"
    positions = [(r.position, r.reason) for r in report.rejects.rejects]
    assert positions[0] == ("file header", "truncated EVTX file: shorter than its header")
    assert report.rows == {}


def test_rows_per_file_are_counted_alike_below_and_above_the_arrow_threshold(monkeypatch):
    """Few rows are counted in Python (Arrow's count would import its compute module), many by Arrow."""
    import pyarrow as pa

    from kqlite.ingest import pipeline

    names = ["a.evtx", "b.evtx", "a.evtx", "c.evtx", "b.evtx", "a.evtx"]
    files = pa.chunked_array([pa.array(names[:4]), pa.array(names[4:])])
    counted = {"a.evtx": 3, "b.evtx": 2, "c.evtx": 1}
    assert pipeline._file_counts(files) == counted
    monkeypatch.setattr(pipeline, "_COUNTED_HERE", 2)
    assert pipeline._file_counts(files) == counted


@pytest.mark.parametrize("inputs", ["xml", "evtx"])
def test_the_mapping_gives_the_same_tables_copied_or_streamed_into_arrow(tmp_path, monkeypatch, inputs):
    """Few staged events: each table's query runs once and its rows are copied into Arrow; many: streamed (the
    relational API binds the query, then runs it). Same tables either way, types included."""
    from kqlite.ingest import pipeline

    if inputs == "xml":
        paths = [write(tmp_path / "wks10-sysmon.xml", events_xml(mmc20_events()))]
    else:
        paths = sorted(LATERAL.glob("*Sysmon*.evtx"))[:6] if LATERAL.exists() else []
        if not paths:
            pytest.skip("the shared EVTX samples are not here")
    copied, _ = load(paths)
    monkeypatch.setattr(pipeline, "_STREAMED_FROM", 0)
    streamed, _ = load(paths)
    assert copied.keys() == streamed.keys() and copied
    for name, table in copied.items():
        assert table.schema == streamed[name].schema, name
        assert table.to_pylist() == streamed[name].to_pylist(), name
