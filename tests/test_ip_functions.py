"""IP functions (issue 12, second batch): values worked out by hand from Kusto's documentation (the
examples of has-ipv4-function.md, ipv4-is-match-function.md, format-ipv4-function.md, parse-ipv6-mask-function.md,
ipv6-compare-function.md... and edge cases they describe). Runs on the engine chosen with --backend."""

from __future__ import annotations

import pytest
from query_helpers import column, one

import kqlite

LOG = "05:04:54 127.0.0.1 GET /favicon.ico 404"
BAD_OCTET = "05:04:54 127.0.0.256 GET /favicon.ico 404"
NOT_DELIMITED = "05:04:54127.0.0.1 GET /favicon.ico 404"


def test_parse_ipv4_masks_by_its_prefix(con):
    row = one(con, "print parse_ipv4('192.168.1.1'), parse_ipv4('192.168.1.1/24'), parse_ipv4('255.255.255.255/31'), "
                   "parse_ipv4('1.2.3')")
    assert row == (3232235777, 3232235776, 4294967294, None)


def test_parse_ipv4_mask_and_netmask_suffix(con):
    assert one(con, "print parse_ipv4_mask('127.0.0.1', 24), parse_ipv4_mask('10.1.2.3/8', 16), "
                    "parse_ipv4_mask('1.2.3.4', 33), parse_ipv4_mask('x', 8)") == (2130706432, 167772160, None, None)
    assert one(con, "print ipv4_netmask_suffix('10.1.2.3'), ipv4_netmask_suffix('192.168.1.1/24'), "
                    "ipv4_netmask_suffix('127.0.0.1/16'), ipv4_netmask_suffix('::1')") == (32, 24, 16, None)


def test_ipv4_compare_and_is_match_use_the_combined_prefix(con):
    assert one(con, "print ipv4_compare('192.168.1.1/24', '192.168.1.255'), ipv4_compare('1.2.3.4', '1.2.3.5'), "
                    "ipv4_compare('1.2.3.5', '1.2.3.4', 24), ipv4_compare('x', '1.1.1.1')") == (0, -1, 0, None)
    pairs = column(con, "datatable(a:string, b:string)['192.168.1.0', '192.168.1.0', '192.168.1.1/24', '192.168.1.255', "
                        "'192.168.1.1', '192.168.1.255/24', '192.168.1.1/30', '192.168.1.255/24', '1.2.3.4', '1.2.3.5', "
                        "'1.2.3.4', 'fe80::1'] | extend ipv4_is_match(a, b)")
    assert pairs == [True, True, True, True, False, None]
    triples = column(con, "datatable(a:string, b:string, p:long)['192.168.1.1', '192.168.1.0', 31, '192.168.1.1/24', "
                          "'192.168.1.255', 31, '192.168.1.1', '192.168.1.255', 24, '1.2.3.4', '1.2.3.4', -1] "
                          "| extend ipv4_is_match(a, b, p)")
    assert triples == [True, True, True, None]


def test_format_ipv4_and_format_ipv4_mask(con):
    rows = con.query("datatable(address:string, mask:long)['192.168.1.1', 24, '192.168.1.1', 32, '192.168.1.1/24', 32, "
                     "'192.168.1.1/24', long(-1)] | project format_ipv4(address, mask), format_ipv4_mask(address, mask)"
                     ).rows()
    assert rows == [("192.168.1.0", "192.168.1.0/24"), ("192.168.1.1", "192.168.1.1/32"),
                    ("192.168.1.0", "192.168.1.0/24"), ("", "")]
    # the address as a number (big-endian); one out of 0..2^32-1, or text that is not an address, gives ''
    row = one(con, "print format_ipv4(3232235777), format_ipv4(-1), format_ipv4('x'), format_ipv4('10.0.0.1'), "
                   "format_ipv4_mask(3232235777, 16)")
    assert row == ("192.168.1.1", "", "", "10.0.0.1", "192.168.0.0/16")


def test_ipv4_range_to_cidr_list(con):
    row = one(con, "print ipv4_range_to_cidr_list('1.1.128.0', '1.1.140.255'), "
                   "ipv4_range_to_cidr_list('0.0.0.0', '255.255.255.255'), ipv4_range_to_cidr_list('10.0.0.5', '10.0.0.5'), "
                   "ipv4_range_to_cidr_list('10.0.0.1', '10.0.0.6'), ipv4_range_to_cidr_list('x', '10.0.0.6')")
    assert row == (["1.1.128.0/21", "1.1.136.0/22", "1.1.140.0/24"], ["0.0.0.0/0"], ["10.0.0.5/32"],
                   ["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"], None)


