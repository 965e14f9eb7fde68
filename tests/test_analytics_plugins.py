"""The user-analytics evaluate plugins (sliding_window_counts, session_count, sequence_detect, funnel_sequence,
funnel_sequence_completion,
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


# ---------------------------------------------------------------- session_count

# session-count-plugin.md's data: Id appears at every Timeline slot it divides
SESSION_DATA = """let _data = range Timeline from 1 to 9999 step 1
    | extend __key = 1
    | join kind=inner (range Id from 1 to 50 step 1 | extend __key=1) on __key
    | where Timeline % Id == 0
    | project Timeline, Id;
"""


def test_session_count_documented_example(con):
    # the page shows this output only as a chart: the counts below are what kqlite's reading gives (ids 1-41
    # are never 41 slots apart, one session each all along; ids 42-50 start a session at every appearance)
    result = con.query(SESSION_DATA + "_data | evaluate session_count(Id, Timeline, 1, 10000, 100, 41)")
    assert result.columns == ["Timeline", "count_sessions"] and result.types == ["long", "long"]
    rows = result.rows()
    assert [t for t, _ in rows] == list(range(1, 10000, 100))
    for bin_start, count in rows:
        short = sum(1 for k in range(42, 51) for t in range(bin_start, min(bin_start + 100, 10000)) if t % k == 0)
        assert count == 41 + short


def test_session_count_sessions_span_bins_by_dimension(con):
    query = """datatable(Id:long, T:long, D:string)[1,1,"x", 1,2,"x", 1,10,"x", 2,3,"x", 2,4,"y", 3,0,"x", 3,9,"x",
                                                  1,5,"y"]
    | evaluate session_count(Id, T, 0, 10, 2, 3{dims})"""
    # sessions (a gap of 3 continues one): id 1 [1,5] [10], id 2 [3,4], id 3 [0] [9]; a session counts in each
    # bin from its first row's to its last row's
    assert con.query(query.format(dims="")).rows() == [(0, 2), (2, 2), (4, 2), (8, 1), (10, 1)]
    by_d = con.query(query.format(dims=", D"))
    assert by_d.columns == ["T", "D", "count_sessions"]
    # by D: x has id 1 [1,2] [10], id 2 [3], id 3 [0] [9]; y has id 2 [4] and id 1 [5]
    assert by_d.rows() == [(0, "x", 2), (2, "x", 2), (4, "y", 2), (8, "x", 1), (10, "x", 1)]


def test_session_count_datetimes(con):
    query = """datatable(User:string, Time:datetime)["a", datetime(2024-01-01 10:00), "a", datetime(2024-01-01 10:20),
        "a", datetime(2024-01-01 11:30), "b", datetime(2024-01-01 10:05)]
    | evaluate session_count(User, Time, datetime(2024-01-01 10:00), datetime(2024-01-01 11:59), 30m, 30m)"""
    result = con.query(query)
    assert result.types == ["datetime", "long"]
    assert result.rows() == [(datetime(2024, 1, 1, 10, 0, tzinfo=UTC), 2), (datetime(2024, 1, 1, 11, 30, tzinfo=UTC), 1)]


# ---------------------------------------------------------------- sequence_detect

# StormEvents rows behind sequence-detect-plugin.md's example output, with rows that must not match: heat with
# no wildfire within 5 days, a wildfire before the heat, a wildfire of another state, other event types
STORM_SEQUENCES = """datatable(StartTime:datetime, EventType:string, State:string)[
    datetime(2007-05-08 00:00), "Excessive Heat", "CALIFORNIA",
    datetime(2007-05-07 10:00), "Wildfire", "CALIFORNIA",
    datetime(2007-05-08 16:02), "Wildfire", "CALIFORNIA",
    datetime(2007-05-09 00:00), "Wildfire", "NEVADA",
    datetime(2007-05-10 11:30), "Wildfire", "CALIFORNIA",
    datetime(2007-06-20 00:00), "Excessive Heat", "TEXAS",
    datetime(2007-06-26 00:00), "Wildfire", "TEXAS",
    datetime(2007-07-04 09:00), "Excessive Heat", "CALIFORNIA",
    datetime(2007-07-05 23:01), "Wildfire", "CALIFORNIA",
    datetime(2007-07-23 12:00), "Excessive Heat", "SOUTH DAKOTA",
    datetime(2007-07-25 12:00), "Hail", "SOUTH DAKOTA",
    datetime(2007-07-27 09:00), "Wildfire", "SOUTH DAKOTA",
    datetime(2007-08-10 08:00), "Excessive Heat", "TEXAS",
    datetime(2007-08-11 13:56), "Wildfire", "TEXAS",
    datetime(2007-08-31 08:00), "Excessive Heat", "CALIFORNIA",
    datetime(2007-09-01 11:28), "Wildfire", "CALIFORNIA",
    datetime(2007-09-02 12:00), "Excessive Heat", "CALIFORNIA",
    datetime(2007-09-02 13:30), "Wildfire", "CALIFORNIA",
]
"""


def test_sequence_detect_documented_example(con):
    result = con.query(STORM_SEQUENCES + """| evaluate sequence_detect(
        StartTime,
        5d,  // step max-time
        5d,  // sequence max-time
        heat=(EventType == "Excessive Heat"),
        wildfire=(EventType == 'Wildfire'),
        State)""")
    assert result.columns == ["State", "heat_StartTime", "wildfire_StartTime", "Duration"]
    assert result.types == ["string", "datetime", "datetime", "timespan"]

    def at(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    from datetime import timedelta as span
    assert result.rows() == [
        ("CALIFORNIA", at("2007-05-08 00:00"), at("2007-05-08 16:02"), span(hours=16, minutes=2)),
        ("CALIFORNIA", at("2007-05-08 00:00"), at("2007-05-10 11:30"), span(days=2, hours=11, minutes=30)),
        ("CALIFORNIA", at("2007-07-04 09:00"), at("2007-07-05 23:01"), span(days=1, hours=14, minutes=1)),
        ("SOUTH DAKOTA", at("2007-07-23 12:00"), at("2007-07-27 09:00"), span(days=3, hours=21)),
        ("TEXAS", at("2007-08-10 08:00"), at("2007-08-11 13:56"), span(days=1, hours=5, minutes=56)),
        ("CALIFORNIA", at("2007-08-31 08:00"), at("2007-09-01 11:28"), span(days=1, hours=3, minutes=28)),
        ("CALIFORNIA", at("2007-08-31 08:00"), at("2007-09-02 13:30"), span(days=2, hours=5, minutes=30)),
        ("CALIFORNIA", at("2007-09-02 12:00"), at("2007-09-02 13:30"), span(hours=1, minutes=30)),
    ]


def test_sequence_detect_windows_three_steps_and_names(con):
    events = """datatable(T:long, E:string, B:bool)[1,"a",false, 2,"b",true, 4,"c",false, 5,"b",false, 9,"c",false,
                                                   9,"a",false, 9,"b",false]
    """
    # steps a -> b -> c: each step at most 3 after the one before, the whole at most 6
    three = con.query(events + "| evaluate sequence_detect(T, 3, 6, x=(E == 'a'), y=(E == 'b'), z=(E == 'c'))")
    assert three.columns == ["x_T", "y_T", "z_T", "Duration"]
    assert three.types == ["long", "long", "long", "timespan"]  # the analyzer's: a timespan whatever the timeline
    # 1-2-4 only: b at 5 is 4 after a at 1; c at 9 is 5 after b at 4 and 7 after b at 2
    ticks = con.query(events + "| evaluate sequence_detect(T, 3, 6, x=(E == 'a'), y=(E == 'b'), z=(E == 'c'))"
                               "| extend Duration = tolong(Duration)")
    assert ticks.rows() == [(1, 2, 4, 3)]  # a number timeline's duration, read as ticks
    # a row at the same instant comes after the rows before it in the input: a at 9 then b at 9
    same = con.query(events + "| where T == 9 | evaluate sequence_detect(T, 1, 1, E == 'a', E == 'b')")
    assert same.columns == ["_T", "_T1", "Duration"]  # unnamed steps: the analyzer names both '_T'
    assert [r[:2] for r in same.rows()] == [(9, 9)]
    # an unnamed bool column names its step
    named = con.query(events + "| evaluate sequence_detect(T, 10, 10, B, x=(E == 'c'))")
    assert named.columns == ["B_T", "x_T", "Duration"] and [r[:2] for r in named.rows()] == [(2, 4), (2, 9)]


def test_sequence_detect_refusals(con):
    with pytest.raises(KqlSemanticError, match="at least one predicate"):
        con.query(STORM_SEQUENCES + "| evaluate sequence_detect(StartTime, 1d, 2d)")
    with pytest.raises(KqlSemanticError, match="predicate"):
        con.query(STORM_SEQUENCES + "| evaluate sequence_detect(StartTime, 1d, 2d, strlen(State))")
    with pytest.raises(KqlSemanticError, match="dimension"):
        con.query(STORM_SEQUENCES + "| evaluate sequence_detect(StartTime, 1d, 2d, EventType == 'Hail', strlen(State))")


# ---------------------------------------------------------------- funnel_sequence_completion

# funnel-sequence-completion-plugin.md's query over a few StormEvents-like episodes (the page's numbers come from
# the StormEvents table): episode 1 completes Hail -> Tornado -> Thunderstorm Wind in 3 hours, episode 2 in
# 2.5 hours (its tornado 2 hours after the hail), episode 3's tornado comes before its hail, episode 4 has no hail
FUNNEL = """let _start = datetime(2007-01-01);
let _end =  datetime(2008-01-01);
let _windowSize = 365d;
let _sequence = dynamic(['Hail', 'Tornado', 'Thunderstorm Wind']);
let _periods = dynamic([1h, 4h, 1d]);
let StormEvents = datatable(EpisodeId:long, StartTime:datetime, EventType:string)[
    1, datetime(2007-01-01 10:00), "Hail", 1, datetime(2007-01-01 10:30), "Tornado",
    1, datetime(2007-01-01 13:00), "Thunderstorm Wind",
    2, datetime(2007-01-02 10:00), "Hail", 2, datetime(2007-01-02 12:00), "Tornado",
    2, datetime(2007-01-02 12:30), "Thunderstorm Wind", 2, datetime(2007-01-02 12:40), "Flood",
    3, datetime(2007-01-03 10:00), "Hail", 3, datetime(2007-01-03 09:00), "Tornado",
    4, datetime(2007-01-03 10:00), "Tornado", 5, datetime(2006-12-31 10:00), "Hail"];
