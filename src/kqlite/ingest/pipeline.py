"""One ingest run: inputs -> format detection -> readers -> Defender tables, with rejects and a summary.

One bad file never stops the others: whatever goes wrong inside a reader becomes a reject naming the file,
and the run goes on. A file whose content was already read (same BLAKE3 digest, in this run or, with a store,
in an earlier one) is skipped, so ingesting the same data twice adds nothing.
"""

from __future__ import annotations

import codecs
import functools
import gc
import os
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from kqlite.ingest import detect
from kqlite.ingest.addresses import canonical_ipv6
from kqlite.ingest.encoding import to_utf8, utf16_without_bom
from kqlite.ingest.evtx_reader import Texts, merge_parts
from kqlite.ingest.evtx_workers import EvtxReads, Job, SplitRead, cpu_mark, idle_cores, part_or_fail
from kqlite.ingest.identity import digest_bytes, digest_file
from kqlite.ingest.rejects import RejectLog
from kqlite.ingest.sources import ArchiveLimits, Skipped, Source, SourceError, iter_sources
from kqlite.ingest.sysmon_map import REJECT_FILE, REJECT_POSITION, REJECT_VALUE, TABLE_MAPS, mapping_sql

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from kqlite.ingest.rows import RowSink
    from kqlite.ingest.windows_events import EventStage


@dataclass
class FileReport:
    """One input file and what became of its records: records_in = rows + rejected + unmapped + duplicates."""

    name: str
    format: str
    records: int = 0  # rows or events read from the file
    digest: str = ""  # BLAKE3 of the file's bytes
    skipped: str = ""  # why nothing was read ("already ingested", "not a supported format")
    records_in: int | None = None  # the records the file holds: read, and lost to damage (None: not known)
    rows: int = 0  # rows stored from it
    rejected: int = 0  # records rejected (malformed, damaged, unreadable)
    unmapped: int = 0  # Windows events no table takes
    duplicates: int = 0  # Windows events already read from another file
    encoding: str = ""  # the text encoding it was read from, when not UTF-8

    @property
    def accounted(self) -> int:
        return self.rows + self.rejected + self.unmapped + self.duplicates


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)
    rows: Counter[str] = field(default_factory=Counter)  # per table
    unmapped_events: Counter[str] = field(default_factory=Counter)  # Windows events no table takes, by kind
    rejects: RejectLog = field(default_factory=RejectLog)
    warnings: list[str] = field(default_factory=list)  # read, but maybe not as written (an encoding guessed)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def totals(self) -> dict[str, int]:
        """Records in, rows stored, rejected, unmapped and duplicates over the files read."""
        read = [file for file in self.files if not file.skipped]
        return {"records": sum(file.records_in or 0 for file in read), "rows": sum(file.rows for file in read),
                "rejected": sum(file.rejected for file in read), "unmapped": sum(file.unmapped for file in read),
                "duplicates": sum(file.duplicates for file in read)}


_BINARY = (detect.EVTX, detect.PARQUET, detect.XLSX)
UNREADABLE = "unreadable"  # the format of an input that could not be opened (a damaged archive, a missing file)
_WIDE_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)  # UTF-32 LE's begins as UTF-16 LE's
_READ_WHOLE = 64 << 20  # files up to this size are read into memory once
_STREAMED_FROM = 200_000  # staged events from which the mapping's rows are streamed into Arrow, not copied
_EVTX_WINDOW = 1 << 30  # EVTX bytes gathered before they are read
_EVTX_MEMORY = 256 << 20  # of them, archive members held in memory
ProgressCallback = Callable[[str, int], None]  # (file name, bytes done)


