"""Read one EVTX file: the records some Defender table takes, the others counted by kind, and the damage.

A plain function of plain data, so that the pipeline can run it in worker processes (one per core) when
there are many or large files: the Rust parser holds the GIL while it hands records to Python, so threads
would not help. Kept free of heavy imports (NumPy only for large logs): an ingest starts its workers before
it imports the rest.
"""

from __future__ import annotations

import gc
import io
import os
import re
import struct
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate

import evtx

from kqlite.ingest.identity import digest_bytes, digest_file

HEADER = struct.Struct("<8sQQQIHHHH")  # magic, first/last chunk, next record id, header size, minor, major, block, chunks
HEADER_SIZE = 4096
_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation; elsewhere 0
CHUNK_SIZE = 65536
READ_WHOLE = 256 << 20  # files up to this size are read once, for both the hash and the parser
# Provider and EventID lead a record's JSON (the System element comes first)
_KIND = re.compile(r'"Provider":\{"#attributes":\{"Name":"([^"]*)".*?"EventID":(?:\{"#attributes":\{[^}]*\},"#text":)?(\d+)')


@dataclass
class Texts:
    """Strings as one UTF-8 buffer and where each ends: what an Arrow string array is made of, and cheap to send
    from a worker process (one bytes object to pickle, not thousands of strings)."""

    data: bytes = b""
    offsets: array[int] = field(default_factory=lambda: array("q", [0]))  # len(self) + 1 byte offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @classmethod
    def pack(cls, texts: list[str]) -> Texts:
        """One encoding of all the texts; only the texts that are not ASCII are encoded again, for their length.
        The offsets are an array, not NumPy's: a small file's pickle much faster."""
        offsets = array("q", [0])
        offsets.extend(accumulate(len(text) if text.isascii() else len(text.encode()) for text in texts))
        return cls("".join(texts).encode(), offsets)

    @classmethod
    def concat(cls, packs: list[Texts]) -> Texts:
        packs = [pack for pack in packs if len(pack)]
        if len(packs) <= 1:
            return packs[0] if packs else cls()
        import numpy as np  # here, not at the top: a worker process starts without it

        bases = np.cumsum([0] + [len(pack.data) for pack in packs])
        offsets = np.concatenate([np.frombuffer(pack.offsets, np.int64)[:-1] + base
                                  for pack, base in zip(packs, bases, strict=False)] + [bases[-1:]])
        return cls(b"".join(pack.data for pack in packs), array("q", offsets.astype(np.int64).tobytes()))


@dataclass
class Copies:
    """The records kept so far by their exact JSON text, with the file each came from, so that an exact copy
    read from a file named no earlier is dropped before staging and counted as a duplicate. The mapping keeps
    the same record (same computer, channel, event id and record id) once, from the file named first: an
    exact copy is the same record, so dropping it here gives what the mapping gives, without staging it (a
    folder of overlapping exports holds many). A copy from a file named earlier is staged: the mapping then
    keeps it and drops the other. Records without a record id are never dropped here, as the mapping keeps
    each of them. Bounded: past `room` characters of text no record is added."""

    kept: dict[str, str] = field(default_factory=dict)  # text -> name of the file it was kept from
    room: int = 64 << 20


@dataclass
class EvtxResult:
    name: str
    digest: str = ""  # of the file's bytes: its identity, for "already ingested"
    records: int = 0  # every record read
    raws: Texts = field(default_factory=Texts)  # JSON text of the records some table takes
    duplicates: int = 0  # records some table takes, dropped as exact copies of records kept from another file
    unmapped: Counter[str] = field(default_factory=Counter)  # the others, by "provider event id"
    rejects: list[tuple[str, str, int]] = field(default_factory=list)  # (position, reason, records lost)

    @property
    def lost(self) -> int:
        """Records the file holds that could not be read (damaged or missing chunks)."""
        return sum(records for _, _, records in self.rejects)


