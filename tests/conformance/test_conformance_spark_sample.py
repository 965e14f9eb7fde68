"""An evenly spread sample of the conformance cases on the Spark backend, in every default run of the suite.

The whole suite on Spark is ``pytest tests/conformance --backend spark`` (about two minutes); this sample keeps
both engines honest in every run. Expected failures are those of known_failures_spark.txt.
"""

from __future__ import annotations

import os
import shutil
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
pytest.importorskip("pyspark", reason="the Spark backend needs pyspark (pip install 'kqlite[spark]')")
if shutil.which("java") is None:
    pytest.skip("the Spark backend needs a Java 17 runtime on PATH (.ci/run installs one)", allow_module_level=True)

pytestmark = pytest.mark.spark
SAMPLE = int(os.environ.get("KQLITE_SPARK_SAMPLE", "60"))
CASES = load_cases()
SAMPLED = [CASES[i * len(CASES) // SAMPLE] for i in range(SAMPLE)]
KNOWN = load_known_failures(known_failures_path("spark"))
ORDER_DEPENDENT = load_known_failures(Path(__file__).with_name("order_dependent.txt"))


@pytest.fixture(scope="module")
def spark_connect(backend):
    if backend == "spark":
        pytest.skip("--backend spark runs every case in test_conformance.py")
    return backend_connect("spark")


@pytest.mark.parametrize("case", SAMPLED, ids=[case_key(case) for case in SAMPLED])
def test_case_on_spark(case, spark_connect):
    result = run_case(case, connect=spark_connect, timeout=60)
    listed = result.key in KNOWN
    if result.passed and listed and result.key in ORDER_DEPENDENT:
        return  # passes by the luck of an order kqlite does not fix (order_dependent.txt)
    if result.passed and listed:
        pytest.fail(f"{result.key} passes now on Spark: remove it from known_failures_spark.txt", pytrace=False)
    if not result.passed:
        if listed and not result.crashed:
            pytest.xfail(result.reason)
        pytest.fail(f"{result.reason}\nquery: {case['query']}", pytrace=False)
