"""Defender's built-in functions: FileProfile() with and without a profile table, AssignedIPAddresses(),
DeviceFromIP() and SeenBy(). Output columns are those Defender documents (and the oracle's
`defender_functions.json` declares); values are worked out by hand from the rows built here."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

import kqlite
from kqlite.schemas import table_schema

PROFILE = ["SHA1", "SHA256", "MD5", "FileSize", "GlobalPrevalence", "GlobalFirstSeen", "GlobalLastSeen", "Signer",
           "Issuer", "SignerHash", "IsCertificateValid", "IsRootSignerMicrosoft", "SignatureState", "IsExecutable",
           "ThreatName", "Publisher", "SoftwareName", "ProfileAvailability"]
ORACLE_FUNCTIONS = Path(__file__).resolve().parents[2] / "shared" / "tools" / "kusto-oracle" / "defender_functions.json"


def ts(*args: int) -> datetime:
    return datetime(*args)


PROCESSES = pa.table({
    "FileName": ["evil.exe", "calc.exe", "note.exe", "none.exe"],
    "SHA1": ["AAAA", "bbbb", "cccc", ""],
    "InitiatingProcessSHA256": ["s1", "s2", "", ""],
})
PROFILES = pa.table({
    "SHA1": ["aaaa", "aaaa", "cccc"],
    "SHA256": ["s1", "s1", "s3"],
    "GlobalPrevalence": pa.array([3, 5, 90000], pa.int64()),
    "GlobalLastSeen": pa.array([ts(2024, 1, 1), ts(2024, 3, 1), ts(2024, 2, 1)], pa.timestamp("us")),
    "Signer": ["", "", "Microsoft Windows"],
    "IsExecutable": [True, True, True],
    "ThreatName": ["Trojan:Win32/Evil", "Trojan:Win32/Evil", ""],
})


def test_file_profile_columns_without_a_profile_table_are_empty_and_the_notes_say_why():
    con = kqlite.connect(tables={"DeviceProcessEvents": PROCESSES})
    query = "DeviceProcessEvents | project FileName, SHA1 | invoke FileProfile()"
    result = con.query(query)
    assert result.columns == ["FileName", *PROFILE]
    assert [row[:2] for row in result.rows()] == [("evil.exe", "AAAA"), ("calc.exe", "bbbb"), ("note.exe", "cccc"),
                                                  ("none.exe", "")]
    assert {row[-1] for row in result.rows()} == {"Unavailable"}
    assert {row[PROFILE.index("GlobalPrevalence") + 1] for row in result.rows()} == {None}
    assert any("no FileProfiles table is attached" in note for note in result.notes)
    assert any("FileProfiles" in note for note in con.explain(query).notes)


def test_file_profile_enriches_from_the_profile_table_latest_profile_per_hash():
    con = kqlite.connect(tables={"DeviceProcessEvents": PROCESSES, "FileProfiles": PROFILES})
    result = con.query("DeviceProcessEvents | project FileName, SHA1 | invoke FileProfile()")
    assert not any("FileProfiles" in note for note in result.notes)
    rows = {row[0]: dict(zip(result.columns, row, strict=True)) for row in result.rows()}
    assert len(result) == 4  # one row out for each row in: duplicate profiles never duplicate evidence
    evil = rows["evil.exe"]
    assert (evil["SHA1"], evil["SHA256"], evil["GlobalPrevalence"], evil["ThreatName"], evil["ProfileAvailability"]) == (
        "aaaa", "s1", 5, "Trojan:Win32/Evil", "Available")  # the profile last seen (2024-03-01) wins
    assert evil["GlobalLastSeen"] == datetime(2024, 3, 1, tzinfo=UTC)
    assert rows["note.exe"]["Signer"] == "Microsoft Windows" and rows["note.exe"]["GlobalPrevalence"] == 90000
    assert rows["calc.exe"]["ProfileAvailability"] == "Unavailable" and rows["calc.exe"]["SHA1"] == "bbbb"


@pytest.mark.parametrize("call", ['FileProfile(InitiatingProcessSHA256, 1000)',
                                  'FileProfile("InitiatingProcessSHA256", 1000)'])
def test_file_profile_takes_its_hash_column_bare_or_quoted(call):
    con = kqlite.connect(tables={"DeviceProcessEvents": PROCESSES, "FileProfiles": PROFILES})
    result = con.query(f"DeviceProcessEvents | project FileName, InitiatingProcessSHA256 | invoke {call}")
    assert result.columns == ["FileName", "InitiatingProcessSHA256", *PROFILE]
    rows = {row[0]: dict(zip(result.columns, row, strict=True)) for row in result.rows()}
    assert rows["evil.exe"]["SHA256"] == "s1" and rows["evil.exe"]["GlobalPrevalence"] == 5
    assert rows["calc.exe"]["ProfileAvailability"] == "Unavailable"


def test_file_profile_record_limit_enriches_at_most_that_many_hashes():
    con = kqlite.connect(tables={"DeviceProcessEvents": PROCESSES, "FileProfiles": PROFILES})
    result = con.query("DeviceProcessEvents | project FileName, SHA1 | invoke FileProfile(SHA1, 1)")
    available = [row[0] for row in result.rows() if row[-1] == "Available"]
    assert available == ["evil.exe"]  # the first hash in order ('aaaa' < 'bbbb' < 'cccc'); kqlite's choice


def test_file_profile_keeps_the_columns_in_place_on_a_whole_table():
    con = kqlite.connect()
    result = con.query("DeviceProcessEvents | invoke FileProfile()")
    schema = [c for c, _ in table_schema("DeviceProcessEvents")]
    new = [c for c in PROFILE if c not in schema]
    assert result.columns == schema + new  # SHA1, SHA256, MD5 and FileSize replaced in place


def test_a_users_own_fileprofile_hides_the_builtin():
    con = kqlite.connect()
    result = con.query("let FileProfile = (T:(*)) { T | extend Mine = 1 }; print x = 1 | invoke FileProfile()")
    assert result.columns == ["x", "Mine"]


NETWORK_INFO = pa.table({
    "Timestamp": pa.array([ts(2024, 5, 1, 9), ts(2024, 5, 1, 10), ts(2024, 5, 1, 10), ts(2024, 4, 1)],
                          pa.timestamp("us")),
    "DeviceId": ["d1", "d1", "d2", "d3"],
    "DeviceName": ["ws-01", "ws-01", "ws-02", "ws-03"],
    "NetworkAdapterName": ["eth0", "eth0", "eth0", "eth0"],
    "NetworkAdapterType": ["Ethernet", "Ethernet", "Wireless80211", "Ethernet"],
    "IPAddresses": ['[{"IPAddress":"10.0.0.9","SubnetPrefix":24,"AddressType":"Private"}]',
                    '[{"IPAddress":"10.0.0.5","SubnetPrefix":24,"AddressType":"Private"},'
                    '{"IPAddress":"fe80::1","SubnetPrefix":64,"AddressType":"LinkLocal"}]',
                    '[{"IPAddress":"10.0.0.6","SubnetPrefix":24,"AddressType":"Private"}]',
                    '[{"IPAddress":"10.0.0.5","SubnetPrefix":24,"AddressType":"Private"}]'],
    "ConnectedNetworks": ['[{"Name":"corp"}]'] * 4,
})
NETWORK_EVENTS = pa.table({
    "Timestamp": pa.array([ts(2024, 5, 1, 11), ts(2024, 5, 1, 11)], pa.timestamp("us")),
    "DeviceId": ["d2", "d3"], "RemoteIP": ["10.0.0.5", "10.0.0.5"],
})
AT = "datetime(2024-05-01T12:00:00Z)"


def network() -> kqlite.Connection:
    return kqlite.connect(tables={"DeviceNetworkInfo": NETWORK_INFO, "DeviceNetworkEvents": NETWORK_EVENTS},
                          now=datetime(2024, 5, 1, 12, tzinfo=UTC))


def test_assigned_ip_addresses_are_the_latest_report_of_each_adapter():
    result = network().query(f'AssignedIPAddresses("ws-01", {AT})')
    assert result.columns == ["Timestamp", "IPAddress", "IPType", "NetworkAdapterType", "ConnectedNetworks"]
    assert result.types == ["datetime", "string", "string", "string", "dynamic"]
    assert sorted(result.rows()) == [
        (datetime(2024, 5, 1, 10, tzinfo=UTC), "10.0.0.5", "Private", "Ethernet", [{"Name": "corp"}]),
        (datetime(2024, 5, 1, 10, tzinfo=UTC), "fe80::1", "LinkLocal", "Ethernet", [{"Name": "corp"}])]
    assert network().query('AssignedIPAddresses("d1") | count').rows() == [(2,)]  # by DeviceId, at now


def test_device_from_ip_at_a_time():
    result = network().query(f'DeviceFromIP("10.0.0.5", {AT})')
    assert result.columns == ["IP", "DeviceId"]
    assert result.rows() == [("10.0.0.5", "d1")]  # d3 held it a month before: outside the day looked at


def test_seen_by_lists_the_devices_whose_connections_reached_the_device():
    result = network().query("datatable(DeviceId:string)['d1', 'd2'] | invoke SeenBy()")
    assert result.columns == ["DeviceId", "SeenBy"]
    seen = dict(result.rows())
    # d2 and d3 both connected to 10.0.0.5, which d1 held that day; nothing reached d2's 10.0.0.6
    assert sorted(seen["d1"]) == ["d2", "d3"] and seen["d2"] is None


@pytest.mark.skipif(not ORACLE_FUNCTIONS.is_file(), reason="../shared/tools/kusto-oracle is not here")
def test_output_columns_of_the_table_functions_are_the_documented_ones():
    declared = {f["name"]: f["body"] for f in json.loads(ORACLE_FUNCTIONS.read_text(encoding="utf-8"))}
    assert all(name in declared for name in ("AssignedIPAddresses", "DeviceFromIP", "SeenBy", "FileProfile"))
    con = kqlite.connect()
    for call, body in (('AssignedIPAddresses("x")', declared["AssignedIPAddresses"]),
                       ('DeviceFromIP("x")', declared["DeviceFromIP"])):
        result = con.query(call)
        for column, kql_type in zip(result.columns, result.types, strict=True):
            assert f"{column}:{kql_type}" in body.replace(" ", "")
