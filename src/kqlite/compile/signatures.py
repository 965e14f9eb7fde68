"""Argument types Kusto accepts, by the parameter kinds of Microsoft's analyzer (data/signatures.json, written by
scripts/update_signatures.py): a call no signature of its function accepts is refused, as Kusto refuses it,
instead of being run with the engine's conversions (`isnan("a")`, `datetime_add("day", 1, 5)`).

What each kind takes was read off the analyzer (the type property test, tests/test_function_types.py, holds it
to that). Only what can be told from the types is checked: a dynamic value may be an array or a bag (the
analyzer tells a literal's shape; kqlite lets it pass), a parameter that wants a literal or one of a list of
values is the builder's to check, and the kinds whose arguments must share a common type (coalesce, iff,
max_of) are not checked here. When the arguments fit no signature's arity, the builder reports that.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kqlite.compile.expressions import Typed

_NUMBERS = frozenset({"int", "long", "real", "decimal"})
_SCALARS = frozenset({"bool", "int", "long", "real", "decimal", "string", "datetime", "timespan", "guid", "dynamic"})
# a dynamic literal's shape, which the analyzer tells apart: "array" (dynamic([1])) and "bag" (dynamic({}))
_DYNAMICS = frozenset({"dynamic", "array", "bag"})

# the argument types each parameter kind takes (None: not checked here)
_KINDS: dict[str, frozenset[str] | None] = {
    "Scalar": _SCALARS | _DYNAMICS,
    "Any": None,
    "Number": _NUMBERS,
    "Integer": frozenset({"int", "long"}),
    "NumberOrBool": _NUMBERS | {"bool"},
    "NotDynamic": _SCALARS - {"dynamic"},
    "StringOrDynamic": _DYNAMICS | {"string"},
    "StringOrArray": _DYNAMICS | {"string"},
    "IntegerOrArray": _DYNAMICS | {"int", "long"},
    "DynamicArray": frozenset({"dynamic", "array"}),
    "DynamicBag": frozenset({"dynamic", "bag"}),
    "Summable": _NUMBERS | {"datetime", "timespan"},
    "Orderable": _NUMBERS | {"bool", "string", "datetime", "timespan"},
    "NotRealOrBool": (_SCALARS | _DYNAMICS) - {"real", "bool"},
}
# a declared type takes itself and what Kusto promotes to it
_DECLARED: dict[str, frozenset[str]] = {
    "string": frozenset({"string", "dynamic"}),
    "long": frozenset({"int", "long"}),
    "int": frozenset({"int", "long"}),  # series_fit_poly's degree: the analyzer wants an int, its page passes 5
    "real": frozenset({"int", "long", "real"}),
    "decimal": frozenset({"int", "long", "real", "decimal"}),
    "bool": frozenset({"bool"}),
    "datetime": frozenset({"datetime"}),
    "timespan": frozenset({"timespan"}),
    "guid": frozenset({"guid"}),
}
_EXPECTED = {
    "Number": "a number", "Integer": "an integer (int or long)", "NumberOrBool": "a number or a bool",
    "NotDynamic": "a value that is not dynamic", "StringOrDynamic": "a string or a dynamic value",
    "StringOrArray": "a string or a dynamic array", "IntegerOrArray": "an integer or a dynamic array",
    "DynamicArray": "a dynamic array", "DynamicBag": "a dynamic bag", "Scalar": "a scalar value",
    "Summable": "summable (a number, datetime or timespan)",
    "Orderable": "orderable (a number, bool, string, datetime or timespan)",
    "NotRealOrBool": "a value that is not real nor bool",
}

Parameter = tuple[str, list[str], int, int]  # (kind, declared types, least and most occurrences)

# where the real engine takes more than the analyzer declares: count(x) of any column (recorded conformance
# cases; the analyzer has count() and count(predicate) only)
_ENGINE_TAKES_MORE = frozenset({("aggregate", "count")})
# functions of key and value pairs
_PAIRS = frozenset({("function", "pack"), ("function", "bag_pack"), ("function", "pack_dictionary")})
# and parameters it types wider: make_timespan's seconds, a real on its page (make_timespan(1, 12, 30, 55.123));
# the analyzer wants an integer there
_WIDER = {("function", "make_timespan"): lambda signature: [*signature[:-1], ("Number", [], *signature[-1][2:])]
          if len(signature) >= 3 and signature[-1][0] == "Integer" else signature}


@cache
def _signatures(kind: str) -> dict[str, list[list[Parameter]]]:
    text = resources.files("kqlite.compile").joinpath("data", "signatures.json").read_text(encoding="utf-8")
    loaded = {name: [[tuple(param) for param in signature] for signature in signatures]  # type: ignore[misc]
              for name, signatures in json.loads(text)[kind].items()}
    for (wider_kind, name), widen in _WIDER.items():
        if wider_kind == kind and name in loaded:
            loaded[name] = [widen(signature) for signature in loaded[name]]
    return loaded


def refusal(name: str, args: list[Typed | None], kind: str = "function") -> tuple[int, str] | None:
    """(argument index, message) when no signature of the function or aggregate `name` takes `args` (compiled;
    None: an argument not compiled here, taken by any parameter); None when one does, or when this cannot tell."""
    wrong = mismatch(name, [None if arg is None else argument_type(arg.type, arg.const, arg.is_const)
                            for arg in args], kind)
    if wrong is None:
        return None
    index, expected = wrong
    return index, f"{name}(): argument {index + 1} must be {expected}, not {args[index].type}"  # type: ignore[union-attr]


def argument_type(type_: str, const: object, is_const: bool) -> str | None:
    """The type the signatures are checked with: a dynamic literal's shape ("array", "bag"), a KQL type, or None
    where not known."""
    if type_ == "dynamic" and is_const:
        return "array" if isinstance(const, list) else "bag" if isinstance(const, dict) else "dynamic"
    return type_ if type_ in _SCALARS else None


def mismatch(name: str, types: list[str | None], kind: str = "function") -> tuple[int, str] | None:
    """(argument index, what it should be) when no signature of the function (`kind` "function") or aggregate
    (`kind` "aggregate") `name` takes arguments of `types` (None: a type not known here, taken by any
    parameter); None when one does, or when this cannot tell."""
    signatures = _signatures(kind).get(name)
    if not signatures or (kind, name) in _ENGINE_TAKES_MORE:
        return None
    if (kind, name) in _PAIRS:  # declared as keys then values; called as key, value, key, value...
        if not types or len(types) % 2:
            return None  # the builder tells a wrong count of arguments
        key, value = signatures[0]
        signatures = [[(key[0], key[1], 1, 1), (value[0], value[1], 1, 1)] * (len(types) // 2)]
    worst: tuple[int, str] | None = None
    for signature in signatures:
        if not sum(param[2] for param in signature) <= len(types) <= sum(param[3] for param in signature):
            continue  # the builder tells a wrong count of arguments
        fits, index, kind = _fit(signature, types, 0)
        if fits:
            return None
        if kind is not None and (worst is None or index > worst[0]):  # the signature that fits longest tells
            worst = (index, _expected(kind))
    return worst


def _fit(params: list[Parameter], types: list[str | None], start: int
         ) -> tuple[bool, int, tuple[str, list[str]] | None]:
    """Whether the arguments from `start` on fit the parameters (each taken as many times as it may occur, in
    every way the count of arguments allows: a repeated parameter may be followed by an optional one); if
    not, the furthest argument that fits no parameter, and that parameter's kind."""
    if not params:
        return start == len(types), start, None
    kind, declared, least, most = params[0]
    room = len(types) - start - sum(param[2] for param in params[1:])
    best: tuple[bool, int, tuple[str, list[str]] | None] = (False, -1, None)
    for count in range(least, min(most, room) + 1):
        # the arguments this parameter takes: all of them the first time, then the one more
        taken = range(start, start + count) if count == least else (start + count - 1,)
        wrong = next((index for index in taken
                      if types[index] is not None and not _takes((kind, declared), types[index])), None)  # type: ignore[arg-type]
        if wrong is not None:
            best = _further(best, (False, wrong, (kind, declared)))
            break  # taking more arguments for this parameter fails at the same one
        result = _fit(params[1:], types, start + count)
        if result[0]:
            return result
        best = _further(best, result)
    return best


def _further(one: tuple[bool, int, tuple[str, list[str]] | None], other: tuple[bool, int, tuple[str, list[str]] | None]
             ) -> tuple[bool, int, tuple[str, list[str]] | None]:
    """Of two failures, one at an argument that fits no parameter over one where arguments were left over;
    then the one further along the arguments."""
    if (other[2] is not None, other[1]) > (one[2] is not None, one[1]):
        return other
    return one


def _takes(kind: tuple[str, list[str]], type_: str) -> bool:
    name, declared = kind
    if name == "Declared":
        known = [_DECLARED.get(each) for each in declared]
        return any(accepted is None or type_ in accepted for accepted in known)
    accepted = _KINDS.get(name)
    return accepted is None or type_ in accepted


def _expected(kind: tuple[str, list[str]]) -> str:
    name, declared = kind
    if name == "Declared":
        return " or ".join(f"a value of type {each}" for each in declared)
    return _EXPECTED.get(name, name)
