"""Kusto's naming rules, as pure functions: which columns an operator outputs, in what order, under what names.

Every backend and `explain` share them; they know nothing of SQL. Sources: kql-semantics.md (join, lookup,
union, extend, project-away, summarize) and the analyzer's answers (tests/test_naming.py, tests/corpus).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache

from kqlite.compile.types import numeric_result

__all__ = [
    "aggregate_name", "extend_order", "joined_names", "matches_pattern", "numeric_result", "union_columns",
    "unique_name",
]


def unique_name(name: str, taken: Iterable[str]) -> str:
    """`name`, or `name` + the smallest positive integer that makes it unused (`count_`, `count_1`...)."""
    taken = taken if isinstance(taken, set | frozenset | dict) else set(taken)
    if name not in taken:
        return name
    n = 1
    while f"{name}{n}" in taken:
        n += 1
    return f"{name}{n}"


@cache
def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else re.escape(c) for c in pattern) + r"\Z")


def matches_pattern(pattern: str, name: str) -> bool:
    """Kusto's column wildcards (project-away, project-keep, union T*): `*` matches any run; case-sensitive."""
    return bool(_wildcard(pattern).match(name)) if "*" in pattern else pattern == name


def joined_names(left: Sequence[str], right: Sequence[str], dropped: Iterable[str] = ()) -> list[str]:
    """The names of the right side's columns after a join or lookup: a name the output already has gets the
    smallest free number (DeviceName -> DeviceName1; again -> DeviceName2). `dropped`: right columns that are
    not output (lookup's keys); their slot is None."""
    dropped = set(dropped)
    taken = set(left) | set(right)
    assigned = set(left)
    names: list[str] = []
    for name in right:
        if name in dropped:
            names.append(None)  # type: ignore[arg-type]
            continue
        out = unique_name(name, taken | assigned) if name in assigned else name
        assigned.add(out)
        names.append(out)
    return names


def union_columns(legs: Sequence[Sequence[tuple[str, str]]], kind: str = "outer"
                  ) -> list[tuple[str, str, tuple[str, str]]]:
    """A union's columns: one per (name, type) in order of first appearance; a name that comes with several
    types becomes name_type for each (x_long, x_string). kind="inner" keeps the (name, type) every leg has.
    Each output is (output name, type, (source name, source type))."""
    by_name: dict[str, list[str]] = {}
    for leg in legs:
        for name, kql_type in leg:
            types = by_name.setdefault(name, [])
            if kql_type not in types:
                types.append(kql_type)
    common = set.intersection(*[set(leg) for leg in legs]) if kind == "inner" and legs else None
    out: list[tuple[str, str, tuple[str, str]]] = []
    seen: set[tuple[str, str]] = set()
    taken: set[str] = set()
    for leg in legs:
        for key in leg:
            if key in seen or (common is not None and key not in common):
                continue
            seen.add(key)
            name, kql_type = key
            wanted = name if len(by_name[name]) == 1 else f"{name}_{kql_type}"
            output = unique_name(wanted, taken)
            taken.add(output)
            out.append((output, kql_type, key))
    return out


def extend_order(existing: Sequence[str], assigned: Sequence[str]) -> list[str]:
    """Columns after `extend`: an assigned name that exists is replaced where it is, a new one goes last (in
    the order of assignment; assigning a name twice keeps its first place)."""
    order = list(existing)
    present = set(order)
    for name in assigned:
        if name not in present:
            order.append(name)
            present.add(name)
    return order


def aggregate_name(prefix: str, argument: str | None) -> str:
    """The name Kusto gives an unnamed aggregate: count() -> count_, sum(x) -> sum_x, sum(x + 1) -> sum_,
    arg_max(Timestamp, ...) keeps the columns' own names (not this function)."""
    return f"{prefix}_{argument}" if argument else f"{prefix}_"
