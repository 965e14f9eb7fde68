"""The find operator (issue 12): the documentation's examples over its two tables give its outputs, and the
output columns (names, types, order) are the analyzer's for a set of find queries. Runs on the engine under
test (--backend)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow as pa
import pytest

import kqlite

sys.path.insert(0, str(Path(__file__).resolve().parent / "corpus"))
from oracle import Oracle, unavailable_reason  # noqa: E402

S1, S2 = "acbd207d-51aa-4df7-bfa7-be70eb68f04e", "28b8e46e-3c31-43cf-83cb-48921c3986fc"
S3, S4 = "8f057b11-3281-45c3-a856-05ebb18a3c59", "f7d5f95f-f580-4ea6-830b-5776c8d64fdd"
S5 = "15eaeab5-8576-4b58-8fc6-478f75d8fee4"
EVENTS1 = pa.table({"Session_Id": [S1, S1, S2, S3], "Level": ["Information", "Error", "Error", "Information"],
                    "EventText": ["Some Text1", "Some Text2", "Some Text3", "Some Text4"],
                    "Version": ["v1.0.0", "v1.0.0", "v1.0.1", "v1.1.0"]})
EVENTS2 = pa.table({"Session_Id": [S4, S1, S1, S5], "Level": ["Information", "Information", "Error", "Error"],
                    "EventText": ["Some Other Text1", "Some Other Text2", "Some Other Text3", "Some Other Text4"],
                    "EventName": ["Event1", "Event2", "Event3", "Event4"]})
TYPED1 = pa.table({"Level": ["a"], "Timestamp": pa.array([0], pa.timestamp("us", tz="UTC")), "ProcessId": ["1001"]})
TYPED2 = pa.table({"Level": ["b"], "Timestamp": pa.array([0], pa.timestamp("us", tz="UTC")), "ProcessId": [1001]})
SCHEMAS = {"EventsTable1": [("Session_Id", "string"), ("Level", "string"), ("EventText", "string"), ("Version", "string")],
           "EventsTable2": [("Session_Id", "string"), ("Level", "string"), ("EventText", "string"),
                            ("EventName", "string")],
           "Table1": [("Level", "string"), ("Timestamp", "datetime"), ("ProcessId", "string")],
           "Table2": [("Level", "string"), ("Timestamp", "datetime"), ("ProcessId", "long")]}


@pytest.fixture(scope="module")
def con(connect_backend):
    return connect_backend(tables={"EventsTable1": EVENTS1, "EventsTable2": EVENTS2, "Table1": TYPED1,
                                   "Table2": TYPED2})


def _order(row: tuple) -> str:
    """A sort key that does not depend on a bag's key order (Spark keeps keys sorted)."""
    return json.dumps(row, sort_keys=True, default=str)


def rows(con, kql: str) -> list[tuple]:
    return sorted(con.query(kql).rows(), key=_order)


def expect(wanted: list[tuple]) -> list[tuple]:
    return sorted(wanted, key=_order)


def test_common_and_uncommon_columns_projected_and_the_rest_packed(con):
    result = con.query(f"find in (EventsTable1, EventsTable2) where Session_Id == '{S1}' and Level == 'Error' "
                       "project EventText, Version, EventName, pack_all()")
    assert result.columns == ["source_", "EventText", "Version", "EventName", "pack_"]
    assert sorted(result.rows(), key=_order) == expect([
        ("EventsTable1", "Some Text2", "v1.0.0", "", {"Session_Id": S1, "Level": "Error"}),
        ("EventsTable2", "Some Other Text3", "", "Event3", {"Session_Id": S1, "Level": "Error"})])


def test_each_table_reads_the_columns_it_lacks_as_null(con):
    assert rows(con, "find in (EventsTable1, EventsTable2) where Version == 'v1.0.0' or EventName == 'Event1' "
                     "project Session_Id, EventText, Version, EventName") == expect([
        ("EventsTable1", S1, "Some Text1", "v1.0.0", ""), ("EventsTable1", S1, "Some Text2", "v1.0.0", ""),
        ("EventsTable2", S4, "Some Other Text1", "", "Event1")])


