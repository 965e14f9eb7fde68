"""Sysmon and Security events -> Defender advanced-hunting tables: the mapping, as data, and the SQL it becomes.

Each target table is a ``TableMap``: which events feed it and, per Defender column, a SQL expression over
three aliases: ``e`` (the event, its EventData fields as columns), ``p`` (the process catalogue entry of the
process the event is about: for a process creation, its parent) and ``pp`` (that process's parent). The
catalogue holds every Sysmon process creation (event 1) keyed by device and ProcessGuid, so
``InitiatingProcess*`` and ``InitiatingProcessParent*`` come from the process tree, whichever file or order
the events arrived in. The expressions are fixed code, parsed by SQLGlot in ``sysmon_sql``; no value is ever
pasted into SQL. This module is the mapping as data, light to import: the EVTX readers need only MAPPED_EVENTS,
and the SQL is read from the cache (sql_cache) unless the mapping changed.

Where the two sides of an inbound connection sit (Sysmon event 3, ``Initiated=false``) differs between
Windows versions: Windows 7 logs the local side as Source, Windows 10 the remote initiator. The local side
is the one whose host name is the device's, else whose address the device uses for its own outbound
connections, else (a loopback pair) the lower port, which is the listener; else Windows 10's convention.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from kqlite import schemas
from kqlite.ingest.sql_cache import cached

SYSMON_PROVIDER = "Microsoft-Windows-Sysmon"
SECURITY_PROVIDER = "Microsoft-Windows-Security-Auditing"
SYSMON = f"e.provider = '{SYSMON_PROVIDER}'"

# EventData fields read from the staged JSON (all as text; the expressions convert).
EVENT_FIELDS = (
    "RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "FileVersion", "Description", "Product", "Company",
    "OriginalFileName", "CommandLine", "CurrentDirectory", "User", "LogonGuid", "LogonId", "TerminalSessionId",
    "IntegrityLevel", "Hashes", "ParentProcessGuid", "ParentProcessId", "ParentImage", "ParentCommandLine",
    "ParentUser", "Protocol", "Initiated", "SourceIsIpv6", "SourceIp", "SourceHostname", "SourcePort",
    "DestinationIsIpv6", "DestinationIp", "DestinationHostname", "DestinationPort", "ImageLoaded", "Signed",
    "Signature", "SignatureStatus", "TargetFilename", "CreationUtcTime", "EventType", "TargetObject", "Details",
    "NewName", "SubjectUserSid", "SubjectUserName", "SubjectDomainName", "TargetUserSid", "TargetUserName",
    "TargetDomainName", "TargetLogonId", "LogonType", "LogonProcessName", "AuthenticationPackageName",
    "WorkstationName", "IpAddress", "IpPort", "ProcessName", "Status", "SubStatus", "FailureReason",
    "ElevatedToken",
)

# the event fields holding addresses: canonical in _kq_ev (addresses.canonical_ipv6, through _kq_ip6)
IP_FIELDS = ("SourceIp", "DestinationIp", "IpAddress")

# DuckDB macros the expressions use: small, named, and tested through the mapping tests.
MACROS = {
    "kq_base": (("path",), "regexp_extract(coalesce(path, ''), '[^\\\\/]*$')"),
    "kq_int": (("t",), "TRY_CAST(nullif(trim(CAST(t AS VARCHAR)), '') AS BIGINT)"),
    "kq_time": (("t",), "CAST(TRY_CAST(nullif(trim(t), '') AS TIMESTAMPTZ) AS TIMESTAMP)"),
    "kq_guid": (("g",), "nullif(upper(trim(coalesce(g, ''), '{} ')), '')"),
    "kq_hash": (("h", "name"), "lower(regexp_extract(coalesce(h, ''), name || '=([0-9A-Fa-f]+)', 1))"),
    "kq_domain": (("u",), "CASE WHEN contains(coalesce(u, ''), '\\') THEN lower(split_part(u, '\\', 1)) ELSE '' END"),
    "kq_account": (("u",), "lower(CASE WHEN contains(coalesce(u, ''), '\\') THEN split_part(u, '\\', 2) ELSE coalesce(u, '') END)"),
    "kq_text": (("t",), "CASE WHEN t IS NULL OR trim(t) = '-' THEN '' ELSE t END"),
    "kq_same_host": (("h", "computer"),
                     "coalesce(nullif(trim(h), '-'), '') <> '' AND lower(split_part(trim(h), '.', 1)) = lower(split_part(computer, '.', 1))"),
    "kq_iptype": (("ip",), """CASE
        WHEN coalesce(ip, '') = '' THEN ''
        WHEN ip LIKE '127.%' OR ip IN ('::1', '0:0:0:0:0:0:0:1') THEN 'Loopback'
        WHEN ip LIKE '10.%' OR ip LIKE '192.168.%' OR regexp_matches(ip, '^172\\.(1[6-9]|2[0-9]|3[01])\\.')
             OR regexp_matches(lower(ip), '^f[cd][0-9a-f]{2}:') THEN 'Private'
        WHEN ip LIKE '169.254.%' OR lower(ip) LIKE 'fe80:%' THEN 'LinkLocal'
        WHEN ip IN ('0.0.0.0', '::') OR regexp_matches(ip, '^(22[4-9]|2[3-5][0-9])\\.') THEN 'Reserved'
        ELSE 'Public' END"""),
    "kq_regkey": (("k",), """regexp_replace(regexp_replace(regexp_replace(regexp_replace(coalesce(k, ''),
        '^HKLM(\\\\|$)', 'HKEY_LOCAL_MACHINE\\1'), '^HKU(\\\\|$)', 'HKEY_USERS\\1'),
        '^HKCR(\\\\|$)', 'HKEY_CLASSES_ROOT\\1'), '^HKCU(\\\\|$)', 'HKEY_CURRENT_USER\\1')"""),
}

LOGON_TYPES = {2: "Interactive", 3: "Network", 4: "Batch", 5: "Service", 7: "Unlock", 8: "NetworkCleartext",
               9: "NewCredentials", 10: "RemoteInteractive", 11: "CachedInteractive"}

_DEVICE = {
    "DeviceId": "sha1(e.device)",
    "DeviceName": "e.device",
    "ReportId": "e.record_id",
}

# The acting process of a non-process event: the event names it (Image, ProcessId, ProcessGuid, User) and
# the catalogue (p = its creation, pp = its parent's) fills in the rest.
_ACTOR = {
    "InitiatingProcessFileName": "kq_base(e.Image)",
    "InitiatingProcessFolderPath": "coalesce(e.Image, '')",
    "InitiatingProcessId": "coalesce(kq_int(e.ProcessId), p.pid)",
    "InitiatingProcessCommandLine": "coalesce(p.command_line, '')",
    "InitiatingProcessCreationTime": "p.created",
    "InitiatingProcessAccountDomain": "kq_domain(coalesce(nullif(e.User, ''), p.user_name))",
    "InitiatingProcessAccountName": "kq_account(coalesce(nullif(e.User, ''), p.user_name))",
    "InitiatingProcessSHA1": "kq_hash(p.hashes, 'SHA1')",
    "InitiatingProcessSHA256": "kq_hash(p.hashes, 'SHA256')",
    "InitiatingProcessMD5": "kq_hash(p.hashes, 'MD5')",
    "InitiatingProcessIntegrityLevel": "coalesce(p.integrity_level, '')",
    "InitiatingProcessLogonId": "p.logon_id",
    "InitiatingProcessVersionInfoCompanyName": "coalesce(p.company, '')",
    "InitiatingProcessVersionInfoProductName": "coalesce(p.product, '')",
    "InitiatingProcessVersionInfoProductVersion": "coalesce(p.file_version, '')",
    "InitiatingProcessVersionInfoOriginalFileName": "coalesce(p.original_file_name, '')",
    "InitiatingProcessVersionInfoFileDescription": "coalesce(p.description, '')",
    "InitiatingProcessParentId": "p.parent_pid",
    "InitiatingProcessParentFileName": "kq_base(p.parent_image)",
    "InitiatingProcessParentCreationTime": "pp.created",
    "InitiatingProcessUniqueId": "coalesce(kq_guid(e.ProcessGuid), '')",
}

# For a process creation the initiating process is the parent: the event's Parent* fields, completed from
# the parent's own creation (p) and the grandparent's (pp).
_PARENT = {
    "InitiatingProcessFileName": "kq_base(e.ParentImage)",
    "InitiatingProcessFolderPath": "coalesce(e.ParentImage, '')",
    "InitiatingProcessId": "coalesce(kq_int(e.ParentProcessId), p.pid)",
    "InitiatingProcessCommandLine": "coalesce(e.ParentCommandLine, p.command_line, '')",
    "InitiatingProcessCreationTime": "p.created",
    "InitiatingProcessAccountDomain": "kq_domain(coalesce(nullif(e.ParentUser, ''), p.user_name))",
    "InitiatingProcessAccountName": "kq_account(coalesce(nullif(e.ParentUser, ''), p.user_name))",
    **{column: _ACTOR[column] for column in (
        "InitiatingProcessSHA1", "InitiatingProcessSHA256", "InitiatingProcessMD5", "InitiatingProcessIntegrityLevel",
        "InitiatingProcessLogonId", "InitiatingProcessVersionInfoCompanyName", "InitiatingProcessVersionInfoProductName",
        "InitiatingProcessVersionInfoProductVersion", "InitiatingProcessVersionInfoOriginalFileName",
        "InitiatingProcessVersionInfoFileDescription", "InitiatingProcessParentId", "InitiatingProcessParentFileName",
        "InitiatingProcessParentCreationTime")},
    "InitiatingProcessUniqueId": "coalesce(kq_guid(e.ParentProcessGuid), '')",
}

# Inbound (Initiated=false): is the Source side this device? See the module docstring.
SOURCE_IS_LOCAL = """CASE
    WHEN lower(coalesce(e.Initiated, '')) <> 'false' THEN true
    WHEN kq_same_host(e.SourceHostname, e.computer) AND NOT kq_same_host(e.DestinationHostname, e.computer) THEN true
    WHEN kq_same_host(e.DestinationHostname, e.computer) AND NOT kq_same_host(e.SourceHostname, e.computer) THEN false
    WHEN e.SourceIp IN (SELECT ip FROM _kq_host_ips h WHERE h.device = e.device)
         AND e.DestinationIp NOT IN (SELECT ip FROM _kq_host_ips h WHERE h.device = e.device) THEN true
    WHEN e.DestinationIp IN (SELECT ip FROM _kq_host_ips h WHERE h.device = e.device)
         AND e.SourceIp NOT IN (SELECT ip FROM _kq_host_ips h WHERE h.device = e.device) THEN false
    WHEN e.SourceIp = e.DestinationIp THEN kq_int(e.SourcePort) < kq_int(e.DestinationPort)
    ELSE false END"""


def _network() -> dict[str, str]:
    local, remote = "e.source_is_local", "NOT e.source_is_local"
    return {
        "ActionType": "CASE WHEN lower(coalesce(e.Initiated, '')) = 'false' THEN 'InboundConnectionAccepted' ELSE 'ConnectionSuccess' END",
        "LocalIP": f"coalesce(CASE WHEN {local} THEN e.SourceIp ELSE e.DestinationIp END, '')",
        "LocalPort": f"CAST(kq_int(CASE WHEN {local} THEN e.SourcePort ELSE e.DestinationPort END) AS INTEGER)",
        "RemoteIP": f"coalesce(CASE WHEN {remote} THEN e.SourceIp ELSE e.DestinationIp END, '')",
        "RemotePort": f"CAST(kq_int(CASE WHEN {remote} THEN e.SourcePort ELSE e.DestinationPort END) AS INTEGER)",
        "RemoteUrl": f"kq_text(CASE WHEN {remote} THEN e.SourceHostname ELSE e.DestinationHostname END)",
        "LocalIPType": f"kq_iptype(CASE WHEN {local} THEN e.SourceIp ELSE e.DestinationIp END)",
        "RemoteIPType": f"kq_iptype(CASE WHEN {remote} THEN e.SourceIp ELSE e.DestinationIp END)",
        "Protocol": "CASE lower(coalesce(e.Protocol, '')) WHEN 'tcp' THEN 'Tcp' WHEN 'udp' THEN 'Udp' "
                    "WHEN 'icmp' THEN 'Icmp' ELSE coalesce(e.Protocol, '') END",
    }


@dataclass(frozen=True, eq=False)
class TableMap:
    table: str
    provider: str  # which events feed the table
    event_ids: tuple[int, ...]
    timestamp: str  # the event time: its text (kq_time of it is Timestamp; failing to read it rejects the event)
    columns: dict[str, str]
    process_key: str = "e.ProcessGuid"  # whose catalogue entry is p
    extra: dict[str, str] = field(default_factory=dict)  # kept in AdditionalFields (a JSON object)

    @property
    def source(self) -> str:
        """The SQL condition that selects the table's events."""
        ids = ", ".join(str(number) for number in self.event_ids)
        return f"e.provider = '{self.provider}' AND e.event_id IN ({ids})"


