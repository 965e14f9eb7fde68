"""Unit conversions: convert_angle, convert_energy, convert_force, convert_length, convert_mass, convert_speed,
convert_temperature, convert_volume.

A mixin of `kqlite.compile.functions.Functions`. Kusto converts through the quantity's base unit as the UnitsNet
library defines its units (the pages list UnitsNet's names): value -> base -> target, each step the unit's own
formula, evaluated in its own order (x * 0.3048 / 60 is not x * 0.00508 to the last bit). The tables below hold
those formulas as steps; a documented unit name in any case is known, any other name gives null (documented).
The result is a real, whatever the number type of the value (Kusto's analyzer says so)."""

from __future__ import annotations

import math

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import ExprCompiler, Typed
from kqlite.compile.types import NUMERIC
from kqlite.errors import KqlSemanticError
from kqlite.syntax import ast

Step = tuple[str, float]  # ("*", 0.3048), ("/", 60.0), ("+", ...), ("-", ...), ("asin_degrees", 0), ("sin_degrees", 0)
Unit = tuple[list[Step], list[Step]]  # (to the base unit, from the base unit)

_PREFIXES = {"Nano": 1e-9, "Micro": 1e-6, "Milli": 1e-3, "Centi": 1e-2, "Deci": 1e-1, "Deca": 1e1, "Hecto": 1e2,
             "Kilo": 1e3, "Mega": 1e6, "Giga": 1e9, "Tera": 1e12}


def _times(factor: float) -> Unit:
    return [("*", factor)], [("/", factor)]


def _per(factor: float) -> Unit:
    return [("/", factor)], [("*", factor)]


def _steps(to_base: list[Step], from_base: list[Step]) -> Unit:
    return to_base, from_base


def _quantity(units: dict[str, tuple[Unit, tuple[str, ...]]], documented: str) -> dict[str, Unit]:
    """Every unit and its prefixed forms (UnitsNet: Kilo + newton; the prefix multiplies after the unit's own
    formula), kept to the names the function's page lists, by lower-case name."""
    table: dict[str, Unit] = {}
    for name, ((to_base, from_base), prefixes) in units.items():
        table[name] = (to_base, from_base)
        for prefix in prefixes:
            factor = _PREFIXES[prefix]
            table[prefix + name[0].lower() + name[1:]] = (to_base + [("*", factor)], from_base + [("/", factor)])
    names = documented.split()
    missing = [n for n in names if n not in table]
    assert not missing, missing  # a documented unit without a formula is a bug in the tables
    return {n.lower(): table[n] for n in names}


_ANGLE = _quantity({
    "Degree": (_times(1.0), ("Nano", "Micro", "Milli")),
    "Radian": (_steps([("*", 180.0), ("/", math.pi)], [("/", 180.0), ("*", math.pi)]),
               ("Nano", "Micro", "Milli", "Centi", "Deci")),
    "Arcminute": (_per(60.0), ()),
    "Arcsecond": (_per(3600.0), ()),
    "Gradian": (_times(0.9), ()),
    "NatoMil": (_steps([("*", 9.0), ("/", 160.0)], [("*", 160.0), ("/", 9.0)]), ()),
    "Revolution": (_times(360.0), ()),
    "Tilt": (_steps([("asin_degrees", 0.0)], [("sin_degrees", 0.0)]), ()),
}, "Arcminute Arcsecond Centiradian Deciradian Degree Gradian Microdegree Microradian Millidegree Milliradian "
   "Nanodegree Nanoradian NatoMil Radian Revolution Tilt")

_ENERGY = _quantity({
    "Joule": (_times(1.0), ("Milli", "Kilo", "Mega", "Giga")),
    "Calorie": (_times(4.184), ("Kilo", "Mega")),
    "BritishThermalUnit": (_times(1055.05585262), ("Kilo", "Mega", "Giga")),
    "ElectronVolt": (_times(1.602176565e-19), ("Kilo", "Mega", "Giga", "Tera")),
    "FootPound": (_times(1.355817948), ()),
    "Erg": (_times(1e-7), ()),
    "WattHour": (_times(3600.0), ("Kilo", "Mega", "Giga", "Tera")),
    "WattDay": (_steps([("*", 24.0), ("*", 3600.0)], [("/", 24.0 * 3600.0)]), ("Kilo", "Mega", "Giga", "Tera")),
    "ThermEc": (_times(1.05505585262e8), ("Deca",)),
    "ThermUs": (_times(1.054804e8), ("Deca",)),
    "ThermImperial": (_times(1.05505585257348e8), ("Deca",)),
    "HorsepowerHour": (_times(2.6845195377e6), ()),
}, "BritishThermalUnit Calorie DecathermEc DecathermImperial DecathermUs ElectronVolt Erg FootPound "
   "GigabritishThermalUnit GigaelectronVolt Gigajoule GigawattDay GigawattHour HorsepowerHour Joule "
   "KilobritishThermalUnit Kilocalorie KiloelectronVolt Kilojoule KilowattDay KilowattHour MegabritishThermalUnit "
   "Megacalorie MegaelectronVolt Megajoule MegawattDay MegawattHour Millijoule TeraelectronVolt TerawattDay "
   "TerawattHour ThermEc ThermImperial ThermUs WattDay WattHour")

