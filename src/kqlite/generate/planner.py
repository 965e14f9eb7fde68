"""Placing labelled scenarios: how many of each, on which device, when, and the helpers their builders use.

Scenario processes live in their own segment of the process index space and their PIDs are reserved on
the target device, so background processes never share a (device, PID) with them; their events carry
the instance number, from which `labels.py` collects the ReportIds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kqlite.generate import events as ev
from kqlite.generate.catalog import FileEntry
from kqlite.generate.columns import MINUTE, MS, SECOND
from kqlite.generate.events import EventLog
from kqlite.generate.model import SLOT, Estate
from kqlite.generate.procs import ELEVATION, INTEGRITY, ProcStore


@dataclass
class Instance:
    """One injected occurrence of a scenario."""

    number: int
    scenario: object  # scenarios.Scenario (kept untyped here to avoid an import cycle)
    dev: int
    t0: int
    source_ip: str = ""
    other_devices: set[int] = field(default_factory=set)
    notes: dict[str, object] = field(default_factory=dict)


class Planner:
    """Owns the scenario process segment and event log; hands out `Ctx` objects to scenario builders."""

    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        self.procs = ProcStore()
        self.offset = len(estate.static)
        self.log = EventLog()
        self.instances: list[Instance] = []
        self.rng = np.random.default_rng([estate.config.seed, 1])
        self.attacker = estate.admins[int(self.rng.integers(0, len(estate.admins)))]  # the compromised admin

    def record(self, index: int) -> dict[str, int]:
        if index < self.offset:
            return self.estate.static.get(index)
        return self.procs.get(index - self.offset)

    def ready_time(self, dev: int, boot: int) -> int:
        """Earliest time a scenario may start in this boot: after logon/role servers have settled."""
        start = int(self.estate.boot_start[dev, boot])
        ready = start + 5 * MINUTE
        for slot in ("explorer", "unsecapp", "complus"):
            index = int(self.estate.slot_index[dev, boot, SLOT[slot]])
            if index >= 0:
                ready = max(ready, self.estate.static.arrays["ctime"][index] + 2 * MINUTE)
        return max(ready, self.estate.config.start_us + 5 * MINUTE)

    def place(self, scenario: object, dev: int, duration_s: float) -> tuple[int, float]:
        """A start time for a scenario on `dev`, and the time budget (seconds) its builder may use."""
        device = self.estate.devices[dev]
        boot = int(self.rng.integers(0, len(device.boots)))
        ready = self.ready_time(dev, boot)
        last = int(self.estate.boot_end[dev, boot]) - 2 * MINUTE
        room = (last - ready) / SECOND
        if room <= duration_s:
            budget = max(room * 0.9, 30.0)
            return ready, budget
        t0 = ready + int(self.rng.integers(0, int((room - duration_s) * 1000))) * MS
        return t0, duration_s

    def context(self, scenario: object, dev: int, duration_s: float, source_ip: str) -> Ctx:
        t0, budget = self.place(scenario, dev, duration_s)
        instance = Instance(len(self.instances), scenario, dev, t0, source_ip)
        self.instances.append(instance)
        return Ctx(self, instance, budget)


class Ctx:
    """What a scenario builder writes with: processes and events on the target (or another) device."""

    def __init__(self, planner: Planner, instance: Instance, budget_s: float) -> None:
        self.planner = planner
        self.estate = planner.estate
        self.instance = instance
        self.dev = instance.dev
        self.t0 = instance.t0
        self.budget = budget_s * SECOND
        self.rng = np.random.default_rng([planner.estate.config.seed, 2, instance.number])
        self.s = planner.estate.strings
        self.src = instance.source_ip
        self.attacker = planner.attacker

    # --- time -------------------------------------------------------------------------------------------------

    def after(self, base: int, lo_ms: float, hi_ms: float) -> int:
        """base + a random delay in [lo, hi) ms, millisecond precision."""
        return int(base + int(self.rng.integers(int(lo_ms), max(int(lo_ms) + 1, int(hi_ms)))) * MS)

    def later(self, base: int, fraction: float) -> int:
        """A time `fraction` of the way through this instance's budget (long-running scenarios)."""
        return int(base + int(self.budget * fraction) // MS * MS)

    # --- lookups ----------------------------------------------------------------------------------------------

    def slot(self, name: str, time: int | None = None, dev: int | None = None) -> int:
        index = self.estate.slot_at(self.dev if dev is None else dev, self.t0 if time is None else time, name)
        if index < 0:
            raise LookupError(f"{self.instance.scenario}: device {self.dev} has no {name} at that time")
        return index

    def record(self, index: int) -> dict[str, int]:
        return self.planner.record(index)

    def ip(self, dev: int | None = None) -> str:
        return self.estate.devices[self.dev if dev is None else dev].ip

    def dyn_port(self) -> int:
        return int(self.rng.integers(49152, 65536))

    def ephemeral(self, linux: bool) -> int:
        return int(self.rng.integers(32768, 61000)) if linux else int(self.rng.integers(49152, 65536))

    def new_logon_id(self) -> int:
        return int(self.rng.integers(0x1000000, 0x7FFFFFF))

    def _dev(self, dev: int | None) -> int:
        if dev is None or dev == self.dev:
            return self.dev
        self.instance.other_devices.add(dev)
        return dev

    # --- processes --------------------------------------------------------------------------------------------

    def spawn(self, parent: int, image: str, cmd: str, time: int, acct: int | None = None, logon: int | None = None,
              integrity: str | None = None, elevation: str | None = None, session: int | None = None,
              pid: int | None = None, dev: int | None = None) -> int:
        """Create a process (and its DeviceProcessEvents row); identity defaults to the parent's."""
        dev = self._dev(dev)
        p = self.record(parent)
        if pid is None:
            pid = self.estate.pids.allocate(dev, self.rng)
        else:
            self.estate.pids.reserve(dev, pid)
        local = self.planner.procs.append(
            dev=dev, image=self.estate.catalog[image], pid=pid, ctime=time, cmd=self.estate.cmds.add(cmd),
            integ=INTEGRITY.index(integrity) if integrity else p["integ"],
            elev=ELEVATION.index(elevation) if elevation else p["elev"],
            acct=p["acct"] if acct is None else acct, logon=p["logon"] if logon is None else logon,
            sess=p["sess"] if session is None else session, pimage=p["image"], ppid=p["pid"], pctime=p["ctime"],
        )
        index = self.planner.offset + local
        self.planner.log.add(ev.PROCESS, dev=dev, time=time, owner=parent, child=index, scen=self.instance.number)
        return index

    def server(self, image: str, cmd: str, time: int, logon: int, acct: int | None = None, integrity: str = "High",
               elevation: str = "TokenElevationTypeFull") -> int:
        """A COM server launched by the DCOM Server Process Launcher for a remote activation."""
        return self.spawn(self.slot("dcomlaunch", time), image, cmd, time, self.attacker if acct is None else acct, logon,
                          integrity, elevation, 0)

    def pid_of(self, index: int) -> int:
        return self.record(index)["pid"]

    # --- events -----------------------------------------------------------------------------------------------

    def _net(self, owner: int, time: int, action: str, rip: str, rport: int, lip: str, lport: int, proto: str = "Tcp",
             liptype: str = "Private", riptype: str = "Private", url: str = "", dev: int | None = None) -> None:
        s = self.s
        self.planner.log.add(ev.NETWORK, dev=self._dev(dev), time=time, owner=owner, scen=self.instance.number,
                             action=s.add(action), rip=s.add(rip), rport=rport, lip=s.add(lip), lport=lport,
                             proto=s.add(proto), liptype=s.add(liptype), riptype=s.add(riptype), url=s.add(url))

    def inbound(self, owner: int, time: int, rip: str, rport: int, lport: int, lip: str | None = None,
                riptype: str = "Private", liptype: str = "Private", dev: int | None = None) -> None:
        self._net(owner, time, "InboundConnectionAccepted", rip, rport, lip or self.ip(dev), lport, "Tcp", liptype, riptype,
                  dev=dev)

    def outbound(self, owner: int, time: int, rip: str, rport: int, url: str = "", riptype: str = "Public",
                 action: str = "ConnectionSuccess", dev: int | None = None, lport: int | None = None) -> None:
        self._net(owner, time, action, rip, rport, self.ip(dev), self.ephemeral(False) if lport is None else lport, "Tcp",
                  "Private", riptype, url, dev)

    def listen(self, owner: int, time: int, lport: int) -> None:
        self._net(owner, time, "ListeningConnectionCreated", "", -1, "0.0.0.0", lport, "TcpV4", "Unspecified", "")

    def logon(self, time: int, acct: int, rip: str, proto: str = "NTLM", ltype: str = "Network", admin: int = 1,
              logon: int | None = None, rdev: str = "") -> int:
        logon = self.new_logon_id() if logon is None else logon
        s = self.s
        self.planner.log.add(ev.LOGON, dev=self.dev, time=time, owner=self.slot("lsass", time), scen=self.instance.number,
                             action=s.add("LogonSuccess"), ltype=s.add(ltype), acct=acct, proto=s.add(proto), admin=admin,
                             logon=logon, rdev=s.add(rdev), rip=s.add(rip), riptype=s.add("Private"),
                             rport=self.ephemeral(True) if proto == "NTLM" else -1, extra=s.add('{"IsLocalLogon":false}'))
        return logon

    def file(self, owner: int, time: int, key: str, entry: FileEntry | None = None, action: str = "FileCreated",
             smb_from: str = "", smb_acct: int = 0, share: str = "", dev: int | None = None) -> int:
        """A file event; `smb_from` marks a write that arrived over SMB (RequestProtocol/RequestSourceIP)."""
        file = self.estate.catalog.add(key, entry) if entry is not None else self.estate.catalog[key]
        s = self.s
        self.planner.log.add(ev.FILE, dev=self._dev(dev), time=time, owner=owner, scen=self.instance.number, action=s.add(action),
                             file=file, rproto=s.add("SMB" if smb_from else ""), rip=s.add(smb_from),
                             rport=self.ephemeral(True) if smb_from else -1, racct=smb_acct, share=s.add(share))
        return file

    def load(self, owner: int, time: int, key: str, entry: FileEntry | None = None) -> None:
        file = self.estate.catalog.add(key, entry) if entry is not None else self.estate.catalog[key]
        self.planner.log.add(ev.IMAGE, dev=self.dev, time=time, owner=owner, scen=self.instance.number, file=file)

    # --- the common prelude of a remote DCOM activation ------------------------------------------------------------

    def prelude(self, proto: str = "NTLM", smb: bool = False, rdev: str = "") -> int:
        """Network logon of the attacker, optional SMB session first (Impacket), inbound :135 to RPCSS.
        Returns the new logon session id (the COM server runs in it)."""
        linux = proto == "NTLM"
        if smb:
            self.inbound(self.slot("system"), self.after(self.t0, -2000, -300), self.src, self.ephemeral(linux), 445)
        logon = self.logon(self.after(self.t0, -50, 0), self.attacker, self.src, proto, rdev=rdev)
        rpcss = self.slot("rpcss")
        self.inbound(rpcss, self.t0, self.src, self.ephemeral(linux), 135)
        if self.rng.random() < 0.5:  # often two connections 4 ms apart [D]
            self.inbound(rpcss, self.t0 + 4 * MS, self.src, self.ephemeral(linux), 135)
        return logon

