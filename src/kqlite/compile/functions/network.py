"""IP address functions: IPv4 (parse_ipv4, ipv4_compare, ipv4_is_match, ipv4_is_in_range, format_ipv4...), text
search for IPv4 addresses (has_ipv4, has_any_ipv4_prefix...) and IPv6 (parse_ipv6, ipv6_compare, ipv6_is_match,
ipv6_is_in_range...).

A mixin of `kqlite.compile.functions.Functions`: each `f_<name>` method builds KQL function <name>.

IPv4 text is read as a number and a prefix length (32 without '/n'); IPv6 text (or IPv4 text, as its
IPv4-mapped address ::ffff:a.b.c.d) as its 128 bits written as '0'/'1' text and a prefix length, so that
masking is `left(bits, n)` and ordering is text ordering on both engines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.expressions import Typed
from kqlite.errors import KqlUnsupportedError

if TYPE_CHECKING:
    from kqlite.compile.dialects import Dialect

IPV4_MAX = 2**32 - 1


def ipv4_number(d: Dialect, text: exp.Expression) -> exp.Expression:
    """Dotted IPv4 text (optionally with /prefix) as a number; anything else (IPv6, garbage) is null."""
    return d.shape("ipv4_text_to_number", s=exp.Trim(this=text))


def ipv4_prefix(d: Dialect, text: exp.Expression) -> exp.Expression:
    """The /prefix of IPv4 text, 32 without one."""
    return d.shape("ipv4_prefix_length", s=exp.Trim(this=text))


def ipv4_in_range(d: Dialect, ip: exp.Expression, cidr: exp.Expression) -> exp.Expression:
    """True when the address is inside the range; null when either side is not IPv4 text."""
    return d.shape("ipv4_same_network", a=ipv4_number(d, ip), b=ipv4_number(d, cidr),
                   n=d.shape("ipv4_prefix_length", s=cidr))


def prefix_within(arg: exp.Expression, top: int, value: exp.Expression) -> exp.Expression:
    """`value` when the prefix argument is within 0..top, else null (Kusto's conversion failure)."""
    valid = exp.Between(this=arg.copy(), low=sb.number(0), high=sb.number(top))
    return exp.Case(ifs=[exp.If(this=valid, true=value)], default=exp.Null())


def combined_prefix(d: Dialect, prefixes: list[exp.Expression], arg: exp.Expression | None, top: int) -> exp.Expression:
    """The smallest of the texts' prefixes and the prefix argument ("the combined IP-prefix mask")."""
    if arg is None:
        return d.call("least", prefixes) if len(prefixes) > 1 else prefixes[0]
    return prefix_within(arg, top, d.call("least", [*prefixes, arg]))


def ipv6_bits(d: Dialect, text: exp.Expression) -> exp.Expression:
    return d.shape("ipv6_bits", s=exp.Trim(this=text))


def ipv6_prefix(d: Dialect, text: exp.Expression) -> exp.Expression:
    return d.shape("ipv6_prefix", s=exp.Trim(this=text))


def masked_bits(bits: exp.Expression, n: exp.Expression) -> exp.Expression:
    return exp.Left(this=bits, expression=n)


def ipv6_in_range(d: Dialect, ip: exp.Expression, cidr: exp.Expression) -> exp.Expression:
    """True when the address is inside the range (the range's prefix); null when either is not IP text."""
    n = ipv6_prefix(d, cidr)
    return exp.EQ(this=masked_bits(ipv6_bits(d, ip), n), expression=masked_bits(ipv6_bits(d, cidr), n.copy()))


def false_if_null(x: exp.Expression) -> exp.Expression:
    return sb.coalesce(x, exp.false())


class NetworkFunctions:
    def prefix_arg(self, c, node, args: list[Typed], index: int) -> exp.Expression | None:
        """The optional prefix argument (a whole number) at `index`, or None when not given."""
        if len(args) <= index:
            return None
        self.expect(c, node, args[index], "int", "long")
        return args[index].sql

    def text_list(self, c, node, args: list[Typed]) -> list[exp.Expression]:
        """The string arguments of the *_any_* functions: given one by one, or as a constant dynamic array."""
        items: list[exp.Expression] = []
        for arg in args:
            if arg.type == "dynamic":
                if not (arg.is_const and isinstance(arg.const, list)):
                    raise KqlUnsupportedError(f"{node.name}() with a non-constant dynamic list", c.text, node.pos)
                items.extend(sb.string(str(r)) for r in arg.const if r is not None)
            else:
                items.append(c.as_string(arg).sql)
        return items

    # ---- IPv4
    def f_parse_ipv4(self, c, node, args):
        self.arity(c, node, args, 1)
        ip = c.as_string(args[0]).sql
        return Typed(c.dialect.shape("ipv4_mask", a=ipv4_number(c.dialect, ip), n=ipv4_prefix(c.dialect, ip)), "long")

    def f_parse_ipv4_mask(self, c, node, args):
        self.arity(c, node, args, 2)
        ip = c.as_string(args[0]).sql
        n = combined_prefix(c.dialect, [ipv4_prefix(c.dialect, ip)], self.prefix_arg(c, node, args, 1), 32)
        return Typed(c.dialect.shape("ipv4_mask", a=ipv4_number(c.dialect, ip), n=n), "long")

    def f_ipv4_netmask_suffix(self, c, node, args):
        self.arity(c, node, args, 1)
        ip = c.as_string(args[0]).sql
        valid = exp.Not(this=exp.Is(this=ipv4_number(c.dialect, ip), expression=exp.Null()))
        return Typed(exp.Case(ifs=[exp.If(this=valid, true=ipv4_prefix(c.dialect, ip))], default=exp.Null()), "long")

    def f_ipv4_is_in_range(self, c, node, args):
        self.arity(c, node, args, 2)
        return Typed(ipv4_in_range(c.dialect, c.as_string(args[0]).sql, c.as_string(args[1]).sql), "bool")

    def f_ipv4_is_in_any_range(self, c, node, args):
        """In any of the ranges: given one by one, or as a constant dynamic array."""
        if len(args) < 2:
            self.arity(c, node, args, 2, 64)
        ip = c.as_string(args[0]).sql
        tests = [false_if_null(ipv4_in_range(c.dialect, ip, r)) for r in self.text_list(c, node, args[1:])]
        return Typed(exp.Paren(this=exp.or_(*tests)) if tests else exp.false(), "bool")

    def f_ipv4_is_private(self, c, node, args):
        self.arity(c, node, args, 1)
        ip = c.as_string(args[0]).sql
        ranges = [ipv4_in_range(c.dialect, ip, sb.string(cidr)) for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
        return Typed(exp.Paren(this=exp.or_(*ranges)), "bool")

    def ipv4_networks(self, c, node, args) -> tuple[exp.Expression, exp.Expression]:
        """The two addresses of ipv4_compare/ipv4_is_match masked by their combined prefix."""
        self.arity(c, node, args, 2, 3)
        d = c.dialect
        ip1, ip2 = c.as_string(args[0]).sql, c.as_string(args[1]).sql
        n = combined_prefix(d, [ipv4_prefix(d, ip1), ipv4_prefix(d, ip2)], self.prefix_arg(c, node, args, 2), 32)
        return (d.shape("ipv4_mask", a=ipv4_number(d, ip1), n=n), d.shape("ipv4_mask", a=ipv4_number(d, ip2), n=n))

    def f_ipv4_compare(self, c, node, args):
        a, b = self.ipv4_networks(c, node, args)
        return Typed(c.dialect.shape("compare_three_way", a=a, b=b), "long")

    def f_ipv4_is_match(self, c, node, args):
        a, b = self.ipv4_networks(c, node, args)
        return Typed(exp.EQ(this=a, expression=b), "bool")

    def ipv4_formatted(self, c, node, args, high: int) -> tuple[exp.Expression, exp.Expression]:
        """format_ipv4's masked address as text, and the prefix used; both null when the input is not an
        address. The address is IPv4 text or its number (0 to 2^32-1)."""
        self.arity(c, node, args, 1, high)
        d = c.dialect
        arg = self.prefix_arg(c, node, args, 1)
        if args[0].type in ("int", "long"):
            number = args[0].sql
            fits = exp.Between(this=number.copy(), low=sb.number(0), high=sb.number(IPV4_MAX))
            number = exp.Case(ifs=[exp.If(this=fits, true=number)], default=exp.Null())
            n = sb.number(32) if arg is None else prefix_within(arg, 32, arg.copy())
        else:
            ip = c.as_string(args[0]).sql
            number = ipv4_number(d, ip)
            n = combined_prefix(d, [ipv4_prefix(d, ip)], arg, 32)
        return d.shape("ipv4_number_to_text", a=d.shape("ipv4_mask", a=number, n=n)), n

    def f_format_ipv4(self, c, node, args):
        text, _ = self.ipv4_formatted(c, node, args, 2)
        return Typed(sb.coalesce(text, sb.string("")), "string")

    def f_format_ipv4_mask(self, c, node, args):
        text, n = self.ipv4_formatted(c, node, args, 2)
        return Typed(sb.coalesce(sb.concat([text, sb.string("/"), sb.cast(n, "string")]), sb.string("")), "string")

    def f_ipv4_range_to_cidr_list(self, c, node, args):
        self.arity(c, node, args, 2)
        d = c.dialect
        start, end = (ipv4_number(d, c.as_string(a).sql) for a in args)
        return Typed(d.shape("ipv4_range_cidrs_json", s=start, e=end), "dynamic")

    # ---- IPv4 addresses in text
    def ipv4_text_search(self, c, node, args, prefixes: bool) -> Typed:
        """has_ipv4 and kin: does the text hold, as a whole address delimited by characters other than
        letters, digits and dots, one of the addresses (or an address starting with one of the prefixes)."""
        if len(args) < 2:
            self.arity(c, node, args, 2, 64)
        d = c.dialect
        tokens = d.shape("ipv4_tokens", s=c.as_string(args[0]).sql)
        tests = []
        for item in self.text_list(c, node, args[1:]):
            found = d.shape("text_list_contains", l=tokens, v=item)
            if prefixes:
                partial = d.call("ends_with", [item, sb.string(".")])
                found = exp.Case(ifs=[exp.If(this=partial, true=d.shape("text_list_any_prefix", l=tokens, p=item))],
                                 default=found)
                valid = d.shape("ipv4_is_prefix_text", s=item)
            else:
                valid = d.shape("ipv4_is_text", s=item)
            tests.append(false_if_null(exp.and_(valid, found)))
        return Typed(exp.Paren(this=exp.or_(*tests)) if tests else exp.false(), "bool")

    def f_has_ipv4(self, c, node, args):
        self.arity(c, node, args, 2)
        return self.ipv4_text_search(c, node, args, prefixes=False)

    def f_has_ipv4_prefix(self, c, node, args):
        self.arity(c, node, args, 2)
        return self.ipv4_text_search(c, node, args, prefixes=True)

    def f_has_any_ipv4(self, c, node, args):
        return self.ipv4_text_search(c, node, args, prefixes=False)

    def f_has_any_ipv4_prefix(self, c, node, args):
        return self.ipv4_text_search(c, node, args, prefixes=True)

    # ---- IPv6 (and IPv4 as IPv6)
    def ipv6_masked(self, c, node, args) -> tuple[exp.Expression, exp.Expression]:
        """The bits of the two addresses of ipv6_compare/ipv6_is_match up to their combined prefix."""
        self.arity(c, node, args, 2, 3)
        d = c.dialect
        ip1, ip2 = c.as_string(args[0]).sql, c.as_string(args[1]).sql
        n = combined_prefix(d, [ipv6_prefix(d, ip1), ipv6_prefix(d, ip2)], self.prefix_arg(c, node, args, 2), 128)
        return masked_bits(ipv6_bits(d, ip1), n), masked_bits(ipv6_bits(d, ip2), n.copy())

    def f_ipv6_compare(self, c, node, args):
        a, b = self.ipv6_masked(c, node, args)
        return Typed(c.dialect.shape("compare_three_way", a=a, b=b), "long")

    def f_ipv6_is_match(self, c, node, args):
        a, b = self.ipv6_masked(c, node, args)
        return Typed(exp.EQ(this=a, expression=b), "bool")

    def f_ipv6_is_in_range(self, c, node, args):
        self.arity(c, node, args, 2)
        return Typed(ipv6_in_range(c.dialect, c.as_string(args[0]).sql, c.as_string(args[1]).sql), "bool")

    def f_ipv6_is_in_any_range(self, c, node, args):
        if len(args) < 2:
            self.arity(c, node, args, 2, 64)
        ip = c.as_string(args[0]).sql
        tests = [false_if_null(ipv6_in_range(c.dialect, ip, r)) for r in self.text_list(c, node, args[1:])]
        return Typed(exp.Paren(this=exp.or_(*tests)) if tests else exp.false(), "bool")

    def ipv6_text(self, c, node, ip: Typed, arg: exp.Expression | None) -> Typed:
        d = c.dialect
        text = c.as_string(ip).sql
        n = combined_prefix(d, [ipv6_prefix(d, text)], arg, 128)
        return Typed(sb.coalesce(d.shape("ipv6_bits_to_text", b=ipv6_bits(d, text), n=n), sb.string("")), "string")

    def f_parse_ipv6(self, c, node, args):
        self.arity(c, node, args, 1)
        return self.ipv6_text(c, node, args[0], None)

    def f_parse_ipv6_mask(self, c, node, args):
        self.arity(c, node, args, 2)
        return self.ipv6_text(c, node, args[0], self.prefix_arg(c, node, args, 1))
