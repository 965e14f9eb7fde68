"""Series functions: element-wise arithmetic and comparison, filling, FIR filters, statistics and correlation of
the dynamic arrays make-series produces.

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>. Elements
are read as reals; a missing element (shorter series, null) gives null, as in Kusto."""

from __future__ import annotations

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import Typed
from kqlite.errors import KqlSemanticError, KqlUnsupportedError

_ARITHMETIC = {"add": exp.Add, "subtract": exp.Sub, "multiply": exp.Mul}
_UNARY = {
    "abs": lambda c, a: exp.Abs(this=a), "sign": lambda c, a: c.dialect.call("sign", [a]),
    "ceiling": lambda c, a: exp.Ceil(this=a), "floor": lambda c, a: exp.Floor(this=a),
    "exp": lambda c, a: c.dialect.call("exp", [a]), "log": lambda c, a: c.dialect.call("ln", [a]),
    "sin": lambda c, a: c.dialect.call("sin", [a]), "cos": lambda c, a: c.dialect.call("cos", [a]),
    "tan": lambda c, a: c.dialect.call("tan", [a]), "asin": lambda c, a: c.dialect.call("asin", [a]),
    "acos": lambda c, a: c.dialect.call("acos", [a]), "atan": lambda c, a: c.dialect.call("atan", [a]),
}
_COMPARISONS = {"greater": exp.GT, "greater_equals": exp.GTE, "less": exp.LT, "less_equals": exp.LTE,
                "equals": exp.EQ, "not_equals": exp.NEQ}


