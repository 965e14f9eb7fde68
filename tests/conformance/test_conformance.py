"""Runs every case recorded on the real Kusto engine (shared/conformance) through kqlite.

One test per case, named by its key ``id.queryhash`` (the recorded ids repeat, the queries do not).
A case listed in known_failures.txt is an expected failure (xfail); when it passes, its test fails so
that the list is trimmed. A crash is a failure even when listed. Regenerate the list with
``python tests/conformance/update_known_failures.py``.

``--backend spark`` runs the cases on Spark against known_failures_spark.txt; ``--conformance-sample N``
runs an evenly spread N of them (CI's Spark subset).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from compare import (
    CASES_PATH,
    backend_connect,
    case_key,
    known_failures_path,
    load_cases,
    load_known_failures,
    run_case,
)

if not CASES_PATH.exists():
    pytest.skip(f"conformance cases not found at {CASES_PATH}", allow_module_level=True)

CASES = load_cases()
ORDER_DEPENDENT = load_known_failures(Path(__file__).with_name("order_dependent.txt"))
TIMEOUT = float(os.environ.get("KQLITE_CONFORMANCE_TIMEOUT", "30"))


@pytest.fixture(scope="session")
def known_failures(backend):
    return load_known_failures(known_failures_path(backend))


@pytest.fixture(scope="session")
def connect(backend):
    return backend_connect(backend)


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        sample = metafunc.config.getoption("conformance_sample")
        cases = CASES
        if sample and sample < len(CASES):  # evenly spread over the file, so every family is represented
            cases = [CASES[i * len(CASES) // sample] for i in range(sample)]
        metafunc.parametrize("case", cases, ids=[case_key(case) for case in cases])


def test_case(case, record_conformance, backend, known_failures, connect):
    result = run_case(case, connect=connect, timeout=TIMEOUT)
    record_conformance(result)
    listed = result.key in known_failures
    if result.passed and listed and result.key in ORDER_DEPENDENT:
        return  # passes by the luck of an order kqlite does not fix (order_dependent.txt)
    if result.passed and listed:
        pytest.fail(
            f"{result.key} passes now on {backend}: remove it from tests/conformance/"
            f"{known_failures_path(backend).name}", pytrace=False
        )
    if not result.passed:
        message = f"{result.reason}\nquery: {case['query']}"
        if listed and result.crashed:
            message += "\n(a crash is never an expected failure: listing it in known_failures.txt does not excuse it)"
        elif listed:
            pytest.xfail(message)
        pytest.fail(message, pytrace=False)


def test_known_failures_name_existing_cases(known_failures, backend):
    stale = sorted((known_failures | ORDER_DEPENDENT) - {case_key(case) for case in CASES})
    assert not stale, (f"{known_failures_path(backend).name} lists names that are no case's key "
                       f"(id.queryhash): {stale}")
