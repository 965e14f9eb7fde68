"""Columns, relations and the naming rules Kusto applies to them."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # KQL type


@dataclass
class Relation:
    """A tabular value under construction: what to select FROM, and the KQL columns it has."""

    source: exp.Expression  # a table reference (CTE or view name)
    columns: list[Column]
    # The ORDER BY (by output column names) still in force, re-applied at the end: SQL does not promise
    # that a filter or projection of a sorted subquery keeps its order, Kusto does.
    order: list[tuple[str, bool, bool]] | None = None  # (column, descending, nulls_first)
    serialized: bool = False
    name_hint: str | None = None  # table name or `as` name, for union withsource
    # the source has exactly `columns`, in order (so `SELECT *` keeps them); false for steps that also
    # carry hidden helper columns
    exact: bool = True
    # KQL's ingestion_time() for these rows: a constant (when the data was read), a hidden column of the
    # source (rows of a store), or None (unknown: null)
    ingestion_time: exp.Expression | None = None
    # datetime column -> (hidden column of the source holding its stored timestamp, that column's SQL type):
    # see Catalog.time_bounds; only the table's own relation and the filters right on it have them
    time_bounds: dict[str, tuple[str, str]] = field(default_factory=dict)
    # dynamic column -> (hidden key column, hidden value column) where the column is a one-property bag
    # (mv-expand of a bag) whenever the key is not null: bag_keys() and member access read the two columns
    # instead of parsing the bag built from them. Kept by the operators that keep the row (where, extend).
    bag_entries: dict[str, tuple[str, str]] = field(default_factory=dict)

    def column(self, name: str) -> Column | None:
        for col in self.columns:
            if col.name == name:
                return col
        return None

    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def hidden_names(self) -> list[str]:
        """The hidden helper columns that a step keeping every row as it is carries along."""
        names = [name for name, _ in self.time_bounds.values()]
        return names + [name for pair in self.bag_entries.values() for name in pair]


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def col_ref(name: str, table: str | None = None) -> exp.Column:
    return exp.Column(this=ident(name), table=ident(table) if table else None)


# Kusto's naming rules live in kqlite.compile.naming; these two are used everywhere
from kqlite.compile.naming import matches_pattern, unique_name  # noqa: E402,F401
