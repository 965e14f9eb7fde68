"""Staging of Windows events (EVTX, XML exports, Winlogbeat and NXLog JSON lines) for the mapping.

XML and JSON-lines events are reduced here to nine fields (file, position, provider, channel, event_id,
computer, record_id, time_created, data: the EventData as a JSON object) in ``_kq_events``. EVTX records
(read by ``evtx_reader``, possibly in worker processes) stay the Rust parser's JSON text until a staging
thread parses them in DuckDB into ``_kq_evtx_events``, while reading goes on. Only events some Defender
table takes are staged; the others are counted by kind. The Sysmon -> Defender mapping (``sysmon_map``)
then runs as SQL over both tables.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from xml.parsers import expat

import duckdb
import numpy as np
import orjson
import pyarrow as pa

from kqlite.ingest.columns import integers, string_array, strings
from kqlite.ingest.evtx_reader import EvtxResult, Texts, read_evtx
from kqlite.ingest.rejects import RejectLog
from kqlite.ingest.sources import Source
from kqlite.ingest.sysmon_map import MAPPED_EVENTS, mapping_sql

_STAGE_SCHEMA = pa.schema([
    ("file", pa.string()), ("position", pa.string()), ("provider", pa.string()), ("channel", pa.string()),
    ("event_id", pa.int64()), ("computer", pa.string()), ("record_id", pa.int64()), ("time_created", pa.string()),
    ("data", pa.string()),
])
# Plain (not TEMP) tables of the run's private in-memory database: the staging thread's cursor sees them too.
_CREATE_STAGE = (
    """CREATE TABLE IF NOT EXISTS _kq_events (file VARCHAR, position VARCHAR, provider VARCHAR,
    channel VARCHAR, event_id BIGINT, computer VARCHAR, record_id BIGINT, time_created VARCHAR, data JSON)""",
    "CREATE TABLE IF NOT EXISTS _kq_files (file_id INTEGER, name VARCHAR)",
)
_XML_NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"
_BATCH = 20_000


class EventStage:
    """The staging table of Windows events for one ingest run."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, rejects: RejectLog):
        self.duckdb = connection
        self.rejects = rejects
        for statement in (*_CREATE_STAGE, mapping_sql()["create"]):
            self.duckdb.execute(statement)
        self._rows: list[tuple] = []
        self._evtx_raws: list[Texts] = []
        self._evtx_staged = 0  # records in _evtx_raws
        self._file_names: list[str] = []  # EVTX files whose records are in _evtx_raws, with their counts
        self._evtx_counts: list[int] = []
        self._files_staged = 0
        self._evtx_files: list[str] = []
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kqlite-staging")
        self._cursor = connection.cursor()
        # one DuckDB thread while this thread parses EVTX (two cores between them); all cores for the mapping
        self._threads = connection.execute("SELECT current_setting('threads')").fetchone()[0]  # type: ignore[index]
        self._set_threads(1)
        self._staging: list[Future] = []
        self._counted = False
        self.unmapped: Counter[str] = Counter()  # events no Defender table takes, by "provider event id"
        self.unmapped_by_file: Counter[str] = Counter()

    def _set_threads(self, threads: int) -> None:
        self.duckdb.execute("SET threads = ?", [threads]).fetchall()

    def _wanted(self, file: str, provider: str | None, event_id: int | None) -> bool:
        """Only events that some Defender table takes are staged; the others are counted."""
        if (provider, event_id) in MAPPED_EVENTS:
            return True
        self.unmapped[f"{provider or '?'} {event_id if event_id is not None else '?'}"] += 1
        self.unmapped_by_file[file] += 1
        return False

    # ------------------------------------------------------------------ EVTX

    def add_evtx(self, source: Source) -> int:
        """Read and stage an EVTX file here (the pipeline may read several in worker processes instead)."""
        size = source.size()
        path = str(source.path) if source.data is None else None
        return self.add_evtx_result(read_evtx(source.name, path, source.data, size, MAPPED_EVENTS))

    def add_evtx_result(self, result: EvtxResult) -> int:
        """Stage what read_evtx kept of a file, and record its rejects and unmapped events."""
        for position, reason, records in result.rejects:
            self.rejects.add(result.name, position, reason, records=records)
        self.unmapped.update(result.unmapped)
        self.unmapped_by_file[result.name] += result.unmapped.total()
        self.stage_evtx_raws(result.name, result.raws)
        return result.records

    def stage_evtx_raws(self, name: str, raws: Texts) -> None:
        """Stage the JSON text of EVTX records some table takes (a large log's come part by part)."""
        if not len(raws):
            return
        self._evtx_raws.append(raws)
        self._evtx_staged += len(raws)
        # many small files are staged together: one DuckDB insert per batch, not one per file
        self._file_names.append(name)
        self._evtx_counts.append(len(raws))
        if self._evtx_staged >= _BATCH:
            self._insert_evtx()

    def stage_buffered_evtx(self) -> None:
        """Hand the EVTX records buffered so far to the staging thread now (the last ones of a read: they are
        staged while the caller waits for its worker processes to end)."""
        self._insert_evtx()

    def _insert_evtx(self) -> None:
        """Hand the buffered EVTX records to the staging thread, which parses them in DuckDB (outside the GIL)
        while this thread reads on."""
        if not self._evtx_raws:
            return
        first_id = self._files_staged
        ids = np.repeat(np.arange(first_id, first_id + len(self._file_names), dtype=np.int32), self._evtx_counts)
        raw = _chunked([string_array(texts) for texts in _pieces(self._evtx_raws)])
        batch = pa.Table.from_arrays([integers(ids, np.int32), raw], names=["file_id", "raw"])
        self._evtx_files.extend(self._file_names)
        self._files_staged += len(self._file_names)
        self._evtx_raws, self._file_names, self._evtx_counts, self._evtx_staged = [], [], [], 0
        self._staging.append(self._worker.submit(self._stage_evtx_batch, batch))

    def _stage_evtx_batch(self, batch: pa.Table) -> None:
        cursor = self._cursor
        cursor.register("_kq_batch", batch)
        try:
            cursor.execute(mapping_sql()["insert"])
        finally:
            cursor.unregister("_kq_batch")

    def _finish_evtx(self) -> None:
        """Wait for the staging thread; record the EVTX file names."""
        self._insert_evtx()
        for future in self._staging:
            future.result()  # a staging error surfaces here
        self._staging = []
        self._set_threads(int(self._threads))
        if self._evtx_files:
            files = pa.Table.from_arrays([integers(np.arange(len(self._evtx_files)), np.int32),
                                          strings(self._evtx_files)], names=["file_id", "name"])
            self.duckdb.register("_kq_files_batch", files)
            self.duckdb.execute("INSERT INTO _kq_files SELECT * FROM _kq_files_batch")
            self.duckdb.unregister("_kq_files_batch")
            self._evtx_files = []

    # ------------------------------------------------------------------ XML

    def add_xml(self, source: Source) -> int:
        """Stage the <Event> elements of an XML export (Event Viewer 'Save as XML', wevtutil qe /f:xml)."""
        count = 0
        index = 0
        try:
            for _, element in ElementTree.iterparse(source.open(), events=("end",)):
                if element.tag not in (f"{_XML_NS}Event", "Event"):
                    continue
                index += 1
                row = self._xml_event(source.name, index, element)
                element.clear()
                if row is None:
                    continue
                count += 1
                if self._wanted(source.name, row[2], row[4]):
                    self._add(row)
        except ElementTree.ParseError as error:
            line, column = error.position  # expat counts columns from 0
            self.rejects.add(source.name, f"line {line}, column {column + 1}",
                             f"malformed XML ({expat.ErrorString(error.code)}); the file was read up to there "
                             f"({count} events)")
        self.flush()
        return count

    def _xml_event(self, name: str, index: int, element: ElementTree.Element) -> tuple | None:
        system = element.find(f"{_XML_NS}System")
        if system is None:
            system = element.find("System")
        if system is None:
            self.rejects.add(name, f"event {index}", "XML event without a <System> element",
                             ElementTree.tostring(element, encoding="unicode"))
            return None
        ns = _XML_NS if system.tag.startswith("{") else ""

        def text(tag: str) -> str | None:
            node = system.find(f"{ns}{tag}")
            return node.text if node is not None else None

        provider = system.find(f"{ns}Provider")
        created = system.find(f"{ns}TimeCreated")
        data: dict[str, str] = {}
        for section in ("EventData", "UserData"):
            block = element.find(f"{ns}{section}")
            if block is None:
                continue
            for position, item in enumerate(block.iter(), start=0):
                if item is block or len(item):  # wrappers such as UserData/<EventXML> hold the fields
                    continue
                key = item.get("Name") or item.tag.split("}")[-1]
                if key == "Data" and item.get("Name") is None:
                    key = f"Data{position}"
                data[key] = item.text or ""
        record_id = _int(text("EventRecordID"))
        return (name, f"record {record_id}" if record_id is not None else f"event {index}",
                provider.get("Name") if provider is not None else None, text("Channel"), _int(text("EventID")),
                text("Computer"), record_id, created.get("SystemTime") if created is not None else None,
                orjson.dumps(data).decode())

    # ------------------------------------------------------------------ JSON lines

    def add_json_lines(self, source: Source) -> int:
        """Stage Winlogbeat (ECS: ``winlog.*``) or NXLog/Logstash (flat EventData) JSON lines."""
        count = 0
        for number, line in enumerate(source.read().splitlines(), start=1):
            line = line.strip()
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if not line:
                continue
            try:
                event = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                self.rejects.add(source.name, f"line {number}", f"broken JSON line: {error}", line)
                continue
            if not isinstance(event, dict):
                self.rejects.add(source.name, f"line {number}", "a JSON line that is not an object", line)
                continue
            row = _winlogbeat_row(source.name, number, event) if "winlog" in event else _nxlog_row(source.name, number, event)
            if row is None:
                self.rejects.add(source.name, f"line {number}", "not a Windows event: no EventID", line)
                continue
            count += 1
            if not self._wanted(source.name, row[2], row[4]):
                continue
            self._add(row)
        self.flush()
        return count

    # ------------------------------------------------------------------ staging

    def _add(self, row: tuple) -> None:
        self._rows.append(row)
        if len(self._rows) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        """Write what is buffered to the staging tables."""
        self._insert_evtx()
        if not self._rows:
            return
        columns = list(zip(*self._rows, strict=True))
        batch = pa.Table.from_arrays([pa.array(col, type=field.type) for col, field in zip(columns, _STAGE_SCHEMA, strict=True)],
                                     schema=_STAGE_SCHEMA)
        self._rows = []
        self.duckdb.register("_kq_stage_batch", batch)
        try:
            self.duckdb.execute("INSERT INTO _kq_events SELECT file, position, provider, channel, event_id, computer, "
                                "record_id, time_created, CAST(data AS JSON) FROM _kq_stage_batch")
        finally:
            self.duckdb.unregister("_kq_stage_batch")

    def count(self) -> int:
        """Staged events some table takes; the EVTX records no table takes are added to `unmapped`."""
        self.flush()
        self._finish_evtx()
        if self._counted:
            raise RuntimeError("EventStage.count() is called once, when the mapping starts")
        self._counted = True
        return self.duckdb.execute(
            "SELECT (SELECT count(*) FROM _kq_events) + (SELECT count(*) FROM _kq_evtx_events)"
        ).fetchone()[0]  # type: ignore[index]

    def close(self) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)
        self._cursor.close()


