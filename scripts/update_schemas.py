"""Rebuild kqlite's bundled table schemas from ../shared/schemas (one CSV per table and flavour).

    python3 scripts/update_schemas.py [SCHEMAS_DIR]

Writes src/kqlite/schemas/tables.tsv.gz: a line per flavour and table, ``flavour<TAB>table<TAB>[[column, type],
...]`` (the columns as JSON), column order as in the CSVs (Microsoft's order for Defender, alphabetical for
Sentinel). A line per table lets kqlite decode only the tables a query reads."""

from __future__ import annotations

import csv
import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "kqlite" / "schemas" / "tables.tsv.gz"


def read_flavour(folder: Path) -> dict[str, list[list[str]]]:
    tables = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            tables[path.stem] = [[row["column"], row["type"]] for row in csv.DictReader(handle)]
    return tables


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "schemas"
    bundle = {flavour: read_flavour(source / flavour) for flavour in ("defender", "sentinel")}
    lines = [f"{flavour}\t{table}\t{json.dumps(columns, separators=(',', ':'))}\n"
             for flavour, tables in bundle.items() for table, columns in tables.items()]
    text = "".join(lines).encode()
    # mtime=0: the same schemas give the same bytes
    OUT.write_bytes(gzip.compress(text, compresslevel=9, mtime=0))
    counts = ", ".join(f"{len(tables)} {flavour}" for flavour, tables in bundle.items())
    print(f"{OUT.relative_to(ROOT)}: {counts} tables, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
