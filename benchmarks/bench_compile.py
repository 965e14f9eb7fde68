"""Parse + compile latency (KQL text -> DuckDB SQL text) for typical hunting queries; target under 10 ms.

    python benchmarks/bench_compile.py [--repeat 200]

Prints, per query, the mean and the 95th percentile of parse alone and of parse + compile + SQL text.
Not a test: it prints a table.
"""

from __future__ import annotations

import argparse
import statistics
import time
from importlib import resources

import kqlite
from kqlite.syntax import parse

QUERIES = {
    "encoded powershell": """
DeviceProcessEvents
| where Timestamp > ago(7d)
| where FileName in~ ("powershell.exe", "pwsh.exe") and ProcessCommandLine has_any ("-enc", "-EncodedCommand")
| project Timestamp, DeviceName, AccountName, ProcessCommandLine, InitiatingProcessFileName
| sort by Timestamp desc""",
    "rare parent-child": """
DeviceProcessEvents
| where Timestamp > ago(30d)
| summarize Count = count(), Devices = dcount(DeviceName) by InitiatingProcessFileName, FileName
| where Devices < 3
| top 100 by Count asc""",
    "network by process": """
DeviceNetworkEvents
| where ActionType == "ConnectionSuccess" and RemoteIPType == "Public"
| summarize Connections = count(), Ports = make_set(RemotePort, 20) by DeviceName, InitiatingProcessFileName
| order by Connections desc""",
    "logon then process": """
let logons = DeviceLogonEvents | where LogonType == "Network" and ActionType == "LogonSuccess"
    | project DeviceName, LogonTime = Timestamp, RemoteIP, AccountName;
DeviceProcessEvents
| join kind=inner logons on DeviceName, AccountName
| where Timestamp between (LogonTime .. (LogonTime + 5m))
| project Timestamp, DeviceName, AccountName, RemoteIP, FileName, ProcessCommandLine""",
    "seed rule": None,
}


def timings(function, repeat: int) -> tuple[float, float]:
    for _ in range(5):
        function()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.mean(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    connection = kqlite.connect()
    rule = (resources.files("kqlite.rules") / "remote_dcom_child_proc.kql").read_text(encoding="utf-8")
    print(f"{'query':<22}{'parse ms':>10}{'p95':>8}{'compile ms':>12}{'p95':>8}")
    for name, text in QUERIES.items():
        text = text or rule
        parse_mean, parse_p95 = timings(lambda text=text: parse(text), args.repeat)
        compile_mean, compile_p95 = timings(lambda text=text: connection.compile(text), args.repeat)
        print(f"{name:<22}{parse_mean:>10.2f}{parse_p95:>8.2f}{compile_mean:>12.2f}{compile_p95:>8.2f}")


if __name__ == "__main__":
    main()
