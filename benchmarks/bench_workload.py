"""A hunting workload (benchmarks/workload_queries.py): kqlite against each query's hand-written DuckDB SQL
twin, at several table sizes, to see how the cost of every construct grows with the data.

    PYTHONPATH=src python3 benchmarks/bench_workload.py                        # 1M, 5M, 20M rows per table
    PYTHONPATH=src python3 benchmarks/bench_workload.py --sizes 1000000 --repeat 3 --json /tmp/w1m.json
    PYTHONPATH=src python3 benchmarks/bench_workload.py --queries seed,arg_max --sizes 100000 --repeat 1
    PYTHONPATH=src python3 benchmarks/bench_workload.py --merge /tmp/w1m.json /tmp/w5m.json --plot docs/workload.png

For each size, the tables are generated once (`kqlite generate --target-rows N --seed 1`, Parquet) under
--data-dir, outside the repository. For each query, the two engines run in alternated pairs (kqlite, sql,
kqlite, sql, ...) --repeat times, each run in a fresh Python process that imports its libraries before the
clock starts; the worker measures its own CPU time (getrusage of the process: every DuckDB thread counts)
and wall time around connect + query + fetching the result as Arrow; the parent reads the worker's peak
resident memory from wait4. Alternating makes drift on a shared machine fall on both engines alike.

Before timing, the first pair's results are compared: the same rows as multisets (datetimes in UTC, floats
to 9 significant digits, dynamic values parsed from JSON, lists sorted where the query says their order is
undefined). A difference stops the run with both sides' extra rows.

The report: per query and size, best and median of the per-pair ratios kqlite/sql for CPU and wall, and
peak memory per engine, as a Markdown table. Not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_engines import dataset  # noqa: E402
from workload_queries import QUERIES, UNION_TABLES, seed_kql  # noqa: E402

TABLES = UNION_TABLES
ENGINES = ("kqlite", "sql")

# ----------------------------------------------------------------------------------------- worker
# A worker runs one query once on one engine and prints {"cpu": s, "wall": s, "rows": n}. Imports and
# Python start-up happen before the clock; connecting (views over the Parquet files) is inside it.


def kqlite_runner(data: Path, query: str, limits: dict):
    import kqlite
    import kqlite.backends.duckdb  # noqa: F401 - `import kqlite` is lazy: load the engine before the clock
    import kqlite.compile.compiler  # noqa: F401

    text = QUERIES[query]["kql"] or seed_kql()

    def once():
        connection = kqlite.connect(tables={t: str(data / f"{t}.parquet") for t in TABLES}, **limits)
        return connection.query(text).to_arrow()

    return once


def sql_runner(data: Path, query: str, limits: dict):
    import duckdb

    text = QUERIES[query]["sql"]

    def once():
        connection = duckdb.connect(config=limits)  # timestamps are UTC (no ICU time zones here)
        for table in TABLES:
            connection.read_parquet(str(data / f"{table}.parquet")).create_view(table)
        # the seed's innerunique keeps the first row in file order: the file row number says which
        connection.read_parquet(str(data / "DeviceNetworkEvents.parquet"), file_row_number=True).project(
            "* EXCLUDE (file_row_number), file_row_number AS ord").create_view("net_ord")
        return connection.sql(text).to_arrow_table()

    return once


RUNNERS = {"kqlite": kqlite_runner, "sql": sql_runner}


def worker(engine: str, query: str, data: Path, limits: dict, save: str) -> None:
    once = RUNNERS[engine](data, query, limits)
    before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    table = once()
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if save:  # after the clock: the result, for the check
        import pyarrow.feather as feather

        feather.write_feather(table, save, compression="uncompressed")
    print(json.dumps({"cpu": cpu, "wall": wall, "rows": table.num_rows}))


def run_worker(engine: str, query: str, data: Path, limits: dict, save: str = "") -> dict:
    """One fresh worker process; its figures plus peak RSS in MB (from wait4)."""
    command = [sys.executable, __file__, "--worker", engine, query, str(data), json.dumps(limits), save]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{engine} failed on {query}: " + "\n".join(stderr.strip().splitlines()[-4:]))
    figures = json.loads(stdout.strip().splitlines()[-1])
    figures["peak_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
    return figures


# ----------------------------------------------------------------------------------------- result check


def normalise(value, unordered: bool):
    """A hashable, engine-neutral form of one value (see the module docstring)."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return value.isoformat()
    if isinstance(value, float):
        return "nan" if math.isnan(value) else float(f"{value:.9g}")
    if isinstance(value, dict):
        return ("{}", tuple(sorted((k, normalise(v, unordered)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        items = [normalise(v, unordered) for v in value]
        return ("[]", tuple(sorted(items, key=repr) if unordered else items))
    return value


def table_rows(path: str, unordered: bool) -> tuple[list[str], Counter]:
    import pyarrow.feather as feather

    table = feather.read_table(path)
    rows = Counter(tuple(normalise(v, unordered) for v in row.values()) for row in table.to_pylist())
    return table.column_names, rows


def same_name(kqlite_name: str, sql_name: str) -> bool:
    """Equal, or DuckDB's renaming of a name that differs from an earlier one only in case (LogonID_1)."""
    return sql_name == kqlite_name or re.fullmatch(re.escape(kqlite_name) + r"_\d+", sql_name) is not None


def check(query: str, kqlite_path: str, sql_path: str) -> int:
    """Stop unless both engines returned the same columns and the same multiset of rows."""
    unordered = QUERIES[query].get("unordered", False)
    k_columns, k_rows = table_rows(kqlite_path, unordered)
    s_columns, s_rows = table_rows(sql_path, unordered)
    if len(k_columns) != len(s_columns) or not all(map(same_name, k_columns, s_columns)):
        raise SystemExit(f"{query}: columns differ\n  kqlite: {k_columns}\n  sql:    {s_columns}")
    if k_rows != s_rows:
        only_k, only_s = k_rows - s_rows, s_rows - k_rows
        raise SystemExit(f"{query}: results differ ({sum(k_rows.values())} kqlite rows, {sum(s_rows.values())} sql)"
                         f"\n  only kqlite: {list(only_k.items())[:5]}\n  only sql:    {list(only_s.items())[:5]}")
    return sum(k_rows.values())


# ----------------------------------------------------------------------------------------- measurement


def measure(query: str, data: Path, repeat: int, limits: dict) -> dict:
    """Alternated pairs; the first pair also saves both results for the check."""
    runs = {engine: [] for engine in ENGINES}
    with tempfile.TemporaryDirectory() as scratch:
        for pair in range(repeat):
            for engine in ENGINES:
                save = str(Path(scratch) / f"{engine}.arrow") if pair == 0 else ""
                runs[engine].append(run_worker(engine, query, data, limits, save))
            if pair == 0:
                rows = check(query, str(Path(scratch) / "kqlite.arrow"), str(Path(scratch) / "sql.arrow"))
    return {"query": query, "runs": runs, "result_rows": rows}


def summarise(figure: dict) -> dict:
    """Ratios kqlite/sql per pair, best and median, per clock; absolute medians; peak memory."""
    k, s = figure["runs"]["kqlite"], figure["runs"]["sql"]
    out = {}
    for clock in ("cpu", "wall"):
        ratios = [a[clock] / b[clock] for a, b in zip(k, s, strict=True) if b[clock] > 0]
        out[f"{clock}_best"] = min(ratios)
        out[f"{clock}_median"] = statistics.median(ratios)
        out[f"kqlite_{clock}"] = statistics.median(r[clock] for r in k)
        out[f"sql_{clock}"] = statistics.median(r[clock] for r in s)
    out["kqlite_peak_mb"] = max(r["peak_mb"] for r in k)
    out["sql_peak_mb"] = max(r["peak_mb"] for r in s)
    return out


# ----------------------------------------------------------------------------------------- data


def process_rows(folder: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(folder / "DeviceProcessEvents.parquet").metadata.num_rows


# ----------------------------------------------------------------------------------------- report


def print_markdown(results: list[dict]) -> None:
    print("| query | rows per table | CPU ratio median | CPU best | wall ratio median | wall best "
          "| kqlite CPU s | SQL CPU s | kqlite wall s | SQL wall s | peak MB kqlite / SQL | result rows |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['query']} | {r['table_rows']:,} | {r['cpu_median']:.2f} | {r['cpu_best']:.2f} "
              f"| {r['wall_median']:.2f} | {r['wall_best']:.2f} | {r['kqlite_cpu']:.2f} | {r['sql_cpu']:.2f} "
              f"| {r['kqlite_wall']:.2f} | {r['sql_wall']:.2f} "
              f"| {r['kqlite_peak_mb']:,.0f} / {r['sql_peak_mb']:,.0f} | {r['result_rows']:,} |")


def print_pivot(results: list[dict]) -> None:
    """One line per query: CPU and wall ratio medians (best in brackets) at each size, peak memory at the largest."""
    sizes = sorted({r["size"] for r in results})
    by_key = {(r["query"], r["size"]): r for r in results}
    head = " | ".join(f"{size / 1e6:g}M CPU | {size / 1e6:g}M wall" for size in sizes)
    print(f"| query | {head} | peak MB kqlite / SQL at {sizes[-1] / 1e6:g}M |")
    print("|---|" + "---:|" * (2 * len(sizes) + 1))
    for query in dict.fromkeys(r["query"] for r in results):
        cells = []
        for size in sizes:
            r = by_key.get((query, size))
            cells += ([f"{r['cpu_median']:.2f} ({r['cpu_best']:.2f})", f"{r['wall_median']:.2f} ({r['wall_best']:.2f})"]
                      if r else ["", ""])
        last = by_key.get((query, sizes[-1]))
        memory = f"{last['kqlite_peak_mb']:,.0f} / {last['sql_peak_mb']:,.0f}" if last else ""
        print(f"| {query} | {' | '.join(cells)} | {memory} |")


def print_flags(results: list[dict], threshold: float = 1.2) -> None:
    """The queries over the threshold at some size, and those whose CPU ratio grows with size."""
    by_query: dict[str, list[dict]] = {}
    for r in results:
        by_query.setdefault(r["query"], []).append(r)
    for query, rows in by_query.items():
        rows.sort(key=lambda r: r["table_rows"])
        ratios = [r["cpu_median"] for r in rows]
        over = [f"{r['table_rows']:,}: {r['cpu_median']:.2f}" for r in rows if r["cpu_median"] > threshold]
        grows = len(ratios) > 1 and all(b > a * 1.1 for a, b in zip(ratios, ratios[1:], strict=False))
        if over or grows:
            print(f"- {query}: CPU median {' -> '.join(f'{x:.2f}' for x in ratios)}"
                  f"{' (over ' + str(threshold) + 'x at ' + ', '.join(over) + ')' if over else ''}"
                  f"{' (grows with size)' if grows else ''}")


def plot(results: list[dict], path: Path) -> None:
    """Median CPU seconds against rows per table, one small log-log panel per query."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    queries = [q for q in QUERIES if any(r["query"] == q for r in results)]
    columns = 6
    lines = math.ceil(len(queries) / columns)
    figure, axes = plt.subplots(lines, columns, figsize=(3.0 * columns, 2.6 * lines), squeeze=False)
    for axis, query in zip(axes.flat, queries, strict=False):
        rows = sorted((r for r in results if r["query"] == query), key=lambda r: r["table_rows"])
        sizes = [r["table_rows"] for r in rows]
        for engine, style in (("kqlite", "o-"), ("sql", "s--")):
            axis.plot(sizes, [r[f"{engine}_cpu"] for r in rows], style, label=engine, markersize=4)
        axis.set_xscale("log")
        axis.set_yscale("log")
        # plain labels: the sizes measured on x, seconds as numbers on y
        axis.set_xticks(sizes, [f"{r['size'] / 1e6:g}M" for r in rows])
        axis.xaxis.set_minor_formatter(ticker.NullFormatter())
        axis.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        axis.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        axis.yaxis.set_minor_formatter(ticker.NullFormatter())
        axis.set_title(query, fontsize=9)
        axis.tick_params(labelsize=7)
        axis.grid(True, which="both", alpha=0.3)
    for axis in list(axes.flat)[len(queries):]:
        axis.set_visible(False)
    axes[0][0].legend(fontsize=7)
    figure.supxlabel("rows per table")
    figure.supylabel("CPU seconds (median)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


# ----------------------------------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000, 20_000_000],
                        help="rows per table (the generator's target)")
    parser.add_argument("--queries", help="comma-separated subset of: " + ",".join(QUERIES))
    parser.add_argument("--repeat", type=int, default=3, help="alternated pairs per query and size")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/kqlite-bench"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--memory-limit", help="DuckDB memory_limit for both engines, e.g. 8GB")
    parser.add_argument("--json", type=Path, help="write the raw figures here")
    parser.add_argument("--plot", type=Path, help="write a PNG of CPU time against rows per query")
    parser.add_argument("--merge", type=Path, nargs="+", metavar="JSON",
                        help="instead of running: merge --json files (later ones win), report, --json/--plot")
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    return parser.parse_args()


def report(results: list[dict], args: argparse.Namespace) -> None:
    results.sort(key=lambda r: (list(QUERIES).index(r["query"]), r["table_rows"]))
    print_pivot(results)
    print()
    print_markdown(results)
    print("\nAbove 1.2x (CPU median) or growing with size:")
    print_flags(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    if args.plot:
        plot(results, args.plot)


def main() -> None:
    args = parse_args()
    if args.worker:
        engine, query, data, limits, save = args.worker
        worker(engine, query, Path(data), json.loads(limits), save)
        return
    if args.merge:
        merged = {}
        for path in args.merge:
            for r in json.loads(path.read_text(encoding="utf-8")):
                merged[(r["query"], r["table_rows"])] = r
        report(list(merged.values()), args)
        return
    queries = args.queries.split(",") if args.queries else list(QUERIES)
    unknown = [q for q in queries if q not in QUERIES]
    if unknown:
        raise SystemExit(f"unknown queries: {unknown}; known: {', '.join(QUERIES)}")
    limits = {"memory_limit": args.memory_limit} if args.memory_limit else {}
    results = []
    for size in args.sizes:
        folder = dataset(size, args.data_dir, args.seed)
        actual = process_rows(folder)
        for query in queries:
            figure = measure(query, folder, args.repeat, limits)
            figure.update(table_rows=actual, size=size, **summarise(figure))
            results.append(figure)
            print(f"{query:<18}{actual:>12,}  CPU x{figure['cpu_median']:.2f} (best {figure['cpu_best']:.2f})"
                  f"  wall x{figure['wall_median']:.2f}  kqlite {figure['kqlite_cpu']:.2f} s CPU"
                  f"  sql {figure['sql_cpu']:.2f} s CPU  rows {figure['result_rows']:,}", file=sys.stderr, flush=True)
            if args.json:  # keep what is done if a later query stops the run
                args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    report(results, args)


if __name__ == "__main__":
    main()