"""


def test_funnel_sequence_completion_documented_query(con):
    result = con.query(FUNNEL + """StormEvents
    | evaluate funnel_sequence_completion(EpisodeId, StartTime, _start, _end, _windowSize, EventType, _sequence, _periods)""")
    assert result.columns == ["StartTime", "EventType", "Period", "dcount"]
    assert result.types == ["datetime", "string", "timespan", "long"]
    from datetime import timedelta as span
    year = day("2007-01-01")
    # as on the page: a funnel per period, each step's count no more than the step's before
    assert result.rows() == [
        (year, "Hail", span(hours=1), 3), (year, "Tornado", span(hours=1), 1), (year, "Thunderstorm Wind", span(hours=1), 0),
        (year, "Hail", span(hours=4), 3), (year, "Tornado", span(hours=4), 2), (year, "Thunderstorm Wind", span(hours=4), 2),
        (year, "Hail", span(days=1), 3), (year, "Tornado", span(days=1), 2), (year, "Thunderstorm Wind", span(days=1), 2)]


def test_funnel_sequence_completion_bins_and_repeated_states(con):
    query = """datatable(Id:string, T:long, S:string)["u",1,"a", "u",2,"a", "u",3,"b", "v",5,"a", "v",12,"b",
                                                       "w",11,"b", "w",12,"a", "w",14,"a"]
    | evaluate funnel_sequence_completion(Id, T, 0, 19, 10, S, dynamic(['a', 'b', 'a']), dynamic([2, 5]))"""
    result = con.query(query)
    assert result.types == ["long", "string", "timespan", "long"]
    counts = [(r[0], r[1], r[3]) for r in result.rows()]
    # bin 0: u reaches a->b (b at 3 is 1 after its latest a) but no a after it; v's b is in the next bin
    # bin 10: w's b at 11 has no a before it; its a at 12 is a first step
    assert counts == [(0, "a", 2), (0, "b", 1), (0, "a", 0), (0, "a", 2), (0, "b", 1), (0, "a", 0),
                      (10, "a", 1), (10, "b", 0), (10, "a", 0), (10, "a", 1), (10, "b", 0), (10, "a", 0)]


def test_funnel_sequence_completion_refusals(con):
    with pytest.raises(KqlSemanticError, match="Sequence"):
        con.query(FUNNEL + "StormEvents | evaluate funnel_sequence_completion(EpisodeId, StartTime, _start, _end, "
                           "_windowSize, EventType, 'Hail', _periods)")
    with pytest.raises(KqlSemanticError, match="timespan"):
        con.query(FUNNEL + "StormEvents | evaluate funnel_sequence_completion(EpisodeId, StartTime, _start, _end, "
                           "_windowSize, EventType, _sequence, dynamic([1, 2]))")


# ---------------------------------------------------------------- activity_counts_metrics, active_users_count

ACTIVITY_COUNTS = """let start=datetime(2017-08-01);
let end=datetime(2017-08-04);
let window=1d;
let T = datatable(UserId:string, Timestamp:datetime, Site:string)
[
'A', datetime(2017-08-01), "x", 'D', datetime(2017-08-01), "x", 'J', datetime(2017-08-01), "y",
'B', datetime(2017-08-01), "y", 'C', datetime(2017-08-02), "x", 'T', datetime(2017-08-02), "x",
'J', datetime(2017-08-02), "x", 'H', datetime(2017-08-03), "x", 'T', datetime(2017-08-03), "y",
'T', datetime(2017-08-03), "y", 'J', datetime(2017-08-03), "y", 'B', datetime(2017-08-03), "y",
'S', datetime(2017-08-03), "x", 'S', datetime(2017-08-04), "x",
];
"""


def test_activity_counts_metrics_documented_example(con):
    result = con.query(ACTIVITY_COUNTS + " T\n | evaluate activity_counts_metrics(UserId, Timestamp, start, end, window)")
    assert result.columns == ["Timestamp", "count", "dcount", "new_dcount", "aggregated_dcount"]
    assert result.types == ["datetime", "long", "long", "long", "long"]
    assert result.rows() == [(day("2017-08-01"), 4, 4, 4, 4), (day("2017-08-02"), 3, 3, 2, 6),
                             (day("2017-08-03"), 6, 5, 2, 8), (day("2017-08-04"), 1, 1, 0, 8)]


def test_activity_counts_metrics_by_dimension_and_period(con):
    result = con.query(ACTIVITY_COUNTS + "T | evaluate activity_counts_metrics(UserId, Timestamp, start + 1d, end, "
                                         "window, Site)")
    assert result.columns == ["Timestamp", "Site", "count", "dcount", "new_dcount", "aggregated_dcount"]
    # from 08-02 on: the rows of 08-01 are out of the analysis; per site, J is new in x on 08-02 and in y on 08-03
    assert result.rows() == [(day("2017-08-02"), "x", 3, 3, 3, 3), (day("2017-08-03"), "x", 2, 2, 2, 5),
                             (day("2017-08-03"), "y", 4, 3, 3, 3), (day("2017-08-04"), "x", 1, 1, 0, 5)]


ACTIVE_USERS = """let Start = datetime(2018-07-01);
let End = datetime(2018-07-31);
let LookbackWindow = 8d;
let Period = 1d;
let ActivePeriods = 3;
let Bin = 7d;
let T =  datatable(User:string, Timestamp:datetime)
[
    "B",      datetime(2018-06-29),
    "B",      datetime(2018-06-30),
    "A",      datetime(2018-07-02),
    "B",      datetime(2018-07-04),
    "B",      datetime(2018-07-08),
    "A",      datetime(2018-07-10),
    "A",      datetime(2018-07-14),
    "A",      datetime(2018-07-17),
    "A",      datetime(2018-07-20),
    "B",      datetime(2018-07-24)
];
"""


def test_active_users_count_documented_example(con):
    result = con.query(ACTIVE_USERS + "T | evaluate active_users_count(User, Timestamp, Start, End, LookbackWindow, "
                                      "Period, ActivePeriods, Bin)")
    assert result.columns == ["Timestamp", "dcount"] and result.types == ["datetime", "long"]
    assert result.rows() == [(day("2018-07-01"), 1), (day("2018-07-15"), 1)]


def test_active_users_count_periods_are_distinct(con):
    # two appearances in one period count once: with 2 periods needed, A is active on the 3rd only
    query = """datatable(User:string, Timestamp:datetime, Team:string)["A", datetime(2018-07-01 01:00), "t",
        "A", datetime(2018-07-01 02:00), "t", "A", datetime(2018-07-03), "t", "B", datetime(2018-07-03), "u"]
    | evaluate active_users_count(User, Timestamp, datetime(2018-07-01), datetime(2018-07-10), 5d, 1d, 2, 1d, Team)"""
    result = con.query(query)
    assert result.columns == ["Timestamp", "Team", "dcount"]
    assert result.rows() == [(day("2018-07-03"), "t", 1)]


# ---------------------------------------------------------------- new_activity_metrics

# new-activity-metrics-plugin.md's Users table, as its first output lists the users seen each day
NEW_ACTIVITY = """let StartDate = datetime(2019-11-01 00:00:00);
let EndDate = datetime(2019-11-07 00:00:00);
let Users = datatable(user:long, Timestamp:datetime, Region:string)[
    0, datetime(2019-11-01), "n", 2, datetime(2019-11-01), "n", 3, datetime(2019-11-01), "s", 4, datetime(2019-11-01), "s",
    0, datetime(2019-11-02), "n", 1, datetime(2019-11-02), "n", 3, datetime(2019-11-02), "s", 4, datetime(2019-11-02), "s",
    5, datetime(2019-11-02), "s",
    0, datetime(2019-11-03), "n", 2, datetime(2019-11-03), "n", 4, datetime(2019-11-03), "s", 5, datetime(2019-11-03), "s",
    0, datetime(2019-11-04), "n", 1, datetime(2019-11-04), "n", 2, datetime(2019-11-04), "n", 3, datetime(2019-11-04), "s",
    0, datetime(2019-11-05), "n", 1, datetime(2019-11-05), "n", 2, datetime(2019-11-05), "n", 3, datetime(2019-11-05), "s",
    4, datetime(2019-11-05), "s"];
