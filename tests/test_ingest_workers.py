"""EVTX files read by worker processes give exactly what reading them in-process gives: rows, order,
rejects, unmapped counts and skipped duplicates (the suite's inputs are small, so the workers are forced)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from kqlite.ingest import pipeline
from kqlite.ingest.pipeline import load

EVTX_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "evtx-attack-samples"
pytestmark = [
    pytest.mark.skipif(not EVTX_SAMPLES.is_dir(), reason="../shared/datasets is not present"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="worker processes are used on Linux only"),
]


@pytest.fixture
def inputs(tmp_path):
    """The samples, a duplicate of one of them, and a copy of the largest cut inside its fourth chunk."""
    big = EVTX_SAMPLES / "lateral-movement" / "LM_5145_Remote_FileCopy.evtx"
    shutil.copy(big, tmp_path / "duplicate.evtx")
    (tmp_path / "cut.evtx").write_bytes(big.read_bytes()[: 4096 + 3 * 65536 + 30000])
    return [EVTX_SAMPLES, tmp_path]


def summary(paths, monkeypatch, parallel_bytes):
    monkeypatch.setattr(pipeline, "_PARALLEL_BYTES", parallel_bytes)
    tables, report = load(paths)
    return ({name: table.to_pylist() for name, table in tables.items()},
            [(f.name, f.format, f.records, f.skipped, f.digest) for f in report.files],
            [(r.file, r.position, r.reason) for r in report.rejects.rejects],
            dict(report.unmapped_events))


def test_workers_read_evtx_exactly_as_this_process(inputs, monkeypatch):
    here = summary(inputs, monkeypatch, parallel_bytes=1 << 60)  # never share: all in this process
    shared = summary(inputs, monkeypatch, parallel_bytes=0)  # always share
    assert shared == here
    tables, files, rejects, unmapped = shared
    assert len(tables["DeviceProcessEvents"]) > 50 and unmapped
    assert [f[3] for f in files if f[0].endswith("duplicate.evtx")] == ["already ingested (same content)"]
    assert any(position.startswith("chunk 3") for file, position, _ in rejects if file.endswith("cut.evtx"))
