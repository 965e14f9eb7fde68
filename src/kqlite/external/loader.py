"""externaldata: read each URI (local file or http(s) download), open .gz/.zip, split by format, and type the
values as the declared columns; the report says what was read, from where, and what did not convert."""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from kqlite.external.columns import TableBuilder, check_columns
from kqlite.external.errors import ExternalDataError
from kqlite.external.fetch import fetch_url
from kqlite.external.formats import SEPARATORS, TEXT_FORMATS, Split, check_format, format_of_name, split_text
from kqlite.external.policy import ExternalPolicy, Location, locate
from kqlite.external.unpack import Member, decode_text, unpack

METADATA_KEY = b"kqlite.externaldata"
_REFUSED_PROPERTIES = ("ingestionmapping", "ingestionmappingreference", "ingestionmappingtype")


@dataclass
class SourceReport:
    """One URI of the operator: where its data came from and how it was read."""

    uri: str  # as given, with secrets (SAS sig, keys) masked
    formats: list[str]  # the format of each file read (a zip may hold several)
    compression: str | None  # "gzip", "zip" or None
    rows: int
    cache: str | None = None  # http(s): "downloaded", "cached", "revalidated", "stale" or "offline"
    cache_file: str | None = None
    fetched_at: str | None = None
    ignored_first_records: int = 0  # by ignoreFirstRecord
    malformed_records: int = 0  # JSON lines that are not objects, ignored
    short_records: int = 0  # fewer fields than columns: the rest are empty
    long_records: int = 0  # more fields than columns: the extra ones are ignored


@dataclass
class ExternalLoad:
    table: pa.Table
    sources: list[SourceReport] = field(default_factory=list)
    bad_values: dict[str, int] = field(default_factory=dict)  # column -> values that did not convert (null)
    bad_examples: dict[str, list[str]] = field(default_factory=dict)  # column -> a few, with file and line
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"sources": [asdict(s) for s in self.sources], "bad_values": self.bad_values,
                "bad_examples": self.bad_examples, "warnings": self.warnings}


@dataclass
class _Options:
    format: str | None
    ignore_first: bool
    zip_pattern: str | None


def _options(properties: dict[str, object], warnings: list[str]) -> _Options:
    fmt, ignore_first, zip_pattern = None, False, None
    for key, value in properties.items():
        lowered = key.lower()
        if lowered in _REFUSED_PROPERTIES:
            raise ExternalDataError(
                f"externaldata: the {key} property is not supported by kqlite; drop it and declare the columns "
                "in the order of the file's fields (CSV) or with the names of the JSON keys")
        if lowered == "format":
            fmt = check_format(str(value))
        elif lowered == "ignorefirstrecord":
            ignore_first = _flag(key, value)
        elif lowered == "zippattern":
            zip_pattern = str(value)
        else:
            warnings.append(f"the {key} property is ignored: kqlite reads format, ignoreFirstRecord and zipPattern")
    return _Options(fmt, ignore_first, zip_pattern)