"""


def test_new_activity_metrics_documented_example(con):
    result = con.query(NEW_ACTIVITY + """Users
    | evaluate new_activity_metrics(user, Timestamp, StartDate, EndDate-1tick, 1d)
    | where from_Timestamp < datetime(2019-11-03 00:00:00.0000000)""")
    assert result.columns == ["from_Timestamp", "to_Timestamp", "dcount_new_values", "dcount_retained_values",
                              "dcount_churn_values", "retention_rate", "churn_rate"]
    assert result.types == ["datetime", "datetime", "long", "long", "long", "real", "real"]
    d1, d2 = day("2019-11-01"), day("2019-11-02")
    assert result.rows() == [  # the page's rows R1 to R11
        (d1, d1, 4, 4, 0, 1, 0), (d1, d2, 2, 3, 1, 0.75, 0.25), (d1, day("2019-11-03"), 1, 3, 1, 0.75, 0.25),
        (d1, day("2019-11-04"), 1, 3, 1, 0.75, 0.25), (d1, day("2019-11-05"), 1, 4, 0, 1, 0),
        (d1, day("2019-11-06"), 0, 0, 4, 0, 1),
        (d2, d2, 2, 2, 0, 1, 0), (d2, day("2019-11-03"), 0, 1, 1, 0.5, 0.5), (d2, day("2019-11-04"), 0, 1, 1, 0.5, 0.5),
        (d2, day("2019-11-05"), 0, 1, 1, 0.5, 0.5), (d2, day("2019-11-06"), 0, 0, 2, 0, 1)]


def test_new_activity_metrics_cohort_dimensions_and_empty_cohorts(con):
    one = con.query(NEW_ACTIVITY + "Users | evaluate new_activity_metrics(user, Timestamp, StartDate, EndDate-1tick, 1d, "
                                   "datetime(2019-11-02))")
    assert [r[:2] for r in one.rows()] == [(day("2019-11-02"), day(f"2019-11-0{n}")) for n in range(2, 7)]
    # no user is first seen on 11-03: an empty cohort's rates are 0/0
    empty = con.query(NEW_ACTIVITY + "Users | evaluate new_activity_metrics(user, Timestamp, StartDate, EndDate-1tick, "
                                     "1d, datetime(2019-11-03)) | take 1").rows()[0]
    assert empty[2:5] == (0, 0, 0) and empty[5] != empty[5]
    regions = con.query(NEW_ACTIVITY + "Users | evaluate new_activity_metrics(user, Timestamp, StartDate, EndDate-1tick, "
                                       "1d, Region) | where from_Timestamp == StartDate and to_Timestamp <= StartDate + 1d")
    assert regions.columns[:3] == ["from_Timestamp", "to_Timestamp", "Region"]
    d1, d2 = day("2019-11-01"), day("2019-11-02")
    # region n's cohort of 11-01 is {0, 2}, s's {3, 4}; on 11-02 n sees 0 and the new 1, s sees 3, 4 and the new 5
    assert regions.rows() == [(d1, d1, "n", 2, 2, 0, 1, 0), (d1, d1, "s", 2, 2, 0, 1, 0),
                              (d1, d2, "n", 1, 1, 1, 0.5, 0.5), (d1, d2, "s", 1, 2, 0, 1, 0)]


def test_new_activity_metrics_lookback(con):
    # the page's lookback example draws its data with rand(); here: users 0 and 1 were seen before Start
    lookback = "let L = datatable(Timestamp:datetime, user:long)[datetime(2019-10-01), 0, datetime(2019-10-02), 1];\n"
    query = lookback + NEW_ACTIVITY + "Users | evaluate new_activity_metrics(user, Timestamp, StartDate, EndDate-1tick, 1d{})"
    d1, d2 = day("2019-11-01"), day("2019-11-02")
    with_cohort = con.query(query.format(", StartDate, L"))
    assert with_cohort.columns == ["from_Timestamp", "to_Timestamp", "dcount_new_values", "dcount_retained_values",
                                   "dcount_churn_values", "retention_rate", "churn_rate"]
    # the cohort of 11-01 is {2, 3, 4} (0 is not new); on 11-02 it sees 3 and 4, and 5 is new (1 is not)
    assert with_cohort.rows()[:2] == [(d1, d1, 3, 3, 0, 1, 0), (d1, d2, 1, 2, 1, pytest.approx(2 / 3),
                                                                pytest.approx(1 / 3))]
    # without a Cohort (the analyzer wants one before the Lookback), and with a dimension: the same ids
    every = con.query(query.format(", L")).rows()
    assert every[:2] == with_cohort.rows()[:2] and every[6][:5] == (d2, d2, 1, 1, 0)  # 11-02's cohort: {5}
    by_region = con.query(query.format(", StartDate, Region, L") + " | where to_Timestamp == StartDate")
    assert [r[2:5] for r in by_region.rows()] == [("n", 1, 1), ("s", 2, 2)]
    with pytest.raises(KqlSemanticError, match="must be the last argument"):
        con.query(query.format(", StartDate, L, Region"))
    with pytest.raises(KqlSemanticError, match="no column 'user'") as caught:
        con.query(query.format(", StartDate, (L | project Timestamp)"))
    assert caught.value.line == 12 and caught.value.column == 98  # the Lookback argument
    with pytest.raises(KqlSemanticError, match="is string, the IdColumn is long"):
        con.query(query.format(", StartDate, (L | project user = tostring(user))"))


# ---------------------------------------------------------------- rolling_percentile

ROLLING = """let T =
    range idx from 0 to 24 * 10 - 1 step 1
    | project Timestamp = datetime(2018-01-01) + 1h * idx, val=idx + 1
    | extend EvenOrOdd = iff(val % 2 == 0, "Even", "Odd");
