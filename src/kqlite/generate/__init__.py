"""Synthetic Microsoft Defender telemetry with labelled DCOM lateral-movement scenarios (`kqlite generate`).

    from kqlite.generate import generate
    summary = generate("out/", devices=10, hours=2, fmt="parquet", seed=1, scenarios="all")

writes DeviceProcessEvents, DeviceNetworkEvents, DeviceImageLoadEvents, DeviceLogonEvents and
DeviceFileEvents (every column of the bundled schemas) plus `labels.jsonl`. See docs/generate.md.
"""

from __future__ import annotations

from kqlite.generate.runner import GenerateSummary, generate
from kqlite.generate.scenarios import SCENARIOS, Scenario
from kqlite.generate.writers import FORMATS

__all__ = ["FORMATS", "SCENARIOS", "GenerateSummary", "Scenario", "generate"]
