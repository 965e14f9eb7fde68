"""The HTML hunt report: its structure (escaping, one chain per alert, summary counts), then the page as
Chromium draws it (no errors, nothing fetched, chains and timeline drawn, a real screenshot)."""

from __future__ import annotations

import datetime as dt
import re
import struct
import time
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from kqlite.alerts import Alert, alerts_of
from kqlite.detections import Rule
from kqlite.report_html import render_report, write_report

GENERATED = dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.UTC)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOSTILE = "cmd.exe /c \"<script>alert(1)</script>\" '</svg><img src=x onerror=alert(2)>' </details></table>"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def rule(ident: str, title: str, **fields: Any) -> Rule:
    fields.setdefault("severity_column", "Severity")
    return Rule(id=ident, title=title, query="", path=f"{ident}.kql", **fields)


def alert(of: Rule, evidence: dict[str, Any]) -> Alert:
    """An alert as `kqlite hunt` makes it from a result row (severity, summary and all)."""
    return alerts_of(of, list(evidence), [tuple(evidence.values())])[0]


SEED = rule("kqlite.dcom.hardened-seed", "Remote DCOM server spawned a child process",
            description="A COM server launched by svchost -k DcomLaunch spawned a child after a remote connection.",
            attack=("T1021.003", "T1559.001"), references=("https://attack.mitre.org/techniques/T1021/003/",),
            falsepositives="COM+ applications")
SILENT = rule("kqlite.dcom.silent-server", "Remote DCOM server loaded modules and started no child",
              attack=("T1021.003",))
ACTIVATION = rule("kqlite.dcom.lm-server-activation", "DcomLaunch started a COM server", attack=("T1021.003",))
EVIL = rule("evil.rule", "<img src=x onerror=alert(6)>", description=HOSTILE,
            attack=("T1021.003", "<svg onload=alert(8)>"), references=("javascript:alert(7)",))


def mmc20(child: str = "cmd.exe", command: str = r"/Q /c cd \ 1> \\127.0.0.1\ADMIN$\__17228 2>&1",
          when: str = "2024-08-05T14:23:09.100", device: str = "ws-fin-014.contoso.local") -> dict[str, Any]:
    """The row of an Impacket dcomexec (MMC20.Application) child, with the columns the rules output."""
    return {
        "Timestamp": at(when), "DeviceName": device, "Severity": "high",
        "InitiatingProcessFileName": "mmc.exe", "InitiatingProcessCommandLine": r"C:\Windows\system32\mmc.exe -Embedding",
        "InitiatingProcessId": 10732, "InitiatingProcessCreationTime": at("2024-08-05T14:23:07.564"),
        "InitiatingProcessAccountName": "adm-jsmith", "InitiatingProcessParentFileName": "svchost.exe",
        "InitiatingProcessParentId": 884,
        "InitiatingProcessParentCommandLine": r"C:\Windows\system32\svchost.exe -k DcomLaunch -p",
        "FileName": child, "FolderPath": rf"C:\Windows\System32\{child}", "ProcessId": 11208,
        "ProcessCommandLine": rf'"C:\Windows\System32\{child}" {command}', "AccountName": "adm-jsmith",
        "RemoteIP": "10.0.2.19", "RemoteIPs": ["10.0.2.19"], "RemotePort": 51718, "LocalPort": 49871,
        "NetTime": at("2024-08-05T14:23:08.817"), "EpmSeen": True,
    }


def silent_server() -> dict[str, Any]:
    """In-memory execution: the server loaded modules and called back, and started no child."""
    return {
        "Timestamp": at("2024-08-05T15:02:11.000"), "DeviceName": "srv-app02.contoso.local", "Severity": "medium",
        "InitiatingProcessFileName": "EXCEL.EXE",
        "InitiatingProcessCommandLine": r'"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE" /automation -Embedding',
        "InitiatingProcessId": 5120, "RemoteIP": "10.0.3.7", "RemoteIPs": ["10.0.3.7", "10.0.3.8"],
        "LocalPort": 50211, "EpmSeen": False,
        "Modules": [r"C:\Users\Public\payload.xll", r"C:\Windows\System32\vbe7.dll"],
        "OutboundTo": ["10.0.3.7:443"],
    }


