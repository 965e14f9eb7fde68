"""Readers of Defender advanced-hunting and Log Analytics / Sentinel data: the portals' CSV exports, Streaming
API messages and blobs, the Graph ``runHuntingQuery`` / advanced-hunting API JSON, the Log Analytics query API
JSON and the Azure CLI's, JSON lines of rows, and Parquet."""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import orjson
import pyarrow.parquet as pq

from kqlite.ingest.csv_records import BadLine, csv_records, sniff_delimiter
from kqlite.ingest.infer import python_literal_json
from kqlite.ingest.locale_times import (
    LOCAL,
    DateOrder,
    TimeError,
    Zone,
    is_locale_datetime,
    parse_header,
    to_utc_text,
)
from kqlite.ingest.rejects import RejectLog
from kqlite.ingest.rows import CONVERTERS, RowSink, table_from_name, type_table
from kqlite.ingest.sources import Source

STREAMING_PREFIX = "AdvancedHunting-"
csv.field_size_limit(sys.maxsize)


def _text(source: Source) -> str:
    return source.read().decode("utf-8-sig", errors="replace")


def read_csv(source: Source, sink: RowSink, rejects: RejectLog) -> int:
    """A CSV with a header row: the Defender portal export, the Log Analytics / Sentinel portal export (its
    ``TimeGenerated [UTC]`` headers and locale datetimes), any CSV of rows. Columns are matched by name.

    Each row goes to the table its ``Type`` column names (Log Analytics), else to the one the file name names;
    those rows are typed in one go by Arrow, and if a value does not convert, one by one instead, so that each
    bad row is rejected with its line. Rows that name no table are placed and typed one by one."""
    file_table, stem, first_reject = table_from_name(source.stem), source.stem, len(rejects)
    text = _text(source)
    delimiter = sniff_delimiter(text.split("\n", 1)[0])
    records = csv_records(text, delimiter)
    raw_header = next(records, None)
    if not isinstance(raw_header, tuple):
        return 0
    header, zones = _header_columns(raw_header[1], sink.local_offset)
    rows: list[list[str]] = []
    lines: list[int] = []
    for record in records:
        if isinstance(record, BadLine):
            rejects.add(source.name, f"line {record.line}", record.reason, record.raw)
            continue
        start, fields = record
        if len(fields) != len(header):
            rejects.add(source.name, f"line {start}", f"the row has {len(fields)} fields, the header {len(header)}",
                        delimiter.join(fields))
            continue
        rows.append(fields)
        lines.append(start)
    if not rows:
        return 0
    type_column = header.index("Type") if "Type" in header else None
    tables = [(type_table({"Type": fields[type_column]}) if type_column is not None else None) or file_table
              for fields in rows]
    bad = _CsvTimes(header, zones, rows, tables, sink).convert()
    for index, reason in sorted(bad.items()):
        rejects.add(source.name, f"line {lines[index]}", reason, ",".join(rows[index]))
    groups: dict[str | None, list[int]] = {}
    for index, table in enumerate(tables):
        if index not in bad:
            groups.setdefault(table, []).append(index)
    count = 0
    for table, indexes in groups.items():
        if table is not None:
            group = [rows[index] for index in indexes]
            frame = sink.table(table).text_frame(header, list(zip(*group, strict=True)))
            if frame is not None:
                sink.add_frame(table, frame, source.name)
                count += frame.num_rows
                continue
        for index in indexes:
            row = dict(zip(header, rows[index], strict=True))
            count += sink.add(table, row, source.name, f"line {lines[index]}", stem)
    _sort_rejects(rejects, first_reject)  # those of reading, of times and of typing: in file order
    return count


def _header_columns(raw: list[str], local_offset: timedelta | None) -> tuple[list[str], list[Zone]]:
    """Column names without the Log Analytics time tag (``TimeGenerated [UTC]`` -> ``TimeGenerated``), and
    each column's clock."""
    pairs = [parse_header(name, local_offset) for name in raw]
    return [name for name, _ in pairs], [zone for _, zone in pairs]


_SCAN = 100  # rows looked at to tell whether an untagged column holds locale datetimes


