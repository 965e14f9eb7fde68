"""One ingest run: inputs -> format detection -> readers -> Defender tables, with rejects and a summary.

One bad file never stops the others: whatever goes wrong inside a reader becomes a reject naming the file,
and the run goes on. A file whose content was already read (same SHA-256, in this run or, with a store,
in an earlier one) is skipped, so ingesting the same data twice adds nothing.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from kqlite.ingest import defender, detect
from kqlite.ingest.rejects import RejectLog
from kqlite.ingest.rows import RowSink
from kqlite.ingest.sources import Source, SourceError, iter_sources
from kqlite.ingest.sysmon_map import (
    REJECT_FILE,
    REJECT_POSITION,
    REJECT_VALUE,
    TABLE_MAPS,
    catalogue_sql,
    events_view_sql,
    macro_statements,
    table_select,
)
from kqlite.ingest.windows_events import EventStage

_DEFENDER_READERS = {
    detect.DEFENDER_CSV: defender.read_csv,
    detect.DEFENDER_JSON: defender.read_json_rows,
    detect.STREAMING: defender.read_streaming,
    detect.HUNTING_API: defender.read_hunting_api,
    detect.PARQUET: defender.read_parquet,
    detect.XLSX: defender.read_xlsx,
}


@dataclass
class FileReport:
    name: str
    format: str
    records: int = 0  # rows or events read from the file
    sha256: str = ""
    skipped: str = ""  # why nothing was read ("already ingested", "not a supported format")


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)
    rows: Counter[str] = field(default_factory=Counter)  # per table
    unmapped_events: Counter[str] = field(default_factory=Counter)  # Windows events no table takes, by kind
    rejects: RejectLog = field(default_factory=RejectLog)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


_EVTX_HEADER_SIZE, _EVTX_CHUNK_SIZE, _EVTX_CHUNK_HEADER = 4096, 65536, 512
_READ_WHOLE = 64 << 20  # files up to this size are read into memory once

ProgressCallback = Callable[[str, int], None]  # (file name, bytes done)


class Ingest:
    """Collects the tables of one run. ``add(paths)`` reads; ``tables()`` returns pyarrow tables by name."""

    def __init__(self, known_hashes: set[str] | None = None, progress: ProgressCallback | None = None):
        self.report = IngestReport()
        self.sink = RowSink(self.report.rejects)
        self.duckdb = duckdb.connect()
        self.duckdb.execute("SET TimeZone = 'UTC'")
        self.events = EventStage(self.duckdb, self.report.rejects)
        self._hashes = set(known_hashes or ())
        self._progress = progress
        self._tables: dict[str, pa.Table] | None = None

    def add(self, paths: list[str | Path]) -> IngestReport:
        for item in iter_sources(paths):
            if isinstance(item, SourceError):
                self.report.rejects.add(str(item).split(":", 1)[0], "file", str(item))
                continue
            self._add_source(item)
        return self.report

    def _add_source(self, source: Source) -> None:
        data_size = len(source.data) if source.data is not None else source.path.stat().st_size  # type: ignore[union-attr]
        if source.data is None and data_size <= _READ_WHOLE:
            # one read serves detection, the content hash and the reader
            source = Source(source.name, path=source.path, data=source.path.read_bytes())  # type: ignore[union-attr]
        digest = _sha256(source)
        kind = detect.detect_format(source)
        report = FileReport(source.name, kind, sha256=digest)
        self.report.files.append(report)
        if digest in self._hashes:
            report.skipped = "already ingested (same content)"
        elif kind == detect.UNKNOWN:
            report.skipped = "not a supported format"
        else:
            self._hashes.add(digest)
            try:
                report.records = self._read(source, kind)
            except Exception as error:  # noqa: BLE001 - one bad file must not stop the run; it is reported
                self.report.rejects.add(source.name, "file", f"cannot read the {kind} file: {type(error).__name__}: {error}")
        if self._progress:
            self._progress(source.name, data_size)

    def _read(self, source: Source, kind: str) -> int:
        if kind == detect.EVTX:
            return self.events.add_evtx(source)
        if kind == detect.WINDOWS_XML:
            return self.events.add_xml(source)
        if kind == detect.WINDOWS_JSON:
            return self.events.add_json_lines(source)
        return _DEFENDER_READERS[kind](source, self.sink, self.report.rejects)

    @property
    def hashes(self) -> set[str]:
        return set(self._hashes)

    def tables(self) -> dict[str, pa.Table]:
        """Every table read so far (Windows events mapped to the Defender tables), by name."""
        if self._tables is None:
            self._map_windows_events()
            self._tables = {name: rows.to_arrow() for name, rows in sorted(self.sink.tables.items()) if len(rows)}
            self.report.rows = Counter({name: table.num_rows for name, table in self._tables.items()})
        return self._tables

    def _map_windows_events(self) -> None:
        staged = self.events.count()  # adds the EVTX records no table takes to events.unmapped
        self.report.unmapped_events = Counter(self.events.unmapped)
        if staged == 0:
            return
        for statement in (*macro_statements(), events_view_sql(), *catalogue_sql()):
            self.duckdb.execute(statement)
        for mapping in TABLE_MAPS:
            frame = self.duckdb.sql(table_select(mapping)).to_arrow_table()
            unreadable = pc.is_null(frame.column("Timestamp"))
            for row in frame.filter(unreadable).select([REJECT_FILE, REJECT_POSITION, REJECT_VALUE]).to_pylist():
                self.report.rejects.add(row[REJECT_FILE], row[REJECT_POSITION],
                                        f"table {mapping.table}: unreadable event time {row[REJECT_VALUE]!r}")
            frame = frame.filter(pc.invert(unreadable)).drop_columns([REJECT_FILE, REJECT_POSITION, REJECT_VALUE])
            if frame.num_rows:
                self.sink.add_frame(mapping.table, frame)

    def close(self) -> None:
        self.events.close()
        self.duckdb.close()


def _sha256(source: Source) -> str:
    """The identity of a file's content. For an EVTX file: the SHA-256 of its header and of every chunk
    header (each holds the CRC32 of the chunk's records), which identifies the content at a fraction of the
    cost of hashing every byte; for anything else, the SHA-256 of all its bytes."""
    digest = hashlib.sha256()
    evtx = source.head(len(detect.EVTX_MAGIC)) == detect.EVTX_MAGIC
    if source.data is not None:
        data = source.data
        if not evtx:
            digest.update(data)
        else:
            digest.update(data[:_EVTX_HEADER_SIZE])
            for start in range(_EVTX_HEADER_SIZE, len(data), _EVTX_CHUNK_SIZE):
                digest.update(data[start:start + _EVTX_CHUNK_HEADER])
            digest.update(str(len(data)).encode())
    elif evtx:
        with source.open() as handle:
            digest.update(handle.read(_EVTX_HEADER_SIZE))
            while header := handle.read(_EVTX_CHUNK_HEADER):
                digest.update(header)
                handle.seek(_EVTX_CHUNK_SIZE - _EVTX_CHUNK_HEADER, 1)
        digest.update(str(source.path.stat().st_size).encode())  # type: ignore[union-attr]
    else:
        with source.open() as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def load(paths: list[str | Path]) -> tuple[dict[str, pa.Table], IngestReport]:
    """Read `paths` (files, folders, archives) into Defender-shaped pyarrow tables, in memory."""
    run = Ingest()
    try:
        run.add(paths)
        return run.tables(), run.report
    finally:
        run.close()
