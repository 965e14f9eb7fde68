"""The `generate` click command (registered by the main CLI as `kqlite generate`; also `python -m kqlite.generate`)."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kqlite.generate.inject import resolve
from kqlite.generate.runner import DEFAULT_START, DEFAULT_WARMUP
from kqlite.generate.runner import generate as run
from kqlite.generate.writers import FORMATS


def _scenarios(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        resolve(value)
    except ValueError as error:
        raise click.BadParameter(str(error), ctx, param) from None
    return value


def _start(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime:
    if value is None:
        return DEFAULT_START
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO-8601 date/time", ctx, param) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@click.command("generate")
@click.option("--devices", type=click.IntRange(min=4), default=50, show_default=True, help="Number of devices.")
@click.option("--hours", type=click.FloatRange(min=0, min_open=True), default=24.0, show_default=True, help="Length of the window.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Output directory.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="parquet", show_default=True, help="Output format.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed (same seed, same bytes).")
@click.option("--scenarios", default="all", show_default=True, callback=_scenarios,
              help="Comma list of scenario ids (A1,B3c,...), 'all' or 'none'.")
@click.option("--start", callback=_start, help="Window start, ISO-8601 (default 2024-08-05T00:00:00Z).")
@click.option("--target-rows", type=click.IntRange(min=1), default=None,
              help="Scale background density so that each table gets about this many rows.")
@click.option("--warmup", type=click.FloatRange(min=0), default=DEFAULT_WARMUP, show_default=True,
              help="Hours of routine history recorded before --start (written, never labelled).")
def generate(devices: int, hours: float, out_dir: str, fmt: str, seed: int, scenarios: str, start: datetime,
             target_rows: int | None, warmup: float) -> None:
    """Generate synthetic Defender telemetry with labelled DCOM lateral-movement scenarios (and labels.jsonl)."""
    console = Console(stderr=True)
    with Progress(TextColumn("[bold]generate"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rows]:,} rows"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("chunks", total=None, rows=0)

        def progress(done: int, total: int, rows: int) -> None:
            bar.update(task, completed=done, total=total, rows=rows)

        try:
            summary = run(out_dir, devices=devices, hours=hours, fmt=fmt, seed=seed, scenarios=scenarios, start=start,
                          target_rows=target_rows, progress=progress, warmup=warmup)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    rate = summary.total_rows / summary.seconds if summary.seconds else 0.0
    for table, count in summary.rows.items():
        click.echo(f"{table:24} {count:>12,} rows")
    seeds = ", ".join(f"{k} {v}" for k, v in sorted(summary.by_expected_seed.items()))
    click.echo(f"{'scenarios':24} {summary.scenarios:>12,} ({seeds})")
    click.echo(f"wrote {len(summary.paths)} files and {summary.labels_path} in {summary.seconds:.1f} s ({rate:,.0f} rows/s)")
