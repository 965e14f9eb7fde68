"""Fixtures several test modules share."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

import kqlite
from kqlite.cli import _demo_tables


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`@pytest.mark.spark_differs(reason)`: a documented difference of the Spark backend (docs/spark.md),
    an expected failure when the suite runs with --backend spark."""
    if config.getoption("backend") != "spark":
        return
    for item in items:
        marker = item.get_closest_marker("spark_differs")
        if marker is not None:
            # only a wrong answer is the documented difference: an error still fails the test
            item.add_marker(pytest.mark.xfail(strict=True, raises=AssertionError,
                                              reason=marker.args[0] if marker.args else ""))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--backend", choices=("duckdb", "spark"), default="duckdb",
                     help="the engine the backend-parametrised tests (conformance, rules) run on")
    parser.addoption("--conformance-sample", type=int, default=0, metavar="N",
                     help="run an evenly spread N of the conformance cases (0: all)")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """The engine under test: --backend (DuckDB by default)."""
    chosen = request.config.getoption("backend")
    if chosen == "spark":
        try:
            import pyspark  # noqa: F401
        except ImportError:
            pytest.exit("--backend spark needs pyspark: pip install 'kqlite[spark]'", returncode=4)
    return chosen


@pytest.fixture(scope="session")
def spark_session():
    """The one local Spark session of a test run: two threads, one shuffle partition, no adaptive execution
    (stable plans), as CI runs it."""
    from kqlite.backends.spark import local_session

    return local_session("2", shuffle_partitions=1, adaptive=False)


@pytest.fixture(scope="module")
def con(connect_backend):
    """A connection on the engine under test (--backend), shared by a module's tests."""
    connection = connect_backend()
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def connect_backend(backend: str, request: pytest.FixtureRequest):
    """A function that opens a kqlite connection on the engine under test (Spark: the shared session)."""
    if backend == "duckdb":
        return kqlite.connect
    session = request.getfixturevalue("spark_session")
    return lambda **options: kqlite.connect(backend="spark", spark=session, **options)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled demo data as a folder of <Table>.parquet files (for --data and evidence=)."""
    folder = tmp_path_factory.mktemp("demo")
    for name, table in _demo_tables().items():
        pq.write_table(table, folder / f"{name}.parquet")
    return folder
