"""Math functions: inverse trigonometry, angle units, powers of 2 and 10, gamma and the error function.

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>. Every
result is a real, whatever the number type of the argument (Kusto's analyzer says so)."""

from __future__ import annotations

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import Typed
from kqlite.compile.types import NUMERIC
from kqlite.errors import KqlSemanticError

# Coefficients of the error function's rational approximations, from Sun's fdlibm s_erf.c (as in FreeBSD's
# libm and Go's math.Erf): under one ulp of error on every range.
_ERX = 8.45062911510467529297e-01
_PP = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
       -5.77027029648944159157e-03, -2.37630166566501626084e-05)
_QQ = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
       1.32494738004321644526e-04, -3.96022827877536812320e-06)
_PA = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
       3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
       -2.16637559486879084300e-03)
_QA = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
       1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02)
_RA = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
       -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
       -8.12874355063065934246e+01, -9.81432934416914548592e+00)
_SA = (1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
       6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
       6.57024977031928170135e+00, -6.04244152148580987438e-02)
_RB = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
       -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
       -4.83519191608651397019e+02)
_SB = (1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
       3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
       -2.24409524465858183362e+01)


def _n(value: float) -> exp.Expression:
    # a double, not a decimal literal: Spark computes with decimals (and rounds them) otherwise
    return sb.cast(sb.number(value), "real")


def _horner(x: exp.Expression, coefficients: tuple[float, ...]) -> exp.Expression:
    """c0 + x * (c1 + x * (c2 + ...)): a polynomial in x."""
    result: exp.Expression = _n(coefficients[-1])
    for c in reversed(coefficients[:-1]):
        result = exp.Add(this=_n(c), expression=exp.Mul(this=exp.Paren(this=x.copy()), expression=exp.Paren(this=result)))
    return exp.Paren(this=result)


