"""The ``kqlite`` command line: ``query`` (ad-hoc KQL), ``explain`` (what a query becomes), ``hunt`` (the rule).

A ``KqlError`` is printed to stderr (its message already points at line and column) and the command
exits with code 2, without a traceback. Value formatting lives in ``kqlite.formatting``.
"""

from __future__ import annotations

import csv
import functools
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

import kqlite
from kqlite.errors import KqlError
from kqlite.formatting import row_to_json, to_text

DATA_SUFFIXES = (".parquet", ".csv", ".json", ".jsonl")
HUNT_RULE = "remote_dcom_child_proc.kql"
HUNT_TITLE = "Remote DCOM Child Proc"
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
NUMERIC_TYPES = {"int", "long", "real", "decimal"}


def _version() -> str:
    try:
        return metadata.version("kqlite")
    except metadata.PackageNotFoundError:
        return getattr(kqlite, "__version__", "unknown")


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


def _scan_data_dir(ctx: click.Context, param: click.Parameter, directory: Path | None) -> dict[str, Path]:
    """``<TableName>.parquet|.csv|.json|.jsonl`` files of a folder, by table name."""
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
    if not tables:
        raise click.BadParameter(f"no {', '.join(DATA_SUFFIXES)} files in {directory}", ctx, param)
    return tables


def data_options(command: Callable) -> Callable:
    """``--data DIR`` and ``--table NAME=PATH``, merged into one ``tables`` argument (``--table`` wins)."""

    @click.option(
        "--data",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        callback=_scan_data_dir,
        help="Folder of <TableName>.parquet|.csv|.json|.jsonl files, each attached as a table.",
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
        return command(*args, tables={**data, **tables}, **kwargs)

    return wrapper


def query_text_options(command: Callable) -> Callable:
    """A ``QUERY`` argument or ``-f FILE``, merged into one ``text`` argument."""

    @click.argument("query", required=False)
    @click.option(
        "-f",
        "--file",
        "query_file",
        type=click.File("r", encoding="utf-8-sig"),
        help="Read the query from FILE ('-' for stdin).",
    )
    @functools.wraps(command)
    def wrapper(*args: Any, query: str | None, query_file: Any, **kwargs: Any) -> Any:
        if (query is None) == (query_file is None):
            raise click.UsageError("give the query either as an argument or with -f FILE")
        return command(*args, text=query if query is not None else query_file.read(), **kwargs)

    return wrapper


format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="table: for the terminal; json: one JSON object per row; csv: with a header.",
)
max_rows_option = click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Rows shown by --format table.",
)


# --- running ---------------------------------------------------------------------------------------------


@contextmanager
def kql_errors() -> Iterator[None]:
    """Turn a KqlError into a red message on stderr and exit code 2."""
    try:
        yield
    except KqlError as error:
        # soft_wrap: rich must not wrap the quoted query line, or the caret under it moves.
        Console(stderr=True).print(Text(f"error: {error}", style="red"), soft_wrap=True)
        click.get_current_context().exit(2)


def _connect(tables: dict[str, Any]) -> Any:
    return kqlite.connect(
        tables={name: str(source) if isinstance(source, Path) else source for name, source in tables.items()}
    )


def run_query(tables: dict[str, Any], text: str) -> tuple[list[str], list[str], list[tuple]]:
    with kql_errors():
        result = _connect(tables).query(text)
        return list(result.columns), list(result.types), result.rows()


# --- output ------------------------------------------------------------------------------------------------


def print_rows(columns: list[str], rows: list[tuple], output_format: str) -> None:
    """Full rows as JSON lines or CSV (the table format is ``print_table``)."""
    if output_format == "json":
        for row in rows:
            click.echo(row_to_json(columns, row))
    else:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([to_text(value) for value in row] for row in rows)


