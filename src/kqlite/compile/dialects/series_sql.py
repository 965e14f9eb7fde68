"""SQL text of the series algorithms too long to write by hand twice (series_decompose and its kind,
series_outliers' Tukey scores, series_fit_2lines), written once over a few list primitives that each dialect
spells its own way (DuckDB's 1-based list_* functions, Spark's 0-based higher-order functions).

Only the dialect modules use this: the results are entries of their SHAPES tables, with holes (:l, :p...) that
the compiler fills with sqlglot nodes. Every intermediate value is bound once with `let` (a lambda over a
one-element list), so that nothing is computed twice."""

from __future__ import annotations

import itertools


class ListSql:
    """List primitives; indexes are 0-based here whatever the engine counts from."""

    def __init__(self) -> None:
        self._names = itertools.count(1)

    def var(self, hint: str) -> str:
        # a name no query column can take (see base.hide_lambda_variables)
        return f"__kq_{hint}{next(self._names)}"

    def let(self, value: str, body) -> str:
        v = self.var("v")
        return self._let(value, v, body(v))

    def map(self, items: str, body) -> str:
        v = self.var("e")
        return self._map(items, v, body(v))

    def filter(self, items: str, cond) -> str:
        v = self.var("f")
        return self._filter(items, v, cond(v))

    def half(self, n: str) -> str:
        return f"CAST(floor(({n}) / 2) AS BIGINT)"

    def third(self, n: str) -> str:
        return f"CAST(floor(({n}) / 3) AS BIGINT)"

    def avg(self, items: str) -> str:
        return self.let(self.filter(items, lambda e: f"{e} IS NOT NULL"),
                        lambda f: f"CASE WHEN {self.size(f)} = 0 THEN NULL ELSE {self.sum(f)} / {self.size(f)} END")

    def median(self, items: str) -> str:
        return self.quantile(items, "0.5")


class DuckDBLists(ListSql):
    def _let(self, value, v, body):
        return f"list_transform([{value}], {v} -> {body})[1]"

    def _map(self, items, v, body):
        return f"list_transform({items}, {v} -> {body})"

    def _filter(self, items, v, cond):
        return f"list_filter({items}, {v} -> {cond})"

    def size(self, items):
        return f"len({items})"

    def at(self, items, i):
        return f"{items}[({i}) + 1]"

    def range(self, a, b):
        return f"range({a}, {b})"

    def sum(self, items):
        return f"coalesce(list_sum({items}), CAST(0 AS DOUBLE))"

    def min(self, items):
        return f"list_min({items})"

    def max(self, items):
        return f"list_max({items})"

    def quantile(self, items, q):
        # linear interpolation between the closest ranks (nulls skipped)
        return f"list_aggregate({items}, 'quantile_cont', {q})"

    def array(self, *items):
        return "[" + ", ".join(items) + "]"

    def doubles(self, items):
        return f"CAST({items} AS DOUBLE[])"

    def empty(self):
        return "CAST([] AS DOUBLE[])"


class SparkLists(ListSql):
    def _let(self, value, v, body):
        return f"transform(array({value}), {v} -> {body})[0]"

    def _map(self, items, v, body):
        return f"transform({items}, {v} -> {body})"

    def _filter(self, items, v, cond):
        return f"filter({items}, {v} -> {cond})"

    def size(self, items):
        return f"size({items})"

    def at(self, items, i):
        return f"get({items}, {i})"

    def range(self, a, b):
        # Spark's sequence counts down when b < a: filtered to a, a + 1, ... b - 1
        v = self.var("r")
        return f"filter(sequence(CAST({a} AS BIGINT), greatest(CAST({b} AS BIGINT), CAST({a} AS BIGINT))), {v} -> {v} < {b})"

    def sum(self, items):
        a, x = self.var("acc"), self.var("s")
        return f"aggregate({items}, CAST(0 AS DOUBLE), ({a}, {x}) -> {a} + coalesce(CAST({x} AS DOUBLE), CAST(0 AS DOUBLE)))"

    def min(self, items):
        return f"array_min({items})"

    def max(self, items):
        return f"array_max({items})"

    def quantile(self, items, q):
        # linear interpolation between the closest ranks (nulls skipped), as DuckDB's quantile_cont
        def on_sorted(s):
            return self.let(f"({q}) * ({self.size(s)} - 1)", lambda pos: self.let(
                f"CAST(floor({pos}) AS INT)",
                lambda lo: f"CASE WHEN {self.size(s)} = 0 THEN NULL ELSE {self.at(s, lo)} + ({pos} - {lo}) * "
                           f"(coalesce({self.at(s, f'{lo} + 1')}, {self.at(s, lo)}) - {self.at(s, lo)}) END"))

        return self.let(f"array_sort({self.filter(items, lambda e: f'{e} IS NOT NULL')})", on_sorted)

    def array(self, *items):
        return "array(" + ", ".join(items) + ")"

    def doubles(self, items):
        return f"CAST({items} AS ARRAY<DOUBLE>)"

    def empty(self):
        return "CAST(array() AS ARRAY<DOUBLE>)"


