"""EVTX files read by worker processes give exactly what reading them in-process gives: rows, order,
rejects, unmapped counts and skipped duplicates (the suite's inputs are small, so the workers are forced)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from kqlite.ingest import evtx_reader, evtx_workers, pipeline
from kqlite.ingest.pipeline import load

EVTX_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "evtx-attack-samples"
pytestmark = [
    pytest.mark.skipif(not EVTX_SAMPLES.is_dir(), reason="../shared/datasets is not present"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="worker processes are used on Linux only"),
]


@pytest.fixture
def inputs(tmp_path):
    """The samples, a duplicate of one of them, and a copy of the largest cut inside its fourth chunk."""
    big = EVTX_SAMPLES / "lateral-movement" / "LM_5145_Remote_FileCopy.evtx"
    shutil.copy(big, tmp_path / "duplicate.evtx")
    (tmp_path / "cut.evtx").write_bytes(big.read_bytes()[: 4096 + 3 * 65536 + 30000])
    return [EVTX_SAMPLES, tmp_path]


def summary(paths, monkeypatch, parallel_bytes):
    monkeypatch.setattr(evtx_workers, "PARALLEL_BYTES", parallel_bytes)
    monkeypatch.setattr(pipeline, "idle_cores", lambda since=None: 2)  # as on an idle machine, however busy this one is
    tables, report = load(paths)
    return ({name: table.to_pylist() for name, table in tables.items()},
            [(f.name, f.format, f.records, f.skipped, f.digest) for f in report.files],
            [(r.file, r.position, r.reason) for r in report.rejects.rejects],
            dict(report.unmapped_events))


def test_workers_read_evtx_exactly_as_this_process(inputs, monkeypatch):
    here = summary(inputs, monkeypatch, parallel_bytes=1 << 60)  # never share: all in this process
    shared = summary(inputs, monkeypatch, parallel_bytes=0)  # always share
    assert shared == here
    tables, files, rejects, unmapped = shared
    assert len(tables["DeviceProcessEvents"]) > 50 and unmapped
    assert [f[3] for f in files if f[0].endswith("duplicate.evtx")] == ["already ingested (same content)"]
    assert any(position.startswith("chunk 3") for file, position, _ in rejects if file.endswith("cut.evtx"))


# --- a large log shared out by runs of chunks ------------------------------------------------------------------

CHUNK = 65536
SPLIT = evtx_workers.split


@pytest.fixture
def logs(tmp_path):
    """The largest sample (10 chunks in use, 7 empty slots after them), and copies of it with chunk 5 damaged
    (bytes inside its records changed: its checksum fails), with chunk 4 zeroed (the parser skips it without a
    word), and cut inside chunk 7."""
    data = (EVTX_SAMPLES / "lateral-movement" / "LM_5145_Remote_FileCopy.evtx").read_bytes()
    damaged, zeroed = bytearray(data), bytearray(data)
    damaged[4096 + 5 * CHUNK + 3000:4096 + 5 * CHUNK + 3040] = b"X" * 40
    zeroed[4096 + 4 * CHUNK:4096 + 5 * CHUNK] = bytes(CHUNK)
    for name, content in [("whole.evtx", data), ("damaged.evtx", bytes(damaged)), ("zeroed.evtx", bytes(zeroed)),
                          ("cut.evtx", data[:4096 + 7 * CHUNK + 20000])]:
        (tmp_path / name).write_bytes(content)
    return tmp_path


def split_summary(folder, monkeypatch, parallel_bytes):
    """The summary of reading `folder` with runs of one chunk per worker task; and the files split."""
    monkeypatch.setattr(evtx_workers, "MIN_PART", CHUNK)
    monkeypatch.setattr(evtx_workers, "MAX_PART", CHUNK)
    split = []
    monkeypatch.setattr(evtx_workers, "split", lambda pool, hasher, job, target: (
        split.append((job[0], target)), SPLIT(pool, hasher, job, target))[1])
    return summary([folder], monkeypatch, parallel_bytes), split


def test_a_large_log_split_across_workers_reads_as_in_one_process(logs, monkeypatch):
    here, not_split = split_summary(logs, monkeypatch, parallel_bytes=1 << 60)
    shared, split = split_summary(logs, monkeypatch, parallel_bytes=0)
    assert not not_split and sorted(name for name, _ in split) == sorted(str(path) for path in logs.iterdir())
    assert all(target == CHUNK for _, target in split)  # one chunk per part: every boundary is crossed
    assert shared == here


def test_a_split_log_reports_each_damaged_chunk_at_its_place_in_the_file(logs, monkeypatch):
    monkeypatch.setattr(evtx_workers, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(pipeline, "idle_cores", lambda since=None: 2)
    monkeypatch.setattr(evtx_workers, "MIN_PART", CHUNK)
    monkeypatch.setattr(evtx_workers, "MAX_PART", CHUNK)
    _, report = load([logs])
    rejects = {(Path(r.file).name, r.position) for r in report.rejects.rejects}
    assert ("damaged.evtx", f"chunk 5 (bytes {4096 + 5 * CHUNK}..{4096 + 6 * CHUNK})") in rejects
    assert ("zeroed.evtx", f"chunk 4 (bytes {4096 + 4 * CHUNK}..{4096 + 5 * CHUNK})") in rejects
    assert any(name == "cut.evtx" and position.startswith("chunk 7") for name, position in rejects)
    files = {Path(f.name).name: f for f in report.files}
    whole = files["whole.evtx"].records_in
    assert whole == 869
    lost = {"damaged.evtx": 530 - 452 + 1, "zeroed.evtx": 451 - 370 + 1, "cut.evtx": 869 - 612}
    for name, records in lost.items():
        assert files[name].rejected == records, name
    for file in files.values():  # every record read is stored, rejected, unmapped or a duplicate, per file
        assert file.records_in == file.rows + file.rejected + file.unmapped + file.duplicates
        assert file.records_in == whole


PARENT = os.getpid()
READ_PART = evtx_workers.read_part


def read_part_failing_in_workers(path, first, count, mapped):
    """read_part that fails in a worker process (as when it dies), and works here."""
    if os.getpid() != PARENT:
        raise MemoryError("worker out of memory")
    return READ_PART(path, first, count, mapped)


def read_part_failing(path, first, count, mapped):
    if first == 3:
        raise OSError("I/O error")
    return READ_PART(path, first, count, mapped)


def test_a_part_whose_worker_fails_is_read_again_here(logs, monkeypatch):
    here, _ = split_summary(logs, monkeypatch, parallel_bytes=1 << 60)
    monkeypatch.setattr(evtx_workers, "read_part", read_part_failing_in_workers)
    shared, split = split_summary(logs, monkeypatch, parallel_bytes=0)
    assert split and shared == here


def test_a_part_that_cannot_be_read_at_all_is_rejected_with_its_records(logs, monkeypatch):
    monkeypatch.setattr(evtx_workers, "read_part", read_part_failing)
    (tables, files, rejects, _), split = split_summary(logs, monkeypatch, parallel_bytes=0)
    whole = next(f for f in files if f[0].endswith("whole.evtx"))
    lost = [r for r in rejects if r[0] == whole[0]]
    assert lost == [(whole[0], f"chunks 3..3 (bytes {4096 + 3 * CHUNK}..{4096 + 4 * CHUNK})",
                     "cannot read these EVTX chunks: OSError: I/O error")]
    _, report = load([logs / "whole.evtx"])
    file = report.files[0]  # the records of chunk 3 (ids 288..369) counted as rejected, and all accounted for
    assert (file.records_in, file.rejected) == (869, 369 - 288 + 1)
    assert file.records_in == file.rows + file.rejected + file.unmapped + file.duplicates


@pytest.mark.parametrize(("load", "idle"), [(0.2, 4), (1.6, 2), (3.6, 1), (9.0, 1)])
def test_workers_are_started_for_the_cores_the_machine_leaves_idle(monkeypatch, load, idle):
    """By the load average where the system tells no CPU times..."""
    monkeypatch.setattr(evtx_workers.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(evtx_workers.os, "getloadavg", lambda: (load, load, load))
    monkeypatch.setattr(evtx_workers, "_cpu_times", lambda: None)
    assert evtx_workers.idle_cores() == idle


@pytest.mark.parametrize(("busy", "idle"), [(0, 4), (100, 3), (250, 2), (400, 1)])
def test_idle_cores_are_measured_now_where_the_system_tells(monkeypatch, busy, idle):
    """... and by the CPU time spent meanwhile where it does (Linux): a job that ended a minute ago (still in
    the load average) does not keep the workers from starting."""
    samples = iter([[1000, 0, 0, 5000, 0, 0, 0], [1000 + busy, 0, 0, 5000 + 400 - busy, 0, 0, 0]])
    monkeypatch.setattr(evtx_workers.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(evtx_workers.os, "getloadavg", lambda: (9.0, 9.0, 9.0))
    monkeypatch.setattr(evtx_workers, "_cpu_times", lambda: next(samples))
    assert evtx_workers.idle_cores() == idle


@pytest.mark.parametrize(("own", "idle"), [(0.0, 2), (1.0, 3), (3.0, 4)])
def test_the_cpu_this_ingest_used_since_its_start_counts_as_idle(monkeypatch, own, idle):
    """Measured from a mark taken when the ingest began (no sleep): the work this process did meanwhile (it is
    about to wait for its workers) is not another job's."""
    monkeypatch.setattr(evtx_workers.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(evtx_workers, "_clock_ticks", lambda: 100)
    start = evtx_workers.CpuMark([1000, 0, 0, 5000, 0, 0, 0], 10.0, 0.0)
    now = evtx_workers.CpuMark([1000 + 200, 0, 0, 5000 + 200, 0, 0, 0], 10.0 + own, 1.0)
    monkeypatch.setattr(evtx_workers.time, "monotonic", lambda: 1.0)
    monkeypatch.setattr(evtx_workers.time, "sleep", lambda seconds: pytest.fail("no need to sleep"))
    monkeypatch.setattr(evtx_workers, "cpu_mark", lambda: now)
    assert evtx_workers.idle_cores(start) == idle


def test_the_chunk_accounting_is_the_same_for_few_and_many_chunks():
    import random
    from array import array

    from kqlite.ingest.evtx_reader import Chunk, _short_chunks, _short_chunks_small

    rng = random.Random(7)
    for _ in range(200):
        chunks, ids, first = [], array("q"), 1
        for index in range(rng.randrange(1, 100)):
            last = first + rng.randrange(-1, 30)  # an empty or reversed range now and then
            chunks.append(Chunk(index, first, last))
            ids.extend(i for i in range(first, last + 1) if rng.random() > 0.1)
            first = last + 1 + rng.randrange(0, 3)
        assert _short_chunks(chunks, ids) == _short_chunks_small(chunks, ids)


# --- exact copies of records dropped while reading --------------------------------------------------------------

def _copy_with_other_digest(source: Path, target: Path, mark: int) -> None:
    """The log with one byte of its header's padding changed: another file to the digest, the same records."""
    data = bytearray(source.read_bytes())
    data[4000] = mark
    target.write_bytes(bytes(data))


def accounting(paths, monkeypatch, parallel_bytes):
    monkeypatch.setattr(evtx_workers, "PARALLEL_BYTES", parallel_bytes)
    monkeypatch.setattr(pipeline, "idle_cores", lambda since=None: 2)
    tables, report = load(paths)
    return ({name: table.to_pylist() for name, table in tables.items()},
            sorted((Path(f.name).name, f.records_in, f.rows, f.rejected, f.unmapped, f.duplicates)
                   for f in report.files))


@pytest.mark.parametrize(("parallel_bytes", "task_bytes"), [(0, None), (0, 1), (1 << 60, None)],
                         ids=["workers", "workers-one-file-a-task", "here"])
def test_exact_copies_dropped_while_reading_give_what_the_mapping_gives(tmp_path, monkeypatch, parallel_bytes,
                                                                        task_bytes):
    """A log copied under other names and read in an order that is not the names' (c, a, b): the copies
    dropped by the readers leave the tables and every file's accounting as the mapping's own de-duplication
    makes them (the file named first keeps each record). With one file a task, a worker drops copies of
    records its earlier tasks kept."""
    if task_bytes is not None:
        monkeypatch.setattr(evtx_workers, "MIN_PART", task_bytes)
    sample = EVTX_SAMPLES / "lateral-movement" / "LM_sysmon_3_12_13_1_SharpRDP.evtx"
    for mark, name in enumerate(("c", "a", "b"), start=1):
        (tmp_path / name).mkdir()
        _copy_with_other_digest(sample, tmp_path / name / f"{name}.evtx", mark)
    paths = [tmp_path / "c", tmp_path / "a", tmp_path / "b"]
    dropped = accounting(paths, monkeypatch, parallel_bytes)
    monkeypatch.setattr(evtx_reader, "_has_record_id", lambda text: False)  # no record is ever dropped as a copy
    staged = accounting(paths, monkeypatch, parallel_bytes)
    assert dropped == staged
    tables, files = dropped
    assert sum(map(len, tables.values())) == 38
    rows = {name: (stored, duplicates) for name, _, stored, _, _, duplicates in files}
    assert rows == {"a.evtx": (38, 0), "b.evtx": (0, 38), "c.evtx": (0, 38)}


def test_the_readers_drop_only_copies_from_files_named_later(tmp_path):
    from kqlite.ingest.evtx_reader import Copies, read_evtx
    from kqlite.ingest.sysmon_map import MAPPED_EVENTS

    sample = EVTX_SAMPLES / "lateral-movement" / "LM_sysmon_3_12_13_1_SharpRDP.evtx"
    size = sample.stat().st_size
    copies = Copies()
    first = read_evtx("b", str(sample), None, size, MAPPED_EVENTS, copies)
    later = read_evtx("c", str(sample), None, size, MAPPED_EVENTS, copies)
    earlier = read_evtx("a", str(sample), None, size, MAPPED_EVENTS, copies)
    assert (len(first.raws), first.duplicates) == (38, 0)
    assert (len(later.raws), later.duplicates) == (0, 38)  # b keeps them
    assert (len(earlier.raws), earlier.duplicates) == (38, 0)  # staged: the mapping keeps a's, drops b's
    again = read_evtx("c", str(sample), None, size, MAPPED_EVENTS, copies)
    assert (len(again.raws), again.duplicates) == (0, 38)


def test_a_worker_forgets_the_records_of_a_task_that_failed(monkeypatch):
    """A failed task is read again by the caller: what it kept was never staged, so no later task of the
    worker may drop a copy of it."""
    from kqlite.ingest.sysmon_map import MAPPED_EVENTS

    sample = EVTX_SAMPLES / "lateral-movement" / "LM_sysmon_3_12_13_1_SharpRDP.evtx"
    job = ("a.evtx", str(sample), None, sample.stat().st_size)
    monkeypatch.setattr(evtx_workers, "_worker_copies", None)
    evtx_workers._start_worker()
    read = evtx_reader.read_evtx

    def fail_on_b(name, *args):
        if name == "b.evtx":
            raise MemoryError("a worker ran out of memory")
        return read(name, *args)

    monkeypatch.setattr(evtx_reader, "read_evtx", fail_on_b)
    with pytest.raises(MemoryError):
        evtx_workers.read_task([job, ("b.evtx", *job[1:])], MAPPED_EVENTS)  # a.evtx kept 38 records, then b failed
    monkeypatch.setattr(evtx_reader, "read_evtx", read)
    (result,) = evtx_workers.read_task([("c.evtx", *job[1:])], MAPPED_EVENTS)
    assert (len(result.raws), result.duplicates) == (38, 0)  # not dropped as copies of a's, which were not staged
    (again,) = evtx_workers.read_task([("d.evtx", *job[1:])], MAPPED_EVENTS)
    assert (len(again.raws), again.duplicates) == (0, 38)  # a later task drops copies of c's, which were returned
