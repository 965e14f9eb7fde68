"""IP address functions: parse_ipv4, ipv4_is_in_range, ipv4_is_private, ipv4_compare.

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>."""

from __future__ import annotations

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import Typed
from kqlite.errors import KqlUnsupportedError

# Dotted IPv4 text (optionally with /prefix) as a number; anything else (IPv6, garbage) is null.
_IPV4_NUMBER = (
    "CASE WHEN regexp_matches(:s, '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(/\\d{1,2})?$') "
    "AND CAST(split_part(split_part(:s, '/', 1), '.', 1) AS BIGINT) <= 255 "
    "AND CAST(split_part(split_part(:s, '/', 1), '.', 2) AS BIGINT) <= 255 "
    "AND CAST(split_part(split_part(:s, '/', 1), '.', 3) AS BIGINT) <= 255 "
    "AND CAST(split_part(split_part(:s, '/', 1), '.', 4) AS BIGINT) <= 255 "
    "THEN CAST(split_part(split_part(:s, '/', 1), '.', 1) AS BIGINT) * 16777216 "
    "+ CAST(split_part(split_part(:s, '/', 1), '.', 2) AS BIGINT) * 65536 "
    "+ CAST(split_part(split_part(:s, '/', 1), '.', 3) AS BIGINT) * 256 "
    "+ CAST(split_part(split_part(:s, '/', 1), '.', 4) AS BIGINT) ELSE NULL END"
)
# The prefix length of "a.b.c.d/n" (32 without one).
_IPV4_PREFIX = "CASE WHEN contains(:s, '/') THEN least(TRY_CAST(split_part(:s, '/', 2) AS BIGINT), 32) ELSE 32 END"


def ipv4_number(text: exp.Expression) -> exp.Expression:
    return sb.tmpl(_IPV4_NUMBER, s=sb.tmpl("trim(:t)", t=text))


def ipv4_in_range(ip: exp.Expression, cidr: exp.Expression) -> exp.Expression:
    """True when the address is inside the range; null when either side is not IPv4 text."""
    shape = ("CASE WHEN :a IS NULL OR :b IS NULL OR :n IS NULL THEN NULL "
             "ELSE :a // CAST(pow(2, 32 - :n) AS BIGINT) = :b // CAST(pow(2, 32 - :n) AS BIGINT) END")
    return sb.tmpl(shape, a=ipv4_number(ip), b=ipv4_number(cidr), n=sb.tmpl(_IPV4_PREFIX, s=cidr))


class NetworkFunctions:
    def f_parse_ipv4(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(ipv4_number(c.as_string(args[0]).sql), "long")

    def f_ipv4_is_in_range(self, c, node, args):
        self.arity(c, node, args, 2)
        return Typed(ipv4_in_range(c.as_string(args[0]).sql, c.as_string(args[1]).sql), "bool")

    def f_ipv4_is_in_any_range(self, c, node, args):
        """In any of the ranges: given one by one, or as a constant dynamic array."""
        if len(args) < 2:
            self.arity(c, node, args, 2, 64)
        ip = c.as_string(args[0]).sql
        ranges: list[exp.Expression] = []
        for arg in args[1:]:
            if arg.type == "dynamic":
                if not (arg.is_const and isinstance(arg.const, list)):
                    raise KqlUnsupportedError("ipv4_is_in_any_range() with a non-constant dynamic list",
                                              c.text, node.pos)
                ranges.extend(sb.string(str(r)) for r in arg.const)
            else:
                ranges.append(c.as_string(arg).sql)
        if not ranges:
            return Typed(exp.false(), "bool")
        tests = [sb.coalesce(ipv4_in_range(ip, r), exp.false()) for r in ranges]
        return Typed(exp.Paren(this=exp.or_(*tests)), "bool")

    def f_ipv4_is_private(self, c, node, args):
        self.arity(c, node, args, 1)
        ip = c.as_string(args[0]).sql
        ranges = [ipv4_in_range(ip, sb.string(cidr)) for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
        return Typed(exp.Paren(this=exp.or_(*ranges)), "bool")

    def f_ipv4_compare(self, c, node, args):
        self.arity(c, node, args, 2, 3)
        a, b = ipv4_number(c.as_string(args[0]).sql), ipv4_number(c.as_string(args[1]).sql)
        if len(args) == 3:
            prefix = args[2].sql
            a = sb.tmpl(":a // CAST(pow(2, 32 - :n) AS BIGINT)", a=a, n=prefix)
            b = sb.tmpl(":b // CAST(pow(2, 32 - :n) AS BIGINT)", b=b, n=prefix)
        return Typed(sb.tmpl("CASE WHEN :a < :b THEN -1 WHEN :a > :b THEN 1 WHEN :a = :b THEN 0 END", a=a, b=b), "long")
