"""The progress of reading evidence, on stderr: the phase (reading, mapping, writing), files done of all,
bytes on disk done of all, the rate and the time left. Archive members count toward their archive's size on
disk, so the total is never overrun by what the archive expands to."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)


class ReadProgress:
    """`advance(name, size)` for each input read (the ingest pipeline's callback); `phase()` for the steps
    that follow reading; `stop()` at the end. `check` is called after each input (the command's deadline)."""

    def __init__(self, files: list[Path], check: Callable[[], object] | None = None):
        self._sizes = {str(path): os.path.getsize(path) for path in files}
        self._check = check
        self._counted: set[str] = set()
        self.progress = Progress(
            TextColumn("[bold]{task.fields[phase]:<8}"), BarColumn(),
            TextColumn("{task.fields[done]}/{task.fields[files]} files"), DownloadColumn(), TransferSpeedColumn(),
            TimeRemainingColumn(), TextColumn("{task.description}"), console=Console(stderr=True), transient=True)
        total = sum(self._sizes.values())
        self.task = self.progress.add_task("", total=total or None, phase="reading", done=0, files=len(files))
        self.progress.start()

    def advance(self, name: str, size: int) -> None:
        outer = name.split("!", 1)[0]
        task = self.progress.tasks[0]
        if outer not in self._counted:  # an archive counts once, by its size on disk
            self._counted.add(outer)
            step = self._sizes.get(outer, size)
            if task.total is not None:
                step = min(step, max(task.total - task.completed, 0))
            self.progress.update(self.task, advance=step, done=task.fields["done"] + 1)
        member = f" ({Path(name.split('!')[-1]).name})" if "!" in name else ""
        self.progress.update(self.task, description=Path(outer).name + member)
        if self._check is not None:
            self._check()

    def phase(self, name: str, description: str) -> None:
        """A step after reading (mapping events to tables, writing a store): its name; the bar is full."""
        task = self.progress.tasks[0]
        self.progress.update(self.task, phase=name, description=description,
                             completed=task.total if task.total is not None else task.completed)

    def stop(self) -> None:
        self.progress.stop()


def files_under(paths: list[Path]) -> list[Path]:
    """The files the inputs stand for (folders walked as the pipeline walks them)."""
    from kqlite.ingest.sources import walk_files

    files: list[Path] = []
    for path in paths:
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(p for p in walk_files(path) if isinstance(p, Path))
    return files


