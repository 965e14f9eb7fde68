"""The progress of reading evidence: archives count by their size on disk (never more than the total),
files done of all, and the phases after reading."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from kqlite.progress import ReadProgress, files_under


def test_archive_members_count_toward_the_archive_size_on_disk(tmp_path: Path):
    archive = tmp_path / "logs.zip"
    archive.write_bytes(b"x" * 100)
    plain = tmp_path / "sub" / "DeviceProcessEvents.csv"
    plain.parent.mkdir()
    plain.write_bytes(b"y" * 50)
    files = files_under([tmp_path])
    assert sorted(files) == sorted([archive, plain])
    progress = ReadProgress(files, redraw=0)  # drawn on every file
    try:
        task = progress.progress.tasks[0]
        assert (task.total, task.fields["files"]) == (150, 2)
        progress.advance(f"{archive}!a.evtx", 40_000)  # what members expand to is not what was read from disk
        progress.advance(f"{archive}!b.evtx", 90_000)
        assert (task.completed, task.fields["done"]) == (100, 1)
        progress.advance(str(plain), 50)
        assert (task.completed, task.fields["done"]) == (150, 2)
        progress.phase("mapping", "events to Defender tables")
        assert task.fields["phase"] == "mapping" and task.completed == task.total
        out = io.StringIO()
        Console(file=out, width=120).print(progress.progress.get_renderable())
        line = out.getvalue()
        assert "mapping" in line and "2/2 files" in line and "events to Defender tables" in line
    finally:
        progress.stop()


def test_each_input_checks_the_deadline(tmp_path: Path):
    (tmp_path / "a.csv").write_text("x\n1\n", encoding="utf-8")
    calls = []
    progress = ReadProgress(files_under([tmp_path]), check=lambda: calls.append(1))
    try:
        progress.advance(str(tmp_path / "a.csv"), 4)
    finally:
        progress.stop()
    assert calls == [1]


def test_the_bar_is_drawn_at_most_every_redraw_seconds_and_complete_at_the_next_phase(tmp_path: Path):
    files = [tmp_path / f"{index}.csv" for index in range(3)]
    for file in files:
        file.write_bytes(b"z" * 10)
    progress = ReadProgress(files, redraw=3600)
    try:
        task = progress.progress.tasks[0]
        for file in files:
            progress.advance(str(file), 10)
        assert (task.completed, task.fields["done"]) == (10, 1)  # only the first file was drawn
        progress.phase("mapping", "events to Defender tables")
        assert (task.completed, task.fields["done"]) == (30, 3)
    finally:
        progress.stop()


def test_the_progress_walk_serves_the_ingest_walk_once(tmp_path):
    from kqlite.ingest.sources import walk_files

    (tmp_path / "a.evtx").write_bytes(b"x")
    assert files_under([tmp_path]) == [tmp_path / "a.evtx"]
    (tmp_path / "b.evtx").write_bytes(b"x")  # after the progress walk: the ingest reads what the bar counted
    assert list(walk_files(tmp_path)) == [tmp_path / "a.evtx"]
    assert list(walk_files(tmp_path)) == [tmp_path / "a.evtx", tmp_path / "b.evtx"]  # kept once only
