"""Geohash cells (https://en.wikipedia.org/wiki/Geohash) for geo_point_to_geohash, geo_geohash_to_central_point
and geo_geohash_neighbors: a cell's code interleaves the bits of its longitude and latitude intervals, the
longitude's first, five bits a character."""

from __future__ import annotations

import math

_ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz"
_INDEX = {ch: i for i, ch in enumerate(_ALPHABET)}
MAX_ACCURACY = 18
# Kusto's order of the eight neighbours (its documented example for "sunny"), as (longitude, latitude) steps
_NEIGHBOUR_STEPS = ((-1, -1), (-1, 1), (1, -1), (0, 1), (-1, 0), (1, 1), (1, 0), (0, -1))


def _valid_point(longitude: object, latitude: object) -> bool:
    return (isinstance(longitude, int | float) and isinstance(latitude, int | float)
            and not isinstance(longitude, bool) and not isinstance(latitude, bool)
            and -180.0 <= longitude <= 180.0 and -90.0 <= latitude <= 90.0)


def encode(longitude: object, latitude: object, accuracy: object = 5) -> str | None:
    """The geohash of `accuracy` characters (1 to 18) of a point; None for an invalid point or accuracy."""
    if not _valid_point(longitude, latitude):
        return None
    if isinstance(accuracy, float) and accuracy.is_integer():
        accuracy = int(accuracy)
    if isinstance(accuracy, bool) or not isinstance(accuracy, int) or not 1 <= accuracy <= MAX_ACCURACY:
        return None
    intervals = [[-180.0, 180.0], [-90.0, 90.0]]
    values = (float(longitude), float(latitude))  # type: ignore[arg-type]
    code, bits, char, axis = [], 0, 0, 0
    while len(code) < accuracy:
        low, high = intervals[axis]
        middle = (low + high) / 2.0
        if values[axis] >= middle:
            char = char * 2 + 1
            intervals[axis][0] = middle
        else:
            char *= 2
            intervals[axis][1] = middle
        axis, bits = 1 - axis, bits + 1
        if bits == 5:
            code.append(_ALPHABET[char])
            bits, char = 0, 0
    return "".join(code)


def bounds(geohash: object) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of a geohash's cell; None for text that is not a geohash of 1 to 18
    characters."""
    if not isinstance(geohash, str) or not 1 <= len(geohash) <= MAX_ACCURACY:
        return None
    intervals = [[-180.0, 180.0], [-90.0, 90.0]]
    axis = 0
    for ch in geohash:
        index = _INDEX.get(ch)
        if index is None:
            return None
        for shift in range(4, -1, -1):
            middle = (intervals[axis][0] + intervals[axis][1]) / 2.0
            intervals[axis][0 if index >> shift & 1 else 1] = middle
            axis = 1 - axis
    return intervals[0][0], intervals[1][0], intervals[0][1], intervals[1][1]


def central_point(geohash: object) -> dict | None:
    """The cell's centre as a GeoJSON point, longitude first."""
    cell = bounds(geohash)
    if cell is None:
        return None
    west, south, east, north = cell
    return {"type": "Point", "coordinates": [(west + east) / 2.0, (south + north) / 2.0]}


def neighbours(geohash: object) -> list[str] | None:
    """The geohashes of the same length of the (up to) eight cells around one: longitudes wrap around the
    antimeridian; there are no cells beyond the poles."""
    cell = bounds(geohash)
    if cell is None:
        return None
    west, south, east, north = cell
    width, height = east - west, north - south
    centre = ((west + east) / 2.0, (south + north) / 2.0)
    out = []
    for step_x, step_y in _NEIGHBOUR_STEPS:
        latitude = centre[1] + step_y * height
        if not -90.0 < latitude < 90.0:
            continue
        longitude = centre[0] + step_x * width
        longitude = math.remainder(longitude, 360.0) if not -180.0 <= longitude < 180.0 else longitude
        code = encode(longitude, latitude, len(geohash))  # type: ignore[arg-type]
        if code is not None:
            out.append(code)
    return out
