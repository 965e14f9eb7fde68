"""What every backend does the same way: pick a query's flavour, compile it, and describe the answer."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlglot import exp

from kqlite.compile import CompiledQuery
from kqlite.compile.catalog import Catalog
from kqlite.compile.scope import Column, ident
from kqlite.errors import KqlError, KqlSemanticError, KqlUnsupportedError
from kqlite.result import Result
from kqlite.schemas import flavour_only_tables, known_tables
from kqlite.syntax import ast
from kqlite.syntax.tokens import Kind, tokenize


@dataclass
class Explanation:
    """What a query reads and how kqlite runs it (``Connection.explain``)."""

    tables: list[str]
    operators: list[str]
    sql: str
    flavour: str = "defender"
    notes: list[str] = field(default_factory=list)


def choose_flavour(script: ast.Script, connection_flavour: str) -> str:
    """The flavour a query is written for: the connection's, or under "auto" Sentinel when it names a table
    only Sentinel has, else Defender (a later compile may still move it to Sentinel: `compile_in_flavour`)."""
    if connection_flavour != "auto":
        return connection_flavour
    tokens = tokenize(script.text)
    names = {tok.text for tok in tokens if tok.kind is Kind.IDENT}
    # names the query defines itself (`let Usage = ...`, `... as Heartbeat`, `Event = count()`) are not tables
    defined = {b.text for a, b in zip(tokens, tokens[1:], strict=False)
               if a.is_word("let", "as") and b.kind is Kind.IDENT}
    defined |= {a.text for a, b in zip(tokens, tokens[1:], strict=False) if b.is_op("=") and a.kind is Kind.IDENT}
    if (names - defined) & flavour_only_tables("sentinel"):
        return "sentinel"
    return "defender"


def compile_in_flavour(script: ast.Script, compile_for: Callable[[str], CompiledQuery], forced: str | None,
                       connection_flavour: str) -> CompiledQuery:
    """Compile for the chosen flavour; under "auto", a Defender compile that fails on names only Sentinel's
    flavour of the same tables has (TimeGenerated, TenantId, ...) is compiled again for Sentinel."""
    chosen = forced or choose_flavour(script, connection_flavour)
    try:
        compiled = compile_for(chosen)
    except KqlSemanticError as first_error:
        if forced or connection_flavour != "auto" or chosen == "sentinel":
            raise
        try:
            compiled = compile_for("sentinel")
        except KqlError:
            raise first_error from None
        chosen = "sentinel"
    compiled.flavour = chosen
    return compiled


# A column the data lacks is read from its counterpart of the other flavour when the data has that one:
# Defender exports carry Timestamp, Sentinel / Log Analytics exports TimeGenerated, for the same instant.
STAND_INS = {"Timestamp": "TimeGenerated", "TimeGenerated": "Timestamp"}


def source_column(column: str, schema: list[tuple[str, str]], present: Collection[str]) -> str | None:
    """The data's column that holds schema column `column`: the same name, else its other-flavour stand-in,
    else the same name in another case (`timestamp` in a hand-made CSV) unless that is a schema column itself."""
    if column in present:
        return column
    if STAND_INS.get(column) in present:
        return STAND_INS[column]
    folded = {name.casefold(): name for name in reversed(list(present))}
    other_case = folded.get(column.casefold())
    if other_case is not None and other_case not in {name for name, _ in schema}:
        return other_case
    return None


class ConnectionCatalog(Catalog):
    """A connection's tables as a query of one flavour sees them; views are made when a query names them.
    The connection gives `has_table`, `table_columns`, `view_name`, `source_names` and `ingestion_time`."""

    def __init__(self, connection: Any, flavour: str):
        super().__init__()
        self.connection = connection
        self.flavour = flavour

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.connection.has_table(name)

    def __getitem__(self, name: str) -> list[Column]:
        return self.connection.table_columns(name, self.flavour)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(known_table_names() | set(self.connection.source_names())))

    def __len__(self) -> int:
        return len(known_table_names() | set(self.connection.source_names()))

    def relation(self, name: str) -> exp.Table:
        return exp.Table(this=ident(self.connection.view_name(name, self.flavour)))

    def populated(self) -> list[str]:
        return sorted(self.connection.source_names())

    def ingestion_time(self, name: str) -> exp.Expression | None:
        return self.connection.ingestion_time(name)

    def time_bounds(self, name: str) -> dict[str, tuple[str, str]]:
        bounds = getattr(self.connection, "time_bounds", None)
        return bounds(name, self.flavour) if bounds is not None else {}


@cache
def known_table_names() -> frozenset[str]:
    return frozenset(known_tables())


def result_notes(result: Result, compiled: CompiledQuery) -> None:
    """What the user should know about an answer: the compiler's notes, and a possibly truncated result."""
    result.notes = list(compiled.notes)
    if compiled.options.max_records is not None and len(result) == compiled.options.max_records:
        result.notes.append(f"the result may be truncated to {compiled.options.max_records:,} records "
                            "(set truncationmaxrecords)")


def further_result(part: CompiledQuery, table: Any) -> Result:
    """A further result table of fork or facet (an Arrow table of `part`'s rows), with its name and notes."""
    result = Result(table, [c.name for c in part.columns], [c.type for c in part.columns], part.sql_text(), part.name)
    result_notes(result, part)
    return result


def one_table(compiled: CompiledQuery) -> None:
    """stream() hands out one table's rows: a query of several (fork, facet) is refused, never cut short."""
    if compiled.more:
        raise KqlUnsupportedError(f"this query returns {len(compiled.parts)} tables (fork or facet) and stream() "
                                  "gives the rows of one: run it with query(), whose Result.tables holds them all")


def explained_sql(compiled: CompiledQuery) -> str:
    """The SQL of a query's result table, or of each of its tables under its name (fork, facet)."""
    if not compiled.more:
        return compiled.sql_text(pretty=True)
    return "\n\n".join(f"-- {part.name}\n{part.sql_text(pretty=True)}" for part in compiled.parts)
