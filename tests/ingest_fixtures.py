"""Windows event fixtures for the ingest tests, written by the tests themselves.

One event is an ``Event`` (provider, id, record number, computer, EventData fields); the same events render
as an Event Viewer XML export, Winlogbeat (ECS) JSON lines or NXLog JSON lines, so that every reader can be
checked against the same expected Defender rows. The scenario ``mmc20_events`` is an MMC20.Application DCOM
lateral movement as Sysmon logs it on Windows 10 (an inbound event names the remote initiator as Source).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from xml.sax.saxutils import escape, quoteattr

SYSMON = "Microsoft-Windows-Sysmon"
SYSMON_CHANNEL = "Microsoft-Windows-Sysmon/Operational"
SECURITY = "Microsoft-Windows-Security-Auditing"
EVENT_NS = "http://schemas.microsoft.com/win/2004/08/events/event"


@dataclass
class Event:
    event_id: int
    record_id: int
    computer: str
    data: dict[str, str]
    provider: str = SYSMON
    channel: str = SYSMON_CHANNEL
    system_time: str = ""  # TimeCreated/@SystemTime (UTC); Sysmon tables use UtcTime instead
    extra: dict[str, str] = field(default_factory=dict)


def xml_event(event: Event) -> str:
    """One <Event> element on one line, as Event Viewer's "Save as XML" writes it."""
    data = "".join(f"<Data Name={quoteattr(key)}>{escape(value)}</Data>" for key, value in event.data.items())
    time_created = event.system_time or _utc_to_system_time(event.data.get("UtcTime", "2024-01-01 00:00:00.000"))
    return (f"<Event xmlns='{EVENT_NS}'><System><Provider Name='{event.provider}'/>"
            f"<EventID>{event.event_id}</EventID><Version>5</Version><Level>4</Level>"
            f"<TimeCreated SystemTime='{time_created}'/><EventRecordID>{event.record_id}</EventRecordID>"
            f"<Correlation/><Execution ProcessID='1812' ThreadID='2768'/><Channel>{event.channel}</Channel>"
            f"<Computer>{escape(event.computer)}</Computer><Security UserID='S-1-5-18'/></System>"
            f"<EventData>{data}</EventData></Event>")


def events_xml(events: list[Event]) -> str:
    """An XML export: a declaration, <Events>, one event a line, </Events>."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<Events>", *(xml_event(e) for e in events), "</Events>"]
    return "\n".join(lines) + "\n"


def winlogbeat_line(event: Event) -> str:
    """Winlogbeat 7/8 (ECS): the EventData under winlog.event_data, record and ids as text."""
    return json.dumps({
        "@timestamp": event.system_time or _utc_to_system_time(event.data.get("UtcTime", "2024-01-01 00:00:00")),
        "event": {"code": str(event.event_id), "provider": event.provider, "kind": "event"},
        "host": {"name": event.computer.split(".")[0].lower()},
        "winlog": {"channel": event.channel, "computer_name": event.computer, "event_id": str(event.event_id),
                   "provider_name": event.provider, "record_id": str(event.record_id), "api": "wineventlog",
                   "event_data": event.data},
        "agent": {"type": "winlogbeat", "version": "8.12.0"},
    })


def nxlog_line(event: Event, utc_offset_hours: int = 1) -> str:
    """NXLog im_msvistalog through Logstash, as in the OTRF Security-Datasets: flat EventData beside the
    envelope, EventTime in the host's local time (UTC + `utc_offset_hours`), @timestamp in UTC."""
    utc = _system_time(event)
    local = utc + timedelta(hours=utc_offset_hours)
    received_utc = utc + timedelta(seconds=2)
    envelope = {
        "EventTime": local.strftime("%Y-%m-%d %H:%M:%S"), "Hostname": event.computer, "Keywords": -9223372036854775808,
        "EventType": "INFO", "SeverityValue": 2, "Severity": "INFO", "EventID": event.event_id,
        "SourceName": event.provider, "ProviderGuid": "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}", "Version": 5,
        "Task": 1, "OpcodeValue": 0, "RecordNumber": event.record_id, "ExecutionProcessID": 1812, "ThreadID": 2768,
        "Channel": event.channel, "Domain": "NT AUTHORITY", "AccountName": "SYSTEM", "UserID": "S-1-5-18",
        "AccountType": "User", "Category": "Event", "Opcode": "Info", "Message": "Event text",
        "EventReceivedTime": (received_utc + timedelta(hours=utc_offset_hours)).strftime("%Y-%m-%d %H:%M:%S"),
        "SourceModuleName": "eventlog", "SourceModuleType": "im_msvistalog",
        "@timestamp": received_utc.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z", "@version": "1",
        "host": "wec.internal.cloudapp.net", "port": 60122, "tags": ["mordorDataset"],
    }
    return json.dumps({**envelope, **event.data})


