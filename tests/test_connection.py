"""The Python API: kqlite.connect(), Connection.attach()/query()/explain(), and Result.

Every expected value below is worked out by hand from the data built in this file and from Kusto's
rules (strings are never null, missing columns read as empty, datetimes are UTC), not by running kqlite.
Where kqlite disagrees, the test keeps the correct expectation and is marked ``xfail(strict=True)``
with the reason, so a fix turns it into an XPASS failure that asks for the mark to be removed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import kqlite
from kqlite.schemas import table_schema

PROCESS = "DeviceProcessEvents"
SEED = (resources.files("kqlite") / "rules" / "remote_dcom_child_proc.kql").read_text(encoding="utf-8")


def dt(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def schema_names(table: str) -> list[str]:
    return [name for name, _ in table_schema(table)]


def schema_types(table: str) -> list[str]:
    return [kql_type for _, kql_type in table_schema(table)]


def typed(rows: list[tuple]) -> list[tuple]:
    """Cells paired with their Python type, so True never passes for 1 nor 1.0 for 1."""
    return [tuple((type(v).__name__, v) for v in row) for row in rows]


# ---------------------------------------------------------------- no data attached


@pytest.mark.parametrize("table", ["DeviceProcessEvents", "DeviceInfo", "SigninLogs", "EmailEvents"])
def test_bundled_tables_are_queryable_and_empty_without_data(table):
    con = kqlite.connect()
    counted = con.query(f"{table} | count")
    assert counted.columns == ["Count"]
    assert counted.types == ["long"]
    assert typed(counted.rows()) == [(("int", 0),)]
    empty = con.query(f"{table} | take 0")
    assert empty.columns == schema_names(table)
    assert empty.types == schema_types(table)
    assert empty.rows() == []
    assert len(empty) == 0


def test_device_process_events_count_and_column_order_without_data():
    con = kqlite.connect()
    assert con.query("DeviceProcessEvents | count").rows() == [(0,)]
    res = con.query("DeviceProcessEvents | take 0")
    assert res.columns == schema_names(PROCESS)
    assert res.columns[:4] == ["Timestamp", "DeviceId", "DeviceName", "ActionType"]
    assert len(res.columns) == 69
    assert res.columns[-1] == "LogonID"  # documented beside LogonId: both kept, as Kusto keeps them


# ---------------------------------------------------------------- Defender-shaped data, five formats

# Three DeviceProcessEvents rows with only four of the 68 schema columns, plus a column `Extra` that the
# schema does not have. Row 2 has a null DeviceName and a null Extra, row 3 a null FileName and ProcessId.
TIMES = [dt(2024, 5, 1, 10, 0, 0), dt(2024, 5, 1, 10, 0, 1, 500000), dt(2024, 5, 1, 10, 0, 2, 123456)]
DEVICES = ["ws-01", None, "ws-03"]
FILES = ["cmd.exe", "mmc.exe", None]
PIDS = [4242, 3572, None]
EXTRAS = ["alpha", None, "gamma"]
# The same timestamps as text, as Defender exports write them (Z, 0, 7 and 6 fractional digits).
TIME_TEXT = ["2024-05-01T10:00:00Z", "2024-05-01T10:00:01.5000000Z", "2024-05-01T10:00:02.123456Z"]


def small_arrow() -> pa.Table:
    return pa.table(
        {
            "Timestamp": pa.array(TIMES, pa.timestamp("us", tz="UTC")),
            "DeviceName": pa.array(DEVICES, pa.string()),
            "FileName": pa.array(FILES, pa.string()),
            "ProcessId": pa.array(PIDS, pa.int64()),
            "Extra": pa.array(EXTRAS, pa.string()),
        }
    )


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(row) for row in [header, *rows]) + "\n", encoding="utf-8")
    return path


def small_source(kind: str, tmp_path: Path):
    if kind == "arrow":
        return small_arrow()
    if kind == "pandas":
        return small_arrow().to_pandas()  # ProcessId becomes float64 with NaN: kqlite must make it long
    if kind == "parquet":
        path = tmp_path / "process.parquet"
        pq.write_table(small_arrow(), path)
        return path
    if kind == "csv":
        rows = [
            [t, d or "", f or "", "" if p is None else str(p), e or ""]
            for t, d, f, p, e in zip(TIME_TEXT, DEVICES, FILES, PIDS, EXTRAS, strict=True)
        ]
        return str(
            write_csv(
                tmp_path / "process.csv", ["Timestamp", "DeviceName", "FileName", "ProcessId", "Extra"], rows
            )
        )
    if kind == "jsonl":
        path = tmp_path / "process.jsonl"
        lines = [
            {"Timestamp": t, "DeviceName": d, "FileName": f, "ProcessId": p, "Extra": e}
            for t, d, f, p, e in zip(TIME_TEXT, DEVICES, FILES, PIDS, EXTRAS, strict=True)
        ]
        path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
        return str(path)
    raise AssertionError(kind)


KINDS = ["arrow", "pandas", "parquet", "csv", "jsonl"]


@pytest.fixture(params=KINDS)
def attached(request, tmp_path):
    """A connection with the small data attached as DeviceProcessEvents, once through connect(tables=...)
    and once through attach() (the parametrisation alternates the two per format)."""
    source = small_source(request.param, tmp_path)
    if request.param in ("arrow", "parquet", "jsonl"):
        return kqlite.connect(tables={PROCESS: source})
    con = kqlite.connect()
    con.attach(PROCESS, source)
    return con


def test_attached_rows_and_types(attached):
    res = attached.query(
        "DeviceProcessEvents | project Timestamp, DeviceName, FileName, ProcessId, Extra | sort by Timestamp asc"
    )
    assert res.columns == ["Timestamp", "DeviceName", "FileName", "ProcessId", "Extra"]
    assert res.types == ["datetime", "string", "string", "long", "string"]
    assert typed(res.rows()) == typed(
        [
            (dt(2024, 5, 1, 10, 0, 0), "ws-01", "cmd.exe", 4242, "alpha"),
            (dt(2024, 5, 1, 10, 0, 1, 500000), "", "mmc.exe", 3572, ""),
            (dt(2024, 5, 1, 10, 0, 2, 123456), "ws-03", "", None, "gamma"),
        ]
    )
    for row in res.rows():
        assert row[0].tzinfo is UTC


def test_attached_table_keeps_schema_order_and_appends_extra_columns(attached):
    res = attached.query("DeviceProcessEvents | take 0")
    assert res.columns == schema_names(PROCESS) + ["Extra"]
    assert res.types == schema_types(PROCESS) + ["string"]


def test_columns_the_data_lacks_read_as_empty_string_or_null(attached):
    res = attached.query(
        "DeviceProcessEvents | where ProcessId == 4242"
        " | project FolderPath, AdditionalFields, FileSize, ProcessCreationTime, IsProcessRemoteSession"
    )
    assert res.types == ["string", "string", "long", "datetime", "bool"]
    assert typed(res.rows()) == typed([("", "", None, None, None)])


def test_extra_column_is_queryable(attached):
    assert attached.query('DeviceProcessEvents | where Extra == "alpha" | project ProcessId').rows() == [
        (4242,)
    ]
    assert attached.query('DeviceProcessEvents | where Extra startswith "g" | project FileName').rows() == [
        ("",)
    ]
    res = attached.query("DeviceProcessEvents | where isempty(Extra) | project FileName, n = strlen(Extra)")
    assert typed(res.rows()) == typed([("mmc.exe", 0)])


def test_strings_are_never_null(attached):
    assert attached.query(
        "DeviceProcessEvents | where isnull(DeviceName) or isnull(FileName) or isnull(Extra) or isnull(FolderPath)"
        " | count"
    ).rows() == [(0,)]
    assert attached.query("DeviceProcessEvents | where isempty(DeviceName) | project FileName").rows() == [
        ("mmc.exe",)
    ]
    assert attached.query("DeviceProcessEvents | where isnull(ProcessId) | project DeviceName").rows() == [
        ("ws-03",)
    ]
    for row in attached.query("DeviceProcessEvents | project DeviceName, FileName, Extra, SHA256").rows():
        assert None not in row


def test_attached_data_counts_and_aggregates(attached):
    res = attached.query(
        "DeviceProcessEvents | summarize n = count(), total = sum(ProcessId), latest = max(Timestamp)"
    )
    assert res.types == ["long", "long", "datetime"]
    assert typed(res.rows()) == typed([(3, 4242 + 3572, dt(2024, 5, 1, 10, 0, 2, 123456))])


def test_csv_timestamps_with_zero_to_seven_fractional_digits(tmp_path):
    texts = [
        "2024-05-01T10:00:00Z",
        "2024-05-01T10:00:01.5Z",
        "2024-05-01T10:00:02.25Z",
        "2024-05-01T10:00:03.125Z",
        "2024-05-01T10:00:04.1234Z",
        "2024-05-01T10:00:05.12345Z",
        "2024-05-01T10:00:06.123456Z",
        "2024-05-01T10:00:07.9800000Z",
    ]
    path = write_csv(
        tmp_path / "p.csv", ["Timestamp", "ProcessId"], [[t, str(i)] for i, t in enumerate(texts)]
    )
    con = kqlite.connect(tables={PROCESS: path})
    res = con.query("DeviceProcessEvents | project ProcessId, Timestamp | sort by ProcessId asc")
    assert res.types == ["long", "datetime"]
    assert res.rows() == [
        (0, dt(2024, 5, 1, 10, 0, 0)),
        (1, dt(2024, 5, 1, 10, 0, 1, 500000)),
        (2, dt(2024, 5, 1, 10, 0, 2, 250000)),
        (3, dt(2024, 5, 1, 10, 0, 3, 125000)),
        (4, dt(2024, 5, 1, 10, 0, 4, 123400)),
        (5, dt(2024, 5, 1, 10, 0, 5, 123450)),
        (6, dt(2024, 5, 1, 10, 0, 6, 123456)),
        (7, dt(2024, 5, 1, 10, 0, 7, 980000)),
    ]
    # the text forms compare equal to the matching datetime literals
    assert con.query(
        "DeviceProcessEvents | where Timestamp == datetime(2024-05-01T10:00:05.12345Z) | project ProcessId"
    ).rows() == [(5,)]


def test_csv_booleans_and_utc_offset(tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        ["Timestamp", "ProcessId", "IsProcessRemoteSession"],
        [["2024-05-01T10:00:00+00:00", "1", "True"], ["2024-05-01T10:00:00.5Z", "2", "false"], ["", "3", ""]],
    )
    con = kqlite.connect(tables={PROCESS: path})
    res = con.query(
        "DeviceProcessEvents | project ProcessId, Timestamp, IsProcessRemoteSession | sort by ProcessId asc"
    )
    assert typed(res.rows()) == typed(
        [(1, dt(2024, 5, 1, 10, 0, 0), True), (2, dt(2024, 5, 1, 10, 0, 0, 500000), False), (3, None, None)]
    )


def test_csv_datetime_with_non_utc_offset_is_converted_to_utc(tmp_path):
    path = write_csv(tmp_path / "p.csv", ["Timestamp", "ProcessId"], [["2024-05-01T12:00:00+02:00", "1"]])
    con = kqlite.connect(tables={PROCESS: path})
    assert con.query("DeviceProcessEvents | project Timestamp").rows() == [(dt(2024, 5, 1, 10, 0, 0),)]


def test_seven_digit_timestamps_keep_their_last_tick(tmp_path):
    path = write_csv(tmp_path / "p.csv", ["Timestamp", "ProcessId"], [["2024-05-01T10:00:07.1234567Z", "1"]])
    con = kqlite.connect(tables={PROCESS: path})
    assert con.query("DeviceProcessEvents | project s = tostring(Timestamp)").rows() == [
        ("2024-05-01T10:00:07.1234567Z",)
    ]
    assert con.query(
        "DeviceProcessEvents | where Timestamp > datetime(2024-05-01T10:00:07.1234561Z) | count"
    ).rows() == [(1,)]


def test_arrow_timestamps_in_other_zones_and_units_are_utc():
    berlin = pa.array([dt(2024, 5, 1, 10, 0, 0)], pa.timestamp("us", tz="Europe/Berlin"))  # 12:00 local
    naive_ns = pa.array([1714557601_000000000], pa.timestamp("ns"))  # 2024-05-01T10:00:01 UTC
    con = kqlite.connect(tables={PROCESS: pa.table({"Timestamp": berlin, "ProcessCreationTime": naive_ns})})
    assert con.query("DeviceProcessEvents | project Timestamp, ProcessCreationTime").rows() == [
        (dt(2024, 5, 1, 10, 0, 0), dt(2024, 5, 1, 10, 0, 1))
    ]


# ---------------------------------------------------------------- tables with no bundled schema

MY_EXPECTED_COLUMNS = ["L", "R", "S", "T", "B"]
MY_EXPECTED_TYPES = ["long", "real", "string", "datetime", "bool"]
MY_EXPECTED_ROWS = [
    (7, 1.5, "x", dt(2024, 1, 1, 8, 30, 0), True),
    (None, None, "", None, None),
]


def my_arrow() -> pa.Table:
    return pa.table(
        {
            "L": pa.array([7, None], pa.int64()),
            "R": pa.array([1.5, None], pa.float64()),
            "S": pa.array(["x", None], pa.string()),
            "T": pa.array([dt(2024, 1, 1, 8, 30, 0), None], pa.timestamp("us", tz="UTC")),
            "B": pa.array([True, None], pa.bool_()),
        }
    )


def my_source(kind: str, tmp_path: Path):
    if kind == "arrow":
        return my_arrow()
    if kind == "pandas":
        return pd.DataFrame(
            {
                "L": pd.array([7, None], dtype="Int64"),
                "R": [1.5, None],
                "S": ["x", None],
                "T": pd.to_datetime(["2024-01-01T08:30:00Z", None], utc=True),
                "B": pd.array([True, None], dtype="boolean"),
            }
        )
    if kind == "parquet":
        pq.write_table(my_arrow(), tmp_path / "my.parquet")
        return tmp_path / "my.parquet"
    if kind == "jsonl":
        path = tmp_path / "my.jsonl"
        path.write_text(
            '{"L": 7, "R": 1.5, "S": "x", "T": "2024-01-01T08:30:00Z", "B": true}\n'
            '{"L": null, "R": null, "S": null, "T": null, "B": null}\n',
            encoding="utf-8",
        )
        return str(path)
    raise AssertionError(kind)


@pytest.mark.parametrize("how", ["connect", "attach"])
@pytest.mark.parametrize("kind", ["arrow", "pandas", "parquet", "jsonl"])
def test_unknown_table_is_typed_from_its_data(kind, how, tmp_path):
    source = my_source(kind, tmp_path)
    if how == "connect":
        con = kqlite.connect(tables={"MyEvents": source})
    else:
        con = kqlite.connect()
        con.attach("MyEvents", source)
    res = con.query("MyEvents | sort by L asc")  # asc puts nulls first in Kusto
    assert res.columns == MY_EXPECTED_COLUMNS
    assert res.types == MY_EXPECTED_TYPES
    assert typed(res.rows()) == typed(MY_EXPECTED_ROWS[::-1])
    derived = con.query(
        "MyEvents | where L > 5 | project l = L * 2, r = R + 1, t = T + 1h, b = not(B), s = strcat(S, 'y')"
    )
    assert derived.types == ["long", "real", "datetime", "bool", "string"]
    assert typed(derived.rows()) == typed([(14, 2.5, dt(2024, 1, 1, 9, 30, 0), False, "xy")])
    # the bundled tables are still there, still empty
    assert con.query("DeviceProcessEvents | count").rows() == [(0,)]


def test_unknown_table_from_csv_is_typed_from_its_data(tmp_path):
    path = write_csv(
        tmp_path / "my.csv",
        MY_EXPECTED_COLUMNS,
        [["7", "1.5", "x", "2024-01-01T08:30:00Z", "true"], ["8", "", "", "", ""]],
    )
    con = kqlite.connect(tables={"MyEvents": path})
    res = con.query("MyEvents | sort by L desc")
    assert res.types == MY_EXPECTED_TYPES
    assert typed(res.rows()) == typed([(8, None, "", None, None), MY_EXPECTED_ROWS[0]])


# ---------------------------------------------------------------- data errors


def test_missing_file_is_a_data_error_naming_the_table(tmp_path):
    missing = tmp_path / "nope.parquet"
    with pytest.raises(kqlite.KqlDataError) as caught:
        kqlite.connect(tables={PROCESS: missing})
    assert "DeviceProcessEvents" in str(caught.value)
    assert "nope.parquet" in str(caught.value)
    con = kqlite.connect()
    with pytest.raises(kqlite.KqlDataError, match="MyEvents"):
        con.attach("MyEvents", str(missing))


def test_unknown_extension_is_a_data_error_naming_the_table(tmp_path):
    path = tmp_path / "process.txt"
    path.write_text("Timestamp,ProcessId\n2024-05-01T10:00:00Z,1\n", encoding="utf-8")
    with pytest.raises(kqlite.KqlDataError) as caught:
        kqlite.connect().attach(PROCESS, path)
    assert "DeviceProcessEvents" in str(caught.value)
    assert "process.txt" in str(caught.value)


def bad_process_id(kind: str, tmp_path: Path):
    if kind == "csv":
        return write_csv(
            tmp_path / "bad.csv",
            ["Timestamp", "ProcessId"],
            [["2024-05-01T10:00:00Z", "12"], ["2024-05-01T10:00:01Z", "abc"]],
        )
    if kind == "jsonl":
        path = tmp_path / "bad.jsonl"
        path.write_text('{"ProcessId": 12}\n{"ProcessId": "abc"}\n', encoding="utf-8")
        return path
    if kind == "arrow":
        return pa.table({"ProcessId": pa.array(["12", "abc"])})
    if kind == "pandas":
        return pd.DataFrame({"ProcessId": ["12", "abc"]})
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["csv", "jsonl", "arrow", "pandas"])
def test_value_of_the_wrong_type_is_a_data_error_naming_table_column_and_value(kind, tmp_path):
    with pytest.raises(kqlite.KqlDataError) as caught:
        kqlite.connect(tables={PROCESS: bad_process_id(kind, tmp_path)})
    message = str(caught.value)
    assert "DeviceProcessEvents" in message
    assert "ProcessId" in message
    assert "abc" in message


def test_unreadable_datetime_is_a_data_error_naming_table_column_and_value(tmp_path):
    path = write_csv(
        tmp_path / "p.csv", ["Timestamp", "ProcessId"], [["2024-05-01T10:00:00Z", "1"], ["yesterday", "2"]]
    )
    with pytest.raises(kqlite.KqlDataError) as caught:
        kqlite.connect(tables={PROCESS: path})
    message = str(caught.value)
    assert "DeviceProcessEvents" in message
    assert "Timestamp" in message
    assert "yesterday" in message


def test_of_several_bad_columns_the_first_in_schema_order_is_named(tmp_path):
    # every column is checked in one scan of the file; the error still names the first column of the schema
    path = write_csv(tmp_path / "p.csv", ["ProcessId", "Timestamp"], [["x1", "2024-05-01"], ["2", "later"]])
    with pytest.raises(kqlite.KqlDataError, match="column Timestamp: value 'later' cannot be read as datetime"):
        kqlite.connect(tables={PROCESS: path})


class _CountingDuckDB:
    """A DuckDB connection that keeps the text of every statement executed on it."""

    def __init__(self, connection):
        self._connection = connection
        self.statements: list[str] = []

    def execute(self, sql, *args, **kwargs):
        self.statements.append(sql)
        return self._connection.execute(sql, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._connection, name)


def test_a_csv_file_is_scanned_once_for_its_conversions(tmp_path):
    # the attach checks the casts that can fail; the view a query then makes needs no second scan of the file
    path = write_csv(tmp_path / "p.csv", ["Timestamp", "ProcessId"], [["2024-05-01T10:00:00Z", "7"]])
    con = kqlite.connect()
    counting = con.duckdb = _CountingDuckDB(con.duckdb)
    con.attach(PROCESS, path)
    assert con.query("DeviceProcessEvents | project ProcessId, Timestamp").rows() == [(7, dt(2024, 5, 1, 10))]
    assert con.query("DeviceProcessEvents | count").rows() == [(1,)]
    probes = [sql for sql in counting.statements if "FILTER(WHERE" in sql.upper().replace(" (", "(")]
    assert len(probes) == 1, probes
    # a new attach of the table is checked again
    with pytest.raises(kqlite.KqlDataError, match="value 'x' cannot be read as long"):
        con.attach(PROCESS, write_csv(tmp_path / "q.csv", ["Timestamp", "ProcessId"], [["2024-05-01", "x"]]))


def test_a_database_that_cannot_be_opened_is_a_data_error_in_a_fresh_process(tmp_path):
    # a process's first connection opens DuckDB on a thread while the compiler loads: its error is the same
    missing = tmp_path / "no-such-folder" / "store.duckdb"
    script = (f"import kqlite\ntry:\n    kqlite.connect({str(missing)!r})\n"
              "except kqlite.KqlDataError as error:\n    print(error)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.startswith(f"{missing}: cannot open the database: "), out


def test_connection_still_works_after_a_data_error(tmp_path):
    con = kqlite.connect()
    with pytest.raises(kqlite.KqlDataError):
        con.attach(PROCESS, bad_process_id("csv", tmp_path))
    assert con.query("DeviceProcessEvents | count").rows() == [(0,)]
    assert con.query("print x = 1").rows() == [(1,)]


def test_failed_reattach_keeps_the_previous_data(tmp_path):
    good = write_csv(tmp_path / "good.csv", ["Timestamp", "ProcessId"], [["2024-05-01T10:00:00Z", "7"]])
    con = kqlite.connect(tables={PROCESS: good})
    with pytest.raises(kqlite.KqlDataError):
        con.attach(PROCESS, bad_process_id("csv", tmp_path))
    assert con.query("DeviceProcessEvents | project ProcessId").rows() == [(7,)]


def test_reattach_replaces_the_data(tmp_path):
    con = kqlite.connect(tables={PROCESS: pa.table({"ProcessId": [7]})})
    con.attach(PROCESS, pa.table({"ProcessId": [8]}))
    assert con.query("DeviceProcessEvents | project ProcessId").rows() == [(8,)]
    con.attach(PROCESS, write_csv(tmp_path / "p.csv", ["ProcessId"], [["9"]]))
    assert con.query("DeviceProcessEvents | project ProcessId").rows() == [(9,)]


def test_reattach_arrow_after_file(tmp_path):
    con = kqlite.connect(tables={PROCESS: write_csv(tmp_path / "p.csv", ["ProcessId"], [["9"]])})
    con.attach(PROCESS, pa.table({"ProcessId": [8]}))
    assert con.query("DeviceProcessEvents | project ProcessId").rows() == [(8,)]


@pytest.mark.parametrize(("name", "body"), [("p.parquet", "not parquet"), ("p.jsonl", "{not json\n")])
def test_unreadable_file_is_a_data_error_naming_the_table(name, body, tmp_path):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    with pytest.raises(kqlite.KqlDataError, match="DeviceProcessEvents"):
        kqlite.connect(tables={PROCESS: path})


def test_non_tabular_source_is_a_data_error():
    with pytest.raises(kqlite.KqlDataError, match="MyEvents"):
        kqlite.connect().attach("MyEvents", 42)


# ---------------------------------------------------------------- Result


VALUES_QUERY = (
    "print t = 1d + 2h, when = datetime(2024-05-01 10:00:01.5), d = dynamic({'a': [1, 'x'], 'b': null}),"
    " l = dynamic([1, 2]), s = 'text', n = 7, r = 2.5, b = true"
)


def test_result_columns_types_and_python_rows():
    res = kqlite.connect().query(VALUES_QUERY)
    assert res.columns == ["t", "when", "d", "l", "s", "n", "r", "b"]
    assert res.types == ["timespan", "datetime", "dynamic", "dynamic", "string", "long", "real", "bool"]
    assert len(res) == 1
    rows = res.rows()
    assert typed(rows) == typed(
        [
            (
                timedelta(days=1, hours=2),
                dt(2024, 5, 1, 10, 0, 1, 500000),
                {"a": [1, "x"], "b": None},
                [1, 2],
                "text",
                7,
                2.5,
                True,
            )
        ]
    )
    assert rows[0][1].utcoffset() == timedelta(0)
    assert res.to_dicts() == [dict(zip(res.columns, rows[0], strict=True))]


def test_result_timespans_and_nulls():
    res = kqlite.connect().query(
        "print a = -90m, b = datetime(2024-01-02) - datetime(2024-01-01 22:00), c = 1.5s, d = totimespan(long(null)),"
        " e = datetime(null), f = dynamic(null), g = long(null), h = tostring(long(null))"
    )
    assert res.types == [
        "timespan",
        "timespan",
        "timespan",
        "timespan",
        "datetime",
        "dynamic",
        "long",
        "string",
    ]
    assert typed(res.rows()) == typed(
        [
            (
                timedelta(minutes=-90),
                timedelta(hours=2),
                timedelta(seconds=1, microseconds=500000),
                None,
                None,
                None,
                None,
                "",
            )
        ]
    )


def test_result_long_timespan_keeps_microseconds():
    res = kqlite.connect().query("print t = 365000d + 1microsecond, ticks = tolong(365000d + 1microsecond)")
    assert res.rows() == [(timedelta(days=365000, microseconds=1), 315360000000000010)]


def test_result_to_arrow_schema():
    res = kqlite.connect().query(VALUES_QUERY)
    table = res.to_arrow()
    assert table.column_names == res.columns
    assert table.schema.field("t").type == pa.duration("us")
    assert table.schema.field("when").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("d").type == pa.string()
    assert table.schema.field("l").type == pa.string()
    assert table.schema.field("s").type == pa.string()
    assert table.schema.field("n").type == pa.int64()
    assert table.schema.field("r").type == pa.float64()
    assert table.schema.field("b").type == pa.bool_()
    assert table.column("t").cast(pa.int64()).to_pylist() == [(26 * 3600) * 10**6]
    assert table.column("when").to_pylist() == [dt(2024, 5, 1, 10, 0, 1, 500000)]
    assert json.loads(table.column("d")[0].as_py()) == {"a": [1, "x"], "b": None}
    assert json.loads(table.column("l")[0].as_py()) == [1, 2]


def test_result_to_arrow_of_empty_result_keeps_types():
    table = (
        kqlite.connect()
        .query("DeviceProcessEvents | project Timestamp, FileName, ProcessId | take 0")
        .to_arrow()
    )
    assert table.num_rows == 0
    assert table.schema == pa.schema(
        [("Timestamp", pa.timestamp("us", tz="UTC")), ("FileName", pa.string()), ("ProcessId", pa.int64())]
    )


def test_result_to_arrow_timespan_in_a_fresh_interpreter():
    code = (
        "import kqlite\n"
        "table = kqlite.connect().query('print t = 1d + 2h').to_arrow()\n"
        "print(table.schema.field('t').type, table.column('t').cast('int64').to_pylist())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"duration[us] [{26 * 3600 * 10**6}]"


def test_result_to_arrow_does_not_silently_overflow_timespans():
    res = kqlite.connect().query("print t = 200000d")
    try:
        table = res.to_arrow()
    except (pa.ArrowInvalid, kqlite.KqlError):
        return  # refusing a timespan that a nanosecond duration cannot hold is acceptable
    assert table.column("t").to_pylist() == [timedelta(days=200000)]


def test_result_to_pandas_shape_and_len():
    con = kqlite.connect(tables={PROCESS: small_arrow()})
    res = con.query("DeviceProcessEvents | project Timestamp, DeviceName, ProcessId, Extra")
    assert len(res) == 3
    frame = res.to_pandas()
    assert frame.shape == (3, 4)
    assert list(frame.columns) == ["Timestamp", "DeviceName", "ProcessId", "Extra"]
    assert sorted(frame["DeviceName"].tolist()) == ["", "ws-01", "ws-03"]
    assert str(frame["Timestamp"].dt.tz) == "UTC"
    assert len(con.query("DeviceProcessEvents | where FileName == 'nothing'")) == 0


# ---------------------------------------------------------------- explain


def test_explain_seed_rule():
    explanation = kqlite.connect().explain(SEED)
    assert explanation.tables == ["DeviceNetworkEvents", "DeviceProcessEvents"]
    for operator in ("materialize", "join", "project-away", "sort by"):
        assert operator in explanation.operators
    assert isinstance(explanation.sql, str)
    assert "WITH" in explanation.sql


def test_explain_does_not_need_data():
    explanation = kqlite.connect().explain(
        "DeviceFileEvents | where FileName == 'a' | summarize count() by DeviceName"
    )
    assert explanation.tables == ["DeviceFileEvents"]
    assert "summarize" in explanation.operators
    assert "join" not in explanation.operators


# ---------------------------------------------------------------- database files


def test_connect_to_a_database_file(tmp_path):
    path = tmp_path / "hunt.duckdb"
    con = kqlite.connect(str(path))
    assert con.query("DeviceProcessEvents | count").rows() == [(0,)]
    con.attach(PROCESS, small_arrow())
    assert con.query("DeviceProcessEvents | where FileName == 'mmc.exe' | project ProcessId").rows() == [
        (3572,)
    ]
    con.close()
    assert path.is_file()
    with kqlite.connect(path) as again:  # reopening the same file (and a PathLike) works
        assert again.query("DeviceNetworkEvents | count").rows() == [(0,)]


def test_text_nulls_read_as_empty_whatever_the_storage_statistics_say(tmp_path):
    """Columns whose statistics show no null skip the null handling; the others keep it. Either way a text
    value is never null."""
    import pyarrow.parquet as pq

    table = pa.table({"FileName": ["a.exe", None], "FolderPath": ["c:\\a.exe", "c:\\b.exe"],
                      "ProcessId": pa.array([1, 2], pa.int64())})
    path = tmp_path / "p.parquet"
    pq.write_table(table, path)  # with statistics: FolderPath has no null, FileName one
    no_stats = tmp_path / "q.parquet"
    pq.write_table(table, no_stats, write_statistics=False)
    for source in (table, str(path), str(no_stats)):
        connection = kqlite.connect(tables={"DeviceProcessEvents": source})
        rows = connection.query("DeviceProcessEvents | project FileName, FolderPath, ProcessId, "
                                "Empty = isempty(FileName), Null = isnull(FileName)").rows()
        assert rows == [("a.exe", "c:\\a.exe", 1, False, False), ("", "c:\\b.exe", 2, True, False)], source


@pytest.mark.parametrize("kind", ["parquet", "arrow"])
def test_columns_whose_names_differ_only_in_case_keep_their_names(tmp_path, kind):
    """DuckDB's names are case-insensitive (it reads the second of `user`, `User` as `User_1`); Kusto keeps both,
    as Defender's DeviceProcessEvents has LogonId and LogonID. The names come from the file's own schema, a nested
    column before them included."""
    table = pa.table({"user": ["a", "b"],
                      "Nested": pa.array([{"x": 1, "inner": {"y": 2}}, None],
                                         pa.struct([("x", pa.int64()), ("inner", pa.struct([("y", pa.int64())]))])),
                      "User": ["A", "B"], "User_1": ["one", "two"]})
    source: object = table
    if kind == "parquet":
        source = tmp_path / "t.parquet"
        pq.write_table(table, source)
    con = kqlite.connect(tables={"MyTable": source})
    result = con.query("MyTable | project user, User, User_1, y = toint(Nested.inner.y)")
    assert result.columns == ["user", "User", "User_1", "y"]
    assert result.rows() == [("a", "A", "one", 2), ("b", "B", "two", None)]
    assert con.query("MyTable | getschema | project ColumnName").rows() == [
        ("user",), ("Nested",), ("User",), ("User_1",)]
