"""fork and facet: queries whose answer is several tables (data-explorer/kusto/query/fork-operator.md and
facet-operator.md). Their examples run on StormEvents, which kqlite does not have: the tables here are small
stand-ins with the columns the examples use, built so that the facet example's documented output is the
answer. On the engine under test (--backend); the command line's output through click's CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import kqlite
from kqlite.cli import main

# ---- facet: the documentation's example, over rows that give its documented output

WINDOW = [  # the `with` table of the documentation: the only rows of the 7 days from 2007-01-04
    ("ALASKA", "2007-01-04 12:00:00", "COOP Observer", 2192, "Heavy Snow"),
    ("ALASKA", "2007-01-04 15:00:00", "Trained Spotter", 2192, "Heavy Snow"),
    ("ALASKA", "2007-01-04 15:00:00", "Trained Spotter", 2192, "Heavy Snow"),
    ("ALASKA", "2007-01-04 15:00:00", "Trained Spotter", 2192, "Heavy Snow"),
    ("ALASKA", "2007-01-06 18:00:00", "COOP Observer", 2193, "Heavy Snow"),
]
# (State, EventType, rows) outside the window; with the window's, the documented facet counts
OTHERS = [("ALABAMA", "Heavy Rain", 19), ("ARIZONA", "Heavy Rain", 15), ("ARIZONA", "Heavy Snow", 18),
          ("ARKANSAS", "Heavy Snow", 1), ("AMERICAN SAMOA", "Heavy Snow", 1), ("ALASKA", "Heavy Snow", 53),
          # rows the example's `where` leaves out
          ("TEXAS", "Heavy Rain", 4), ("ALASKA", "Blizzard", 2)]


def _storm_events() -> str:
    rows = [f'"{s}", datetime({t}), "{src}", {e}, "{et}"' for s, t, src, e, et in WINDOW]
    rows += [f'"{s}", datetime(2007-03-01), "Public", 1, "{et}"' for s, et, n in OTHERS for _ in range(n)]
    return ("let StormEvents = datatable(State:string, StartTime:datetime, Source:string, EpisodeId:long, "
            "EventType:string) [" + ", ".join(rows) + "];\n")


FACET_EXAMPLE = _storm_events() + """StormEvents
| where State startswith "A" and EventType has "Heavy"
| facet by State, EventType
    with
    (
    where StartTime between(datetime(2007-01-04) .. 7d)
    | project State, StartTime, Source, EpisodeId, EventType
    | take 5
    )"""


def test_facet_documentation_example(con):
    result = con.query(FACET_EXAMPLE)
    with_table, states, event_types = result.tables
    assert [t.name for t in result.tables] == ["GenericResult", "State", "EventType"]
    assert with_table.columns == ["State", "StartTime", "Source", "EpisodeId", "EventType"]
    got = sorted((s, t.strftime("%Y-%m-%d %H:%M:%S"), src, e, et) for s, t, src, e, et in with_table.rows())
    assert got == sorted(WINDOW)
    assert (states.columns, states.types) == (["State", "count_State"], ["string", "long"])
    assert sorted(states.rows()) == sorted([("ALABAMA", 19), ("ARIZONA", 33), ("ARKANSAS", 1),
                                            ("AMERICAN SAMOA", 1), ("ALASKA", 58)])
    assert (event_types.columns, event_types.types) == (["EventType", "count_EventType"], ["string", "long"])
    assert sorted(event_types.rows()) == [("Heavy Rain", 34), ("Heavy Snow", 78)]


def test_facet_without_with_and_an_as_name(con):
    result = con.query('datatable(A:string, B:long) ["x", 1, "x", 2, "y", 2] | facet by B, A')
    assert [t.name for t in result.tables] == ["B", "A"]
    assert sorted(result.rows()) == [(1, 1), (2, 2)]
    named = con.query('datatable(A:string) ["x"] | facet by A with (count | as Total)')
    assert [t.name for t in named.tables] == ["Total", "A"] and named.rows() == [(1,)]


# ---- fork: the documentation's examples, over rows of their columns

STORMS = ('let StormEvents = datatable(State:string, DeathsDirect:long, DeathsIndirect:long, InjuriesDirect:long, '
          'InjuriesIndirect:long) ["FLORIDA", 2, 0, 0, 0, "FLORIDA", 0, 0, 1, 3, "FLORIDA", 1, 0, 0, 0, '
          '"TEXAS", 5, 5, 5, 5];\n')
DEATHS = [("FLORIDA", 2, 0, 0, 0)]
INJURIES = [("FLORIDA", 0, 0, 1, 3)]


def test_fork_unnamed_subqueries(con):
    result = con.query(STORMS + """StormEvents