def _system_time(event: Event) -> datetime:
    text = event.system_time or event.data.get("UtcTime", "")
    return datetime.fromisoformat(text.replace("Z", "").replace("T", " ")[:26])


def _utc_to_system_time(utc: str) -> str:
    return utc.replace(" ", "T") + "0000Z" if "." in utc else utc.replace(" ", "T") + ".0000000Z"


# --- the MMC20 scenario ----------------------------------------------------------------------------------

COMPUTER = "WKS10.corp.local"
DEVICE = "wks10.corp.local"
HOST_IP = "10.0.0.5"
ATTACKER_IP = "10.0.0.99"
GUID_SERVICES = "{6f1d0c2e-0000-0000-0100-000000000a00}"
GUID_SVCHOST = "{6f1d0c2e-0001-0000-0100-000000000a00}"
GUID_MMC = "{6f1d0c2e-0002-0000-0100-000000000a00}"
GUID_CMD1 = "{6f1d0c2e-0003-0000-0100-000000000a00}"
GUID_CMD2 = "{6f1d0c2e-0004-0000-0100-000000000a00}"
SVCHOST = r"C:\Windows\System32\svchost.exe"
SVCHOST_CMD = r"C:\Windows\system32\svchost.exe -k DcomLaunch"
MMC = r"C:\Windows\System32\mmc.exe"
MMC_CMD = r"C:\Windows\system32\mmc.exe -Embedding"
CMD = r"C:\Windows\System32\cmd.exe"
CMD1_LINE = r'"C:\Windows\System32\cmd.exe" /Q /c whoami /all 1> \\127.0.0.1\ADMIN$\__1709287502.5 2>&1'
CMD2_LINE = r'"C:\Windows\System32\cmd.exe" /Q /c ipconfig 1> \\127.0.0.1\ADMIN$\__1709287503.1 2>&1'
MMC_HASHES = ("SHA1=A1B2C3D4E5F60718293A4B5C6D7E8F9012345678,MD5=0123456789ABCDEF0123456789ABCDEF,"
              "SHA256=ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789,"
              "IMPHASH=FEDCBA9876543210FEDCBA9876543210")


def process_create(record_id: int, utc: str, guid: str, pid: int, image: str, command_line: str, user: str,
                   parent_guid: str, parent_pid: int, parent_image: str, parent_command_line: str,
                   computer: str = COMPUTER, hashes: str = "SHA1=00,MD5=00,SHA256=00", logon_id: str = "0x3e7",
                   ) -> Event:
    return Event(1, record_id, computer, {
        "RuleName": "-", "UtcTime": utc, "ProcessGuid": guid, "ProcessId": str(pid), "Image": image,
        "FileVersion": "10.0.19041.1 (WinBuild.160101.0800)", "Description": "description of " + image.split("\\")[-1],
        "Product": "Microsoft® Windows® Operating System", "Company": "Microsoft Corporation",
        "OriginalFileName": image.split("\\")[-1].upper(), "CommandLine": command_line,
        "CurrentDirectory": "C:\\Windows\\system32\\", "User": user,
        "LogonGuid": "{6f1d0c2e-aaaa-0000-0000-000000000000}", "LogonId": logon_id, "TerminalSessionId": "1",
        "IntegrityLevel": "High", "Hashes": hashes, "ParentProcessGuid": parent_guid,
        "ParentProcessId": str(parent_pid), "ParentImage": parent_image, "ParentCommandLine": parent_command_line,
    })


def network_connect(record_id: int, utc: str, guid: str, pid: int, image: str, user: str, protocol: str,
                    initiated: bool, source: tuple[str, str, int], destination: tuple[str, str, int],
                    computer: str = COMPUTER, empty_hostname: str = "") -> Event:
    """Sysmon 3; `source`/`destination` are (ip, hostname, port) as the event writes them."""
    return Event(3, record_id, computer, {
        "RuleName": "-", "UtcTime": utc, "ProcessGuid": guid, "ProcessId": str(pid), "Image": image, "User": user,
        "Protocol": protocol, "Initiated": "true" if initiated else "false", "SourceIsIpv6": "false",
        "SourceIp": source[0], "SourceHostname": source[1] or empty_hostname, "SourcePort": str(source[2]),
        "SourcePortName": "", "DestinationIsIpv6": "false", "DestinationIp": destination[0],
        "DestinationHostname": destination[1] or empty_hostname, "DestinationPort": str(destination[2]),
        "DestinationPortName": "",
    })


