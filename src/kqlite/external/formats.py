"""Kusto's ingestion data formats, split into records: separated values (fields by position), txt (a line a
record), raw (the whole text), json (an object a line), multijson (objects anywhere) and Parquet."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kqlite.external.errors import ExternalDataError

SEPARATORS = {"csv": ",", "tsv": "\t", "psv": "|", "scsv": ";", "sohsv": "\x01"}
TEXT_FORMATS = {*SEPARATORS, "tsve", "txt", "raw"}
FORMATS = TEXT_FORMATS | {"json", "multijson", "parquet"}
# Kusto formats kqlite does not read, so their error can say so instead of "unknown format"
KUSTO_ONLY = {"avro", "apacheavro", "orc", "w3clogfile", "azmonstream", "singlejson"}
EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tsve": "tsve", ".psv": "psv", ".scsv": "scsv", ".sohsv": "sohsv",
              ".txt": "txt", ".raw": "raw", ".json": "json", ".jsonl": "json", ".ndjson": "json",
              ".multijson": "multijson", ".parquet": "parquet"}


def format_of_name(name: str) -> str | None:
    """The format a file name's extension implies (after any .gz/.zip), or None."""
    lowered = name.lower()
    for suffix in (".gz", ".zip"):
        if lowered.endswith(suffix):
            lowered = lowered[: -len(suffix)]
    dot = lowered.rfind(".")
    return EXTENSIONS.get(lowered[dot:]) if dot >= 0 else None


def check_format(name: str) -> str:
    fmt = name.strip().lower()
    if fmt in FORMATS:
        return fmt
    if fmt in KUSTO_ONLY:
        raise ExternalDataError(f"externaldata: format {name!r} is a Kusto format kqlite does not read; convert "
                                f"the data to one of: {', '.join(sorted(FORMATS))}")
    raise ExternalDataError(f"externaldata: unknown format {name!r}; use one of: {', '.join(sorted(FORMATS))}")


@dataclass
class Split:
    """Records of one file: (position, fields) for text formats, (position, object) for JSON."""

    records: list[tuple[int, Any]] = field(default_factory=list)
    position_kind: str = "line"  # what a position counts: "line", "offset" (into the text) or "row"
    malformed: int = 0  # JSON lines that are not JSON objects (ignored, as Kusto ignores them)
    first_malformed: int | None = None
    unclosed_quotes: list[int] = field(default_factory=list)  # offsets of quotes never closed


def split_text(fmt: str, text: str) -> Split:
    if fmt in SEPARATORS:
        split = Split(position_kind="offset")
        _separated(text, SEPARATORS[fmt], split)
        return split
    if fmt == "tsve":
        return Split(list(_tsve(text)), position_kind="offset")
    if fmt == "txt":
        # a line a record, blank lines skipped (Kusto's documented txt behaviour)
        return Split([(n, [line.removesuffix("\r")]) for n, line in enumerate(text.split("\n"), 1)
                      if line.removesuffix("\r")])
    if fmt == "raw":
        return Split([(1, [text])])
    if fmt == "json":
        return _json_lines(text)
    if fmt == "multijson":
        return _multijson(text)
    raise AssertionError(fmt)


def _separated(text: str, sep: str, split: Split) -> None:
    """RFC 4180 records by Python's csv reader; a file where a record spans lines (a quoted line break, or a
    quote never closed, which that reader would run to the end of the file) is read again by `_quoted`."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"', doublequote=True, strict=False)
    records, line = [], 0
    try:
        for fields in reader:
            if reader.line_num != line + 1:
                break
            line = reader.line_num
            if fields:  # [] is a blank line
                records.append((line, fields))
        else:
            split.records, split.position_kind = records, "line"
            return
    except csv.Error:  # a field over the csv module's size limit
        pass
    split.records = list(_quoted(text, sep, split.unclosed_quotes))


def _quoted(text: str, sep: str, unclosed: list[int]) -> Iterator[tuple[int, list[str]]]:
    """RFC 4180 records: fields quoted with '"' may hold separators, line breaks and doubled quotes; a quote
    inside an unquoted field is an ordinary character; a quote never closed is read as an ordinary character
    (its offset is kept for a warning). Blank lines give no record. Positions are offsets into `text`."""
    s = re.escape(sep)
    quoted = re.compile(r'"([^"]*(?:""[^"]*)*)"')
    plain = re.compile(rf"[^{s}\r\n]*")
    pos, end = 0, len(text)
    while pos < end:
        start = pos
        fields: list[str] = []
        while True:
            match = quoted.match(text, pos) if text.startswith('"', pos) else None
            if match:
                value = match.group(1).replace('""', '"')
                tail = plain.match(text, match.end())  # text after the closing quote is kept as it is
                value += tail.group()
                pos = tail.end()
            else:
                if text.startswith('"', pos):
                    unclosed.append(pos)
                tail = plain.match(text, pos)
                value, pos = tail.group(), tail.end()
            fields.append(value)
            if pos < end and text[pos] == sep:
                pos += 1
                continue
            if text.startswith("\r\n", pos):
                pos += 2
            elif pos < end:
                pos += 1  # "\n" or a lone "\r"
            break
        if text[start:pos].strip("\r\n"):
            yield start, fields


_TSVE_TOKEN = re.compile(r"(\\[\s\S]|\t|\r?\n)")
_TSVE_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "0": "\0", "\\": "\\"}


def _tsve(text: str) -> Iterator[tuple[int, list[str]]]:
    """Tab-separated values where a backslash escapes: \\t, \\n, \\r, \\\\ (and any other character itself)."""
    fields: list[str] = []
    current: list[str] = []
    start = pos = 0
    for token in _TSVE_TOKEN.split(text):
        pos += len(token)
        if token == "\t":
            fields.append("".join(current))
            current = []
        elif token in ("\n", "\r\n"):
            fields.append("".join(current))
            if fields != [""]:
                yield start, fields
            fields, current, start = [], [], pos
        elif len(token) == 2 and token[0] == "\\":
            current.append(_TSVE_ESCAPES.get(token[1], token[1]))
        else:
            current.append(token)
    fields.append("".join(current))
    if fields != [""]:
        yield start, fields


def _json_lines(text: str) -> Split:
    """An object a line; a line that is not JSON (or not an object) is ignored and counted, as Kusto ignores
    malformed records of format json. A line holding an array gives the objects in it."""
    split = Split()
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        objects = _objects(value)
        if objects is None:
            split.malformed += 1
            split.first_malformed = split.first_malformed or number
            continue
        split.records.extend((number, obj) for obj in objects)
    return split


def _objects(value: Any) -> list[dict] | None:
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return value
    return None


_GAP = re.compile(r"[\s,]*")  # whitespace, and commas some writers put between top-level objects


def _multijson(text: str) -> Split:
    """Objects anywhere: a JSON array of objects, or objects one after another, each over any number of lines.
    Malformed JSON fails the load (Kusto fails a multijson blob likewise), naming the line and column."""
    split = Split(position_kind="offset")
    decoder = json.JSONDecoder()
    pos = _GAP.match(text, 0).end()
    while pos < len(text):
        try:
            value, after = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        objects = _objects(value)
        if objects is None:
            line = text.count("\n", 0, pos) + 1
            raise ValueError(f"line {line}: a {type(value).__name__} where a JSON object or array of objects "
                             "was expected")
        split.records.extend((pos, obj) for obj in objects)
        pos = _GAP.match(text, after).end()
    return split
