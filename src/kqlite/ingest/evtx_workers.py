"""EVTX files read by worker processes (one per idle core), started before the rest of an ingest is set up.

The Rust parser holds the GIL while it hands records to Python, so threads would not help: workers are
forked processes, which inherit the imported parser and start at once. They start first: the caller
imports DuckDB and Arrow and prepares the staging while they read (on a folder of small logs those fixed
costs are as large as the parse). Kept free of heavy imports for that reason.

Small files go several to a task; a large log on disk is shared out by runs of chunks (a SplitRead, which
the caller stages part by part while the workers read on, and hashes here meanwhile).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass

from kqlite.ingest.evtx_reader import (
    CHUNK_SIZE,
    HEADER_SIZE,
    Chunk,
    Copies,
    EvtxPart,
    EvtxResult,
    read_evtx,
    read_many,
    read_part,
)
from kqlite.ingest.identity import digest_file
from kqlite.ingest.sysmon_map import MAPPED_EVENTS

Job = tuple[str, str | None, bytes | None, int]  # (name, path on disk or None, bytes in memory or None, size)

PARALLEL_BYTES = 8 << 20  # less EVTX than this is read in this process: starting workers would cost more
MAX_WORKERS = 8
MIN_PART = 16 << 20  # the smallest run of chunks of a large log given to a worker
MAX_PART = 256 << 20  # and the largest: a part's records are staged while the next parts are read
# Only on Linux: on macOS a fork beside running threads (DuckDB's) is not safe. Elsewhere EVTX files are read
# in this process.
FORK = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
_MARK_FRESH = 2.0  # seconds: an older mark says nothing of the machine now
_MEASURE = 0.05  # seconds measured at least


# --- how many cores are idle ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CpuMark:
    """The machine's CPU time counters and this process's own CPU time at one moment."""

    machine: list[int] | None  # /proc/stat's (user, nice, system, idle, iowait, ...) in clock ticks, or None
    own: float  # seconds of CPU this process has used
    at: float  # time.monotonic()


def cpu_mark() -> CpuMark:
    times = os.times()
    return CpuMark(_cpu_times(), times.user + times.system, time.monotonic())


def idle_cores(since: CpuMark | None = None) -> int:
    """The cores the machine's other jobs leave idle, this process's own core included.

    Where the system tells (Linux), measured from `since` (a mark taken when the ingest began) to now, the
    work this process did meanwhile counted as idle (it is about to wait for its workers): no sleep is
    needed once the ingest has run a twentieth of a second. Without a recent mark, over a twentieth of a
    second from now. Elsewhere by the load average of the last minute (which still counts a job that just
    ended, such as the previous command). Worker processes on busy cores only add their cost: on a shared
    machine whose other jobs kept the cores busy, two processes took twice the time of one."""
    cores = os.cpu_count() or 1
    share = _idle_share(since)
    if share is not None:
        return max(min(cores, round(cores * share)), 1)
    try:
        load = os.getloadavg()[0]
    except OSError:  # not known: every core
        return cores
    return max(min(cores, round(cores - load)), 1)


def _idle_share(since: CpuMark | None) -> float | None:
    now = time.monotonic()
    if since is None or since.machine is None or now - since.at > _MARK_FRESH:
        since = cpu_mark()
        if since.machine is None:
            return None
    if (wait := _MEASURE - (time.monotonic() - since.at)) > 0:
        time.sleep(wait)
    after = cpu_mark()
    if after.machine is None:
        return None
    total = sum(after.machine) - sum(since.machine)  # type: ignore[arg-type]
    idle = (after.machine[3] + after.machine[4]) - (since.machine[3] + since.machine[4])  # type: ignore[index]
    own = (after.own - since.own) * _clock_ticks()
    return min((idle + own) / total, 1.0) if total > 0 else None


def _clock_ticks() -> int:
    try:
        return os.sysconf("SC_CLK_TCK")
    except (AttributeError, ValueError, OSError):
        return 100


def _cpu_times() -> list[int] | None:
    """The machine's CPU time counters (user, nice, system, idle, iowait, ...), or None where not known."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            fields = handle.readline().split()
    except OSError:
        return None
    if len(fields) < 6 or fields[0] != "cpu":
        return None
    return [int(value) for value in fields[1:]]


# --- reading -------------------------------------------------------------------------------------------------

def read_or_fail(job: Job, copies: Copies | None = None) -> EvtxResult | BaseException:
    try:
        return read_evtx(*job, MAPPED_EVENTS, copies)
    except Exception as error:  # noqa: BLE001 - reported as a reject of that file
        return error


# In a worker process: the records its tasks kept so far, so that an exact copy read by a later task of the same
# worker is dropped too (a task is a few hundred small files; overlapping logs are often further apart).
_worker_copies: Copies | None = None


def _start_worker() -> None:
    global _worker_copies
    _worker_copies = Copies()


def read_task(jobs: list[Job], mapped: frozenset[tuple[str, int]]) -> list[EvtxResult]:
    """read_many in a worker process, with the worker's kept records. A task that fails is read again by the
    caller: the records it kept were never staged, so the worker forgets what it kept (forgetting only
    stages a copy the mapping then drops; remembering could drop a record that was never staged)."""
    global _worker_copies
    copies = _worker_copies if _worker_copies is not None else Copies()
    try:
        return read_many(jobs, mapped, copies)
    except BaseException:
        _worker_copies = Copies()
        raise


