"""Malformed input is never dropped silently: each bad record becomes a Reject, kept with file and position."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

RAW_EXCERPT = 2000  # characters of the offending record kept in the rejects file


@dataclass(frozen=True)
class Reject:
    file: str
    position: str  # "line 12", "record 9833", "row 4", "chunk 2 (bytes 69632..135168)"
    reason: str
    raw: str = ""
    records: int = 1  # the records it stands for (a damaged EVTX chunk loses many at once)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


@dataclass
class RejectLog:
    """Collects rejects in memory (they are few by nature) and writes them as JSON lines on request."""

    rejects: list[Reject] = field(default_factory=list)
    records: Counter[str] = field(default_factory=Counter)  # records rejected, by file

    def add(self, file: str, position: str, reason: str, raw: str | bytes = "", records: int = 1) -> None:
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8", errors="replace")
        self.rejects.append(Reject(file, position, reason, raw[:RAW_EXCERPT], records))
        self.records[file] += records

    def __len__(self) -> int:
        return len(self.rejects)

    def by_file(self) -> Counter[str]:
        return Counter(reject.file for reject in self.rejects)

    @property
    def total_records(self) -> int:
        """Records rejected (a reject line may stand for several)."""
        return sum(self.records.values())

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as handle:
            for reject in self.rejects:
                handle.write(reject.to_json() + "\n")
        return path
