"""Bundled Defender advanced-hunting table schemas (column name -> KQL type), read from CSV data files."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

_PACKAGES = ("defender",)


@cache
def _index() -> dict[str, tuple[tuple[str, str], ...]]:
    tables: dict[str, tuple[tuple[str, str], ...]] = {}
    for package in _PACKAGES:
        folder = resources.files(__package__).joinpath(package)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".csv"):
                continue
            with entry.open(encoding="utf-8") as handle:
                rows = [(row["column"], row["type"]) for row in csv.DictReader(handle)]
            tables[entry.name[: -len(".csv")]] = tuple(rows)
    return tables


def known_tables() -> list[str]:
    """Names of every table whose schema ships with kqlite."""
    return sorted(_index())


def table_schema(name: str) -> list[tuple[str, str]] | None:
    """The (column, KQL type) list of a known table, or None when the table is unknown."""
    schema = _index().get(name)
    return list(schema) if schema is not None else None
