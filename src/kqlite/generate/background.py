"""Benign background activity for one chunk (a few hours x a batch of devices), vectorised with numpy.

Per rule and device, event counts are Poisson draws; times are uniform within each hour; the parent of a
new process is the long-lived process of the device's current boot (or a process created earlier in the
same chunk); every new process gets a fresh PID (multiple of 4, reused freely between background
processes) and its rows copy the parent's record. No Python loop runs per row, except for the rare
per-instance command lines (WerFault's `-p <pid>`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kqlite.generate import events as ev
from kqlite.generate.activity import Profiles
from kqlite.generate.columns import HOUR, MS, SECOND
from kqlite.generate.model import (
    NETWORK_SERVICE,
    NETWORK_SERVICE_LOGON,
    SYSTEM,
    SYSTEM_LOGON,
    Estate,
    hour_weight,
)
from kqlite.generate.modules import IMAGE_SETS, RARE, SETS
from kqlite.generate.procs import ELEVATION, FIELDS, INTEGRITY, ProcStore, unique_ids
from kqlite.generate.rules import (
    ACTIVITIES,
    LOOPBACK_DCOM,
    RPC_MANAGEMENT,
    SPAWNS,
    WINRM_SESSIONS,
    Template,
)

NETWORK_ARTIFACT = 0.02  # share of network rows stamped 1-12 s before their process's creation (sensor batching)


@dataclass
class _Compiled:
    """A template with its strings already interned."""

    template: Template
    image: int
    cmds: np.ndarray
    integ: int
    elev: int
    children: list[tuple[_Compiled, float, tuple[int, int]]] = field(default_factory=list)


class NewProcs:
    """Processes created in the current chunk (the third segment of the process index space)."""

    def __init__(self, offset: int) -> None:
        self.offset = offset
        self.parts: list[dict[str, np.ndarray]] = []
        self.count = 0

    def add(self, arrays: dict[str, np.ndarray]) -> np.ndarray:
        n = len(arrays["dev"])
        arrays = {name: np.asarray(arrays[name], dtype) for name, dtype in FIELDS.items() if name != "uid"}
        arrays["uid"] = unique_ids(arrays["dev"], arrays["pid"], arrays["ctime"])
        self.parts.append(arrays)
        index = np.arange(self.offset + self.count, self.offset + self.count + n)
        self.count += n
        return index

    def store(self) -> ProcStore:
        if not self.parts:
            return ProcStore()
        return ProcStore({name: np.concatenate([p[name] for p in self.parts]) for name in FIELDS})

    def field(self, name: str, index: np.ndarray) -> np.ndarray:
        """One attribute of processes of this segment, by global index."""
        values = np.concatenate([p[name] for p in self.parts]) if self.parts else np.zeros(0, FIELDS[name])
        return values[index - self.offset]


class Background:
    def __init__(self, estate: Estate, profiles: Profiles, density: dict[str, float]) -> None:
        self.estate = estate
        self.profiles = profiles
        self.density = {table: density.get(table, 1.0) for table in ev.TABLES}
        self._compiled: dict[int, _Compiled] = {}
        self.spawns = [(spawn, [self._compile(t) for t, _ in spawn.choices],
                        np.array([w for _, w in spawn.choices]) / sum(w for _, w in spawn.choices)) for spawn in SPAWNS]
        cat, cmds = estate.catalog, estate.cmds
        self.werfault_image = (cat["WerFault.exe"], cat["werfault.exe"])
        self.wmiprvse = self._compile(Template("WmiPrvSE.exe", (r"C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding",),
                                               "network", "System"))
        self.wsmprovhost_cmd = cmds.add(r"C:\Windows\system32\wsmprovhost.exe -Embedding")
        self.remote_tools = np.array([cat[i] for i in ("whoami.exe", "HOSTNAME.EXE", "ipconfig.exe", "systeminfo.exe", "tasklist.exe")])
        self.remote_cmds = np.array([cmds.add(c) for c in (r'"C:\Windows\system32\whoami.exe"', r'"C:\Windows\system32\HOSTNAME.EXE"',
                                                           r'"C:\Windows\system32\ipconfig.exe" /all',
                                                           r'"C:\Windows\system32\systeminfo.exe"',
                                                           r'"C:\Windows\system32\tasklist.exe" /svc')])
        self._compile_modules()
        self.loop_children = np.array([cat[i] for i in ("powershell.exe", "cmd.exe", "whoami.exe")])
        self.loop_cmds = np.array([cmds.add(c) for c in (
            r'"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -NoProfile -NonInteractive -Command "Get-Service | Where-Object Status -eq Running"',
            r'"C:\Windows\system32\cmd.exe" /c "C:\Program Files\Contoso\Agent\collect.cmd"',
            r'"C:\Windows\system32\whoami.exe" /groups')])

    def _compile_modules(self) -> None:
        """Module sets as catalog indices, and which set each executable of the catalog loads."""
        cat = self.estate.catalog
        names = list(SETS)
        self.module_sets: list[tuple[np.ndarray, np.ndarray, float, float]] = []
        for name in names:
            spec = SETS[name]
            core = list(dict.fromkeys(cat[k] for k in spec.core))
            optional = [i for i in dict.fromkeys(cat[k] for k in spec.optional) if i not in set(core)]
            self.module_sets.append((np.array(core, np.int64), np.array(optional, np.int64), spec.p, spec.rare))
        self.set_of_image = np.full(len(cat), -1, dtype=np.int64)
        for index in range(len(cat)):
            file_name = cat.entry(index).file_name
            which = IMAGE_SETS.get(file_name, "console" if file_name.lower().endswith(".exe") else "")
            self.set_of_image[index] = names.index(which) if which else -1
        self.rare_modules = np.array([cat[k] for k in RARE], np.int64)
        # Per-table densities: each started process reports its module set with this probability (all or none of
        # it), so the image-load volume stays linear in its own density.
        self.load_keep = min(1.0, self.density[ev.IMAGE] / self.density[ev.PROCESS])

    def module_loads(self, dev: np.ndarray, ctime: np.ndarray, owner: np.ndarray, image: np.ndarray, scen: np.ndarray,
                     rng: np.random.Generator) -> ev.Batch:
        """The image loads of freshly started processes: the core of their executable's module set in load order
        within ~0.3 s of the start, each optional module with its probability within a few seconds, sometimes one
        rare module. Scenario processes' loads carry their instance (they are rows of the scenario)."""
        n = len(dev)
        known = image < len(self.set_of_image)
        which = np.full(n, -1, dtype=np.int64)
        which[known] = self.set_of_image[image[known]]
        keep = (which >= 0) & (rng.random(n) < self.load_keep)
        rows, files, offsets = [], [], []
        for s, (core, optional, p, rare) in enumerate(self.module_sets):
            idx = np.flatnonzero(keep & (which == s))
            m = len(idx)
            if not m:
                continue
            rows.append(np.repeat(idx, len(core)))
            files.append(np.tile(core, m))
            offsets.append(np.tile(np.arange(len(core), dtype=np.int64) * 4, m) + rng.integers(1, 40, m * len(core)))
            if len(optional):
                r, c = np.nonzero(rng.random((m, len(optional))) < p)
                rows.append(idx[r])
                files.append(optional[c])
                offsets.append(rng.integers(150, 6_000, len(r)))
            if rare:
                r = np.flatnonzero(rng.random(m) < rare)
                rows.append(idx[r])
                files.append(self.rare_modules[rng.integers(0, len(self.rare_modules), len(r))])
                offsets.append(rng.integers(500, 30_000, len(r)))
        if not rows:
            return ev.empty(ev.IMAGE)
        row, file, offset = np.concatenate(rows), np.concatenate(files), np.concatenate(offsets)
        return ev.make(ev.IMAGE, len(row), dev=dev[row], time=ctime[row] + offset * MS, owner=owner[row], scen=scen[row], file=file)

    def _compile(self, template: Template) -> _Compiled:
        key = id(template)
        if key not in self._compiled:
            integrity = template.integrity or {"system": "System", "network": "System", "local": "System",
                                               "user": "Medium", "parent": ""}[template.identity]
            compiled = _Compiled(template, self.estate.catalog[template.image],
                                 np.array([self.estate.cmds.add(c) for c in template.cmds]),
                                 INTEGRITY.index(integrity), ELEVATION.index(template.elevation))
            self._compiled[key] = compiled
            compiled.children = [(self._compile(c.template), c.p, c.delay_ms) for c in template.children]
        return self._compiled[key]

    # --- one chunk -----------------------------------------------------------------------------------------

    def chunk(self, hours: Sequence[int], devs: np.ndarray, new: NewProcs, static: ProcStore,
              rng: np.random.Generator) -> dict[str, list[ev.Batch]]:
        out: dict[str, list[ev.Batch]] = {table: [] for table in ev.TABLES}
        start, end = self.estate.config.record_start_us, self.estate.config.end_us  # hours count from the recording start
        for hour in hours:
            t0 = start + hour * HOUR
            t1 = min(t0 + HOUR, end)
            span = (t1 - t0) / HOUR
            weight = float(hour_weight((t0 // HOUR) % 24))
            for spawn, compiled, weights in self.spawns:
                lam = np.array(spawn.rate)[self.estate.kind[devs]] * span * (weight if spawn.interactive else 1.0)
                dev, time = self._draw(devs, lam * self.density[ev.PROCESS], t0, t1, rng)
                boot = self.estate.boot_at(dev, time)
                parent = self.estate.slot(dev, boot, spawn.parent)
                ok = parent >= 0
                ok[ok] = time[ok] > static.arrays["ctime"][parent[ok]] + SECOND
                dev, time, boot, parent = dev[ok], time[ok], boot[ok], parent[ok]
                which = rng.choice(len(compiled), len(dev), p=weights)
                parents = {name: static.arrays[name][parent] for name in FIELDS}
                for i, template in enumerate(compiled):
                    mask = which == i
                    if mask.any():
                        self._spawn(template, dev[mask], time[mask], boot[mask], parent[mask],
                                    {k: v[mask] for k, v in parents.items()}, new, static, out, rng)
            for activity in ACTIVITIES:
                self._activity(activity, devs, t0, t1, span, weight, static, out, rng)
            self._rpc_management(devs, t0, t1, span, new, static, out, rng)
            self._winrm(devs, t0, t1, span, new, static, out, rng)
            self._loopback_dcom(devs, t0, t1, span, new, static, out, rng)
        started = ev.concat(ev.PROCESS, out[ev.PROCESS])
        if len(started["dev"]):
            out[ev.IMAGE].append(self.module_loads(started["dev"], started["time"], started["child"],
                                                   new.field("image", started["child"]), started["scen"], rng))
        return out

    @staticmethod
    def _draw(devs: np.ndarray, lam: np.ndarray, t0: int, t1: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        counts = rng.poisson(lam)
        dev = np.repeat(devs, counts).astype(np.int64)
        time = t0 + rng.integers(0, max(1, (t1 - t0) // MS), len(dev)) * MS
        return dev, time

    def _ratio(self, table: str) -> float:
        return self.density[table] / self.density[ev.PROCESS]

    def _keep(self, table: str, top: float, n: int, rng: np.random.Generator, p: float = 1.0) -> np.ndarray:
        """Which of n compound events (drawn at density `top`) emit their `table` part: prob p * density/top."""
        return rng.random(n) < p * self.density[table] / top

    # --- processes -------------------------------------------------------------------------------------------

    def _identity(self, identity: str, dev: np.ndarray, boot: np.ndarray, parents: dict[str, np.ndarray],
                  static: ProcStore) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(dev)
        if identity == "parent":
            return parents["acct"], parents["logon"], parents["sess"]
        if identity == "network":
            return np.full(n, NETWORK_SERVICE), np.full(n, NETWORK_SERVICE_LOGON), np.zeros(n)
        if identity == "local":
            return np.full(n, 2), np.full(n, 997), np.zeros(n)
        acct, logon, sess = np.full(n, SYSTEM), np.full(n, SYSTEM_LOGON), np.zeros(n)
        if identity == "user":  # the interactive user of this boot (servers: SYSTEM)
            explorer = self.estate.slot(dev, boot, "explorer")
            has = explorer >= 0
            acct[has] = static.arrays["acct"][explorer[has]]
            logon[has] = static.arrays["logon"][explorer[has]]
            sess[has] = static.arrays["sess"][explorer[has]]
        return acct, logon, sess

    def _spawn(self, c: _Compiled, dev: np.ndarray, time: np.ndarray, boot: np.ndarray, parent_index: np.ndarray,
               parents: dict[str, np.ndarray], new: NewProcs, static: ProcStore, out: dict[str, list[ev.Batch]],
               rng: np.random.Generator) -> None:
        n = len(dev)
        if n == 0:
            return
        t = c.template
        acct, logon, sess = self._identity(t.identity, dev, boot, parents, static)
        integ = parents["integ"] if t.identity == "parent" else np.full(n, c.integ)
        elev = parents["elev"] if t.identity == "parent" else np.full(n, c.elev)
        record = {
            "dev": dev, "image": np.full(n, c.image), "pid": self.estate.pids.draw(dev, rng), "ctime": time,
            "cmd": c.cmds[rng.integers(0, len(c.cmds), n)], "integ": integ, "elev": elev, "acct": acct, "logon": logon,
            "sess": sess, "pimage": parents["image"], "ppid": parents["pid"], "pctime": parents["ctime"],
        }
        index = new.add(record)
        out[ev.PROCESS].append(ev.make(ev.PROCESS, n, dev=dev, time=time, owner=parent_index, child=index))
        self._owned(c.template, dev, time, index, out, rng)
        for child, p, (lo, hi) in c.children:
            mask = rng.random(n) < p
            if mask.any():
                delay = rng.integers(lo, hi, int(mask.sum())) * MS
                self._spawn(child, dev[mask], time[mask] + delay, boot[mask], index[mask],
                            {k: v[mask] for k, v in record.items()}, new, static, out, rng)
        if t.werfault:
            mask = rng.random(n) < t.werfault
            if mask.any():
                self._werfault(dev[mask], time[mask], index[mask], {k: v[mask] for k, v in record.items()}, new, out, rng)

    def _werfault(self, dev: np.ndarray, time: np.ndarray, parent_index: np.ndarray, parents: dict[str, np.ndarray],
                  new: NewProcs, out: dict[str, list[ev.Batch]], rng: np.random.Generator) -> None:
        """B7 crash noise: `WerFault.exe -u -p <pid> -s <n>` as a child of the crashing process."""
        n = len(dev)
        lower = rng.random(n) < 0.05  # the on-disk spelling sometimes reported instead (W6)
        cmds = np.array([self.estate.cmds.add(rf"C:\Windows\system32\WerFault.exe -u -p {int(pid)} -s {int(s)}")
                         for pid, s in zip(parents["pid"], rng.integers(100, 2000, n), strict=True)])
        ctime = time + rng.integers(500, 30000, n) * MS
        record = {"dev": dev, "image": np.where(lower, self.werfault_image[1], self.werfault_image[0]),
                  "pid": self.estate.pids.draw(dev, rng), "ctime": ctime, "cmd": cmds, "integ": parents["integ"],
                  "elev": parents["elev"], "acct": parents["acct"], "logon": parents["logon"], "sess": parents["sess"],
                  "pimage": parents["image"], "ppid": parents["pid"], "pctime": parents["ctime"]}
        index = new.add(record)
        out[ev.PROCESS].append(ev.make(ev.PROCESS, n, dev=dev, time=ctime, owner=parent_index, child=index))
        counts = rng.poisson(self._ratio(ev.FILE), n)
        d, tm, o = np.repeat(dev, counts), np.repeat(ctime, counts), np.repeat(index, counts)
        files = self.profiles.files("wer", d, rng)
        out[ev.FILE].append(ev.make(ev.FILE, len(d), dev=d, time=tm + rng.integers(200, 5000, len(d)) * MS, owner=o, **files))

    def _owned(self, t: Template, dev: np.ndarray, time: np.ndarray, owner: np.ndarray, out: dict[str, list[ev.Batch]],
               rng: np.random.Generator) -> None:
        """Network and file rows of freshly created processes (their image loads: `module_loads`).

        Per process they are scaled by density[table] / density[process], so each table's volume is
        proportional to its own density (the process count already carries density[process])."""
        for profile, expected in t.net:
            counts = rng.poisson(expected * self._ratio(ev.NETWORK), len(dev))
            if counts.any():
                d, tm, o = np.repeat(dev, counts), np.repeat(time, counts), np.repeat(owner, counts)
                offset = rng.integers(100, 30000, len(d)) * MS
                early = rng.random(len(d)) < NETWORK_ARTIFACT
                offset[early] = -rng.integers(1000, 12000, int(early.sum())) * MS
                out[ev.NETWORK].append(ev.make(ev.NETWORK, len(d), dev=d, time=tm + offset, owner=o,
                                               **self.profiles.network(profile, d, rng)))
        for profile, expected in t.files:
            counts = rng.poisson(expected * self._ratio(ev.FILE), len(dev))
            if counts.any():
                d, tm, o = np.repeat(dev, counts), np.repeat(time, counts), np.repeat(owner, counts)
                out[ev.FILE].append(ev.make(ev.FILE, len(d), dev=d, time=tm + rng.integers(200, 60000, len(d)) * MS, owner=o,
                                            **self.profiles.files(profile, d, rng)))

    # --- activity of long-lived processes ---------------------------------------------------------------------

    def _activity(self, activity, devs: np.ndarray, t0: int, t1: int, span: float, weight: float, static: ProcStore,
                  out: dict[str, list[ev.Batch]], rng: np.random.Generator) -> None:
        table = {"net": ev.NETWORK, "file": ev.FILE, "logon": ev.LOGON, "load": ev.IMAGE}[activity.table]
        lam = np.array(activity.rate)[self.estate.kind[devs]] * span * (weight if activity.interactive else 1.0)
        if activity.roles:
            lam = lam * np.any([self.estate.roles[r][devs] for r in activity.roles], axis=0)
        dev, time = self._draw(devs, lam * self.density[table], t0, t1, rng)
        if not len(dev):
            return
        boot = self.estate.boot_at(dev, time)
        owner = self.estate.slot(dev, boot, activity.owner)
        ok = owner >= 0
        ok[ok] = time[ok] > static.arrays["ctime"][owner[ok]] + SECOND
        dev, time, owner = dev[ok], time[ok], owner[ok]
        n = len(dev)
        if not n:
            return
        if table == ev.NETWORK:
            fields = self.profiles.network(activity.profile, dev, rng)
        elif table == ev.FILE:
            fields = self.profiles.files(activity.profile, dev, rng)
        elif table == ev.LOGON:
            fields = self.profiles.logons(activity.profile, dev, rng)
        else:
            fields = {"file": self.profiles.load_profile(activity.profile, n, rng)}
        out[table].append(ev.make(table, n, dev=dev, time=time, owner=owner, **fields))

    # --- compound benign activities ----------------------------------------------------------------------------

    def _slots(self, devs: np.ndarray, rate: np.ndarray, t0: int, t1: int, span: float, density: float,
               static: ProcStore, rng: np.random.Generator, *slots: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
        """Draw events at per-device hourly `rate`; keep those whose device has all `slots` running."""
        dev, time = self._draw(devs, rate * span * density, t0, t1, rng)
        boot = self.estate.boot_at(dev, time)
        found = [self.estate.slot(dev, boot, s) for s in slots]
        ok = np.all([f >= 0 for f in found], axis=0) if found else np.ones(len(dev), bool)
        if len(dev):
            ok[ok] = time[ok] > static.arrays["ctime"][found[0][ok]] + 10 * SECOND
        return dev[ok], time[ok], boot[ok], [f[ok] for f in found]

    def _child_record(self, static: ProcStore, parent: np.ndarray, dev: np.ndarray, time: np.ndarray, image: np.ndarray,
                      cmd: np.ndarray, acct: np.ndarray, logon: np.ndarray, integ: int, elev: int,
                      rng: np.random.Generator, parents: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
        p = parents if parents is not None else {k: static.arrays[k][parent] for k in ("image", "pid", "ctime")}
        n = len(dev)
        return {"dev": dev, "image": image, "pid": self.estate.pids.draw(dev, rng), "ctime": time, "cmd": cmd,
                "integ": np.full(n, integ), "elev": np.full(n, elev), "acct": acct, "logon": logon, "sess": np.zeros(n),
                "pimage": p["image"], "ppid": p["pid"], "pctime": p["ctime"]}

    def _rpc_management(self, devs, t0, t1, span, new, static, out, rng) -> None:
        """B2: management hosts query WMI: inbound :135 (RPCSS), then the Winmgmt service's dynamic port, and
        sometimes a WmiPrvSE.exe from DcomLaunch within a second. No DcomLaunch child accepts a connection."""
        top = max(self.density[t] for t in (ev.NETWORK, ev.LOGON, ev.PROCESS))
        dev, time, boot, (rpcss, winmgmt, dcom, lsass) = self._slots(
            devs, np.array(RPC_MANAGEMENT)[self.estate.kind[devs]], t0, t1, span, top, static, rng,
            "rpcss", "winmgmt", "dcomlaunch", "lsass")
        n = len(dev)
        if not n:
            return
        nm, prof = self.profiles.names, self.profiles
        source = prof._other_device(dev, prof.mgmt_dev, rng)
        src_ip = self.estate.device_ip[source]
        logon = self._keep(ev.LOGON, top, n, rng)
        logons = prof.logons("net_mgmt", dev[logon], rng)
        logons.update(rip=src_ip[logon], rdev=prof.device_name[source][logon])
        out[ev.LOGON].append(ev.make(ev.LOGON, int(logon.sum()), dev=dev[logon], time=time[logon] - rng.integers(5, 60, int(logon.sum())) * MS,
                                     owner=lsass[logon], **logons))
        inbound = {"action": np.full(n, nm["InboundConnectionAccepted"]), "rip": src_ip, "rport": rng.integers(49152, 65536, n),
                   "lip": self.estate.device_ip[dev], "proto": np.full(n, nm["Tcp"]), "liptype": np.full(n, nm["Private"]),
                   "riptype": np.full(n, nm["Private"])}
        for mask, owner, lport, delay in ((self._keep(ev.NETWORK, top, n, rng), rpcss, np.full(n, 135), (0, 1)),
                                          (self._keep(ev.NETWORK, top, n, rng, 0.5), winmgmt, prof.dyn_port[dev] + 7, (60, 400))):
            k = int(mask.sum())
            sub = {key: value[mask] for key, value in inbound.items()}
            sub["rport"] = rng.integers(49152, 65536, k)
            out[ev.NETWORK].append(ev.make(ev.NETWORK, k, dev=dev[mask], time=time[mask] + rng.integers(*delay, k) * MS,
                                           owner=owner[mask], lport=lport[mask], **sub))
        spawn = self._keep(ev.PROCESS, top, n, rng, 0.15)
        if spawn.any():
            d = dev[spawn]
            k = len(d)
            c = self.wmiprvse
            record = self._child_record(static, dcom[spawn], d, time[spawn] + rng.integers(50, 1500, k) * MS, np.full(k, c.image),
                                        np.full(k, int(c.cmds[0])), np.full(k, NETWORK_SERVICE), np.full(k, NETWORK_SERVICE_LOGON),
                                        c.integ, c.elev, rng)
            index = new.add(record)
            out[ev.PROCESS].append(ev.make(ev.PROCESS, k, dev=d, time=record["ctime"], owner=dcom[spawn], child=index))

    def _winrm(self, devs, t0, t1, span, new, static, out, rng) -> None:
        """B5: PowerShell remoting into servers: network logon, inbound 5985 owned by System, wsmprovhost.exe
        from DcomLaunch running the commands as the admin. wsmprovhost itself accepts nothing."""
        top = max(self.density[t] for t in (ev.NETWORK, ev.LOGON, ev.PROCESS))
        dev, time, boot, (system, dcom, lsass) = self._slots(
            devs, np.array(WINRM_SESSIONS)[self.estate.kind[devs]], t0, t1, span, top, static, rng, "system", "dcomlaunch", "lsass")
        n = len(dev)
        if not n:
            return
        nm, prof, est = self.profiles.names, self.profiles, self.estate
        source = prof._other_device(dev, np.concatenate([prof.mgmt_dev, prof.ws_dev[:1]]), rng)
        admins = np.array(est.admins)[rng.integers(0, len(est.admins), n)]
        logon_id = rng.integers(0x1000000, 0x7FFFFFF, n)
        m = self._keep(ev.LOGON, top, n, rng)
        out[ev.LOGON].append(ev.make(ev.LOGON, int(m.sum()), dev=dev[m], time=time[m] - 30 * MS, owner=lsass[m], action=nm["LogonSuccess"],
                                     ltype=nm["Network"], acct=admins[m], proto=nm["Kerberos"], admin=1, logon=logon_id[m],
                                     rdev=prof.device_name[source][m], rip=est.device_ip[source][m], riptype=nm["Private"],
                                     extra=nm['{"IsLocalLogon":false}']))
        m = self._keep(ev.NETWORK, top, n, rng)
        k = int(m.sum())
        out[ev.NETWORK].append(ev.make(ev.NETWORK, k, dev=dev[m], time=time[m], owner=system[m], action=nm["InboundConnectionAccepted"],
                                       rip=est.device_ip[source][m], rport=rng.integers(49152, 65536, k), lip=est.device_ip[dev][m],
                                       lport=5985, proto=nm["Tcp"], liptype=nm["Private"], riptype=nm["Private"]))
        m = self._keep(ev.PROCESS, top, n, rng)
        k = int(m.sum())
        if not k:
            return
        host = self._child_record(static, dcom[m], dev[m], time[m] + rng.integers(200, 900, k) * MS,
                                  np.full(k, est.catalog["wsmprovhost.exe"]), np.full(k, self.wsmprovhost_cmd), admins[m], logon_id[m],
                                  INTEGRITY.index("High"), ELEVATION.index("TokenElevationTypeFull"), rng)
        host_index = new.add(host)
        out[ev.PROCESS].append(ev.make(ev.PROCESS, k, dev=dev[m], time=host["ctime"], owner=dcom[m], child=host_index))
        self._commands(host, host_index, self.remote_tools, self.remote_cmds, new, static, out, rng)

    def _loopback_dcom(self, devs, t0, t1, span, new, static, out, rng) -> None:
        """B4 (background part): a local agent drives wsmprovhost.exe over TCP to 127.0.0.1 (the original
        author's "znremote" case). The seed's `RemoteIP !contains "127.0.0.1"` drops these."""
        rate = np.where(self.estate.roles["loopdcom"][devs], LOOPBACK_DCOM, 0.0)
        dev, time, boot, (dcom,) = self._slots(devs, rate, t0, t1, span, self.density[ev.PROCESS], static, rng, "dcomlaunch")
        n = len(dev)
        if not n:
            return
        nm, est = self.profiles.names, self.estate
        host = self._child_record(static, dcom, dev, time, np.full(n, est.catalog["wsmprovhost.exe"]),
                                  np.full(n, self.wsmprovhost_cmd), np.full(n, SYSTEM), np.full(n, SYSTEM_LOGON),
                                  INTEGRITY.index("System"), ELEVATION.index("TokenElevationTypeDefault"), rng)
        host_index = new.add(host)
        out[ev.PROCESS].append(ev.make(ev.PROCESS, n, dev=dev, time=time, owner=dcom, child=host_index))
        counts = rng.poisson(self._ratio(ev.NETWORK), n)  # the host owns its inbound rows: scale them per host
        d, tm, o = np.repeat(dev, counts), np.repeat(time, counts), np.repeat(host_index, counts)
        k = len(d)
        out[ev.NETWORK].append(ev.make(ev.NETWORK, k, dev=d, time=tm + rng.integers(100, 600, k) * MS, owner=o,
                                       action=nm["InboundConnectionAccepted"], rip=nm["127.0.0.1"], lip=nm["127.0.0.1"],
                                       rport=rng.integers(49152, 65536, k), lport=self.profiles.dyn_port[d] + 3,
                                       proto=nm["Tcp"], liptype=nm["Loopback"], riptype=nm["Loopback"]))
        self._commands(host, host_index, self.loop_children, self.loop_cmds, new, static, out, rng)

    def _commands(self, host: dict[str, np.ndarray], host_index: np.ndarray, images: np.ndarray, cmds: np.ndarray,
                  new: NewProcs, static: ProcStore, out: dict[str, list[ev.Batch]], rng: np.random.Generator) -> None:
        """1-3 commands run by a remoting host, as its children in its logon session."""
        counts = rng.integers(1, 4, len(host_index))
        rep = np.repeat(np.arange(len(host_index)), counts)
        k = len(rep)
        which = rng.integers(0, len(images), k)
        parents = {key: host[key][rep] for key in ("image", "pid", "ctime")}
        record = self._child_record(static, host_index[rep], host["dev"][rep],
                                    host["ctime"][rep] + rng.integers(800, 60000, k) * MS, images[which], cmds[which],
                                    host["acct"][rep], host["logon"][rep], int(host["integ"][0]), int(host["elev"][0]), rng,
                                    parents=parents)
        index = new.add(record)
        out[ev.PROCESS].append(ev.make(ev.PROCESS, k, dev=record["dev"], time=record["ctime"], owner=host_index[rep], child=index))
