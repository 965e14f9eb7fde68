"""kqlite against what a hunter would use instead: the same logic hand-written in DuckDB SQL (the limit),
in pandas and in Polars, on data made by `kqlite generate`, at several sizes.

    python benchmarks/bench_engines.py                                   # 1M and 10M rows per table
    python benchmarks/bench_engines.py --rows 1000000 10000000 50000000 --plot docs/benchmarks.png
    python benchmarks/bench_engines.py --rows 100000 --engines kqlite sql --queries seed

Each (engine, query, size) runs in a fresh Python process that loads nothing before the clock starts,
runs the query --repeat times and reports the best time; the parent reads that process's peak resident
memory from the kernel (wait4). Every engine must return the same number of rows, or the run stops.
pandas is skipped above --pandas-max-rows (a straightforward pandas implementation holds every row of
the columns it reads as Python objects, which does not fit in 24 GB at 50M rows). Data is generated
once per size under --data-dir (not committed). Not a test: it prints a table (and --json writes one).

Queries (all over the Defender tables, as generated):
  seed       the seed rule, Remote DCOM Child Proc, verbatim
  arg_max    latest command line per device and process name: summarize arg_max(...), count() by ...
  mv_expand  the JSON object in AdditionalFields of logon rows, one row per property, counted by key and value
  union      five Device tables in one union, counted per device and hour
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

HERE = Path(__file__).resolve().parent
TABLES = ("DeviceProcessEvents", "DeviceNetworkEvents", "DeviceFileEvents", "DeviceImageLoadEvents",
          "DeviceLogonEvents")

KQL = {
    "seed": None,  # read from the package: the rule, verbatim
    "arg_max": """
DeviceProcessEvents
| summarize arg_max(Timestamp, ProcessCommandLine, AccountName), Executions = count() by DeviceName, FileName
""",
    "mv_expand": """
DeviceLogonEvents
| where isnotempty(AdditionalFields)
| mv-expand Field = parse_json(AdditionalFields)
| extend Key = tostring(bag_keys(Field)[0])
| summarize Rows = count() by Key, Value = tostring(Field[Key])
""",
    "union": """
union DeviceProcessEvents, DeviceNetworkEvents, DeviceFileEvents, DeviceImageLoadEvents, DeviceLogonEvents
| summarize Events = count(), Kinds = dcount(ActionType) by DeviceName, Hour = bin(Timestamp, 1h)
""",
}

# The same logic in DuckDB SQL. `ord` (file row number) defines innerunique's "first row per key".
SQL = {
    "seed": """
WITH inbound AS (
    SELECT * FROM net_ord
    WHERE ActionType = 'InboundConnectionAccepted' AND InitiatingProcessParentFileName = 'svchost.exe'
      AND NOT contains(lower(RemoteIP), '127.0.0.1') AND InitiatingProcessFileName <> 'raserver.exe'
    QUALIFY row_number() OVER (PARTITION BY DeviceName, InitiatingProcessId, InitiatingProcessFileName ORDER BY ord) = 1
), dcom AS (
    SELECT n.DeviceName, p.FileName, p.ProcessId, n.RemoteIP, n.RemotePort, n.LocalIP, n.LocalPort, n.ord
    FROM inbound n JOIN DeviceProcessEvents p
      ON n.DeviceName IS NOT DISTINCT FROM p.DeviceName AND n.InitiatingProcessId IS NOT DISTINCT FROM p.ProcessId
     AND n.InitiatingProcessFileName IS NOT DISTINCT FROM p.FileName
    WHERE contains(lower(p.InitiatingProcessCommandLine), 'svchost.exe -k dcomlaunch')
), server AS (
    SELECT * FROM dcom QUALIFY row_number() OVER (PARTITION BY DeviceName, ProcessId, FileName ORDER BY ord) = 1
)
SELECT s.DeviceName, c.FileName, c.ProcessId, s.RemoteIP, s.RemotePort, s.LocalIP, s.LocalPort,
       c.* EXCLUDE (DeviceName, FileName, ProcessId, SHA1, InitiatingProcessSHA1)
FROM server s JOIN DeviceProcessEvents c
  ON s.DeviceName IS NOT DISTINCT FROM c.DeviceName AND s.ProcessId IS NOT DISTINCT FROM c.InitiatingProcessId
 AND s.FileName IS NOT DISTINCT FROM c.InitiatingProcessFileName
