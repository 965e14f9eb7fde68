"""Functions of the third batch (format_bytes, parse_path, parse_version, base64_encode_fromguid,
base64_decode_toguid, hash, hash_xxhash64): the values of the examples in Microsoft's documentation
(data-explorer/kusto/query/<name>-function.md), on the engine under test (--backend); for hash, also XXH64
as its specification defines it (a Python transcription below) over every length of input that takes a
different path through the algorithm. Result types are checked against the analyzer by
tests/test_function_types.py."""

from __future__ import annotations

import struct
from decimal import Decimal

import pytest
from query_helpers import one

import kqlite

# ---- format_bytes

def test_format_bytes_documentation_example(con):
    row = one(con, 'print v1 = format_bytes(564), v2 = format_bytes(10332, 1), v3 = format_bytes(20010332), '
                   'v4 = format_bytes(20010332, 2), v5 = format_bytes(20010332, 0, "KB")')
    assert row == ("564 Bytes", "10.1 KB", "19 MB", "19.08 MB", "19541 KB")


def test_format_bytes_units_and_nulls(con):
    # the older documentation's own line: format_bytes(1024) == '1 KB'; every unit by name; a null size is ""
    row = one(con, 'print format_bytes(1024), format_bytes(1024, 2, "Bytes"), format_bytes(3 * 1024 * 1024 * 1024, 1), '
                   'format_bytes(1099511627776, 0, "TB"), format_bytes(exp2(50)), format_bytes(exp2(61)), '
                   'format_bytes(real(null)), format_bytes(int(5))')
    assert row == ("1 KB", "1024 Bytes", "3 GB", "1 TB", "1 PB", "2 EB", "", "5 Bytes")


# ---- parse_path

PATHS = [
    (r"C:\temp\file.txt", "", "C:", r"C:\temp", "temp", "file.txt", "txt", ""),
    (r"temp\file.txt", "", "", "temp", "temp", "file.txt", "txt", ""),
    ("file://C:/temp/file.txt:some.exe", "file", "C:", "C:/temp", "temp", "file.txt", "txt", "some.exe"),
    (r"\\shared\users\temp\file.txt.gz", "", "", r"\\shared\users\temp", "temp", "file.txt.gz", "gz", ""),
    ("/usr/lib/temp/file.txt", "", "", "/usr/lib/temp", "temp", "file.txt", "txt", ""),
]
KEYS = ("Scheme", "RootPath", "DirectoryPath", "DirectoryName", "Filename", "Extension", "AlternateDataStreamName")


def test_parse_path_documentation_example(con):
    rows = con.query('datatable(p:string) [@"C:\\temp\\file.txt", @"temp\\file.txt", '
                     '"file://C:/temp/file.txt:some.exe", @"\\\\shared\\users\\temp\\file.txt.gz", '
                     '"/usr/lib/temp/file.txt"] | extend path_parts = parse_path(p)').rows()
    assert [r[0] for r in rows] == [p[0] for p in PATHS]
    assert [r[1] for r in rows] == [dict(zip(KEYS, p[1:], strict=True)) for p in PATHS]


def test_parse_path_long_paths_and_empty(con):
    # a long path (\\?\) keeps its prefix in DirectoryPath and has the drive as its root
    long_path, empty = one(con, 'print parse_path(@"\\\\?\\C:\\dir\\a.b"), parse_path("")')
    assert long_path == dict(zip(KEYS, ("", "C:", "\\\\?\\C:\\dir", "dir", "a.b", "b", ""), strict=True))
    assert empty == dict.fromkeys(KEYS, "")


# ---- parse_version

VERSIONS = [
    ("0.0.0.5", Decimal(5)),
    ("0.0.7.0", Decimal(700_000_000)),
    ("0.0.3", Decimal(300_000_000)),
    ("0.2", Decimal(20_000_000_000_000_000)),
    ("0.1.2.0", Decimal(10_000_000_200_000_000)),
    ("1.2.3.4", Decimal(1_000_000_020_000_000_300_000_004)),
    ("1", Decimal(1_000_000_000_000_000_000_000_000)),
]


