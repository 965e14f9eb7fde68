"""scan and partition: results worked out by hand from Kusto's documentation (scan-operator.md: its examples
and the scan logic walkthrough; partition-operator.md). Runs on the engine chosen with --backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import kqlite


@pytest.fixture(scope="module")
def con(connect_backend):
    connection = connect_backend()
    yield connection
    connection.close()


def minutes(*values: int) -> list[timedelta]:
    return [timedelta(minutes=v) for v in values]


EVENTS = """let Events = datatable (Ts: timespan, Event: string) [
    0m, "A", 1m, "Start", 2m, "B", 3m, "D", 4m, "Stop", 6m, "C", 8m, "Start", 11m, "E", 12m, "Stop"];
"""


def test_cumulative_sum_reads_rows_in_their_own_order(con):
    result = con.query("range x from 1 to 5 step 1 "
                       "| scan declare (cumulative_x:long=0) with (step s1: true => cumulative_x = x + s1.cumulative_x;)")
    assert result.columns == ["x", "cumulative_x"]
    assert result.rows() == [(1, 1), (2, 3), (3, 6), (4, 10), (5, 15)]


def test_two_running_sums_with_a_reset(con):
    rows = con.query("""range x from 1 to 5 step 1 | extend y = 2 * x
        | scan declare (cumulative_x:long=0, cumulative_y:long=0) with (
            step s1: true => cumulative_x = iff(s1.cumulative_x >= 10, x, x + s1.cumulative_x),
                             cumulative_y = iff(s1.cumulative_y >= 10, y, y + s1.cumulative_y);)""").rows()
    assert rows == [(1, 2, 1, 2), (2, 4, 3, 6), (3, 6, 6, 12), (4, 8, 10, 8), (5, 10, 5, 18)]


def test_fill_forward(con):
    rows = con.query("""datatable (Ts: timespan, Event: string) [0m, "A", 1m, "", 2m, "B", 3m, "", 4m, ""]
        | sort by Ts asc
        | scan declare (Event_filled: string="") with (
            step s1: true => Event_filled = iff(isempty(Event), s1.Event_filled, Event);)""").rows()
    assert [r[2] for r in rows] == ["A", "A", "B", "B", "B"]


def test_bare_declared_columns_read_their_defaults_and_unmatched_rows_are_not_output(con):
    # `cum` bare is the declared default (0), not the state: only s.cum carries from row to row
    rows = con.query("datatable(t:long, v:long)[1,5, 2,3, 3,99, 4,7] | sort by t asc "
                     "| scan declare (cum:long=0) with (step s: v != 99 => cum = cum + v;)").rows()
    assert rows == [(1, 5, 5), (2, 3, 3), (4, 7, 7)]


def test_sessions_with_match_ids_and_an_output_none_step(con):
    rows = con.query("""let Events = datatable (Ts: timespan, Event: string) [
            0m, "A", 1m, "A", 2m, "B", 3m, "D", 32m, "B", 36m, "C", 38m, "D", 41m, "E", 75m, "A"];
        Events | sort by Ts asc
        | scan with_match_id=session_id declare (sessionStart: timespan) with (
            step inSession: true => sessionStart = iff(isnull(inSession.sessionStart), Ts, inSession.sessionStart);
            step endSession output=none: Ts - inSession.sessionStart > 30m;)""").rows()
    assert [r[0] for r in rows] == minutes(0, 1, 2, 3, 32, 36, 38, 41, 75)
    assert [r[2] for r in rows] == minutes(0, 0, 0, 0, 32, 32, 32, 32, 75)
    assert [r[3] for r in rows] == [0, 0, 0, 0, 1, 1, 1, 1, 2]


def test_events_between_start_and_stop(con):
    result = con.query(EVENTS + """Events | sort by Ts asc
        | scan with_match_id=m_id with (
            step s1: Event == "Start";
            step s2: Event != "Start" and Event != "Stop" and Ts - s1.Ts <= 5m;
            step s3: Event == "Stop" and Ts - s1.Ts <= 5m;)""")
    assert result.columns == ["Ts", "Event", "m_id"]
    assert result.rows() == list(zip(minutes(1, 2, 3, 4, 8, 11, 12), ["Start", "B", "D", "Stop", "Start", "E", "Stop"],
                                     [0, 0, 0, 0, 1, 1, 1], strict=True))


def test_output_last_keeps_the_last_row_of_each_run_of_matches(con):
    # s2 matches B then D in one run: only D comes out, when Stop moves the sequence on to s3
    rows = con.query(EVENTS + """Events | sort by Ts asc
        | scan with_match_id=m_id with (
            step s1: Event == "Start";
            step s2 output=last: Event != "Start" and Event != "Stop" and Ts - s1.Ts <= 5m;
            step s3: Event == "Stop" and Ts - s1.Ts <= 5m;)""").rows()
    assert [(r[1], r[2]) for r in rows] == [("Start", 0), ("D", 0), ("Stop", 0), ("Start", 1), ("E", 1), ("Stop", 1)]


def test_a_then_b_within_minutes_per_device(con):
    """The hunting shape: a network logon, then a DCOM server's child process on the same device within
    2 minutes; one alert row per pair, per device."""
    rows = con.query("""datatable(DeviceId:string, Timestamp:datetime, ActionType:string, FileName:string) [
            "d1", datetime(2024-01-01 10:00), "LogonSuccess", "",
            "d1", datetime(2024-01-01 10:01), "ProcessCreated", "cmd.exe",
            "d2", datetime(2024-01-01 10:00), "LogonSuccess", "",
            "d2", datetime(2024-01-01 10:09), "ProcessCreated", "cmd.exe",
            "d1", datetime(2024-01-01 11:00), "ProcessCreated", "calc.exe"]
        | partition hint.strategy=native by DeviceId (
            sort by Timestamp asc
            | scan declare (LogonTime: datetime) with (
                step logon output=none: ActionType == "LogonSuccess" => LogonTime = Timestamp;
                step child: ActionType == "ProcessCreated" and Timestamp - logon.Timestamp <= 2m
                    => LogonTime = logon.LogonTime;))
        | project DeviceId, LogonTime, FileName""").rows()
    assert rows == [("d1", datetime(2024, 1, 1, 10, 0, tzinfo=UTC), "cmd.exe")]


def test_partition_runs_the_operators_on_each_value_apart(con):
    query = 'datatable(g:string, t:long)[ "a",1, "a",2, "a",3, "b",1, "b",2, "c",9 ] | partition by g ({})'
    assert sorted(con.query(query.format("top 2 by t desc")).rows()) == [("a", 2), ("a", 3), ("b", 1), ("b", 2),
                                                                          ("c", 9)]
    assert sorted(con.query(query.format("summarize n = count(), s = sum(t)")).rows()) == [(1, 9), (2, 3), (3, 6)]
    assert sorted(con.query(query.format("count")).rows()) == [(1,), (2,), (3,)]
    taken = con.query(query.format("take 1")).rows()  # any one row of each value
    assert sorted(g for g, _ in taken) == ["a", "b", "c"]
    assert all((g, t) in {("a", 1), ("a", 2), ("a", 3), ("b", 1), ("b", 2), ("c", 9)} for g, t in taken)


@pytest.mark.parametrize(("query", "message"), [
    ("range x from 1 to 3 step 1 | scan declare (c:long) with (step s: true => c = prev(x);)", "serialized"),
    ("range x from 1 to 3 step 1 | scan with (step s: true => c = x;)", "not declared"),
    ("range x from 1 to 3 step 1 | scan declare (c:long) with (step s: s.nope > 1;)", "no column 'nope'"),
    ("range x from 1 to 3 step 1 | scan declare (c:long) with (step s: true; step s: true;)", "two steps"),
    ("range x from 1 to 3 step 1 | scan declare (x:long) with (step s: true;)", "already has"),
    ("range x from 1 to 3 step 1 | scan with (step s: x;)", "must be bool"),
    ("range x from 1 to 3 step 1 | partition by nope (count)", "no such column"),
])
def test_scan_and_partition_errors_name_the_problem(con, query, message):
    with pytest.raises(kqlite.KqlSemanticError, match=message) as caught:
        con.query(query)
    assert caught.value.line == 1 and caught.value.column > 1
