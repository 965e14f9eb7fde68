"""Dynamic values whose shape the compiler knows, read without building or parsing JSON.

mv-expand of a bag gives one-property bags {key: value}; a query then reads them back with
`bag_keys(Field)[0]`, `Field[Key]` or `Field.name`. Built as JSON and parsed again, each row costs a
serialisation and several parses; known, each of those reads is a column or a comparison. A `Known` says:
where `guard` holds the value has this shape, elsewhere it is `general` (the same value, read the usual way).
Every read below is exact on both sides of the guard, so results do not depend on which side a row is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp

Build = Callable[..., exp.Expression]


@dataclass(frozen=True)
class Known:
    guard: exp.Expression
    # "bag": {key: value}; "keys": the array [key]; "string": the JSON string holding key;
    # "list": the JSON array of the engine's list `key` (split()'s parts); "element": an element of such a
    # list, `key` its text (null past the list's end)
    kind: str
    key: exp.Expression
    value: exp.Expression | None
    general: exp.Expression


def string_list(parts: exp.Expression, general: exp.Expression) -> Known:
    """split()'s value: always the JSON array of the list of texts `parts` (an index reads the list, with no JSON
    built or parsed per row)."""
    return Known(exp.true(), "list", parts, None, general)


def single_property_bag(key: exp.Expression, value: exp.Expression) -> Known:
    """The value of an expanded bag's column: {key: value} where key is not null, else value itself."""
    return Known(exp.Not(this=exp.Is(this=key.copy(), expression=exp.Null())), "bag", key, value, value)


def whole(known: Known, bag: Build) -> exp.Expression:
    """The value itself: the bag `bag` builds from the key and value where the guard holds, `general` elsewhere."""
    return _choose(known, bag(known.key.copy(), known.value.copy()), known.general.copy())


def _choose(known: Known, fast: exp.Expression, slow: exp.Expression) -> exp.Expression:
    if known.guard == exp.true():  # always known
        return fast
    return exp.Case(ifs=[exp.If(this=known.guard.copy(), true=fast)], default=slow)


def member(known: Known | None, sql: exp.Expression, key: exp.Expression, access: Build) -> exp.Expression:
    """value[key]: `access` builds the usual member access of a JSON value."""
    if known is None or known.kind != "bag":
        return access(sql)
    matched = exp.Case(ifs=[exp.If(this=exp.EQ(this=known.key.copy(), expression=key.copy()),
                                   true=known.value.copy())])
    return _choose(known, matched, access(known.general.copy()))


def bag_keys(known: Known | None, sql: exp.Expression, keys: Build,
             to_json: Build) -> tuple[exp.Expression, Known | None]:
    """bag_keys(value), and what is known of the result."""
    if known is None or known.kind != "bag":
        return keys(sql), None
    general = keys(known.general.copy())
    single = to_json(exp.Array(expressions=[known.key.copy()]))
    return _choose(known, single, general), Known(known.guard, "keys", known.key, None, general)


def element(known: Known | None, sql: exp.Expression, index: int, at: Callable[[exp.Expression, int], exp.Expression],
            to_json: Build, item: Callable[[exp.Expression, int], exp.Expression]) -> tuple[exp.Expression, Known | None]:
    """value[index] for a constant index (negative: from the end), and what is known of the result. `at` reads a
    JSON array's element, `item` an engine list's (from 1; negative: from the end)."""
    if known is not None and known.kind == "list":
        text = item(known.key.copy(), index + 1 if index >= 0 else index)
        return to_json(text.copy()), Known(known.guard, "element", text, None, at(known.general.copy(), index))
    if known is None or known.kind != "keys" or index not in (0, -1):
        return at(sql, index), None
    general = at(known.general.copy(), index)
    text = to_json(known.key.copy())
    return _choose(known, text, general), Known(known.guard, "string", known.key, None, general)


def text(known: Known | None, sql: exp.Expression, to_text: Build) -> exp.Expression:
    """tostring(value): the key itself where the value is known to be the JSON string of it; a list's element
    as it is (empty past the list's end, where the element is null)."""
    if known is not None and known.kind == "element":
        return _choose(known, exp.Coalesce(this=known.key.copy(), expressions=[exp.Literal.string("")]),
                       to_text(known.general.copy()))
    if known is None or known.kind != "string":
        return to_text(sql)
    return _choose(known, known.key.copy(), to_text(known.general.copy()))
