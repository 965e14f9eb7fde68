"""Helpers the function tests share: the one row a query gives, the last column of its rows."""

from __future__ import annotations

import kqlite


def one(con: kqlite.Connection, query: str) -> tuple:
    """The single row of a query's result (a result of another length fails the test)."""
    rows = con.query(query).rows()
    assert len(rows) == 1
    return rows[0]


def column(con: kqlite.Connection, query: str) -> list:
    """The last column of every row."""
    return [row[-1] for row in con.query(query).rows()]
