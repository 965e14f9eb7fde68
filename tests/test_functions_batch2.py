"""Functions of the issue-12 second batch (bag_remove_keys, bag_set_key, bag_zip, parse_command_line, parse_csv): values
worked out by hand from Kusto's documentation and, for parse_command_line, from CommandLineToArgvW's rules
(result types are checked against the analyzer by tests/test_function_types.py)."""

from __future__ import annotations

import pytest
from query_helpers import one

import kqlite


@pytest.fixture(scope="module")
def con() -> kqlite.Connection:
    return kqlite.connect()



def test_bag_remove_keys_takes_names_and_paths(con):
    rows = con.query("datatable(input:dynamic) [dynamic({'key1': 123, 'key2': 'abc'}), "
                     "dynamic({'key1': 'value', 'key3': 42.0})] "
                     "| extend result = bag_remove_keys(input, dynamic(['key2', 'key4']))").rows()
    assert [r[1] for r in rows] == [{"key1": 123}, {"key1": "value", "key3": 42.0}]
    nested = one(con, "print bag_remove_keys(dynamic({'key1': 123, 'key2': {'prop1': 'abc', 'prop2': 'xyz'}, "
                      "'key3': [100, 200]}), dynamic(['$.key2.prop1', 'key3']))")
    assert nested == ({"key1": 123, "key2": {"prop2": "xyz"}},)
    # a path through a value that is not a bag removes nothing; not a bag at all gives null
    assert one(con, "print bag_remove_keys(dynamic({'a': 1, 'b': {'c': 2}}), dynamic(['$.a.x', 'b'])), "
                    "bag_remove_keys(todynamic('[1]'), dynamic(['a'])), "
                    "bag_remove_keys(dynamic({'a': 1}), dynamic(['a']))") == ({"a": 1}, None, {})


def test_bag_remove_keys_refuses_what_it_cannot_do_exactly(con):
    with pytest.raises(kqlite.KqlUnsupportedError, match="constant array"):
        con.query("print k = dynamic(['a']) | extend bag_remove_keys(dynamic({'a': 1}), k)")
    with pytest.raises(kqlite.KqlSemanticError, match="path of member names"):
        con.query("print bag_remove_keys(dynamic({'a': [1]}), dynamic(['$.a[0]']))")


def test_bag_set_key(con):
    rows = con.query("datatable(input: dynamic) [dynamic({'key1': 1, 'key2': 2}), dynamic({'key1': 1, 'key3': 'abc'})]"
                     " | extend result = bag_set_key(input, 'key3', 3)").rows()
    assert [r[1] for r in rows] == [{"key1": 1, "key2": 2, "key3": 3}, {"key1": 1, "key3": 3}]
    rows = con.query("datatable(input: dynamic) [dynamic({'key1': 123, 'key2': {'prop1': 123, 'prop2': 'xyz'}}), "
                     "dynamic({'key1': 123})] | extend result = bag_set_key(input, '$.key2.prop1', 'abc')").rows()
    assert [r[1] for r in rows] == [{"key1": 123, "key2": {"prop1": "abc", "prop2": "xyz"}},
                                    {"key1": 123, "key2": {"prop1": "abc"}}]
    # not a bag: null (the documentation); a null value is set as null
    assert one(con, "print bag_set_key(todynamic('[1]'), 'a', 1), bag_set_key(dynamic({}), 'a', long(null)), "
                    "bag_set_key(dynamic({'a': 1}), 'b', dynamic({'c': [1]}))") == (
        None, {"a": None}, {"a": 1, "b": {"c": [1]}})


def test_bag_zip(con):
    row = one(con, "print bag_zip(dynamic(['a', 'b', 'c']), dynamic([1, '2', 3.4])), "
                   "bag_zip(dynamic(['a', 'b', 'c']), dynamic([1, '2'])), "
                   "bag_zip(dynamic(['a', 'b']), dynamic([1, '2', 2.5])), "
                   "bag_zip(dynamic(['a', 8, 'c']), dynamic([1, 2, 3])), bag_zip(dynamic([]), dynamic([])), "
                   "bag_zip(dynamic('a'), dynamic([1]))")
    assert row == ({"a": 1, "b": "2", "c": 3.4}, {"a": 1, "b": "2", "c": None}, {"a": 1, "b": "2"},
                   {"a": 1, "c": 3}, {}, None)


