"""The generation loop: estate -> scenarios -> chunks of background -> ReportIds -> tables -> writer, labels.

Chunks are (a few hours) x (a batch of devices), sized so the largest table gets ~60k rows per chunk;
only one chunk's rows are in memory at a time (plus the estate: long-lived processes and scenario rows).
"""

from __future__ import annotations

import math
import time as clock
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from kqlite.generate import events as ev
from kqlite.generate.activity import Profiles
from kqlite.generate.background import Background, NewProcs
from kqlite.generate.columns import HOUR
from kqlite.generate.inject import Injector, resolve
from kqlite.generate.labels import Labels
from kqlite.generate.model import Config, Estate
from kqlite.generate.planner import Planner
from kqlite.generate.procs import ProcView
from kqlite.generate.tables import Renderer
from kqlite.generate.writers import FORMATS, open_writer

CHUNK_ROWS = 60_000
DEFAULT_START = datetime.fromisoformat("2024-08-05T00:00:00+00:00")
DEFAULT_WARMUP = 4.0  # hours of unlabelled history before the window
Progress = Callable[[int, int, int], None]  # (chunks done, chunks total, rows written so far)


@dataclass
class GenerateSummary:
    out_dir: Path
    format: str
    rows: dict[str, int]
    scenarios: int
    paths: list[Path]
    labels_path: Path
    seconds: float
    devices: int
    hours: float
    seed: int
    by_expected_seed: dict[str, int] = field(default_factory=dict)
    warmup: float = 0.0  # hours recorded before the window start (no labels there)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _sample(estate: Estate, per_stratum: int, max_hours: int) -> tuple[list[tuple[np.ndarray, float]], np.ndarray, float]:
    """Pilot sample: devices per stratum (kind and roles: a DC makes far more logons than a workstation) with
    their scale factor, hours spread over the window, and the sampled fraction of all device-hours."""
    n_hours = math.ceil(estate.config.record_hours)
    hours = np.unique(np.linspace(0, n_hours - 1, min(n_hours, max_hours)).round().astype(np.int64))
    strata: dict[tuple, list[int]] = {}
    for device in estate.devices:
        strata.setdefault((device.kind, tuple(sorted(device.roles - {"helpdesk", "foothold"}))), []).append(device.index)
    groups = [(np.array(m[:per_stratum], dtype=np.int64), len(m) / min(len(m), per_stratum) * n_hours / len(hours))
              for m in strata.values()]
    fraction = sum(len(d) for d, _ in groups) * len(hours) / (len(estate.devices) * n_hours)
    return groups, hours, fraction


def _pilot(estate: Estate, background: Background, per_stratum: int, max_hours: int) -> dict[str, float]:
    """Background rows per table over the whole run at the background's density, estimated on a sample."""
    groups, hours, _ = _sample(estate, per_stratum, max_hours)
    rng = np.random.default_rng([estate.config.seed, 9])
    totals = dict.fromkeys(ev.TABLES, 0.0)
    for devs, scale in groups:
        new = NewProcs(0)
        for hour in hours:
            out = background.chunk([int(hour)], devs, new, estate.static, rng)
            for table in ev.TABLES:
                totals[table] += sum(len(b["dev"]) for b in out[table]) * scale
    return totals


def _densities(estate: Estate, profiles: Profiles, target_rows: int, fixed: dict[str, int]) -> dict[str, float]:
    """Per-table background densities that put about `target_rows` rows in every table (each table's
    volume is linear in its own density).

    A cheap pilot at density 1 gives a first guess; a second pilot on a larger sample runs near that
    density (at most ~50k sampled rows per table), so the Poisson noise of rare tables does not skew it."""
    rough = _pilot(estate, Background(estate, profiles, {}), 2, 4)
    guess = {t: (target_rows - fixed[t]) / max(rough[t], 1.0) for t in ev.TABLES}
    _, _, fraction = _sample(estate, 8, 24)
    pilot = {t: max(1e-3, min(guess[t], 50_000 / max(rough[t] * fraction, 1.0))) for t in ev.TABLES}
    refined = _pilot(estate, Background(estate, profiles, pilot), 8, 24)
    return {t: max(1e-3, (target_rows - fixed[t]) / max(refined[t] / pilot[t], 1e-9)) for t in ev.TABLES}


