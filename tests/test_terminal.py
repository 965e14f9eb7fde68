"""Results as a hunter sees them in a terminal 80 columns wide: the screen is captured from tmux, so what is
checked is what is drawn (widths, wrapping, the pager), not what the program meant to print."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from kqlite.cli import main

TIMESTAMP = re.compile(r"\b2024-08-05T\d\d:\d\d:\d\d\.\d{7}Z\b")
needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def screen(command: str, width: int = 80, height: int = 200, keys: str | None = None) -> list[str]:
    """The screen of a terminal `width` wide after running `command` (the kqlite of this Python)."""
    session = f"kqlite-{uuid.uuid4().hex[:8]}"
    kqlite = f"{shlex.quote(sys.executable)} -m kqlite"
    script = f"{command.replace('kqlite ', kqlite + ' ', 1)}; echo __DONE__; sleep 60"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", str(width), "-y", str(height),
                    "bash", "-c", script], check=True, env={"PATH": "/usr/bin:/bin", "TERM": "xterm-256color",
                                                           "HOME": str(Path.home()), "LANG": "C.UTF-8"})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            lines = subprocess.run(["tmux", "capture-pane", "-t", session, "-p"], capture_output=True, text=True,
                                   check=True).stdout.splitlines()
            if keys is not None and any(line.startswith(":") or "(END)" in line for line in lines):
                return lines  # the pager is showing its first screen
            if any("__DONE__" in line for line in lines):
                drawn = [line for line in lines if "__DONE__" not in line]
                while drawn and not drawn[-1].strip():
                    drawn.pop()
                return drawn
            time.sleep(0.2)
        raise AssertionError("the command did not finish within 60 s:\n" + "\n".join(lines))
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)


@needs_tmux
def test_the_first_query_hunters_type_is_readable_at_80_columns(demo):
    lines = screen(f"kqlite query 'DeviceProcessEvents | take 2' --data {demo} --no-pager")
    text = "\n".join(lines)
    assert all(len(line) <= 80 for line in lines)
    assert text.count("── row ") == 2  # too wide for a grid: one record per row
    assert re.search(r"^Timestamp\s+2024-08-05T02:58:31\.0640000Z$", text, re.M)  # whole, on its line
    assert re.search(r"^FileName\s+smss\.exe$", text, re.M)
    assert re.search(r"^DeviceName\s+srv-mgmt01\.contoso\.local$", text, re.M)
    assert re.search(r"^ProcessCommandLine\s+\\SystemRoot\\System32\\smss\.exe$", text, re.M)
    assert "empty: AccountUpn" in text  # empty fields are counted, not drawn one by one
    assert lines[-1] == "2 rows" or "2 rows" in text


@needs_tmux
def test_a_few_columns_make_a_grid_whose_rows_keep_one_line(demo):
    query = "DeviceProcessEvents | project Timestamp, DeviceName, FileName, ProcessCommandLine | take 5"
    lines = screen(f"kqlite query '{query}' --data {demo} --no-pager")
    assert all(len(line) <= 80 for line in lines)
    body = [line for line in lines if line.startswith("│")]
    assert len(body) == 5  # one line a row: nothing wrapped
    assert all(TIMESTAMP.search(line) for line in body)  # datetimes never cut
    assert any("…" in line for line in body)  # long command lines cut, with an ellipsis


@needs_tmux
def test_many_wide_rows_show_the_first_columns_and_count_the_rest(demo):
    lines = screen(f"kqlite query 'DeviceProcessEvents | take 30' --data {demo} --no-pager")
    text = "\n".join(lines)
    assert all(len(line) <= 80 for line in lines)
    assert re.search(r"\+\d+ more columns: ", text)
    assert sum(1 for line in lines if line.startswith("│")) == 30


@needs_tmux
@pytest.mark.skipif(shutil.which("less") is None, reason="less is not installed")
def test_a_long_result_is_paged_on_a_terminal(demo):
    lines = screen(f"kqlite query 'DeviceProcessEvents | take 2' --data {demo}", height=24, keys="q")
    assert len(lines) <= 24
    assert lines[0].startswith("── row 1")


def test_wide_shows_values_whole_and_tz_shows_local_time(demo):
    runner = CliRunner(env={"COLUMNS": "80"})
    result = runner.invoke(main, ["query", "DeviceProcessEvents | project Timestamp, SHA256 | take 1", "--data",
                                  str(demo), "--wide", "--tz", "Asia/Kolkata"])
    assert result.exit_code == 0, result.output
    assert "2024-08-05T08:28:31.0640000+05:30" in result.stdout
    assert "74628326ddcc43d1d01a32bd89e1fa556bec39bca1d388e9d8e30eaa5d94d883" in result.stdout.replace("\n", "")
    bad = runner.invoke(main, ["query", "print 1", "--tz", "Mars/Olympus"])
    assert bad.exit_code == 2 and "not a time zone" in bad.output


@pytest.mark.parametrize("output_format", ["table", "json", "csv"])
def test_output_file_for_every_format(demo, tmp_path, output_format):
    target = tmp_path / f"out.{output_format}"
    result = CliRunner().invoke(main, ["query", "DeviceProcessEvents | project FileName, ProcessId | take 3",
                                       "--data", str(demo), "--format", output_format, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    written = target.read_text(encoding="utf-8")
    if output_format == "json":
        assert [json.loads(line)["FileName"] for line in written.splitlines()] == ["smss.exe", "wininit.exe",
                                                                                  "winlogon.exe"]
    elif output_format == "csv":
        assert written.splitlines() == ["FileName,ProcessId", "smss.exe,356", "wininit.exe,480", "winlogon.exe,560"]
    else:
        assert "smss.exe" in written and "3 rows" in written and "\x1b[" not in written  # no colour codes
