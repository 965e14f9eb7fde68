"""Walk the user's inputs: files, folders (recursive) and archives (.zip members, .gz), as named byte sources.

A source's name says where its data came from (``logs.zip!host/sysmon.evtx``), so that rejects and
summaries point at the exact member. Members are read whole: archives of logs are small enough, and EVTX
and Parquet readers need a seekable file anyway.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

ZIP_MAGIC = b"PK\x03\x04"
GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class Source:
    """One input file: a path on disk, or the bytes of an archive member."""

    name: str
    path: Path | None = None
    data: bytes | None = None
    _head: bytes = b""  # the first bytes read so far (detection and checks look at them several times)

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path.read_bytes()

    def head(self, size: int = 4096) -> bytes:
        if self.data is not None:
            return self.data[:size]
        if len(self._head) < size and (not self._head or len(self._head) % 4096 == 0):
            assert self.path is not None
            with self.path.open("rb") as handle:
                self._head = handle.read(max(size, 4096))
        return self._head[:size]

    def open(self) -> io.BufferedIOBase:
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.path is not None
        return self.path.open("rb")

    @cached_property
    def suffix(self) -> str:
        return Path(self.name.rsplit("!", 1)[-1]).suffix.lower()

    @cached_property
    def stem(self) -> str:
        return Path(self.name.rsplit("!", 1)[-1]).stem


class SourceError(Exception):
    """An input that cannot be opened at all (the message names it)."""


def iter_sources(paths: list[str | Path]) -> Iterator[Source | SourceError]:
    """Every file under `paths`, archives opened; unreadable inputs come out as SourceError, in order."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            for file in files:
                yield from _expand(Source(str(file), path=file))
        elif path.is_file():
            yield from _expand(Source(str(path), path=path))
        else:
            yield SourceError(f"{path}: no such file or folder")


def _expand(source: Source, depth: int = 0) -> Iterator[Source | SourceError]:
    try:
        head = source.head(4)
    except OSError as error:
        yield SourceError(f"{source.name}: cannot read: {error.strerror or error}")
        return
    if depth > 3 or not head.startswith((ZIP_MAGIC, GZIP_MAGIC)):
        yield source
        return
    try:
        if head.startswith(ZIP_MAGIC):
            with zipfile.ZipFile(source.open()) as archive:
                if "xl/workbook.xml" in archive.namelist():  # an Excel workbook is a zip too: a file, not a folder
                    yield source
                    return
                for info in sorted(archive.infolist(), key=lambda i: i.filename):
                    if info.is_dir() or Path(info.filename).name.startswith(".") or "__MACOSX" in info.filename:
                        continue
                    member = Source(f"{source.name}!{info.filename}", data=archive.read(info))
                    yield from _expand(member, depth + 1)
        else:
            inner = source.name[:-3] if source.name.lower().endswith(".gz") else source.name + "!data"
            yield from _expand(Source(inner, data=gzip.decompress(source.read())), depth + 1)
    except (zipfile.BadZipFile, gzip.BadGzipFile, zlib.error, EOFError, OSError) as error:
        yield SourceError(f"{source.name}: damaged archive: {error}")