def _flag(key: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ExternalDataError(f"externaldata: {key}={value!r} is not true or false")


def load_externaldata_report(columns: list[tuple[str, str]], uris: list[str], properties: dict[str, object],
                             policy: ExternalPolicy) -> ExternalLoad:
    """The rows of every URI, in order, as a table of exactly the declared columns, with the report."""
    warnings: list[str] = []
    builder = TableBuilder(check_columns(columns))
    options = _options(properties, warnings)
    if not uris:
        raise ExternalDataError("externaldata: no storage URI was given; name a file or an http(s) URL in [...]")
    locations = [locate(uri, policy) for uri in uris]  # every path is checked before anything is fetched
    sources = []
    for location in locations:
        warnings.extend(location.notes)
        sources.append(_read_location(location, options, policy, builder, warnings))
    bad_counts, bad_examples = builder.bad_values()
    warnings.extend(builder.bad_warnings())
    load = ExternalLoad(builder.finish(), sources, bad_counts, bad_examples, warnings)
    load.table = load.table.replace_schema_metadata({METADATA_KEY: json.dumps(load.as_dict()).encode("utf-8")})
    return load


def load_externaldata(columns: list[tuple[str, str]], uris: list[str], properties: dict[str, object],
                      policy: ExternalPolicy) -> pa.Table:
    """The table alone; its schema metadata (see `report_of`) carries the report."""
    return load_externaldata_report(columns, uris, properties, policy).table


def report_of(table: pa.Table) -> dict[str, Any] | None:
    """The report a loaded table carries: sources, bad_values, bad_examples and warnings."""
    raw = (table.schema.metadata or {}).get(METADATA_KEY)
    return json.loads(raw) if raw else None


def _read_location(location: Location, options: _Options, policy: ExternalPolicy, builder: TableBuilder,
                   warnings: list[str]) -> SourceReport:
    report = SourceReport(location.shown, [], None, 0)
    if location.url is not None:
        fetched = fetch_url(location.url, policy, warnings)
        data = fetched.data
        report.cache, report.cache_file, report.fetched_at = fetched.state, str(fetched.cache_file), fetched.fetched_at
    else:
        assert location.path is not None
        size = location.path.stat().st_size
        if size > policy.max_bytes:
            raise ExternalDataError(f"externaldata: {location.path} is {size:,} bytes, more than kqlite's limit of "
                                    f"{policy.max_bytes:,}; raise ExternalPolicy.max_bytes if that is intended")
        data = location.path.read_bytes()
    rows_before = builder.rows
    report.compression, members = unpack(data, location.name, location.shown, policy.max_bytes,
                                         options.zip_pattern, warnings)
    for member in members:
        fmt = options.format or _guess_format(member)
        report.formats.append(fmt)
        _read_member(member, fmt, options.ignore_first, builder, report, warnings)
    report.rows = builder.rows - rows_before
    return report


def _guess_format(member: Member) -> str:
    """From the file name's extension, else the content (Parquet's magic), else csv as in Kusto."""
    fmt = format_of_name(member.name)
    if fmt is None:
        return "parquet" if member.data[:4] == b"PAR1" else "csv"
    if fmt == "json" and _one_document(member.data):
        return "multijson"  # a .json file holding one array or pretty-printed objects: not one object a line
    return fmt


def _one_document(data: bytes) -> bool:
    """Whether JSON text is an array, or an object that does not end on its first line."""
    body = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if body[:1] == b"[":
        return True
    first_line = body.split(b"\n", 1)[0].strip()
    return body[:1] == b"{" and not first_line.endswith(b"}")


def _read_member(member: Member, fmt: str, ignore_first: bool, builder: TableBuilder, report: SourceReport,
                 warnings: list[str]) -> None:
    if fmt == "parquet":
        _read_parquet(member, ignore_first, builder, report, warnings)
        return
    text, replaced = decode_text(member.data)
    if replaced:
        warnings.append(f"{member.label}: {replaced} bytes are not valid text in its encoding (UTF-8 unless a "
                        "byte-order mark says otherwise) and were read as U+FFFD")
    try:
        split = split_text(fmt, text)
    except ValueError as exc:
        raise ExternalDataError(f"externaldata: {member.label} is not valid {fmt} ({exc}); fix the file, or use "
                                "format=\"json\" if it holds one object a line") from None
    _note_split(member, split, text, warnings, report)
    records = split.records
    if ignore_first and records:
        records = records[1:]
        report.ignored_first_records += 1
    builder.locate = _locator(member.label, split.position_kind, text)
    if fmt in SEPARATORS or fmt == "tsve":
        width = len(builder.columns)
        report.short_records += sum(1 for _, fields in records if len(fields) < width)
        report.long_records += sum(1 for _, fields in records if len(fields) > width)
    if fmt in TEXT_FORMATS:
        builder.add_text_records(records)
    else:
        for position, record in records:
            builder.add_object(record, position)


def _note_split(member: Member, split: Split, text: str, warnings: list[str], report: SourceReport) -> None:
    if split.unclosed_quotes:
        first = text.count("\n", 0, split.unclosed_quotes[0]) + 1
        warnings.append(f"{member.label}: {len(split.unclosed_quotes)} quoted field(s) are never closed (first "
                        f"on line {first}); their quote was read as an ordinary character")
    if split.malformed:
        report.malformed_records += split.malformed
        hint = "" if split.records else "; if the file is one JSON document or pretty-printed, use format=\"multijson\""
        warnings.append(f"{member.label}: {split.malformed} line(s) are not JSON objects and were ignored, as "
                        f"Kusto ignores them (first on line {split.first_malformed}){hint}")


def _locator(label: str, kind: str, text: str):
    if kind == "offset":
        return lambda position: f"{label} line {text.count(chr(10), 0, position) + 1}"
    return lambda position: f"{label} {kind} {position}"


def _read_parquet(member: Member, ignore_first: bool, builder: TableBuilder, report: SourceReport,
                  warnings: list[str]) -> None:
    try:
        table = pq.read_table(io.BytesIO(member.data))
    except (pa.ArrowException, OSError) as exc:
        raise ExternalDataError(f"externaldata: {member.label} is not a readable Parquet file ({exc}); check the "
                                "format property") from None
    first = 1
    if ignore_first and table.num_rows:
        table, first = table.slice(1), 2
        report.ignored_first_records += 1
    builder.locate = lambda position: f"{member.label} row {position}"
    absent = builder.add_arrow(table, first)
    if absent:
        warnings.append(f"{member.label} has no column {', '.join(absent)}: "
                        f"{'it is' if len(absent) == 1 else 'they are'} empty")