def test_parse_version_documentation_example(con):
    rows = con.query('let dt = datatable(v: string) ["0.0.0.5", "0.0.7.0", "0.0.3", "0.2", "0.1.2.0", "1.2.3.4", "1"]; '
                     'dt | extend parsedVersion = parse_version(v)').rows()
    assert rows == VERSIONS


def test_parse_version_compares_versions(con):
    rows = con.query('let dt = datatable(lab: string, v: string) ["Lab A", "0.0.0.5", "Lab B", "0.0.7.0", "Lab D","0.0.3", '
                     '"Lab C", "0.2", "Lab G", "0.1.2.0", "Lab F", "1.2.3.4", "Lab E", "1",]; '
                     'dt | extend parsed_version = parse_version(v) '
                     '| extend needs_update = iff(parsed_version < parse_version("1.0.0.0"), "Yes", "No") '
                     '| project lab, v, needs_update | sort by lab asc , v, needs_update').rows()
    assert rows == [("Lab A", "0.0.0.5", "Yes"), ("Lab B", "0.0.7.0", "Yes"), ("Lab C", "0.2", "Yes"),
                    ("Lab D", "0.0.3", "Yes"), ("Lab E", "1", "No"), ("Lab F", "1.2.3.4", "No"),
                    ("Lab G", "0.1.2.0", "Yes")]


def test_parse_version_limits(con):
    # four parts of eight digits at most (the largest: 32 digits); more parts or digits, or no number, is null
    row = one(con, 'print parse_version("99999999.99999999.99999999.99999999"), parse_version("1.2.3.4.5"), '
                   'parse_version("123456789"), parse_version("a.b"), parse_version(""), parse_version("1.")')
    assert row == (Decimal("99999999" * 4), None, None, None, None, None)


# ---- base64 of guids

def test_base64_encode_fromguid_documentation_example(con):
    assert one(con, 'print Quine = base64_encode_fromguid(toguid("ae3133f2-6e22-49ae-b06a-16e6a9b212eb"))') == (
        "8jMxriJurkmwahbmqbIS6w==",)
    assert one(con, "print base64_encode_fromguid(guid(null))") == ("",)
    with pytest.raises(kqlite.KqlSemanticError):  # the documentation: anything but a guid is an error
        con.query('print Empty = base64_encode_fromguid("abcd1231")')


def test_base64_decode_toguid_documentation_example(con):
    # The documentation prints 10e99626-bc2b-754c-bb3e-fe606de25700: the first two groups in .NET's order
    # (little-endian), the third not. .NET's Guid(byte[]), which base64_encode_fromguid's example follows
    # (ae3133f2-6e22-49ae-... encodes to f2 33 31 ae 22 6e ae 49 ...), reads 75 4c as 4c75, and a version-4
    # guid's third group starts with 4: the page's third group is a typo, checked here as .NET reads it.
    (guid,) = one(con, 'print Quine = base64_decode_toguid("JpbpECu8dUy7Pv5gbeJXAA==")')
    assert str(guid) == "10e99626-bc2b-4c75-bb3e-fe606de25700"
    documented = "10e99626-bc2b-754c-bb3e-fe606de25700"
    assert str(guid).split("-")[:2] + str(guid).split("-")[3:] == documented.split("-")[:2] + documented.split("-")[3:]
    # text that is not base64 of 16 bytes is null (the documentation's second example)
    assert one(con, 'print Empty = base64_decode_toguid("abcd1231")') == (None,)


def test_base64_guid_round_trip(con):
    row = one(con, 'print base64_encode_fromguid(base64_decode_toguid("JpbpECu8dUy7Pv5gbeJXAA==")), '
                   'tostring(base64_decode_toguid(base64_encode_fromguid(guid(ae3133f2-6e22-49ae-b06a-16e6a9b212eb))))')
    assert row == ("JpbpECu8dUy7Pv5gbeJXAA==", "ae3133f2-6e22-49ae-b06a-16e6a9b212eb")