class Ingest:
    """Collects the tables of one run. ``add(paths)`` reads; ``tables()`` returns pyarrow tables by name.

    What reading needs beyond the EVTX parser (DuckDB, Arrow, the readers of the other formats) is set up on
    first need, or while worker processes read the EVTX files: on a folder of small logs those fixed costs are
    as large as the parse itself."""

    def __init__(self, known_hashes: set[str] | None = None, progress: ProgressCallback | None = None,
                 local_utc_offset: timedelta | None = None, archives: ArchiveLimits | None = None,
                 meanwhile: Callable[[], object] | None = None):
        """`known_hashes`: digests of files already ingested (skipped). `local_utc_offset`: the UTC offset of
        the browser that exported a Log Analytics CSV with ``[Local Time]`` columns (without it, their rows
        are rejected: their times cannot be placed). `archives`: the passwords and expansion caps of archives.
        `meanwhile`: the caller's own set-up for after the reading (its imports), called once, while EVTX
        worker processes read, when this process would only wait for them."""
        self._meanwhile = meanwhile
        self._started = cpu_mark()  # the machine's idle cores are measured from here
        self.archives = archives if archives is not None else ArchiveLimits()
        self.report = IngestReport()
        self._local_utc_offset = local_utc_offset
        self._hashes = set(known_hashes or ())
        self._progress = progress
        self._tables: dict[str, pa.Table] | None = None
        self._evtx_pending: list[tuple[Source, FileReport, int]] = []
        self._duplicates: Counter[str] = Counter()  # Windows events of a file already read from another
        self._evtx_pending_bytes = 0
        self._evtx_pending_memory = 0
        self._cores: int | None = None  # idle cores, measured once, when there is enough EVTX to share
        self._mapping_ready = False

    @cached_property
    def duckdb(self) -> duckdb.DuckDBPyConnection:
        """The run's private in-memory database: the staging of Windows events and their mapping."""
        import duckdb

        connection = duckdb.connect()
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute("SET enable_progress_bar = false")
        return connection

    @cached_property
    def sink(self) -> RowSink:
        """The rows read, by Defender table."""
        from kqlite.ingest.rows import RowSink

        return RowSink(self.report.rejects, self._local_utc_offset)

    @cached_property
    def events(self) -> EventStage:
        """The Windows events staged for the mapping."""
        from kqlite.ingest.windows_events import EventStage

        return EventStage(self.duckdb, self.report.rejects)

    def _prepare(self, mapping: bool = False) -> None:
        """The staging and the row sink ready (and with `mapping`, the mapping's macros): done on first need, or
        while EVTX workers read."""
        self.events, self.sink  # noqa: B018 - made now, not when the first result comes
        if mapping and not self._mapping_ready:
            sql = mapping_sql()
            for statement in sql["macros"]:
                self.duckdb.execute(statement).fetchall()  # fetched: an open result would keep its transaction
            self._mapping_ready = True

    def add(self, paths: list[str | Path]) -> IngestReport:
        for item in iter_sources(paths, self.archives):
            if isinstance(item, SourceError):  # one rejected record: what it held is not known
                name = str(item).split(": ", 1)[0]
                self.report.rejects.add(name, "file", str(item))
                self.report.files.append(FileReport(name, UNREADABLE, records_in=1))
                continue
            if isinstance(item, Skipped):
                self.report.files.append(FileReport(item.name, "folder", skipped=item.reason))
                continue
            self._add_source(item)
            if self._evtx_pending_bytes >= _EVTX_WINDOW or self._evtx_pending_memory >= _EVTX_MEMORY:
                self._read_pending_evtx()
        self._read_pending_evtx()
        return self.report

    def _add_source(self, source: Source) -> None:
        size = source.size()
        kind = detect.detect_format(source)
        if source.data is None and size <= _READ_WHOLE and kind != detect.EVTX:
            # one read serves the content hash and the reader (EVTX files are read by their parser)
            source = Source(source.name, path=source.path, data=source.read())
        report = FileReport(source.name, kind)
        self.report.files.append(report)
        if kind == detect.EVTX:  # read in batches, possibly by several processes, which also hash them
            self._evtx_pending.append((source, report, size))
            self._evtx_pending_bytes += size
            self._evtx_pending_memory += size if source.data is not None else 0
            return
        self._prepare()
        digest = report.digest = _digest(source)
        if digest not in self._hashes and kind not in _BINARY:
            source, kind = self._as_utf8(source, kind, report)
        if digest in self._hashes:
            report.skipped = "already ingested (same content)"
        elif kind == detect.UNKNOWN:
            report.skipped = "not a supported format"
        else:
            self._hashes.add(digest)
            rejected = self.report.rejects.records[source.name]
            try:
                report.records = self._read(source, kind)
                report.records_in = report.records + self.report.rejects.records[source.name] - rejected
            except Exception as error:  # noqa: BLE001 - one bad file must not stop the run; it is reported
                self.report.rejects.add(source.name, "file", f"cannot read the {kind} file: {type(error).__name__}: {error}")
        if self._progress:
            self._progress(source.name, size)

    def _as_utf8(self, source: Source, kind: str, report: FileReport) -> tuple[Source, str]:
        """A text input as UTF-8 (UTF-16 and UTF-32 by their byte-order mark or NUL bytes, cp1252 when it is
        not UTF-8), with its format told again; the encoding goes in the report, a guess in its warnings."""
        head = source.head(4096)
        if kind == detect.UNKNOWN and not (head.startswith(_WIDE_BOMS) or utf16_without_bom(head)):
            return source, kind  # binary, or text whose structure no reader knows in any encoding
        decoded = to_utf8(source.read())
        if decoded is None:
            return source, kind
        source = Source(source.name, path=source.path, data=decoded.data)
        kind = report.format = detect.detect_format(source)
        report.encoding = decoded.encoding
        if decoded.guessed and kind != detect.UNKNOWN:
            self.report.warnings.append(f"{source.name}: not UTF-8; read as {decoded.encoding} (the encoding is a "
                                        "guess: check accented letters)")
        return source, kind

    def _read_pending_evtx(self) -> None:
        """Read the EVTX files met so far: in worker processes (one per idle core) when there is enough to share,
        else here; meanwhile the rest of the run is set up. Results are taken in input order."""
        pending, self._evtx_pending, self._evtx_pending_bytes = self._evtx_pending, [], 0
        self._evtx_pending_memory = 0
        if not pending:
            return
        jobs: list[Job] = [(source.name, str(source.path) if source.data is None else None, source.data, size)
                           for source, _, size in pending]
        with EvtxReads(jobs, self._idle_cores) as reads:
            with _collection_paused():  # imports: many objects, no cyclic garbage (0.03 s of collections)
                self._prepare(mapping=True)
                if reads.workers > 1 and self._meanwhile is not None:
                    meanwhile, self._meanwhile = self._meanwhile, None
                    meanwhile()
            for (source, report, size), result in zip(pending, reads, strict=True):
                if isinstance(result, SplitRead):
                    self._stage_split(result, report)
                elif isinstance(result, BaseException):
                    self.report.rejects.add(source.name, "file",
                                            f"cannot read the evtx file: {type(result).__name__}: {result}")
                elif result.digest in self._hashes:
                    report.digest, report.skipped = result.digest, "already ingested (same content)"
                else:
                    report.digest = result.digest
                    self._hashes.add(result.digest)
                    self._duplicates[source.name] += result.duplicates
                    report.records = self.events.add_evtx_result(result)
                    report.records_in = report.records + result.lost
                if self._progress:
                    self._progress(source.name, size)
            self.events.stage_buffered_evtx()  # staged while the workers are ended

    def _idle_cores(self) -> int:
        if self._cores is None:
            self._cores = idle_cores(self._started)
        return self._cores

    def _stage_split(self, split: SplitRead, report: FileReport) -> None:
        """A large log read by runs of chunks: its digest first (the hash runs while the workers parse), then
        each part's records staged as it comes, then the file's accounting over all its parts."""
        digest = report.digest = split.digest.result()
        if digest in self._hashes:
            report.skipped = "already ingested (same content)"
            split.cancel()
            return
        self._hashes.add(digest)
        parts = []
        for (first, count), future in split.parts:
            part = part_or_fail(future, split.path, first, count)
            self.events.stage_evtx_raws(split.name, part.raws)
            part.raws = Texts()
            parts.append(part)
        result = merge_parts(split.name, digest, split.head, split.size, parts)
        report.records = self.events.add_evtx_result(result)
        report.records_in = report.records + result.lost

    def _read(self, source: Source, kind: str) -> int:
        from kqlite.ingest import defender

        if kind == detect.EVTX:
            return self.events.add_evtx(source)
        if kind == detect.WINDOWS_XML:
            return self.events.add_xml(source)
        if kind == detect.WINDOWS_JSON:
            return self.events.add_json_lines(source)
        readers = {detect.DEFENDER_CSV: defender.read_csv, detect.DEFENDER_JSON: defender.read_json_rows,
                   detect.STREAMING: defender.read_streaming, detect.HUNTING_API: defender.read_hunting_api,
                   detect.LOG_ANALYTICS_API: defender.read_log_analytics_api, detect.PARQUET: defender.read_parquet,
                   detect.XLSX: defender.read_xlsx}
        return readers[kind](source, self.sink, self.report.rejects)

    @property
    def hashes(self) -> set[str]:
        return set(self._hashes)

    def tables(self) -> dict[str, pa.Table]:
        """Every table read so far (Windows events mapped to the Defender tables), by name."""
        if self._tables is None:
            self._prepare()
            self._map_windows_events()
            self._tables = {name: rows.to_arrow() for name, rows in sorted(self.sink.tables.items()) if len(rows)}
            self.report.rows = Counter({name: table.num_rows for name, table in self._tables.items()})
            self._account_files()
        return self._tables

    def _account_files(self) -> None:
        """Each file's rows, rejects and unmapped events; records the accounts do not explain are rejected
        (nothing may go missing without a word)."""
        rows: Counter[str] = Counter()
        for name in self._tables or {}:
            rows.update(_file_counts(self.sink.tables[name].files()))
        for file in self.report.files:
            if file.skipped:
                continue
            file.rows = rows[file.name]
            file.unmapped = self.events.unmapped_by_file[file.name]
            file.duplicates = self._duplicates[file.name]
            file.rejected = self.report.rejects.records[file.name]
            if file.records_in is None:  # the reader failed: what it left is all that is known
                file.records_in = file.accounted
            elif file.records_in > file.accounted:
                missing = file.records_in - file.accounted
                self.report.rejects.add(file.name, "file", f"{missing} records read from the file are neither stored "
                                                           "nor rejected nor unmapped (an ingest defect)",
                                        records=missing)
                file.rejected += missing

    def origins(self) -> dict[str, pa.ChunkedArray]:
        """The file each row of ``tables()`` came from, by table."""
        tables = self.tables()
        return {name: self.sink.tables[name].files() for name in tables}

    def _map_windows_events(self) -> None:
        staged = self.events.count()  # adds the EVTX records no table takes to events.unmapped
        if staged:
            self._prepare(mapping=True)
            self._canonical_addresses()
            for statement in (mapping_sql()["view"], *mapping_sql()["catalogue"]):
                self.duckdb.execute(statement)
            self._count_staged()
            self._map_tables(staged)
        self.report.unmapped_events = Counter(self.events.unmapped)

    def _canonical_addresses(self) -> None:
        """The canonical form of every IPv6 address text of the staged events, for the events view."""
        texts = [text for (text,) in self.duckdb.execute(mapping_sql()["ipv6_texts"]).fetchall()]
        self.duckdb.execute(mapping_sql()["ipv6_table"]).fetchall()
        if texts:  # a few per log: bound values (an Arrow table built from Python values imports pandas)
            self.duckdb.executemany(mapping_sql()["ipv6_insert"], [(text, canonical_ipv6(text)) for text in texts])

    def _count_staged(self) -> None:
        """Per file: staged events kept once elsewhere (duplicates), and staged events no table takes (EVTX
        records whose kind the reader could not tell before staging)."""
        for file, staged, kept in self.duckdb.execute(mapping_sql()["counts"]).fetchall():
            self._duplicates[file] += staged - kept
        for file, kind, count in self.duckdb.execute(mapping_sql()["unmapped"]).fetchall():
            self.events.unmapped[kind] += count
            self.events.unmapped_by_file[file] += count

    def _map_tables(self, staged: int) -> None:
        # the tables' queries at once, one cursor each: DuckDB plans and runs them outside the GIL, and on
        # small data planning is most of their time
        selects = mapping_sql()["tables"]
        mapped = functools.partial(self._mapped, streamed=staged > _STREAMED_FROM)
        # DuckDB warns of the copy (chosen here: see _mapped); the filter is set and restored by this thread
        # only, around the queries' threads
        with warnings.catch_warnings(), ThreadPoolExecutor(max_workers=min(os.cpu_count() or 1, len(selects)),
                                                           thread_name_prefix="kqlite-mapping") as pool:
            warnings.filterwarnings("ignore", "Arrow output on a DB-API result", UserWarning)
            frames = list(pool.map(mapped, selects))
        for mapping, frame in zip(TABLE_MAPS, frames, strict=True):
            if frame.column("Timestamp").null_count:
                frame = self._without_unreadable_times(mapping.table, frame)
            if not frame.num_rows:  # (combine_chunks of no chunk imports Arrow's compute module)
                continue
            files = frame.column(REJECT_FILE).combine_chunks()
            self.sink.add_frame(mapping.table, frame.drop_columns([REJECT_FILE, REJECT_POSITION, REJECT_VALUE]), files)

    def _without_unreadable_times(self, table: str, frame: pa.Table) -> pa.Table:
        """`frame` less its rows whose event time could not be read, each rejected."""
        import pyarrow.compute as pc  # here: most ingests have none (0.02 s of import)

        unreadable = pc.is_null(frame.column("Timestamp"))
        for row in frame.filter(unreadable).select([REJECT_FILE, REJECT_POSITION, REJECT_VALUE]).to_pylist():
            self.report.rejects.add(row[REJECT_FILE], row[REJECT_POSITION],
                                    f"table {table}: unreadable event time {row[REJECT_VALUE]!r}")
        return frame.filter(pc.invert(unreadable))

    def _mapped(self, select: str, streamed: bool) -> pa.Table:
        """A table's rows as Arrow: `streamed` from DuckDB (its relational API binds the query first, then runs
        it), else run once and the rows copied after (for few staged events the copy costs less than that bind:
        5 ms for a table's query)."""
        cursor = self.duckdb.cursor()
        try:
            return cursor.sql(select).to_arrow_table() if streamed else cursor.execute(select).to_arrow_table()
        finally:
            cursor.close()

    def close(self) -> None:
        if "events" in self.__dict__:
            self.events.close()
        if "duckdb" in self.__dict__:
            self.duckdb.close()
        self.archives.close()


