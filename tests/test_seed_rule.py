"""The seed detection "Remote DCOM Child Proc", run verbatim through kqlite.

The data is Defender-shaped (every schema column, proper arrow types) and built here, with a small process
tree builder, so that each scenario the rule has to get right is visible in one place. kqlite's result is
compared row by row and column by column with an independent, hand-written DuckDB SQL rendering of the
same logic run on the same data in a separate plain DuckDB connection, and the hand SQL itself is checked
against the outcome each scenario declares.

Semantics the expectations rely on (see /work/shared/reference/kql-semantics.md):
* `join kind=innerunique` deduplicates the LEFT side on the join key (first row in input order survives),
  before the join; the right side is not deduplicated; null keys match each other.
* After the second join, right columns that clash get the suffix 1 (DeviceName1, FileName1, ProcessId1);
  `extend FileName = FileName1, ProcessId = ProcessId1` overwrites in place; `project-away *1` also drops
  the genuine SHA1 and InitiatingProcessSHA1 columns.
* `==`/`!=` are case-sensitive, `contains`/`!contains` case-insensitive; `sort by` defaults to descending.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import kqlite
from kqlite.schemas import table_schema

PROCESS, NETWORK = "DeviceProcessEvents", "DeviceNetworkEvents"


def read_seed() -> str:
    return (resources.files("kqlite") / "rules" / "remote_dcom_child_proc.kql").read_text(encoding="utf-8")


SEED = read_seed()

# The seed's output schema, worked out by hand: the 7 columns projected into DCOMInboundConnections, then
# every DeviceProcessEvents column except DeviceName/FileName/ProcessId (their clashing copies were
# renamed *1, copied over the left columns and dropped) and SHA1/InitiatingProcessSHA1 (dropped by *1).
EXPECTED_COLUMNS = [
    "DeviceName", "FileName", "ProcessId", "RemoteIP", "RemotePort", "LocalIP", "LocalPort",
    "Timestamp", "DeviceId", "ActionType", "FolderPath", "SHA256", "MD5", "FileSize",
    "ProcessVersionInfoCompanyName", "ProcessVersionInfoProductName", "ProcessVersionInfoProductVersion",
    "ProcessVersionInfoInternalFileName", "ProcessVersionInfoOriginalFileName", "ProcessVersionInfoFileDescription",
    "ProcessCommandLine", "ProcessIntegrityLevel", "ProcessTokenElevation", "ProcessCreationTime",
    "AccountDomain", "AccountName", "AccountSid", "AccountUpn", "AccountObjectId", "LogonId",
    "InitiatingProcessAccountDomain", "InitiatingProcessAccountName", "InitiatingProcessAccountSid",
    "InitiatingProcessAccountUpn", "InitiatingProcessAccountObjectId", "InitiatingProcessLogonId",
    "InitiatingProcessIntegrityLevel", "InitiatingProcessTokenElevation",
    "InitiatingProcessSHA256", "InitiatingProcessMD5", "InitiatingProcessFileName", "InitiatingProcessFileSize",
    "InitiatingProcessVersionInfoCompanyName", "InitiatingProcessVersionInfoProductName",
    "InitiatingProcessVersionInfoProductVersion", "InitiatingProcessVersionInfoInternalFileName",
    "InitiatingProcessVersionInfoOriginalFileName", "InitiatingProcessVersionInfoFileDescription",
    "InitiatingProcessId", "InitiatingProcessCommandLine", "InitiatingProcessCreationTime",
    "InitiatingProcessFolderPath", "InitiatingProcessParentId", "InitiatingProcessParentFileName",
    "InitiatingProcessParentCreationTime", "InitiatingProcessSignerType", "InitiatingProcessSignatureStatus",
    "ReportId", "AppGuardContainerId", "AdditionalFields", "InitiatingProcessSessionId",
    "IsInitiatingProcessRemoteSession", "InitiatingProcessRemoteSessionDeviceName",
    "InitiatingProcessRemoteSessionIP", "CreatedProcessSessionId", "IsProcessRemoteSession",
    "ProcessRemoteSessionDeviceName", "ProcessRemoteSessionIP", "ProcessUniqueId", "InitiatingProcessUniqueId",
    "LogonID",
]  # fmt: skip

_FIRST_TYPES = {"DeviceName": "string", "FileName": "string", "ProcessId": "long", "RemoteIP": "string",
                "RemotePort": "int", "LocalIP": "string", "LocalPort": "int"}  # fmt: skip
EXPECTED_TYPES = [_FIRST_TYPES.get(name) or dict(table_schema(PROCESS))[name] for name in EXPECTED_COLUMNS]

# ---------------------------------------------------------------------------------------------------
# A tiny Defender data builder: processes with consistent InitiatingProcess* / InitiatingProcessParent*
# ---------------------------------------------------------------------------------------------------

BASE = datetime(2024, 8, 5, tzinfo=UTC)
_ARROW = {"string": pa.string(), "long": pa.int64(), "int": pa.int32(), "bool": pa.bool_(),
          "datetime": pa.timestamp("us", tz="UTC"), "dynamic": pa.string(), "real": pa.float64()}  # fmt: skip
DCOMLAUNCH = r"C:\Windows\system32\svchost.exe -k DcomLaunch -p"


@dataclass
class Proc:
    device: str
    name: str
    pid: int | None
    command_line: str
    created: datetime
    parent: Proc | None
    account: str
    folder: str = r"C:\Windows\System32"

    @property
    def path(self) -> str:
        return f"{self.folder}\\{self.name}"

    def digest(self, algorithm: str) -> str:
        return hashlib.new(algorithm, self.path.lower().encode()).hexdigest()


def _device_id(device: str) -> str:
    return hashlib.sha1(device.encode()).hexdigest()


class World:
    """Collects DeviceProcessEvents and DeviceNetworkEvents rows in creation order."""

    def __init__(self) -> None:
        self.processes: list[dict[str, Any]] = []
        self.connections: list[dict[str, Any]] = []
        self.expected: list[tuple[Proc, str]] = []  # (child, RemoteIP) the rule must report
        self._report_id = itertools.count(1000)

    def root(self, device: str, name: str, pid: int, command_line: str = "") -> Proc:
        """A process whose creation is not in the data (started before the window, or its event was lost)."""
        return Proc(device, name, pid, command_line or name, BASE, None, "system")

    def spawn(self, parent: Proc, name: str, pid: int | None, minute: float, command_line: str,
              account: str | None = None, expect: str | None = None, record: bool = True) -> Proc:  # fmt: skip
        created = BASE + timedelta(minutes=minute, microseconds=((pid or 0) * 7919) % 1_000_000)
        child = Proc(parent.device, name, pid, command_line, created, parent, account or parent.account)
        if record:
            self.processes.append(
                {
                    "Timestamp": created,
                    "DeviceId": _device_id(child.device),
                    "DeviceName": child.device,
                    "ActionType": "ProcessCreated",
                    "FileName": name,
                    "FolderPath": child.path,
                    "SHA1": child.digest("sha1"),
                    "SHA256": child.digest("sha256"),
                    "MD5": child.digest("md5"),
                    "FileSize": 100_000 + (pid or 0),
                    "ProcessId": pid,
                    "ProcessCommandLine": command_line,
                    "ProcessIntegrityLevel": "High" if child.account.startswith("adm") else "System",
                    "ProcessCreationTime": created,
                    "AccountDomain": "contoso",
                    "AccountName": child.account,
                    "LogonId": 999 if child.account == "system" else 0x6F1E2A7,
                    "CreatedProcessSessionId": 0,
                    "IsProcessRemoteSession": False,
                    "ProcessUniqueId": str(0x11 << 48 | len(self.processes)),
                    "InitiatingProcessSignatureStatus": "Valid",
                    **self._initiating(parent),
                }
            )
        if expect is not None:
            self.expected.append((child, expect))
        return child

    def connect(self, owner: Proc, minute: float, remote_ip: str, remote_port: int | None = 50000,
                local_port: int | None = 49871, action: str = "InboundConnectionAccepted") -> None:  # fmt: skip
        self.connections.append(
            {
                "Timestamp": BASE + timedelta(minutes=minute),
                "DeviceId": _device_id(owner.device),
                "DeviceName": owner.device,
                "ActionType": action,
                "RemoteIP": remote_ip,
                "RemotePort": remote_port,
                "LocalIP": "10.0.0.1",
                "LocalPort": local_port,
                "Protocol": "Tcp",
                "LocalIPType": "Private",
                "RemoteIPType": "Loopback" if "127.0.0.1" in remote_ip or remote_ip == "::1" else "Private",
                **self._initiating(owner),
            }
        )

    def _initiating(self, process: Proc) -> dict[str, Any]:
        grandparent = process.parent
        return {
            "InitiatingProcessFileName": process.name,
            "InitiatingProcessId": process.pid,
            "InitiatingProcessCommandLine": process.command_line,
            "InitiatingProcessCreationTime": process.created,
            "InitiatingProcessFolderPath": process.path,
            "InitiatingProcessSHA1": process.digest("sha1"),
            "InitiatingProcessSHA256": process.digest("sha256"),
            "InitiatingProcessMD5": process.digest("md5"),
            "InitiatingProcessAccountName": process.account,
            "InitiatingProcessAccountDomain": "contoso",
            "InitiatingProcessParentFileName": grandparent.name if grandparent else "",
            "InitiatingProcessParentId": grandparent.pid if grandparent else None,
            "InitiatingProcessParentCreationTime": grandparent.created if grandparent else None,
            "ReportId": next(self._report_id),
            # everything else: "" for strings, null otherwise (nulls must survive the joins)
        }

    def tables(self) -> dict[str, pa.Table]:
        return {PROCESS: to_arrow(PROCESS, self.processes), NETWORK: to_arrow(NETWORK, self.connections)}

    def expected_rows(self) -> list[tuple[str, str, int | None, str]]:
        """(DeviceName, child FileName, child ProcessId, RemoteIP), newest child first."""
        ordered = sorted(self.expected, key=lambda item: item[0].created, reverse=True)
        return [(child.device, child.name, child.pid, remote_ip) for child, remote_ip in ordered]


def to_arrow(table: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = table_schema(table)
    assert schema is not None
    unknown = {key for row in rows for key in row} - {name for name, _ in schema}
    assert not unknown, unknown
    arrays = {}
    for name, kql_type in schema:
        default = "" if kql_type == "string" else None
        arrays[name] = pa.array([row.get(name, default) for row in rows], type=_ARROW[kql_type])
    return pa.table(arrays)


def build_scenarios() -> World:
    w = World()

    # ws-a: an MMC20 DCOM server with two inbound connections (innerunique keeps the first), PID 5000
    # reused before by a user-started mmc.exe (same name: its children join too, the rule has no time key)
    # and afterwards by notepad.exe (different name: its children do not join).
    services = w.root("ws-a.contoso.local", "services.exe", 640)
    dcom = w.spawn(services, "svchost.exe", 884, 1, DCOMLAUNCH)
    explorer = w.spawn(w.root("ws-a.contoso.local", "userinit.exe", 4904), "explorer.exe", 5084, 2,
                       r"C:\Windows\Explorer.EXE", account="mlopez")  # fmt: skip
    user_mmc = w.spawn(
        explorer, "mmc.exe", 5000, 30, r'"C:\Windows\system32\mmc.exe" "C:\Windows\system32\compmgmt.msc"'
    )
    w.spawn(user_mmc, "notepad.exe", 6200, 31, r'"C:\Windows\system32\notepad.exe"', expect="10.0.5.17")
    mmc = w.spawn(dcom, "mmc.exe", 5000, 60, r"C:\Windows\system32\mmc.exe -Embedding", account="adm-jsmith")
    w.connect(mmc, 60.5, "10.0.5.17", 41236, 49871)
    cmd = w.spawn(mmc, "cmd.exe", 6000, 61, r'"C:\Windows\System32\cmd.exe" /Q /c cd \ 1> \\127.0.0.1\ADMIN$\__17228 2>&1',
                  expect="10.0.5.17")  # fmt: skip
    w.spawn(cmd, "conhost.exe", 6008, 61.01, r"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1")
    w.spawn(mmc, "WerFault.exe", 6012, 63, r"C:\Windows\system32\WerFault.exe -u -p 5000 -s 1324")
    w.connect(mmc, 75, "10.0.5.99", 41300, 49871)
    w.spawn(mmc, "cmd.exe", 6004, 76, r'"C:\Windows\System32\cmd.exe" /Q /c whoami 1> \\127.0.0.1\ADMIN$\__17228 2>&1',
            expect="10.0.5.17")  # fmt: skip
    notepad = w.spawn(explorer, "notepad.exe", 5000, 120, r'"C:\Windows\system32\notepad.exe"')
    w.spawn(notepad, "calc.exe", 6100, 121, "calc.exe")

    # ws-b: Excel automation (children incl. a lower-case werfault.exe: `!=` is case-sensitive), an mmc.exe
    # with the same PID as ws-a's but no inbound connection, loopback clients (IPv4 and IPv4-mapped IPv6
    # excluded, ::1 not), and a filtered connection before the kept one to the same server.
    services = w.root("ws-b.contoso.local", "services.exe", 656)
    dcom = w.spawn(services, "svchost.exe", 896, 1, DCOMLAUNCH)
    mmc = w.spawn(dcom, "mmc.exe", 5000, 62, r"C:\Windows\system32\mmc.exe -Embedding", account="adm-jsmith")
    w.spawn(mmc, "cmd.exe", 6000, 64, r'"C:\Windows\System32\cmd.exe" /c ipconfig')
    excel = w.spawn(dcom, "EXCEL.EXE", 7300, 200, r'"C:\Program Files\Microsoft Office\Root\Office16\EXCEL.EXE" /automation -Embedding',
                    account="adm-jsmith")  # fmt: skip
    w.connect(excel, 200.02, "", None, 49913, action="ListeningConnectionCreated")
    w.connect(excel, 200.1, "10.0.3.44", 52011, 49913)
    w.spawn(excel, "cmd.exe", 7400, 201, "cmd.exe /c net user", expect="10.0.3.44")
    w.spawn(excel, "splwow64.exe", 7404, 205, r"C:\Windows\splwow64.exe 8192", expect="10.0.3.44")
    w.spawn(
        excel,
        "werfault.exe",
        7408,
        210,
        r"C:\Windows\system32\werfault.exe -u -p 7300 -s 2188",
        expect="10.0.3.44",
    )
    w.spawn(excel, "WerFault.exe", 7412, 211, r"C:\Windows\system32\WerFault.exe -u -p 7300 -s 2200")
    remoting = w.spawn(dcom, "wsmprovhost.exe", 8100, 300, r"C:\Windows\system32\wsmprovhost.exe -Embedding")
    w.connect(remoting, 300.1, "127.0.0.1", 50231, 49702)
    w.spawn(remoting, "powershell.exe", 8110, 301, "powershell.exe -NoLogo")
    surrogate = w.spawn(
        dcom,
        "dllhost.exe",
        8200,
        310,
        r"C:\Windows\system32\DllHost.exe /Processid:{3EB3C877-1F16-487C-9050-104DBCD66683}",
    )
    w.connect(surrogate, 310.1, "::ffff:127.0.0.1", 50300, 49710)
    w.connect(surrogate, 311, "10.0.7.7", 50301, 49711)
    w.spawn(surrogate, "cmd.exe", 8210, 312, "cmd.exe /c echo hi", expect="10.0.7.7")
    surrogate = w.spawn(
        dcom,
        "dllhost.exe",
        8204,
        320,
        r"C:\Windows\system32\DllHost.exe /Processid:{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}",
    )
    w.connect(surrogate, 320.1, "::1", 50400, 49720)
    w.connect(surrogate, 320.2, "10.0.0.5", 443, 50401, action="ConnectionSuccess")
    w.spawn(surrogate, "whoami.exe", 8220, 321, "whoami /all", expect="::1")

    # srv-app01: DcomLaunch command line in lower case (`contains` is case-insensitive), a COM+ server with a
    # child created before its first inbound connection, Quick Assist (raserver.exe excluded, RAServer.exe
    # not: `!=` is case-sensitive), a server whose parent svchost is not DcomLaunch, one whose parent is
    # services.exe, and one whose creation event is missing.
    services = w.root("srv-app01.contoso.local", "services.exe", 612)
    dcom = w.spawn(services, "svchost.exe", 868, 1, r"c:\windows\system32\svchost.exe -k dcomlaunch -p")
    schedule = w.spawn(
        services, "svchost.exe", 1100, 1.5, r"C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule"
    )
    spooler = w.spawn(services, "spoolsv.exe", 2200, 1.7, r"C:\Windows\System32\spoolsv.exe")
    complus = w.spawn(dcom, "dllhost.exe", 4400, 400, r"C:\Windows\system32\dllhost.exe /Processid:{6F2E1B5A-0C1D-4E0F-9A8B-7C6D5E4F3A2B}",
                      account="svc-app")  # fmt: skip
    w.spawn(complus, "cmd.exe", 4500, 401, r"cmd.exe /c C:\vendor\rotate-logs.cmd", expect="10.0.9.10")
    w.connect(complus, 402, "10.0.9.10", 60001, 49800)
    w.connect(complus, 403, "10.0.9.11", 60002, 49800)
    w.spawn(complus, "cmd.exe", 4504, 404, r"cmd.exe /c C:\vendor\export.cmd", expect="10.0.9.10")
    quick_assist = w.spawn(
        dcom, "raserver.exe", 3300, 410, r"C:\Windows\system32\raserver.exe /offerraupdate"
    )
    w.connect(quick_assist, 410.2, "10.0.1.50", 55000, 49900)
    w.spawn(quick_assist, "msra.exe", 3310, 411, r"C:\Windows\system32\msra.exe /offerRA")
    quick_assist = w.spawn(
        dcom, "RAServer.exe", 3304, 420, r"C:\Windows\system32\RAServer.exe /offerraupdate"
    )
    w.connect(quick_assist, 420.2, "10.0.1.50", 55001, 49901)
    w.spawn(quick_assist, "msra.exe", 3320, 421, r"C:\Windows\system32\msra.exe /offerRA", expect="10.0.1.50")
    task = w.spawn(schedule, "taskhostw.exe", 3400, 430, "taskhostw.exe")
    w.connect(task, 430.1, "10.0.1.60", 55002, 49902)
    w.spawn(task, "cmd.exe", 3410, 431, "cmd.exe /c backup.cmd")
    w.connect(spooler, 440, "10.0.1.61", 55003, 49903)
    w.spawn(spooler, "cmd.exe", 2210, 441, "cmd.exe /c printer.cmd")
    unseen = w.spawn(
        dcom,
        "dllhost.exe",
        4800,
        449,
        "dllhost.exe /Processid:{00000000-0000-0000-0000-000000000001}",
        record=False,
    )
    w.connect(unseen, 450, "10.0.9.12", 60003, 49804)
    w.spawn(unseen, "cmd.exe", 4810, 451, "cmd.exe /c dir")

    # ws-d: the DcomLaunch host's file name is upper case: `InitiatingProcessParentFileName == "svchost.exe"`
    # is case-sensitive, so nothing here is reported.
    services = w.root("ws-d.contoso.local", "services.exe", 600)
    dcom = w.spawn(services, "SVCHOST.EXE", 900, 1, r"C:\WINDOWS\system32\SVCHOST.EXE -k DcomLaunch -p")
    mmc = w.spawn(dcom, "mmc.exe", 5000, 500, r"C:\Windows\system32\mmc.exe -Embedding", account="adm-jsmith")
    w.connect(mmc, 500.1, "10.0.5.17", 41500, 49871)
    w.spawn(mmc, "cmd.exe", 5100, 501, "cmd.exe /c whoami")
    return w


# ---------------------------------------------------------------------------------------------------
# The same logic, hand-written in DuckDB SQL
# ---------------------------------------------------------------------------------------------------

# `net` has an extra column __ord (input row number) so that "first row per key" is well defined.
HAND_SQL = """
WITH inbound AS (
    SELECT *
    FROM net
    WHERE ActionType = 'InboundConnectionAccepted'
      AND InitiatingProcessParentFileName = 'svchost.exe'
      AND NOT contains(lower(RemoteIP), '127.0.0.1')
      AND InitiatingProcessFileName <> 'raserver.exe'
    QUALIFY row_number() OVER (
        PARTITION BY DeviceName, InitiatingProcessId, InitiatingProcessFileName ORDER BY __ord) = 1
),
dcom_inbound AS (
    SELECT n.DeviceName, p.FileName, p.ProcessId, n.RemoteIP, n.RemotePort, n.LocalIP, n.LocalPort, n.__ord
    FROM inbound AS n
    JOIN proc AS p
      ON n.DeviceName IS NOT DISTINCT FROM p.DeviceName
     AND n.InitiatingProcessId IS NOT DISTINCT FROM p.ProcessId
     AND n.InitiatingProcessFileName IS NOT DISTINCT FROM p.FileName
    WHERE contains(lower(p.InitiatingProcessCommandLine), 'svchost.exe -k dcomlaunch')
),
server AS (
    SELECT *
    FROM dcom_inbound
    QUALIFY row_number() OVER (PARTITION BY DeviceName, ProcessId, FileName ORDER BY __ord) = 1
)
SELECT s.DeviceName, c.FileName, c.ProcessId, s.RemoteIP, s.RemotePort, s.LocalIP, s.LocalPort,
       c.* EXCLUDE (DeviceName, FileName, ProcessId, SHA1, InitiatingProcessSHA1)
