"""Queries as the Defender portal and Kusto.Explorer run them: several queries in one text, `set` request
properties, `declare query_parameters`, a fixed clock (`set query_now`, `--now`), invisible characters
editors add, and tables with no schema typed from their data.

Expected values are worked out by hand from Kusto's documented behaviour."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest
from click.testing import CliRunner

import kqlite
from kqlite.cli import main
from kqlite.syntax.split import split_queries

# ---------------------------------------------------------------- several queries in one text

TEXT = """// Encoded PowerShell
DeviceProcessEvents
| where ProcessCommandLine has "-enc"

| project FileName


// Sign-ins by user
let lookback = 7d;

let noisy = dynamic(["svc"]);
SigninLogs
| where TimeGenerated > ago(lookback) and UserPrincipalName !in (noisy)
| summarize count() by UserPrincipalName

print x = ```a

b```
"""


def test_blank_lines_separate_queries_and_lets_and_comments_belong_to_the_next():
    queries = split_queries(TEXT)
    assert [q.line for q in queries] == [1, 8, 16]
    assert queries[0].text == ('// Encoded PowerShell\nDeviceProcessEvents\n| where ProcessCommandLine has "-enc"\n\n'
                               "| project FileName")  # a block starting with | continues the query above
    assert queries[1].text.startswith("// Sign-ins by user\nlet lookback = 7d;\n\nlet noisy")
    assert queries[1].text.endswith("by UserPrincipalName")
    assert queries[2].text == "print x = ```a\n\nb```"  # a blank line inside a string is the string's


def test_no_blank_line_inside_brackets_splits():
    text = "let f = (x:long) {\n  print x\n\n};\n\nf(1)\n\nprint 2"
    assert [q.text for q in split_queries(text)] == ["let f = (x:long) {\n  print x\n\n};\n\nf(1)", "print 2"]


def test_query_command_runs_each_query_under_its_own_heading(tmp_path):
    path = tmp_path / "hunts.kql"
    path.write_text(TEXT, encoding="utf-8")
    result = CliRunner().invoke(main, ["query", "-f", str(path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["FileName", "UserPrincipalName,count_", "x", '"a', "", 'b"']
    assert "Query 1 (line 1): Encoded PowerShell" in result.stderr
    assert "Query 2 (line 8): Sign-ins by user" in result.stderr
    one = CliRunner().invoke(main, ["query", "-f", str(path), "--select", "3", "--format", "json"])
    assert one.exit_code == 0, one.output
    assert [json.loads(line) for line in one.stdout.splitlines()] == [{"x": "a\n\nb"}]
    beyond = CliRunner().invoke(main, ["query", "-f", str(path), "--select", "4"])
    assert beyond.exit_code == 2 and "holds 3 queries" in beyond.output


def test_an_error_in_the_second_query_names_the_line_of_the_file(tmp_path):
    path = tmp_path / "hunts.kql"
    path.write_text("print 1\n\nprint 2\n| where nope == 1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["query", "-f", str(path)])
    assert result.exit_code == 2
    assert "line 4, column 9: unknown column or name 'nope'" in result.output


def test_bom_and_zero_width_spaces_are_white_space():
    con = kqlite.connect()
    assert con.query("\ufeffprint\u200b x = 1\u200d | project\u2060 x").rows() == [(1,)]
    assert con.query('print s = "a\u200bb" | extend n = strlen(s)').rows() == [("a\u200bb", 3)]  # kept in strings


# ---------------------------------------------------------------- set request properties


def test_query_now_fixes_now_and_ago():
    con = kqlite.connect()
    rows = con.query("set query_now = datetime(2024-05-01T10:00:00Z);\nprint n = now(), a = ago(1d)").rows()
    assert rows == [(datetime(2024, 5, 1, 10, tzinfo=UTC), datetime(2024, 4, 30, 10, tzinfo=UTC))]
    fixed = kqlite.connect(now=datetime(2023, 1, 1, tzinfo=UTC))
    assert fixed.query("print now()").rows() == [(datetime(2023, 1, 1, tzinfo=UTC),)]
    assert fixed.query("print now()", now=datetime(2022, 1, 1, tzinfo=UTC)).rows() == [
        (datetime(2022, 1, 1, tzinfo=UTC),)]


def test_now_option_on_the_command_line():
    result = CliRunner().invoke(main, ["query", "print t = ago(2h)", "--now", "2024-05-01T10:00:00Z",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"t": "2024-05-01T08:00:00.0000000Z"}
    bad = CliRunner().invoke(main, ["query", "print 1", "--now", "yesterday"])
    assert bad.exit_code == 2 and "not a datetime" in bad.output


def test_truncationmaxrecords_limits_the_result_and_says_so():
    con = kqlite.connect()
    result = con.query("set truncationmaxrecords = 3;\nrange x from 1 to 10 step 1")
    assert result.rows() == [(1,), (2,), (3,)]
    assert any("truncated to 3 records" in n for n in result.notes)
    assert con.query("set notruncation;\nrange x from 1 to 10 step 1 | count").rows() == [(10,)]


def test_servertimeout_is_the_query_timeout():
    con = kqlite.connect()
    slow = ("set servertimeout = 1s;\nrange x from 1 to 200000000 step 1 "
            "| extend y = hash_sha256(tostring(x)) | summarize dcount(y)")
    with pytest.raises(kqlite.KqlResourceError, match="timeout"):
        con.query(slow)


@pytest.mark.parametrize("statement", ["set query_datescope_column = 'Timestamp'", "set maxoutputcolumns = 5",
                                       "set made_up_option"])
def test_properties_that_would_change_the_answer_are_refused(statement):
    with pytest.raises(kqlite.KqlUnsupportedError, match="request property"):
        kqlite.connect().query(f"{statement};\nprint 1")


def test_result_neutral_properties_are_accepted():
    query = "set query_results_cache_max_age = 1d;\nset notruncation;\nprint 1"
    assert kqlite.connect().query(query).rows() == [(1,)]


# ---------------------------------------------------------------- query parameters

DECLARED = ("declare query_parameters(user:string, since:datetime = datetime(2024-01-01), n:long = 2, "
            "window:timespan = 1h, tags:dynamic = dynamic([]));\n"
            "print user, since, n, window, tags")


def test_parameters_take_given_values_else_defaults():
    con = kqlite.connect()
    rows = con.query(DECLARED, params={"user": "alice"}).rows()
    assert rows == [("alice", datetime(2024, 1, 1, tzinfo=UTC), 2, timedelta(hours=1), [])]
    given = con.query(DECLARED, params={"user": "bob", "since": datetime(2024, 6, 1, tzinfo=UTC), "n": 5,
                                        "window": timedelta(minutes=5), "tags": ["a", "b"]}).rows()
    assert given == [("bob", datetime(2024, 6, 1, tzinfo=UTC), 5, timedelta(minutes=5), ["a", "b"])]


def test_parameter_text_is_read_as_kql_of_the_declared_type():
    con = kqlite.connect()
    rows = con.query(DECLARED, params={"user": "42", "since": "2024-06-01T10:00:00Z", "n": "7", "window": "2d",
                                       "tags": 'dynamic(["x"])'}).rows()
    assert rows == [("42", datetime(2024, 6, 1, 10, tzinfo=UTC), 7, timedelta(days=2), ["x"])]
    with pytest.raises(kqlite.KqlSemanticError, match="'n': 'many' is not a long"):
        con.query(DECLARED, params={"user": "a", "n": "many"})


def test_a_parameter_without_value_or_default_is_an_error_saying_how_to_give_it():
    with pytest.raises(kqlite.KqlSemanticError, match="query parameter 'user' has no value") as error:
        kqlite.connect().query(DECLARED)
    assert "--param user=VALUE" in str(error.value)


def test_param_option_on_the_command_line():
    result = CliRunner().invoke(main, ["query", DECLARED, "--param", "user=carol", "--param", "n=3",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["print_0"] == "carol" and json.loads(result.stdout)["print_2"] == 3


# ---------------------------------------------------------------- the clock warning

OLD_ROWS = pa.table({"Timestamp": pa.array([datetime(2021, 8, 2, 13, 0)], pa.timestamp("us")),
                     "FileName": ["mmc.exe"]})


def test_a_lookback_that_misses_all_the_evidence_says_how_to_set_the_clock():
    con = kqlite.connect(tables={"DeviceProcessEvents": OLD_ROWS})
    result = con.query("DeviceProcessEvents | where Timestamp > ago(7d)")
    assert len(result) == 0
    assert any("--now 2021-08-02T13:00:00Z" in n and "set query_now" in n for n in result.notes)
    at_its_time = con.query("DeviceProcessEvents | where Timestamp > ago(7d) | project FileName",
                            now=datetime(2021, 8, 3, tzinfo=UTC))
    assert at_its_time.rows() == [("mmc.exe",)] and at_its_time.notes == []


def test_no_clock_warning_when_rows_fall_inside_the_window_or_there_is_no_lookback():
    recent = pa.table({"Timestamp": pa.array([datetime.now(UTC).replace(tzinfo=None)], pa.timestamp("us")),
                       "FileName": ["a"]})
    con = kqlite.connect(tables={"DeviceProcessEvents": recent})
    assert con.query("DeviceProcessEvents | where Timestamp > ago(7d) and FileName == 'b'").notes == []
    old = kqlite.connect(tables={"DeviceProcessEvents": OLD_ROWS})
    assert old.query("DeviceProcessEvents | where FileName == 'b'").notes == []


def test_the_clock_warning_reaches_the_terminal(tmp_path):
    path = tmp_path / "DeviceProcessEvents.parquet"
    import pyarrow.parquet as pq

    pq.write_table(OLD_ROWS, path)
    result = CliRunner().invoke(main, ["query", "DeviceProcessEvents | where Timestamp > ago(1d)",
                                       "--table", f"DeviceProcessEvents={path}"])
    assert result.exit_code == 0
    assert "note: every row is older than the query's ago() window" in result.stderr


# ---------------------------------------------------------------- tables without a schema


def test_tables_without_a_schema_are_typed_from_their_data(tmp_path):
    path = tmp_path / "Indicators.csv"
    path.write_text('Timestamp,Score,Active,Context\n2024-05-01T10:00:00Z,5,true,"{""tag"": ""apt""}"\n'
                    '2024-05-02T10:00:00.1234567Z,7,false,"[1, 2]"\n', encoding="utf-8")
    con = kqlite.connect(tables={"Indicators": str(path)})
    result = con.query("Indicators | where Timestamp > datetime(2024-05-01T12:00) "
                       "| extend Tag = tostring(Context[0])")
    assert result.types == ["datetime", "long", "bool", "dynamic", "string"]
    assert result.rows() == [(datetime(2024, 5, 2, 10, 0, 0, 123456, tzinfo=UTC), 7, False, [1, 2], "1")]


# ---------------------------------------------------------------- errors that say what to do


def test_sql_equality_in_a_filter_says_to_use_double_equals():
    with pytest.raises(kqlite.KqlSyntaxError) as error:
        kqlite.connect().query('DeviceProcessEvents | where FileName = "cmd.exe"')
    assert "line 1, column 38: expected '==' to compare, found '='" in str(error.value)


def test_a_path_given_where_the_query_belongs_suggests_what_to_do(tmp_path):
    rule = tmp_path / "rule.kql"
    rule.write_text("print 1", encoding="utf-8")
    data = tmp_path / "Events.csv"
    data.write_text("a\n1\n", encoding="utf-8")
    as_query = CliRunner().invoke(main, ["query", str(rule)])
    assert as_query.exit_code == 2 and f"use -f {rule}" in as_query.output
    as_data = CliRunner().invoke(main, ["query", str(data)])
    assert as_data.exit_code == 2 and "is data, not a query" in as_data.output
