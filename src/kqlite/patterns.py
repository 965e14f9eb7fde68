"""Pattern mining for evaluate autocluster(), basket() and diffpatterns(), in Python on the distinct value
combinations of a table (the engine groups the rows first and gives each combination its weight).

A pattern is a set of (column, value) items, at most one per column: it covers the rows that have every one of
its values (the other columns are wildcards). Kusto does not publish its algorithms; each function follows its
documentation page and states its reading (docs/supported.md, "Pattern-mining plugins"):

- `basket`: the closed frequent patterns (Apriori, level by level): a pattern is frequent when its rows weigh at
  least Threshold of all; closed when no further value is shared by all its rows (a pattern and its closure cover
  the same rows, so only the closure is reported); at most MaxDimensions values are chosen, the values the
  closure adds (correlated with the chosen ones) are free.
- `diffpatterns`: Seed-Expand on the difference. From each value whose share of set A or of set B reaches
  Threshold, a pattern grows by the value that most widens the gap between its two shares, while one does; the
  patterns grown whose shares differ by at least Threshold are kept, best first, unless one contains another
  that differs more.
- `autocluster`: Seed-Expand. Each seed (the heaviest value combinations) is a pattern of all its values; a local
  search toggles one column at a time (wildcard it, or set it back to the seed's value) while that raises the
  score, the weighted geometric mean of the coverage and of the share of columns with a value (weights SizeWeight
  and 1 - SizeWeight); the local optima, best first, are kept unless one contains another that scores better.

Every function is deterministic: the combinations are ordered by their values before mining.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_PATTERNS = 20_000  # closed patterns one mining may visit before it gives up (an error that says so)

Items = tuple[tuple[int, int], ...]  # (column index, value code), by column


class TooManyPatterns(Exception):
    """The data has more frequent patterns than MAX_PATTERNS."""


@dataclass(frozen=True)
class Found:
    """One reported pattern: its values (column index -> value) and the weights of the rows it covers."""

    values: dict[int, Any]
    weight: float  # the covered rows' weight (of set A for diffpatterns)
    weight_b: float = 0.0  # diffpatterns: of set B


class Combinations:
    """The distinct value combinations of the dimension columns, with their weights, as value codes."""

    def __init__(self, rows: Sequence[Sequence[Any]], weights: Sequence[float], width: int,
                 sides: Sequence[int] | None = None):
        order = sorted(range(len(rows)), key=lambda i: (tuple(_sort_key(v) for v in rows[i]),
                                                        sides[i] if sides else 0))
        self.width = width
        self.values: list[list[Any]] = [[] for _ in range(width)]  # per column: code -> value
        codes = np.zeros((len(rows), width), dtype=np.int64)
        for column in range(width):
            seen: dict[Any, int] = {}
            for position, i in enumerate(order):
                key = _hashable(rows[i][column])
                if key not in seen:
                    seen[key] = len(self.values[column])
                    self.values[column].append(rows[i][column])
                codes[position, column] = seen[key]
        self.codes = codes
        self.weights = np.array([float(weights[i] or 0) for i in order], dtype=np.float64)
        self.sides = np.array([sides[i] for i in order], dtype=np.int8) if sides is not None else None
        self._masks: dict[tuple[int, int], np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.weights)

    def mask(self, item: tuple[int, int]) -> np.ndarray:
        found = self._masks.get(item)
        if found is None:
            found = self._masks[item] = self.codes[:, item[0]] == item[1]
        return found

    def items(self) -> list[tuple[int, int]]:
        return [(column, code) for column in range(self.width) for code in range(len(self.values[column]))]

    def closure(self, mask: np.ndarray) -> Items:
        """The values every covered combination shares."""
        covered = self.codes[mask]
        first = covered[0]
        return tuple((column, int(first[column])) for column in range(self.width)
                     if bool(np.all(covered[:, column] == first[column])))

    def cover(self, items: Items) -> np.ndarray:
        mask = np.ones(len(self), dtype=bool)
        for item in items:
            mask &= self.mask(item)
        return mask

    def found(self, items: Items, mask: np.ndarray) -> Found:
        values = {column: self.values[column][code] for column, code in items}
        if self.sides is None:
            return Found(values, float(self.weights[mask].sum()))
        return Found(values, float(self.weights[mask & (self.sides == 0)].sum()),
                     float(self.weights[mask & (self.sides == 1)].sum()))


def closed_patterns(data: Combinations, frequent: Callable[[np.ndarray], bool], max_chosen: int
                    ) -> dict[Items, np.ndarray]:
    """Every closed pattern reached by choosing at most `max_chosen` values, each step frequent (the test is
    anti-monotone: a pattern's rows are a subset of its sub-patterns'), level by level as Apriori goes."""
    singles = [item for item in data.items() if frequent(data.mask(item))]
    found: dict[Items, np.ndarray] = {}
    level: list[tuple[Items, np.ndarray]] = [((), np.ones(len(data), dtype=bool))]
    for _ in range(max_chosen):
        following: list[tuple[Items, np.ndarray]] = []
        for items, mask in level:
            taken = {column for column, _ in items}
            for item in singles:
                if item[0] in taken:
                    continue
                narrower = mask & data.mask(item)
                if not narrower.any() or not frequent(narrower):
                    continue
                closed = data.closure(narrower)
                if closed in found:
                    continue
                found[closed] = narrower
                if len(found) > MAX_PATTERNS:
                    raise TooManyPatterns
                following.append((closed, narrower))
        level = following
        if not level:
            break
    return found


def basket(data: Combinations, threshold: float, max_dimensions: int) -> list[Found]:
    """The closed patterns whose rows weigh at least `threshold` of all, by Count x values, largest first."""
    total = float(data.weights.sum())
    if not len(data) or total <= 0:
        return []
    least = threshold * total - 1e-9 * total
    patterns = closed_patterns(data, lambda mask: float(data.weights[mask].sum()) >= least, max_dimensions)
    reported = [data.found(items, mask) for items, mask in patterns.items() if items]
    # the page's example lists its patterns in this order (the rows' count times the columns they fix)
    reported.sort(key=lambda p: (-p.weight * len(p.values), -p.weight, _pattern_key(p)))
    return reported


def diffpatterns(data: Combinations, threshold: float, max_dimensions: int) -> list[Found]:
    """Seed-Expand on the difference: from each value frequent in A or in B, the pattern grows by the value that
    most widens the gap between its shares of A and of B, while one does (and at most `max_dimensions` values
    are chosen); the patterns it ends with whose shares differ by at least `threshold`, best first, none
    containing or contained in one that differs more."""
    assert data.sides is not None
    in_a, in_b = data.sides == 0, data.sides == 1
    total_a, total_b = float(data.weights[in_a].sum()), float(data.weights[in_b].sum())
    if total_a <= 0 or total_b <= 0:
        return []
    eps = 1e-12

    def shares(mask: np.ndarray) -> tuple[float, float]:
        return float(data.weights[mask & in_a].sum()) / total_a, float(data.weights[mask & in_b].sum()) / total_b

    def gap(mask: np.ndarray) -> float:
        share_a, share_b = shares(mask)
        return abs(share_a - share_b)

    singles = [item for item in data.items() if max(shares(data.mask(item))) >= threshold - eps]
    ends: dict[Items, np.ndarray] = {}
    for seed in singles:
        mask = data.mask(seed)
        items, widest, chosen = data.closure(mask), gap(mask), 1
        while chosen < max_dimensions:
            taken = {column for column, _ in items}
            best: tuple[float, np.ndarray] | None = None
            for item in singles:
                if item[0] in taken:
                    continue
                narrower = mask & data.mask(item)
                if not narrower.any() or max(shares(narrower)) < threshold - eps:
                    continue
                wider = gap(narrower)
                if wider > widest + eps and (best is None or wider > best[0] + eps):
                    best = (wider, narrower)
            if best is None:
                break
            widest, mask = best
            items, chosen = data.closure(mask), chosen + 1
        if widest >= threshold - eps:
            ends[items] = mask
    ranked = sorted(ends, key=lambda items: (-gap(ends[items]), len(items), items))
    kept = _not_outranked(ranked, lambda items: gap(ends[items]))
    reported = [data.found(items, ends[items]) for items in ranked if items in kept]
    reported.sort(key=lambda p: (-abs(p.weight / total_a - p.weight_b / total_b), -(p.weight + p.weight_b),
                                 _pattern_key(p)))
    return reported


def autocluster(data: Combinations, size_weight: float, seeds: int) -> list[Found]:
    """Seed-Expand: the local optima of the score from the heaviest combinations, best first, none containing
    or contained in a better one."""
    total = float(data.weights.sum())
    width = data.width
    if not len(data) or total <= 0 or width == 0:
        return []

    def score(items: Items) -> float:
        if not items:
            return 0.0
        coverage = float(data.weights[data.cover(items)].sum()) / total
        return coverage ** size_weight * (len(items) / width) ** (1 - size_weight)

    heaviest = sorted(range(len(data)), key=lambda i: -data.weights[i])[:seeds]
    optima: dict[Items, float] = {}
    for row in heaviest:
        seed = tuple((column, int(data.codes[row, column])) for column in range(width))
        chosen = set(range(width))
        best = score(seed)
        while True:
            moves = [(score(tuple(item for item in seed if item[0] in chosen ^ {column})), column)
                     for column in range(width)]
            value, column = max(moves, key=lambda m: (m[0], -m[1]))
            if value <= best * (1 + 1e-12):
                break
            best, chosen = value, chosen ^ {column}
        items = tuple(item for item in seed if item[0] in chosen)
        if items:
            optima[items] = best
    ranked = sorted(optima, key=lambda items: (-optima[items], len(items), items))
    kept = _not_outranked(ranked, optima.__getitem__)
    return [data.found(items, data.cover(items)) for items in ranked if items in kept]


def _not_outranked(ranked: list[Items], score: Callable[[Items], float]) -> set[Items]:
    """The patterns of a list ranked best first that neither contain nor are contained in one that scores more."""
    kept: set[Items] = set()
    earlier: list[tuple[frozenset, float]] = []
    for items in ranked:
        mine, value = frozenset(items), score(items)
        if not any(other_value > value + 1e-12 and (mine <= other or other <= mine) for other, other_value in earlier):
            kept.add(items)
        earlier.append((mine, value))
    return kept


def _hashable(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    if isinstance(value, list | dict):
        return repr(value)
    return value


def _sort_key(value: Any) -> tuple:
    """A total order over the values of a column (nulls first, then by type, then by value)."""
    if value is None:
        return (0, "", 0)
    if isinstance(value, bool):
        return (1, "bool", int(value))
    if isinstance(value, int | float):
        return (1, "number", 0 if math.isnan(value) else value)
    return (1, type(value).__name__, str(value))


def _pattern_key(pattern: Found) -> tuple:
    return tuple((column, _sort_key(value)) for column, value in sorted(pattern.values.items()))