# ------------------------------------------------------------------ series_decompose

def _detect_period(q: ListSql, train: str, m: str, threshold: str) -> str:
    """series_periods_detect's best period of the training points (0 for none): the lag in [4, m / 3] whose
    autocorrelation is a local maximum and the highest such, when it passes the threshold. The autocorrelation
    is the sample ACF scaled by m / (m - lag) (series_seasonal's documented detections need both: 6 of 25 points
    and 5 of 20 found at 0.7, none in 12 points) of the values less their least squares line (a trend would otherwise hide the
    period: the documentation's forecast example needs this), a missing value counting as on the line."""
    def with_deviations(d):
        return q.let(q.sum(q.map(d, lambda e: f"{e} * {e}")), lambda den: (
            f"CASE WHEN NOT ({den} > 0) THEN 0 ELSE "
            + q.let(q.map(q.range("0", f"{q.half(m)} + 2"), lambda g: q.sum(q.map(
                q.range("0", f"{m} - {g}"), lambda j: f"{q.at(d, j)} * {q.at(d, f'{j} + {g}')}"))
                + f" / {den} * {m} / greatest({m} - {g}, 1)"),
                lambda acf: q.let(q.filter(q.range("4", f"{q.third(m)} + 1"), lambda g: (
                    f"{q.at(acf, g)} >= {q.at(acf, f'{g} - 1')} AND {q.at(acf, g)} >= {q.at(acf, f'{g} + 1')}")),
                    lambda candidates: q.let(q.max(q.map(candidates, lambda g: q.at(acf, g))), lambda best: (
                        f"CASE WHEN {best} > {threshold} THEN "
                        + q.at(q.filter(candidates, lambda g: f"{q.at(acf, g)} = {best}"), "0")
                        + " ELSE 0 END"))))
            + " END"))

    line = _line(q, train, m)
    return q.let(q.doubles(q.map(q.range("0", m), lambda j: (
        f"coalesce({q.at(train, j)} - {q.at(line, j)}, CAST(0 AS DOUBLE))"))), with_deviations)


def _line(q: ListSql, values: str, m: str, n: str | None = None) -> str:
    """The least squares line through the present values[0..m) over x = 0, 1, ..., as a list of n values (n:
    m by default) extending it."""
    present = q.filter(q.range("0", m), lambda j: f"{q.at(values, j)} IS NOT NULL")
    return q.let(present, lambda js: q.let(q.avg(q.map(js, lambda j: f"CAST({j} AS DOUBLE)")), lambda mx: q.let(
        f"coalesce({q.avg(values)}, CAST(0 AS DOUBLE))", lambda my: q.let(
            q.sum(q.map(js, lambda j: f"({j} - {mx}) * ({j} - {mx})")), lambda sxx: q.let(
                f"CASE WHEN {sxx} > 0 THEN "
                + q.sum(q.map(js, lambda j: f"({j} - {mx}) * ({q.at(values, j)} - {my})"))
                + f" / {sxx} ELSE CAST(0 AS DOUBLE) END", lambda slope: q.doubles(q.map(
                    q.range("0", n or m), lambda i: f"{my} + {slope} * ({i} - coalesce({mx}, CAST(0 AS DOUBLE)))")))))))