FROM server AS s
JOIN proc AS c
  ON s.DeviceName IS NOT DISTINCT FROM c.DeviceName
 AND s.ProcessId IS NOT DISTINCT FROM c.InitiatingProcessId
 AND s.FileName IS NOT DISTINCT FROM c.InitiatingProcessFileName
WHERE c.FileName <> 'WerFault.exe'
ORDER BY c.Timestamp DESC NULLS LAST
"""


@dataclass
class Rows:
    columns: list[str]
    rows: list[tuple]


def run_hand_sql(tables: dict[str, pa.Table]) -> Rows:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    network = tables[NETWORK]
    con.register("net", network.append_column("__ord", pa.array(range(network.num_rows), pa.int64())))
    con.register("proc", tables[PROCESS])
    cursor = con.execute(HAND_SQL)
    # DuckDB's names are case-insensitive: the second of LogonId/LogonID reads as LogonID_1 there
    duck_names, seen = {}, set()
    for name in tables[PROCESS].column_names:
        duck_names[name if name.casefold() not in seen else f"{name}_1"] = name
        seen.add(name.casefold())
    return Rows([duck_names.get(d[0], d[0]) for d in cursor.description], cursor.fetchall())


def run_kqlite(tables: dict[str, Any]):
    return kqlite.connect(tables=tables).query(SEED)


def assert_same_rows(actual: Rows, expected: Rows) -> None:
    assert actual.columns == expected.columns
    assert len(actual.rows) == len(expected.rows), f"{len(actual.rows)} rows instead of {len(expected.rows)}"
    for index, (got, want) in enumerate(zip(actual.rows, expected.rows, strict=True)):
        for column, got_value, want_value in zip(expected.columns, got, want, strict=True):
            assert got_value == want_value, f"row {index} column {column}: {got_value!r} != {want_value!r}"
            assert type(got_value) is type(want_value), f"row {index} column {column}: {type(got_value)}"


def summary(rows: Rows) -> list[tuple]:
    index = [rows.columns.index(c) for c in ("DeviceName", "FileName", "ProcessId", "RemoteIP")]
    return [tuple(row[i] for i in index) for row in rows.rows]


# ---------------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world() -> World:
    return build_scenarios()


@pytest.fixture(scope="module")
def tables(world: World) -> dict[str, pa.Table]:
    return world.tables()


@pytest.fixture(scope="module")
def hand(tables: dict[str, pa.Table]) -> Rows:
    return run_hand_sql(tables)


def test_seed_is_packaged_verbatim() -> None:
    source = Path(__file__).parents[1] / "src" / "kqlite" / "rules" / "remote_dcom_child_proc.kql"
    if source.exists():
        assert SEED == source.read_text(encoding="utf-8")
    assert "| project-away *1" in SEED and "kind=innerunique" in SEED


def test_test_data_has_every_schema_column(tables: dict[str, pa.Table]) -> None:
    for name, table in tables.items():
        assert table.column_names == [column for column, _ in table_schema(name)]
        for column, kql_type in table_schema(name):
            if kql_type == "string":
                assert table[column].null_count == 0, column


def test_hand_sql_matches_the_declared_scenarios(world: World, hand: Rows) -> None:
    assert hand.columns == EXPECTED_COLUMNS
    assert summary(hand) == world.expected_rows()
    assert len(hand.rows) == 11
    # Duplicate inbound connections: the first one (in input order) is reported for every child.
    assert {row[3] for row in summary(hand) if row[0] == "ws-a.contoso.local"} == {"10.0.5.17"}


def test_seed_output_columns_and_types(tables: dict[str, pa.Table]) -> None:
    result = run_kqlite(tables)
    assert result.columns == EXPECTED_COLUMNS
    assert len(EXPECTED_COLUMNS) == 71
    assert result.types == EXPECTED_TYPES
    assert not [c for c in result.columns if c.endswith("1")]
    assert result.to_arrow().column_names == EXPECTED_COLUMNS


@pytest.mark.parametrize("attach", ["arrow", "parquet"])
def test_seed_matches_hand_sql(tables: dict[str, pa.Table], hand: Rows, attach: str, tmp_path: Path) -> None:
    sources: dict[str, Any] = dict(tables)
    if attach == "parquet":
        for name, table in tables.items():
            pq.write_table(table, tmp_path / f"{name}.parquet")
            sources[name] = str(tmp_path / f"{name}.parquet")
    result = run_kqlite(sources)
    actual = Rows(result.columns, result.rows())
    assert_same_rows(actual, hand)
    for row in actual.rows:
        timestamp = row[EXPECTED_COLUMNS.index("Timestamp")]
        assert timestamp.utcoffset() == timedelta(0)


def test_seed_semantics_spot_checks(tables: dict[str, pa.Table]) -> None:
    result = run_kqlite(tables)
    rows = [dict(zip(result.columns, row, strict=True)) for row in result.rows()]
    # sort by Timestamp: descending
    stamps = [row["Timestamp"] for row in rows]
    assert stamps == sorted(stamps, reverse=True)
    # FileName / ProcessId are the child's, overwritten in place; the parent is InitiatingProcess*.
    excel_children = [row for row in rows if row["InitiatingProcessFileName"] == "EXCEL.EXE"]
    assert [r["FileName"] for r in excel_children] == ["werfault.exe", "splwow64.exe", "cmd.exe"]
    assert {r["InitiatingProcessId"] for r in excel_children} == {7300}
    assert {(r["RemoteIP"], r["RemotePort"], r["LocalPort"]) for r in excel_children} == {
        ("10.0.3.44", 52011, 49913)
    }
    # Null non-string cells come through as None, empty strings as "".
    assert all(row["InitiatingProcessSessionId"] is None and row["AccountUpn"] == "" for row in rows)
    assert not {"raserver.exe", "taskhostw.exe", "spoolsv.exe", "wsmprovhost.exe"} & {
        row["InitiatingProcessFileName"] for row in rows
    }


def test_null_join_keys_match_each_other() -> None:
    """Kusto join keys that are null on both sides match (unlike SQL `=`)."""
    w = World()
    dcom = w.spawn(w.root("ws-n.contoso.local", "services.exe", 640), "svchost.exe", 884, 1, DCOMLAUNCH)
    server = w.spawn(dcom, "mmc.exe", None, 10, r"C:\Windows\system32\mmc.exe -Embedding")
    w.connect(server, 10.5, "10.0.5.17")
    w.spawn(server, "cmd.exe", 7000, 11, "cmd.exe /c whoami", expect="10.0.5.17")
    tables = w.tables()
    hand = run_hand_sql(tables)
    assert summary(hand) == w.expected_rows()
    result = run_kqlite(tables)
    assert_same_rows(Rows(result.columns, result.rows()), hand)


def test_empty_tables_give_an_empty_result_with_the_full_schema() -> None:
    tables = World().tables()
    result = run_kqlite(tables)
    assert result.rows() == []
    assert result.columns == EXPECTED_COLUMNS
    assert result.types == EXPECTED_TYPES


# ---------------------------------------------------------------------------------------------------
# The demo data set
# ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> dict[str, pa.Table]:
    from kqlite.demo import demo_tables

    return demo_tables()


def test_demo_tables_follow_the_schemas(demo: dict[str, pa.Table]) -> None:
    assert set(demo) == {PROCESS, NETWORK}
    for name, table in demo.items():
        schema = table_schema(name)
        assert table.column_names == [column for column, _ in schema]
        for column, kql_type in schema:
            assert table.schema.field(column).type == _ARROW[kql_type], column
            if kql_type == "string":
                assert table[column].null_count == 0, column
        report_ids = table["ReportId"].to_pylist()
        assert report_ids == sorted(set(report_ids))
        stamps = table["Timestamp"].to_pylist()
        assert stamps == sorted(stamps)
        assert len(set(table["DeviceName"].to_pylist())) in range(3, 6)


def test_demo_is_deterministic(demo: dict[str, pa.Table]) -> None:
    from kqlite.demo import demo_tables

    again = demo_tables()
    assert all(again[name].equals(table) for name, table in demo.items())


INHERITED = [
    ("InitiatingProcessFileName", "FileName"),
    ("InitiatingProcessCommandLine", "ProcessCommandLine"),
    ("InitiatingProcessFolderPath", "FolderPath"),
    ("InitiatingProcessSHA1", "SHA1"),
    ("InitiatingProcessSHA256", "SHA256"),
    ("InitiatingProcessMD5", "MD5"),
    ("InitiatingProcessFileSize", "FileSize"),
    ("InitiatingProcessVersionInfoOriginalFileName", "ProcessVersionInfoOriginalFileName"),
    ("InitiatingProcessAccountName", "AccountName"),
    ("InitiatingProcessAccountSid", "AccountSid"),
    ("InitiatingProcessLogonId", "LogonId"),
    ("InitiatingProcessIntegrityLevel", "ProcessIntegrityLevel"),
    ("InitiatingProcessTokenElevation", "ProcessTokenElevation"),
    ("InitiatingProcessSessionId", "CreatedProcessSessionId"),
    ("InitiatingProcessUniqueId", "ProcessUniqueId"),
]


def test_demo_process_trees_are_consistent(demo: dict[str, pa.Table]) -> None:
    """Every InitiatingProcess is an earlier process event on the device, whose parent is the InitiatingProcessParent."""
    processes = demo[PROCESS].to_pylist()
    by_instance = {(p["DeviceName"], p["ProcessId"], p["ProcessCreationTime"]): p for p in processes}
    assert len(by_instance) == len(processes)
    for table in (PROCESS, NETWORK):
        for row in demo[table].to_pylist():
            if row["InitiatingProcessId"] == 4 and row["InitiatingProcessFileName"] == "System":
                continue  # the kernel has no creation event
            key = (row["DeviceName"], row["InitiatingProcessId"], row["InitiatingProcessCreationTime"])
            parent = by_instance.get(key)
            assert parent is not None, f"{table} ReportId {row['ReportId']}: no creation event for its parent"
            assert parent["Timestamp"] <= row["Timestamp"]
            for initiating, own in INHERITED:
                if initiating in row:  # DeviceNetworkEvents has only some of them
                    assert row[initiating] == parent[own], (table, row["ReportId"], initiating)
            assert row["InitiatingProcessParentId"] == parent["InitiatingProcessId"]
            assert row["InitiatingProcessParentFileName"] == parent["InitiatingProcessFileName"]
            assert row["InitiatingProcessParentCreationTime"] == parent["InitiatingProcessCreationTime"]


def test_demo_hand_sql_finds_only_the_mmc20_session(demo: dict[str, pa.Table]) -> None:
    from kqlite.demo import ATTACKER_IP, TARGET_DEVICE

    hand = run_hand_sql(demo)
    rows = [dict(zip(hand.columns, row, strict=True)) for row in hand.rows]
    assert len(rows) == 3
    for row in rows:
        assert (row["DeviceName"], row["FileName"], row["RemoteIP"]) == (
            TARGET_DEVICE,
            "cmd.exe",
            ATTACKER_IP,
        )
        assert row["InitiatingProcessFileName"] == "mmc.exe"
        assert r"\\127.0.0.1\ADMIN$\__" in row["ProcessCommandLine"]


def test_seed_on_demo(demo: dict[str, pa.Table]) -> None:
    from kqlite.demo import ATTACKER_IP

    result = run_kqlite(demo)
    rows = [dict(zip(result.columns, row, strict=True)) for row in result.rows()]
    assert [(r["FileName"], r["RemoteIP"], r["InitiatingProcessFileName"]) for r in rows] == [
        ("cmd.exe", ATTACKER_IP, "mmc.exe")
    ] * 3
    assert [r["ProcessCommandLine"].split(" /c ")[1].split(" 1>")[0] for r in rows] == [
        'net group "domain admins" /domain',
        "whoami",
        "cd \\",
    ]
    assert_same_rows(Rows(result.columns, result.rows()), run_hand_sql(demo))


def test_write_demo_round_trips(demo: dict[str, pa.Table], tmp_path: Path) -> None:
    from kqlite.demo import write_demo

    paths = write_demo(tmp_path / "demo")
    assert {name: path.name for name, path in paths.items()} == {name: f"{name}.parquet" for name in demo}
    for name, path in paths.items():
        assert pq.read_table(path).equals(demo[name])
