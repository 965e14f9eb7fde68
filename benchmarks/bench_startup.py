"""Start-up cost of kqlite, each figure a whole fresh process (what a user waits for at the prompt).

    python benchmarks/bench_startup.py [--repeat 10]

Prints the best and median wall time (time.perf_counter around subprocess.run) and the median CPU time of:
`import duckdb` and a two-line DuckDB script over the table (the floor), `import kqlite`,
`kqlite query "print x=1"`, and `kqlite query` over a 221-row table attached with --table (CSV and Parquet).
The kqlite of this checkout is measured (its src/ is put first on PYTHONPATH), its bytecode cached as an installed
package's is. Not a test: it prints a table.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
ROWS = 221
QUERY = "DeviceProcessEvents | summarize Processes = count() by DeviceName | order by Processes desc"


def write_table(directory: Path) -> tuple[Path, Path]:
    """A 221-row DeviceProcessEvents table, as CSV and as Parquet (the same rows)."""
    start = datetime(2024, 5, 1, tzinfo=UTC)
    header = ["Timestamp", "DeviceName", "FileName", "ProcessCommandLine", "AccountName", "ProcessId"]
    rows = [[(start + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ"), f"host-{i % 7}",
             ("cmd.exe", "powershell.exe", "svchost.exe")[i % 3], f"run --step {i}", f"user{i % 5}", 1000 + i]
            for i in range(ROWS)]
    csv_path, parquet_path = directory / "DeviceProcessEvents.csv", directory / "DeviceProcessEvents.parquet"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    script = f"import duckdb; duckdb.sql(\"COPY (FROM read_csv('{csv_path}')) TO '{parquet_path}' (FORMAT parquet)\")"
    subprocess.run([sys.executable, "-c", script], check=True)
    return csv_path, parquet_path


def run_times(command: list[str], repeat: int, env: dict[str, str]) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) seconds of each of `repeat` fresh runs of `command`, after a warm-up run
    (the file cache). CPU time is the steadier figure on a machine other jobs share."""
    subprocess.run(command, check=True, env=env, capture_output=True)
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=True, env=env, capture_output=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return walls, cpus


def measured_env(src: Path, pycache: Path) -> dict[str, str]:
    """This checkout's src/ first on the path, and bytecode cached (outside the tree) as for an installed package:
    with PYTHONDONTWRITEBYTECODE every run would compile kqlite from source again."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10, help="fresh processes per figure")
    parser.add_argument("--src", type=Path, default=SRC, help="the src/ folder of the kqlite to measure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = measured_env(args.src, Path(tmp) / "pycache")
        python, kqlite = [sys.executable], [sys.executable, "-m", "kqlite", "query"]
        csv_path, parquet_path = write_table(Path(tmp))
        duckdb_script = f"import duckdb\nprint(duckdb.sql(\"FROM read_csv('{csv_path}') LIMIT 10\").fetchall())"
        cases = {
            "python -c 'pass'": [*python, "-c", "pass"],
            "python -c 'import duckdb'": [*python, "-c", "import duckdb"],
            "two-line duckdb script (CSV)": [*python, "-c", duckdb_script],
            "python -c 'import kqlite'": [*python, "-c", "import kqlite"],
            "kqlite query 'print x=1'": [*kqlite, "print x=1"],
            f"kqlite query, {ROWS}-row CSV (--table)": [*kqlite, QUERY, "--table", f"DeviceProcessEvents={csv_path}"],
            f"kqlite query, {ROWS}-row Parquet (--table)": [*kqlite, QUERY, "--table",
                                                             f"DeviceProcessEvents={parquet_path}"],
        }
        print(f"{'command':<42} {'best s':>7} {'median s':>9} {'CPU s':>7}")
        for label, command in cases.items():
            walls, cpus = run_times(command, args.repeat, env)
            print(f"{label:<42} {min(walls):>7.3f} {statistics.median(walls):>9.3f} {statistics.median(cpus):>7.3f}",
                  flush=True)


if __name__ == "__main__":
    main()
