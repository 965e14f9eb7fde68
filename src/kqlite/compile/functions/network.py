"""IP address functions: parse_ipv4, ipv4_is_in_range, ipv4_is_private, ipv4_compare.

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import Typed
from kqlite.errors import KqlUnsupportedError

if TYPE_CHECKING:
    from kqlite.compile.dialects import Dialect

def ipv4_number(d: Dialect, text: exp.Expression) -> exp.Expression:
    """Dotted IPv4 text (optionally with /prefix) as a number; anything else (IPv6, garbage) is null."""
    return d.shape("ipv4_text_to_number", s=exp.Trim(this=text))


def ipv4_in_range(d: Dialect, ip: exp.Expression, cidr: exp.Expression) -> exp.Expression:
    """True when the address is inside the range; null when either side is not IPv4 text."""
    return d.shape("ipv4_same_network", a=ipv4_number(d, ip), b=ipv4_number(d, cidr),
                   n=d.shape("ipv4_prefix_length", s=cidr))


class NetworkFunctions:
    def f_parse_ipv4(self, c, node, args):
        self.arity(c, node, args, 1)
        return Typed(ipv4_number(c.dialect, c.as_string(args[0]).sql), "long")

    def f_ipv4_is_in_range(self, c, node, args):
        self.arity(c, node, args, 2)
        return Typed(ipv4_in_range(c.dialect, c.as_string(args[0]).sql, c.as_string(args[1]).sql), "bool")

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
        tests = [sb.coalesce(ipv4_in_range(c.dialect, ip, r), exp.false()) for r in ranges]
        return Typed(exp.Paren(this=exp.or_(*tests)), "bool")

    def f_ipv4_is_private(self, c, node, args):
        self.arity(c, node, args, 1)
        ip = c.as_string(args[0]).sql
        ranges = [ipv4_in_range(c.dialect, ip, sb.string(cidr)) for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
        return Typed(exp.Paren(this=exp.or_(*ranges)), "bool")

    def f_ipv4_compare(self, c, node, args):
        self.arity(c, node, args, 2, 3)
        a, b = ipv4_number(c.dialect, c.as_string(args[0]).sql), ipv4_number(c.dialect, c.as_string(args[1]).sql)
        if len(args) == 3:
            prefix = args[2].sql
            a = c.dialect.shape("ipv4_network", a=a, n=prefix)
            b = c.dialect.shape("ipv4_network", a=b, n=prefix)
        return Typed(c.dialect.shape("compare_three_way", a=a, b=b), "long")
