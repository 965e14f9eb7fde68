"""The records of a CSV text, each with its first line, and the lines that break the file's structure.

Python's csv reader (like most) takes an unclosed quote as the start of a field that goes on until the next
quote character, possibly the end of the file: one stray quote would swallow every row after it into one
field, without an error. Here a record that spans several lines is checked: it is a runaway quote when its
field count is not the header's, when one of the lines it swallowed is a whole record on its own, or when
the file ends inside its quotes. Its first line is then rejected and reading resumes on the next line, so
one bad line costs one record. Legitimate quoted line breaks (a multi-line command line) stay one field.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

DELIMITERS = (",", "\t", ";")


@dataclass(frozen=True)
class BadLine:
    line: int  # 1-based
    reason: str
    raw: str


def sniff_delimiter(header_line: str) -> str:
    """The delimiter of a header line: the most frequent of comma, tab and semicolon outside quotes (comma
    on a tie: a one-column file has none)."""
    outside = "".join(header_line.split('"')[::2])
    counts = {delimiter: outside.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > counts[","] else ","


def csv_records(text: str, delimiter: str = ",") -> Iterator[tuple[int, list[str]] | BadLine]:
    """(first line, fields) of each record, header first, blank lines left out; a BadLine for each line that
    opens a runaway quoted field."""
    lines = list(io.StringIO(text, newline=""))
    width: int | None = None  # the header's field count
    start, rest = 0, iter(lines)
    while start < len(lines):
        restart = None
        reader = csv.reader(rest, delimiter=delimiter)
        first = start
        for fields in reader:
            last = start + reader.line_num - 1  # 0-based index of the record's last line
            if width is not None and (last > first or last == len(lines) - 1):
                reason = _runaway(lines, first, last, fields, width, delimiter)
                if reason:
                    yield BadLine(first + 1, reason, lines[first].rstrip("\r\n"))
                    restart = first + 1
                    # the lines it swallowed are read again, then the lines the reader has not reached
                    rest = itertools.chain(lines[restart:last + 1], rest)
                    break
            if fields and fields != [""]:
                if width is None:
                    width = len(fields)
                yield first + 1, fields
            first = last + 1
        if restart is None:
            return
        start = restart


def _runaway(lines: list[str], first: int, last: int, fields: list[str], width: int, delimiter: str) -> str:
    """Why the record on lines first..last (0-based) is an unclosed quote swallowing lines, or ''."""
    swallowed = last - first
    if last == len(lines) - 1 and not _closed("".join(lines[first:]), delimiter):
        return f"unclosed quote: a quoted field opened on this line runs to the end of the file ({swallowed} " \
               f"more line{'s' if swallowed != 1 else ''})"
    if swallowed == 0:
        return ""
    opened = f"unclosed quote: a quoted field opened on this line is not closed before the end of the line: it " \
             f"would swallow the next {swallowed} line{'s' if swallowed != 1 else ''} into one field"
    if len(fields) != width:
        return f"{opened} (and give a record of {len(fields)} fields, the header has {width})"
    if width >= 3:  # with fewer columns, a line of a legitimate multi-line value could look like a record
        for line in lines[first + 1:last + 1]:
            parsed = next(csv.reader([line], delimiter=delimiter), [])
            if len(parsed) == width and '"' not in line:
                return f"{opened}, among them whole records"
    return ""


def _closed(record: str, delimiter: str) -> bool:
    """Whether the quotes of a record are closed by its end (the strict reader raises at the end of data)."""
    try:
        list(csv.reader(io.StringIO(record, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as error:
        return "unexpected end of data" not in str(error)
    return True
