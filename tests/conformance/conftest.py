"""Collects conformance verdicts and prints the pass rate, overall and by family, after the run."""

from __future__ import annotations

import pytest
from compare import CaseResult, summary_lines

RESULTS = pytest.StashKey[list[CaseResult]]()


@pytest.fixture
def record_conformance(request):
    """Call with a ``CaseResult`` to count it in the end-of-session summary."""
    return request.config.stash.setdefault(RESULTS, []).append


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    results = config.stash.get(RESULTS, [])
    if results:
        terminalreporter.section("kqlite conformance")
        for line in summary_lines(results):
            terminalreporter.write_line(line)
