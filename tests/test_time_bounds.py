"""Time filters bound the stored timestamp too (kqlite.compile.time_bounds): the same rows as the filter on
the ticks alone, at every edge (sub-microsecond bounds, equality, between, the constant on the left, nulls,
stored types with and without a time zone), and the bound reaches the SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

import kqlite
from kqlite.backends.duckdb import TIME_BOUND_PREFIX

BASE = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
TIMES = [BASE + timedelta(microseconds=us) for us in (-2, -1, 0, 1, 2)] + [None]


def _table(timestamp_type: pa.DataType) -> pa.Table:
    values = [t if t is None or timestamp_type.tz else (t.replace(tzinfo=None) if t else None) for t in TIMES]
    return pa.table({"Timestamp": pa.array(values, timestamp_type), "ProcessId": list(range(len(TIMES)))})


FILTERS = [
    "Timestamp > datetime(2024-05-01 10:00:00.0000005)",  # a bound inside a microsecond
    "Timestamp >= datetime(2024-05-01 10:00:00.000001)",
    "Timestamp < datetime(2024-05-01 09:59:59.9999995)",
    "Timestamp <= datetime(2024-05-01 10:00:00)",
    "Timestamp == datetime(2024-05-01 10:00:00.000001)",
    "datetime(2024-05-01 10:00:00) < Timestamp",
    "Timestamp between (datetime(2024-05-01 09:59:59.9999985) .. datetime(2024-05-01 10:00:00.0000015))",
    "Timestamp > datetime(2024-05-01 09:59:59.999999) and ProcessId != 3",
    "Timestamp > ago(1d)",
]


@pytest.mark.parametrize("timestamp_type", [pa.timestamp("us", tz="UTC"), pa.timestamp("us"), pa.timestamp("ms")],
                         ids=["timestamptz", "timestamp", "timestamp_ms"])
def test_bounded_filters_keep_exactly_the_rows_of_the_filter(connect_backend, timestamp_type):
    table = _table(timestamp_type)
    con = connect_backend(tables={"DeviceProcessEvents": table}, now=BASE + timedelta(hours=1))
    for kql_filter in FILTERS:
        query = f"DeviceProcessEvents | where {kql_filter} | project ProcessId | order by ProcessId asc"
        assert TIME_BOUND_PREFIX in con.explain(query).sql, kql_filter  # the bound is there
        # the same filter where the bound cannot apply (after a projection): the reference answer
        reference = (f"DeviceProcessEvents | extend Timestamp = Timestamp + 0s | where {kql_filter} "
                     "| project ProcessId | order by ProcessId asc")
        assert TIME_BOUND_PREFIX not in con.explain(reference).sql
        assert con.query(query).rows() == con.query(reference).rows(), kql_filter


def test_the_hidden_column_never_shows(connect_backend):
    con = connect_backend(tables={"DeviceProcessEvents": _table(pa.timestamp("us", tz="UTC"))})
    for query in ("DeviceProcessEvents | where Timestamp > datetime(2024-01-01)",
                  "DeviceProcessEvents | where Timestamp > datetime(2024-01-01) | where ProcessId > 1",
                  "DeviceProcessEvents | where Timestamp > datetime(2024-01-01) | union DeviceProcessEvents",
                  "DeviceProcessEvents | where Timestamp > datetime(2024-01-01) | extend x = pack_all()"):
        result = con.query(query)
        assert not any(c.startswith(TIME_BOUND_PREFIX) for c in result.columns), query
        if "pack_all" in query:
            assert not any(TIME_BOUND_PREFIX in key for row in result.rows() for key in row[-1]), query



def test_spark_prunes_parquet_with_the_bound(spark_session, tmp_path):
    """On Spark the bound on the stored timestamp reaches the Parquet scan as a pushed filter."""
    import pyarrow.parquet as pq

    path = tmp_path / "DeviceProcessEvents.parquet"
    pq.write_table(_table(pa.timestamp("us", tz="UTC")), path)
    con = kqlite.connect(backend="spark", spark=spark_session, tables={"DeviceProcessEvents": str(path)})
    sql = con.explain("DeviceProcessEvents | where Timestamp > datetime(2024-05-01 10:00:00.0000005)").sql
    plan = con.spark.sql(sql)._jdf.queryExecution().executedPlan().toString()
    assert "PushedFilters" in plan and "GreaterThanOrEqual(Timestamp" in plan
