"""Rows of Defender-shaped readers (CSV, JSON) typed to the bundled schemas, collected per table.

Columns are matched by name: exactly, else ignoring case, else without the ``_string``/``_long``... suffix
that Kusto's ``union`` adds when two tables disagree on a column's type. A value that cannot be read as its
column's type rejects the whole row (with file and position); columns the schema does not know are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import cache
from typing import Any

import orjson
import pyarrow as pa

from kqlite.ingest.infer import ARROW_TYPES, DYNAMIC, FALSE, TRUE, cast_text, dynamic_array, infer_text
from kqlite.ingest.rejects import RejectLog
from kqlite.ingest.timestamps import to_micros
from kqlite.schemas import known_tables, table_schema

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


def _to_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if not text:
            return None
        if text in TRUE:
            return True
        if text in FALSE:
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
    """Typed rows of one table.

    Columns of the table's schema (Defender's when Defender has the table, else Sentinel's) are typed as it
    says; columns only the Sentinel flavour has (TimeGenerated, TenantId, SourceSystem, MachineGroup, ... of a
    Sentinel export of a Device table) as the Sentinel flavour says. Other columns are kept as text until the
    table is built, then typed from all their values (``infer.infer_text``). A column no input brought is not
    stored: the engine reads it as empty (and fills a Device table's missing Timestamp from TimeGenerated)."""

    def __init__(self, name: str):
        self.name = name
        self.schema = table_schema(name) or []
        self.types = dict(self.schema)
        for column, kql_type in table_schema(name, flavour="sentinel") or []:
            self.types.setdefault(column, kql_type)
        # dynamic columns the engine will not find in the schema: marked in storage (the JSON type)
        self._marked_dynamic = {column for column, kql_type in self.types.items()
                                if kql_type == "dynamic" and column not in dict(self.schema)}
        self._by_lower = {column.lower(): column for column in self.types}
        self.rows: list[dict[str, Any]] = []
        self.row_columns: dict[str, None] = {}  # columns of the rows, in first-seen order
        self.extra_columns: dict[str, None] = {}  # in first-seen order
        self.hints: dict[str, str | None] = {}  # extra column -> type a source declared (None: they disagree)
        self.frames: list[pa.Table] = []  # typed batches (extra columns as text until to_arrow)
        # the file each row came from (frames, then rows, as to_arrow orders them): a store drops the rows of
        # a file that another run stored meanwhile
        self.frame_files: list[pa.Array] = []
        self.row_files: list[str] = []
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

    def kql_type(self, key: str) -> str | None:
        """The KQL type the schema gives the column `key` stands for, None for a column it does not know."""
        return self.types.get(self.column_for(key))

    def hint(self, key: str, kql_type: str) -> None:
        """A source declares the type of a column (the Log Analytics API does): used for an extra column."""
        column = self.column_for(key)
        if column not in self.types:
            previous = self.hints.setdefault(column, kql_type)
            if previous != kql_type:
                self.hints[column] = None

    def add(self, row: dict[str, Any], file: str = "") -> None:
        """Type `row` to the schema (RowError names the column and value if it cannot be); `file` is its origin."""
        keys = tuple(row)
        plan = self._plans.get(keys)
        if plan is None:  # rows of one export share their keys: work out each key's column and type once
            plan = self._plans[keys] = [self._plan(key) for key in keys]
            self.row_columns.update((column, None) for column, _, _ in plan)
        typed: dict[str, Any] = {}
        for (column, kql_type, convert), value in zip(plan, row.values(), strict=True):
            if convert is None:  # a column the schema does not know: its text, typed with the others at the end
                typed[column] = _to_string(value)
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
        self.row_files.append(file)

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
            else:
                self.extra_columns.setdefault(column, None)
            columns.append(array)
            names.append(column)
        return pa.table(columns, names=names)

    def add_frame(self, frame: pa.Table, files: str | pa.Array) -> None:
        """A typed batch, with the file it came from (one name, or one a row)."""
        self.frames.append(frame)
        self.frame_files.append(pa.array([files] * frame.num_rows, pa.string()) if isinstance(files, str) else files)

    def files(self) -> pa.ChunkedArray:
        """The file each row of ``to_arrow()`` came from."""
        rows = [pa.array(self.row_files, pa.string())] if self.row_files else []  # pa.array imports pandas
        return pa.chunked_array([*self.frame_files, *rows], pa.string())

    def __len__(self) -> int:
        return len(self.rows) + sum(frame.num_rows for frame in self.frames)

    def to_arrow(self) -> pa.Table:
        """One table of every batch: the schema's columns that some batch has, in the schema's order, then the
        Sentinel-flavour ones, then the extra ones in first-seen order, typed from all their values."""
        frames = list(self.frames)
        if self.rows:
            frames.append(self._rows_frame())
        if not frames:
            fields = [pa.field(column, ARROW_TYPES.get(kql_type, pa.string())) for column, kql_type in self.schema]
            return pa.schema(fields).empty_table()
        present = dict.fromkeys(name for frame in frames for name in frame.column_names)
        known = [column for column in self.types if column in present]
        extra = [column for column in present if column not in self.types]
        columns: dict[str, pa.ChunkedArray] = {}
        for column in known:
            target = ARROW_TYPES.get(self.types[column], pa.string())
            chunks = [_as(_chunk(frame, column, target), target) for frame in frames]
            array = pa.chunked_array(chunks, target)
            if column in self._marked_dynamic:
                array = pa.chunked_array([dynamic_array(array.combine_chunks())], DYNAMIC)
            columns[column] = array
        for column in extra:
            columns[column] = _extra_column([_chunk(frame, column, None) for frame in frames], self.hints.get(column))
        return pa.table(columns)

    def _rows_frame(self) -> pa.Table:
        arrays = {}
        for column in self.row_columns:
            values = [row.get(column) for row in self.rows]
            kql_type = self.types.get(column)
            arrays[column] = pa.array(values, ARROW_TYPES.get(kql_type, pa.string()) if kql_type else pa.string())
        return pa.table(arrays)


def _chunk(frame: pa.Table, column: str, target: pa.DataType | None) -> pa.Array:
    """A frame's column as one array; a column the frame lacks as nulls (text nulls for an extra column)."""
    if column in frame.column_names:
        return frame.column(column).combine_chunks()
    return pa.nulls(frame.num_rows, target or pa.string())


def _as(array: pa.Array, target: pa.DataType) -> pa.Array:
    if array.type == target:
        return array
    if pa.types.is_null(array.type):  # a column of nulls (NULL AS ... in the mapping): no cast, nor its import
        return pa.nulls(len(array), target)
    if pa.types.is_timestamp(array.type) and array.type.tz is not None:
        array = array.cast(pa.timestamp(array.type.unit))
    return array.cast(target)


def _extra_column(chunks: list[pa.Array], hint: str | None) -> pa.ChunkedArray:
    """One column no schema describes, from each batch's array: the text ones typed from all their values
    together; when batches disagree (a number here, text there), text: each text value as it was read."""
    import pyarrow.compute as pc  # here: see infer.cast_text

    originals = [chunk.cast(pa.string()) if pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)
                 else None for chunk in chunks]
    types = {chunk.type for chunk, original in zip(chunks, originals, strict=True)
             if original is None and not pa.types.is_null(chunk.type)}
    text = [original for original in originals if original is not None]
    if text:
        inferred, _ = infer_text(pa.concat_arrays(text), hint)
        voters = pc.sum(pc.not_equal(pc.utf8_trim_whitespace(pa.concat_arrays(text)), "")).as_py() or 0
        keep = voters > 0 or not types  # else only empty text: nulls of the typed batches' type
        if keep:
            types.add(inferred.type)
        offset, chunks = 0, list(chunks)
        for index, original in enumerate(originals):
            if original is not None:
                chunks[index] = inferred.slice(offset, len(original)) if keep else pa.nulls(len(original))
                offset += len(original)
    target = _common_type(types)
    if target is None:  # the batches disagree: text, each value as it was read
        return pa.chunked_array([original if original is not None else _text_of(chunk)
                                 for chunk, original in zip(chunks, originals, strict=True)], pa.string())
    return pa.chunked_array([pa.nulls(len(chunk), target) if pa.types.is_null(chunk.type) else _as(chunk, target)
                             for chunk in chunks], target)