WHERE c.FileName <> 'WerFault.exe'
ORDER BY c.Timestamp DESC NULLS LAST
""",
    "arg_max": """
SELECT DeviceName, FileName, max(Timestamp) AS Timestamp,
       arg_max(struct_pack(c := ProcessCommandLine, a := AccountName), Timestamp) AS latest, count(*) AS Executions
FROM DeviceProcessEvents GROUP BY DeviceName, FileName
""",
    "mv_expand": """
SELECT Key, j ->> Key AS Value, count(*) AS Rows
FROM (SELECT j, unnest(json_keys(j)) AS Key
      FROM (SELECT CAST(AdditionalFields AS JSON) AS j FROM DeviceLogonEvents WHERE AdditionalFields <> ''))
GROUP BY ALL
""",
    "union": """
SELECT DeviceName, time_bucket(INTERVAL 1 HOUR, Timestamp) AS Hour, count(*) AS Events, count(DISTINCT ActionType) AS Kinds
FROM (SELECT DeviceName, Timestamp, ActionType FROM DeviceProcessEvents
      UNION ALL SELECT DeviceName, Timestamp, ActionType FROM DeviceNetworkEvents
      UNION ALL SELECT DeviceName, Timestamp, ActionType FROM DeviceFileEvents
      UNION ALL SELECT DeviceName, Timestamp, ActionType FROM DeviceImageLoadEvents
      UNION ALL SELECT DeviceName, Timestamp, ActionType FROM DeviceLogonEvents)
