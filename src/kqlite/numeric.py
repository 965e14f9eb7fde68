"""Kusto's statistics and signal functions no SQL engine has, computed in Python: the beta distribution, Welch's
t-test, the Fourier transform and polynomial regression.

The compiler calls them once per distinct set of argument values (kqlite.compile.functions.computed) and lets
the engine join the answers back to the rows. NumPy is imported inside the functions that need it: importing
it costs every query's start-up a tenth of a second.
"""

from __future__ import annotations

import math

NAN = float("nan")
_EPSILON = 1e-16
_TINY = 1e-300
_MAX_BETA_PARAMETER = 10_000.0  # beta_cdf(): alpha or beta above it gives NaN (documented)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _continued_fraction(x: float, a: float, b: float) -> float:
    """The continued fraction of the incomplete beta function, by the modified Lentz method."""
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    result = d
    for m in range(1, 10_000):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            result *= c * d
        if abs(c * d - 1.0) < _EPSILON:
            break
    return result


def regularized_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), the cumulative beta distribution, for x in [0, 1] and positive a, b."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(a * math.log(x) + b * math.log1p(-x) - _log_beta(a, b))
    # the fraction converges fast below the mean; above it, the symmetry I_x(a, b) = 1 - I_(1-x)(b, a)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _continued_fraction(x, a, b) / a
    return 1.0 - front * _continued_fraction(1.0 - x, b, a) / b


def beta_cdf(x: object, alpha: object, beta: object) -> float | None:
    """NaN for x outside [0, 1] and for alpha or beta outside (0, 10000], as documented."""
    x, alpha, beta = _number(x), _number(alpha), _number(beta)
    if x is None or alpha is None or beta is None:
        return None
    if not (0.0 <= x <= 1.0 and 0.0 < alpha <= _MAX_BETA_PARAMETER and 0.0 < beta <= _MAX_BETA_PARAMETER):
        return NAN
    return regularized_beta(x, alpha, beta)


def beta_pdf(x: object, alpha: object, beta: object) -> float | None:
    """NaN for x outside (0, 1) and for alpha or beta not above 0, as documented."""
    x, alpha, beta = _number(x), _number(alpha), _number(beta)
    if x is None or alpha is None or beta is None:
        return None
    if not (0.0 < x < 1.0 and alpha > 0.0 and beta > 0.0):
        return NAN
    if alpha + beta < 170.0:  # the gammas themselves are finite: closer to exact than exp of their logs
        return x ** (alpha - 1.0) * (1.0 - x) ** (beta - 1.0) / (math.gamma(alpha) * math.gamma(beta)
                                                                 / math.gamma(alpha + beta))
    return math.exp((alpha - 1.0) * math.log(x) + (beta - 1.0) * math.log1p(-x) - _log_beta(alpha, beta))


def beta_inv(probability: object, alpha: object, beta: object) -> float | None:
    """The x with beta_cdf(x) = probability. The page's example decides what its notes contradict: a probability
    outside (0, 1] gives null, alpha or beta not above 0 gives NaN."""
    p, alpha, beta = _number(probability), _number(alpha), _number(beta)
    if p is None or alpha is None or beta is None:
        return None
    if not 0.0 < p <= 1.0:
        return None
    if not (alpha > 0.0 and beta > 0.0):
        return NAN
    if p == 1.0:
        return 1.0
    # bisection down to a narrow bracket, then Newton's steps (the density is the derivative) kept inside it
    low, high = 0.0, 1.0
    x = 0.5
    for _ in range(200):
        value = regularized_beta(x, alpha, beta) - p
        if value == 0.0:
            return x
        if value < 0.0:
            low = x
        else:
            high = x
        density = beta_pdf(x, alpha, beta)
        step = value / density if density and density == density and density > 0.0 else None
        guess = x - step if step is not None else None
        if guess is None or not low < guess < high:
            guess = (low + high) / 2.0
        if abs(guess - x) <= 1e-17 * max(abs(x), 1e-300) or high - low <= 2e-16 * x:
            return guess
        x = guess
    return x


def student_t_two_sided(t: float, dof: float) -> float:
    """P(|T| >= |t|) for Student's t distribution with `dof` degrees of freedom."""
    return regularized_beta(dof / (dof + t * t), dof / 2.0, 0.5)


def welch_test(mean1: object, variance1: object, count1: object, mean2: object, variance2: object,
               count2: object) -> float | None:
    """The two-sided p-value of Welch's t-test (Welch-Satterthwaite degrees of freedom)."""
    values = [_number(v) for v in (mean1, variance1, count1, mean2, variance2, count2)]
    if any(v is None for v in values):
        return None
    m1, v1, n1, m2, v2, n2 = values  # type: ignore[misc]
    try:
        s1, s2 = v1 / n1, v2 / n2
        t = (m1 - m2) / math.sqrt(s1 + s2)
        dof = (s1 + s2) ** 2 / (s1 * s1 / (n1 - 1.0) + s2 * s2 / (n2 - 1.0))
    except (ZeroDivisionError, ValueError):
        return NAN
    if not (math.isfinite(t) and math.isfinite(dof) and dof > 0.0):
        return NAN
    return student_t_two_sided(t, dof)


# ---------------------------------------------------------------- series


def _reals(values: object) -> list[float] | None:
    """A dynamic array's elements as reals (a missing or non-numeric element is 0); None for a non-array."""
    if not isinstance(values, list):
        return None
    return [v if (v := _number(item)) is not None else 0.0 for item in values]


def fourier(real: object, imaginary: object = None, inverse: bool = False) -> tuple[list[float], list[float]] | None:
    """series_fft / series_ifft: the discrete Fourier transform (the inverse divided by n, so that one undoes the
    other) of real + i * imaginary; an imaginary part shorter than the real one is padded with zeros."""
    import numpy as np

    re = _reals(real)
    if re is None:
        return None
    im = _reals(imaginary) if imaginary is not None else []
    if im is None:
        return None
    im = (im + [0.0] * len(re))[:len(re)]
    if not re:
        return [], []
    signal = np.asarray(re, dtype=float) + 1j * np.asarray(im, dtype=float)
    out = np.fft.ifft(signal) if inverse else np.fft.fft(signal)
    return [float(v) for v in out.real], [float(v) for v in out.imag]


def fit_poly(y: object, x: object = None, degree: int = 1) -> dict | None:
    """series_fit_poly: least squares polynomial of `degree` (x defaults to 1, 2, ... n), as series_fit_line
    measures its fit: rsquare = 1 - residual / total sum of squares, variance the sample variance of y,
    rvariance the residual sum of squares / (n - 1); coefficients from the highest power down."""
    import numpy as np

    ys = _reals(y)
    if ys is None:
        return None
    xs = _reals(x) if x is not None else [float(i) for i in range(1, len(ys) + 1)]
    if xs is None or len(xs) != len(ys) or degree < 1 or not ys:
        return None
    n = len(ys)
    xv, yv = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    # a degree the points cannot fix has no fit (NumPy would warn and give one of many)
    if n <= degree or len(set(xs)) <= degree:
        return None
    coefficients = np.polyfit(xv, yv, degree)
    fitted = np.polyval(coefficients, xv)
    residual = float(np.sum((yv - fitted) ** 2))
    total = float(np.sum((yv - yv.mean()) ** 2))
    variance = total / (n - 1) if n > 1 else NAN
    return {
        "rsquare": 1.0 - residual / total if total else NAN,
        "coefficients": [float(c) for c in coefficients],
        "variance": variance,
        "rvariance": residual / (n - 1) if n > 1 else NAN,
        "poly_fit": [float(v) for v in fitted],
    }