def _text_of(array: pa.Array) -> pa.Array:
    try:
        return array.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):  # lists, structs: their JSON
        return pa.array([_to_string(value) for value in array.to_pylist()], pa.string())


def _common_type(types: set[pa.DataType]) -> pa.DataType | None:
    """The type batches of one column share, or None when they disagree (beyond numbers and time units)."""
    if not types:
        return pa.string()
    if len(types) == 1:
        return next(iter(types))
    if all(pa.types.is_integer(t) for t in types):
        return pa.int64()
    if all(pa.types.is_integer(t) or pa.types.is_floating(t) for t in types):
        return pa.float64()
    if all(pa.types.is_timestamp(t) for t in types):
        return pa.timestamp("us")
    return None


# The Python value kinds each column type takes as they are (anything else: the row-by-row path decides)
_VALUE_KINDS: dict[str, tuple[type, ...]] = {
    "long": (int,), "int": (int,), "real": (int, float), "decimal": (int, float), "bool": (bool,),
    "datetime": (str,), "dynamic": (str, dict, list),
}


def _typed_values(values: list[Any], kql_type: str | None) -> pa.Array | None:
    """JSON values of one column as an Arrow array of `kql_type`; None when one is not of the column's kind."""
    if kql_type is None or CONVERTERS.get(kql_type) is _to_string:
        # text columns take any value, as its text (as row by row); a column the schema does not know is
        # kept as text too, and typed from all its values when the table is built  # text columns take any value, as its text (as row by row)
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
            return cast_text(pa.array(values, pa.string()), "datetime")
        return pa.array(values, ARROW_TYPES[kql_type])
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return None