def test_has_ipv4_needs_a_valid_delimited_address(con):
    row = one(con, f"print has_ipv4('{LOG}', '127.0.0.1'), has_ipv4('{BAD_OCTET}', '127.0.0.256'), "
                   f"has_ipv4('{NOT_DELIMITED}', '127.0.0.1'), "
                   "has_ipv4('These requests came from: 192.168.1.1, 10.1.1.115 and 10.1.1.201', '10.1.1.115'), "
                   "has_ipv4('from 10.1.1.115', '10.1.1.11'), has_ipv4('a 1.2.3.4.5 b', '1.2.3.4'), "
                   "has_ipv4('x 1.2.3.4 y', '1.2.3.4/32')")
    assert row == (True, False, False, True, False, False, False)


def test_has_ipv4_prefix(con):
    row = one(con, f"print has_ipv4_prefix('{LOG}', '127.0.'), has_ipv4_prefix('{LOG}', '127.0'), "
                   f"has_ipv4_prefix('{BAD_OCTET}', '127.0.'), has_ipv4_prefix('{NOT_DELIMITED}', '127.0.'), "
                   "has_ipv4_prefix('x 192.168.1.11 y', '192.168.1.1'), has_ipv4_prefix('x 192.168.1.11 y', '192.168.1.11'), "
                   "has_ipv4_prefix('x 192.168.1.11 y', '192.168.1.')")
    assert row == (True, False, False, False, False, True, True)


def test_has_any_ipv4_and_has_any_ipv4_prefix(con):
    row = one(con, f"print has_any_ipv4('{LOG}', '127.0.0.1', '127.0.0.2'), "
                   f"has_any_ipv4('{BAD_OCTET}', dynamic(['127.0.0.256', '192.168.1.1'])), "
                   f"has_any_ipv4('{NOT_DELIMITED}', '127.0.0.1', '192.168.1.1'), "
                   f"has_any_ipv4('{LOG}', dynamic(['127.0.0.1', '127.0.0.2']))")
    assert row == (True, False, False, True)
    row = one(con, f"print has_any_ipv4_prefix('{LOG}', '127.0.', '192.168.'), "
                   f"has_any_ipv4_prefix('{LOG}', dynamic(['127.0', '192.168.'])), "
                   f"has_any_ipv4_prefix('{BAD_OCTET}', '127.0.', '192.168.'), "
                   f"has_any_ipv4_prefix('{NOT_DELIMITED}', '127.0.', '192.')")
    assert row == (True, False, False, False)


def test_parse_ipv6_canonical_text(con):
    values = column(con, "datatable(ip:string)['192.168.255.255', '192.168.255.255/24', '::1', "
                         "'FE80::85d:e82c:9446:7994', '::ffff:10.1.2.3', '64:ff9b::1.2.3.4', '::', '1:2:3:4:5:6:7::', "
                         "'x', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::1'] | extend parse_ipv6(ip)")
    assert values == ["0000:0000:0000:0000:0000:ffff:c0a8:ffff", "0000:0000:0000:0000:0000:ffff:c0a8:ff00",
                      "0000:0000:0000:0000:0000:0000:0000:0001", "fe80:0000:0000:0000:085d:e82c:9446:7994",
                      "0000:0000:0000:0000:0000:ffff:0a01:0203", "0064:ff9b:0000:0000:0000:0000:0102:0304",
                      "0000:0000:0000:0000:0000:0000:0000:0000", "0001:0002:0003:0004:0005:0006:0007:0000",
                      "", "", "", ""]


def test_parse_ipv6_mask(con):
    values = column(con, "datatable(ip_string: string, netmask: long)['192.168.255.255', 120, '192.168.255.255/24', 124, "
                         "'255.255.255.255', 128, 'fe80::85d:e82c:9446:7994', 128, 'fe80::85d:e82c:9446:7994/120', 124, "
                         "'::192.168.255.255', 128, '::192.168.255.255/24', 128, '::1', 129] "
                         "| extend parse_ipv6_mask(ip_string, netmask)")
    assert values == ["0000:0000:0000:0000:0000:ffff:c0a8:ff00", "0000:0000:0000:0000:0000:ffff:c0a8:ff00",
                      "0000:0000:0000:0000:0000:ffff:ffff:ffff", "fe80:0000:0000:0000:085d:e82c:9446:7994",
                      "fe80:0000:0000:0000:085d:e82c:9446:7900", "0000:0000:0000:0000:0000:ffff:c0a8:ffff",
                      "0000:0000:0000:0000:0000:ffff:c0a8:ff00", ""]


