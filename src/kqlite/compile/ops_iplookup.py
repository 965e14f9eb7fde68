"""evaluate ipv4_lookup() and ipv6_lookup(): join rows to a table of IP ranges (enrichment with geo, owner or
threat lists).

`T | evaluate ipv4_lookup(LookupTable, SourceIPv4Key, LookupKey [, ExtraKey ...] [, return_unmatched = true])`:
each row of T joined to the lookup rows whose range (`10.0.0.0/8`, or one address) holds its address, and whose
extra key columns (same names on both sides) are equal; unmatched rows kept only with return_unmatched. The
columns are T's then the lookup table's, renamed as a join renames them (ip1). The match is a range join on
the addresses as numbers (an engine's interval join, not a comparison of every pair). ipv6_lookup compares
the 128 bits as '0'/'1' text of one length (IPv4 text is its IPv4-mapped IPv6 address), which orders as the
numbers do.
"""

from __future__ import annotations

from sqlglot import exp

from kqlite.compile import sqlbuild as sb
from kqlite.compile.env import Env
from kqlite.compile.functions.network import ipv6_bits, ipv6_prefix
from kqlite.compile.naming import joined_names
from kqlite.compile.scope import Column, Relation, col_ref
from kqlite.syntax import ast


class IpLookupOperators:
    def ipv4_lookup(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        return self.ip_lookup(plugin, rel, env, self.ip_numbers)

    def ipv6_lookup(self, plugin: ast.Call, rel: Relation, env: Env) -> Relation:
        return self.ip_lookup(plugin, rel, env, self.ipv6_numbers)

    def ip_lookup(self, plugin: ast.Call, rel: Relation, env: Env, numbers) -> Relation:
        name = plugin.name
        args = list(plugin.args)
        unmatched = False
        for arg in list(args):
            if isinstance(arg, ast.NamedArg):
                if arg.name != "return_unmatched" or not isinstance(arg.value, ast.Literal) \
                        or arg.value.type != "bool":
                    raise self.semantic(f"{name}() takes return_unmatched = true or false", arg.pos)
                unmatched = bool(arg.value.value)
                args.remove(arg)
        if len(args) >= 4 and isinstance(args[-1], ast.Literal) and args[-1].type == "bool":
            unmatched = bool(args.pop().value)
        if len(args) < 3 or not all(isinstance(a, ast.Name) for a in args[1:]):
            raise self.semantic(f"{name}(LookupTable, SourceKey, LookupKey [, ExtraKey ...]) takes a "
                                "table and column names", plugin.pos)
        lookup = self.tabular(args[0], env)
        source_key, lookup_key, extra = args[1].name, args[2].name, [a.name for a in args[3:]]
        for name, side, what in ([(source_key, rel, "the input")] + [(lookup_key, lookup, "the lookup table")]
                                 + [(k, s, w) for k in extra for s, w in ((rel, "the input"), (lookup, "the lookup table"))]):
            if side.column(name) is None:
                raise self.semantic(f"{plugin.name}(): {what} has no column '{name}'", plugin.pos)
        address = numbers(rel, source_key, env, "_ip", None)
        ranges = numbers(lookup, lookup_key, env, "_lo", "_hi")
        inside = exp.Between(this=col_ref("_ip", "_l"), low=col_ref("_lo", "_r"), high=col_ref("_hi", "_r"))
        condition = exp.and_(inside, *[exp.EQ(this=col_ref(k, "_l"), expression=col_ref(k, "_r")) for k in extra])
        projections = [exp.alias_(col_ref(c.name, "_l"), c.name, quoted=True) for c in rel.columns]
        columns = list(rel.columns)
        for col, name in zip(lookup.columns, joined_names(rel.names(), lookup.names()), strict=True):
            projections.append(exp.alias_(self.outer_cell(col, "_r", unmatched), name, quoted=True))
            columns.append(Column(name, col.type))
        right_source = self.select_from(ranges, "_r").args["from_"].this
        select = self.select_from(address, "_l").select(*projections, copy=False).join(
            right_source, on=condition, join_type="LEFT" if unmatched else None, copy=False)
        return self.step(select, columns)

    def ip_numbers(self, rel: Relation, column: str, env: Env, low: str, high: str | None) -> Relation:
        """The relation with its column's IPv4 address as a number (`low`), and with `high` the last address
        of the range the text names (`1.2.3.0/24`: .0 to .255); null where the text is no IPv4 address."""
        c = self.exprs(env, rel)
        name = ast.Name(0, column)
        start = c.compile(ast.Call(0, "parse_ipv4", [name])).sql
        extra = [exp.alias_(start, low, quoted=True)]
        if high is not None:
            prefix = ast.Call(0, "ipv4_netmask_suffix", [name])
            size = ast.Call(0, "binary_shift_left", [ast.Literal(0, "long", 1),
                                                     ast.Binary(0, "-", ast.Literal(0, "long", 32), prefix)])
            extra.append(exp.alias_(exp.Sub(this=exp.Add(this=start.copy(), expression=c.compile(size).sql),
                                            expression=exp.Literal.number(1)), high, quoted=True))
        select = self.select_from(rel).select(*[col_ref(col.name) for col in rel.columns], *extra, copy=False)
        out = self.step(select, rel.columns)
        out.exact = False
        return out

    def ipv6_numbers(self, rel: Relation, column: str, env: Env, low: str, high: str | None) -> Relation:
        """The relation with its column's address as its 128 bits (`low`: the range's first address), and with
        `high` its last (the prefix's bits, then ones); null where the text is no IP address."""
        c = self.exprs(env, rel)
        text = c.as_string(c.compile(ast.Name(0, column))).sql
        bits, prefix = ipv6_bits(self.dialect, text), ipv6_prefix(self.dialect, text.copy())
        kept = exp.Left(this=bits, expression=prefix)
        fill = [exp.alias_(exp.Pad(this=kept, expression=sb.number(128), fill_pattern=sb.string("0"), is_left=False),
                           low, quoted=True)]
        if high is not None:
            fill.append(exp.alias_(exp.Pad(this=kept.copy(), expression=sb.number(128), fill_pattern=sb.string("1"),
                                           is_left=False), high, quoted=True))
        select = self.select_from(rel).select(*[col_ref(col.name) for col in rel.columns], *fill, copy=False)
        out = self.step(select, rel.columns)
        out.exact = False
        return out