# ---- hash, hash_xxhash64

def test_hash_documentation_examples(con):
    row = one(con, 'print hash("World"), hash("World", 100), hash(datetime("2015-01-01")), '
                   'hash_xxhash64("World"), hash_xxhash64("World", 100), hash_xxhash64(datetime("2015-01-01"))')
    assert row == (1846988464401551951, 51, 1380966698541616202) * 2
    # hash_combine's example gives hash("Hello") too
    assert one(con, 'print hash("Hello")') == (753694413698530628,)


_M = 2**64 - 1
_P1, _P2, _P3, _P4, _P5 = (0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x85EBCA77C2B2AE63,
                           0x27D4EB2F165667C5)


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _M


def _round(acc: int, lane: int) -> int:
    return (_rotl((acc + lane * _P2) & _M, 31) * _P1) & _M


def xxh64(data: bytes) -> int:
    """XXH64 with seed 0, as an unsigned number."""
    n, i = len(data), 0
    if n >= 32:
        v = [(_P1 + _P2) & _M, _P2, 0, (-_P1) & _M]
        while i + 32 <= n:
            v = [_round(v[k], struct.unpack_from("<Q", data, i + 8 * k)[0]) for k in range(4)]
            i += 32
        h = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) + _rotl(v[3], 18)) & _M
        for lane in v:
            h = ((h ^ _round(0, lane)) * _P1 + _P4) & _M
    else:
        h = _P5
    h = (h + n) & _M
    while i + 8 <= n:
        h = (_rotl(h ^ _round(0, struct.unpack_from("<Q", data, i)[0]), 27) * _P1 + _P4) & _M
        i += 8
    if i + 4 <= n:
        h = (_rotl(h ^ ((struct.unpack_from("<I", data, i)[0] * _P1) & _M), 23) * _P2 + _P3) & _M
        i += 4
    for byte in data[i:]:
        h = (_rotl(h ^ ((byte * _P5) & _M), 11) * _P1) & _M
    h ^= h >> 33
    h = (h * _P2) & _M
    h ^= h >> 29
    h = (h * _P3) & _M
    return h ^ (h >> 32)


def test_reference_xxh64_gives_the_documented_values():
    assert xxh64(b"") == 0xEF46DB3751D8E999  # the specification's value for no input
    assert xxh64(b"World") == 1846988464401551951
    assert xxh64(struct.pack("<q", 635556672000000000)) == 1380966698541616202  # 2015-01-01 in ticks


def test_hash_of_every_length(con):
    # lengths 0 to 74 take every path (stripes of 32 bytes, 8-byte words, a 4-byte word, single bytes)
    texts = ["".join(chr(97 + (i * 7 + j) % 26) for j in range(i)) for i in range(75)]
    texts += ["h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c", "x" * 200]
    query = ("datatable(t:string) [" + ", ".join(f'"{t}"' for t in texts) + "] "
             "| extend h = hash(t), m = hash(t, 7), n = hash(t, 1000000007)")
    for text, h, m, n in con.query(query).rows():
        expected = xxh64(text.encode("utf-8"))
        assert (h, m, n) == (expected - 2**64 if expected >= 2**63 else expected, expected % 7, expected % 1000000007)


def test_hash_of_nulls_and_of_undocumented_types(con):
    assert one(con, "print hash(datetime(null)), hash(datetime(null), 10)") == (None, None)
    # only the encodings the documentation pins down (text, datetime) are hashed
    with pytest.raises(kqlite.KqlUnsupportedError, match="hash"):
        con.query("print hash(12)")
    with pytest.raises(kqlite.KqlSemanticError):
        con.query("print hash(dynamic([1]))")