def _typed_text_column(values: tuple[str, ...], kql_type: str | None) -> pa.Array | None:
    array = pa.array(values, pa.string())
    if kql_type in (None, "string", "dynamic", "guid", "timespan"):
        return array
    return cast_text(array, kql_type)


class RowSink:
    """Rows from every Defender and Log Analytics reader, per table; bad rows go to the reject log.
    `local_offset`: the UTC offset of exports whose times are on the browser's clock ([Local Time])."""

    def __init__(self, rejects: RejectLog, local_offset: timedelta | None = None):
        self.rejects = rejects
        self.local_offset = local_offset
        self.tables: dict[str, TableRows] = {}

    def table(self, name: str) -> TableRows:
        if name not in self.tables:
            self.tables[name] = TableRows(name)
        return self.tables[name]

    def resolve(self, table: str | None, row: dict[str, Any], fallback: str) -> str:
        """The table a row goes to: the one its Type column names (Log Analytics), else the one its source
        names, else the one it otherwise names, else `fallback`."""
        return type_table(row) or table or infer_table(row) or fallback

    def add(self, table: str | None, row: dict[str, Any], file: str, position: str, fallback: str) -> bool:
        name = self.resolve(table, row, fallback)
        try:
            self.table(name).add(row, file)
            return True
        except RowError as error:
            self.rejects.add(file, position, f"table {name}: {error}", orjson.dumps(row, default=str).decode())
            return False

    def hint(self, table: str, column: str, kql_type: str) -> None:
        """A source declares a column's type (see ``TableRows.hint``)."""
        self.table(table).hint(column, kql_type)

    def add_frame(self, table: str, frame: pa.Table, files: str | pa.Array) -> None:
        """Typed rows of `table` from the file `files` (or from one file a row)."""
        self.table(table).add_frame(frame, files)


_KNOWN = set(known_tables())
_CUSTOM_TABLE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*_CL$")  # Log Analytics custom logs (MyApp_CL)


def type_table(row: dict[str, Any]) -> str | None:
    """The table a Log Analytics row names in its Type column: a known table or a custom log. (Some Defender
    tables have a Type column of their own, whose values name no table.)"""
    value = row.get("Type")
    if isinstance(value, str) and (value in _KNOWN or _CUSTOM_TABLE.match(value)):
        return value
    return None


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
    """A file called after a table (DeviceProcessEvents.csv, deviceprocessevents-2024.json, export_SigninLogs)
    names it: the name, in any case, not run into other letters (Events.csv does not name the Event table)."""
    lowered = stem.lower()
    for name in _NAMES_LONGEST_FIRST:
        if name.lower() in lowered and _name_pattern(name).search(lowered):
            return name
    return None


_NAMES_LONGEST_FIRST = sorted(_KNOWN, key=len, reverse=True)


@cache
def _name_pattern(name: str) -> re.Pattern[str]:
    # compiled when first needed: compiling all 947 at import took a fifth of a second of every command
    return re.compile(rf"(?<![a-z]){re.escape(name.lower())}(?![a-z])")
