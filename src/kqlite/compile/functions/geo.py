"""geo_info_from_ip_address(): IP geolocation from the MaxMind database the connection was given.

A mixin of `kqlite.compile.functions.Functions`. The database is not an engine function: the addresses are
looked up in Python once each, as the other functions computed per value are (functions/computed.py)."""

from __future__ import annotations

from kqlite.compile.expressions import ExprCompiler, Typed
from kqlite.errors import KqlUnsupportedError
from kqlite.syntax import ast


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
        return self.computed_per_value(c, node, address, geo.lookup, "dynamic")
