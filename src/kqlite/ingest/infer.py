"""Text columns typed to the bundled schemas by Arrow casts, and columns no schema describes typed from their data.

A column no schema describes is typed from all its values at once (empty ones do not vote): ISO 8601
datetimes -> datetime, whole numbers -> long, other numbers -> real, true/false -> bool, JSON objects and
arrays -> dynamic, anything else or a mix -> string, with the original text kept. A dynamic column is Arrow's
canonical JSON extension type (``arrow.json``, storage UTF-8): DuckDB reads it, and a store keeps it, as its
``JSON`` type, which the engine takes for ``dynamic``.
"""

from __future__ import annotations

import ast

import orjson
import pyarrow as pa

from kqlite.ingest.timestamps import to_micros

DYNAMIC = pa.json_(pa.string())

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(), "long": pa.int64(), "int": pa.int32(), "real": pa.float64(), "bool": pa.bool_(),
    "datetime": pa.timestamp("us"), "dynamic": pa.string(), "guid": pa.string(), "timespan": pa.string(),
    "decimal": pa.float64(),
}
TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}

# RE2 patterns, matched by Arrow over whole columns
_BOOL = "(?i)^(true|false)$"
_LONG = r"^[+-]?\d+$"
_REAL = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_DATETIME = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}([.,]\d{1,9})?)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?$"
_JSON = r"^(\{.*\}|\[.*\])$"


def cast_text(array: pa.Array, kql_type: str) -> pa.Array | None:
    """Text to `kql_type` by Arrow casts ('' is null); None when a value does not convert."""
    import pyarrow.compute as pc  # here: 0.02 s to import, which an EVTX ingest need not pay

    text = pc.if_else(pc.equal(pc.utf8_trim_whitespace(array), ""), pa.scalar(None, pa.string()), array)
    try:
        if kql_type in ("long", "int", "real", "decimal"):
            return pc.cast(text, ARROW_TYPES[kql_type])
        if kql_type == "bool":
            lowered = pc.utf8_lower(pc.utf8_trim_whitespace(text))
            known = pc.or_(pc.is_in(lowered, pa.array(sorted(TRUE | FALSE))), pc.is_null(lowered))
            if not pc.all(known).as_py():
                return None
            return pc.if_else(pc.is_null(lowered), pa.scalar(None, pa.bool_()), pc.is_in(lowered, pa.array(sorted(TRUE))))
        if kql_type == "datetime":
            for target in (pa.timestamp("ns", tz="UTC"), pa.timestamp("ns")):  # with an offset or 'Z', or none (UTC)
                try:
                    nanos = pc.cast(pc.cast(pc.utf8_trim_whitespace(text), target), pa.int64())
                    break
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    continue
            else:
                return None
            return pc.cast(pc.divide(pc.subtract(nanos, pc.if_else(pc.less(nanos, 0), 999, 0)), 1000), pa.int64()) \
                .cast(pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    return None


def dynamic_array(array: pa.Array, strict: bool = False) -> pa.Array | None:
    """JSON text as the JSON extension type ('' is null). A value that is not JSON becomes a JSON string
    holding its text (as Kusto's dynamic() of a string), or, when `strict`, the answer is None."""
    values = []
    for text in array.to_pylist():
        if text is None or not text.strip():
            values.append(None)
            continue
        try:
            orjson.loads(text)
            values.append(text)
        except orjson.JSONDecodeError:
            if strict:
                return None
            values.append(orjson.dumps(text).decode())
    return pa.ExtensionArray.from_storage(DYNAMIC, pa.array(values, pa.string()))


def python_literal_json(text: str) -> str | None:
    """A Python literal of a dict or list (``{'a': True, 'b': None}``, as ``str()`` writes one) as JSON text."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if not isinstance(value, dict | list):
        return None
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # a set or bytes inside: not JSON
        return None


def infer_text(array: pa.Array, hint: str | None = None) -> tuple[pa.Array, str]:
    """A text column of a table no schema describes, typed from its values: (typed array, KQL type).
    `hint` is a type the source declared (the Log Analytics API's column types); it is taken if every value
    reads as it. Anything else, or a mix, stays the original text."""
    import pyarrow.compute as pc  # here: 0.02 s to import, which an EVTX ingest need not pay

    array = array.cast(pa.string()) if array.type != pa.string() else array
    trimmed = pc.utf8_trim_whitespace(array)
    voters = trimmed.filter(pc.and_(pc.is_valid(trimmed), pc.not_equal(trimmed, "")))
    if len(voters) == 0:
        return array, "string"
    if hint is not None and hint in ARROW_TYPES:
        typed = _as_type(array, hint)
        if typed is not None:
            return typed, hint
    for kql_type, pattern in (("bool", _BOOL), ("long", _LONG), ("real", _REAL), ("datetime", _DATETIME),
                              ("dynamic", _JSON)):
        if pc.all(pc.match_substring_regex(voters, pattern)).as_py():
            typed = _as_type(array, kql_type, strict=True)
            if typed is not None:
                return typed, kql_type
            break  # e.g. a whole number too large for a long, 2024-02-30: keep the text
    return array, "string"


def _as_type(array: pa.Array, kql_type: str, strict: bool = False) -> pa.Array | None:
    import pyarrow.compute as pc  # here: 0.02 s to import, which an EVTX ingest need not pay

    if kql_type in ("string", "guid", "timespan"):
        return array
    if kql_type == "dynamic":
        return dynamic_array(array, strict=strict)
    if kql_type == "bool" and strict:  # inferred: only true/false, not 1/0 or yes/no
        lowered = pc.utf8_lower(pc.utf8_trim_whitespace(array))
        return pc.if_else(pc.equal(lowered, ""), pa.scalar(None, pa.bool_()), pc.equal(lowered, "true"))
    typed = cast_text(array, kql_type)
    if typed is None and kql_type == "datetime":  # forms Arrow does not read but Python does ("...,123")
        try:
            micros = [to_micros(text) for text in array.to_pylist()]
        except ValueError:
            return None
        return pa.array(micros, pa.int64()).cast(pa.timestamp("us"))
    return typed
