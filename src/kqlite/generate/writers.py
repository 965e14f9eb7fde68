"""Output formats. Every writer takes chunks ({table: pa.Table}) in order and streams them to disk.

* parquet        DIR/<Table>.parquet, one file per table, one row group per chunk
* csv            DIR/<Table>.csv, header, ISO-8601 UTC datetimes with milliseconds and Z
* jsonl          DIR/<Table>.jsonl, one JSON object per row
* defender-csv   DIR/<Table>.csv as the advanced-hunting portal exports it: RFC-4180, CRLF, datetimes with
                 7 fractional digits and Z, true/false, empty field for null
* streaming-json Streaming API storage blobs, DIR/insights-logs-advancedhunting-<table>/y=/m=/d=/h=/m=00/PT1H.json,
                 CRLF JSON lines of {"time", "tenantId", "operationName", "category", "properties"}
* sysmon-evtx-xml see sysmon.py
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from kqlite.generate import text
from kqlite.generate.columns import HOUR, SECOND
from kqlite.generate.tables import arrow_schema

FORMATS = ("parquet", "csv", "jsonl", "defender-csv", "streaming-json", "sysmon-evtx-xml")
TEXT_BATCH = 10_000  # rows rendered at a time by the text writers (bounds memory)


class Writer:
    def __init__(self, out_dir: Path, tables: tuple[str, ...]) -> None:
        self.out_dir = out_dir
        self.tables = tables
        self.paths: list[Path] = []

    def write(self, chunk: dict[str, pa.Table]) -> None:
        raise NotImplementedError

    def close(self) -> list[Path]:
        return self.paths


class ParquetOut(Writer):
    def __init__(self, out_dir: Path, tables: tuple[str, ...]) -> None:
        super().__init__(out_dir, tables)
        self._writers: dict[str, pq.ParquetWriter] = {}

    def _open(self, table: str, schema: pa.Schema) -> pq.ParquetWriter:
        path = self.out_dir / f"{table}.parquet"
        self.paths.append(path)
        # Statistics on every column, strings included: their null counts let readers (kqlite among them)
        # skip null handling on columns that have no null.
        return pq.ParquetWriter(path, schema, compression="snappy", store_schema=False, write_statistics=True)

    def write(self, chunk: dict[str, pa.Table]) -> None:
        for table, data in chunk.items():
            if data.num_rows == 0:
                continue
            writer = self._writers.get(table) or self._writers.setdefault(table, self._open(table, data.schema))
            writer.write_table(data, row_group_size=max(1, data.num_rows))

    def close(self) -> list[Path]:
        for table in self.tables:
            if table not in self._writers:  # an empty table still gets a file with the full schema
                self._writers[table] = self._open(table, arrow_schema(table))
        for writer in self._writers.values():
            writer.close()
        return self.paths


class _LinesOut(Writer):
    """Text formats with one file per table and an optional header."""

    suffix = ".csv"
    newline = "\n"

    def __init__(self, out_dir: Path, tables: tuple[str, ...]) -> None:
        super().__init__(out_dir, tables)
        self._files: dict[str, IO[bytes]] = {}
        for table in tables:
            path = out_dir / f"{table}{self.suffix}"
            self.paths.append(path)
            handle = self._files[table] = path.open("wb")
            header = self.header(arrow_schema(table))
            if header:
                handle.write(header.encode())

    def header(self, schema: pa.Schema) -> str:
        return ""

    def lines(self, table: str, data: pa.Table) -> bytes:
        raise NotImplementedError

    def write(self, chunk: dict[str, pa.Table]) -> None:
        for table, data in chunk.items():
            for start in range(0, data.num_rows, TEXT_BATCH):
                self._files[table].write(self.lines(table, data.slice(start, TEXT_BATCH)))

    def close(self) -> list[Path]:
        for handle in self._files.values():
            handle.close()
        return self.paths


class CsvOut(_LinesOut):
    digits = 3

    def header(self, schema: pa.Schema) -> str:
        return ",".join(schema.names) + self.newline

    def lines(self, table: str, data: pa.Table) -> bytes:
        columns = [text.csv_values(c.combine_chunks(), self.digits) for c in data.columns]
        return text.join_lines(columns, ",", self.newline)


class DefenderCsvOut(CsvOut):
    digits = 7
    newline = "\r\n"


class JsonlOut(_LinesOut):
    suffix = ".jsonl"

    def lines(self, table: str, data: pa.Table) -> bytes:
        return text.join_lines([text.json_objects(data, digits=3)], "", "\n")


class StreamingJsonOut(Writer):
    """Streaming API -> Storage account: one container per table, one blob per hour of receipt time."""

    def __init__(self, out_dir: Path, tables: tuple[str, ...], tenant_id: str) -> None:
        super().__init__(out_dir, tables)
        self.tenant_id = tenant_id
        self._seen: set[Path] = set()

    def _blob(self, table: str, hour: int) -> Path:
        moment = datetime.fromtimestamp(hour * 3600, UTC)
        return (self.out_dir / f"insights-logs-advancedhunting-{table.lower()}" / f"y={moment:%Y}" / f"m={moment:%m}"
                / f"d={moment:%d}" / f"h={moment:%H}" / "m=00" / "PT1H.json")

    def write(self, chunk: dict[str, pa.Table]) -> None:
        for table, data in chunk.items():
            if data.num_rows == 0:
                continue
            event = data.column("Timestamp").combine_chunks().cast(pa.int64()).to_numpy(zero_copy_only=False)
            report = data.column("ReportId").combine_chunks().to_numpy(zero_copy_only=False)
            # `time` = when the service received the event: a stable 5-95 s after the event itself.
            received = event + ((report * 7919) % 90 + 5) * SECOND + (report % 1000) * 1000
            hours = received // HOUR
            for hour in np.unique(hours):
                rows = np.flatnonzero(hours == hour)
                for start in range(0, len(rows), TEXT_BATCH):
                    part = rows[start:start + TEXT_BATCH]
                    sub = data.take(pa.array(part))
                    when = text.iso(pa.array(received[part], pa.int64()).cast(pa.timestamp("us", tz="UTC")), 7)
                    head = pc.binary_join_element_wise(
                        '{"time":"', when, f'","tenantId":"{self.tenant_id}","operationName":"Publish",'
                        f'"category":"AdvancedHunting-{table}","properties":', "")
                    body = text.json_objects(sub, digits=7)
                    path = self._blob(table, int(hour))
                    path.parent.mkdir(parents=True, exist_ok=True)
                    with path.open("ab" if path in self._seen else "wb") as handle:  # truncate blobs of an older run
                        handle.write(text.join_lines([head, body, "}"], "", "\r\n"))
                    if path not in self._seen:
                        self._seen.add(path)
                        self.paths.append(path)


def open_writer(fmt: str, out_dir: Path, tables: tuple[str, ...], estate: object) -> Writer:
    if fmt == "parquet":
        return ParquetOut(out_dir, tables)
    if fmt == "csv":
        return CsvOut(out_dir, tables)
    if fmt == "defender-csv":
        return DefenderCsvOut(out_dir, tables)
    if fmt == "jsonl":
        return JsonlOut(out_dir, tables)
    if fmt == "streaming-json":
        return StreamingJsonOut(out_dir, tables, estate.tenant_id)  # type: ignore[attr-defined]
    if fmt == "sysmon-evtx-xml":
        from kqlite.generate.sysmon import SysmonXmlOut  # imported lazily: only this format needs it

        return SysmonXmlOut(out_dir, tables, estate)  # type: ignore[arg-type]
    raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
