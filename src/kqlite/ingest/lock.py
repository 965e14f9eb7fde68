"""One writer at a time per store: an OS lock on a file beside it (``case.duckdb.lock``).

DuckDB lets one process open a file for writing; a second ``kqlite ingest`` started meanwhile would fail on
DuckDB's own lock, or, started a little later, read the ledger before the first one wrote it and store the
same files again. The lock is taken before the ledger is read and held until the write is committed. It is
released by the OS when the process ends, however it ends; the lock file itself stays (removing it would
let a third process lock a file the second one has just opened).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kqlite.errors import KqlError

DEFAULT_WAIT = 600.0  # seconds a writer waits for another one before giving up
_POLL = 0.2


class StoreBusy(KqlError):
    """Another process holds the store's writer lock for longer than we wait."""


def lock_path(db: str | Path) -> Path:
    db = Path(db)
    return db.with_name(db.name + ".lock")


@contextmanager
def writer_lock(db: str | Path, wait: float = DEFAULT_WAIT,
                on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the writer lock of the store `db`, waiting up to `wait` seconds (telling `on_wait` once)."""
    path = lock_path(db)
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise KqlError(f"{db}: cannot make the store's lock file {path}: {error.strerror or error}") from None
    try:
        _acquire(descriptor, path, wait, on_wait)
        try:
            yield
        finally:
            _release(descriptor)
    finally:
        os.close(descriptor)


def _acquire(descriptor: int, path: Path, wait: float, on_wait: Callable[[str], None] | None) -> None:
    deadline = time.monotonic() + wait
    told = False
    while not _try_lock(descriptor):
        if not told and on_wait is not None:
            on_wait(f"waiting for another kqlite ingest into {path.name[:-5]} to finish (lock: {path})")
            told = True
        if time.monotonic() >= deadline:
            raise StoreBusy(f"{path.name[:-5]}: another kqlite ingest is writing this store; gave up after "
                            f"{wait:g} s (try again when it is done, or give --wait SECONDS)")
        time.sleep(_POLL)


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(descriptor: int) -> bool:
        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _release(descriptor: int) -> None:
        os.lseek(descriptor, 0, os.SEEK_SET)
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(descriptor: int) -> bool:
        try:  # flock: held per open file, so two threads of one process exclude each other too
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _release(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
