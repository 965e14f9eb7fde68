"""Walk the user's inputs: files, folders (recursive) and archives (.zip members, .gz), as named byte sources.

A source's name says where its data came from (``logs.zip!host/sysmon.evtx``), so that rejects and
summaries point at the exact member. Archive members are streamed out under caps (per member, for the whole
run, and on the compression ratio, against archive bombs): a small member is kept in memory, a larger one
is written to a temporary folder of the run, since the EVTX and Parquet readers need a seekable file.
Encrypted zip members (ZipCrypto, as malware samples are shared: password ``infected``) are opened with the
passwords given; AES-encrypted ones are rejected, naming the member. A folder that cannot be read is
reported as skipped, with the reason.
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO

ZIP_MAGIC = b"PK\x03\x04"
GZIP_MAGIC = b"\x1f\x8b"
DEFAULT_PASSWORDS = (b"infected",)  # how malware samples and incident evidence are usually zipped
GIB = 1 << 30
_IN_MEMORY = 32 << 20  # members up to this size stay in memory; larger ones go to a temporary file
_BLOCK = 1 << 20
_AES = 99  # the zip compression method of WinZip AES encryption
_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation; elsewhere 0


@dataclass
class Source:
    """One input file: a path on disk, or the bytes of an archive member."""

    name: str
    path: str | Path | None = None  # a folder's files come as text: a Path each cost more than reading its head
    data: bytes | None = None
    _head: bytes = b""  # the first bytes read so far (detection and checks look at them several times)
    _size: int | None = None  # of the file on disk, known once its head was read

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        with open(self.path, "rb") as handle:
            return handle.read()

    def head(self, size: int = 4096) -> bytes:
        if self.data is not None:
            return self.data[:size]
        if len(self._head) < size and (not self._head or len(self._head) % 4096 == 0):
            assert self.path is not None
            descriptor = os.open(self.path, os.O_RDONLY | _O_BINARY)  # no buffered file object:
            try:  # read once per input, thousands of times for a folder of small logs
                self._head = os.read(descriptor, max(size, 4096))
                self._size = os.fstat(descriptor).st_size
            finally:
                os.close(descriptor)
        return self._head[:size]

    def size(self) -> int:
        """Bytes of the data, or of the file on disk."""
        if self.data is not None:
            return len(self.data)
        if self._size is None:
            assert self.path is not None
            self._size = os.stat(self.path).st_size
        return self._size

    def open(self) -> IO[bytes]:
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.path is not None
        return open(self.path, "rb")  # noqa: SIM115 - the caller closes it

    @cached_property
    def suffix(self) -> str:
        return Path(self.name.rsplit("!", 1)[-1]).suffix.lower()

    @cached_property
    def stem(self) -> str:
        return Path(self.name.rsplit("!", 1)[-1]).stem


class SourceError(Exception):
    """An input that cannot be opened at all (the message names it)."""


@dataclass(frozen=True)
class Skipped:
    """An input that was not read, and why (a folder that cannot be listed)."""

    name: str
    reason: str


@dataclass
class ArchiveLimits:
    """How far archives may expand: per member, over the whole run, and by compression ratio (a member
    larger than `min_bomb` that expands more than `ratio` times is taken for a bomb)."""

    member: int = 4 * GIB
    total: int = 4 * GIB
    ratio: int = 1000
    min_bomb: int = 64 << 20
    passwords: tuple[bytes, ...] = DEFAULT_PASSWORDS
    expanded: int = 0  # bytes expanded so far in the run
    workdir: Path | None = None  # where large members are written (made on first need)
    _cleanup: list[Callable[[], None]] = field(default_factory=list)

    def spill_file(self) -> IO[bytes]:
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="kqlite-archive-"))
            self._cleanup.append(lambda folder=self.workdir: shutil.rmtree(folder, ignore_errors=True))
        return tempfile.NamedTemporaryFile(dir=self.workdir, delete=False)

    def close(self) -> None:
        """Remove the temporary files of large members."""
        for cleanup in self._cleanup:
            cleanup()
        self._cleanup.clear()
        self.workdir = None


class _TooLarge(Exception):
    pass


def iter_sources(paths: list[str | Path], limits: ArchiveLimits | None = None
                 ) -> Iterator[Source | SourceError | Skipped]:
    """Every file under `paths`, archives opened; unreadable inputs come out as SourceError, folders that
    cannot be listed as Skipped, in order."""
    limits = limits if limits is not None else ArchiveLimits()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for item in walk_names(path):
                if isinstance(item, Skipped):
                    yield item
                else:
                    yield from _expand(Source(item, path=item), limits)
        elif path.is_file():
            yield from _expand(Source(str(path), path=path), limits)
        else:
            yield SourceError(f"{path}: no such file or folder")


_KEPT_WALKS: dict[Path, tuple[float, list[str | Skipped]]] = {}  # for the next walk of the same folder
_KEPT_FOR = 60.0  # seconds: an older walk is done again (the folder may have changed)


def walk_files(folder: Path, keep: bool = False) -> Iterator[Path | Skipped]:
    """The files under `folder` (hidden ones left out) in path order, and what was not read: sub-folders that
    cannot be listed, and links that lead out of the folder (evidence folders are read, not what they point
    to). `keep`: the walk is kept for the next walk of the folder, once (the progress bar walks the inputs
    for its total just before the ingest reads them: thousands of files need not be listed twice)."""
    return (item if isinstance(item, Skipped) else Path(item) for item in walk_names(folder, keep))


def walk_names(folder: Path, keep: bool = False) -> Iterator[str | Skipped]:
    """walk_files with each file's path as text (the ingest's walk: a Path per file costs a few microseconds,
    thousands of times)."""
    walked, kept = _KEPT_WALKS.pop(folder, (0.0, []))
    if walked and time.monotonic() - walked < _KEPT_FOR:
        yield from kept
        return
    items = list(_walk(folder))
    if keep:
        _KEPT_WALKS[folder] = (time.monotonic(), items)
    yield from items


def _walk(folder: Path) -> Iterator[str | Skipped]:
    """Iterative, so no depth of nesting can exhaust the stack."""
    root = folder.resolve()
    skipped: list[Skipped] = []
    files: list[str] = []
    pending = [str(folder)]
    while pending:
        current = pending.pop()
        try:
            entries = list(os.scandir(current))
        except OSError as error:
            skipped.append(Skipped(str(error.filename or current), f"cannot read the folder: {error.strerror or error}"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_symlink():
                target = Path(entry.path).resolve()
                if not target.is_relative_to(root):
                    skipped.append(Skipped(entry.path, f"a link to {target}, outside the folder given: not followed"))
                    continue
                if target.is_dir():
                    continue  # inside the folder: its files are met on their own path
            if entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
            elif entry.is_file():  # the type scandir read with the name: no stat (thousands of small logs)
                files.append(entry.path)
    yield from sorted(skipped, key=lambda s: s.name)
    # in path order (by parts, as Paths compare), sorted as text: comparing Paths cost more than the listing
    yield from sorted(files, key=lambda path: path.split(os.sep))


def _expand(source: Source, limits: ArchiveLimits, depth: int = 0) -> Iterator[Source | SourceError]:
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
            yield from _zip_members(source, limits, depth)
        else:
            inner = source.name[:-3] if source.name.lower().endswith(".gz") else source.name + "!data"
            compressed = source.size()
            with source.open() as handle, gzip.open(handle) as stream:
                member = _extract(stream, inner, None, compressed, limits)
            yield from _expand(member, limits, depth + 1) if isinstance(member, Source) else (member,)
    except (zipfile.BadZipFile, gzip.BadGzipFile, zlib.error, EOFError, OSError) as error:
        yield SourceError(f"{source.name}: damaged archive: {error}")


def _zip_members(source: Source, limits: ArchiveLimits, depth: int) -> Iterator[Source | SourceError]:
    with source.open() as handle, zipfile.ZipFile(handle) as archive:
        if "xl/workbook.xml" in archive.namelist():  # an Excel workbook is a zip too: a file, not a folder
            yield source
            return
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir() or Path(info.filename).name.startswith(".") or "__MACOSX" in info.filename:
                continue
            name = f"{source.name}!{info.filename}"
            member = _zip_member(archive, info, name, limits)
            yield from _expand(member, limits, depth + 1) if isinstance(member, Source) else (member,)


def _zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: ArchiveLimits
                ) -> Source | SourceError:
    encrypted = bool(info.flag_bits & 0x1)
    if info.compress_type == _AES:
        return SourceError(f"{name}: AES-encrypted zip member: kqlite opens ZipCrypto archives only (unzip it "
                           "with 7-Zip, or zip it again with ZipCrypto)")
    for password in limits.passwords if encrypted else (None,):
        try:
            with archive.open(info, pwd=password) as stream:
                return _extract(stream, name, info.file_size, info.compress_size, limits)
        except RuntimeError as error:  # "Bad password for file"
            if "password" not in str(error).lower():
                raise
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            # a wrong password can pass the check byte: the data then does not inflate or fails its CRC
            if not encrypted:
                return SourceError(f"{name}: damaged archive member: {error}")
        except NotImplementedError as error:
            return SourceError(f"{name}: {error}")
    tried = ", ".join(repr(password.decode(errors="replace")) for password in limits.passwords) or "none"
    return SourceError(f"{name}: encrypted zip member: the password does not open it (tried {tried}; give "
                       "--password)")


def _extract(stream: IO[bytes], name: str, declared: int | None, compressed: int, limits: ArchiveLimits
             ) -> Source | SourceError:
    """The member `stream` as a Source, read block by block under the caps; a SourceError when a cap is hit
    (nothing of the member is kept)."""
    spill: IO[bytes] | None = None
    try:
        _check(declared or 0, compressed, limits, name)
        kept = bytearray()
        size = 0
        while block := stream.read(_BLOCK):
            size += len(block)
            _check(size, compressed, limits, name)
            if spill is None and size > _IN_MEMORY:
                spill = limits.spill_file()
                spill.write(kept)
                kept = bytearray()
            if spill is not None:
                spill.write(block)
            else:
                kept += block
    except _TooLarge as error:
        if spill is not None:
            spill.close()
            os.unlink(spill.name)
        return SourceError(str(error))
    limits.expanded += size
    if spill is None:
        return Source(name, data=bytes(kept))
    spill.close()
    return Source(name, path=Path(spill.name))


def _check(size: int, compressed: int, limits: ArchiveLimits, name: str) -> None:
    if size > limits.member:
        raise _TooLarge(f"{name}: archive member larger than the cap of {_gib(limits.member)} (raise it with "
                        "--max-expand); not read")
    if limits.expanded + size > limits.total:
        raise _TooLarge(f"{name}: the archives expand to more than the cap of {_gib(limits.total)} in all (raise it "
                        "with --max-expand); not read")
    if size > limits.min_bomb and size > limits.ratio * max(compressed, 1):
        raise _TooLarge(f"{name}: compressed more than {limits.ratio}:1 ({compressed:,} bytes expanding past "
                        f"{size:,}): an archive bomb, not read")


def _gib(size: int) -> str:
    return f"{size / GIB:g} GiB" if size >= GIB else f"{size:,} bytes"
