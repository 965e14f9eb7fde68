"""Compressed blobs (gzip, zip) opened with a cap on the decompressed size, and text decoded as Kusto reads
it: UTF-8 with or without a byte-order mark, UTF-16 and UTF-32 with one."""

from __future__ import annotations

import codecs
import fnmatch
import gzip
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from kqlite.external.errors import ExternalDataError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a file entry first, or an empty archive
_CHUNK = 1 << 20


@dataclass
class Member:
    """One file's bytes after decompression."""

    name: str  # the file name the format is guessed from (".gz" dropped, or the zip member's name)
    label: str  # where, in messages: the URL or path, with "!member" for a zip member
    data: bytes


def compression_of(data: bytes) -> str | None:
    """'gzip' or 'zip' from the magic bytes, which decide over the file name."""
    if data.startswith(GZIP_MAGIC):
        return "gzip"
    if data.startswith(ZIP_MAGICS):
        return "zip"
    return None


def unpack(data: bytes, name: str, label: str, max_bytes: int, zip_pattern: str | None,
           notes: list[str]) -> tuple[str | None, list[Member]]:
    """The compression found and the files inside `data` (itself when not compressed)."""
    kind = compression_of(data)
    lowered = name.lower()
    if kind is None:
        if lowered.endswith((".gz", ".zip")):
            notes.append(f"{label} is named like a compressed file but is not gzip or zip data: read as is")
            name = name.rsplit(".", 1)[0]
        return None, [Member(name, label, data)]
    if kind == "gzip":
        inner = name[:-3] if lowered.endswith(".gz") else name
        return kind, [Member(inner, label, _gunzip(data, label, max_bytes))]
    return kind, _unzip(data, label, max_bytes, zip_pattern, notes)


def _too_big(label: str, max_bytes: int) -> ExternalDataError:
    return ExternalDataError(
        f"externaldata: {label} decompresses to more than {max_bytes:,} bytes, kqlite's limit; raise the limit "
        "(ExternalPolicy.max_bytes) if the file is trusted and really that large")


def _read_capped(stream: BinaryIO, budget: int, label: str, max_bytes: int) -> bytes:
    """Read `stream` a chunk at a time, so a bomb stops at the cap instead of filling memory."""
    out = io.BytesIO()
    while chunk := stream.read(min(_CHUNK, budget + 1)):
        budget -= len(chunk)
        if budget < 0:
            raise _too_big(label, max_bytes)
        out.write(chunk)
    return out.getvalue()


def _gunzip(data: bytes, label: str, max_bytes: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            return _read_capped(stream, max_bytes, label, max_bytes)
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError; a cut file ends in EOFError
        raise ExternalDataError(f"externaldata: {label} is not a readable gzip file ({exc}); "
                                "check that the download is complete") from None


def _member_filter(pattern: str | None):
    if not pattern:
        return lambda name: True
    try:
        regex = re.compile(pattern)
    except re.error:  # Kusto's own example, "*.csv", is a glob rather than a regular expression
        return lambda name: fnmatch.fnmatch(name, pattern)
    return lambda name: regex.search(name) is not None


def _unzip(data: bytes, label: str, max_bytes: int, zip_pattern: str | None, notes: list[str]) -> list[Member]:
    wanted = _member_filter(zip_pattern)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise ExternalDataError(f"externaldata: {label} is not a readable zip file ({exc}); "
                                "check that the download is complete") from None
    members, budget = [], max_bytes
    with archive:
        infos = sorted((i for i in archive.infolist()
                        if not i.is_dir() and not i.filename.startswith("__MACOSX/")), key=lambda i: i.filename)
        for info in infos:
            if not wanted(info.filename):
                continue
            where = f"{label}!{info.filename}"
            if info.file_size > budget:
                raise _too_big(label, max_bytes)
            try:
                with archive.open(info) as stream:
                    content = _read_capped(stream, budget, label, max_bytes)
            except RuntimeError as exc:  # encrypted member
                raise ExternalDataError(f"externaldata: cannot open {where} ({exc}); kqlite reads only "
                                        "zip files without a password") from None
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise ExternalDataError(f"externaldata: {where} is damaged ({exc})") from None
            budget -= len(content)
            members.append(Member(info.filename.rsplit("/", 1)[-1], where, content))
    if not members:
        which = f" matching zipPattern {zip_pattern!r}" if zip_pattern else ""
        notes.append(f"{label} holds no file{which}: it gives no rows")
    return members


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def decode_text(data: bytes) -> tuple[str, int]:
    """The text of `data` and how many bytes were not valid in its encoding (each read as U+FFFD)."""
    encoding, start = "utf-8", 0
    for bom, name in _BOMS:  # UTF-32 LE's mark begins with UTF-16 LE's, so it is tried first
        if data.startswith(bom):
            encoding, start = name, len(bom)
            break
    body = data[start:]
    try:
        return body.decode(encoding), 0
    except UnicodeDecodeError:
        text = body.decode(encoding, errors="replace")
        return text, text.count("\ufffd") - body.decode(encoding, errors="ignore").count("\ufffd")