T
"""


def test_rolling_percentile_documented_examples(con):
    result = con.query(ROLLING + "| evaluate rolling_percentile(val, 50, Timestamp, 1d, 3)")
    assert result.columns == ["Timestamp", "rolling_3_percentile_val_50"] and result.types == ["datetime", "long"]
    assert result.rows() == [(day(f"2018-01-{n:02}"), v) for n, v in
                             zip(range(1, 11), (12, 24, 36, 60, 84, 108, 132, 156, 180, 204), strict=True)]
    by = con.query(ROLLING + "| evaluate rolling_percentile(val, 50, Timestamp, 1d, 3, EvenOrOdd)")
    assert by.columns == ["Timestamp", "EvenOrOdd", "rolling_3_percentile_val_50"]
    even = (12, 24, 36, 60, 84, 108, 132, 156, 180, 204)
    assert by.rows() == ([(day(f"2018-01-{n:02}"), "Even", v) for n, v in zip(range(1, 11), even, strict=True)]
                         + [(day(f"2018-01-{n:02}"), "Odd", v - 1) for n, v in zip(range(1, 11), even, strict=True)])


def test_rolling_percentile_real_values_and_refusals(con):
    result = con.query("datatable(i:long, x:real)[1, 1.5, 2, 2.5, 5, 9.5] | evaluate rolling_percentile(x, 95, i, 2, 2)")
    assert result.columns == ["i", "rolling_2_percentile_x_95"] and result.types == ["long", "real"]
    # bins 0 {1.5}, 2 {2.5}, 4 {9.5}: windows of two bins
    assert result.rows() == [(0, 1.5), (2, 2.5), (4, 9.5)]
    with pytest.raises(KqlSemanticError, match="Percentile"):
        con.query("datatable(i:long, x:real)[1, 1.5] | evaluate rolling_percentile(x, 150, i, 2, 2)")


def test_rolling_percentile_fractional_percentile_name(con, backend):
    if backend == "spark":  # kqlite's Spark SQL cannot yet read back a column whose name has a dot (any query's)
        pytest.skip("a column name with a dot fails on Spark (print ['a.b'] = 1 | extend c = ['a.b'] too)")
    result = con.query("datatable(i:long, x:real)[1, 1.5, 2, 2.5] | evaluate rolling_percentile(x, 95.5, i, 2, 2)")
    assert result.columns == ["i", "rolling_2_percentile_x_95.5"]  # the analyzer's name, the percentile as written
    assert result.rows() == [(0, 1.5), (2, 2.5)]


# ---------------------------------------------------------------- activity_metrics, activity_engagement

# the pages' examples draw their data with rand(): their numbers cannot be met, their queries and schemas can
RANDOM_USERS = """let _start = datetime(2017-01-02);
let _end = datetime(2017-05-31);
range _day from _start to _end  step 1d
| extend d = tolong((_day - _start)/1d)
| extend r = rand()+1
| extend _users=range(tolong(d*50*r), tolong(d*50*r+200*r-1), 1)
| mv-expand id=_users to typeof(long) limit 1000000
"""


def test_activity_metrics_documented_query(con):
    result = con.query(RANDOM_USERS + "| evaluate activity_metrics(['id'], _day, _start, _end, 7d)")
    assert result.columns == ["_day", "dcount_values", "dcount_newvalues", "retention_rate", "churn_rate"]
    assert result.types == ["datetime", "long", "long", "real", "real"]
    rows = result.rows()
    assert len(rows) == 22 and rows[0][0] == day("2017-01-02") and rows[-1][0] == day("2017-05-29")
    assert rows[0][1] == rows[0][2] and rows[0][3] != rows[0][3]  # the first week: all new, rates NaN (as shown)
    assert all(abs(r[3] + r[4] - 1) < 1e-9 for r in rows[1:])  # retention = 1 - churn


def test_activity_metrics_worked_out(con):
    query = """datatable(U:string, T:datetime, D:string)["a", datetime(2017-01-02), "x", "b", datetime(2017-01-03), "x",
        "c", datetime(2017-01-04), "y", "a", datetime(2017-01-10), "x", "d", datetime(2017-01-11), "x",
        "b", datetime(2017-01-24), "x"]
    | evaluate activity_metrics(U, T, {args})"""
    rows = con.query(query.format(args="datetime(2017-01-02), datetime(2017-01-31), 7d")).rows()
    # week 2: a returns of a, b, c (1/3); week 4 follows an empty week: nobody to retain, 0/0
    assert [r[:3] for r in rows] == [(day("2017-01-02"), 3, 3), (day("2017-01-09"), 2, 1), (day("2017-01-23"), 1, 1)]
    assert rows[1][3:] == (pytest.approx(1 / 3), pytest.approx(2 / 3)) and rows[2][3] != rows[2][3]
    by = con.query(query.format(args="datetime(2017-01-02), datetime(2017-01-31), 7d, D"))
    assert by.columns == ["T", "D", "dcount_values", "dcount_newvalues", "retention_rate", "churn_rate"]
    assert [r[:4] for r in by.rows()][:3] == [(day("2017-01-02"), "x", 2, 2), (day("2017-01-02"), "y", 1, 1),
                                              (day("2017-01-09"), "x", 2, 1)]
    # without Start and End: bins of the whole timeline (bin(), weeks from 0001-01-01, a Monday)
    bare = con.query(query.format(args="7d")).rows()
    assert [r[:3] for r in bare] == [(day("2017-01-02"), 3, 3), (day("2017-01-09"), 2, 1), (day("2017-01-23"), 1, 1)]


def test_activity_engagement_documented_query_and_worked_out(con):
    result = con.query(RANDOM_USERS + "| evaluate activity_engagement(['id'], _day, _start, _end, 1d, 7d)"
                                      "| project _day, Dau_Wau=activity_ratio*100")
    assert result.columns == ["_day", "Dau_Wau"] and len(result.rows()) == 150
    query = """datatable(U:string, T:datetime, D:string)["a", datetime(2017-01-01), "x", "b", datetime(2017-01-02), "x",
        "c", datetime(2017-01-02), "y", "a", datetime(2017-01-03), "x", "d", datetime(2017-01-05), "x"]
    | evaluate activity_engagement(U, T, datetime(2017-01-01), datetime(2017-01-05), 1d, 3d{dims})"""
    plain = con.query(query.format(dims=""))
    assert plain.columns == ["T", "dcount_activities_inner", "dcount_activities_outer", "activity_ratio"]
    assert plain.types == ["datetime", "long", "long", "real"]
    # each day's users over the users of the 3 days ending with it; 01-04 has none of its own
    assert plain.rows() == [(day("2017-01-01"), 1, 1, 1.0), (day("2017-01-02"), 2, 3, pytest.approx(2 / 3)),
                            (day("2017-01-03"), 1, 3, pytest.approx(1 / 3)), (day("2017-01-04"), 0, 3, 0.0),
                            (day("2017-01-05"), 1, 2, 0.5)]
    by = con.query(query.format(dims=", D"))
    assert by.columns == ["T", "D", "dcount_activities_inner", "dcount_activities_outer", "activity_ratio"]
    assert by.rows()[:3] == [(day("2017-01-01"), "x", 1, 1, 1.0), (day("2017-01-02"), "x", 1, 2, 0.5),
                             (day("2017-01-02"), "y", 1, 1, 1.0)]


@pytest.mark.parametrize("plugin, columns", [
    ("sliding_window_counts(Id, T, 0, 10, 3, 1)", ["T", "Count", "Dcount"]),
    ("session_count(Id, T, 0, 10, 3, 1)", ["T", "count_sessions"]),
    ("activity_counts_metrics(Id, T, 0, 10, 2)", ["T", "count", "dcount", "new_dcount", "aggregated_dcount"]),
    ("activity_metrics(Id, T, 0, 10, 2)", ["T", "dcount_values", "dcount_newvalues", "retention_rate", "churn_rate"]),
    ("activity_engagement(Id, T, 0, 10, 1, 3)", ["T", "dcount_activities_inner", "dcount_activities_outer",
                                                 "activity_ratio"]),
    ("active_users_count(Id, T, 0, 10, 5, 1, 2, 2)", ["T", "dcount"]),
    ("new_activity_metrics(Id, T, 0, 10, 2)", ["from_T", "to_T", "dcount_new_values", "dcount_retained_values",
                                               "dcount_churn_values", "retention_rate", "churn_rate"]),
    ("rolling_percentile(V, 50, T, 2, 3)", ["T", "rolling_3_percentile_V_50"]),
])
def test_an_int_timeline_stays_int(con, plugin, columns):
    # the analyzer's schema (kusto-oracle): the timeline's own type, int here, not the long that bin_at gives
    result = con.query(f"datatable(Id:string, T:int, V:long)['a', 1, 5, 'b', 2, 6, 'a', 3, 7] | evaluate {plugin}")
    assert result.columns == columns
    assert all(kql_type == "int" for name, kql_type in zip(result.columns, result.types, strict=True)
               if name.endswith("T"))
    assert result.rows()


# ---------------------------------------------------------------- funnel_sequence

# funnel-sequence-plugin.md's first example: its three tables (the page's rows, in its order)
FUNNEL_PAIRS = [("", "", 293), ("Hail", "Hail", 87), ("Thunderstorm Wind", "Thunderstorm Wind", 77),
                ("Hail", "Thunderstorm Wind", 28), ("Hail", "", 28), ("", "Hail", 27), ("", "Thunderstorm Wind", 25),
                ("Thunderstorm Wind", "Hail", 24), ("Thunderstorm Wind", "", 24), ("Flash Flood", "Flash Flood", 12),
                ("Thunderstorm Wind", "Flash Flood", 8), ("Flash Flood", "", 8), ("Funnel Cloud", "Thunderstorm Wind", 6),
                ("", "Funnel Cloud", 6), ("", "Flash Flood", 6), ("Funnel Cloud", "Funnel Cloud", 6),
                ("Hail", "Flash Flood", 4), ("Flash Flood", "Thunderstorm Wind", 4), ("Hail", "Funnel Cloud", 4),
                ("Funnel Cloud", "Hail", 4), ("Funnel Cloud", "", 4), ("Thunderstorm Wind", "Funnel Cloud", 3),
                ("Heavy Rain", "Thunderstorm Wind", 2), ("Flash Flood", "Funnel Cloud", 2), ("Flash Flood", "Hail", 2),
                ("Strong Wind", "Thunderstorm Wind", 1), ("Heavy Rain", "Flash Flood", 1), ("Heavy Rain", "Hail", 1),
                ("Hail", "Flood", 1), ("Lightning", "Hail", 1), ("Heavy Rain", "Lightning", 1),
                ("Funnel Cloud", "Heavy Rain", 1), ("Flash Flood", "Flood", 1), ("Flood", "Flash Flood", 1),
                ("", "Heavy Rain", 1), ("Funnel Cloud", "Lightning", 1), ("Lightning", "Thunderstorm Wind", 1),
                ("Flood", "Thunderstorm Wind", 1), ("Hail", "Lightning", 1), ("", "Lightning", 1),
                ("Tropical Storm", "Hurricane (Typhoon)", 1), ("Coastal Flood", "", 1), ("Rip Current", "", 1),
                ("Heavy Snow", "", 1), ("Strong Wind", "", 1)]
FUNNEL_PREV = [("", 331), ("Hail", 150), ("Thunderstorm Wind", 135), ("Flash Flood", 28), ("Funnel Cloud", 22),
               ("Heavy Rain", 5), ("Flood", 2), ("Lightning", 2), ("Strong Wind", 2), ("Heavy Snow", 1),
               ("Rip Current", 1), ("Coastal Flood", 1), ("Tropical Storm", 1)]
FUNNEL_NEXT = [("", 332), ("Hail", 145), ("Thunderstorm Wind", 143), ("Flash Flood", 32), ("Funnel Cloud", 21),
               ("Lightning", 4), ("Heavy Rain", 2), ("Flood", 2), ("Hurricane (Typhoon)", 1)]
TW = "Thunderstorm Wind"
# episodes with several Tornado events, whose (prev, next) pairs share a prev or a next: the page's tables 2 and 3
# count such an episode once where table 1 counts it in each pair (28 + 3 + 1 + 1 more prevs, 29 + 1 + 2 nexts)
FUNNEL_SEVERAL = ([[("", ""), ("", "Hail"), ("Hail", "")]] * 20 + [[("", ""), ("", TW), (TW, "")]] * 8
                  + [[("", ""), ("Flash Flood", "")]]
                  + [[("Hail", "Hail"), ("Hail", other)] for other in (TW, "Flash Flood", "Funnel Cloud")]
                  + [[(TW, TW), (TW, "Hail")], [("Flash Flood", "Flash Flood"), ("Flash Flood", TW)],
                     [(TW, "Hail"), ("Funnel Cloud", "Hail")], [("Hail", TW), ("Funnel Cloud", TW)],
                     [("Heavy Rain", TW), ("Lightning", TW)]])
FUNNEL_QUERY = """// Looking on StormEvents statistics:
// Q1: What happens before Tornado event?
// Q2: What happens after Tornado event?
StormEvents
| evaluate funnel_sequence(EpisodeId, StartTime, datetime(2007-01-01), datetime(2008-01-01), 1d,365d, EventType, dynamic(['Tornado']))"""


def _episodes(paths: list[list[tuple[str, ...]]]):
    """StormEvents rows: each episode's paths (the states around the sequence) 3 days apart (farther than the
    1d MaxSequenceStepWindow), a 'Heat' event between them so that two of them never make one run."""
    from datetime import timedelta as span

    import pyarrow as pa

    rows: list[tuple[int, datetime, str]] = []
    for episode, episode_paths in enumerate(paths, 1):
        for k, path in enumerate(episode_paths):
            at = day("2007-01-01") + span(days=3 * k)
            if k:
                rows.append((episode, at - span(days=1, hours=12), "Heat"))
            rows.extend((episode, at + span(hours=i), state) for i, state in enumerate(path) if state)
    episodes, times, types = zip(*rows, strict=True)
    return pa.table({"EpisodeId": pa.array(episodes, pa.int64()), "StartTime": pa.array(times, pa.timestamp("us", "UTC")),
                     "EventType": pa.array(types)})


def funnel_storm_events():
    """Episodes whose Tornado events give the page's three tables."""
    left = {(p, n): count for p, n, count in FUNNEL_PAIRS}
    for pairs in FUNNEL_SEVERAL:
        for pair in pairs:
            left[pair] -= 1
    singles = [[pair] for pair, count in left.items() for _ in range(count)]
    return _episodes([[(p, "Tornado", n) for p, n in pairs] for pairs in FUNNEL_SEVERAL + singles])


