"""Events before rendering: per table, columns of integers (pool / catalog / process indices).

Every event has a device, a time (microseconds), an owner (the process index that goes into the
InitiatingProcess* columns) and a scenario instance (-1 for background). The table-specific fields are
indices as well; `tables.py` turns them into the Defender columns.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

PROCESS = "DeviceProcessEvents"
NETWORK = "DeviceNetworkEvents"
IMAGE = "DeviceImageLoadEvents"
FILE = "DeviceFileEvents"
LOGON = "DeviceLogonEvents"
TABLES = (PROCESS, NETWORK, IMAGE, FILE, LOGON)

COMMON = ("dev", "time", "owner", "scen")
# Field -> default. Strings are StringPool indices (0 = ""), numbers use -1 for null.
SPECIFIC: dict[str, dict[str, int]] = {
    PROCESS: {"child": -1},
    NETWORK: {"action": 0, "rip": 0, "rport": -1, "lip": 0, "lport": -1, "proto": 0, "liptype": 0, "riptype": 0,
              "url": 0, "extra": 0},
    IMAGE: {"file": 0},
    FILE: {"action": 0, "file": 0, "prev": 0, "origin": 0, "rproto": 0, "rip": 0, "rport": -1, "racct": 0, "share": 0},
    LOGON: {"action": 0, "ltype": 0, "acct": 0, "proto": 0, "failure": 0, "admin": -1, "logon": -1, "rdev": 0, "rip": 0,
            "riptype": 0, "rport": -1, "extra": 0},
}


def fields(table: str) -> tuple[str, ...]:
    return COMMON + tuple(SPECIFIC[table])


Batch = dict[str, np.ndarray]


def make(table: str, n: int, **values: np.ndarray | int) -> Batch:
    """A batch of n events; fields not given take their defaults (scen defaults to -1)."""
    batch: Batch = {}
    for name in fields(table):
        value = values.pop(name, SPECIFIC[table].get(name, -1) if name != "dev" else None)
        if value is None:
            raise ValueError(f"{table}: 'dev' is required")
        batch[name] = np.broadcast_to(np.asarray(value, np.int64), (n,)).copy() if np.ndim(value) == 0 else np.asarray(value, np.int64)
    if values:
        raise ValueError(f"{table}: unknown fields {sorted(values)}")
    return batch


def empty(table: str) -> Batch:
    return {name: np.zeros(0, np.int64) for name in fields(table)}


def concat(table: str, batches: Iterable[Batch]) -> Batch:
    batches = [b for b in batches if len(b["dev"])]
    if not batches:
        return empty(table)
    return {name: np.concatenate([b[name] for b in batches]) for name in fields(table)}


def select(batch: Batch, index: np.ndarray) -> Batch:
    return {name: values[index] for name, values in batch.items()}


class EventLog:
    """Events written one at a time while planning (boot trees, scenarios), turned into batches at the end."""

    def __init__(self) -> None:
        self._rows: dict[str, list[tuple[int, ...]]] = {table: [] for table in TABLES}

    def add(self, table: str, **values: int) -> None:
        spec = SPECIFIC[table]
        unknown = set(values) - set(fields(table))
        if unknown:
            raise ValueError(f"{table}: unknown fields {sorted(unknown)}")
        row = tuple(int(values.get(name, spec.get(name, -1))) for name in fields(table))
        self._rows[table].append(row)

    def count(self, table: str) -> int:
        return len(self._rows[table])

    def batch(self, table: str) -> Batch:
        rows = self._rows[table]
        if not rows:
            return empty(table)
        matrix = np.array(rows, dtype=np.int64)
        return {name: matrix[:, i].copy() for i, name in enumerate(fields(table))}


class Buckets:
    """Precomputed events split by chunk: (hour index, device batch index) -> rows."""

    def __init__(self, table: str, batch: Batch, hour_of: np.ndarray, batch_of_device: np.ndarray) -> None:
        self.table = table
        keys = hour_of.astype(np.int64) * (int(batch_of_device.max(initial=0)) + 1) + batch_of_device[batch["dev"]]
        order = np.argsort(keys, kind="stable")
        self._batch = select(batch, order)
        self._keys = keys[order]
        self._width = int(batch_of_device.max(initial=0)) + 1

    def get(self, hour: int, device_batch: int) -> Batch:
        key = hour * self._width + device_batch
        lo, hi = np.searchsorted(self._keys, [key, key + 1])
        return {name: values[lo:hi] for name, values in self._batch.items()}
