"""Rule tests: small inputs and the alerts a rule must (or must not) raise on them, kept beside the rule as
`<rule>.tests.toml`:

    [[case]]
    name = "MMC20 spawns cmd.exe after a remote connection"
    alerts = 1                                   # how many alerts the rule raises
    contains = [{FileName = "cmd.exe"}]          # optional: each of these matches one alert's row
    [case.tables]
    DeviceNetworkEvents = [{Timestamp = 2024-08-05T14:23:07Z, ActionType = "InboundConnectionAccepted", ...}]
    DeviceProcessEvents = [...]

A case with `alerts = 0` is a negative case. Columns a row leaves out read as empty, as with any data."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

import kqlite
from kqlite.detections import Rule, RuleError


@dataclass
class CaseResult:
    rule: str
    case: str
    passed: bool
    detail: str = ""


def cases_file(rule: Rule) -> Path | None:
    """The rule's tests file, when it has one (beside its .kql file, in the package or a user folder)."""
    if rule.path.startswith("kqlite/rules/"):
        from importlib import resources

        entry = resources.files("kqlite.rules") / (Path(rule.path).stem + ".tests.toml")
        return Path(str(entry)) if entry.is_file() else None
    path = Path(rule.path).with_suffix(".tests.toml")
    return path if path.is_file() else None


def run_rule_tests(rule: Rule, path: Path) -> list[CaseResult]:
    try:
        cases = tomllib.loads(path.read_text(encoding="utf-8")).get("case", [])
    except tomllib.TOMLDecodeError as error:
        raise RuleError(f"{path}: not valid TOML: {error}") from None
    if not cases:
        raise RuleError(f"{path}: no [[case]] in the rule's tests")
    return [_run_case(rule, path, number, case) for number, case in enumerate(cases, 1)]


def _run_case(rule: Rule, path: Path, number: int, case: dict[str, Any]) -> CaseResult:
    name = str(case.get("name", f"case {number}"))
    if "alerts" not in case:
        raise RuleError(f"{path}: case {name!r} does not say how many alerts it expects (alerts = N)")
    tables = {table: _arrow(rows) for table, rows in case.get("tables", {}).items()}
    try:
        result = kqlite.connect(tables=tables).query(rule.query)
    except kqlite.KqlError as error:
        return CaseResult(rule.id, name, False, f"the rule failed: {error}")
    rows = result.to_dicts()
    if len(rows) != case["alerts"]:
        return CaseResult(rule.id, name, False, f"{len(rows)} alert(s), expected {case['alerts']}")
    for wanted in case.get("contains", []):
        if not any(all(_same(row.get(k), v) for k, v in wanted.items()) for row in rows):
            return CaseResult(rule.id, name, False, f"no alert matches {wanted}")
    return CaseResult(rule.id, name, True)


def _arrow(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows as a table with every column any row names (a row without one leaves it empty)."""
    names = list(dict.fromkeys(name for row in rows for name in row))
    return pa.table({name: [row.get(name) for row in rows] for name in names})


def _same(actual: Any, wanted: Any) -> bool:
    if hasattr(actual, "tzinfo") and hasattr(wanted, "tzinfo"):
        return actual == wanted
    return actual == wanted or str(actual) == str(wanted)
