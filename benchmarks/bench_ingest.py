"""Ingest throughput: EVTX read by kqlite (parse, stage, map to Defender tables) against the raw `evtx` parse
of the same files, and rows/s per input format on generated data.

    python benchmarks/bench_ingest.py                      # EVTX corpus from ../shared/datasets, 200 copies
    python benchmarks/bench_ingest.py --copies 200 --repeat 5
    python benchmarks/bench_ingest.py --formats parquet csv jsonl defender-csv streaming-json sysmon-evtx-xml
    python benchmarks/bench_ingest.py --whole-process --copies 100 --large-mb 1024 --repeat 5

--whole-process times the `kqlite ingest <folder> --db <new store>` command as a subprocess (Python start-up,
imports, reading, mapping and writing the store) against a separate process running the raw `evtx` records
loop over the same files, on two corpora: the samples copied --copies times, and one large log of --large-mb
MB built from the samples' chunks (see make_large_log). Raw and kqlite runs alternate; the table gives the best
and the median of each, wall-clock and CPU (user + system, the process and its workers).

The public EVTX samples are small (48 files, 1.3k records), so the corpus is each file copied --copies
times. Copies differ in one byte of the file header's padding (outside its checksum) so that kqlite reads
them instead of skipping them as already seen; their events are the same, so the mapping step de-duplicates
them (same computer, channel and record id) and maps the distinct events. Figures are the best of --repeat
runs. Not a test: it prints a table.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
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


def make_large_log(source: Path, megabytes: int, target: Path) -> Path:
    """One EVTX log of about `megabytes` MB: the valid chunks of the samples, repeated in turn after a file
    header, their records renumbered so that every record id is distinct and increasing (a real log's). Each
    chunk carries its own string and template tables, so a chunk parses the same in any file; the record
    ids in the record headers and the chunk headers, and both chunk checksums, are rewritten."""
    chunks = [chunk for file in sorted(source.rglob("*.evtx")) for chunk in _valid_chunks(file.read_bytes())]
    count = max(megabytes * 1_000_000 // _CHUNK, 1)
    if count > 0xFFFF:
        sys.exit("--large-mb: an EVTX file header counts at most 65,535 chunks (4 GB)")
    path = target / f"large_{megabytes}MB.evtx"
    next_id = 1
    with path.open("wb") as out:
        out.write(b"\0" * 4096)
        for index in range(count):
            chunk, next_id = _renumbered(chunks[index % len(chunks)], next_id)
            out.write(chunk)
        out.seek(0)
        out.write(_file_header(count, next_id))
    return path


_CHUNK = 65536


def _valid_chunks(data: bytes) -> list[bytes]:
    return [data[offset:offset + _CHUNK] for offset in range(4096, len(data) - _CHUNK + 1, _CHUNK)
            if data.startswith(b"ElfChnk\0", offset)]


def _renumbered(chunk: bytes, first: int) -> tuple[bytes, int]:
    """`chunk` with its records numbered from `first`; and the next number."""
    data = bytearray(chunk)
    free = struct.unpack_from("<I", data, 48)[0]
    offset, number = 512, first
    while offset < free and data.startswith(b"**\0\0", offset):
        struct.pack_into("<Q", data, offset + 8, number)
        offset += struct.unpack_from("<I", data, offset + 4)[0]
        number += 1
    struct.pack_into("<QQQQ", data, 8, first, number - 1, first, number - 1)
    struct.pack_into("<I", data, 52, zlib.crc32(data[512:free]))
    struct.pack_into("<I", data, 124, zlib.crc32(data[:120] + data[128:512]))
    return bytes(data), number


def _file_header(chunks: int, next_id: int) -> bytes:
    head = bytearray(4096)
    struct.pack_into("<8sQQQIHHHH", head, 0, b"ElfFile\0", 0, chunks - 1, next_id, 128, 1, 3, 4096, chunks)
    struct.pack_into("<I", head, 124, zlib.crc32(head[:120]))
    return bytes(head)


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


RAW_LOOP = """
import os, sys, evtx
records = 0
for root, _, names in os.walk(sys.argv[1]):
    for name in names:
        for _ in evtx.PyEvtxParser(os.path.join(root, name)).records_json():
            records += 1
print(records)
"""


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall-clock and CPU seconds (user + system of the process and its children) of `command`; its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def whole_process_pairs(folder: Path, repeat: int, src: Path, work: Path) -> dict[str, list[tuple[float, float]]]:
    """Alternated (raw, kqlite) runs of whole processes over `folder`; each kqlite run writes a new store."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    runs: dict[str, list[tuple[float, float]]] = {"raw": [], "kqlite": []}
    for run in range(repeat):
        wall, cpu, out = timed([sys.executable, "-c", RAW_LOOP, str(folder)], env)
        runs["raw"].append((wall, cpu))
        records = int(out.strip())
        store = work / f"store_{run}.duckdb"
        wall, cpu, out = timed([sys.executable, "-m", "kqlite", "ingest", str(folder), "--db", str(store)], env)
        runs["kqlite"].append((wall, cpu))
        if f"{records:,} record(s) in" not in out.replace("\n", " "):
            sys.exit(f"kqlite did not account for the {records:,} records:\n{out}")
        for path in work.glob(f"store_{run}.duckdb*"):
            path.unlink()
    return runs


def print_whole_process(label: str, folder: Path, runs: dict[str, list[tuple[float, float]]]) -> None:
    files = [path for path in folder.rglob("*") if path.is_file()]
    size = sum(path.stat().st_size for path in files)
    print(f"\n{label}: {len(files):,} file(s), {size / 1e6:,.0f} MB, {len(runs['raw'])} alternated pairs")
    print(f"{'process':<10}{'wall best':>11}{'wall median':>13}{'CPU best':>10}{'CPU median':>12}")
    for name, times in runs.items():
        walls, cpus = [wall for wall, _ in times], [cpu for _, cpu in times]
        print(f"{name:<10}{min(walls):>11.2f}{statistics.median(walls):>13.2f}{min(cpus):>10.2f}"
              f"{statistics.median(cpus):>12.2f}")
    ratios = [raw[0] / kq[0] for raw, kq in zip(runs["raw"], runs["kqlite"], strict=True)]
    best = min(wall for wall, _ in runs["raw"]) / min(wall for wall, _ in runs["kqlite"])
    print(f"kqlite rate / raw rate, wall-clock: {best:.2f} best against best, {statistics.median(ratios):.2f} median "
          "of the pairs (target >= 0.5)")


def bench_whole_process(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="kqlite-bench-", dir=args.work))
    try:
        copies = work / "copies"
        copies.mkdir()
        make_corpus(args.evtx_dir, args.copies, copies)
        print_whole_process(f"samples x {args.copies}", copies, whole_process_pairs(copies, args.repeat, args.src, work))
        shutil.rmtree(copies)
        if args.large_mb:
            large = work / "large"
            large.mkdir()
            make_large_log(args.evtx_dir, args.large_mb, large)
            print_whole_process(f"one large log ({args.large_mb} MB)", large,
                                whole_process_pairs(large, args.repeat, args.src, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)


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
    parser.add_argument("--whole-process", action="store_true",
                        help="time `kqlite ingest` as a process against a raw-parse process (see above)")
    parser.add_argument("--large-mb", type=int, default=1024, help="size of the large log of --whole-process (0: none)")
    parser.add_argument("--src", type=Path, default=Path(__file__).resolve().parents[1] / "src",
                        help="the kqlite sources the subprocesses run (PYTHONPATH)")
    parser.add_argument("--work", type=Path, default=None, help="where the corpora are written (default: a temp folder)")
    args = parser.parse_args()
    if args.whole_process:
        bench_whole_process(args)
    elif args.evtx_dir.exists():
        bench_evtx(args)
    else:
        print(f"{args.evtx_dir} is absent: EVTX figures skipped")
    if args.formats:
        bench_formats(args)


if __name__ == "__main__":
    main()