@contextmanager
def _collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a while (as it was before, after): importing DuckDB, Arrow and
    NumPy makes hundreds of thousands of objects, which set off collections that walk them all and find nothing."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _file_counts(files: pa.ChunkedArray) -> Counter[str]:
    """Rows by the file they came from. Few rows (a folder of small logs gives hundreds) are counted here:
    Arrow's count needs its compute module, 0.02 s to import, as long as counting a hundred thousand names."""
    if len(files) <= _COUNTED_HERE:
        return Counter(files.to_pylist())
    import pyarrow.compute as pc

    return Counter({item["values"].as_py(): item["counts"].as_py() for item in pc.value_counts(files)})


_COUNTED_HERE = 100_000


def _digest(source: Source) -> str:
    """The identity of a file's content."""
    return digest_bytes(source.data) if source.data is not None else digest_file(str(source.path))


def load(paths: list[str | Path], local_utc_offset: timedelta | None = None,
         archives: ArchiveLimits | None = None) -> tuple[dict[str, pa.Table], IngestReport]:
    """Read `paths` (files, folders, archives) into pyarrow tables by table name, in memory."""
    run = Ingest(local_utc_offset=local_utc_offset, archives=archives)
    try:
        run.add(paths)
        return run.tables(), run.report
    finally:
        run.close()