_FORCE = _quantity({
    "Newton": (_times(1.0), ("Micro", "Milli", "Deca", "Kilo", "Mega")),
    "Dyn": (_per(1e5), ()),
    "KilogramForce": (_times(9.80665002864), ()),
    "TonneForce": (_times(9.80665002864e3), ()),
    "KiloPond": (_times(9.80665002864), ()),
    "Poundal": (_times(0.13825502798973041652092282466083), ()),
    "PoundForce": (_times(4.4482216152605095551842641431421), ("Kilo",)),
    "OunceForce": (_times(2.780138509537812e-1), ()),
    "ShortTonForce": (_times(8.896443230521e3), ()),
}, "Decanewton Dyn KilogramForce Kilonewton KiloPond KilopoundForce Meganewton Micronewton Millinewton Newton "
   "OunceForce Poundal PoundForce ShortTonForce TonneForce")

_LENGTH = _quantity({
    "Meter": (_times(1.0), ("Nano", "Micro", "Milli", "Centi", "Deci", "Deca", "Hecto", "Kilo")),
    "Mile": (_times(1609.34), ()),
    "Yard": (_times(0.9144), ()),
    "Foot": (_times(0.3048), ()),
    "UsSurveyFoot": (_steps([("*", 1200.0), ("/", 3937.0)], [("*", 3937.0), ("/", 1200.0)]), ()),
    "Inch": (_times(2.54e-2), ()),
    "Mil": (_times(2.54e-5), ()),
    "NauticalMile": (_times(1852.0), ()),
    "Fathom": (_times(1.8288), ()),
    "Shackle": (_times(27.432), ()),
    "Microinch": (_times(2.54e-8), ()),
    "PrinterPoint": (_steps([("/", 72.27), ("*", 2.54e-2)], [("/", 2.54e-2), ("*", 72.27)]), ()),
    "DtpPoint": (_steps([("/", 72.0), ("*", 2.54e-2)], [("/", 2.54e-2), ("*", 72.0)]), ()),
    "PrinterPica": (_per(237.106301584), ()),
    "DtpPica": (_per(236.220472441), ()),
    "Twip": (_per(56692.913385826), ()),
    "Hand": (_times(1.016e-1), ()),
    "AstronomicalUnit": (_times(1.4959787070e11), ()),
    "Parsec": (_times(3.08567758128e16), ("Kilo", "Mega")),
    "LightYear": (_times(9.46073047258e15), ("Kilo", "Mega")),
    "SolarRadius": (_times(6.95510000e8), ()),
    "Chain": (_times(20.1168), ()),
    "DataMile": (_times(1828.8), ()),
    "Angstrom": (_times(1e-10), ()),
}, "Angstrom AstronomicalUnit Centimeter Chain DataMile Decameter Decimeter DtpPica DtpPoint Fathom Foot Hand "
   "Hectometer Inch KilolightYear Kilometer Kiloparsec LightYear MegalightYear Megaparsec Meter Microinch Micrometer "
   "Mil Mile Millimeter Nanometer NauticalMile Parsec PrinterPica PrinterPoint Shackle SolarRadius Twip UsSurveyFoot "
   "Yard")