def _pieces(packs: list[Texts], size: int = 4 << 20) -> list[Texts]:
    """The packs joined into pieces of at least `size` bytes: DuckDB scans thousands of tiny Arrow chunks (one
    per small file) slowly, and joining a large log's parts would copy tens of megabytes for nothing."""
    pieces: list[Texts] = []
    group: list[Texts] = []
    grouped = 0
    for texts in packs:
        group.append(texts)
        grouped += len(texts.data)
        if grouped >= size:
            pieces.append(Texts.concat(group))
            group, grouped = [], 0
    return [*pieces, Texts.concat(group)] if group else pieces


def _chunked(arrays: list[pa.Array]) -> pa.ChunkedArray:
    if all(array.type == pa.string() for array in arrays):
        return pa.chunked_array(arrays, pa.string())
    return pa.chunked_array([array.cast(pa.large_string()) for array in arrays], pa.large_string())


# NXLog adds its own fields beside the EventData ones; these are not event data.
_NXLOG_ENVELOPE = {
    "EventID", "Channel", "Hostname", "SourceName", "ProviderGuid", "RecordNumber", "EventTime", "EventReceivedTime",
    "@timestamp", "@version", "tags", "host", "port", "Message", "Severity", "SeverityValue", "EventType", "Keywords",
    "ExecutionProcessID", "ThreadID", "SourceModuleName", "SourceModuleType", "OpcodeValue", "Opcode", "Task",
    "Version", "Category", "AccountType", "UserID", "EventTypeOrignal",
}


