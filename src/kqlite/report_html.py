"""A hunt's alerts as one self-contained HTML page: a header, a summary by severity, rule and device, a
timeline, and for each alert its chain drawn as boxes and arrows (remote address -> RPC endpoint mapper ->
DcomLaunch -> DCOM server -> children or modules), its summary and its evidence row.

The page needs nothing but itself: inline CSS and inline SVG, no script, no font, no image, and a
Content-Security-Policy that forbids loading or running anything, so opening a report is safe offline.
Every value from the data is escaped (evidence comes from attackers' machines): `_esc` is the only way
data reaches the page."""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kqlite.alerts import Alert
from kqlite.detections import SEVERITIES, Rule
from kqlite.formatting import to_json_value, to_text

Hunt = list[tuple[Rule, list[Alert]]]

# Control characters and lone surrogates would make the page invalid (or unwritable as UTF-8).
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Bidi controls disguise file names (`exe.cod` shown as `doc.exe`): show them, never obey them.
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ATTACK_ID = re.compile(r"^T\d{4}(?:\.\d{3})?$")
_MODULE_SUFFIXES = (".dll", ".ocx", ".cpl", ".drv", ".ax", ".xll", ".wll")
_CHILD_LISTS = ("Children", "ChildProcesses", "HelperChildren", "ChildNames")
_MODULE_LISTS = ("Modules", "LoadedModules", "LoadedDlls", "ModulePaths")
_OUTBOUND_LISTS = ("OutboundTo",)
_MAX_LEAVES = 6  # boxes right of the server; the rest become one "+N more" box
_MAX_LANES = 40  # timeline rows; more devices share one row


def render_report(hunt: Hunt, *, generated_at: dt.datetime, sources: list[str]) -> str:
    """The HTML text of the report of `hunt` (each rule run, with its alerts)."""
    numbered = _number(hunt)
    alerts = [alert for _, group in numbered for _, alert in group]
    body = [_header(hunt, alerts, generated_at, sources), _summary(hunt, alerts)]
    if alerts:
        body.append(_timeline(numbered))
        body.extend(_rule_section(rule, group) for rule, group in numbered if group)
    else:
        body.append('<section class="none"><h2>No alerts</h2><p>No rule raised an alert on this data.</p></section>')
    return _page("".join(body), f"kqlite hunt report: {len(alerts)} alert(s)")


def write_report(path: Path, hunt: Hunt, *, generated_at: dt.datetime, sources: list[str]) -> None:
    """Write the report to `path` (whole or not at all: a reader never sees half a page)."""
    text = render_report(hunt, generated_at=generated_at, sources=sources)
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


# ---- text ----------------------------------------------------------------------------------------------

def _esc(value: Any) -> str:
    """Data as HTML text or a quoted attribute value."""
    text = value if isinstance(value, str) else _plain(value)
    text = _BIDI.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)
    return html.escape(_UNSAFE.sub("\ufffd", text), quote=True)


def _plain(value: Any) -> str:
    """A value as a person reads it: datetimes in Kusto's form, lists and bags as JSON."""
    if isinstance(value, list | tuple | dict):
        return json.dumps(to_json_value(value), ensure_ascii=False)
    return to_text(value)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _wrap(text: str, width: int, lines: int) -> list[str]:
    """Hard-wrapped (command lines have long tokens), at most `lines` lines, the last cut."""
    text = " ".join(text.split())
    rows = [text[i:i + width] for i in range(0, len(text), width)][:lines]
    if len(text) > width * lines:
        rows[-1] = rows[-1][: max(width - 1, 0)] + "…"
    return rows


def _time(value: Any) -> dt.datetime | None:
    """A datetime from the evidence: a datetime, or a string in ISO / Kusto form (an alert read back)."""
    if isinstance(value, str) and value:
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}Z" if value else ""


def _text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else _plain(value)


def _first(evidence: dict[str, Any], *names: str) -> Any:
    for name in names:
        if evidence.get(name) not in (None, ""):
            return evidence[name]
    return None


def _number_of(value: Any) -> float | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value) if isinstance(value, bool | int | float) else False


def _items(value: Any) -> list[Any]:
    """The elements of a list (dynamic) column; a JSON array written as text counts too."""
    if isinstance(value, str) and value.startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [item for item in value if item not in (None, "")] if isinstance(value, list | tuple) else []