_MASS = _quantity({
    "Gram": (_per(1e3), ("Nano", "Micro", "Milli", "Centi", "Deci", "Deca", "Hecto", "Kilo")),
    "Tonne": (_times(1e3), ("Kilo", "Mega")),
    "ShortTon": (_times(9.0718474e2), ()),
    "LongTon": (_times(1.0160469088e3), ()),
    "Pound": (_times(0.45359237), ("Kilo", "Mega")),
    "Ounce": (_times(0.028349523125), ()),
    "Slug": (_per(6.852176556196105e-2), ()),
    "Stone": (_per(0.1574731728702698), ()),
    "ShortHundredweight": (_per(0.022046226218487758), ()),
    "LongHundredweight": (_per(0.01968413055222121), ()),
    "Grain": (_per(15432.358352941431), ()),
    "SolarMass": (_times(1.98947e30), ()),
    "EarthMass": (_times(5.9722e24), ()),
}, "Centigram Decagram Decigram EarthMass Grain Gram Hectogram Kilogram Kilopound Kilotonne LongHundredweight LongTon "
   "Megapound Megatonne Microgram Milligram Nanogram Ounce Pound ShortHundredweight ShortTon Slug SolarMass Stone "
   "Tonne")

_METRIC_SPEED = ("Nano", "Micro", "Milli", "Centi", "Deci", "Kilo")
_SPEED = _quantity({
    "MeterPerSecond": (_times(1.0), _METRIC_SPEED),
    "MeterPerMinute": (_per(60.0), _METRIC_SPEED),
    "MeterPerHour": (_per(3600.0), ("Milli", "Centi", "Kilo")),
    "FootPerSecond": (_times(0.3048), ()),
    "FootPerMinute": (_steps([("*", 0.3048), ("/", 60.0)], [("/", 0.3048), ("*", 60.0)]), ()),
    "FootPerHour": (_steps([("*", 0.3048), ("/", 3600.0)], [("/", 0.3048), ("*", 3600.0)]), ()),
    "UsSurveyFootPerSecond": (_steps([("*", 1200.0), ("/", 3937.0)], [("*", 3937.0), ("/", 1200.0)]), ()),
    "UsSurveyFootPerMinute": (_steps([("*", 1200.0), ("/", 3937.0), ("/", 60.0)],
                                     [("*", 3937.0), ("/", 1200.0), ("*", 60.0)]), ()),
    "UsSurveyFootPerHour": (_steps([("*", 1200.0), ("/", 3937.0), ("/", 3600.0)],
                                   [("*", 3937.0), ("/", 1200.0), ("*", 3600.0)]), ()),
    "InchPerSecond": (_times(2.54e-2), ()),
    "InchPerMinute": (_steps([("/", 60.0), ("*", 2.54e-2)], [("/", 2.54e-2), ("*", 60.0)]), ()),
    "InchPerHour": (_steps([("/", 3600.0), ("*", 2.54e-2)], [("/", 2.54e-2), ("*", 3600.0)]), ()),
    "YardPerSecond": (_times(0.9144), ()),
    "YardPerMinute": (_steps([("*", 0.9144), ("/", 60.0)], [("/", 0.9144), ("*", 60.0)]), ()),
    "YardPerHour": (_steps([("*", 0.9144), ("/", 3600.0)], [("/", 0.9144), ("*", 3600.0)]), ()),
    "Knot": (_times(0.514444), ()),
    "MilePerHour": (_times(0.44704), ()),
}, "CentimeterPerHour CentimeterPerMinute CentimeterPerSecond DecimeterPerMinute DecimeterPerSecond FootPerHour "
   "FootPerMinute FootPerSecond InchPerHour InchPerMinute InchPerSecond KilometerPerHour KilometerPerMinute "
   "KilometerPerSecond Knot MeterPerHour MeterPerMinute MeterPerSecond MicrometerPerMinute MicrometerPerSecond "
   "MilePerHour MillimeterPerHour MillimeterPerMinute MillimeterPerSecond NanometerPerMinute NanometerPerSecond "
   "UsSurveyFootPerHour UsSurveyFootPerMinute UsSurveyFootPerSecond YardPerHour YardPerMinute YardPerSecond")

