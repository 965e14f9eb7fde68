"""Rewrite the function lists of docs/supported.md from what the compiler registers, and, with Microsoft's own
analyzer (../shared/tools/kusto-oracle --builtins), list what kqlite does not support yet.

    python3 scripts/update_supported.py          # rewrites docs/supported.md; tests/test_docs.py checks it
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from kqlite.compile.compiler import Compiler

PROJECT = Path(__file__).resolve().parents[1]
DOC = PROJECT / "docs" / "supported.md"
ORACLE = PROJECT.parent / "shared" / "tools" / "kusto-oracle" / "kusto-oracle"


def _names(names: set[str]) -> str:
    return "\n".join(textwrap.wrap(", ".join(f"`{n}`" for n in sorted(names)), 110))


def _builtins() -> dict[str, set[str]] | None:
    if not ORACLE.exists():
        return None
    try:
        out = subprocess.run([str(ORACLE), "--builtins"], capture_output=True, text=True, timeout=600, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return {d["kind"]: set(d["names"]) for d in map(json.loads, out.stdout.splitlines()) if d.get("names")}


def _replace(text: str, title: str, body: str, count: int | None = None) -> str:
    """Section `## title (count)` with `body`, in place of the old one (or appended)."""
    pattern = re.compile(rf"## {re.escape(title)}[^\n]*\n.*?(?=\n## |\Z)", re.S)
    section = f"## {title}{'' if count is None else f' ({count})'}\n{body}\n"
    return pattern.sub(lambda _: section, text, count=1) if pattern.search(text) else text.rstrip() + "\n\n" + section


def main() -> int:
    compiler = Compiler("", {})
    # functions of several results (series_stats, series_decompose...) are scalar functions too
    scalars = set(compiler.functions.table) | set(compiler.functions.tuples)
    aggregates = set(compiler.aggregates.table)
    text = DOC.read_text(encoding="utf-8")
    text = _replace(text, "Scalar functions", _names(scalars), len(scalars))
    text = _replace(text, "Aggregation functions", _names(aggregates), len(aggregates))
    builtins = _builtins()
    if builtins is not None:
        missing_scalars = builtins.get("Functions", set()) - scalars
        missing_aggregates = builtins.get("Aggregates", set()) - aggregates
        body = (f"Microsoft's analyzer lists {len(builtins.get('Functions', ()))} scalar functions and "
                f"{len(builtins.get('Aggregates', ()))} aggregates; kqlite refuses these by name "
                f"(`KqlUnsupportedError`).\n\nScalar ({len(missing_scalars)}): "
                + ", ".join(f"{n}" for n in sorted(missing_scalars))
                + (f"\n\nAggregates ({len(missing_aggregates)}): " + ", ".join(sorted(missing_aggregates))
                   if missing_aggregates else "\n\nAggregates: none (every aggregate the analyzer lists is supported)."))
        paragraphs = ["\n".join(textwrap.wrap(part, 110, break_on_hyphens=False)) for part in body.split("\n\n")]
        text = _replace(text, "Not supported yet", "\n\n".join(paragraphs))
    DOC.write_text(text, encoding="utf-8")
    print(f"{DOC}: {len(scalars)} scalar functions, {len(aggregates)} aggregates"
          + ("" if builtins is None else f"; {len(missing_scalars)} + {len(missing_aggregates)} not supported yet"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