def print_table(
    columns: list[str],
    types: list[str],
    rows: list[tuple],
    max_rows: int,
    title: str | None = None,
    headers: Sequence[str] | None = None,
) -> None:
    table = Table(header_style="bold")
    for header, kql_type in zip(headers or columns, types, strict=True):
        table.add_column(header, overflow="fold", justify="right" if kql_type in NUMERIC_TYPES else "left")
    for row in rows[:max_rows]:
        table.add_row(*(Text(to_text(value)) for value in row))
    console = Console()
    if title:
        console.print(Text(title, style="bold"))
    console.print(table)
    console.print(Text(_row_count(len(rows), max_rows), style="dim"))


def _row_count(count: int, max_rows: int) -> str:
    text = f"{count:,} row{'' if count == 1 else 's'}"
    if count > max_rows:
        text += f", first {max_rows:,} shown (--max-rows, or --format csv|json for all)"
    return text


def note(message: str) -> None:
    """A remark for the user on stderr, so that json and csv on stdout stay clean."""
    Console(stderr=True).print(Text(message, style="dim"), soft_wrap=True)


# --- commands ------------------------------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), "--version", prog_name="kqlite")
def main() -> None:
    """Run Microsoft Defender advanced-hunting KQL offline, with Kusto semantics, on DuckDB."""


@main.command()
@query_text_options
@data_options
@format_option
@max_rows_option
def query(text: str, tables: dict[str, Path], output_format: str, max_rows: int) -> None:
    """Run a KQL query (QUERY, or -f FILE) over the attached tables."""
    columns, types, rows = run_query(tables, text)
    if output_format == "table":
        print_table(columns, types, rows, max_rows)
    else:
        print_rows(columns, rows, output_format)


@main.command()
@query_text_options
@data_options
def explain(text: str, tables: dict[str, Path]) -> None:
    """Show the tables, operators and DuckDB SQL of a KQL query."""
    with kql_errors():
        plan = _connect(tables).explain(text)
    console = Console()
    console.print(Text.assemble(("Tables:    ", "bold"), ", ".join(plan.tables)))
    console.print(Text.assemble(("Operators: ", "bold"), ", ".join(plan.operators)))
    console.print(Text("SQL:", style="bold"))
    if console.is_terminal:
        console.print(Syntax(plan.sql, "sql", word_wrap=True))
    else:
        click.echo(plan.sql)


@main.command()
@data_options
@format_option
@max_rows_option
def hunt(tables: dict[str, Any], output_format: str, max_rows: int) -> None:
    """Run the Remote DCOM Child Proc rule (T1021.003) and print its alerts.

    Without --data or --table it runs on the bundled demo data.
    """
    if not tables:
        tables = _demo_tables()
    rule = (resources.files("kqlite.rules") / HUNT_RULE).read_text(encoding="utf-8")
    columns, types, rows = run_query(tables, rule)
    if output_format != "table":
        print_rows(columns, rows, output_format)
    elif not rows:
        Console().print(Text(f"{HUNT_TITLE}: no alerts", style="green"))
    else:
        print_alerts(columns, types, rows, max_rows)


def _demo_tables() -> dict[str, Any]:
    from kqlite.demo import demo_tables

    tables = demo_tables()
    sizes = ", ".join(f"{name} ({table.num_rows:,} rows)" for name, table in tables.items())
    note(f"No --data given: using the bundled demo data (kqlite.demo): {sizes}")
    return tables


def print_alerts(columns: list[str], types: list[str], rows: list[tuple], max_rows: int) -> None:
    """The compact alert view: the columns of ALERT_COLUMNS that the result has."""
    keep = [columns.index(name) for name in ALERT_COLUMNS if name in columns]
    print_table(
        [columns[i] for i in keep],
        [types[i] for i in keep],
        [tuple(row[i] for i in keep) for row in rows],
        max_rows,
        title=f"{HUNT_TITLE}: {len(rows)} alert{'' if len(rows) == 1 else 's'}",
        headers=[ALERT_COLUMNS[columns[i]] for i in keep],
    )
