"""The tables a query can name: their KQL columns, and the SQL relation that holds their rows."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from sqlglot import exp

from kqlite.compile.scope import Column, ident


class Catalog(Mapping[str, list[Column]]):
    """A fixed catalog: table name -> columns, each table read from the SQL relation of the same name.

    Backends subclass it to resolve tables lazily (nearly a thousand tables are known; a query names a few)."""

    def __init__(self, tables: Mapping[str, list[Column]] | None = None):
        self._tables = dict(tables or {})

    def __getitem__(self, name: str) -> list[Column]:
        return self._tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def relation(self, name: str) -> exp.Table:
        """The SQL relation holding the rows of table `name`."""
        return exp.Table(this=ident(name))

    def ingestion_time(self, name: str) -> exp.Expression | None:
        """KQL's ingestion_time() of the table's rows: a constant, a (hidden) column of its relation, or None."""
        return None

    def time_bounds(self, name: str) -> dict[str, tuple[str, str]]:
        """Datetime columns whose relation also holds the stored timestamp in a hidden column: column ->
        (hidden column, its SQL type). A filter on the column can bound the hidden one too (row-group pruning)."""
        return {}

    def populated(self) -> list[str]:
        """Tables that may hold rows (`search` and `find` without a table list look only at these)."""
        return sorted(self)