TABLE_MAPS = (
    TableMap(
        "DeviceProcessEvents", SYSMON_PROVIDER, (1,), "e.UtcTime",
        {
            **_DEVICE, "ActionType": "'ProcessCreated'",
            "FileName": "kq_base(e.Image)", "FolderPath": "coalesce(e.Image, '')",
            "SHA1": "kq_hash(e.Hashes, 'SHA1')", "SHA256": "kq_hash(e.Hashes, 'SHA256')", "MD5": "kq_hash(e.Hashes, 'MD5')",
            "ProcessVersionInfoCompanyName": "coalesce(e.Company, '')",
            "ProcessVersionInfoProductName": "coalesce(e.Product, '')",
            "ProcessVersionInfoProductVersion": "coalesce(e.FileVersion, '')",
            "ProcessVersionInfoOriginalFileName": "coalesce(e.OriginalFileName, '')",
            "ProcessVersionInfoFileDescription": "coalesce(e.Description, '')",
            "ProcessId": "coalesce(kq_int(e.ProcessId), own.pid)",
            "ProcessCommandLine": "coalesce(e.CommandLine, '')",
            "ProcessIntegrityLevel": "coalesce(e.IntegrityLevel, '')",
            "ProcessCreationTime": "kq_time(e.UtcTime)",
            "AccountDomain": "kq_domain(e.User)", "AccountName": "kq_account(e.User)",
            "LogonId": "kq_int(e.LogonId)",
            "CreatedProcessSessionId": "kq_int(e.TerminalSessionId)",
            "ProcessUniqueId": "coalesce(kq_guid(e.ProcessGuid), '')",
            **_PARENT,
        },
        process_key="e.ParentProcessGuid",
        extra={"SysmonEventId": "e.event_id", "ProcessGuid": "e.ProcessGuid", "ParentProcessGuid": "e.ParentProcessGuid",
               "LogonGuid": "e.LogonGuid", "CurrentDirectory": "e.CurrentDirectory", "RuleName": "kq_text(e.RuleName)",
               "Imphash": "kq_hash(e.Hashes, 'IMPHASH')"},
    ),
    TableMap(
        "DeviceNetworkEvents", SYSMON_PROVIDER, (3,), "e.UtcTime",
        {**_DEVICE, **_network(), **_ACTOR},
        extra={"SysmonEventId": "e.event_id", "ProcessGuid": "e.ProcessGuid", "Initiated": "e.Initiated",
               "SourceHostname": "kq_text(e.SourceHostname)", "DestinationHostname": "kq_text(e.DestinationHostname)",
               "RuleName": "kq_text(e.RuleName)"},
    ),
    TableMap(
        "DeviceImageLoadEvents", SYSMON_PROVIDER, (7,), "e.UtcTime",
        {**_DEVICE, "ActionType": "'ImageLoaded'", "FileName": "kq_base(e.ImageLoaded)",
         "FolderPath": "coalesce(e.ImageLoaded, '')", "SHA1": "kq_hash(e.Hashes, 'SHA1')",
         "SHA256": "kq_hash(e.Hashes, 'SHA256')", "MD5": "kq_hash(e.Hashes, 'MD5')", **_ACTOR},
    ),
    TableMap(
        "DeviceFileEvents", SYSMON_PROVIDER, (11,), "e.UtcTime",
        {**_DEVICE, "ActionType": "'FileCreated'", "FileName": "kq_base(e.TargetFilename)",
         "FolderPath": "coalesce(e.TargetFilename, '')", **_ACTOR},
        extra={"SysmonEventId": "e.event_id", "ProcessGuid": "e.ProcessGuid", "CreationUtcTime": "e.CreationUtcTime"},
    ),
    TableMap(
        "DeviceRegistryEvents", SYSMON_PROVIDER, (12, 13, 14), "e.UtcTime",
        {**_DEVICE,
         "ActionType": """CASE
             WHEN e.event_id = 13 THEN 'RegistryValueSet'
             WHEN e.event_id = 14 THEN 'RegistryKeyRenamed'
             WHEN lower(e.EventType) = 'deletekey' THEN 'RegistryKeyDeleted'
             WHEN lower(e.EventType) = 'deletevalue' THEN 'RegistryValueDeleted'
             ELSE 'RegistryKeyCreated' END""",
         # value events name key\value in TargetObject; key events name the key
         "RegistryKey": """CASE WHEN e.event_id = 13 OR lower(e.EventType) = 'deletevalue'
             THEN kq_regkey(regexp_extract(e.TargetObject, '^(.*)\\\\[^\\\\]*$', 1))
             WHEN e.event_id = 14 THEN kq_regkey(e.NewName) ELSE kq_regkey(e.TargetObject) END""",
         "RegistryValueName": """CASE WHEN e.event_id = 13 OR lower(e.EventType) = 'deletevalue'
             THEN regexp_extract(e.TargetObject, '[^\\\\]*$') ELSE '' END""",
         "RegistryValueData": "CASE WHEN e.event_id = 13 THEN coalesce(e.Details, '') ELSE '' END",
         "RegistryValueType": """CASE WHEN e.event_id <> 13 THEN ''
             WHEN e.Details LIKE 'DWORD%' THEN 'Dword' WHEN e.Details LIKE 'QWORD%' THEN 'Qword'
             WHEN e.Details LIKE 'Binary%' THEN 'Binary' ELSE 'String' END""",
         "PreviousRegistryKey": "CASE WHEN e.event_id = 14 THEN kq_regkey(e.TargetObject) ELSE '' END",
         **_ACTOR},
    ),
    TableMap(
        "DeviceLogonEvents", SECURITY_PROVIDER, (4624, 4625), "e.time_created",
        {**_DEVICE,
         "ActionType": "CASE WHEN e.event_id = 4624 THEN 'LogonSuccess' ELSE 'LogonFailed' END",
         "LogonType": "coalesce(e.logon_type_name, kq_text(e.LogonType))",
         "AccountDomain": "lower(kq_text(e.TargetDomainName))", "AccountName": "lower(kq_text(e.TargetUserName))",
         "AccountSid": "kq_text(e.TargetUserSid)", "Protocol": "kq_text(e.AuthenticationPackageName)",
         "FailureReason": "CASE WHEN e.event_id = 4625 THEN kq_text(coalesce(nullif(e.FailureReason, ''), e.SubStatus, e.Status)) ELSE '' END",
         "LogonId": "kq_int(e.TargetLogonId)",
         "RemoteDeviceName": "kq_text(e.WorkstationName)", "RemoteIP": "kq_text(e.IpAddress)",
         "RemoteIPType": "kq_iptype(kq_text(e.IpAddress))", "RemotePort": "CAST(kq_int(kq_text(e.IpPort)) AS INTEGER)",
         "InitiatingProcessFileName": "kq_base(kq_text(e.ProcessName))",
         "InitiatingProcessFolderPath": "kq_text(e.ProcessName)",
         "InitiatingProcessId": "nullif(kq_int(e.ProcessId), 0)",
         "InitiatingProcessAccountDomain": "lower(kq_text(e.SubjectDomainName))",
         "InitiatingProcessAccountName": "lower(kq_text(e.SubjectUserName))",
         "InitiatingProcessAccountSid": "kq_text(e.SubjectUserSid)"},
        process_key="NULL",
        extra={"SecurityEventId": "e.event_id", "LogonProcessName": "kq_text(e.LogonProcessName)"},
    ),
)