class _CsvTimes:
    """The datetime columns of one CSV, rewritten as ISO 8601 UTC text in place: those the header tags with a
    clock, and those whose values are locale datetimes (``12/6/2026, 2:22:48.123 PM``). The day/month order is
    one for the file, settled by its values (``DateOrder``).

    A value that does not read rejects its row when the column is a datetime (tagged, or typed datetime by
    the table's schema); in any other column, the column is only rewritten if every value reads."""

    def __init__(self, header: list[str], zones: list[Zone], rows: list[list[str]], tables: list[str | None],
                 sink: RowSink):
        self.header, self.zones, self.rows = header, zones, rows
        names = {table for table in tables if table is not None}
        typed = {index for index, name in enumerate(header)
                 if any(sink.table(table).kql_type(name) == "datetime" for table in names)}
        locale = {index for index in range(len(header)) if self._locale(index, everywhere=index in typed)}
        self.columns = [index for index, zone in enumerate(zones) if zone is not None or index in locale]
        self.typed = typed & set(self.columns)
        self.locale = sorted(locale)  # the columns whose values settle the day/month order

    def _locale(self, index: int, everywhere: bool) -> bool:
        """Whether the column's first value holds a locale datetime (looked for in all rows for a datetime
        column of the schema, in the first rows for another)."""
        for fields in self.rows if everywhere else self.rows[:_SCAN]:
            if fields[index].strip():
                return is_locale_datetime(fields[index])
        return False

    def convert(self) -> dict[int, str]:
        """Rewrite the columns; the rows to reject, with why."""
        bad: dict[int, str] = {}
        if not self.columns:
            return bad
        order = DateOrder.of(fields[index] for index in self.locale for fields in self.rows)
        for index in self.columns:
            zone, name = self.zones[index], self.header[index]
            as_is = zone is None or zone == timedelta()  # ISO text with an offset, or on UTC, needs no change
            strict = zone is not None or index in self.typed
            changed: list[tuple[int, str]] = []
            for number, fields in enumerate(self.rows):
                text = fields[index]
                if not text.strip() or as_is and _ISO_START.match(text):
                    continue
                try:
                    fields[index] = to_utc_text(text, zone, order)
                    changed.append((number, text))
                except TimeError as error:
                    if not strict:  # not a datetime column after all: leave it as it was
                        for row_number, original in changed:
                            self.rows[row_number][index] = original
                        break
                    hint = _LOCAL_HINT.format(column=name) if zone == LOCAL else ""
                    bad.setdefault(number, f"column {name}: {error}{hint}")
        return bad


_ISO_START = re.compile(r"\s*\d{4}-\d{2}-\d{2}")
_LOCAL_HINT = (" (the column is '{column} [Local Time]': export with the portal's time zone set to UTC, or give "
               "the offset: --local-utc-offset +HH:MM)")


def _sort_rejects(rejects: RejectLog, first: int) -> None:
    rejects.rejects[first:] = sorted(rejects.rejects[first:], key=lambda reject: _numbers(reject.position))


def read_xlsx(source: Source, sink: RowSink, rejects: RejectLog) -> int:
    """The portal's Excel export: the first sheet, a header row, then one row per result."""
    import openpyxl  # only needed for workbooks

    table = table_from_name(source.stem)
    workbook = openpyxl.load_workbook(source.open(), read_only=True, data_only=True)
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [str(name).strip() if name is not None else "" for name in next(rows, ())]
        count = 0
        for number, values in enumerate(rows, start=2):
            if values is None or all(value is None for value in values):
                continue
            row = {name: value for name, value in zip(header, values, strict=False) if name}
            count += sink.add(table, row, source.name, f"row {number}", source.stem)
        return count
    finally:
        workbook.close()


