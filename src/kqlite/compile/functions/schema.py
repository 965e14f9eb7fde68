"""Functions about the table a row comes from: column_ifexists(), ingestion_time().

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>."""

from __future__ import annotations

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import Typed
from kqlite.compile.scope import col_ref
from kqlite.errors import KqlSemanticError


class SchemaFunctions:
    def f_column_ifexists(self, c, node, args):
        """The column named by a constant, or the default when the row has no such column (the default's
        type then decides the result's)."""
        self.arity(c, node, args, 2)
        name, default = args
        if not (name.is_const and isinstance(name.const, str)):
            raise KqlSemanticError("column_ifexists() needs a constant column name", c.text, node.pos)
        column = c.relation.column(name.const) if c.relation is not None else None
        if column is None:
            return default
        return Typed(col_ref(column.name, c.alias), column.type, column.name)

    def f_ingestion_time(self, c, node, args):
        """When the row was ingested: per row for a kqlite store, the time the data was read for files and
        tables attached directly; null where the rows no longer map to one table's (after a join or
        summarize), as Kusto gives null for tables without an ingestion time."""
        self.arity(c, node, args, 0)
        ingested = c.relation.ingestion_time if c.relation is not None else None
        if ingested is None:
            return Typed(sb.null("datetime"), "datetime")
        if isinstance(ingested, exp.Column) and c.alias is not None:
            return Typed(col_ref(ingested.name, c.alias), "datetime")
        return Typed(ingested.copy(), "datetime")