def activation() -> dict[str, Any]:
    """The server's own start: svchost -k DcomLaunch (the initiating process) started mmc.exe."""
    return {
        "Timestamp": at("2024-08-05T14:23:07.564"), "DeviceName": "ws-fin-014.contoso.local", "Severity": "high",
        "FileName": "mmc.exe", "ProcessCommandLine": r"C:\Windows\system32\mmc.exe -Embedding",
        "RemoteIP": "10.0.2.19", "InitiatingProcessFileName": "svchost.exe",
        "InitiatingProcessCommandLine": r"C:\Windows\system32\svchost.exe -k DcomLaunch -p",
    }


def hostile() -> dict[str, Any]:
    return {
        "Timestamp": at("2024-08-05T16:00:00"), "DeviceName": 'ws"><script>alert(1)</script>', "Severity": "low",
        "InitiatingProcessFileName": "\u202egpj.exe", "InitiatingProcessCommandLine": "a\x00b\x1bc",
        "FileName": "</title><script>alert(3)</script>.exe", "ProcessCommandLine": HOSTILE,
        "RemoteIP": '1.2.3.4" onload="alert(5)', "<b onmouseover=alert(4)>": "x",
        "Children": [{"FileName": "<i>x</i>", "ProcessCommandLine": "</text></g></svg><script>alert(9)</script>"}],
    }


def sample_hunt() -> list[tuple[Rule, list[Alert]]]:
    return [
        (SEED, [alert(SEED, mmc20()), alert(SEED, mmc20(command="/Q /c whoami", when="2024-08-05T14:23:48.642"))]),
        (SILENT, [alert(SILENT, silent_server())]),
        (ACTIVATION, [alert(ACTIVATION, activation())]),
        (EVIL, [alert(EVIL, hostile())]),
        (rule("quiet.rule", "A rule that found nothing", severity="low", severity_column=None), []),
    ]


class Page(HTMLParser):
    """The tags, attributes and text of a page, checking that every element is closed in order."""

    VOID = {"meta", "br"}  # SVG shapes close themselves (`<rect/>`), reported by handle_startendtag

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attrs: list[tuple[str, str, str | None]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.attrs.extend((tag, name, value) for name, value in attrs)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.attrs.extend((tag, name, value) for name, value in attrs)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"</{tag}> closes nothing open")

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def attr(self, tag: str, name: str) -> list[str | None]:
        return [value for t, n, value in self.attrs if t == tag and n == name]


ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p", "time", "strong",
                "b", "i", "br", "details", "summary", "ul", "li", "code", "section", "div", "span", "table",
                "caption", "thead", "tbody", "tr", "th", "td", "article", "a", "svg", "g", "rect", "text", "line",
                "polygon", "circle"}


def chains(page: str) -> dict[int, str]:
    """Each alert's chain SVG by alert number (the data is escaped, so the first `</svg>` ends it)."""
    return {int(n): body for n, body in re.findall(r'<svg class="chain" id="chain-(\d+)"(.*?)</svg>', page, re.S)}


def boxes(svg: str) -> list[str]:
    return re.findall(r'<g class="box ([a-z ]+)"', svg)


def test_one_chain_per_alert_and_the_page_is_well_formed() -> None:
    page = render_report(sample_hunt(), generated_at=GENERATED, sources=["case/Sysmon.evtx", "case/exports/"])
    parsed = Page(page)
    assert parsed.errors == [] and parsed.stack == []
    assert set(parsed.tags) <= ALLOWED_TAGS
    assert sorted(chains(page)) == [1, 2, 3, 4, 5]
    assert parsed.tags["svg"] == 5 + 1  # a chain per alert and the timeline
    assert parsed.tags["article"] == 5 and parsed.tags["details"] == 5 + 1  # evidence per alert, the sources
    assert parsed.attr("article", "id") == [f"alert-{n}" for n in range(1, 6)]
    assert "case/Sysmon.evtx" in parsed.text and "2026-12-06 09:30:00.000Z" in parsed.text
    assert "A rule that found nothing" not in page  # rules without alerts count, but get no section


