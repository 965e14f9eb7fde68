"""Benchmark the seed rule "Remote DCOM Child Proc": kqlite vs. the same logic hand-written in DuckDB SQL.

For each requested size N the script generates Defender-shaped DeviceProcessEvents and DeviceNetworkEvents
Parquet files with N rows each (vectorised with numpy/pyarrow, fixed seed, cached under --data-dir), then
on ONE DuckDB connection runs (a) the seed through `kqlite.connect(tables={...parquet paths...})` and (b) a
hand-written DuckDB SQL rendering of it on `con.duckdb`, each --repeat times after a warm-up, checks that
both return the same number of rows, and prints best/median seconds and the kqlite/hand ratio.

    python benchmarks/bench_seed.py --rows 1000000 5000000 --data-dir benchmarks/data
    python benchmarks/bench_seed.py --rows 100000 --hand-only      # without kqlite (data + hand SQL only)
    python benchmarks/bench_seed.py --rows 10000000 --spark        # also the seed on Spark (local[*])

Data model (only the columns the query reads need realistic content; every schema column is present):
per device a boot chain (smss, wininit, services, svchost DcomLaunch / RPCSS / netsvcs, userinit, explorer)
then processes started by explorer, by services, by the DcomLaunch svchost (COM servers: RuntimeBroker,
dllhost, WmiPrvSE, ... a few mmc.exe / EXCEL.EXE / raserver.exe) or by an earlier process of the same
device (cmd, conhost, WerFault, ...). PIDs are multiples of 4 drawn from a small range, so they are reused.
Network rows are owned by real process rows (InitiatingProcess* copied from them); ~1% are
InboundConnectionAccepted (RPCSS :135, service hosts, some DcomLaunch COM servers, part of them loopback).
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from kqlite.schemas import table_schema

PROCESS, NETWORK = "DeviceProcessEvents", "DeviceNetworkEvents"
SEED_SQL_NAME = "remote_dcom_child_proc.kql"
GENERATOR_VERSION = 1
DAY_START_US = int(datetime(2024, 8, 5, tzinfo=UTC).timestamp() * 1_000_000)
ARROW_TYPES = {
    "string": pa.string(),
    "long": pa.int64(),
    "int": pa.int32(),
    "datetime": pa.timestamp("us", tz="UTC"),
    "bool": pa.bool_(),
    "dynamic": pa.string(),
}

# ---------------------------------------------------------------------------------------------------
# Process catalogue: (file name, folder, command line, account, integrity)
# ---------------------------------------------------------------------------------------------------

SYS32 = r"C:\Windows\System32"


@dataclass(frozen=True)
class Entry:
    name: str
    folder: str
    command: str
    account: str = "system"
    integrity: str = "System"


BOOT = [  # offset within a device's rows -> (entry, parent offset; -1 = System, PID 4)
    (Entry("smss.exe", SYS32, r"\SystemRoot\System32\smss.exe"), -1),
    (Entry("wininit.exe", SYS32, "wininit.exe"), 0),
    (Entry("services.exe", SYS32, r"C:\Windows\system32\services.exe"), 1),
    (Entry("svchost.exe", SYS32, r"C:\Windows\system32\svchost.exe -k DcomLaunch -p"), 2),
    (Entry("svchost.exe", SYS32, r"C:\Windows\system32\svchost.exe -k RPCSS -p", "network service"), 2),
    (Entry("svchost.exe", SYS32, r"C:\Windows\system32\svchost.exe -k netsvcs -p"), 2),
    (Entry("userinit.exe", SYS32, r"C:\Windows\system32\userinit.exe", "user", "Medium"), 0),
    (Entry("explorer.exe", r"C:\Windows", r"C:\Windows\Explorer.EXE", "user", "Medium"), 6),
]
BOOT_PIDS = np.array([372, 496, 640, 884, 976, 1072, 4904, 5084], dtype=np.int64)
DCOMLAUNCH, RPCSS, NETSVCS, EXPLORER = 3, 4, 5, 7


def _user(name: str, folder: str, command: str) -> Entry:
    return Entry(name, folder, command, "user", "Medium")


# Children by parent category: (entry, weight).
BY_EXPLORER = [
    (_user("chrome.exe", r"C:\Program Files\Google\Chrome\Application", '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"'), 30),
    (_user("msedge.exe", r"C:\Program Files (x86)\Microsoft\Edge\Application", '"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe"'), 15),
    (_user("OUTLOOK.EXE", r"C:\Program Files\Microsoft Office\root\Office16", '"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE"'), 10),
    (_user("notepad.exe", SYS32, '"C:\\Windows\\system32\\notepad.exe"'), 10),
    (_user("cmd.exe", SYS32, '"C:\\Windows\\system32\\cmd.exe"'), 10),
    (_user("powershell.exe", rf"{SYS32}\WindowsPowerShell\v1.0", '"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"'), 8),
    (_user("mmc.exe", SYS32, '"C:\\Windows\\system32\\mmc.exe" "C:\\Windows\\system32\\compmgmt.msc"'), 4),
    (_user("WINWORD.EXE", r"C:\Program Files\Microsoft Office\root\Office16", '"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE"'), 13),
]  # fmt: skip
BY_DCOMLAUNCH = [
    (_user("RuntimeBroker.exe", SYS32, r"C:\Windows\System32\RuntimeBroker.exe -Embedding"), 35),
    (_user("dllhost.exe", SYS32, r"C:\Windows\system32\DllHost.exe /Processid:{3EB3C877-1F16-487C-9050-104DBCD66683}"), 25),
    (Entry("WmiPrvSE.exe", rf"{SYS32}\wbem", r"C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding", "network service"), 20),
    (_user("backgroundTaskHost.exe", SYS32, '"C:\\Windows\\system32\\backgroundTaskHost.exe" -ServerName:App.AppXmtcan0h2tfbfy7k9kn8hbxb6dmzz1zh0.mca'), 10),
    (Entry("mmc.exe", SYS32, r"C:\Windows\system32\mmc.exe -Embedding", "adm-jsmith", "High"), 3),
    (Entry("EXCEL.EXE", r"C:\Program Files\Microsoft Office\root\Office16", '"C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE" /automation -Embedding', "svc-report", "High"), 3),
    (Entry("unsecapp.exe", rf"{SYS32}\wbem", r"C:\Windows\system32\wbem\unsecapp.exe -Embedding", "svc-ops", "High"), 2),
    (_user("raserver.exe", SYS32, r"C:\Windows\system32\raserver.exe /offerraupdate"), 1),
    (Entry("wsmprovhost.exe", SYS32, r"C:\Windows\system32\wsmprovhost.exe -Embedding", "adm-jsmith", "High"), 1),
]  # fmt: skip
BY_SERVICES = [
    (Entry("svchost.exe", SYS32, r"C:\Windows\system32\svchost.exe -k LocalServiceNetworkRestricted -p"), 40),
    (Entry("svchost.exe", SYS32, r"C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule"), 30),
    (Entry("taskhostw.exe", SYS32, "taskhostw.exe"), 10),
    (Entry("spoolsv.exe", SYS32, r"C:\Windows\System32\spoolsv.exe"), 5),
    (Entry("msiexec.exe", SYS32, r"C:\Windows\system32\msiexec.exe /V"), 5),
    (Entry("MsMpEng.exe", r"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24070.5-0", '"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24070.5-0\\MsMpEng.exe"'), 10),
]  # fmt: skip
BY_ANY = [  # children of an arbitrary earlier process; the account is copied from the parent
    (Entry("conhost.exe", SYS32, r"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1"), 30),
    (Entry("cmd.exe", SYS32, "cmd.exe /c echo %DATE%"), 15),
    (Entry("WerFault.exe", SYS32, r"C:\Windows\system32\WerFault.exe -u -p 4412 -s 1324"), 8),
    (Entry("chrome.exe", r"C:\Program Files\Google\Chrome\Application", '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer'), 20),
    (Entry("powershell.exe", rf"{SYS32}\WindowsPowerShell\v1.0", "powershell.exe -NoProfile -NonInteractive"), 5),
    (Entry("whoami.exe", SYS32, "whoami"), 2),
    (Entry("net.exe", SYS32, "net use"), 2),
    (Entry("rundll32.exe", SYS32, r"C:\Windows\system32\rundll32.exe shell32.dll,Control_RunDLL"), 8),
    (Entry("splwow64.exe", r"C:\Windows", r"C:\Windows\splwow64.exe 8192"), 5),
    (Entry("reg.exe", SYS32, r"reg query HKLM\Software\Microsoft\Windows\CurrentVersion\Run"), 5),
]  # fmt: skip
CATEGORIES = [  # (children table, parent rule, share of non-boot rows)
    (BY_EXPLORER, "explorer", 0.25),
    (BY_DCOMLAUNCH, "dcomlaunch", 0.10),
    (BY_SERVICES, "services", 0.20),
    (BY_ANY, "any", 0.45),
]

ENTRIES: list[Entry] = [entry for entry, _ in BOOT]
for _children, _, _ in CATEGORIES:
    ENTRIES.extend(entry for entry, _ in _children)
ENTRY_INDEX = {id(entry): index for index, entry in enumerate(ENTRIES)}
SYSTEM_ENTRY = len(ENTRIES)  # pseudo-entry for the kernel (PID 4), parent of smss.exe
ENTRIES.append(Entry("System", "", "", "system", "System"))


def _dict(values: list[str], indices: np.ndarray) -> pa.Array:
    """Strings by index, built in C++ (a dictionary array decoded to plain strings)."""
    return pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), pa.array(values, pa.string())).cast(
        pa.string()
    )


def _digest(entry: Entry, algorithm: str) -> str:
    if not entry.folder:
        return ""
    return hashlib.new(algorithm, f"{entry.folder}\\{entry.name}".lower().encode()).hexdigest()


ENTRY_COLUMNS = {
    "FileName": [e.name for e in ENTRIES],
    "FolderPath": [f"{e.folder}\\{e.name}" if e.folder else "" for e in ENTRIES],
    "ProcessCommandLine": [e.command for e in ENTRIES],
    "SHA1": [_digest(e, "sha1") for e in ENTRIES],
    "SHA256": [_digest(e, "sha256") for e in ENTRIES],
    "MD5": [_digest(e, "md5") for e in ENTRIES],
    "ProcessIntegrityLevel": [e.integrity for e in ENTRIES],
}
# The process columns that a child (or a network row) copies into InitiatingProcess<suffix>.
INHERITED_ENTRY = {
    "InitiatingProcessFileName": "FileName",
    "InitiatingProcessFolderPath": "FolderPath",
    "InitiatingProcessCommandLine": "ProcessCommandLine",
    "InitiatingProcessSHA1": "SHA1",
    "InitiatingProcessSHA256": "SHA256",
    "InitiatingProcessMD5": "MD5",
    "InitiatingProcessIntegrityLevel": "ProcessIntegrityLevel",
}

# ---------------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------------


@dataclass
class Processes:
    device: np.ndarray  # int32 device number
    entry: np.ndarray  # index into ENTRIES
    pid: np.ndarray  # int64
    time_us: np.ndarray  # int64 microseconds since the epoch
    account: np.ndarray  # index into ACCOUNT_NAMES + one user per device
    parent: np.ndarray  # row index of the parent, -1 for the kernel
    category: np.ndarray  # -1 boot, else index into CATEGORIES


ACCOUNT_NAMES = ["system", "network service", "adm-jsmith", "svc-report", "svc-ops"]  # then users u00000..


def generate_processes(n_rows: int, n_devices: int, rng: np.random.Generator) -> Processes:
    boot_rows = len(BOOT)
    if n_rows < n_devices * (boot_rows + 1):
        raise ValueError(f"need at least {n_devices * (boot_rows + 1)} process rows for {n_devices} devices")
    counts = rng.multinomial(n_rows - n_devices * boot_rows, np.full(n_devices, 1 / n_devices)) + boot_rows
    device = np.repeat(np.arange(n_devices, dtype=np.int32), counts)
    start = np.repeat(np.cumsum(counts) - counts, counts)
    offset = np.arange(n_rows) - start
    is_boot = offset < boot_rows

    # Category and parent of every row.
    category = np.full(n_rows, -1, dtype=np.int8)
    shares = np.array([share for _, _, share in CATEGORIES])
    category[~is_boot] = rng.choice(len(CATEGORIES), size=int((~is_boot).sum()), p=shares / shares.sum())
    parent_offset = np.empty(n_rows, dtype=np.int64)
    parent_offset[is_boot] = np.array([parent for _, parent in BOOT])[offset[is_boot]]
    rule = np.array(["boot"] + [rule for _, rule, _ in CATEGORIES])[category + 1]
    parent_offset[rule == "explorer"] = EXPLORER
    parent_offset[rule == "dcomlaunch"] = DCOMLAUNCH
    services = rule == "services"
    parent_offset[services] = np.where(rng.random(services.sum()) < 0.7, 2, NETSVCS)
    earlier = (rule == "any") & ~is_boot
    span = offset[earlier] - boot_rows  # earlier non-boot rows of the device
    picked = boot_rows + np.floor(rng.random(earlier.sum()) * span).astype(np.int64)
    parent_offset[earlier] = np.where(span > 0, picked, EXPLORER)
    parent = np.where(parent_offset >= 0, start + parent_offset, -1)

    # Image / command line.
    entry = np.empty(n_rows, dtype=np.int32)
    entry[is_boot] = offset[is_boot]
    for index, (children, _, _) in enumerate(CATEGORIES):
        rows = category == index
        weights = np.array([weight for _, weight in children], dtype=float)
        ids = np.array([ENTRY_INDEX[id(child)] for child, _ in children])
        entry[rows] = ids[rng.choice(len(children), size=int(rows.sum()), p=weights / weights.sum())]

    # PIDs: boot processes get fixed low PIDs, the rest multiples of 4 from a small range (PID reuse).
    pid = np.empty(n_rows, dtype=np.int64)
    pid[is_boot] = BOOT_PIDS[offset[is_boot]]
    pid[~is_boot] = 4 * rng.integers(1500, 1500 + 2048, size=int((~is_boot).sum()))

    # Times: boot at the start of the day, the rest sorted within the device (parents precede children).
    seconds = rng.uniform(600, 86_400, size=n_rows)
    seconds[is_boot] = offset[is_boot] * 0.25
    seconds = seconds[np.lexsort((seconds, device))]
    time_us = DAY_START_US + (seconds * 1_000_000).astype(np.int64)

    # Accounts: system / network service / named admins and service accounts; "user" -> the device's user.
    names = np.array([entry_.account for entry_ in ENTRIES])[entry]
    account = np.full(n_rows, 0, dtype=np.int64)
    for index, name in enumerate(ACCOUNT_NAMES):
        account[names == name] = index
    account[names == "user"] = len(ACCOUNT_NAMES) + device[names == "user"]
    inherit = np.flatnonzero(rule == "any")  # children of arbitrary processes run as their parent
    while True:  # propagate down chains of such children (a few vectorised passes)
        inherited = account[parent[inherit]]
        if np.array_equal(inherited, account[inherit]):
            break
        account[inherit] = inherited
    return Processes(device, entry, pid, time_us, account, parent, category)


def _device_columns(n_devices: int) -> tuple[list[str], list[str], list[str]]:
    names = [f"ws-{i:05d}.contoso.local" for i in range(n_devices)]
    ids = [hashlib.sha1(name.encode()).hexdigest() for name in names]
    ips = [f"10.{10 + i // 65024}.{(i // 254) % 256}.{i % 254 + 1}" for i in range(n_devices)]
    return names, ids, ips


def _account_names(n_devices: int) -> list[str]:
    return ACCOUNT_NAMES + [f"u{i:05d}" for i in range(n_devices)]


def _timestamps(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    mask = None if valid is None else ~valid
    return pa.array(values, type=pa.timestamp("us", tz="UTC"), mask=mask)


def _longs(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(values, type=pa.int64(), mask=None if valid is None else ~valid)


def _fill(table: str, columns: dict[str, pa.Array], n_rows: int) -> pa.Table:
    """All schema columns in order: given ones, "" for other strings, null for the rest."""
    arrays = []
    for name, kql_type in table_schema(table):
        if name in columns:
            arrays.append(columns[name].cast(ARROW_TYPES[kql_type]))
        elif kql_type in ("string", "dynamic"):
            arrays.append(pa.repeat(pa.scalar("", pa.string()), n_rows))
        else:
            arrays.append(pa.nulls(n_rows, ARROW_TYPES[kql_type]))
    return pa.Table.from_arrays(arrays, names=[name for name, _ in table_schema(table)])


def _initiating(p: Processes, rows: np.ndarray, n_devices: int, network: bool) -> dict[str, pa.Array]:
    """InitiatingProcess* columns for processes `rows` (-1 = the kernel) and their parents."""
    kernel = rows < 0
    safe = np.where(kernel, 0, rows)
    entry = np.where(kernel, SYSTEM_ENTRY, p.entry[safe])
    grand = np.where(kernel, -1, p.parent[safe])
    grand_safe = np.where(grand < 0, 0, grand)
    grand_entry = np.where(grand < 0, SYSTEM_ENTRY, p.entry[grand_safe])
    has_grand = ~kernel
    columns = {name: _dict(ENTRY_COLUMNS[source], entry) for name, source in INHERITED_ENTRY.items()}
    columns |= {
        "InitiatingProcessId": _longs(np.where(kernel, 4, p.pid[safe])),
        "InitiatingProcessCreationTime": _timestamps(np.where(kernel, DAY_START_US - 5_000_000, p.time_us[safe])),
        "InitiatingProcessAccountName": _dict(_account_names(n_devices), np.where(kernel, 0, p.account[safe])),
        "InitiatingProcessAccountDomain": _dict(["nt authority", "contoso"], (np.where(kernel, 0, p.account[safe]) >= 2).astype(np.int32)),
        "InitiatingProcessParentId": _longs(np.where(grand < 0, 4, p.pid[grand_safe]), has_grand),
        "InitiatingProcessParentFileName": pc.if_else(pa.array(has_grand), _dict(ENTRY_COLUMNS["FileName"], grand_entry), ""),
        "InitiatingProcessParentCreationTime": _timestamps(np.where(grand < 0, DAY_START_US - 5_000_000, p.time_us[grand_safe]), has_grand),
    }  # fmt: skip
    if not network:
        columns["InitiatingProcessSignatureStatus"] = _dict(["Valid"], np.zeros(len(rows), dtype=np.int32))
    return columns


def process_table(p: Processes, n_devices: int) -> pa.Table:
    n_rows = len(p.pid)
    names, ids, _ = _device_columns(n_devices)
    columns = {name: _dict(values, p.entry) for name, values in ENTRY_COLUMNS.items()}
    columns |= {
        "Timestamp": _timestamps(p.time_us),
        "ProcessCreationTime": _timestamps(p.time_us),
        "DeviceId": _dict(ids, p.device),
        "DeviceName": _dict(names, p.device),
        "ActionType": _dict(["ProcessCreated"], np.zeros(n_rows, dtype=np.int32)),
        "ProcessId": _longs(p.pid),
        "AccountName": _dict(_account_names(n_devices), p.account),
        "AccountDomain": _dict(["nt authority", "contoso"], (p.account >= 2).astype(np.int32)),
        "LogonId": _longs(np.where(p.account < 2, 999, 0x2A0000 + p.account)),
        "ReportId": _longs(np.arange(n_rows, dtype=np.int64) + 1),
        **_initiating(p, p.parent, n_devices, network=False),
    }
    return _fill(PROCESS, columns, n_rows)


ACTIONS = ["ConnectionSuccess", "InboundConnectionAccepted", "ListeningConnectionCreated", "ConnectionFailed", "ConnectionRequest", "ConnectionAttempt"]  # fmt: skip
ACTION_SHARES = [0.72, 0.01, 0.04, 0.08, 0.10, 0.05]


def network_table(p: Processes, n_rows: int, n_devices: int, rng: np.random.Generator) -> pa.Table:
    n_procs = len(p.pid)
    action = rng.choice(len(ACTIONS), size=n_rows, p=ACTION_SHARES).astype(np.int32)
    inbound = action == 1
    owner = rng.integers(0, n_procs, size=n_rows)  # outbound traffic: any process

    # Inbound owners: 45% RPCSS (:135), 25% service hosts, 20% any process, 10% DcomLaunch COM servers.
    kind = rng.choice(4, size=int(inbound.sum()), p=[0.45, 0.25, 0.20, 0.10])
    device_start = np.flatnonzero(np.r_[True, p.device[1:] != p.device[:-1]])
    inbound_owner = rng.integers(0, n_procs, size=len(kind))
    rpcss = device_start[rng.integers(0, len(device_start), size=len(kind))] + RPCSS
    service_rows, dcom_rows = np.flatnonzero(p.category == 2), np.flatnonzero(p.category == 1)
    inbound_owner = np.where(kind == 0, rpcss, inbound_owner)
    inbound_owner = np.where(
        kind == 1, service_rows[rng.integers(0, len(service_rows), size=len(kind))], inbound_owner
    )
    inbound_owner = np.where(
        kind == 3, dcom_rows[rng.integers(0, len(dcom_rows), size=len(kind))], inbound_owner
    )
    owner[inbound] = inbound_owner

    device = p.device[owner]
    time_us = p.time_us[owner] + rng.exponential(30e6, size=n_rows).astype(np.int64)
    order = np.lexsort((time_us, device))  # like a real export: grouped by device, in time order
    owner, device, time_us, action, inbound = (
        owner[order],
        device[order],
        time_us[order],
        action[order],
        inbound[order],
    )

    # Addresses: inbound from private clients (30% of those to COM servers are loopback), outbound to the world.
    loopback = inbound & (p.category[owner] == 1) & (rng.random(n_rows) < 0.3)
    octets = [pa.array(rng.integers(1, 255, size=n_rows)).cast(pa.string()) for _ in range(3)]
    private = pc.binary_join_element_wise("10", *octets, ".")
    public = pc.binary_join_element_wise(
        _dict(["52", "13", "142", "20", "40"], rng.integers(0, 5, size=n_rows)), *octets, "."
    )
    remote_ip = pc.if_else(pa.array(inbound), private, public)
    loopback_ip = _dict(
        ["127.0.0.1", "::ffff:127.0.0.1", "::1"], rng.choice(3, size=n_rows, p=[0.6, 0.3, 0.1])
    )
    remote_ip = pc.if_else(pa.array(loopback), loopback_ip, remote_ip)
    dynamic = rng.integers(49152, 65536, size=n_rows)
    local_port = np.where(
        inbound, np.where(p.entry[owner] == RPCSS, 135, dynamic), rng.integers(49152, 65536, size=n_rows)
    )
    remote_port = np.where(
        inbound, rng.integers(32768, 65536, size=n_rows), rng.choice([443, 80, 53, 445, 135], size=n_rows)
    )
    names, ids, ips = _device_columns(n_devices)
    columns = {
        "Timestamp": _timestamps(time_us),
        "DeviceId": _dict(ids, device),
        "DeviceName": _dict(names, device),
        "ActionType": _dict(ACTIONS, action),
        "RemoteIP": remote_ip,
        "RemotePort": pa.array(remote_port, pa.int32()),
        "LocalIP": pc.if_else(pa.array(loopback), pa.scalar("127.0.0.1"), _dict(ips, device)),
        "LocalPort": pa.array(local_port, pa.int32()),
        "Protocol": _dict(["Tcp", "Udp"], (remote_port == 53).astype(np.int32)),
        "LocalIPType": pc.if_else(pa.array(loopback), pa.scalar("Loopback"), pa.scalar("Private")),
        "RemoteIPType": pc.if_else(pa.array(loopback), pa.scalar("Loopback"), pc.if_else(pa.array(inbound), pa.scalar("Private"), pa.scalar("Public"))),
        "ReportId": _longs(np.arange(n_rows, dtype=np.int64) + 1),
        **_initiating(p, owner, n_devices, network=True),
    }  # fmt: skip
    return _fill(NETWORK, columns, n_rows)


def generate(n_rows: int, directory: Path, seed: int) -> dict[str, Path]:
    rng = np.random.default_rng(seed)
    n_devices = max(20, n_rows // 2000)
    processes = generate_processes(n_rows, n_devices, rng)
    paths = {PROCESS: directory / f"{PROCESS}.parquet", NETWORK: directory / f"{NETWORK}.parquet"}
    directory.mkdir(parents=True, exist_ok=True)
    pq.write_table(process_table(processes, n_devices), paths[PROCESS], store_schema=False)
    pq.write_table(network_table(processes, n_rows, n_devices, rng), paths[NETWORK], store_schema=False)
    return paths


def dataset(n_rows: int, data_dir: Path, seed: int, regenerate: bool) -> dict[str, Path]:
    directory = data_dir / f"seed-bench-v{GENERATOR_VERSION}-n{n_rows}-s{seed}"
    paths = {table: directory / f"{table}.parquet" for table in (PROCESS, NETWORK)}
    if regenerate or not all(path.exists() for path in paths.values()):
        started = time.perf_counter()
        paths = generate(n_rows, directory, seed)
        print(
            f"generated {n_rows:,} rows per table in {time.perf_counter() - started:.1f}s: {directory}",
            file=sys.stderr,
        )
    return paths


# ---------------------------------------------------------------------------------------------------
# The seed, by hand
# ---------------------------------------------------------------------------------------------------

# {net} must expose a column `ord` (input row number) so that innerunique's "first row per key" is defined.
HAND_SQL = """
WITH inbound AS (
    SELECT *
    FROM {net}
    WHERE ActionType = 'InboundConnectionAccepted'
      AND InitiatingProcessParentFileName = 'svchost.exe'
      AND NOT contains(lower(RemoteIP), '127.0.0.1')
      AND InitiatingProcessFileName <> 'raserver.exe'
    QUALIFY row_number() OVER (
        PARTITION BY DeviceName, InitiatingProcessId, InitiatingProcessFileName ORDER BY ord) = 1
),
dcom_inbound AS (
    SELECT n.DeviceName, p.FileName, p.ProcessId, n.RemoteIP, n.RemotePort, n.LocalIP, n.LocalPort, n.ord
    FROM inbound AS n
    JOIN {proc} AS p
      ON n.DeviceName IS NOT DISTINCT FROM p.DeviceName
     AND n.InitiatingProcessId IS NOT DISTINCT FROM p.ProcessId
     AND n.InitiatingProcessFileName IS NOT DISTINCT FROM p.FileName
    WHERE contains(lower(p.InitiatingProcessCommandLine), 'svchost.exe -k dcomlaunch')
),
server AS (
    SELECT * FROM dcom_inbound
    QUALIFY row_number() OVER (PARTITION BY DeviceName, ProcessId, FileName ORDER BY ord) = 1
)
SELECT s.DeviceName, c.FileName, c.ProcessId, s.RemoteIP, s.RemotePort, s.LocalIP, s.LocalPort,
       c.* EXCLUDE (DeviceName, FileName, ProcessId, SHA1, InitiatingProcessSHA1)
