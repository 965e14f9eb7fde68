"""Rules as files: the header, the .meta file that keeps a published query verbatim, selection, and
mistakes reported with the file and what to fix."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from kqlite.alerts import alerts_of, summarize
from kqlite.detections import RuleError, load_rules, parse_rule, row_severity, select_rules

HEADER = "// id: my.rule\n// title: My rule\n// severity: low\n// attack: T1021.003, T1559.001\n"
SEED_FILE = resources.files("kqlite.rules") / "remote_dcom_child_proc.kql"


def test_a_header_gives_the_metadata_and_the_rest_is_the_query():
    rule = parse_rule(HEADER + "// references: https://a.example, https://b.example\n\n// a comment of the query\n"
                      "DeviceProcessEvents | take 1\n", "my.kql")
    assert (rule.id, rule.title, rule.severity, rule.attack) == ("my.rule", "My rule", "low",
                                                                  ("T1021.003", "T1559.001"))
    assert rule.references == ("https://a.example", "https://b.example")
    assert rule.query == "// a comment of the query\nDeviceProcessEvents | take 1\n"


def test_the_seed_stays_verbatim_with_its_metadata_beside_it():
    seed = next(rule for rule in load_rules() if rule.original)
    assert seed.query == SEED_FILE.read_text(encoding="utf-8")
    assert (seed.id, seed.title, seed.author, seed.attack) == ("defender.remote-dcom-child-proc",
                                                               "Remote DCOM Child Proc", "C.J. May", ("T1021.003",))


@pytest.mark.parametrize(("text", "message"), [
    ("// title: x\n// severity: low\n\nprint 1", "no id"),
    ("// id: x\n// severity: low\n\nprint 1", "no title"),
    ("// id: Bad Id\n// title: x\n// severity: low\n\nprint 1", "rule id 'Bad Id'"),
    ("// id: x\n// title: x\n// severity: urgent\n\nprint 1", "severity 'urgent'"),
    ("// id: x\n// title: x\n\nprint 1", "severity_column"),
    ("// id: x\n// title: x\n// severity: low\n\n", "no query"),
])
def test_a_bad_header_names_the_file_and_the_fix(text, message):
    with pytest.raises(RuleError, match=message) as error:
        parse_rule(text, "rules/bad.kql")
    assert "rules/bad.kql" in str(error.value)


def test_user_folders_add_rules_and_ids_must_differ(tmp_path: Path):
    (tmp_path / "a.kql").write_text(HEADER + "\nprint 1\n", encoding="utf-8")
    nested = tmp_path / "more"
    nested.mkdir()
    (nested / "b.kql").write_text(HEADER.replace("my.rule", "my.other") + "\nprint 2\n", encoding="utf-8")
    ids = [rule.id for rule in load_rules([tmp_path])]
    assert ids[-2:] == ["my.rule", "my.other"] and "defender.remote-dcom-child-proc" in ids
    (nested / "c.kql").write_text(HEADER + "\nprint 3\n", encoding="utf-8")
    with pytest.raises(RuleError, match="'my.rule' is used by .*a.kql and .*c.kql"):
        load_rules([tmp_path])


def test_selection_by_id_and_by_severity():
    low = parse_rule(HEADER + "\nprint 1", "a.kql")
    per_row = parse_rule("// id: per.row\n// title: t\n// severity_column: Severity\n\nprint 1", "b.kql")
    assert select_rules([low, per_row], ["per.row"]) == [per_row]
    assert select_rules([low, per_row], min_severity="medium") == [per_row]  # a row may be high
    with pytest.raises(RuleError, match="no rule 'nope'"):
        select_rules([low], ["nope"])
    assert row_severity(per_row, "Medium") == "medium" and row_severity(per_row, "bogus") == "high"


def test_alerts_take_their_fields_from_the_row():
    rule = parse_rule(HEADER + "\nprint 1", "a.kql")
    [alert] = alerts_of(rule, ["DeviceName", "InitiatingProcessFileName", "FileName", "RemoteIP"],
                        [("ws-01", "mmc.exe", "cmd.exe", "10.0.0.9")])
    assert (alert.device, alert.remote_ip, alert.severity) == ("ws-01", "10.0.0.9", "low")
    assert alert.summary == "mmc.exe started cmd.exe on ws-01 after a connection from 10.0.0.9"
    assert summarize(rule, {}) == "My rule"


def test_rows_of_one_server_instance_and_remote_address_are_one_alert():
    from datetime import UTC, datetime

    from kqlite.alerts import group_by_instance

    rule = parse_rule("// id: g\n// title: g\n// severity_column: Severity\n\nprint 1", "g.kql")
    columns = ["Timestamp", "DeviceName", "InitiatingProcessFileName", "InitiatingProcessId",
               "InitiatingProcessCreationTime", "RemoteIP", "FileName", "ProcessId", "Severity"]
    started = datetime(2024, 8, 5, 14, 23, 7, tzinfo=UTC)
    rows = [
        (datetime(2024, 8, 5, 14, 26, tzinfo=UTC), "ws-01", "mmc.exe", 4000, started, "10.0.2.19", "cmd.exe", 5, "medium"),
        (datetime(2024, 8, 5, 14, 23, 48, tzinfo=UTC), "ws-01", "mmc.exe", 4000, started, "10.0.2.19", "cmd.exe", 6, "high"),
        (datetime(2024, 8, 5, 14, 24, tzinfo=UTC), "ws-01", "mmc.exe", 4000, started, "10.0.9.9", "calc.exe", 7, "low"),
        (datetime(2024, 8, 5, 14, 25, tzinfo=UTC), "ws-01", "excel.exe", None, None, "10.0.2.19", "x.exe", 8, "low"),
    ]
    alerts = group_by_instance(alerts_of(rule, columns, rows))
    assert len(alerts) == 3  # one instance with two children, another peer, a row with no server PID
    first = alerts[0]
    assert (first.severity, first.timestamp) == ("high", datetime(2024, 8, 5, 14, 23, 48, tzinfo=UTC))
    assert [child["ProcessId"] for child in first.evidence["Children"]] == [6, 5]  # in time order
    assert first.summary == "mmc.exe started 2 processes (cmd.exe) on ws-01 after a connection from 10.0.2.19"
    assert "Children" not in alerts[1].evidence and alerts[2].evidence["FileName"] == "x.exe"
