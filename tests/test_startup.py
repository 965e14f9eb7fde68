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
