"""Datetime and timespan functions: now/ago, start/end of periods, parts, arithmetic, formatting.

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import ExprCompiler, Typed
from kqlite.compile.types import NUMERIC, widest_number
from kqlite.errors import KqlSemanticError, KqlUnsupportedError
from kqlite.syntax import ast
from kqlite.ticks import MAX_DATETIME_TICKS, datetime_from_ticks, datetime_ticks

if TYPE_CHECKING:
    pass
from kqlite.compile.functions.core import TICKS

# The parts datetime_part() knows (lower case, no underscores); each is a dialect shape datetime_part_<name>.
_DATETIME_PARTS = ("year", "quarter", "month", "weekofyear", "week", "day", "dayofyear", "hour", "minute", "second",
                   "millisecond", "microsecond", "nanosecond")

class DatetimeFunctions:
    def _zone(self, c, node, args) -> exp.Expression:
        """The IANA time zone argument: a constant the system's zone database knows."""
        self.arity(c, node, args, 2)
        if args[0].type != "datetime":
            raise KqlSemanticError(f"{node.name}() expects a datetime, got {args[0].type}", c.text, node.pos)
        zone = args[1]
        if not (zone.is_const and isinstance(zone.const, str)):
            raise KqlUnsupportedError(f"{node.name}() with a time zone that is not a constant", c.text, node.pos)
        import zoneinfo

        if zone.const not in _zone_names(zoneinfo):
            raise KqlSemanticError(f"{node.name}(): unknown time zone '{zone.const}'", c.text, node.pos,
                                   "use an IANA name such as 'Europe/Paris' or 'America/New_York'")
        return zone.sql

    def f_datetime_utc_to_local(self, c, node, args):
        """The wall-clock time in a time zone of a UTC instant (daylight saving time included)."""
        zone = self._zone(c, node, args)
        return Typed(c.dialect.shape("utc_to_local", t=args[0].sql, z=zone), "datetime")

    def f_datetime_local_to_utc(self, c, node, args):
        """The UTC instant of a wall-clock time in a time zone."""
        zone = self._zone(c, node, args)
        return Typed(c.dialect.shape("local_to_utc", t=args[0].sql, z=zone), "datetime")

    def f_datetime_list_timezones(self, c, node, args):
        """The IANA time zone names datetime_utc_to_local() and datetime_local_to_utc() take (this machine's
        time zone database), sorted."""
        import zoneinfo

        self.arity(c, node, args, 0)
        return Typed(sb.literal("dynamic", sorted(_zone_names(zoneinfo))), "dynamic")

    def f_now(self, c, node, args):
        self.arity(c, node, args, 0, 1)
        now = Typed(sb.literal("datetime", self.compiler.now), "datetime")
        if args:
            return c.arith("+", now, args[0], node)
        return now

    def f_ago(self, c, node, args):
        self.arity(c, node, args, 1)
        self.expect(c, node, args[0], "timespan")
        if args[0].is_const and isinstance(args[0].const, int):
            self.compiler.ago_windows.append(args[0].const)
            start = datetime_ticks(self.compiler.now) - args[0].const
            if 0 <= start <= MAX_DATETIME_TICKS:  # one constant: what a time-window filter compares with
                return Typed(sb.literal("datetime", datetime_from_ticks(start)), "datetime")
        now = Typed(sb.literal("datetime", self.compiler.now), "datetime")
        return c.arith("-", now, args[0], node)

    def _start_of(unit: str):  # noqa: N805
        def build(self, c, node, args):
            self.arity(c, node, args, 1, 2)
            self.expect(c, node, args[0], "datetime")
            value = args[0].sql
            if unit == "week":
                start = c.dialect.shape(
                    "start_of_week",
                    v=value,
                )
            else:
                start = c.dialect.shape(f"start_of_{unit}", v=value)
            if len(args) == 2:
                step, times = {"day": ("days", 1), "week": ("days", 7), "month": ("months", 1), "year": ("years", 1)}[unit]
                offset = args[1].sql if times == 1 else exp.Mul(this=args[1].sql, expression=sb.number(times))
                start = c.dialect.shape(f"datetime_add_{step}", v=start, n=offset)
            return Typed(start, "datetime")

        return build

    f_startofday = _start_of("day")
    f_startofweek = _start_of("week")
    f_startofmonth = _start_of("month")
    f_startofyear = _start_of("year")

    def _end_of(unit: str):  # noqa: N805
        def build(self, c, node, args):
            start = getattr(self, f"f_startof{unit}")(c, node, args)
            return Typed(c.dialect.shape(f"end_of_{unit}", s=start.sql), "datetime")

        return build

    f_endofday = _end_of("day")
    f_endofweek = _end_of("week")
    f_endofmonth = _end_of("month")
    f_endofyear = _end_of("year")

    def _part(sql_part: str, result: str = "int"):  # noqa: N805
        def build(self, c, node, args):
            self.arity(c, node, args, 1)
            self.expect(c, node, args[0], "datetime")
            return Typed(sb.cast(c.dialect.shape(f"datetime_part_{sql_part}", v=args[0].sql), result), result)

        return build

    f_getyear = _part("year")
    f_getmonth = _part("month")
    f_monthofyear = _part("month")
    f_dayofmonth = _part("day")
    f_dayofyear = _part("dayofyear")
    f_hourofday = _part("hour")
    f_week_of_year = _part("weekofyear")

    def f_dayofweek(self, c, node, args):
        self.arity(c, node, args, 1)
        self.expect(c, node, args[0], "datetime")
        return Typed(c.dialect.shape("dayofweek_ticks", v=args[0].sql), "timespan")

    def f_datetime_add(self, c, node, args):
        self.arity(c, node, args, 3)
        period, amount, value = args
        unit = _period(period, c, node)
        if unit in ("year", "quarter", "month", "week", "day", "hour", "minute", "second"):
            n = {"quarter": 3, "week": 7}.get(unit, 1)
            sql_unit = {"quarter": "month", "week": "day"}.get(unit, unit)
            offset = amount.sql if n == 1 else exp.Mul(this=amount.sql, expression=sb.number(n))
            return Typed(c.dialect.shape(f"datetime_add_{sql_unit}s", v=value.sql, n=offset), "datetime")
        ticks = Typed(exp.Mul(this=amount.sql, expression=sb.number(TICKS[unit])), "timespan")
        return c.arith("+", value, ticks, node)

    def f_datetime_part(self, c, node, args):
        """One part of a datetime, as an int (week_of_year is the ISO 8601 week)."""
        self.arity(c, node, args, 2)
        part, value = args
        if not (part.is_const and isinstance(part.const, str)):
            raise KqlUnsupportedError("datetime_part() with a non-constant part", c.text, node.pos)
        key = part.const.lower().replace("_", "")
        parts = {"week": "weekofyear"}
        if key not in _DATETIME_PARTS:
            raise KqlSemanticError(f"datetime_part(): unknown part '{part.const}'", c.text, node.pos,
                                   "use Year, Quarter, Month, week_of_year, Day, DayOfYear, Hour, Minute, Second, "
                                   "Millisecond, Microsecond or Nanosecond")
        if value.type != "datetime":
            raise KqlSemanticError(f"datetime_part() needs a datetime, got {value.type}", c.text, node.pos)
        return Typed(sb.cast(c.dialect.shape(f"datetime_part_{parts.get(key, key)}", v=value.sql), "int"), "int")

    def f_datetime_diff(self, c, node, args):
        self.arity(c, node, args, 3)
        period, a, b = args
        for value in (a, b):
            if value.type != "datetime" and not (value.is_const and value.const is None):
                raise KqlSemanticError(f"datetime_diff() compares datetimes, got {value.type}", c.text, node.pos)
        unit = _period(period, c, node)
        if unit == "week":
            # the engine types a week difference as real
            return Typed(sb.cast(c.dialect.shape("weeks_between", a=a.sql, b=b.sql), "real"), "real")
        if unit != "nanosecond":  # the other periods (week was handled above) are DuckDB date_diff parts
            return Typed(sb.cast(c.dialect.shape(f"calendar_difference_{unit}", a=a.sql, b=b.sql), "long"), "long")
        diff = c.arith("-", a, b, node)
        return Typed(c.dialect.shape("microseconds_to_nanoseconds", d=diff.sql), "long")

    def f_make_datetime(self, c, node, args):
        self.arity(c, node, args, 3, 6)
        for a in args:
            if a.type not in NUMERIC:
                raise KqlSemanticError(f"make_datetime() takes numbers, got {a.type}", c.text, node.pos)
        # year to minute are whole numbers (a real's fraction is dropped); the second keeps its fraction
        parts = [self.convert(c, a, "long").sql if i < 5 else a.sql for i, a in enumerate(args)]
        parts += [exp.Literal.number(0)] * (6 - len(args))
        return Typed(
            c.dialect.shape("make_datetime", y=parts[0], mo=parts[1], d=parts[2], h=parts[3], mi=parts[4], s=parts[5]),
            "datetime",
        )

    def f_make_timespan(self, c, node, args):
        self.arity(c, node, args, 2, 4)
        for a in args:
            if a.type not in NUMERIC:
                raise KqlSemanticError(f"make_timespan() takes numbers, got {a.type}", c.text, node.pos)
        # an int part is widened first: the ticks of a few minutes overflow an int
        args = [Typed(sb.cast(a.sql, "long"), "long") if a.type == "int" else a for a in args]
        if len(args) == 2:
            h, m, s, d = args[0].sql, args[1].sql, exp.Literal.number(0), exp.Literal.number(0)
        elif len(args) == 3:
            h, m, s, d = args[0].sql, args[1].sql, args[2].sql, exp.Literal.number(0)
        else:
            d, h, m, s = args[0].sql, args[1].sql, args[2].sql, args[3].sql
        # a component out of its range (25 hours, 70 minutes) makes no timespan: null, as Kusto gives
        valid = exp.and_(*[exp.Between(this=part.copy(), low=sb.number(0), high=sb.number(high))
                           for part, high in ((h, 23), (m, 59))],
                         exp.GTE(this=s.copy(), expression=sb.number(0)), exp.LT(this=s.copy(), expression=sb.number(60)))
        ticks = c.dialect.shape("make_timespan_ticks", d=d, h=h, m=m, s=s)
        return Typed(exp.Case(ifs=[exp.If(this=valid, true=ticks)], default=sb.null("timespan")), "timespan")

    def f_unixtime_seconds_todatetime(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(c.dialect.shape("unix_seconds_to_datetime", x=args[0].sql), "datetime")

    def f_unixtime_milliseconds_todatetime(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(c.dialect.shape("unix_millis_to_datetime", x=args[0].sql), "datetime")

    def f_bin_at(self, c, node, args):
        self.arity(c, node, args, 3)
        value, size, fixed = args
        shifted = c.arith("-", value, fixed, node)
        binned = self.f_bin(c, node, [shifted, size])
        result = (
            c.arith("+", fixed, binned, node)
            if value.type == "datetime"
            else c.arith("+", binned, fixed, node)
        )
        if value.type in NUMERIC and size.type in NUMERIC and fixed.type in NUMERIC:
            # numbers widen to the widest of the three (an int to a long)
            wide = {"int": "long"}.get(widest_number(value.type, size.type, fixed.type),
                                       widest_number(value.type, size.type, fixed.type))
            return Typed(result.sql if result.type == wide else sb.cast(result.sql, wide), wide, value.name)
        return Typed(result.sql, value.type if value.type != "int" else "long", value.name)

    def f_format_datetime(self, c, node, args):
        self.arity(c, node, args, 2)
        value, fmt = args
        if not fmt.is_const:
            raise KqlUnsupportedError("format_datetime() with a non-constant format", c.text, node.pos)
        pieces = []
        simple = c.dialect.DATETIME_FORMAT_CODES  # Kusto's fixed-width tokens in the engine's format syntax
        numeric = {"M": "month", "d": "day", "H": "hour", "h": None, "m": "minute", "s": "second"}
        for token in re.findall(
            r"yyyy|yy|y|MM|M|dd|d|HH|H|hh|h|mm|m|ss|s|tt|f{1,7}|F{1,7}|\\.|.", str(fmt.const)
        ):
            if token in simple:
                pieces.append(c.dialect.shape("strftime", v=value.sql, f=sb.string(simple[token])))
            elif token in numeric and numeric[token]:
                pieces.append(sb.cast(c.dialect.shape(f"datetime_part_{numeric[token]}", v=value.sql), "string"))
            elif token == "y":  # the year in the century, without a leading zero
                year = c.dialect.shape("datetime_part_year", v=value.sql)
                pieces.append(sb.cast(exp.Mod(this=year, expression=sb.number(100)), "string"))
            elif token == "h":
                pieces.append(
                    c.dialect.shape("hour_of_12", v=value.sql)
                )
            elif token[0] in "fF":
                _fraction(pieces, token, c.dialect.shape("datetime_fraction_digits", v=value.sql))
            else:
                pieces.append(format_separator(token, c, node))
        return Typed(sb.coalesce(sb.concat(pieces), sb.string("")), "string")

    def f_format_timespan(self, c, node, args):
        self.arity(c, node, args, 2)
        value, fmt = args
        if not fmt.is_const:
            raise KqlUnsupportedError("format_timespan() with a non-constant format", c.text, node.pos)
        units = {"d": "timespan_days", "h": "timespan_hours", "m": "timespan_minutes", "s": "timespan_seconds"}
        pieces = []
        for token in re.findall(r"d+|h+|H+|m+|s+|f{1,7}|F{1,7}|\\.|'[^']*'|.", str(fmt.const)):
            unit = token[0].lower()
            if unit in units and token[0] != "F":
                number = sb.cast(c.dialect.shape(units[unit], t=value.sql), "string")
                pieces.append(exp.Pad(this=number, expression=sb.number(len(token)), fill_pattern=sb.string("0"),
                                      is_left=True) if len(token) > 1 else number)
            elif token[0] in "fF":
                _fraction(pieces, token, c.dialect.shape("timespan_fraction_digits", t=value.sql))
            else:
                pieces.append(format_separator(token, c, node))
        sign = c.dialect.shape("sign_prefix", t=value.sql)
        return Typed(sb.coalesce(sb.concat([sign, *pieces]), sb.string("")), "string")


def _fraction(pieces: list[exp.Expression], token: str, digits: exp.Expression) -> None:
    """An f/F token: the first digits of the seven; F drops trailing zeros, and when none is left, the '.'
    written just before it too (as .NET formats)."""
    first = exp.Substring(this=digits, start=sb.number(1), length=sb.number(len(token)))
    if token[0] == "f":
        pieces.append(first)
        return
    trimmed = exp.Trim(this=first, expression=sb.string("0"), position="TRAILING")
    if pieces and isinstance(pieces[-1], exp.Literal) and pieces[-1].this == ".":
        empty = exp.EQ(this=trimmed.copy(), expression=sb.string(""))
        pieces[-1] = exp.Case(ifs=[exp.If(this=empty, true=sb.string(""))], default=sb.string("."))
    pieces.append(trimmed)


# The only literal characters Kusto's format_datetime / format_timespan accept between specifiers.
FORMAT_SEPARATORS = set(" /-:,._[]")


def format_separator(token: str, c: ExprCompiler, node: ast.Call) -> exp.Expression:
    if token in FORMAT_SEPARATORS:
        return sb.string(token)
    raise KqlSemanticError(f"{node.name}(): {token!r} is not a format specifier or separator", c.text, node.pos,
                           "separators: space / - : , . _ [ ]")


PERIODS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond", "microsecond",
           "nanosecond")


def _period(period: Typed, c: ExprCompiler, node: ast.Call) -> str:
    """The canonical unit of a constant period argument ('Hour', 'hh', 'ms' ...)."""
    if not period.is_const:
        raise KqlUnsupportedError(f"{node.name}() with a non-constant period", c.text, node.pos)
    text = str(period.const)
    unit = text.lower().rstrip("s") if text.lower() not in ("ms",) else "millisecond"
    aliases = {
        "yy": "year",
        "qq": "quarter",
        "q": "quarter",
        "mm": "month",
        "m": "month",
        "wk": "week",
        "ww": "week",
        "dd": "day",
        "d": "day",
        "hh": "hour",
        "mi": "minute",
        "n": "minute",
        "ss": "second",
        "s": "second",
        "microsec": "microsecond",
        "nanosec": "nanosecond",
        "millisec": "millisecond",
        "mcs": "microsecond",
    }
    unit = aliases.get(unit, unit)
    if unit not in PERIODS:
        raise KqlSemanticError(f"unknown period {text!r}", c.text, node.pos)
    return unit


def _zone_names(zoneinfo) -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = set(zoneinfo.available_timezones()) | {"UTC"}
    return _ZONES


_ZONES: set[str] | None = None
