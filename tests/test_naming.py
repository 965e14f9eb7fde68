"""Kusto's naming rules as pure functions (kqlite.compile.naming), checked on the cases the documentation and
the analyzer give; the corpus tests check the same rules end to end on 503 queries."""

from __future__ import annotations

import pytest

from kqlite.compile.naming import (
    aggregate_name,
    extend_order,
    joined_names,
    matches_pattern,
    numeric_result,
    union_columns,
    unique_name,
)


def test_unique_name_takes_the_smallest_free_number():
    assert unique_name("count_", set()) == "count_"
    assert unique_name("count_", {"count_"}) == "count_1"
    assert unique_name("x", {"x", "x1", "x2"}) == "x3"
    assert unique_name("x", ["x", "x2"]) == "x1"


def test_join_renames_clashing_right_columns_with_1_then_2():
    # the seed: DeviceProcessEvents joined twice; right DeviceName -> DeviceName1, then DeviceName2
    left = ["DeviceId", "DeviceName", "Timestamp"]
    assert joined_names(left, ["DeviceId", "DeviceName", "FileName"]) == ["DeviceId1", "DeviceName1", "FileName"]
    assert joined_names(["DeviceName", "DeviceName1"], ["DeviceName"]) == ["DeviceName2"]


def test_join_renaming_skips_a_name_the_right_side_itself_has():
    # right has both x and x1: the clashing x cannot become x1
    assert joined_names(["x"], ["x", "x1"]) == ["x2", "x1"]


def test_lookup_drops_the_right_keys():
    assert joined_names(["DeviceId", "T"], ["DeviceId", "OSPlatform", "T"], dropped={"DeviceId"}) == \
        [None, "OSPlatform", "T1"]


def test_union_keeps_first_appearance_and_splits_clashing_types():
    legs = [[("a", "long"), ("b", "string")], [("b", "string"), ("a", "string"), ("c", "real")]]
    assert union_columns(legs) == [
        ("a_long", "long", ("a", "long")), ("b", "string", ("b", "string")),
        ("a_string", "string", ("a", "string")), ("c", "real", ("c", "real")),
    ]
    assert union_columns(legs, "inner") == [("b", "string", ("b", "string"))]


def test_extend_replaces_in_place_and_appends_new_columns():
    assert extend_order(["a", "b", "c"], ["b", "d", "a", "d"]) == ["a", "b", "c", "d"]
    assert extend_order([], ["x"]) == ["x"]


@pytest.mark.parametrize(("pattern", "name", "matches"), [
    ("*1", "DeviceName1", True), ("*1", "SHA1", True), ("*1", "SHA256", False), ("Device*", "DeviceId", True),
    ("device*", "DeviceId", False), ("a*b*c", "axxbyyc", True), ("a.b", "axb", False), ("x", "x", True),
])
def test_column_wildcards_are_case_sensitive_globs(pattern, name, matches):
    assert matches_pattern(pattern, name) is matches


def test_aggregate_names():
    assert aggregate_name("count", None) == "count_"
    assert aggregate_name("sum", "FileSize") == "sum_FileSize"
    assert aggregate_name("dcount", None) == "dcount_"


@pytest.mark.parametrize(("a", "b", "result"), [
    ("int", "int", "int"), ("int", "long", "long"), ("long", "real", "real"), ("decimal", "long", "decimal"),
    ("real", "decimal", "real"),
])
def test_numeric_promotion(a, b, result):
    assert numeric_result(a, b) == result
