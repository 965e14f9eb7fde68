"""Fixtures several test modules share."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kqlite.cli import _demo_tables


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled demo data as a folder of <Table>.parquet files (for --data and evidence=)."""
    folder = tmp_path_factory.mktemp("demo")
    for name, table in _demo_tables().items():
        pq.write_table(table, folder / f"{name}.parquet")
    return folder
