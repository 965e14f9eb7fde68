"""Tell an input's format from its first bytes (the extension only breaks ties)."""

from __future__ import annotations

import re

import orjson

from kqlite.ingest.sources import Source

EVTX_MAGIC = b"ElfFile\x00"
PARQUET_MAGIC = b"PAR1"

# Formats, by what the reader produces
EVTX = "evtx"                      # Windows event log (binary)
WINDOWS_XML = "windows-xml"        # Event Viewer / wevtutil XML export
WINDOWS_JSON = "windows-json"      # Winlogbeat (ECS) or NXLog/Logstash JSON lines of Windows events
STREAMING = "streaming-json"       # Defender Streaming API: {"records": [...]} messages or envelope lines
HUNTING_API = "hunting-api-json"   # Graph runHuntingQuery / advanced-hunting API: schema + results
LOG_ANALYTICS_API = "log-analytics-api-json"  # Log Analytics query API: tables of columns + rows
DEFENDER_JSON = "defender-json"    # JSON lines (or an array) of advanced-hunting rows
DEFENDER_CSV = "defender-csv"      # portal export or any CSV of rows
PARQUET = "parquet"
XLSX = "xlsx"                      # the portal's Excel export (first sheet, a header row)
UNKNOWN = "unknown"

_WINDOWS_KEYS = {"EventID", "winlog", "event_id", "Channel", "SourceName", "ProviderGuid"}
_JSON_START = re.compile(rb"^\s*[\[{]")


def detect_format(source: Source) -> str:
    head = source.head(4096)
    if _JSON_START.match(head.removeprefix(b"\xef\xbb\xbf")):
        head = source.head(65536)  # a JSON document's first object can be long
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if head.startswith(EVTX_MAGIC):
        return EVTX
    if head.startswith(PARQUET_MAGIC):
        return PARQUET
    if head.startswith(b"PK\x03\x04"):
        return XLSX  # sources.py hands on only the zips that are workbooks
    stripped = head.lstrip()
    if stripped.startswith(b"<"):
        return WINDOWS_XML if b"<Event" in head else UNKNOWN
    if _JSON_START.match(head):
        return _json_kind(stripped)
    first = head.split(b"\n", 1)[0]
    if b"," in first or source.suffix in (".csv", ".tsv") or _TSV_HEADER.match(first):
        return DEFENDER_CSV
    return UNKNOWN


# a header of column names separated by tabs (or semicolons, as Excel writes CSV in many locales)
_TSV_HEADER = re.compile(rb'^"?[\w .\[\]:+()-]{1,128}"?([\t;]"?[\w .\[\]:+()-]{1,128}"?)+\r?$')


def _json_kind(head: bytes) -> str:
    first = _first_object(head)
    if first is None:
        return DEFENDER_JSON
    keys = set(first)
    lowered = {key.lower() for key in keys}
    if "records" in keys or {"category", "properties"} <= keys:
        return STREAMING
    if {"schema", "results"} <= lowered:
        return HUNTING_API
    if isinstance(first.get("tables"), list):
        return LOG_ANALYTICS_API
    if keys & _WINDOWS_KEYS:
        return WINDOWS_JSON
    return DEFENDER_JSON


def _first_object(head: bytes) -> dict | None:
    """The first JSON object of a JSON-lines file, a JSON array or a single document, if the head holds it."""
    text = head.lstrip()
    if text.startswith(b"["):
        text = text[1:].lstrip()
    line = text.split(b"\n", 1)[0].strip().rstrip(b",")
    for candidate in (line, text):
        try:
            value = orjson.loads(candidate)
        except orjson.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    # A pretty-printed document larger than the head: look for tell-tale keys in the text.
    if re.search(rb'"records"\s*:\s*\[', text):
        return {"records": []}
    if re.search(rb'"[sS]chema"\s*:', text) and re.search(rb'"[rR]esults"\s*:', head):
        return {"schema": [], "results": []}
    if re.match(rb'\{\s*"tables"\s*:\s*\[', text):
        return {"tables": []}
    return None
