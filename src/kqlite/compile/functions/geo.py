"""Geospatial functions: distances and circles on the sphere, geohash cells, and geo_info_from_ip_address() (IP
geolocation from the MaxMind database the connection was given).

A mixin of `kqlite.compile.functions.Functions`. Distances are SQL arithmetic (the haversine formula on Kusto's
sphere); geohash cells and the database are computed in Python once per distinct value, as the other functions
computed per value are (functions/computed.py)."""

from __future__ import annotations

from sqlglot import exp

from kqlite import geohash
from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import ExprCompiler, Typed
from kqlite.compile.types import NUMERIC
from kqlite.errors import KqlSemanticError, KqlUnsupportedError
from kqlite.syntax import ast

# The sphere's radius in meters: S2's mean Earth radius, which Kusto's geospatial functions use (it gives the
# documented 1546754.35197381 m from Seattle to Los Angeles; the IUGG mean radius 6371008.8 gives 0.29 m less).
EARTH_RADIUS = 6371010.0


def _real(value: float) -> exp.Expression:
    return sb.cast(sb.number(value), "real")


def _between(x: exp.Expression, low: float, high: float) -> exp.Expression:
    return exp.Between(this=x.copy(), low=_real(low), high=_real(high))


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

    def _reals(self, c: ExprCompiler, node: ast.Call, args: list[Typed]) -> list[exp.Expression]:
        for arg in args:
            if arg.type not in NUMERIC:
                raise KqlSemanticError(f"{node.name}() takes numbers, not {arg.type}", c.text, node.pos)
        return [sb.cast(arg.sql, "real") for arg in args]

    def _sphere_distance(self, c: ExprCompiler, lon1, lat1, lon2, lat2) -> tuple[exp.Expression, exp.Expression]:
        """(valid, meters): whether both points are coordinates (longitude in [-180, 180], latitude in [-90, 90])
        and the great-circle distance between them by the haversine formula."""
        d = c.dialect

        def radians(x: exp.Expression) -> exp.Expression:
            return exp.Mul(this=exp.Paren(this=x.copy()), expression=_real(0.017453292519943295))

        def half_sine_squared(a: exp.Expression, b: exp.Expression) -> exp.Expression:
            half = exp.Div(this=exp.Paren(this=exp.Sub(this=radians(b), expression=radians(a))), expression=_real(2.0))
            sine = d.call("sin", [half])
            return exp.Mul(this=sine, expression=sine.copy())

        h = exp.Add(this=half_sine_squared(lat1, lat2),
                    expression=exp.Mul(this=exp.Mul(this=d.call("cos", [radians(lat1)]),
                                                    expression=d.call("cos", [radians(lat2)])),
                                       expression=half_sine_squared(lon1, lon2)))
        h = exp.Case(ifs=[exp.If(this=exp.GT(this=h.copy(), expression=_real(1.0)), true=_real(1.0))], default=h)
        meters = exp.Mul(this=_real(2.0 * EARTH_RADIUS), expression=d.call("asin", [exp.Sqrt(this=h)]))
        valid = exp.and_(_between(lon1, -180.0, 180.0), _between(lat1, -90.0, 90.0),
                         _between(lon2, -180.0, 180.0), _between(lat2, -90.0, 90.0))
        return valid, meters

    def f_geo_distance_2points(self, c, node, args):
        """The shortest distance in meters between two points on the sphere; null for a point that is not a
        coordinate (documented)."""
        self.arity(c, node, args, 4, 5)
        if len(args) == 5:
            spheroid = args[4]
            if spheroid.type != "bool":
                raise KqlSemanticError("geo_distance_2points()'s use_spheroid is a bool", c.text, node.pos)
            if not (spheroid.is_const and spheroid.const in (False, None)):
                raise KqlUnsupportedError("geo_distance_2points() on the spheroid (use_spheroid = true)", c.text,
                                          node.pos, "kqlite measures on Kusto's sphere: leave use_spheroid out")
        valid, meters = self._sphere_distance(c, *self._reals(c, node, args[:4]))
        return Typed(exp.Case(ifs=[exp.If(this=valid, true=meters)], default=sb.null("real")), "real")

    def f_geo_point_in_circle(self, c, node, args):
        """Whether a point is within `radius` meters (along the sphere) of the centre; null for a point or centre
        that is not a coordinate or a radius that is not positive (documented)."""
        self.arity(c, node, args, 5)
        lon, lat, centre_lon, centre_lat, radius = self._reals(c, node, args)
        valid, meters = self._sphere_distance(c, lon, lat, centre_lon, centre_lat)
        valid = exp.and_(valid, exp.GT(this=radius.copy(), expression=_real(0.0)))
        inside = exp.LTE(this=meters, expression=radius)
        return Typed(exp.Case(ifs=[exp.If(this=valid, true=inside)], default=sb.null("bool")), "bool")

    def f_geo_point_to_geohash(self, c, node, args):
        """The geohash of a point, `accuracy` characters long (1 to 18, 5 by default); empty for an invalid point
        or accuracy (documented)."""
        self.arity(c, node, args, 2, 3)
        self._reals(c, node, args[:2])
        if len(args) == 3 and args[2].type not in ("int", "long"):
            raise KqlSemanticError("geo_point_to_geohash()'s accuracy is a whole number", c.text, node.pos)
        return self.computed_per_values(c, node, args, geohash.encode, "string")

    def _geohash_text(self, c, node, args) -> list[Typed]:
        self.arity(c, node, args, 1)
        if args[0].type != "string":
            raise KqlSemanticError(f"{node.name}() takes a geohash string, not {args[0].type}", c.text, node.pos)
        return args

    def f_geo_geohash_to_central_point(self, c, node, args):
        """The centre of a geohash's cell as a GeoJSON point (longitude first); null for an invalid geohash."""
        return self.computed_per_values(c, node, self._geohash_text(c, node, args), geohash.central_point,
                                        "dynamic")

    def f_geo_geohash_neighbors(self, c, node, args):
        """The geohashes of the eight cells around one, in Kusto's order; null for an invalid geohash."""
        return self.computed_per_values(c, node, self._geohash_text(c, node, args), geohash.neighbours, "dynamic")
