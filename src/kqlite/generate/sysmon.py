"""`sysmon-evtx-xml`: the same telemetry as Windows event XML, as Event Viewer "Save as XML" writes it.

One file per device, DIR/<devicename>.xml = <Events><Event xmlns=...>...</Event>...</Events>, holding
Sysmon events (Microsoft-Windows-Sysmon/Operational) EID 1 process create (DeviceProcessEvents), EID 3
network connection (InboundConnectionAccepted -> Initiated=false, ConnectionSuccess -> true; inbound
uses the Windows 10 convention: Source = remote initiator, Destination = this host), EID 7 image loaded,
EID 11 file create (FileCreated rows), and Security 4624/4625 logons (DeviceLogonEvents).

EventRecordID = the row's ReportId (unique per device across tables), so labels.jsonl maps onto the XML.
ProcessGuid is derived from ProcessUniqueId (parents from InitiatingProcessUniqueId), so a reader can rebuild
every process tree from ProcessGuid/ParentProcessGuid alone.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kqlite.generate.events import FILE, IMAGE, LOGON, NETWORK, PROCESS
from kqlite.generate.model import Estate
from kqlite.generate.writers import Writer

NS = "http://schemas.microsoft.com/win/2004/08/events/event"
SYSMON = '<Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"/>'
SECURITY = '<Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-a5ba-3e3b0328c30d}"/>'
SYSMON_CHANNEL = "Microsoft-Windows-Sysmon/Operational"
PORT_NAMES = {53: "domain", 80: "http", 88: "kerberos", 123: "ntp", 135: "epmap", 137: "netbios-ns", 138: "netbios-dgm",
              139: "netbios-ssn", 389: "ldap", 443: "https", 445: "microsoft-ds", 636: "ldaps", 3268: "msft-gc", 5353: "mdns",
              5355: "llmnr", 5357: "wsdapi", 5985: "wsman"}
LOGON_TYPES = {"Interactive": 2, "Network": 3, "Batch": 4, "Service": 5, "Unlock": 7, "RemoteInteractive": 10}
WELL_KNOWN = {"nt authority", "window manager", "font driver host"}
SLICE = 5_000  # events rendered at a time (bounds memory)
# Sysmon record fields -> the row columns they come from, per table (only what the renderers read).
COLUMNS = {
    PROCESS: ("Timestamp", "ReportId", "DeviceName", "ProcessUniqueId", "ProcessId", "FolderPath", "ProcessVersionInfoProductVersion",
              "ProcessVersionInfoFileDescription", "ProcessVersionInfoProductName", "ProcessVersionInfoCompanyName",
              "ProcessVersionInfoOriginalFileName", "ProcessCommandLine", "AccountDomain", "AccountName", "LogonId",
              "CreatedProcessSessionId", "ProcessIntegrityLevel", "SHA1", "MD5", "SHA256", "InitiatingProcessUniqueId",
              "InitiatingProcessId", "InitiatingProcessFolderPath", "InitiatingProcessCommandLine",
              "InitiatingProcessAccountDomain", "InitiatingProcessAccountName"),
    NETWORK: ("Timestamp", "ReportId", "DeviceName", "ActionType", "InitiatingProcessUniqueId", "InitiatingProcessId",
              "InitiatingProcessFolderPath", "InitiatingProcessAccountDomain", "InitiatingProcessAccountName", "Protocol",
              "LocalIP", "LocalPort", "RemoteIP", "RemotePort", "RemoteUrl"),
    IMAGE: ("Timestamp", "ReportId", "DeviceName", "InitiatingProcessUniqueId", "InitiatingProcessId", "InitiatingProcessFolderPath",
            "FolderPath", "SHA1", "MD5", "SHA256", "InitiatingProcessAccountDomain", "InitiatingProcessAccountName"),
    FILE: ("Timestamp", "ReportId", "DeviceName", "ActionType", "InitiatingProcessUniqueId", "InitiatingProcessId",
           "InitiatingProcessFolderPath", "FolderPath", "InitiatingProcessAccountDomain", "InitiatingProcessAccountName"),
    LOGON: ("Timestamp", "ReportId", "DeviceName", "ActionType", "LogonType", "AccountDomain", "AccountName", "AccountSid",
            "Protocol", "LogonId", "RemoteDeviceName", "RemoteIP", "RemotePort", "IsLocalAdmin", "InitiatingProcessId",
            "InitiatingProcessFolderPath"),
}


def _time(value: datetime, sep: str = "T", suffix: str = "Z") -> str:
    return value.astimezone(UTC).strftime(f"%Y-%m-%d{sep}%H:%M:%S.%f")[:-3] + suffix


def _user(domain: str, name: str) -> str:
    if not name:
        return "-"
    if domain in WELL_KNOWN:
        return f"{domain.upper()}\\{name.upper()}"
    return f"{domain.upper()}\\{name}" if domain else name


@lru_cache(maxsize=256)
def _open_tag(name: str) -> str:
    return f"<Data Name={quoteattr(name)}>"


def _data(fields: list[tuple[str, object]]) -> str:
    return "".join(f"{_open_tag(k)}{escape(v) if isinstance(v, str) else ('' if v is None else v)}</Data>" for k, v in fields)


@lru_cache(maxsize=1 << 16)
def _guid(device_id: str, unique_id: str) -> str:
    if not unique_id:
        return "{00000000-0000-0000-0000-000000000000}"
    u = f"{int(unique_id):016x}"
    return f"{{{device_id[:8]}-{u[0:4]}-{u[4:8]}-{u[8:12]}-{u[12:16]}{device_id[8:16]}}}"


class SysmonXmlOut(Writer):
    def __init__(self, out_dir: Path, tables: tuple[str, ...], estate: Estate) -> None:
        super().__init__(out_dir, tables)
        self.estate = estate
        self.device_id = {d.name: d.device_id for d in estate.devices}
        self.short = {d.name: d.short.upper() for d in estate.devices}
        self.lsass_pid: dict[str, int] = {}
        catalog = estate.catalog
        self.files = {catalog.entry(i).path: catalog.entry(i) for i in range(len(catalog)) if catalog.entry(i).path}
        self._started: set[str] = set()

    # --- identifiers ------------------------------------------------------------------------------------------

    def guid(self, device: str, unique_id: str) -> str:
        """A Sysmon-style GUID that is the same wherever the process appears (own events, children)."""
        return _guid(self.device_id[device], unique_id)

    def logon_guid(self, device: str, logon: int | None) -> str:
        return f"{{{self.device_id[device][:8]}-0000-0000-0000-{(logon or 0) & 0xFFFFFFFFFFFF:012x}}}"

    @staticmethod
    def _hashes(sha1: str, md5: str, sha256: str) -> str:
        if not sha1:
            return "-"
        imphash = hashlib.md5(sha256.encode()).hexdigest()
        return f"SHA1={sha1.upper()},MD5={md5.upper()},SHA256={sha256.upper()},IMPHASH={imphash.upper()}"

    def _event(self, eid: int, version: int, task: int, when: datetime, record: int, device: str, body: str,
               sysmon: bool = True) -> str:
        if sysmon:
            system = (f"{SYSMON}<EventID>{eid}</EventID><Version>{version}</Version><Level>4</Level><Task>{task}</Task>"
                      f"<Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>"
                      f'<TimeCreated SystemTime="{when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")}Z"/>'
                      f'<EventRecordID>{record}</EventRecordID><Correlation/><Execution ProcessID="3216" ThreadID="4052"/>'
                      f"<Channel>{SYSMON_CHANNEL}</Channel><Computer>{escape(device)}</Computer>"
                      f'<Security UserID="S-1-5-18"/>')
        else:
            lsass = self.lsass_pid.get(device, 0)
            system = (f"{SECURITY}<EventID>{eid}</EventID><Version>{version}</Version><Level>0</Level><Task>{task}</Task>"
                      f"<Opcode>0</Opcode><Keywords>{'0x8020000000000000' if eid == 4624 else '0x8010000000000000'}</Keywords>"
                      f'<TimeCreated SystemTime="{when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")}Z"/>'
                      f'<EventRecordID>{record}</EventRecordID><Correlation/><Execution ProcessID="{lsass}" ThreadID="812"/>'
                      f"<Channel>Security</Channel><Computer>{escape(device)}</Computer><Security/>")
        return f'<Event xmlns="{NS}"><System>{system}</System><EventData>{body}</EventData></Event>'

    # --- per table ------------------------------------------------------------------------------------------------

    def _process(self, r: dict) -> str:
        dev = r["DeviceName"]
        user = _user(r["AccountDomain"], r["AccountName"])
        home = "C:\\Windows\\system32\\" if r["AccountDomain"] in WELL_KNOWN or not r["AccountName"] else \
            f"C:\\Users\\{r['AccountName']}\\"
        body = _data([
            ("RuleName", "-"), ("UtcTime", _time(r["Timestamp"], " ", "")), ("ProcessGuid", self.guid(dev, r["ProcessUniqueId"])),
            ("ProcessId", r["ProcessId"]), ("Image", r["FolderPath"]), ("FileVersion", r["ProcessVersionInfoProductVersion"] or "-"),
            ("Description", r["ProcessVersionInfoFileDescription"] or "-"), ("Product", r["ProcessVersionInfoProductName"] or "-"),
            ("Company", r["ProcessVersionInfoCompanyName"] or "-"),
            ("OriginalFileName", r["ProcessVersionInfoOriginalFileName"] or "-"), ("CommandLine", r["ProcessCommandLine"]),
            ("CurrentDirectory", home), ("User", user), ("LogonGuid", self.logon_guid(dev, r["LogonId"])),
            ("LogonId", hex(r["LogonId"] or 0)), ("TerminalSessionId", r["CreatedProcessSessionId"]),
            ("IntegrityLevel", r["ProcessIntegrityLevel"]), ("Hashes", self._hashes(r["SHA1"], r["MD5"], r["SHA256"])),
            ("ParentProcessGuid", self.guid(dev, r["InitiatingProcessUniqueId"])), ("ParentProcessId", r["InitiatingProcessId"]),
            ("ParentImage", r["InitiatingProcessFolderPath"] or "System"), ("ParentCommandLine", r["InitiatingProcessCommandLine"]),
            ("ParentUser", _user(r["InitiatingProcessAccountDomain"], r["InitiatingProcessAccountName"])),
        ])
        return self._event(1, 5, 1, r["Timestamp"], r["ReportId"], dev, body)

    def _network(self, r: dict) -> str | None:
        action = r["ActionType"]
        if action not in ("InboundConnectionAccepted", "ConnectionSuccess"):
            return None  # Sysmon logs established connections only
        dev = r["DeviceName"]
        inbound = action == "InboundConnectionAccepted"
        local = (r["LocalIP"], dev, r["LocalPort"])
        remote = (r["RemoteIP"], r["RemoteUrl"], r["RemotePort"])
        source, destination = (remote, local) if inbound else (local, remote)

        def side(prefix: str, ip: str, host: str, port: int | None) -> list[tuple[str, object]]:
            return [(f"{prefix}IsIpv6", str(":" in ip).lower()), (f"{prefix}Ip", ip), (f"{prefix}Hostname", host or "-"),
                    (f"{prefix}Port", port if port is not None else 0), (f"{prefix}PortName", PORT_NAMES.get(port or 0, "-"))]

        body = _data([
            ("RuleName", "-"), ("UtcTime", _time(r["Timestamp"], " ", "")), ("ProcessGuid", self.guid(dev, r["InitiatingProcessUniqueId"])),
            ("ProcessId", r["InitiatingProcessId"]), ("Image", r["InitiatingProcessFolderPath"] or "System"),
            ("User", _user(r["InitiatingProcessAccountDomain"], r["InitiatingProcessAccountName"])),
            ("Protocol", "udp" if r["Protocol"].lower().startswith("udp") else "tcp"), ("Initiated", str(not inbound).lower()),
            *side("Source", *source), *side("Destination", *destination),
        ])
        return self._event(3, 5, 3, r["Timestamp"], r["ReportId"], dev, body)

    def _image(self, r: dict) -> str:
        dev = r["DeviceName"]
        entry = self.files.get(r["FolderPath"])
        signed = bool(entry and entry.signature == "Valid")
        body = _data([
            ("RuleName", "-"), ("UtcTime", _time(r["Timestamp"], " ", "")), ("ProcessGuid", self.guid(dev, r["InitiatingProcessUniqueId"])),
            ("ProcessId", r["InitiatingProcessId"]), ("Image", r["InitiatingProcessFolderPath"]), ("ImageLoaded", r["FolderPath"]),
            ("FileVersion", (entry and entry.version) or "-"), ("Description", (entry and entry.description) or "-"),
            ("Product", (entry and entry.product) or "-"), ("Company", (entry and entry.company) or "-"),
            ("OriginalFileName", (entry and entry.original_name) or "-"), ("Hashes", self._hashes(r["SHA1"], r["MD5"], r["SHA256"])),
            ("Signed", str(signed).lower()), ("Signature", (entry and entry.company) if signed else "-"),
            ("SignatureStatus", "Valid" if signed else "Unavailable"),
            ("User", _user(r["InitiatingProcessAccountDomain"], r["InitiatingProcessAccountName"])),
        ])
        return self._event(7, 3, 7, r["Timestamp"], r["ReportId"], dev, body)

    def _file(self, r: dict) -> str | None:
        if r["ActionType"] != "FileCreated":
            return None
        dev = r["DeviceName"]
        body = _data([
            ("RuleName", "-"), ("UtcTime", _time(r["Timestamp"], " ", "")), ("ProcessGuid", self.guid(dev, r["InitiatingProcessUniqueId"])),
            ("ProcessId", r["InitiatingProcessId"]), ("Image", r["InitiatingProcessFolderPath"] or "System"),
            ("TargetFilename", r["FolderPath"]), ("CreationUtcTime", _time(r["Timestamp"], " ", "")),
            ("User", _user(r["InitiatingProcessAccountDomain"], r["InitiatingProcessAccountName"])),
        ])
        return self._event(11, 2, 11, r["Timestamp"], r["ReportId"], dev, body)

    def _logon(self, r: dict) -> str | None:
        dev = r["DeviceName"]
        ok = r["ActionType"] == "LogonSuccess"
        if r["ActionType"] not in ("LogonSuccess", "LogonFailed"):
            return None
        proto = r["Protocol"]
        network = r["LogonType"] == "Network"
        process = [("ProcessId", "0x0" if network else hex(r["InitiatingProcessId"] or 0)),
                   ("ProcessName", "-" if network else r["InitiatingProcessFolderPath"])]
        common = [("SubjectUserSid", "S-1-0-0" if network else "S-1-5-18"), ("SubjectUserName", "-" if network else f"{self.short[dev]}$"),
                  ("SubjectDomainName", "-" if network else "CORP"), ("SubjectLogonId", "0x0" if network else "0x3e7")]
        target = [("TargetUserName", r["AccountName"]), ("TargetDomainName", r["AccountDomain"].upper())]
        auth = [("LogonType", LOGON_TYPES.get(r["LogonType"], 3)),
                ("LogonProcessName", {"Kerberos": "Kerberos", "NTLM": "NtLmSsp "}.get(proto, "Advapi  ")),
                ("AuthenticationPackageName", {"Negotiate": "Negotiate"}.get(proto, proto)), ("WorkstationName", r["RemoteDeviceName"] or "-")]
        address = [("IpAddress", r["RemoteIP"] or "-"), ("IpPort", r["RemotePort"] if r["RemotePort"] is not None else "-")]
        if ok:
            body = _data(common + [("TargetUserSid", r["AccountSid"])] + target + [("TargetLogonId", hex(r["LogonId"] or 0))] + auth + [
                ("LogonGuid", self.logon_guid(dev, r["LogonId"]) if proto == "Kerberos" else "{00000000-0000-0000-0000-000000000000}"),
                ("TransmittedServices", "-"), ("LmPackageName", "NTLM V2" if proto == "NTLM" else "-"),
                ("KeyLength", 128 if proto == "NTLM" else 0)] + process + address + [
                ("ImpersonationLevel", "%%1833"), ("RestrictedAdminMode", "-"), ("TargetOutboundUserName", "-"),
                ("TargetOutboundDomainName", "-"), ("VirtualAccount", "%%1843"), ("TargetLinkedLogonId", "0x0"),
                ("ElevatedToken", "%%1842" if r["IsLocalAdmin"] else "%%1843")])
            return self._event(4624, 2, 12544, r["Timestamp"], r["ReportId"], dev, body, sysmon=False)
        body = _data(common + [("TargetUserSid", "S-1-0-0")] + target + [("Status", "0xc000006d"), ("FailureReason", "%%2313"),
                                                                          ("SubStatus", "0xc000006a")] + auth + [
            ("TransmittedServices", "-"), ("LmPackageName", "-"), ("KeyLength", 0)] + process + address)
        return self._event(4625, 0, 12544, r["Timestamp"], r["ReportId"], dev, body, sysmon=False)

    # --- writing ----------------------------------------------------------------------------------------------------

    def write(self, chunk: dict[str, pa.Table]) -> None:
        """Events of all tables, in time order per device, rendered and appended a slice at a time."""
        render = {PROCESS: self._process, NETWORK: self._network, IMAGE: self._image, FILE: self._file, LOGON: self._logon}
        tables = [t for t in (PROCESS, NETWORK, IMAGE, FILE, LOGON) if t in chunk and chunk[t].num_rows]
        # The Security channel's Execution/ProcessID is lsass's PID: from its creation row, or (when it started
        # before the recording) from the logon rows it initiated.
        for table, path, pid in ((LOGON, "InitiatingProcessFolderPath", "InitiatingProcessId"), (PROCESS, "FolderPath", "ProcessId")):
            if table not in tables:
                continue
            data = chunk[table]
            lsass = pc.ends_with(pc.ascii_lower(data.column(path).cast(pa.string())), "\\lsass.exe")
            for name, value in zip(*(data.filter(lsass).column(c).to_pylist() for c in ("DeviceName", pid)), strict=True):
                self.lsass_pid[name] = value
        if not tables:
            return
        time = np.concatenate([chunk[t].column("Timestamp").combine_chunks().cast(pa.int64()).to_numpy() for t in tables])
        report = np.concatenate([chunk[t].column("ReportId").combine_chunks().to_numpy() for t in tables])
        which = np.concatenate([np.full(chunk[t].num_rows, i) for i, t in enumerate(tables)])
        row = np.concatenate([np.arange(chunk[t].num_rows) for t in tables])
        order = np.lexsort((report, time))
        for start in range(0, len(order), SLICE):
            part = order[start:start + SLICE]
            xml: list[str | None] = [None] * len(part)
            device: list[str] = [""] * len(part)
            for i, table in enumerate(tables):
                positions = np.flatnonzero(which[part] == i)
                if not len(positions):
                    continue
                data = chunk[table].select(list(COLUMNS[table])).take(pa.array(row[part][positions]))
                columns = {name: data.column(name).to_pylist() for name in COLUMNS[table]}
                for j, position in enumerate(positions):
                    record = {name: values[j] for name, values in columns.items()}
                    xml[position] = render[table](record)
                    device[position] = record["DeviceName"]
            per_device: dict[str, list[str]] = {}
            for name, event in zip(device, xml, strict=True):
                if event is not None:
                    per_device.setdefault(name, []).append(event)
            for name, events in per_device.items():
                self._append(name, events)

    def _append(self, device: str, events: list[str]) -> None:
        path = self.out_dir / f"{device}.xml"
        first = device not in self._started
        with path.open("wb" if first else "ab") as handle:
            if first:
                self._started.add(device)
                self.paths.append(path)
                handle.write(b'<?xml version="1.0" encoding="utf-8" standalone="yes"?>\r\n<Events>\r\n')
            handle.write("\r\n".join(events).encode() + b"\r\n")

    def close(self) -> list[Path]:
        for path in self.paths:
            with path.open("ab") as handle:
                handle.write(b"</Events>\r\n")
        return self.paths
