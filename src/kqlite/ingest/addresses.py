"""IP addresses in one canonical form, as Defender writes them: Sysmon writes 0:0:0:0:0:0:0:1 where Security
events write ::1, and a join on RemoteIP must meet them.

The mapping reads the distinct IPv6 texts of the staged events, canonicalizes them here and joins the result
(``_kq_ip6``): a few values at most per log, where the same rules written as SQL macros cost DuckDB 30 ms of
planning per ingest.
"""

from __future__ import annotations

import ipaddress


def canonical_ipv6(text: str) -> str:
    """RFC 5952 (lowercase, leading zeros dropped, the longest run of two zero groups or more, the first of
    equals, as ``::``); IPv4-mapped as Defender writes it (``::ffff:10.0.0.5``); brackets and spaces around
    the address dropped. A text that is no IPv6 address (or has a zone, ``%eth0``) is kept as it is."""
    candidate = text.strip("[] ").lower()
    if ":" not in candidate or "%" in candidate:
        return text
    try:
        address = ipaddress.IPv6Address(candidate)
    except ValueError:
        return text
    if address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return address.compressed
