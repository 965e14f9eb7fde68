"""A site file tunes the rules without editing them: alerts it allows are suppressed and counted, and rules
can read it as the SiteAllowlist table."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import kqlite
from kqlite.alerts import alerts_of
from kqlite.cli import main
from kqlite.detections import parse_rule
from kqlite.site import KqlError, as_table, load_site, suppress

RULE = parse_rule("// id: t\n// title: t\n// severity: high\n\nprint 1", "t.kql")
COLUMNS = ["DeviceName", "InitiatingProcessFileName", "FileName", "ProcessCommandLine", "RemoteIP", "AccountName"]
ROWS = [
    ("ws-01", "mmc.exe", "cmd.exe", "cmd /c whoami", "10.0.2.19", "adm"),
    ("ws-02", "RAServer.exe", "cmd.exe", "cmd /c ver", "192.168.1.5", "helpdesk"),
    ("ws-03", "excel.exe", "splwow64.exe", "splwow64.exe 8192", "10.9.0.1", "alice"),
    ("srv-backup", "mmc.exe", "cmd.exe", "cmd /c backup.bat", "172.16.0.4", "svc-backup"),
]


def site(tmp_path, text: str):
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return load_site(path)


def test_each_kind_of_entry_suppresses_what_it_names(tmp_path):
    entries = site(tmp_path, """
[[allow]]
kind = "server_image"
value = "raserver.exe"
note = "Quick Assist"
[[allow]]
kind = "child_image"
value = "SPLWOW64.EXE"
[[allow]]
kind = "device"
value = "srv-backup"
""")
    alerts = alerts_of(RULE, COLUMNS, ROWS)
    kept, counted = suppress(alerts, entries)
    assert [a.device for a in kept] == ["ws-01"]
    assert counted == {"server_image=raserver.exe": 1, "child_image=SPLWOW64.EXE": 1, "device=srv-backup": 1}
    by_subnet, _ = suppress(alerts, site(tmp_path, '[[allow]]\nkind = "remote_subnet"\nvalue = "10.0.0.0/8"\n'))
    assert [a.device for a in by_subnet] == ["ws-02", "srv-backup"]
    by_pattern, _ = suppress(alerts, site(tmp_path, '[[allow]]\nkind = "command_line"\nvalue = "backup\\\\.bat$"\n'))
    assert [a.device for a in by_pattern] == ["ws-01", "ws-02", "ws-03"]
    by_account, _ = suppress(alerts, site(tmp_path, '[[allow]]\nkind = "account"\nvalue = "ADM"\n'))
    assert "ws-01" not in [a.device for a in by_account]


@pytest.mark.parametrize(("text", "message"), [
    ('[[allow]]\nkind = "hash"\nvalue = "x"\n', "kind 'hash'"),
    ('[[allow]]\nkind = "device"\n', "no value"),
    ('[[allow]]\nkind = "remote_subnet"\nvalue = "10.0.0/33"\n', "not a subnet"),
    ('[[allow]]\nkind = "command_line"\nvalue = "(unclosed"\n', "not a regular expression"),
    ("[[allow\n", "cannot read the site file"),
])
def test_a_mistake_names_the_file_the_entry_and_the_fix(tmp_path, text, message):
    with pytest.raises(KqlError, match=message):
        site(tmp_path, text)


def test_rules_read_the_site_as_a_table(tmp_path):
    entries = site(tmp_path, '[[allow]]\nkind = "device"\nvalue = "ws-02"\nnote = "lab"\n')
    con = kqlite.connect(tables={"SiteAllowlist": as_table(entries)})
    assert con.query("SiteAllowlist | project Kind, Value, Note").rows() == [("device", "ws-02", "lab")]
    assert kqlite.connect().query("SiteAllowlist | count").rows() == [(0,)]  # known, empty without a site


def test_hunt_with_a_site_file_says_what_it_suppressed(tmp_path):
    path = tmp_path / "site.toml"
    path.write_text('[[allow]]\nkind = "remote_subnet"\nvalue = "10.0.2.0/24"\nnote = "admin VLAN"\n',
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["hunt", "--rule", "defender.remote-dcom-child-proc", "--site", str(path),
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "3 alert(s) suppressed by the site file" in result.stderr and "remote_subnet=10.0.2.0/24 (3)" in result.stderr
    without = CliRunner().invoke(main, ["hunt", "--rule", "defender.remote-dcom-child-proc", "--format", "json"])
    assert len([json.loads(line) for line in without.stdout.splitlines()]) == 3