EQUAL_PAIRS = """'192.168.1.1', '192.168.1.1', '192.168.1.1/24', '192.168.1.255', '192.168.1.1', '192.168.1.255/24',
 '192.168.1.1/30', '192.168.1.255/24', 'fe80::85d:e82c:9446:7994', 'fe80::85d:e82c:9446:7994',
 'fe80::85d:e82c:9446:7994/120', 'fe80::85d:e82c:9446:7998', 'fe80::85d:e82c:9446:7994', 'fe80::85d:e82c:9446:7998/120',
 'fe80::85d:e82c:9446:7994/120', 'fe80::85d:e82c:9446:7998/120', '192.168.1.1', '::ffff:c0a8:0101',
 '192.168.1.1/24', '::ffff:c0a8:01ff', '::ffff:c0a8:0101', '192.168.1.255/24', '::192.168.1.1/30', '192.168.1.255/24'"""
EQUAL_TRIPLES = """'192.168.1.1', '192.168.1.0', 31, '192.168.1.1/24', '192.168.1.255', 31, '192.168.1.1', '192.168.1.255', 24,
 'fe80::85d:e82c:9446:7994', 'fe80::85d:e82c:9446:7995', 127, 'fe80::85d:e82c:9446:7994/127', 'fe80::85d:e82c:9446:7998', 120,
 'fe80::85d:e82c:9446:7994/120', 'fe80::85d:e82c:9446:7998', 127, '192.168.1.1/24', '::ffff:c0a8:01ff', 127,
 '::ffff:c0a8:0101', '192.168.1.255', 120, '::192.168.1.1/30', '192.168.1.255/24', 127"""


def test_ipv6_compare_and_is_match_documentation_cases(con):
    rows = con.query(f"datatable(a:string, b:string)[{EQUAL_PAIRS}] | project ipv6_compare(a, b), ipv6_is_match(a, b)").rows()
    assert rows == [(0, True)] * 12
    rows = con.query(f"datatable(a:string, b:string, p:long)[{EQUAL_TRIPLES}] "
                     "| project ipv6_compare(a, b, p), ipv6_is_match(a, b, p)").rows()
    assert rows == [(0, True)] * 9


def test_ipv6_compare_orders_and_rejects(con):
    row = one(con, "print ipv6_compare('::1', '::2'), ipv6_compare('::2', '::1'), ipv6_compare('ffff::', '::1'), "
                   "ipv6_compare('x', '::1'), ipv6_is_match('x', '::1'), ipv6_compare('::1', '::2', 200), "
                   "ipv6_compare('10.0.0.1', '::ffff:10.0.0.2')")
    assert row == (-1, 1, 1, None, None, None, -1)


def test_ipv6_is_in_range_and_any_range(con):
    values = column(con, "datatable(ip:string, range:string)['a5e:f127:8a9d:146d:e102:b5d3:c755:abcd', "
                         "'a5e:f127:8a9d:146d:e102:b5d3:c755:0000/112', 'a5e:f127:8a9d:146d:e102:b5d3:c755:abcd', "
                         "'a5e:f127:8a9d:146d:e102:b5d3:c755:abcd', 'a5e:f127:8a9d:146d:e102:b5d3:c755:abcd', "
                         "'0:0:0:0:0:ffff:c0a8:ac/60', '10.1.2.3', '::ffff:10.0.0.0/8', 'x', '::/0'] "
                         "| extend ipv6_is_in_range(ip, range)")
    assert values == [True, True, False, True, None]
    values = column(con, "let LocalNetworks = dynamic(['a5e:f127:8a9d:146d:e102:b5d3:c755:f6cd/112', "
                         "'0:0:0:0:0:ffff:c0a8:ac/60']); datatable(IP:string)['a5e:f127:8a9d:146d:e102:b5d3:c755:abcd', "
                         "'a5e:f127:8a9d:146d:e102:b5d3:c755:abcf', 'a5e:f127:8a9d:146d:e102:b5d3:c756:abd1', 'x'] "
                         "| extend ipv6_is_in_any_range(IP, LocalNetworks)")
    assert values == [True, True, False, False]
    assert one(con, "print ipv6_is_in_any_range('a5e:f127:8a9d:146d:e102:b5d3:c755:abcd', "
                    "'a5e:f127:8a9d:146d:e102:b5d3:c755:f6cd/120', '0:0:0:0:0:ffff:c0a8:ac/60')") == (False,)


def test_bad_arguments_are_refused_with_a_position(con):
    with pytest.raises(kqlite.KqlSemanticError):
        con.query("print ipv6_compare('::1', '::1', 'x')")
    with pytest.raises(kqlite.KqlSemanticError):
        con.query("print has_ipv4('x')")
    with pytest.raises(kqlite.KqlUnsupportedError):
        con.query("datatable(d:dynamic)[dynamic(['1.2.3.4'])] | extend has_any_ipv4('x 1.2.3.4', d)")
