"""Rows of Defender-shaped readers (CSV, JSON) typed to the bundled schemas, collected per table.

Columns are matched by name: exactly, else ignoring case, else without the ``_string``/``_long``... suffix
that Kusto's ``union`` adds when two tables disagree on a column's type. A value that cannot be read as its
column's type rejects the whole row (with file and position); columns the schema does not know are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from kqlite.ingest.rejects import RejectLog
from kqlite.ingest.timestamps import to_micros
from kqlite.schemas import known_tables, table_schema

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(), "long": pa.int64(), "int": pa.int32(), "real": pa.float64(), "bool": pa.bool_(),
    "datetime": pa.timestamp("us"), "dynamic": pa.string(), "guid": pa.string(), "timespan": pa.string(),
    "decimal": pa.float64(),
}
_UNION_SUFFIX = re.compile(r"^(.*)_(string|long|int|real|double|bool|boolean|datetime|dynamic|guid|timespan|decimal)$")

# ActionType -> table, for rows that do not say which table they come from (a union exported as one file).
ACTION_TABLES = {
    "ProcessCreated": "DeviceProcessEvents",
    "ImageLoaded": "DeviceImageLoadEvents",
    **dict.fromkeys(("FileCreated", "FileModified", "FileDeleted", "FileRenamed"), "DeviceFileEvents"),
    **dict.fromkeys(("RegistryKeyCreated", "RegistryKeyDeleted", "RegistryValueSet", "RegistryValueDeleted",
                     "RegistryKeyRenamed"), "DeviceRegistryEvents"),
    **dict.fromkeys(("LogonSuccess", "LogonFailed", "LogonAttempted"), "DeviceLogonEvents"),
    **dict.fromkeys(("ConnectionSuccess", "ConnectionFailed", "ConnectionRequest", "ConnectionAttempt",
                     "ConnectionFound", "ConnectionAcknowledged", "InboundConnectionAccepted",
                     "ListeningConnectionCreated", "DnsConnectionInspected", "HttpConnectionInspected",
                     "SslConnectionInspected", "IcmpConnectionInspected", "SshConnectionInspected",
                     "NetworkSignatureInspected"), "DeviceNetworkEvents"),
}
TABLE_KEYS = ("Type", "$table", "TableName", "Table")


class RowError(ValueError):
    pass


def _to_string(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


def _to_int(value: Any) -> int | None:
    if value is None or isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text)  # "12.0" from a spreadsheet
            except ValueError:
                number = None
            if number is not None and number.is_integer():
                return int(number)
    raise RowError(f"{value!r} is not a whole number")


def _to_real(value: Any) -> float | None:
    if value is None or isinstance(value, float):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        return float(value) if value.strip() else None
    raise RowError(f"{value!r} is not a number")


_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


def _to_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if not text:
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise RowError(f"{value!r} is not true or false")


def _to_datetime(value: Any) -> int | None:
    try:
        return to_micros(value)
    except ValueError:
        raise RowError(f"{value!r} is not a datetime") from None


def _to_json_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "string": _to_string, "guid": _to_string, "timespan": _to_string, "long": _to_int, "int": _to_int,
    "real": _to_real, "decimal": _to_real, "bool": _to_bool, "datetime": _to_datetime, "dynamic": _to_json_text,
}


class TableRows:
    """Typed rows of one table."""

    def __init__(self, name: str):
        self.name = name
        self.schema = table_schema(name) or []
        self.types = dict(self.schema)
        self._by_lower = {column.lower(): column for column in self.types}
        self.rows: list[dict[str, Any]] = []
        self.extra_columns: dict[str, None] = {}  # in first-seen order
        self.frames: list[pa.Table] = []  # already typed batches (from Parquet or the Sysmon mapping)
        self._plans: dict[tuple[str, ...], list[tuple[str, str | None, Callable[[Any], Any] | None]]] = {}

    def column_for(self, key: str) -> str:
        if key in self.types:
            return key
        known = self._by_lower.get(key.lower())
        if known:
            return known
        match = _UNION_SUFFIX.match(key)
        if match and match.group(1) in self.types:
            return match.group(1)
        return key

    def add(self, row: dict[str, Any]) -> None:
        """Type `row` to the schema (RowError names the column and value if it cannot be)."""
        keys = tuple(row)
        plan = self._plans.get(keys)
        if plan is None:  # rows of one export share their keys: work out each key's column and type once
            plan = self._plans[keys] = [self._plan(key) for key in keys]
        typed: dict[str, Any] = {}
        for (column, kql_type, convert), value in zip(plan, row.values(), strict=True):
            if convert is None:  # a text column given text, or a column the schema does not know
                typed[column] = value if kql_type or not isinstance(value, dict | list) else orjson.dumps(value).decode()
                continue
            if column in typed and value in (None, ""):
                continue  # AdditionalFields_string and AdditionalFields_dynamic: keep the one that has a value
            if kql_type == "string" and type(value) is str:
                typed[column] = value
                continue
            try:
                typed[column] = convert(value)
            except (RowError, ValueError, OverflowError) as error:
                raise RowError(f"column {column} ({kql_type}): {error}") from None
        self.rows.append(typed)

    def _plan(self, key: str) -> tuple[str, str | None, Callable[[Any], Any] | None]:
        column = self.column_for(key)
        kql_type = self.types.get(column)
        if kql_type is None:
            self.extra_columns.setdefault(column, None)
            return column, None, None
        return column, kql_type, CONVERTERS[kql_type]

    def text_frame(self, header: list[str], columns: list[tuple[str, ...]]) -> pa.Table | None:
        """Columns of text (a CSV's) typed to the schema in one go by Arrow, or None if some value does not
        convert: the caller then types row by row, which names the bad rows."""
        return self._frame((key, lambda kql_type, values=values: _typed_text_column(values, kql_type))
                           for key, values in zip(header, columns, strict=True))

    def object_frame(self, rows: list[dict[str, Any]]) -> pa.Table | None:
        """JSON row objects typed to the schema column by column, or None if some value is not of its
        column's kind: the caller then types row by row, which names the bad rows."""
        keys = dict.fromkeys(key for row in rows for key in row)  # in first-seen order
        return self._frame((key, lambda kql_type, key=key: _typed_values([row.get(key) for row in rows], kql_type))
                           for key in keys)

    def _frame(self, sources: Iterable[tuple[str, Callable[[str | None], pa.Array | None]]]) -> pa.Table | None:
        """A table of the given (key, typer) columns: each key matched to its column, typed by its typer
        for the column's KQL type (None: unknown to the schema); None as soon as one column does not type."""
        arrays, names = [], []
        for key, typed in sources:
            column = self.column_for(key)
            if column in names:
                return None  # two source columns for one (AdditionalFields_string and ..._dynamic): row by row
            kql_type = self.types.get(column)
            array = typed(kql_type)
            if array is None:
                return None
            arrays.append(array)
            names.append(column)
            if kql_type is None:
                self.extra_columns.setdefault(column, None)
        return pa.table(arrays, names=names) if arrays else None

    def cast_frame(self, frame: pa.Table) -> pa.Table | None:
        """`frame` with its known columns cast to the schema's types, or None if a value does not cast."""
        columns, names = [], []
        for name, array in zip(frame.column_names, frame.columns, strict=True):
            column = self.column_for(name)
            kql_type = self.types.get(column)
            if kql_type is not None:
                target = ARROW_TYPES.get(kql_type, pa.string())
                if pa.types.is_timestamp(array.type) and array.type.tz is not None:
                    array = array.cast(pa.timestamp(array.type.unit))
                try:
                    array = array.cast(target) if array.type != target else array
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                    return None
            columns.append(array)
            names.append(column)
        return pa.table(columns, names=names)

    def __len__(self) -> int:
        return len(self.rows) + sum(frame.num_rows for frame in self.frames)

    def to_arrow(self) -> pa.Table:
        frames = list(self.frames)
        if self.rows:
            fields = [pa.field(column, ARROW_TYPES.get(kql_type, pa.string())) for column, kql_type in self.schema]
            known = pa.Table.from_pylist(self.rows, schema=pa.schema(fields)) if fields else None
            for column in self.extra_columns:
                values = [row.get(column) for row in self.rows]
                try:
                    array = pa.array(values)
                except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: keep the text of each value
                    array = pa.array([_to_string(value) for value in values], pa.string())
                if pa.types.is_null(array.type):
                    array = array.cast(pa.string())
                known = known.append_column(column, array) if known is not None else pa.table({column: array})
            if known is not None:
                frames.append(known)
        if not frames:
            fields = [pa.field(column, ARROW_TYPES.get(kql_type, pa.string())) for column, kql_type in self.schema]
            return pa.schema(fields).empty_table()
        return pa.concat_tables(frames, promote_options="permissive")


# The Python value kinds each column type takes as they are (anything else: the row-by-row path decides)
_VALUE_KINDS: dict[str, tuple[type, ...]] = {
    "long": (int,), "int": (int,), "real": (int, float), "decimal": (int, float), "bool": (bool,),
    "datetime": (str,), "dynamic": (str, dict, list),
}


def _typed_values(values: list[Any], kql_type: str | None) -> pa.Array | None:
    """JSON values of one column as an Arrow array of `kql_type`; None when one is not of the column's kind."""
    if kql_type is None:  # a column the schema does not know: as Arrow infers it, text if mixed
        values = [orjson.dumps(v).decode() if isinstance(v, dict | list) else v for v in values]
        try:
            array = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            array = pa.array([_to_string(v) for v in values], pa.string())
        return array.cast(pa.string()) if pa.types.is_null(array.type) else array
    if CONVERTERS.get(kql_type) is _to_string:  # text columns take any value, as its text (as row by row)
        if not all(v is None or type(v) is str for v in values):
            values = [_to_string(v) for v in values]
        return pa.array(values, pa.string())
    kinds = _VALUE_KINDS.get(kql_type)
    if kinds is None:
        return None
    if kql_type in ("long", "int", "real", "decimal") and any(type(v) is bool for v in values):
        return None  # bool is an int in Python, not in Kusto
    if not all(v is None or isinstance(v, kinds) for v in values):
        return None
    try:
        if kql_type == "dynamic":
            return pa.array([orjson.dumps(v).decode() if isinstance(v, dict | list) else v for v in values], pa.string())
        if kql_type == "datetime":
            return _typed_text(pa.array(values, pa.string()), "datetime")
        return pa.array(values, ARROW_TYPES[kql_type])
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return None


def _typed_text_column(values: tuple[str, ...], kql_type: str | None) -> pa.Array | None:
    array = pa.array(values, pa.string())
    if kql_type in (None, "string", "dynamic", "guid", "timespan"):
        return array
    return _typed_text(array, kql_type)


def _typed_text(array: pa.Array, kql_type: str) -> pa.Array | None:
    """Text to `kql_type` by Arrow casts ('' is null); None when a value does not convert."""
    text = pc.if_else(pc.equal(pc.utf8_trim_whitespace(array), ""), pa.scalar(None, pa.string()), array)
    try:
        if kql_type in ("long", "int", "real", "decimal"):
            return pc.cast(text, ARROW_TYPES[kql_type])
        if kql_type == "bool":
            lowered = pc.utf8_lower(pc.utf8_trim_whitespace(text))
            known = pc.or_(pc.is_in(lowered, pa.array(sorted(_TRUE | _FALSE))), pc.is_null(lowered))
            if not pc.all(known).as_py():
                return None
            return pc.if_else(pc.is_null(lowered), pa.scalar(None, pa.bool_()), pc.is_in(lowered, pa.array(sorted(_TRUE))))
        if kql_type == "datetime":
            for target in (pa.timestamp("ns", tz="UTC"), pa.timestamp("ns")):  # with an offset or 'Z', or none (UTC)
                try:
                    nanos = pc.cast(pc.cast(text, target), pa.int64())
                    break
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    continue
            else:
                return None
            return pc.cast(pc.divide(pc.subtract(nanos, pc.if_else(pc.less(nanos, 0), 999, 0)), 1000), pa.int64()) \
                .cast(pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    return None


class RowSink:
    """Rows from every Defender reader, per table; bad rows go to the reject log."""

    def __init__(self, rejects: RejectLog):
        self.rejects = rejects
        self.tables: dict[str, TableRows] = {}

    def table(self, name: str) -> TableRows:
        if name not in self.tables:
            self.tables[name] = TableRows(name)
        return self.tables[name]

    def resolve(self, table: str | None, row: dict[str, Any], fallback: str) -> str:
        """The table a row goes to: the one its source names, else the one it names, else `fallback`."""
        return table or infer_table(row) or fallback

    def add(self, table: str | None, row: dict[str, Any], file: str, position: str, fallback: str) -> bool:
        name = self.resolve(table, row, fallback)
        try:
            self.table(name).add(row)
            return True
        except RowError as error:
            self.rejects.add(file, position, f"table {name}: {error}", orjson.dumps(row, default=str).decode())
            return False

    def add_frame(self, table: str, frame: pa.Table) -> None:
        self.table(table).frames.append(frame)


_KNOWN = set(known_tables())


def infer_table(row: dict[str, Any]) -> str | None:
    """The table of a row that does not name it: a table column, else its ActionType, else None."""
    for key in TABLE_KEYS:
        value = row.get(key)
        if isinstance(value, str) and value in _KNOWN:
            return value
    action = row.get("ActionType")
    if isinstance(action, str) and action:
        if action in ACTION_TABLES:
            return ACTION_TABLES[action]
        if row.get("DeviceId") or row.get("DeviceName") and "InitiatingProcessFileName" in row:
            return "DeviceEvents"
    return None


def table_from_name(stem: str) -> str | None:
    """A file called after a bundled table (DeviceProcessEvents.csv, deviceprocessevents-2024.json) names it."""
    lowered = stem.lower()
    for name in sorted(_KNOWN, key=len, reverse=True):
        if lowered == name.lower() or lowered.startswith(name.lower()) or name.lower() in lowered:
            return name
    return None
