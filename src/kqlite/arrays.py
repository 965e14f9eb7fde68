"""Arrow arrays of Python values, built from their buffers: pa.array() of Python values imports pandas on first
use (0.15 s, to check for its types), which a small query result turned into Arrow does not need."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

_NUMPY = {pa.int64(): np.int64, pa.int32(): np.int32, pa.float64(): np.float64}


def nullable_array(values: Sequence[Any], arrow_type: pa.DataType) -> pa.Array:
    """`values` (None: null) as an Arrow array of `arrow_type`: int64, int32, float64, bool or string; other
    types through pa.array()."""
    count = len(values)
    missing = np.fromiter((value is None for value in values), bool, count)
    nulls = int(missing.sum())
    validity = pa.py_buffer(np.packbits(~missing, bitorder="little")) if nulls else None
    if arrow_type == pa.string():
        encoded = [b"" if value is None else value.encode() for value in values]
        offsets = np.zeros(count + 1, np.int64)
        np.cumsum(np.fromiter(map(len, encoded), np.int64, count), out=offsets[1:])
        data = pa.py_buffer(b"".join(encoded))
        if offsets[-1] < 1 << 31:
            return pa.StringArray.from_buffers(count, pa.py_buffer(offsets.astype(np.int32)), data, validity, nulls)
        return pa.LargeStringArray.from_buffers(count, pa.py_buffer(offsets), data, validity, nulls)
    if arrow_type == pa.bool_():
        bits = np.packbits(np.fromiter((bool(value) for value in values), bool, count), bitorder="little")
        return pa.Array.from_buffers(arrow_type, count, [validity, pa.py_buffer(bits)], nulls)
    dtype = _NUMPY.get(arrow_type)
    if dtype is None:
        return pa.array(list(values), arrow_type)
    data = np.fromiter((0 if value is None else value for value in values), dtype, count)
    return pa.Array.from_buffers(arrow_type, count, [validity, pa.py_buffer(data)], nulls)
