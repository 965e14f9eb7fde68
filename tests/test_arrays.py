"""kqlite.arrays builds Arrow arrays from buffers: the same arrays pa.array() builds from the same values."""

from __future__ import annotations

import pyarrow as pa
import pytest

from kqlite.arrays import nullable_array

CASES = [
    (pa.int64(), [1, None, -(2**63), 2**63 - 1, 0]),
    (pa.int32(), [None, None, 7, -(2**31)]),
    (pa.float64(), [1.5, None, float("inf"), -0.0, 1e308]),
    (pa.bool_(), [True, False, None, True, True, False, False, True, None, True]),  # more than a byte of bits
    (pa.string(), ["a", None, "", "ünïcödé 分割", 'quote"d', None]),
    (pa.int64(), []),
    (pa.string(), [None, None]),
    (pa.decimal128(5, 2), [None]),  # another type: pa.array()
]


@pytest.mark.parametrize(("arrow_type", "values"), CASES, ids=[f"{t}-{len(v)}" for t, v in CASES])
def test_the_same_array_as_pa_array(arrow_type, values):
    built = nullable_array(values, arrow_type)
    expected = pa.array(values, arrow_type)
    assert built.type == expected.type
    assert built.null_count == expected.null_count
    assert built.equals(expected), (built, expected)
    assert built.to_pylist() == values
