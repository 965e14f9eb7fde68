"""Process instances as columns of integers, and PID allocation.

A process instance is identified the way Defender does it, by (device, PID, creation time); every row that
mentions a process (its own creation, its children's InitiatingProcess*, its network/file/image-load/logon
rows) is rendered from the same record, so the copies cannot disagree.

Three segments share one index space: the long-lived processes of every boot (`static`), the processes of
the injected scenarios, and the short-lived background processes of the chunk being generated.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kqlite.generate.columns import mix64

INTEGRITY = ("", "System", "High", "Medium", "Low")
ELEVATION = ("", "TokenElevationTypeDefault", "TokenElevationTypeFull", "TokenElevationTypeLimited")

FIELDS: dict[str, type] = {
    "dev": np.int32,      # device index
    "image": np.int32,    # catalog index of the executable
    "pid": np.int64,
    "ctime": np.int64,    # creation time, microseconds
    "cmd": np.int32,      # command-line pool index
    "integ": np.int8,     # INTEGRITY index
    "elev": np.int8,      # ELEVATION index
    "acct": np.int32,     # account index
    "logon": np.int64,    # logon session id
    "sess": np.int32,     # terminal session id
    "uid": np.int64,      # Defender's ProcessUniqueId ("process start key")
    "pimage": np.int32,   # parent's catalog index (0: none, for the kernel)
    "ppid": np.int64,     # parent's PID (-1: none)
    "pctime": np.int64,   # parent's creation time (-1: none)
}


def unique_ids(dev: np.ndarray, pid: np.ndarray, ctime: np.ndarray) -> np.ndarray:
    """ProcessUniqueId: a stable hash of the instance key, so every table and format agrees on it."""
    return mix64(dev, pid, ctime)


class ProcStore:
    """A segment of process records, columns as numpy arrays (append one at a time while planning)."""

    def __init__(self, arrays: dict[str, np.ndarray] | None = None) -> None:
        self._pending: dict[str, list] = {name: [] for name in FIELDS}
        self.arrays: dict[str, np.ndarray] = arrays or {name: np.zeros(0, dtype) for name, dtype in FIELDS.items()}

    def __len__(self) -> int:
        return len(self.arrays["dev"]) + len(self._pending["dev"])

    def append(self, **values: int) -> int:
        """Add one record (all FIELDS except uid, which is derived); returns its index in this segment."""
        values["uid"] = int(unique_ids(np.array([values["dev"]]), np.array([values["pid"]]), np.array([values["ctime"]]))[0])
        for name in FIELDS:
            self._pending[name].append(values[name])
        return len(self) - 1

    def freeze(self) -> ProcStore:
        if self._pending["dev"]:
            for name, dtype in FIELDS.items():
                self.arrays[name] = np.concatenate([self.arrays[name], np.array(self._pending[name], dtype=dtype)])
                self._pending[name] = []
        return self

    def get(self, index: int) -> dict[str, int]:
        self.freeze()
        return {name: int(array[index]) for name, array in self.arrays.items()}


class ProcView:
    """Several ProcStores behind one index space (offsets in order)."""

    def __init__(self, segments: Sequence[ProcStore]) -> None:
        self.segments = [s.freeze() for s in segments]
        self.offsets = np.cumsum([0] + [len(s) for s in self.segments])

    def gather(self, indices: np.ndarray, names: Sequence[str] = tuple(FIELDS)) -> dict[str, np.ndarray]:
        out = {name: np.empty(len(indices), FIELDS[name]) for name in names}
        for segment, start, stop in zip(self.segments, self.offsets[:-1], self.offsets[1:], strict=True):
            mask = (indices >= start) & (indices < stop)
            if not mask.any():
                continue
            local = indices[mask] - start
            for name in names:
                out[name][mask] = segment.arrays[name][local]
        return out


class PidSpace:
    """Which PIDs each device must not hand to a short-lived background process.

    Why: the seed joins processes on (DeviceName, PID, FileName) without a creation time, so a background
    process that reused the PID of a DCOM server that accepted a remote connection would be joined to it.
    Real PID reuse is kept (background processes reuse each other's PIDs freely); only the PIDs of
    long-lived processes and of labelled scenario processes are kept apart, so that every seed hit in the
    data is one the labels account for.
    """

    LOW, HIGH = 1_000, 40_000

    def __init__(self) -> None:
        self._reserved: set[int] = set()
        self._sorted: np.ndarray | None = None

    @staticmethod
    def key(dev: np.ndarray | int, pid: np.ndarray | int) -> np.ndarray | int:
        return (np.asarray(dev, np.int64) << 24) | np.asarray(pid, np.int64)

    def reserve(self, dev: int, pid: int) -> None:
        self._reserved.add(int(self.key(dev, pid)))
        self._sorted = None

    def is_reserved(self, dev: int, pid: int) -> bool:
        return int(self.key(dev, pid)) in self._reserved

    def allocate(self, dev: int, rng: np.random.Generator) -> int:
        """A fresh PID for a scenario process on `dev` (reserved from then on)."""
        while True:
            pid = int(rng.integers(self.LOW // 4, self.HIGH // 4)) * 4
            if not self.is_reserved(dev, pid):
                self.reserve(dev, pid)
                return pid

    def draw(self, dev: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """PIDs (multiples of 4) for background processes, avoiding every reserved PID of their device."""
        if self._sorted is None:
            self._sorted = np.array(sorted(self._reserved), dtype=np.int64)
        pid = rng.integers(self.LOW // 4, self.HIGH // 4, len(dev)).astype(np.int64) * 4
        while len(self._sorted):
            keys = self.key(dev, pid)
            pos = np.searchsorted(self._sorted, keys).clip(0, len(self._sorted) - 1)
            clash = self._sorted[pos] == keys
            if not clash.any():
                break
            pid[clash] = rng.integers(self.LOW // 4, self.HIGH // 4, int(clash.sum())) * 4
        return pid
