"""The EVTX reader reads a small log with one system call and checks the end with a one-byte read: the bytes it
returns must be the whole file whatever the file did since it was listed (grown, shrunk) and however the system
splits the reads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kqlite.ingest import evtx_reader


@pytest.fixture
def log(tmp_path: Path) -> tuple[Path, bytes]:
    data = bytes(range(256)) * 700  # 179,200 bytes: more than one of the reader's follow-up blocks
    path = tmp_path / "a.evtx"
    path.write_bytes(data)
    return path, data


@pytest.mark.parametrize("listed", [0, 1, 100_000, 179_199, 179_200, 179_201, 500_000])
def test_the_whole_file_is_read_whatever_size_was_listed(log: tuple[Path, bytes], listed: int) -> None:
    path, data = log
    assert evtx_reader._read_file(str(path), listed) == data


def test_an_empty_file_reads_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.evtx"
    path.write_bytes(b"")
    assert evtx_reader._read_file(str(path), 0) == b""


def test_short_reads_from_the_system_are_read_on(log: tuple[Path, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    """A system that gives at most 1,000 bytes per read (as a pipe or a network file system may)."""
    path, data = log
    real_read = os.read
    calls = []

    def short_read(descriptor: int, size: int) -> bytes:
        calls.append(size)
        return real_read(descriptor, min(size, 1_000))

    monkeypatch.setattr(evtx_reader.os, "read", short_read)
    assert evtx_reader._read_file(str(path), len(data)) == data
    assert len(calls) > 100  # the reads really were short


def test_a_file_read_whole_takes_two_reads_and_a_one_byte_check(log: tuple[Path, bytes],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path, data = log
    real_read = os.read
    sizes = []

    def counted(descriptor: int, size: int) -> bytes:
        sizes.append(size)
        return real_read(descriptor, size)

    monkeypatch.setattr(evtx_reader.os, "read", counted)
    assert evtx_reader._read_file(str(path), len(data)) == data
    assert sizes == [len(data) + 1, 1]