# Arithmetic on copies: a node has one parent, and the argument appears many times in these trees.
def _div(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.Div(this=exp.Paren(this=a.copy()), expression=exp.Paren(this=b.copy()), typed=False, safe=False)


def _mul(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.Mul(this=exp.Paren(this=a.copy()), expression=exp.Paren(this=b.copy()))


def _sub(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.Sub(this=exp.Paren(this=a.copy()), expression=exp.Paren(this=b.copy()))


def _add(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.Add(this=exp.Paren(this=a.copy()), expression=exp.Paren(this=b.copy()))


def _small_ratio(a: exp.Expression) -> exp.Expression:
    """P(a²)/Q(a²) of the range |x| < 0.84375: erf(a) = a + a * ratio."""
    z = _mul(a, a)
    return _div(_horner(z, _PP), _horner(z, _QQ))


def _near_one_ratio(a: exp.Expression) -> exp.Expression:
    """P(a - 1)/Q(a - 1) of the range 0.84375 <= |x| < 1.25: erf(a) = erx + ratio."""
    s = _sub(a, _n(1.0))
    return _div(_horner(s, _PA), _horner(s, _QA))


def _tail(a: exp.Expression) -> exp.Expression:
    """erfc(a) * a for 1.25 <= a < 28: exp(-a² - 0.5625 + R/S), with a² split as z² + (z - a)(z + a) where z
    keeps a's high 20 bits, so that z² is exact (fdlibm's trick)."""
    s = _div(_n(1.0), _mul(a, a))
    low = exp.LT(this=a.copy(), expression=_n(1 / 0.35))
    ratio = exp.Case(ifs=[exp.If(this=low, true=_div(_horner(s, _RA), _horner(s, _SA)))],
                     default=_div(_horner(s.copy(), _RB), _horner(s.copy(), _SB)))
    z = _div(exp.Floor(this=_mul(a, _n(1048576.0))), _n(1048576.0))
    first = exp.Exp(this=_sub(exp.Neg(this=_mul(z, z)), _n(0.5625)))
    second = exp.Exp(this=_add(_mul(_sub(z, a), _add(z, a)), ratio))
    return _mul(first, second)


class MathFunctions:
    def _real_arg(self, c, node, args, count: int = 1) -> list[exp.Expression]:
        self.arity(c, node, args, count)
        for a in args:
            if a.type not in NUMERIC:
                raise KqlSemanticError(f"{node.name}() expects a number, got {a.type}", c.text, node.pos)
        return [sb.cast(a.sql, "real") for a in args]

    def _inverse_trig(name: str):  # noqa: N805 - a builder factory used in the class body
        def build(self, c, node, args):
            (x,) = self._real_arg(c, node, args)
            # outside [-1, 1] Kusto gives null (the engines give NaN)
            outside = exp.GT(this=exp.Abs(this=x.copy()), expression=_n(1.0))
            return Typed(exp.Case(ifs=[exp.If(this=outside, true=sb.null("real"))],
                                  default=c.dialect.call(name, [x])), "real")

        return build

    f_acos = _inverse_trig("acos")
    f_asin = _inverse_trig("asin")

    def _unary(name: str):  # noqa: N805
        def build(self, c, node, args):
            (x,) = self._real_arg(c, node, args)
            return Typed(c.dialect.call(name, [x]), "real")

        return build

    f_atan = _unary("atan")
    f_cot = _unary("cot")
    f_degrees = _unary("degrees")
    f_radians = _unary("radians")
    f_gamma = _unary("gamma")
    f_loggamma = _unary("lgamma")  # log of |gamma(x)|

    def f_atan2(self, c, node, args):
        y, x = self._real_arg(c, node, args, 2)
        return Typed(c.dialect.call("atan2", [y, x]), "real")

    def f_pi(self, c, node, args):
        self.arity(c, node, args, 0)
        return Typed(c.dialect.call("pi", []), "real")

    def _power_of(base: float):  # noqa: N805
        def build(self, c, node, args):
            (x,) = self._real_arg(c, node, args)
            return Typed(exp.Pow(this=_n(base), expression=x), "real")

        return build

    f_exp2 = _power_of(2.0)
    f_exp10 = _power_of(10.0)

    def f_erf(self, c, node, args):
        (x,) = self._real_arg(c, node, args)
        a = exp.Abs(this=x.copy())
        sign = c.dialect.call("sign", [x.copy()])
        ifs = [
            exp.If(this=c.dialect.call("isnan", [x.copy()]), true=x.copy()),
            exp.If(this=exp.LT(this=a.copy(), expression=_n(0.84375)),
                   true=_add(x.copy(), _mul(x.copy(), _small_ratio(x)))),
            exp.If(this=exp.LT(this=a.copy(), expression=_n(1.25)),
                   true=_mul(sign.copy(), _add(_n(_ERX), _near_one_ratio(a)))),
            exp.If(this=exp.GTE(this=a.copy(), expression=_n(6.0)), true=_mul(sign.copy(), _n(1.0))),
        ]
        tail = _sub(_n(1.0), _div(_tail(a), a.copy()))
        return Typed(exp.Case(ifs=ifs, default=_mul(sign, tail)), "real")

    def f_erfc(self, c, node, args):
        (x,) = self._real_arg(c, node, args)
        a = exp.Abs(this=x.copy())
        negative = exp.LT(this=x.copy(), expression=_n(0.0))
        below_quarter = _add(a.copy(), _mul(a.copy(), _small_ratio(a)))  # erf(a)
        quarter_up = _add(_n(0.5), _add(_mul(a.copy(), _small_ratio(a)), _sub(a.copy(), _n(0.5))))  # erf(a)
        small = exp.Case(ifs=[exp.If(this=exp.LT(this=a.copy(), expression=_n(0.25)), true=below_quarter)],
                         default=quarter_up)
        near_one = _add(_n(_ERX), _near_one_ratio(a))  # erf(a)
        tail = _div(_tail(a), a.copy())  # erfc(a)
        ifs = [
            exp.If(this=c.dialect.call("isnan", [x.copy()]), true=x.copy()),
            exp.If(this=exp.LT(this=a.copy(), expression=_n(0.84375)), true=self._reflect(negative, small)),
            exp.If(this=exp.LT(this=a.copy(), expression=_n(1.25)), true=self._reflect(negative, near_one)),
            exp.If(this=exp.And(this=negative.copy(), expression=exp.GT(this=a.copy(), expression=_n(6.0))),
                   true=_n(2.0)),
            exp.If(this=exp.GTE(this=a.copy(), expression=_n(28.0)),
                   true=exp.Case(ifs=[exp.If(this=negative.copy(), true=_n(2.0))], default=_n(0.0))),
        ]
        default = exp.Case(ifs=[exp.If(this=negative.copy(), true=_sub(_n(2.0), tail))], default=tail.copy())
        return Typed(exp.Case(ifs=ifs, default=default), "real")

    @staticmethod
    def _reflect(negative: exp.Expression, erf_of_abs: exp.Expression) -> exp.Expression:
        """erfc(x) from erf(|x|): 1 + erf(|x|) below zero, 1 - erf(|x|) above."""
        return exp.Case(ifs=[exp.If(this=negative.copy(), true=_add(_n(1.0), erf_of_abs))],
                        default=_sub(_n(1.0), erf_of_abs.copy()))
