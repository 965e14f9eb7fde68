"""The ``kqlite`` command line: ``query`` (ad-hoc KQL), ``explain`` (what a query becomes), ``hunt`` (the rule).

A ``KqlError`` is printed to stderr (its message already points at line and column) and the command
exits with code 2, without a traceback. Value formatting lives in ``kqlite.formatting``.
"""

from __future__ import annotations

import csv
import functools
import gc
import json
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

import kqlite
from kqlite.detections import SEVERITIES
from kqlite.errors import KqlError, KqlResourceError
from kqlite.formatting import row_to_json, to_text

if TYPE_CHECKING:  # rich is imported where something is drawn: json, csv and --help do without it
    from rich.console import Console

DATA_SUFFIXES = (".parquet", ".csv", ".json", ".jsonl")
DEFAULT_REJECTS = "kqlite-rejects.jsonl"
# The alert view of `hunt`: the seed rule's rows have ~60 columns; these tell the story.
ALERT_COLUMNS = {
    "Timestamp": "Timestamp",
    "DeviceName": "Device",
    "InitiatingProcessFileName": "DCOM server",
    "FileName": "Child process",
    "ProcessCommandLine": "Command line",
    "AccountName": "Account",
    "RemoteIP": "Remote IP",
    "RemotePort": "Remote port",
}


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("kqlite")
    except metadata.PackageNotFoundError:
        return getattr(kqlite, "__version__", "unknown")


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """--version, as click's version_option prints it; the installed version is looked up only when asked."""
    if value and not ctx.resilient_parsing:
        click.echo(f"kqlite, version {_version()}")
        ctx.exit()


def _stderr(message: str, style: str) -> None:
    """A styled message on stderr, never wrapped (a wrapped query line would move the caret under it)."""
    from rich.console import Console
    from rich.text import Text

    Console(stderr=True).print(Text(message, style=style), soft_wrap=True)


# --- options ------------------------------------------------------------------------------------------


def _parse_tables(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> dict[str, Path]:
    tables: dict[str, Path] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise click.BadParameter(f"{value!r} is not NAME=PATH", ctx, param)
        tables[name.strip()] = _data_file(Path(path.strip()), ctx, param)
    return tables


def _data_file(path: Path, ctx: click.Context, param: click.Parameter) -> Path:
    if not path.is_file():
        raise click.BadParameter(f"{path} is not a file", ctx, param)
    if path.suffix.lower() not in DATA_SUFFIXES:
        raise click.BadParameter(f"{path}: kqlite reads {', '.join(DATA_SUFFIXES)} files", ctx, param)
    return path


READ_FOLDER = "*"  # the key under which --data hands on a folder to read like a PATH argument


def _scan_data_dir(ctx: click.Context, param: click.Parameter, directory: Path | None) -> dict[str, Path]:
    """``<TableName>.parquet|.csv|.json|.jsonl`` files of a folder, by table name. A folder where no such file
    names a known table (a Streaming API export, Sysmon XML, EVTX, ...) is read like a PATH argument; an empty
    one is refused."""
    from kqlite.schemas import known_tables

    if directory is None:
        return {}
    tables: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.suffix.lower() not in DATA_SUFFIXES:
            continue
        if path.stem in tables:
            raise click.BadParameter(
                f"two files for table {path.stem}: {tables[path.stem].name}, {path.name}", ctx, param
            )
        tables[path.stem] = path
    if not set(tables) & set(known_tables()):
        if not any(path.is_file() for path in directory.rglob("*")):
            raise click.BadParameter(f"no {', '.join(DATA_SUFFIXES)} files in {directory}", ctx, param)
        return {READ_FOLDER: directory}
    return tables


def data_options(command: Callable) -> Callable:
    """``--data DIR`` and ``--table NAME=PATH``, merged into one ``tables`` argument (``--table`` wins)."""

    @click.option(
        "--data",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        callback=_scan_data_dir,
        help="Folder of <TableName>.parquet|.csv|.json|.jsonl files, each attached as a table (a folder "
             "without such files is read like a PATH).",
    )
    @click.option(
        "--table",
        "tables",
        multiple=True,
        metavar="NAME=PATH",
        callback=_parse_tables,
        help="Attach one file as a table.",
    )
    @functools.wraps(command)
    def wrapper(*args: Any, data: dict[str, Path], tables: dict[str, Path], **kwargs: Any) -> Any:
        if READ_FOLDER in data:
            kwargs["paths"] = [*kwargs.get("paths", ()), data.pop(READ_FOLDER)]
        return command(*args, tables={**data, **tables}, **kwargs)

    return wrapper


def query_text_options(command: Callable) -> Callable:
    """``QUERY [PATH...]`` or ``-f FILE [PATH...]``, merged into ``text`` and ``paths`` arguments."""

    @click.argument("arguments", nargs=-1, metavar="[QUERY] [PATH]...")
    @click.option(
        "-f",
        "--file",
        "query_file",
        type=click.File("r", encoding="utf-8-sig"),
        help="Read the query from FILE ('-' for stdin); the arguments are then all data paths.",
    )
    @functools.wraps(command)
    def wrapper(*args: Any, arguments: tuple[str, ...], query_file: Any, **kwargs: Any) -> Any:
        if query_file is None and not arguments:
            raise click.UsageError("give the query either as an argument or with -f FILE")
        if query_file is not None:
            text, paths = query_file.read(), list(arguments)
        else:
            text, paths = arguments[0], list(arguments[1:])
            _not_a_path(text)
        return command(*args, text=text, paths=_existing_paths(paths), **kwargs)

    return wrapper


def _not_a_path(text: str) -> None:
    """A file or folder given where the query belongs is a usage error that says what to do."""
    if "\n" in text or "|" in text or len(text) > 4096:
        return
    path = Path(text)
    try:
        exists = path.exists() and (path.is_dir() or path.suffix != "")
    except OSError:
        return
    if not exists:
        return
    if path.is_file() and path.suffix.lower() in (".kql", ".csl", ".txt", ".kusto"):
        raise click.UsageError(f"{text} is a file: to run the query it holds, use -f {text} [PATH]...")
    raise click.UsageError(f"{text} is data, not a query: the query comes first, then the data paths "
                           f"(e.g. kqlite query 'DeviceProcessEvents | take 10' {text}), or -f FILE for a query "
                           "in a file")


def _existing_paths(paths: Sequence[str]) -> list[Path]:
    missing = [path for path in paths if not Path(path).exists()]
    if missing:
        raise click.UsageError(
            f"{missing[0]}: no such file or folder (data paths follow the query, or all arguments with -f FILE)")
    return [Path(path) for path in paths]


def store_options(command: Callable) -> Callable:
    """``--db FILE`` (a store made by ``kqlite ingest``), ``--rejects FILE`` and the resource limits."""

    @click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
                  help="A kqlite store (DuckDB file) made by 'kqlite ingest --db'.")
    @click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path),
                  help=f"Where malformed input records are written [default: ./{DEFAULT_REJECTS} when there are any].")
    @resource_options
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return command(*args, **kwargs)

    return wrapper