# (provider, event id) of every event some table takes: the readers stage only these.
MAPPED_EVENTS = frozenset((mapping.provider, number) for mapping in TABLE_MAPS for number in mapping.event_ids)


# the columns naming each mapped row's origin (the caller sets aside the rows whose time is unreadable)
REJECT_FILE, REJECT_POSITION, REJECT_VALUE = "_kq_file", "_kq_position", "_kq_time_text"


@cache
def mapping_sql() -> dict[str, Any]:
    """Every statement of the staging and the mapping, as text ("tables": one per TABLE_MAPS entry), kept
    between runs by sql_cache."""
    return cached("sysmon-map", mapping_sql_inputs(), "", _build_mapping_sql)


def mapping_sql_inputs() -> list[Path]:
    """The files the mapping's SQL is built from: a change to any of them (SQLGlot's version file among them)
    builds it again. Found without importing SQLGlot, which a cached run does not need."""
    sqlglot = importlib.util.find_spec("sqlglot")
    version = Path(sqlglot.origin).with_name("_version.py") if sqlglot and sqlglot.origin else None
    here = Path(__file__)
    return [here, here.with_name("sysmon_sql.py"), Path(schemas.__file__),
            Path(schemas.__file__).with_name("tables.tsv.gz"), *([version] if version else [])]


def _build_mapping_sql() -> dict[str, Any]:
    from kqlite.ingest import sysmon_sql

    return sysmon_sql.build_mapping_sql()