class SeriesFunctions:
    # ------------------------------------------------------------ element-wise

    def _elementwise(self, c, node, args, combine, integers=None, arity: int = 2) -> Typed:
        """Element i of the result: combine(a_i, b_i) on reals; `integers` (for + - *): on longs where both
        elements are whole numbers, as Kusto keeps long series long."""
        self.arity(c, node, args, arity)
        d = c.dialect
        reals, longs, lengths = [], [], []
        for arg in args:
            if arg.type == "dynamic":
                items = self.json_list(c, node, arg)
                lengths.append(d.shape("list_length", l=items))
                element = d.shape("list_element_at_i", l=items)
                reals.append(d.shape("json_number", e=element))
                longs.append(d.shape("json_integer", e=element.copy()))
            elif arg.type in ("int", "long", "real", "decimal"):
                reals.append(sb.cast(arg.sql, "real"))
                longs.append(sb.cast(arg.sql, "long") if arg.type in ("int", "long") else sb.null("long"))
            else:
                raise KqlSemanticError(f"{node.name}() takes dynamic arrays or numbers, got {arg.type}",
                                       c.text, node.pos)
        if not lengths:
            raise KqlSemanticError(f"{node.name}() needs at least one dynamic array", c.text, node.pos)
        size = lengths[0] if len(lengths) == 1 else d.call("greatest", lengths)
        element = self.json_of(Typed(*combine(*reals)))
        if integers is not None:
            both_whole = exp.and_(*[exp.Not(this=exp.Is(this=v.copy(), expression=exp.Null())) for v in longs])
            whole = self.json_of(Typed(integers(*longs), "long"))
            element = exp.Case(ifs=[exp.If(this=both_whole, true=whole)], default=element)
        return Typed(d.shape("json_zip", n=size, p=element), "dynamic")

    def _arithmetic(name: str):  # noqa: N805
        def build(self, c, node, args):
            def apply(a, b):
                return _ARITHMETIC[name](this=a, expression=b)

            return self._elementwise(c, node, args, lambda a, b: (apply(a, b), "real"), apply)

        return build

    def _comparison(name: str):  # noqa: N805
        def build(self, c, node, args):
            return self._elementwise(c, node, args, lambda a, b: (_COMPARISONS[name](this=a, expression=b), "bool"))

        return build

    f_series_add = _arithmetic("add")
    f_series_subtract = _arithmetic("subtract")
    f_series_multiply = _arithmetic("multiply")
    f_series_greater = _comparison("greater")
    f_series_greater_equals = _comparison("greater_equals")
    f_series_less = _comparison("less")
    f_series_less_equals = _comparison("less_equals")
    f_series_equals = _comparison("equals")
    f_series_not_equals = _comparison("not_equals")

    def _unary(kind: str, integers: bool = False):  # noqa: N805
        """series_<f>(x): f of each element, as a real (`integers`: a whole element stays whole, as abs())."""
        def build(self, c, node, args):
            def apply(a):
                return _UNARY[kind](c, a)

            return self._elementwise(c, node, args, lambda a: (sb.cast(apply(a), "real"), "real"),
                                     (lambda a: _UNARY[kind](c, a)) if integers else None, arity=1)

        return build

    f_series_abs = _unary("abs", integers=True)
    f_series_sign = _unary("sign", integers=True)
    f_series_ceiling = _unary("ceiling")
    f_series_floor = _unary("floor")
    f_series_exp = _unary("exp")
    f_series_log = _unary("log")
    f_series_sin = _unary("sin")
    f_series_cos = _unary("cos")
    f_series_tan = _unary("tan")
    f_series_asin = _unary("asin")
    f_series_acos = _unary("acos")
    f_series_atan = _unary("atan")

    def f_series_pow(self, c, node, args):
        return self._elementwise(c, node, args, lambda a, b: (exp.Pow(this=a, expression=b), "real"))

    def f_series_sum(self, c, node, args):
        """The sum of the numeric elements (real)."""
        self.arity(c, node, args, 1)
        return Typed(sb.coalesce(c.dialect.shape("list_total", l=self.series_numbers(c, node, args)), sb.number(0.0)),
                     "real")

    def f_series_product(self, c, node, args):
        """The product of the numeric elements (real; 1 for none)."""
        self.arity(c, node, args, 1)
        return Typed(c.dialect.shape("list_multiplied", l=self.series_numbers(c, node, args)), "real")

    def f_series_dot_product(self, c, node, args):
        """The sum of the element-wise products of two series (a number broadcasts)."""
        products = self.f_series_multiply(c, node, args)
        numbers = c.dialect.shape("json_list_numbers", l=self.json_list(c, node, products))
        return Typed(sb.coalesce(c.dialect.shape("list_total", l=numbers), sb.number(0.0)), "real")

    def f_series_magnitude(self, c, node, args):
        """The Euclidean norm of a series: the square root of its dot product with itself."""
        self.arity(c, node, args, 1)
        return Typed(exp.Sqrt(this=self.f_series_dot_product(c, node, [args[0], args[0]]).sql), "real")

    def f_series_cosine_similarity(self, c, node, args):
        """dot(a, b) / (|a| |b|)."""
        self.arity(c, node, args, 2)
        dot = self.f_series_dot_product(c, node, args).sql
        norms = [self.f_series_magnitude(c, node, [arg]).sql for arg in args]
        return Typed(c.dialect.shape("real_divide", a=dot, b=exp.Mul(this=norms[0], expression=norms[1])), "real")

    def f_series_divide(self, c, node, args):
        # Kusto divides as reals: x / 0 is an infinity or NaN
        return self._elementwise(c, node, args, lambda a, b: (c.dialect.shape("real_divide", a=a, b=b), "real"))

    # ------------------------------------------------------------ filling

    def f_series_fill_const(self, c, node, args):
        """Missing values (null, or the placeholder given as a third argument) become the constant."""
        self.arity(c, node, args, 2, 3)
        d = c.dialect
        items = self.json_list(c, node, args[0])
        element = d.shape("list_element_at_i", l=items)
        missing = d.shape("json_is_null", x=element.copy())
        if len(args) == 3:
            placeholder = self.json_of(args[2])
            missing = exp.or_(missing, exp.EQ(this=self.json_of(Typed(d.shape("json_number", e=element.copy()),
                                                                         "real")),
                                              expression=placeholder))
        value = exp.Case(ifs=[exp.If(this=missing, true=self.json_of(args[1]))], default=element.copy())
        return Typed(d.shape("json_zip", n=d.shape("list_length", l=items.copy()), p=value), "dynamic")

    def f_series_fill_forward(self, c, node, args):
        return self._fill_from(c, node, args, "json_last_non_null_upto_i")

    def f_series_fill_backward(self, c, node, args):
        return self._fill_from(c, node, args, "json_first_non_null_from_i")

    def _fill_from(self, c, node, args, shape: str) -> Typed:
        """Each missing value takes the nearest present one before (forward) or after (backward) it; missing
        values with none on that side stay missing."""
        self.arity(c, node, args, 1, 2)
        if len(args) == 2 and not (args[1].is_const and args[1].const is None):
            raise KqlUnsupportedError(f"{node.name}() with a missing-value placeholder", c.text, node.pos)
        d = c.dialect
        items = self.json_list(c, node, args[0])
        value = d.shape(shape, l=items)
        return Typed(d.shape("json_zip", n=d.shape("list_length", l=items.copy()), p=value), "dynamic")

    # ------------------------------------------------------------ filters

    def f_series_fir(self, c, node, args):
        """y[i] = sum over j of filter[j] * x[i - j] (x before the start is 0); normalize divides by the sum of
        the filter (the default when the filter's sum is not 0 ... as Kusto: default true)."""
        self.arity(c, node, args, 2, 4)
        d = c.dialect
        series, coefficients = args[0], args[1]
        if not (coefficients.is_const and isinstance(coefficients.const, list)
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in coefficients.const)
                and coefficients.const):
            raise KqlUnsupportedError("series_fir() with a filter that is not a constant array of numbers",
                                      c.text, node.pos)
        normalize, center = True, False
        for position, value in ((2, "normalize"), (3, "center")):
            if len(args) > position:
                if not (args[position].is_const and isinstance(args[position].const, bool)):
                    raise KqlUnsupportedError(f"series_fir() with a non-constant {value}", c.text, node.pos)
                if value == "normalize":
                    normalize = args[position].const
                else:
                    center = args[position].const
        if center:
            raise KqlUnsupportedError("series_fir() with center=true", c.text, node.pos)
        weights = [float(v) for v in coefficients.const]
        total = sum(weights)
        if normalize and total == 0:
            raise KqlSemanticError("series_fir(): a filter whose sum is 0 cannot be normalized", c.text, node.pos)
        items = self.json_list(c, node, series)
        terms = []
        for lag, weight in enumerate(weights):
            earlier = d.shape("json_number", e=d.shape("list_element_at_i_minus", l=items.copy(),
                                                         k=exp.Literal.number(lag)))
            terms.append(exp.Mul(this=sb.number(weight / total if normalize else weight),
                                 expression=sb.coalesce(earlier, sb.number(0.0))))
        value = terms[0]
        for term in terms[1:]:
            value = exp.Add(this=value, expression=term)
        element = self.json_of(Typed(value, "real"))
        if not normalize and all(float(w).is_integer() for w in weights):
            # whole weights on a whole-number series keep it whole (Kusto: [5, 10, -5, 10], not reals)
            current = d.shape("json_integer", e=d.shape("list_element_at_i", l=items.copy()))
            whole = self.json_of(Typed(sb.cast(value.copy(), "long"), "long"))
            element = exp.Case(ifs=[exp.If(this=exp.Not(this=exp.Is(this=current, expression=exp.Null())),
                                           true=whole)], default=element)
        return Typed(d.shape("json_zip", n=d.shape("list_length", l=items.copy()), p=element), "dynamic")

    def f_series_iir(self, c, node, args):
        """Infinite impulse response: y[i] = (sum of b[j] * x[i - j] - sum over j >= 1 of a[j] * y[i - j]) / a[0]
        (values before the start are 0), with constant numerator (b) and denominator (a) arrays."""
        self.arity(c, node, args, 3)
        d = c.dialect
        numerators, denominators = (self.constant_numbers(c, node, arg, what)
                                    for arg, what in ((args[1], "numerators"), (args[2], "denominators")))
        if denominators[0] == 0:
            raise KqlSemanticError("series_iir(): the first denominator must not be 0", c.text, node.pos)
        items = self.json_list(c, node, args[0])
        terms: list[exp.Expression] = []
        for lag, weight in enumerate(numerators):
            earlier = d.shape("json_number", e=d.shape("list_element_at_i_minus", l=items.copy(),
                                                         k=exp.Literal.number(lag)))
            terms.append(exp.Mul(this=sb.number(weight / denominators[0]), expression=sb.coalesce(earlier, sb.number(0.0))))
        for lag, weight in enumerate(denominators[1:], 1):
            earlier = d.shape("fold_output_at_i_minus", k=exp.Literal.number(lag))
            terms.append(exp.Mul(this=sb.number(-weight / denominators[0]), expression=sb.coalesce(earlier, sb.number(0.0))))
        value = terms[0]
        for term in terms[1:]:
            value = exp.Add(this=value, expression=term)
        return Typed(d.shape("json_fold_reals", n=d.shape("list_length", l=items.copy()), p=value), "dynamic")

    def constant_numbers(self, c, node, arg: Typed, what: str) -> list[float]:
        if not (arg.is_const and isinstance(arg.const, list) and arg.const
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in arg.const)):
            raise KqlUnsupportedError(f"{node.name}() with {what} that are not a constant array of numbers",
                                      c.text, node.pos)
        return [float(v) for v in arg.const]

    # ------------------------------------------------------------ statistics

    def series_numbers(self, c, node, args) -> exp.Expression:
        return c.dialect.shape("json_list_numbers", l=self.json_list(c, node, args[0]))

    def t_series_stats(self, c, node, args) -> list[tuple[str, Typed]]:
        """min, min_idx, max, max_idx, avg, stdev and variance (sample) of the numeric elements: 7 columns."""
        self.arity(c, node, args, 1, 2)
        d = c.dialect
        numbers = self.series_numbers(c, node, args)
        shapes = {"min": "list_min", "min_idx": "list_min_index", "max": "list_max", "max_idx": "list_max_index",
                  "avg": "list_average", "stdev": "list_stdev", "variance": "list_variance"}
        out = []
        for name, shape in shapes.items():
            kql_type = "long" if name.endswith("_idx") else "real"
            out.append((name, Typed(sb.cast(d.shape(shape, l=numbers.copy()), kql_type), kql_type)))
        return out

    def t_series_fit_line(self, c, node, args) -> list[tuple[str, Typed]]:
        """Least squares line over x = 1, 2, ... n (as Kusto's interception shows): rsquare, slope, variance and
        rvariance (sample, of the values and of the residuals), interception, line_fit."""
        self.arity(c, node, args, 1)
        d = c.dialect
        numbers = self.series_numbers(c, node, args)

        def num(value: float) -> exp.Expression:
            return sb.number(value)

        def div(a: exp.Expression, b: exp.Expression) -> exp.Expression:
            return exp.Div(this=exp.Paren(this=a), expression=exp.Paren(this=b))

        def mul(a: exp.Expression, b: exp.Expression) -> exp.Expression:
            return exp.Mul(this=exp.Paren(this=a), expression=exp.Paren(this=b))

        def sub(a: exp.Expression, b: exp.Expression) -> exp.Expression:
            return exp.Sub(this=exp.Paren(this=a), expression=exp.Paren(this=b))

        n = sb.cast(d.shape("list_length", l=numbers.copy()), "real")
        sum_y = d.shape("list_total", l=numbers.copy())
        sum_xy = d.shape("list_position_dot", l=numbers.copy())
        mean_x = div(exp.Add(this=n.copy(), expression=num(1.0)), num(2.0))
        # over x = 1..n: sum (x - mean x)^2 = n (n^2 - 1) / 12
        sxx = div(mul(n.copy(), sub(mul(n.copy(), n.copy()), num(1.0))), num(12.0))
        sxy = sub(sum_xy, mul(mean_x.copy(), sum_y.copy()))
        slope = div(sxy, sxx)
        interception = sub(div(sum_y.copy(), n.copy()), mul(slope.copy(), mean_x.copy()))
        variance = d.shape("list_variance", l=numbers.copy())
        # r^2 = explained / total sum of squares = slope * sxy / ((n - 1) variance)
        rsquare = div(mul(slope.copy(), sxy.copy()), mul(sub(n.copy(), num(1.0)), variance.copy()))
        rvariance = mul(sub(num(1.0), rsquare.copy()), variance.copy())
        position = sb.cast(exp.Add(this=d.shape("loop_index"), expression=exp.Literal.number(1)), "real")
        point = exp.Add(this=mul(slope.copy(), position), expression=exp.Paren(this=interception.copy()))
        line = d.shape("json_zip", n=d.shape("list_length", l=numbers.copy()), p=self.json_of(Typed(point, "real")))
        return [("rsquare", Typed(rsquare, "real")), ("slope", Typed(slope, "real")),
                ("variance", Typed(variance, "real")), ("rvariance", Typed(rvariance, "real")),
                ("interception", Typed(interception, "real")), ("line_fit", Typed(line, "dynamic"))]

    def f_series_stats_dynamic(self, c, node, args):
        """min, min_idx, max, max_idx, avg, stdev (sample), variance (sample), sum, len of the numeric elements."""
        self.arity(c, node, args, 1, 2)
        d = c.dialect
        numbers = d.shape("json_list_numbers", l=self.json_list(c, node, args[0]))
        stats = {
            "min": d.shape("list_min", l=numbers), "min_idx": d.shape("list_min_index", l=numbers),
            "max": d.shape("list_max", l=numbers), "max_idx": d.shape("list_max_index", l=numbers),
            "avg": d.shape("list_average", l=numbers), "stdev": d.shape("list_stdev", l=numbers),
            "variance": d.shape("list_variance", l=numbers), "sum": d.shape("list_total", l=numbers),
            "len": d.shape("list_length", l=numbers),
        }
        items: list[exp.Expression] = []
        for name, value in stats.items():
            kql_type = "long" if name in ("min_idx", "max_idx", "len") else "real"
            items += [sb.string(name), self.json_of(Typed(sb.cast(value, kql_type), kql_type))]
        return Typed(d.call("json_object", items), "dynamic")

    def f_series_pearson_correlation(self, c, node, args):
        """Pearson's r of two series of the same length (null when either is constant)."""
        self.arity(c, node, args, 2)
        d = c.dialect
        a, b = (d.shape("json_list_numbers", l=self.json_list(c, node, arg)) for arg in args)
        return Typed(d.shape("list_pearson", a=a, b=b), "real")

    # ------------------------------------------------------------ decomposition (series_decompose and its kind)

    def _constant(self, c, node, arg: Typed, what: str, kinds: tuple, default):
        """A constant argument (null or absent: the default)."""
        if arg is None or (arg.is_const and arg.const is None):
            return default
        if not arg.is_const or not isinstance(arg.const, kinds) or isinstance(arg.const, bool):
            raise KqlUnsupportedError(f"{node.name}() with a {what} that is not a constant", c.text, node.pos)
        return arg.const

    def _decomposition(self, c, node, series: Typed, rest: list, pre_column: bool = True) -> exp.Expression:
        """[baseline, seasonal, trend, residual] (lists of reals) of series_decompose(series, seasonality, trend,
        test_points, seasonality_threshold); `rest` holds the optional arguments (None where absent).

        Kusto's documentation (series_decompose) fixes the steps: the seasonal component is the median of the
        (training) points of the same phase, the trend is extracted from the series less it (avg: its average,
        linefit: a least squares line, extended to the test points, none: 0), baseline = seasonal + trend,
        residual = x - baseline. Readings of what it leaves open: a missing (null, non-numeric) element takes no
        part in a median, average or line and its residual is null; a phase without training points has a
        seasonal value of 0. Seasonality -1 detects the period as series_periods_detect does within [4, n / 3]
        (see series_sql._detect_period: the score is an autocorrelation, which need not be Kusto's exact score)."""
        seasonality, trend, test_points, threshold = (rest + [None] * 4)[:4]
        trend = self._constant(c, node, trend, "trend", (str,), "avg")
        if trend not in ("avg", "linefit", "none"):
            raise KqlSemanticError(f"{node.name}(): trend must be 'avg', 'linefit' or 'none', not '{trend}'",
                                   c.text, node.pos)

        def number(arg, what, default, kind):
            """A numeric argument: checked when constant, else the expression (null: the default)."""
            if arg is None or (arg.is_const and arg.const is None):
                return sb.cast(sb.number(default), kind)
            if arg.type not in ("int", "long", "real", "decimal"):
                raise KqlSemanticError(f"{node.name}(): the {what} must be a number", c.text, node.pos)
            if arg.is_const and kind == "long" and not float(arg.const).is_integer():
                raise KqlSemanticError(f"{node.name}(): the {what} must be a whole number", c.text, node.pos)
            if arg.is_const and what == "seasonality" and arg.const < -1:
                raise KqlSemanticError(f"{node.name}(): seasonality must be -1, 0 or a positive period",
                                       c.text, node.pos)
            if arg.is_const and what == "number of test points" and arg.const < 0:
                raise KqlSemanticError(f"{node.name}(): test points must not be negative", c.text, node.pos)
            return sb.coalesce(sb.cast(arg.sql, kind), sb.cast(sb.number(default), kind))

        note = (f"{node.name}() is computed as Kusto's documentation describes it; Kusto's own period detection "
                "(seasonality -1) and anomaly scores are not published, so baselines, scores and flags can differ "
                "from Defender's (docs/supported.md)")
        if note not in self.compiler.ctx.notes:  # a note on the result: never a silent difference
            self.compiler.ctx.notes.append(note)
        numbers = self.series_numbers(c, node, [series])
        parts = c.dialect.shape(f"series_decompose_{trend}", l=numbers, p=number(seasonality, "seasonality", -1, "long"),
                                k=number(test_points, "number of test points", 0, "long"),
                                h=number(threshold, "seasonality threshold", 0.6, "real"))
        # computed once, in a step before the columns that read it
        return c.pre_column(3, parts) if pre_column else parts

    def _series_part(self, c, parts: exp.Expression, index: int) -> exp.Expression:
        return c.dialect.shape("list_item", l=parts.copy(), i=exp.Literal.number(index))

    def t_series_decompose(self, c, node, args) -> list[tuple[str, Typed]]:
        self.arity(c, node, args, 1, 5)
        parts = self._decomposition(c, node, args[0], args[1:])
        return [(name, Typed(c.dialect.shape("reals_to_json", l=self._series_part(c, parts, i)), "dynamic"))
                for i, name in enumerate(("baseline", "seasonal", "trend", "residual"))]

    def t_series_decompose_anomalies(self, c, node, args) -> list[tuple[str, Typed]]:
        """ad_flag, ad_score, baseline: series_outliers' score of series_decompose's residual (Tukey's fences on
        the 10th/90th percentiles for ctukey, the 25th/75th for tukey), flagged +1/-1 beyond the threshold."""
        self.arity(c, node, args, 1, 7)
        rest = (args[1:] + [None] * 6)[:6]
        threshold = self._constant(c, node, rest[0], "threshold", (int, float), 1.5)
        method = self._constant(c, node, rest[4], "method", (str,), "ctukey")
        if method not in ("ctukey", "tukey"):
            raise KqlSemanticError(f"{node.name}(): the method must be 'ctukey' or 'tukey', not '{method}'",
                                   c.text, node.pos)
        low, high = (0.1, 0.9) if method == "ctukey" else (0.25, 0.75)
        parts = self._decomposition(c, node, args[0], [rest[1], rest[2], rest[3], rest[5]])
        d = c.dialect
        scores = d.shape("series_outlier_scores", l=self._series_part(c, parts, 3), q=sb.number(low), w=sb.number(high))
        flags = d.shape("series_anomaly_flags", l=scores.copy(), z=sb.number(float(threshold)))
        return [("ad_flag", Typed(d.shape("reals_to_json", l=flags), "dynamic")),
                ("ad_score", Typed(d.shape("reals_to_json", l=scores), "dynamic")),
                ("baseline", Typed(d.shape("reals_to_json", l=self._series_part(c, parts, 0)), "dynamic"))]

    def f_series_outliers(self, c, node, args):
        """Tukey's test of each element against the series' own spread: (v - high) / (high - low) above the box,
        (v - low) / (high - low) below it, 0 inside; the box is the 10th..90th percentiles (ctukey, or the ones
        given) or the 25th..75th (tukey). Nulls and ignore_val score 0 and take no part in the percentiles."""
        self.arity(c, node, args, 1, 5)
        rest = (args[1:] + [None] * 4)[:4]
        kind = self._constant(c, node, rest[0], "kind", (str,), "ctukey")
        if kind not in ("ctukey", "tukey"):
            raise KqlSemanticError(f"{node.name}(): the kind must be 'ctukey' or 'tukey', not '{kind}'", c.text,
                                   node.pos)
        low = self._constant(c, node, rest[2], "min_percentile", (int, float), 10.0)
        high = self._constant(c, node, rest[3], "max_percentile", (int, float), 90.0)
        if kind == "tukey":
            low, high = 25.0, 75.0
        if not 2.0 <= low <= high <= 98.0:
            raise KqlSemanticError(f"{node.name}(): the percentiles must be within [2, 98], the first not above the "
                                   "second", c.text, node.pos)
        d = c.dialect
        values = self.series_numbers(c, node, args)
        ignored = rest[1]
        if ignored is not None and not (ignored.is_const and ignored.const is None):
            if ignored.type not in ("int", "long", "real", "decimal"):
                raise KqlSemanticError(f"{node.name}(): ignore_val must be a number", c.text, node.pos)
            values = d.shape("list_null_where_equal", l=values, v=sb.cast(ignored.sql, "real"))
        scores = d.shape("series_outlier_scores", l=values, q=sb.number(low / 100), w=sb.number(high / 100))
        return Typed(d.shape("reals_to_json", l=scores), "dynamic")

    def f_series_seasonal(self, c, node, args):
        """The seasonal component: per phase of the period, the median of the series' values in it (series_decompose's
        seasonal part with no trend); period -1 detects it (threshold 0.7), another value that is not a positive
        period gives zeros."""
        self.arity(c, node, args, 1, 2)
        period = self._constant(c, node, args[1] if len(args) == 2 else None, "period", (int,), -1)
        period = period if period == -1 or period > 0 else 0
        constant = [Typed(sb.number(period), "long", None, period), Typed(sb.string("none"), "string", None, "none"),
                    Typed(sb.number(0), "long", None, 0), Typed(sb.number(0.7), "real", None, 0.7)]
        parts = self._decomposition(c, node, args[0], constant, pre_column=False)  # one part read: no step
        return Typed(c.dialect.shape("reals_to_json", l=self._series_part(c, parts, 1)), "dynamic")

    def f_series_decompose_forecast(self, c, node, args):
        """series_decompose's baseline with the last `points` points left out of the learning: the whole
        series' baseline, the forecast filling those points."""
        self.arity(c, node, args, 2, 5)
        rest = (args[2:] + [None] * 3)[:3]
        parts = self._decomposition(c, node, args[0], [rest[0], rest[1], args[1], rest[2]], pre_column=False)
        return Typed(c.dialect.shape("reals_to_json", l=self._series_part(c, parts, 0)), "dynamic")

    # ------------------------------------------------------------ two-segment regression

    _FIT_2LINES = ("rsquare", "split_idx", "variance", "rvariance", "line_fit", "right_rsquare", "right_slope",
                   "right_interception", "right_variance", "right_rvariance", "left_rsquare", "left_slope",
                   "left_interception", "left_variance", "left_rvariance")

    def _fit_2lines(self, c, node, args, pre_column: bool, fit: exp.Expression | None = None
                    ) -> list[tuple[str, Typed]]:
        """Kusto's documentation: each split of the series into two parts gets a line per part (series_fit_line
        of that part: x = 1, 2, ... within it) and the split with the best total r-square (the least residual
        sum of squares) wins. Readings of what it leaves open: split_idx is the first index of the right part,
        each part has at least 2 points (so a series of fewer than 4 gives nulls), the first best split wins,
        variances are sample variances (as series_fit_line's), rvariance = residual sum of squares / (n - 1)."""
        self.arity(c, node, args, 1)
        d = c.dialect
        fit = fit if fit is not None else d.shape("series_fit_2lines", l=self.series_numbers(c, node, args))
        if pre_column:
            fit = c.pre_column(3, fit)
        scalars = self._series_part(c, fit, 0)
        out = []
        scalar_names = [n for n in self._FIT_2LINES if n != "line_fit"]
        for name in self._FIT_2LINES:
            if name == "line_fit":
                out.append((name, Typed(d.shape("reals_to_json", l=self._series_part(c, fit, 1)), "dynamic")))
                continue
            value = d.shape("list_item", l=scalars.copy(), i=exp.Literal.number(scalar_names.index(name)))
            kind = "long" if name == "split_idx" else "real"
            out.append((name, Typed(sb.cast(value, kind), kind)))
        return out

    def t_series_fit_2lines(self, c, node, args) -> list[tuple[str, Typed]]:
        return self._fit_2lines(c, node, args, pre_column=True)

    def f_series_fill_linear(self, c, node, args):
        """Missing elements (null, or equal to the placeholder) on the straight line between their nearest
        present neighbours; the ends take the nearest present value unless fill_edges is false; a series with
        nothing present is constant_value (0 by default) throughout. A series of whole numbers stays whole
        numbers, the interpolated ones cut toward zero (the documentation's example: 73.5 -> 73)."""
        self.arity(c, node, args, 1, 4)
        d = c.dialect
        placeholder = sb.null("real") if len(args) < 2 else sb.cast(args[1].sql, "real")
        edges = exp.true() if len(args) < 3 else self.convert(c, args[2], "bool").sql
        constant = sb.number(0) if len(args) < 4 else args[3].sql
        filled = d.shape("series_fill_linear", l=self.series_numbers(c, node, args), m=placeholder, e=edges,
                         c=constant)
        whole = d.shape("json_all_integers", l=self.json_list(c, node, args[0]))
        return Typed(exp.Case(ifs=[exp.If(this=whole, true=d.shape("reals_to_json_integers", l=filled))],
                              default=d.shape("reals_to_json", l=filled.copy())), "dynamic")

    def f_series_fit_line_dynamic(self, c, node, args):
        """series_fit_line's results as one property bag (rsquare, slope, variance, rvariance, interception,
        line_fit)."""
        items: list[exp.Expression] = []
        for name, value in self.t_series_fit_line(c, node, args):
            items += [sb.string(name), self.json_of(value)]
        return Typed(c.dialect.call("json_object", items), "dynamic")

    def f_series_fit_2lines_dynamic(self, c, node, args):
        """series_fit_2lines' results as one property bag (the fit computed once, read fifteen times)."""
        self.arity(c, node, args, 1)
        fit = c.dialect.shape("series_fit_2lines", l=self.series_numbers(c, node, args))
        items: list[exp.Expression] = []
        for name, value in self._fit_2lines(c, node, args, pre_column=False, fit=c.dialect.shape("bound_value")):
            items += [sb.string(name), self.json_of(value)]
        bag = c.dialect.call("json_object", items)
        return Typed(c.dialect.shape("with_bound_value", v=fit, body=bag), "dynamic")

    # ------------------------------------------------------------ computed in Python (kqlite.numeric)

    def _computed_parts(self, c, node, args: list[Typed], compute, fields: dict[str, str]) -> list[tuple[str, Typed]]:
        """The columns of a function computed in Python once per distinct set of arguments: compute gives a
        property bag, each field (name -> KQL type) a column read from it."""
        bag = self.computed_per_values(c, node, args, compute, "dynamic")
        out = []
        for field, kql_type in fields.items():
            part = Typed(c.dialect.shape("json_member", t=bag.sql.copy(), i=sb.string(field)), "dynamic")
            out.append((field, part if kql_type == "dynamic" else self.convert(c, part, kql_type)))
        return out

    def _series_args(self, c, node, args: list[Typed], what: tuple[str, ...]) -> None:
        for arg, kind in zip(args, what, strict=False):
            if kind == "series" and arg.type != "dynamic":
                raise KqlSemanticError(f"{node.name}() takes dynamic arrays, not {arg.type}", c.text, node.pos)
            if kind == "whole" and arg.type not in ("int", "long"):
                raise KqlSemanticError(f"{node.name}(): the degree must be a whole number, not {arg.type}", c.text,
                                       node.pos)

    def _fourier(self, c, node, args, inverse: bool) -> list[tuple[str, Typed]]:
        """series_fft / series_ifft: the discrete Fourier transform of x_real + i * x_imaginary (NumPy's; the
        inverse divided by n), as two arrays: real and imag. A missing or non-numeric element counts as 0."""
        self.arity(c, node, args, 1, 2)
        self._series_args(c, node, args, ("series", "series"))

        def compute(real, imaginary=None):
            from kqlite import numeric

            out = numeric.fourier(real, imaginary, inverse=inverse)
            return None if out is None else {"real": out[0], "imag": out[1]}

        return self._computed_parts(c, node, args, compute, {"real": "dynamic", "imag": "dynamic"})

    def t_series_fft(self, c, node, args) -> list[tuple[str, Typed]]:
        return self._fourier(c, node, args, inverse=False)

    def t_series_ifft(self, c, node, args) -> list[tuple[str, Typed]]:
        return self._fourier(c, node, args, inverse=True)

    def t_series_fit_poly(self, c, node, args) -> list[tuple[str, Typed]]:
        """Least squares polynomial regression of y on x (default 1, 2, ... n) of the given degree (default 1):
        rsquare, coefficients (highest power first), variance, rvariance, poly_fit, measured as series_fit_line
        measures its line (so degree 1 gives series_fit_line's values, as the page's example 2 checks)."""
        self.arity(c, node, args, 1, 3)
        self._series_args(c, node, args, ("series", "series", "whole"))

        def compute(y, x=None, degree=1):
            from kqlite import numeric

            if degree is None:
                return None
            out = numeric.fit_poly(y, x, int(degree))
            # JSON has no NaN: an undefined measure (a constant series' rsquare) is null
            return None if out is None else {k: (None if isinstance(v, float) and v != v else v)
                                             for k, v in out.items()}

        return self._computed_parts(c, node, args, compute, {"rsquare": "real", "coefficients": "dynamic",
                                                             "variance": "real", "rvariance": "real",
                                                             "poly_fit": "dynamic"})