FROM server AS s
JOIN {proc} AS c
  ON s.DeviceName IS NOT DISTINCT FROM c.DeviceName
 AND s.ProcessId IS NOT DISTINCT FROM c.InitiatingProcessId
 AND s.FileName IS NOT DISTINCT FROM c.InitiatingProcessFileName
WHERE c.FileName <> 'WerFault.exe'
ORDER BY c.Timestamp DESC NULLS LAST
"""


def hand_sql(paths: dict[str, Path]) -> str:
    def scan(path: Path) -> str:
        return "read_parquet('{}', file_row_number = true)".format(str(path).replace("'", "''"))

    net = f"(SELECT * EXCLUDE (file_row_number), file_row_number AS ord FROM {scan(paths[NETWORK])})"
    proc = "read_parquet('{}')".format(str(paths[PROCESS]).replace("'", "''"))
    return HAND_SQL.format(net=net, proc=proc)


# ---------------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------------


def timed(run, repeat: int) -> tuple[list[float], int]:
    run()  # warm-up: file metadata, caches
    times, count = [], -1
    for _ in range(repeat):
        started = time.perf_counter()
        count = run()
        times.append(time.perf_counter() - started)
    return times, count


def bench(paths: dict[str, Path], repeat: int, hand_only: bool) -> dict[str, object]:
    sql = hand_sql(paths)
    if hand_only:
        connection = duckdb.connect()
        kqlite_times, kqlite_rows = [], None
    else:
        import kqlite

        seed = (resources.files("kqlite") / "rules" / SEED_SQL_NAME).read_text(encoding="utf-8")
        kq = kqlite.connect(tables={name: str(path) for name, path in paths.items()})
        connection = kq.duckdb
        kqlite_times, kqlite_rows = timed(lambda: kq.query(seed).to_arrow().num_rows, repeat)
    hand_times, hand_rows = timed(lambda: connection.sql(sql).to_arrow_table().num_rows, repeat)
    if kqlite_rows is not None and kqlite_rows != hand_rows:
        raise SystemExit(f"row counts differ: kqlite {kqlite_rows}, hand SQL {hand_rows}")
    return {"kqlite": kqlite_times, "hand": hand_times, "result_rows": hand_rows}


def bench_spark(paths: dict[str, Path], repeat: int, expected_rows: int) -> list[float]:
    """The seed through kqlite's Spark backend on the same files (a local session, every core)."""
    import kqlite
    from kqlite.backends.spark import local_session

    seed = (resources.files("kqlite") / "rules" / SEED_SQL_NAME).read_text(encoding="utf-8")
    con = kqlite.connect(backend="spark", spark=local_session(),
                         tables={name: str(path) for name, path in paths.items()})
    times, rows = timed(lambda: len(con.query(seed)), repeat)
    if rows != expected_rows:
        raise SystemExit(f"row counts differ: kqlite on Spark {rows}, hand SQL {expected_rows}")
    con.close()
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000], help="rows per table")
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).parent / "data")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per engine (after one warm-up)")
    parser.add_argument("--seed", type=int, default=20240805, help="random seed of the data generator")
    parser.add_argument("--regenerate", action="store_true", help="rewrite cached Parquet files")
    parser.add_argument(
        "--hand-only", action="store_true", help="skip kqlite (data generation + hand SQL only)"
    )
    parser.add_argument("--spark", action="store_true", help="also run the seed on kqlite's Spark backend")
    args = parser.parse_args(argv)

    print(
        f"{'rows':>12} {'kqlite best':>12} {'kqlite med':>11} {'hand best':>10} {'hand med':>9} {'ratio':>6} {'alerts':>7}"
    )
    for n_rows in args.rows:
        paths = dataset(n_rows, args.data_dir, args.seed, args.regenerate)
        result = bench(paths, args.repeat, args.hand_only)
        kq, hand = result["kqlite"], result["hand"]
        if kq:
            kq_cells = f"{min(kq):12.3f} {statistics.median(kq):11.3f}"
            ratio = f"{min(kq) / min(hand):6.2f}"
        else:
            kq_cells, ratio = f"{'-':>12} {'-':>11}", f"{'-':>6}"
        hand_cells = f"{min(hand):10.3f} {statistics.median(hand):9.3f}"
        print(f"{n_rows:>12,} {kq_cells} {hand_cells} {ratio} {result['result_rows']:>7}", flush=True)
        if args.spark:
            spark = bench_spark(paths, args.repeat, int(result["result_rows"]))  # type: ignore[arg-type]
            print(f"{'':>12} on Spark: best {min(spark):.3f} s, median {statistics.median(spark):.3f} s "
                  f"(same {result['result_rows']} rows)", flush=True)
    print(
        "seconds per query: best / median of --repeat runs after a warm-up; ratio = kqlite best / hand best"
    )


if __name__ == "__main__":
    main()