def test_funnel_sequence_documented_example(connect_backend):
    con = connect_backend(tables={"StormEvents": funnel_storm_events()})
    try:
        result = con.query(FUNNEL_QUERY)
    finally:
        con.close()
    year = day("2007-01-01")
    assert [t.name for t in result.tables] == ["prev_sequence_next", "prev_sequence", "sequence_next"]
    first, by_prev, by_next = result.tables
    # the analyzer's schema; the page shows the tables without `samples`
    assert list(zip(first.columns, first.types, strict=True)) == [
        ("StartTime", "datetime"), ("prev", "string"), ("next", "string"), ("dcount", "long"), ("samples", "dynamic")]
    assert by_prev.columns == ["StartTime", "prev", "dcount", "samples"]
    assert by_next.columns == ["StartTime", "next", "dcount", "samples"]
    # the page's rows; its order among equal counts is its own (kqlite's: by the states)
    assert [r[:4] for r in first.rows()] == sorted([(year, p, n, c) for p, n, c in FUNNEL_PAIRS],
                                                   key=lambda r: (-r[3], r[1], r[2]))
    assert [r[:3] for r in by_prev.rows()] == sorted([(year, p, c) for p, c in FUNNEL_PREV], key=lambda r: (-r[2], r[1]))
    assert [r[:3] for r in by_next.rows()] == sorted([(year, n, c) for n, c in FUNNEL_NEXT], key=lambda r: (-r[2], r[1]))
    assert all(len(r[-1]) == min(r[-2], 128) for t in result.tables for r in t.rows())  # samples: up to 128 ids


