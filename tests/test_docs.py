"""The user-facing list of supported functions (docs/supported.md) matches what the compiler registers."""

import re
from pathlib import Path

from kqlite.compile.compiler import Compiler

DOC = Path(__file__).resolve().parents[1] / "docs" / "supported.md"


def _section(title: str) -> set[str]:
    text = DOC.read_text(encoding="utf-8")
    body = text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([a-z_0-9]+)`", body))


def test_every_scalar_function_is_documented_and_nothing_more():
    functions = Compiler("", {}).functions
    assert _section("Scalar functions") == set(functions.table) | set(functions.tuples)


def test_every_aggregate_is_documented_and_nothing_more():
    assert _section("Aggregation functions") == set(Compiler("", {}).aggregates.table)
