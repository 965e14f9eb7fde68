"""Readers of Defender advanced-hunting data: the portal CSV export, Streaming API messages and blobs, the
Graph ``runHuntingQuery`` / advanced-hunting API JSON, JSON lines of rows, and Parquet."""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator
from typing import Any

import orjson
import pyarrow.parquet as pq

from kqlite.ingest.rejects import RejectLog
from kqlite.ingest.rows import RowSink, table_from_name
from kqlite.ingest.sources import Source

STREAMING_PREFIX = "AdvancedHunting-"
csv.field_size_limit(sys.maxsize)


def _text(source: Source) -> str:
    return source.read().decode("utf-8-sig", errors="replace")


def read_csv(source: Source, sink: RowSink, rejects: RejectLog) -> int:
    """A CSV with a header row (the portal export: RFC 4180, any column order, columns matched by name).

    When the file names its table, the columns are typed in one go by Arrow; if a value does not convert,
    the rows are typed one by one instead, so that each bad row is rejected with its line."""
    table, stem = table_from_name(source.stem), source.stem
    reader = csv.reader(io.StringIO(_text(source), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return 0
    header = [name.strip() for name in header]
    rows: list[list[str]] = []
    lines: list[int] = []
    line = reader.line_num
    for fields in reader:
        position, start, line = f"line {line + 1}", line + 1, reader.line_num
        if not fields or fields == [""]:
            continue
        if len(fields) != len(header):
            rejects.add(source.name, position, f"the row has {len(fields)} fields, the header {len(header)}",
                        ",".join(fields))
            continue
        rows.append(fields)
        lines.append(start)
    if table is not None and rows:
        frame = sink.table(table).text_frame(header, list(zip(*rows, strict=True)))
        if frame is not None:
            sink.add_frame(table, frame)
            return frame.num_rows
    count = 0
    for fields, start in zip(rows, lines, strict=True):
        count += sink.add(table, dict(zip(header, fields, strict=True)), source.name, f"line {start}", stem)
    return count


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
    """JSON lines (or an array) of advanced-hunting rows, as exported from a query."""
    table = table_from_name(source.stem)
    batch = _RowBatch(sink, rejects, source)
    for position, value in _json_values(source, rejects):
        batch.add(table, value, position)
    return batch.flush()


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
                self.sink.add_frame(name, frame)
                count += frame.num_rows
                continue
            for row, position in items:
                count += self.sink.add(name, row, self.source.name, position, self.source.stem)
        self.groups = {}
        # rejects in file order: those of typing come after those of reading, which came first
        self.rejects.rejects[self._first_reject:] = sorted(self.rejects.rejects[self._first_reject:],
                                                           key=lambda reject: _numbers(reject.position))
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
        sink.add_frame(table, typed)
        return typed.num_rows
    count = number = 0
    for batch in frame.to_batches(max_chunksize=65536):
        for row in batch.to_pylist():
            number += 1
            count += sink.add(table, row, source.name, f"row {number}", source.stem)
    return count
