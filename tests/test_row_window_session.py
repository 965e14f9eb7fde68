"""row_window_session(): the documentation's example, its rules one by one, and random serialized rows checked
against a direct reading of Kusto's model (a loop over the rows), on both engines."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

import kqlite

EXAMPLE = """datatable (ID:string, Timestamp:datetime) [
    "1", datetime(2024-04-11 10:00:00), "2", datetime(2024-04-11 10:18:00), "1", datetime(2024-04-11 11:00:00),
    "3", datetime(2024-04-11 11:30:00), "2", datetime(2024-04-11 13:30:00), "2", datetime(2024-04-11 10:16:00)]
| sort by ID asc, Timestamp asc
| extend SessionStarted = row_window_session(Timestamp, 1h, 5m, ID != prev(ID))"""


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 4, 11, hour, minute, tzinfo=UTC)


def test_the_documented_example(con):
    assert con.query(EXAMPLE).rows() == [
        ("1", at(10), at(10)), ("1", at(11), at(11)), ("2", at(10, 16), at(10, 16)), ("2", at(10, 18), at(10, 16)),
        ("2", at(13, 30), at(13, 30)), ("3", at(11, 30), at(11, 30))]


def model(values: list[datetime | None], from_first: timedelta, neighbours: timedelta,
          restarts: list[bool]) -> list[datetime | None]:
    """Kusto's conceptual model, row by row."""
    out, start, previous = [], None, None
    for i, value in enumerate(values):
        new = (start is None or value is None or previous is None or value >= start + from_first
               or value >= previous + neighbours or restarts[i])
        if new:
            start = value
        out.append(start)
        previous = value
    return out


def kql_rows(values, restarts) -> str:
    cells = ", ".join(f"{i}, {'datetime(null)' if v is None else 'datetime(' + v.isoformat() + ')'}, {str(r).lower()}"
                      for i, (v, r) in enumerate(zip(values, restarts, strict=True)))
    return f"datatable(i:long, t:datetime, r:bool)[{cells}] | sort by i asc"


def test_a_session_ends_an_hour_after_its_first_row_even_when_rows_are_close():
    con = kqlite.connect()
    values = [at(10) + timedelta(minutes=4 * k) for k in range(40)]  # every 4 minutes for 2 h 40
    query = kql_rows(values, [False] * 40) + " | project s = row_window_session(t, 1h, 5m)"
    starts = [row[0] for row in con.query(query).rows()]
    assert starts == model(values, timedelta(hours=1), timedelta(minutes=5), [False] * 40)
    assert sorted(set(starts)) == [at(10), at(11), at(12)]


@pytest.mark.parametrize("seed", range(6))
def test_random_rows_follow_the_model(con, seed):
    rng = random.Random(seed)
    values, moment = [], at(0)
    for _ in range(60):
        moment += timedelta(minutes=rng.choice([0, 1, 2, 3, 7, 20, 45]), seconds=rng.randrange(60))
        values.append(None if rng.random() < 0.08 else (moment if rng.random() < 0.9 else moment - timedelta(hours=2)))
    restarts = [rng.random() < 0.1 for _ in values]
    query = kql_rows(values, restarts) + " | extend s = row_window_session(t, 30m, 10m, r) | project s"
    assert [row[0] for row in con.query(query).rows()] == model(values, timedelta(minutes=30),
                                                                 timedelta(minutes=10), restarts)


def test_errors_name_the_problem(con):
    with pytest.raises(kqlite.KqlSemanticError, match="serialized"):
        con.query("datatable(t:datetime)[datetime(2024-01-01)] | extend s = row_window_session(t, 1h, 5m)")
    with pytest.raises(kqlite.KqlSemanticError, match="timespans"):
        con.query("datatable(t:datetime)[datetime(2024-01-01)] | serialize | extend s = row_window_session(t, 1, 5m)")
    with pytest.raises(kqlite.KqlUnsupportedError, match="not a constant"):
        con.query("datatable(t:datetime, d:timespan)[datetime(2024-01-01), 1h] | serialize"
                  " | extend s = row_window_session(t, d, 5m)")
