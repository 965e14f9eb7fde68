"""The progress of reading evidence, on stderr: the phase (reading, mapping, writing), files done of all,
bytes on disk done of all, the rate and the time left. Archive members count toward their archive's size on
disk, so the total is never overrun by what the archive expands to."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

_DRAW_EVERY = 0.1  # seconds


class ReadProgress:
    """`advance(name, size)` for each input read (the ingest pipeline's callback); `phase()` for the steps
    that follow reading; `stop()` at the end. `check` is called after each input (the command's deadline)."""

    def __init__(self, files: list[Path], check: Callable[[], object] | None = None, redraw: float = _DRAW_EVERY):
        """`redraw`: seconds between two drawings of the bar (rich's update costs 0.1 ms: 0.5 s over 4,800 files)."""
        self._redraw = redraw
        self._sizes = {str(path): os.path.getsize(path) for path in files}
        self._check = check
        self._counted: set[str] = set()
        self._done_bytes = self._done_files = 0
        self._last = ""
        self._next_draw = 0.0
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]{task.fields[phase]:<8}"), BarColumn(),
            TextColumn("{task.fields[done]}/{task.fields[files]} files"), DownloadColumn(), TransferSpeedColumn(),
            TimeRemainingColumn(), TextColumn("{task.description}"), console=Console(stderr=True), transient=True)
        total = sum(self._sizes.values())
        self.task = self.progress.add_task("", total=total or None, phase="reading", done=0, files=len(files))
        self.progress.start()

    def advance(self, name: str, size: int) -> None:
        outer = name.split("!", 1)[0]
        if outer not in self._counted:  # an archive counts once, by its size on disk
            self._counted.add(outer)
            self._done_bytes += self._sizes.get(outer, size)
            self._done_files += 1
        self._last = name
        now = time.monotonic()
        if now >= self._next_draw:  # not on every file of a folder of thousands of small logs
            self._next_draw = now + self._redraw
            self._draw()
        if self._check is not None:
            self._check()

    def _draw(self) -> None:
        task = self.progress.tasks[0]
        completed = self._done_bytes if task.total is None else min(self._done_bytes, task.total)
        outer = self._last.split("!", 1)[0]
        member = f" ({Path(self._last.split('!')[-1]).name})" if "!" in self._last else ""
        self.progress.update(self.task, completed=completed, done=self._done_files,
                             description=Path(outer).name + member)

    def phase(self, name: str, description: str) -> None:
        """A step after reading (mapping events to tables, writing a store): its name; the bar is full."""
        self._draw()
        task = self.progress.tasks[0]
        self.progress.update(self.task, phase=name, description=description,
                             completed=task.total if task.total is not None else task.completed)

    def stop(self) -> None:
        self.progress.stop()


class QuietProgress:
    """ReadProgress's calls where no one watches (stderr is not a terminal, where a bar cannot be redrawn):
    only the check after each input (the command's deadline)."""

    def __init__(self, check: Callable[[], object] | None = None):
        self._check = check

    def advance(self, name: str, size: int) -> None:
        if self._check is not None:
            self._check()

    def phase(self, name: str, description: str) -> None:
        pass

    def stop(self) -> None:
        pass


def files_under(paths: list[Path]) -> list[Path]:
    """The files the inputs stand for (folders walked as the pipeline walks them)."""
    from kqlite.ingest.sources import walk_files

    files: list[Path] = []
    for path in paths:
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(p for p in walk_files(path, keep=True) if isinstance(p, Path))
    return files


