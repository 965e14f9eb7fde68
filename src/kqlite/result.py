"""Query results: column names, KQL types, and Python / Arrow / pandas views of the rows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from kqlite.ticks import UNIX_EPOCH_TICKS, datetime_from_ticks, timedelta_from_ticks

if TYPE_CHECKING:
    import pyarrow as pa


class Rows(list):
    """A small result's rows as the engine gave them (tuples of Python values, before the conversions of
    Result.rows()): no Arrow for a few rows, whose import would cost more than the query."""


class Result:
    """The rows a KQL query returned. `columns` and `types` follow Kusto's output schema.

    A query that ends with fork, facet or funnel_sequence returns several tables: this is the first, `more` the others
    and `tables` all of them, each with its `name` (Kusto's: a fork leg's name, GenericResult, GenericResult_1,
    ...; a facet's column). A query of one table has `name` PrimaryResult, as in Kusto."""

    def __init__(self, table: pa.Table | Rows, columns: list[str], types: list[str], sql: str = "",
                 name: str = "PrimaryResult"):
        self._table = table  # an Arrow table, or Rows for a small result
        self.columns = columns
        self.types = types
        self.sql = sql
        self.name = name
        self.notes: list[str] = []  # what to know about the answer: empty enrichment, an unset clock, truncation
        self.more: list[Result] = []  # the further result tables (fork, facet, funnel_sequence)

    @property
    def tables(self) -> list[Result]:
        """Every result table of the query: this one, then `more`."""
        return [self, *self.more]

    def __len__(self) -> int:
        return len(self._table) if isinstance(self._table, Rows) else self._table.num_rows

    def _like(self, table: pa.Table | Rows, columns: list[str] | None = None, types: list[str] | None = None,
              keep: bool = False) -> Result:
        """Another result over `table`; with this one's sql, name and notes when `keep`."""
        other = Result(table, self.columns if columns is None else columns, self.types if types is None else types,
                       self.sql if keep else "", self.name if keep else "PrimaryResult")
        if keep:
            other.notes = list(self.notes)
        return other

    def __repr__(self) -> str:
        head = ", ".join(f"{c}:{t}" for c, t in zip(self.columns, self.types, strict=True))
        named = f" {self.name}" if self.more or self.name != "PrimaryResult" else ""
        more = f" and {len(self.more)} more table{'s' if len(self.more) > 1 else ''}" if self.more else ""
        return f"<kqlite.Result{named} {len(self)} rows ({head}){more}>"

    def rows(self) -> list[tuple]:
        """Rows as tuples of Python values: aware UTC datetimes, timedeltas, JSON values for dynamic.
        Python keeps microseconds: a datetime or timespan with 100 ns ticks below them is a KustoDatetime or
        KustoTimespan (kqlite.ticks), which holds them too."""
        if isinstance(self._table, Rows):
            return [tuple(_convert(v, t) for v, t in zip(row, self.types, strict=True)) for row in self._table]
        converted = [
            [_convert(v, t) for v in self._table.column(i).to_pylist()] for i, t in enumerate(self.types)
        ]
        return list(zip(*converted, strict=True)) if converted else [() for _ in range(len(self))]

    def _repr_html_(self, max_rows: int = 50) -> str:
        """A notebook's view: the first rows as an HTML table (values escaped), and the row count; each table
        under its name when the query returned several."""
        if not self.more:
            return self._table_html(max_rows)
        from html import escape

        return "".join(f"<p><b>{escape(t.name)}</b></p>{t._table_html(max_rows)}" for t in self.tables)

    def _table_html(self, max_rows: int) -> str:
        from html import escape

        from kqlite.formatting import to_text

        head = "".join(f"<th title='{escape(t)}'>{escape(c)}</th>" for c, t in zip(self.columns, self.types, strict=True))
        body = "".join("<tr>" + "".join(f"<td>{escape(to_text(v))}</td>" for v in row) + "</tr>"
                       for row in self.head(max_rows))
        count = f"{len(self):,} row{'' if len(self) == 1 else 's'}"
        if len(self) > max_rows:
            count += f", first {max_rows} shown"
        return (f"<table class='kqlite-result'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                f"<p><small>{escape(count)}</small></p>")

    def _slice(self, start: int, size: int) -> pa.Table | Rows:
        if isinstance(self._table, Rows):
            return Rows(self._table[start:start + size])
        return self._table.slice(start, size)

    def head(self, n: int) -> list[tuple]:
        """The first `n` rows, as `rows()` gives them."""
        return self._like(self._slice(0, n)).rows()

    def iter_batches(self, size: int = 10_000) -> Iterator[list[tuple]]:
        """The rows, `size` at a time: a large result is never all Python values at once."""
        for start in range(0, len(self), size):
            yield self._like(self._slice(start, size)).rows()

    def take(self, indexes: list[int]) -> Result:
        """The rows at `indexes`, in that order."""
        if isinstance(self._table, Rows):
            return self._like(Rows(self._table[i] for i in indexes), keep=True)
        import pyarrow as pa

        from kqlite.arrays import nullable_array  # not pa.array(): it imports pandas

        return self._like(self._table.take(nullable_array(indexes, pa.int64())), keep=True)

    def select(self, columns: list[str]) -> Result:
        """The same rows with only `columns`, in that order."""
        indexes = [self.columns.index(name) for name in columns]
        types = [self.types[i] for i in indexes]
        if isinstance(self._table, Rows):
            return self._like(Rows(tuple(row[i] for i in indexes) for row in self._table), list(columns), types, True)
        import pyarrow as pa

        table = pa.Table.from_arrays([self._table.column(i) for i in indexes],
                                     names=[f"c{i}" for i in range(len(indexes))])
        return self._like(table, list(columns), types, keep=True)

    def to_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows()]

    def to_arrow(self) -> pa.Table:
        """An Arrow table: datetime as UTC timestamps, timespan as durations (microseconds: the 100 ns ticks below
        them are dropped, floored), dynamic as JSON text."""
        import pyarrow as pa

        table = self._table if not isinstance(self._table, Rows) else _arrow_of_rows(self._table, self.types)
        arrays, fields = [], []
        for i, (name, kql_type) in enumerate(zip(self.columns, self.types, strict=True)):
            column = table.column(i)
            if kql_type == "timespan":
                column = _ticks_to_micros(column, 0, pa.duration("us"))
            elif kql_type == "datetime":  # ticks since 0001-01-01 -> microseconds since 1970
                column = _ticks_to_micros(column, UNIX_EPOCH_TICKS // 10, pa.timestamp("us", tz="UTC"))
            elif kql_type in ("dynamic", "guid") and column.type != pa.string():
                column = column.cast(pa.string())
            arrays.append(column)
            fields.append(pa.field(name, column.type))
        return pa.Table.from_arrays(arrays, schema=pa.schema(fields))

    def to_pandas(self):  # -> pandas.DataFrame
        return self.to_arrow().to_pandas()


# the Arrow type a column of each KQL type has as the engine gives it (datetime and timespan as ticks)
_ENGINE_ARROW = {"long": "int64", "int": "int32", "real": "float64", "bool": "bool_", "string": "string",
                 "datetime": "int64", "timespan": "int64", "dynamic": "string", "guid": "string"}


def _arrow_of_rows(rows: Rows, types: list[str]) -> pa.Table:
    """A small result's rows as the Arrow table the engine would have given."""
    import pyarrow as pa

    from kqlite.arrays import nullable_array  # not pa.array(): it imports pandas

    columns = list(zip(*rows, strict=True)) if rows else [() for _ in types]
    arrays = []
    for values, kql_type in zip(columns, types, strict=True):
        if kql_type == "guid":
            values = [None if v is None else str(v) for v in values]
        arrow_type = _ENGINE_ARROW.get(kql_type)
        arrays.append(nullable_array(values, getattr(pa, arrow_type)()) if arrow_type else pa.array(list(values)))
    return pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(types))])


