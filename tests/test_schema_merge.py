"""evaluate schema_merge(): the documented examples (schema-merge-plugin.md), the reading of what the page leaves
open (types, several schemas), and argument errors, on the engine under test (--backend)."""

from __future__ import annotations

import pytest

from kqlite.compile.schema_merge import merge, schema_rows, split_schemas
from kqlite.errors import KqlSemanticError

PAGE = """let schema1 = datatable(Uri:string, HttpStatus:int)[] | getschema;
let schema2 = datatable(Uri:string, {second})[] | getschema;
union schema1, schema2 | evaluate schema_merge({args})"""
HEAD = [("ColumnName", "string"), ("ColumnOrdinal", "long"), ("DataType", "string"), ("ColumnType", "string")]
OUT_OF_ORDER = ("HttpStatus", -1, "ERROR(unknown CSL type:ERROR(columns are out of order))",
                "ERROR(columns are out of order)")


@pytest.mark.parametrize("second, args, rows", [
    # a schema with a new column appended
    ("HttpStatus:int, Referrer:string", "", [("Uri", 0, "System.String", "string"),
                                             ("HttpStatus", 1, "System.Int32", "int"),
                                             ("Referrer", 2, "System.String", "string")]),
    # HttpStatus's ordinal changes from 1 to 2
    ("Referrer:string, HttpStatus:int", "", [("Uri", 0, "System.String", "string"),
                                             ("Referrer", 1, "System.String", "string"), OUT_OF_ORDER]),
    # the same, PreserveOrder = false
    ("Referrer:string, HttpStatus:int", "PreserveOrder = false", [("Uri", 0, "System.String", "string"),
                                                                  ("Referrer", 1, "System.String", "string"),
                                                                  ("HttpStatus", 2, "System.Int32", "int")]),
])
def test_documented_examples(con, second, args, rows):
    result = con.query(PAGE.format(second=second, args=args))
    # getschema's columns, as the analyzer types getschema (it does not define schema_merge)
    assert list(zip(result.columns, result.types, strict=True)) == HEAD
    assert result.rows() == rows


def test_types_reduce_to_the_widest_number_or_are_an_error(con):
    assert con.query(PAGE.format(second="HttpStatus:long", args="")).rows()[1] == ("HttpStatus", 1, "System.Int64",
                                                                                   "long")
    error = con.query(PAGE.format(second="HttpStatus:string", args="false")).rows()[1]
    assert error[:2] == ("HttpStatus", -1) and "cannot be reduced" in error[3]


def test_three_schemas_and_a_positional_argument(con):
    query = """union (datatable(a:int)[] | getschema), (datatable(a:int, b:real)[] | getschema),
        (datatable(c:string, a:long)[] | getschema)
    | evaluate schema_merge(false)"""
    # the last schema read first (as the page's outputs are), then the columns the others add
    assert con.query(query).rows() == [("c", 0, "System.String", "string"), ("a", 1, "System.Int64", "long"),
                                       ("b", 2, "System.Double", "real")]


def test_the_merge_itself():
    rows = [("a", 0, "int"), ("b", 1, "string"), ("a", 0, "int"), ("b", 1, "guid"), ("x", 0, "nonsense")]
    schemas = split_schemas(rows)
    assert [len(s) for s in schemas] == [2, 2, 1]
    out = schema_rows(merge(schemas, True), {"int": "System.Int32", "string": "System.String"})
    assert out[0][:2] == ("x", -1) and "no type nonsense" in out[0][3]
    assert out[1] == ("a", 0, "System.Int32", "int") and out[2][:2] == ("b", -1)


def test_refusals(con):
    with pytest.raises(KqlSemanticError, match="bool constant"):
        con.query(PAGE.format(second="HttpStatus:int", args="1"))
    with pytest.raises(KqlSemanticError, match="at most 1 argument"):
        con.query(PAGE.format(second="HttpStatus:int", args="true, false"))
    with pytest.raises(KqlSemanticError, match="no argument 'Order'"):
        con.query(PAGE.format(second="HttpStatus:int", args="Order = false"))
    with pytest.raises(KqlSemanticError, match="'ColumnName'") as caught:
        con.query("print x = 1\n| evaluate schema_merge()")
    assert (caught.value.line, caught.value.column) == (2, 12)
    assert con.query("datatable(ColumnName:string, ColumnOrdinal:long, ColumnType:string)[] "
                     "| evaluate schema_merge()").rows() == []
