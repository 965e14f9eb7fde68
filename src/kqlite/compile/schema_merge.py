"""How schema_merge merges schemas (rows as getschema gives them): plain Python over a few rows, no engine.

The page's three examples fix the reading: the schemas are merged one after the other, each adding the columns
the merged schema lacks at its end; with PreserveOrder a column found again at another ordinal than in the
first schema it appeared in is an error (ordinal -1, the error in its type, as the page shows it); the columns
kept are numbered from 0 in the merged order. Types of the same column reduce to the widest number (int, long,
real, decimal) and are else an error. Kusto's union does not order its legs: the page's outputs are those of
merging its second schema first, so the schemas are merged from the last one read to the first (kqlite's union
reads its legs in order): `union Old, New | evaluate schema_merge()` lays the columns out as New does.
"""

from __future__ import annotations

from dataclasses import dataclass

from kqlite.compile.types import NUMERIC, normalize_type, widest_number

OUT_OF_ORDER = "columns are out of order"


@dataclass
class Merged:
    """One column of the merged schema: its type, or the error that stands in its place."""

    name: str
    first_ordinal: int  # its ordinal in the first schema merged that has it
    kql_type: str | None
    error: str | None = None


def split_schemas(rows: list[tuple[str, int, str]]) -> list[list[tuple[str, int, str]]]:
    """getschema rows (ColumnName, ColumnOrdinal, ColumnType) in input order, cut into schemas: a schema starts
    where the ordinal does not grow."""
    schemas: list[list[tuple[str, int, str]]] = []
    previous: int | None = None
    for row in rows:
        if previous is None or row[1] <= previous:
            schemas.append([])
        schemas[-1].append(row)
        previous = row[1]
    return schemas


def reduce_types(have: str, other: str) -> str | None:
    """The type two schemas' types of a column reduce to, or None when they cannot."""
    if have == other:
        return have
    if have in NUMERIC and other in NUMERIC:
        return widest_number(have, other)
    return None


def merge(schemas: list[list[tuple[str, int, str]]], preserve_order: bool) -> list[Merged]:
    """The merged columns in order (errors in place): `schemas` are merged from the last to the first."""
    merged: dict[str, Merged] = {}
    for schema in reversed(schemas):
        for name, ordinal, type_name in sorted(schema, key=lambda row: row[1]):
            kql_type = normalize_type(type_name)
            column = merged.get(name)
            if column is None:
                merged[name] = Merged(name, ordinal, kql_type,
                                      None if kql_type else f"no type {type_name}")
                continue
            if column.error is not None:
                continue
            if preserve_order and ordinal != column.first_ordinal:
                column.error = OUT_OF_ORDER
            elif kql_type is None:
                column.error = f"no type {type_name}"
            else:
                reduced = reduce_types(column.kql_type or "", kql_type)
                if reduced is None:
                    column.error = f"types {column.kql_type} and {kql_type} cannot be reduced"
                column.kql_type = reduced
    return list(merged.values())


def schema_rows(columns: list[Merged], dotnet_types: dict[str, str]) -> list[tuple[str, int, str, str]]:
    """getschema's rows for the merged columns: a column in error has ordinal -1 and the error as its types."""
    rows = []
    ordinal = 0
    for column in columns:
        if column.error is not None or column.kql_type is None:
            error = f"ERROR({column.error})"
            rows.append((column.name, -1, f"ERROR(unknown CSL type:{error})", error))
            continue
        rows.append((column.name, ordinal, dotnet_types[column.kql_type], column.kql_type))
        ordinal += 1
    return rows
