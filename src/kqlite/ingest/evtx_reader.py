"""Read one EVTX file: the records some Defender table takes, the others counted by kind, and the damage.

A plain function of plain data, so that the pipeline can run it in worker processes (one per core) when
there are many or large files: the Rust parser holds the GIL while it hands records to Python, so threads
would not help. Kept free of heavy imports: a worker process starts quickly.
"""

from __future__ import annotations

import gc
import io
import re
import struct
from collections import Counter
from dataclasses import dataclass, field

import evtx

from kqlite.ingest.identity import digest_bytes, digest_file

HEADER = struct.Struct("<8sQQQIHHHH")  # magic, first/last chunk, next record id, header size, minor, major, block, chunks
HEADER_SIZE = 4096
CHUNK_SIZE = 65536
READ_WHOLE = 256 << 20  # files up to this size are read once, for both the hash and the parser
# Provider and EventID lead a record's JSON (the System element comes first)
_KIND = re.compile(r'"Provider":\{"#attributes":\{"Name":"([^"]*)".*?"EventID":(?:\{"#attributes":\{[^}]*\},"#text":)?(\d+)')


@dataclass
class EvtxResult:
    name: str
    digest: str = ""  # of the file's bytes: its identity, for "already ingested"
    records: int = 0  # every record read
    raws: list[str] = field(default_factory=list)  # JSON text of the records some table takes
    unmapped: Counter[str] = field(default_factory=Counter)  # the others, by "provider event id"
    rejects: list[tuple[str, str]] = field(default_factory=list)  # (position, reason)


def read_evtx(name: str, path: str | None, data: bytes | None, size: int,
              mapped: frozenset[tuple[str, int]]) -> EvtxResult:
    """Parse `path` (or `data`); keep the records whose (provider, event id) is in `mapped`."""
    result = EvtxResult(name)
    if data is None and size <= READ_WHOLE:
        with open(path, "rb") as handle:  # type: ignore[arg-type]
            data = handle.read()
    result.digest = digest_bytes(data) if data is not None else digest_file(path)  # type: ignore[arg-type]
    head = data[:HEADER_SIZE] if data is not None else _head(path)  # type: ignore[arg-type]
    if not _check_header(result, head, size):
        return result
    try:
        # checksums on: a damaged chunk is rejected whole instead of yielding records of garbled text
        parser = evtx.PyEvtxParser(io.BytesIO(data) if data is not None else path, validate_checksums=True)
        records = parser.records_json()
    except (OSError, RuntimeError, ValueError) as error:
        result.rejects.append(("file", f"cannot read the evtx file: {type(error).__name__}: {error}"))
        return result
    raws, unmapped, search = result.raws, result.unmapped, _KIND.search
    read = 0
    collecting = gc.isenabled()
    gc.disable()  # records are strings and short-lived dicts: no cycles for the collector to find
    try:
        while True:
            try:
                for record in records:
                    read += 1
                    text = record["data"]
                    kind = search(text, 0, 1024)
                    if kind is None or (kind.group(1), int(kind.group(2))) in mapped:
                        raws.append(text)
                    else:
                        unmapped[f"{kind.group(1) or '?'} {kind.group(2)}"] += 1
                break
            except RuntimeError as error:  # the parser goes on with the next chunk after a damaged one
                result.rejects.append((_chunk_position(str(error)), f"damaged EVTX chunk: {error}"))
    finally:
        if collecting:
            gc.enable()
    result.records = read
    return result


def read_many(jobs: list[tuple[str, str | None, bytes | None, int]],
              mapped: frozenset[tuple[str, int]]) -> list[EvtxResult]:
    """read_evtx over several files (one task of a worker process)."""
    return [read_evtx(name, path, data, size, mapped) for name, path, data, size in jobs]


def _head(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(HEADER_SIZE)


def _check_header(result: EvtxResult, head: bytes, size: int) -> bool:
    """Reject a truncated file's lost part; False when there is nothing to parse."""
    if len(head) < HEADER.size:
        result.rejects.append(("file header", "truncated EVTX file: shorter than its header"))
        return False
    chunk_count = HEADER.unpack_from(head)[-1]
    whole, partial = divmod(max(size - HEADER_SIZE, 0), CHUNK_SIZE)
    if partial:
        start = HEADER_SIZE + whole * CHUNK_SIZE
        result.rejects.append((f"chunk {whole} (bytes {start}..{size})",
                               f"truncated EVTX file: it ends {partial} bytes into chunk {whole}; the records of that "
                               f"chunk are lost (the header announces {chunk_count} chunks)"))
    elif chunk_count > whole:
        result.rejects.append((f"chunk {whole}", f"truncated EVTX file: {whole} of the {chunk_count} chunks its "
                                                 "header announces are present"))
    return True


def _chunk_position(message: str) -> str:
    # "Failed to parse chunk number 1: ..." -> "chunk 1 (bytes 69632..135168)" (from 0, as for a truncated file)
    number = message.split("chunk number ", 1)[1].split(":", 1)[0] if "chunk number " in message else ""
    if number.isdigit():
        start = HEADER_SIZE + int(number) * CHUNK_SIZE
        return f"chunk {number} (bytes {start}..{start + CHUNK_SIZE})"
    # "Failed to parse chunk containing record IDs 99..197: ..." -> "records 99..197"
    marker = "record IDs "
    if marker in message:
        return "records " + message.split(marker, 1)[1].split(":", 1)[0]
    return "a chunk"
