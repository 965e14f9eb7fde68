"""Every packaged rule carries positive and negative cases (<rule>.tests.toml), and they pass: the same
check `kqlite test-rules` runs."""

from __future__ import annotations

import tomllib

import pytest
from click.testing import CliRunner

from kqlite.cli import main
from kqlite.detections import load_rules
from kqlite.ruletests import cases_file, run_rule_tests

RULES = load_rules()


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_every_rule_has_positive_and_negative_cases_that_pass(rule):
    path = cases_file(rule)
    assert path is not None, f"{rule.path} has no tests file beside it"
    cases = tomllib.loads(path.read_text(encoding="utf-8"))["case"]
    assert any(case["alerts"] > 0 for case in cases), "no positive case"
    assert any(case["alerts"] == 0 for case in cases), "no negative case"
    failures = [f"{c.case}: {c.detail}" for c in run_rule_tests(rule, path) if not c.passed]
    assert failures == []


def test_test_rules_command_fails_on_a_failing_case(tmp_path):
    (tmp_path / "r.kql").write_text("// id: my.r\n// title: r\n// severity: low\n\n"
                                    "DeviceProcessEvents | where FileName == 'cmd.exe' | project Timestamp, FileName\n",
                                    encoding="utf-8")
    (tmp_path / "r.tests.toml").write_text(
        '[[case]]\nname = "cmd"\nalerts = 1\n[case.tables]\nDeviceProcessEvents = [{FileName = "cmd.exe"}]\n'
        '[[case]]\nname = "wrong on purpose"\nalerts = 1\n[case.tables]\nDeviceProcessEvents = [{FileName = "x"}]\n',
        encoding="utf-8")
    result = CliRunner().invoke(main, ["test-rules", "--rules", str(tmp_path), "--rule", "my.r"])
    assert result.exit_code == 1
    assert "pass my.r: cmd" in result.output and "FAIL my.r: wrong on purpose: 0 alert(s), expected 1" in result.output