def test_funnel_sequence_documented_second_example(connect_backend):
    # Hail -> Tornado -> Thunderstorm Wind with other events between the steps; the page shows table 3 only
    nexts = [("", 92), ("Hail", 41), ("Tornado", 14), ("Flash Flood", 11), ("Lightning", 2), ("Heavy Rain", 1),
             ("Flood", 1)]
    paths = [[("", "Hail", "Heat", "Tornado", "Funnel Cloud", TW, state)] for state, count in nexts
             for _ in range(count)]
    con = connect_backend(tables={"StormEvents": _episodes(paths)})
    try:
        result = con.query("""StormEvents
| evaluate funnel_sequence(
               EpisodeId,
               StartTime,
               datetime(2007-01-01),
               datetime(2008-01-01),
               1d,
               365d,
               EventType,
               dynamic(['Hail', 'Tornado', 'Thunderstorm Wind'])
           )""")
    finally:
        con.close()
    assert [r[:3] for r in result.more[1].rows()] == [(day("2007-01-01"), n, c)  # the page's rows (ties by name)
                                                      for n, c in sorted(nexts, key=lambda nc: (-nc[1], nc[0]))]
    # no state before the Hail: one prev, empty
    assert [r[1:4] for r in result.rows()][:2] == [("", "", 92), ("", "Hail", 41)]