@pytest.mark.parametrize(("command_line", "expected"), [
    ('echo "hello world!"', ["echo", "hello world!"]),  # the documentation's example
    # the program name ends at the next quote, backslashes and all
    (r'"C:\Program Files\a.exe" -x', [r"C:\Program Files\a.exe", "-x"]),
    (r'"C:\a\"b c', ["C:\\a\\", "b", "c"]),
    # 2n backslashes and a quote: n backslashes, the quote opens or closes quotes
    (r'p a\\"b c"', ["p", r"a\b c"]),
    # 2n + 1 backslashes and a quote: n backslashes and a literal quote
    (r'p a\\\"b c', ["p", r'a\"b', "c"]),
    # backslashes not before a quote are literal
    (r"p c:\dir\\x\ y", ["p", "c:\\dir\\\\x\\", "y"]),
    # a run of quotes: every third is a literal quote; "" in quotes is a literal quote and stays in quotes
    ('p "a""b" c', ["p", 'a"b c']),
    ('p a"""b c', ["p", 'a"b', "c"]),  # three quotes outside quotes: one literal quote
    ('p a "" b', ["p", "a", "", "b"]),
    ("  p\ta   b  ", ["", "p", "a", "b"]),  # a blank first: the program name is empty
    ("p ", ["p"]),
    ("", []),
])
def test_parse_command_line_windows(con, command_line, expected):
    (args,) = one(con, f"print parse_command_line({kql_string(command_line)}, 'windows')")
    assert args == expected


def test_parse_command_line_only_knows_windows(con):
    with pytest.raises(kqlite.KqlSemanticError, match="windows"):
        con.query("print parse_command_line('a b', 'linux')")


def test_parse_csv_reads_the_first_record(con):
    row = one(con, "print parse_csv('aa,\"b,b,b\",cc,\"Escaping quotes: \"\"Title\"\"\",\"line1\\nline2\"'), "
                   "parse_csv('record1,a,b,c\\nrecord2,x,y,z')")
    assert row == (["aa", "b,b,b", "cc", 'Escaping quotes: "Title"', "line1\nline2"], ["record1", "a", "b", "c"])
    # empty fields are kept; an empty text is one empty field
    assert one(con, "print parse_csv(',x,'), parse_csv(''), parse_csv('\"\"')") == (["", "x", ""], [""], [""])


def kql_string(text: str) -> str:
    """A KQL string literal of any text."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t") + '"'


@pytest.mark.spark
def test_the_batch_on_spark(spark_session):
    """The same values on Spark (VARIANT bags, folds with aggregate())."""
    pytest.importorskip("pyspark")
    spark = kqlite.connect(backend="spark", spark=spark_session)
    try:
        row = one(spark, "print bag_remove_keys(dynamic({'key1': 123, 'key2': {'prop1': 'abc', 'prop2': 'xyz'}, "
                         "'key3': [100, 200]}), dynamic(['$.key2.prop1', 'key3'])), "
                         "bag_set_key(dynamic({'key1': 123}), '$.key2.prop1', 'abc'), "
                         "bag_zip(dynamic(['a', 8, 'c']), dynamic([1, 2])), "
                         "parse_command_line(@'p a\\\"b \"c d\" e\\\\f', 'windows'), "
                         "parse_csv('aa,\"b,b\",\"q\"\"\"\\nx,y')")
        assert row == ({"key1": 123, "key2": {"prop2": "xyz"}}, {"key1": 123, "key2": {"prop1": "abc"}},
                       {"a": 1, "c": None}, ["p", 'a"b', "c d", "e\\\\f"], ["aa", "b,b", 'q"'])
    finally:
        spark.close()