def _severity(value: str) -> str:
    """An unknown severity reads as high, as alerts do (docs/alerts.md)."""
    return value if value in SEVERITIES else "high"


def _badge(severity: str) -> str:
    severity = _severity(severity)
    return f'<span class="badge sev-{severity}">{severity}</span>'


def _attack(ids: Iterable[str]) -> str:
    """ATT&CK ids, each a link to its technique page when it looks like one."""
    links = []
    for ident in ids:
        if _ATTACK_ID.match(ident):
            url = "https://attack.mitre.org/techniques/" + ident.replace(".", "/") + "/"
            links.append(f'<a class="attack" href="{url}" rel="noopener noreferrer">{ident}</a>')
        else:
            links.append(f'<span class="attack">{_esc(ident)}</span>')
    return " ".join(links)


def _link(url: str) -> str:
    """A reference: a link only for http(s), so a rule file cannot plant `javascript:`."""
    if re.match(r"^https?://", url, re.IGNORECASE):
        return f'<a href="{_esc(url)}" rel="noopener noreferrer">{_esc(url)}</a>'
    return _esc(url)


# ---- page, header, summary -------------------------------------------------------------------------

def _page(body: str, title: str) -> str:
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">"
            '<meta name="referrer" content="no-referrer">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_esc(title)}</title><style>{_CSS}</style></head>\n<body>{body}</body></html>\n")


def _number(hunt: Hunt) -> list[tuple[Rule, list[tuple[int, Alert]]]]:
    """Rules by highest severity (high first), alerts by time; each alert numbered for its anchor."""
    def rank(item: tuple[int, tuple[Rule, list[Alert]]]) -> tuple[int, int]:
        index, (_, alerts) = item
        worst = max((SEVERITIES.index(_severity(a.severity)) for a in alerts), default=-1)
        return (-worst, index)

    ordered = [pair for _, pair in sorted(enumerate(hunt), key=rank)]
    out, n = [], 0
    for rule, alerts in ordered:
        group = []
        for alert in sorted(alerts, key=_sort_key):
            n += 1
            group.append((n, alert))
        out.append((rule, group))
    return out


def _sort_key(alert: Alert) -> tuple[bool, dt.datetime]:
    when = _time(alert.timestamp)
    return (when is None, when or dt.datetime.min.replace(tzinfo=dt.UTC))


def _header(hunt: Hunt, alerts: list[Alert], generated_at: dt.datetime, sources: list[str]) -> str:
    read = "".join(f"<li><code>{_esc(s)}</code></li>" for s in sources) or "<li>(no sources named)</li>"
    alerting = sum(1 for _, group in hunt if group)
    generated = _time(generated_at)
    return (f'<header><h1>kqlite hunt report</h1><p class="meta">Generated <time>{_esc(_when(generated))}'
            f"</time> · {len(hunt)} rule(s) run, {alerting} alerted · "
            f'<strong class="total">{len(alerts)}</strong> alert(s)</p>'
            f'<details class="sources" open><summary>Read {len(sources)} source(s)</summary>'
            f"<ul>{read}</ul></details></header>")


def _summary(hunt: Hunt, alerts: list[Alert]) -> str:
    counts = Counter(_severity(a.severity) for a in alerts)
    cards = "".join(
        f'<div class="card sev-{s}{" zero" if not counts[s] else ""}" data-severity="{s}" '
        f'data-count="{counts[s]}"><span class="n">{counts[s]}</span><span>{s}</span></div>'
        for s in reversed(SEVERITIES))
    parts = [f'<section class="summary"><h2>Summary</h2><div class="cards">{cards}</div>']
    if alerts:
        parts.append(_rule_table(hunt))
        parts.append(_device_table(alerts))
    parts.append("</section>")
    return "".join(parts)


def _worst(alerts: Iterable[Alert]) -> str:
    return max((_severity(a.severity) for a in alerts), key=SEVERITIES.index, default="informational")