_TEMPERATURE = _quantity({
    "Kelvin": (_times(1.0), ()),
    "DegreeCelsius": (_steps([("+", 273.15)], [("-", 273.15)]), ()),
    "MillidegreeCelsius": (_steps([("/", 1000.0), ("+", 273.15)], [("-", 273.15), ("*", 1000.0)]), ()),
    "DegreeDelisle": (_steps([("*", -2.0), ("/", 3.0), ("+", 373.15)], [("-", 373.15), ("*", -3.0), ("/", 2.0)]), ()),
    "DegreeFahrenheit": (_steps([("*", 5.0), ("/", 9.0), ("+", 459.67 * 5 / 9)],
                                [("-", 459.67 * 5 / 9), ("*", 9.0), ("/", 5.0)]), ()),
    "DegreeNewton": (_steps([("*", 100.0), ("/", 33.0), ("+", 273.15)], [("-", 273.15), ("*", 33.0), ("/", 100.0)]),
                     ()),
    "DegreeRankine": (_steps([("*", 5.0), ("/", 9.0)], [("*", 9.0), ("/", 5.0)]), ()),
    "DegreeReaumur": (_steps([("*", 5.0), ("/", 4.0), ("+", 273.15)], [("-", 273.15), ("*", 4.0), ("/", 5.0)]), ()),
    "DegreeRoemer": (_steps([("*", 40.0), ("/", 21.0), ("+", 273.15), ("-", 7.5 * 40 / 21)],
                            [("-", 273.15 - 7.5 * 40 / 21), ("*", 21.0), ("/", 40.0)]), ()),
    "SolarTemperature": (_times(5778.0), ()),
}, "DegreeCelsius DegreeDelisle DegreeFahrenheit DegreeNewton DegreeRankine DegreeReaumur DegreeRoemer Kelvin "
   "MillidegreeCelsius SolarTemperature")

_VOLUME = _quantity({
    "CubicMeter": (_times(1.0), ("Hecto", "Kilo")),
    "Liter": (_per(1e3), ("Micro", "Milli", "Centi", "Deci", "Deca", "Hecto", "Kilo", "Mega")),
    "CubicKilometer": (_times(1e9), ()),
    "CubicHectometer": (_times(1e6), ()),
    "CubicDecimeter": (_per(1e3), ()),
    "CubicCentimeter": (_per(1e6), ()),
    "CubicMillimeter": (_per(1e9), ()),
    "CubicMicrometer": (_per(1e18), ()),
    "CubicMile": (_times(4.16818182544058e9), ()),
    "CubicYard": (_times(0.764554858), ()),
    "CubicFoot": (_times(0.0283168), ("Hecto", "Kilo", "Mega")),
    "CubicInch": (_steps([("*", 1.6387), ("*", 1e-5)], [("/", 1.6387 * 1e-5)]), ()),
    "ImperialGallon": (_times(0.00454609000000181429905810072407), ("Kilo", "Mega")),
    "ImperialOunce": (_times(2.8413062499962901241875439064617e-5), ()),
    "UsGallon": (_times(0.00378541), ("Deca", "Deci", "Hecto", "Kilo", "Mega")),
    "UsOunce": (_times(2.957352956253760505068307980135e-5), ()),
    "UsTablespoon": (_times(1.478676478125e-5), ()),
    "AuTablespoon": (_times(2e-5), ()),
    "UkTablespoon": (_times(1.5e-5), ()),
    "MetricTeaspoon": (_times(0.5e-5), ()),
    "UsTeaspoon": (_times(4.92892159375e-6), ()),
    "MetricCup": (_times(0.00025), ()),
    "UsCustomaryCup": (_times(0.0002365882365), ()),
    "UsLegalCup": (_times(0.00024), ()),
    "OilBarrel": (_times(0.158987294928), ()),
    "UsBeerBarrel": (_times(0.1173477658), ()),
    "ImperialBeerBarrel": (_times(0.16365924), ()),
    "UsQuart": (_times(9.46352946e-4), ()),
    "UsPint": (_times(4.73176473e-4), ()),
    "AcreFoot": (_per(0.000810714), ()),
    "ImperialPint": (_times(5.6826125e-4), ()),
    "BoardFoot": (_times(2.3597372158e-3), ()),
}, "AcreFoot AuTablespoon BoardFoot Centiliter CubicCentimeter CubicDecimeter CubicFoot CubicHectometer CubicInch "
   "CubicKilometer CubicMeter CubicMicrometer CubicMile CubicMillimeter CubicYard Decaliter DecausGallon Deciliter "
   "DeciusGallon HectocubicFoot HectocubicMeter Hectoliter HectousGallon ImperialBeerBarrel ImperialGallon "
   "ImperialOunce ImperialPint KilocubicFoot KilocubicMeter KiloimperialGallon Kiloliter KilousGallon Liter "
   "MegacubicFoot MegaimperialGallon Megaliter MegausGallon MetricCup MetricTeaspoon Microliter Milliliter OilBarrel "
   "UkTablespoon UsBeerBarrel UsCustomaryCup UsGallon UsLegalCup UsOunce UsPint UsQuart UsTablespoon UsTeaspoon")

