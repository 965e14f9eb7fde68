"""The generator's export formats go through the readers: every format of the same generated estate gives the
same seed-rule alerts as its Parquet tables (the readers are exercised by the labelled scenarios)."""

from __future__ import annotations

from importlib import resources

import pytest

import kqlite
from kqlite.generate import generate
from kqlite.ingest.pipeline import load

SEED = resources.files("kqlite.rules").joinpath("remote_dcom_child_proc.kql").read_text(encoding="utf-8")
SIZE = {"devices": 8, "hours": 2, "seed": 11}


def alerts(tables) -> list[tuple]:
    # RemoteIP is left out: with several inbound rows for one server, innerunique keeps the first in table
    # order, and the Sysmon files list a device's events in its own log order, not the Parquet's
    rows = kqlite.connect(tables=tables).query(SEED).to_dicts()
    return sorted((row["DeviceName"], row["ReportId"], row["FileName"], row["ProcessCommandLine"], row["Timestamp"])
                  for row in rows)


@pytest.fixture(scope="module")
def parquet_alerts(tmp_path_factory):
    out = tmp_path_factory.mktemp("parquet")
    generate(out, fmt="parquet", **SIZE)
    (out / "labels.jsonl").unlink()
    tables, report = load([out])
    assert not report.rejects
    found = alerts(tables)
    assert len(found) >= 5  # the labelled TP and FP scenarios fire
    return found


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "defender-csv", "streaming-json", "sysmon-evtx-xml"])
def test_every_format_reads_back_to_the_same_alerts(fmt, tmp_path, parquet_alerts):
    generate(tmp_path, fmt=fmt, **SIZE)
    (tmp_path / "labels.jsonl").unlink()
    tables, report = load([tmp_path])
    assert not report.rejects, report.rejects.rejects[:3]
    assert {f.format for f in report.files} == {
        "csv": {"defender-csv"}, "jsonl": {"defender-json"}, "defender-csv": {"defender-csv"},
        "streaming-json": {"streaming-json"}, "sysmon-evtx-xml": {"windows-xml"}}[fmt]
    assert alerts(tables) == parquet_alerts