def test_summary_counts() -> None:
    page = render_report(sample_hunt(), generated_at=GENERATED, sources=[])
    parsed = Page(page)
    counts = dict(zip(parsed.attr("div", "data-severity"), parsed.attr("div", "data-count"), strict=True))
    assert counts == {"high": "3", "medium": "1", "low": "1", "informational": "0"}
    assert re.search(r'<strong class="total">5</strong>', page)
    assert "5 rule(s) run, 4 alerted" in page
    assert len(parsed.attr("tr", "data-device")) == 3

    def device_row(name: str) -> str:
        return page.split(f'data-device="{name}">', 1)[1].split("</tr>", 1)[0]

    assert '<td class="num">3</td>' in device_row("ws-fin-014.contoso.local")
    assert '<td class="num">1</td>' in device_row("srv-app02.contoso.local")
    # high first: the rules and their alerts in the order a responder reads them
    assert parsed.attr("article", "data-severity") == ["high", "high", "high", "medium", "low"]
    assert len(re.findall(r'<circle class="mark sev-high"', page)) == 3


def test_mmc20_chain_left_to_right() -> None:
    page = render_report([(SEED, [alert(SEED, mmc20())])], generated_at=GENERATED, sources=[])
    svg = chains(page)[1]
    assert boxes(svg) == ["remote", "epm", "launch", "server", "child"]  # all seen: none dashed
    texts = Page(svg).text
    for expected in ("10.0.2.19", "source port 51718", "port 135", "connection seen", "svchost.exe -k DcomLaunch",
                     "PID 884", "mmc.exe", "PID 10732", "started 2024-08-05 14:23:07.564Z",
                     "accepted on port 49871", "cmd.exe", "PID 11208", "2024-08-05 14:23:09.100Z"):
        assert any(expected in t for t in texts), expected
    assert len(re.findall(r'<g class="arrow">', svg)) == 4
    assert "mmc.exe started cmd.exe" in page and "ATT&amp;CK" in page


def test_chain_without_endpoint_mapper_or_parent_is_dashed() -> None:
    row = mmc20()
    for column in ("EpmSeen", "InitiatingProcessParentCommandLine", "InitiatingProcessParentFileName",
                   "InitiatingProcessParentId"):
        del row[column]
    svg = chains(render_report([(SEED, [alert(SEED, row)])], generated_at=GENERATED, sources=[]))[1]
    assert boxes(svg) == ["remote", "epm missing", "launch missing", "server", "child"]
    assert len(re.findall(r'<g class="arrow missing">', svg)) == 2
    assert "not seen in the evidence" in svg


def test_loaded_modules_and_callbacks_are_drawn_right_of_the_server() -> None:
    svg = chains(render_report([(SILENT, [alert(SILENT, silent_server())])], generated_at=GENERATED, sources=[]))[1]
    assert boxes(svg) == ["remote", "epm missing", "launch missing", "server", "module", "module", "outbound"]
    assert "payload.xll" in svg and r"C:\Users\Public\payload.xll" in svg and "+1 other address(es)" in svg


def test_module_row_and_server_start_row() -> None:
    dll = {"Timestamp": at("2024-08-05T15:00:00"), "DeviceName": "ws-01", "InitiatingProcessFileName": "mmc.exe",
           "FileName": "version.dll", "FolderPath": r"C:\Users\Public\version.dll"}
    many = {"InitiatingProcessFileName": "excel.exe", "Modules": [f"C:\\m\\mod{i}.dll" for i in range(9)]}
    page = render_report([(SILENT, [alert(SILENT, dll), alert(SILENT, many)]),
                          (ACTIVATION, [alert(ACTIVATION, activation())])], generated_at=GENERATED, sources=[])
    found = chains(page)
    assert boxes(found[1]) == ["remote missing", "epm missing", "launch missing", "server", "module"]
    assert boxes(found[2])[4:] == ["module"] * 5 + ["more"] and "+4 more" in found[2]
    # svchost -k DcomLaunch is the row's initiating process: the server is its FileName, nothing after it
    assert boxes(found[3]) == ["remote", "epm missing", "launch", "server", "child missing"]
    assert re.search(r'class="name">svchost.exe -k DcomLaunch<.*class="name">mmc.exe<', found[3], re.S)