def test_funnel_sequence_runs_windows_and_bins(con):
    query = """datatable(Id:long, T:long, S:string)[
        1, 1, "a", 1, 2, "b", 1, 3, "b", 1, 4, "c",  1, 30, "b", 1, 31, "a",
        2, 5, "b", 2, 12, "c",  3, 21, "a", 3, 22, "b", 3, 22, "x", 3, 23, "c", 3, 24, "d"]
    | evaluate funnel_sequence(Id, T, 0, 39, 2, 20, S, dynamic(['b', 'c']))"""
    result = con.query(query)
    assert list(zip(result.columns, result.types, strict=True)) == [
        ("T", "long"), ("prev", "string"), ("next", "string"), ("dcount", "long"), ("samples", "dynamic")]
    # bin 0: id 1's b run (2-3) then c at 4 (a before, nothing after within 2); id 2's c is 7 after its b;
    # bin 20: id 3's b at 22, then x, then c at 23 (a step may skip states), d after; id 1's b at 30 has no c
    assert [r[:4] for r in result.rows()] == [(0, "a", "", 1), (20, "a", "d", 1)]
    later = con.query(query + " | where dcount > 0 | summarize sum(dcount)")  # later operators read table 1
    assert later.rows() == [(2,)] and not later.more


def test_funnel_sequence_typed_states_and_refusals(con):
    query = """datatable(Id:string, T:datetime, S:long)["u", datetime(2024-01-01 10:00), 1,
        "u", datetime(2024-01-01 11:00), 2]
    | evaluate funnel_sequence(Id, T, datetime(2024-01-01), datetime(2024-01-02), 1h, 1d, S, dynamic([2]))"""
    result = con.query(query)
    assert result.types[1:3] == ["long", "long"]  # the state column's type; empty is null
    assert [r[1:4] for r in result.rows()] == [(1, None, 1)]
    with pytest.raises(KqlSemanticError, match="not a long") as caught:
        con.query(query.replace("dynamic([2])", "dynamic(['2'])"))
    assert caught.value.line == 3
    with pytest.raises(KqlSemanticError, match="takes 8 arguments"):
        con.query(query.replace(", dynamic([2]))", ")"))
    with pytest.raises(KqlSemanticError, match="MaxSequenceStepWindow"):
        con.query(query.replace("1h, 1d", "1, 1d"))
    with pytest.raises(KqlSemanticError, match="state column"):
        con.query(query.replace("1d, S,", "1d, strlen(Id),"))