def read_evtx(name: str, path: str | None, data: bytes | None, size: int,
              mapped: frozenset[tuple[str, int]], copies: Copies | None = None) -> EvtxResult:
    """Parse `path` (or `data`); keep the records whose (provider, event id) is in `mapped` (less the exact
    copies of records of other files, given `copies`). Records the chunk headers announce but the parser did
    not give (a damaged or zeroed chunk, which the parser may skip without a word, a cut file) are rejected
    with their count."""
    result = EvtxResult(name)
    if data is None and size <= READ_WHOLE:
        data = _read_file(path, size)  # type: ignore[arg-type]
    result.digest = digest_bytes(data) if data is not None else digest_file(path)  # type: ignore[arg-type]
    head = data[:HEADER_SIZE] if data is not None else _head(path)  # type: ignore[arg-type]
    if len(head) < HEADER.size:
        result.rejects.append(("file header", "truncated EVTX file: shorter than its header", 1))
        return result
    chunks = [_chunk(index, header) for index, header in enumerate(_chunk_headers(path, data, size))]
    part = _parse(io.BytesIO(data) if data is not None else path, mapped, 0, (name, copies))  # type: ignore[arg-type]
    part.chunks = chunks
    return merge_parts(name, result.digest, head, size, [part])


@dataclass
class EvtxPart:
    """What a run of chunks of a log gave: a whole log's, or a share of a large one's (read by one worker)."""

    records: int = 0
    raws: Texts = field(default_factory=Texts)
    unmapped: Counter[str] = field(default_factory=Counter)
    ids: array[int] = field(default_factory=lambda: array("q"))  # the record ids read, for the accounting
    problems: list[tuple[int | None, str, str]] = field(default_factory=list)  # (chunk, position, reason)
    chunks: list[Chunk] = field(default_factory=list)  # what the chunk headers of the run say
    duplicates: int = 0  # kept records dropped as exact copies (see Copies)


def read_part(path: str, first: int, count: int | None, mapped: frozenset[tuple[str, int]]) -> EvtxPart:
    """Chunks `first` to `first + count` (to the end of the file when `count` is None) of the log at `path`,
    parsed as a log of their own (the file header, then those chunks): an EVTX chunk carries its own string
    and template tables, so it parses the same alone. Chunk numbers in the problems are the file's."""
    size = os.path.getsize(path)
    start = HEADER_SIZE + first * CHUNK_SIZE
    end = size if count is None else min(start + count * CHUNK_SIZE, size)
    with _ChunkRun(path, start, end) as run:
        part = _parse(run, mapped, first)  # type: ignore[arg-type]
    part.chunks = [_chunk(first + index, header) for index, header in enumerate(_chunk_headers(path, None, end, start))]
    return part


class _ChunkRun(io.RawIOBase):
    """The file header of a log followed by its bytes `start` to `end`, as one file read where it lies (a copy
    in memory would cost more than the parse saves: a gigabyte of page faults)."""

    def __init__(self, path: str, start: int, end: int):
        super().__init__()
        self._fd = os.open(path, os.O_RDONLY)
        self._head = os.pread(self._fd, HEADER_SIZE, 0)
        self._offset = start - len(self._head)  # of the file, at a position of the run past the header
        self._size = len(self._head) + end - start
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(base + offset, 0)
        return self._position

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view, done = memoryview(buffer).cast("B"), 0
        if self._position < len(self._head):
            done = min(len(view), len(self._head) - self._position)
            view[:done] = self._head[self._position:self._position + done]
            self._position += done
        wanted = min(len(view) - done, self._size - self._position)
        if wanted > 0:
            got = os.preadv(self._fd, [view[done:done + wanted]], self._offset + self._position)
            done += got
            self._position += got
        return done

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


def merge_parts(name: str, digest: str, head: bytes, size: int, parts: list[EvtxPart]) -> EvtxResult:
    """The file's result from its parts, in chunk order: records and kinds added up, and the records the
    chunk headers announce checked against those read over the whole file (a gap may span two parts)."""
    problems = _truncation(head, size)
    if len(parts) == 1:  # a whole file (most are): its part's figures are the file's
        (part,) = parts
        result = EvtxResult(name, digest, part.records, part.raws, part.duplicates, part.unmapped)
        ids, chunks = part.ids, part.chunks
        problems.extend(problem for problem in part.problems if problem not in problems)
    else:
        result = EvtxResult(name, digest, raws=Texts.concat([part.raws for part in parts]))
        ids = array("q")
        for part in parts:
            result.records += part.records
            result.duplicates += part.duplicates
            result.unmapped.update(part.unmapped)
            ids.extend(part.ids)
            # a file the parser cannot open fails in every part alike: one problem, as when read whole
            problems.extend(problem for problem in part.problems if problem not in problems)
        chunks = [chunk for part in parts for chunk in part.chunks]
    layout = FileLayout.read(head, chunks)
    result.rejects = _account(layout, ids, problems)
    return result


