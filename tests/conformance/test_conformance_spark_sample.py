"""An evenly spread sample of the conformance cases on the Spark backend, in every default run of the suite.

The whole suite on Spark is ``pytest tests/conformance --backend spark`` (about two minutes); this sample keeps
both engines honest in every run. Expected failures are those of known_failures_spark.txt.
"""

from __future__ import annotations

import os
import shutil

import pytest
from compare import (
    CASES_PATH,
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
pytest.importorskip("pyspark", reason="the Spark backend needs pyspark (pip install 'kqlite[spark]')")
if shutil.which("java") is None:
    pytest.skip("the Spark backend needs a Java 17 runtime on PATH (.ci/run installs one)", allow_module_level=True)

pytestmark = pytest.mark.spark
CASES = sample_cases(load_cases(), int(os.environ.get("KQLITE_SPARK_SAMPLE", "60")))
KNOWN = load_known_failures(known_failures_path("spark"))


@pytest.fixture(scope="module")
def spark_connect(backend):
    if backend == "spark":
        pytest.skip("--backend spark runs every case in test_conformance.py")
    return backend_connect("spark")


@pytest.mark.parametrize("case", CASES, ids=[case_key(case) for case in CASES])
def test_case_on_spark(case, spark_connect):
    settle(run_case(case, connect=spark_connect, timeout=60), case["query"], KNOWN, "spark")