# ---------------------------------------------------------------- the analyzer's schemas

ORACLE_QUERIES = {
    "funnel_sequence": "T | evaluate funnel_sequence(Id, T, datetime(2007-01-01), datetime(2008-01-01), 1d, 365d, S, "
                       "dynamic(['a']))",
    "funnel_sequence_int": "T | evaluate funnel_sequence(Id, I, 0, 10, 1, 5, N, dynamic([1]))",
    "new_activity_metrics_lookback": "let L = T | project Id; T | evaluate new_activity_metrics(Id, T, "
                                     "datetime(2007-01-01), datetime(2008-01-01), 1d, datetime(2007-01-01), S, L)",
}
ORACLE_SCHEMA = [("Id", "string"), ("T", "datetime"), ("S", "string"), ("N", "long"), ("I", "int")]


def test_the_analyzer_gives_these_schemas(con, tmp_path):
    """kqlite's output columns for the plugins built here, and Microsoft's analyzer's (skipped where it cannot run)."""
    import sys
    from pathlib import Path

    data = "let T = datatable(Id:string, T:datetime, S:string, N:long, I:int)['a', datetime(2007-01-02), 'a', 1, 1];\n"
    ours = {name: list(zip(r.columns, r.types, strict=True))
            for name, r in ((name, con.query(data + q)) for name, q in ORACLE_QUERIES.items())}
    assert ours["funnel_sequence_int"] == [("I", "int"), ("prev", "long"), ("next", "long"), ("dcount", "long"),
                                           ("samples", "dynamic")]
    sys.path.insert(0, str(Path(__file__).resolve().parent / "corpus"))
    from oracle import Oracle, OracleError, unavailable_reason

    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    (tmp_path / "T.csv").write_text("column,type\n" + "".join(f"{n},{t}\n" for n, t in ORACLE_SCHEMA))
    try:
        verdicts = Oracle().analyze(tmp_path, ORACLE_QUERIES)
    except OracleError as error:
        pytest.skip(f"the analyzer did not run: {error}")
    for name, verdict in verdicts.items():
        assert verdict.accepted, verdict.errors
        assert list(verdict.columns) == ours[name], name