def _parse(source: io.BytesIO | str, mapped: frozenset[tuple[str, int]], first_chunk: int,
           copies: tuple[str, Copies | None] = ("", None)) -> EvtxPart:
    part = EvtxPart()
    try:
        # checksums on: a damaged chunk is rejected whole instead of yielding records of garbled text
        parser = evtx.PyEvtxParser(source, validate_checksums=True)
        records = parser.records_json()
    except (OSError, RuntimeError, ValueError) as error:
        part.problems.append((None, "file", f"cannot read the evtx file: {type(error).__name__}: {error}"))
    else:
        _read_records(part, records, mapped, first_chunk, *copies)
    return part


_KINDS: dict[frozenset[tuple[str, int]], dict[str, str | None]] = {}  # per mapped set: kind by key (_learn)


def _read_records(part: EvtxPart, records: Iterator[dict], mapped: frozenset[tuple[str, int]],
                  first_chunk: int, name: str, copies: Copies | None) -> None:
    raws: list[str] = []
    unmapped: dict[str, int] = {}
    count, seen, problems = unmapped.get, part.ids.append, part.problems
    # a record's kind is told by its text up to the end of its event id (the System element's provider and
    # event id come first), which the records of a kind share: the kinds met so far, by that text, spare a
    # regular expression per record (a fifth of the read time)
    kinds = _KINDS.setdefault(mapped, {})
    known = kinds.get
    kept, kept_from = (copies.kept, copies.kept.get) if copies is not None else (None, None)
    duplicates = 0
    # the last key and the character after it, and its kind: a log's records come in runs of one kind, and a
    # record that starts with them has that kind (a text comparison, no slice to make and look up)
    last, last_kind = _NO_KEY, None
    collecting = gc.isenabled()
    gc.disable()  # records are strings and short-lived dicts: no cycles for the collector to find
    try:
        while True:
            try:
                for record in records:
                    seen(record["event_record_id"])
                    text = record["data"]
                    if text.startswith(last):
                        kind = last_kind
                    else:
                        at = text.find(_EVENT_ID, 0, _HEAD)
                        # to the end of the event id's value: a number, or {"#attributes":{...},"#text":number}
                        end = text.find("}", text.find('"#text":', at)) if text.startswith("{", at + 10) \
                            else text.find(",", at)
                        if 0 < at < end <= _HEAD:
                            key = text[:end]
                            kind = known(key, False)
                            if kind is False:
                                kind = _learn(kinds, key, text, mapped)
                            # the key told the kind (else the whole record did: no run to follow)
                            last, last_kind = (text[:end + 1], kind) if key in kinds else (_NO_KEY, None)
                        else:
                            kind = _kind(_KIND.search(text, 0, _HEAD), mapped)
                    if kind is not None:
                        unmapped[kind] = count(kind, 0) + 1
                        continue
                    if kept is not None:
                        first = kept_from(text)  # type: ignore[misc]
                        if first is None:
                            if copies.room > 0 and _has_record_id(text):  # type: ignore[union-attr]
                                kept[text] = name
                                copies.room -= len(text)  # type: ignore[union-attr]
                        elif first <= name:
                            duplicates += 1
                            continue
                        else:
                            kept[text] = name
                    raws.append(text)
                break
            except RuntimeError as error:  # the parser goes on with the next chunk after a damaged one
                message = _in_file(str(error), first_chunk)
                problems.append((*_chunk_of(message), f"damaged EVTX chunk: {message}"))
    finally:
        if collecting:
            gc.enable()
    part.records = len(part.ids)
    part.duplicates = duplicates
    part.unmapped = Counter(unmapped)
    part.raws = Texts.pack(raws)


