"""arg_max / arg_min with a datetime key read a null key as a number beyond every datetime (no fallback aggregate
per column): the rows they pick are the ones the general form picks for the same key as a number, nulls, ties
and groups without any key included."""

from __future__ import annotations

import pytest

DATA = '''datatable(g:string, t:datetime, v:string, n:long)[
    "mixed", datetime(2024-01-02), "late", 2, "mixed", datetime(2024-01-01), "early", 1,
    "mixed", datetime(null), "no time", 9,
    "none", datetime(null), "first", 1, "none", datetime(null), "second", 2,
    "tie", datetime(2024-01-01), "", 5, "tie", datetime(2024-01-01), "tied", 6,
    "one", datetime(null), "", int(null), "one", datetime(2023-06-01), "only", 7]'''


@pytest.fixture(scope="module")
def con(connect_backend):
    connection = connect_backend()
    yield connection
    connection.close()


@pytest.mark.parametrize("picker", ["arg_max", "arg_min"])
def test_a_datetime_key_picks_what_its_ticks_as_a_number_pick(con, picker):
    by_time = con.query(f"{DATA} | summarize {picker}(t, v, n) by g | order by g asc").rows()
    by_number = con.query(f"{DATA} | extend k = tolong(t) | summarize {picker}(k, v, n) by g "
                          "| project g, t = todatetime(k), v, n | order by g asc").rows()
    assert [row[0] for row in by_time] == ["mixed", "none", "one", "tie"]
    # ties and all-null groups pick a row the engine chooses; the two forms must agree on which, and on the rest
    assert by_time == by_number
    rows = {row[0]: row[1:] for row in by_time}
    assert rows["mixed"][1:] == (("late", 2) if picker == "arg_max" else ("early", 1))
    assert rows["one"][1:] == ("only", 7)  # the row with a time wins over the row without
    assert rows["none"][0] is None and rows["none"][1:] in {("first", 1), ("second", 2)}
    assert rows["tie"][1:] in {("", 5), ("tied", 6)}
