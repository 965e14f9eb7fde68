"""Deciding which scenario instances a run gets: how many, on which device, from where; then building them.

Rarity: attacks get max(1, Poisson(rate x device-hours / 12,000)) instances (a handful per run, at least one
of each requested scenario); role-bound benign traps get max(1, Poisson(rate x hours x role devices)), so
a day on one reporting server brings ~24 remote Office automation runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kqlite.generate.model import ATTACKER_LINUX_IP, Estate
from kqlite.generate.planner import Planner
from kqlite.generate.scenarios import APP_TIER, BY_ID, SCENARIOS, Scenario

MAX_INSTANCES = 500


def resolve(spec: str | Sequence[str] | None) -> list[Scenario]:
    """`all` / `none` / a comma list (or sequence) of scenario ids -> scenarios, in catalogue order."""
    if spec is None:
        return list(SCENARIOS)
    ids = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else [str(s).strip() for s in spec]
    ids = [i for i in ids if i]
    if ids in (["all"], ["ALL"]):
        return list(SCENARIOS)
    if ids in ([], ["none"], ["NONE"]):
        return []
    by_upper = {key.upper(): value for key, value in BY_ID.items()}
    unknown = [i for i in ids if i.upper() not in by_upper]
    if unknown:
        raise ValueError(f"unknown scenario id(s): {', '.join(unknown)} (known: {', '.join(BY_ID)})")
    wanted = {by_upper[i.upper()].id for i in ids}
    return [s for s in SCENARIOS if s.id in wanted]


class Injector:
    def __init__(self, estate: Estate, planner: Planner) -> None:
        self.estate = estate
        self.planner = planner
        self.rng = np.random.default_rng([estate.config.seed, 3])
        devices = estate.devices
        self.foothold = next(d.index for d in devices if "foothold" in d.roles)
        self.helpdesk = next(d.index for d in devices if "helpdesk" in d.roles)
        self.mgmt = [d.index for d in devices if "mgmt" in d.roles]

    def _candidates(self, scenario: Scenario, source_dev: int | None) -> list[int]:
        devices = self.estate.devices
        selectors = {
            "attack": lambda d: True,
            "workstation": lambda d: d.kind == "workstation",
            "server": lambda d: d.kind != "workstation",
            "win10": lambda d: d.os != "Windows11",
            "mgmt": lambda d: "mgmt" in d.roles,
            "complus": lambda d: "complus" in d.roles,
            "report": lambda d: "report" in d.roles,
            "loopdcom": lambda d: "loopdcom" in d.roles,
        }
        fits = [d.index for d in devices if selectors[scenario.target](d)]
        if not fits and scenario.target == "loopdcom":
            fits = [d.index for d in devices]
        for excluded in ({self.foothold, self.helpdesk, source_dev}, {source_dev}):
            left = [i for i in fits if i not in excluded]
            if left:
                return left
        return fits

    def _source(self, scenario: Scenario) -> tuple[str, int | None]:
        devices = self.estate.devices
        if scenario.source == "foothold":
            return devices[self.foothold].ip, self.foothold
        if scenario.source == "helpdesk":
            return devices[self.helpdesk].ip, self.helpdesk
        if scenario.source == "mgmt":
            dev = int(self.rng.choice(self.mgmt))
            return devices[dev].ip, dev
        if scenario.source == "apptier":
            return str(self.rng.choice(APP_TIER)), None
        if scenario.source == "local":
            return "", None
        return ATTACKER_LINUX_IP, None

    def count(self, scenario: Scenario) -> int:
        config = self.estate.config
        if scenario.per == "role":
            role_devices = len(self._candidates(scenario, None)) if scenario.target != "workstation" else 1
            expected = scenario.rate * config.hours * role_devices
        else:
            expected = scenario.rate * config.devices * config.hours / 12_000
        return int(min(MAX_INSTANCES, max(1, self.rng.poisson(expected))))

    def inject(self, scenarios: Sequence[Scenario]) -> None:
        for scenario in scenarios:
            for _ in range(self.count(scenario)):
                src_ip, source_dev = self._source(scenario)
                candidates = self._candidates(scenario, source_dev)
                if scenario.source == "mgmt" and source_dev in candidates and len(candidates) > 1:
                    candidates = [c for c in candidates if c != source_dev]
                target = int(self.rng.choice(candidates))
                if source_dev == target:  # tiny estates: fall back to the unmanaged attacker box
                    src_ip, source_dev = ATTACKER_LINUX_IP, None
                ctx = self.planner.context(scenario, target, scenario.duration_s, src_ip)
                if source_dev is not None:
                    ctx.instance.notes["source_dev"] = source_dev
                if scenario.source == "local":
                    ctx.src = ctx.ip()
                    ctx.instance.source_ip = ""
                scenario.build(ctx)
        self.planner.procs.freeze()
