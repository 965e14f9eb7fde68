"""Every record of every input is accounted for: records in = rows stored + rejected + unmapped + duplicates,
per file, on the shared recordings (../shared/datasets, skipped when absent) and on damaged copies of them
(truncated, a zeroed chunk, flipped bytes, other encodings), and the CLI summary prints the same numbers.

What a file holds is counted here independently of kqlite's readers: an EVTX file's records from the
original's parse (the damage comes after), a JSON-lines file's records from its lines."""

from __future__ import annotations

import random
import re
import struct
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from kqlite.cli import main
from kqlite.ingest.pipeline import IngestReport, load

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
EVTX_FILES = sorted(DATASETS.rglob("*.evtx")) if DATASETS.is_dir() else []
ZIPS = sorted(DATASETS.rglob("*.zip")) if DATASETS.is_dir() else []
pytestmark = pytest.mark.skipif(not DATASETS.is_dir(), reason="../shared/datasets is not present")

HEADER, CHUNK = 4096, 65536
RNG_SEED = 20240302


def assert_balanced(report: IngestReport) -> None:
    for file in report.files:
        if file.skipped:
            continue
        assert file.records_in is not None, file
        assert file.records_in == file.rows + file.rejected + file.unmapped + file.duplicates, file
    assert sum(file.rows for file in report.files) == report.total_rows


def announced(data: bytes) -> int:
    """The records the chunk headers of an undamaged EVTX file announce."""
    total = 0
    for start in range(HEADER, len(data) - 511, CHUNK):
        if data[start:start + 8] == b"ElfChnk\x00":
            first, last = struct.unpack_from("<QQ", data, start + 24)
            total += last - first + 1
    return total


def json_lines(data: bytes) -> int:
    return sum(1 for line in data.splitlines() if line.strip())


# --- the recordings as they are --------------------------------------------------------------------------


@pytest.mark.parametrize("path", EVTX_FILES, ids=[path.name for path in EVTX_FILES])
def test_every_evtx_record_is_accounted_for(path):
    _, report = load([path])
    assert_balanced(report)
    [file] = report.files
    assert file.records_in == file.records == announced(path.read_bytes())
    assert len(report.rejects) == 0


@pytest.mark.parametrize("path", ZIPS, ids=[path.name for path in ZIPS])
def test_every_json_record_of_the_zips_is_accounted_for(path):
    _, report = load([path])
    assert_balanced(report)
    with zipfile.ZipFile(path) as archive:
        lines = {f"{path}!{info.filename}": json_lines(archive.read(info)) for info in archive.infolist()
                 if not info.is_dir()}
    assert {file.name: file.records_in for file in report.files} == lines


# --- damaged copies ------------------------------------------------------------------------------------------


def _damage_evtx(data: bytes, how: str, rng: random.Random) -> bytes:
    chunks = struct.unpack_from("<H", data, 42)[0]
    start = HEADER + rng.randrange(chunks) * CHUNK
    damaged = bytearray(data)
    if how == "truncated":
        return data[:start + rng.randrange(1, CHUNK)]
    if how == "zeroed-chunk":
        damaged[start:start + CHUNK] = bytes(CHUNK)
    elif how == "flipped-bytes":
        for _ in range(8):
            damaged[rng.randrange(start, start + CHUNK)] ^= 0xFF
    elif how == "flipped-header":
        for _ in range(4):
            damaged[rng.randrange(8, 120)] ^= 0xFF
    return bytes(damaged)


def _evtx_copies(tmp_path: Path) -> list[tuple[Path, int]]:
    """(damaged copy, records of the original) for a sample of the recordings and every kind of damage."""
    rng = random.Random(RNG_SEED)
    copies = []
    for path in rng.sample(EVTX_FILES, 6):
        data = path.read_bytes()
        for how in ("truncated", "zeroed-chunk", "flipped-bytes", "flipped-header"):
            copy = tmp_path / f"{how}-{path.name}"
            copy.write_bytes(_damage_evtx(data, how, rng))
            copies.append((copy, announced(data)))
    return copies


def _json_copies(tmp_path: Path) -> list[tuple[Path, int | None]]:
    """(damaged copy, its records) of the first lines of a JSON-lines recording: cut, flipped bytes (after the
    first line, which tells the format), UTF-16 with a byte-order mark, cp1252."""
    rng = random.Random(RNG_SEED)
    source = next(path for path in ZIPS if path.name.startswith("covenant"))
    with zipfile.ZipFile(source) as archive:
        data = b"\n".join(archive.read(archive.infolist()[0]).splitlines()[:300]) + b"\n"
    first = data.index(b"\n") + 1
    cut = data[:rng.randrange(first + 1, len(data))]
    flipped = bytearray(data)
    for _ in range(6):
        flipped[rng.randrange(first, len(data))] ^= 0xFF
    text = data.decode("utf-8")
    copies: list[tuple[str, bytes, int | None]] = [
        ("cut.json", cut, json_lines(cut)), ("flipped.json", bytes(flipped), None),
        ("utf16.json", b"\xff\xfe" + text.encode("utf-16-le"), json_lines(data)),
        ("cp1252.json", text.replace("\u2019", "'").encode("cp1252", errors="replace") + "é\n".encode("cp1252"),
         json_lines(data) + 1),
    ]
    out = []
    for name, content, records in copies:
        (tmp_path / name).write_bytes(content)
        out.append((tmp_path / name, records))
    return out


def test_damaged_copies_are_accounted_for_and_the_cli_says_the_same(tmp_path):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    expected = dict(_evtx_copies(evidence) + _json_copies(evidence))
    _, report = load([evidence])
    assert_balanced(report)
    for file in report.files:
        truth = expected[Path(file.name)]
        if truth is not None and not file.skipped:  # (two damaged copies can come out the same)
            assert file.records_in == truth, (file, [r for r in report.rejects.rejects if r.file == file.name])
    assert all(reject.records >= 0 for reject in report.rejects.rejects)

    result = CliRunner().invoke(main, ["ingest", str(evidence), "--db", str(tmp_path / "store.duckdb")])
    assert result.exit_code == 0, result.output
    totals = report.totals()
    line = (f"{totals['records']:,} record(s) in: {totals['rows']:,} stored, {totals['rejected']:,} rejected, "
            f"{totals['unmapped']:,} unmapped (no table), {totals['duplicates']:,} duplicate(s)")
    assert line in re.sub(r"\s+", " ", result.stdout)
    assert totals["records"] == totals["rows"] + totals["rejected"] + totals["unmapped"] + totals["duplicates"]


def test_the_cli_summary_of_all_the_recordings(tmp_path):
    _, report = load([DATASETS])
    assert_balanced(report)
    totals = report.totals()
    result = CliRunner().invoke(main, ["ingest", str(DATASETS), "--db", str(tmp_path / "store.duckdb")])
    assert result.exit_code == 0, result.output
    assert f"{totals['records']:,} record(s) in: {totals['rows']:,} stored" in re.sub(r"\s+", " ", result.stdout)
    assert totals["rejected"] == 0 and totals["records"] > 10000
