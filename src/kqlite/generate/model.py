"""The simulated estate: devices and roles, the IP plan, accounts, boots and the long-lived process trees.

Everything here is decided once, before any row is generated, from a random generator seeded with the
run's seed: the same options always give the same estate.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from kqlite.generate.catalog import Catalog
from kqlite.generate.columns import HOUR, MS, SECOND, EntityTable, StringPool
from kqlite.generate.events import LOGON, NETWORK, PROCESS, EventLog
from kqlite.generate.procs import ELEVATION, INTEGRITY, PidSpace, ProcStore

DOMAIN = "corp"
DNS_SUFFIX = "corp.contoso.com"
DOMAIN_SID = "S-1-5-21-1966530601-3185510712-10604624"

# Long-lived processes, one per boot (some only on some devices). Order = boot order.
SLOTS = (
    "system", "smss", "smss_s0", "csrss0", "wininit", "smss_s1", "csrss1", "winlogon", "services", "lsass",
    "fontdrv", "dwm", "dcomlaunch", "rpcss", "schedule", "winmgmt", "dnscache", "localsvc", "wuauserv", "spoolsv",
    "msmpeng", "mssense", "winrm", "dnsserver", "w32time", "unsecapp", "complus", "userinit", "explorer", "chrome",
    "msedge", "teams", "outlook", "onedrive",
)
SLOT = {name: i for i, name in enumerate(SLOTS)}

FIRST = ("james", "mary", "robert", "patricia", "john", "jennifer", "michael", "linda", "david", "elizabeth",
         "william", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles", "karen",
         "daniel", "lisa", "matthew", "nancy", "anthony", "betty", "mark", "sandra", "paul", "ashley", "steven",
         "kimberly", "andrew", "emily", "kenneth", "donna", "joshua", "michelle", "kevin", "carol", "brian", "amanda")
LAST = ("smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez",
        "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor", "moore", "jackson", "martin",
        "lee", "perez", "thompson", "white", "harris", "sanchez", "clark", "ramirez", "lewis", "robinson", "walker")
DEPARTMENTS = ("fin", "hr", "eng", "ops", "mkt", "it", "legal", "sales", "rnd", "sup")
MEMBER_SERVERS = ("fs", "sql", "web", "print", "exch", "file", "bkp", "av", "wsus", "ca")

# Fixed account indices (see Estate._accounts).
NO_ACCOUNT, SYSTEM, LOCAL_SERVICE, NETWORK_SERVICE, DWM, UMFD = 0, 1, 2, 3, 4, 5
SYSTEM_LOGON, NETWORK_SERVICE_LOGON, LOCAL_SERVICE_LOGON = 999, 996, 997

ATTACKER_LINUX_IP = "10.10.250.17"  # unmanaged foothold: Impacket/NetExec run from here, it reports nothing

# Share of devices already up when the recording starts: their boot-time processes (the long-lived parents of
# most rows) have no creation row, as in real data where only ~30% of the parents' creations are present.
BOOTED_BEFORE = 0.75
UPTIME_HOURS = (3.0, 21 * 24.0)  # log-uniform uptime at the recording start of a device booted before it


@dataclass
class Config:
    devices: int = 50
    hours: float = 24.0
    start: datetime = datetime.fromisoformat("2024-08-05T00:00:00+00:00")
    seed: int = 1
    density: dict[str, float] = field(default_factory=dict)  # per-table multiplier of background volume
    warmup: float = 4.0  # hours of recorded history before the window: rows written, no scenario placed in them

    @property
    def start_us(self) -> int:
        """Start of the main window (labels live here)."""
        return int(self.start.timestamp()) * SECOND

    @property
    def end_us(self) -> int:
        return self.start_us + int(self.hours * HOUR)

    @property
    def record_start_us(self) -> int:
        """Start of the recording: the warm-up, then the main window."""
        return self.start_us - int(self.warmup * HOUR) // MS * MS

    @property
    def record_hours(self) -> float:
        return self.hours + self.warmup


@dataclass
class Device:
    index: int
    name: str              # lowercase FQDN
    device_id: str         # 40 hex digits
    ip: str
    kind: str              # workstation | server | dc
    roles: frozenset[str]
    os: str
    user: int = NO_ACCOUNT  # interactive user account index (workstations)
    boots: list[int] = field(default_factory=list)  # boot times
    boot_ends: list[int] = field(default_factory=list)  # last usable instant of each boot

    @property
    def short(self) -> str:
        return self.name.split(".", 1)[0]


class Estate:
    """Devices, accounts, pools, the catalog, boot-time process trees and their events."""

    def __init__(self, config: Config) -> None:
        if config.devices < 4:
            raise ValueError("--devices must be at least 4 (a DC, an application server and two workstations)")
        if config.hours <= 0:
            raise ValueError("--hours must be positive")
        if config.warmup < 0:
            raise ValueError("--warmup must not be negative")
        self.config = config
        self.rng = np.random.default_rng([config.seed, 0])
        self.catalog = Catalog()
        self.strings = StringPool()
        self.cmds = StringPool()
        self.pids = PidSpace()
        self.static = ProcStore()
        self.log = EventLog()  # boot-time events (scenario events go to the planner's own log)
        self.tenant_id = str(uuid.UUID(int=int(self.rng.integers(0, 2**62)) << 64 | int(self.rng.integers(0, 2**62))))
        self.devices = self._devices()
        self._account_rows: list[tuple[str, str, str, str, str]] = []
        self.accounts_by_name: dict[str, int] = {}
        self._accounts()
        self.n_boots = max(len(d.boots) for d in self.devices)
        self.slot_index = np.full((len(self.devices), self.n_boots, len(SLOTS)), -1, dtype=np.int64)
        for device in self.devices:
            for boot, boot_time in enumerate(device.boots):
                self._boot_tree(device, boot, boot_time)
        self.static.freeze()
        self.boot_start = np.full((len(self.devices), self.n_boots), np.iinfo(np.int64).max, dtype=np.int64)
        self.boot_end = np.full((len(self.devices), self.n_boots), -1, dtype=np.int64)
        for device in self.devices:
            self.boot_start[device.index, : len(device.boots)] = device.boots
            self.boot_end[device.index, : len(device.boots)] = device.boot_ends
        self.device_ip = np.array([self.strings.add(d.ip) for d in self.devices], dtype=np.int64)
        self.device_link_local = np.array([self.strings.add(link_local(d.device_id)) for d in self.devices], dtype=np.int64)
        self.roles = {role: np.array([role in d.roles for d in self.devices]) for role in
                      ("dc", "mgmt", "complus", "report", "helpdesk", "foothold", "loopdcom")}
        self.kind = np.array([{"workstation": 0, "server": 1, "dc": 2}[d.kind] for d in self.devices], dtype=np.int64)

    # --- devices -----------------------------------------------------------------------------------------

    def _devices(self) -> list[Device]:
        n, rng = self.config.devices, self.rng
        specs: list[tuple[str, str, frozenset[str], str]] = []  # (short name, kind, roles, ip)
        if n >= 8:
            specs += [("dc01", "dc", frozenset({"dc"}), "10.20.0.10"),
                      ("sccm01", "server", frozenset({"mgmt"}), "10.30.0.11"),
                      ("app01", "server", frozenset({"complus"}), "10.20.2.21"),
                      ("rpt01", "server", frozenset({"report"}), "10.20.2.31")]
            if n >= 200:
                specs.append(("scom01", "server", frozenset({"mgmt"}), "10.30.0.12"))
            members = max(0, round(0.12 * n) - (len(specs) - 1))
        else:
            specs += [("dc01", "dc", frozenset({"dc", "mgmt"}), "10.20.0.10"),
                      ("app01", "server", frozenset({"complus", "report"}), "10.20.2.21")]
            members = 0
        for i in range(members):
            kind = MEMBER_SERVERS[i % len(MEMBER_SERVERS)]
            specs.append((f"{kind}{i // len(MEMBER_SERVERS) + 1:02d}", "server", frozenset(), f"10.20.1.{10 + i % 240}"))
        n_ws = n - len(specs)
        numbers = rng.choice(np.arange(1, 1000), size=n_ws, replace=n_ws > 999)
        for i in range(n_ws):
            roles = {"helpdesk"} if i == 0 else {"foothold"} if i == 1 else set()
            dept = DEPARTMENTS[i % len(DEPARTMENTS)]
            ip = f"10.10.{(i // 240) % 250}.{10 + i % 240}"
            specs.append((f"ws-{dept}-{int(numbers[i]):03d}{'' if n_ws <= 999 else f'-{i}'}", "workstation", frozenset(roles), ip))
        # A local product talking DCOM to itself over TCP (loopback), on ~4% of devices.
        loop = rng.random(len(specs)) < 0.04
        if n >= 10 and not loop.any():
            loop[len(specs) - 1] = True
        devices = []
        start, end, record = self.config.start_us, self.config.end_us, self.config.record_start_us
        # Exactly round(BOOTED_BEFORE x n) devices (a random choice) were up before the recording started.
        booted_before = np.zeros(len(specs), dtype=bool)
        booted_before[rng.permutation(len(specs))[: round(BOOTED_BEFORE * len(specs))]] = True
        for i, (short, kind, roles, ip) in enumerate(specs):
            roles = roles | ({"loopdcom"} if loop[i] else set())
            os_name = ("Windows11" if rng.random() < 0.2 else "Windows10") if kind == "workstation" else \
                ("WindowsServer2022" if rng.random() < 0.5 else "WindowsServer2019")
            device_id = uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | int(rng.integers(0, 2**63))).hex + \
                f"{int(rng.integers(0, 2**32)):08x}"
            if booted_before[i]:  # up for hours or weeks already: its boot tree is not recorded
                uptime = np.exp(rng.uniform(np.log(UPTIME_HOURS[0]), np.log(UPTIME_HOURS[1]))) * HOUR
                boot = record - int(uptime) // MS * MS
            else:  # boots during the first half of the warm-up (at the recording start without one)
                spread = max(240_000, int(self.config.warmup * HOUR / MS / 2))
                boot = record + int(rng.integers(0, spread)) * MS
            boots, ends = [boot], []
            # A few machines restart once in a long enough window (patching): a new process tree, new PIDs.
            if self.config.hours >= 6 and rng.random() < 0.08:
                reboot = start + int((0.3 + 0.5 * rng.random()) * (end - start)) // MS * MS
                ends.append(reboot - 90 * SECOND)
                boots.append(reboot)
            ends.append(end)
            devices.append(Device(i, f"{short}.{DNS_SUFFIX}", device_id[:40], ip, kind, roles, os_name,
                                  boots=boots, boot_ends=ends))
        return devices

    # --- accounts ----------------------------------------------------------------------------------------

    def add_account(self, domain: str, name: str, sid: str, upn: str = "", object_id: str = "") -> int:
        key = f"{domain}\\{name}"
        if key not in self.accounts_by_name:
            self.accounts_by_name[key] = len(self._account_rows)
            self._account_rows.append((domain, name, sid, upn, object_id))
        return self.accounts_by_name[key]

    def _domain_account(self, name: str, rid: int, person: bool = True) -> int:
        upn = f"{name}@{DNS_SUFFIX}" if person else ""
        object_id = str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.{DNS_SUFFIX}")) if person else ""
        return self.add_account(DOMAIN, name, f"{DOMAIN_SID}-{rid}", upn, object_id)

    def _accounts(self) -> None:
        self.add_account("", "", "")
        self.add_account("nt authority", "system", "S-1-5-18")
        self.add_account("nt authority", "local service", "S-1-5-19")
        self.add_account("nt authority", "network service", "S-1-5-20")
        self.add_account("window manager", "dwm-1", "S-1-5-90-0-1")
        self.add_account("font driver host", "umfd-1", "S-1-5-96-0-1")
        rid = 1100
        taken: set[str] = set()
        for device in self.devices:
            if device.kind != "workstation":
                continue
            while True:
                name = f"{self.rng.choice(FIRST)}.{self.rng.choice(LAST)}"
                if name not in taken:
                    break
            taken.add(name)
            device.user = self._domain_account(name, rid)
            rid += 1
        people = sorted(taken)
        n_admins = int(np.clip(len(self.devices) // 25, 10, 30))
        self.admins = [self._domain_account(f"adm-{people[i % len(people)].split('.')[1]}{i // len(people) or ''}", 2000 + i)
                       for i in range(n_admins)]
        self.services = {name: self._domain_account(name, 3000 + i, person=False)
                         for i, name in enumerate(("svc-sccm", "svc-app", "svc-report", "svc-backup", "svc-sql"))}
        self.helpdesk = self._domain_account("hd-operator", 2900)
        self.machine = [self._domain_account(f"{d.short}$", 4000 + d.index, person=False) for d in self.devices]
        self.accounts = None  # built by freeze_accounts() once scenarios stop adding accounts

    def account_table(self) -> EntityTable:
        if self.accounts is None:
            rows = self._account_rows
            self.accounts = EntityTable({
                "Domain": [r[0] for r in rows], "Name": [r[1] for r in rows], "Sid": [r[2] for r in rows],
                "Upn": [r[3] for r in rows], "ObjectId": [r[4] for r in rows],
            })
        return self.accounts

    def account(self, index: int) -> tuple[str, str, str, str, str]:
        return self._account_rows[index]

    # --- process trees -----------------------------------------------------------------------------------

    def add_process(self, store: ProcStore, dev: int, image: str, pid: int, ctime: int, cmd: str, parent: dict[str, int] | None,
                    acct: int, logon: int, integrity: str, session: int, elevation: str = "TokenElevationTypeDefault") -> int:
        """Append one process record to `store`; `parent` is the parent's record (None for the kernel)."""
        return store.append(
            dev=dev, image=self.catalog[image], pid=pid, ctime=ctime, cmd=self.cmds.add(cmd),
            integ=INTEGRITY.index(integrity), elev=ELEVATION.index(elevation), acct=acct, logon=logon, sess=session,
            pimage=parent["image"] if parent else 0, ppid=parent["pid"] if parent else -1,
            pctime=parent["ctime"] if parent else -1,
        )

    def _boot_tree(self, device: Device, boot: int, boot_time: int) -> None:
        rng, dev = self.rng, device.index
        pid = int(rng.integers(70, 110)) * 4  # smss.exe: the first PIDs after System
        clock = boot_time
        server = device.kind != "workstation"

        def spawn(slot: str, image: str, cmd: str, parent_slot: str | None, acct: int, logon: int, integrity: str,
                  session: int, delay_ms: tuple[int, int], pid_value: int | None = None,
                  elevation: str = "TokenElevationTypeDefault") -> dict[str, int]:
            nonlocal pid, clock
            clock += int(rng.integers(*delay_ms)) * MS
            if pid_value is None:
                pid += int(rng.integers(2, 30)) * 4
                pid_value = pid
            parent = self.static.get(int(self.slot_index[dev, boot, SLOT[parent_slot]])) if parent_slot else None
            index = self.add_process(self.static, dev, image, pid_value, clock, cmd, parent, acct, logon, integrity, session,
                                     elevation)
            self.slot_index[dev, boot, SLOT[slot]] = index
            self.pids.reserve(dev, pid_value)
            if parent is not None:
                self.log.add(PROCESS, dev=dev, time=clock, owner=int(self.slot_index[dev, boot, SLOT[parent_slot]]), child=index)
            return self.static.get(index)

        sys_ = (SYSTEM, SYSTEM_LOGON, "System", 0)
        clock -= 1 * MS
        spawn("system", "System", "", None, *sys_, (0, 1), pid_value=4)
        spawn("smss", "smss.exe", r"\SystemRoot\System32\smss.exe", "system", *sys_, (300, 800))
        spawn("smss_s0", "smss.exe", r"\SystemRoot\System32\smss.exe 000000b0 00000080", "smss", *sys_, (50, 200))
        csrss = (r"%SystemRoot%\system32\csrss.exe ObjectDirectory=\Windows SharedSection=1024,20480,768 Windows=On "
                 r"SubSystemType=Windows ServerDll=basesrv,1 ServerDll=winsrv:UserServerDllInitialization,3 "
                 r"ServerDll=sxssrv,4 ProfileControl=Off MaxRequestThreads=16")
        spawn("csrss0", "csrss.exe", csrss, "smss_s0", *sys_, (20, 80))
        spawn("wininit", "wininit.exe", "wininit.exe", "smss_s0", *sys_, (20, 80))
        spawn("smss_s1", "smss.exe", r"\SystemRoot\System32\smss.exe 000000bc 00000080", "smss", *sys_, (20, 80))
        spawn("csrss1", "csrss.exe", csrss, "smss_s1", SYSTEM, SYSTEM_LOGON, "System", 1, (20, 80))
        spawn("winlogon", "winlogon.exe", "winlogon.exe", "smss_s1", SYSTEM, SYSTEM_LOGON, "System", 1, (20, 80))
        spawn("services", "services.exe", r"C:\Windows\system32\services.exe", "wininit", *sys_, (100, 400))
        spawn("lsass", "lsass.exe", r"C:\Windows\system32\lsass.exe", "wininit", *sys_, (5, 40))
        spawn("fontdrv", "fontdrvhost.exe", '"fontdrvhost.exe"', "winlogon", UMFD, int(rng.integers(0x8000, 0x9000)), "Low", 1, (5, 40))
        spawn("dwm", "dwm.exe", '"dwm.exe"', "winlogon", DWM, int(rng.integers(0x9000, 0xA000)), "System", 1, (50, 200))
        svc = r"C:\windows\system32\svchost.exe"
        spawn("dcomlaunch", "svchost.exe", rf"{svc} -k DcomLaunch -p", "services", *sys_, (100, 300))
        spawn("rpcss", "svchost.exe", rf"{svc} -k RPCSS -p", "services", NETWORK_SERVICE, NETWORK_SERVICE_LOGON, "System", 0, (20, 120))
        spawn("schedule", "svchost.exe", rf"{svc} -k netsvcs -p -s Schedule", "services", *sys_, (100, 600))
        spawn("winmgmt", "svchost.exe", rf"{svc} -k netsvcs -p -s Winmgmt", "services", *sys_, (50, 400))
        spawn("dnscache", "svchost.exe", rf"{svc} -k NetworkService -p -s Dnscache", "services", NETWORK_SERVICE,
              NETWORK_SERVICE_LOGON, "System", 0, (50, 400))
        spawn("localsvc", "svchost.exe", rf"{svc} -k LocalServiceNetworkRestricted -p", "services", LOCAL_SERVICE,
              LOCAL_SERVICE_LOGON, "System", 0, (50, 400))
        spawn("wuauserv", "svchost.exe", rf"{svc} -k netsvcs -p -s wuauserv", "services", *sys_, (200, 900))
        spawn("spoolsv", "spoolsv.exe", r"C:\Windows\System32\spoolsv.exe", "services", *sys_, (200, 900))
        spawn("msmpeng", "MsMpEng.exe", r'"C:\ProgramData\Microsoft\Windows Defender\platform\4.18.24070.5-0\MsMpEng.exe"',
              "services", *sys_, (500, 2000))
        spawn("mssense", "MsSense.exe", '"MsSense.exe"', "services", *sys_, (500, 2000))
        if server:
            spawn("winrm", "svchost.exe", rf"{svc} -k NetworkService -p -s WinRM", "services", NETWORK_SERVICE,
                  NETWORK_SERVICE_LOGON, "System", 0, (200, 900))
        if device.kind == "dc":  # the DC's DNS server and time service answer the estate (UDP 53, 123)
            spawn("dnsserver", "dns.exe", r"C:\Windows\system32\dns.exe", "services", *sys_, (200, 900))
            spawn("w32time", "svchost.exe", rf"{svc} -k LocalService -s W32Time", "services", LOCAL_SERVICE,
                  LOCAL_SERVICE_LOGON, "System", 0, (50, 400))
        # Boot-time listeners (ListeningConnectionCreated), owned by the processes that bind them.
        for slot, port in (("system", 445), ("system", 139), ("rpcss", 135), ("lsass", 49664), ("wininit", 49665),
                           ("localsvc", 49666), ("schedule", 49667), ("spoolsv", 49668), ("services", 49669)):
            owner = int(self.slot_index[dev, boot, SLOT[slot]])
            self.log.add(NETWORK, dev=dev, time=clock + int(rng.integers(100, 3000)) * MS, owner=owner,
                         action=self.strings.add("ListeningConnectionCreated"), lip=self.strings.add("0.0.0.0"),
                         lport=port, proto=self.strings.add("TcpV4"), liptype=self.strings.add("Unspecified"))
        # Role servers: DCOM servers that live all day and accept remote connections (seed FP sources).
        clock += int(rng.integers(40_000, 120_000)) * MS
        if "mgmt" in device.roles:
            spawn("unsecapp", "unsecapp.exe", r"C:\Windows\system32\wbem\unsecapp.exe -Embedding", "dcomlaunch", *sys_,
                  (100, 2000), pid_value=self.pids.allocate(dev, rng))
        if "complus" in device.roles:
            spawn("complus", "dllhost.exe", r"C:\Windows\system32\dllhost.exe /Processid:{5B2E7A31-4F7C-4C1A-9E44-0C3A8D2F61B7}",
                  "dcomlaunch", self.services["svc-app"], int(rng.integers(0x100000, 0x200000)), "High", 0,
                  (100, 2000), pid_value=self.pids.allocate(dev, rng))
        if device.kind != "workstation":
            return
        # Interactive logon of the workstation's user: userinit -> explorer, then the day's applications.
        logon = int(rng.integers(0x200000, 0x9FFFFF))
        user = (device.user, logon, "Medium", 1)
        clock = max(clock, boot_time + int(rng.integers(60, 400)) * SECOND)
        self.log.add(LOGON, dev=dev, time=clock - 400 * MS, owner=int(self.slot_index[dev, boot, SLOT["winlogon"]]),
                     action=self.strings.add("LogonSuccess"), ltype=self.strings.add("Interactive"), acct=device.user,
                     proto=self.strings.add("Kerberos"), admin=0, logon=logon)
        alloc = self.pids.allocate
        limited = "TokenElevationTypeLimited"
        spawn("userinit", "userinit.exe", r"C:\Windows\system32\userinit.exe", "winlogon", *user, (0, 10),
              pid_value=alloc(dev, rng), elevation=limited)
        spawn("explorer", "explorer.exe", r"C:\Windows\Explorer.EXE", "userinit", *user, (200, 900),
              pid_value=alloc(dev, rng), elevation=limited)
        apps = [("onedrive", "OneDrive.exe", r'"C:\Program Files\Microsoft OneDrive\OneDrive.exe" /background', (3000, 20000)),
                ("teams", "ms-teams.exe", r'"C:\Program Files\WindowsApps\MSTeams_24215.1007.3082.1590_x64__8wekyb3d8bbwe\ms-teams.exe" msteams:system-initiated',
                 (5000, 40000)),
                ("chrome", "chrome.exe", r'"C:\Program Files\Google\Chrome\Application\chrome.exe"', (10000, 300000)),
                ("outlook", "OUTLOOK.EXE", r'"C:\Program Files\Microsoft Office\Root\Office16\OUTLOOK.EXE"', (10000, 600000))]
        if rng.random() < 0.5:
            apps.append(("msedge", "msedge.exe", r'"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --no-startup-window',
                         (2000, 30000)))
        for slot, image, cmd, delay in apps:
            spawn(slot, image, cmd, "explorer", *user, delay, pid_value=alloc(dev, rng), elevation=limited)

    # --- lookups -----------------------------------------------------------------------------------------

    def boot_at(self, dev: np.ndarray, time: np.ndarray) -> np.ndarray:
        """Index of the boot running at `time` (-1 if the device is down or not yet booted)."""
        starts = self.boot_start[dev]
        boot = (starts <= time[:, None]).sum(axis=1) - 1
        ok = boot >= 0
        ok[ok] &= time[ok] <= self.boot_end[dev[ok], boot[ok]]
        return np.where(ok, boot, -1)

    def slot(self, dev: np.ndarray, boot: np.ndarray, slot: str) -> np.ndarray:
        """Static process index of `slot` for each (device, boot); -1 where absent."""
        out = np.full(len(dev), -1, dtype=np.int64)
        ok = boot >= 0
        out[ok] = self.slot_index[dev[ok], boot[ok], SLOT[slot]]
        return out

    def slot_at(self, dev: int, time: int, slot: str) -> int:
        boot = int(self.boot_at(np.array([dev]), np.array([time]))[0])
        return -1 if boot < 0 else int(self.slot_index[dev, boot, SLOT[slot]])


def link_local(device_id: str) -> str:
    """The device's stable IPv6 link-local address (fe80::/64, interface id from the device id)."""
    suffix = int(device_id[:12], 16)
    return "fe80::{:x}:{:x}:{:x}:{:x}".format(*((suffix >> s) & 0xFFFF for s in (36, 24, 12, 0)))


def service_port(device_id: str, salt: str = "dyn") -> int:
    """A stable dynamic RPC port (49700-64699) a long-lived server of this device listens on."""
    return 49700 + int(hashlib.sha1(f"{salt}|{device_id}".encode()).hexdigest()[:8], 16) % 15000


def hour_weight(hour_of_day: np.ndarray | int) -> np.ndarray:
    """Relative interactive activity by hour of day (business hours 08-18 carry ~80% of it)."""
    hour = np.asarray(hour_of_day)
    return np.where((hour >= 8) & (hour < 18), 1.0, 0.11)