def _nxlog_row(name: str, number: int, event: dict) -> tuple | None:
    event_id = _int(event.get("EventID"))
    if event_id is None:
        return None
    data = {key: value for key, value in event.items() if key not in _NXLOG_ENVELOPE}
    return (name, f"line {number}", event.get("SourceName"), event.get("Channel"), event_id, event.get("Hostname"),
            _int(event.get("RecordNumber")), _nxlog_utc(event), orjson.dumps(data).decode())


def _nxlog_utc(event: dict) -> str | None:
    """NXLog's EventTime is the host's local time; the collector's @timestamp (UTC) minus EventReceivedTime
    (local) gives the host's offset, rounded to a quarter hour."""
    local = event.get("EventTime")
    stamp, received = event.get("@timestamp"), event.get("EventReceivedTime")
    try:
        local_time = datetime.fromisoformat(str(local))
        if stamp and received:
            offset = datetime.fromisoformat(str(stamp)).replace(tzinfo=None) - datetime.fromisoformat(str(received))
            quarter = timedelta(minutes=15)
            offset = round(offset / quarter) * quarter
            return (local_time + offset).replace(tzinfo=UTC).isoformat()
        return local_time.isoformat()
    except (TypeError, ValueError):
        return str(stamp) if stamp else None


def _winlogbeat_row(name: str, number: int, event: dict) -> tuple | None:
    winlog = event.get("winlog") or {}
    event_id = _int(winlog.get("event_id", (event.get("event") or {}).get("code")))
    if event_id is None:
        return None
    data = dict(winlog.get("event_data") or {})
    data.update(winlog.get("user_data") or {})
    computer = winlog.get("computer_name") or (event.get("host") or {}).get("name")
    return (name, f"line {number}", winlog.get("provider_name"), winlog.get("channel"), event_id, computer,
            _int(winlog.get("record_id")), event.get("@timestamp"), orjson.dumps(data).decode())


def _int(value: object) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip(), 0) if str(value).strip().lower().startswith("0x") else int(str(value).strip())
    except ValueError:
        return None
