"""Functions and aggregates of the issue-12 batch (math, bitwise, strings, dynamic, statistics): values worked
out by hand from Kusto's documentation (data-explorer/kusto/query/<name>-function.md), result types as the
Kusto analyzer (../shared/tools/kusto-oracle) gives them. Runs on the engine under test (--backend)."""

from __future__ import annotations

import math

import pytest

import kqlite

CON: kqlite.Connection


@pytest.fixture(autouse=True, scope="module")
def _connection(connect_backend):
    global CON
    CON = connect_backend()
    yield
    CON.close()


def one(query: str, types: list[str] | None = None) -> tuple:
    result = CON.query(query)
    rows = result.rows()
    assert len(rows) == 1
    if types is not None:
        assert result.types == types
    return rows[0]


def close(got: tuple, want: tuple, rel: float = 1e-15) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        if w is None or g is None:
            assert g is w
        elif isinstance(w, float) and math.isnan(w):
            assert math.isnan(g)
        else:
            assert g == pytest.approx(w, rel=rel, abs=1e-300)


# ---------------------------------------------------------------------------------------------- math

def test_trigonometry_and_angles_are_reals():
    row = one("print acos(0.5), asin(0.5), atan(1), atan2(1, 1), cot(1), degrees(pi()), radians(180), pi()",
              ["real"] * 8)
    close(row, (math.pi / 3, math.pi / 6, math.pi / 4, math.pi / 4, 1 / math.tan(1), 180.0, math.pi, math.pi))


def test_inverse_cosine_and_sine_outside_minus_one_to_one_are_null():
    assert one("print acos(2), asin(-1.5), acos(real(null)), atan2(real(null), 1)") == (None, None, None, None)


def test_powers_of_two_and_ten():
    assert one("print exp2(3), exp10(2), exp2(int(-1))", ["real"] * 3) == (8.0, 100.0, 0.5)


def test_gamma_and_its_logarithm():
    row = one("print gamma(5), gamma(int(3)), gamma(0.5), loggamma(5), loggamma(-1.5), gamma(real(null))",
              ["real"] * 6)
    close(row, (24.0, 2.0, math.sqrt(math.pi), math.log(24), math.lgamma(-1.5), None), rel=1e-13)


@pytest.mark.parametrize("x", [-30, -7, -6.5, -3, -2, -1.1, -0.9, -0.5, -0.2, -1e-10, 0, 1e-10, 0.2, 0.5,
                               0.84375, 0.9, 1, 1.2, 1.25, 2, 2.8, 2.86, 3, 5, 5.9, 6, 10, 27, 28, 30])
def test_error_function_to_the_last_bit(x):
    row = one(f"print erf(real({x!r})), erfc(real({x!r}))", ["real", "real"])
    close(row, (math.erf(x), math.erfc(x)), rel=1e-15)


def test_error_function_special_values():
    close(one("print erf(real(+inf)), erf(real(-inf)), erfc(real(+inf)), erfc(real(-inf)), erf(real(nan)), "
              "erfc(real(null))"), (1.0, -1.0, 0.0, 2.0, math.nan, None))


# ---------------------------------------------------------------------------------------------- bitwise

def test_bitwise_functions_return_longs():
    row = one("print binary_and(6, 3), binary_or(6, 3), binary_xor(6, 3), binary_not(5), binary_shift_left(1, 2), "
              "binary_shift_right(-8, 1), bitset_count_ones(7), bitset_count_ones(-1), binary_and(int(6), 3)",
              ["long"] * 9)
    assert row == (2, 7, 5, -6, 4, -4, 3, 64, 2)


def test_shifts_take_the_shift_modulo_64_and_wrap():
    row = one("print binary_shift_left(1, 63), binary_shift_left(3, 63), binary_shift_left(1, 64), "
              "binary_shift_left(-1, 1), binary_shift_right(8, 65), binary_shift_left(1, -1), "
              "binary_shift_right(1, -1), binary_and(long(null), 1)")
    assert row == (-2**63, -2**63, 1, -2, 4, None, None, None)


def test_bitwise_functions_refuse_reals():
    with pytest.raises(kqlite.KqlSemanticError, match="int or long"):
        CON.query("print binary_and(1, 2.5)")


def test_bitwise_aggregates_keep_the_argument_type_and_name():
    result = CON.query("datatable(x:long, y:int)[12, 12, 10, 10, long(null), int(null)] "
                       "| summarize binary_all_and(x), binary_all_or(x), binary_all_xor(x), binary_all_or(y)")
    assert result.columns == ["x", "x1", "x2", "y"]
    assert result.types == ["long", "long", "long", "int"]
    assert result.rows() == [(8, 14, 6, 14)]
