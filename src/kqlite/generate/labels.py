"""Ground truth: `labels.jsonl`, one object per injected scenario instance.

Fields: instance, scenario_id, scenario, technique, is_malicious, expected_seed (TP/FN/FP/TN), why,
device_name, device_id, source_ip, start, end (ISO UTC, over all of the instance's rows), report_ids
({table: [ReportId, ...]} on the target device) and other_devices ([{device_name, device_id, report_ids}]
for rows written on another device, e.g. the managed source of an attack).
ReportIds are unique per device across all tables, so (device_name, ReportId) names one row.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import orjson

from kqlite.generate.events import TABLES
from kqlite.generate.model import Estate
from kqlite.generate.planner import Instance


def _iso(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Labels:
    def __init__(self, estate: Estate, instances: list[Instance]) -> None:
        self.estate = estate
        self.instances = instances
        # instance -> device -> table -> [report ids]
        self._rows: dict[int, dict[int, dict[str, list[int]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
        self._span: dict[int, list[int]] = {}

    def collect(self, table: str, scen: np.ndarray, dev: np.ndarray, time: np.ndarray, report_ids: np.ndarray) -> None:
        for i in np.flatnonzero(scen >= 0):
            number = int(scen[i])
            self._rows[number][int(dev[i])][table].append(int(report_ids[i]))
            span = self._span.setdefault(number, [int(time[i]), int(time[i])])
            span[0] = min(span[0], int(time[i]))
            span[1] = max(span[1], int(time[i]))

    def records(self) -> list[dict[str, object]]:
        out = []
        for instance in self.instances:
            scenario = instance.scenario
            device = self.estate.devices[instance.dev]
            rows = self._rows.get(instance.number, {})
            start, end = self._span.get(instance.number, [instance.t0, instance.t0])
            others = [{"device_name": self.estate.devices[d].name, "device_id": self.estate.devices[d].device_id,
                       "report_ids": {t: sorted(rows[d][t]) for t in TABLES if rows[d].get(t)}}
                      for d in sorted(rows) if d != instance.dev]
            out.append({
                "instance": instance.number, "scenario_id": scenario.id, "scenario": scenario.name,
                "technique": scenario.technique, "is_malicious": scenario.malicious, "expected_seed": scenario.expected_seed,
                "why": scenario.why, "device_name": device.name, "device_id": device.device_id,
                "source_ip": instance.source_ip, "start": _iso(start), "end": _iso(end),
                "report_ids": {t: sorted(rows.get(instance.dev, {}).get(t, [])) for t in TABLES
                               if rows.get(instance.dev, {}).get(t)},
                "other_devices": others,
            })
        return out

    def write(self, path: Path) -> Path:
        with path.open("wb") as handle:
            for record in self.records():
                handle.write(orjson.dumps(record) + b"\n")
        return path