def _rule_table(hunt: Hunt) -> str:
    rows = "".join(
        f"<tr><td>{_esc(rule.title)}<br><code>{_esc(rule.id)}</code></td><td>{_badge(_worst(alerts))}</td>"
        f'<td class="num">{len(alerts)}</td></tr>'
        for rule, alerts in sorted(hunt, key=lambda pair: -len(pair[1])) if alerts)
    return ('<table class="by-rule"><caption>By rule</caption><thead><tr><th>Rule</th><th>Severity</th>'
            f'<th class="num">Alerts</th></tr></thead><tbody>{rows}</tbody></table>')


def _device_table(alerts: list[Alert]) -> str:
    by_device: dict[str, list[Alert]] = {}
    for alert in alerts:
        by_device.setdefault(alert.device or "(no device)", []).append(alert)
    rows = []
    for device, group in sorted(by_device.items(), key=lambda pair: (-len(pair[1]), pair[0])):
        times = sorted(t for t in (_time(a.timestamp) for a in group) if t)
        seen = f"{_when(times[0])} – {_when(times[-1])}" if times else ""
        rows.append(f'<tr data-device="{_esc(device)}"><td>{_esc(device)}</td><td>{_badge(_worst(group))}</td>'
                    f'<td class="num">{len(group)}</td><td>{_esc(seen)}</td></tr>')
    return ('<table class="by-device"><caption>By device</caption><thead><tr><th>Device</th><th>Highest</th>'
            f'<th class="num">Alerts</th><th>First – last</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


# ---- timeline --------------------------------------------------------------------------------------

_TICKS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
          172800, 604800, 1209600, 2592000, 7776000, 31536000)


def _timeline(numbered: list[tuple[Rule, list[tuple[int, Alert]]]]) -> str:
    """One lane per device, one mark per alert (a link to it), coloured by severity, on a time axis."""
    marks = [(n, a, _time(a.timestamp)) for _, group in numbered for n, a in group]
    timed = [(n, a, t) for n, a, t in marks if t]
    untimed = len(marks) - len(timed)
    note = f'<p class="note">{untimed} alert(s) have no time and are not on the timeline.</p>' if untimed else ""
    if not timed:
        return f'<section class="timeline"><h2>Timeline</h2>{note}</section>'
    lanes = _lanes([a.device or "(no device)" for _, a, _ in timed])
    start, end = min(t for *_, t in timed), max(t for *_, t in timed)
    span = (end - start).total_seconds()
    left, width, lane_h, top = 200, 860, 22, 8
    height = top + lane_h * len(lanes.order) + 34

    def x(when: dt.datetime) -> float:
        return left + (width / 2 if span == 0 else (when - start).total_seconds() / span * width)

    out = [f'<svg class="timeline-chart" viewBox="0 0 {left + width + 30} {height}" role="img" '
           f'aria-label="Timeline of {len(timed)} alerts">']
    for i, label in enumerate(lanes.order):
        y = top + i * lane_h
        out.append(f'<g class="lane"><rect x="0" y="{y}" width="{left + width + 30}" height="{lane_h}" '
                   f'class="{"odd" if i % 2 else "even"}"/><text x="{left - 10}" y="{y + 15}" class="device" '
                   f'text-anchor="end"><title>{_esc(label)}</title>{_esc(_cut(label, 30))}</text></g>')
    axis_y = top + lane_h * len(lanes.order)
    out.append(_axis(start, span, x, left, width, axis_y))
    by_rank = sorted(timed, key=lambda m: SEVERITIES.index(_severity(m[1].severity)))  # high drawn on top
    for n, alert, when in by_rank:
        y = top + lanes.row[alert.device or "(no device)"] * lane_h + lane_h / 2
        sev = _severity(alert.severity)
        tip = f"{_when(when)} · {sev} · {alert.title}\n{alert.summary}"
        out.append(f'<a href="#alert-{n}"><circle class="mark sev-{sev}" cx="{x(when):.1f}" cy="{y:.1f}" '
                   f'r="5.5"><title>{_esc(tip)}</title></circle></a>')
    out.append("</svg>")
    legend = "".join(f'<span class="legend"><i class="dot sev-{s}"></i>{s}</span>' for s in reversed(SEVERITIES))
    return f'<section class="timeline"><h2>Timeline</h2><div class="legends">{legend}</div>{"".join(out)}{note}</section>'


@dataclass
class _Lanes:
    order: list[str]
    row: dict[str, int]


