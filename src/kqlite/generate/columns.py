"""Columnar building blocks: interned strings, entity attribute tables, dictionary columns, hashing.

Why: the generator never builds rows as Python objects. Every string value lives once in a pool (or in an
entity table such as the image catalog) and rows carry integer indices; output columns are pyarrow
dictionary arrays over the pool, which the Parquet writer stores without re-encoding and the text writers
render once per distinct value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pyarrow as pa

MS = 1_000  # one millisecond in microseconds (all times are int64 microseconds since the epoch, UTC)
SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE

# Below this size a dictionary is passed whole: compacting it costs more than it saves.
_COMPACT_ABOVE = 512


def compact(indices: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Renumber `indices` (into a table of `size` entries) to 0..k-1; return (new indices, used entries)."""
    if size <= _COMPACT_ABOVE:
        return indices.astype(np.int32, copy=False), np.arange(size)
    used = np.zeros(size, dtype=bool)
    used[indices] = True
    remap = np.cumsum(used, dtype=np.int64) - 1
    return remap[indices].astype(np.int32), np.flatnonzero(used)


class StringPool:
    """Interned strings; index 0 is always the empty string (Kusto strings are never null)."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._index: dict[str, int] = {"": 0}
        self._values: list[str] = [""]
        self._array: pa.Array | None = None
        for value in values:
            self.add(value)

    def __len__(self) -> int:
        return len(self._values)

    def add(self, value: str) -> int:
        index = self._index.get(value)
        if index is None:
            index = self._index[value] = len(self._values)
            self._values.append(value)
            self._array = None
        return index

    def add_many(self, values: Iterable[str]) -> np.ndarray:
        return np.fromiter((self.add(v) for v in values), dtype=np.int32)

    def value(self, index: int) -> str:
        return self._values[index]

    def array(self) -> pa.Array:
        if self._array is None:
            self._array = pa.array(self._values, pa.string())
        return self._array

    def column(self, indices: np.ndarray) -> pa.DictionaryArray:
        """A dictionary column of these pool indices, holding only the values it uses."""
        local, used = compact(indices, len(self._values))
        dictionary = self.array() if len(used) == len(self._values) else self.array().take(pa.array(used))
        return pa.DictionaryArray.from_arrays(pa.array(local, pa.int32()), dictionary)


class EntityTable:
    """Attributes of a set of entities (images, accounts, devices): strings as pools, numbers as arrays.

    Each string attribute keeps its distinct values once and a per-entity code, so a column is a dictionary
    array with unique values (what Parquet stores as the dictionary page).
    """

    def __init__(self, strings: dict[str, Sequence[str]], numbers: dict[str, Sequence[int | None]] | None = None):
        lengths = {len(v) for v in strings.values()} | {len(v) for v in (numbers or {}).values()}
        if len(lengths) != 1:
            raise ValueError("entity attributes must all have the same length")
        self.size = lengths.pop()
        self._strings: dict[str, tuple[np.ndarray, pa.Array]] = {}
        for name, values in strings.items():
            distinct: dict[str, int] = {}
            codes = np.fromiter((distinct.setdefault(v, len(distinct)) for v in values), dtype=np.int32, count=self.size)
            self._strings[name] = (codes, pa.array(list(distinct), pa.string()))
        self._numbers: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name, values in (numbers or {}).items():
            mask = np.array([v is None for v in values], dtype=bool)
            data = np.array([0 if v is None else v for v in values], dtype=np.int64)
            self._numbers[name] = (data, mask)

    def columns(self, indices: np.ndarray, names: Iterable[str]) -> dict[str, pa.Array]:
        out: dict[str, pa.Array] = {}
        for name in names:
            if name in self._strings:
                codes, values = self._strings[name]
                local, used = compact(codes[indices], len(values))
                dictionary = values if len(used) == len(values) else values.take(pa.array(used))
                out[name] = pa.DictionaryArray.from_arrays(pa.array(local, pa.int32()), dictionary)
            else:
                data, mask = self._numbers[name]
                out[name] = pa.array(data[indices], pa.int64(), mask=mask[indices])
        return out


def mix64(*parts: np.ndarray | int) -> np.ndarray:
    """A splitmix64-style hash of int64 arrays, as non-negative int64 (stable ids such as ProcessUniqueId)."""
    with np.errstate(over="ignore"):
        acc = np.uint64(0x9E3779B97F4A7C15)
        for part in parts:
            value = np.asarray(part).astype(np.uint64)
            acc = (acc ^ value) * np.uint64(0xBF58476D1CE4E5B9)
            acc = acc ^ (acc >> np.uint64(31))
            acc = acc * np.uint64(0x94D049BB133111EB)
            acc = acc ^ (acc >> np.uint64(29))
    return (np.asarray(acc) & np.uint64(0x7FFFFFFFFFFFFFFF)).astype(np.int64)


def int_column(values: np.ndarray, kql_type: str, null_below: int | None = None) -> pa.Array:
    """An int/long column; values below `null_below` become null."""
    arrow_type = pa.int32() if kql_type == "int" else pa.int64()
    mask = None if null_below is None else values < null_below
    if mask is not None and not mask.any():
        mask = None
    return pa.array(values, arrow_type, mask=mask)


def time_column(values: np.ndarray) -> pa.Array:
    """A datetime column from int64 microseconds; negative values become null."""
    mask = values < 0
    return pa.array(values, pa.int64(), mask=mask if mask.any() else None).cast(pa.timestamp("us", tz="UTC"))


def constant_strings(value: str, length: int) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(length, np.int32), pa.int32()), pa.array([value]))
