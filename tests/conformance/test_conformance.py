"""Runs every case recorded on the real Kusto engine (shared/conformance) through kqlite.

One test per case, named by its key ``id.queryhash`` (the recorded ids repeat, the queries do not).
A case listed in known_failures.txt is an expected failure (xfail); when it passes, its test fails so
that the list is trimmed. A crash is a failure even when listed. Regenerate the list with
``python tests/conformance/update_known_failures.py``.
"""

from __future__ import annotations

import os

import pytest
from compare import CASES_PATH, case_key, load_cases, load_known_failures, run_case

if not CASES_PATH.exists():
    pytest.skip(f"conformance cases not found at {CASES_PATH}", allow_module_level=True)

CASES = load_cases()
KNOWN_FAILURES = load_known_failures()
TIMEOUT = float(os.environ.get("KQLITE_CONFORMANCE_TIMEOUT", "30"))


@pytest.mark.parametrize("case", CASES, ids=[case_key(case) for case in CASES])
def test_case(case, record_conformance):
    result = run_case(case, timeout=TIMEOUT)
    record_conformance(result)
    listed = result.key in KNOWN_FAILURES
    if result.passed and listed:
        pytest.fail(
            f"{result.key} passes now: remove it from tests/conformance/known_failures.txt", pytrace=False
        )
    if not result.passed:
        message = f"{result.reason}\nquery: {case['query']}"
        if listed and result.crashed:
            message += "\n(a crash is never an expected failure: listing it in known_failures.txt does not excuse it)"
        elif listed:
            pytest.xfail(message)
        pytest.fail(message, pytrace=False)


def test_known_failures_name_existing_cases():
    stale = sorted(KNOWN_FAILURES - {case_key(case) for case in CASES})
    assert not stale, f"known_failures.txt lists names that are no case's key (id.queryhash): {stale}"
