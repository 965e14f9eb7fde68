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

import pytest
from compare import (
    CASES_PATH,
    ORDER_DEPENDENT_PATH,
    backend_connect,
    case_key,
    known_failures_path,
    load_cases,
    load_known_failures,
    run_case,
    sample_cases,
    settle,
)

if not CASES_PATH.exists():
    pytest.skip(f"conformance cases not found at {CASES_PATH}", allow_module_level=True)

CASES = load_cases()
TIMEOUT = float(os.environ.get("KQLITE_CONFORMANCE_TIMEOUT", "30"))


@pytest.fixture(scope="session")
def known_failures(backend):
    return load_known_failures(known_failures_path(backend))


@pytest.fixture(scope="session")
def connect(backend):
    return backend_connect(backend)


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        cases = sample_cases(CASES, metafunc.config.getoption("conformance_sample"))
        metafunc.parametrize("case", cases, ids=[case_key(case) for case in cases])


def test_case(case, record_conformance, backend, known_failures, connect):
    result = run_case(case, connect=connect, timeout=TIMEOUT)
    record_conformance(result)
    settle(result, case["query"], known_failures, backend)


def test_known_failures_name_existing_cases(known_failures, backend):
    named = known_failures | load_known_failures(ORDER_DEPENDENT_PATH)
    stale = sorted(named - {case_key(case) for case in CASES})
    assert not stale, (f"{known_failures_path(backend).name} lists names that are no case's key "
                       f"(id.queryhash): {stale}")