def _json_values(source: Source, rejects: RejectLog) -> Iterator[tuple[str, Any]]:
    """(position, value) of a JSON document (an array: each element) or of each line of a JSON-lines file."""
    data = source.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        document = None
    if document is not None:
        if isinstance(document, list):
            for index, value in enumerate(document):
                yield f"item {index}", value
        else:
            yield "document", document
        return
    for number, line in enumerate(data.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            yield f"line {number}", orjson.loads(line)
        except orjson.JSONDecodeError as error:
            rejects.add(source.name, f"line {number}", f"broken JSON line: {error}", line)


def read_json_rows(source: Source, sink: RowSink, rejects: RejectLog) -> int:
    """JSON lines (or an array) of rows, as exported from a query; also what ``az monitor log-analytics query``
    prints (every value as Python's ``str()`` of it, and the result's name in a ``TableName`` key)."""
    table = table_from_name(source.stem)
    batch = _RowBatch(sink, rejects, source)
    az_cli: bool | None = None
    for position, value in _json_values(source, rejects):
        if az_cli is None and isinstance(value, dict):  # the first row tells
            az_cli = "TableName" in value and all(isinstance(v, str) for v in value.values())
        if az_cli and isinstance(value, dict):
            value = _az_cli_row(value, sink, table, source.stem)
        batch.add(table, value, position)
    return batch.flush()


def _az_cli_row(row: dict[str, Any], sink: RowSink, table: str | None, stem: str) -> dict[str, Any]:
    """A row as the Azure CLI prints it, back to values: no ``TableName`` (the result's name, PrimaryResult,
    not a column), ``None`` as null (but in a string column: Kusto strings are never null, so it is text), and
    a dynamic value printed as a Python literal (``{'a': True}``) as JSON."""
    columns = sink.table(sink.resolve(table, row, stem))
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key == "TableName" or not isinstance(value, str):
            if key != "TableName":
                out[key] = value
            continue
        kql_type = columns.kql_type(key)
        if value == "None" and kql_type != "string":
            value = None
        elif kql_type in ("dynamic", None) and value[:1] in ("{", "[") and not _is_json(value):
            value = python_literal_json(value) or value
        out[key] = value
    return out


def _is_json(text: str) -> bool:
    try:
        orjson.loads(text)
        return True
    except orjson.JSONDecodeError:
        return False


# Column types as the Log Analytics API names them (older versions: .NET names) -> KQL types
_API_TYPES = {"boolean": "bool", "sbyte": "bool", "int32": "int", "int64": "long", "double": "real", "date": "datetime",
              "object": "dynamic", "uuid": "guid", "system.string": "string", "system.boolean": "bool",
              "system.int32": "int", "system.int64": "long", "system.double": "real", "system.datetime": "datetime",
              "system.object": "dynamic", "system.guid": "guid", "system.timespan": "timespan",
              "system.sbyte": "bool", "system.decimal": "decimal", "system.data.sqltypes.sqldecimal": "decimal"}


def read_log_analytics_api(source: Source, sink: RowSink, rejects: RejectLog) -> int:
    """The Log Analytics query API response (REST, ``az rest``, Azure Monitor Query SDKs' raw JSON):
    ``{"tables": [{"name": "PrimaryResult", "columns": [{"name", "type"}], "rows": [[...], ...]}]}``.
    Each row goes to the table its Type column names, else the file's; the declared column types type the
    columns no schema describes."""
    file_table = table_from_name(source.stem)
    batch = _RowBatch(sink, rejects, source)
    for position, document in _json_values(source, rejects):
        prefix = "" if position == "document" else f"{position}, "
        results = document.get("tables") if isinstance(document, dict) else None
        if not isinstance(results, list):
            rejects.add(source.name, position, "no 'tables' list in the Log Analytics API response",
                        orjson.dumps(document).decode())
            continue
        for index, result in enumerate(results):
            where = f"{prefix}tables[{index}]"
            columns = result.get("columns") if isinstance(result, dict) else None
            rows = result.get("rows") if isinstance(result, dict) else None
            if not isinstance(columns, list) or not isinstance(rows, list) \
                    or not all(isinstance(column, dict) and isinstance(column.get("name"), str) for column in columns):
                rejects.add(source.name, where, "a result table without a 'columns' list of names and a 'rows' list",
                            orjson.dumps(result).decode())
                continue
            names = [column["name"] for column in columns]
            declared = {column["name"]: _kql_type(column.get("type")) for column in columns}
            hinted: set[str] = set()
            for number, row in enumerate(rows):
                if not isinstance(row, list) or len(row) != len(names):
                    size = len(row) if isinstance(row, list) else "no list of"
                    rejects.add(source.name, f"{where}.rows[{number}]",
                                f"the row has {size} values, the columns {len(names)}", orjson.dumps(row).decode())
                    continue
                values = dict(zip(names, row, strict=True))
                table = sink.resolve(file_table, values, source.stem)
                if table not in hinted:
                    hinted.add(table)
                    for name, kql_type in declared.items():
                        if kql_type is not None:
                            sink.hint(table, name, kql_type)
                batch.add(table, values, f"{where}.rows[{number}]")
    return batch.flush()


def _kql_type(name: object) -> str | None:
    if not isinstance(name, str):
        return None
    lowered = name.lower()
    return lowered if lowered in CONVERTERS else _API_TYPES.get(lowered)


class _RowBatch:
    """The row objects of one file, grouped by table, then typed column by column (row by row for a table
    where some value is not of its column's kind, so that each bad row is rejected with its position)."""

    def __init__(self, sink: RowSink, rejects: RejectLog, source: Source):
        self.sink, self.rejects, self.source = sink, rejects, source
        self.groups: dict[str, list[tuple[dict[str, Any], str]]] = {}
        self._first_reject = len(rejects)

    def add(self, table: str | None, value: Any, position: str, what: str = "a JSON value") -> None:
        if not isinstance(value, dict):
            rejects_raw = orjson.dumps(value).decode()
            self.rejects.add(self.source.name, position, f"{what} that is not a row object", rejects_raw)
            return
        name = self.sink.resolve(table, value, self.source.stem)
        self.groups.setdefault(name, []).append((value, position))

    def flush(self) -> int:
        count = 0
        for name, items in self.groups.items():
            frame = self.sink.table(name).object_frame([row for row, _ in items])
            if frame is not None:
                self.sink.add_frame(name, frame, self.source.name)
                count += frame.num_rows
                continue
            for row, position in items:
                count += self.sink.add(name, row, self.source.name, position, self.source.stem)
        self.groups = {}
        # rejects in file order: those of typing come after those of reading, which came first
        _sort_rejects(self.rejects, self._first_reject)
        return count


def _numbers(position: str) -> tuple[int, ...]:
    """'line 5, record 2' -> (5, 2): positions of one file sort in file order."""
    return tuple(int(number) for number in re.findall(r"\d+", position))


def read_streaming(source: Source, sink: RowSink, rejects: RejectLog) -> int:
    """Streaming API: Event Hub messages ``{"records": [...]}`` or Storage blobs (one envelope a line).
    The table is the envelope's category, the row its properties (whose Timestamp is the event time)."""
    batch = _RowBatch(sink, rejects, source)
    for position, value in _json_values(source, rejects):
        envelopes = value.get("records") if isinstance(value, dict) and "records" in value else [value]
        if not isinstance(envelopes, list):
            rejects.add(source.name, position, "'records' is not a list", orjson.dumps(value).decode())
            continue
        for index, envelope in enumerate(envelopes):
            where = f"{position}, record {index}" if len(envelopes) > 1 or "records" in value else position
            if not isinstance(envelope, dict) or not isinstance(envelope.get("properties"), dict):
                rejects.add(source.name, where, "a streaming record without a 'properties' object",
                            orjson.dumps(envelope).decode())
                continue
            category = str(envelope.get("category") or "")
            table = category[len(STREAMING_PREFIX):] if category.startswith(STREAMING_PREFIX) else None
            batch.add(table, envelope["properties"], where)
    return batch.flush()


def read_hunting_api(source: Source, sink: RowSink, rejects: RejectLog) -> int:
    """Graph ``runHuntingQuery`` (``schema``/``results``) or the older APIs (``Schema``/``Results``)."""
    table = table_from_name(source.stem)
    batch = _RowBatch(sink, rejects, source)
    for position, document in _json_values(source, rejects):
        if not isinstance(document, dict):
            rejects.add(source.name, position, "a JSON value that is not a hunting API response",
                        orjson.dumps(document).decode())
            continue
        keys = {key.lower(): key for key in document}
        results = document.get(keys.get("results", "results"))
        if not isinstance(results, list):
            rejects.add(source.name, position, "no 'results' list in the hunting API response")
            continue
        for index, row in enumerate(results):
            where = f"{position}, results[{index}]" if position != "document" else f"results[{index}]"
            batch.add(table, row, where, what="a result")
    return batch.flush()


def read_parquet(source: Source, sink: RowSink, rejects: RejectLog) -> int:
    """A Parquet file of rows, named after its table (typed columns are checked like any other row)."""
    frame = pq.read_table(source.open())
    table = table_from_name(source.stem) or source.stem
    typed = sink.table(table).cast_frame(frame)
    if typed is not None:  # the columns already have (or cast cleanly to) the schema's types
        sink.add_frame(table, typed, source.name)
        return typed.num_rows
    count = number = 0
    for batch in frame.to_batches(max_chunksize=65536):
        for row in batch.to_pylist():
            number += 1
            count += sink.add(table, row, source.name, f"row {number}", source.stem)
    return count
