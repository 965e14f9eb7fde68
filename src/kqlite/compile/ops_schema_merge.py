"""evaluate schema_merge([PreserveOrder]): schemas (rows as getschema gives them) merged into one.

The engine reads the input's rows in order (one query); kqlite.compile.schema_merge merges them in Python; the
merged schema is a VALUES list of getschema's columns, as the analyzer types getschema (it does not know
schema_merge).
"""

from __future__ import annotations

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.env import Env
from kqlite.compile.ops_rows import DOTNET_TYPES
from kqlite.compile.schema_merge import merge, schema_rows, split_schemas
from kqlite.compile.scope import Column, Relation, col_ref, ident
from kqlite.syntax import ast

SCHEMA_COLUMNS = [Column("ColumnName", "string"), Column("ColumnOrdinal", "long"), Column("DataType", "string"),
                  Column("ColumnType", "string")]
_NEEDED = {"ColumnName": ("string",), "ColumnOrdinal": ("int", "long"), "ColumnType": ("string",)}


class SchemaMergePlugin:
    def schema_merge(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        preserve = self.schema_merge_preserve_order(plugin, env)
        for name, types in _NEEDED.items():
            col = rel.column(name)
            if col is None or col.type not in types:
                raise self.semantic(f"schema_merge(): the input needs a {' or '.join(types)} column '{name}' (the "
                                    "rows of getschema)", plugin.pos, "union A | getschema, B | getschema, then "
                                    "evaluate schema_merge()")
        if self.probe is None:
            raise self.unsupported("schema_merge() without data to read the schemas from", plugin.pos)
        rows = [(name, int(ordinal), ctype) for name, ordinal, ctype in self.probe(self.schema_merge_read(rel))
                if ordinal is not None]
        merged = schema_rows(merge(split_schemas(rows), preserve), DOTNET_TYPES)
        if not merged:
            select = exp.Select().select(*[exp.alias_(sb.null(c.type), c.name, quoted=True) for c in SCHEMA_COLUMNS],
                                         copy=False).where(exp.false(), copy=False)
            return self.step(select, SCHEMA_COLUMNS)
        values = exp.Values(expressions=[exp.Tuple(expressions=[sb.string(n), sb.literal("long", o), sb.string(d),
                                                                sb.string(t)]) for n, o, d, t in merged],
                            alias=exp.TableAlias(this=ident("_v"), columns=[ident(c.name) for c in SCHEMA_COLUMNS]))
        select = exp.Select().select(*[col_ref(c.name) for c in SCHEMA_COLUMNS], copy=False).from_(values, copy=False)
        return self.step(select, SCHEMA_COLUMNS)

    def schema_merge_preserve_order(self, plugin: ast.Call, env: Env) -> bool:
        """PreserveOrder: true unless given false (by position or by name)."""
        if not plugin.args:
            return True
        if len(plugin.args) > 1:
            raise self.semantic(f"schema_merge() takes at most 1 argument (PreserveOrder), got {len(plugin.args)}",
                                plugin.args[1].pos)
        arg = plugin.args[0]
        if isinstance(arg, ast.NamedArg):
            if arg.name.lower() != "preserveorder":
                raise self.semantic(f"schema_merge() has no argument '{arg.name}' (it takes PreserveOrder)", arg.pos)
            arg = arg.value
        value = self.exprs(env, None).compile(arg)
        if value.type != "bool" or not value.is_const or value.const is None:
            raise self.semantic("schema_merge(): PreserveOrder must be a bool constant (true or false)", arg.pos)
        return bool(value.const)

    def schema_merge_read(self, rel: Relation) -> exp.Select:
        """The input's ColumnName, ColumnOrdinal and ColumnType, in the input's order."""
        order = [self.ordered(col_ref(n), d, nf) for n, d, nf in rel.order] if rel.order else \
            [exp.Ordered(this=self.dialect.shape("input_order"))]
        select = self.select_from(rel).select(*[col_ref(n) for n in _NEEDED], copy=False).order_by(*order, copy=False)
        return self.with_ctes(select)
