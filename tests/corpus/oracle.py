"""Microsoft's own KQL analyzer (``shared/tools/kusto-oracle``) as an oracle for errors and output schemas.

    from oracle import Oracle, flavour_catalogs
    catalogs = flavour_catalogs(tmp_dir)                      # {"defender": dir, "sentinel": dir}
    verdicts = Oracle().analyze(catalogs["defender"], {"q1": "DeviceProcessEvents | take 1"})
    verdicts["q1"].errors, verdicts["q1"].columns             # [] and [("Timestamp", "datetime"), ...]

The oracle is a Node.js program; it installs its npm package on first use (into ``$KUSTO_ORACLE_HOME``,
default ``~/.cache/kusto-oracle``). One process analyses any number of queries against one catalog (a
folder of ``TABLE.csv`` schema files), so run it once per catalog, never once per query.

Two catalogs ("flavours") exist, built from ``shared/schemas``:

* ``defender``: the 62 Defender advanced-hunting tables, plus every Sentinel table Defender lacks;
* ``sentinel``: the 925 Sentinel tables (including the Sentinel flavour of the shared Device, Email,
  Identity... tables), plus every Defender table Sentinel lacks.

Nothing here imports kqlite.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
SHARED = PROJECT.parent / "shared"
ORACLE_DIR = SHARED / "tools" / "kusto-oracle"
ORACLE = ORACLE_DIR / "kusto-oracle"
FUNCTIONS = ORACLE_DIR / "defender_functions.json"
SCHEMAS = SHARED / "schemas"
FLAVOURS = ("defender", "sentinel")


@dataclass(frozen=True)
class Verdict:
    """What the analyzer says of one query: its errors ``(offset, message)`` and output columns."""

    id: str
    errors: tuple[tuple[int, str], ...]
    columns: tuple[tuple[str, str], ...] | None

    @property
    def accepted(self) -> bool:
        return not self.errors

    def first_error(self) -> str:
        return self.errors[0][1] if self.errors else ""


@dataclass
class Run:
    """One oracle process: its verdicts and how long it took (seconds, including a first-use install)."""

    verdicts: dict[str, Verdict]
    seconds: float
    installed: bool = field(default=False)


def unavailable_reason() -> str | None:
    """Why the oracle cannot run here, or None when it can."""
    if not SHARED.is_dir():
        return f"{SHARED} is absent (the shared schemas and tools live there)"
    if not ORACLE.exists():
        return f"the Kusto oracle is absent ({ORACLE})"
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not on PATH (the Kusto oracle is a Node.js program)"
    for flavour in FLAVOURS:
        if not (SCHEMAS / flavour).is_dir():
            return f"the {flavour} schemas are absent ({SCHEMAS / flavour})"
    return None


def _tables(folder: Path) -> dict[str, Path]:
    return {path.stem: path for path in sorted(folder.glob("*.csv"))}


def flavour_tables(flavour: str, schemas: Path = SCHEMAS) -> dict[str, Path]:
    """The schema file of every table in a flavour's catalog: that flavour's own tables first, then the
    other flavour's tables it lacks."""
    own = _tables(schemas / flavour)
    other = _tables(schemas / ("sentinel" if flavour == "defender" else "defender"))
    return own | {name: path for name, path in other.items() if name not in own}


def only_in(flavour: str, schemas: Path = SCHEMAS) -> set[str]:
    """Tables that only this flavour's own schema folder has."""
    other = "sentinel" if flavour == "defender" else "defender"
    return set(_tables(schemas / flavour)) - set(_tables(schemas / other))


def flavour_catalogs(dest: Path, schemas: Path = SCHEMAS) -> dict[str, Path]:
    """Build the two merged catalog folders (symlinks to the shared CSVs) under ``dest``."""
    out = {}
    for flavour in FLAVOURS:
        folder = Path(dest) / flavour
        folder.mkdir(parents=True, exist_ok=True)
        for name, source in flavour_tables(flavour, schemas).items():
            link = folder / f"{name}.csv"
            if not link.exists():
                try:
                    link.symlink_to(source)
                except OSError:  # a file system without symlinks: copy
                    shutil.copyfile(source, link)
        out[flavour] = folder
    return out


def read_schema(path: Path) -> list[tuple[str, str]]:
    rows = path.read_text(encoding="utf-8").strip().splitlines()[1:]
    return [tuple(part.strip() for part in row.split(",", 1)) for row in rows]  # type: ignore[misc]


class OracleError(RuntimeError):
    """The oracle process failed (not a verdict on a query: the tool itself)."""


class Oracle:
    def __init__(self, executable: Path = ORACLE, functions: Path | None = FUNCTIONS, timeout: float = 600.0):
        self.executable = executable
        self.functions = functions
        self.timeout = timeout

    def installed(self) -> bool:
        home = Path(os.environ.get("KUSTO_ORACLE_HOME", Path.home() / ".cache" / "kusto-oracle"))
        return (home / "node_modules" / "@kusto" / "language-service-next" / "package.json").exists()

    def run(self, catalog: Path, queries: dict[str, str]) -> Run:
        """Analyse every query against one catalog folder, in one process."""
        was_installed = self.installed()
        args = [str(self.executable), str(catalog)]
        if self.functions is not None:
            args.append(str(self.functions))
        stdin = "".join(json.dumps({"id": qid, "query": text}) + "\n" for qid, text in queries.items())
        began = time.perf_counter()
        try:
            done = subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=self.timeout,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise OracleError(f"the Kusto oracle took longer than {self.timeout:g} s") from None
        seconds = time.perf_counter() - began
        if done.returncode != 0:
            raise OracleError(f"the Kusto oracle exited with {done.returncode}: {done.stderr.strip()[-2000:]}")
        verdicts: dict[str, Verdict] = {}
        for line in done.stdout.splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            columns = record.get("columns")
            verdicts[record["id"]] = Verdict(
                id=record["id"],
                errors=tuple((int(offset), str(message)) for offset, message in record.get("errors") or []),
                columns=None if columns is None else tuple((str(n), str(t)) for n, t in columns),
            )
        missing = set(queries) - set(verdicts)
        if missing:
            raise OracleError(f"the Kusto oracle gave no verdict for {sorted(missing)[:5]} "
                              f"({len(missing)} queries); stderr: {done.stderr.strip()[-2000:]}")
        return Run(verdicts, seconds, installed=not was_installed)

    def analyze(self, catalog: Path, queries: dict[str, str]) -> dict[str, Verdict]:
        return self.run(catalog, queries).verdicts