def resource_options(command: Callable) -> Callable:
    @click.option("--memory-limit", metavar="SIZE", help="DuckDB memory limit, e.g. 4GB; larger work spills to disk.")
    @click.option("--threads", type=click.IntRange(min=1), help="Worker threads DuckDB may use [default: all cores].")
    @click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
                  help="Stop the command when reading, compiling and running take longer than this.")
    @functools.wraps(command)
    def wrapper(*args: Any, memory_limit: str | None, threads: int | None, timeout: float | None, **kwargs: Any) -> Any:
        _DEADLINE.start(timeout)
        limits = {"memory_limit": memory_limit, "threads": threads}
        return command(*args, limits={k: v for k, v in limits.items() if v is not None}, **kwargs)

    return wrapper


class _Deadline:
    """One time budget for the whole command (--timeout): reading the evidence, then each query."""

    def __init__(self) -> None:
        self.timeout: float | None = None
        self.at: float | None = None

    def start(self, timeout: float | None) -> None:
        self.timeout, self.at = timeout, (time.monotonic() + timeout if timeout else None)

    def remaining(self, doing: str) -> float | None:
        if self.at is None:
            return None
        left = self.at - time.monotonic()
        if left <= 0:
            raise KqlResourceError(f"{doing} ran past the {self.timeout:g} s timeout and was stopped; allow more time "
                                   "(--timeout) or give less data")
        return left


_DEADLINE = _Deadline()


@dataclass
class QuerySettings:
    """How queries run: their flavour, clock, parameters, and where externaldata may read."""

    flavour: str = "auto"
    now: datetime | None = None
    params: dict[str, str] = field(default_factory=dict)
    allow_paths: list[Path] = field(default_factory=list)
    offline: bool = False
    local_utc_offset: timedelta | None = None
    backend: str = "duckdb"
    geoip_database: Path | None = None  # geo_info_from_ip_address()'s MaxMind database
    allow_python: bool = False  # evaluate python() may run its script on this machine