def test_missing_fields_degrade_and_times_read_back_from_json() -> None:
    bare = Alert("r", "Bare", "medium", [], None, "", "", "Bare", {"Note": 1})
    as_json = alert(SEED, mmc20())
    read_back = Alert(**{**as_json.__dict__, "evidence": as_json.to_json()["evidence"]})  # times as text
    page = render_report([(SEED, [bare, read_back])], generated_at=GENERATED, sources=[])
    found = chains(page)
    assert Page(page).errors == []
    assert boxes(found[2]) == ["remote missing", "epm missing", "launch missing", "server missing", "child missing"]
    assert "started 2024-08-05 14:23:07.564Z" in found[1]
    assert "1 alert(s) have no time" in page


def test_hostile_evidence_is_text_never_markup() -> None:
    page = render_report(sample_hunt(), generated_at=GENERATED, sources=['C:\\case\\"><script>alert(10)</script>'])
    parsed = Page(page)
    assert parsed.errors == [] and parsed.stack == []
    assert set(parsed.tags) <= ALLOWED_TAGS and parsed.tags["script"] == parsed.tags["img"] == 0
    assert "<script" not in page.lower() and "<img" not in page.lower() and "</title><script" not in page
    assert not [name for _, name, _ in parsed.attrs if name.startswith("on")]
    hrefs = parsed.attr("a", "href")
    assert all(h and (h.startswith("#alert-") or h.startswith("https://")) for h in hrefs), hrefs
    assert sorted(chains(page)) == [1, 2, 3, 4, 5]  # `</svg>` in a command line ends no chain
    text = "".join(parsed.text)
    for shown in (HOSTILE, 'ws"><script>alert(1)</script>', "<img src=x onerror=alert(6)>", "javascript:alert(7)",
                  "<b onmouseover=alert(4)>", '1.2.3.4" onload="alert(5)', "<svg onload=alert(8)>",
                  'C:\\case\\"><script>alert(10)</script>'):
        assert shown in text, shown  # shown to the reader, as text
    assert "<U+202E>gpj.exe" in text and "\u202e" not in page  # a bidi override is shown, not obeyed
    assert "\x00" not in page and "\x1b" not in page


def test_no_alerts_is_still_a_page() -> None:
    page = render_report([(SEED, []), (SILENT, [])], generated_at=GENERATED, sources=["empty/"])
    parsed = Page(page)
    assert parsed.errors == [] and parsed.stack == [] and page.startswith("<!DOCTYPE html>")
    assert "No alerts" in page and parsed.tags["svg"] == 0 and parsed.tags["article"] == 0
    assert set(parsed.attr("div", "data-count")) == {"0"}
    assert Page(render_report([], generated_at=GENERATED, sources=[])).errors == []


def many_alerts(count: int, devices: int) -> list[tuple[Rule, list[Alert]]]:
    start = at("2024-08-05T08:00:00")
    alerts = []
    for i in range(count):
        row = mmc20(command=f"/Q /c whoami #{i}", device=f"ws-{i % devices:03d}.contoso.local")
        row["Timestamp"] = start + dt.timedelta(minutes=7 * i)
        row["Severity"] = ("high", "medium", "low", "informational")[i % 4]
        alerts.append(alert(SEED, row))
    return [(SEED, alerts)]


def test_hundreds_of_alerts_stay_light() -> None:
    hunt = many_alerts(400, 60)
    began = time.perf_counter()
    page = render_report(hunt, generated_at=GENERATED, sources=["big/"])
    elapsed = time.perf_counter() - began
    assert len(chains(page)) == 400 and page.count("<svg") == 401
    assert page.count('<circle class="mark') == 400
    assert page.count('<g class="lane">') == 40 and "21 other devices" in page  # lanes are capped
    assert len(page.encode()) < 400 * 12_000, len(page)
    assert elapsed < 5, elapsed


def test_timeline_axis_survives_bogus_times() -> None:
    rows = [mmc20(), mmc20(), mmc20()]
    rows[0]["Timestamp"], rows[2]["Timestamp"] = at("1601-01-01T00:00:00"), at("9999-12-31T23:59:00")
    page = render_report([(SEED, [alert(SEED, r) for r in rows])], generated_at=GENERATED, sources=[])
    axis = page.split('<g class="axis">', 1)[1].split("</g>", 1)[0]
    assert 2 <= axis.count('text-anchor="middle"') <= 9 and page.count('<circle class="mark') == 3


