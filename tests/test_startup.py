"""Start-up stays light: `import kqlite` and the command line import the heavy libraries only when a command
needs them (benchmarks/bench_startup.py measures the time; these tests time nothing)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parent.parent / "src")
HEAVY = ("duckdb", "pyarrow", "sqlglot", "pandas", "rich", "numpy")


def imported_after(code: str) -> list[str]:
    """The heavy modules a fresh interpreter holds after running `code` (this checkout's kqlite)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [SRC, os.environ.get("PYTHONPATH")]))}
    probe = f"{code}\nimport sys; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    return eval(done.stdout.strip().splitlines()[-1])  # noqa: S307 - our own probe's printed list


def test_import_kqlite_imports_no_heavy_module():
    assert imported_after("import kqlite") == []


def test_errors_and_the_public_names_stay_importable():
    code = ("import kqlite\nfrom kqlite import KqlError, KqlSyntaxError, connect\n"
            "assert issubclass(KqlSyntaxError, KqlError) and callable(connect)")
    assert imported_after(code) == []
    code = "from kqlite import Connection, Explanation, Result\nimport kqlite\nassert kqlite.Connection is Connection"
    assert "duckdb" in imported_after(code)


def test_the_command_line_imports_only_what_a_command_needs():
    assert imported_after("import kqlite.cli") == []
    # externaldata's policy is set up for every query; its readers (Arrow, http) only when data is read
    assert imported_after("import kqlite.external.policy, kqlite.external") == []


def test_a_query_does_not_import_pandas():
    code = "import kqlite\nkqlite.connect().query('print x=1').rows()"
    assert "pandas" not in imported_after(code)


def test_json_output_does_not_import_rich():
    code = ("import sys\nfrom kqlite.cli import main\nsys.argv = ['kqlite', 'query', 'print x=1', '--format', 'json']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass")
    imported = imported_after(code)
    assert "duckdb" in imported and "rich" not in imported and "pandas" not in imported


def test_help_lists_the_lazy_commands_without_importing_them():
    code = ("import sys\nfrom kqlite.cli import main\nsys.argv = ['kqlite', '--help']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass")
    assert imported_after(code) == []


def test_a_lazy_commands_listed_help_is_its_own():
    import importlib

    from kqlite.cli import main

    for name, (module, attribute, summary) in main.lazy.items():
        assert getattr(importlib.import_module(module), attribute).help == summary, name


def test_a_small_query_and_its_table_need_no_arrow(tmp_path):
    """A fresh process's small result comes back as Python rows: Arrow's import (and numpy's) is skipped."""
    assert not {"pyarrow", "numpy"}.intersection(imported_after("import kqlite\nkqlite.connect().query('print x=1').rows()"))
    table = tmp_path / "DeviceProcessEvents.csv"
    table.write_text("Timestamp,DeviceName,FileName\n2024-01-01T00:00:00Z,host1,cmd.exe\n", encoding="utf-8")
    code = ("import sys\nfrom kqlite.cli import main\n"
            f"sys.argv = ['kqlite', 'query', 'DeviceProcessEvents | count', '--table', {str(table)!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass")
    assert not {"pyarrow", "numpy"}.intersection(imported_after(code))
    assert not {"pyarrow", "numpy"}.intersection(imported_after(code.replace("'--table'", "'--format', 'json', '--table'")))


def test_a_small_result_turned_into_arrow_does_not_import_pandas(tmp_path):
    """A fresh process's small result comes back as Python rows; its Arrow table is built from buffers, since
    pa.array() of Python values imports pandas (0.15 s). Parquet with two columns whose names differ only in
    case (Defender's LogonId and LogonID) is attached without Arrow."""
    code = ("import kqlite\nkqlite.connect().query('range x from 1 to 3 step 1 | extend s = strcat(\"v\", x), "
            "r = x / 2.0, b = x > 1, t = datetime(2024-01-01) + x * 1h, d = pack(\"k\", x)').to_arrow()")
    assert "pandas" not in imported_after(code)
    # a larger one: its first rows as Python values, the rest Arrow, joined
    larger = "import kqlite\nkqlite.connect().query('range x from 1 to 20000 step 1 | extend s = strcat(\"v\", x)').to_arrow()"
    assert "pandas" not in imported_after(larger)
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "DeviceProcessEvents.parquet"
    pq.write_table(pa.table({"LogonId": [1], "LogonID": [2], "FileName": ["a.exe"]}), path)
    attach = f"import kqlite\nkqlite.connect(tables={{'DeviceProcessEvents': {str(path)!r}}})"
    assert not {"pyarrow", "pandas"}.intersection(imported_after(attach))


EVTX_SAMPLE = (Path(__file__).resolve().parents[2] / "shared" / "datasets" / "evtx-attack-samples" / "lateral-movement"
               / "LM_sysmon_3_12_13_1_SharpRDP.evtx")


def test_an_evtx_ingest_does_not_import_arrows_compute_module(tmp_path):
    """Arrow's compute module costs 0.02 s to import (its functions are generated with their docs); an ingest of
    EVTX logs whose event times all read needs none of it, and a folder of small logs is mostly fixed costs."""
    import pytest

    if not EVTX_SAMPLE.exists():
        pytest.skip("the shared EVTX samples are not here")
    store = tmp_path / "store.duckdb"
    code = ("import sys\nfrom kqlite.cli import main\n"
            f"main(['ingest', {str(EVTX_SAMPLE)!r}, '--db', {str(store)!r}], standalone_mode=False)\n"
            "print(sorted(m for m in ('pyarrow', 'pyarrow.compute') if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [SRC, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert "DeviceNetworkEvents" in done.stdout  # rows were stored: the whole ingest ran
    assert done.stdout.strip().splitlines()[-1] == "['pyarrow']"
