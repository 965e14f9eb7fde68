"""A small, deterministic Defender-shaped data set for trying kqlite out.

``demo_tables()`` returns ``DeviceProcessEvents`` and ``DeviceNetworkEvents`` as pyarrow tables with every
column of the bundled schemas, in schema order. Four devices of the ``contoso.local`` domain have an
ordinary day on 2024-08-05 (boot chains, logons, explorer, chrome, services, DcomLaunch COM servers with
loopback-only traffic, WMI management over RPC port 135, SMB, a COM server crash handled by WerFault)
and exactly one DCOM lateral movement: an Impacket ``dcomexec.py -object MMC20`` session from
``ws-hr-022`` (10.0.2.19) against ``ws-fin-014`` (10.0.2.31). ``svchost.exe -k DcomLaunch -p`` launches
``mmc.exe -Embedding``, mmc.exe accepts the inbound connection on a dynamic port and spawns
``cmd.exe /Q /c <command> 1> \\\\127.0.0.1\\ADMIN$\\__17228 2>&1`` children.

Process trees are consistent: the ``InitiatingProcess*`` columns of a row describe a process whose own
creation event is an earlier row of ``DeviceProcessEvents`` (only the kernel ``System``, PID 4, has none)
and ``InitiatingProcessParent*`` describe that process's parent. Nothing depends on the current date and
nothing is random; hashes are derived from the image path with hashlib.

The "Remote DCOM Child Proc" seed rule returns three rows on this data: the three cmd.exe children of
mmc.exe, each with RemoteIP 10.0.2.19.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from kqlite.schemas import table_schema

__all__ = ["ATTACKER_IP", "DEMO_TABLES", "TARGET_DEVICE", "arrow_schema", "demo_tables", "write_demo"]

DEMO_TABLES = ("DeviceProcessEvents", "DeviceNetworkEvents")
DAY = datetime(2024, 8, 5, tzinfo=UTC)
ATTACKER_IP = "10.0.2.19"
TARGET_DEVICE = "ws-fin-014.contoso.local"

_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "long": pa.int64(),
    "int": pa.int32(),
    "datetime": pa.timestamp("us", tz="UTC"),
    "bool": pa.bool_(),
    "dynamic": pa.string(),  # JSON text
    "real": pa.float64(),
    "double": pa.float64(),
    "guid": pa.string(),
    "timespan": pa.duration("us"),
}


def arrow_schema(table: str) -> pa.Schema:
    """The pyarrow schema matching a bundled Defender table schema (dynamic columns hold JSON text)."""
    columns = table_schema(table)
    if columns is None:
        raise KeyError(f"unknown table {table!r}")
    return pa.schema([pa.field(name, _ARROW_TYPES[kql_type]) for name, kql_type in columns])


# ---------------------------------------------------------------------------------------------------
# Entities: images (files on disk), accounts, devices, process instances
# ---------------------------------------------------------------------------------------------------

WINDOWS_PRODUCT = "Microsoft® Windows® Operating System"
WINDOWS_VERSION = "10.0.19041.4648"


@dataclass(frozen=True)
class Image:
    file_name: str
    folder: str
    description: str
    size: int
    internal_name: str = ""
    original_name: str = ""
    company: str = "Microsoft Corporation"
    product: str = WINDOWS_PRODUCT
    version: str = WINDOWS_VERSION
    signer: str = "OsVendor"

    @property
    def path(self) -> str:
        return f"{self.folder}\\{self.file_name}" if self.folder else ""

    def digest(self, algorithm: str) -> str:
        if not self.folder:  # the kernel pseudo-process has no image file
            return ""
        return hashlib.new(algorithm, f"{self.path.lower()}|{self.version}".encode()).hexdigest()


def _image(file_name: str, folder: str, description: str, size: int, **more: str) -> Image:
    stem = file_name.rsplit(".", 1)[0]
    return Image(
        file_name,
        folder,
        description,
        size,
        internal_name=more.pop("internal_name", stem),
        original_name=more.pop("original_name", file_name),
        **more,
    )


_SYS32 = r"C:\Windows\System32"
KERNEL = Image("System", "", "NT Kernel & System", 0, signer="")
IMAGES: dict[str, Image] = {
    image.file_name: image
    for image in [
        _image("smss.exe", _SYS32, "Windows Session Manager", 152064),
        _image("wininit.exe", _SYS32, "Windows Start-Up Application", 444416),
        _image("winlogon.exe", _SYS32, "Windows Logon Application", 912384),
        _image("services.exe", _SYS32, "Services and Controller app", 721376),
        _image("lsass.exe", _SYS32, "Local Security Authority Process", 59920),
        _image("svchost.exe", _SYS32, "Host Process for Windows Services", 55320),
        _image("userinit.exe", _SYS32, "Userinit Logon Application", 31744),
        _image("explorer.exe", r"C:\Windows", "Windows Explorer", 5436872, original_name="EXPLORER.EXE"),
        _image("RuntimeBroker.exe", _SYS32, "Runtime Broker", 138512),
        _image("dllhost.exe", _SYS32, "COM Surrogate", 21312),
        _image("WmiPrvSE.exe", rf"{_SYS32}\wbem", "WMI Provider Host", 496640, original_name="Wmiprvse.exe"),
        _image(
            "unsecapp.exe",
            rf"{_SYS32}\wbem",
            "Sink to receive asynchronous callbacks for WMI client application",
            49152,
        ),
        _image("WerFault.exe", _SYS32, "Windows Problem Reporting", 561488, original_name="WerFault.exe"),
        _image(
            "mmc.exe",
            _SYS32,
            "Microsoft Management Console",
            1961984,
            internal_name="MMC",
            original_name="MMC.EXE",
        ),
        _image("cmd.exe", _SYS32, "Windows Command Processor", 289792, original_name="Cmd.Exe"),
        _image("conhost.exe", _SYS32, "Console Window Host", 869376, original_name="CONHOST.EXE"),
        _image("whoami.exe", _SYS32, "whoami - displays logged on user information", 74752),
        _image("net.exe", _SYS32, "Net Command", 57344),
        _image("net1.exe", _SYS32, "Net Command", 175104),
        _image("taskhostw.exe", _SYS32, "Host Process for Windows Tasks", 99712),
        _image(
            "powershell.exe",
            rf"{_SYS32}\WindowsPowerShell\v1.0",
            "Windows PowerShell",
            452608,
            internal_name="POWERSHELL",
            original_name="PowerShell.EXE",
        ),
        _image(
            "chrome.exe",
            r"C:\Program Files\Google\Chrome\Application",
            "Google Chrome",
            3027232,
            company="Google LLC",
            product="Google Chrome",
            version="127.0.6533.89",
            signer="ThirdParty",
        ),
        _image(
            "python.exe",
            r"C:\Users\dkim\AppData\Local\Programs\Python\Python312",
            "Python",
            103192,
            company="Python Software Foundation",
            product="Python",
            version="3.12.4",
            signer="ThirdParty",
        ),
    ]
}


@dataclass(frozen=True)
class Account:
    domain: str
    name: str
    sid: str
    upn: str = ""
    object_id: str = ""


@dataclass(frozen=True)
class Identity:
    """Who a process runs as: account, logon session, integrity, token elevation, terminal session."""

    account: Account
    logon_id: int
    integrity: str
    elevation: str = "TokenElevationTypeDefault"
    session: int = 0


def _domain_account(name: str, rid: int) -> Account:
    object_id = str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.contoso.com"))
    sid = f"S-1-5-21-1004336348-1177238915-682003330-{rid}"
    return Account("contoso", name, sid, f"{name}@contoso.com", object_id)


AS_SYSTEM = Identity(Account("nt authority", "system", "S-1-5-18"), 999, "System")
AS_NETWORK_SERVICE = Identity(Account("nt authority", "network service", "S-1-5-20"), 996, "System")
AS_MLOPEZ = Identity(_domain_account("mlopez", 1207), 0x2AD4C3, "Medium", "TokenElevationTypeLimited", 1)
AS_DKIM = Identity(_domain_account("dkim", 1311), 0x3B10F7, "Medium", "TokenElevationTypeLimited", 1)
AS_SVC_OPS = Identity(_domain_account("svc-ops", 1105), 0x1F3A2, "High")
# The intruder's network logon on the target (Impacket authenticates with NTLM as a domain admin).
AS_ADMIN_NETWORK = Identity(_domain_account("adm-jsmith", 1112), 0x6F1E2A7, "High")


@dataclass(frozen=True)
class Device:
    name: str
    ip: str
    boot_key: int  # high bits of the process start keys (ProcessUniqueId) of this boot

    @property
    def device_id(self) -> str:
        return hashlib.sha1(self.name.encode()).hexdigest()


@dataclass(frozen=True)
class Process:
    device: Device
    image: Image
    pid: int
    command_line: str
    created: datetime
    identity: Identity
    parent: Process | None
    unique_id: str

    @property
    def file_name(self) -> str:
        return self.image.file_name


# ---------------------------------------------------------------------------------------------------
# Rows: a process creation event, a network event
# ---------------------------------------------------------------------------------------------------


def _initiating(process: Process) -> dict[str, Any]:
    """The InitiatingProcess* columns describing `process` (DeviceProcessEvents has all of them)."""
    image, who, parent = process.image, process.identity, process.parent
    return {
        "InitiatingProcessAccountDomain": who.account.domain,
        "InitiatingProcessAccountName": who.account.name,
        "InitiatingProcessAccountSid": who.account.sid,
        "InitiatingProcessAccountUpn": who.account.upn,
        "InitiatingProcessAccountObjectId": who.account.object_id,
        "InitiatingProcessLogonId": who.logon_id,
        "InitiatingProcessIntegrityLevel": who.integrity,
        "InitiatingProcessTokenElevation": who.elevation,
        "InitiatingProcessSHA1": image.digest("sha1"),
        "InitiatingProcessSHA256": image.digest("sha256"),
        "InitiatingProcessMD5": image.digest("md5"),
        "InitiatingProcessFileName": image.file_name,
        "InitiatingProcessFileSize": image.size,
        "InitiatingProcessVersionInfoCompanyName": image.company,
        "InitiatingProcessVersionInfoProductName": image.product,
        "InitiatingProcessVersionInfoProductVersion": image.version,
        "InitiatingProcessVersionInfoInternalFileName": image.internal_name,
        "InitiatingProcessVersionInfoOriginalFileName": image.original_name,
        "InitiatingProcessVersionInfoFileDescription": image.description,
        "InitiatingProcessId": process.pid,
        "InitiatingProcessCommandLine": process.command_line,
        "InitiatingProcessCreationTime": process.created,
        "InitiatingProcessFolderPath": image.path,
        "InitiatingProcessParentId": parent.pid if parent else None,
        "InitiatingProcessParentFileName": parent.file_name if parent else "",
        "InitiatingProcessParentCreationTime": parent.created if parent else None,
        "InitiatingProcessSignerType": image.signer,
        "InitiatingProcessSignatureStatus": "Valid" if image.signer else "",
        "InitiatingProcessSessionId": who.session,
        "IsInitiatingProcessRemoteSession": False,
        "InitiatingProcessUniqueId": process.unique_id,
    }


def process_event(process: Process) -> dict[str, Any]:
    """The DeviceProcessEvents row recording the creation of `process` by its parent."""
    assert process.parent is not None, "root processes have no creation event"
    image, who = process.image, process.identity
    return {
        "Timestamp": process.created,
        "DeviceId": process.device.device_id,
        "DeviceName": process.device.name,
        "ActionType": "ProcessCreated",
        "FileName": image.file_name,
        "FolderPath": image.path,
        "SHA1": image.digest("sha1"),
        "SHA256": image.digest("sha256"),
        "MD5": image.digest("md5"),
        "FileSize": image.size,
        "ProcessVersionInfoCompanyName": image.company,
        "ProcessVersionInfoProductName": image.product,
        "ProcessVersionInfoProductVersion": image.version,
        "ProcessVersionInfoInternalFileName": image.internal_name,
        "ProcessVersionInfoOriginalFileName": image.original_name,
        "ProcessVersionInfoFileDescription": image.description,
        "ProcessId": process.pid,
        "ProcessCommandLine": process.command_line,
        "ProcessIntegrityLevel": who.integrity,
        "ProcessTokenElevation": who.elevation,
        "ProcessCreationTime": process.created,
        "AccountDomain": who.account.domain,
        "AccountName": who.account.name,
        "AccountSid": who.account.sid,
        "AccountUpn": who.account.upn,
        "AccountObjectId": who.account.object_id,
        "LogonId": who.logon_id,
        **_initiating(process.parent),
        "CreatedProcessSessionId": who.session,
        "IsProcessRemoteSession": False,
        "ProcessUniqueId": process.unique_id,
    }


def _ip_type(ip: str) -> str:
    if ip == "":
        return ""
    if ip.startswith("127.") or ip == "::1":
        return "Loopback"
    if ip.startswith("::ffff:"):
        return "FourToSixMapping"
    if ip in ("0.0.0.0", "::"):
        return "Reserved"
    if ip.startswith(("10.", "192.168.")) or any(ip.startswith(f"172.{n}.") for n in range(16, 32)):
        return "Private"
    return "Public"


def network_event(
    process: Process,
    at: datetime,
    action: str,
    remote: tuple[str, int | None],
    local: tuple[str, int | None],
    protocol: str = "Tcp",
    url: str = "",
) -> dict[str, Any]:
    """A DeviceNetworkEvents row owned by `process`; `remote`/`local` are (ip, port)."""
    network_columns = {name for name, _ in table_schema("DeviceNetworkEvents") or []}
    initiating = {key: value for key, value in _initiating(process).items() if key in network_columns}
    return {
        "Timestamp": at,
        "DeviceId": process.device.device_id,
        "DeviceName": process.device.name,
        "ActionType": action,
        "RemoteIP": remote[0],
        "RemotePort": remote[1],
        "RemoteUrl": url,
        "LocalIP": local[0],
        "LocalPort": local[1],
        "Protocol": protocol,
        "LocalIPType": _ip_type(local[0]),
        "RemoteIPType": _ip_type(remote[0]),
        **initiating,
    }


class _Recorder:
    """Creates processes and records their process and network events."""

    def __init__(self) -> None:
        self.process_rows: list[dict[str, Any]] = []
        self.network_rows: list[dict[str, Any]] = []
        self._sequence = itertools.count(0x2A0)

    def _unique_id(self, device: Device) -> str:
        return str((device.boot_key << 48) + next(self._sequence))

    def kernel(self, device: Device, booted: datetime) -> Process:
        """The `System` process (PID 4): it exists before any event and has no creation event."""
        return Process(device, KERNEL, 4, "", booted, AS_SYSTEM, None, self._unique_id(device))

    def spawn(
        self,
        parent: Process,
        image: str,
        pid: int,
        at: datetime,
        command_line: str,
        who: Identity | None = None,
    ) -> Process:
        """`parent` creates a process (running as the parent's identity unless `who` is given)."""
        assert at > parent.created, "a child is created after its parent"
        unique_id = self._unique_id(parent.device)
        child = Process(
            parent.device, IMAGES[image], pid, command_line, at, who or parent.identity, parent, unique_id
        )
        self.process_rows.append(process_event(child))
        return child

    def _network(self, process: Process, at: datetime, action: str, remote: tuple, local: tuple, **more: str):
        assert at >= process.created
        self.network_rows.append(network_event(process, at, action, remote, local, **more))

    def inbound(
        self, process: Process, at: datetime, remote_ip: str, remote_port: int, local_port: int
    ) -> None:
        """`process` accepts a TCP connection from remote_ip:remote_port on its local port."""
        local_ip = "127.0.0.1" if remote_ip == "127.0.0.1" else process.device.ip
        self._network(
            process, at, "InboundConnectionAccepted", (remote_ip, remote_port), (local_ip, local_port)
        )

    def outbound(
        self, process: Process, at: datetime, remote: tuple[str, int], local_port: int, **more: str
    ) -> None:
        """`process` connects to remote (ip, port) from its local port; `more`: protocol, url."""
        local_ip = "127.0.0.1" if remote[0] == "127.0.0.1" else process.device.ip
        self._network(process, at, "ConnectionSuccess", remote, (local_ip, local_port), **more)

    def listen(self, process: Process, at: datetime, local_port: int) -> None:
        self._network(process, at, "ListeningConnectionCreated", ("", None), ("0.0.0.0", local_port))


def _at(clock: str) -> datetime:
    """A time of the demo day, e.g. "14:23:07.412"."""
    return datetime.fromisoformat(f"{DAY.date().isoformat()}T{clock}+00:00")


def ms(milliseconds: float) -> timedelta:
    return timedelta(milliseconds=milliseconds)


# ---------------------------------------------------------------------------------------------------
# The day: boot chains, logons, ordinary activity, the attack
# ---------------------------------------------------------------------------------------------------

WS_FIN = Device(TARGET_DEVICE, "10.0.2.31", 0x11)
WS_HR = Device("ws-hr-022.contoso.local", ATTACKER_IP, 0x0E)
SRV_FILE = Device("srv-file01.contoso.local", "10.0.1.20", 0x2B)
SRV_MGMT = Device("srv-mgmt01.contoso.local", "10.0.1.5", 0x07)

DCOMLAUNCH = r"C:\Windows\system32\svchost.exe -k DcomLaunch -p"
RPCSS = r"C:\Windows\system32\svchost.exe -k RPCSS -p"
WINMGMT = r"C:\Windows\system32\svchost.exe -k netsvcs -p -s Winmgmt"
DNSCACHE = r"C:\Windows\system32\svchost.exe -k NetworkService -p -s Dnscache"
SCHEDULE = r"C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule"
WMI_PROVIDER_HOST = r"C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding"
CONHOST = r"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1"
DNS_SERVER = ("10.0.0.10", 53)


@dataclass(frozen=True)
class Boot:
    """The long-lived processes of one boot of a device."""

    system: Process
    services: Process
    dcomlaunch: Process
    rpcss: Process
    winmgmt: Process
    dnscache: Process
    schedule: Process
    winlogon: Process


def _boot(rec: _Recorder, device: Device, at: datetime, smss: int, services: int, dcomlaunch: int) -> Boot:
    """System -> smss -> wininit -> services -> service hosts (PIDs differ per device), smss -> winlogon."""
    system = rec.kernel(device, at - timedelta(seconds=5))
    session_manager = rec.spawn(system, "smss.exe", smss, at, r"\SystemRoot\System32\smss.exe")
    wininit = rec.spawn(session_manager, "wininit.exe", smss + 124, at + ms(2000), "wininit.exe")
    winlogon = rec.spawn(session_manager, "winlogon.exe", smss + 204, at + ms(2120), "winlogon.exe")
    scm = rec.spawn(wininit, "services.exe", services, at + ms(2310), r"C:\Windows\system32\services.exe")
    rec.spawn(wininit, "lsass.exe", services + 12, at + ms(2330), r"C:\Windows\system32\lsass.exe")
    start = at + ms(3000)
    return Boot(
        system=system,
        services=scm,
        dcomlaunch=rec.spawn(scm, "svchost.exe", dcomlaunch, start, DCOMLAUNCH),
        rpcss=rec.spawn(scm, "svchost.exe", dcomlaunch + 92, start + ms(140), RPCSS, AS_NETWORK_SERVICE),
        winmgmt=rec.spawn(scm, "svchost.exe", dcomlaunch + 696, start + ms(4000), WINMGMT),
        dnscache=rec.spawn(
            scm, "svchost.exe", dcomlaunch + 760, start + ms(4200), DNSCACHE, AS_NETWORK_SERVICE
        ),
        schedule=rec.spawn(scm, "svchost.exe", dcomlaunch + 824, start + ms(4450), SCHEDULE),
        winlogon=winlogon,
    )


def _logon(rec: _Recorder, boot: Boot, who: Identity, at: datetime, explorer_pid: int) -> Process:
    """An interactive logon: winlogon -> userinit -> explorer (userinit exits right away)."""
    userinit = rec.spawn(
        boot.winlogon, "userinit.exe", explorer_pid - 180, at, r"C:\Windows\system32\userinit.exe", who
    )
    return rec.spawn(userinit, "explorer.exe", explorer_pid, at + ms(420), r"C:\Windows\Explorer.EXE")


def _browse(rec: _Recorder, explorer: Process, at: datetime, pid: int, sites: list[tuple[str, str]]) -> None:
    """The user opens Chrome, which talks HTTPS to a few sites."""
    chrome = rec.spawn(
        explorer, "chrome.exe", pid, at, r'"C:\Program Files\Google\Chrome\Application\chrome.exe"'
    )
    for i, (url, ip) in enumerate(sites):
        rec.outbound(chrome, at + ms(3000 + 95_037 * i), (ip, 443), 55012 + 7 * i, url=url)


def _dcom_background(rec: _Recorder, boot: Boot, user: Identity, at: datetime, pid: int) -> None:
    """Ordinary DcomLaunch COM servers: RuntimeBroker, a COM surrogate, a WMI provider host.

    Their network traffic is loopback only; the WMI provider host accepts a loopback connection, which the
    seed rule drops with its `RemoteIP !contains "127.0.0.1"` exclusion.
    """
    launcher = boot.dcomlaunch
    rec.spawn(
        launcher, "RuntimeBroker.exe", pid, at, r"C:\Windows\System32\RuntimeBroker.exe -Embedding", user
    )
    surrogate_command = r"C:\Windows\system32\DllHost.exe /Processid:{3EB3C877-1F16-487C-9050-104DBCD66683}"
    surrogate = rec.spawn(launcher, "dllhost.exe", pid + 48, at + ms(420_512), surrogate_command, user)
    rec.outbound(surrogate, at + ms(421_000), ("127.0.0.1", 49690), 50212)
    provider = rec.spawn(
        launcher, "WmiPrvSE.exe", pid + 96, at + ms(4_320_088), WMI_PROVIDER_HOST, AS_NETWORK_SERVICE
    )
    rec.inbound(provider, at + ms(4_322_000), "127.0.0.1", 50231, 49702)


def _wmi_from_management(rec: _Recorder, mgmt: Boot, target: Boot, at: datetime, provider_pid: int) -> None:
    """The management server queries WMI on `target` over DCOM: :135, then the Winmgmt service's port.

    The inbound connections are owned by service hosts whose parent is services.exe (not svchost.exe),
    and the WMI provider host launched by DcomLaunch has no inbound connection: the seed stays silent.
    """
    port, target_ip = 61203 + provider_pid % 97, target.system.device.ip
    rec.outbound(mgmt.rpcss, at - ms(3), (target_ip, 135), port)
    rec.inbound(target.rpcss, at, SRV_MGMT.ip, port, 135)
    rec.outbound(mgmt.rpcss, at + ms(93), (target_ip, 49668), port + 1)
    rec.inbound(target.winmgmt, at + ms(95), SRV_MGMT.ip, port + 1, 49668)
    rec.spawn(
        target.dcomlaunch, "WmiPrvSE.exe", provider_pid, at + ms(612), WMI_PROVIDER_HOST, AS_NETWORK_SERVICE
    )


def _impacket_mmc20(rec: _Recorder, source: Process, target: Boot, t0: datetime) -> None:
    """Impacket `dcomexec.py -object MMC20` from `source` (python.exe) against `target`.

    Impacket logs in over SMB first, then activates MMC20.Application through RPCSS on :135; DcomLaunch
    starts `mmc.exe -Embedding` as the intruder's network logon; Impacket binds to mmc.exe's dynamic port
    and calls Document.ActiveView.ExecuteShellCommand once per operator command, which starts cmd.exe
    with its output redirected to a file on the ADMIN$ share, read back over SMB.
    """
    target_ip = target.system.device.ip
    rec.outbound(source, t0 - ms(1120), (target_ip, 445), 51716)
    rec.inbound(target.system, t0 - ms(1118), ATTACKER_IP, 51716, 445)
    rec.outbound(source, t0 - ms(2), (target_ip, 135), 51717)
    rec.inbound(target.rpcss, t0, ATTACKER_IP, 51717, 135)
    mmc_command = r"C:\Windows\system32\mmc.exe -Embedding"
    mmc = rec.spawn(target.dcomlaunch, "mmc.exe", 10732, t0 + ms(152), mmc_command, AS_ADMIN_NETWORK)
    rec.listen(mmc, t0 + ms(571), 49871)
    rec.outbound(source, t0 + ms(1403), (target_ip, 49871), 51718)
    rec.inbound(mmc, t0 + ms(1405), ATTACKER_IP, 51718, 49871)

    commands = [  # (delay after t0 in ms, command, tools the command line interpreter starts)
        (1_688, "cd \\", []),
        (41_230, "whoami", [("whoami.exe", "whoami")]),
        (192_907, 'net group "domain admins" /domain', [("net.exe", 'net group "domain admins" /domain')]),
    ]
    pid = 11208
    for delay, command, tools in commands:
        when = t0 + ms(delay)
        cmd_line = rf'"C:\Windows\System32\cmd.exe" /Q /c {command} 1> \\127.0.0.1\ADMIN$\__17228 2>&1'
        cmd = rec.spawn(mmc, "cmd.exe", pid, when, cmd_line)
        rec.spawn(cmd, "conhost.exe", pid + 8, when + ms(6), CONHOST)
        for image, command_line in tools:
            tool = rec.spawn(cmd, image, pid + 16, when + ms(31), command_line)
            if image == "net.exe":
                net1_command = r'C:\Windows\system32\net1  group "domain admins" /domain'
                rec.spawn(tool, "net1.exe", pid + 40, when + ms(52), net1_command)
        pid += 412
    rec.outbound(source, t0 + ms(193_950), (target_ip, 445), 51731)
    rec.inbound(target.system, t0 + ms(193_952), ATTACKER_IP, 51731, 445)


def _build() -> _Recorder:
    rec = _Recorder()
    fin = _boot(rec, WS_FIN, _at("06:41:12.305"), smss=372, services=640, dcomlaunch=884)
    hr = _boot(rec, WS_HR, _at("07:02:47.118"), smss=388, services=656, dcomlaunch=896)
    files = _boot(rec, SRV_FILE, _at("03:15:00.742"), smss=340, services=612, dcomlaunch=868)
    mgmt = _boot(rec, SRV_MGMT, _at("02:58:31.064"), smss=356, services=628, dcomlaunch=860)
    for boot in (fin, hr, files, mgmt):
        rec.outbound(boot.dnscache, boot.dnscache.created + ms(41_000), DNS_SERVER, 53311, protocol="Udp")

    # Workstations: a user logs on, browses, and the usual COM servers come and go; drives are mapped from
    # the file server over SMB (connections owned by System).
    fin_explorer = _logon(rec, fin, AS_MLOPEZ, _at("08:02:10.250"), 5084)
    hr_explorer = _logon(rec, hr, AS_DKIM, _at("08:17:55.731"), 6212)
    _dcom_background(rec, fin, AS_MLOPEZ, _at("08:02:14.009"), 7528)
    _dcom_background(rec, hr, AS_DKIM, _at("08:18:00.402"), 8040)
    office = [("www.office.com", "52.97.146.162"), ("contoso.sharepoint.com", "13.107.136.10")]
    _browse(rec, fin_explorer, _at("08:05:31.012"), 7340, office)
    _browse(rec, hr_explorer, _at("08:21:04.660"), 7412, [("www.google.com", "142.250.185.100"), *office[:1]])
    for boot, at, port in ((fin, _at("08:03:02.138"), 50412), (hr, _at("08:19:12.901"), 51033)):
        rec.outbound(boot.system, at, (SRV_FILE.ip, 445), port)
        rec.inbound(files.system, at + ms(2), boot.system.device.ip, port, 445)

    # Servers: a scheduled task, WMI management from srv-mgmt01. WMI asynchronous callbacks come back from
    # the file server to unsecapp.exe, a DcomLaunch COM server that accepts a remote connection and then
    # crashes: its only child is WerFault.exe, which the seed rule's last line excludes.
    rec.spawn(files.schedule, "taskhostw.exe", 3920, _at("04:00:00.016"), "taskhostw.exe Install $(Arg0)")
    _wmi_from_management(rec, mgmt, fin, _at("10:30:14.220"), 9112)
    _wmi_from_management(rec, mgmt, files, _at("10:30:19.871"), 5236)
    unsecapp_command = r"C:\Windows\system32\wbem\unsecapp.exe -Embedding"
    unsecapp = rec.spawn(
        mgmt.dcomlaunch, "unsecapp.exe", 6836, _at("10:30:20.310"), unsecapp_command, AS_SVC_OPS
    )
    rec.inbound(unsecapp, _at("10:30:21.077"), SRV_FILE.ip, 50944, 50127)
    crash_report = r"C:\Windows\system32\WerFault.exe -u -p 6836 -s 1324"
    rec.spawn(unsecapp, "WerFault.exe", 7104, _at("10:30:24.512"), crash_report)

    # The attack: on ws-hr-022 the intruder runs Impacket's dcomexec.py (MMC20) against ws-fin-014.
    powershell = r'"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"'
    shell = rec.spawn(hr_explorer, "powershell.exe", 9260, _at("14:20:41.508"), powershell)
    rec.spawn(shell, "conhost.exe", 9268, _at("14:20:41.530"), CONHOST)
    python = (
        r'"C:\Users\dkim\AppData\Local\Programs\Python\Python312\python.exe" dcomexec.py -object MMC20 '
        r"contoso/adm-jsmith@10.0.2.31"
    )
    python = rec.spawn(shell, "python.exe", 10344, _at("14:23:05.950"), python)
    _impacket_mmc20(rec, python, fin, _at("14:23:07.412"))

    # Evening: the user on ws-fin-014 reads mail in the browser.
    _browse(rec, fin_explorer, _at("17:48:02.771"), 13020, [("outlook.office365.com", "52.98.39.34")])
    return rec


# ---------------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------------


def _table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Rows (dicts) -> a table with every schema column in order; time-ordered, ReportIds increasing."""
    schema = arrow_schema(name)
    kql_types = dict(table_schema(name) or [])
    rows = sorted(rows, key=lambda row: row["Timestamp"])  # stable: ties keep creation order
    rows = [{**row, "ReportId": 4017 + 3 * index} for index, row in enumerate(rows)]
    unknown = {key for row in rows for key in row} - set(kql_types)
    assert not unknown, f"not columns of {name}: {sorted(unknown)}"
    columns = []
    for field in schema:
        kql_type = kql_types[field.name]
        values = [row.get(field.name) for row in rows]
        if kql_type == "string":
            values = ["" if value is None else value for value in values]
        elif kql_type == "dynamic":
            values = [
                value if value is None or isinstance(value, str) else json.dumps(value) for value in values
            ]
        columns.append(pa.array(values, type=field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def demo_tables() -> dict[str, pa.Table]:
    """The demo data set: {"DeviceProcessEvents": ..., "DeviceNetworkEvents": ...} (same content every call)."""
    rec = _build()
    return {
        "DeviceProcessEvents": _table("DeviceProcessEvents", rec.process_rows),
        "DeviceNetworkEvents": _table("DeviceNetworkEvents", rec.network_rows),
    }


def write_demo(directory: str | Path) -> dict[str, Path]:
    """Write `<Table>.parquet` for each demo table into `directory` (created if needed); returns the paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, table in demo_tables().items():
        paths[name] = directory / f"{name}.parquet"
        pq.write_table(table, paths[name])
    return paths


if __name__ == "__main__":  # python -m kqlite.demo [directory]
    import sys

    for name, path in write_demo(sys.argv[1] if len(sys.argv) > 1 else "demo-data").items():
        print(f"{name}: {path}")
