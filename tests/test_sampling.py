"""sample, sample-distinct and top-hitters (sample-operator.md, sample-distinct-operator.md,
top-hitters-operator.md): random picks are checked by what must hold of any pick."""

from __future__ import annotations

import pytest

import kqlite

ROWS = 'datatable(f:string, w:long)["a",1, "b",5, "a",1, "c",1, "a",1, "b",5] '
ALL = {("a", 1), ("b", 5), ("c", 1)}


@pytest.fixture(scope="module")
def con(connect_backend):
    connection = connect_backend()
    yield connection
    connection.close()


def test_sample_takes_that_many_rows_of_the_input(con):
    rows = con.query(ROWS + "| sample 4").rows()
    assert len(rows) == 4 and set(rows) <= ALL
    assert len(con.query(ROWS + "| sample 100").rows()) == 6
    assert con.query(ROWS + "| sample 0").rows() == []
    per_value = con.query(ROWS + "| partition by f (sample 1)").rows()
    assert sorted(f for f, _ in per_value) == ["a", "b", "c"]


def test_sample_distinct_gives_distinct_values_of_one_column(con):
    result = con.query(ROWS + "| sample-distinct 2 of f")
    assert result.columns == ["f"]
    values = [r[0] for r in result.rows()]
    assert len(values) == 2 == len(set(values)) and set(values) <= {"a", "b", "c"}
    assert sorted(r[0] for r in con.query(ROWS + "| sample-distinct 10 of f").rows()) == ["a", "b", "c"]


def test_top_hitters_count_or_weigh_the_values(con):
    counted = con.query(ROWS + "| top-hitters 2 of f")
    assert counted.columns == ["f", "approximate_count_f"] and counted.rows() == [("a", 3), ("b", 2)]
    weighed = con.query(ROWS + "| top-hitters 2 of f by w")
    assert weighed.columns == ["f", "approximate_sum_w"] and weighed.rows() == [("b", 10), ("a", 3)]
    with pytest.raises(kqlite.KqlSemanticError, match="no column 'nope'"):
        con.query(ROWS + "| top-hitters 2 of nope")