def generate(out_dir: str | Path, devices: int = 50, hours: float = 24.0, fmt: str = "parquet", seed: int = 1,
             scenarios: str | list[str] | None = "all", start: datetime | None = None, target_rows: int | None = None,
             progress: Progress | None = None, warmup: float = DEFAULT_WARMUP) -> GenerateSummary:
    """Generate Defender tables (+ labels.jsonl) into `out_dir`; see docs/generate.md.

    The files cover `warmup` hours of history before `start` (routine activity only, no scenario) and then the
    `hours` of the main window, where the labelled scenarios are."""
    began = clock.perf_counter()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config = Config(devices=devices, hours=float(hours), start=start or DEFAULT_START, seed=seed, warmup=float(warmup))
    estate = Estate(config)
    profiles = Profiles(estate)
    planner = Planner(estate)
    Injector(estate, planner).inject(resolve(scenarios))
    fixed = {table: int((estate.log.batch(table)["time"] >= config.record_start_us).sum()) + planner.log.count(table)
             for table in ev.TABLES}

    density = _densities(estate, profiles, target_rows, fixed) if target_rows else dict.fromkeys(ev.TABLES, 1.0)
    background = Background(estate, profiles, density)
    # Chunk sizing only needs a rough volume.
    estimate = _pilot(estate, background, 2, 4)
    biggest = max(estimate.values())
    n_hours = math.ceil(config.record_hours)
    per_device_hour = max(biggest / (len(estate.devices) * n_hours), 1.0)

    span = int(min(n_hours, max(1, CHUNK_ROWS // (per_device_hour * len(estate.devices)))))
    batch_devices = int(min(len(estate.devices), max(1, CHUNK_ROWS // (per_device_hour * span))))
    device_batch = np.arange(len(estate.devices)) // batch_devices
    groups = [list(range(h, min(h + span, n_hours))) for h in range(0, n_hours, span)]
    n_batches = int(device_batch.max()) + 1

    def group_of(times: np.ndarray) -> np.ndarray:
        return np.clip((times - config.record_start_us) // HOUR, 0, n_hours - 1) // span

    buckets = {}
    for table in ev.TABLES:
        boot = estate.log.batch(table)  # boot trees of devices that were up before the recording are not recorded
        boot = ev.select(boot, np.flatnonzero(boot["time"] >= config.record_start_us))
        fixed_batch = ev.concat(table, [boot, planner.log.batch(table)])
        buckets[table] = ev.Buckets(table, fixed_batch, group_of(fixed_batch["time"]), device_batch)

    renderer = Renderer(estate)  # freezes the catalog: nothing adds files from here on
    labels = Labels(estate, planner.instances)
    writer = open_writer(fmt, out, ev.TABLES, estate)
    id_rng = np.random.default_rng([seed, 4])
    next_report = id_rng.integers(1_000, 60_000, len(estate.devices)).astype(np.int64)
    rows = dict.fromkeys(ev.TABLES, 0)
    total_chunks = len(groups) * n_batches
    done = 0
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kqlite-generate-writer")
    pending: Future | None = None
    try:
        for g, hours_in_group in enumerate(groups):
            for b in range(n_batches):
                devs = np.flatnonzero(device_batch == b).astype(np.int64)
                rng = np.random.default_rng([seed, 5, g, b])
                new = NewProcs(len(estate.static) + len(planner.procs))
                produced = background.chunk(hours_in_group, devs, new, estate.static, rng)
                view = ProcView([estate.static, planner.procs, new.store()])
                # Boot-tree and scenario processes started in this chunk load their modules too.
                started = buckets[ev.PROCESS].get(g, b)
                if len(started["dev"]):
                    image = view.gather(started["child"], ["image"])["image"].astype(np.int64)
                    produced[ev.IMAGE].append(background.module_loads(started["dev"], started["time"], started["child"], image,
                                                                      started["scen"], rng))
                batches = {t: ev.concat(t, [buckets[t].get(g, b), *produced[t]]) for t in ev.TABLES}
                report_ids = _assign_report_ids(batches, next_report)
                chunk = {}
                for table in ev.TABLES:
                    batch, ids = batches[table], report_ids[table]
                    order = np.lexsort((ids, batch["dev"], batch["time"]))
                    batch, ids = ev.select(batch, order), ids[order]
                    labels.collect(table, batch["scen"], batch["dev"], batch["time"], ids)
                    chunk[table] = renderer.render(table, batch, view, ids)
                    rows[table] += len(ids)
                # Encode/write this chunk on a second thread while the next one is generated (pyarrow releases
                # the GIL); at most one chunk waits, so memory stays bounded and the write order fixed.
                if pending is not None:
                    pending.result()
                pending = pool.submit(writer.write, chunk)
                done += 1
                if progress:
                    progress(done, total_chunks, sum(rows.values()))
        if pending is not None:
            pending.result()
    finally:
        pool.shutdown(wait=True)
    paths = writer.close()
    labels_path = labels.write(out / "labels.jsonl")
    records = labels.records()
    by_seed: dict[str, int] = {}
    for record in records:
        by_seed[str(record["expected_seed"])] = by_seed.get(str(record["expected_seed"]), 0) + 1
    return GenerateSummary(out, fmt, rows, len(planner.instances), paths, labels_path, clock.perf_counter() - began,
                           devices, float(hours), seed, by_seed, float(warmup))


def _assign_report_ids(batches: dict[str, ev.Batch], next_report: np.ndarray) -> dict[str, np.ndarray]:
    """ReportId: a per-device counter shared by all tables (so it is unique per device and table, and a
    Sysmon EventRecordID can equal it), increasing with time."""
    dev = np.concatenate([batches[t]["dev"] for t in ev.TABLES])
    time = np.concatenate([batches[t]["time"] for t in ev.TABLES])
    table = np.concatenate([np.full(len(batches[t]["dev"]), i) for i, t in enumerate(ev.TABLES)])
    order = np.lexsort((table, time, dev))
    sorted_dev = dev[order]
    first = np.searchsorted(sorted_dev, sorted_dev, side="left")
    ids = np.empty(len(dev), dtype=np.int64)
    ids[order] = next_report[sorted_dev] + (np.arange(len(dev)) - first)
    next_report += np.bincount(dev, minlength=len(next_report)).astype(np.int64)
    out, start = {}, 0
    for t in ev.TABLES:
        n = len(batches[t]["dev"])
        out[t] = ids[start:start + n]
        start += n
    return out