def test_write_report(tmp_path: Path) -> None:
    path = tmp_path / "hunt.html"
    write_report(path, sample_hunt(), generated_at=GENERATED, sources=["x"])
    assert path.read_text(encoding="utf-8") == render_report(sample_hunt(), generated_at=GENERATED, sources=["x"])
    assert [p.name for p in tmp_path.iterdir()] == ["hunt.html"]


# ---- in the browser ---------------------------------------------------------------------------------

def png_facts(data: bytes) -> tuple[int, int, int]:
    """Width, height, and how many distinct byte values the pixel data has (1-2 for a one-colour image,
    whatever the PNG filters), checking the decompressed size matches the header: a real image."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    chunks, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            chunks.append(data[pos + 8:pos + 8 + length])
        pos += 12 + length
    pixels = zlib.decompress(b"".join(chunks))
    channels = {2: 3, 6: 4}[colour]
    assert depth == 8 and len(pixels) == height * (1 + width * channels)
    try:
        from PIL import Image  # exact when Pillow is there
    except ImportError:
        return width, height, len(set(pixels))
    import io

    with Image.open(io.BytesIO(data)) as image:
        return width, height, len(image.convert("RGB").getcolors(1 << 24) or [])


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                                   "(apt-get install -y chromium)")
def test_report_in_chromium(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package (pip install playwright)")
    path = tmp_path / "report.html"
    hunt = sample_hunt()
    write_report(path, hunt, generated_at=GENERATED, sources=["case/"])
    total = sum(len(alerts) for _, alerts in hunt)
    problems: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
            page.on("request", lambda r: problems.append(f"fetched: {r.url}") if r.url != path.as_uri() else None)
            page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
            page.goto(path.as_uri(), wait_until="load")
            drawn = page.evaluate("""() => {
                const size = e => { const b = e.getBoundingClientRect(); return [b.width, b.height]; };
                return {
                    chains: [...document.querySelectorAll('svg.chain')].map(s => ({
                        size: size(s), boxes: [...s.querySelectorAll('g.box rect')].map(size),
                        arrows: s.querySelectorAll('g.arrow').length})),
                    marks: [...document.querySelectorAll('svg.timeline-chart circle.mark')].map(size),
                    pwned: window.pwned === undefined ? null : String(window.pwned),
                    title: document.title,
                };
            }""")
            assert problems == []  # no console error (a CSP violation is one), nothing fetched, no dialog
            assert len(drawn["chains"]) == total
            for chain in drawn["chains"]:
                assert chain["size"][0] > 600 and chain["size"][1] > 60, chain["size"]
                assert len(chain["boxes"]) >= 5 and chain["arrows"] == len(chain["boxes"]) - 1
                assert all(w > 100 and h > 40 for w, h in chain["boxes"]), chain["boxes"]
            assert len(drawn["marks"]) == total and all(w > 5 and h > 5 for w, h in drawn["marks"])
            assert drawn["pwned"] is None and drawn["title"] == f"kqlite hunt report: {total} alert(s)"
            hostile_alert = page.locator("article.alert", has_text="alert(6)")
            assert "<script>alert(1)</script>" in hostile_alert.locator(".summary-line").inner_text()
            hostile_alert.locator("details > summary").click()
            assert HOSTILE in hostile_alert.locator("table.evidence").inner_text()
            first = page.locator("#alert-1")
            assert not first.locator("table.evidence").is_visible()
            first.locator("details > summary").click()
            assert first.locator("table.evidence tr").count() == len(mmc20())
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert problems == []
    width, height, distinct = png_facts(shot.read_bytes())
    assert width == 1400 and height > 2000, (width, height)
    assert distinct > 50, distinct  # text, badges and boxes: not a blank page


def test_hunt_writes_the_html_report(tmp_path):
    from click.testing import CliRunner

    from kqlite.cli import main

    target = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["hunt", "--rule", "defender.remote-dcom-child-proc", "--html", str(target)])
    assert result.exit_code == 0, result.output
    page = target.read_text(encoding="utf-8")
    assert "Remote DCOM Child Proc" in page and page.count("<svg") >= 3 and "ws-fin-014.contoso.local" in page
    assert f"HTML report: {target}" in result.stderr