def mmc20_events(empty_hostname: str = "") -> list[Event]:
    """An MMC20.Application DCOM attack on WKS10 (10.0.0.5) from 10.0.0.99, in the order Sysmon wrote it:
    the network events were buffered and come first, before the process creations they refer to.

    services.exe (600) -> svchost.exe -k DcomLaunch (612) -> mmc.exe -Embedding (3572) -> cmd.exe (1504, 3372);
    mmc.exe accepts 10.0.0.99:50123 on 10.0.0.5:49163; svchost queries DNS at 10.0.0.1:53 over UDP."""
    return [
        network_connect(201, "2024-03-01 10:05:01.250", GUID_MMC, 3572, MMC, r"CORP\Alice", "tcp", False,
                        (ATTACKER_IP, "", 50123), (HOST_IP, "", 49163), empty_hostname=empty_hostname),
        network_connect(202, "2024-03-01 10:05:01.400", GUID_SVCHOST, 612, SVCHOST, r"NT AUTHORITY\SYSTEM", "udp",
                        True, (HOST_IP, "", 61000), ("10.0.0.1", "dc01.corp.local", 53), empty_hostname=empty_hostname),
        process_create(100, "2024-03-01 08:00:00.000", GUID_SVCHOST, 612, SVCHOST, SVCHOST_CMD,
                       r"NT AUTHORITY\SYSTEM", GUID_SERVICES, 600, r"C:\Windows\System32\services.exe",
                       r"C:\Windows\system32\services.exe"),
        process_create(101, "2024-03-01 10:05:00.500", GUID_MMC, 3572, MMC, MMC_CMD, r"CORP\Alice",
                       GUID_SVCHOST, 612, SVCHOST, SVCHOST_CMD, hashes=MMC_HASHES, logon_id="0x1A2B3C"),
        process_create(203, "2024-03-01 10:05:02.000", GUID_CMD1, 1504, CMD, CMD1_LINE, r"CORP\Alice",
                       GUID_MMC, 3572, MMC, MMC_CMD, logon_id="0x1A2B3C"),
        process_create(204, "2024-03-01 10:05:03.125", GUID_CMD2, 3372, CMD, CMD2_LINE, r"CORP\Alice",
                       GUID_MMC, 3572, MMC, MMC_CMD, logon_id="0x1A2B3C"),
    ]


def benign_mmc_events() -> list[Event]:
    """A second device where an admin started mmc.exe from explorer.exe (not DcomLaunch): it accepts a
    connection and starts cmd.exe, but it is no DCOM server: the seed rule must not fire on it."""
    computer = "ADMIN01.corp.local"
    explorer = r"C:\Windows\explorer.exe"
    return [
        process_create(1, "2024-03-01 09:00:00.000", "{aa000000-0001-0000-0000-000000000000}", 4000, MMC,
                       MMC, r"CORP\Admin", "{aa000000-0000-0000-0000-000000000000}", 3000, explorer, explorer,
                       computer=computer),
        network_connect(2, "2024-03-01 09:00:01.000", "{aa000000-0001-0000-0000-000000000000}", 4000, MMC,
                        r"CORP\Admin", "tcp", False, ("10.0.0.77", "", 50000), ("10.0.0.8", "", 49200),
                        computer=computer),
        process_create(3, "2024-03-01 09:00:02.000", "{aa000000-0002-0000-0000-000000000000}", 4100, CMD, "cmd.exe",
                       r"CORP\Admin", "{aa000000-0001-0000-0000-000000000000}", 4000, MMC, MMC, computer=computer),
    ]


def logon_4624(record_id: int, system_time: str, computer: str = COMPUTER) -> Event:
    """Security 4624: a network logon (type 3) of CORP\\Alice from 10.0.0.99 with NTLM."""
    return Event(4624, record_id, computer, {
        "SubjectUserSid": "S-1-0-0", "SubjectUserName": "-", "SubjectDomainName": "-", "SubjectLogonId": "0x0",
        "TargetUserSid": "S-1-5-21-1111111111-2222222222-3333333333-1104", "TargetUserName": "Alice",
        "TargetDomainName": "CORP", "TargetLogonId": "0x1a2b", "LogonType": "3", "LogonProcessName": "NtLmSsp ",
        "AuthenticationPackageName": "NTLM", "WorkstationName": "ATTACKER", "LogonGuid": "{00000000-0000-0000-0000-000000000000}",
        "TransmittedServices": "-", "LmPackageName": "NTLM V2", "KeyLength": "128", "ProcessId": "0x0",
        "ProcessName": "-", "IpAddress": ATTACKER_IP, "IpPort": "50200", "ImpersonationLevel": "%%1833",
    }, provider=SECURITY, channel="Security", system_time=system_time)
