"""Collects the corpus verdicts and prints the pass rate, by flavour and family, after the run."""

from __future__ import annotations

import pytest
from corpus_check import summary_lines
from corpus_keys import ENVIRONMENT, OUTCOMES


@pytest.fixture
def record_corpus(request):
    """Call with an ``Outcome`` to count it in the end-of-session summary."""
    return request.config.stash.setdefault(OUTCOMES, []).append


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    outcomes = config.stash.get(OUTCOMES, [])
    if outcomes:
        terminalreporter.section("kqlite hunting-query corpus")
        for line in summary_lines(outcomes, config.stash.get(ENVIRONMENT, None)):
            terminalreporter.write_line(line)