def _parse_params(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{value!r} is not NAME=VALUE", ctx, param)
        params[name.strip()] = text
    return params


def _parse_now(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    from kqlite.syntax import parse

    try:  # KQL's own datetime literal: 2024-05-01, 2024-05-01T10:00:00Z, 2024-05-01 10:00 ...
        expr = parse(f"print datetime({value})").statements[0].expr  # type: ignore[attr-defined]
        printed = expr.source if hasattr(expr, "source") else expr
        literal = printed.items[0].expr
        if isinstance(getattr(literal, "value", None), datetime):
            return literal.value
    except KqlError:
        pass
    raise click.BadParameter(f"{value!r} is not a datetime (e.g. 2024-05-01T10:00:00Z)", ctx, param)


def _parse_offset(ctx: click.Context, param: click.Parameter, value: str | None) -> timedelta | None:
    if value is None:
        return None
    import re

    match = re.fullmatch(r"(?:UTC)?([+-])(\d{1,2})(?::?(\d{2}))?", value.strip(), re.IGNORECASE)
    if not match or int(match.group(2)) > 14 or int(match.group(3) or 0) > 59:
        raise click.BadParameter(f"{value!r} is not a UTC offset like +01:00 or -05:30", ctx, param)
    offset = timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
    return -offset if match.group(1) == "-" else offset


local_offset_option = click.option(
    "--local-utc-offset", "local_utc_offset", metavar="+HH:MM", callback=_parse_offset,
    help="The UTC offset of the browser that exported a Log Analytics CSV with '[Local Time]' columns.")


def query_settings_options(command: Callable) -> Callable:
    """``--flavour``, ``--now``, ``--param``, ``--allow-path`` and ``--offline``, as one ``settings`` argument."""

    @click.option("--flavour", type=click.Choice(["auto", "defender", "sentinel"]), default="auto",
                  show_default=True,
                  help="Which product's table columns a query sees (auto: from the tables and columns it names).")
    @click.option("--now", "now", metavar="DATETIME", callback=_parse_now,
                  help="Fix now() and ago() to this instant (like 'set query_now'), to hunt old evidence.")
    @click.option("--param", "params", multiple=True, metavar="NAME=VALUE", callback=_parse_params,
                  help="A value for a parameter of 'declare query_parameters(...)'.")
    @click.option("--allow-path", "allow_paths", multiple=True,
                  type=click.Path(exists=True, file_okay=False, path_type=Path),
                  help="A folder externaldata may read (besides the data folders and the current one).")
    @click.option("--offline", is_flag=True,
                  help="externaldata never downloads: http(s) URLs are read from the download cache only.")
    @click.option("--backend", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
                  help="The engine: DuckDB, embedded; or Apache Spark (a local session; docs/spark.md).")
    @click.option("--geoip-database", "geoip_database", metavar="MMDB",
                  type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="A MaxMind City database (GeoLite2-City.mmdb) for geo_info_from_ip_address() "
                       "(default: $KQLITE_GEOIP_DATABASE).")
    @click.option("--allow-python", "allow_python", is_flag=True,
                  help="Let `evaluate python()` run the query's Python script on this machine (off by default: "
                       "the script can do anything you can).")
    @local_offset_option
    @functools.wraps(command)
    def wrapper(*args: Any, flavour: str, now: datetime | None, params: dict[str, str], allow_paths: tuple[Path, ...],
                offline: bool, local_utc_offset: timedelta | None, backend: str, geoip_database: Path | None,
                allow_python: bool, **kwargs: Any) -> Any:
        settings = QuerySettings(flavour, now, params, list(allow_paths), offline, local_utc_offset, backend,
                                 geoip_database, allow_python)
        return command(*args, settings=settings, **kwargs)

    return wrapper


@dataclass
class Output:
    """Where and how results are written: the format, the terminal view, a file, the pager."""

    format: str = "table"
    view: Any = None  # kqlite.render.View (--format table)
    path: Path | None = None
    pager: bool = True

    _file: Any = field(default=None, init=False, repr=False)

    def console(self) -> Console:
        from rich.console import Console

        if self.path is None:
            return Console()
        width = max(shutil.get_terminal_size((120, 40)).columns, 80)
        return Console(file=self.text_stream(), width=width, color_system=None)

    def text_stream(self) -> Any:
        """stdout, or the -o file: opened once, closed when the command ends."""
        if self.path is None:
            return sys.stdout
        if self._file is None:
            self._file = self.path.open("w", encoding="utf-8", newline="")
            click.get_current_context().call_on_close(self._file.close)
        return self._file


def _check_tz(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"{value!r} is not a time zone (an IANA name, e.g. Europe/Paris or UTC)",
                                 ctx, param) from None
    return value


def output_options(command: Callable) -> Callable:
    """``--format``, ``--max-rows``, ``--wide``, ``--tz``, ``-o FILE`` and ``--no-pager``, as one ``output``."""

    @click.option("--format", "output_format", type=click.Choice(["table", "json", "csv"]), default="table",
                  show_default=True, help="table: for the terminal; json: one JSON object per row; csv: with a header.")
    @click.option("--max-rows", type=click.IntRange(min=1), default=100, show_default=True,
                  help="Rows shown by --format table.")
    @click.option("--wide", is_flag=True, help="Show long values whole (wrapped) instead of cut with an ellipsis.")
    @click.option("--tz", callback=_check_tz, metavar="ZONE",
                  help="Show datetimes in this time zone (table view; results and json/csv stay UTC).")
    @click.option("-o", "--output", "output_path", type=click.Path(dir_okay=False, path_type=Path),
                  help="Write the results to FILE instead of the terminal (any format).")
    @click.option("--no-pager", is_flag=True, help="Never page long results on a terminal.")
    @functools.wraps(command)
    def wrapper(*args: Any, output_format: str, max_rows: int, wide: bool, tz: str | None,
                output_path: Path | None, no_pager: bool, **kwargs: Any) -> Any:
        view = None
        if output_format == "table":  # the terminal view: kqlite.render draws with rich, json and csv do without
            from kqlite.render import View

            view = View(max_rows, wide, tz)
        output = Output(output_format, view, output_path, not no_pager)
        if output_path is not None:
            output.text_stream()  # one run, one file: emptied now, even if the run writes nothing
        return command(*args, output=output, **kwargs)

    return wrapper


# --- running ---------------------------------------------------------------------------------------------


@contextmanager
def kql_errors() -> Iterator[None]:
    """Turn a KqlError into a red message on stderr and exit code 2."""
    try:
        yield
    except KqlError as error:
        _stderr(f"error: {error}", "red")
        click.get_current_context().exit(2)


@dataclass
class Inputs:
    """Where a command's data comes from: attached files and tables, read paths, and a store."""

    tables: dict[str, Any]
    paths: list[Path]
    db: Path | None
    rejects_path: Path | None
    limits: dict[str, Any]
    settings: QuerySettings = field(default_factory=QuerySettings)


def _connect(inputs: Inputs) -> Any:
    from kqlite.external.policy import ExternalPolicy  # not the package: its readers import Arrow and http

    tables = {name: str(source) if isinstance(source, Path) else source for name, source in inputs.tables.items()}
    if inputs.paths:
        tables = {**read_paths(inputs.paths, inputs.rejects_path, inputs.settings.local_utc_offset), **tables}
    if inputs.db is not None and not inputs.db.exists() and inputs.settings.backend == "duckdb":
        raise KqlError(f"{inputs.db}: no such store (make one with 'kqlite ingest PATH... --db {inputs.db}')")
    database = inputs.db if inputs.db is not None else ":memory:"
    settings = inputs.settings
    # externaldata reads only inside the folders the user gave: evidence, data files, --allow-path, and here
    folders = [p if p.is_dir() else p.parent for p in inputs.paths]
    folders += [Path(s).parent for s in inputs.tables.values() if isinstance(s, Path)]
    policy = ExternalPolicy.default([*folders, *settings.allow_paths])
    policy.offline = settings.offline
    if settings.backend == "spark":
        return _connect_spark(inputs, tables, policy)
    return kqlite.connect(database, tables=tables, read_only=inputs.db is not None, flavour=settings.flavour,
                          now=settings.now, external_policy=policy, geoip_database=settings.geoip_database,
                          allow_python=settings.allow_python, **inputs.limits)


def _connect_spark(inputs: Inputs, tables: dict[str, Any], policy: Any) -> Any:
    """A Spark connection over a local session: data files are read by Spark where they are, evidence (EVTX,
    exports) is read by kqlite first."""
    if inputs.db is not None:
        raise KqlError("--db is a DuckDB store: with --backend spark give the data as files (--data, --table)")
    settings = inputs.settings
    try:
        return kqlite.connect(backend="spark", tables=tables, flavour=settings.flavour, now=settings.now,
                              external_policy=policy, geoip_database=settings.geoip_database,
                              allow_python=settings.allow_python)
    except ImportError:
        raise KqlError("--backend spark needs pyspark: pip install 'kqlite[spark]'") from None


def read_paths(paths: list[Path], rejects_path: Path | None,
               local_utc_offset: timedelta | None = None) -> dict[str, Any]:
    """Files and folders of any supported format, read in memory (an ingest without a store)."""
    from kqlite.ingest.pipeline import Ingest

    progress = _read_progress(paths)
    run = Ingest(progress=progress.advance, local_utc_offset=local_utc_offset, archives=_ARCHIVES.limits())
    try:
        run.add(paths)
        progress.phase("mapping", "events to Defender tables")
        tables = run.tables()
    finally:
        run.close()
        progress.stop()
    _READ.report = run.report
    summary = ", ".join(f"{name} ({count:,} rows)" for name, count in run.report.rows.items()) or "no rows"
    note(f"Read {sum(1 for f in run.report.files if not f.skipped)} file(s): {summary}")
    note(accounting_line(run.report))
    report_rejects(run.report, rejects_path)
    return tables


class _ArchiveSettings:
    """--password and --max-expand, for the archives this command opens."""

    passwords: tuple[str, ...] = ()
    max_expand: int | None = None

    def limits(self) -> Any:
        from kqlite.ingest.sources import DEFAULT_PASSWORDS, ArchiveLimits

        limits = ArchiveLimits(passwords=(*(p.encode() for p in self.passwords), *DEFAULT_PASSWORDS))
        if self.max_expand is not None:
            limits.member = limits.total = self.max_expand
        return limits


_ARCHIVES = _ArchiveSettings()


def _parse_size(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    import re

    units = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", value, re.IGNORECASE)
    if not match:
        raise click.BadParameter(f"{value!r} is not a size like 8GiB or 500MB", ctx, param)
    return int(float(match.group(1)) * units[match.group(2).lower()])


def archive_options(command: Callable) -> Callable:
    """``--password`` (encrypted zip members; 'infected' is always tried) and ``--max-expand`` (archive caps)."""

    @click.option("--password", "passwords", multiple=True, metavar="TEXT",
                  help="Password of encrypted zip members (ZipCrypto); 'infected' is tried anyway.")
    @click.option("--max-expand", callback=_parse_size, metavar="SIZE",
                  help="How far archives may expand, per member and in all [default: 4GiB].")
    @functools.wraps(command)
    def wrapper(*args: Any, passwords: tuple[str, ...], max_expand: int | None, **kwargs: Any) -> Any:
        _ARCHIVES.passwords, _ARCHIVES.max_expand = passwords, max_expand
        return command(*args, **kwargs)

    return wrapper


class _ReadHolder:
    report: Any = None  # the IngestReport of the paths this command read


_READ = _ReadHolder()


def accounting_line(report: Any) -> str:
    """What became of the records of the files read: in = stored + rejected + unmapped + duplicates."""
    totals = report.totals()
    return (f"{totals['records']:,} record(s) in: {totals['rows']:,} stored, {totals['rejected']:,} rejected, "
            f"{totals['unmapped']:,} unmapped (no table), {totals['duplicates']:,} duplicate(s)")


def report_rejects(report: Any, rejects_path: Path | None) -> None:
    skipped: dict[str, list[str]] = {}
    for file in report.files:
        if file.skipped:
            skipped.setdefault(file.skipped, []).append(Path(file.name.split("!")[-1]).name)
    for reason, names in skipped.items():
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        note(f"skipped {len(names)} file(s), {reason}: {shown}")
    for warning in report.warnings:
        _stderr(f"warning: {warning}", "yellow")
    if not report.rejects:
        return
    path = report.rejects.write(rejects_path or Path(DEFAULT_REJECTS))
    counts = ", ".join(f"{Path(name).name}: {count}" for name, count in report.rejects.by_file().most_common(5))
    lost = report.rejects.total_records
    records = f" standing for {lost:,} records" if lost != len(report.rejects) else ""
    _stderr(f"{len(report.rejects)} malformed record(s){records} kept aside in {path} ({counts})", "yellow")


NOTHING_USABLE_EXIT = 3  # the exit code of a hunt or query whose evidence holds none of the tables it reads


def nothing_usable(inputs: Inputs, *texts: str) -> str | None:
    """Why queries over PATHs had nothing to look at (none of the tables they read got a row from what was
    read, and nothing else was attached), naming what was read; None when they had data."""
    report = _READ.report
    if report is None or not inputs.paths or inputs.tables or inputs.db is not None:
        return None
    wanted: list[str] = []
    try:
        connection = kqlite.connect()
        for text in texts:
            wanted += connection.explain(text, params=inputs.settings.params or None).tables
    except KqlError:
        return None
    wanted = sorted(set(wanted))
    if not wanted or any(report.rows.get(table) for table in wanted):
        return None
    read = [file for file in report.files if not file.skipped]
    formats = ", ".join(f"{kind} ({count})" for kind, count in Counter(file.format for file in read).most_common())
    rows = ", ".join(f"{name} ({count:,})" for name, count in report.rows.items()) or "none"
    reader = "the query reads" if len(texts) == 1 else "the rules read"
    lines = [f"nothing to look at: none of the tables {reader} ({', '.join(wanted)}) got a row",
             f"  read {len(read)} file(s){': ' + formats if formats else ''}; rows by table: {rows}",
             f"  {accounting_line(report)}"]
    if report.unmapped_events:
        kinds = ", ".join(f"{kind} ({count:,})" for kind, count in report.unmapped_events.most_common(3))
        lines.append(f"  Windows events with no table here: {kinds}")
    skipped = Counter(file.skipped for file in report.files if file.skipped)
    lines += [f"  skipped {count} file(s): {reason}" for reason, count in skipped.items()]
    return "\n".join(lines)


def _exit_if_nothing_usable(inputs: Inputs, *texts: str) -> None:
    message = nothing_usable(inputs, *texts)
    if message is not None:
        _stderr(message, "yellow")
        click.get_current_context().exit(NOTHING_USABLE_EXIT)


def _read_progress(paths: list[Path]) -> Any:
    """A progress bar of the reading on stderr when it is a terminal; else nothing is drawn (no rich imported:
    a bar cannot be redrawn there), only the deadline checked after each input."""
    from kqlite.progress import QuietProgress, ReadProgress, files_under

    check = lambda: _DEADLINE.remaining("reading the evidence")  # noqa: E731
    return ReadProgress(files_under(paths), check=check) if sys.stderr.isatty() else QuietProgress(check)


def run_query(inputs: Inputs, text: str, connection: Any = None) -> Any:
    """The query's kqlite.Result (its notes printed on stderr)."""
    with kql_errors():
        connection = connection or _connect(inputs)
        result = connection.query(text, params=inputs.settings.params or None,
                                  timeout=_DEADLINE.remaining("reading the evidence"))
        print_notes(result.notes)
        return result


def stream_query(inputs: Inputs, text: str, connection: Any, output: Output) -> None:
    """Run a query and write its rows as json or csv as DuckDB makes them: never the whole result in memory.
    A query of several tables (fork, facet) writes each after its name on stderr."""
    with kql_errors():
        if _several_tables(text):
            result = run_query(inputs, text, connection)  # prints the first table's notes
            for table in result.tables:
                note(f"Table {table.name}")
                if table is not result:
                    print_notes(table.notes)
                write_rows(table.columns, table.iter_batches(), output.format, output.text_stream())
            return
        rows = connection.stream(text, params=inputs.settings.params or None,
                                 timeout=_DEADLINE.remaining("reading the evidence"))
        with rows:
            print_notes(rows.notes)
            known = len(rows.notes)
            write_rows(rows.columns, rows, output.format, output.text_stream())
        print_notes(rows.notes[known:])  # found once every row was seen (the clock hint)


def _several_tables(text: str) -> bool:
    """The query ends with fork, facet or funnel_sequence: its answer is several tables."""
    from kqlite.syntax import ast, parse

    return ast.script_ends_in_several_tables(parse(text))


def print_notes(notes: Sequence[str]) -> None:
    for message in notes:
        _stderr(f"note: {message}", "yellow")


def _query_heading(piece: Any, number: int) -> str:
    """`Query 2 (line 14): <its first comment or line>`."""
    lines = [line.strip() for line in piece.text.splitlines() if line.strip()]
    first = next((line.lstrip("/").strip() for line in lines if line.startswith("//")), lines[0] if lines else "")
    return f"Query {number} (line {piece.line}): {first[:70]}"


# --- output ------------------------------------------------------------------------------------------------


def print_result(result: Any, output: Output, title: str | None = None,
                 headers: Sequence[str] | None = None) -> None:
    """A result in the output's format: rows streamed batch by batch for json and csv (never all of them in
    Python at once), the terminal view for table (paged when taller than the terminal)."""
    if output.format != "table":
        write_rows(result.columns, result.iter_batches(), output.format, output.text_stream())
        return
    from rich.text import Text

    from kqlite.render import render

    rows = result.head(output.view.max_rows)
    columns = list(headers or result.columns)
    console = output.console()
    if output.path is None and output.pager and console.is_terminal and not console.is_dumb_terminal:
        with console.capture() as captured:
            render(console, columns, result.types, rows, len(result), output.view, title)
        text = captured.get()
        if text.count("\n") > console.height:
            os.environ.setdefault("LESS", "-R -F -X -S")  # colours kept; one screen: no pager
            with console.pager(styles=True):
                console.print(Text.from_ansi(text), end="", soft_wrap=True)
        else:
            console.print(Text.from_ansi(text), end="", soft_wrap=True)
    else:
        render(console, columns, result.types, rows, len(result), output.view, title)


def write_rows(columns: Sequence[str], batches: Any, output_format: str, stream: Any) -> None:
    """JSON lines or CSV (with a header), a batch of rows at a time."""
    columns = list(columns)
    writer = csv.writer(stream, lineterminator="\n") if output_format == "csv" else None
    if writer is not None:
        writer.writerow(columns)
    for batch in batches:
        if writer is not None:
            writer.writerows([to_text(value) for value in row] for row in batch)
        else:
            stream.write("".join(row_to_json(columns, row) + "\n" for row in batch))


def note(message: str) -> None:
    """A remark for the user on stderr, so that json and csv on stdout stay clean."""
    _stderr(message, "dim")


# --- commands ------------------------------------------------------------------------------------------------


_ENDS_PROCESS = False  # the command runs standalone (see _Commands.__call__): it ends the process


class _Commands(click.Group):
    """The commands, some imported only when used: `generate` pulls in pandas and numpy, which every other
    command would otherwise pay for at start-up."""

    # name -> (module, attribute, the command's help: what `kqlite --help` lists without importing it)
    lazy = {"generate": ("kqlite.generate.command", "generate", "Generate synthetic Defender telemetry with labelled "
                         "DCOM lateral-movement scenarios (and labels.jsonl).")}
    _listing = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The `kqlite` command itself (a test's CliRunner calls `main`, not this). When it ends the process
        (standalone, it always does, by SystemExit), its objects are frozen first, which spares the interpreter's
        shutdown a garbage collection over every object DuckDB, SQLGlot and rich made (0.03 s, a tenth of a
        small query). Exit handlers still run and objects are still released; only objects kept alive by
        reference cycles are left to the operating system. The commands close what they write (stores, files)
        before they return. A program that calls it with standalone_mode=False goes on: nothing is frozen."""
        global _ENDS_PROCESS
        ends, _ENDS_PROCESS = _ENDS_PROCESS, kwargs.get("standalone_mode", True)
        try:
            return super().__call__(*args, **kwargs)
        except SystemExit:
            gc.freeze()
            raise
        finally:
            _ENDS_PROCESS = ends

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            self._listing = False

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module, attribute, summary = self.lazy[name]
            if self._listing:  # a stand-in with the same help: the list shows its first sentence
                return click.Command(name, help=summary)
            import importlib

            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version and exit.")
def main() -> None:
    """Run Microsoft Defender advanced-hunting KQL offline, with Kusto semantics, on DuckDB."""


@main.command()
@query_text_options
@data_options
@store_options
@query_settings_options
@output_options
@archive_options
@click.option("--select", "select", type=click.IntRange(min=1), metavar="N",
              help="Of a text holding several queries (separated by blank lines), run only the N-th.")
def query(text: str, paths: list[Path], tables: dict[str, Path], db: Path | None, rejects_path: Path | None,
          limits: dict[str, Any], settings: QuerySettings, output: Output, select: int | None) -> None:
    """Run a KQL query (QUERY, or -f FILE) over data files and folders (PATH...), a store or attached tables.

    A text with several queries separated by blank lines (as the Defender portal and Kusto.Explorer keep them)
    runs each, its result under its own heading; --select N runs one."""
    from kqlite.syntax.split import split_queries

    queries = split_queries(text) or [None]
    if select is not None:
        if select > len(queries):
            raise click.BadParameter(f"the text holds {len(queries)} quer{'y' if len(queries) == 1 else 'ies'}",
                                     param_hint="--select")
        queries = [queries[select - 1]]
    inputs = Inputs(tables, paths, db, rejects_path, limits, settings)
    with kql_errors():
        connection = _connect(inputs)
    for index, piece in enumerate(queries):
        query_text = text if piece is None else piece.positioned()
        heading = _query_heading(piece, select or index + 1) if len(queries) > 1 else None
        if heading and output.format != "table":
            note(heading)
        if output.format == "table":
            result = run_query(inputs, query_text, connection)
            for table in result.tables:  # several (fork, facet, funnel_sequence), each under its name
                if table is not result:
                    print_notes(table.notes)
                title = heading if not result.more else " - ".join(filter(None, [heading, f"Table {table.name}"]))
                print_result(table, output, title=title)
        else:
            stream_query(inputs, query_text, connection, output)
    if len(queries) == 1:
        _exit_if_nothing_usable(inputs, text)  # the exit code tells a script that there was nothing to query


@main.command()
@query_text_options
@data_options
@store_options
@query_settings_options
def explain(text: str, paths: list[Path], tables: dict[str, Path], db: Path | None, rejects_path: Path | None,
            limits: dict[str, Any], settings: QuerySettings) -> None:
    """Show the tables, operators and DuckDB SQL of a KQL query."""
    from rich.console import Console
    from rich.syntax import Syntax
    from rich.text import Text

    with kql_errors():
        plan = _connect(Inputs(tables, paths, db, rejects_path, limits, settings)).explain(
            text, params=settings.params or None)
    console = Console()
    console.print(Text.assemble(("Tables:    ", "bold"), ", ".join(plan.tables)))
    console.print(Text.assemble(("Flavour:   ", "bold"), plan.flavour))
    console.print(Text.assemble(("Operators: ", "bold"), ", ".join(plan.operators)))
    for message in plan.notes:
        console.print(Text.assemble(("Note:      ", "bold"), message))
    console.print(Text("SQL:", style="bold"))
    if console.is_terminal:
        console.print(Syntax(plan.sql, "sql", word_wrap=True))
    else:
        click.echo(plan.sql)


def rule_options(command: Callable) -> Callable:
    """``--rules DIR`` (repeatable), ``--rule ID`` (repeatable) and ``--min-severity``, as ``rules``."""

    @click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
                  help="A folder of your own .kql rules, besides kqlite's (repeatable).")
    @click.option("--rule", "rule_ids", multiple=True, metavar="ID", help="Run only this rule (repeatable).")
    @click.option("--min-severity", type=click.Choice(SEVERITIES), help="Only alerts of this severity or higher.")
    @functools.wraps(command)
    def wrapper(*args: Any, rule_dirs: tuple[Path, ...], rule_ids: tuple[str, ...], min_severity: str | None,
                **kwargs: Any) -> Any:
        from kqlite.detections import load_rules, select_rules

        with kql_errors():
            rules = select_rules(load_rules(list(rule_dirs)), list(rule_ids), min_severity)
        return command(*args, rules=rules, min_severity=min_severity, **kwargs)

    return wrapper


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@data_options
@store_options
@query_settings_options
@rule_options
@click.option("--site", "site_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A site file (TOML) of what is normal here: alerts it allows are suppressed (docs/alerts.md).")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a self-contained HTML report: summary, timeline, each alert's chain drawn.")
@output_options
@archive_options
def hunt(paths: tuple[Path, ...], tables: dict[str, Any], db: Path | None, rejects_path: Path | None,
         limits: dict[str, Any], settings: QuerySettings, rules: list[Any], min_severity: str | None,
         site_file: Path | None, html_path: Path | None, output: Output) -> None:
    """Run the detection rules (all of them, or --rule ID) and print their alerts.

    PATH... are files or folders of any supported format (Defender exports, Sysmon EVTX/XML/JSON, Parquet,
    CSV, archives). Without PATH, --db, --data or --table it runs on the bundled demo data. 'kqlite rules'
    lists the rules; --format json writes one alert a line (docs/alerts.md).
    """
    from kqlite.alerts import alerts_of, group_by_instance, meets

    if not rules:
        note(f"no rule can raise an alert of severity {min_severity} or higher ('kqlite rules' lists them)")
        return
    if not tables and not paths and db is None:
        tables = _demo_tables()
    from kqlite import site

    inputs = Inputs(tables, list(paths), db, rejects_path, limits, settings)
    with kql_errors():
        allowed = site.load_site(site_file) if site_file else []
        connection = _connect(inputs)
        if allowed:
            connection.attach(site.TABLE, site.as_table(allowed))
    found = []
    suppressed: Counter[str] = Counter()
    for rule in rules:
        result = run_query(inputs, rule.query, connection)
        alerts = alerts_of(rule, list(result.columns), result.rows())
        keep = [i for i, alert in enumerate(alerts) if meets(alert, min_severity)]
        kept, dropped = site.suppress([alerts[i] for i in keep], allowed)
        suppressed.update(dropped)
        keep = [i for i in keep if alerts[i] in kept]
        alerts = [alerts[i] for i in keep]
        if not rule.original:  # the published rule keeps Defender's rows; the pack gives one alert per attack
            alerts = group_by_instance(alerts)
        found.append((rule, result.take(keep) if len(keep) != len(result) else result, alerts))
    if suppressed:
        listed = ", ".join(f"{entry} ({count})" for entry, count in suppressed.most_common())
        note(f"{sum(suppressed.values())} alert(s) suppressed by the site file {site_file}: {listed}")
    if html_path is not None:
        from datetime import UTC

        from kqlite.report_html import write_report

        sources = [str(p) for p in paths] + ([str(db)] if db else []) or [f"table {name}" for name in tables]
        write_report(html_path, [(rule, alerts) for rule, _, alerts in found], generated_at=datetime.now(UTC),
                     sources=sources)
        note(f"HTML report: {html_path}")
    if rules and not any(alerts for _, _, alerts in found):
        # not a green "no alerts" on data the rules cannot use
        _exit_if_nothing_usable(inputs, *(rule.query for rule in rules))
    if output.format == "table":
        print_hunt(found, output)
        return
    stream = output.text_stream()
    if output.format == "json":
        for _, _, alerts in found:
            stream.write("".join(json.dumps(a.to_json(), ensure_ascii=False) + "\n" for a in alerts))
    else:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["rule", "title", "severity", "timestamp", "device", "attack", "remote_ip", "summary"])
        for _, _, alerts in found:
            writer.writerows([a.rule, a.title, a.severity, to_text(a.timestamp), a.device, ", ".join(a.attack),
                              a.remote_ip, a.summary] for a in alerts)


def print_hunt(found: list[tuple[Any, Any, list[Any]]], output: Output) -> None:
    """A summary by rule, severity and device when several rules alerted, then each rule's alerts."""
    from rich.table import Table
    from rich.text import Text

    console = output.console()
    alerting = [(rule, alerts) for rule, _, alerts in found if alerts]
    if len(alerting) > 1:
        summary = Table(header_style="bold", title="Alerts", title_justify="left")
        for heading in ("Rule", "Severity", "Devices", "Alerts"):
            summary.add_column(heading, justify="right" if heading == "Alerts" else "left")
        for rule, alerts in alerting:
            severities = Counter(a.severity for a in alerts)
            summary.add_row(rule.title, ", ".join(f"{s} {n}" for s, n in severities.items()),
                            ", ".join(sorted({a.device for a in alerts if a.device})), str(len(alerts)))
        console.print(summary)
    for rule, result, alerts in found:
        if alerts:
            rows = f", {len(result)} rows" if len(result) != len(alerts) else ""
            print_alerts(result, output, f"{rule.title}: {len(alerts)} alert{'' if len(alerts) == 1 else 's'}{rows}")
        else:
            console.print(Text(f"{rule.title}: no alerts", style="green"))


@main.command(name="test-rules")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A folder of your own .kql rules (and their .tests.toml), besides kqlite's (repeatable).")
@click.option("--rule", "rule_ids", multiple=True, metavar="ID", help="Test only this rule (repeatable).")
def test_rules(rule_dirs: tuple[Path, ...], rule_ids: tuple[str, ...]) -> None:
    """Run each rule's cases (<rule>.tests.toml: small inputs, the alerts expected); exit 1 if one fails."""
    from rich.console import Console
    from rich.text import Text

    from kqlite.detections import load_rules, select_rules
    from kqlite.ruletests import cases_file, run_rule_tests

    console = Console()
    failed = untested = 0
    with kql_errors():
        for rule in select_rules(load_rules(list(rule_dirs)), list(rule_ids)):
            path = cases_file(rule)
            if path is None:
                untested += 1
                console.print(Text(f"{rule.id}: no tests ({Path(rule.path).stem}.tests.toml)", style="yellow"))
                continue
            for case in run_rule_tests(rule, path):
                failed += not case.passed
                mark = Text("pass ", style="green") if case.passed else Text("FAIL ", style="bold red")
                console.print(mark + Text(f"{rule.id}: {case.case}" + (f": {case.detail}" if case.detail else "")))
    console.print(Text(f"{failed} failed, {untested} rule(s) without tests", style="bold red" if failed else "dim"))
    if failed:
        click.get_current_context().exit(1)


@main.command(name="rules")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A folder of your own .kql rules, besides kqlite's (repeatable).")
def list_rules(rule_dirs: tuple[Path, ...]) -> None:
    """List the detection rules: id, title, severity, ATT&CK techniques and the tables each reads."""
    from rich.console import Console
    from rich.table import Table

    from kqlite.detections import load_rules

    with kql_errors():
        rules = load_rules(list(rule_dirs))
        connection = kqlite.connect()
        grid = Table(header_style="bold")
        for heading in ("Id", "Title", "Severity", "ATT&CK", "Tables"):
            grid.add_column(heading)
        for rule in rules:
            tables = ", ".join(connection.explain(rule.query).tables)
            severity = rule.severity or f"per row ({rule.severity_column})"
            grid.add_row(rule.id + (" (original)" if rule.original else ""), rule.title, severity,
                         ", ".join(rule.attack), tables)
    Console().print(grid)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The store to create or add to (a DuckDB file).")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where malformed records are written [default: <db>.rejects.jsonl when there are any].")
@click.option("--wait", "wait", type=click.FloatRange(min=0), default=600, show_default=True, metavar="SECONDS",
              help="How long to wait for another ingest into the same store to finish.")
@local_offset_option
@archive_options
def ingest(paths: tuple[Path, ...], db: Path, rejects_path: Path | None, wait: float,
           local_utc_offset: timedelta | None) -> None:
    """Read files, folders and archives (PATH...) into a kqlite store.

    Formats are told from the content: Defender portal CSV, Streaming API JSON, Graph / advanced-hunting API
    JSON, JSON lines and Parquet of rows; Sysmon and Security events from EVTX, XML exports, Winlogbeat and
    NXLog JSON lines. Files already in the store (same content) are skipped. One ingest writes a store at a
    time: another one waits (--wait).
    """
    from kqlite.ingest.ledger import known_hashes
    from kqlite.ingest.lock import writer_lock
    from kqlite.ingest.pipeline import Ingest

    with kql_errors(), writer_lock(db, wait, note):
        try:
            known = known_hashes(db)
        except Exception as error:  # noqa: BLE001 - not a DuckDB file, locked, ...: say so plainly
            raise KqlError(f"{db}: cannot open the store: {error}") from None
        progress = _read_progress(list(paths))
        run = Ingest(known_hashes=known, progress=progress.advance, local_utc_offset=local_utc_offset,
                     archives=_ARCHIVES.limits(), meanwhile=_import_for_the_write)
        writer = None
        try:
            run.add(list(paths))
            from kqlite.ingest import store  # imported after the reading starts: see Ingest

            writer = store.Writer(db, run.report, wait)  # opens the store while the events are mapped
            progress.phase("mapping", "events to Defender tables")
            tables = run.tables()
            progress.phase("writing", str(db))
            writer.finish(tables, run.origins())
            progress.stop()
            # reported while the store is closed (DuckDB writes the committed rows into its file meanwhile)
            print_ingest_summary(run.report, db)
            report_rejects(run.report, rejects_path or db.with_name(db.name + ".rejects.jsonl"))
        finally:
            if writer is not None:
                writer.close()  # what was not committed is rolled back: nothing is written
            run.close()
            progress.stop()


def _import_for_the_write() -> None:
    """What the ingest needs after the reading, imported while EVTX workers read (0.03 s it would add after).
    Then, when the command ends the process, the objects made so far (mostly the imported modules') are left out
    of later garbage collections, as at its exit (see _Commands)."""
    import rich.console  # noqa: F401 - the summary's
    import rich.table  # noqa: F401

    from kqlite.ingest import store  # noqa: F401

    if _ENDS_PROCESS:
        gc.freeze()


def print_ingest_summary(report: Any, db: Path) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    if report.rows:
        table = Table(header_style="bold", title=f"Ingested into {db}", title_justify="left")
        table.add_column("Table")
        table.add_column("Rows added", justify="right")
        for name, count in sorted(report.rows.items()):
            table.add_row(name, f"{count:,}")
        console.print(table)
    else:
        console.print(Text(f"Nothing new for {db}", style="bold"))
    read = [f for f in report.files if not f.skipped]
    skipped = len(report.files) - len(read)
    console.print(Text(f"{len(read)} file(s) read, {skipped} skipped, {report.total_rows:,} rows added, "
                       f"{len(report.rejects)} malformed record(s)", style="dim"))
    console.print(Text(accounting_line(report), style="dim"))
    if report.unmapped_events:
        kinds = ", ".join(f"{kind} ({count:,})" for kind, count in report.unmapped_events.most_common(5))
        console.print(Text(f"Windows events with no Defender table (not loaded): {kinds}", style="dim"),
                      soft_wrap=True)


@main.command()
@click.argument("pattern", required=False)
@click.option("--flavour", type=click.Choice(["defender", "sentinel"]),
              help="Only the tables of this product (with its columns for the tables both have).")
@click.option("--columns", "show_columns", is_flag=True, help="List each table's columns and types.")
def tables(pattern: str | None, flavour: str | None, show_columns: bool) -> None:
    """List the tables kqlite knows (every Defender and Sentinel table), filtered by PATTERN.

    PATTERN is a part of the name (any case) or a wildcard (Device*Events)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from kqlite.schemas import KQLITE_TABLES, known_tables, table_schema

    defender, sentinel = set(known_tables("defender")), set(known_tables("sentinel"))
    names = known_tables(flavour)  # type: ignore[arg-type]
    if pattern:
        import fnmatch

        if any(c in pattern for c in "*?["):
            names = [n for n in names if fnmatch.fnmatchcase(n.lower(), pattern.lower())]
        else:
            names = [n for n in names if pattern.lower() in n.lower()]
    if not names:
        raise click.UsageError(f"no table matches {pattern!r}")
    console = Console()
    if show_columns:
        for name in names:
            console.print(Text(name, style="bold"))
            for column, kql_type in table_schema(name, flavour or "defender") or []:  # type: ignore[arg-type]
                console.print(f"  {column}: {kql_type}", highlight=False, soft_wrap=True)
        return
    grid = Table(header_style="bold")
    grid.add_column("Table")
    grid.add_column("Product")
    grid.add_column("Columns", justify="right")
    for name in names:
        product = ("kqlite" if name in KQLITE_TABLES else
                   "Defender, Sentinel" if name in defender and name in sentinel else
                   "Defender" if name in defender else "Sentinel")
        grid.add_row(name, product, str(len(table_schema(name, flavour or "defender") or [])))  # type: ignore[arg-type]
    console.print(grid)
    console.print(Text(f"{len(names):,} table{'s' if len(names) != 1 else ''}", style="dim"))


def _demo_tables() -> dict[str, Any]:
    from kqlite.demo import demo_tables

    tables = demo_tables()
    sizes = ", ".join(f"{name} ({table.num_rows:,} rows)" for name, table in tables.items())
    note(f"No data given (PATH, --db, --data or --table): using the bundled demo data (kqlite.demo): {sizes}")
    return tables


def print_alerts(result: Any, output: Output, title: str) -> None:
    """The compact alert view: the columns of ALERT_COLUMNS that the result has."""
    keep = [name for name in ALERT_COLUMNS if name in result.columns]
    print_result(result.select(keep), output, title=title, headers=[ALERT_COLUMNS[name] for name in keep])
