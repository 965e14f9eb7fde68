"""kqlite in a notebook: `%load_ext kqlite`, `%kql_connect`, the `%%kql` magic with Python variables, the HTML
view of a result, and evidence of any format attached from Python (EVTX included)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import kqlite

IPython = pytest.importorskip("IPython")
MMC20_EVTX = (Path(__file__).resolve().parents[2] / "shared" / "datasets" / "evtx-attack-samples" / "lateral-movement"
              / "LM_impacket_docmexec_mmc_sysmon_01.evtx")


@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "kqlite")
    yield ip
    ip.user_ns.pop("_kqlite_connection", None)


def test_cell_magic_returns_a_dataframe_and_takes_python_variables(shell, demo):
    shell.run_line_magic("kql_connect", str(demo))
    shell.user_ns["server"] = "MMC.EXE"
    shell.user_ns["since"] = datetime(2024, 8, 5, tzinfo=UTC)
    frame = shell.run_cell_magic("kql", "-o children", """
DeviceProcessEvents
| where InitiatingProcessFileName =~ server and Timestamp > since
| project FileName, ProcessId
| sort by ProcessId asc""")
    assert list(frame.columns) == ["FileName", "ProcessId"]
    assert list(frame["FileName"]) == ["cmd.exe", "cmd.exe", "cmd.exe"]
    assert shell.user_ns["children"] is frame


def test_a_let_or_a_column_hides_a_python_variable_of_the_same_name(shell, demo):
    shell.run_line_magic("kql_connect", str(demo))
    shell.user_ns["FileName"] = "not a column"
    shell.user_ns["n"] = 99
    frame = shell.run_cell_magic("kql", "", "let n = 2; DeviceProcessEvents | take n | project FileName")
    assert len(frame) == 2 and "not a column" not in list(frame["FileName"])


def test_line_magic_and_a_named_connection(shell, demo):
    shell.user_ns["mine"] = kqlite.connect(evidence=[demo])
    frame = shell.run_cell_magic("kql", "-c mine", "DeviceNetworkEvents | count")
    assert int(frame.iloc[0, 0]) == 35
    shell.run_line_magic("kql_connect", str(demo))
    assert int(shell.run_line_magic("kql", "DeviceProcessEvents | count").iloc[0, 0]) == 71


def test_result_html_escapes_values_and_says_how_many_rows():
    result = kqlite.connect().query('range x from 1 to 60 step 1 | extend s = "<b>&x</b>"')
    html = result._repr_html_()
    assert html.count("<tr>") == 51  # the header and the first 50 rows
    assert "&lt;b&gt;&amp;x&lt;/b&gt;" in html and "<b>&x</b>" not in html
    assert "60 rows, first 50 shown" in html


@pytest.mark.skipif(not MMC20_EVTX.is_file(), reason="../shared/datasets is not here")
def test_evidence_of_any_format_attaches_from_python():
    con = kqlite.connect(evidence=[MMC20_EVTX])
    assert con.query("DeviceProcessEvents | where InitiatingProcessFileName =~ 'mmc.exe' | count").rows()[0][0] == 3
    assert con.evidence_report.rows["DeviceProcessEvents"] > 0
    one = kqlite.connect(tables={"DeviceNetworkEvents": str(MMC20_EVTX)})
    assert one.query("DeviceNetworkEvents | where RemoteIP == '10.0.2.19' | count").rows()[0][0] >= 1
    with pytest.raises(kqlite.KqlDataError, match="holds no EmailEvents rows"):
        kqlite.connect(tables={"EmailEvents": str(MMC20_EVTX)})
