"""A site file: what is normal here, so that rules are tuned without being edited (`kqlite hunt --site FILE`).

    [[allow]]
    kind = "server_image"          # server_image, child_image, command_line (a regular expression),
    value = "raserver.exe"         # remote_subnet (CIDR), account, device
    note = "Quick Assist"

Rules can read the entries as a table, `SiteAllowlist` (Kind, Value, Note). Whatever the rule, an alert whose
evidence matches an entry is suppressed and counted: the server's image (InitiatingProcessFileName), the
child's (FileName), the command line (ProcessCommandLine), the remote address (RemoteIP), the account
(AccountName, InitiatingProcessAccountName) or the device (DeviceName), names compared ignoring case."""

from __future__ import annotations

import ipaddress
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from kqlite.alerts import Alert
from kqlite.errors import KqlError

TABLE = "SiteAllowlist"
KINDS = {
    "server_image": ("InitiatingProcessFileName",),
    "child_image": ("FileName",),
    "command_line": ("ProcessCommandLine", "InitiatingProcessCommandLine"),
    "remote_subnet": ("RemoteIP",),
    "account": ("AccountName", "InitiatingProcessAccountName"),
    "device": ("DeviceName",),
}


@dataclass(frozen=True)
class Allow:
    kind: str
    value: str
    note: str = ""

    def matches(self, evidence: dict[str, object]) -> bool:
        values = [str(evidence.get(column) or "") for column in KINDS[self.kind]]
        if self.kind == "command_line":
            return any(re.search(self.value, v, re.IGNORECASE) for v in values if v)
        if self.kind == "remote_subnet":
            network = ipaddress.ip_network(self.value, strict=False)
            return any(_in(v, network) for v in values if v)
        return any(v.lower() == self.value.lower() for v in values if v)


def _in(address: str, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    try:
        return ipaddress.ip_address(address) in network
    except ValueError:
        return False


def load_site(path: Path) -> list[Allow]:
    """The entries of a site file; a mistake names the file, the entry and the fix."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise KqlError(f"{path}: cannot read the site file: {error}") from None
    entries = []
    for number, item in enumerate(data.get("allow", []), 1):
        kind, value = str(item.get("kind", "")), str(item.get("value", ""))
        if kind not in KINDS:
            raise KqlError(f"{path}: allow entry {number}: kind {kind!r}: use one of {', '.join(KINDS)}")
        if not value:
            raise KqlError(f"{path}: allow entry {number}: it has no value")
        if kind == "command_line":
            try:
                re.compile(value)
            except re.error as error:
                raise KqlError(f"{path}: allow entry {number}: {value!r} is not a regular expression: {error}") from None
        if kind == "remote_subnet":
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise KqlError(f"{path}: allow entry {number}: {value!r} is not a subnet (e.g. 10.1.0.0/16)") from None
        entries.append(Allow(kind, value, str(item.get("note", ""))))
    return entries


def as_table(entries: list[Allow]) -> pa.Table:
    """The entries as the `SiteAllowlist` table rules can read."""
    return pa.table({"Kind": [e.kind for e in entries], "Value": [e.value for e in entries],
                     "Note": [e.note for e in entries]})


def suppress(alerts: list[Alert], entries: list[Allow]) -> tuple[list[Alert], Counter[str]]:
    """The alerts no entry allows, and how many each entry suppressed (by `kind=value`)."""
    kept: list[Alert] = []
    suppressed: Counter[str] = Counter()
    for alert in alerts:
        match = next((entry for entry in entries if entry.matches(alert.evidence)), None)
        if match is None:
            kept.append(alert)
        else:
            suppressed[f"{match.kind}={match.value}"] += 1
    return kept, suppressed
