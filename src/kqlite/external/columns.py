"""The table an externaldata operator declares, filled record by record; values that do not convert are null
and counted per column, with a few examples and where they are."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa

from kqlite.external.errors import ExternalDataError
from kqlite.external.values import BAD, TEXT_CONVERTERS, TYPE_NAMES, VALUE_CONVERTERS

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(), "long": pa.int64(), "int": pa.int32(), "real": pa.float64(), "decimal": pa.float64(),
    "bool": pa.bool_(), "datetime": pa.timestamp("us", tz="UTC"), "timespan": pa.int64(), "dynamic": pa.string(),
    "guid": pa.string(),
}
_EXAMPLES = 3
_MISSING = object()


def check_columns(columns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(name, canonical KQL type) for each declared column; an unknown type or a repeated name is an error."""
    seen: set[str] = set()
    checked = []
    for name, kql_type in columns:
        canonical = TYPE_NAMES.get(str(kql_type).strip().lower())
        if canonical is None:
            raise ExternalDataError(f"externaldata: column {name} has unknown type {kql_type!r}; use one of "
                                    f"{', '.join(sorted(set(TYPE_NAMES.values())))}")
        if not name or name in seen:
            raise ExternalDataError(f"externaldata: column name {name!r} is {'repeated' if name else 'empty'}; "
                                    "give each column its own name")
        seen.add(name)
        checked.append((name, canonical))
    if not checked:
        raise ExternalDataError("externaldata: no columns were declared; declare them as (Name:type, ...)")
    return checked


class _Column:
    __slots__ = ("name", "kind", "from_text", "from_value", "missing", "values", "bad", "examples")

    def __init__(self, name: str, kind: str):
        self.name, self.kind = name, kind
        self.from_text = None if kind == "string" else TEXT_CONVERTERS[kind]
        self.from_value = VALUE_CONVERTERS[kind]
        self.missing: Any = "" if kind == "string" else None  # KQL strings are never null
        self.values: list[Any] = []
        self.bad = 0
        self.examples: list[str] = []

    def array(self) -> pa.Array:
        if self.kind == "datetime":
            return pa.array(self.values, pa.int64()).cast(ARROW_TYPES["datetime"])
        return pa.array(self.values, ARROW_TYPES[self.kind])


class TableBuilder:
    """Rows of several files appended in order; `locate` turns a record's position into 'file line N'."""

    def __init__(self, columns: list[tuple[str, str]]):
        self.columns = [_Column(name, kind) for name, kind in columns]
        self.locate: Callable[[int], str] = str
        self.rows = 0

    def _bad(self, column: _Column, raw: Any, position: int) -> None:
        column.bad += 1
        if len(column.examples) < _EXAMPLES:
            shown = raw if isinstance(raw, str) else repr(raw)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            column.examples.append(f"{shown!r} at {self.locate(position)}")

    def add_text_records(self, records: list[tuple[int, list[str]]]) -> None:
        """Records of a text format: fields by position; missing trailing fields are empty, extra ones ignored.
        Column by column, as list comprehensions: a feed of a million lines stays quick."""
        for index, column in enumerate(self.columns):
            convert, missing = column.from_text, column.missing
            if convert is None:
                column.values.extend([f[index] if len(f) > index else missing for _, f in records])
                continue
            values = [convert(f[index]) if len(f) > index else missing for _, f in records]
            for row, value in enumerate(values):
                if value is BAD:
                    position, fields = records[row]
                    self._bad(column, fields[index], position)
                    values[row] = None
            column.values.extend(values)
        self.rows += len(records)

    def add_object(self, record: dict, position: int) -> None:
        """A JSON object: columns matched to its keys by name."""
        for column in self.columns:
            self._add_value(column, record.get(column.name, _MISSING), position)
        self.rows += 1

    def _add_value(self, column: _Column, raw: Any, position: int) -> None:
        if raw is None or raw is _MISSING:
            column.values.append(column.missing)
            return
        value = column.from_value(raw)
        if value is BAD:
            self._bad(column, raw, position)
            value = None
        column.values.append(column.missing if value is None else value)

    def add_arrow(self, table: pa.Table, first_row: int) -> list[str]:
        """Rows of a Parquet file, columns matched by name; returns the declared columns the file lacks."""
        absent = []
        for column in self.columns:
            if column.name not in table.column_names:
                absent.append(column.name)
                column.values.extend([column.missing] * table.num_rows)
                continue
            data = table.column(column.name)
            if pa.types.is_timestamp(data.type) and data.type.unit == "ns":
                data = data.cast(pa.timestamp("us", tz=data.type.tz), safe=False)  # datetime objects hold us
            for offset, raw in enumerate(data.to_pylist()):
                self._add_value(column, raw, first_row + offset)
        self.rows += table.num_rows
        return absent

    def finish(self) -> pa.Table:
        schema = pa.schema([pa.field(c.name, ARROW_TYPES[c.kind]) for c in self.columns])
        return pa.Table.from_arrays([c.array() for c in self.columns], schema=schema)

    def bad_values(self) -> tuple[dict[str, int], dict[str, list[str]]]:
        counts = {c.name: c.bad for c in self.columns if c.bad}
        return counts, {c.name: list(c.examples) for c in self.columns if c.bad}

    def bad_warnings(self) -> list[str]:
        return [f"column {c.name}: {c.bad} value{'s' if c.bad != 1 else ''} could not be read as {c.kind} and "
                f"{'are' if c.bad != 1 else 'is'} null, as in Kusto (e.g. {'; '.join(c.examples)})"
                for c in self.columns if c.bad]