def test_project_smart_keeps_the_common_columns_and_packs_the_rest(con):
    result = con.query(f"find in (EventsTable1, EventsTable2) where Session_Id == '{S1}'")
    assert result.columns == ["source_", "Session_Id", "Level", "EventText", "pack_"]
    assert sorted(result.rows(), key=_order) == expect([
        ("EventsTable1", S1, "Error", "Some Text2", {"Version": "v1.0.0"}),
        ("EventsTable1", S1, "Information", "Some Text1", {"Version": "v1.0.0"}),
        ("EventsTable2", S1, "Error", "Some Other Text3", {"EventName": "Event3"}),
        ("EventsTable2", S1, "Information", "Some Other Text2", {"EventName": "Event2"})])


def test_each_row_as_a_property_bag(con):
    assert rows(con, f"find in (EventsTable1) where Session_Id == '{S1}' project pack_all()") == expect([
        ("EventsTable1", {"Session_Id": S1, "Level": "Error", "EventText": "Some Text2", "Version": "v1.0.0"}),
        ("EventsTable1", {"Session_Id": S1, "Level": "Information", "EventText": "Some Text1", "Version": "v1.0.0"})])


def test_terms_wildcards_withsource_and_tabular_expressions(con):
    assert sorted(r[:2] for r in rows(con, "find withsource=Table in (Events*) where * has 'Text3'")) == [
        ("EventsTable1", S2), ("EventsTable2", S1)]
    assert [r[0] for r in rows(con, "find in (EventsTable1, (EventsTable2 | where Level == 'Error')) "
                                    "where Level == 'Error'")].count("EventsTable2") == 2
    # a table with none of the predicate's columns takes no part: Table1/2 have no Version
    assert {r[0] for r in rows(con, "find in (EventsTable1, EventsTable2, Table1) where Version == 'v1.1.0' "
                                    "project Level")} == {"EventsTable1"}


def test_a_column_of_two_types(con):
    # the predicate type-checks only where ProcessId is a long: Table1 (a string ProcessId) gives no row
    result = con.query("find in (Table1, Table2) where ProcessId == 1001 project Level, ProcessId:string")
    assert result.types == ["string", "string", "string"]
    assert sorted(result.rows()) == [("Table2", "b", "1001")]
    smart = con.query("find in (Table1, Table2) where ProcessId == 1001")
    assert smart.types == ["string", "string", "datetime", "dynamic"]  # the analyzer's: two types -> dynamic
    assert [row[-1] for row in smart.rows()] == [1001]
    with pytest.raises(kqlite.KqlSemanticError, match="several types"):
        con.query("find in (Table1, Table2) where Level == 'a' project ProcessId")


@pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))
def test_output_columns_are_the_analyzers(tmp_path):
    for name, columns in SCHEMAS.items():
        (tmp_path / f"{name}.csv").write_text("column,type\n" + "".join(f"{c},{t}\n" for c, t in columns))
    queries = [
        "find in (EventsTable1, EventsTable2) where Version == 'v1.0.0' or EventName == 'Event1' "
        "project Session_Id, EventText, Version, EventName",
        "find in (EventsTable1, EventsTable2) where Session_Id == 'x'",
        "find in (EventsTable1, EventsTable2) where Version == 'v1'",
        "find withsource=T in (EventsTable1, EventsTable2) where Level == 'Error' and Version == 'v1'",
        "find in (EventsTable1, EventsTable2) where * has 'Text'",
        "find in (Events*) where Level == 'Error' project-smart",
        "find in (Table1, Table2) where ProcessId == 1001",
        "find in (Table1, Table2) where ProcessId == 1001 project Level, Timestamp, ProcessId:string",
        "find in (EventsTable1, EventsTable2, Table1, Table2) where Level has 'x'",
    ]
    verdicts = Oracle(functions=None).analyze(tmp_path, {str(i): q for i, q in enumerate(queries)})
    tables = {n: pa.table({c: pa.array([], {"string": pa.string(), "datetime": pa.timestamp("us", tz="UTC"),
                                             "long": pa.int64()}[t]) for c, t in cols})
              for n, cols in SCHEMAS.items()}
    con = kqlite.connect(tables=tables)
    for i, query in enumerate(queries):
        verdict = verdicts[str(i)]
        assert verdict.accepted, (query, verdict.errors)
        result = con.query(query)
        assert list(zip(result.columns, result.types, strict=True)) == list(verdict.columns), query
