"""The user-analytics evaluate plugins (sliding_window_counts, session_count, sequence_detect, funnel_sequence,
the activity_* family, rolling_percentile): each documented example that shows its output, on the engine under
test (--backend), and the output schemas Microsoft's analyzer gives (checked with the kusto-oracle)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kqlite.errors import KqlSemanticError, KqlUnsupportedError


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# ---------------------------------------------------------------- sliding_window_counts

# sliding-window-counts-plugin.md, as the page writes it (dates with spaces included)
SLIDING = """
let start = datetime(2017 - 08 - 01);
let end = datetime(2017 - 08 - 07);
let lookbackWindow = 3d;
let bin = 1d;
let T = datatable(UserId: string, Timestamp: datetime)
    [
    'Bob', datetime(2017 - 08 - 01),
    'David', datetime(2017 - 08 - 01),
    'David', datetime(2017 - 08 - 01),
    'John', datetime(2017 - 08 - 01),
    'Bob', datetime(2017 - 08 - 01),
    'Ananda', datetime(2017 - 08 - 02),
    'Atul', datetime(2017 - 08 - 02),
    'John', datetime(2017 - 08 - 02),
    'Ananda', datetime(2017 - 08 - 03),
    'Atul', datetime(2017 - 08 - 03),
    'Atul', datetime(2017 - 08 - 03),
    'John', datetime(2017 - 08 - 03),
    'Bob', datetime(2017 - 08 - 03),
    'Betsy', datetime(2017 - 08 - 04),
    'Bob', datetime(2017 - 08 - 05),
];
"""


def test_sliding_window_counts_documented_example(con):
    result = con.query(SLIDING + "T | evaluate sliding_window_counts(UserId, Timestamp, start, end, lookbackWindow, bin)")
    # the analyzer's names (Count, Dcount): the page's schema table says count/dcount, its output Count/dcount
    assert result.columns == ["Timestamp", "Count", "Dcount"]
    assert result.types == ["datetime", "long", "long"]
    assert result.rows() == [
        (day("2017-08-01"), 5, 3), (day("2017-08-02"), 8, 5), (day("2017-08-03"), 13, 5), (day("2017-08-04"), 9, 5),
        (day("2017-08-05"), 7, 5), (day("2017-08-06"), 2, 2), (day("2017-08-07"), 1, 1)]


def test_sliding_window_counts_by_dimension_with_rows_before_start(con):
    query = """datatable(Id:long, Time:long, Team:string)[
        1, 8, "a",  2, 9, "a",  1, 10, "a",  3, 10, "b",  1, 13, "a",  4, 21, "b"]
    | evaluate sliding_window_counts(Id, Time, 10, 20, 5, 2, Team)"""
    result = con.query(query)
    assert result.columns == ["Time", "Team", "Count", "Dcount"]
    assert result.types == ["long", "string", "long", "long"]
    # bins of 2 from 10; the window is 2 bins (5 rounded down); rows at 8 and 9 (bin 8) count in bin 10;
    # the row at 21 is in bin 20, the last bin (its start is End)
    assert result.rows() == [(10, "a", 3, 2), (10, "b", 1, 1), (12, "a", 2, 1), (12, "b", 1, 1), (14, "a", 1, 1),
                             (20, "b", 1, 1)]


def test_sliding_window_counts_refusals(con):
    with pytest.raises(KqlSemanticError, match="LookbackWindow is shorter"):
        con.query(SLIDING + "T | evaluate sliding_window_counts(UserId, Timestamp, start, end, 1h, 1d)")
    with pytest.raises(KqlSemanticError, match="timeline column"):
        con.query(SLIDING + "T | evaluate sliding_window_counts(UserId, Nope, start, end, 3d, 1d)")
    with pytest.raises(KqlSemanticError, match="timespan"):
        con.query(SLIDING + "T | evaluate sliding_window_counts(UserId, Timestamp, start, end, 3, 1)")
    with pytest.raises(KqlUnsupportedError, match="calendar"):
        con.query(SLIDING + "T | evaluate sliding_window_counts(UserId, Timestamp, start, end, 3d, 'month')")