GROUP BY ALL
""",
}


# ----------------------------------------------------------------------------------------- engines
# Each runner takes the data folder and returns a function that runs the query once and returns its row
# count; loading libraries and opening files happens before the clock, reading data inside it.


def run_kqlite(data: Path, query: str, limits: dict):
    import kqlite

    text = KQL[query] or (resources.files("kqlite.rules") / "remote_dcom_child_proc.kql").read_text(encoding="utf-8")

    def once() -> int:
        connection = kqlite.connect(tables={t: str(data / f"{t}.parquet") for t in TABLES}, **limits)
        return len(connection.query(text).to_arrow())

    return once


def run_sql(data: Path, query: str, limits: dict):
    import duckdb

    def once() -> int:
        connection = duckdb.connect()
        for setting, value in limits.items():
            _set(connection, setting, value)
        for table in TABLES:
            connection.read_parquet(str(data / f"{table}.parquet")).create_view(table)
        connection.read_parquet(str(data / "DeviceNetworkEvents.parquet"), file_row_number=True).project(
            "* EXCLUDE (file_row_number), file_row_number AS ord").create_view("net_ord")
        return len(connection.sql(SQL[query]).to_arrow_table())

    return once


def _set(connection, setting: str, value) -> None:
    from sqlglot import exp

    item = exp.SetItem(this=exp.EQ(this=exp.column(setting), expression=exp.Literal.string(str(value))))
    connection.execute(exp.Set(expressions=[item]).sql("duckdb"))


def run_pandas(data: Path, query: str, limits: dict):
    import pandas as pd

    def read(table: str, columns: list[str] | None = None) -> pd.DataFrame:
        return pd.read_parquet(data / f"{table}.parquet", columns=columns)

    def seed() -> int:
        net = read("DeviceNetworkEvents", ["DeviceName", "ActionType", "InitiatingProcessParentFileName", "RemoteIP",
                                           "InitiatingProcessFileName", "InitiatingProcessId", "RemotePort", "LocalIP",
                                           "LocalPort"])
        proc = read("DeviceProcessEvents")
        inbound = net[(net.ActionType == "InboundConnectionAccepted")
                      & (net.InitiatingProcessParentFileName == "svchost.exe")
                      & ~net.RemoteIP.str.lower().str.contains("127.0.0.1", regex=False)
                      & (net.InitiatingProcessFileName != "raserver.exe")]
        inbound = inbound.drop_duplicates(["DeviceName", "InitiatingProcessId", "InitiatingProcessFileName"])
        servers = inbound.merge(proc[["DeviceName", "ProcessId", "FileName", "InitiatingProcessCommandLine"]],
                                left_on=["DeviceName", "InitiatingProcessId", "InitiatingProcessFileName"],
                                right_on=["DeviceName", "ProcessId", "FileName"])
        servers = servers[servers.InitiatingProcessCommandLine.str.lower().str.contains(
            "svchost.exe -k dcomlaunch", regex=False)]
        servers = servers[["DeviceName", "FileName", "ProcessId", "RemoteIP", "RemotePort", "LocalIP", "LocalPort"]]
        servers = servers.drop_duplicates(["DeviceName", "ProcessId", "FileName"])
        children = servers.merge(proc, left_on=["DeviceName", "ProcessId", "FileName"],
                                 right_on=["DeviceName", "InitiatingProcessId", "InitiatingProcessFileName"],
                                 suffixes=("_server", ""))
        children = children[children.FileName != "WerFault.exe"].sort_values("Timestamp", ascending=False)
        return len(children)

    def arg_max() -> int:
        proc = read("DeviceProcessEvents", ["DeviceName", "FileName", "Timestamp", "ProcessCommandLine", "AccountName"])
        latest = proc.sort_values("Timestamp").groupby(["DeviceName", "FileName"]).tail(1)
        counts = proc.groupby(["DeviceName", "FileName"]).size().rename("Executions").reset_index()
        return len(latest.merge(counts, on=["DeviceName", "FileName"]))

    def mv_expand() -> int:
        logons = read("DeviceLogonEvents", ["AdditionalFields"])
        fields = logons.AdditionalFields[logons.AdditionalFields.fillna("") != ""].map(json.loads)
        pairs = fields.map(lambda bag: [(key, value if isinstance(value, str) else json.dumps(value))
                                        for key, value in bag.items()]).explode().dropna()
        frame = pd.DataFrame(pairs.tolist(), columns=["Key", "Value"])
        return len(frame.groupby(["Key", "Value"]).size())

    def union() -> int:
        frames = [read(table, ["DeviceName", "Timestamp", "ActionType"]) for table in TABLES]
        rows = pd.concat(frames, ignore_index=True)
        rows["Hour"] = rows.Timestamp.dt.floor("h")
        return len(rows.groupby(["DeviceName", "Hour"]).agg(Events=("ActionType", "size"),
                                                             Kinds=("ActionType", "nunique")))

    return {"seed": seed, "arg_max": arg_max, "mv_expand": mv_expand, "union": union}[query]


def run_polars(data: Path, query: str, limits: dict):
    import polars as pl

    def scan(table: str) -> pl.LazyFrame:
        return pl.scan_parquet(data / f"{table}.parquet")

    def seed() -> int:
        net, proc = scan("DeviceNetworkEvents"), scan("DeviceProcessEvents")
        inbound = (net.filter((pl.col("ActionType") == "InboundConnectionAccepted")
                              & (pl.col("InitiatingProcessParentFileName") == "svchost.exe")
                              & ~pl.col("RemoteIP").str.to_lowercase().str.contains("127.0.0.1", literal=True)
                              & (pl.col("InitiatingProcessFileName") != "raserver.exe"))
                   .unique(["DeviceName", "InitiatingProcessId", "InitiatingProcessFileName"], keep="first",
                           maintain_order=True))
        server_rows = proc.select("DeviceName", "ProcessId", "FileName",
                                  pl.col("InitiatingProcessCommandLine").alias("ServerParentCommandLine"))
        servers = (inbound.join(server_rows, left_on=["DeviceName", "InitiatingProcessId", "InitiatingProcessFileName"],
                                right_on=["DeviceName", "ProcessId", "FileName"], nulls_equal=True)
                   .filter(pl.col("ServerParentCommandLine").str.to_lowercase()
                           .str.contains("svchost.exe -k dcomlaunch", literal=True))
                   .select("DeviceName", pl.col("InitiatingProcessFileName").alias("ServerFileName"),
                           pl.col("InitiatingProcessId").alias("ServerProcessId"), "RemoteIP", "RemotePort", "LocalIP",
                           "LocalPort")
                   .unique(["DeviceName", "ServerProcessId", "ServerFileName"], keep="first", maintain_order=True))
        children = (servers.join(proc, left_on=["DeviceName", "ServerProcessId", "ServerFileName"],
                                 right_on=["DeviceName", "InitiatingProcessId", "InitiatingProcessFileName"],
                                 nulls_equal=True)
                    .filter(pl.col("FileName") != "WerFault.exe").sort("Timestamp", descending=True))
        return children.collect().height

    def arg_max() -> int:
        proc = scan("DeviceProcessEvents")
        return (proc.group_by("DeviceName", "FileName")
                .agg(pl.col("Timestamp").max(), pl.col("ProcessCommandLine").sort_by("Timestamp").last(),
                     pl.col("AccountName").sort_by("Timestamp").last(), pl.len().alias("Executions"))
                .collect().height)

    def mv_expand() -> int:
        text = (scan("DeviceLogonEvents").filter(pl.col("AdditionalFields").fill_null("") != "")
                .select("AdditionalFields").collect())
        # the JSON objects as NDJSON: Polars infers one column per key
        bags = pl.read_ndjson(io.BytesIO("\n".join(text["AdditionalFields"].to_list()).encode()))
        pairs = bags.with_columns(pl.all().cast(pl.String).str.to_lowercase()).unpivot(
            variable_name="Key", value_name="Value").drop_nulls("Value")
        return pairs.group_by("Key", "Value").len().height

    def union() -> int:
        rows = pl.concat([scan(t).select("DeviceName", "Timestamp", "ActionType") for t in TABLES])
        return (rows.group_by("DeviceName", pl.col("Timestamp").dt.truncate("1h").alias("Hour"))
                .agg(pl.len().alias("Events"), pl.col("ActionType").n_unique().alias("Kinds")).collect().height)

    return {"seed": seed, "arg_max": arg_max, "mv_expand": mv_expand, "union": union}[query]


ENGINES = {"sql": run_sql, "kqlite": run_kqlite, "pandas": run_pandas, "polars": run_polars}  # sql first: the ratios


def worker(engine: str, query: str, data: Path, repeat: int, limits: dict) -> None:
    """In a fresh process: time `query` on `engine` and print {"seconds": [...], "rows": n} as JSON."""
    once = ENGINES[engine](data, query, limits)
    times, rows = [], -1
    for _ in range(repeat):
        start = time.perf_counter()
        rows = once()
        times.append(time.perf_counter() - start)
    print(json.dumps({"seconds": times, "rows": rows}))


def measure(engine: str, query: str, data: Path, repeat: int, limits: dict, memory_cap_mb: int) -> dict:
    """Run one worker; stop it if its resident memory passes the cap (the machine must stay usable)."""
    command = [sys.executable, __file__, "--worker", engine, query, str(data), str(repeat), json.dumps(limits)]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        capped = False
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if _rss_mb(process.pid) > memory_cap_mb:
                process.kill()
                capped = True
            time.sleep(0.1)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    returncode = os.waitstatus_to_exitcode(status)
    peak_mb = usage.ru_maxrss / 1024  # KiB on Linux
    if capped:
        return {"error": f"stopped: more than {memory_cap_mb:,} MB resident", "peak_mb": peak_mb}
    if returncode != 0:
        return {"error": (stderr.strip().splitlines() or [f"exit code {returncode}"])[-1], "peak_mb": peak_mb}
    result = json.loads(stdout.strip().splitlines()[-1])
    return {"best": min(result["seconds"]), "median": statistics.median(result["seconds"]), "rows": result["rows"],
            "peak_mb": peak_mb}


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# ----------------------------------------------------------------------------------------- data


def dataset(rows: int, data_dir: Path, seed: int) -> Path:
    """Generated Parquet tables with about `rows` rows each (cached; bench_workload.py shares it)."""
    folder = data_dir / f"gen-{rows}-s{seed}"
    if all((folder / f"{t}.parquet").exists() for t in TABLES):
        return folder
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kqlite.generate", "--out", str(folder), "--format", "parquet",
                    "--target-rows", str(rows), "--seed", str(seed)], check=True)
    print(f"generated {folder} in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return folder


def table_rows(folder: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(folder / "DeviceProcessEvents.parquet").metadata.num_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=list(ENGINES))
    parser.add_argument("--queries", nargs="+", default=list(SQL), choices=list(SQL))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=HERE / "data")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pandas-max-rows", type=int, default=10_000_000)
    parser.add_argument("--memory-limit", help="DuckDB memory limit for kqlite and sql, e.g. 8GB")
    parser.add_argument("--memory-cap-mb", type=int, default=18_000,
                        help="stop an engine whose resident memory passes this (reported as a failure)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--plot", type=Path, help="write a PNG of time against rows per engine")
    parser.add_argument("--merge", type=Path, nargs="+", metavar="JSON",
                        help="instead of running: merge result files (later ones win), print them, and --json/--plot")
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        engine, query, data, repeat, limits = args.worker
        worker(engine, query, Path(data), int(repeat), json.loads(limits))
        return
    if args.merge:
        merged = {}
        for path in args.merge:
            for figure in json.loads(path.read_text(encoding="utf-8")):
                merged[(figure["query"], figure["table_rows"], figure["engine"])] = figure
        results = sorted(merged.values(), key=lambda r: (r["table_rows"], list(SQL).index(r["query"]),
                                                         list(ENGINES).index(r["engine"])))
        print_markdown(results)
        if args.json:
            args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
        if args.plot:
            plot(results, args.plot)
        return
    limits = {"memory_limit": args.memory_limit} if args.memory_limit else {}
    results = []
    print(f"{'query':<10}{'rows/table':>12}{'engine':>8}{'best s':>9}{'median s':>10}{'peak MB':>9}"
          f"{'vs sql':>8}{'result rows':>13}")
    for size in args.rows:
        folder = dataset(size, args.data_dir, args.seed)
        actual = table_rows(folder)
        for query in args.queries:
            counts, sql_best = {}, None
            for engine in args.engines:
                if engine == "pandas" and actual > args.pandas_max_rows:
                    results.append({"query": query, "table_rows": actual, "engine": engine,
                                    "skipped": "--pandas-max-rows"})
                    continue
                figure = measure(engine, query, folder, args.repeat, limits if engine in ("kqlite", "sql") else {},
                                 args.memory_cap_mb)
                figure.update(query=query, table_rows=actual, engine=engine)
                results.append(figure)
                if "error" in figure:
                    print(f"{query:<10}{actual:>12,}{engine:>8}  failed: {figure['error']}")
                    continue
                counts[engine] = figure["rows"]
                if engine == "sql":
                    sql_best = figure["best"]
                ratio = f"{figure['best'] / sql_best:.2f}" if sql_best else "-"
                print(f"{query:<10}{actual:>12,}{engine:>8}{figure['best']:>9.3f}{figure['median']:>10.3f}"
                      f"{figure['peak_mb']:>9.0f}{ratio:>8}{figure['rows']:>13,}", flush=True)
            if len(set(counts.values())) > 1:
                raise SystemExit(f"{query} at {actual:,} rows: engines disagree on the result size: {counts}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    if args.plot:
        plot(results, args.plot)


def print_markdown(results: list[dict]) -> None:
    """The figures as a Markdown table (for docs/benchmarks.md)."""
    print("| query | rows per table | engine | best s | median s | peak MB | vs SQL |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for r in results:
        sql = next((s for s in results if s["query"] == r["query"] and s["table_rows"] == r["table_rows"]
                    and s["engine"] == "sql" and "best" in s), None)
        if "best" in r:
            ratio = f"{r['best'] / sql['best']:.2f}" if sql else "-"
            print(f"| {r['query']} | {r['table_rows']:,} | {r['engine']} | {r['best']:.2f} | {r['median']:.2f} | "
                  f"{r['peak_mb']:,.0f} | {ratio} |")
        else:
            why = r.get("error") or f"not run ({r.get('skipped')})"
            print(f"| {r['query']} | {r['table_rows']:,} | {r['engine']} | {why} | | | |")


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    queries = sorted({r["query"] for r in results}, key=list(SQL).index)
    figure, axes = plt.subplots(1, len(queries), figsize=(4.2 * len(queries), 3.8), squeeze=False)
    for axis, query in zip(axes[0], queries, strict=True):
        for engine in ENGINES:
            points = sorted((r["table_rows"], r["best"]) for r in results
                            if r["query"] == query and r["engine"] == engine and "best" in r)
            if points:
                axis.plot(*zip(*points, strict=True), marker="o", label=engine)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_title(query)
        axis.set_xlabel("rows per table")
        axis.set_ylabel("seconds (best)")
        axis.grid(True, which="both", alpha=0.3)
    axes[0][0].legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
