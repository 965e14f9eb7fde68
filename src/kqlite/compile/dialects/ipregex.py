"""Regular expressions of IP address text, shared by the engines' IP shapes.

Written without backslashes (`[.]`, `[0-9]`), so the same text is read alike by RE2 (DuckDB) and Java
(Spark), whatever each engine's string literals do with a backslash."""

# 0 to 255; leading zeros allowed, as parse_ipv4's dotted-number reading allows them
OCTET = "(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])"
IPV4 = f"{OCTET}[.]{OCTET}[.]{OCTET}[.]{OCTET}"
# has_ipv4_prefix's prefixes: one to three whole octets, each followed by a dot
IPV4_PREFIX = f"({OCTET}[.]){{1,3}}"
# dotted IPv4 text, alone or after '::' or '::ffff:' (Kusto reads all three as the IPv4-mapped address)
IPV4_IN_IPV6 = f"^(::(ffff:)?)?{IPV4}$"
# eight groups of one to four hex digits (lower case), once '::' is expanded
IPV6_GROUPS = "^([0-9a-f]{1,4}:){7}[0-9a-f]{1,4}$"
# IPv6 text (lower case) that ends in a dotted IPv4 address (RFC 4291 2.2, form 3)
IPV6_WITH_IPV4 = f"^[0-9a-f:]*:{IPV4}$"
# an address with an optional /prefix and nothing else after it
WITH_PREFIX = "^[^/]*(/[0-9]{1,3})?$"
# the 96 leading bits of an IPv4-mapped IPv6 address (::ffff:0:0/96)
MAPPED_BITS = "0" * 80 + "1" * 16