QUANTITIES: dict[str, dict[str, Unit]] = {
    "angle": _ANGLE, "energy": _ENERGY, "force": _FORCE, "length": _LENGTH, "mass": _MASS, "speed": _SPEED,
    "temperature": _TEMPERATURE, "volume": _VOLUME,
}


def convert_value(value: float, quantity: str, source: str, target: str) -> float | None:
    """The conversion in Python, step by step as the SQL does it (for tests and constant folding)."""
    units = QUANTITIES[quantity]
    if source.lower() not in units or target.lower() not in units:
        return None
    for op, factor in units[source.lower()][0] + units[target.lower()][1]:
        value = _apply_number(op, value, factor)
    return value


def _apply_number(op: str, value: float, factor: float) -> float:
    if op == "*":
        return value * factor
    if op == "/":
        return value / factor
    if op == "+":
        return value + factor
    if op == "-":
        return value - factor
    if op == "asin_degrees":
        return math.asin(value) * 180.0 / math.pi if -1.0 <= value <= 1.0 else math.nan
    return math.sin(value / 180.0 * math.pi)


def _real(value: float) -> exp.Expression:
    # a double, not a decimal literal: Spark computes with decimals (and rounds them) otherwise
    return sb.cast(sb.number(value), "real")


class UnitFunctions:
    def _apply_steps(self, c: ExprCompiler, x: exp.Expression, steps: list[Step]) -> exp.Expression:
        for op, factor in steps:
            if op in ("*", "/", "+", "-"):
                kind = {"*": exp.Mul, "/": exp.Div, "+": exp.Add, "-": exp.Sub}[op]
                x = kind(this=exp.Paren(this=x), expression=_real(factor))
            elif op == "asin_degrees":  # Math.Asin outside [-1, 1] is NaN
                outside = exp.GT(this=exp.Abs(this=x.copy()), expression=_real(1.0))
                degrees = exp.Div(this=exp.Mul(this=c.dialect.call("asin", [x]), expression=_real(180.0)),
                                  expression=_real(math.pi))
                x = exp.Case(ifs=[exp.If(this=outside, true=_real(math.nan))], default=degrees)
            else:
                radians = exp.Mul(this=exp.Div(this=exp.Paren(this=x), expression=_real(180.0)),
                                  expression=_real(math.pi))
                x = c.dialect.call("sin", [radians])
        return x

    def _convert(quantity: str):  # noqa: N805 - a builder factory used in the class body
        def build(self, c: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
            self.arity(c, node, args, 3)
            value, source, target = args
            if value.type not in NUMERIC:
                raise KqlSemanticError(f"{node.name}() converts a number, not {value.type}", c.text, node.pos)
            for unit in (source, target):
                if unit.type != "string":
                    raise KqlSemanticError(f"{node.name}()'s units are strings, not {unit.type}", c.text, node.pos)
            units = QUANTITIES[quantity]
            x = sb.cast(value.sql, "real")
            if source.is_const and target.is_const:  # the usual call: the two formulas, nothing to look up
                found = [units.get(str(u.const).lower()) for u in (source, target)]
                if found[0] is None or found[1] is None:
                    return Typed(sb.null("real"), "real")
                return Typed(self._apply_steps(c, x, found[0][0] + found[1][1]), "real")
            # units from the data: to the base unit by the source's name, then out by the target's
            d = c.dialect

            def by_name(unit: exp.Expression, branch) -> exp.Expression:
                return exp.Case(ifs=[exp.If(this=exp.EQ(this=exp.Lower(this=unit.copy()), expression=sb.string(name)),
                                            true=branch(steps)) for name, steps in units.items()],
                                default=sb.null("real"))

            base = by_name(source.sql, lambda steps: self._apply_steps(c, x.copy(), steps[0]))
            out = by_name(target.sql, lambda steps: self._apply_steps(c, d.shape("bound_value"), steps[1]))
            return Typed(d.shape("with_bound_value", v=base, body=out), "real")

        return build

    f_convert_angle = _convert("angle")
    f_convert_energy = _convert("energy")
    f_convert_force = _convert("force")
    f_convert_length = _convert("length")
    f_convert_mass = _convert("mass")
    f_convert_speed = _convert("speed")
    f_convert_temperature = _convert("temperature")
    f_convert_volume = _convert("volume")