def _ticks_to_micros(column: pa.ChunkedArray, epoch_micros: int, arrow_type: pa.DataType) -> pa.ChunkedArray:
    """Ticks (int64) as microseconds from `epoch_micros`, of `arrow_type`: floored, nulls kept. Done on the
    chunks' buffers with numpy: Arrow's compute functions would build a scalar, and Arrow's scalars import
    pandas (a sixth of a second, the whole cost of a small query)."""
    import numpy as np
    import pyarrow as pa

    ticks = column if column.type == pa.int64() else column.cast(pa.int64())  # a cast imports pyarrow.compute
    chunks = []
    for chunk in ticks.chunks:
        validity, data = chunk.buffers()
        if data is None or len(chunk) == 0:
            chunks.append(pa.nulls(len(chunk), arrow_type))
            continue
        values = np.frombuffer(data, dtype=np.int64, count=chunk.offset + len(chunk))
        micros = values // 10 - epoch_micros  # the values under nulls are computed too, and stay hidden
        chunks.append(pa.Array.from_buffers(arrow_type, len(chunk), [validity, pa.py_buffer(micros)],
                                            null_count=chunk.null_count, offset=chunk.offset))
    return pa.chunked_array(chunks, arrow_type)


def _convert(value: Any, kql_type: str) -> Any:
    if value is None:
        return "" if kql_type == "string" else None
    if kql_type == "datetime":  # ticks: a KustoDatetime when they fall below the microsecond
        return datetime_from_ticks(value) if isinstance(value, int) else value
    if kql_type == "timespan":
        return timedelta_from_ticks(value)  # integer ticks: exact (float division loses digits)
    if kql_type == "dynamic":
        return json.loads(value) if isinstance(value, str) else value
    if kql_type == "guid":
        return str(value)
    return value
