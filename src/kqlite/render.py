"""Results on a terminal: a grid when the columns fit, else one record per row (a field a line) or the
first columns with a count of the rest. Values are never split mid-token: a value too long for its place
is cut with an ellipsis (`--wide` shows values whole), and every row keeps one line in a grid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kqlite.formatting import to_text

NUMERIC_TYPES = {"int", "long", "real", "decimal"}
CELL_LIMIT = 40  # the widest a grid cell gets unless --wide
RECORD_ROWS = 10  # at most this many rows too wide for a grid are shown as records
NARROWEST = 12  # a text column is not narrowed below this to fit a grid


@dataclass
class View:
    """How to show a result: at most `max_rows` rows, values whole or cut, datetimes in a time zone."""

    max_rows: int = 100
    wide: bool = False
    tz: str | None = None  # an IANA zone for datetimes; None: UTC, as Kusto shows them

    def text(self, value: Any) -> str:
        if self.tz and isinstance(value, dt.datetime):
            local = value.astimezone(ZoneInfo(self.tz))
            offset = local.strftime("%z")
            return f"{local:%Y-%m-%dT%H:%M:%S}.{local.microsecond:06d}0{offset[:3]}:{offset[3:]}"
        return to_text(value)


def render(console: Console, columns: Sequence[str], types: Sequence[str], rows: Sequence[tuple], total: int,
           view: View, title: str | None = None) -> None:
    """Print `rows` (the first of `total`) as a grid, records, or a grid of the first columns."""
    shown = [[view.text(value) for value in row] for row in rows[: view.max_rows]]
    widths = [max([len(name), *(len(_one_line(cell)) for cell in column)]) for name, column in
              zip(columns, zip(*shown, strict=True) if shown else [[] for _ in columns], strict=True)]
    if title:
        console.print(Text(title, style="bold"))
    room = console.width - 3 * len(widths) - 1
    cells = list(widths)  # every value whole when the row fits the terminal
    fits = sum(cells) <= room
    if not fits and not view.wide:  # else long values are cut, the longest first
        cells = [min(w, CELL_LIMIT) for w in widths]
        fits = _shrink_to_fit(cells, room, columns, types)
    if fits or not columns:
        _grid(console, columns, types, shown, cells, view)
    elif len(shown) <= RECORD_ROWS or view.wide:  # --wide: whole values, a field a line
        _records(console, columns, shown, view)
    else:
        keep, used = 0, 1
        while keep < len(cells) and used + cells[keep] + 3 <= console.width:
            used += cells[keep] + 3
            keep += 1
        keep = max(keep, 1)
        _grid(console, columns[:keep], types[:keep], [row[:keep] for row in shown], cells[:keep], view)
        rest = list(columns[keep:])
        listed = ", ".join(rest[:8]) + (", ..." if len(rest) > 8 else "")
        console.print(Text(f"+{len(rest)} more column{'s' if len(rest) != 1 else ''}: {listed} (project fewer "
                           "columns, or --format json|csv for all)", style="dim"))
    console.print(Text(_row_count(total, view.max_rows), style="dim"))


def _shrink_to_fit(cells: list[int], room: int, columns: Sequence[str], types: Sequence[str]) -> bool:
    """Narrow the widest text columns (never below NARROWEST, never a datetime or a number) until the row fits
    in `room`; whether it does."""
    shrinkable = [i for i, t in enumerate(types) if t not in NUMERIC_TYPES and t not in ("datetime", "timespan")]
    while sum(cells) > room:
        widest = max(shrinkable, key=lambda i: cells[i], default=None)
        if widest is None or cells[widest] <= max(NARROWEST, len(columns[widest]) // 2):
            return False
        cells[widest] -= 1
    return True


def _one_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


def _grid(console: Console, columns: Sequence[str], types: Sequence[str], rows: list[list[str]],
          widths: list[int], view: View) -> None:
    table = Table(header_style="bold")
    for name, kql_type, width in zip(columns, types, widths, strict=True):
        table.add_column(name, justify="right" if kql_type in NUMERIC_TYPES else "left", no_wrap=not view.wide,
                         overflow="fold" if view.wide else "ellipsis", min_width=min(width, len(name) + 1)
                         if not view.wide else width, max_width=None if view.wide else width)
    for row in rows:
        table.add_row(*(Text(_one_line(cell) if not view.wide else cell) for cell in row))
    console.print(table)


def _records(console: Console, columns: Sequence[str], rows: list[list[str]], view: View) -> None:
    """One block per row, `Column  value` a line; empty values are counted, not listed one by one."""
    label = min(max(len(c) for c in columns), max(16, console.width // 2 - 6))
    room = max(console.width - label - 3, 10)
    for number, row in enumerate(rows, 1):
        console.print(Text(f"── row {number} " + "─" * max(console.width - 9 - len(str(number)), 0), style="dim"))
        empty = []
        fields = Table.grid(padding=(0, 2))
        fields.add_column(style="bold", no_wrap=True, width=label)
        fields.add_column(overflow="fold" if view.wide else "ellipsis", no_wrap=not view.wide)
        for name, cell in zip(columns, row, strict=True):
            if cell == "":
                empty.append(name)
                continue
            fields.add_row(_cut(name, label), cell if view.wide else _cut(_one_line(cell), room))
        console.print(fields)
        if empty:
            listed = ", ".join(empty)
            console.print(Text(_cut(f"{len(empty)} empty: {listed}", console.width), style="dim"))


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _row_count(count: int, max_rows: int) -> str:
    text = f"{count:,} row{'' if count == 1 else 's'}"
    if count > max_rows:
        text += f", first {max_rows:,} shown (--max-rows, or --format csv|json for all)"
    return text
