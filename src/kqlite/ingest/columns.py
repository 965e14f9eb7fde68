"""Arrow columns built from their buffers. pa.array() of Python values imports pandas on first use (to check
for a DataFrame): 0.2 s of an ingest of EVTX files, which needs no pandas. These take large columns without
nulls (packed texts, NumPy arrays); `kqlite.arrays.nullable_array` builds small ones with nulls (query results)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from kqlite.ingest.evtx_reader import Texts


def string_array(texts: Texts) -> pa.Array:
    """The packed texts as an Arrow string array, without copying them."""
    if len(texts.data) < 1 << 31:  # DuckDB reads 32-bit offsets faster
        offsets = pa.py_buffer(np.frombuffer(texts.offsets, np.int64).astype(np.int32))
        return pa.StringArray.from_buffers(len(texts), offsets, pa.py_buffer(texts.data))
    return pa.LargeStringArray.from_buffers(len(texts), pa.py_buffer(texts.offsets), pa.py_buffer(texts.data))


def strings(values: list[str]) -> pa.Array:
    """Strings (no nulls) as an Arrow string array."""
    return string_array(Texts.pack(values))


def integers(values: list[int] | np.ndarray, dtype: type = np.int64) -> pa.Array:
    """Integers (no nulls) as an Arrow array of `dtype`."""
    data = np.asarray(values, dtype)
    return pa.Array.from_buffers(pa.from_numpy_dtype(data.dtype), len(data), [None, pa.py_buffer(data)])