@dataclass
class SplitRead:
    """A large EVTX log being read by runs of chunks in worker processes, and hashed here meanwhile."""

    name: str
    path: str
    size: int
    head: bytes
    digest: Future
    parts: list[tuple[tuple[int, int | None], Future]]  # ((first chunk, chunk count or None: to the end), part)

    def cancel(self) -> None:
        for _, future in self.parts:
            future.cancel()


def split(pool: ProcessPoolExecutor, hasher: ThreadPoolExecutor, job: Job, target: int) -> SplitRead:
    """Submit the runs of chunks of the log of `job` (about `target` bytes each), and its hash."""
    name, path, _, size = job
    assert path is not None
    with open(path, "rb") as handle:
        head = handle.read(HEADER_SIZE)
    per_part = max(target // CHUNK_SIZE, 1)
    whole = max(size - HEADER_SIZE, 0) // CHUNK_SIZE
    starts = list(range(0, max(whole, 1), per_part))
    # the last run goes to the file's end: a cut last chunk is read (and reported) as when read whole
    runs = [(first, per_part if first + per_part < whole else None) for first in starts]
    parts = [(run, pool.submit(read_part, path, *run, MAPPED_EVENTS)) for run in runs]
    return SplitRead(name, path, size, head, hasher.submit(digest_file, path), parts)


def part_or_fail(future: Future, path: str, first: int, count: int | None) -> EvtxPart:
    """A part's result; a part whose worker failed (it died, or ran out of memory) is read again here, and if
    that fails too, its chunks are reported unreadable (the accounting then counts their records as lost)."""
    try:
        return future.result()
    except Exception:  # noqa: BLE001 - read again below
        pass
    try:
        return read_part(path, first, count, MAPPED_EVENTS)
    except Exception as error:  # noqa: BLE001 - reported as a reject of those chunks
        end = first + count if count is not None else max((os.path.getsize(path) - HEADER_SIZE) // CHUNK_SIZE, first + 1)
        start = HEADER_SIZE + first * CHUNK_SIZE
        return EvtxPart(problems=[(first, f"chunks {first}..{end - 1} (bytes {start}..{HEADER_SIZE + end * CHUNK_SIZE})",
                                   f"cannot read these EVTX chunks: {type(error).__name__}: {error}")],
                        chunks=[Chunk(index, None, None) for index in range(first, end)])


class EvtxReads:
    """EVTX files being read; iterate for their results in job order (an EvtxResult, the exception that kept
    a file from being read, or a SplitRead). Worker processes start when this is made, if there is enough to
    share and `cores()` (called only then) leaves more than one; else each file is read here as its result
    is taken. Use as a context manager: leaving it early (an error) cancels what has not started."""

    def __init__(self, jobs: list[Job], cores: Callable[[], int]):
        self.jobs = jobs
        # a large log counts as several jobs: its runs of chunks are shared out
        shares = sum(max(size // MIN_PART, 1) if path is not None else 1 for _, path, _, size in jobs)
        parallel = sum(size for *_, size in jobs) >= PARALLEL_BYTES and FORK is not None and shares > 1
        self.workers = min(cores(), MAX_WORKERS, shares) if parallel else 1
        self._pool: ProcessPoolExecutor | None = None
        self._hasher: ThreadPoolExecutor | None = None
        self._units: list[tuple[list[Job], Future | SplitRead]] = []
        if self.workers > 1:
            self._start()

    def _start(self) -> None:
        # tasks of similar size, several per worker so that one large file does not leave the others idle
        target = min(max(sum(job[3] for job in self.jobs) // (self.workers * 4), MIN_PART), MAX_PART)
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=FORK, initializer=_start_worker)
        self._hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kqlite-hash")
        current: list[Job] = []
        current_size = 0
        for job in self.jobs:
            if job[1] is not None and job[3] >= 2 * target:
                self._units.append(([job], split(self._pool, self._hasher, job, target)))
                continue
            current.append(job)
            current_size += job[3]
            if current_size >= target:
                self._units.append((current, self._pool.submit(read_task, current, MAPPED_EVENTS)))
                current, current_size = [], 0
        if current:
            self._units.append((current, self._pool.submit(read_task, current, MAPPED_EVENTS)))

    def __iter__(self) -> Iterator[EvtxResult | BaseException | SplitRead]:
        if self._pool is None:
            copies = Copies()
            yield from (read_or_fail(job, copies) for job in self.jobs)
            return
        for task, unit in self._units:
            if isinstance(unit, SplitRead):
                yield unit
                continue
            try:
                yield from unit.result()
            except Exception:  # noqa: BLE001 - a file broke its task: read the task's files one by one here
                yield from (read_or_fail(job) for job in task)

    def __enter__(self) -> EvtxReads:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(cancel=exc[0] is not None)

    def close(self, cancel: bool = False) -> None:
        """Wait for the workers to end; with `cancel`, tasks not started are dropped first."""
        if cancel:
            for _, unit in self._units:
                unit.cancel()
        for executor in (self._pool, self._hasher):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=cancel)
        self._pool = self._hasher = None