def decompose(q: ListSql, trend: str) -> str:
    """[baseline, seasonal, trend, residual] of the reals :l; :p the seasonality (-1: detect, 0: none), :k the
    test points, :h the seasonality threshold; `trend` is avg, linefit or none."""
    def body(x):
        n = q.size(x)
        return q.let(f"greatest({n} - greatest(:k, 0), 0)", lambda m: q.let(
            q.map(q.range("0", m), lambda i: q.at(x, i)), lambda train: q.let(
                f"CASE WHEN :p < 0 THEN {_detect_period(q, train, m, ':h')} ELSE :p END", lambda p: q.let(
                    # per phase, the median of the training points in it
                    f"CASE WHEN {p} > 0 THEN " + q.doubles(q.map(q.range("0", p), lambda ph: "coalesce(" + q.median(
                        q.map(q.filter(q.range("0", m), lambda j: f"{j} % {p} = {ph}"), lambda j: q.at(train, j)))
                        + ", CAST(0 AS DOUBLE))")) + f" ELSE {q.empty()} END", lambda medians: q.let(
                        q.doubles(q.map(q.range("0", n), lambda i: (
                            f"CASE WHEN {p} > 0 THEN coalesce({q.at(medians, f'{i} % {p}')}, CAST(0 AS DOUBLE)) "
                            "ELSE CAST(0 AS DOUBLE) END"))), lambda seasonal: q.let(
                            q.map(q.range("0", m), lambda i: f"{q.at(x, i)} - {q.at(seasonal, i)}"), lambda deseasonal: q.let(
                                _trend(q, trend, deseasonal, m, n), lambda tr: q.array(
                                    q.doubles(q.map(q.range("0", n), lambda i: f"{q.at(seasonal, i)} + {q.at(tr, i)}")),
                                    seasonal, tr,
                                    q.doubles(q.map(q.range("0", n), lambda i: (
                                        f"{q.at(x, i)} - {q.at(seasonal, i)} - {q.at(tr, i)}")))))))))))

    return q.let(q.doubles(":l"), body)


def _trend(q: ListSql, trend: str, deseasonal: str, m: str, n: str) -> str:
    if trend == "none":
        return q.doubles(q.map(q.range("0", n), lambda i: "CAST(0 AS DOUBLE)"))
    if trend == "avg":
        return q.let(f"coalesce({q.avg(deseasonal)}, CAST(0 AS DOUBLE))",
                     lambda mu: q.doubles(q.map(q.range("0", n), lambda i: mu)))
    # linefit: least squares over the training points present, extended to the test points
    return _line(q, deseasonal, m, n)


def outlier_scores(q: ListSql) -> str:
    """Tukey's fences on the reals :l with the :q and :w quantiles as the box: (v - high) / (high - low) above
    it, (v - low) / (high - low) below it, 0 inside it, for a missing value, or when the box is empty."""
    return q.let(q.quantile(":l", ":q"), lambda low: q.let(q.quantile(":l", ":w"), lambda high: q.doubles(q.map(
        ":l", lambda v: (f"CASE WHEN {v} IS NULL OR NOT ({high} - {low} > 0) THEN CAST(0 AS DOUBLE) "
                         f"WHEN {v} > {high} THEN ({v} - {high}) / ({high} - {low}) "
                         f"WHEN {v} < {low} THEN ({v} - {low}) / ({high} - {low}) ELSE CAST(0 AS DOUBLE) END")))))


def anomaly_flags(q: ListSql) -> str:
    """+1 / -1 / 0 for the scores :l above :z, below -:z, between."""
    return q.map(":l", lambda v: f"CAST(CASE WHEN {v} > :z THEN 1 WHEN {v} < -(:z) THEN -1 ELSE 0 END AS BIGINT)")


# ------------------------------------------------------------------ series_fit_2lines

def _segment(q: ListSql, y: str, a: str, b: str) -> str:
    """[slope, interception, total sum of squares, residual sum of squares, length] of the least squares line
    through y[a..b) over x = 1, 2, ... (as series_fit_line on that part alone)."""
    return q.let(q.doubles(q.map(q.range(a, b), lambda j: q.at(y, j))), lambda g: q.let(
        f"CAST({q.size(g)} AS DOUBLE)", lambda n: q.let(q.sum(g), lambda sy: q.let(
            q.sum(q.map(q.range("0", q.size(g)), lambda j: f"{q.at(g, j)} * ({j} + 1)")) + f" - ({n} + 1) / 2 * {sy}",
            lambda sxy: q.let(f"{n} * ({n} * {n} - 1) / 12", lambda sxx: q.let(
                q.sum(q.map(g, lambda e: f"({e} - {sy} / {n}) * ({e} - {sy} / {n})")), lambda sst: q.let(
                    f"CASE WHEN {sxx} > 0 THEN {sxy} / {sxx} ELSE CAST(0 AS DOUBLE) END", lambda slope: q.array(
                        slope, f"{sy} / {n} - {slope} * ({n} + 1) / 2", sst,
                        f"greatest({sst} - {slope} * {sxy}, CAST(0 AS DOUBLE))", n))))))))