def _lanes(devices: list[str]) -> _Lanes:
    """A lane per device by first appearance; past _MAX_LANES the least alerting devices share the last."""
    counts = Counter(devices)
    first = list(dict.fromkeys(devices))
    if len(first) <= _MAX_LANES:
        return _Lanes(first, {d: i for i, d in enumerate(first)})
    kept = {d for d, _ in counts.most_common(_MAX_LANES - 1)}
    order = [d for d in first if d in kept]
    order.append(f"{len(first) - len(order)} other devices")
    row = {d: order.index(d) if d in kept else len(order) - 1 for d in first}
    return _Lanes(order, row)


def _axis(start: dt.datetime, span: float, x: Callable[[dt.datetime], float], left: int, width: int, y: int) -> str:
    # a bogus time (1601-01-01 is common in Windows data) makes a span of centuries: whole years then
    step = next((s for s in _TICKS if span / s <= 8), math.ceil(span / 8 / _TICKS[-1]) * _TICKS[-1])
    first = math.ceil(start.timestamp() / step) * step
    fmt = "%H:%M:%S" if step < 60 else "%H:%M" if span < 86400 else "%m-%d %H:%M"
    if step >= 86400:
        fmt = "%Y-%m-%d"
    parts = [f'<g class="axis"><line x1="{left}" y1="{y}" x2="{left + width}" y2="{y}"/>']
    ticks = [start] if span == 0 else [dt.datetime.fromtimestamp(first + k * step, dt.UTC)
                                       for k in range(int((start.timestamp() + span - first) // step) + 1)]
    ticks = ticks or [start]  # a span shorter than one step, between two round times
    for tick in ticks:
        tx = x(tick)
        parts.append(f'<line x1="{tx:.1f}" y1="{y}" x2="{tx:.1f}" y2="{y + 5}"/>'
                     f'<text x="{tx:.1f}" y="{y + 17}" text-anchor="middle">{tick.strftime(fmt)}</text>')
    parts.append(f'<text x="{left}" y="{y + 31}" class="caption">UTC, from {_when(start)}</text></g>')
    return "".join(parts)


# ---- the chain -------------------------------------------------------------------------------------

@dataclass
class _Box:
    kind: str            # remote, epm, launch, server, child, module, outbound, more
    title: str
    details: list[str] = field(default_factory=list)
    text: str = ""       # a command line or path: wrapped in the box, whole in the tooltip
    seen: bool = True    # False: drawn dashed, "not in the evidence"
    tooltip: str = ""


def _chain(evidence: dict[str, Any]) -> tuple[list[_Box], list[_Box]]:
    """The boxes left to right up to the DCOM server, and those the server led to."""
    if "dcomlaunch" in _text(evidence.get("InitiatingProcessCommandLine")).lower() and evidence.get("FileName"):
        # the row is the server's own start (svchost -k DcomLaunch -> FileName): the server is one box left
        return ([_remote(evidence), _epm(evidence), _launcher(evidence), _started_server(evidence)],
                _leaves(evidence, own_file=False))
    return [_remote(evidence), _epm(evidence), _launch(evidence), _server(evidence)], _leaves(evidence)


def _remote(ev: dict[str, Any]) -> _Box:
    others = [_text(ip) for ip in _items(ev.get("RemoteIPs"))]
    ip = _text(_first(ev, "RemoteIP", "IPAddress", "SourceIP")) or (others[0] if others else "")
    if not ip:
        return _Box("remote", "remote address", ["not in the evidence"], seen=False)
    others = [o for o in others if o != ip]
    details = [f"source port {_text(ev['RemotePort'])}"] if _first(ev, "RemotePort") is not None else []
    if others:
        details.append(f"+{len(others)} other address(es)")
    if when := _time(ev.get("NetTime")):
        details.append(_when(when))
    return _Box("remote", ip, details, tooltip="\n".join(["remote addresses:", ip, *others]) if others else "")


def _epm(ev: dict[str, Any]) -> _Box:
    hits = _number_of(ev.get("EpmHits"))
    seen = (_truthy(ev.get("EpmSeen")) or (hits or 0) > 0 or _number_of(ev.get("LocalPort")) == 135
            or _time(ev.get("EpmTime")) is not None)
    if not seen:
        return _Box("epm", "port 135", ["RPC endpoint mapper", "not seen in the evidence"], seen=False)
    details = ["RPC endpoint mapper", "connection seen" + (f" ({int(hits)})" if hits else "")]
    if when := _time(ev.get("EpmTime")):
        details.append(_when(when))
    return _Box("epm", "port 135", details)


def _launch(ev: dict[str, Any]) -> _Box:
    """The server's parent: svchost -k DcomLaunch when its command line says so."""
    command = next((_text(v) for k, v in ev.items() if "parent" in k.lower() and k.lower().endswith("commandline")
                    and v not in (None, "")), "")
    name = _text(ev.get("InitiatingProcessParentFileName"))
    details = []
    if (pid := _first(ev, "InitiatingProcessParentId")) is not None:
        details.append(f"PID {_text(pid)}")
    if when := _time(ev.get("InitiatingProcessParentCreationTime")):
        details.append(f"started {_when(when)}")
    if "dcomlaunch" in command.lower():
        return _Box("launch", "svchost.exe -k DcomLaunch", details, text=command)
    if command or name:
        if not command:
            details.append("command line not in the evidence")
        return _Box("launch", name or "parent process", details, text=command)
    return _Box("launch", "DcomLaunch", ["svchost.exe -k DcomLaunch", "not in the evidence"], seen=False)


def _server(ev: dict[str, Any]) -> _Box:
    name = _text(_first(ev, "InitiatingProcessFileName", "ServerFileName", "DcomServer", "SrvName"))
    if not name:
        return _Box("server", "DCOM server", ["not in the evidence"], seen=False)
    details = _server_details(ev, ("InitiatingProcessId", "SrvPid"), ("InitiatingProcessCreationTime", "SrvStart"),
                              "InitiatingProcessAccountName")
    return _Box("server", name, details, text=_text(_first(ev, "InitiatingProcessCommandLine", "SrvCmd")))


def _server_details(ev: dict[str, Any], pid: tuple[str, ...], started: tuple[str, ...], account: str) -> list[str]:
    """PID, start, the port it accepted on and the account of a server, from the columns that hold them."""
    details = []
    if (value := _first(ev, *pid)) is not None:
        details.append(f"PID {_text(value)}")
    if when := _time(_first(ev, *started)):
        details.append(f"started {_when(when)}")
    local = _number_of(ev.get("LocalPort"))
    if local is not None and local != 135:
        details.append(f"accepted on port {_text(ev['LocalPort'])}")
    if name := _text(ev.get(account)):
        details.append(f"as {name}")
    return details


def _launcher(ev: dict[str, Any]) -> _Box:
    details = [f"PID {_text(ev['InitiatingProcessId'])}"] if _first(ev, "InitiatingProcessId") is not None else []
    if when := _time(ev.get("InitiatingProcessCreationTime")):
        details.append(f"started {_when(when)}")
    return _Box("launch", "svchost.exe -k DcomLaunch", details, text=_text(ev["InitiatingProcessCommandLine"]))


def _started_server(ev: dict[str, Any]) -> _Box:
    details = _server_details(ev, ("ProcessId",), ("ProcessCreationTime", "Timestamp"), "AccountName")
    text = _text(_first(ev, "ProcessCommandLine", "FolderPath"))
    return _Box("server", _text(ev["FileName"]), details, text=text)


def _leaves(ev: dict[str, Any], own_file: bool = True) -> list[_Box]:
    """What the server led to: the row's own FileName (a child or a module), then the list columns."""
    boxes = []
    name = _text(ev.get("FileName")) if own_file else ""
    if name and name.lower().endswith(_MODULE_SUFFIXES):
        boxes.append(_Box("module", name, ["loaded module", *_time_detail(ev)], text=_text(ev.get("FolderPath"))))
    elif name:
        boxes.append(_child(ev))
    for column in _CHILD_LISTS:
        boxes.extend(_listed("child", "child process", item) for item in _items(ev.get(column)))
    for column in _MODULE_LISTS:
        boxes.extend(_listed("module", "loaded module", item) for item in _items(ev.get(column)))
    for column in _OUTBOUND_LISTS:
        boxes.extend(_Box("outbound", _text(item), ["outbound connection"]) for item in _items(ev.get(column)))
    if not boxes:
        return [_Box("child", "child process", ["no child process or module", "in the evidence"], seen=False)]
    if len(boxes) > _MAX_LEAVES:
        rest = boxes[_MAX_LEAVES - 1:]
        more = _Box("more", f"+{len(rest)} more", ["see the evidence table"],
                    tooltip="\n".join(f"{b.title} {b.text}".strip() for b in rest))
        boxes = boxes[:_MAX_LEAVES - 1] + [more]
    return boxes


def _time_detail(ev: dict[str, Any]) -> list[str]:
    when = _time(_first(ev, "ChildTime", "Timestamp"))
    return [_when(when)] if when else []


def _child(ev: dict[str, Any]) -> _Box:
    details = []
    if (pid := _first(ev, "ProcessId")) is not None:
        details.append(f"PID {_text(pid)}")
    details.extend(_time_detail(ev))
    if account := _text(ev.get("AccountName")):
        details.append(f"as {account}")
    command = _text(ev.get("ProcessCommandLine"))
    folder = _text(ev.get("FolderPath"))
    return _Box("child", _text(ev["FileName"]), details, text=command or folder,
                tooltip="\n".join(t for t in (folder, command) if t))


def _listed(kind: str, what: str, item: Any) -> _Box:
    """A child or module from a list column: a name or path, or a bag with Defender's column names."""
    if isinstance(item, dict):
        name = _text(_first(item, "FileName", "Name", "ModuleName")) or what
        details = [what, *_time_detail(item)]
        return _Box(kind, name, details, text=_text(_first(item, "ProcessCommandLine", "FolderPath", "Path")))
    text = _text(item)
    base = re.split(r"[\\/]", text)[-1] or text
    return _Box(kind, base, [what], text=text if base != text else "")


# Geometry: monospace text (so a line's width is its length); one SVG per alert keeps the page light.
_CHAR_W, _SANS_W, _BOLD_W, _LINE_H, _PAD = 6.7, 6.0, 7.4, 14, 8
_WIDTHS = {"remote": 190, "epm": 170, "launch": 210, "server": 240}
_LEAF_W, _GAP, _LEAF_GAP, _TEXT_LINES = 340, 40, 10, 3


def _chain_svg(n: int, evidence: dict[str, Any]) -> str:
    """Stages left to right on the middle line, the server's children or modules stacked at the right."""
    stages, leaves = _chain(evidence)
    height = max(_box_height(b) for b in stages)
    leaf_h = max(_box_height(b) for b in leaves)  # each column its own height: a module box stays small
    leaves_h = len(leaves) * leaf_h + (len(leaves) - 1) * _LEAF_GAP
    total_h = max(leaves_h, height) + 2 * _PAD
    mid = total_h / 2
    out, x = [], _PAD
    boxes: list[tuple[_Box, float, float, float, float]] = []  # box, x, y, width, height
    for box in stages:
        boxes.append((box, x, mid - height / 2, _WIDTHS[box.kind], height))
        x += _WIDTHS[box.kind] + _GAP
    top = mid - leaves_h / 2
    boxes.extend((box, x, top + i * (leaf_h + _LEAF_GAP), _LEAF_W, leaf_h) for i, box in enumerate(leaves))
    for (_, x1, _, w1, _), (to, x2, _, _, _) in zip(boxes[:3], boxes[1:4], strict=True):
        out.append(_arrow(x1 + w1, mid, x2, mid, to.seen))
    server_box, sx, _, sw, _ = boxes[3]
    out.extend(_arrow(sx + sw, mid, lx, ly + leaf_h / 2, leaf.seen and server_box.seen)
               for leaf, lx, ly, _, _ in boxes[4:])
    out.extend(_box_svg(box, bx, by, bw, bh) for box, bx, by, bw, bh in boxes)
    width = x + _LEAF_W + _PAD
    return (f'<svg class="chain" id="chain-{n}" viewBox="0 0 {width:.0f} {total_h:.0f}" '
            f'width="{width:.0f}" height="{total_h:.0f}" role="img" aria-label="alert {n}: chain">'
            f'{"".join(out)}</svg>')


def _box_height(box: _Box) -> float:
    lines = 1 + len(box.details) + len(_box_text(box, _WIDTHS.get(box.kind, _LEAF_W)))
    return _PAD * 2 + lines * _LINE_H


def _box_text(box: _Box, width: float) -> list[str]:
    return _wrap(box.text, int((width - 2 * _PAD) / _CHAR_W), _TEXT_LINES) if box.text else []


def _box_svg(box: _Box, x: float, y: float, width: float, height: float) -> str:
    inner = width - 2 * _PAD
    tip = "\n".join(t for t in (box.title, *box.details, box.tooltip or box.text) if t)
    state = "" if box.seen else " missing"
    lines = [f'<text x="{x + _PAD:.1f}" y="{y + _PAD + 11:.1f}" class="name">{_esc(_cut(box.title, int(inner / _BOLD_W)))}</text>']
    row = 1
    for detail in box.details:
        lines.append(f'<text x="{x + _PAD:.1f}" y="{y + _PAD + 11 + row * _LINE_H:.1f}" class="detail">'
                     f"{_esc(_cut(detail, int(inner / _SANS_W)))}</text>")
        row += 1
    for part in _box_text(box, width):
        lines.append(f'<text x="{x + _PAD:.1f}" y="{y + _PAD + 11 + row * _LINE_H:.1f}" class="cmd">'
                     f"{_esc(part)}</text>")
        row += 1
    return (f'<g class="box {box.kind}{state}"><title>{_esc(tip)}</title>'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" rx="6"/>'
            f'{"".join(lines)}</g>')


def _arrow(x1: float, y1: float, x2: float, y2: float, seen: bool) -> str:
    """A line with its head drawn as a polygon: markers would need ids unique across the page."""
    angle = math.atan2(y2 - y1, x2 - x1)
    head = [(x2, y2)] + [(x2 - 9 * math.cos(angle + s * 0.45), y2 - 9 * math.sin(angle + s * 0.45)) for s in (-1, 1)]
    points = " ".join(f"{px:.1f},{py:.1f}" for px, py in head)
    return (f'<g class="arrow{"" if seen else " missing"}"><line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" '
            f'y2="{y2:.1f}"/><polygon points="{points}"/></g>')


# ---- alerts ----------------------------------------------------------------------------------------

def _rule_section(rule: Rule, group: list[tuple[int, Alert]]) -> str:
    about = [f"<p>{_esc(rule.description)}</p>"] if rule.description else []
    if rule.attack:
        about.append(f"<p>ATT&amp;CK: {_attack(rule.attack)}</p>")
    if rule.falsepositives:
        about.append(f'<p class="fp">False positives: {_esc(rule.falsepositives)}</p>')
    if rule.references:
        about.append("<ul class=\"refs\">" + "".join(f"<li>{_link(r)}</li>" for r in rule.references) + "</ul>")
    alerts = "".join(_alert(n, alert) for n, alert in group)
    return (f'<section class="rule" data-rule="{_esc(rule.id)}"><h2>{_esc(rule.title)} '
            f'<code>{_esc(rule.id)}</code> <span class="count">{len(group)} alert(s)</span></h2>'
            f'<div class="about">{"".join(about)}</div>{alerts}</section>')


def _alert(n: int, alert: Alert) -> str:
    severity = _severity(alert.severity)
    when = _when(_time(alert.timestamp)) or "no time"
    rows = "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(_plain(v))}</td></tr>" for k, v in alert.evidence.items())
    remote = f" · from <b>{_esc(alert.remote_ip)}</b>" if alert.remote_ip else ""
    return (f'<article class="alert sev-{severity}" id="alert-{n}" data-severity="{severity}">'
            f'<h3><a class="anchor" href="#alert-{n}">#{n}</a> {_badge(severity)} {_esc(alert.title)}</h3>'
            f'<p class="meta"><time>{_esc(when)}</time> · <b>{_esc(alert.device or "(no device)")}</b>{remote}'
            f" · {_attack(alert.attack)}</p>"
            f'<p class="summary-line">{_esc(alert.summary)}</p>'
            f'<div class="chain-wrap">{_chain_svg(n, alert.evidence)}</div>'
            f"<details><summary>Evidence ({len(alert.evidence)} columns)</summary>"
            f'<table class="evidence">{rows}</table></details></article>')


_CSS = """
:root{--high:#c62828;--medium:#e65100;--low:#b28704;--informational:#1565c0;--ink:#1d232a;--muted:#5f6b76;
--line:#d6dbe0;--bg:#f6f7f9}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1500px;padding:18px 24px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",
Roboto,sans-serif;color:var(--ink);background:#fff}
h1{margin:0 0 4px;font-size:24px}h2{font-size:18px;margin:26px 0 10px;border-bottom:1px solid var(--line);
padding-bottom:4px}h3{font-size:15px;margin:0 0 4px}
code,.cmd,.evidence td{font-family:ui-monospace,"Cascadia Mono",Menlo,Consolas,monospace}
.meta{color:var(--muted);margin:2px 0}.sources ul{margin:4px 0;padding-left:22px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:14px}
.card{min-width:130px;padding:10px 14px;border-radius:8px;color:#fff;display:flex;flex-direction:column}
.card .n{font-size:26px;font-weight:700}.card.zero{opacity:.35}
.sev-high{--sev:var(--high)}.sev-medium{--sev:var(--medium)}.sev-low{--sev:var(--low)}
.sev-informational{--sev:var(--informational)}
.card,.badge,.dot{background:var(--sev)}
.badge{color:#fff;border-radius:10px;padding:1px 8px;font-size:12px;font-weight:600;vertical-align:middle}
.summary table{border-collapse:collapse;margin:6px 24px 12px 0;display:inline-table;vertical-align:top}
.summary caption{text-align:left;font-weight:600;padding-bottom:4px}
.summary th,.summary td{border-bottom:1px solid var(--line);padding:4px 10px;text-align:left}
.num{text-align:right!important}
.legends{margin-bottom:4px}.legend{margin-right:14px;color:var(--muted)}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:5px}
.timeline-chart{width:100%;height:auto;max-width:1100px;display:block}
.timeline-chart .even{fill:#fff}.timeline-chart .odd{fill:var(--bg)}
.timeline-chart text{font-size:11px;fill:var(--ink)}.timeline-chart .caption{fill:var(--muted)}
.axis line{stroke:#8a949e}
.mark{fill:var(--sev);stroke:#fff;stroke-width:1;opacity:.9}.mark:hover{stroke:#000;stroke-width:2}
.rule .about{color:var(--muted)}.rule h2 code{font-size:12px;color:var(--muted)}
.count{font-size:13px;font-weight:400;color:var(--muted)}
.attack{font-family:ui-monospace,monospace;font-size:12px;margin-right:4px}
.alert{border:1px solid var(--line);border-left:5px solid var(--sev);border-radius:6px;padding:10px 14px;
margin:12px 0}
.alert .anchor{color:var(--muted);text-decoration:none}
.summary-line{margin:6px 0}
.chain-wrap{overflow-x:auto;margin:6px 0}
.chain{display:block;max-width:none}
.chain text{font-size:11px;fill:var(--ink)}.chain .name{font-weight:700;font-size:12px}
.chain .detail{fill:var(--muted)}.chain .cmd{fill:#263238}
.chain .box rect{fill:#eef3f8;stroke:#7a8a99;stroke-width:1.2}
.chain .remote rect{fill:#fdecea;stroke:#c62828}.chain .epm rect{fill:#fff4e5;stroke:#e65100}
.chain .launch rect{fill:#eef3f8}.chain .server rect{fill:#e8eaf6;stroke:#3949ab}
.chain .child rect{fill:#fff8e1;stroke:#b28704}.chain .module rect{fill:#f3e5f5;stroke:#8e24aa}
.chain .outbound rect{fill:#e0f2f1;stroke:#00897b}
.chain .missing rect{fill:#fff;stroke:#9aa5b1;stroke-dasharray:5 4}.chain .missing text{fill:#9aa5b1}
.arrow line{stroke:#55606b;stroke-width:1.6}.arrow polygon{fill:#55606b}
.arrow.missing line{stroke:#b0b8c1;stroke-dasharray:5 4}.arrow.missing polygon{fill:#b0b8c1}
details summary{cursor:pointer;color:var(--muted)}
.evidence{border-collapse:collapse;margin-top:6px;width:100%;table-layout:fixed}
.evidence th{width:240px;text-align:left;vertical-align:top;font-weight:600;padding:3px 8px;
overflow-wrap:anywhere}
.evidence td{padding:3px 8px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:12.5px}
.evidence tr:nth-child(odd){background:var(--bg)}
@media print{details{display:block}details>*{display:block}.chain-wrap{overflow:visible}}
"""
