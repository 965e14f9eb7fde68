"""Alerts: a rule's result rows, each with the rule's identity, a severity, the ATT&CK ids, the fields a
responder looks at first, a one-line summary, and the whole row as evidence.

The JSON lines form is a stable contract for SIEMs (`docs/alerts.md`):
`rule, title, severity, timestamp, device, attack, remote_ip, summary, evidence`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from kqlite.detections import SEVERITIES, Rule, row_severity
from kqlite.formatting import format_datetime, to_json_value

# Where each alert field comes from, by the result column that holds it (first present wins).
_TIME = ("Timestamp", "TimeGenerated", "FirstSeen", "StartTime")
_DEVICE = ("DeviceName", "Computer", "DeviceId")
_REMOTE_IP = ("RemoteIP", "RemoteIPs", "IPAddress", "SourceIP")
_SERVER = ("InitiatingProcessFileName", "ServerFileName", "DcomServer")
_CHILD = ("FileName", "ChildFileName")
_COMMAND = ("ProcessCommandLine", "ChildCommandLine")


@dataclass
class Alert:
    rule: str
    title: str
    severity: str
    attack: list[str]
    timestamp: dt.datetime | None
    device: str
    remote_ip: str
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": self.title, "severity": self.severity,
                "timestamp": format_datetime(self.timestamp) if self.timestamp else None, "device": self.device,
                "attack": self.attack, "remote_ip": self.remote_ip, "summary": self.summary,
                "evidence": {name: to_json_value(value) for name, value in self.evidence.items()}}


def alerts_of(rule: Rule, columns: list[str], rows: list[tuple]) -> list[Alert]:
    """One alert per result row."""
    alerts = []
    for row in rows:
        evidence = dict(zip(columns, row, strict=True))
        severity = row_severity(rule, evidence.get(rule.severity_column) if rule.severity_column else None)
        timestamp = _first(evidence, _TIME)
        alerts.append(Alert(
            rule.id, rule.title, severity, list(rule.attack),
            timestamp if isinstance(timestamp, dt.datetime) else None,
            _text(_first(evidence, _DEVICE)), _text(_first(evidence, _REMOTE_IP)),
            summarize(rule, evidence), evidence))
    return alerts


def summarize(rule: Rule, evidence: dict[str, Any]) -> str:
    """`mmc.exe started cmd.exe ("cmd.exe /Q /c whoami") on ws-01 after a connection from 10.0.2.19`, from
    the columns the row has; the rule's title when it has none of them."""
    server, child = _text(_first(evidence, _SERVER)), _text(_first(evidence, _CHILD))
    command = _text(_first(evidence, _COMMAND))
    device, remote = _text(_first(evidence, _DEVICE)), _text(_first(evidence, _REMOTE_IP))
    parts = []
    if server and child:
        parts.append(f"{server} started {child}" + (f" ({_short(command)})" if command else ""))
    elif server or child:
        parts.append(server or child)
    else:
        parts.append(rule.title)
    if device:
        parts.append(f"on {device}")
    if remote:
        parts.append(f"after a connection from {remote}")
    return " ".join(parts)


# The columns that name one attack instance: a server process (device, PID, creation time) and its remote peer.
_INSTANCE = ("DeviceName", "InitiatingProcessId", "InitiatingProcessCreationTime", "RemoteIP")
_CHILD_FIELDS = ("Timestamp", "FileName", "ProcessId", "ProcessCommandLine", "ReportId")


def group_by_instance(alerts: list[Alert]) -> list[Alert]:
    """One alert per attack instance: the rows of one server instance and remote address (a server that ran
    three commands is one attack) become one alert, at the earliest time and the highest severity, its
    children listed in the evidence (`Children`). Rows that do not name a server instance stay alone."""
    groups: dict[tuple, list[Alert]] = {}
    for number, alert in enumerate(alerts):
        key = tuple(alert.evidence.get(column) for column in _INSTANCE)
        if key[1] is None:  # no server PID: not groupable
            key = ("row", number)
        groups.setdefault((alert.rule, *key), []).append(alert)
    merged = []
    for members in groups.values():
        if len(members) == 1:
            merged.append(members[0])
            continue
        members = sorted(members, key=lambda a: (a.timestamp is None, a.timestamp or 0))
        first = members[0]
        evidence = dict(first.evidence)
        evidence["Children"] = [{field: a.evidence.get(field) for field in _CHILD_FIELDS if field in a.evidence}
                                for a in members]
        severity = max((a.severity for a in members), key=SEVERITIES.index)
        server = _text(_first(first.evidence, _SERVER))
        children = ", ".join(dict.fromkeys(_text(_first(a.evidence, _CHILD)) for a in members))
        summary = " ".join(part for part in (
            f"{server} started {len(members)} processes ({children})" if server else first.summary,
            f"on {first.device}" if first.device else "",
            f"after a connection from {first.remote_ip}" if first.remote_ip else "") if part)
        merged.append(Alert(first.rule, first.title, severity, first.attack, first.timestamp, first.device,
                            first.remote_ip, summary, evidence))
    return merged


def meets(alert: Alert, min_severity: str | None) -> bool:
    return min_severity is None or SEVERITIES.index(alert.severity) >= SEVERITIES.index(min_severity)


def _first(evidence: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = evidence.get(name)
        if value not in (None, ""):
            return value
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _short(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
