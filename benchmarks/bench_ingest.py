"""Ingest throughput: EVTX read by kqlite (parse, stage, map to Defender tables) against the raw `evtx` parse
of the same files, and rows/s per input format on generated data.

    python benchmarks/bench_ingest.py                      # EVTX corpus from ../shared/datasets, 200 copies
    python benchmarks/bench_ingest.py --copies 200 --repeat 5
    python benchmarks/bench_ingest.py --formats parquet csv jsonl defender-csv streaming-json sysmon-evtx-xml

The public EVTX samples are small (48 files, 1.3k records), so the corpus is each file copied --copies
times. Copies differ in one byte of the file header's padding (outside its checksum) so that kqlite reads
them instead of skipping them as already seen; their events are the same, so the mapping step de-duplicates
them (same computer, channel and record id) and maps the distinct events. Figures are the best of --repeat
runs. Not a test: it prints a table.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import evtx

from kqlite.ingest.pipeline import Ingest

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"
_PADDING_OFFSET = 4000  # inside the 4096-byte file header, after the 120 checksummed bytes


def make_corpus(source: Path, copies: int, target: Path) -> list[Path]:
    files = sorted(source.rglob("*.evtx"))
    if not files:
        sys.exit(f"no .evtx files under {source}")
    out = []
    for copy in range(copies):
        for file in files:
            data = bytearray(file.read_bytes())
            data[_PADDING_OFFSET:_PADDING_OFFSET + 8] = copy.to_bytes(8, "little")
            path = target / f"{copy:04d}_{file.name}"
            path.write_bytes(bytes(data))
            out.append(path)
    return out


def raw_parse(files: list[Path]) -> int:
    records = 0
    for file in files:
        for _ in evtx.PyEvtxParser(str(file)).records_json():
            records += 1
    return records


def kqlite_ingest(files: list[Path]) -> tuple[int, int]:
    run = Ingest()
    try:
        run.add(files)
        tables = run.tables()
        records = sum(report.records for report in run.report.files)
        return records, sum(table.num_rows for table in tables.values())
    finally:
        run.close()


def best(function, *args, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - start)
    return min(times), result


def bench_evtx(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = make_corpus(args.evtx_dir, args.copies, Path(tmp))
        size = sum(f.stat().st_size for f in files)
        # alternated, so that a slower spell of the machine weighs on both the same
        raw_times, ingest_times, ratios = [], [], []
        for _ in range(args.repeat):
            raw_time, records = best(raw_parse, files, repeat=1)
            ingest_time, (read, rows) = best(kqlite_ingest, files, repeat=1)
            raw_times.append(raw_time)
            ingest_times.append(ingest_time)
            ratios.append(raw_time / ingest_time)
        raw_time, ingest_time = min(raw_times), min(ingest_times)
    assert read == records, (read, records)
    print(f"EVTX corpus: {len(files):,} files, {size / 1e6:.1f} MB, {records:,} records (--copies {args.copies})")
    print(f"{'step':<44}{'seconds':>9}{'records/s':>12}")
    print(f"{'raw evtx parse (records_json)':<44}{raw_time:>9.3f}{records / raw_time:>12,.0f}")
    print(f"{'kqlite ingest (parse + stage + map)':<44}{ingest_time:>9.3f}{records / ingest_time:>12,.0f}")
    print(f"ratio kqlite/raw rate: {raw_time / ingest_time:.2f} best against best, {statistics.median(ratios):.2f} "
          f"median of the {args.repeat} alternated pairs (target >= 0.5); {rows:,} Defender rows mapped")


def bench_formats(args: argparse.Namespace) -> None:
    from kqlite.generate import generate

    print(f"\n{'format':<18}{'rows':>12}{'MB':>9}{'seconds':>9}{'rows/s':>12}")
    for fmt in args.formats:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / fmt
            generate(out, devices=args.devices, hours=args.hours, fmt=fmt, seed=1)
            labels = out / "labels.jsonl"
            if labels.exists():
                labels.unlink()
            size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
            seconds, (read, rows) = best(kqlite_ingest, [out], repeat=args.repeat)
            print(f"{fmt:<18}{rows:>12,}{size / 1e6:>9.1f}{seconds:>9.3f}{rows / seconds:>12,.0f}")
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--evtx-dir", type=Path, default=SHARED / "evtx-attack-samples")
    parser.add_argument("--copies", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", nargs="*", default=[], help="also time each generated input format")
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--hours", type=int, default=4)
    args = parser.parse_args()
    if args.evtx_dir.exists():
        bench_evtx(args)
    else:
        print(f"{args.evtx_dir} is absent: EVTX figures skipped")
    if args.formats:
        bench_formats(args)


if __name__ == "__main__":
    main()
