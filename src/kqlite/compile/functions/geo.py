"""geo_info_from_ip_address(): IP geolocation from the MaxMind database the connection was given.

A mixin of `kqlite.compile.functions.Functions`. The database is not an engine function: the addresses the
data holds are read first (one distinct-value query), looked up in Python, and the answers become a relation
of the engine (address -> JSON text) that the expression reads with a correlated lookup."""

from __future__ import annotations

import json

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import ExprCompiler, Typed
from kqlite.compile.scope import ident
from kqlite.errors import KqlUnsupportedError
from kqlite.syntax import ast

_ADDRESS, _INFO = "_kq_geo_address", "_kq_geo_info"


class GeoFunctions:
    def f_geo_info_from_ip_address(self, c: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
        """Where an IPv4 or IPv6 address is: {country, state, city, latitude, longitude}, with the fields the
        database has for it; null for text that is not an address or an address the database does not know."""
        from kqlite.geoip import HOW_TO_SET

        self.arity(c, node, args, 1)
        geo = self.compiler.ctx.geoip
        if geo is None:
            raise KqlUnsupportedError("geo_info_from_ip_address() needs an IP geolocation database", c.text,
                                      node.pos, HOW_TO_SET)
        address = args[0] if args[0].type == "string" else self.convert(c, args[0], "string")
        if address.is_const:
            info = geo.lookup(address.const) if isinstance(address.const, str) else None
            return Typed(sb.literal("dynamic", json.loads(info)) if info else sb.null("dynamic"), "dynamic")
        found = [(value, info) for value in self._distinct_texts(c, address.sql, node)
                 if (info := geo.lookup(value)) is not None]
        if not found:
            return Typed(sb.null("dynamic"), "dynamic")
        register = self.compiler.ctx.register_rows
        if register is None:
            raise KqlUnsupportedError("geo_info_from_ip_address() of values the data holds, on this backend",
                                      c.text, node.pos, "look up a constant address")
        import pyarrow as pa

        table = register(pa.table({_ADDRESS: [a for a, _ in found], _INFO: [i for _, i in found]}))
        # a correlated lookup, aggregated (Spark takes no other scalar subquery); the engine makes it a join
        lookup = (exp.Select().select(exp.Max(this=exp.column(_INFO, table="_g", quoted=True)), copy=False)
                  .from_(exp.Table(this=table.this.copy(), alias=exp.TableAlias(this=ident("_g"))), copy=False)
                  .where(exp.EQ(this=exp.column(_ADDRESS, table="_g", quoted=True), expression=address.sql),
                         copy=False))
        return Typed(c.dialect.shape("parse_json", s=exp.Subquery(this=lookup)), "dynamic")

    def _distinct_texts(self, c: ExprCompiler, text: exp.Expression, node: ast.Call) -> list[str]:
        """The distinct non-empty values of a text expression over the rows it runs on."""
        compiler = self.compiler
        if compiler.probe is None:
            raise KqlUnsupportedError("geo_info_from_ip_address() without data to read the addresses from",
                                      c.text, node.pos)
        select = exp.Select().select(exp.alias_(text.copy(), "v", quoted=True), copy=False).distinct()
        if c.relation is not None:
            select = select.from_(c.relation.source.copy(), copy=False)
        return sorted(value for (value,) in compiler.probe(compiler.with_ctes(select))
                      if isinstance(value, str) and value.strip())