| where State == "FLORIDA"
| fork
    ( where DeathsDirect + DeathsIndirect > 1)
    ( where InjuriesDirect + InjuriesIndirect > 1)""")
    assert [t.name for t in result.tables] == ["GenericResult", "GenericResult_1"]
    assert [t.rows() for t in result.tables] == [DEATHS, INJURIES]
    assert result.tables[1].columns == ["State", "DeathsDirect", "DeathsIndirect", "InjuriesDirect",
                                        "InjuriesIndirect"]


@pytest.mark.parametrize("legs", [
    "(where DeathsDirect + DeathsIndirect > 1 | as StormsWithDeaths)\n"
    "    (where InjuriesDirect + InjuriesIndirect > 1 | as StormsWithInjuries)",
    "StormsWithDeaths = (where DeathsDirect + DeathsIndirect > 1)\n"
    "    StormsWithInjuries = (where InjuriesDirect + InjuriesIndirect > 1)",
])
def test_fork_named_subqueries(con, legs):
    result = con.query(STORMS + f'StormEvents\n| where State == "FLORIDA"\n| fork\n    {legs}')
    assert [t.name for t in result.tables] == ["StormsWithDeaths", "StormsWithInjuries"]
    assert [t.rows() for t in result.tables] == [DEATHS, INJURIES]


def test_fork_legs_each_read_the_whole_input(con):
    result = con.query("range x from 1 to 5 step 1 | fork (summarize n = count(), s = sum(x)) "
                       "(top 2 by x) (where x > 3 | order by x asc | extend y = x * 2) A=(take 1 | as B) "
                       "(| project-rename z = x | sort by z desc | take 2)")
    assert [t.name for t in result.tables] == ["GenericResult", "GenericResult_1", "GenericResult_2", "A",
                                               "GenericResult_3"]
    assert result.tables[0].rows() == [(5, 15)]
    assert result.tables[1].rows() == [(5,), (4,)]
    assert result.tables[2].rows() == [(4, 8), (5, 10)]
    assert len(result.tables[3].rows()) == 1
    assert result.tables[4].columns == ["z"] and result.tables[4].rows() == [(5,), (4,)]


def test_fork_leg_names_made_unique(con):
    result = con.query("print x = 1 | fork A=(extend y = 1) A=(extend y = 2) (as A)")
    assert [t.name for t in result.tables] == ["A", "A_1", "A_2"]


def test_one_table_is_the_primary_result(con):
    result = con.query("print x = 1")
    assert result.name == "PrimaryResult" and result.tables == [result] and result.more == []


def test_each_table_is_truncated_by_the_request_limit(con):
    result = con.query("set truncationmaxrecords = 2; range x from 1 to 5 step 1 | fork (where x > 0) (take 1)")
    assert [len(t) for t in result.tables] == [2, 1]
    assert any("truncated" in n for n in result.tables[0].notes)


# ---- refusals: positioned, naming the limitation

@pytest.mark.parametrize("query, fragment, at", [
    ("print x = 1 | fork (take 1) (take 2) | take 1", "fork must be the last operator", "fork"),
    ("print x = 1 | facet by x | take 1", "facet must be the last operator", "facet"),
    ("let T = print x = 1 | fork (take 1) (take 2); T", "fork must be the last operator", "fork"),
    ("print x = 1 | union (print x = 2 | facet by x)", "facet must be the last operator", "facet"),
    ("print x = 1 | fork (take 1) (join (print x = 1) on x)", "'join' is not allowed in a fork subquery", "join"),
    ("print x = 1 | fork (take 1) (fork (take 1))", "'fork' is not allowed in a fork subquery", "fork (take 1))"),
    ("print x = 1 | fork (make-series count() on x step 1)", "'make-series' is not allowed", "make-series"),
    ("print x = 1 | facet by Zed", "'Zed'", "Zed"),
])
def test_refusals_name_the_limitation_at_its_place(con, query, fragment, at):
    with pytest.raises(kqlite.KqlSemanticError, match=fragment) as caught:
        con.query(query)
    assert caught.value.offset == query.index(at)


@pytest.mark.parametrize("query, fragment", [
    ("print x = 1 | fork", "a subquery in parentheses after 'fork'"),
    ("print x = 1 | fork ()", "a query operator inside the parentheses"),
    ("print x = 1 | fork A (take 1)", "'='"),
    ("print x = 1 | facet x", "'by'"),
    ("print x = 1 | facet by x with take 1", r"'\('"),
])
def test_syntax_errors(con, query, fragment):
    with pytest.raises(kqlite.KqlSyntaxError, match=fragment) as caught:
        con.query(query)
    assert caught.value.line == 1 and caught.value.column is not None


def test_stream_refuses_several_tables_and_explain_shows_each(con):
    query = "print x = 1 | fork A=(take 1) B=(count)"
    with pytest.raises(kqlite.KqlUnsupportedError, match="returns 2 tables"):
        con.stream(query)
    sql = con.explain(query).sql
    assert sql.index("-- A\n") < sql.index("-- B\n")
    assert "fork" in con.explain(query).operators


# ---- the command line: each table under its name

@pytest.fixture
def run():
    runner = CliRunner(env={"COLUMNS": "250"})
    return lambda *args: runner.invoke(main, list(args))


def test_cli_table_format_titles_each_table(run):
    result = run("query", 'print x = 1 | fork Ones=(project x) Counted=(count)')
    assert result.exit_code == 0, result.output
    assert result.stdout.index("Table Ones") < result.stdout.index("Table Counted")


def test_cli_json_and_csv_write_each_table_after_its_name(run):
    result = run("query", 'datatable(A:string) ["x", "x", "y"] | facet by A with (take 1)', "--format", "json")
    assert result.exit_code == 0, result.output
    assert [line for line in result.stderr.splitlines() if line.startswith("Table")] == ["Table GenericResult",
                                                                                         "Table A"]
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0] == {"A": "x"} and sorted(map(json.dumps, rows[1:])) == [
        '{"A": "x", "count_A": 2}', '{"A": "y", "count_A": 1}']
    csv_out = run("query", 'print x = 1 | fork (project x) (project y = 2)', "--format", "csv")
    assert csv_out.stdout.splitlines() == ["x", "1", "y", "2"]