_EVENT_ID = '"EventID":'
_NO_KEY = "\0"  # no record's JSON text starts with it
_HEAD = 1024  # the System element's provider and event id come first
_RECORD_ID = '"EventRecordID":'


def _has_record_id(text: str) -> bool:
    """The record's System element has a record id (the mapping keeps each record without one)."""
    at = text.find(_RECORD_ID)
    return at >= 0 and text[at + len(_RECORD_ID):at + len(_RECORD_ID) + 1].isdigit()


def _learn(kinds: dict[str, str | None], key: str, text: str, mapped: frozenset[tuple[str, int]]) -> str | None:
    """The kind of a record whose key (its text up to the end of its event id) is new; remembered when the key
    alone tells it (and while fewer than _MAX_KINDS are: the memo lives as long as the process, and a strange
    log could vary its keys)."""
    match = _KIND.search(key)
    if match is None:  # an unusual System element: read from the record, not remembered
        return _kind(_KIND.search(text, 0, _HEAD), mapped)
    kind = _kind(match, mapped)
    if len(kinds) < _MAX_KINDS:
        kinds[key] = kind
    return kind


_MAX_KINDS = 10_000


def _kind(match: re.Match[str] | None, mapped: frozenset[tuple[str, int]]) -> str | None:
    """None when some table takes the record (or its kind cannot be told here: the staging tells), else its
    "provider event id"."""
    if match is None or (match.group(1), int(match.group(2))) in mapped:
        return None
    return f"{match.group(1) or '?'} {match.group(2)}"


def read_many(jobs: list[tuple[str, str | None, bytes | None, int]],
              mapped: frozenset[tuple[str, int]], copies: Copies | None = None) -> list[EvtxResult]:
    """read_evtx over several files (one task of a worker process), the exact copies of records among them
    (and of those `copies` holds) dropped (see Copies)."""
    copies = copies if copies is not None else Copies()
    return [read_evtx(name, path, data, size, mapped, copies) for name, path, data, size in jobs]


def _read_file(path: str, size: int) -> bytes:
    """The file's bytes (`size`: what it held when listed): without a buffered file object, whose making costs
    as much as the read for a folder of small logs."""
    descriptor = os.open(path, os.O_RDONLY | _O_BINARY)
    try:
        data = os.read(descriptor, size + 1)
        # the end is checked with a one-byte read: a larger one allocates (and frees) its whole buffer, which
        # cost as much as reading a small log
        more = os.read(descriptor, 1) if data else b""
        if not more:
            return data  # not joined: a copy of every file read would cost more than the read
        blocks = [data, more]
        while blocks[-1]:  # the file grew, or the system gave less than asked: to the end
            blocks.append(os.read(descriptor, 1 << 20))
    finally:
        os.close(descriptor)
    return b"".join(blocks)


