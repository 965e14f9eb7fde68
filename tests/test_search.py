"""search: case-sensitive kind and `Column:"term"` (search-operator.md), on the engine of --backend."""

from __future__ import annotations

import pytest

import kqlite

ROWS = 'datatable(a:string, b:string)["Hello World", "x", "hello", "World", "q", "world"] '


@pytest.fixture(scope="module")
def con(connect_backend):
    connection = connect_backend()
    yield connection
    connection.close()


def found(con, predicate: str) -> list[tuple[str, str]]:
    return sorted((r[1], r[2]) for r in con.query(ROWS + "| search " + predicate).rows())


def test_terms_are_case_insensitive_unless_the_kind_says_otherwise(con):
    assert found(con, '"World"') == [("Hello World", "x"), ("hello", "World"), ("q", "world")]
    assert found(con, 'kind=case_sensitive "World"') == [("Hello World", "x"), ("hello", "World")]


def test_a_term_can_name_its_column(con):
    assert found(con, 'a:"hello"') == [("Hello World", "x"), ("hello", "World")]
    assert found(con, 'b:"world"') == [("hello", "World"), ("q", "world")]
    assert found(con, 'kind=case_sensitive a:"hello" or b:"x"') == [("Hello World", "x"), ("hello", "World")]
    assert found(con, 'a:"hel*" and "world"') == [("Hello World", "x"), ("hello", "World")]
    with pytest.raises(kqlite.KqlSemanticError, match="no column 'nope'"):
        con.query(ROWS + '| search nope:"x"')
