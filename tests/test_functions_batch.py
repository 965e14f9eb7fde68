"""Functions and aggregates of the issue-12 batch (math, bitwise, strings, dynamic, statistics): values worked
out by hand from Kusto's documentation (data-explorer/kusto/query/<name>-function.md), result types as the
Kusto analyzer (../shared/tools/kusto-oracle) gives them. Runs on the engine under test (--backend)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

import kqlite

CON: kqlite.Connection


@pytest.fixture(autouse=True, scope="module")
def _connection(connect_backend):
    global CON
    CON = connect_backend()
    yield
    CON.close()


def dt(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


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


# ---------------------------------------------------------------------------------------------- text

def test_hashes_and_character_tests():
    row = one("print hash_sha1('abc'), hash_sha1(''), isascii('abc~'), isascii('é'), isascii(''), isutf8('é')",
              ["string", "string", "bool", "bool", "bool", "bool"])
    assert row == ("a9993e364706816aba3e25717850c26c9cd0d89d", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
                   True, False, True, True)


def test_regex_quote_escapes_what_re2_quotes():
    assert one("print regex_quote('(so$me.Te^xt) a-b_é')") == ("\\(so\\$me\\.Te\\^xt\\)\\ a\\-b_é",)
    assert one("print 'a.b' matches regex regex_quote('a.b'), 'axb' matches regex regex_quote('a.b')") == (True, False)


def test_translate_maps_extra_characters_to_the_last_replacement():
    row = one("print translate('krasp', 'otsku', 'spark'), translate('abc', 'x', 'abc'), translate('abc', '', 'ab'), "
              "translate('ab', 'xyz', 'aabbc')", ["string"] * 4)
    assert row == ("kusto", "xxx", "", "xxyyc")


def test_url_encoding_writes_lower_case_escapes():
    row = one("print url_encode('https://www.bing.com/hello world/'), "
              "url_encode_component('https://www.bing.com/hello world/'), url_encode('é~*'), url_encode('')")
    assert row == ("https%3a%2f%2fwww.bing.com%2fhello+world%2f", "https%3a%2f%2fwww.bing.com%2fhello%20world%2f",
                   "%c3%a9%7e*", "")


def test_tohex_writes_twos_complement_in_the_value_size():
    row = one("print tohex(256), tohex(-256), tohex(toint(-256), 8), tohex(256, 8), tohex(256, 2), tohex(0), "
              "tohex(-1, 20)", ["string"] * 7)
    assert row == ("100", "ffffffffffffff00", "ffffff00", "00000100", "100", "0", "ffffffffffffffff")


def test_repeat_builds_an_array():
    row = one("print repeat(1, 3), repeat('a', 0), repeat(true, -1), repeat(datetime(2020-01-01), 2), "
              "repeat(long(null), 2)", ["dynamic"] * 5)
    assert row == ([1, 1, 1], [], None, ["2020-01-01T00:00:00.0000000Z"] * 2, [None, None])
    with pytest.raises(kqlite.KqlSemanticError):
        CON.query("print repeat(dynamic({'a': 1}), 3)")  # the engine refuses a dynamic value


def test_deprecated_aliases():
    assert one("print toboolean('true'), toboolean(0), array_strcat(dynamic([1, 'a', 2.5]), '-')",
               ["bool", "bool", "string"]) == (True, False, "1-a-2.5")


def test_unix_micro_and_nanoseconds():
    row = one("print unixtime_microseconds_todatetime(1546300800000000), "
              "unixtime_nanoseconds_todatetime(1546300800123456789), unixtime_microseconds_todatetime(1.9), "
              "unixtime_nanoseconds_todatetime(long(null)), unixtime_nanoseconds_todatetime(-1)", ["datetime"] * 5)
    assert row == (dt(2019, 1, 1), dt(2019, 1, 1, 0, 0, 0, 123456), dt(1970, 1, 1, 0, 0, 0, 1), None,
                   dt(1969, 12, 31, 23, 59, 59, 999999))


def test_extract_json_follows_a_json_path():
    row = one("""print extract_json('$.name', '{"name": "John", "age": 30}'),
        extract_json('$.age', '{"name": "John", "age": 30}', typeof(long)),
        extractjson("$['a'].b[1]", '{"a": {"b": [1, {"c": 2}]}}'), extract_json('$.x', '{}'),
        extract_json('$.a', 'not json'), extract_json('$.a', '{"a": [1,2]}', typeof(dynamic)),
        extract_json('$', '"x"')""", ["string", "long", "string", "string", "string", "dynamic", "string"])
    assert row == ("John", 30, '{"c":2}', "", "", [1, 2], "x")
    with pytest.raises(kqlite.KqlUnsupportedError, match="JSONPath"):
        CON.query("print extract_json('$..a', '{}')")


def test_random_values():
    row = one("print gettype(new_guid()), isnotempty(tostring(new_guid())), rand() < 1.0, "
              "rand(10) between (0.0 .. 9.0), rand(1)", ["string", "bool", "bool", "bool", "real"])
    assert row == ("guid", True, True, True, 0.0)


# ---------------------------------------------------------------------------------------------- bags and sets

def test_bag_has_key_counts_a_null_valued_key():
    row = one("print bag_has_key(dynamic({'a': 1, 'n': null}), 'a'), bag_has_key(dynamic({'a': 1, 'n': null}), 'n'), "
              "bag_has_key(dynamic({'a': 1}), 'b'), bag_has_key(dynamic({'a': {'b': 2}}), '$.a.b'), "
              "bag_has_key(dynamic({'a': {'b': 2}}), \"$['a'].c\"), bag_has_key(todynamic('[1]'), 'a')", ["bool"] * 6)
    assert row == (True, True, False, True, False, False)


def test_a_literal_array_where_a_bag_is_expected_is_refused_as_kusto_refuses_it():
    """Kusto's analyzer tells a dynamic literal's shape: an array literal is refused where a bag is expected (a
    dynamic value that is an array at run time gives the documented null or false, above)."""
    for query in ("print bag_has_key(dynamic([1]), 'a')", "print bag_keys(dynamic([1, 2]))",
                  "print bag_set_key(dynamic([1]), 'a', 1)"):
        with pytest.raises(kqlite.KqlSemanticError, match=r"argument 1 must be a dynamic bag"):
            kqlite.connect().query(query)


def test_set_equals_and_jaccard_index_ignore_order_and_repeats():
    assert one("print set_equals(dynamic([1, 2, 3]), dynamic([3, 2, 1, 1])), "
               "set_equals(dynamic([1, 2]), dynamic([1, 2, 3])), set_equals(dynamic([]), dynamic([]))",
               ["bool"] * 3) == (True, False, True)
    row = one("print jaccard_index(dynamic([1, 2, 3]), dynamic([1, 2, 3, 4])), jaccard_index(dynamic([1, 1]), "
              "dynamic([2])), jaccard_index(dynamic(['a', 'b']), dynamic(['b', 'a', 'a'])), "
              "jaccard_index(dynamic([]), dynamic([]))", ["real"] * 4)
    close(row, (0.75, 0.0, 1.0, math.nan))


def test_bag_pack_columns_and_pack_all_keep_nulls_and_empty_strings():
    rows = CON.query("datatable(a:long, s:string, t:datetime)[1, 'x', datetime(2020-01-01), long(null), '', "
                     "datetime(null)] | project b = bag_pack_columns(a, s), p = pack_all()").rows()
    assert rows == [({"a": 1, "s": "x"}, {"a": 1, "s": "x", "t": "2020-01-01T00:00:00.0000000Z"}),
                    ({"a": None, "s": ""}, {"a": None, "s": "", "t": None})]


# ---------------------------------------------------------------------------------------------- statistics

def test_covariances_and_conditional_population_variance():
    result = CON.query("range x from 1 to 4 step 1 | extend y = x * x | summarize covariance(x, y), "
                       "covariancep(x, y), covarianceif(x, y, x > 1), covariancepif(x, y, x > 1), "
                       "variancepif(x, x > 1)")
    assert result.columns == ["covariance_x", "covariancep_x", "covarianceif_x", "covariancepif_x", "variancepif_x"]
    assert result.types == ["real"] * 5
    close(result.rows()[0], (25 / 3, 25 / 4, 6.0, 4.0, 2 / 3))
    assert one("print x = 1 | summarize covariance(x, x), covariancep(x, x)") == (0.0, 0.0)


def test_percentiles_array_is_one_dynamic_array():
    result = CON.query("range x from 1 to 10 step 1 | summarize percentiles_array(x, 50, 95.5, 100), "
                       "p2 = percentiles_array(x, dynamic([5, 50]))")
    assert result.columns == ["percentiles_x", "p2"]
    assert result.types == ["dynamic", "dynamic"]
    assert result.rows() == [([5, 10, 10], [1, 5])]