def fit_2lines(q: ListSql) -> str:
    """[[rsquare, split_idx, variance, rvariance, right_rsquare, right_slope, right_interception,
    right_variance, right_rvariance, left_...], line_fit] of the reals :l: the split (the first index of the
    right part, each part at least 2 points) whose two lines leave the least residual sum of squares."""
    def part(seg):
        sst, sse, n = q.at(seg, "2"), q.at(seg, "3"), q.at(seg, "4")
        return [f"CASE WHEN {sst} > 0 THEN 1 - {sse} / {sst} END", q.at(seg, "0"), q.at(seg, "1"),
                f"{sst} / ({n} - 1)", f"{sse} / ({n} - 1)"]

    def body(y):
        n = q.size(y)
        return q.let(_segment(q, y, "0", n), lambda whole: q.let(
            q.map(q.range("2", f"{n} - 1"), lambda s: q.let(_segment(q, y, "0", s), lambda left: q.let(
                _segment(q, y, s, n), lambda right: f"{q.at(left, '3')} + {q.at(right, '3')}"))), lambda errors: q.let(
                q.min(errors), lambda least: q.let(
                    q.at(q.filter(q.range("0", q.size(errors)), lambda j: f"{q.at(errors, j)} = {least}"), "0") + " + 2",
                    lambda split: q.let(_segment(q, y, "0", split), lambda left: q.let(
                        _segment(q, y, split, n), lambda right: q.array(
                            q.doubles(q.array(
                                f"CASE WHEN {q.at(whole, '2')} > 0 THEN 1 - {least} / {q.at(whole, '2')} END",
                                f"CAST({split} AS DOUBLE)", f"{q.at(whole, '2')} / ({n} - 1)", f"{least} / ({n} - 1)",
                                *part(right), *part(left))),
                            q.doubles(q.map(q.range("0", n), lambda i: (
                                f"CASE WHEN {i} < {split} THEN {q.at(left, '1')} + {q.at(left, '0')} * ({i} + 1) "
                                f"ELSE {q.at(right, '1')} + {q.at(right, '0')} * ({i} - {split} + 1) END"))))))))))

    return f"CASE WHEN {q.size(':l')} >= 4 THEN " + q.let(q.doubles(":l"), body) + " END"


def fill_linear(q: ListSql) -> str:
    """series_fill_linear of the reals :l: an element equal to :m (or null) is missing and takes the straight
    line between its nearest present neighbours; at the ends (when :e) the nearest present value, else it stays
    missing; a series with nothing present is :c throughout."""
    def body(x):
        n = q.size(x)

        def value(i):
            before = q.max(q.filter(q.range("0", i), lambda j: f"{q.at(x, j)} IS NOT NULL"))
            after = q.min(q.filter(q.range(f"{i} + 1", n), lambda j: f"{q.at(x, j)} IS NOT NULL"))
            return f"CASE WHEN {q.at(x, i)} IS NOT NULL THEN {q.at(x, i)} ELSE " + q.let(before, lambda p: q.let(
                after, lambda a: (
                    f"CASE WHEN {p} IS NULL AND {a} IS NULL THEN NULL "
                    f"WHEN {p} IS NULL THEN CASE WHEN :e THEN {q.at(x, a)} END "
                    f"WHEN {a} IS NULL THEN CASE WHEN :e THEN {q.at(x, p)} END "
                    f"ELSE {q.at(x, p)} + ({q.at(x, a)} - {q.at(x, p)}) * ({i} - {p}) / ({a} - {p}) END"))) + " END"

        present = q.size(q.filter(x, lambda e: f"{e} IS NOT NULL"))
        return (f"CASE WHEN {present} = 0 THEN " + q.doubles(q.map(x, lambda e: "CAST(:c AS DOUBLE)"))
                + " ELSE " + q.doubles(q.map(q.range("0", n), value)) + " END")

    return q.let(q.doubles(q.map(":l", lambda e: f"CASE WHEN {e} = :m THEN NULL ELSE {e} END")), body)


def shapes(q: ListSql) -> dict[str, str]:
    return {
        "series_fill_linear": fill_linear(q),
        "series_decompose_avg": decompose(q, "avg"),
        "series_decompose_linefit": decompose(q, "linefit"),
        "series_decompose_none": decompose(q, "none"),
        "series_outlier_scores": outlier_scores(q),
        "series_anomaly_flags": anomaly_flags(q),
        "series_fit_2lines": fit_2lines(q),
    }
