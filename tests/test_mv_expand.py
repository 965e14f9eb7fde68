"""mv-expand of bags: a bag's properties become one-property bags, which queries read back with bag_keys(),
member access and tostring(). kqlite carries each property's key and value beside the expanded column and
reads them without building the bag (kqlite.compile.known_values); these tests hold those reads to the
values the general reads give on the same bags (a `project` in between drops what is known)."""

from __future__ import annotations

import pytest

VALUES = [
    '{"a": 1, "b": "x", "c": [1, 2], "d": {"e": null}}',
    r'{"": "empty key", "quo\"te": 2, "sp ace": true}',
    '[{"z": 1}, 2, "s", null, {"y": {"w": 3}}]',
    '{}', '[]', 'null', '"text"', '42', '',
]
ROWS = "datatable(Id:long, Text:string)[" + ", ".join(
    f"{i}, @'{v}'" for i, v in enumerate(VALUES)) + "]"  # verbatim: the JSON's backslashes stay

READS = ("Key = tostring(bag_keys(F)[0]), Last = tostring(bag_keys(F)[-1]), Keys = bag_keys(F), "
         "Value = F[tostring(bag_keys(F)[0])], AsText = tostring(F[tostring(bag_keys(F)[0])]), "
         "A = F.a, B = F['b'], Empty = F[''], Quote = F['quo\"te'], Nested = F.d.e, Whole = tostring(F), "
         "Second = bag_keys(F)[1], Typed = gettype(F)")


def rows(con, query):
    return sorted(con.query(query).rows(), key=repr)


@pytest.mark.parametrize("between", ["", "| where Id >= 0", "| extend X = 1", "| where Id >= 0 | extend Y = Id"])
def test_known_reads_of_expanded_bags_equal_the_general_reads(con, between):
    expanded = f"{ROWS} | mv-expand F = parse_json(Text) {between}"
    names = ", ".join(item.split(" = ")[0] for item in READS.split(", ") if " = " in item)
    fast = rows(con, f"{expanded} | extend {READS} | project Id, F, {names}")
    general = rows(con, f"{expanded} | project Id, F | extend {READS}")
    assert fast == general
    assert len(fast) == 4 + 3 + 5 + 1 + 1 + 1 + 1  # a row per property or element; {} and [] give none


def test_expanded_bag_values(con):
    query = ROWS + " | where Id == 0 | mv-expand F = parse_json(Text) | extend K = tostring(bag_keys(F)[0])" \
                   " | project K, V = tostring(F[K]), F"
    assert rows(con, query) == sorted([
        ("a", "1", {"a": 1}), ("b", "x", {"b": "x"}), ("c", "[1,2]", {"c": [1, 2]}),
        ("d", '{"e":null}', {"d": {"e": None}})], key=repr)


def test_summarize_by_key_and_value_of_expanded_bags(con):
    query = (ROWS + " | mv-expand F = parse_json(Text) | extend Key = tostring(bag_keys(F)[0])"
             " | where isnotempty(Key) | summarize n = count() by Key, Value = tostring(F[Key])")
    assert rows(con, query) == sorted([
        ("a", "1", 1), ("b", "x", 1), ("c", "[1,2]", 1), ("d", '{"e":null}', 1),
        ('quo"te', "2", 1), ("sp ace", "true", 1), ("y", '{"w":3}', 1), ("z", "1", 1)], key=repr)


def test_several_columns_expand_side_by_side(con):
    query = ('print d = dynamic({"a": 1, "b": 2}), e = dynamic([10, 20, 30]), f = dynamic(null)'
             ' | mv-expand with_itemindex = i d, e, f | project i, k = tostring(bag_keys(d)[0]), d.a, e, f')
    assert con.query(query).rows() == [(0, "a", 1, 10, None), (1, "b", None, 20, None), (2, "", None, 30, None)]
    limited = 'print d = dynamic({"a": 1, "b": 2}), e = dynamic([10, 20, 30]) | mv-expand d, e limit 2'
    assert con.query(limited).rows() == [({"a": 1}, 10), ({"b": 2}, 20)]


def test_expanded_bags_as_arrays_and_as_text(con):
    pairs = 'print d = dynamic({"a": 1, "b": {"c": 2}}) | mv-expand kind = array d'
    assert con.query(pairs).rows() == [(["a", 1],), (["b", {"c": 2}],)]
    text = 'print d = dynamic({"a": 1, "b": {"c": 2}}) | mv-expand d to typeof(string)'
    assert con.query(text).rows() == [('{"a":1}',), ('{"b":{"c":2}}',)]


def test_a_reassigned_column_is_read_as_itself(con):
    query = ('print d = dynamic({"a": 1}) | mv-expand d | extend d = dynamic({"z": 5})'
             ' | project k = tostring(bag_keys(d)[0]), v = d.z, a = d.a')
    assert con.query(query).rows() == [("z", 5, None)]


OPERATORS = [
    "summarize n = count(), s = make_set(tostring(F.a)), l = make_list(K) by K",
    "summarize arg_max(Id, K, tostring(F[K])) by tostring(bag_keys(F)[-1])",
    "summarize total = sum(toint(F.a)), names = make_set(tostring(bag_keys(F)[0]))",
    "sort by tostring(bag_keys(F)[0]) asc, Id asc | project Id, K, V = tostring(F[K])",
    "top 3 by tostring(F[K]) asc nulls last | project Id, K",
    "distinct K, V = tostring(F[K])",
    "where F.a == 1 or F['b'] == 'x' | project Id, K",
    "serialize | extend n = row_number(), k = tostring(bag_keys(F)[0]) | project n, K, k",
    "project Id, K, V = F[K] | where isnotnull(V) | extend T = tostring(V)",
    "count",
    "parse tostring(F[K]) with First:string ',' Rest:string | project K, First, Rest",
    "mv-expand E = F[K] | project K, E",
    "join kind=inner (print K = 'a', Tag = 't') on K | project K, Tag, V = tostring(F[K])",
    "summarize by K, Known = tostring(F[K]) | summarize count() by Known",
    "make-series n = count() default = 0 on Id from 0 to 9 step 1 by K",
]


@pytest.mark.parametrize("operators", OPERATORS)
def test_operators_after_an_expanded_bag_read_it_as_the_general_reads_do(con, operators):
    expanded = f"{ROWS} | mv-expand F = parse_json(Text) | extend K = tostring(bag_keys(F)[0])"
    fast = rows(con, f"{expanded} | {operators}")
    general = rows(con, f"{expanded} | project Id, F, K | {operators}")
    assert fast == general and fast