def _head(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(HEADER_SIZE)


def _chunk_headers(path: str | None, data: bytes | None, size: int, start: int = HEADER_SIZE) -> list[bytes]:
    """The first 512 bytes of every 64 KiB chunk slot of the file, from `start` to `size`."""
    offsets = range(start, size, CHUNK_SIZE)
    if data is not None:
        return [data[offset:offset + 512] for offset in offsets]
    headers = []
    with open(path, "rb") as handle:  # type: ignore[arg-type]
        for offset in offsets:
            handle.seek(offset)
            headers.append(handle.read(512))
    return headers


def _truncation(head: bytes, size: int) -> list[tuple[int | None, str, str]]:
    """(chunk, position, reason) of a file cut short: inside a chunk, or before chunks its header announces."""
    chunk_count = HEADER.unpack_from(head)[-1]
    whole, partial = divmod(max(size - HEADER_SIZE, 0), CHUNK_SIZE)
    if partial:
        start = HEADER_SIZE + whole * CHUNK_SIZE
        return [(whole, f"chunk {whole} (bytes {start}..{size})",
                 f"truncated EVTX file: it ends {partial} bytes into chunk {whole}; the records of that chunk (and "
                 f"of any after it) are lost (the header announces {chunk_count} chunks)")]
    if chunk_count > whole:
        return [(whole, f"chunk {whole}", f"truncated EVTX file: {whole} of the {chunk_count} chunks its header "
                                          "announces are present")]
    return []


def _in_file(message: str, first_chunk: int) -> str:
    """A parser error with its chunk number counted in the file (a part's chunk 0 is the file's `first_chunk`)."""
    head, marker, rest = message.partition("chunk number ")
    number, colon, tail = rest.partition(":")
    return f"{head}{marker}{int(number) + first_chunk}{colon}{tail}" if first_chunk and number.isdigit() else message


def _chunk_of(message: str) -> tuple[int | None, str]:
    """(chunk index or None, position) of a parser error.

    "Failed to parse chunk number 1: ..." -> chunk 1 (bytes 69632..135168), from 0 as for a truncated file;
    "Failed to parse chunk containing record IDs 99..197: ..." -> records 99..197."""
    number = message.split("chunk number ", 1)[1].split(":", 1)[0] if "chunk number " in message else ""
    if number.isdigit():
        start = HEADER_SIZE + int(number) * CHUNK_SIZE
        return int(number), f"chunk {number} (bytes {start}..{start + CHUNK_SIZE})"
    marker = "record IDs "
    if marker in message:
        return None, "records " + message.split(marker, 1)[1].split(":", 1)[0]
    return None, "a chunk"


# --- accounting: the records the chunk headers announce against those the parser gave ----------------------

CHUNK_HEADER = struct.Struct("<8sQQQQ")  # magic, first/last record number, first/last record id
CHUNK_MAGIC = b"ElfChnk\x00"


@dataclass(frozen=True)
class Chunk:
    index: int
    first: int | None  # record ids its header announces; None when the header is not valid
    last: int | None


@dataclass(frozen=True)
class FileLayout:
    """The chunks in use and what their headers (and the file header) say about the records."""

    chunks: tuple[Chunk, ...]
    next_record: int | None  # the file header's next record id, when its checksum holds
    oldest: int | None  # the file header's oldest chunk, when its checksum holds

    @classmethod
    def read(cls, head: bytes, chunks: list[Chunk]) -> FileLayout:
        """From the file header and every chunk slot's header, in order."""
        header_ok = zlib.crc32(head[:120]) == struct.unpack_from("<I", head, 124)[0]
        announced = HEADER.unpack_from(head)[-1] if header_ok else 0
        # in use: those the header counts, and any valid one after them (a log not closed cleanly); the zeroed
        # slots after the last of them are space the log has not used yet
        used = max([announced, *(chunk.index + 1 for chunk in chunks if chunk.first is not None)])
        _, oldest, _, next_record, *_ = HEADER.unpack_from(head)
        return cls(tuple(chunks[:used]), next_record if header_ok else None, oldest if header_ok else None)


def _chunk(index: int, header: bytes) -> Chunk:
    if len(header) < 512 or not header.startswith(CHUNK_MAGIC) \
            or zlib.crc32(header[:120] + header[128:512]) != struct.unpack_from("<I", header, 124)[0]:
        return Chunk(index, None, None)
    _, _, _, first, last = CHUNK_HEADER.unpack_from(header)
    return Chunk(index, first, last)


def _account(layout: FileLayout, ids: array[int], problems: list[tuple[int | None, str, str]]
             ) -> list[tuple[str, str, int]]:
    """Rejects (position, reason, records lost): one per problem, with the records its chunks lost, and one
    for each chunk that lost records without any error (zeroed, or skipped by the parser)."""
    losses = _losses(layout, ids)
    cut = len(layout.chunks)
    rejects: list[tuple[str, str, int]] = []
    for chunk, position, reason in problems:
        if position == "file":  # nothing was parsed: every loss is this one's
            keys = list(losses)
        elif chunk is None:
            keys = [_chunk_by_records(layout, position)]
        else:  # a cut chunk takes the chunks missing after it too
            keys = [chunk, cut] if reason.startswith("truncated") else [chunk]
        rejects.append((position, reason, sum(losses.pop(key, 0) for key in keys)))
    for chunk, lost in sorted(losses.items(), key=lambda item: (item[0] is None, item[0] or 0)):
        if lost:
            rejects.append(_silent_loss(layout, chunk, lost))
    if rejects and not any(records for *_, records in rejects):  # damage with no count: at least one record
        position, reason, _ = rejects[0]
        rejects[0] = (position, reason, 1)
    return rejects


def _chunk_by_records(layout: FileLayout, position: str) -> int | None:
    """The chunk of a "records a..b" position (the parser names a chunk by its record ids)."""
    first = position.removeprefix("records ").split("..", 1)[0]
    return next((chunk.index for chunk in layout.chunks if first.isdigit() and chunk.first == int(first)), None)


def _silent_loss(layout: FileLayout, chunk: int | None, lost: int) -> tuple[str, str, int]:
    if chunk is None or chunk >= len(layout.chunks):
        return "records", f"{lost} records the EVTX headers announce are missing from the file", lost
    start = HEADER_SIZE + chunk * CHUNK_SIZE
    position = f"chunk {chunk} (bytes {start}..{start + CHUNK_SIZE})"
    if layout.chunks[chunk].first is None:
        return (position, f"damaged EVTX chunk: its header is not valid (zeroed or overwritten) and the parser "
                          f"skipped it; {lost} records lost", lost)
    return position, f"damaged EVTX chunk: {lost} of the records its header announces were not read", lost


def _short_chunks(valid: list[Chunk], ids: array[int]) -> dict[int | None, int]:
    """Records lost by each valid chunk: those its header announces less those read. One NumPy search for
    all the chunks: a large log has thousands."""
    import numpy as np

    read = np.sort(np.frombuffer(ids, dtype=np.int64)) if len(ids) else np.zeros(0, np.int64)
    firsts = np.array([chunk.first for chunk in valid], np.int64)
    lasts = np.array([chunk.last for chunk in valid], np.int64)
    missing = np.maximum(lasts - firsts + 1, 0) - (np.searchsorted(read, lasts, "right")
                                                   - np.searchsorted(read, firsts, "left"))
    return {valid[at].index: int(missing[at]) for at in np.flatnonzero(missing > 0)}


def _short_chunks_small(valid: list[Chunk], ids: array[int]) -> dict[int | None, int]:
    """The same for a log of few chunks, without NumPy (whose calls cost more than the search here)."""
    read = sorted(ids)
    losses: dict[int | None, int] = {}
    for chunk in valid:
        got = bisect_right(read, chunk.last) - bisect_left(read, chunk.first)
        if got < max(chunk.last - chunk.first + 1, 0):  # type: ignore[operator]
            losses[chunk.index] = max(chunk.last - chunk.first + 1, 0) - got  # type: ignore[operator]
    return losses


def _losses(layout: FileLayout, ids: array[int]) -> dict[int | None, int]:
    """Records lost, by chunk index (None: not placed): records a valid header announces that were not read,
    and the records missing between the valid chunks (by record id), placed at the damaged chunk after the
    one before them, or at the first chunk missing from a cut file."""
    valid = [chunk for chunk in layout.chunks if chunk.first is not None]
    losses = _short_chunks(valid, ids) if len(valid) > 64 else _short_chunks_small(valid, ids)
    damaged = {chunk.index for chunk in layout.chunks if chunk.first is None}
    cut = len(layout.chunks)  # chunks past the file's end (the file header announces more)
    ordered = sorted(valid, key=lambda chunk: chunk.first)  # type: ignore[arg-type, return-value]
    gaps = [(before, after.first - before.last - 1) for before, after in zip(ordered, ordered[1:], strict=False)]
    if ordered and layout.next_record is not None:
        gaps.append((ordered[-1], layout.next_record - ordered[-1].last - 1))  # type: ignore[operator]
    if layout.oldest == 0 and 0 in damaged and layout.next_record is not None:
        # the log's first chunk, damaged, in a log that has not wrapped: its records start at 1
        lead = (ordered[0].first if ordered else layout.next_record) - 1  # type: ignore[operator]
        losses[0] = losses.get(0, 0) + max(lead, 0)
    for before, gap in gaps:
        if gap > 0:
            following = before.index + 1
            place = following if following in damaged or following == cut else None
            losses[place] = losses.get(place, 0) + gap
    return losses
